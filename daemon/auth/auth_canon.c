/* SPDX-License-Identifier: ISC */
/*
 * auth_canon.c: header selection and grouping shared by V1 and V4, and
 * the query parts of the signatures: the sub-resource list of V1 and AWS
 * V2, the sorted, encoded query string of OSS V4 and AWS SigV4.
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

/* One query parameter, rfc3986-encoded into a shared scratch buffer. The
 * offsets become pointers once the scratch buffer stops growing. */
struct qenc {
	size_t		 noff, nlen, voff, vlen;
	const char	*name, *value;	/* encoded */
	bool		 bare_ok;	/* empty value may render as bare "k" */
	size_t		 idx;
};

static int
qenc_cmp(const void *pa, const void *pb)
{
	const struct qenc *a = pa, *b = pb;
	int c;

	/* Sorted by encoded name, then value (oss-api.md §5.2; AWS SigV4
	 * the same); the index only makes the order total. */
	c = auth_bytes_cmp(a->name, a->nlen, b->name, b->nlen);
	if (c == 0)
		c = auth_bytes_cmp(a->value, a->vlen, b->value, b->vlen);
	if (c == 0)
		c = a->idx < b->idx ? -1 : a->idx > b->idx;
	return c;
}

enum err
auth_canon_query(const struct auth_input *in, const char *unsigned_name,
    enum auth_empty empty, struct buf *out)
{
	struct qenc *q = NULL;
	struct buf scratch;
	size_t n = 0;
	enum err r = ERR_OK;

	buf_init(&scratch, AUTH_CANON_MAX);
	if (in->nquery == 0 || in->query == NULL)
		return ERR_OK;
	if (in->nquery > AUTH_ITEMS_MAX) {
		r = ERR_ENTITY_TOO_LARGE;
		goto out;
	}
	q = calloc(in->nquery, sizeof(*q));
	if (q == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < in->nquery; i++) {
		const char *k = in->query[i].name;
		const char *v = in->query[i].value != NULL ?
		    in->query[i].value : "";

		if (unsigned_name != NULL && strcmp(k, unsigned_name) == 0)
			continue;
		q[n].idx = i;
		q[n].noff = scratch.len;
		r = url_encode(&scratch, k, strlen(k), false);
		if (r != ERR_OK)
			goto out;
		q[n].nlen = scratch.len - q[n].noff;
		q[n].voff = scratch.len;
		r = url_encode(&scratch, v, strlen(v), false);
		if (r != ERR_OK)
			goto out;
		q[n].vlen = scratch.len - q[n].voff;
		q[n].bare_ok = empty == AUTH_EMPTY_BARE ||
		    (empty == AUTH_EMPTY_BARE_SUBRES && auth_is_subresource(k));
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		q[i].name = buf_cstr(&scratch) + q[i].noff;
		q[i].value = buf_cstr(&scratch) + q[i].voff;
	}
	qsort(q, n, sizeof(*q), qenc_cmp);
	for (size_t i = 0; i < n && r == ERR_OK; i++) {
		if (i > 0)
			r = buf_putc(out, '&');
		if (r == ERR_OK)
			r = buf_append(out, q[i].name, q[i].nlen);
		if (r == ERR_OK && (q[i].vlen > 0 || !q[i].bare_ok))
			r = buf_putc(out, '=');
		if (r == ERR_OK)
			r = buf_append(out, q[i].value, q[i].vlen);
	}
out:
	free(q);
	buf_free(&scratch);
	if (r != ERR_OK)
		buf_free(out);
	return r;
}

struct qsel {
	const char	*name;
	const char	*value;
	size_t		 idx;
};

static int
qsel_cmp(const void *pa, const void *pb)
{
	const struct qsel *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	if (c != 0)
		return c;
	/* Stable for repeated keys, as JavaScript's sort in capserver.js. */
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

enum err
auth_canon_subresources(const struct auth_input *in,
    bool (*pick)(const char *name, const void *ctx), const void *ctx,
    struct buf *out)
{
	struct qsel *sel;
	size_t n = 0;
	enum err r = ERR_OK;

	if (in->nquery == 0 || in->query == NULL)
		return ERR_OK;
	if (in->nquery > AUTH_ITEMS_MAX) {
		buf_free(out);
		return ERR_ENTITY_TOO_LARGE;
	}
	sel = calloc(in->nquery, sizeof(*sel));
	if (sel == NULL) {
		buf_free(out);
		return ERR_NOMEM;
	}
	for (size_t i = 0; i < in->nquery; i++) {
		if (!pick(in->query[i].name, ctx))
			continue;
		sel[n].name = in->query[i].name;
		sel[n].value = in->query[i].value != NULL ?
		    in->query[i].value : "";
		sel[n].idx = i;
		n++;
	}
	qsort(sel, n, sizeof(*sel), qsel_cmp);
	for (size_t i = 0; i < n && r == ERR_OK; i++) {
		r = buf_putc(out, i == 0 ? '?' : '&');
		if (r == ERR_OK)
			r = buf_puts(out, sel[i].name);
		if (r == ERR_OK && sel[i].value[0] != '\0') {
			r = buf_putc(out, '=');
			if (r == ERR_OK)
				r = buf_puts(out, sel[i].value);
		}
	}
	free(sel);
	return r;
}
