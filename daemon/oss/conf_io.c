/* SPDX-License-Identifier: ISC */
/*
 * conf_io.c: storing and answering the bucket configurations kept as
 * documents (bucket/bucket_conf_db.c), shared by bucket_conf.c,
 * bucket_policy.c and the access decision (access.c).
 *
 * XML configurations are kept in a canonical form: the element tree the
 * handler accepted, re-written without declaration or whitespace, so Get
 * returns exactly what the daemon acts on.
 */
#include <string.h>

#include "oss/oss_int.h"
#include "codec/xml.h"

static void
canon(struct xml_writer *w, const struct xml_node *n)
{
	if (n->child == NULL) {
		xml_elem_n(w, n->name, n->text, n->text_len);
		return;
	}
	xml_open(w, n->name);
	for (const struct xml_node *ch = n->child; ch != NULL; ch = ch->next)
		canon(w, ch);
	xml_close(w, n->name);
}

enum err
conf_xml_text(const struct xml_node *root, struct buf *b)
{
	struct xml_writer w;

	buf_init(b, 1 << 20);
	xml_writer_init(&w, b);
	xml_decl(&w);
	canon(&w, root);
	return xml_writer_finish(&w);
}

static struct bucket_conf_change
change(const struct call *c, const char *kind)
{
	struct bucket_conf_change ch = {
		.bucket = c->bucket.id,
		.bucket_name = c->bucket.name,
		.kind = kind,
		.actor = c->account.account_id,
		.now_ms = call_now(c),
	};
	return ch;
}

enum err
conf_put(struct call *c, const char *kind, const char *doc)
{
	struct bucket_conf_change ch = change(c, kind);

	c->conf.bucket = 0;
	return bucket_conf_put(c->api->db, &ch, doc);
}

enum err
conf_put_xml(struct call *c, const char *kind, const struct xml_node *root)
{
	struct buf b;
	enum err r;

	r = conf_xml_text(root, &b);
	if (r == ERR_OK)
		r = conf_put(c, kind, buf_cstr(&b));
	buf_free(&b);
	return r;
}

enum err
conf_delete(struct call *c, const char *kind)
{
	struct bucket_conf_change ch = change(c, kind);

	c->conf.bucket = 0;
	return bucket_conf_delete(c->api->db, &ch);
}

enum err
conf_get_of(struct call *c, const struct bucket *b, const char *kind,
    const char **ret)
{
	enum err r;

	if (b->id != c->bucket.id || !c->have_bucket)
		return bucket_conf_get(c->api->db, c->a, b->id, kind, ret);
	/* A request asks for several kinds (referer, payer, public access
	 * block, policy, website, CORS, logging): one read serves them. */
	if (c->conf.bucket != b->id) {
		r = bucket_conf_all(c->api->db, c->a, b->id, c->conf.d,
		    BUCKET_CONF_KINDS, &c->conf.n);
		if (r != ERR_OK)
			return r;
		c->conf.bucket = b->id;
	}
	for (size_t i = 0; i < c->conf.n; i++)
		if (strcmp(c->conf.d[i].kind, kind) == 0) {
			*ret = c->conf.d[i].doc;
			return ERR_OK;
		}
	return ERR_NOT_FOUND;
}

enum err
conf_get(struct call *c, const char *kind, const char **ret)
{
	return conf_get_of(c, &c->bucket, kind, ret);
}

enum err
conf_get_xml(struct call *c, const char *kind, struct xml_node **ret)
{
	const char *doc;
	enum err r;

	r = conf_get(c, kind, &doc);
	if (r != ERR_OK)
		return r;
	/* What we stored is well-formed; anything else is damage. */
	r = xml_parse(c->a, doc, strlen(doc), NULL, ret);
	return r == ERR_MALFORMED_XML ? ERR_CORRUPT : r;
}

enum err
conf_answer(struct call *c, const char *doc, const char *type)
{
	struct buf b;
	enum err r;

	buf_init(&b, 1 << 20);
	r = buf_puts(&b, doc);
	if (r != ERR_OK) {
		buf_free(&b);
		return r;
	}
	call_resp_buf(c, 200, type, &b);
	return ERR_OK;
}
