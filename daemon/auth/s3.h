/* SPDX-License-Identifier: ISC */
/*
 * s3.h: the Amazon S3 signatures OSS accepts on the same endpoints.
 *
 * Real OSS answers S3 tools (its "S3 compatibility"): Signature V2
 * (HMAC-SHA1, "AWS ak:sig" and presigned AWSAccessKeyId/Expires/Signature)
 * and V4 (AWS4-HMAC-SHA256, header and presigned X-Amz-* query, service
 * "s3", any region), with the same access keys as OSS. auth_parse hands a
 * request here when it carries one of them; auth_verify does the same.
 * V4 bodies declared by x-amz-content-sha256 are checked where the body is
 * read: a hex SHA-256 (s3_payload_*), or aws-chunked framing with one
 * signature per chunk (aws_chunked_*), stripped before the bytes go on.
 */
#ifndef COFFER_AUTH_S3_H
#define COFFER_AUTH_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"

#define S3V4_ALGORITHM		"AWS4-HMAC-SHA256"
#define S3V4_TERMINATOR		"aws4_request"
#define S3V4_STREAMING		"STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
#define S3_UNSIGNED_PAYLOAD	"UNSIGNED-PAYLOAD"
#define S3_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Whether the request carries an S3 signature (header or query), or an
 * Authorization / X-Amz-Algorithm of the AWS family that we do not know
 * (then auth_s3_parse names it ERR_AUTH_UNSUPPORTED). */
bool auth_s3_detect(const struct auth_input *in);
/* As auth_parse, for a request auth_s3_detect accepted. Errors as
 * auth_parse's, plus ERR_AUTH_UNSUPPORTED. */
enum err auth_s3_parse(const struct auth_input *in, struct auth_parsed *ret);
/* As auth_verify for the AUTH_S3* kinds: ERR_SIGNATURE_MISMATCH (V2) or
 * ERR_SIGNATURE_MISMATCH_V4, with the string-to-sign in ret_sts. */
enum err auth_s3_verify(const struct auth_input *in,
    const struct auth_parsed *p, const char *secret, struct buf *ret_sts);

/* V2: string-to-sign with the given resource path ("/bucket/key" as it is
 * to be signed); date: the Date slot. */
enum err auth_s3v2_string_to_sign(const struct auth_input *in,
    const char *date, const char *path, bool query_auth, struct buf *out);
/* V4: canonical request with the given canonical URI; payload: the hash
 * line. */
enum err auth_s3v4_canonical_request(const struct auth_input *in,
    const char *uri, const char *signed_headers, bool query_auth,
    const char *payload, struct buf *out);
/* "AWS4-HMAC-SHA256\n" iso "\n" scope "\n" hex(SHA-256(creq)). */
enum err auth_s3v4_string_to_sign(const char *iso, const char *date,
    const char *region, const char *service, const char *creq, size_t n,
    struct buf *out);
/* hex(HMAC-SHA256(signing key, sts)) into out[65]. */
void auth_s3v4_sign(char out[static 65], const char *secret,
    const char *date, const char *region, const char *service,
    const char *sts, size_t n);
/* The x-amz-date (or Date) of a V4 request in basic ISO form into
 * out[17]; false when there is none. */
bool auth_s3v4_iso(const struct auth_input *in, const struct auth_parsed *p,
    char out[static 17]);

/*
 * aws-chunked bodies (x-amz-content-sha256:
 * STREAMING-AWS4-HMAC-SHA256-PAYLOAD): "<hex size>;chunk-signature=<sig>
 * \r\n<data>\r\n" ... ending with a zero-size chunk. Each chunk's signature
 * chains from the previous one (the first from the header's) over the
 * SHA-256 of its data. Data is passed on as it arrives, in bounded memory;
 * a chunk whose signature does not match fails the request when its end
 * is reached, so the caller must not keep anything before aws_chunked_end
 * says ERR_OK.
 */
struct aws_chunked;

/* For a verified AUTH_S3V4_HEADER request: the decoder, holding the
 * signing key (locked memory). ERR_NOMEM. */
enum err aws_chunked_new(const struct auth_input *in,
    const struct auth_parsed *p, const char *secret,
    struct aws_chunked **ret);
/* The same from the parts (tests): signing key, iso time, scope
 * "date/region/service/aws4_request", seed signature. */
enum err aws_chunked_new_raw(const uint8_t key[static 32], const char *iso,
    const char *scope, const char *seed, struct aws_chunked **ret);
typedef enum err (*aws_chunked_sink)(void *ctx, const char *p, size_t n);
/* Feeds body bytes; the chunks' data go to sink. ERR_S3_CHUNK_MALFORMED,
 * ERR_SIGNATURE_MISMATCH_V4 (a chunk's signature), or the sink's error.
 * After an error the decoder refuses everything. */
enum err aws_chunked_feed(struct aws_chunked *d, const char *p, size_t n,
    aws_chunked_sink sink, void *ctx);
/* The body has ended: ERR_OK after the final chunk, with the decoded
 * length; else ERR_S3_CHUNK_MALFORMED. */
enum err aws_chunked_end(struct aws_chunked *d, uint64_t *ret_len);
/* NULL-safe; wipes the key. */
void aws_chunked_free(struct aws_chunked *d);

#endif
