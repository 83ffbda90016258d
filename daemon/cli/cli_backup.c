/* SPDX-License-Identifier: ISC */
/*
 * cli_backup.c: `coffer backup DEST`, `coffer restore SRC` and
 * `coffer verify`.
 *
 * A backup is a directory: meta.db (an online snapshot through SQLite's
 * backup API, one file without a WAL), the blob files that snapshot names
 * under blobs/ (hard links when DEST is on the data dir's file system,
 * copies otherwise), seal.anchor, and manifest.json, the size and SHA-256
 * of every one of them. The manifest is written last, synced and renamed
 * into place: a directory without one is an interrupted backup, never a
 * complete one. The root key is never in it.
 *
 * cofferd unlinks the blobs of an object after the commit that deletes or
 * replaces it, so a blob the snapshot names can be gone before it is
 * linked. A read transaction cannot stop that; the snapshot is then taken
 * again (a few times) and the command fails, saying why, if the blobs keep
 * going. Blob files never change once in place, so a hard link taken is a
 * copy of the bytes.
 *
 * Restore checks every checksum before it writes anything, opens the
 * snapshot with the root key given (the seal row and the anchor must pass
 * their MACs: another key fails them) and refuses a snapshot older, by
 * seal sequence, than the data dir it would replace: WORM holds across a
 * restore unless --force, which the audit trail records.
 *
 * Progress goes to stderr: a line rewritten in place on a terminal, JSON
 * lines otherwise. SIGINT and SIGTERM stop at the next file or extent.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/file.h"
#include "base/str.h"
#include "bucket/bucket.h"
#include "cli/backup.h"
#include "cli/cli.h"
#include "codec/json.h"
#include "db/db.h"
#include "db/seal.h"
#include "hash/hash.h"
#include "kms/kms.h"
#include "store/store.h"

#define MANIFEST	"manifest.json"
#define FORMAT		"coffer-backup-1"
#define SNAP_TRIES	5
#define IO_BYTES	(1u << 20)
#define REL_MAX		64		/* "blobs/hh/<32 hex>" */
#define LISTED		10		/* problems printed one by one */
#define IN_FLIGHT_S	60		/* younger unnamed blobs may be a PUT */

static volatile sig_atomic_t stopping;

/* snprintf for paths and messages: a path longer than PATH_MAX comes out
 * cut, and then names no file, which the caller reports. */
