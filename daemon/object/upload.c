/* SPDX-License-Identifier: ISC */
/*
 * upload.c: see upload.h.
 *
 * MD5 is the slowest step per byte (about twice the cost of the AEAD, DESIGN
 * §4), so a body too large to stay inline gets a helper thread that hashes
 * each chunk MHD hands us while this thread computes the CRC and seals and
 * writes the same bytes; the call returns when both are done, so the
 * caller's buffer is never used after upload_write returns.
 *
 * MHD hands a body over in pieces no larger than its per-connection pool,
 * which is kept small because MHD zeroes the whole pool between any two
 * requests of a connection (daemon/main.c). So a large body is gathered
 * into batches of UPLOAD_BATCH bytes first: the helper is woken once per
 * batch, not once per piece.
 */
#include "object/upload.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "kms/kms.h"
#include "store/store.h"

#define UPLOAD_BATCH	(256 * 1024)

struct md5_worker {
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct hash_md5		*md5;
	const void		*p;
	size_t			 n;
	bool			 busy;		/* a job is posted */
	bool			 stop;
};

struct upload {
	struct api		*api;
	struct md5_worker	*mw;
	struct kms_dek		*dek;
	struct store_cipher	 cipher;
	struct store_writer	*w;
	struct hash_md5		 md5;
	uint64_t		 crc;
	uint64_t		 len;
	struct hash_sha256	 sha;
	bool			 want_md5, want_crc, want_sha;
	uint8_t			 expect_md5[HASH_MD5_BYTES];
	uint64_t		 expect_crc;
	uint8_t			 expect_sha[HASH_SHA256_BYTES];
	struct extent		 extent;
	bool			 finished;	/* blob renamed into place */
	/* Bodies up to STORE_INLINE_MAX stay here until finish and are then
	 * sealed into the extent row (no blob file); a larger body spills
	 * into a store writer. */
	uint8_t			*buf;
	size_t			 buf_len;
	uint8_t			*sealed;	/* inline extent, once finished */
	/* A large body's next batch (UPLOAD_BATCH bytes, not zeroed;
	 * stage_used is how much of it ever held plaintext, to wipe). */
	uint8_t			*stage;
	size_t			 stage_len, stage_used;
};

enum err
upload_begin(struct api *api, int64_t account, const char *cmk_id,
    struct upload **ret)
{
	struct upload *u;
	enum err r;

	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return ERR_NOMEM;
	u->api = api;
	store_uuid_new(u->extent.uuid);
	r = kms_dek_create(api->kms, account, cmk_id, u->extent.uuid,
	    u->extent.wrapped, &u->extent.wrapped_len, u->extent.wrap_key,
	    &u->dek);
	if (r != ERR_OK)
		goto fail;
	u->cipher.seal = kms_dek_seal;
	u->cipher.open = kms_dek_open_chunk;
	u->cipher.ctx = u->dek;
	hash_md5_init(&u->md5);
	hash_sha256_init(&u->sha);
	*ret = u;
	return ERR_OK;
fail:
	kms_dek_free(u->dek);
	free(u);
	return r;
}

void
upload_expect_md5(struct upload *u, const uint8_t md5[static HASH_MD5_BYTES])
{
	memcpy(u->expect_md5, md5, HASH_MD5_BYTES);
	u->want_md5 = true;
}

void
upload_expect_crc64(struct upload *u, uint64_t crc)
{
	u->expect_crc = crc;
	u->want_crc = true;
}

void
upload_expect_sha256(struct upload *u,
    const uint8_t sha[static HASH_SHA256_BYTES])
{
	memcpy(u->expect_sha, sha, HASH_SHA256_BYTES);
	u->want_sha = true;
}

static void *
md5_worker_main(void *arg)
{
	struct md5_worker *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->busy && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop)
			break;
		pthread_mutex_unlock(&w->mu);
		hash_md5_update(w->md5, w->p, w->n);
		pthread_mutex_lock(&w->mu);
		w->busy = false;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Starts the helper; on failure MD5 simply stays on this thread. */
static void
md5_worker_start(struct upload *u)
{
	struct md5_worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return;
	w->md5 = &u->md5;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, md5_worker_main, w) != 0) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		free(w);
		return;
	}
	u->mw = w;
}

