/* SPDX-License-Identifier: ISC */
/*
 * test_store.c: unit tests of the encrypted extent store (daemon/store/).
 *
 * The cipher is the real one (kms data keys), so these tests also show that
 * the chunk format of store.h holds against tampering: flipped bytes,
 * swapped chunks, a blob moved to another uuid and a truncated blob must all
 * fail to read. write(2) is interposed below so that ENOSPC, EIO, short
 * writes and EINTR can be injected without a full file system.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "kms/kms.h"
#include "store/store.h"
#include "support/test_support.h"

#define MIB		((size_t)1 << 20)
#define SEALED_OFF(i)	((off_t)(i) * STORE_SEALED_BYTES)

/*
 * write(2) interposer: the executable's definition wins over libc's for
 * every caller linked into it, store_fs.c included. Only descriptors above
 * stderr are affected, so log lines still get out.
 */
static _Atomic int write_fail_errno;	/* fail with this errno when != 0 */
static _Atomic int write_quirks;	/* EINTR every other call, short writes */
static _Atomic unsigned write_calls;

ssize_t
write(int fd, const void *p, size_t n)
{
	static _Atomic unsigned toggle;

	if (fd > 2) {
		write_calls++;
		if (write_fail_errno != 0) {
			errno = write_fail_errno;
			return -1;
		}
		if (write_quirks) {
			if (toggle++ % 2 == 0) {
				errno = EINTR;
				return -1;
			}
			if (n > 1)
				n = n / 2 + 1;
		}
	}
	return syscall(SYS_write, fd, p, n);
}

struct fixture {
	char		*dir;
	struct kms	*kms;
	struct store	*st;
};

/* One extent: its uuid, its data key and the cipher built on it. */
struct extent {
	uint8_t			 uuid[STORE_UUID_BYTES];
	struct kms_dek		*dek;
	struct store_cipher	 c;
};

/* Wraps a cipher and counts calls, to see which chunks a read opens. */
struct counting {
	struct store_cipher	 inner;
	unsigned		 seals;
	unsigned		 opens;
};

static uint64_t
sealed_size(uint64_t n)
{
	uint64_t chunks = (n + STORE_CHUNK_BYTES - 1) / STORE_CHUNK_BYTES;

	if (chunks == 0)
		chunks = 1;
	return n + chunks * STORE_OVERHEAD_BYTES;
}

/* Deterministic bytes (xorshift64*); the seed makes extents differ. */
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

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char key[PATH_MAX];
	struct kms_settings ks = { 0 };

	assert_non_null(f);
	f->dir = test_tmpdir("store");
	snprintf(key, sizeof(key), "%s/root.key", f->dir);
	ks.root_key_path = key;
	ks.create_root_key = true;
	assert_int_equal(kms_open(&ks, &f->kms), ERR_OK);
	assert_int_equal(store_open(f->dir, &f->st), ERR_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	write_fail_errno = 0;
	write_quirks = 0;
	store_close(f->st);
	kms_close(f->kms);
	test_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void
extent_new(struct fixture *f, struct extent *e)
{
	uint8_t wrapped[KMS_WRAPPED_MAX];
	char wrap_key[KMS_WRAP_KEY_MAX];
	size_t wlen;

	store_uuid_new(e->uuid);
	assert_int_equal(kms_dek_create(f->kms, 0, NULL, e->uuid, wrapped, &wlen,
	    wrap_key, &e->dek), ERR_OK);
	e->c.seal = kms_dek_seal;
	e->c.open = kms_dek_open_chunk;
	e->c.ctx = e->dek;
}

static void
extent_done(struct extent *e)
{
	kms_dek_free(e->dek);
	e->dek = NULL;
}

static void
blob_path(struct fixture *f, const uint8_t *uuid, char *buf)
{
	store_blob_path(f->st, uuid, buf, PATH_MAX);
}

static unsigned
count_entries(const char *dir)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static unsigned
tmp_count(struct fixture *f)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/tmp", f->dir);
	return count_entries(p);
}

static off_t
file_size(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return -1;
	return sb.st_size;
}

/* Writes data in pieces of the sizes below, cycling; commits. */
static void
write_extent(struct fixture *f, const struct store_cipher *c,
    const uint8_t *uuid, const uint8_t *data, size_t n)
{
	static const size_t pieces[] = { 1, 3, 4093, 65535, 65536, 65537,
	    131073, 7, 1000000, 65536 * 3 };
	struct store_writer *w = NULL;
	uint64_t len = 0;
	size_t off = 0, k = 0, take;

	assert_int_equal(store_writer_new(f->st, uuid, c, &w), ERR_OK);
	while (off < n) {
		take = pieces[k++ % (sizeof(pieces) / sizeof(pieces[0]))];
		if (take > n - off)
			take = n - off;
		assert_int_equal(store_writer_write(w, data + off, take),
		    ERR_OK);
		off += take;
		assert_int_equal(store_writer_length(w), off);
	}
	assert_int_equal(store_writer_commit(w, &len), ERR_OK);
	assert_int_equal(len, n);
}

static void
write_extent_once(struct fixture *f, const struct store_cipher *c,
    const uint8_t *uuid, const uint8_t *data, size_t n)
{
	struct store_writer *w = NULL;
	uint64_t len = 0;

	assert_int_equal(store_writer_new(f->st, uuid, c, &w), ERR_OK);
	assert_int_equal(store_writer_write(w, data, n), ERR_OK);
	assert_int_equal(store_writer_commit(w, &len), ERR_OK);
	assert_int_equal(len, n);
}

