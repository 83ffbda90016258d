/* SPDX-License-Identifier: ISC */
/*
 * upload.h: one request body streamed into one encrypted extent (L3).
 *
 * Composes kms/ (a fresh data key per extent), store/ (chunked sealing to a
 * temp file, fsync, rename) and hash/ (MD5 for the ETag and Content-MD5,
 * CRC-64 for x-oss-hash-crc64ecma, SHA-256 when a V4 client declared the
 * payload hash), all computed over the plaintext as it streams, in bounded
 * memory. After upload_finish() the blob is durable but unreferenced: the
 * caller commits metadata, then calls upload_commit(); until then
 * upload_abort() removes the blob again.
 */
#ifndef COFFER_API_UPLOAD_H
#define COFFER_API_UPLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "bucket/bucket.h"
#include "hash/hash.h"

struct api;
struct upload;

struct upload_result {
	/* uuid, plain_len, wrapped key; for a small body the inline chunk,
	 * borrowed from the upload until upload_commit/upload_abort. */
	struct extent	extent;
	uint8_t		md5[HASH_MD5_BYTES];
	uint64_t	crc64;
	uint64_t	len;
};

/* cmk_id NULL: SSE-OSS data key; else a CMK id, alias or ARN of account
 * (accounts.id of the object's owner; KMS errors as kms.h). */
enum err upload_begin(struct api *api, int64_t account, const char *cmk_id,
    struct upload **ret);
/* Optional integrity checks applied at upload_finish: a Content-MD5 to
 * match (ERR_BAD_DIGEST), a client CRC-64 (ERR_CRC64_MISMATCH), a V4
 * payload SHA-256 (ERR_CONTENT_SHA256_MISMATCH), an exact length. */
void upload_expect_md5(struct upload *u, const uint8_t md5[static HASH_MD5_BYTES]);
void upload_expect_crc64(struct upload *u, uint64_t crc);
void upload_expect_sha256(struct upload *u,
    const uint8_t sha[static HASH_SHA256_BYTES]);
enum err upload_write(struct upload *u, const void *p, size_t n);
/* Seals, fsyncs and renames the blob; verifies the expectations. On
 * failure the blob is gone. */
enum err upload_finish(struct upload *u, struct upload_result *ret);
/* The metadata referencing the blob is committed: forget it. Frees u. */
void upload_commit(struct upload *u);
/* Removes the temp file or the finished blob; frees u. NULL-safe. */
void upload_abort(struct upload *u);

#endif
