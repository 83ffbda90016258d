/* SPDX-License-Identifier: ISC */
/*
 * form.h: a push parser for multipart/form-data bodies (RFC 7578), fed
 * the body as it arrives, in constant memory: a part's headers are held
 * (at most FORM_HEADER_MAX bytes), its content is handed on in the pieces
 * it arrives in, never buffered.
 */
#ifndef COFFER_CODEC_FORM_H
#define COFFER_CODEC_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define FORM_BOUNDARY_MAX	70	/* RFC 2046 */
#define FORM_HEADER_MAX		8192	/* one part's header block */

struct form_part {
	const char	*name;		/* Content-Disposition name */
	const char	*filename;	/* NULL: not a file part */
	const char	*content_type;	/* NULL: none given */
};

struct form_cb {
	enum err	(*begin)(void *ctx, const struct form_part *part);
	enum err	(*data)(void *ctx, const char *p, size_t n);
	enum err	(*end)(void *ctx);
};

struct form {
	int		 state;
	char		 delim[FORM_BOUNDARY_MAX + 5];	/* CRLF "--" boundary */
	size_t		 dlen;
	size_t		 m;		/* bytes of delim matched */
	char		 hdr[FORM_HEADER_MAX + 1];
	size_t		 hlen;
	bool		 in_part;
	char		 name[FORM_HEADER_MAX + 1];
	char		 filename[FORM_HEADER_MAX + 1];
	char		 ctype[FORM_HEADER_MAX + 1];
};

/* From the request's Content-Type: ERR_POST_NOT_MULTIPART for another
 * type, ERR_POST_MALFORMED for a missing or bad boundary. */
enum err form_init(struct form *f, const char *content_type);
/* Parses p[0..n); callbacks in order; the first error ends the form
 * (ERR_POST_MALFORMED for bad framing, ERR_POST_FIELD_TOO_LONG for a
 * header block over FORM_HEADER_MAX, or a callback's). */
enum err form_feed(struct form *f, const char *p, size_t n,
    const struct form_cb *cb, void *ctx);
/* Whether the closing delimiter has been seen. */
bool form_complete(const struct form *f);

#endif