/* Reads the whole extent with reads of step bytes and compares. */
static void
check_extent(struct fixture *f, const struct store_cipher *c,
    const uint8_t *uuid, const uint8_t *data, size_t n, size_t step)
{
	struct store_reader *r = NULL;
	uint8_t *buf = malloc(step + 16);
	size_t off = 0, got = 0;

	assert_non_null(buf);
	assert_int_equal(store_reader_open(f->st, uuid, n, c, &r), ERR_OK);
	while (off < n) {
		assert_int_equal(store_reader_read(r, off, buf, step + 16,
		    &got), ERR_OK);
		assert_int_equal(got, n - off < step + 16 ? n - off :
		    step + 16);
		assert_memory_equal(buf, data + off, got);
		off += got;
	}
	got = 99;
	assert_int_equal(store_reader_read(r, n, buf, 1, &got), ERR_OK);
	assert_int_equal(got, 0);
	store_reader_close(r);
	free(buf);
}

static void
test_layout(void **state)
{
	struct fixture *f = *state;
	struct store *again = NULL;
	struct store_writer *w = NULL;
	struct extent e;
	char p[PATH_MAX], hex[33], want[PATH_MAX];
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int tmps = 0;

	snprintf(p, sizeof(p), "%s/blobs", f->dir);
	assert_int_equal(count_entries(p), 256);
	for (unsigned i = 0; i < 256; i++) {
		snprintf(p, sizeof(p), "%s/blobs/%02x", f->dir, i);
		assert_int_equal(stat(p, &sb), 0);
		assert_true(S_ISDIR(sb.st_mode));
	}
	assert_int_equal(tmp_count(f), 0);
	/* Opening again is harmless. */
	assert_int_equal(store_open(f->dir, &again), ERR_OK);
	store_close(again);
	store_close(NULL);

	extent_new(f, &e);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", e.uuid[i]);
	blob_path(f, e.uuid, p);
	snprintf(want, sizeof(want), "%s/blobs/%.2s/%s", f->dir, hex, hex);
	assert_string_equal(p, want);

	/* The temp file: tmp/<uuid hex>.<16 hex>, mode 0600. */
	assert_int_equal(store_writer_new(f->st, e.uuid, &e.c, &w), ERR_OK);
	snprintf(p, sizeof(p), "%s/tmp", f->dir);
	d = opendir(p);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		tmps++;
		assert_int_equal(strlen(de->d_name), 32 + 1 + 16);
		assert_memory_equal(de->d_name, hex, 32);
		assert_int_equal(de->d_name[32], '.');
		assert_int_equal(strspn(de->d_name + 33, "0123456789abcdef"),
		    16);
		snprintf(want, sizeof(want), "%s/tmp/%s", f->dir, de->d_name);
		assert_int_equal(stat(want, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
	}
	closedir(d);
	assert_int_equal(tmps, 1);
	store_writer_abort(w);
	extent_done(&e);
}

static void
test_roundtrip_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 65535, 65536, 65537,
	    3 * 65536, 5 * MIB + 123 };
	struct fixture *f = *state;
	uint8_t *data = malloc(5 * MIB + 123);
	char p[PATH_MAX];

	assert_non_null(data);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct extent a, b;
		size_t n = sizes[i];

		fill(data, n, i + 1);
		extent_new(f, &a);
		extent_new(f, &b);
		write_extent(f, &a.c, a.uuid, data, n);
		write_extent_once(f, &b.c, b.uuid, data, n);
		assert_int_equal(tmp_count(f), 0);
		blob_path(f, a.uuid, p);
		assert_int_equal(file_size(p), (off_t)sealed_size(n));
		blob_path(f, b.uuid, p);
		assert_int_equal(file_size(p), (off_t)sealed_size(n));
		check_extent(f, &a.c, a.uuid, data, n, n + 1);
		check_extent(f, &b.c, b.uuid, data, n, n + 1);
		check_extent(f, &a.c, a.uuid, data, n, 1000);
		check_extent(f, &b.c, b.uuid, data, n, 65536 - 16);
		/* The wrong key does not open the other extent. */
		if (n > 0) {
			struct store_reader *r = NULL;
			uint8_t one;
			size_t got = 7;

			assert_int_equal(store_reader_open(f->st, a.uuid, n,
			    &b.c, &r), ERR_OK);
			assert_int_equal(store_reader_read(r, 0, &one, 1,
			    &got), ERR_CORRUPT);
			assert_int_equal(got, 7);
			store_reader_close(r);
		} else {
			struct store_reader *r = NULL;

			assert_int_equal(store_reader_open(f->st, a.uuid, 0,
			    &b.c, &r), ERR_CORRUPT);
			assert_null(r);
		}
		extent_done(&a);
		extent_done(&b);
	}
	free(data);
}

