/* SPDX-License-Identifier: ISC */
/*
 * auth_canon.c: header selection and grouping shared by V1 and V4.
 *
 * Both signature versions sign a sorted "name:value\n" list of some
 * headers, with repeated headers joined by ',' (GO2 oss/signer v1.go and
 * v4.go do exactly this). Only the selection differs, so the caller passes
 * a predicate. Header names arrive lower-case (struct auth_input contract).
 */
#include "auth/auth_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/kv.h"
#include "base/str.h"

const char *
auth_header(const struct auth_input *in, const char *name)
{
	if (in->headers == NULL)
		return NULL;
	return kv_get(in->headers, in->nheaders, name);
}

const char *
auth_query(const struct auth_input *in, const char *name)
{
	if (in->query == NULL)
		return NULL;
	return kv_get(in->query, in->nquery, name);
}

int
auth_bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t n = an < bn ? an : bn;

	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x != y)
			return x < y ? -1 : 1;
	}
	if (an == bn)
		return 0;
	return an < bn ? -1 : 1;
}

struct hsel {
	const char	*name;
	const char	*value;
	size_t		 idx;	/* arrival order: keeps repeated values in order */
};

static int
hsel_cmp(const void *pa, const void *pb)
{
	const struct hsel *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	if (c != 0)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static enum err
put_lower(struct buf *out, const char *s)
{
	enum err r = ERR_OK;

	for (; *s != '\0' && r == ERR_OK; s++) {
		char c = *s;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		r = buf_putc(out, c);
	}
	return r;
}

enum err
auth_canon_headers(const struct auth_input *in,
    bool (*want)(const char *name, const void *ctx), const void *ctx,
    struct buf *out)
{
	struct hsel *sel = NULL;
	size_t n = 0;
	enum err r = ERR_OK;

	if (in->nheaders == 0 || in->headers == NULL)
		return ERR_OK;
	if (in->nheaders > AUTH_ITEMS_MAX) {
		buf_free(out);
		return ERR_ENTITY_TOO_LARGE;
	}
	sel = calloc(in->nheaders, sizeof(*sel));
	if (sel == NULL) {
		buf_free(out);
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < in->nheaders; i++) {
		if (!want(in->headers[i].name, ctx))
			continue;
		sel[n].name = in->headers[i].name;
		sel[n].value = in->headers[i].value != NULL ?
		    in->headers[i].value : "";
		sel[n].idx = i;
		n++;
	}
	qsort(sel, n, sizeof(*sel), hsel_cmp);
	for (size_t i = 0; i < n && r == ERR_OK; i++) {
		size_t vlen = strlen(sel[i].value);
		const char *v = str_trim(sel[i].value, &vlen);
		bool first = i == 0 || strcmp(sel[i - 1].name, sel[i].name) != 0;
		bool last = i + 1 == n || strcmp(sel[i + 1].name, sel[i].name) != 0;

		if (first) {
			r = put_lower(out, sel[i].name);
			if (r == ERR_OK)
				r = buf_putc(out, ':');
		} else
			r = buf_putc(out, ',');
		if (r == ERR_OK)
			r = buf_append(out, v, vlen);
		if (r == ERR_OK && last)
			r = buf_putc(out, '\n');
	}
	free(sel);
	return r;
}
