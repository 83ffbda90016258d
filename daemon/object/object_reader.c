/* SPDX-License-Identifier: ISC */
/* object_reader.c: see object_reader.h. */
#include "object/object_reader.h"

#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "base/log.h"
#include "kms/kms.h"
#include "store/store.h"

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

static enum err
read_some(struct object_reader *r, uint64_t pos, char *buf, size_t max,
    size_t *ret_n)
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
		err = store_reader_read(r->sr, in_ext, buf, max, &got);
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
	return read_some(r, 0, &byte, 1, &got);
}

ssize_t
object_reader_read(void *ctx, uint64_t pos, char *buf, size_t max)
{
	struct object_reader *r = ctx;
	size_t n = 0;
	enum err err;

	err = read_some(r, pos, buf, max, &n);
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
		enum err err = read_some(r, pos, p, n, &got);

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
