/* SPDX-License-Identifier: ISC */
/* str.c: see str.h. */
#include "base/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

bool
str_to_u64n(const char *s, size_t n, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return false;
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v > max)
		return false;
	*ret = v;
	return true;
}

bool
str_to_u64(const char *s, uint64_t max, uint64_t *ret)
{
	return s != NULL && str_to_u64n(s, strlen(s), max, ret);
}

bool
str_to_i64(const char *s, int64_t min, int64_t max, int64_t *ret)
{
	uint64_t v;
	bool neg = false;

	if (s == NULL)
		return false;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (!str_to_u64(s, (uint64_t)INT64_MAX + (neg ? 1 : 0), &v))
		return false;
	int64_t x = neg ? (int64_t)(0 - v) : (int64_t)v;
	if (x < min || x > max)
		return false;
	*ret = x;
	return true;
}

bool
str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool
str_has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

bool
str_case_has_prefix(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

size_t
str_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (cap > 0) {
		size_t m = n < cap - 1 ? n : cap - 1;
		memcpy(dst, src, m);
		dst[m] = '\0';
	}
	return n;
}

void
str_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

bool
str_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t len;
		uint32_t cp;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		} else
			return false;
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

char *
str_ndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

const char *
str_trim(const char *s, size_t *n)
{
	size_t len = *n;

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	*n = len;
	return s;
}