static void
test_range_reads(void **state)
{
	static const struct {
		uint64_t	off;
		size_t		n;
		size_t		want;
	} cases[] = {
		{ 0, 1, 1 },
		{ 65535, 1, 1 },
		{ 65535, 2, 2 },		/* across 0|1 */
		{ 65536, 1, 1 },
		{ 65536, 65536, 65536 },	/* exactly chunk 1 */
		{ 65536 - 1, 65536 + 2, 65536 + 2 },	/* 0|1|2 */
		{ 1, 3 * 65536 - 2, 3 * 65536 - 2 },
		{ 2 * 65536 + 5, 70000, 65536 - 5 + 1000 },	/* into the tail */
		{ 3 * 65536, 1000, 1000 },	/* the partial last chunk */
		{ 3 * 65536 + 999, 10, 1 },	/* last byte, short */
		{ 3 * 65536 + 1000, 10, 0 },	/* at the end */
		{ 3 * 65536 + 5000, 10, 0 },	/* past the end */
		{ 0, 0, 0 },
		{ 0, 4 * 65536, 3 * 65536 + 1000 },
	};
	struct fixture *f = *state;
	size_t n = 3 * 65536 + 1000, got;
	uint8_t *data = malloc(n), *buf = malloc(4 * 65536);
	struct store_reader *r = NULL;
	struct extent e;

	assert_non_null(data);
	assert_non_null(buf);
	fill(data, n, 42);
	extent_new(f, &e);
	write_extent(f, &e.c, e.uuid, data, n);
	assert_int_equal(store_reader_open(f->st, e.uuid, n, &e.c, &r),
	    ERR_OK);
	/* In order, then backwards, so the cache is both hit and missed. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
			size_t i = pass == 0 ? k :
			    sizeof(cases) / sizeof(cases[0]) - 1 - k;

			got = 12345;
			memset(buf, 0xee, 4 * 65536);
			assert_int_equal(store_reader_read(r, cases[i].off, buf,
			    cases[i].n, &got), ERR_OK);
			assert_int_equal(got, cases[i].want);
			if (got > 0)
				assert_memory_equal(buf, data + cases[i].off,
				    got);
			if (got < 4 * 65536)
				assert_int_equal(buf[got], 0xee);
		}
	}
	store_reader_close(r);
	extent_done(&e);
	free(data);
	free(buf);
}

static enum err
count_seal(void *ctx, uint8_t *out, const uint8_t *in, size_t n,
    const uint8_t *ad, size_t adlen)
{
	struct counting *c = ctx;

	c->seals++;
	return c->inner.seal(c->inner.ctx, out, in, n, ad, adlen);
}

static enum err
count_open(void *ctx, uint8_t *out, const uint8_t *in, size_t n,
    const uint8_t *ad, size_t adlen)
{
	struct counting *c = ctx;

	c->opens++;
	return c->inner.open(c->inner.ctx, out, in, n, ad, adlen);
}

static void
test_chunk_counts(void **state)
{
	static const struct {
		size_t		n;
		unsigned	chunks;
	} cases[] = {
		{ 0, 1 }, { 1, 1 }, { 65535, 1 }, { 65536, 1 }, { 65537, 2 },
		{ 3 * 65536, 3 }, { 3 * 65536 + 1, 4 },
	};
	struct fixture *f = *state;
	uint8_t *data = malloc(4 * 65536), *buf = malloc(4 * 65536);

	assert_non_null(data);
	assert_non_null(buf);
	fill(data, 4 * 65536, 9);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct counting cnt = { 0 };
		struct store_cipher c = { count_seal, count_open, &cnt };
		struct store_reader *r = NULL;
		struct extent e;
		size_t n = cases[i].n, off, got;

		extent_new(f, &e);
		cnt.inner = e.c;
		write_extent(f, &c, e.uuid, data, n);
		assert_int_equal(cnt.seals, cases[i].chunks);

		/* Sequential reads of 1000 bytes open each chunk once. */
		assert_int_equal(store_reader_open(f->st, e.uuid, n, &c, &r),
		    ERR_OK);
		cnt.opens = 0;
		for (off = 0; off < n; off += got)
			assert_int_equal(store_reader_read(r, off, buf, 1000,
			    &got), ERR_OK);
		assert_int_equal(cnt.opens, n == 0 ? 0 : cases[i].chunks);
		/* A partial read caches its chunk: reading it again opens
		 * nothing. (A chunk read whole goes straight to buf.) */
		if (n >= 2) {
			unsigned before;

			assert_int_equal(store_reader_read(r, n - 2, buf, 1,
			    &got), ERR_OK);
			before = cnt.opens;
			assert_int_equal(store_reader_read(r, n - 2, buf, 2,
			    &got), ERR_OK);
			assert_int_equal(got, 2);
			assert_memory_equal(buf, data + n - 2, 2);
			assert_int_equal(cnt.opens, before +
			    (n % 65536 == 1 ? 1 : 0));
		}
		store_reader_close(r);

		/* Whole-chunk reads open each chunk once too. */
		assert_int_equal(store_reader_open(f->st, e.uuid, n, &c, &r),
		    ERR_OK);
		cnt.opens = 0;
		for (off = 0; off < n; off += got)
			assert_int_equal(store_reader_read(r, off, buf, 65536,
			    &got), ERR_OK);
		assert_int_equal(cnt.opens, n == 0 ? 0 : cases[i].chunks);
		store_reader_close(r);
		extent_done(&e);
	}
	free(data);
	free(buf);
}

/* A "cipher" that seals nothing, to show the memmem check can fail. */
static enum err
null_seal(void *ctx, uint8_t *out, const uint8_t *in, size_t n,
    const uint8_t *ad, size_t adlen)
{
	(void)ctx;
	(void)ad;
	(void)adlen;
	memset(out, 0, STORE_NONCE_BYTES);
	memcpy(out + STORE_NONCE_BYTES, in, n);
	memset(out + STORE_NONCE_BYTES + n, 0, STORE_TAG_BYTES);
	return ERR_OK;
}

