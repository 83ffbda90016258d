/* SPDX-License-Identifier: ISC */
/*
 * auth_int.h: declarations shared by the auth/ source files only.
 *
 * The canonicalisation steps of V1 and V4 have the same shape (pick some
 * headers, sort, join repeated values with ','), so the selection and
 * grouping code lives once in auth_canon.c. Nothing outside daemon/auth/
 * includes this file.
 */
#ifndef COFFER_AUTH_AUTH_INT_H
#define COFFER_AUTH_AUTH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"
#include "base/buf.h"
#include "base/err.h"

/* OSS: a header-signed request more than 15 minutes from server time is
 * RequestTimeTooSkewed (oss-api.md §1.4). */
#define AUTH_SKEW_MS		(15LL * 60 * 1000)
/* OSS: V4 presigned URLs live at most 7 days (x-oss-expires 1..604800). */
#define AUTH_V4_EXPIRES_MAX	604800
/* Bound on any canonical string we build. Requests are far smaller: the
 * HTTP layer caps headers and URLs well below this. */
#define AUTH_CANON_MAX		(1024 * 1024)
/* Bound on the header and query counts we are willing to sort. */
#define AUTH_ITEMS_MAX		4096

#define AUTH_V4_ALGORITHM	"OSS4-HMAC-SHA256"
#define AUTH_V4_TERMINATOR	"aliyun_v4_request"
#define AUTH_UNSIGNED_PAYLOAD	"UNSIGNED-PAYLOAD"

/* ---- shared parsing steps (auth_parse.c), for OSS and AWS alike ---- */
/* Copies s[0..n) into dst[cap] when it fits (with its NUL). */
bool auth_copy_field(char *dst, size_t cap, const char *s, size_t n);
bool auth_is_digits(const char *s, size_t n);
/* ERR_TIME_SKEWED when request_ms is more than AUTH_SKEW_MS from now. */
enum err auth_check_skew(const struct auth_input *in, int64_t request_ms);
/* A V4 credential scope "<ak>/<yyyymmdd>/<region>/<product>/<terminator>"
 * into ret's access key, date, region and product. Only the syntax is
 * checked (ERR_AUTH_MALFORMED): region and product are the caller's to
 * judge, so a well-formed credential for the wrong region gets its own
 * error. */
enum err auth_parse_scope(const char *s, size_t n, const char *terminator,
    struct auth_parsed *ret);

/* First value of a header (lower-case name) / query parameter, or NULL. */
const char *auth_header(const struct auth_input *in, const char *name);
const char *auth_query(const struct auth_input *in, const char *name);

/* Selects the headers for which want(name, ctx) is true and appends one
 * "name:value\n" line per distinct name, sorted bytewise by name; each value
 * is trimmed of spaces and tabs and repeated headers are joined with ','
 * in the order received. ERR_OK, ERR_NOMEM, ERR_ENTITY_TOO_LARGE (out is
 * freed on failure, as buf does). */
enum err auth_canon_headers(const struct auth_input *in,
    bool (*want)(const char *name, const void *ctx), const void *ctx,
    struct buf *out);

/* "?k&k=v..." of the query parameters pick(name, ctx) selects, sorted by
 * name (repeated names in arrival order), raw values: the sub-resource
 * part of V1 and AWS V2. Appends to out; out is freed on failure. */
enum err auth_canon_subresources(const struct auth_input *in,
    bool (*pick)(const char *name, const void *ctx), const void *ctx,
    struct buf *out);

/* How a query parameter with an empty value is signed: "k" (bare), "k="
 * (equals), or bare only for an OSS sub-resource (ali-oss signs an empty
 * value as "k=" but an empty sub-resource as "k", clients.md §1.3). */
enum auth_empty {
	AUTH_EMPTY_BARE,
	AUTH_EMPTY_EQUALS,
	AUTH_EMPTY_BARE_SUBRES,
};

