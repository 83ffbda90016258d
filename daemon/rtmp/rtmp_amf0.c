/* SPDX-License-Identifier: ISC */
/*
 * rtmp_amf0.c: the AMF0 decoder and encoder of spec rtmp-ingest.md §4.
 * The decoder validates a nested value whole before returning it (depth
 * capped), so callers look members up in a value already known to be
 * well-formed. AMF3 values, references and XML documents are refused:
 * no publisher we serve sends them in AMF0 commands.
 */
#include <string.h>

#include "rtmp/rtmp.h"

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static double
be_double(const uint8_t *p)
{
	uint64_t u = 0;
	double d;

	for (int i = 0; i < 8; i++)
		u = u << 8 | p[i];
	memcpy(&d, &u, sizeof(d));
	return d;
}

static bool value_skip(const uint8_t *p, size_t n, size_t *ret_used,
    unsigned depth, struct amf0_value *ret);

/* Members "u16 name, value" up to the 00 00 09 end marker. */
static bool
members_skip(const uint8_t *p, size_t n, size_t *ret_used, unsigned depth)
{
	size_t off = 0;

	for (;;) {
		size_t nl, used;

		if (n - off < 2)
			return false;
		nl = be16(p + off);
		off += 2;
		if (nl == 0) {
			if (n - off < 1 || p[off] != AMF0_OBJECT_END)
				return false;
			*ret_used = off + 1;
			return true;
		}
		if (n - off < nl)
			return false;
		off += nl;
		if (!value_skip(p + off, n - off, &used, depth + 1, NULL))
			return false;
		off += used;
	}
}

static bool
value_skip(const uint8_t *p, size_t n, size_t *ret_used, unsigned depth,
    struct amf0_value *ret)
{
	struct amf0_value v = { 0 };
	size_t off = 1, used;

	if (n < 1 || depth > AMF0_DEPTH_MAX)
		return false;
	v.type = (enum amf0_type)p[0];
	switch (p[0]) {
	case AMF0_NUMBER:
		if (n < 9)
			return false;
		v.num = be_double(p + 1);
		off = 9;
		break;
	case AMF0_BOOLEAN:
		if (n < 2)
			return false;
		v.num = p[1] != 0;
		off = 2;
		break;
	case AMF0_STRING:
		if (n < 3 || n - 3 < be16(p + 1))
			return false;
		v.p = p + 3;
		v.len = be16(p + 1);
		off = 3 + v.len;
		break;
	case AMF0_LONG_STRING:
		if (n < 5 || n - 5 < be32(p + 1))
			return false;
		v.type = AMF0_STRING;
		v.p = p + 5;
		v.len = be32(p + 1);
		off = 5 + v.len;
		break;
	case AMF0_NULL:
	case AMF0_UNDEFINED:
		break;
	case AMF0_OBJECT:
		if (!members_skip(p + 1, n - 1, &used, depth))
			return false;
		v.p = p + 1;
		v.len = used;
		off = 1 + used;
		break;
	case AMF0_ECMA_ARRAY:
		/* The count is advisory (writers get it wrong): the end
		 * marker decides, as in FF and NGX. */
		if (n < 5 || !members_skip(p + 5, n - 5, &used, depth))
			return false;
		v.p = p + 5;
		v.len = used;
		off = 5 + used;
		break;
	case AMF0_STRICT_ARRAY: {
		uint32_t count;

		if (n < 5)
			return false;
		count = be32(p + 1);
		off = 5;
		for (uint32_t i = 0; i < count; i++) {
			if (!value_skip(p + off, n - off, &used, depth + 1,
			    NULL))
				return false;
			off += used;
		}
		break;
	}
	case AMF0_DATE:
		if (n < 11)
			return false;
		v.num = be_double(p + 1);
		off = 11;
		break;
	default:
		return false;
	}
	*ret_used = off;
	if (ret != NULL)
		*ret = v;
	return true;
}

bool
amf0_next(struct amf0_cursor *c, struct amf0_value *ret)
{
	size_t used;

	if (c->n == 0 || !value_skip(c->p, c->n, &used, 0, ret))
		return false;
	c->p += used;
	c->n -= used;
	return true;
}

bool
amf0_member(const struct amf0_value *obj, const char *name,
    struct amf0_value *ret)
{
	const uint8_t *p = obj->p;
	size_t n = obj->len, off = 0, want = strlen(name);

	if (obj->type != AMF0_OBJECT && obj->type != AMF0_ECMA_ARRAY)
		return false;
	/* Already validated by amf0_next: only the walk remains. */
	while (n - off >= 3) {
		size_t nl = be16(p + off), used;
		const uint8_t *k = p + off + 2;
		struct amf0_value v;

		if (nl == 0)
			break;
		off += 2 + nl;
		if (!value_skip(p + off, n - off, &used, 1, &v))
			return false;
		off += used;
		if (nl == want && memcmp(k, name, nl) == 0) {
			*ret = v;
			return true;
		}
	}
	return false;
}

bool
amf0_str_eq(const struct amf0_value *v, const char *s)
{
	return v->type == AMF0_STRING && v->len == strlen(s) &&
	    memcmp(v->p, s, v->len) == 0;
}

bool
amf0_str_copy(const struct amf0_value *v, char *dst, size_t cap)
{
	if (v->type != AMF0_STRING || v->len >= cap ||
	    memchr(v->p, '\0', v->len) != NULL)
		return false;
	memcpy(dst, v->p, v->len);
	dst[v->len] = '\0';
	return true;
}

void
amf0_put_number(struct rtmp_wbuf *w, double d)
{
	uint8_t b[9];
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	b[0] = AMF0_NUMBER;
	for (int i = 0; i < 8; i++)
		b[1 + i] = (uint8_t)(u >> (56 - 8 * i));
	rtmp_wbuf_put(w, b, sizeof(b));
}

void
amf0_put_bool(struct rtmp_wbuf *w, bool v)
{
	uint8_t b[2] = { AMF0_BOOLEAN, v ? 1 : 0 };

	rtmp_wbuf_put(w, b, sizeof(b));
}

static void
put_u16_str(struct rtmp_wbuf *w, const char *s)
{
	size_t n = strlen(s);
	uint8_t l[2];

	if (n > 0xffff) {
		w->overflow = true;
		return;
	}
	l[0] = (uint8_t)(n >> 8);
	l[1] = (uint8_t)n;
	rtmp_wbuf_put(w, l, 2);
	rtmp_wbuf_put(w, s, n);
}

void
amf0_put_string(struct rtmp_wbuf *w, const char *s)
{
	uint8_t m = AMF0_STRING;

	rtmp_wbuf_put(w, &m, 1);
	put_u16_str(w, s);
}

void
amf0_put_null(struct rtmp_wbuf *w)
{
	uint8_t m = AMF0_NULL;

	rtmp_wbuf_put(w, &m, 1);
}

void
amf0_put_object_begin(struct rtmp_wbuf *w)
{
	uint8_t m = AMF0_OBJECT;

	rtmp_wbuf_put(w, &m, 1);
}

void
amf0_put_key(struct rtmp_wbuf *w, const char *k)
{
	put_u16_str(w, k);
}

void
amf0_put_object_end(struct rtmp_wbuf *w)
{
	static const uint8_t end[3] = { 0, 0, AMF0_OBJECT_END };

	rtmp_wbuf_put(w, end, sizeof(end));
}
