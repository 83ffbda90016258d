/* SPDX-License-Identifier: ISC */
/* buf.c: see buf.h. */
#include "base/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

/* Makes room for add more bytes plus the NUL. Sizes are checked before any
 * arithmetic so that neither len + add nor the doubling can wrap, even for
 * an unbounded buffer (max == SIZE_MAX). */
static enum err
buf_grow(struct buf *b, size_t add)
{
	size_t cap, need, limit;
	char *p;

	if (add > SIZE_MAX - 1 - b->len || b->len + add > b->max) {
		buf_free(b);
		return ERR_ENTITY_TOO_LARGE;
	}
	need = b->len + add + 1;
	if (need <= b->cap)
		return ERR_OK;
	limit = b->max < SIZE_MAX ? b->max + 1 : SIZE_MAX;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > limit / 2 ? limit : cap * 2;
	if (cap > limit)
		cap = limit;
	p = realloc(b->data, cap);
	if (p == NULL) {
		buf_free(b);
		return ERR_NOMEM;
	}
	b->data = p;
	b->cap = cap;
	return ERR_OK;
}

enum err
buf_append(struct buf *b, const void *p, size_t n)
{
	enum err r;

	r = buf_grow(b, n);
	if (r != ERR_OK)
		return r;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return ERR_OK;
}

enum err
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

enum err
buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

enum err
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	enum err r;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		buf_free(b);
		return ERR_INTERNAL;
	}
	r = buf_grow(b, (size_t)n);
	if (r != ERR_OK)
		return r;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return ERR_OK;
}

enum err
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	enum err r;

	va_start(ap, fmt);
	r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

const char *
buf_cstr(const struct buf *b)
{
	return b->data != NULL ? b->data : "";
}

char *
buf_steal(struct buf *b, size_t *ret_len)
{
	char *p = b->data;

	if (ret_len != NULL)
		*ret_len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}
