/* SPDX-License-Identifier: ISC */
/*
 * str.h: safe parsing and formatting helpers (libc only).
 *
 * Number parsers accept only complete, in-range decimal strings: no sign, no
 * spaces, no trailing garbage. Date functions work in UTC milliseconds.
 * Encoders write a NUL-terminated result and return its length, or -1 when
 * the output does not fit.
 */
#ifndef COFFER_BASE_STR_H
#define COFFER_BASE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Decimal, 0..max. False on anything else (value untouched). */
bool str_to_u64(const char *s, uint64_t max, uint64_t *ret);
bool str_to_u64n(const char *s, size_t n, uint64_t max, uint64_t *ret);
/* Optional leading '-'; min..max. */
bool str_to_i64(const char *s, int64_t min, int64_t max, int64_t *ret);

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
bool str_case_has_prefix(const char *s, const char *prefix);
/* Copies at most cap-1 bytes; always terminates; returns strlen(src). */
size_t str_copy(char *dst, size_t cap, const char *src);
void str_lower(char *s);
/* True when s is valid UTF-8 (no overlongs, no surrogates) with no NUL in n. */
bool str_utf8_valid(const char *s, size_t n);
/* malloc'd copy of s[0..n) (NUL-terminated) or NULL. */
char *str_ndup(const char *s, size_t n);
/* Trims ASCII spaces and tabs from both ends; returns start, sets *n. */
const char *str_trim(const char *s, size_t *n);

/* Lower-case hex. out must hold 2n+1 bytes. */
void hex_encode(char *out, const void *in, size_t n);
void hex_encode_upper(char *out, const void *in, size_t n);
/* Exactly 2n hex digits into n bytes; false on bad input. */
bool hex_decode(void *out, size_t n, const char *in, size_t inlen);

/* Standard base64 with padding. */
size_t b64_encoded_len(size_t n);	/* excluding NUL */
int b64_encode(char *out, size_t outcap, const void *in, size_t n);
/* Strict decode (padding required, no whitespace); returns length or -1. */
int b64_decode(void *out, size_t outcap, const char *in, size_t inlen);

/* Percent-decodes in[0..n) into out (cap >= n+1). Rejects truncated or
 * non-hex escapes and encoded NUL. plus_is_space: form encoding. Returns the
 * decoded length or -1. */
int url_decode(char *out, const char *in, size_t n, bool plus_is_space);
/* RFC 3986 encoding: everything but A-Z a-z 0-9 - . _ ~ becomes %XX
 * (upper-case); keep_slash leaves '/' raw. */
enum err url_encode(struct buf *b, const char *in, size_t n, bool keep_slash);

/* Formats; out must hold the size given. */
#define TIME_RFC1123_BYTES 30	/* "Sun, 06 Nov 1994 08:49:37 GMT" */
#define TIME_ISO_BYTES 25	/* "2013-07-31T10:56:21.000Z" */
void time_fmt_rfc1123(char out[static TIME_RFC1123_BYTES], int64_t ms);
void time_fmt_iso_ms(char out[static TIME_ISO_BYTES], int64_t ms);	/* .000Z */
void time_fmt_iso_s(char out[static TIME_ISO_BYTES], int64_t ms);	/* ...Z  */
void time_fmt_iso_local(char out[static TIME_ISO_BYTES], int64_t ms);	/* no Z */
void time_fmt_basic(char out[static 17], int64_t ms);	/* 20231216T162057Z */
void time_fmt_ymd(char out[static 9], int64_t ms);	/* 20231216 */
#define TIME_CLF_BYTES 27	/* "16/Dec/2023:16:20:57 +0000" */
void time_fmt_clf(char out[static TIME_CLF_BYTES], int64_t ms);
void time_fmt_dashed(char out[static 20], int64_t ms);	/* 2023-12-16-16-20-57 */
/* Parsers; false on malformed input. */
bool time_parse_rfc1123(const char *s, int64_t *ret_ms);
bool time_parse_basic(const char *s, int64_t *ret_ms);
/* "2013-07-31T10:56:21Z", "...21.123Z", "...21" */
bool time_parse_iso(const char *s, int64_t *ret_ms);
/* RFC 3339 with optional offset, for the CLI. */
bool time_parse_rfc3339(const char *s, int64_t *ret_ms);
/* "90s", "25h", "8d", "15m", "2w", or a bare number of seconds. */
bool duration_parse(const char *s, int64_t *ret_ms);

#endif