static int pathf(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
pathf(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* ---- files ---- */

static int
mkdir_one(const char *path)
{
	return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* Reads path (fsyncing it) into its SHA-256 and size; optionally writes
 * the same bytes to dst (created, fsync'd). */
static int
hash_copy(const char *path, const char *dst, struct cli_progress *pg,
    uint8_t sum[static HASH_SHA256_BYTES], uint64_t *ret_size)
{
	struct hash_sha256 h;
	uint8_t *b = malloc(IO_BYTES);
	int in, out = -1, rc = -1;
	uint64_t size = 0;
	ssize_t n;

	in = open(path, O_RDONLY | O_CLOEXEC);
	if (b == NULL || in < 0)
		goto out;
	if (dst != NULL) {
		out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (out < 0)
			goto out;
	}
	hash_sha256_init(&h);
	while ((n = read(in, b, IO_BYTES)) > 0) {
		if (stopping) {
			errno = EINTR;
			goto out;
		}
		hash_sha256_update(&h, b, (size_t)n);
		if (out >= 0 && write(out, b, (size_t)n) != n)
			goto out;
		size += (uint64_t)n;
		if (pg != NULL)
			cli_progress_add(pg, 0, (uint64_t)n);
	}
	if (n < 0)
		goto out;
	if (out >= 0 ? fsync(out) != 0 : fsync(in) != 0)
		goto out;
	hash_sha256_final(&h, sum);
	*ret_size = size;
	rc = 0;
out:
	free(b);
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) != 0)
		rc = -1;
	return rc;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

static int
rm_tree(const char *path)
{
	if (access(path, F_OK) != 0)
		return 0;
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static bool
dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool empty = true;

	if (d == NULL)
		return errno == ENOENT;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = false;
	closedir(d);
	return empty;
}

static void
blob_rel(char out[static REL_MAX], const uint8_t uuid[static 16])
{
	char hex[33];

	hex_encode(hex, uuid, 16);
	pathf(out, REL_MAX, "blobs/%.2s/%s", hex, hex);
}

/* A manifest path: meta.db, seal.anchor or blobs/hh/<32 hex>, nothing
 * that could leave the directory. */
static bool
rel_ok(const char *p)
{
	uint8_t u[16];

	if (strcmp(p, "meta.db") == 0 || strcmp(p, "seal.anchor") == 0)
		return true;
	if (strlen(p) != 6 + 3 + 32 || strncmp(p, "blobs/", 6) != 0 ||
	    p[8] != '/' || strncmp(p + 6, p + 9, 2) != 0)
		return false;
	return hex_decode(u, 16, p + 9, 32);
}

/* ---- the manifest ---- */

struct mfile {
	char		rel[REL_MAX];
	uint64_t	size;
	uint8_t		sum[HASH_SHA256_BYTES];
};

struct manifest {
	int64_t		 seq;
	int64_t		 created_ms;
	struct mfile	*f;
	size_t		 n, cap;
};

static int
mf_add(struct manifest *m, const char *rel)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		struct mfile *nf = realloc(m->f, cap * sizeof(*nf));

		if (nf == NULL)
			return -1;
		m->f = nf;
		m->cap = cap;
	}
	memset(&m->f[m->n], 0, sizeof(m->f[0]));
	str_copy(m->f[m->n].rel, REL_MAX, rel);
	m->n++;
	return 0;
}

/* Writes DIR/manifest.json through a synced temp file and a rename. */
static int
mf_write(const char *dir, const struct manifest *m)
{
	char tmp[PATH_MAX], path[PATH_MAX], hex[65];
	FILE *f;
	int rc = 0;

	pathf(tmp, sizeof(tmp), "%s/%s.tmp", dir, MANIFEST);
	pathf(path, sizeof(path), "%s/%s", dir, MANIFEST);
	f = fopen(tmp, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "{\"Format\": \"%s\",\n \"SealSequence\": %" PRId64 ",\n"
	    " \"CreatedMs\": %" PRId64 ",\n \"RootKey\": \"not in this backup: "
	    "restore needs the key that sealed it (--root-key FILE or the "
	    "systemd credential)\",\n"
	    " \"FileCount\": %zu,\n \"Files\": [\n", FORMAT, m->seq,
	    m->created_ms, m->n);
	for (size_t i = 0; i < m->n; i++) {
		hex_encode(hex, m->f[i].sum, sizeof(m->f[i].sum));
		fprintf(f, "  {\"Path\": \"%s\", \"Size\": %" PRIu64 ", "
		    "\"Sha256\": \"%s\"}%s\n", m->f[i].rel, m->f[i].size, hex,
		    i + 1 < m->n ? "," : "");
	}
	fprintf(f, " ]}\n");
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1;
	if (rc == 0)
		rc = file_sync(dir);
	return rc;
}

/* Reads DIR/manifest.json; says on stderr what is wrong with it. */
static int
mf_read(const char *dir, struct manifest *m)
{
	char path[PATH_MAX], line[1024], rel[REL_MAX], hex[65];
	uint64_t size;
	size_t want = SIZE_MAX;
	bool end = false, format = false;
	FILE *f;

	memset(m, 0, sizeof(*m));
	m->seq = -1;
	pathf(path, sizeof(path), "%s/%s", dir, MANIFEST);
	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "coffer: restore: '%s' has no %s: not a "
		    "complete backup (an interrupted one has none); refusing\n",
		    dir, MANIFEST);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, "\"Format\": \"" FORMAT "\"") != NULL)
			format = true;
		else if (sscanf(line, " \"SealSequence\": %" SCNd64, &m->seq) == 1)
			continue;
		else if (sscanf(line, " \"CreatedMs\": %" SCNd64,
		    &m->created_ms) == 1)
			continue;
		else if (sscanf(line, " \"FileCount\": %zu", &want) == 1)
			continue;
		else if (sscanf(line, "  {\"Path\": \"%63[^\"]\", \"Size\": %"
		    SCNu64 ", \"Sha256\": \"%64[0-9a-f]\"}", rel, &size,
		    hex) == 3) {
			if (!rel_ok(rel) || strlen(hex) != 64 ||
			    mf_add(m, rel) != 0)
				break;
			m->f[m->n - 1].size = size;
			hex_decode(m->f[m->n - 1].sum, 32, hex, 64);
		} else if (strcmp(line, " ]}\n") == 0)
			end = true;
	}
	fclose(f);
	if (!format || !end || m->n != want || m->seq < 0) {
		fprintf(stderr, "coffer: restore: '%s' is damaged or not a "
		    "coffer backup manifest; refusing\n", path);
		free(m->f);
		m->f = NULL;
		return -1;
	}
	return 0;
}

/* ---- backup ---- */

struct linker {
	const char	*src, *dst;
	bool		 copy;		/* DEST on another file system */
	struct manifest	*m;
	struct cli_progress	*pg;
	unsigned	 missing, linked, copied;
	unsigned	 fake_missing;	/* test seam, see cli_backup() */
	bool		 failed;
};

static bool
link_blob(void *ctx, const uint8_t uuid[static 16])
{
	struct linker *l = ctx;
	char rel[REL_MAX], from[PATH_MAX], to[PATH_MAX];
	uint8_t sum[HASH_SHA256_BYTES];
	uint64_t size;

	if (stopping)
		return false;
	blob_rel(rel, uuid);
	if (l->fake_missing > 0) {
		l->fake_missing--;
		l->missing++;
		return true;
	}
	pathf(from, sizeof(from), "%s/%s", l->src, rel);
	pathf(to, sizeof(to), "%s/%.8s", l->dst, rel);
	if (mkdir_one(to) != 0)
		goto fail;
	pathf(to, sizeof(to), "%s/%s", l->dst, rel);
	if (!l->copy && link(from, to) == 0) {
		l->linked++;
	} else if (!l->copy && errno == ENOENT) {
		l->missing++;
		return true;
	} else if (l->copy || errno == EXDEV || errno == EPERM) {
		l->copy = true;
		if (hash_copy(from, to, NULL, sum, &size) != 0) {
			if (errno == ENOENT) {
				l->missing++;
				return true;
			}
			goto fail;
		}
		l->copied++;
	} else
		goto fail;
	if (mf_add(l->m, rel) != 0)
		goto fail;
	cli_progress_add(l->pg, 1, 0);
	return true;
fail:
	fprintf(stderr, "coffer: backup: '%s' -> '%s': %s\n", from, to,
	    strerror(errno));
	l->failed = true;
	return false;
}

