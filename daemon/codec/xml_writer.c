/* SPDX-License-Identifier: ISC */
/*
 * xml_writer.c: the streaming XML writer behind every OSS response body.
 *
 * All text passes through xml_escape(), so nothing a client sent (object
 * keys, tag values, upload ids) can reach a response raw. The writer
 * guarantees well-formed XML 1.0 character data whatever bytes it is given:
 *
 *   - & < > " ' become &amp; &lt; &gt; &quot; &apos;;
 *   - CR becomes &#xD;, because a raw CR would be turned into LF by every
 *     conforming parser and the key would no longer round-trip;
 *   - control characters other than TAB, LF and CR, U+FFFE, U+FFFF and every
 *     byte that is not part of well-formed UTF-8 become '?'. XML 1.0 has no
 *     way to carry them at all (not even as &#x1;), so a lossy but
 *     well-formed body is the only option; handlers that must return such
 *     keys faithfully use encoding-type=url and pass the encoded form here.
 *
 * Element names come from code, not clients, so a bad name is a programmer
 * error: it is refused with ERR_INTERNAL rather than escaped. Balancing
 * xml_open()/xml_close() is likewise the caller's job; struct xml_writer
 * keeps no element stack.
 *
 * The first error sticks in w->err and turns every later call into a no-op,
 * so callers write a whole document and check once, in xml_writer_finish().
 */
#include "codec/xml.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "codec/codec_int.h"

void
xml_writer_init(struct xml_writer *w, struct buf *b)
{
	w->b = b;
	w->err = ERR_OK;
}

static void
put(struct xml_writer *w, const char *p, size_t n)
{
	enum err r;

	if (w->err != ERR_OK || n == 0)
		return;
	r = buf_append(w->b, p, n);
	if (r != ERR_OK)
		w->err = r;
}

static void
put_str(struct xml_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

/* Names: ASCII letters, digits, '_', '-', '.', ':'; not starting with a
 * digit, '-' or '.'. That covers every OSS element ("SSE-KMS") and keeps the
 * check obviously complete. */
static bool
name_ok(const char *name)
{
	const char *s;

	if (name == NULL || name[0] == '\0')
		return false;
	if ((name[0] >= '0' && name[0] <= '9') || name[0] == '-' ||
	    name[0] == '.')
		return false;
	for (s = name; *s != '\0'; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		    c == '.' || c == ':'))
			return false;
	}
	return true;
}

static void
tag(struct xml_writer *w, const char *open, const char *name)
{
	if (w->err != ERR_OK)
		return;
	if (!name_ok(name)) {
		w->err = ERR_INTERNAL;
		return;
	}
	put_str(w, open);
	put_str(w, name);
	put(w, ">", 1);
}

/* Appends text[0..n) escaped as described at the top of the file. Safe runs
 * are copied with one append each. */
static void
xml_escape(struct xml_writer *w, const char *text, size_t n)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0, run = 0, len;
	const char *rep;
	uint32_t cp;

	while (i < n && w->err == ERR_OK) {
		len = codec_utf8_next(p + i, n - i, &cp);
		rep = NULL;
		if (len == 0) {
			rep = "?";
			len = 1;
		} else if (cp == '&')
			rep = "&amp;";
		else if (cp == '<')
			rep = "&lt;";
		else if (cp == '>')
			rep = "&gt;";
		else if (cp == '"')
			rep = "&quot;";
		else if (cp == '\'')
			rep = "&apos;";
		else if (cp == '\r')
			rep = "&#xD;";
		else if ((cp < 0x20 && cp != '\t' && cp != '\n') ||
		    cp == 0xFFFE || cp == 0xFFFF)
			rep = "?";
		if (rep == NULL) {
			i += len;
			continue;
		}
		if (i > run)
			put(w, text + run, i - run);
		put_str(w, rep);
		i += len;
		run = i;
	}
	if (i > run)
		put(w, text + run, i - run);
}

void
xml_decl(struct xml_writer *w)
{
	put_str(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
}

void
xml_open(struct xml_writer *w, const char *name)
{
	tag(w, "<", name);
}

void
xml_close(struct xml_writer *w, const char *name)
{
	tag(w, "</", name);
}

void
xml_text(struct xml_writer *w, const char *text, size_t n)
{
	if (w->err != ERR_OK)
		return;
	if (text == NULL && n > 0) {
		w->err = ERR_INTERNAL;
		return;
	}
	xml_escape(w, text, n);
}

void
xml_elem_n(struct xml_writer *w, const char *name, const char *text,
    size_t n)
{
	xml_open(w, name);
	if (text != NULL)
		xml_text(w, text, n);
	xml_close(w, name);
}

void
xml_elem(struct xml_writer *w, const char *name, const char *text)
{
	xml_elem_n(w, name, text, text != NULL ? strlen(text) : 0);
}

void
xml_elem_u64(struct xml_writer *w, const char *name, uint64_t v)
{
	char s[32];
	int len = snprintf(s, sizeof(s), "%" PRIu64, v);

	xml_elem_n(w, name, s, (size_t)len);
}

void
xml_elem_i64(struct xml_writer *w, const char *name, int64_t v)
{
	char s[32];
	int len = snprintf(s, sizeof(s), "%" PRId64, v);

	xml_elem_n(w, name, s, (size_t)len);
}

void
xml_elem_bool(struct xml_writer *w, const char *name, int v)
{
	xml_elem(w, name, v ? "true" : "false");
}

void
xml_elemf(struct xml_writer *w, const char *name, const char *fmt, ...)
{
	struct buf tmp;
	va_list ap;
	enum err r;

	if (w->err != ERR_OK)
		return;
	/* The formatted text may hold client data, so it goes through the
	 * escaper like any other text; it can be no longer than the output
	 * buffer may grow anyway. */
	buf_init(&tmp, w->b->max);
	va_start(ap, fmt);
	r = buf_vprintf(&tmp, fmt, ap);
	va_end(ap);
	if (r != ERR_OK) {
		w->err = r;
		return;
	}
	xml_elem_n(w, name, buf_cstr(&tmp), tmp.len);
	buf_free(&tmp);
}

enum err
xml_writer_finish(struct xml_writer *w)
{
	if (w->err != ERR_OK)
		buf_free(w->b);
	return w->err;
}