static void
hex_encode_tab(char *out, const void *in, size_t n, const char *digits)
{
	const unsigned char *p = in;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void
hex_encode(char *out, const void *in, size_t n)
{
	hex_encode_tab(out, in, n, "0123456789abcdef");
}

void
hex_encode_upper(char *out, const void *in, size_t n)
{
	hex_encode_tab(out, in, n, "0123456789ABCDEF");
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
hex_decode(void *out, size_t n, const char *in, size_t inlen)
{
	unsigned char *p = out;

	if (inlen != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(in[2 * i]), lo = hexval(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		p[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
b64_encoded_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

int
b64_encode(char *out, size_t outcap, const void *in, size_t n)
{
	const unsigned char *p = in;
	size_t need = b64_encoded_len(n), o = 0, i;

	if (outcap < need + 1)
		return -1;
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return (int)o;
}

static int
b64_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
b64_decode(void *out, size_t outcap, const char *in, size_t inlen)
{
	unsigned char *p = out;
	size_t o = 0;

	if (inlen % 4 != 0)
		return -1;
	for (size_t i = 0; i < inlen; i += 4) {
		int v[4], pad = 0;
		for (int k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == inlen && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad > 0)
				return -1;
			v[k] = b64_val((unsigned char)in[i + k]);
			if (v[k] < 0)
				return -1;
		}
		uint32_t x = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
		    (uint32_t)v[2] << 6 | (uint32_t)v[3];
		size_t take = 3 - (size_t)pad;
		if (o + take > outcap)
			return -1;
		p[o++] = (unsigned char)(x >> 16);
		if (take > 1)
			p[o++] = (unsigned char)(x >> 8);
		if (take > 2)
			p[o++] = (unsigned char)x;
	}
	return (int)o;
}

int
url_decode(char *out, const char *in, size_t n, bool plus_is_space)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= n)
				return -1;
			hi = hexval((unsigned char)in[i + 1]);
			lo = hexval((unsigned char)in[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			if (c == '\0')
				return -1;
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		} else if (c == '\0') {
			return -1;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return (int)o;
}

enum err
url_encode(struct buf *b, const char *in, size_t n, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	enum err r = ERR_OK;

	for (size_t i = 0; i < n && r == ERR_OK; i++) {
		unsigned char c = (unsigned char)in[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~' || (c == '/' && keep_slash)) {
			r = buf_putc(b, (char)c);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			r = buf_append(b, e, 3);
		}
	}
	return r;
}

static const char *const wday_names[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const mon_names[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static void
to_tm(int64_t ms, struct tm *tm)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);

	gmtime_r(&t, tm);
}

static int64_t
ms_part(int64_t ms)
{
	int64_t r = ms % 1000;

	return r < 0 ? r + 1000 : r;
}

/* Broken-down UTC time as small unsigned fields, so the formatters below
 * have provably bounded output. */
struct utc {
	unsigned year, mon, day, hour, min, sec, ms, wday;
};

static void
to_utc(int64_t ms, struct utc *u)
{
	struct tm tm;

	to_tm(ms, &tm);
	u->year = (unsigned)(tm.tm_year + 1900) % 10000u;
	u->mon = (unsigned)(tm.tm_mon + 1) % 100u;
	u->day = (unsigned)tm.tm_mday % 100u;
	u->hour = (unsigned)tm.tm_hour % 100u;
	u->min = (unsigned)tm.tm_min % 100u;
	u->sec = (unsigned)tm.tm_sec % 100u;
	u->ms = (unsigned)ms_part(ms) % 1000u;
	u->wday = (unsigned)tm.tm_wday % 7u;
}

void
time_fmt_rfc1123(char out[static TIME_RFC1123_BYTES], int64_t ms)
{
	struct utc u;

	to_utc(ms, &u);
	snprintf(out, TIME_RFC1123_BYTES, "%s, %02u %s %04u %02u:%02u:%02u GMT",
	    wday_names[u.wday], u.day, mon_names[(u.mon + 11) % 12], u.year,
	    u.hour, u.min, u.sec);
}

/* The access log's Time (common log format), always UTC. */
void
time_fmt_clf(char out[static TIME_CLF_BYTES], int64_t ms)
{
	struct utc u;

	to_utc(ms, &u);
	snprintf(out, TIME_CLF_BYTES, "%02u/%s/%04u:%02u:%02u:%02u +0000",
	    u.day, mon_names[(u.mon + 11) % 12], u.year, u.hour, u.min, u.sec);
}

/* Access-log object names: digits only between dashes, so they sort. */
void
time_fmt_dashed(char out[static 20], int64_t ms)
{
	struct utc u;

	to_utc(ms, &u);
	snprintf(out, 20, "%04u-%02u-%02u-%02u-%02u-%02u", u.year, u.mon,
	    u.day, u.hour, u.min, u.sec);
}

void
time_fmt_iso_ms(char out[static TIME_ISO_BYTES], int64_t ms)
{
	struct utc u;

	to_utc(ms, &u);
	snprintf(out, TIME_ISO_BYTES, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
	    u.year, u.mon, u.day, u.hour, u.min, u.sec, u.ms);
}

void
time_fmt_iso_s(char out[static TIME_ISO_BYTES], int64_t ms)
{
	struct utc u;

	to_utc(ms, &u);
	snprintf(out, TIME_ISO_BYTES, "%04u-%02u-%02uT%02u:%02u:%02uZ",
	    u.year, u.mon, u.day, u.hour, u.min, u.sec);
}

void
time_fmt_iso_local(char out[static TIME_ISO_BYTES], int64_t ms)
{
	struct utc u;

	to_utc(ms, &u);
	snprintf(out, TIME_ISO_BYTES, "%04u-%02u-%02uT%02u:%02u:%02u",
	    u.year, u.mon, u.day, u.hour, u.min, u.sec);
}

void
time_fmt_basic(char out[static 17], int64_t ms)
{
	struct utc u;

	to_utc(ms, &u);
	snprintf(out, 17, "%04u%02u%02uT%02u%02u%02uZ", u.year, u.mon, u.day,
	    u.hour, u.min, u.sec);
}

void
time_fmt_ymd(char out[static 9], int64_t ms)
{
	struct utc u;

	to_utc(ms, &u);
	snprintf(out, 9, "%04u%02u%02u", u.year, u.mon, u.day);
}

/* Days from civil (Howard Hinnant's algorithm): exact for all years here. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool
mk_ms(int year, int mon, int day, int h, int mi, int s, int64_t frac_ms,
    int64_t *ret)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (year < 1970 || year > 9999 || mon < 1 || mon > 12 || day < 1 ||
	    day > mdays[mon - 1] || h > 23 || mi > 59 || s > 60 || h < 0 ||
	    mi < 0 || s < 0)
		return false;
	if (mon == 2 && day == 29 &&
	    !((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return false;
	int64_t days = days_from_civil(year, (unsigned)mon, (unsigned)day);
	*ret = ((days * 24 + h) * 60 + mi) * 60000 + (int64_t)s * 1000 + frac_ms;
	return true;
}

static bool
digits(const char *s, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return true;
}

bool
time_parse_rfc1123(const char *s, int64_t *ret_ms)
{
	int day, year, h, mi, sec, mon = -1;
	bool wday_ok = false;

	/* "Sun, 06 Nov 1994 08:49:37 GMT": 29 bytes, fixed layout. */
	if (s == NULL || strlen(s) != 29 || s[3] != ',' || s[4] != ' ' ||
	    s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
	    s[22] != ':' || s[25] != ' ' || strcmp(s + 26, "GMT") != 0)
		return false;
	for (int i = 0; i < 12; i++)
		if (strncmp(s + 8, mon_names[i], 3) == 0)
			mon = i + 1;
	/* The day name must be one (any consistency with the date is not
	 * checked, as in other HTTP date parsers). */
	for (int i = 0; i < 7; i++)
		if (strncmp(s, wday_names[i], 3) == 0)
			wday_ok = true;
	if (!wday_ok || mon < 0 || !digits(s + 5, 2, &day) ||
	    !digits(s + 12, 4, &year) || !digits(s + 17, 2, &h) ||
	    !digits(s + 20, 2, &mi) || !digits(s + 23, 2, &sec))
		return false;
	return mk_ms(year, mon, day, h, mi, sec, 0, ret_ms);
}

bool
time_parse_basic(const char *s, int64_t *ret_ms)
{
	int y, mo, d, h, mi, sec;

	if (s == NULL || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 4, 2, &mo) ||
	    !digits(s + 6, 2, &d) || !digits(s + 9, 2, &h) ||
	    !digits(s + 11, 2, &mi) || !digits(s + 13, 2, &sec))
		return false;
	return mk_ms(y, mo, d, h, mi, sec, 0, ret_ms);
}

static bool
parse_iso_core(const char *s, int64_t *ret_ms, const char **rest)
{
	int y, mo, d, h, mi, sec;
	int64_t frac = 0;

	if (strlen(s) < 19 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
	    s[16] != ':')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) ||
	    !digits(s + 8, 2, &d) || !digits(s + 11, 2, &h) ||
	    !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &sec))
		return false;
	s += 19;
	if (*s == '.') {
		int n = 0;
		s++;
		while (*s >= '0' && *s <= '9') {
			if (n < 3)
				frac = frac * 10 + (*s - '0');
			n++;
			s++;
		}
		if (n == 0)
			return false;
		for (; n < 3; n++)
			frac *= 10;
	}
	*rest = s;
	return mk_ms(y, mo, d, h, mi, sec, frac, ret_ms);
}