static int
read_small(const char *path, char *buf, size_t cap, size_t *ret_n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, cap);
	close(fd);
	if (n < 0)
		return -1;
	*ret_n = (size_t)n;
	return 0;
}

static int
write_small(const char *path, const char *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc = 0;

	if (fd < 0)
		return -1;
	if (write(fd, buf, n) != (ssize_t)n || fsync(fd) != 0)
		rc = -1;
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

/* Sizes and checksums of every file of the backup, then its manifest. */
static int
seal_backup(const char *dest, struct manifest *m, struct cli_progress *pg)
{
	char path[PATH_MAX], last_dir[PATH_MAX] = "";

	for (size_t i = 0; i < m->n; i++) {
		struct mfile *f = &m->f[i];

		pathf(path, sizeof(path), "%s/%s", dest, f->rel);
		if (hash_copy(path, NULL, pg, f->sum, &f->size) != 0) {
			fprintf(stderr, "coffer: backup: '%s': %s\n", path,
			    strerror(errno));
			return -1;
		}
		cli_progress_add(pg, 1, 0);
		/* The blob directories, once each (the list is in uuid
		 * order only per snapshot; a repeat fsync is harmless). */
		pathf(path, sizeof(path), "%s/%.8s", dest, f->rel);
		if (strncmp(f->rel, "blobs/", 6) == 0 &&
		    strcmp(path, last_dir) != 0) {
			if (file_sync(path) != 0)
				return -1;
			str_copy(last_dir, sizeof(last_dir), path);
		}
	}
	pathf(path, sizeof(path), "%s/blobs", dest);
	if (file_sync(path) != 0 || file_sync(dest) != 0 ||
	    file_sync_parent(dest) != 0)
		return -1;
	return mf_write(dest, m);
}

int
cli_backup(struct cli *cli, int argc, char **argv)
{
	bool json = cli_flag(&argc, argv, "--json");
	const char *dest = argv[0];
	const char *dd = cli->cfg.data_dir;
	char src_db[PATH_MAX], dst_db[PATH_MAX], path[PATH_MAX];
	char anchor[512];
	size_t anchor_n = 0;
	bool has_anchor;
	struct manifest m;
	struct cli_progress pg;
	struct linker l;
	const char *miss_env = getenv("COFFER_TEST_BACKUP_MISS");
	int64_t seq = -1;
	enum err r = ERR_OK;
	int tries;

	(void)argc;
	catch_signals();
	memset(&m, 0, sizeof(m));
	if (db_is_url(cli->cfg.database)) {
		fprintf(stderr, "coffer: backup: the metadata is on a "
		    "PostgreSQL server: back it up there (pg_dump, a "
		    "replica); coffer backup copies a data dir whose "
		    "database is its meta.db\n");
		return 1;
	}
	pathf(src_db, sizeof(src_db), "%s/meta.db", dd);
	if (access(src_db, R_OK) != 0) {
		fprintf(stderr, "coffer: backup: no database '%s'\n", src_db);
		return 1;
	}
	if (!dir_empty(dest)) {
		fprintf(stderr, "coffer: backup: '%s' exists and is not empty\n",
		    dest);
		return 1;
	}
	pathf(path, sizeof(path), "%s/blobs", dest);
	if (mkdir_one(dest) != 0 || mkdir_one(path) != 0) {
		fprintf(stderr, "coffer: backup: cannot create '%s': %s\n",
		    path, strerror(errno));
		return 1;
	}
	/* The anchor before the snapshot: it can only be behind the
	 * snapshot's sequence then, which cofferd accepts (and restore
	 * rewrites); one read after could be ahead, a false rollback. */
	pathf(path, sizeof(path), "%s/seal.anchor", dd);
	has_anchor = read_small(path, anchor, sizeof(anchor), &anchor_n) == 0;

	cli_progress_init(&pg, "backup");
	pathf(dst_db, sizeof(dst_db), "%s/meta.db", dest);
	memset(&l, 0, sizeof(l));
	for (tries = 1; tries <= SNAP_TRIES; tries++) {
		bool copy = l.copy;

		m.n = 0;
		unlink(dst_db);
		pathf(path, sizeof(path), "%s/blobs", dest);
		if (tries > 1 && (rm_tree(path) != 0 || mkdir_one(path) != 0))
			break;
		if (mf_add(&m, "meta.db") != 0)
			break;
		memset(&l, 0, sizeof(l));
		l.src = dd;
		l.dst = dest;
		l.copy = copy;
		l.m = &m;
		l.pg = &pg;
		/* Test seam: COFFER_TEST_BACKUP_MISS=N (N <= 5) has the first
		 * N snapshots each find one blob gone, as when an object is
		 * deleted between the snapshot and its link, which no test can
		 * time. */
		if (miss_env != NULL && tries <= strtol(miss_env, NULL, 10))
			l.fake_missing = 1;
		r = bk_snapshot(src_db, dst_db, &seq, link_blob, &l);
		if (r != ERR_OK || l.failed || stopping || l.missing == 0)
			break;
		fprintf(stderr, "coffer: backup: %u blob(s) of the snapshot "
		    "were deleted before they were linked (objects deleted or "
		    "replaced meanwhile); taking a new snapshot\n", l.missing);
	}
	if (stopping) {
		fprintf(stderr, "\ncoffer: backup: interrupted; '%s' has no "
		    "manifest and is not a backup\n", dest);
		free(m.f);
		return 130;
	}
	if (r != ERR_OK || l.failed || l.missing > 0) {
		if (r != ERR_OK)
			fprintf(stderr, "coffer: backup: snapshot of '%s' "
			    "failed: %s\n", src_db, err_name(r));
		else if (l.missing > 0)
			fprintf(stderr, "coffer: backup: blobs kept vanishing "
			    "between snapshot and link (%d snapshots); retry "
			    "when deletions are fewer\n", SNAP_TRIES);
		fprintf(stderr, "coffer: backup: '%s' has no manifest and is "
		    "not a backup\n", dest);
		free(m.f);
		return 1;
	}
	if (has_anchor && anchor_n > 0) {
		pathf(path, sizeof(path), "%s/seal.anchor", dest);
		if (write_small(path, anchor, anchor_n) != 0 ||
		    mf_add(&m, "seal.anchor") != 0) {
			fprintf(stderr, "coffer: backup: '%s': %s\n", path,
			    strerror(errno));
			free(m.f);
			return 1;
		}
	}
	m.seq = seq;
	m.created_ms = clock_wall_ms();
	pg.items = 0;
	if (seal_backup(dest, &m, &pg) != 0) {
		fprintf(stderr, "coffer: backup: cannot finish '%s'%s\n", dest,
		    stopping ? ": interrupted" : "");
		free(m.f);
		return stopping ? 130 : 1;
	}
	cli_progress_show(&pg, true);
	if (json) {
		struct json_writer w;
		struct buf b;

		buf_init(&b, 512);
		json_writer_init(&w, &b);
		json_obj_open(&w, NULL);
		json_str(&w, "Backup", dest);
		json_i64(&w, "SealSequence", seq);
		json_u64(&w, "Files", m.n);
		json_u64(&w, "Bytes", pg.bytes);
		json_u64(&w, "BlobsLinked", l.linked);
		json_u64(&w, "BlobsCopied", l.copied);
		json_i64(&w, "Snapshots", tries);
		json_str(&w, "RootKeyNotIncluded", cli->cfg.root_key);
		json_obj_close(&w);
		if (json_writer_finish(&w) == ERR_OK)
			cli_print_json(&b);
		else
			buf_free(&b);
	} else {
		printf("backup of '%s' in '%s': seal sequence %" PRId64 ", %zu "
		    "files, %.1f MB (%u blobs linked, %u copied)\n", dd, dest,
		    seq, m.n, (double)pg.bytes / 1e6, l.linked, l.copied);
		printf("the root key is not in it: restore needs '%s' (or the "
		    "credential it came from); keep it apart from the backup\n",
		    cli->cfg.root_key);
	}
	free(m.f);
	return 0;
}

/* ---- restore ---- */

/* Every file of the manifest, its size and checksum, before anything is
 * written. */
static int
check_backup(const char *src, const struct manifest *m, struct cli_progress *pg)
{
	char path[PATH_MAX], hex[65];
	uint8_t sum[HASH_SHA256_BYTES];
	uint64_t size;
	struct stat sb;

	for (size_t i = 0; i < m->n; i++) {
		const struct mfile *f = &m->f[i];

		pathf(path, sizeof(path), "%s/%s", src, f->rel);
		if (stat(path, &sb) != 0) {
			fprintf(stderr, "coffer: restore: '%s' is missing from "
			    "the backup; refusing\n", path);
			return -1;
		}
		if ((uint64_t)sb.st_size != f->size) {
			fprintf(stderr, "coffer: restore: '%s' has %" PRIu64
			    " bytes, the manifest says %" PRIu64 " (truncated "
			    "or altered backup); refusing\n", path,
			    (uint64_t)sb.st_size, f->size);
			return -1;
		}
		if (hash_copy(path, NULL, pg, sum, &size) != 0) {
			fprintf(stderr, "coffer: restore: '%s': %s\n", path,
			    stopping ? "interrupted" : strerror(errno));
			return -1;
		}
		if (size != f->size || memcmp(sum, f->sum, sizeof(sum)) != 0) {
			hex_encode(hex, sum, sizeof(sum));
			fprintf(stderr, "coffer: restore: '%s' does not match "
			    "its checksum in the manifest (sha256 %s; altered "
			    "or damaged backup); refusing\n", path, hex);
			return -1;
		}
		cli_progress_add(pg, 1, 0);
	}
	return 0;
}

/* The sequence a data dir has reached: its database's seal or its anchor
 * (read without the key), whichever is further; -1 for none. */
static int64_t
dir_seq(const char *dir)
{
	char path[PATH_MAX], buf[256];
	int64_t seq = -1, a;
	size_t n;

	pathf(path, sizeof(path), "%s/meta.db", dir);
	if (access(path, F_OK) == 0 && bk_file_seq(path, &a) == ERR_OK &&
	    a > seq)
		seq = a;
	pathf(path, sizeof(path), "%s/seal.anchor", dir);
	if (read_small(path, buf, sizeof(buf) - 1, &n) == 0) {
		buf[n] = '\0';
		if (sscanf(buf, "coffer-anchor 1 seq=%" SCNd64, &a) == 1 &&
		    a > seq)
			seq = a;
	}
	return seq;
}

/* Opens the staged snapshot with the root key and checks its seal: the
 * seal row and the anchor pass their MACs only under the key that wrote
 * them. Then the anchor moves to the snapshot's sequence and the restore
 * is audited. */
/* A backup holds a SQLite database: the commands here work on the data
 * dir's own meta.db. */
static void
use_data_dir(struct cli *cli, const char *dir)
{
	str_copy(cli->cfg.data_dir, sizeof(cli->cfg.data_dir), dir);
	pathf(cli->cfg.database, sizeof(cli->cfg.database), "%s/meta.db", dir);
}

static int
stage_check(struct cli *cli, const char *stage, const char *detail,
    bool forced)
{
	char saved[sizeof(cli->cfg.data_dir)];
	struct api_seal_report rep;
	enum err r;
	int rc = -1;

	str_copy(saved, sizeof(saved), cli->cfg.data_dir);
	use_data_dir(cli, stage);
	if (cli_open_kms(cli) != ERR_OK)
		goto out;
	r = api_seal_check(cli->db, stage, false, &rep);
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: restore: cannot check the seal: %s\n",
		    err_name(r));
		goto out;
	}
	if (!rep.seal_ok || !rep.anchor_ok) {
		fprintf(stderr, "coffer: restore: the root key '%s' is not the "
		    "one that sealed this backup (its seal %s its MAC under "
		    "it); pass the right one with --root-key FILE\n",
		    cli->cfg.root_key, rep.seal_ok ? "anchor fails" :
		    "row fails");
		goto out;
	}
	if (rep.fault != DB_SEAL_OK && rep.fault != DB_SEAL_ROLLBACK) {
		fprintf(stderr, "coffer: restore: the backup's tables do not "
		    "match their seal (%s); refusing\n",
		    db_seal_fault_name((enum db_seal_fault)rep.fault));
		goto out;
	}
	r = db_seal_anchor_write(cli->db, rep.seq);
	if (r == ERR_OK)
		r = db_tx_begin(cli->db);
	if (r == ERR_OK) {
		r = db_audit_append(cli->db, cli_now(cli), "cli",
		    forced ? "restore.force" : "restore", "meta.db", "ok",
		    detail);
		if (r == ERR_OK)
			r = db_tx_commit(cli->db);
		else
			db_tx_rollback(cli->db);
	}
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: restore: cannot record the restore: "
		    "%s\n", err_name(r));
		goto out;
	}
	rc = 0;
