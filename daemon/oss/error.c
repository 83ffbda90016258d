/* SPDX-License-Identifier: ISC */
/*
 * error.c: the one renderer of OSS error responses.
 *
 * Body (spec oss-api.md §1.1): Code, Message, RequestId, HostId, the
 * per-code extras, EC, RecommendDoc, in that order, with x-oss-request-id
 * and x-oss-ec headers. HEAD responses carry no body: the same document goes
 * base64-encoded into x-oss-err, which is where clients look for it.
 * Everything client-supplied passes through the escaping XML writer.
 */
#include <stdlib.h>
#include <string.h>

#include "oss/oss_int.h"
#include "base/str.h"
#include "codec/xml.h"

static void
string_to_sign_bytes(struct xml_writer *w, const char *sts)
{
	struct buf b;
	size_t n = strlen(sts);

	buf_init(&b, 3 * n + 1);
	for (size_t i = 0; i < n; i++)
		(void)buf_printf(&b, i ? " %02x" : "%02x", (unsigned char)sts[i]);
	xml_elem(w, "StringToSignBytes", buf_cstr(&b));
	buf_free(&b);
}

static void
render_xml(struct call *c, const struct err_info *ei, struct buf *b)
{
	const struct err_extra *x = &c->x;
	struct xml_writer w;

	xml_writer_init(&w, b);
	xml_decl(&w);
	xml_open(&w, "Error");
	xml_elem(&w, "Code", ei->code);
	xml_elem(&w, "Message", x->message != NULL ? x->message : ei->msg);
	xml_elem(&w, "RequestId", c->request_id);
	xml_elem(&w, "HostId", c->host ? c->host : "");
	if (x->bucket)
		xml_elem(&w, "BucketName", x->bucket);
	if (x->key)
		xml_elem(&w, "Key", x->key);
	if (x->ak)
		xml_elem(&w, "OSSAccessKeyId", x->ak);
	if (x->sig)
		xml_elem(&w, "SignatureProvided", x->sig);
	if (x->sts) {
		xml_elem(&w, "StringToSign", x->sts);
		string_to_sign_bytes(&w, x->sts);
	}
	if (x->request_time)
		xml_elem(&w, "RequestTime", x->request_time);
	if (x->server_time)
		xml_elem(&w, "ServerTime", x->server_time);
	if (x->arg_name)
		xml_elem(&w, "ArgumentName", x->arg_name);
	if (x->arg_value)
		xml_elem(&w, "ArgumentValue", x->arg_value);
	if (x->condition)
		xml_elem(&w, "Condition", x->condition);
	if (x->cname_type)
		xml_elem(&w, "CnameType", x->cname_type);
	if (x->endpoint)
		xml_elem(&w, "Endpoint", x->endpoint);
	if (x->method)
		xml_elem(&w, "Method", x->method);
	if (x->resource_type)
		xml_elem(&w, "ResourceType", x->resource_type);
	xml_elem(&w, "EC", ei->ec);
	xml_elemf(&w, "RecommendDoc", "https://api.aliyun.com/troubleshoot?q=%s",
	    ei->ec);
	xml_close(&w, "Error");
	(void)xml_writer_finish(&w);
}

void
oss_error_render(struct call *c)
{
	const struct err_info *ei = err_info(c->err);
	struct http_request *req = c->req;
	struct buf b;

	req->resp.status = ei->http;
	if (c->x.has_next_append)
		(void)call_resp_headerf(c, "x-oss-next-append-position", "%llu",
		    (unsigned long long)c->x.next_append);
	if (c->x.marker_version_id != NULL) {
		(void)call_resp_header(c, "x-oss-delete-marker", "true");
		(void)call_resp_header(c, "x-oss-version-id",
		    c->x.marker_version_id);
	}
	if (c->x.allow != NULL)
		(void)call_resp_header(c, "Allow", c->x.allow);
	/* 304 has no body by definition (RFC 9110 §15.4.5). */
	if (c->err == ERR_NOT_MODIFIED)
		return;
	buf_init(&b, 256 * 1024);
	render_xml(c, ei, &b);
	if (ei->ec[0] != '\0')
		(void)call_resp_header(c, "x-oss-ec", ei->ec);
	(void)call_resp_header(c, "Content-Type", "application/xml");
	if (c->head) {
		size_t cap = b64_encoded_len(b.len) + 1;
		char *enc = arena_alloc(c->a, cap);

		if (enc != NULL && b64_encode(enc, cap, b.data, b.len) >= 0)
			(void)call_resp_header(c, "x-oss-err", enc);
		buf_free(&b);
		return;
	}
	call_resp_buf(c, ei->http, NULL, &b);
}
