/* SPDX-License-Identifier: ISC */
/*
 * codec_int.h: helpers shared by the files of codec/ only (not part of the
 * module's public surface; nothing outside daemon/codec/ includes this).
 *
 * Both writers must never emit ill-formed output even when handed arbitrary
 * client bytes (object keys, tag values), so both walk their input with the
 * same strict UTF-8 decoder.
 */
#ifndef COFFER_CODEC_CODEC_INT_H
#define COFFER_CODEC_CODEC_INT_H

#include <stddef.h>
#include <stdint.h>

/* Length (1..4) of the well-formed UTF-8 sequence at the start of p[0..n)
 * and its code point in *ret_cp; 0 when the bytes there are not one
 * (stray continuation byte, overlong form, surrogate, above U+10FFFF,
 * truncated), *ret_cp untouched then. n must be > 0. Pure; thread-safe. */
size_t codec_utf8_next(const unsigned char *p, size_t n, uint32_t *ret_cp);

#endif
