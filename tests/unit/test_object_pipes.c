/* SPDX-License-Identifier: ISC */
/*
 * test_object_pipes.c: unit tests of the two helper-thread pipelines of the
 * object data path (daemon/object/): md5_pipe (MD5 of an upload on its own
 * thread) and read_ahead (chunks of an extent opened ahead of the sender).
 *
 * Both are checked against the plain single-thread result: the digest of
 * the same bytes, and the bytes a store reader returns, for bodies around
 * every batch and chunk boundary, reads of awkward sizes, a damaged chunk,
 * and a reader that stops half way.
 */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hash/hash.h"
#include "kms/kms.h"
#include "object/md5_pipe.h"
#include "object/read_ahead.h"
#include "store/store.h"
#include "support/test_support.h"

#define CHUNK	STORE_CHUNK_BYTES

struct fixture {
	char			*dir;
	struct kms		*kms;
	struct store		*st;
	uint8_t			 uuid[STORE_UUID_BYTES];
	struct kms_dek		*dek;
	struct store_cipher	 c;
	uint8_t			*data;
	size_t			 n;
};

static void
fill(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		p[i] = (uint8_t)((x * 0x2545f4914f6cdd1dULL) >> 56);
	}
}

/* ---------------------------------------------------------- md5_pipe */

/* Feeds n bytes through a pipe, gathering pieces of the given size into
 * batches the way upload.c does, and returns the digest. */
static void
pipe_digest(const uint8_t *data, size_t n, size_t piece,
    uint8_t out[static HASH_MD5_BYTES])
{
	struct hash_md5 md5;
	struct md5_pipe *p = NULL;
	uint8_t *slot;
	size_t off = 0, used = 0, k;

	hash_md5_init(&md5);
	assert_int_equal(md5_pipe_new(&md5, &p), ERR_OK);
	slot = md5_pipe_slot(p);
	while (off < n) {
		k = piece;
		if (k > n - off)
			k = n - off;
		if (k > MD5_PIPE_BATCH - used)
			k = MD5_PIPE_BATCH - used;
		memcpy(slot + used, data + off, k);
		used += k;
		off += k;
		if (used == MD5_PIPE_BATCH) {
			md5_pipe_post(p, used, false);
			/* The posted bytes stay readable until the next
			 * slot is asked for. */
			assert_memory_equal(slot, data + off - used, used);
			slot = md5_pipe_slot(p);
			used = 0;
		}
	}
	md5_pipe_post(p, used, true);
	md5_pipe_free(p);
	hash_md5_final(&md5, out);
}

static void
test_md5_pipe_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 65536, MD5_PIPE_BATCH - 1,
	    MD5_PIPE_BATCH, MD5_PIPE_BATCH + 1, 3 * MD5_PIPE_BATCH,
	    MD5_PIPE_SLOTS * MD5_PIPE_BATCH, 11 * MD5_PIPE_BATCH + 4097,
	    7654321 };
	static const size_t pieces[] = { 1000, 16384, 131072, MD5_PIPE_BATCH };
	size_t max = 7654321;
	uint8_t *data = malloc(max), want[HASH_MD5_BYTES], got[HASH_MD5_BYTES];

	(void)state;
	assert_non_null(data);
	fill(data, max, 17);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		hash_md5(want, data, sizes[i]);
		for (size_t j = 0; j < sizeof(pieces) / sizeof(pieces[0]);
		    j++) {
			/* Byte-per-byte feeding of 7 MB would be slow. */
			if (sizes[i] > 4 * MD5_PIPE_BATCH && pieces[j] < 16384)
				continue;
			pipe_digest(data, sizes[i], pieces[j], got);
			assert_memory_equal(got, want, HASH_MD5_BYTES);
		}
	}
	free(data);
}

/* Freed with batches still queued: they are hashed first, nothing leaks
 * (the sanitizer builds check the latter). */
