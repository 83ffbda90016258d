/* SPDX-License-Identifier: ISC */
/*
 * fuzz_xml.c: libFuzzer harness for codec/xml.h, the parser every OSS
 * request body goes through before any handler sees it.
 *
 * Each input is used three ways:
 *   1. parsed with the default limits in a capped arena; on success the tree
 *      is walked and its invariants checked (links, text lengths, the
 *      accessors agree with a plain walk);
 *   2. the tree is written back with the XML writer and parsed again, which
 *      must give the same tree (the writer's output is always well-formed
 *      and the reader/writer pair is lossless on anything the reader
 *      accepts);
 *   3. the raw input is written as the text of one element, which must
 *      parse, and must come back unchanged when it holds only characters
 *      XML 1.0 can carry.
 * Any violated invariant aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "codec/xml.h"

#define FUZZ_ARENA_CAP	((size_t)32 << 20)
#define FUZZ_BUF_MAX	((size_t)16 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* Checks the tree below n; returns the number of elements in it. */
static size_t
walk(const struct xml_node *n, size_t depth)
{
	const struct xml_node *c, *s;
	size_t count = 1, same;

	CHECK(depth <= 16);
	CHECK(n->name != NULL && n->name[0] != '\0');
	CHECK(n->text != NULL && strlen(n->text) == n->text_len);
	for (c = n->child; c != NULL; c = c->next) {
		CHECK(c->parent == n);
		CHECK(xml_child(n, c->name) != NULL);
		/* xml_next_same from the first of a name visits exactly
		 * xml_count() nodes. */
		if (xml_child(n, c->name) == c) {
			same = 0;
			for (s = c; s != NULL; s = xml_next_same(s))
				same++;
			CHECK(same == xml_count(n, c->name));
			CHECK(xml_child_text(n, c->name) == c->text);
		}
		count += walk(c, depth + 1);
	}
	return count;
}

static void
write_tree(struct xml_writer *w, const struct xml_node *n)
{
	const struct xml_node *c;

	xml_open(w, n->name);
	xml_text(w, n->text, n->text_len);
	for (c = n->child; c != NULL; c = c->next)
		write_tree(w, c);
	xml_close(w, n->name);
}

static void
same_tree(const struct xml_node *x, const struct xml_node *y)
{
	for (; x != NULL && y != NULL; x = x->next, y = y->next) {
		CHECK(strcmp(x->name, y->name) == 0);
		CHECK(x->text_len == y->text_len);
		CHECK(memcmp(x->text, y->text, x->text_len) == 0);
		same_tree(x->child, y->child);
	}
	CHECK(x == NULL && y == NULL);
}

static void
rewrite(const struct xml_node *root, size_t nodes)
{
	struct xml_limits lim = { .max_bytes = FUZZ_BUF_MAX };
	struct xml_node *again = NULL;
	struct xml_writer w;
	struct arena a;
	struct buf b;
	enum err r;

	buf_init(&b, FUZZ_BUF_MAX);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	write_tree(&w, root);
	r = xml_writer_finish(&w);
	/* Expat takes non-ASCII names the writer deliberately refuses. */
	if (r == ERR_INTERNAL)
		return;
	CHECK(r == ERR_OK);
	arena_init(&a, FUZZ_ARENA_CAP);
	r = xml_parse(&a, b.data, b.len, &lim, &again);
	CHECK(r == ERR_OK);
	CHECK(walk(again, 1) == nodes);
	same_tree(root, again);
	arena_free(&a);
	buf_free(&b);
}

/* True when every character of p[0..n) can appear raw (or escaped) in XML
 * 1.0, so the writer must not alter it. */
static int
xml_safe(const char *p, size_t n)
{
	size_t i;

	if (!str_utf8_valid(p, n))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return 0;
		/* U+FFFE and U+FFFF */
		if (c == 0xEF && i + 2 < n && (unsigned char)p[i + 1] == 0xBF &&
		    ((unsigned char)p[i + 2] == 0xBE ||
		    (unsigned char)p[i + 2] == 0xBF))
			return 0;
	}
	return 1;
}

static void
text_roundtrip(const char *p, size_t n)
{
	struct xml_limits lim = { .max_bytes = FUZZ_BUF_MAX };
	struct xml_node *root = NULL;
	struct xml_writer w;
	struct arena a;
	struct buf b;

	buf_init(&b, FUZZ_BUF_MAX);
	xml_writer_init(&w, &b);
	xml_elem_n(&w, "Key", p, n);
	CHECK(xml_writer_finish(&w) == ERR_OK);
	arena_init(&a, FUZZ_ARENA_CAP);
	CHECK(xml_parse(&a, b.data, b.len, &lim, &root) == ERR_OK);
	CHECK(root->child == NULL);
	if (xml_safe(p, n)) {
		CHECK(root->text_len == n);
		CHECK(memcmp(root->text, p, n) == 0);
	}
	arena_free(&a);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct xml_node *root = NULL;
	struct arena a;
	enum err r;
	size_t nodes;

	arena_init(&a, FUZZ_ARENA_CAP);
	r = xml_parse(&a, p, size, NULL, &root);
	CHECK(r == ERR_OK || r == ERR_MALFORMED_XML);
	if (r == ERR_OK) {
		CHECK(root != NULL && root->parent == NULL &&
		    root->next == NULL);
		nodes = walk(root, 1);
		CHECK(nodes <= 20000);
		rewrite(root, nodes);
	}
	arena_free(&a);

	text_roundtrip(p, size);
	return 0;
}
