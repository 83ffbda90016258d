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

/* Bytewise comparison of a[0..an) and b[0..bn) like strcmp: shorter
 * prefix first. Not constant-time; for sorting public strings only. */
int auth_bytes_cmp(const char *a, size_t an, const char *b, size_t bn);

#endif