static enum err
null_open(void *ctx, uint8_t *out, const uint8_t *in, size_t n,
    const uint8_t *ad, size_t adlen)
{
	(void)ctx;
	(void)ad;
	(void)adlen;
	memcpy(out, in + STORE_NONCE_BYTES, n - STORE_OVERHEAD_BYTES);
	return ERR_OK;
}

static void
test_no_plaintext_on_disk(void **state)
{
	struct fixture *f = *state;
	struct store_cipher nullc = { null_seal, null_open, NULL };
	uint8_t pattern[4096], *data = malloc(MIB);
	uint8_t plain_uuid[STORE_UUID_BYTES];
	char p[PATH_MAX], *file;
	size_t len;
	struct extent e;

	assert_non_null(data);
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)("coffer plaintext pattern "[i % 25] ^
		    (i / 25));
	for (size_t off = 0; off < MIB; off += sizeof(pattern))
		memcpy(data + off, pattern, sizeof(pattern));

	extent_new(f, &e);
	write_extent(f, &e.c, e.uuid, data, MIB);
	blob_path(f, e.uuid, p);
	file = test_read_file(p, &len);
	assert_non_null(file);
	assert_int_equal(len, sealed_size(MIB));
	assert_false(test_memmem(file, len, pattern, sizeof(pattern)));
	/* Not even one 64-byte run of it. */
	assert_false(test_memmem(file, len, pattern + 100, 64));
	free(file);
	check_extent(f, &e.c, e.uuid, data, MIB, 65536);

	/* Control: without a real cipher the same check does fire. */
	store_uuid_new(plain_uuid);
	write_extent(f, &nullc, plain_uuid, data, MIB);
	blob_path(f, plain_uuid, p);
	file = test_read_file(p, &len);
	assert_non_null(file);
	assert_true(test_memmem(file, len, pattern, sizeof(pattern)));
	free(file);
	extent_done(&e);
	free(data);
}

static void
patch_file(const char *path, off_t off, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, p, n, off), (ssize_t)n);
	close(fd);
}

static void
read_file_at(const char *path, off_t off, void *p, size_t n)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, p, n, off), (ssize_t)n);
	close(fd);
}

/* Expects reading [off, off + n) to give e (and data when ERR_OK). */
static void
expect_read(struct fixture *f, struct extent *x, uint64_t plain_len,
    uint64_t off, size_t n, enum err e, const uint8_t *data)
{
	struct store_reader *r = NULL;
	uint8_t *buf = malloc(n);
	size_t got = 0;

	assert_non_null(buf);
	assert_int_equal(store_reader_open(f->st, x->uuid, plain_len, &x->c,
	    &r), ERR_OK);
	assert_int_equal(store_reader_read(r, off, buf, n, &got), e);
	if (e == ERR_OK) {
		assert_int_equal(got, n);
		assert_memory_equal(buf, data + off, n);
	}
	store_reader_close(r);
	free(buf);
}

static void
test_tamper_flip(void **state)
{
	static const off_t where[] = {
		0,				/* nonce of chunk 0 */
		SEALED_OFF(1) + 5000,		/* ciphertext of chunk 1 */
		SEALED_OFF(2) - 1,		/* tag of chunk 1 */
		SEALED_OFF(3) + 40 + 99,	/* last byte: tag of chunk 3 */
	};
	static const unsigned chunk_of[] = { 0, 1, 1, 3 };
	struct fixture *f = *state;
	size_t n = 3 * 65536 + 100;
	uint8_t *data = malloc(n), byte;
	char p[PATH_MAX];

	assert_non_null(data);
	fill(data, n, 5);
	for (size_t k = 0; k < sizeof(where) / sizeof(where[0]); k++) {
		struct extent e;
		uint64_t bad = chunk_of[k] * (uint64_t)STORE_CHUNK_BYTES;

		extent_new(f, &e);
		write_extent(f, &e.c, e.uuid, data, n);
		blob_path(f, e.uuid, p);
		read_file_at(p, where[k], &byte, 1);
		byte ^= 0x01;
		patch_file(p, where[k], &byte, 1);
		expect_read(f, &e, n, bad, 1, ERR_CORRUPT, data);
		expect_read(f, &e, n, 0, n, ERR_CORRUPT, data);
		/* The chunks around it still read. */
		expect_read(f, &e, n, chunk_of[k] == 2 ? 0 : 2 * 65536, 65536,
		    ERR_OK, data);
		extent_done(&e);
	}
	free(data);
}

static void
test_tamper_swap(void **state)
{
	struct fixture *f = *state;
	size_t n = 3 * 65536 + 100;
	uint8_t *data = malloc(n), *c0 = malloc(STORE_SEALED_BYTES),
	    *c1 = malloc(STORE_SEALED_BYTES);
	char p[PATH_MAX];
	struct extent e;

	assert_non_null(data);
	assert_non_null(c0);
	assert_non_null(c1);
	fill(data, n, 6);
	extent_new(f, &e);
	write_extent(f, &e.c, e.uuid, data, n);
	blob_path(f, e.uuid, p);
	read_file_at(p, SEALED_OFF(0), c0, STORE_SEALED_BYTES);
	read_file_at(p, SEALED_OFF(1), c1, STORE_SEALED_BYTES);
	patch_file(p, SEALED_OFF(0), c1, STORE_SEALED_BYTES);
	patch_file(p, SEALED_OFF(1), c0, STORE_SEALED_BYTES);
	expect_read(f, &e, n, 0, 1, ERR_CORRUPT, data);
	expect_read(f, &e, n, 65536, 1, ERR_CORRUPT, data);
	expect_read(f, &e, n, 2 * 65536, 65536 + 100, ERR_OK, data);
	/* Swapped back, it reads again: the failure was the order. */
	patch_file(p, SEALED_OFF(0), c0, STORE_SEALED_BYTES);
	patch_file(p, SEALED_OFF(1), c1, STORE_SEALED_BYTES);
	expect_read(f, &e, n, 0, n, ERR_OK, data);
	extent_done(&e);
	free(data);
	free(c0);
	free(c1);
}

