/* SPDX-License-Identifier: ISC */
/*
 * codec_utf8.c: the strict UTF-8 decoder behind both writers of codec/.
 *
 * Written from the table in RFC 3629 section 4 rather than borrowed from
 * base/str.h, because the writers need to know where each sequence ends in
 * order to replace only the bad bytes, not just whether a whole string is
 * valid.
 */
#include "codec/codec_int.h"

size_t
codec_utf8_next(const unsigned char *p, size_t n, uint32_t *ret_cp)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len, i;
	uint32_t cp;

	if (c < 0x80) {
		*ret_cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
		/* E0 would otherwise allow overlongs, ED the surrogates. */
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
		/* F0 would allow overlongs, F4 code points past U+10FFFF. */
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;	/* continuation byte, C0, C1 or F5..FF */
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		unsigned char cc = p[i];

		/* Only the second byte has the narrowed range. */
		if (i == 1 ? (cc < lo || cc > hi) : (cc < 0x80 || cc > 0xBF))
			return 0;
		cp = (cp << 6) | (cc & 0x3F);
	}
	*ret_cp = cp;
	return len;
}