out:
	kms_close(cli->kms);
	db_close(cli->db);
	cli->kms = NULL;
	cli->db = NULL;
	use_data_dir(cli, saved);
	return rc;
}

/* Moves what a data dir holds of another state aside, into DIR/name. */
static int
move_aside(const char *dir, const char *name)
{
	static const char *const parts[] = { "meta.db", "meta.db-wal",
	    "meta.db-shm", "seal.anchor", "blobs", "tmp" };
	char aside[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
	bool made = false;

	pathf(aside, sizeof(aside), "%s/%s", dir, name);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		pathf(from, sizeof(from), "%s/%s", dir, parts[i]);
		if (access(from, F_OK) != 0)
			continue;
		if (!made && mkdir_one(aside) != 0)
			return -1;
		made = true;
		pathf(to, sizeof(to), "%s/%s", aside, parts[i]);
		if (rename(from, to) != 0)
			return -1;
	}
	if (made)
		fprintf(stderr, "coffer: restore: the data dir's previous "
		    "state is kept in '%s'\n", aside);
	return 0;
}

int
cli_restore(struct cli *cli, int argc, char **argv)
{
	bool force = cli_flag(&argc, argv, "--force");
	bool json = cli_flag(&argc, argv, "--json");
	const char *dd_opt = cli_opt(&argc, argv, "--data-dir");
	const char *rk_opt = cli_opt(&argc, argv, "--root-key");
	const char *src = argv[0];
	char dd[PATH_MAX], stage[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
	char detail[PATH_MAX + 128], aside[64];
	uint8_t sum[HASH_SHA256_BYTES];
	struct manifest m;
	struct cli_progress pg;
	int64_t have;
	uint64_t size;
	int rc = 1, lock_fd = -1;

	catch_signals();
	if (dd_opt != NULL) {
		char old_key[PATH_MAX + 16];

		/* The default key path follows the data dir given here. */
		pathf(old_key, sizeof(old_key), "%s/root.key",
		    cli->cfg.data_dir);
		if (cli->root_key_default &&
		    strcmp(old_key, cli->cfg.root_key) == 0)
			pathf(cli->cfg.root_key, sizeof(cli->cfg.root_key),
			    "%s/root.key", dd_opt);
		use_data_dir(cli, dd_opt);
	}
	if (rk_opt != NULL)
		str_copy(cli->cfg.root_key, sizeof(cli->cfg.root_key), rk_opt);
	str_copy(dd, sizeof(dd), cli->cfg.data_dir);
	(void)argc;

	if (mf_read(src, &m) != 0)
		return 1;
	cli_progress_init(&pg, "restore-check");
	cli_progress_total(&pg, m.n);
	if (check_backup(src, &m, &pg) != 0)
		goto out;
	cli_progress_show(&pg, true);

	have = dir_seq(dd);
	if (have > m.seq && !force) {
		fprintf(stderr, "coffer: restore: '%s' is at seal sequence %"
		    PRId64 ", newer than the backup's %" PRId64 ": restoring it "
		    "would roll back retention state (WORM); refusing. "
		    "--force does it anyway and is recorded in the audit "
		    "trail\n", dd, have, m.seq);
		goto out;
	}
	pathf(detail, sizeof(detail), "from '%s' at seal sequence %" PRId64
	    "; the data dir was at %" PRId64 "%s", src, m.seq, have,
	    have > m.seq ? " (forced over a newer state)" : "");

	/* Everything goes to DIR/.restore first; the data dir changes only
	 * once it is complete and the key checked. cofferd's lock is held
	 * throughout: a serving daemon's files are never replaced. */
	if (mkdir_one(dd) != 0) {
		fprintf(stderr, "coffer: restore: cannot create '%s': %s\n", dd,
		    strerror(errno));
		goto out;
	}
	pathf(from, sizeof(from), "%s/cofferd.lock", dd);
	lock_fd = open(from, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "coffer: restore: '%s' is in use by a running "
		    "cofferd: stop it first\n", dd);
		goto out;
	}
	pathf(stage, sizeof(stage), "%s/.restore", dd);
	pathf(to, sizeof(to), "%s/blobs", stage);
	if (rm_tree(stage) != 0 || mkdir_one(stage) != 0 || mkdir_one(to) != 0) {
		fprintf(stderr, "coffer: restore: cannot create '%s': %s\n",
		    stage, strerror(errno));
		goto out;
	}
	cli_progress_init(&pg, "restore");
	cli_progress_total(&pg, m.n);
	for (size_t i = 0; i < m.n && !stopping; i++) {
		const struct mfile *f = &m.f[i];

		pathf(from, sizeof(from), "%s/%s", src, f->rel);
		pathf(to, sizeof(to), "%s/%.8s", stage, f->rel);
		if (strncmp(f->rel, "blobs/", 6) == 0 && mkdir_one(to) != 0)
			break;
		pathf(to, sizeof(to), "%s/%s", stage, f->rel);
		if (hash_copy(from, to, &pg, sum, &size) != 0)
			break;
		if (size != f->size || memcmp(sum, f->sum, sizeof(sum)) != 0) {
			fprintf(stderr, "coffer: restore: '%s' changed while "
			    "it was restored; refusing\n", from);
			goto out;
		}
		if (strncmp(f->rel, "blobs/", 6) == 0) {
			pathf(to, sizeof(to), "%s/%.8s", stage, f->rel);
			if (file_sync(to) != 0)
				break;
		}
		cli_progress_add(&pg, 1, 0);
	}
	if (stopping) {
		fprintf(stderr, "\ncoffer: restore: interrupted; '%s' is "
		    "unchanged (the partial copy is in '%s')\n", dd, stage);
		rc = 130;
		goto out;
	}
	if (pg.items != m.n) {
		fprintf(stderr, "coffer: restore: cannot copy '%s' to '%s': "
		    "%s\n", from, to, strerror(errno));
		goto out;
	}
	if (stage_check(cli, stage, detail, have > m.seq) != 0)
		goto out;
	pathf(to, sizeof(to), "%s/blobs", stage);
	if (file_sync(to) != 0 || file_sync(stage) != 0)
		goto out;

	pathf(aside, sizeof(aside), "pre-restore-%" PRId64, clock_wall_ms());
	if (move_aside(dd, aside) != 0) {
		fprintf(stderr, "coffer: restore: cannot move the previous "
		    "state of '%s' aside: %s\n", dd, strerror(errno));
		goto out;
	}
	{
		static const char *const parts[] = { "meta.db", "meta.db-wal",
		    "seal.anchor", "blobs" };

		for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
			pathf(from, sizeof(from), "%s/%s", stage, parts[i]);
			pathf(to, sizeof(to), "%s/%s", dd, parts[i]);
			if (access(from, F_OK) == 0 && rename(from, to) != 0) {
				fprintf(stderr, "coffer: restore: '%s' -> "
				    "'%s': %s\n", from, to, strerror(errno));
				goto out;
			}
		}
	}
	if (rm_tree(stage) != 0 || file_sync(dd) != 0 ||
	    file_sync_parent(dd) != 0)
		goto out;
	cli_progress_show(&pg, true);
	if (json) {
		struct json_writer w;
		struct buf b;

		buf_init(&b, 512);
		json_writer_init(&w, &b);
		json_obj_open(&w, NULL);
		json_str(&w, "Restored", dd);
		json_str(&w, "From", src);
		json_i64(&w, "SealSequence", m.seq);
		json_i64(&w, "PreviousSealSequence", have);
		json_bool(&w, "Forced", have > m.seq);
		json_u64(&w, "Files", m.n);
		json_u64(&w, "Bytes", pg.bytes);
		json_obj_close(&w);
		if (json_writer_finish(&w) == ERR_OK)
			cli_print_json(&b);
		else
			buf_free(&b);
	} else
		printf("restored '%s' into '%s': seal sequence %" PRId64
		    ", %zu files, %.1f MB%s\n", src, dd, m.seq, m.n,
		    (double)pg.bytes / 1e6, have > m.seq ?
		    " (forced over a newer state: audited)" : "");
	rc = 0;
