/* SPDX-License-Identifier: ISC */
/*
 * wire.h: the input format of the harnesses that drive a listener's http
 * handler (fuzz_oss_request, fuzz_kms_request), a request in HTTP/1.1
 * shape:
 *
 *   METHOD SP TARGET LF
 *   name: value LF        (any number, names lower-cased as http/ does)
 *   LF
 *   body
 *
 * and the loop http/ runs for it: begin, the body in two chunks (handlers
 * must not assume one), end, the streamed reply read to its end, done.
 */
#ifndef COFFER_FUZZ_WIRE_H
#define COFFER_FUZZ_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/kv.h"
#include "http/http.h"

#define FUZZ_WIRE_HDR_MAX	64

struct fuzz_wire {
	char		*method;
	char		*target;
	/* Room for what a harness adds (Date, Authorization). */
	struct kv	 h[FUZZ_WIRE_HDR_MAX + 4];
	size_t		 nh;
	const char	*body;
	size_t		 body_len;
};

/* Splits text (modified in place) into w; false without a request line. */
bool fuzz_wire_parse(char *text, size_t len, struct fuzz_wire *w);
/* First value of header name (lower-case), or NULL. */
const char *fuzz_wire_header(const struct fuzz_wire *w, const char *name);
/* Runs w through h (ctx its context) as http/ would; returns the status
 * and, when ret_body is given, a malloc'd copy of the body. */
int fuzz_wire_serve(const struct http_handler *h, void *ctx,
    const struct fuzz_wire *w, char **ret_body);

#endif
