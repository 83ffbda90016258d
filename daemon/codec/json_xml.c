/* SPDX-License-Identifier: ISC */
/*
 * json_xml.c: a JSON reply rendered as the XML of Alibaba's RPC APIs
 * (KMS Format=XML).
 *
 * The mapping is the one the RPC services and their SDKs share (KMS
 * "Sample responses"; the Java SDK reads XML replies through the same
 * "ListKeysResponse.Keys[i].KeyId" paths as JSON ones): every member of
 * an object becomes an element of its name, in document order; the items
 * of an array repeat the element of the member that holds it, so
 * {"Keys":{"Key":[a,b]}} is <Keys><Key>a</Key><Key>b</Key></Keys>; a
 * string is its text, escaped; numbers and booleans their JSON text; null
 * an empty element. The JSON is ours (json_writer.c), so anything else
 * is a bug: ERR_INTERNAL.
 */
#include "codec/json.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "codec/xml.h"

static void
value(struct xml_writer *w, const char *name, json_t *v, int depth);

static void
members(struct xml_writer *w, json_t *obj, int depth)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v)
		value(w, k, v, depth + 1);
}

static void
value(struct xml_writer *w, const char *name, json_t *v, int depth)
{
	char num[64];
	size_t i;
	json_t *item;

	if (depth > JSON_MAX_DEPTH) {
		w->err = ERR_INTERNAL;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		xml_open(w, name);
		members(w, v, depth);
		xml_close(w, name);
		break;
	case JSON_ARRAY:
		json_array_foreach(v, i, item) {
			if (json_is_array(item)) {
				/* No element name for it: never in a reply. */
				w->err = ERR_INTERNAL;
				return;
			}
			value(w, name, item, depth + 1);
		}
		break;
	case JSON_STRING:
		xml_elem_n(w, name, json_string_value(v),
		    json_string_length(v));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		xml_elem(w, name, num);
		break;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		xml_elem(w, name, num);
		break;
	case JSON_TRUE:
		xml_elem(w, name, "true");
		break;
	case JSON_FALSE:
		xml_elem(w, name, "false");
		break;
	case JSON_NULL:
	default:
		xml_elem(w, name, NULL);
		break;
	}
}

enum err
json_to_xml(const char *json, size_t n, const char *root, struct buf *out)
{
	struct xml_writer w;
	json_error_t e;
	json_t *doc;

	doc = json_loadb(json, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &e);
	if (doc == NULL || !json_is_object(doc)) {
		json_decref(doc);
		buf_free(out);
		return ERR_INTERNAL;
	}
	xml_writer_init(&w, out);
	xml_decl(&w);
	value(&w, root, doc, 0);
	json_decref(doc);
	return xml_writer_finish(&w);
}