out:
	if (lock_fd >= 0)
		close(lock_fd);
	free(m.f);
	return rc;
}

/* ---- verify ---- */

struct vreport {
	char		 integrity[256];
	bool		 integrity_ok;
	struct api_seal_report seal;
	uint64_t	 extents, bytes, missing, failing, orphans, in_flight;
	bool		 interrupted;
};

static void
vproblem(struct vreport *v, const uint8_t uuid[static 16], const char *what)
{
	char hex[33];

	if (v->missing + v->failing + v->orphans > LISTED)
		return;
	hex_encode(hex, uuid, 16);
	fprintf(stderr, "coffer: verify: extent %s: %s\n", hex, what);
}

static void
verify_extent(struct cli *cli, struct store *st, const struct bk_extent *e,
    uint8_t *buf, struct vreport *v, struct cli_progress *pg)
{
	struct store_cipher c;
	struct store_reader *sr = NULL;
	struct kms_dek *dek = NULL;
	uint64_t off = 0;
	size_t got;
	bool live = true;
	enum err r;

	if (e->malformed) {
		v->failing++;
		vproblem(v, e->uuid, "malformed row");
		return;
	}
	r = kms_dek_open(cli->kms, e->account, e->wrap_key, e->wrapped,
	    e->wrapped_len, e->uuid, &dek);
	if (r != ERR_OK) {
		/* A key disabled or pending deletion is a key state, not
		 * damage; anything else is. */
		if (r == ERR_KEY_DISABLED || r == ERR_KEY_PENDING_DELETION)
			return;
		v->failing++;
		vproblem(v, e->uuid, "its data key cannot be unwrapped");
		return;
	}
	c.seal = kms_dek_seal;
	c.open = kms_dek_open_chunk;
	c.ctx = dek;
	if (e->is_inline) {
		r = e->plain_len <= STORE_INLINE_MAX ? store_inline_open(e->uuid,
		    &c, e->inline_data, e->inline_len, e->plain_len, buf) :
		    ERR_CORRUPT;
		off = e->plain_len;
	} else {
		r = store_reader_open(st, e->uuid, e->plain_len, &c, &sr);
		while (r == ERR_OK && off < e->plain_len && !stopping) {
			size_t want = e->plain_len - off < IO_BYTES ?
			    (size_t)(e->plain_len - off) : IO_BYTES;

			r = store_reader_read(sr, off, buf, want, &got);
			if (r == ERR_OK && got == 0)
				r = ERR_CORRUPT;
			off += got;
			cli_progress_add(pg, 0, got);
		}
		store_reader_close(sr);
	}
	kms_dek_free(dek);
	/* On a live data dir the object may have gone meanwhile. */
	if (r == ERR_NOT_FOUND &&
	    extent_exists(cli->db, e->uuid, &live) == ERR_OK && !live)
		return;
	if (r == ERR_NOT_FOUND) {
		v->missing++;
		vproblem(v, e->uuid, "its blob file is missing");
	} else if (r != ERR_OK) {
		v->failing++;
		vproblem(v, e->uuid, "a chunk fails authentication (or its "
		    "size is wrong)");
	}
	if (e->is_inline)
		cli_progress_add(pg, 0, e->plain_len);
}

