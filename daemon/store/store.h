/* SPDX-License-Identifier: ISC */
/*
 * store.h: object bytes on disk as encrypted extents (L1).
 *
 * An extent is one blob file, DATA_DIR/blobs/<hh>/<32 hex of its uuid>,
 * holding the plaintext cut into 64 KiB chunks, each sealed on its own:
 *
 *     chunk i on disk = nonce (24 B) || ciphertext || tag (16 B)
 *     full chunk      = 65,576 bytes; chunk i starts at i * 65,576
 *     associated data = uuid (16 B) || i (u64 BE) || last (1 B: 1 on the
 *                       final chunk, else 0)
 *
 * Binding the uuid stops chunks moving between extents; binding the index
 * stops reordering; the last flag stops truncation and extension while still
 * allowing bodies of unknown length (chunked uploads) to be sealed as they
 * stream. Every extent ends with a last chunk, possibly empty.
 *
 * The store never sees a key: sealing and opening go through a struct
 * store_cipher that kms/ implements around a data key it keeps. Writes go to
 * DATA_DIR/tmp, are fsync'd, renamed into place and the directory fsync'd
 * before store_writer_commit returns, so a caller may commit metadata
 * afterwards (DESIGN §4). No plaintext byte reaches the disk.
 */
#ifndef COFFER_STORE_STORE_H
#define COFFER_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define STORE_UUID_BYTES	16
#define STORE_CHUNK_BYTES	65536
#define STORE_NONCE_BYTES	24
#define STORE_TAG_BYTES		16
#define STORE_OVERHEAD_BYTES	(STORE_NONCE_BYTES + STORE_TAG_BYTES)
#define STORE_SEALED_BYTES	(STORE_CHUNK_BYTES + STORE_OVERHEAD_BYTES)
#define STORE_AD_BYTES		(STORE_UUID_BYTES + 8 + 1)

struct store_cipher {
	/* out (n + STORE_OVERHEAD_BYTES) = nonce || ct || tag of in[0..n). */
	enum err	(*seal)(void *ctx, uint8_t *out, const uint8_t *in,
			    size_t n, const uint8_t *ad, size_t adlen);
	/* in is nonce || ct || tag (n bytes); out gets n - overhead bytes.
	 * ERR_CORRUPT when authentication fails. */
	enum err	(*open)(void *ctx, uint8_t *out, const uint8_t *in,
			    size_t n, const uint8_t *ad, size_t adlen);
	void		*ctx;
};

struct store;
struct store_writer;
struct store_reader;

/* Creates DATA_DIR/blobs/00..ff and DATA_DIR/tmp as needed. */
enum err store_open(const char *data_dir, struct store **ret);
/* For one of several nodes sharing DATA_DIR: temp files in
 * DATA_DIR/tmp/NODE, and store_sweep keeps blobs modified in the last
 * STORE_SHARED_MIN_AGE_S seconds, which another node may be committing. */
#define STORE_SHARED_MIN_AGE_S	3600
enum err store_open_node(const char *data_dir, const char *node,
    struct store **ret);
void store_close(struct store *st);

/* Fills uuid with 16 random bytes. */
void store_uuid_new(uint8_t uuid[static STORE_UUID_BYTES]);

/* Starts a new extent. The cipher must outlive the writer. */
enum err store_writer_new(struct store *st,
    const uint8_t uuid[static STORE_UUID_BYTES],
    const struct store_cipher *cipher, struct store_writer **ret);
/* Appends plaintext. ERR_IO / ERR_NO_SPACE on write failure. */
enum err store_writer_write(struct store_writer *w, const void *p, size_t n);
/* Seals the last chunk, fsyncs, renames into place, fsyncs the directory.
 * Frees w in every case (on failure the temp file is removed). */
enum err store_writer_commit(struct store_writer *w, uint64_t *ret_plain_len);
/* Discards the extent: removes the temp file and frees w. NULL-safe. */
void store_writer_abort(struct store_writer *w);
/* Plaintext bytes written so far. */
uint64_t store_writer_length(const struct store_writer *w);

/* Opens a committed extent of plain_len plaintext bytes. ERR_NOT_FOUND when
 * the blob is missing; ERR_CORRUPT when its size does not match plain_len. */
enum err store_reader_open(struct store *st,
    const uint8_t uuid[static STORE_UUID_BYTES], uint64_t plain_len,
    const struct store_cipher *cipher, struct store_reader **ret);
/* Reads plaintext [off, off + n) into buf, opening only the chunks that
 * overlap it. Short only at the end of the extent. ERR_CORRUPT when a chunk
 * fails authentication. */
enum err store_reader_read(struct store_reader *r, uint64_t off, void *buf,
    size_t n, size_t *ret_n);
void store_reader_close(struct store_reader *r);

/* Small extents (DESIGN §2 variant): at most STORE_INLINE_MAX plaintext
 * bytes sealed as one final chunk in memory, for storage in a database row
 * instead of a blob file. The format and associated data are those of
 * chunk 0 of a one-chunk blob. out holds n + STORE_OVERHEAD_BYTES. */
#define STORE_INLINE_MAX	STORE_CHUNK_BYTES
enum err store_inline_seal(const uint8_t uuid[static STORE_UUID_BYTES],
    const struct store_cipher *cipher, const void *p, size_t n, uint8_t *out);
/* Opens an inline extent of plain_len bytes into out. ERR_CORRUPT when the
 * sealed length does not match or authentication fails. */
enum err store_inline_open(const uint8_t uuid[static STORE_UUID_BYTES],
    const struct store_cipher *cipher, const uint8_t *sealed, size_t n,
    uint64_t plain_len, void *out);

/* Removes a committed extent; ERR_OK when already gone. */
enum err store_unlink(struct store *st,
    const uint8_t uuid[static STORE_UUID_BYTES]);
/* Start-up recovery: deletes every temp file (of this node) and every
 * blob for which is_live returns false (crash between unlink queueing and
 * commit, or between rename and commit), but a shared store's young
 * ones. */
enum err store_sweep(struct store *st,
    bool (*is_live)(void *ctx, const uint8_t uuid[static STORE_UUID_BYTES]),
    void *ctx, unsigned *ret_removed);
/* The blobs part alone, safe while the store is in use only when young
 * blobs are kept (store_open_node): a node's periodic collection. */
enum err store_sweep_blobs(struct store *st,
    bool (*is_live)(void *ctx, const uint8_t uuid[static STORE_UUID_BYTES]),
    void *ctx, unsigned *ret_removed);
/* Path of an extent's blob (for tests); buf must hold PATH_MAX bytes. */
void store_blob_path(const struct store *st,
    const uint8_t uuid[static STORE_UUID_BYTES], char *buf, size_t cap);

/* store_writer_commit passes the crash points (base/crash.h)
 * "blob-written", "blob-fsynced", "blob-renamed" and "dir-fsynced". */

#endif