static void
md5_worker_post(struct md5_worker *w, const void *p, size_t n)
{
	pthread_mutex_lock(&w->mu);
	w->p = p;
	w->n = n;
	w->busy = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static void
md5_worker_wait(struct md5_worker *w)
{
	pthread_mutex_lock(&w->mu);
	while (w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

static void
md5_worker_stop(struct upload *u)
{
	struct md5_worker *w = u->mw;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
	u->mw = NULL;
}

/* Seals and writes p (spilling an inline buffer to a blob first). */
static enum err
store_bytes(struct upload *u, const void *p, size_t n)
{
	if (u->w == NULL && u->buf_len + n <= STORE_INLINE_MAX) {
		if (u->buf == NULL) {
			u->buf = malloc(STORE_INLINE_MAX);
			if (u->buf == NULL)
				return ERR_NOMEM;
		}
		memcpy(u->buf + u->buf_len, p, n);
		u->buf_len += n;
		return ERR_OK;
	}
	if (u->w == NULL) {
		enum err r = store_writer_new(u->api->store, u->extent.uuid,
		    &u->cipher, &u->w);
		if (r == ERR_OK && u->buf_len > 0)
			r = store_writer_write(u->w, u->buf, u->buf_len);
		if (r != ERR_OK)
			return r;
		u->buf_len = 0;
	}
	return store_writer_write(u->w, p, n);
}

static enum err
write_batch(struct upload *u, const void *p, size_t n)
{
	enum err r;

	/* A large body: hash in parallel from now on. */
	if (u->mw == NULL && u->len + n > STORE_INLINE_MAX &&
	    n >= 16 * 1024)
		md5_worker_start(u);
	if (u->mw != NULL)
		md5_worker_post(u->mw, p, n);
	else
		hash_md5_update(&u->md5, p, n);
	u->crc = hash_crc64(u->crc, p, n);
	if (u->want_sha)
		hash_sha256_update(&u->sha, p, n);
	u->len += n;
	r = store_bytes(u, p, n);
	/* The caller may reuse p once we return. */
	if (u->mw != NULL)
		md5_worker_wait(u->mw);
	return r;
}

static enum err
stage_flush(struct upload *u)
{
	enum err r = ERR_OK;

	if (u->stage_len > 0)
		r = write_batch(u, u->stage, u->stage_len);
	u->stage_len = 0;
	return r;
}

enum err
upload_write(struct upload *u, const void *p, size_t n)
{
	const uint8_t *b = p;
	enum err r;

	/* A small body stays inline; a piece as large as a batch needs no
	 * gathering. Either way nothing is staged yet. */
	if (u->stage == NULL && (u->len + n <= STORE_INLINE_MAX ||
	    n >= UPLOAD_BATCH || (u->stage = malloc(UPLOAD_BATCH)) == NULL))
		return write_batch(u, p, n);
	while (n > 0) {
		size_t k = UPLOAD_BATCH - u->stage_len;

		if (k > n)
			k = n;
		memcpy(u->stage + u->stage_len, b, k);
		u->stage_len += k;
		if (u->stage_len > u->stage_used)
			u->stage_used = u->stage_len;
		b += k;
		n -= k;
		if (u->stage_len == UPLOAD_BATCH &&
		    (r = stage_flush(u)) != ERR_OK)
			return r;
	}
	return ERR_OK;
}

/* Only what held plaintext is wiped. */
static void
stage_free(struct upload *u)
{
	if (u->stage != NULL) {
		explicit_bzero(u->stage, u->stage_used);
		free(u->stage);
		u->stage = NULL;
	}
	u->stage_len = u->stage_used = 0;
}

static void
buf_wipe(struct upload *u)
{
	if (u->buf != NULL) {
		explicit_bzero(u->buf, STORE_INLINE_MAX);
		free(u->buf);
		u->buf = NULL;
	}
	u->buf_len = 0;
}

/* Seals a small body as the extent's inline chunk. */
static enum err
finish_inline(struct upload *u)
{
	enum err r;

	u->sealed = malloc(u->buf_len + STORE_OVERHEAD_BYTES);
	if (u->sealed == NULL)
		return ERR_NOMEM;
	r = store_inline_seal(u->extent.uuid, &u->cipher,
	    u->buf ? u->buf : (const uint8_t *)"", u->buf_len, u->sealed);
	if (r != ERR_OK)
		return r;
	u->extent.plain_len = u->buf_len;
	u->extent.inline_data = u->sealed;
	u->extent.inline_len = u->buf_len + STORE_OVERHEAD_BYTES;
	buf_wipe(u);
	return ERR_OK;
}

enum err
upload_finish(struct upload *u, struct upload_result *ret)
{
	uint8_t sha[HASH_SHA256_BYTES];
	uint64_t plain_len = 0;
	enum err r;

	r = stage_flush(u);
	stage_free(u);
	if (r != ERR_OK)
		return r;
	md5_worker_stop(u);
	hash_md5_final(&u->md5, ret->md5);
	hash_sha256_final(&u->sha, sha);
	/* Verify before making the blob durable: a bad upload costs no
	 * fsync. */
	if (u->want_md5 && memcmp(ret->md5, u->expect_md5, HASH_MD5_BYTES) != 0)
		r = ERR_BAD_DIGEST;
	else if (u->want_crc && u->crc != u->expect_crc)
		r = ERR_CRC64_MISMATCH;
	else if (u->want_sha && memcmp(sha, u->expect_sha, sizeof(sha)) != 0)
		r = ERR_CONTENT_SHA256_MISMATCH;
	else
		r = ERR_OK;
	if (r != ERR_OK) {
		store_writer_abort(u->w);
		u->w = NULL;
		buf_wipe(u);
		return r;
	}
	if (u->w == NULL) {
		r = finish_inline(u);
		if (r != ERR_OK)
			return r;
	} else {
		r = store_writer_commit(u->w, &plain_len);
		u->w = NULL;
		if (r != ERR_OK)
			return r;
		u->finished = true;
		u->extent.plain_len = plain_len;
	}
	ret->extent = u->extent;
	ret->crc64 = u->crc;
	ret->len = u->len;
	return ERR_OK;
}

void
upload_commit(struct upload *u)
{
	if (u == NULL)
		return;
	md5_worker_stop(u);
	kms_dek_free(u->dek);
	buf_wipe(u);
	stage_free(u);
	free(u->sealed);
	free(u);
}

void
upload_abort(struct upload *u)
{
	if (u == NULL)
		return;
	md5_worker_stop(u);
	if (u->w != NULL)
		store_writer_abort(u->w);
	else if (u->finished)
		(void)store_unlink(u->api->store, u->extent.uuid);
	kms_dek_free(u->dek);
	buf_wipe(u);
	stage_free(u);
	free(u->sealed);
	free(u);
}
