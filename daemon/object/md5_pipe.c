/* SPDX-License-Identifier: ISC */
/*
 * md5_pipe.c: see md5_pipe.h.
 *
 * Slot i % MD5_PIPE_SLOTS holds batch i. posted counts the batches handed
 * over, hashed those the thread has finished; the caller may refill a slot
 * once posted - hashed < MD5_PIPE_SLOTS. The thread always drains what was
 * posted before it stops, so the digest never depends on timing.
 */
#include "object/md5_pipe.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct md5_pipe {
	struct hash_md5	*md5;
	uint8_t		*slot[MD5_PIPE_SLOTS];
	size_t		 len[MD5_PIPE_SLOTS];
	size_t		 used[MD5_PIPE_SLOTS];	/* ever held plaintext */
	pthread_t	 thread;
	bool		 running;
	bool		 failed;	/* no thread: hash on the caller's */
	pthread_mutex_t	 mu;
	pthread_cond_t	 work;		/* posted moved or stop */
	pthread_cond_t	 room;		/* hashed moved */
	uint64_t	 posted, hashed;
	bool		 stop;
};

enum err
md5_pipe_new(struct hash_md5 *md5, struct md5_pipe **ret)
{
	struct md5_pipe *p;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return ERR_NOMEM;
	p->md5 = md5;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->room, NULL);
	for (int i = 0; i < MD5_PIPE_SLOTS; i++) {
		p->slot[i] = malloc(MD5_PIPE_BATCH);
		if (p->slot[i] == NULL) {
			md5_pipe_free(p);
			return ERR_NOMEM;
		}
	}
	*ret = p;
	return ERR_OK;
}

static void *
hasher_main(void *arg)
{
	struct md5_pipe *p = arg;
	size_t i;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->hashed == p->posted && !p->stop)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->hashed == p->posted)
			break;
		i = (size_t)(p->hashed % MD5_PIPE_SLOTS);
		pthread_mutex_unlock(&p->mu);
		hash_md5_update(p->md5, p->slot[i], p->len[i]);
		pthread_mutex_lock(&p->mu);
		p->hashed++;
		pthread_cond_signal(&p->room);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

uint8_t *
md5_pipe_slot(struct md5_pipe *p)
{
	if (p->running) {
		pthread_mutex_lock(&p->mu);
		while (p->posted - p->hashed >= MD5_PIPE_SLOTS)
			pthread_cond_wait(&p->room, &p->mu);
		pthread_mutex_unlock(&p->mu);
	}
	return p->slot[p->posted % MD5_PIPE_SLOTS];
}

void
md5_pipe_post(struct md5_pipe *p, size_t n, bool last)
{
	size_t i = (size_t)(p->posted % MD5_PIPE_SLOTS);

	if (n > p->used[i])
		p->used[i] = n;
	p->len[i] = n;
	if (!p->running && !p->failed && !last) {
		if (pthread_create(&p->thread, NULL, hasher_main, p) == 0)
			p->running = true;
		else
			p->failed = true;
	}
	if (!p->running) {
		hash_md5_update(p->md5, p->slot[i], n);
		p->posted++;
		p->hashed++;
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->posted++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

void
md5_pipe_free(struct md5_pipe *p)
{
	if (p == NULL)
		return;
	if (p->running) {
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_cond_signal(&p->work);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->room);
	for (int i = 0; i < MD5_PIPE_SLOTS; i++) {
		if (p->slot[i] == NULL)
			continue;
		explicit_bzero(p->slot[i], p->used[i]);
		free(p->slot[i]);
	}
	free(p);
}
