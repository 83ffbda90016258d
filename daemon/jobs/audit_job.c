/* SPDX-License-Identifier: ISC */
/*
 * audit_job.c: the audit trail's retention. At each tick the worker
 * exports the rows older than audit_retention_days and then deletes them,
 * a bounded batch per transaction so appends wait for one batch at most.
 *
 * Export before delete: the rows are appended to AUDIT_DIR/export.jsonl
 * (one JSON object a line, with the row's prev and hash) and fdatasync'd
 * inside the write transaction, before the prune moves the checkpoint
 * and commits (db/audit_prune_db.c). A crash in between leaves lines for
 * rows that are still in the table; the next batch finds them by the
 * file's last id and does not write them twice. A line cut short by the
 * crash is dropped first. `coffer audit verify-export` proves the file:
 * each line follows the one before, each hash is the root key's over its
 * line, and the line at the checkpoint carries the checkpoint's hash.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/str.h"
#include "codec/json.h"
#include "db/db.h"
#include "jobs/jobs_int.h"

#define AUDIT_BATCH	1000	/* rows per transaction */
#define AUDIT_BATCHES	8	/* transactions per tick */
#define TAIL_BYTES	65536	/* a line is a few hundred bytes */

struct export {
	int		 fd;
	int64_t		 file_last;	/* last id already in the file */
	int64_t		 last;		/* last id of this batch */
	struct buf	 b;
};

/* The id of the file's last complete line (0: none); a partial last line
 * (a crash mid-write) is cut off. */
static enum err
export_tail(int fd, int64_t *ret_last)
{
	char *tail, *nl, *id;
	struct stat sb;
	off_t from;
	ssize_t n;

	*ret_last = 0;
	if (fstat(fd, &sb) != 0)
		return ERR_IO;
	if (sb.st_size == 0)
		return ERR_OK;
	tail = malloc(TAIL_BYTES + 1);
	if (tail == NULL)
		return ERR_NOMEM;
	from = sb.st_size > TAIL_BYTES ? sb.st_size - TAIL_BYTES : 0;
	n = pread(fd, tail, (size_t)(sb.st_size - from), from);
	if (n != sb.st_size - from) {
		free(tail);
		return ERR_IO;
	}
	tail[n] = '\0';
	nl = strrchr(tail, '\n');
	if (nl == NULL || nl != tail + n - 1) {
		off_t keep = nl == NULL ? from : from + (nl - tail) + 1;

		log_warnx("audit: dropping a partial line at the end of the "
		    "export file (%lld bytes)", (long long)(sb.st_size - keep));
		if (ftruncate(fd, keep) != 0) {
			free(tail);
			return ERR_IO;
		}
	}
	if (nl != NULL) {
		*nl = '\0';
		nl = strrchr(tail, '\n');
		id = strstr(nl != NULL ? nl + 1 : tail, "{\"Id\":");
		if (id != NULL)
			*ret_last = strtoll(id + 6, NULL, 10);
	}
	free(tail);
	return ERR_OK;
}

static enum err
export_row(void *ctx, const struct db_audit_row *row)
{
	struct export *e = ctx;
	char hex[2 * DB_AUDIT_HASH_BYTES + 1], t[TIME_ISO_BYTES];
	struct json_writer w;
	enum err r;

	e->last = row->id;
	if (row->id <= e->file_last)
		return ERR_OK;
	json_writer_init(&w, &e->b);
	json_obj_open(&w, NULL);
	json_i64(&w, "Id", row->id);
	json_i64(&w, "TimeMs", row->time_ms);
	time_fmt_iso_ms(t, row->time_ms);
	json_str(&w, "Time", t);
	json_str(&w, "Actor", row->actor);
	json_str(&w, "Action", row->action);
	json_str(&w, "Target", row->target);
	json_str(&w, "Result", row->result);
	json_str(&w, "Detail", row->detail);
	hex_encode(hex, row->prev, DB_AUDIT_HASH_BYTES);
	json_str(&w, "Prev", hex);
	hex_encode(hex, row->hash, DB_AUDIT_HASH_BYTES);
	json_str(&w, "Hash", hex);
	json_obj_close(&w);
	r = json_writer_finish(&w);
	return r == ERR_OK ? buf_append(&e->b, "\n", 1) : r;
}

static enum err
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return errno == ENOSPC ? ERR_NO_SPACE : ERR_IO;
		c += w;
		n -= (size_t)w;
	}
	return ERR_OK;
}

