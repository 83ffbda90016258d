/* SPDX-License-Identifier: ISC */
/* object_reader.c: see object_reader.h. */
#include "object/object_reader.h"

#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "base/log.h"
#include "kms/kms.h"
#include "object/read_ahead.h"
#include "store/store.h"

/* A stream opens chunks ahead of the sender when at least this much of
 * the open extent is still to come; below it a thread is not worth its
 * start. */
#define READ_AHEAD_MIN	(4 * (uint64_t)STORE_CHUNK_BYTES)

struct object_reader {
	struct api		*api;
	int64_t			 account;	/* the object owner (CMK lookups) */
	struct extent		*ext;
	uint64_t		*off;		/* plaintext offset of each extent */
	size_t			 n;
	uint64_t		 start, len;
	size_t			 cur;		/* open extent, or n */
	struct kms_dek		*dek;
	struct store_cipher	 cipher;
	struct store_reader	*sr;
	struct read_ahead	*ra;		/* of sr's extent, or NULL */
	bool			 ra_tried;	/* for the open extent */
	/* The open extent's plaintext when it is inline (one chunk). */
	uint8_t			*plain;
	size_t			 plain_len;
};

enum err
object_reader_open(struct api *api, int64_t account,
    const struct extent *ext, size_t n, uint64_t start, uint64_t len,
    struct object_reader **ret)
{
	struct object_reader *r;
	uint64_t off = 0;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return ERR_NOMEM;
	r->ext = calloc(n ? n : 1, sizeof(*r->ext));
	r->off = calloc(n ? n : 1, sizeof(*r->off));
	if (r->ext == NULL || r->off == NULL) {
		object_reader_free(r);
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		r->ext[i] = ext[i];
		r->off[i] = off;
		off += ext[i].plain_len;
		/* Inline chunks point into the request arena, which may go
		 * before MHD is done with a streamed response. */
		if (ext[i].inline_data != NULL) {
			uint8_t *d = malloc(ext[i].inline_len ? ext[i].inline_len : 1);

			r->ext[i].inline_data = d;
			if (d == NULL) {
				r->n = i;
				object_reader_free(r);
				return ERR_NOMEM;
			}
			memcpy(d, ext[i].inline_data, ext[i].inline_len);
		}
	}
	r->api = api;
	r->account = account;
	r->n = n;
	r->start = start;
	r->len = len;
	r->cur = n;
	*ret = r;
	return ERR_OK;
}

static void
close_current(struct object_reader *r)
{
	/* Its helper uses the data key. */
	read_ahead_free(r->ra);
	r->ra = NULL;
	r->ra_tried = false;
	store_reader_close(r->sr);
	r->sr = NULL;
	if (r->plain != NULL) {
		explicit_bzero(r->plain, r->plain_len);
		free(r->plain);
		r->plain = NULL;
	}
	kms_dek_free(r->dek);
	r->dek = NULL;
	r->cur = r->n;
}

static enum err
open_extent(struct object_reader *r, size_t i)
{
	const struct extent *e = &r->ext[i];
	enum err err;

	if (r->cur == i)
		return ERR_OK;
	close_current(r);
	err = kms_dek_open(r->api->kms, r->account, e->wrap_key, e->wrapped,
	    e->wrapped_len, e->uuid, &r->dek);
	if (err != ERR_OK)
		return err;
	r->cipher.seal = kms_dek_seal;
	r->cipher.open = kms_dek_open_chunk;
	r->cipher.ctx = r->dek;
	if (e->inline_data != NULL) {
		r->plain = malloc(e->plain_len ? e->plain_len : 1);
		r->plain_len = e->plain_len;
		err = r->plain == NULL ? ERR_NOMEM : store_inline_open(e->uuid,
		    &r->cipher, e->inline_data, e->inline_len, e->plain_len,
		    r->plain);
		if (err != ERR_OK) {
			free(r->plain);
			r->plain = NULL;
			kms_dek_free(r->dek);
			r->dek = NULL;
			return err;
		}
		r->cur = i;
		return ERR_OK;
	}
	err = store_reader_open(r->api->store, e->uuid, e->plain_len, &r->cipher,
	    &r->sr);
	if (err != ERR_OK) {
		kms_dek_free(r->dek);
		r->dek = NULL;
		return err == ERR_NOT_FOUND ? ERR_CORRUPT : err;
	}
	r->cur = i;
	return ERR_OK;
}

/* Extent holding absolute plaintext offset abs (binary search). */
static size_t
find_extent(const struct object_reader *r, uint64_t abs)
{
	size_t lo = 0, hi = r->n;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (r->off[mid] <= abs)
			lo = mid;
		else
			hi = mid;
	}
	/* Skip empty extents. */
	while (lo + 1 < r->n && r->ext[lo].plain_len == 0)
		lo++;
	return lo;
}

