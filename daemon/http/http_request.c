/* SPDX-License-Identifier: ISC */
/*
 * http_request.c: the request/response helpers handlers call (header lookup,
 * response headers and bodies). They touch only struct http_request, never
 * MHD, so handlers in api/ can be unit-tested on hand-built requests.
 * Response header strings live in the request arena because they die with
 * the request; bodies are malloc'd because they can be large and MHD takes
 * ownership of them when the response is queued.
 */
#include "http/http.h"

#include <stdlib.h>
#include <string.h>

/* First growth step for resp.headers: most replies carry a handful. */
#define HTTP_RESP_HEADERS_MIN 16

const char *
http_header_get(const struct http_request *req, const char *lname)
{
	return kv_get(req->headers, req->nheaders, lname);
}

enum err
http_resp_header(struct http_request *req, const char *name, const char *value)
{
	struct http_response *resp = &req->resp;
	struct kv *grown;
	char *n, *v;
	size_t cap;

	if (resp->nheaders == resp->cap) {
		/* The arena cannot realloc; the old array is simply left
		 * behind, which doubling keeps to under half the total. */
		cap = resp->cap == 0 ? HTTP_RESP_HEADERS_MIN : resp->cap * 2;
		grown = arena_alloc(&req->arena, cap * sizeof(*grown));
		if (grown == NULL)
			return ERR_NOMEM;
		if (resp->nheaders > 0)
			memcpy(grown, resp->headers,
			    resp->nheaders * sizeof(*grown));
		resp->headers = grown;
		resp->cap = cap;
	}
	n = arena_strdup(&req->arena, name);
	v = arena_strdup(&req->arena, value);
	if (n == NULL || v == NULL)
		return ERR_NOMEM;
	resp->headers[resp->nheaders].name = n;
	resp->headers[resp->nheaders].value = v;
	resp->nheaders++;
	return ERR_OK;
}

enum err
http_resp_body(struct http_request *req, const void *p, size_t n)
{
	char *copy;

	/* malloc(0) may return NULL; one byte keeps "empty body" distinct
	 * from failure and costs nothing. */
	copy = malloc(n > 0 ? n : 1);
	if (copy == NULL)
		return ERR_NOMEM;
	if (n > 0)
		memcpy(copy, p, n);
	http_resp_body_take(req, copy, n);
	return ERR_OK;
}

void
http_resp_body_take(struct http_request *req, char *p, size_t n)
{
	free(req->resp.body);
	req->resp.body = p;
	req->resp.body_len = n;
}
