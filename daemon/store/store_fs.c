/* SPDX-License-Identifier: ISC */
/*
 * store_fs.c: the file-system backend of store.h, extents as sealed blobs.
 *
 * The store holds directory descriptors for DATA_DIR/blobs and DATA_DIR/tmp
 * and names every file relative to them (openat, renameat, unlinkat), so a
 * path is built only for log messages and store_blob_path. It never sees a
 * key and never writes a plaintext byte: each 64 KiB chunk goes through the
 * caller's struct store_cipher before reaching a buffer that is written out.
 *
 * A struct store is immutable after store_open, so any number of threads may
 * share it; writers and readers are owned by one thread at a time.
 */
#include "store/store.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/crash.h"
#include "base/log.h"
#include "base/rand.h"
#include "base/str.h"

/*
 * Sealed chunks are gathered into one buffer before write(2): 16 chunks is
 * just over 1 MiB, few enough syscalls that they vanish next to the AEAD.
 */
#define OUT_CHUNKS		16
#define OUT_BYTES		((size_t)OUT_CHUNKS * STORE_SEALED_BYTES)

#define UUID_HEX_BYTES		(2 * STORE_UUID_BYTES + 1)
#define TMP_SUFFIX_BYTES	8
/* "<32 hex>.<16 hex>" */
#define TMP_NAME_BYTES		(UUID_HEX_BYTES + 1 + 2 * TMP_SUFFIX_BYTES)
/* "hh/<32 hex>" */
#define BLOB_NAME_BYTES		(3 + UUID_HEX_BYTES)
#define NO_CHUNK		UINT64_MAX
/* Bounds plain_len so the sealed size below can never overflow off_t. */
#define PLAIN_MAX		((uint64_t)1 << 60)

struct store {
	char			*dir;		/* DATA_DIR, for paths in logs */
	int			 blobs_fd;	/* DATA_DIR/blobs */
	int			 tmp_fd;	/* DATA_DIR/tmp[/NODE] */
	int64_t			 min_age_s;	/* of a blob the sweep removes */
};

struct store_writer {
	struct store			*st;
	const struct store_cipher	*cipher;
	uint8_t				 uuid[STORE_UUID_BYTES];
	int				 fd;
	char				 name[TMP_NAME_BYTES];	/* in tmp/ */
	uint64_t			 len;		/* plaintext so far */
	uint64_t			 index;		/* next chunk to seal */
	uint8_t				*chunk;		/* plaintext, wiped */
	size_t				 chunk_len;
	uint8_t				*out;		/* sealed, OUT_BYTES */
	size_t				 out_len;
	enum err			 err;		/* sticky failure */
};

struct store_reader {
	const struct store		*st;
	const struct store_cipher	*cipher;
	uint8_t				 uuid[STORE_UUID_BYTES];
	int				 fd;
	uint64_t			 plain_len;
	uint64_t			 nchunks;
	uint8_t				*sealed;	/* one sealed chunk */
	uint8_t				*plain;		/* cached chunk, wiped */
	uint64_t			 cached;	/* its index or NO_CHUNK */
};

/* Storage full and quota exceeded are the client-visible kind of failure. */
static enum err
errno_err(int e)
{
	if (e == ENOSPC || e == EDQUOT)
		return ERR_NO_SPACE;
	return ERR_IO;
}

void
store_uuid_new(uint8_t uuid[static STORE_UUID_BYTES])
{
	rand_bytes(uuid, STORE_UUID_BYTES);
}

static void
blob_name(char out[static BLOB_NAME_BYTES],
    const uint8_t uuid[static STORE_UUID_BYTES])
{
	hex_encode(out, uuid, 1);
	out[2] = '/';
	hex_encode(out + 3, uuid, STORE_UUID_BYTES);
}

void
store_blob_path(const struct store *st,
    const uint8_t uuid[static STORE_UUID_BYTES], char *buf, size_t cap)
{
	char name[BLOB_NAME_BYTES];

	blob_name(name, uuid);
	(void)snprintf(buf, cap, "%s/blobs/%s", st->dir, name);
}