static void
test_tamper_move(void **state)
{
	struct fixture *f = *state;
	size_t n = 65536 + 10;
	uint8_t *data = malloc(n);
	char from[PATH_MAX], to[PATH_MAX];
	struct store_reader *r = NULL;
	struct extent e, other;

	assert_non_null(data);
	fill(data, n, 7);
	extent_new(f, &e);
	write_extent(f, &e.c, e.uuid, data, n);
	/* Same key, other uuid: only the uuid in the AD differs. */
	other = e;
	store_uuid_new(other.uuid);
	blob_path(f, e.uuid, from);
	blob_path(f, other.uuid, to);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(store_reader_open(f->st, e.uuid, n, &e.c, &r),
	    ERR_NOT_FOUND);
	expect_read(f, &other, n, 0, 1, ERR_CORRUPT, data);
	expect_read(f, &other, n, 65536, 10, ERR_CORRUPT, data);
	assert_int_equal(rename(to, from), 0);
	expect_read(f, &e, n, 0, n, ERR_OK, data);
	extent_done(&e);
	free(data);
}

static void
test_tamper_truncate(void **state)
{
	struct fixture *f = *state;
	size_t n = 3 * 65536 + 100;
	uint8_t *data = malloc(n), *tail = malloc(STORE_SEALED_BYTES);
	struct store_reader *r = NULL;
	char p[PATH_MAX];
	struct extent e, z;

	assert_non_null(data);
	assert_non_null(tail);
	fill(data, n, 8);
	extent_new(f, &e);
	write_extent(f, &e.c, e.uuid, data, n);
	blob_path(f, e.uuid, p);

	/* A plain_len that does not match the file is caught at open. */
	assert_int_equal(store_reader_open(f->st, e.uuid, n - 1, &e.c, &r),
	    ERR_CORRUPT);
	assert_int_equal(store_reader_open(f->st, e.uuid, n + 1, &e.c, &r),
	    ERR_CORRUPT);
	assert_null(r);

	/* Cut the last chunk and claim three full chunks: the new last one
	 * was sealed as non-final. */
	assert_int_equal(truncate(p, SEALED_OFF(3)), 0);
	assert_int_equal(store_reader_open(f->st, e.uuid, n, &e.c, &r),
	    ERR_CORRUPT);
	expect_read(f, &e, 3 * 65536, 2 * 65536, 1, ERR_CORRUPT, data);
	expect_read(f, &e, 3 * 65536, 0, 2 * 65536, ERR_OK, data);

	/* Extension: a copy of chunk 2 appended as chunk 3. */
	read_file_at(p, SEALED_OFF(2), tail, STORE_SEALED_BYTES);
	patch_file(p, SEALED_OFF(3), tail, STORE_SEALED_BYTES);
	expect_read(f, &e, 4 * 65536, 3 * 65536, 1, ERR_CORRUPT, data);
	extent_done(&e);

	/* An empty extent is checked at open, where nothing else would. */
	extent_new(f, &z);
	write_extent(f, &z.c, z.uuid, data, 0);
	assert_int_equal(store_reader_open(f->st, z.uuid, 0, &z.c, &r),
	    ERR_OK);
	store_reader_close(r);
	r = NULL;
	blob_path(f, z.uuid, p);
	read_file_at(p, 30, tail, 1);
	tail[0] ^= 0x80;
	patch_file(p, 30, tail, 1);
	assert_int_equal(store_reader_open(f->st, z.uuid, 0, &z.c, &r),
	    ERR_CORRUPT);
	assert_null(r);
	extent_done(&z);
	free(data);
	free(tail);
}

static void
test_abort(void **state)
{
	struct fixture *f = *state;
	uint8_t *data = malloc(3 * MIB);
	struct store_writer *w = NULL;
	struct store_reader *r = NULL;
	char p[PATH_MAX];
	struct extent e;

	assert_non_null(data);
	fill(data, 3 * MIB, 10);
	extent_new(f, &e);
	assert_int_equal(store_writer_new(f->st, e.uuid, &e.c, &w), ERR_OK);
	assert_int_equal(store_writer_write(w, data, 3 * MIB), ERR_OK);
	assert_int_equal(tmp_count(f), 1);
	store_writer_abort(w);
	assert_int_equal(tmp_count(f), 0);
	blob_path(f, e.uuid, p);
	assert_int_equal(file_size(p), -1);
	assert_int_equal(store_reader_open(f->st, e.uuid, 3 * MIB, &e.c, &r),
	    ERR_NOT_FOUND);

	w = NULL;
	assert_int_equal(store_writer_new(f->st, e.uuid, &e.c, &w), ERR_OK);
	store_writer_abort(w);
	assert_int_equal(tmp_count(f), 0);
	store_writer_abort(NULL);
	store_reader_close(NULL);
	extent_done(&e);
	free(data);
}

