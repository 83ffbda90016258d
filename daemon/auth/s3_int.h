/* SPDX-License-Identifier: ISC */
/*
 * s3_int.h: what the S3 signature files (auth_s3.c, sig_s3v2.c,
 * sig_s3v4.c, aws_chunked.c) share. Nothing outside daemon/auth/ includes
 * it.
 */
#ifndef COFFER_AUTH_S3_INT_H
#define COFFER_AUTH_S3_INT_H

#include "auth/auth_int.h"
#include "auth/s3.h"

/* An HTTP date, RFC 1123 with "GMT" or "+0000". */
bool s3_parse_http_date(const char *s, int64_t *ret_ms);
/* The path forms a client may have signed, NUL-separated, each once: the
 * path re-encoded the S3 way, then as sent (raw_path), then (decoded)
 * the bytes themselves. prefix ("/bucket" for V2 virtual hosts, else "")
 * goes in front of each. */
enum err s3_path_forms(const struct auth_input *in, const char *prefix,
    bool with_decoded, struct buf *out);

enum err s3v2_parse_header(const struct auth_input *in, const char *auth,
    struct auth_parsed *ret);
enum err s3v2_parse_query(const struct auth_input *in,
    struct auth_parsed *ret);
enum err s3v2_verify(const struct auth_input *in,
    const struct auth_parsed *p, const char *secret, struct buf *ret_sts);
enum err s3v4_parse_header(const struct auth_input *in, const char *auth,
    struct auth_parsed *ret);
enum err s3v4_parse_query(const struct auth_input *in,
    struct auth_parsed *ret);
enum err s3v4_verify(const struct auth_input *in,
    const struct auth_parsed *p, const char *secret, struct buf *ret_sts);

#endif
