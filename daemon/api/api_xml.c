/* SPDX-License-Identifier: ISC */
/* api_xml.c: parsing a buffered request body as XML. */
#include "api/api_int.h"
#include "codec/xml.h"

enum err
call_parse_xml(struct call *c, struct xml_node **ret_root)
{
	struct xml_limits lim = { .max_bytes = c->route->max_body };
	enum err r;

	r = xml_parse(c->a, c->body.data ? c->body.data : "", c->body.len,
	    &lim, ret_root);
	return r == ERR_NOMEM ? ERR_NOMEM : r;
}