static void
test_unlink(void **state)
{
	struct fixture *f = *state;
	struct store_reader *r = NULL;
	struct store *st = NULL;
	uint8_t data[100];
	char p[PATH_MAX];
	struct extent e;

	fill(data, sizeof(data), 11);
	extent_new(f, &e);
	write_extent(f, &e.c, e.uuid, data, sizeof(data));
	assert_int_equal(store_unlink(f->st, e.uuid), ERR_OK);
	blob_path(f, e.uuid, p);
	assert_int_equal(file_size(p), -1);
	assert_int_equal(store_unlink(f->st, e.uuid), ERR_OK);
	assert_int_equal(store_reader_open(f->st, e.uuid, sizeof(data), &e.c,
	    &r), ERR_NOT_FOUND);
	snprintf(p, sizeof(p), "%s/does-not-exist", f->dir);
	assert_int_equal(store_open(p, &st), ERR_NOT_FOUND);
	assert_null(st);
	extent_done(&e);
}

struct live_set {
	const uint8_t	*uuids[4];
	unsigned	 n;
	unsigned	 calls;
};

static bool
is_live(void *ctx, const uint8_t uuid[static STORE_UUID_BYTES])
{
	struct live_set *ls = ctx;

	ls->calls++;
	for (unsigned i = 0; i < ls->n; i++)
		if (memcmp(ls->uuids[i], uuid, STORE_UUID_BYTES) == 0)
			return true;
	return false;
}

static void
touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
}

static void
test_sweep(void **state)
{
	struct fixture *f = *state;
	struct live_set ls = { 0 };
	struct store_writer *w = NULL;
	uint8_t data[70000];
	char p[PATH_MAX], junk[PATH_MAX], upper[PATH_MAX], hex[33];
	struct extent live, dead1, dead2;
	unsigned removed = 0;

	fill(data, sizeof(data), 12);
	extent_new(f, &live);
	extent_new(f, &dead1);
	extent_new(f, &dead2);
	write_extent(f, &live.c, live.uuid, data, sizeof(data));
	write_extent(f, &dead1.c, dead1.uuid, data, sizeof(data));
	write_extent(f, &dead2.c, dead2.uuid, data, 0);
	/* Leftovers of a crash: a temp file being written, a stray one. */
	assert_int_equal(store_writer_new(f->st, dead1.uuid, &dead1.c, &w),
	    ERR_OK);
	assert_int_equal(store_writer_write(w, data, sizeof(data)), ERR_OK);
	snprintf(p, sizeof(p), "%s/tmp/whatever", f->dir);
	touch(p);
	/* Names the sweep must leave alone. */
	snprintf(junk, sizeof(junk), "%s/blobs/00/junk", f->dir);
	touch(junk);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02X", live.uuid[i]);
	snprintf(upper, sizeof(upper), "%s/blobs/%02x/%s", f->dir,
	    live.uuid[0], hex);
	if (strpbrk(hex, "ABCDEF") == NULL)
		snprintf(upper, sizeof(upper), "%s/blobs/%02x/%sX", f->dir,
		    live.uuid[0], hex);
	touch(upper);
	assert_int_equal(tmp_count(f), 2);

	ls.uuids[ls.n++] = live.uuid;
	assert_int_equal(store_sweep(f->st, is_live, &ls, &removed), ERR_OK);
	assert_int_equal(removed, 2 + 2);
	assert_int_equal(ls.calls, 3);
	assert_int_equal(tmp_count(f), 0);
	blob_path(f, dead1.uuid, p);
	assert_int_equal(file_size(p), -1);
	blob_path(f, dead2.uuid, p);
	assert_int_equal(file_size(p), -1);
	assert_int_equal(file_size(junk), 1);
	assert_int_equal(file_size(upper), 1);
	check_extent(f, &live.c, live.uuid, data, sizeof(data), 4096);
	/* Aborting the writer whose file was swept is harmless. */
	store_writer_abort(w);

	/* A second sweep finds nothing. */
	removed = 99;
	ls.calls = 0;
	assert_int_equal(store_sweep(f->st, is_live, &ls, &removed), ERR_OK);
	assert_int_equal(removed, 0);
	assert_int_equal(ls.calls, 1);
	extent_done(&live);
	extent_done(&dead1);
	extent_done(&dead2);
}

static bool
never_live(void *ctx, const uint8_t uuid[static STORE_UUID_BYTES])
{
	(void)ctx;
	(void)uuid;
	return false;
}

