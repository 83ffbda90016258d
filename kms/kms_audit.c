/* SPDX-License-Identifier: ISC */
/*
 * kms_audit.c: the audit trail of key operations.
 *
 * State changes write their audit row inside their own transaction
 * (kms_audit_tx), so a transition and its record commit or vanish together.
 * Cryptographic operations (Encrypt, Decrypt, GenerateDataKey, and the data
 * keys of SSE-KMS objects) change nothing, and writing a row synchronously
 * for each would cap them at the rate of fsync'd commits (about 8 k/s on
 * this machine, spec perf-limits.md §3), far below the request rate they
 * must sustain. They are queued instead and written in batches, one
 * transaction per batch, by a flusher thread started on first use: at
 * least every KMS_AUDIT_FLUSH_MS, sooner when the queue is half full. A
 * producer finding the queue full waits for the flusher (back-pressure),
 * so rows are never dropped for lack of room; a crash loses at most the
 * last batch interval of crypto-operation rows. Rows never contain key
 * material or plaintext: actor, action, key, result code, short detail.
 *
 * The same thread, started by kms_open, is the module's housekeeping: at
 * each idle period it also re-protects the root-key region
 * (kms_keys_idle, see kms_crypto.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "db/db.h"
#include "kms/kms_int.h"

void
kms_audit_fill(struct kms_audit_entry *e, int64_t time_ms, const char *actor,
    const char *action, const char *target, enum err r, const char *detail)
{
	const struct err_info *ei = err_info(r);

	e->time_ms = time_ms;
	str_copy(e->actor, sizeof(e->actor), actor != NULL ? actor : "");
	str_copy(e->action, sizeof(e->action), action);
	str_copy(e->target, sizeof(e->target), target != NULL ? target : "");
	str_copy(e->result, sizeof(e->result), r == ERR_OK ? "ok" :
	    ei->kms_code != NULL ? ei->kms_code : ei->code);
	str_copy(e->detail, sizeof(e->detail), detail != NULL ? detail : "");
}

enum err
kms_audit_tx(struct kms *k, int64_t time_ms, const char *actor,
    const char *action, const char *target, enum err r, const char *detail)
{
	struct kms_audit_entry e;

	kms_audit_fill(&e, time_ms, actor, action, target, r, detail);
	return kms_db_audit_insert(k->db, &e);
}

enum err
kms_audit_init(struct kms *k)
{
	k->audit_q = calloc(KMS_AUDIT_QUEUE_MAX, sizeof(*k->audit_q));
	k->audit_spare = calloc(KMS_AUDIT_QUEUE_MAX, sizeof(*k->audit_spare));
	if (k->audit_q == NULL || k->audit_spare == NULL) {
		free(k->audit_q);
		free(k->audit_spare);
		k->audit_q = k->audit_spare = NULL;
		return ERR_NOMEM;
	}
	pthread_mutex_init(&k->audit_lock, NULL);
	pthread_cond_init(&k->audit_wake, NULL);
	pthread_cond_init(&k->audit_space, NULL);
	return ERR_OK;
}

/* Writes batch[0..n) in one transaction. On failure the batch is lost
 * (logged once with the count): retrying forever would stall producers
 * behind a broken disk, and the daemon's other writes fail loudly too. */
static void
write_batch(struct kms *k, const struct kms_audit_entry *batch, unsigned n)
{
	enum err r;

	if (n == 0)
		return;
	r = db_tx_begin(k->db);
	for (unsigned i = 0; r == ERR_OK && i < n; i++)
		r = kms_db_audit_insert(k->db, &batch[i]);
	if (r == ERR_OK)
		r = db_tx_commit(k->db);
	if (r != ERR_OK) {
		db_tx_rollback(k->db);
		log_warnx("kms: cannot write %u audit row(s): %s; dropping "
		    "them", n, err_name(r));
		pthread_mutex_lock(&k->audit_lock);
		k->audit_dropped += n;
		pthread_mutex_unlock(&k->audit_lock);
	}
}

/* Swaps the queue with the spare under the lock and writes the batch
 * outside it, so producers keep queueing while the disk works. Only one
 * batch is in flight at a time (audit_busy). Called with the lock held;
 * returns with it held. */
static void
flush_locked(struct kms *k)
{
	struct kms_audit_entry *batch;
	unsigned n;

	while (k->audit_busy)
		pthread_cond_wait(&k->audit_space, &k->audit_lock);
	if (k->audit_n == 0)
		return;
	batch = k->audit_q;
	n = k->audit_n;
	k->audit_q = k->audit_spare;
	k->audit_spare = NULL;
	k->audit_n = 0;
	k->audit_busy = true;
	pthread_cond_broadcast(&k->audit_space);
	pthread_mutex_unlock(&k->audit_lock);
	write_batch(k, batch, n);
	pthread_mutex_lock(&k->audit_lock);
	k->audit_spare = batch;
	k->audit_busy = false;
	pthread_cond_broadcast(&k->audit_space);
}