/* Associated data of chunk i: uuid || i (u64 BE) || last. */
static void
chunk_ad(uint8_t ad[static STORE_AD_BYTES],
    const uint8_t uuid[static STORE_UUID_BYTES], uint64_t i, bool last)
{
	memcpy(ad, uuid, STORE_UUID_BYTES);
	for (int b = 0; b < 8; b++)
		ad[STORE_UUID_BYTES + b] = (uint8_t)(i >> (56 - 8 * b));
	ad[STORE_UUID_BYTES + 8] = last ? 1 : 0;
}

enum err
store_inline_seal(const uint8_t uuid[static STORE_UUID_BYTES],
    const struct store_cipher *cipher, const void *p, size_t n, uint8_t *out)
{
	uint8_t ad[STORE_AD_BYTES];

	if (n > STORE_INLINE_MAX)
		return ERR_INVALID_ARGUMENT;
	chunk_ad(ad, uuid, 0, true);
	return cipher->seal(cipher->ctx, out, p, n, ad, sizeof(ad));
}

enum err
store_inline_open(const uint8_t uuid[static STORE_UUID_BYTES],
    const struct store_cipher *cipher, const uint8_t *sealed, size_t n,
    uint64_t plain_len, void *out)
{
	uint8_t ad[STORE_AD_BYTES];

	if (plain_len > STORE_INLINE_MAX || n != plain_len + STORE_OVERHEAD_BYTES)
		return ERR_CORRUPT;
	chunk_ad(ad, uuid, 0, true);
	return cipher->open(cipher->ctx, out, sealed, n, ad, sizeof(ad));
}

/* mkdirat that accepts an existing directory; reports whether it made one. */
static enum err
ensure_dir(int dfd, const char *dir, const char *name, bool *made)
{
	struct stat sb;

	if (mkdirat(dfd, name, 0700) == 0) {
		*made = true;
		return ERR_OK;
	}
	if (errno != EEXIST) {
		log_warn("store: mkdir '%s/%s'", dir, name);
		return errno_err(errno);
	}
	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
		log_warn("store: stat '%s/%s'", dir, name);
		return ERR_IO;
	}
	if (!S_ISDIR(sb.st_mode)) {
		log_warnx("store: '%s/%s' is not a directory", dir, name);
		return ERR_IO;
	}
	return ERR_OK;
}

static enum err
fsync_dir(int fd, const char *path)
{
	if (fsync(fd) == 0)
		return ERR_OK;
	log_warn("store: fsync '%s'", path);
	return errno_err(errno);
}

enum err
store_open(const char *data_dir, struct store **ret)
{
	return store_open_node(data_dir, NULL, ret);
}

/* A node of several sharing the data dir writes its temp files in a
 * directory of its own, so its start-up sweep removes only its own, and
 * keeps a blob younger than an hour: another node may have renamed it in
 * and not committed the row naming it yet. */