static void
test_md5_pipe_free_queued(void **state)
{
	struct hash_md5 md5, ref;
	struct md5_pipe *p = NULL;
	uint8_t want[HASH_MD5_BYTES], got[HASH_MD5_BYTES];

	(void)state;
	hash_md5_init(&md5);
	hash_md5_init(&ref);
	assert_int_equal(md5_pipe_new(&md5, &p), ERR_OK);
	for (int i = 0; i < MD5_PIPE_SLOTS; i++) {
		uint8_t *s = md5_pipe_slot(p);

		fill(s, MD5_PIPE_BATCH, (uint64_t)i);
		hash_md5_update(&ref, s, MD5_PIPE_BATCH);
		md5_pipe_post(p, MD5_PIPE_BATCH, false);
	}
	md5_pipe_free(p);
	hash_md5_final(&md5, got);
	hash_md5_final(&ref, want);
	assert_memory_equal(got, want, HASH_MD5_BYTES);
	md5_pipe_free(NULL);
}

/* -------------------------------------------------------- read_ahead */

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct kms_settings ks = { 0 };
	uint8_t wrapped[KMS_WRAPPED_MAX];
	char key[PATH_MAX], wrap_key[KMS_WRAP_KEY_MAX];
	struct store_writer *w = NULL;
	uint64_t len = 0;
	size_t wlen;

	assert_non_null(f);
	f->dir = test_tmpdir("pipes");
	snprintf(key, sizeof(key), "%s/root.key", f->dir);
	ks.root_key_path = key;
	ks.create_root_key = true;
	assert_int_equal(kms_open(&ks, &f->kms), ERR_OK);
	assert_int_equal(store_open(f->dir, &f->st), ERR_OK);
	store_uuid_new(f->uuid);
	assert_int_equal(kms_dek_create(f->kms, 0, NULL, f->uuid, wrapped,
	    &wlen, wrap_key, &f->dek), ERR_OK);
	f->c.seal = kms_dek_seal;
	f->c.open = kms_dek_open_chunk;
	f->c.ctx = f->dek;
	/* 37 chunks, the last one short. */
	f->n = 36 * (size_t)CHUNK + 12345;
	f->data = malloc(f->n);
	assert_non_null(f->data);
	fill(f->data, f->n, 5);
	assert_int_equal(store_writer_new(f->st, f->uuid, &f->c, &w), ERR_OK);
	assert_int_equal(store_writer_write(w, f->data, f->n), ERR_OK);
	assert_int_equal(store_writer_commit(w, &len), ERR_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	kms_dek_free(f->dek);
	store_close(f->st);
	kms_close(f->kms);
	test_rmrf(f->dir);
	free(f->dir);
	free(f->data);
	free(f);
	return 0;
}

/* Streams [first chunk, end) through a read_ahead with reads of up to
 * step bytes, the way object_reader.c does, and compares. */
static void
stream(struct fixture *f, uint64_t first, uint64_t end, size_t step)
{
	struct read_ahead *ra = NULL;
	struct store_reader *sr = NULL;
	uint8_t *buf = malloc(step);
	uint64_t off = first * CHUNK;
	size_t got;

	assert_non_null(buf);
	assert_int_equal(store_reader_open(f->st, f->uuid, f->n, &f->c, &sr),
	    ERR_OK);
	assert_int_equal(read_ahead_start(f->st, f->uuid, f->n, &f->c, first,
	    end, &ra), ERR_OK);
	while (off < end) {
		assert_int_equal(read_ahead_next(ra), off);
		assert_int_equal(read_ahead_read(ra, sr, buf, step, &got),
		    ERR_OK);
		assert_true(got > 0 && got <= step);
		assert_true(got == step || off + got == end ||
		    (off + got) % CHUNK == 0);
		assert_memory_equal(buf, f->data + off, got);
		off += got;
	}
	assert_int_equal(read_ahead_read(ra, sr, buf, step, &got), ERR_OK);
	assert_int_equal(got, 0);
	read_ahead_free(ra);
	store_reader_close(sr);
	free(buf);
}