bool
time_parse_iso(const char *s, int64_t *ret_ms)
{
	const char *rest;
	int64_t v;

	if (s == NULL || !parse_iso_core(s, &v, &rest))
		return false;
	if (*rest == 'Z' || *rest == 'z')
		rest++;
	if (*rest != '\0')
		return false;
	*ret_ms = v;
	return true;
}

bool
time_parse_rfc3339(const char *s, int64_t *ret_ms)
{
	const char *rest;
	int64_t v;
	int oh, om;

	if (s == NULL || !parse_iso_core(s, &v, &rest))
		return false;
	if (*rest == 'Z' || *rest == 'z') {
		if (rest[1] != '\0')
			return false;
	} else if (*rest == '+' || *rest == '-') {
		if (strlen(rest) != 6 || rest[3] != ':' ||
		    !digits(rest + 1, 2, &oh) || !digits(rest + 4, 2, &om) ||
		    oh > 23 || om > 59)
			return false;
		int64_t off = ((int64_t)oh * 60 + om) * 60000;
		v += *rest == '+' ? -off : off;
	} else
		return false;
	*ret_ms = v;
	return true;
}

bool
duration_parse(const char *s, int64_t *ret_ms)
{
	size_t n;
	uint64_t v;
	int64_t unit = 1000;

	if (s == NULL || (n = strlen(s)) == 0)
		return false;
	switch (s[n - 1]) {
	case 's': unit = 1000; n--; break;
	case 'm': unit = 60000; n--; break;
	case 'h': unit = 3600000; n--; break;
	case 'd': unit = 86400000; n--; break;
	case 'w': unit = 7 * 86400000LL; n--; break;
	default: break;
	}
	/* Bounded to about 300 years, far beyond any retention period. */
	if (!str_to_u64n(s, n, (uint64_t)(9.5e12 / (double)unit), &v))
		return false;
	*ret_ms = (int64_t)v * unit;
	return true;
}
