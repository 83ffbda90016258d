/* SPDX-License-Identifier: ISC */
/*
 * access_log.h: bucket access-log lines waiting for their object
 * (access_log_db.c, schema/0020_access_log.sql; oss-api-2.md §5.3).
 *
 * A line is appended with the start of the flush interval of its request.
 * Once that interval is over, access_log_claim gives every group of
 * pending lines (target bucket, prefix, source bucket, interval) an object
 * key, <prefix><source>YYYY-mm-DD-HH-MM-SS-NNNN, in one transaction; the
 * writer then reads a claimed file, stores it, and deletes its lines.
 * A crash between the store and the delete writes the same key with the
 * same lines again: a file is never lost and never duplicated.
 */
#ifndef COFFER_BUCKET_ACCESS_LOG_H
#define COFFER_BUCKET_ACCESS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "bucket/bucket.h"
#include "db/db.h"

#define ACCESS_LOG_PREFIX_MAX	32	/* TargetPrefix, PutBucketLogging */
/* A file's lines, about: a claim starts a new file past this. */
#define ACCESS_LOG_FILE_BYTES	(8u * 1024 * 1024)

struct access_log_line {
	int64_t		 target;	/* buckets.id */
	const char	*prefix;
	const char	*source;	/* source bucket name */
	int64_t		 slot_ms;	/* start of its flush interval */
	const char	*line;		/* no '\n' */
};

/* Appends n lines in one transaction; a line whose target is gone is
 * dropped. */
enum err access_log_append(struct db *db, const struct access_log_line *l,
    size_t n);

/* Gives every pending line of an interval that started before before_ms
 * its file (several files where one would pass ACCESS_LOG_FILE_BYTES),
 * in one transaction; *ret_files counts the files named. Forgets the
 * sequence numbers of intervals older than forget_ms. */
enum err access_log_claim(struct db *db, int64_t before_ms,
    int64_t forget_ms, unsigned *ret_files);

struct access_log_file {
	int64_t	target;
	char	target_name[BUCKET_NAME_MAX + 1];
	char	key[BUCKET_KEY_MAX + 1];
};
/* Up to cap claimed files, oldest first. */
enum err access_log_claimed(struct db *db, struct access_log_file *ret,
    size_t cap, size_t *ret_n);
/* The lines of a claimed file in their order, each with its '\n'. */
enum err access_log_read(struct db *db, const struct access_log_file *f,
    struct buf *out);
/* Deletes the lines of a file that is stored (or abandoned). */
enum err access_log_done(struct db *db, const struct access_log_file *f);
/* Lines not yet in an object (tests, metrics). */
enum err access_log_pending(struct db *db, int64_t *ret);

#endif