/* A stream reading extent i at in_ext gets a helper for the chunks after
 * the current one, up to where the range or the extent ends. Without one
 * (out of memory, no thread) it simply reads on its own. */
static void
ahead_start(struct object_reader *r, size_t i, uint64_t in_ext)
{
	const struct extent *e = &r->ext[i];
	uint64_t first = in_ext / STORE_CHUNK_BYTES + 1;
	uint64_t end = r->start + r->len - r->off[i];

	r->ra_tried = true;
	if (end > e->plain_len)
		end = e->plain_len;
	if (end < first * STORE_CHUNK_BYTES + READ_AHEAD_MIN)
		return;
	if (read_ahead_start(r->api->store, e->uuid, e->plain_len,
	    &r->cipher, first, end, &r->ra) != ERR_OK)
		r->ra = NULL;
}

/* Bytes at in_ext of the open blob extent: from the helper's ring when
 * the read continues its stream, else from the store reader, stopping
 * where the ring's stream begins so the next read continues it. */
static enum err
blob_read(struct object_reader *r, uint64_t in_ext, char *buf, size_t max,
    size_t *ret_n)
{
	uint64_t next;

	if (r->ra != NULL) {
		next = read_ahead_next(r->ra);
		if (in_ext == next)
			return read_ahead_read(r->ra, r->sr, buf, max, ret_n);
		if (in_ext < next && max > next - in_ext)
			max = (size_t)(next - in_ext);
	}
	return store_reader_read(r->sr, in_ext, buf, max, ret_n);
}

static enum err
read_some(struct object_reader *r, uint64_t pos, char *buf, size_t max,
    bool stream, size_t *ret_n)
{
	uint64_t abs = r->start + pos;
	size_t i, got = 0;
	uint64_t in_ext, avail;
	enum err err;

	if (pos >= r->len || r->n == 0) {
		*ret_n = 0;
		return ERR_OK;
	}
	if (max > r->len - pos)
		max = (size_t)(r->len - pos);
	i = find_extent(r, abs);
	err = open_extent(r, i);
	if (err != ERR_OK)
		return err;
	in_ext = abs - r->off[i];
	avail = r->ext[i].plain_len - in_ext;
	if (max > avail)
		max = (size_t)avail;
	if (r->plain != NULL) {
		memcpy(buf, r->plain + in_ext, max);
		got = max;
	} else {
		if (stream && !r->ra_tried)
			ahead_start(r, i, in_ext);
		err = blob_read(r, in_ext, buf, max, &got);
		if (err != ERR_OK)
			return err;
	}
	if (got == 0)
		return ERR_CORRUPT;	/* metadata promised more bytes */
	*ret_n = got;
	return ERR_OK;
}

/*
 * Reading one byte opens the range's first chunk into the store reader's
 * cache, so damage there becomes an error reply instead of 200 headers
 * followed by a cut body; the stream then starts from the cached chunk.
 */
enum err
object_reader_prepare(struct object_reader *r)
{
	char byte;
	size_t got;
	enum err err;

	if (r->n == 0)
		return ERR_OK;
	err = open_extent(r, find_extent(r, r->start));
	if (err != ERR_OK || r->len == 0)
		return err;
	return read_some(r, 0, &byte, 1, false, &got);
}

ssize_t
object_reader_read(void *ctx, uint64_t pos, char *buf, size_t max)
{
	struct object_reader *r = ctx;
	size_t n = 0;
	enum err err;

	err = read_some(r, pos, buf, max, true, &n);
	if (err != ERR_OK) {
		log_errx("object read failed at offset %llu: %s",
		    (unsigned long long)(r->start + pos), err_name(err));
		return -1;
	}
	return (ssize_t)n;
}

enum err
object_reader_read_all(struct object_reader *r, uint64_t pos, void *buf,
    size_t n)
{
	char *p = buf;

	while (n > 0) {
		size_t got = 0;
		enum err err = read_some(r, pos, p, n, true, &got);

		if (err != ERR_OK)
			return err;
		if (got == 0)
			return ERR_CORRUPT;
		p += got;
		pos += got;
		n -= got;
	}
	return ERR_OK;
}

void
object_reader_free(void *ctx)
{
	struct object_reader *r = ctx;

	if (r == NULL)
		return;
	if (r->ext != NULL) {
		close_current(r);
		for (size_t i = 0; i < r->n; i++)
			free((void *)(uintptr_t)r->ext[i].inline_data);
	}
	free(r->ext);
	free(r->off);
	free(r);
}