enum err
store_open_node(const char *data_dir, const char *node, struct store **ret)
{
	struct store *st = NULL;
	char blobs[PATH_MAX], sub[3];
	int dfd = -1;
	bool made_top = false, made_sub = false;
	enum err r = ERR_OK;

	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	st->blobs_fd = -1;
	st->tmp_fd = -1;
	st->dir = str_ndup(data_dir, strlen(data_dir));
	if (st->dir == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	/* Every path below DATA_DIR must fit in PATH_MAX. */
	if (strlen(data_dir) + sizeof("/blobs/") + BLOB_NAME_BYTES +
	    TMP_NAME_BYTES >= PATH_MAX) {
		r = ERR_INVALID_ARGUMENT;
		goto out;
	}
	(void)snprintf(blobs, sizeof(blobs), "%s/blobs", data_dir);

	dfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		log_warn("store: open '%s'", data_dir);
		r = errno == ENOENT ? ERR_NOT_FOUND : ERR_IO;
		goto out;
	}
	r = ensure_dir(dfd, data_dir, "blobs", &made_top);
	if (r != ERR_OK)
		goto out;
	r = ensure_dir(dfd, data_dir, "tmp", &made_top);
	if (r != ERR_OK)
		goto out;
	st->blobs_fd = openat(dfd, "blobs", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC | O_NOFOLLOW);
	st->tmp_fd = openat(dfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);
	if (node != NULL && st->tmp_fd >= 0) {
		char tmp[PATH_MAX];
		bool made = false;
		int fd;

		(void)snprintf(tmp, sizeof(tmp), "%s/tmp", data_dir);
		r = ensure_dir(st->tmp_fd, tmp, node, &made);
		if (r == ERR_OK && made)
			r = fsync_dir(st->tmp_fd, tmp);
		if (r != ERR_OK)
			goto out;
		fd = openat(st->tmp_fd, node, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC | O_NOFOLLOW);
		close(st->tmp_fd);
		st->tmp_fd = fd;
		st->min_age_s = STORE_SHARED_MIN_AGE_S;
	}
	if (st->blobs_fd < 0 || st->tmp_fd < 0) {
		log_warn("store: open '%s/blobs' or '%s/tmp'", data_dir,
		    data_dir);
		r = ERR_IO;
		goto out;
	}
	for (unsigned i = 0; i < 256; i++) {
		(void)snprintf(sub, sizeof(sub), "%02x", i);
		r = ensure_dir(st->blobs_fd, blobs, sub, &made_sub);
		if (r != ERR_OK)
			goto out;
	}
	/* New directory entries are durable only once their parent is. */
	if (made_sub) {
		r = fsync_dir(st->blobs_fd, blobs);
		if (r != ERR_OK)
			goto out;
	}
	if (made_top) {
		r = fsync_dir(dfd, data_dir);
		if (r != ERR_OK)
			goto out;
	}
out:
	if (dfd >= 0)
		close(dfd);
	if (r != ERR_OK) {
		store_close(st);
		return r;
	}
	*ret = st;
	return ERR_OK;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->blobs_fd >= 0)
		close(st->blobs_fd);
	if (st->tmp_fd >= 0)
		close(st->tmp_fd);
	free(st->dir);
	free(st);
}

/* Frees a writer's memory and descriptor; the caller handles the file. */
static void
writer_free(struct store_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->chunk != NULL) {
		explicit_bzero(w->chunk, STORE_CHUNK_BYTES);
		free(w->chunk);
	}
	free(w->out);
	free(w);
}