static void
test_crash_points(void **state)
{
	static const struct {
		const char	*at;
		bool		 renamed;
	} points[] = {
		{ "blob-written", false },
		{ "blob-fsynced", false },
		{ "blob-renamed", true },
		{ "dir-fsynced", true },
		{ "no-such-point", true },	/* ignored: commits */
	};
	struct fixture *f = *state;
	size_t n = 100000;
	uint8_t *data = malloc(n);
	char p[PATH_MAX];

	assert_non_null(data);
	fill(data, n, 13);
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		struct extent e;
		unsigned removed = 0;
		int status = 0;
		pid_t pid;

		extent_new(f, &e);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct store *st = NULL;
			struct store_writer *w = NULL;
			uint64_t len;

			setenv("COFFER_CRASH_AT", points[i].at, 1);
			if (store_open(f->dir, &st) != ERR_OK ||
			    store_writer_new(st, e.uuid, &e.c, &w) != ERR_OK ||
			    store_writer_write(w, data, n) != ERR_OK)
				_exit(1);
			(void)store_writer_commit(w, &len);
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), points[i].renamed &&
		    strcmp(points[i].at, "no-such-point") == 0 ? 0 : 99);
		blob_path(f, e.uuid, p);
		if (points[i].renamed) {
			assert_int_equal(tmp_count(f), 0);
			assert_int_equal(file_size(p), (off_t)sealed_size(n));
			check_extent(f, &e.c, e.uuid, data, n, 50000);
		} else {
			assert_int_equal(tmp_count(f), 1);
			assert_int_equal(file_size(p), -1);
		}
		assert_int_equal(store_sweep(f->st, never_live, NULL,
		    &removed), ERR_OK);
		assert_int_equal(removed, 1);
		assert_int_equal(tmp_count(f), 0);
		assert_int_equal(file_size(p), -1);
		extent_done(&e);
	}
	free(data);
}

static void
test_write_errors(void **state)
{
	static const struct {
		int		errnum;
		enum err	want;
	} cases[] = {
		{ ENOSPC, ERR_NO_SPACE },
		{ EDQUOT, ERR_NO_SPACE },
		{ EIO, ERR_IO },
		{ EFBIG, ERR_IO },
	};
	struct fixture *f = *state;
	uint8_t *data = malloc(2 * MIB);
	char p[PATH_MAX];

	assert_non_null(data);
	fill(data, 2 * MIB, 14);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct store_writer *w = NULL;
		struct extent e;
		uint64_t len = 77;

		/* Big: the failure shows in store_writer_write, and sticks. */
		extent_new(f, &e);
		assert_int_equal(store_writer_new(f->st, e.uuid, &e.c, &w),
		    ERR_OK);
		write_fail_errno = cases[i].errnum;
		assert_int_equal(store_writer_write(w, data, 2 * MIB),
		    cases[i].want);
		write_fail_errno = 0;
		assert_int_equal(store_writer_write(w, data, 1),
		    cases[i].want);
		assert_int_equal(store_writer_commit(w, &len), cases[i].want);
		assert_int_equal(len, 77);
		assert_int_equal(tmp_count(f), 0);
		blob_path(f, e.uuid, p);
		assert_int_equal(file_size(p), -1);

		/* Small: the failure shows at commit. */
		w = NULL;
		assert_int_equal(store_writer_new(f->st, e.uuid, &e.c, &w),
		    ERR_OK);
		assert_int_equal(store_writer_write(w, data, 1000), ERR_OK);
		write_fail_errno = cases[i].errnum;
		assert_int_equal(store_writer_commit(w, &len), cases[i].want);
		write_fail_errno = 0;
		assert_int_equal(len, 77);
		assert_int_equal(tmp_count(f), 0);
		assert_int_equal(file_size(p), -1);
		extent_done(&e);
	}
	free(data);
}

static void
test_short_writes(void **state)
{
	struct fixture *f = *state;
	size_t n = 3 * MIB + 17;
	uint8_t *data = malloc(n);
	struct extent e;

	assert_non_null(data);
	fill(data, n, 15);
	extent_new(f, &e);
	write_quirks = 1;
	write_calls = 0;
	write_extent(f, &e.c, e.uuid, data, n);
	write_quirks = 0;
	/* Each batch took several calls, and the bytes all arrived. */
	assert_true(write_calls > 2 * (n / (16 * STORE_SEALED_BYTES) + 1));
	check_extent(f, &e.c, e.uuid, data, n, 100000);
	extent_done(&e);
	free(data);
}

static void
test_batched_writes(void **state)
{
	struct fixture *f = *state;
	size_t n = 64 * 65536;		/* 64 chunks */
	uint8_t *data = malloc(n);
	struct extent e;

	assert_non_null(data);
	fill(data, n, 16);
	extent_new(f, &e);
	write_calls = 0;
	write_extent_once(f, &e.c, e.uuid, data, n);
	/* 16 sealed chunks per write(2): 64 chunks take 4 calls. */
	assert_int_equal(write_calls, 4);
	extent_done(&e);
	free(data);
}

struct thread_arg {
	struct fixture	*f;
	struct extent	 e[6];
	int		 seed;
	int		 failed;	/* step that failed, 0 when none */
};

/*
 * cmocka's asserts longjmp into the test's frame, which another thread must
 * not do, so the threads check by hand and report the step that failed.
 */
static int
thread_roundtrip(struct store *st, const struct extent *e,
    const uint8_t *data, size_t n)
{
	struct store_writer *w = NULL;
	struct store_reader *r = NULL;
	uint8_t buf[3333];
	uint64_t len = 0;
	size_t off, got;
	int rc = 0;

	if (store_writer_new(st, e->uuid, &e->c, &w) != ERR_OK)
		return 1;
	for (off = 0; off < n; off += 4099)
		if (store_writer_write(w, data + off, n - off < 4099 ?
		    n - off : 4099) != ERR_OK) {
			store_writer_abort(w);
			return 2;
		}
	if (store_writer_commit(w, &len) != ERR_OK || len != n)
		return 3;
	if (store_reader_open(st, e->uuid, n, &e->c, &r) != ERR_OK)
		return 4;
	for (off = 0; off < n && rc == 0; off += got) {
		if (store_reader_read(r, off, buf, sizeof(buf), &got) !=
		    ERR_OK || got == 0)
			rc = 5;
		else if (memcmp(buf, data + off, got) != 0)
			rc = 6;
	}
	store_reader_close(r);
	return rc;
}

