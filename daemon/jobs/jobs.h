/* SPDX-License-Identifier: ISC */
/*
 * jobs.h: time-driven work (L3): the once-a-second tick, the bucket
 * inventory reports (inventory-report.md), the daily lifecycle runs
 * (oss-api-2.md §2.4) and the bucket access-log files (§5.3).
 *
 * A report lists the source bucket's objects (bucket/) that pass the
 * configuration's filters (worm/inventory.h) as gzip-compressed CSV parts,
 * then writes the parts, manifest.json and manifest.checksum into the
 * destination bucket. jobs/ may not include api/, so the object writes go
 * through a callback that the composition root (main.c, the CLI) fills with
 * object_internal_put(): the same encrypted upload and commit path as
 * PutObject, including the WORM guard.
 *
 * Time is the caller's business time; nothing here reads a clock.
 */
#ifndef COFFER_JOBS_JOBS_H
#define COFFER_JOBS_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct buf;
struct gate;
struct db;
struct bucket;
struct object;
struct inventory_config;
struct jobs;
struct lifecycle_progress;
struct mpu;

/* Writes one object of len bytes into dest (a bucket record read by the
 * caller) under key, as a PutObject would, and makes it durable before
 * returning ERR_OK. sse_algorithm: NULL for the bucket's default
 * encryption, "AES256" (SSE-OSS) or "KMS" with sse_kms_key_id. Errors as
 * PutObject (ERR_FILE_IMMUTABLE when key is a protected object, KMS key
 * errors, ERR_IO, ...). Called from the jobs thread or the CLI. */
typedef enum err (*jobs_put_object_fn)(void *ctx, const struct bucket *dest,
    const char *key, const void *data, size_t len, const char *content_type,
    const char *sse_algorithm, const char *sse_kms_key_id);

/* The changes a lifecycle run makes, filled by the composition root with
 * object_lifecycle_change / object_lifecycle_abort (object/object.h), so
 * that every one goes through the object transaction and its retention
 * guard. Both NULL: lifecycle rules never run. */
struct jobs_lifecycle_ops {
	enum err	(*change)(void *ctx, const struct bucket *b,
			    const struct object *o, const char *storage_class,
			    int64_t now_ms, const char *actor,
			    const char *rule_id);
	enum err	(*abort)(void *ctx, const struct bucket *b,
			    const struct mpu *u, int64_t now_ms,
			    const char *actor, const char *rule_id);
	void		*ctx;
};

#define JOBS_PART_MAX_DEFAULT	(64u * 1024 * 1024)	/* compressed bytes */

struct jobs_settings {
	struct db		*db;
	jobs_put_object_fn	 put_object;
	void			*put_ctx;
	const char		*actor;		/* audit actor: "daemon", "cli" */
	size_t			 part_max;	/* 0: JOBS_PART_MAX_DEFAULT */
	struct jobs_lifecycle_ops lifecycle;
	struct gate		*gate;		/* passed for each tick's work */
	/* Each object a report lists, with its size (the CLI's progress
	 * line). NULL: none. */
	void			(*progress)(void *ctx, uint64_t items,
				    uint64_t bytes);
	void			*progress_ctx;
	/* Bucket access logs: the interval each file covers; 0: this
	 * handle writes none (the CLI). */
	int64_t			 log_interval_ms;
	/* Audit retention (audit_job.c): rows older than audit_retention_ms
	 * are exported to audit_dir/export.jsonl, then pruned. NULL or 0:
	 * kept forever. */
	const char		*audit_dir;
	int64_t			 audit_retention_ms;
	/* Nodes sharing a data dir: every sweep_every_ms of wall time, the
	 * node holding the jobs lease collects the blobs no row names
	 * (sweep; store_sweep_blobs keeps the young ones). NULL: never. */
	enum err		(*sweep)(void *ctx, unsigned *removed);
	void			*sweep_ctx;
	int64_t			 sweep_every_ms;
};

/* ERR_NOMEM only. The settings are copied; db and put_ctx must outlive the
 * handle. */
enum err jobs_open(const struct jobs_settings *s, struct jobs **ret);
/* Asks the report or lifecycle run in progress to stop at its next page
 * (ERR_SHUTTING_DOWN); async-signal-safe, for a Ctrl-C handler. */
void jobs_cancel(struct jobs *j);
/* Stops the worker (a report in progress is abandoned at its next page;
 * its schedule slot counts as run) and frees j. NULL-safe. */