/* The directory and the file, created durably on first use. */
static enum err
export_open(const char *dir, int *ret_fd)
{
	char path[4096];
	bool created = false;
	int fd, dfd;

	if (mkdir(dir, 0700) == 0)
		created = true;
	else if (errno != EEXIST)
		return ERR_IO;
	if ((size_t)snprintf(path, sizeof(path), "%s/export.jsonl", dir) >=
	    sizeof(path))
		return ERR_INVALID_ARGUMENT;
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return ERR_IO;
	/* The file's name (and the directory's, when new) must be durable
	 * before a delete relies on them. */
	for (int up = 0; up <= (created ? 1 : 0); up++) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s", dir,
		    up ? "/.." : "") >= sizeof(path))
			dfd = -1;
		else
			dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || fsync(dfd) != 0) {
			if (dfd >= 0)
				close(dfd);
			close(fd);
			return ERR_IO;
		}
		close(dfd);
	}
	if (created)
		log_notice("audit: exporting pruned rows to %s/export.jsonl",
		    dir);
	*ret_fd = fd;
	return ERR_OK;
}

/* One batch: export, fsync, prune, commit. *ret_n: rows pruned. */
static enum err
prune_batch(struct jobs *j, int fd, int64_t now_ms, uint64_t *ret_n)
{
	struct db *db = j->s.db;
	struct db_audit_checkpoint cp;
	struct export e = { .fd = fd };
	char detail[96];
	uint64_t pruned = 0;
	unsigned n = 0;
	enum err r;

	*ret_n = 0;
	r = db_tx_begin(db);
	if (r != ERR_OK)
		return r;
	buf_init(&e.b, 64 * 1024 * 1024);
	r = db_audit_checkpoint_get(db, &cp);
	if (r == ERR_OK)
		r = export_tail(fd, &e.file_last);
	if (r == ERR_OK)
		r = db_audit_old_rows(db, cp.last_id,
		    now_ms - j->s.audit_retention_ms, AUDIT_BATCH, export_row,
		    &e, &n);
	if (r == ERR_OK && n > 0) {
		r = write_all(fd, e.b.data, e.b.len);
		if (r == ERR_OK && fdatasync(fd) != 0)
			r = ERR_IO;
		if (r == ERR_OK)
			r = db_audit_prune(db, cp.last_id, e.last, now_ms,
			    &pruned);
		snprintf(detail, sizeof(detail), "rows %lld-%lld exported to "
		    "audit/export.jsonl", (long long)cp.last_id + 1,
		    (long long)e.last);
		if (r == ERR_OK)
			r = db_audit_append(db, now_ms, j->s.actor,
			    "audit.Prune", "", "ok", detail);
	}
	if (r == ERR_OK && n > 0)
		r = db_tx_commit(db);
	else
		db_tx_rollback(db);
	if (r == ERR_OK)
		*ret_n = pruned;
	buf_free(&e.b);
	return r;
}

static enum err
count_row(void *ctx, const struct db_audit_row *row)
{
	(void)ctx;
	(void)row;
	return ERR_OK;
}

unsigned
jobs_audit_prune(struct jobs *j, int64_t now_ms)
{
	struct db_audit_checkpoint cp;
	uint64_t total = 0, n = 0;
	unsigned due = 0;
	enum err r;
	int fd = -1;

	if (j->s.audit_dir == NULL || j->s.audit_retention_ms <= 0)
		return 0;
	/* Most ticks have nothing due: one indexed read, no file. */
	r = db_audit_checkpoint_get(j->s.db, &cp);
	if (r == ERR_OK)
		r = db_audit_old_rows(j->s.db, cp.last_id,
		    now_ms - j->s.audit_retention_ms, 1, count_row, NULL, &due);
	if (r != ERR_OK || due == 0)
		return 0;
	r = export_open(j->s.audit_dir, &fd);
	for (int i = 0; r == ERR_OK && i < AUDIT_BATCHES; i++) {
		r = prune_batch(j, fd, now_ms, &n);
		total += n;
		if (n == 0 || jobs_stopping(j))
			break;
	}
	if (fd >= 0)
		close(fd);
	if (r != ERR_OK)
		log_warnx("audit: cannot prune the trail: %s", err_name(r));
	if (total > 0)
		log_info("audit: pruned %llu row(s) older than the retention, "
		    "up to the checkpoint; exported first",
		    (unsigned long long)total);
	return (unsigned)total;
}
