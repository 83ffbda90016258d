/* SPDX-License-Identifier: ISC */
/*
 * form.c: multipart/form-data, pushed (form.h).
 *
 * The body is a preamble, then parts each introduced by CRLF "--" boundary
 * and a header block, and the closing delimiter with "--" after it. The
 * parser starts as if the CRLF before the first delimiter had been seen,
 * so a body that begins with the delimiter (what every client sends)
 * needs no special case; the preamble and the epilogue are dropped.
 * Content bytes that might begin a delimiter are held back only while
 * they match it: they are the delimiter's own bytes, so nothing of the
 * body needs to be kept to hand them on when the match fails.
 */
#include <string.h>
#include <strings.h>

#include "base/str.h"
#include "codec/form.h"

enum {
	S_DATA,		/* content (or preamble), looking for the delimiter */
	S_AFTER,	/* after a delimiter: "--" or CRLF */
	S_AFTER_DASH,	/* one '-' of the closing "--" */
	S_AFTER_CR,	/* CR of the CRLF ending a delimiter line */
	S_HEADERS,	/* a part's header block, up to an empty line */
	S_DONE,		/* the epilogue */
};

/* The value of parameter name in the header value v ("; name=value" or
 * quoted), copied to out; false when absent or too long. */
static bool
param(const char *v, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	const char *p = v;

	while ((p = strchr(p, ';')) != NULL) {
		size_t o = 0;

		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, name, nl) != 0 || p[nl] != '=')
			continue;
		p += nl + 1;
		if (*p == '"') {
			for (p++; *p != '"'; p++) {
				if (*p == '\0')
					return false;
				if (*p == '\\' && p[1] != '\0')
					p++;
				if (o + 1 >= cap)
					return false;
				out[o++] = *p;
			}
		} else {
			for (; *p != '\0' && *p != ';' && *p != ' ' &&
			    *p != '\t'; p++) {
				if (o + 1 >= cap)
					return false;
				out[o++] = *p;
			}
		}
		out[o] = '\0';
		return true;
	}
	return false;
}

enum err
form_init(struct form *f, const char *content_type)
{
	char b[FORM_BOUNDARY_MAX + 2];
	size_t n;

	memset(f, 0, sizeof(*f));
	if (content_type == NULL ||
	    !str_case_has_prefix(content_type, "multipart/form-data") ||
	    (content_type[19] != '\0' && content_type[19] != ';' &&
	    content_type[19] != ' '))
		return ERR_POST_NOT_MULTIPART;
	if (!param(content_type, "boundary", b, sizeof(b)))
		return ERR_POST_MALFORMED;
	n = strlen(b);
	if (n == 0 || n > FORM_BOUNDARY_MAX || strpbrk(b, "\r\n") != NULL)
		return ERR_POST_MALFORMED;
	memcpy(f->delim, "\r\n--", 4);
	memcpy(f->delim + 4, b, n);
	f->dlen = n + 4;
	f->m = 2;		/* the body may begin with "--" boundary */
	f->state = S_DATA;
	return ERR_OK;
}

bool
form_complete(const struct form *f)
{
	return f->state == S_DONE;
}

/* The header block f->hdr is complete: the part begins. */
static enum err
part_begin(struct form *f, const struct form_cb *cb, void *ctx)
{
	struct form_part part = { 0 };
	char *line = f->hdr, *next;
	bool disposition = false;

	f->hdr[f->hlen] = '\0';
	for (; *line != '\0'; line = next) {
		char *colon, *v;

		next = strstr(line, "\r\n");
		if (next == NULL)
			return ERR_POST_MALFORMED;
		*next = '\0';
		next += 2;
		colon = strchr(line, ':');
		if (colon == NULL)
			return ERR_POST_MALFORMED;
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		if (strcasecmp(line, "content-disposition") == 0) {
			if (!str_case_has_prefix(v, "form-data") ||
			    !param(v, "name", f->name, sizeof(f->name)))
				return ERR_POST_MALFORMED;
			part.name = f->name;
			if (param(v, "filename", f->filename,
			    sizeof(f->filename)))
				part.filename = f->filename;
			disposition = true;
		} else if (strcasecmp(line, "content-type") == 0) {
			str_copy(f->ctype, sizeof(f->ctype), v);
			part.content_type = f->ctype;
		}
	}
	if (!disposition)
		return ERR_POST_MALFORMED;
	f->in_part = true;
	return cb->begin(ctx, &part);
}

static enum err
emit(struct form *f, const char *p, size_t n, const struct form_cb *cb,
    void *ctx)
{
	if (n == 0 || !f->in_part)
		return ERR_OK;	/* the preamble */
	return cb->data(ctx, p, n);
}

enum err
form_feed(struct form *f, const char *p, size_t n, const struct form_cb *cb,
    void *ctx)
{
	size_t i = 0;
	enum err r;

	while (i < n) {
		char ch = p[i];

		switch (f->state) {
		case S_DATA:
			if (f->m == 0) {
				const char *q = memchr(p + i, '\r', n - i);
				size_t run = q != NULL ? (size_t)(q - p) - i :
				    n - i;

				if ((r = emit(f, p + i, run, cb, ctx)) != ERR_OK)
					return r;
				i += run;
				if (q != NULL) {
					f->m = 1;
					i++;
				}
				break;
			}
			if (ch == f->delim[f->m]) {
				i++;
				if (++f->m == f->dlen) {
					f->m = 0;
					if (f->in_part) {
						f->in_part = false;
						if ((r = cb->end(ctx)) != ERR_OK)
							return r;
					}
					f->state = S_AFTER;
				}
				break;
			}
			/* Not the delimiter after all: what matched was
			 * content. A CR may begin the real one. */
			if ((r = emit(f, f->delim, f->m, cb, ctx)) != ERR_OK)
				return r;
			f->m = 0;
			if (ch == '\r') {
				f->m = 1;
				i++;
			}
			break;
		case S_AFTER:
			i++;
			if (ch == '-')
				f->state = S_AFTER_DASH;
			else if (ch == '\r')
				f->state = S_AFTER_CR;
			else if (ch != ' ' && ch != '\t')
				return ERR_POST_MALFORMED;
			break;
		case S_AFTER_DASH:
			i++;
			if (ch != '-')
				return ERR_POST_MALFORMED;
			f->state = S_DONE;
			break;
		case S_AFTER_CR:
			i++;
			if (ch != '\n')
				return ERR_POST_MALFORMED;
			f->hlen = 0;
			f->state = S_HEADERS;
			break;
		case S_HEADERS:
			i++;
			if (f->hlen >= FORM_HEADER_MAX)
				return ERR_POST_FIELD_TOO_LONG;
			f->hdr[f->hlen++] = ch;
			if (f->hlen == 2 && memcmp(f->hdr, "\r\n", 2) == 0)
				return ERR_POST_MALFORMED;	/* no headers */
			if (f->hlen >= 4 &&
			    memcmp(f->hdr + f->hlen - 4, "\r\n\r\n", 4) == 0) {
				f->hlen -= 2;
				if ((r = part_begin(f, cb, ctx)) != ERR_OK)
					return r;
				f->state = S_DATA;
			}
			break;
		case S_DONE:
		default:
			return ERR_OK;
		}
	}
	return ERR_OK;
}
