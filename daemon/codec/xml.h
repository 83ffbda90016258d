/* SPDX-License-Identifier: ISC */
/*
 * xml.h: XML for OSS request and response bodies (L1; the only users of
 * <expat.h>).
 *
 * The writer appends to a struct buf and escapes every text it is given, so
 * no client-supplied string ever reaches a response raw. The first error
 * sticks and is returned by xml_writer_finish().
 *
 * The reader builds a small tree in a request arena with bounded size, depth
 * and node count. DOCTYPE declarations and entity definitions are refused
 * outright (no entity expansion, no external resources): OSS bodies never
 * need them, and refusing is the only billion-laughs defence that is
 * obviously complete.
 */
#ifndef COFFER_CODEC_XML_H
#define COFFER_CODEC_XML_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"

struct xml_writer {
	struct buf	*b;
	enum err	 err;
};

void xml_writer_init(struct xml_writer *w, struct buf *b);
/* <?xml version="1.0" encoding="UTF-8"?> and a newline. */
void xml_decl(struct xml_writer *w);
void xml_open(struct xml_writer *w, const char *name);
void xml_close(struct xml_writer *w, const char *name);
/* <name>escaped text</name>; text NULL writes <name></name>. */
void xml_elem(struct xml_writer *w, const char *name, const char *text);
void xml_elem_n(struct xml_writer *w, const char *name, const char *text,
    size_t n);
void xml_elem_u64(struct xml_writer *w, const char *name, uint64_t v);
void xml_elem_i64(struct xml_writer *w, const char *name, int64_t v);
void xml_elem_bool(struct xml_writer *w, const char *name, int v);
void xml_elemf(struct xml_writer *w, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Escaped character data inside the current element. */
void xml_text(struct xml_writer *w, const char *text, size_t n);
/* ERR_OK or the first error (the buffer is freed then). */
enum err xml_writer_finish(struct xml_writer *w);

struct xml_node {
	const char	*name;
	const char	*text;		/* character data directly inside; "" if none */
	size_t		 text_len;
	struct xml_node	*child;		/* first child element */
	struct xml_node	*next;		/* next sibling */
	struct xml_node	*parent;
};

struct xml_limits {
	size_t	max_bytes;	/* body size; 0 = 1 MiB */
	size_t	max_depth;	/* 0 = 16 */
	size_t	max_nodes;	/* 0 = 20000 */
};

/* Parses p[0..n) into a tree allocated from a. ERR_MALFORMED_XML for
 * anything not well-formed or over the limits; ERR_NOMEM when the arena is
 * exhausted. Namespaces are not processed: names are taken literally. */
enum err xml_parse(struct arena *a, const char *p, size_t n,
    const struct xml_limits *lim, struct xml_node **ret_root);
/* First child element named name, or NULL. */
const struct xml_node *xml_child(const struct xml_node *n, const char *name);
/* Its text, or NULL when there is no such child. */
const char *xml_child_text(const struct xml_node *n, const char *name);
/* Next sibling of n with the same name, or NULL. */
const struct xml_node *xml_next_same(const struct xml_node *n);
/* Number of children named name. */
size_t xml_count(const struct xml_node *n, const char *name);

#endif
