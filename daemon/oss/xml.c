/* SPDX-License-Identifier: ISC */
/* xml.c: XML request bodies and XML responses of the OSS handlers. */
#include <string.h>

#include "oss/oss_int.h"
#include "base/str.h"
#include "codec/xml.h"

enum err
call_resp_xml(struct call *c, struct xml_writer *w, struct buf *b)
{
	enum err r = xml_writer_finish(w);

	if (r != ERR_OK)
		return r;
	call_resp_buf(c, 200, "application/xml", b);
	return ERR_OK;
}

void
xml_elem_url(struct xml_writer *w, const char *name, const char *v, bool url)
{
	struct buf t;

	if (v == NULL)
		v = "";
	if (!url) {
		xml_elem(w, name, v);
		return;
	}
	buf_init(&t, 16 * 1024);
	if (url_encode(&t, v, strlen(v), true) == ERR_OK)
		xml_elem(w, name, buf_cstr(&t));
	else if (w->err == ERR_OK)
		w->err = ERR_NOMEM;
	buf_free(&t);
}

enum err
call_parse_xml(struct call *c, struct xml_node **ret_root)
{
	/* About one node per 32 bytes of body is more than any OSS document
	 * needs (CompleteMultipartUpload: 10000 parts in ~1.1 MB). */
	struct xml_limits lim = {
		.max_bytes = c->route->max_body,
		.max_nodes = c->route->max_body / 32 > 20000 ?
		    c->route->max_body / 32 : 20000,
	};
	enum err r;

	r = xml_parse(c->a, c->body.data ? c->body.data : "", c->body.len,
	    &lim, ret_root);
	return r == ERR_NOMEM ? ERR_NOMEM : r;
}

void
oss_xml_acl(struct xml_writer *w, const char *owner, const char *grant)
{
	xml_decl(w);
	xml_open(w, "AccessControlPolicy");
	xml_open(w, "Owner");
	xml_elem(w, "ID", owner);
	xml_elem(w, "DisplayName", owner);
	xml_close(w, "Owner");
	xml_open(w, "AccessControlList");
	xml_elem(w, "Grant", grant);
	xml_close(w, "AccessControlList");
	xml_close(w, "AccessControlPolicy");
}