/* The canonical query string of V4 signatures: every parameter but
 * unsigned_name (the presigned signature; NULL: none skipped), names and
 * values rfc3986-encoded, sorted by name then value, joined with '&'.
 * Appends to out; ERR_OK, ERR_NOMEM, ERR_ENTITY_TOO_LARGE (out is freed on
 * failure). */
enum err auth_canon_query(const struct auth_input *in,
    const char *unsigned_name, enum auth_empty empty, struct buf *out);

/* Whether name is one of the ';'-separated entries of list (any case). */
bool auth_in_list(const char *list, const char *name);

/* auth_v1_string_to_sign with the bucket resource as "/bucket" when
 * bare_bucket: aliyun-sdk signs a path-style bucket request over its path,
 * which has no trailing slash. */
enum err auth_v1_sts(const struct auth_input *in, const char *date,
    bool query_auth, bool with_optional, bool bare_bucket, struct buf *out);

/* The V4 signing key: the HMAC-SHA256 chain over date, region, service and
 * terminator, keyed first with prefix + secret ("aliyun_v4" for OSS V4,
 * "AWS4" for Amazon's). */
void auth_v4_signing_key(uint8_t out[static 32], const char *prefix,
    const char *secret, const char *date, const char *region,
    const char *service, const char *terminator);

/* Bytewise comparison of a[0..an) and b[0..bn) like strcmp: shorter
 * prefix first. Not constant-time; for sorting public strings only. */
int auth_bytes_cmp(const char *a, size_t an, const char *b, size_t bn);

/*
 * ---- the replay cache's files (kms_nonce_log.c) ----
 */

#define NONCE_BOOT_MAX	64

/* DIR/state: what the previous run left. */
struct nonce_state {
	char	 boot[NONCE_BOOT_MAX];	/* nonce_boot_identity() of its boot */
	bool	 clean;			/* stopped with every log synced */
	int64_t	 barrier_ms;		/* timestamps before it refused; 0 none */
	uint8_t	 check[8];		/* identifies the fingerprint key */
};

/* Opens the directory, creating it 0700 (*ret_created then). ERR_IO
 * (logged). */
enum err nonce_dir_open(const char *path, int *ret_dirfd, bool *ret_created);
/* ERR_NOT_FOUND without a state file; ERR_CORRUPT when it is unusable. */
enum err nonce_state_read(int dirfd, struct nonce_state *ret);
/* Replaces the state file atomically and durably (temp file, fdatasync,
 * rename, directory fsync). ERR_IO or ERR_NO_SPACE. */
enum err nonce_state_write(int dirfd, const struct nonce_state *st);
/* This boot's identity: the kernel's boot id, or "btime:<s>" (the boot's
 * wall-clock time) where /proc/sys is hidden. */
void nonce_boot_identity(char out[static NONCE_BOOT_MAX]);
/* Whether two identities name the same boot ("" never does). */
bool nonce_boot_same(const char *a, const char *b);

enum nonce_log_use {
	NONCE_LOG_LOAD,		/* read its entries, keep the file */
	NONCE_LOG_REMOVE,	/* dead or unusable: delete it */
	NONCE_LOG_KEEP,		/* leave it alone */
};
/* For every generation file: use() decides; fp() gets each entry of the
 * files loaded. ERR_IO, ERR_NOMEM. */
enum err nonce_logs_scan(int dirfd, enum nonce_log_use (*use)(void *ctx,
    int64_t gen), void (*fp)(void *ctx, int64_t gen, uint64_t fp), void *ctx);
/* Opens (creating) generation gen's file for appends at *ret_pos, the end
 * of its last whole entry. */
enum err nonce_log_open(int dirfd, int64_t gen, int *ret_fd,
    uint64_t *ret_pos);
/* One entry at pos. ERR_IO or ERR_NO_SPACE; pos is then still free. */
enum err nonce_log_append(int fd, uint64_t pos, uint64_t fp);
void nonce_log_remove(int dirfd, int64_t gen);

#endif