enum err
store_writer_new(struct store *st,
    const uint8_t uuid[static STORE_UUID_BYTES],
    const struct store_cipher *cipher, struct store_writer **ret)
{
	struct store_writer *w = NULL;
	uint8_t suffix[TMP_SUFFIX_BYTES];
	enum err r = ERR_OK;

	assert(st != NULL && cipher != NULL);
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return ERR_NOMEM;
	w->fd = -1;
	w->st = st;
	w->cipher = cipher;
	memcpy(w->uuid, uuid, STORE_UUID_BYTES);
	w->chunk = malloc(STORE_CHUNK_BYTES);
	w->out = malloc(OUT_BYTES);
	if (w->chunk == NULL || w->out == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	/* The random suffix keeps two writers of one uuid apart; EEXIST can
	 * only mean a collision, so try again a few times. */
	for (int tries = 0; tries < 4; tries++) {
		hex_encode(w->name, uuid, STORE_UUID_BYTES);
		w->name[UUID_HEX_BYTES - 1] = '.';
		rand_bytes(suffix, sizeof(suffix));
		hex_encode(w->name + UUID_HEX_BYTES, suffix, sizeof(suffix));
		w->fd = openat(st->tmp_fd, w->name, O_WRONLY | O_CREAT |
		    O_EXCL | O_CLOEXEC, 0600);
		if (w->fd >= 0 || errno != EEXIST)
			break;
	}
	if (w->fd < 0) {
		log_warn("store: create '%s/tmp/%s'", st->dir, w->name);
		r = errno_err(errno);
		goto out;
	}
out:
	if (r != ERR_OK) {
		writer_free(w);
		return r;
	}
	*ret = w;
	return ERR_OK;
}

/* Writes the sealed buffer out; the first failure sticks and is logged. */
static enum err
writer_flush(struct store_writer *w)
{
	size_t done = 0;
	ssize_t n;

	while (done < w->out_len) {
		n = write(w->fd, w->out + done, w->out_len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			log_warn("store: write '%s/tmp/%s'", w->st->dir,
			    w->name);
			w->err = errno_err(errno);
			return w->err;
		}
		done += (size_t)n;
	}
	w->out_len = 0;
	return ERR_OK;
}

/* Seals in[0..n) as the next chunk into the output buffer. */
static enum err
writer_seal(struct store_writer *w, const uint8_t *in, size_t n, bool last)
{
	uint8_t ad[STORE_AD_BYTES];
	enum err r;

	if (w->out_len + STORE_SEALED_BYTES > OUT_BYTES) {
		r = writer_flush(w);
		if (r != ERR_OK)
			return r;
	}
	chunk_ad(ad, w->uuid, w->index, last);
	r = w->cipher->seal(w->cipher->ctx, w->out + w->out_len, in, n, ad,
	    sizeof(ad));
	if (r != ERR_OK) {
		w->err = r;
		return r;
	}
	w->out_len += n + STORE_OVERHEAD_BYTES;
	w->index++;
	return ERR_OK;
}

/*
 * A full chunk stays in w->chunk until a byte beyond it arrives, because
 * only then is it known not to be the last one (its AD says so). Whole
 * chunks followed by more input are sealed straight from the caller's
 * buffer.
 */
enum err
store_writer_write(struct store_writer *w, const void *p, size_t n)
{
	const uint8_t *in = p;
	size_t take;
	enum err r;

	if (w->err != ERR_OK)
		return w->err;
	while (n > 0) {
		if (w->chunk_len == STORE_CHUNK_BYTES) {
			r = writer_seal(w, w->chunk, STORE_CHUNK_BYTES, false);
			if (r != ERR_OK)
				return r;
			w->chunk_len = 0;
		}
		if (w->chunk_len == 0 && n > STORE_CHUNK_BYTES) {
			r = writer_seal(w, in, STORE_CHUNK_BYTES, false);
			if (r != ERR_OK)
				return r;
			in += STORE_CHUNK_BYTES;
			n -= STORE_CHUNK_BYTES;
			w->len += STORE_CHUNK_BYTES;
			continue;
		}
		take = STORE_CHUNK_BYTES - w->chunk_len;
		if (take > n)
			take = n;
		memcpy(w->chunk + w->chunk_len, in, take);
		w->chunk_len += take;
		in += take;
		n -= take;
		w->len += take;
	}
	return ERR_OK;
}

uint64_t
store_writer_length(const struct store_writer *w)
{
	return w->len;
}

void
store_writer_abort(struct store_writer *w)
{
	if (w == NULL)
		return;
	if (unlinkat(w->st->tmp_fd, w->name, 0) != 0 && errno != ENOENT)
		log_warn("store: unlink '%s/tmp/%s'", w->st->dir, w->name);
	writer_free(w);
}

enum err
store_writer_commit(struct store_writer *w, uint64_t *ret_plain_len)
{
	struct store *st = w->st;
	char blob[BLOB_NAME_BYTES];
	int sfd = -1;
	bool renamed = false;
	enum err r = w->err;

	if (r != ERR_OK)
		goto out;
	/* chunk_len is 0 here only for an empty extent: every other path
	 * leaves at least one byte buffered. */
	r = writer_seal(w, w->chunk, w->chunk_len, true);
	if (r != ERR_OK)
		goto out;
	explicit_bzero(w->chunk, w->chunk_len);
	r = writer_flush(w);
	if (r != ERR_OK)
		goto out;
	crash_point("blob-written");
	if (fsync(w->fd) != 0) {
		log_warn("store: fsync '%s/tmp/%s'", st->dir, w->name);
		r = errno_err(errno);
		goto out;
	}
	crash_point("blob-fsynced");
	if (close(w->fd) != 0) {
		w->fd = -1;
		log_warn("store: close '%s/tmp/%s'", st->dir, w->name);
		r = errno_err(errno);
		goto out;
	}
	w->fd = -1;
	blob_name(blob, w->uuid);
	if (renameat(st->tmp_fd, w->name, st->blobs_fd, blob) != 0) {
		log_warn("store: rename '%s/tmp/%s' to '%s/blobs/%s'", st->dir,
		    w->name, st->dir, blob);
		r = errno_err(errno);
		goto out;
	}
	renamed = true;
	crash_point("blob-renamed");
	blob[2] = '\0';
	sfd = openat(st->blobs_fd, blob, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0 || fsync(sfd) != 0) {
		log_warn("store: fsync '%s/blobs/%s'", st->dir, blob);
		r = errno_err(errno);
		blob[2] = '/';
		goto out;
	}
	crash_point("dir-fsynced");
out:
	if (sfd >= 0)
		close(sfd);
	if (r != ERR_OK) {
		/* The caller will not record the extent, so nothing may
		 * remain that the next sweep would have to find. */
		if (renamed)
			(void)unlinkat(st->blobs_fd, blob, 0);
		store_writer_abort(w);
		return r;
	}
	*ret_plain_len = w->len;
	writer_free(w);
	return ERR_OK;
}

/* Plaintext bytes in chunk i. */
static size_t
chunk_plain_len(const struct store_reader *r, uint64_t i)
{
	if (i + 1 < r->nchunks)
		return STORE_CHUNK_BYTES;
	return (size_t)(r->plain_len - i * STORE_CHUNK_BYTES);
}

/* Reads and authenticates chunk i into out (chunk_plain_len bytes). */
static enum err
reader_open_chunk(struct store_reader *r, uint64_t i, uint8_t *out)
{
	uint8_t ad[STORE_AD_BYTES];
	char hex[UUID_HEX_BYTES];
	size_t want = chunk_plain_len(r, i) + STORE_OVERHEAD_BYTES, got = 0;
	off_t pos = (off_t)(i * STORE_SEALED_BYTES);
	ssize_t n;

	while (got < want) {
		n = pread(r->fd, r->sealed + got, want - got,
		    pos + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			hex_encode(hex, r->uuid, STORE_UUID_BYTES);
			log_warn("store: read '%s/blobs/%.2s/%s'",
			    r->st->dir, hex, hex);
			return ERR_IO;
		}
		/* The size matched at open; the file shrank since. */
		if (n == 0)
			return ERR_CORRUPT;
		got += (size_t)n;
	}
	chunk_ad(ad, r->uuid, i, i + 1 == r->nchunks);
	return r->cipher->open(r->cipher->ctx, out, r->sealed, want, ad,
	    sizeof(ad));
}

enum err
store_reader_open(struct store *st,
    const uint8_t uuid[static STORE_UUID_BYTES], uint64_t plain_len,
    const struct store_cipher *cipher, struct store_reader **ret)
{
	struct store_reader *r = NULL;
	char blob[BLOB_NAME_BYTES];
	struct stat sb;
	enum err e = ERR_OK;

	assert(st != NULL && cipher != NULL);
	if (plain_len > PLAIN_MAX)
		return ERR_CORRUPT;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return ERR_NOMEM;
	r->fd = -1;
	r->st = st;
	r->cipher = cipher;
	r->cached = NO_CHUNK;
	r->plain_len = plain_len;
	memcpy(r->uuid, uuid, STORE_UUID_BYTES);
	r->nchunks = (plain_len + STORE_CHUNK_BYTES - 1) / STORE_CHUNK_BYTES;
	if (r->nchunks == 0)
		r->nchunks = 1;
	r->sealed = malloc(STORE_SEALED_BYTES);
	r->plain = malloc(STORE_CHUNK_BYTES);
	if (r->sealed == NULL || r->plain == NULL) {
		e = ERR_NOMEM;
		goto out;
	}
	blob_name(blob, uuid);
	r->fd = openat(st->blobs_fd, blob, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (r->fd < 0) {
		if (errno == ENOENT) {
			e = ERR_NOT_FOUND;
			goto out;
		}
		log_warn("store: open '%s/blobs/%s'", st->dir, blob);
		e = ERR_IO;
		goto out;
	}
	if (fstat(r->fd, &sb) != 0) {
		log_warn("store: stat '%s/blobs/%s'", st->dir, blob);
		e = ERR_IO;
		goto out;
	}
	if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size != plain_len +
	    r->nchunks * STORE_OVERHEAD_BYTES) {
		e = ERR_CORRUPT;
		goto out;
	}
	/* An empty extent would otherwise never be authenticated: no read
	 * touches its one chunk. It costs 40 bytes to check now. */
	if (plain_len == 0)
		e = reader_open_chunk(r, 0, r->plain);
out:
	if (e != ERR_OK) {
		store_reader_close(r);
		return e;
	}
	*ret = r;
	return ERR_OK;
}

/*
 * Chunks wholly inside the request are opened straight into buf; a partly
 * wanted chunk is opened into the cache, so a sequential reader whose reads
 * do not fall on chunk boundaries opens each chunk once.
 */
enum err
store_reader_read(struct store_reader *r, uint64_t off, void *buf, size_t n,
    size_t *ret_n)
{
	uint8_t *dst = buf;
	uint64_t pos, i;
	size_t done = 0, skip, clen, take;
	enum err e;

	if (off >= r->plain_len) {
		*ret_n = 0;
		return ERR_OK;
	}
	if (n > r->plain_len - off)
		n = (size_t)(r->plain_len - off);
	while (done < n) {
		pos = off + done;
		i = pos / STORE_CHUNK_BYTES;
		skip = (size_t)(pos % STORE_CHUNK_BYTES);
		clen = chunk_plain_len(r, i);
		take = clen - skip;
		if (take > n - done)
			take = n - done;
		if (r->cached != i && skip == 0 && take == clen) {
			e = reader_open_chunk(r, i, dst + done);
			if (e != ERR_OK)
				return e;
		} else {
			if (r->cached != i) {
				r->cached = NO_CHUNK;
				e = reader_open_chunk(r, i, r->plain);
				if (e != ERR_OK)
					return e;
				r->cached = i;
			}
			memcpy(dst + done, r->plain + skip, take);
		}
		done += take;
	}
	*ret_n = n;
	return ERR_OK;
}

void
store_reader_close(struct store_reader *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	if (r->plain != NULL) {
		explicit_bzero(r->plain, STORE_CHUNK_BYTES);
		free(r->plain);
	}
	free(r->sealed);
	free(r);
}

enum err
store_unlink(struct store *st, const uint8_t uuid[static STORE_UUID_BYTES])
{
	char blob[BLOB_NAME_BYTES];

	blob_name(blob, uuid);
	if (unlinkat(st->blobs_fd, blob, 0) == 0 || errno == ENOENT)
		return ERR_OK;
	log_warn("store: unlink '%s/blobs/%s'", st->dir, blob);
	return ERR_IO;
}

/* Opens a directory below dfd for listing; the DIR owns the new fd. */
static DIR *
dir_list(int dfd, const char *name)
{
	DIR *d;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (d == NULL)
		close(fd);
	return d;
}

static bool
is_dot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* True when name is 32 lower-case hex digits whose first byte is sub. */
static bool
blob_name_parse(const char *name, const char *sub,
    uint8_t uuid[static STORE_UUID_BYTES])
{
	if (strlen(name) != 2 * STORE_UUID_BYTES ||
	    strncmp(name, sub, 2) != 0)
		return false;
	for (const char *c = name; *c != '\0'; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return false;
	return hex_decode(uuid, STORE_UUID_BYTES, name,
	    2 * STORE_UUID_BYTES);
}

static enum err
sweep_tmp(struct store *st, unsigned *removed)
{
	struct dirent *de;
	DIR *d;
	enum err r = ERR_OK;

	d = dir_list(st->tmp_fd, ".");
	if (d == NULL) {
		log_warn("store: list '%s/tmp'", st->dir);
		return ERR_IO;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL)
			break;
		if (is_dot(de->d_name))
			continue;
		if (unlinkat(st->tmp_fd, de->d_name, 0) != 0) {
			if (errno == EISDIR) {
				log_warnx("store: ignoring '%s/tmp/%s': a "
				    "directory", st->dir, de->d_name);
				continue;
			}
			log_warn("store: unlink '%s/tmp/%s'", st->dir,
			    de->d_name);
			r = ERR_IO;
			continue;
		}
		(*removed)++;
	}
	if (errno != 0) {
		log_warn("store: list '%s/tmp'", st->dir);
		r = ERR_IO;
	}
	closedir(d);
	return r;
}

static bool
old_enough(struct store *st, const char *blob)
{
	struct timespec now;
	struct stat sb;

	if (fstatat(st->blobs_fd, blob, &sb, AT_SYMLINK_NOFOLLOW) != 0)
		return false;
	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec - (int64_t)sb.st_mtim.tv_sec >=
	    st->min_age_s;
}

static enum err
sweep_blobs(struct store *st, const char *sub,
    bool (*is_live)(void *, const uint8_t[static STORE_UUID_BYTES]),
    void *ctx, unsigned *removed)
{
	uint8_t uuid[STORE_UUID_BYTES];
	char blob[BLOB_NAME_BYTES];
	struct dirent *de;
	DIR *d;
	enum err r = ERR_OK;

	d = dir_list(st->blobs_fd, sub);
	if (d == NULL) {
		log_warn("store: list '%s/blobs/%s'", st->dir, sub);
		return ERR_IO;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL)
			break;
		if (is_dot(de->d_name))
			continue;
		if (!blob_name_parse(de->d_name, sub, uuid)) {
			log_warnx("store: ignoring '%s/blobs/%s/%s': not a "
			    "blob name", st->dir, sub, de->d_name);
			continue;
		}
		blob_name(blob, uuid);
		if (st->min_age_s > 0 && !old_enough(st, blob))
			continue;
		if (is_live(ctx, uuid))
			continue;
		if (unlinkat(st->blobs_fd, blob, 0) != 0) {
			if (errno == EISDIR) {
				log_warnx("store: ignoring '%s/blobs/%s': a "
				    "directory", st->dir, blob);
				continue;
			}
			log_warn("store: unlink '%s/blobs/%s'", st->dir, blob);
			r = ERR_IO;
			continue;
		}
		(*removed)++;
	}
	if (errno != 0) {
		log_warn("store: list '%s/blobs/%s'", st->dir, sub);
		r = ERR_IO;
	}
	closedir(d);
	return r;
}

