/* SPDX-License-Identifier: ISC */
/*
 * xml_reader.c: the bounded XML reader for OSS request bodies (expat).
 *
 * Request bodies are small, flat documents (CompleteMultipartUpload, Delete,
 * Tagging, ...), so the reader turns one into a tree of struct xml_node in
 * the request arena and the handlers walk it with xml_child() and friends.
 * It deliberately supports nothing OSS bodies never use:
 *
 *   - no DOCTYPE and no entity declarations at all (refused on sight, so
 *     entity expansion, external entities and billion laughs cannot happen;
 *     only the five predefined entities and character references work);
 *   - no namespace processing (a name is taken literally, "xmlns" is just an
 *     attribute);
 *   - attributes, comments and processing instructions are ignored.
 *
 * Size, depth and element count are bounded before or while nodes are
 * made, so a hostile body costs at most max_bytes of parsing and the arena's
 * cap of memory.
 */
#include "codec/xml.h"

#include <string.h>

#include <expat.h>

#define XML_DEFAULT_MAX_BYTES	((size_t)1 << 20)
#define XML_DEFAULT_MAX_DEPTH	16
#define XML_DEFAULT_MAX_NODES	20000
/* XML_Parse takes an int length; feed big bodies in pieces. */
#define XML_CHUNK		((size_t)1 << 20)
#define XML_TEXT_MIN		32

/* A node as the reader builds it; xml_node comes first so the tree handed
 * out is plain struct xml_node. The extra fields are only used while
 * parsing. */
struct rnode {
	struct xml_node	 n;
	struct xml_node	*last;		/* last child, for O(1) append */
	char		*text;		/* writable n.text; NULL while "" */
	size_t		 text_cap;	/* bytes at text, NUL included */
};

struct parse {
	XML_Parser	 p;
	struct arena	*a;
	size_t		 max_depth;
	size_t		 max_nodes;
	size_t		 depth;
	size_t		 nodes;
	struct rnode	*root;
	struct rnode	*cur;
	enum err	 err;
};

/* Records the first error and stops expat. Expat may still deliver a few
 * callbacks for the current token after XML_StopParser, so every handler
 * first checks ps->err. */
static void
fail(struct parse *ps, enum err e)
{
	if (ps->err == ERR_OK)
		ps->err = e;
	XML_StopParser(ps->p, XML_FALSE);
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct parse *ps = ud;
	struct rnode *node;
	char *nm;

	(void)attrs;
	if (ps->err != ERR_OK)
		return;
	if (ps->depth >= ps->max_depth || ps->nodes >= ps->max_nodes) {
		fail(ps, ERR_MALFORMED_XML);
		return;
	}
	node = arena_zalloc(ps->a, sizeof(*node));
	nm = arena_strdup(ps->a, name);
	if (node == NULL || nm == NULL) {
		fail(ps, ERR_NOMEM);
		return;
	}
	node->n.name = nm;
	node->n.text = "";
	if (ps->cur == NULL)
		ps->root = node;
	else {
		node->n.parent = &ps->cur->n;
		if (ps->cur->last == NULL)
			ps->cur->n.child = &node->n;
		else
			ps->cur->last->next = &node->n;
		ps->cur->last = &node->n;
	}
	ps->cur = node;
	ps->depth++;
	ps->nodes++;
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
	struct parse *ps = ud;

	(void)name;	/* expat has already matched it */
	if (ps->err != ERR_OK || ps->cur == NULL)
		return;
	ps->cur = (struct rnode *)ps->cur->n.parent;
	ps->depth--;
}

/* Expat splits character data at line ends, entity references and buffer
 * boundaries, and text resumes after a child element, so the element's
 * text grows in the arena by doubling. */
static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
	struct parse *ps = ud;
	struct rnode *node = ps->cur;
	size_t n, need, cap;
	char *t;

	if (ps->err != ERR_OK || node == NULL || len <= 0)
		return;
	n = (size_t)len;
	need = node->n.text_len + n + 1;
	if (need > node->text_cap) {
		cap = node->text_cap * 2;
		if (cap < need)
			cap = need;
		if (cap < XML_TEXT_MIN)
			cap = XML_TEXT_MIN;
		t = arena_alloc(ps->a, cap);
		if (t == NULL) {
			fail(ps, ERR_NOMEM);
			return;
		}
		if (node->n.text_len > 0)
			memcpy(t, node->text, node->n.text_len);
		node->text = t;
		node->text_cap = cap;
		node->n.text = t;
	}
	memcpy(node->text + node->n.text_len, s, n);
	node->n.text_len += n;
	node->text[node->n.text_len] = '\0';
}