/* Counts orphan blobs; names them only when say (the second look). */
static void
verify_orphans(struct cli *cli, struct vreport *v, bool say)
{
	char path[PATH_MAX];
	uint8_t uuid[16];
	time_t now = time(NULL);
	struct dirent *e;
	struct stat sb;
	bool live;
	DIR *d;

	for (int hi = 0; hi < 256 && !stopping; hi++) {
		pathf(path, sizeof(path), "%s/blobs/%02x", cli->cfg.data_dir,
		    hi);
		d = opendir(path);
		if (d == NULL)
			continue;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			pathf(path, sizeof(path), "%s/blobs/%02x/%s",
			    cli->cfg.data_dir, hi, e->d_name);
			if (strlen(e->d_name) != 32 ||
			    !hex_decode(uuid, 16, e->d_name, 32)) {
				v->orphans++;
				if (say)
					fprintf(stderr, "coffer: verify: '%s' is "
					    "not a blob name\n", path);
				continue;
			}
			if (extent_exists(cli->db, uuid, &live) != ERR_OK ||
			    live)
				continue;
			/* A PUT renames its blob in place, then commits. */
			if (stat(path, &sb) == 0 && now - sb.st_mtime <
			    IN_FLIGHT_S) {
				v->in_flight++;
				continue;
			}
			if (access(path, F_OK) != 0)
				continue;
			v->orphans++;
			if (say && v->orphans <= LISTED)
				fprintf(stderr, "coffer: verify: '%s' is an "
				    "orphan blob (no extent names it)\n", path);
		}
		closedir(d);
	}
}

