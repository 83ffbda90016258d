/* SPDX-License-Identifier: ISC */
/*
 * upload.c: see upload.h.
 *
 * MD5 is the slowest step per byte (about twice the cost of the AEAD, DESIGN
 * §4), so a body too large to stay inline is gathered into the batches of
 * an md5_pipe: its thread hashes one batch while this thread computes the
 * CRC and seals and writes it, then gathers the next ones. Nothing waits
 * for MD5 until the ring is full or the body ends, so receiving, hashing
 * and sealing overlap. Every store error still surfaces here, on the
 * caller's thread, and the blob is fsync'd only in upload_finish, after
 * the last batch.
 *
 * MHD hands a body over in pieces no larger than its per-connection pool,
 * which is kept small because MHD zeroes the whole pool between any two
 * requests of a connection (daemon/main.c); the batches also spare the
 * hashing thread one wake-up per piece.
 */
#include "object/upload.h"

#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "kms/kms.h"
#include "object/md5_pipe.h"
#include "store/store.h"

struct upload {
	struct api		*api;
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
	/* A large body: the pipe hashing its batches, the one being
	 * gathered (a slot of the pipe) and how much of it is filled. */
	struct md5_pipe		*pipe;
	bool			 pipe_failed;
	uint8_t			*stage;
	size_t			 stage_len;
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

static void
buf_wipe(struct upload *u)
{
	/* Only what the body wrote: zeroing all 64 KiB was most of the
	 * memset time of a 4 KiB PUT. */
	if (u->buf != NULL) {
		explicit_bzero(u->buf, u->buf_len);
		free(u->buf);
		u->buf = NULL;
	}
	u->buf_len = 0;
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
		buf_wipe(u);
	}
	return store_writer_write(u->w, p, n);
}

/* Everything but MD5, which the caller has taken care of. */
static enum err
write_hashed(struct upload *u, const void *p, size_t n)
{
	u->crc = hash_crc64(u->crc, p, n);
	if (u->want_sha)
		hash_sha256_update(&u->sha, p, n);
	u->len += n;
	return store_bytes(u, p, n);
}

/* Hands the gathered batch to the pipe, then seals and writes it while
 * MD5 runs; the next batch is gathered in the next free slot. */
static enum err
stage_flush(struct upload *u, bool last)
{
	size_t n = u->stage_len;
	enum err r;

	if (n == 0 && !last)
		return ERR_OK;
	md5_pipe_post(u->pipe, n, last);
	r = write_hashed(u, u->stage, n);
	u->stage = last ? NULL : md5_pipe_slot(u->pipe);
	u->stage_len = 0;
	return r;
}

enum err
upload_write(struct upload *u, const void *p, size_t n)
{
	const uint8_t *b = p;
	enum err r;

	/* A small body stays inline and is hashed here. */
	if (u->pipe == NULL && (u->len + n <= STORE_INLINE_MAX ||
	    u->pipe_failed)) {
		hash_md5_update(&u->md5, p, n);
		return write_hashed(u, p, n);
	}
	if (u->pipe == NULL) {
		if (md5_pipe_new(&u->md5, &u->pipe) != ERR_OK) {
			u->pipe_failed = true;
			hash_md5_update(&u->md5, p, n);
			return write_hashed(u, p, n);
		}
		u->stage = md5_pipe_slot(u->pipe);
		u->stage_len = 0;
	}
	while (n > 0) {
		size_t k = MD5_PIPE_BATCH - u->stage_len;

		if (k > n)
			k = n;
		memcpy(u->stage + u->stage_len, b, k);
		u->stage_len += k;
		b += k;
		n -= k;
		if (u->stage_len == MD5_PIPE_BATCH &&
		    (r = stage_flush(u, false)) != ERR_OK)
			return r;
	}
	return ERR_OK;
}

/* Waits for MD5 to finish; the pipe wipes its batches. */
static void
pipe_free(struct upload *u)
{
	md5_pipe_free(u->pipe);
	u->pipe = NULL;
	u->stage = NULL;
	u->stage_len = 0;
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

	r = u->pipe != NULL ? stage_flush(u, true) : ERR_OK;
	pipe_free(u);
	if (r != ERR_OK)
		return r;
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
	pipe_free(u);
	kms_dek_free(u->dek);
	buf_wipe(u);
	free(u->sealed);
	free(u);
}

void
upload_abort(struct upload *u)
{
	if (u == NULL)
		return;
	pipe_free(u);
	if (u->w != NULL)
		store_writer_abort(u->w);
	else if (u->finished)
		(void)store_unlink(u->api->store, u->extent.uuid);
	kms_dek_free(u->dek);
	buf_wipe(u);
	free(u->sealed);
	free(u);
}