static void *
thread_main(void *p)
{
	struct thread_arg *a = p;
	uint8_t *data;
	size_t n;

	for (int i = 0; i < 6 && a->failed == 0; i++) {
		n = (size_t)(a->seed * 7919 + i * 100003) % (600 * 1024);
		data = malloc(n + 1);
		if (data == NULL) {
			a->failed = 7;
			break;
		}
		fill(data, n, (uint64_t)a->seed * 100 + (uint64_t)i);
		a->failed = thread_roundtrip(a->f->st, &a->e[i], data, n);
		free(data);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct fixture *f = *state;
	struct thread_arg args[4];
	pthread_t t[4];

	for (int i = 0; i < 4; i++) {
		args[i].f = f;
		args[i].seed = i + 1;
		args[i].failed = 0;
		for (int j = 0; j < 6; j++)
			extent_new(f, &args[i].e[j]);
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_main,
		    &args[i]), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(args[i].failed, 0);
	assert_int_equal(tmp_count(f), 0);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 6; j++)
			extent_done(&args[i].e[j]);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Printed, not asserted: the numbers depend on the machine. */
static void
test_throughput(void **state)
{
	struct fixture *f = *state;
	size_t total = 256 * MIB, got, off;
	uint8_t *src = malloc(MIB), *buf = malloc(MIB);
	struct store_writer *w = NULL;
	struct store_reader *r = NULL;
	struct extent e;
	uint64_t len = 0;
	double t0, t1, t2;

	assert_non_null(src);
	assert_non_null(buf);
	fill(src, MIB, 17);
	extent_new(f, &e);
	t0 = now_s();
	assert_int_equal(store_writer_new(f->st, e.uuid, &e.c, &w), ERR_OK);
	for (off = 0; off < total; off += MIB)
		assert_int_equal(store_writer_write(w, src, MIB), ERR_OK);
	assert_int_equal(store_writer_commit(w, &len), ERR_OK);
	t1 = now_s();
	assert_int_equal(len, total);
	assert_int_equal(store_reader_open(f->st, e.uuid, total, &e.c, &r),
	    ERR_OK);
	for (off = 0; off < total; off += got) {
		assert_int_equal(store_reader_read(r, off, buf, MIB, &got),
		    ERR_OK);
		assert_int_equal(got, MIB);
		if (memcmp(buf, src, MIB) != 0)
			fail_msg("mismatch at %zu", off);
	}
	store_reader_close(r);
	t2 = now_s();
	printf("store throughput (256 MiB, 1 MiB pieces): write+fsync "
	    "%.0f MB/s, read %.0f MB/s\n", (double)total / 1e6 / (t1 - t0),
	    (double)total / 1e6 / (t2 - t1));
	extent_done(&e);
	free(src);
	free(buf);
}

/* A node of several sharing the data dir: its temp files are its own
 * (DATA_DIR/tmp/NODE), the other node's are left alone, and a blob no
 * row names is kept while young (another node may be about to commit the
 * row naming it) and removed once old. */
static void
test_sweep_shared(void **state)
{
	struct fixture *f = *state;
	struct store *node;
	struct store_writer *w;
	struct live_set ls = { 0 };
	struct extent young, old;
	uint8_t data[1000];
	char p[PATH_MAX], mine[PATH_MAX], theirs[PATH_MAX];
	struct timespec times[2] = { { 0 }, { 0 } };
	unsigned removed = 0;
	uint64_t len;

	fill(data, sizeof(data), 13);
	assert_int_equal(store_open_node(f->dir, "n1", &node), ERR_OK);
	extent_new(f, &young);
	extent_new(f, &old);
	assert_int_equal(store_writer_new(node, young.uuid, &young.c, &w),
	    ERR_OK);
	assert_int_equal(store_writer_write(w, data, sizeof(data)), ERR_OK);
	assert_int_equal(store_writer_commit(w, &len), ERR_OK);
	write_extent(f, &old.c, old.uuid, data, sizeof(data));
	blob_path(f, old.uuid, p);
	times[0].tv_sec = times[1].tv_sec = time(NULL) -
	    STORE_SHARED_MIN_AGE_S - 60;
	assert_int_equal(utimensat(AT_FDCWD, p, times, 0), 0);
	snprintf(mine, sizeof(mine), "%s/tmp/n1/left", f->dir);
	touch(mine);
	snprintf(p, sizeof(p), "%s/tmp/n2", f->dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(theirs, sizeof(theirs), "%s/tmp/n2/writing", f->dir);
	touch(theirs);

	assert_int_equal(store_sweep(node, is_live, &ls, &removed), ERR_OK);
	assert_int_equal(removed, 2);		/* mine, the old blob */
	assert_int_equal(file_size(mine), -1);
	assert_int_equal(file_size(theirs), 1);
	blob_path(f, old.uuid, p);
	assert_int_equal(file_size(p), -1);
	check_extent(f, &young.c, young.uuid, data, sizeof(data), 4096);
	store_close(node);
	extent_done(&young);
	extent_done(&old);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_sizes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_range_reads, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_chunk_counts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_plaintext_on_disk,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper_flip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tamper_swap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tamper_move, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tamper_truncate, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_shared, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_crash_points, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_short_writes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_batched_writes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_throughput, setup,
		    teardown),
	};

	/* kms_open initialises libsodium itself. */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