static void
vreport_json(const struct vreport *v, double secs)
{
	struct json_writer w;
	struct buf b;

	buf_init(&b, 1024);
	json_writer_init(&w, &b);
	json_obj_open(&w, NULL);
	json_bool(&w, "Ok", v->integrity_ok && v->seal.fault == DB_SEAL_OK &&
	    v->seal.objects_bad == 0 && v->seal.extents_bad == 0 &&
	    v->missing == 0 && v->failing == 0 && v->orphans == 0 &&
	    !v->interrupted);
	json_str(&w, "IntegrityCheck", v->integrity);
	json_str(&w, "Seal", db_seal_fault_name(
	    (enum db_seal_fault)v->seal.fault));
	json_i64(&w, "SealSequence", v->seal.seq);
	json_i64(&w, "Anchor", v->seal.anchor);
	json_i64(&w, "Objects", v->seal.objects);
	json_i64(&w, "ObjectsFailingMac", v->seal.objects_bad);
	json_i64(&w, "ExtentRowsFailing", v->seal.extents_bad);
	json_u64(&w, "Extents", v->extents);
	json_u64(&w, "Bytes", v->bytes);
	json_u64(&w, "BlobsMissing", v->missing);
	json_u64(&w, "ExtentsFailingAuthentication", v->failing);
	json_u64(&w, "OrphanBlobs", v->orphans);
	json_u64(&w, "BlobsInFlight", v->in_flight);
	json_bool(&w, "Interrupted", v->interrupted);
	json_i64(&w, "Milliseconds", (int64_t)(secs * 1000));
	json_obj_close(&w);
	if (json_writer_finish(&w) == ERR_OK)
		cli_print_json(&b);
	else
		buf_free(&b);
}

