/* SPDX-License-Identifier: ISC */
/*
 * access_log_job.c: bucket access-log lines into objects of the target
 * bucket (oss-api-2.md §5.3).
 *
 * The lines of an interval are claimed once it has ended (a file key for
 * each group, bucket/access_log.h), then each claimed file is written
 * through the put callback: the encrypted upload and guarded commit of
 * PutObject, the target's default encryption, its WORM rules. The writes
 * are no requests, so they are never logged themselves, and a target
 * that logs into itself cannot loop.
 */
#include <stdlib.h>

#include "base/clock.h"
#include "base/log.h"
#include "bucket/access_log.h"
#include "jobs/jobs_int.h"

#define FILES_BATCH	16
/* A file's sequence numbers are kept this long past its interval: more
 * than the longest interval, so no later file of it reuses a number. */
#define FORGET_MS	(7 * CLOCK_DAY_MS)
/* Between two warnings about the same failing target. */
#define WARN_EVERY_MS	(60 * CLOCK_SECOND_MS)

/* The start of the interval now_ms falls in: those before it have ended. */
static int64_t
slot_of(const struct jobs *j, int64_t now_ms)
{
	int64_t iv = j->s.log_interval_ms;

	if (iv <= 0 || now_ms < 0)
		return now_ms;
	return now_ms - now_ms % iv;
}

/* Writes f; ERR_OK once its lines may go. */
static enum err
write_file(struct jobs *j, const struct access_log_file *f)
{
	struct bucket dest;
	struct buf b;
	enum err r;

	r = bucket_get(j->s.db, f->target_name, &dest);
	if (r == ERR_OK && dest.id != f->target)
		r = ERR_NO_SUCH_BUCKET;
	if (r != ERR_OK)
		return r;
	/* One line may pass the file size a claim aims at. */
	buf_init(&b, 2 * ACCESS_LOG_FILE_BYTES + 1024 * 1024);
	r = access_log_read(j->s.db, f, &b);
	if (r == ERR_OK)
		r = j->s.put_object(j->s.put_ctx, &dest, f->key, b.data, b.len,
		    "text/plain", NULL, NULL);
	buf_free(&b);
	/* The key is this file's alone: an object there that its WORM
	 * rules keep is this file, written before a crash cut the delete
	 * of its lines short. */
	if (r == ERR_FILE_IMMUTABLE) {
		log_notice("access log: '%s' in bucket '%s' is written and "
		    "protected already", f->key, f->target_name);
		r = ERR_OK;
	}
	return r;
}

unsigned
jobs_access_log_due(struct jobs *j, int64_t now_ms, bool all)
{
	struct access_log_file *files;
	unsigned claimed, written = 0;
	size_t n;
	enum err r;

	if (j->s.log_interval_ms <= 0 || j->s.put_object == NULL)
		return 0;
	files = calloc(FILES_BATCH, sizeof(*files));
	if (files == NULL)
		return 0;
	r = access_log_claim(j->s.db, all ? INT64_MAX :
	    slot_of(j, now_ms), now_ms - FORGET_MS, &claimed);
	if (r != ERR_OK)
		log_warnx("access log: cannot claim the ended intervals: %s",
		    err_name(r));
	/* The claimed files of this round and of any round a crash or a
	 * failed write left behind, oldest first. */
	while (r == ERR_OK && (all || !jobs_stopping(j))) {
		size_t done = 0;

		r = access_log_claimed(j->s.db, files, FILES_BATCH, &n);
		if (r != ERR_OK || n == 0)
			break;
		for (size_t i = 0; i < n && r == ERR_OK; i++) {
			r = write_file(j, &files[i]);
			if (r == ERR_INVALID_OBJECT_NAME) {
				log_warnx("access log: '%s' cannot be a key "
				    "in bucket '%s'; its lines are dropped",
				    files[i].key, files[i].target_name);
				r = ERR_OK;
			}
			if (r == ERR_OK)
				r = access_log_done(j->s.db, &files[i]);
			if (r == ERR_OK) {
				written++;
				done++;
			} else if (now_ms - j->alog_warned_ms >= WARN_EVERY_MS ||
			    all) {
				log_warnx("access log: cannot write '%s' into "
				    "bucket '%s': %s; retrying", files[i].key,
				    files[i].target_name, err_name(r));
				j->alog_warned_ms = now_ms;
			}
		}
		if (done < n)
			break;
	}
	if (written > 0)
		log_info("access log: %u file(s) written", written);
	free(files);
	return written;
}