/* The housekeeping thread: audit batches, and the lazy re-protection of
 * the root-key region (kms_keys_idle). */
static void *
flusher(void *arg)
{
	struct kms *k = arg;
	struct timespec ts;

	pthread_mutex_lock(&k->audit_lock);
	while (!k->audit_stop) {
		if (k->audit_n < KMS_AUDIT_QUEUE_MAX / 2) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += KMS_AUDIT_FLUSH_MS * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			if (pthread_cond_timedwait(&k->audit_wake,
			    &k->audit_lock, &ts) == ETIMEDOUT) {
				pthread_mutex_unlock(&k->audit_lock);
				kms_keys_idle(k);
				pthread_mutex_lock(&k->audit_lock);
			}
		}
		flush_locked(k);
	}
	flush_locked(k);
	pthread_mutex_unlock(&k->audit_lock);
	return NULL;
}

void
kms_audit_start(struct kms *k)
{
	pthread_mutex_lock(&k->audit_lock);
	if (!k->audit_running && !k->audit_stop) {
		if (pthread_create(&k->audit_thread, NULL, flusher, k) == 0)
			k->audit_running = true;
		else
			log_warnx("kms: cannot start the housekeeping thread; "
			    "writing audit rows synchronously");
	}
	pthread_mutex_unlock(&k->audit_lock);
}

void
kms_audit_queue(struct kms *k, const char *actor, const char *action,
    const char *target, enum err r, const char *detail)
{
	struct kms_audit_entry e;

	kms_audit_fill(&e, clock_now_ms(k->clock), actor, action, target, r,
	    detail);
	pthread_mutex_lock(&k->audit_lock);
	if (!k->audit_running) {
		/* No flusher (it could not start, or we are shutting
		 * down): write this row ourselves. */
		pthread_mutex_unlock(&k->audit_lock);
		write_batch(k, &e, 1);
		return;
	}
	while (k->audit_n == KMS_AUDIT_QUEUE_MAX)
		pthread_cond_wait(&k->audit_space, &k->audit_lock);
	k->audit_q[k->audit_n++] = e;
	if (k->audit_n == KMS_AUDIT_QUEUE_MAX / 2)
		pthread_cond_signal(&k->audit_wake);
	pthread_mutex_unlock(&k->audit_lock);
}

void
kms_audit_queue_call(struct kms *k, const struct kms_caller *who,
    const char *action, const char *target, enum err r, const char *detail)
{
	char d[sizeof(((struct kms_audit_entry *)0)->detail)];

	if (who->client_cert == NULL) {
		kms_audit_queue(k, who->actor, action, target, r, detail);
		return;
	}
	snprintf(d, sizeof(d), "%s%sclient_cert=%s", detail ? detail : "",
	    detail && detail[0] ? " " : "", who->client_cert);
	kms_audit_queue(k, who->actor, action, target, r, d);
}

enum err
kms_audit_flush(struct kms *k)
{
	pthread_mutex_lock(&k->audit_lock);
	flush_locked(k);
	pthread_mutex_unlock(&k->audit_lock);
	return ERR_OK;
}

void
kms_audit_shutdown(struct kms *k)
{
	bool running;

	if (k->audit_q == NULL)
		return;
	pthread_mutex_lock(&k->audit_lock);
	k->audit_stop = true;
	running = k->audit_running;
	pthread_cond_signal(&k->audit_wake);
	pthread_mutex_unlock(&k->audit_lock);
	if (running)
		pthread_join(k->audit_thread, NULL);
	pthread_mutex_lock(&k->audit_lock);
	k->audit_running = false;
	flush_locked(k);
	if (k->audit_dropped > 0)
		log_warnx("kms: %llu audit row(s) were lost to write errors",
		    (unsigned long long)k->audit_dropped);
	pthread_mutex_unlock(&k->audit_lock);
	pthread_cond_destroy(&k->audit_wake);
	pthread_cond_destroy(&k->audit_space);
	pthread_mutex_destroy(&k->audit_lock);
	free(k->audit_q);
	free(k->audit_spare);
	k->audit_q = k->audit_spare = NULL;
}

enum err
kms_audit_list(struct kms *k, unsigned limit,
    void (*fn)(void *ctx, const struct kms_audit_row *row), void *ctx)
{
	(void)kms_audit_flush(k);
	return kms_db_audit_list(k->db, limit, fn, ctx);
}
