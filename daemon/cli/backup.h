/* SPDX-License-Identifier: ISC */
/* backup.h: the SQL side of `coffer backup`, `restore` and `verify`
 * (backup_db.c), for cli_backup.c. */
#ifndef COFFER_CLI_BACKUP_H
#define COFFER_CLI_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "bucket/bucket.h"

struct db;

/* Copies the database at src_path into a new file dst_path through
 * SQLite's online backup API, in one read transaction on the source, and
 * calls each_blob for every blob file (non-inline extent) that snapshot
 * names while that transaction is still open. *ret_seq is the snapshot's
 * seal sequence (-1 without a seal row). each_blob returning false stops
 * it (ERR_SHUTTING_DOWN). Writers of the source are never blocked. */
enum err bk_snapshot(const char *src_path, const char *dst_path,
    int64_t *ret_seq,
    bool (*each_blob)(void *ctx, const uint8_t uuid[static 16]), void *ctx);
/* The seal sequence of a database file, read without the root key. */
enum err bk_file_seq(const char *path, int64_t *ret_seq);
/* PRAGMA integrity_check: ERR_OK when "ok", ERR_CORRUPT with the first
 * line it reported in first. */
enum err bk_integrity(struct db *db, char *first, size_t cap);

/* One extent row with the account that owns it (its object's or its
 * upload's bucket owner). */
struct bk_extent {
	uint8_t		 uuid[16];
	uint64_t	 plain_len;
	uint8_t		 wrapped[BUCKET_WRAPPED_MAX];
	size_t		 wrapped_len;
	char		 wrap_key[BUCKET_WRAP_KEY_MAX];
	bool		 is_inline;
	uint8_t		*inline_data;		/* owned */
	size_t		 inline_len;
	int64_t		 account;
	bool		 malformed;		/* uuid or key of a wrong size */
};
/* Every extent row, read in one snapshot. */
enum err bk_extents(struct db *db, struct bk_extent **ret, size_t *ret_n);
void bk_extents_free(struct bk_extent *v, size_t n);

#endif
