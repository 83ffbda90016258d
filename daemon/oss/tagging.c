/* SPDX-License-Identifier: ISC */
/*
 * tagging.c: object tagging (spec oss-api.md §3.9).
 *
 * Tags are stored in the URL-query form of the x-oss-tagging header. Tag
 * changes are metadata changes: compare-and-set on the object's generation,
 * so a concurrent change answers 409 StaleFile instead of being lost. They do
 * not touch Last-Modified.
 */
#include <string.h>

#include "oss/object_ops.h"
#include "base/str.h"
#include "codec/xml.h"

#define TAG_KEY_MAX 128
#define TAG_VALUE_MAX 256
#define TAGS_MAX 10

/* OSS tag charset: letters, digits, space and + - = . _ : / (UTF-8 letters
 * are accepted, as OSS accepts them). */
static bool
tag_text_valid(const char *s, size_t max, bool allow_empty)
{
	size_t n = strlen(s);

	if ((n == 0 && !allow_empty) || n > max || !str_utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x80 || (ch >= 'a' && ch <= 'z') ||
		    (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
			continue;
		if (strchr(" +-=._:/", ch) == NULL)
			return false;
	}
	return true;
}

enum err
h_put_object_tagging(struct call *c)
{
	const struct xml_node *set, *tag;
	struct xml_node *root;
	struct object o;
	struct buf b;
	size_t n = 0;
	enum err r;

	r = object_check_content_md5(c, c->body.data, c->body.len);
	if (r != ERR_OK)
		return r;
	r = call_parse_xml(c, &root);
	if (r != ERR_OK)
		return r;
	if (strcmp(root->name, "Tagging") != 0)
		return ERR_MALFORMED_XML;
	set = xml_child(root, "TagSet");
	if (set == NULL)
		return ERR_MALFORMED_XML;
	if (xml_count(set, "Tag") > TAGS_MAX)
		return ERR_TOO_MANY_TAGS;
	buf_init(&b, 16 * 1024);
	for (tag = xml_child(set, "Tag"); tag; tag = xml_next_same(tag)) {
		const char *k = xml_child_text(tag, "Key");
		const char *v = xml_child_text(tag, "Value");

		if (k == NULL || !tag_text_valid(k, TAG_KEY_MAX, false) ||
		    (v != NULL && !tag_text_valid(v, TAG_VALUE_MAX, true))) {
			buf_free(&b);
			return ERR_INVALID_TAG;
		}
		/* Keys are case-sensitive and unique. */
		for (const struct xml_node *t = xml_child(set, "Tag"); t != tag;
		    t = xml_next_same(t)) {
			const char *k2 = xml_child_text(t, "Key");
			if (k2 != NULL && strcmp(k2, k) == 0) {
				buf_free(&b);
				return ERR_REPEATED_TAGS;
			}
		}
		r = ERR_OK;
		if (n++ > 0)
			r = buf_putc(&b, '&');
		if (r == ERR_OK)
			r = url_encode(&b, k, strlen(k), false);
		if (r == ERR_OK)
			r = buf_putc(&b, '=');
		if (r == ERR_OK && v != NULL)
			r = url_encode(&b, v, strlen(v), false);
		if (r != ERR_OK)
			return r;
	}
	r = object_load(c, &o);
	if (r == ERR_OK)
		r = object_update_metadata(c, &o, NULL, NULL, buf_cstr(&b));
	buf_free(&b);
	if (r != ERR_OK)
		return r;
	object_echo_version(c, &o);
	call_resp_empty(c, 200);
	return ERR_OK;
}

enum err
h_get_object_tagging(struct call *c)
{
	struct xml_writer w;
	struct object o;
	struct buf b;
	const char *p;
	enum err r;

	r = object_load(c, &o);
	if (r != ERR_OK)
		return r;
	buf_init(&b, 64 * 1024);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "Tagging");
	xml_open(&w, "TagSet");
	for (p = o.tags; *p != '\0';) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t kl = eq ? (size_t)(eq - p) : len;
		size_t vl = eq ? len - kl - 1 : 0;
		char *k = arena_alloc(c->a, kl + 1), *v = arena_alloc(c->a, vl + 1);

		if (k == NULL || v == NULL || url_decode(k, p, kl, true) < 0 ||
		    url_decode(v, eq ? eq + 1 : "", vl, true) < 0) {
			buf_free(&b);
			return ERR_CORRUPT;
		}
		xml_open(&w, "Tag");
		xml_elem(&w, "Key", k);
		xml_elem(&w, "Value", v);
		xml_close(&w, "Tag");
		if (amp == NULL)
			break;
		p = amp + 1;
	}
	xml_close(&w, "TagSet");
	xml_close(&w, "Tagging");
	r = xml_writer_finish(&w);
	if (r != ERR_OK)
		return r;
	object_echo_version(c, &o);
	call_resp_buf(c, 200, "application/xml", &b);
	return ERR_OK;
}

enum err
h_delete_object_tagging(struct call *c)
{
	struct object o;
	enum err r;

	r = object_load(c, &o);
	if (r == ERR_OK)
		r = object_update_metadata(c, &o, NULL, NULL, "");
	if (r != ERR_OK)
		return r;
	object_echo_version(c, &o);
	call_resp_empty(c, 204);
	return ERR_OK;
}