/* OSS bodies never carry a DTD; refusing any makes entity expansion
 * impossible rather than merely limited. */
static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	fail(ud, ERR_MALFORMED_XML);
}

static void XMLCALL
on_entity(void *ud, const XML_Char *name, int is_param,
    const XML_Char *value, int value_len, const XML_Char *base,
    const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	(void)name;
	(void)is_param;
	(void)value;
	(void)value_len;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	fail(ud, ERR_MALFORMED_XML);
}

enum err
xml_parse(struct arena *a, const char *p, size_t n,
    const struct xml_limits *lim, struct xml_node **ret_root)
{
	struct parse ps;
	size_t max_bytes = XML_DEFAULT_MAX_BYTES, off, chunk;
	enum err r = ERR_MALFORMED_XML;
	int final;

	memset(&ps, 0, sizeof(ps));
	ps.a = a;
	ps.max_depth = XML_DEFAULT_MAX_DEPTH;
	ps.max_nodes = XML_DEFAULT_MAX_NODES;
	if (lim != NULL) {
		if (lim->max_bytes != 0)
			max_bytes = lim->max_bytes;
		if (lim->max_depth != 0)
			ps.max_depth = lim->max_depth;
		if (lim->max_nodes != 0)
			ps.max_nodes = lim->max_nodes;
	}
	/* OSS answers MalformedXML for an empty body where one is required. */
	if (n == 0 || p == NULL || n > max_bytes)
		return ERR_MALFORMED_XML;

	ps.p = XML_ParserCreate(NULL);
	if (ps.p == NULL)
		return ERR_NOMEM;
	XML_SetUserData(ps.p, &ps);
	XML_SetElementHandler(ps.p, on_start, on_end);
	XML_SetCharacterDataHandler(ps.p, on_text);
	XML_SetStartDoctypeDeclHandler(ps.p, on_doctype);
	XML_SetEntityDeclHandler(ps.p, on_entity);
	XML_SetParamEntityParsing(ps.p, XML_PARAM_ENTITY_PARSING_NEVER);

	off = 0;
	do {
		chunk = n - off > XML_CHUNK ? XML_CHUNK : n - off;
		final = off + chunk == n;
		if (XML_Parse(ps.p, p + off, (int)chunk, final) !=
		    XML_STATUS_OK) {
			if (ps.err != ERR_OK)
				r = ps.err;
			else if (XML_GetErrorCode(ps.p) == XML_ERROR_NO_MEMORY)
				r = ERR_NOMEM;
			else
				r = ERR_MALFORMED_XML;
			goto out;
		}
		off += chunk;
	} while (off < n);
	/* Expat refuses a document without a root element itself (a body of
	 * whitespace only); this is belt and braces. */
	if (ps.err != ERR_OK || ps.root == NULL || ps.cur != NULL) {
		r = ps.err != ERR_OK ? ps.err : ERR_MALFORMED_XML;
		goto out;
	}
	*ret_root = &ps.root->n;
	r = ERR_OK;
out:
	XML_ParserFree(ps.p);
	return r;
}

const struct xml_node *
xml_child(const struct xml_node *n, const char *name)
{
	const struct xml_node *c;

	if (n == NULL)
		return NULL;
	for (c = n->child; c != NULL; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

const char *
xml_child_text(const struct xml_node *n, const char *name)
{
	const struct xml_node *c = xml_child(n, name);

	return c != NULL ? c->text : NULL;
}

const struct xml_node *
xml_next_same(const struct xml_node *n)
{
	const struct xml_node *s;

	if (n == NULL)
		return NULL;
	for (s = n->next; s != NULL; s = s->next)
		if (strcmp(s->name, n->name) == 0)
			return s;
	return NULL;
}

size_t
xml_count(const struct xml_node *n, const char *name)
{
	const struct xml_node *c;
	size_t k = 0;

	if (n == NULL)
		return 0;
	for (c = n->child; c != NULL; c = c->next)
		if (strcmp(c->name, name) == 0)
			k++;
	return k;
}