int
cli_verify(struct cli *cli, int argc, char **argv)
{
	bool json = cli_flag(&argc, argv, "--json");
	struct bk_extent *ext = NULL;
	struct store *st = NULL;
	struct vreport v;
	struct cli_progress pg;
	uint8_t *buf = NULL;
	size_t n = 0;
	enum err r;
	bool ok;

	(void)argv;
	catch_signals();
	memset(&v, 0, sizeof(v));
	if (cli_open_kms(cli) != ERR_OK)
		return 1;
	cli_progress_init(&pg, "verify");
	v.integrity_ok = bk_integrity(cli->db, v.integrity,
	    sizeof(v.integrity)) == ERR_OK;
	r = api_seal_check(cli->db, cli->cfg.state_dir, false, &v.seal);
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: verify: cannot check the seal: %s\n",
		    err_name(r));
		return 1;
	}
	r = store_open(cli->cfg.data_dir, &st);
	if (r == ERR_OK)
		r = bk_extents(cli->db, &ext, &n);
	buf = malloc(IO_BYTES > STORE_INLINE_MAX ? IO_BYTES : STORE_INLINE_MAX);
	if (r != ERR_OK || buf == NULL) {
		fprintf(stderr, "coffer: verify: cannot list the extents: %s\n",
		    err_name(r != ERR_OK ? r : ERR_NOMEM));
		store_close(st);
		bk_extents_free(ext, n);
		free(buf);
		return 1;
	}
	cli_progress_total(&pg, n);
	for (size_t i = 0; i < n && !stopping; i++) {
		verify_extent(cli, st, &ext[i], buf, &v, &pg);
		cli_progress_add(&pg, 1, 0);
	}
	v.extents = pg.items;
	v.bytes = pg.bytes;
	if (!stopping)
		verify_orphans(cli, &v, false);
	/* cofferd unlinks a replaced object's blob just after its commit:
	 * on a live data dir, one seen in between is no orphan. Look again
	 * a moment later; what is still there is. */
	if (v.orphans > 0 && !stopping) {
		sleep(1);
		v.orphans = v.in_flight = 0;
		verify_orphans(cli, &v, true);
	}
	v.interrupted = stopping != 0;
	cli_progress_show(&pg, true);
	store_close(st);
	bk_extents_free(ext, n);
	free(buf);

	ok = v.integrity_ok && v.seal.fault == DB_SEAL_OK &&
	    v.seal.objects_bad == 0 && v.seal.extents_bad == 0 &&
	    v.missing == 0 && v.failing == 0 && v.orphans == 0 &&
	    !v.interrupted;
	if (json)
		vreport_json(&v, cli_progress_secs(&pg));
	else {
		printf("integrity: %s\n", v.integrity);
		printf("seal:      %s, sequence %" PRId64 ", anchor %" PRId64
		    ", %" PRId64 " objects (%" PRId64 " failing their MAC, %"
		    PRId64 " extent rows failing)\n",
		    db_seal_fault_name((enum db_seal_fault)v.seal.fault),
		    v.seal.seq, v.seal.anchor, v.seal.objects,
		    v.seal.objects_bad, v.seal.extents_bad);
		printf("extents:   %" PRIu64 " read (%.1f MB), %" PRIu64
		    " blobs missing, %" PRIu64 " failing authentication\n",
		    v.extents, (double)v.bytes / 1e6, v.missing, v.failing);
		printf("orphans:   %" PRIu64 " (%" PRIu64 " younger than %ds "
		    "not counted: writes in flight)\n", v.orphans, v.in_flight,
		    IN_FLIGHT_S);
		printf("verdict:   %s\n", ok ? "ok" : v.interrupted ?
		    "interrupted" : "PROBLEMS FOUND");
	}
	return v.interrupted ? 130 : ok ? 0 : 1;
}