/*
 * Runs before the daemon serves requests: a temp file then belongs to no
 * writer, and a blob no row names was left by a crash. An error in one
 * directory does not stop the others from being swept.
 */
enum err
store_sweep(struct store *st,
    bool (*is_live)(void *ctx, const uint8_t uuid[static STORE_UUID_BYTES]),
    void *ctx, unsigned *ret_removed)
{
	unsigned tmp = 0, blobs = 0;
	enum err r, e;

	r = sweep_tmp(st, &tmp);
	e = store_sweep_blobs(st, is_live, ctx, &blobs);
	if (r == ERR_OK)
		r = e;
	if (r == ERR_OK && ret_removed != NULL)
		*ret_removed = tmp + blobs;
	return r;
}

enum err
store_sweep_blobs(struct store *st,
    bool (*is_live)(void *ctx, const uint8_t uuid[static STORE_UUID_BYTES]),
    void *ctx, unsigned *ret_removed)
{
	unsigned removed = 0;
	char sub[3];
	enum err r = ERR_OK, e;

	for (unsigned i = 0; i < 256; i++) {
		(void)snprintf(sub, sizeof(sub), "%02x", i);
		e = sweep_blobs(st, sub, is_live, ctx, &removed);
		if (r == ERR_OK)
			r = e;
	}
	if (r == ERR_OK && ret_removed != NULL)
		*ret_removed = removed;
	return r;
}