static void
test_read_ahead_stream(void **state)
{
	struct fixture *f = *state;
	static const size_t steps[] = { 1, 4095, CHUNK, CHUNK + 1, 100000,
	    256 * 1024, 2 * 1024 * 1024 };

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		/* One byte at a time over 2 MiB is slow; a few chunks do. */
		uint64_t end = steps[i] == 1 ? 3 * CHUNK + 7 : f->n;

		stream(f, 0, end, steps[i]);
		stream(f, 1, f->n, steps[i]);
		stream(f, 5, 20 * CHUNK + 333, steps[i]);
	}
	stream(f, 36, f->n, 4096);
	assert_int_equal(read_ahead_start(f->st, f->uuid, f->n, &f->c, 37,
	    f->n, &(struct read_ahead *){ NULL }), ERR_INVALID_ARGUMENT);
	assert_int_equal(read_ahead_start(f->st, f->uuid, f->n, &f->c, 0,
	    f->n + 1, &(struct read_ahead *){ NULL }), ERR_INVALID_ARGUMENT);
}

/* A damaged chunk fails the read that reaches it, whichever thread
 * opened it; everything before it still arrives intact. */
static void
test_read_ahead_corrupt(void **state)
{
	struct fixture *f = *state;
	struct read_ahead *ra = NULL;
	struct store_reader *sr = NULL;
	char path[PATH_MAX];
	uint8_t *buf = malloc(CHUNK), b;
	uint64_t off = 0;
	size_t got;
	enum err e = ERR_OK;
	int fd;

	assert_non_null(buf);
	store_blob_path(f->st, f->uuid, path, sizeof(path));
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, 9 * STORE_SEALED_BYTES + 100), 1);
	b ^= 1;
	assert_int_equal(pwrite(fd, &b, 1, 9 * STORE_SEALED_BYTES + 100), 1);
	assert_int_equal(store_reader_open(f->st, f->uuid, f->n, &f->c, &sr),
	    ERR_OK);
	assert_int_equal(read_ahead_start(f->st, f->uuid, f->n, &f->c, 0,
	    f->n, &ra), ERR_OK);
	while (off < f->n) {
		e = read_ahead_read(ra, sr, buf, CHUNK, &got);
		if (e != ERR_OK)
			break;
		assert_memory_equal(buf, f->data + off, got);
		off += got;
	}
	assert_int_equal(e, ERR_CORRUPT);
	assert_int_equal(off, 9 * (uint64_t)CHUNK);
	read_ahead_free(ra);
	store_reader_close(sr);
	b ^= 1;
	assert_int_equal(pwrite(fd, &b, 1, 9 * STORE_SEALED_BYTES + 100), 1);
	close(fd);
	free(buf);
}

/* A client that goes away: the read_ahead is freed mid-stream, or before
 * its first read, while its helper may be opening chunks. */
static void
test_read_ahead_early_free(void **state)
{
	struct fixture *f = *state;
	struct read_ahead *ra = NULL;
	struct store_reader *sr = NULL;
	uint8_t buf[1000];
	size_t got;

	assert_int_equal(store_reader_open(f->st, f->uuid, f->n, &f->c, &sr),
	    ERR_OK);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(read_ahead_start(f->st, f->uuid, f->n, &f->c,
		    0, f->n, &ra), ERR_OK);
		if (i % 2 == 0) {
			assert_int_equal(read_ahead_read(ra, sr, buf,
			    sizeof(buf), &got), ERR_OK);
			assert_memory_equal(buf, f->data, got);
		}
		read_ahead_free(ra);
	}
	store_reader_close(sr);
	read_ahead_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md5_pipe_sizes),
		cmocka_unit_test(test_md5_pipe_free_queued),
		cmocka_unit_test_setup_teardown(test_read_ahead_stream, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_ahead_corrupt, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_ahead_early_free,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