void jobs_close(struct jobs *j);

/* Hands now_ms to the worker thread, started on first use, which runs the
 * reports whose Daily/Weekly slot has come (each slot once: see
 * inventory_claim). Returns at once; if the worker is still busy the latest
 * now_ms is picked up when it is done. Call from one thread (main). */
void jobs_tick(struct jobs *j, int64_t now_ms);

/* What the worker does for one tick, on the calling thread: runs every
 * report due at now_ms that this call can claim. Returns how many ran
 * (successfully or not). For tests and tools; the daemon uses jobs_tick. */
unsigned jobs_run_due(struct jobs *j, int64_t now_ms);

/* At a clean stop, after the listeners have stopped and the last access
 * lines were spilled: stops the worker, then writes every pending
 * access-log line into its target on the calling thread, the current
 * interval's too (jobs_access_log_due with all). jobs_close follows. */
void jobs_finish(struct jobs *j, int64_t now_ms);

/* Runs the inventory id of bucket_name now, on the calling thread, whatever
 * its schedule or IsEnabled. ret_key (cap bytes) receives the manifest key,
 * or "" when no object matched (OSS writes no report then).
 * ERR_NO_SUCH_BUCKET, ERR_NO_SUCH_INVENTORY, ERR_INVENTORY_DEST_NOT_OWNED
 * (destination gone to another owner), ERR_INVALID_OBJECT_NAME (report
 * keys over 1023 bytes), the put callback's errors. Audited. */
enum err jobs_inventory_run(struct jobs *j, const char *bucket_name,
    const char *inventory_id, int64_t now_ms, char *ret_key, size_t cap);

/* Runs the daily lifecycle runs due at now_ms of every bucket, each day
 * in order (a clock jump over 31 days makes 31 runs), resuming a run that
 * a crash or a stop interrupted. Returns how many daily runs completed.
 * The daemon's worker calls it on every tick. */
unsigned jobs_lifecycle_due(struct jobs *j, int64_t now_ms);

/* The runs of bucket_name due at now_ms, on the calling thread; when none
 * is due, today's run again (`coffer lifecycle run`). progress, when not
 * NULL, is called after every page and at the end of each run (done).
 * ERR_NO_SUCH_BUCKET, ERR_NO_SUCH_LIFECYCLE, ERR_CONFLICT (the
 * configuration was replaced meanwhile), database errors. */
enum err jobs_lifecycle_run(struct jobs *j, const char *bucket_name,
    int64_t now_ms, void (*progress)(void *ctx,
    const struct lifecycle_progress *p, bool done), void *ctx);

/* Names the files of the access-log intervals ended at now_ms (all: of
 * every pending line) and writes them, with any file an earlier round
 * left unwritten; a file that fails stays for the next round (logged at
 * most once a minute). Returns how many files were written. The worker
 * calls it on every tick. */
unsigned jobs_access_log_due(struct jobs *j, int64_t now_ms, bool all);

/* Exports and prunes the audit rows older than the retention at now_ms,
 * a few bounded batches, on the calling thread (the worker's tick).
 * Returns the rows pruned. */
unsigned jobs_audit_prune(struct jobs *j, int64_t now_ms);

/* ---- report pieces (inventory_job.c), exposed for the unit tests ---- */

/* Whether object o is listed by c for a scan started at scan_ms: the
 * filter (bounds inclusive, times in Unix seconds) and not modified after
 * the scan started. The prefix is applied by the listing; a delete marker
 * fails every size and storage-class filter. */
bool jobs_inventory_matches(const struct inventory_config *c,
    const struct object *o, int64_t scan_ms);
/* Whether c's reports on src list every version, with the version
 * columns: IncludedObjectVersions All on a bucket ever versioned. */
bool jobs_inventory_versions(const struct inventory_config *c,
    const struct bucket *src);
/* Appends the fileSchema value ("Bucket, Key, Size, ..."; with versions,
 * VersionId, IsLatest and IsDeleteMarker after Key). */
enum err jobs_inventory_schema(struct buf *b, const struct inventory_config *c,
    bool versions);
/* Appends one CSV row (every field double-quoted, the key URL-encoded,
 * '\n'-terminated) for o in bucket; with versions, its version columns.
 * A delete marker's optional fields are empty but LastModifiedDate. */
enum err jobs_inventory_row(struct buf *b, const char *bucket,
    const struct object *o, const struct inventory_config *c, bool versions);

#endif
