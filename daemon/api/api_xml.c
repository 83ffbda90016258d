/* SPDX-License-Identifier: ISC */
/* api_xml.c: parsing a buffered request body as XML. */
#include "api/api_int.h"
#include "codec/xml.h"

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
