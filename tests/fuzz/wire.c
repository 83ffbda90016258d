/* SPDX-License-Identifier: ISC */
/*
 * wire.c: requests in HTTP/1.1 shape for the harnesses that drive a
 * listener's http handler (wire.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"
#include "fuzz/wire.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

#define ARENA_CAP	((size_t)32 << 20)

const char *
fuzz_wire_header(const struct fuzz_wire *in, const char *name)
{
	for (size_t i = 0; i < in->nh; i++)
		if (strcmp(in->h[i].name, name) == 0)
			return in->h[i].value;
	return NULL;
}

bool
fuzz_wire_parse(char *text, size_t len, struct fuzz_wire *in)
{
	char *p = text, *end = text + len, *nl, *sp, *colon;

	memset(in, 0, sizeof(*in));
	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL)
		return false;
	*nl = '\0';
	sp = strchr(p, ' ');
	if (sp == NULL || sp == p)
		return false;
	*sp = '\0';
	in->method = p;
	in->target = sp + 1;
	for (p = nl + 1; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		*nl = '\0';
		if (*p == '\0')
			break;
		colon = strchr(p, ':');
		if (colon == NULL || in->nh == FUZZ_WIRE_HDR_MAX)
			continue;
		*colon = '\0';
		for (char *q = p; *q; q++)
			if (*q >= 'A' && *q <= 'Z')
				*q += 'a' - 'A';
		for (colon++; *colon == ' '; colon++)
			;
		in->h[in->nh].name = p;
		in->h[in->nh++].value = colon;
	}
	if (nl < end) {
		in->body = nl + 1;
		in->body_len = (size_t)(end - nl - 1);
	} else
		in->body = "";
	return true;
}

int
fuzz_wire_serve(const struct http_handler *h, void *ctx,
    const struct fuzz_wire *in, char **ret_body)
{
	struct http_request req;
	enum http_next next;
	int status;

	memset(&req, 0, sizeof(req));
	arena_init(&req.arena, ARENA_CAP);
	req.method = arena_strdup(&req.arena, in->method);
	req.uri = arena_strdup(&req.arena, in->target);
	req.version = "HTTP/1.1";
	req.headers = arena_alloc(&req.arena, (in->nh + 1) * sizeof(struct kv));
	CHECK(req.method && req.uri && req.headers);
	for (size_t i = 0; i < in->nh; i++) {
		req.headers[i].name = arena_strdup(&req.arena, in->h[i].name);
		req.headers[i].value = arena_strdup(&req.arena, in->h[i].value);
		if (strcmp(in->h[i].name, "content-length") == 0 &&
		    str_to_u64(in->h[i].value, UINT64_MAX, &req.content_length))
			req.has_length = true;
	}
	req.nheaders = in->nh;
	if (!req.has_length) {
		req.has_length = true;
		req.content_length = in->body_len;
	}
	snprintf(req.peer, sizeof(req.peer), "127.0.0.1");
	req.start_us = clock_mono_us();

	next = h->begin(ctx, &req);
	if (next == HTTP_READ) {
		/* Two chunks: handlers must not assume one. */
		size_t half = in->body_len / 2;

		req.body_bytes = half;
		next = h->body(ctx, &req, in->body, half);
		if (next == HTTP_READ) {
			req.body_bytes = in->body_len;
			next = h->body(ctx, &req, in->body + half,
			    in->body_len - half);
		}
		if (next == HTTP_READ)
			h->end(ctx, &req);
	}
	if (req.resp.stream.read != NULL) {
		char buf[16384];
		uint64_t pos = 0;
		ssize_t n;

		while (pos < req.resp.stream.len &&
		    (n = req.resp.stream.read(req.resp.stream.ctx, pos, buf,
		    sizeof(buf))) > 0)
			pos += (uint64_t)n;
		req.resp.bytes_sent = pos;
	} else
		req.resp.bytes_sent = req.resp.body_len;
	h->done(ctx, &req, true);
	status = req.resp.status;
	if (ret_body != NULL) {
		*ret_body = calloc(1, req.resp.body_len + 1);
		CHECK(*ret_body != NULL);
		if (req.resp.body_len)
			memcpy(*ret_body, req.resp.body, req.resp.body_len);
	}
	if (req.resp.stream.free != NULL)
		req.resp.stream.free(req.resp.stream.ctx);
	free(req.resp.body);
	arena_free(&req.arena);
	return status;
}
