/* SPDX-License-Identifier: ISC */
/*
 * db_ckpt.c: WAL checkpoints on a thread of their own (SQLite).
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that crosses its
 * threshold, on the writer, under the write lock: every writer waited
 * while a thousand pages were copied and both files synced. The writer
 * now only signals (db.c, its WAL hook); this thread copies beside the
 * writers (db_checkpoint). Started with the first signal, so a short-lived
 * command never starts it.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "base/log.h"
#include "db/db_int.h"

struct db_ckpt {
	struct db	*db;
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	pthread_t	 thread;
	bool		 running;
	bool		 due;
	bool		 stop;
};

static void *
ckpt_main(void *arg)
{
	struct db_ckpt *k = arg;

	pthread_mutex_lock(&k->lock);
	for (;;) {
		while (!k->stop && !k->due)
			pthread_cond_wait(&k->wake, &k->lock);
		if (k->stop)
			break;
		k->due = false;
		pthread_mutex_unlock(&k->lock);
		db_checkpoint(k->db);
		pthread_mutex_lock(&k->lock);
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

struct db_ckpt *
db_ckpt_new(struct db *db)
{
	struct db_ckpt *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	k->db = db;
	pthread_mutex_init(&k->lock, NULL);
	pthread_cond_init(&k->wake, NULL);
	return k;
}

bool
db_ckpt_kick(struct db_ckpt *k)
{
	bool ok;

	if (k == NULL)
		return false;
	pthread_mutex_lock(&k->lock);
	if (!k->running && !k->stop) {
		if (pthread_create(&k->thread, NULL, ckpt_main, k) == 0)
			k->running = true;
		else
			log_warnx("db: no checkpoint thread; the writer "
			    "checkpoints");
	}
	ok = k->running;
	k->due = true;
	pthread_cond_signal(&k->wake);
	pthread_mutex_unlock(&k->lock);
	return ok;
}

void
db_ckpt_free(struct db_ckpt *k)
{
	if (k == NULL)
		return;
	pthread_mutex_lock(&k->lock);
	k->stop = true;
	pthread_cond_signal(&k->wake);
	pthread_mutex_unlock(&k->lock);
	if (k->running)
		pthread_join(k->thread, NULL);
	pthread_cond_destroy(&k->wake);
	pthread_mutex_destroy(&k->lock);
	free(k);
}
