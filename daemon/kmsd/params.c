/* SPDX-License-Identifier: ISC */
/*
 * params.c: typed access to KMS request parameters.
 *
 * Parameters come from the query string and a form body alike (spec
 * kms-api.md §2.4), decoded once by dispatch.c. Every error names the
 * parameter, so the client gets the service's own wording
 * (`The specified parameter "X" is not valid.`).
 *
 * Most JSON-valued parameters are not flat string maps: Filters holds
 * arrays of strings, TagKeys is an array of strings. codec/json.h reads only
 * flat maps (and EncryptionContext is one, so it goes through there), so
 * the rest is read by the small strict parser below: objects, arrays and
 * strings (with every JSON escape), numbers and literals kept as text,
 * nesting bounded, everything allocated from the request arena.
 */
#include <string.h>
#include <strings.h>

#include "kmsd/kmsd_int.h"
#include "base/str.h"

#define JSON_DEPTH_MAX	8
#define JSON_ITEMS_MAX	256	/* per array or object */

const char *
kp_get(const struct kms_call *c, const char *name)
{
	return c->params != NULL ? kv_get(c->params, c->nparams, name) : NULL;
}

enum err
kp_need(struct kms_call *c, const char *name, const char **ret)
{
	const char *v = kp_get(c, name);

	if (v == NULL || v[0] == '\0') {
		c->err_param = name;
		return ERR_KMS_MISSING_PARAMETER;
	}
	*ret = v;
	return ERR_OK;
}

enum err
kp_u64(struct kms_call *c, const char *name, uint64_t min, uint64_t max,
    uint64_t def, uint64_t *ret)
{
	const char *v = kp_get(c, name);
	uint64_t x;

	if (v == NULL || v[0] == '\0') {
		*ret = def;
		return ERR_OK;
	}
	if (!str_to_u64(v, max, &x) || x < min) {
		c->err_param = name;
		return ERR_INVALID_ARGUMENT;
	}
	*ret = x;
	return ERR_OK;
}

enum err
kp_bool(struct kms_call *c, const char *name, bool def, bool *ret)
{
	const char *v = kp_get(c, name);

	if (v == NULL || v[0] == '\0')
		*ret = def;
	else if (strcasecmp(v, "true") == 0)
		*ret = true;
	else if (strcasecmp(v, "false") == 0)
		*ret = false;
	else {
		c->err_param = name;
		return ERR_INVALID_ARGUMENT;
	}
	return ERR_OK;
}

enum err
kp_context(struct kms_call *c, const char *name, struct kv **ret,
    size_t *ret_n)
{
	const char *json = kp_get(c, name);
	size_t nl = strlen(name), nflat = 0, i = 0;
	struct kv *kv = NULL;
	size_t n = 0;

	for (size_t j = 0; j < c->nparams; j++)
		if (strncmp(c->params[j].name, name, nl) == 0 &&
		    c->params[j].name[nl] == '.')
			nflat++;
	c->err_param = name;
	if (json != NULL && json[0] != '\0') {
		if (nflat > 0)
			return ERR_INVALID_ARGUMENT;
		if (json_parse_string_map(c->a, json, strlen(json), &kv, &n) !=
		    ERR_OK)
			return ERR_INVALID_ARGUMENT;
	} else if (nflat > 0) {
		kv = arena_alloc(c->a, nflat * sizeof(*kv));
		if (kv == NULL)
			return ERR_NOMEM;
		for (size_t j = 0; j < c->nparams; j++)
			if (strncmp(c->params[j].name, name, nl) == 0 &&
			    c->params[j].name[nl] == '.') {
				kv[i].name = c->params[j].name + nl + 1;
				kv[i].value = c->params[j].value;
				i++;
			}
		n = nflat;
	}
	c->err_param = NULL;
	*ret = kv;
	*ret_n = n;
	return ERR_OK;
}

enum err
kp_page(struct kms_call *c, uint64_t *ret_number, uint64_t *ret_size)
{
	enum err r;

	/* KMS: PageNumber >= 1 (default 1), PageSize 1-100 (default 10). */
	r = kp_u64(c, "PageNumber", 1, UINT32_MAX, 1, ret_number);
	if (r == ERR_OK)
		r = kp_u64(c, "PageSize", 1, KMS_PAGE_SIZE_MAX, 10, ret_size);
	return r;
}

/* ---- a small strict JSON reader ---- */

enum kj_type { KJ_STRING, KJ_SCALAR, KJ_ARRAY, KJ_OBJECT };

struct kj {
	enum kj_type	 type;
	const char	*s;		/* STRING, SCALAR: text */
	const char	**keys;		/* OBJECT */
	struct kj	**items;	/* ARRAY, OBJECT */
	size_t		 n;
};

struct kj_parser {
	struct arena	*a;
	const char	*p;
	const char	*end;
};

static void
kj_ws(struct kj_parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
	    *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int
kj_hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char ch = p[i];

		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			v |= ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			v |= ch - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static size_t
kj_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string at ps->p (on the opening quote) into arena memory. */
static const char *
kj_string(struct kj_parser *ps)
{
	const char *start = ps->p + 1;
	char *out, *o;

	/* Decoded text is never longer than its encoding. */
	out = arena_alloc(ps->a, (size_t)(ps->end - start) + 1);
	if (out == NULL)
		return NULL;
	o = out;
	for (ps->p = start; ps->p < ps->end; ps->p++) {
		unsigned char ch = (unsigned char)*ps->p;

		if (ch == '"') {
			ps->p++;
			*o = '\0';
			return str_utf8_valid(out, (size_t)(o - out)) ? out : NULL;
		}
		if (ch < 0x20)
			return NULL;
		if (ch != '\\') {
			*o++ = (char)ch;
			continue;
		}
		if (++ps->p >= ps->end)
			return NULL;
		switch (*ps->p) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			int hi, lo;
			unsigned cp;

			if (ps->end - ps->p < 5)
				return NULL;
			hi = kj_hex4(ps->p + 1);
			ps->p += 4;
			if (hi < 0 || hi == 0)
				return NULL;	/* no NUL inside our strings */
			cp = (unsigned)hi;
			if (hi >= 0xd800 && hi <= 0xdbff) {
				if (ps->end - ps->p < 7 || ps->p[1] != '\\' ||
				    ps->p[2] != 'u')
					return NULL;
				lo = kj_hex4(ps->p + 3);
				if (lo < 0xdc00 || lo > 0xdfff)
					return NULL;
				ps->p += 6;
				cp = 0x10000 + (((unsigned)hi - 0xd800) << 10) +
				    ((unsigned)lo - 0xdc00);
			} else if (hi >= 0xdc00 && hi <= 0xdfff)
				return NULL;
			o += kj_utf8(o, cp);
			break;
		}
		default:
			return NULL;
		}
	}
	return NULL;
}

static struct kj *kj_value(struct kj_parser *ps, int depth);

/* Arrays and objects: items separated by ',', closed by close. */
static struct kj *
kj_container(struct kj_parser *ps, int depth, bool object)
{
	struct kj *v = arena_zalloc(ps->a, sizeof(*v));
	struct kj *items[JSON_ITEMS_MAX];
	const char *keys[JSON_ITEMS_MAX];
	char close = object ? '}' : ']';
	size_t n = 0;

	if (v == NULL)
		return NULL;
	v->type = object ? KJ_OBJECT : KJ_ARRAY;
	ps->p++;
	kj_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return v;
	}
	for (;;) {
		if (n == JSON_ITEMS_MAX)
			return NULL;
		if (object) {
			kj_ws(ps);
			if (ps->p >= ps->end || *ps->p != '"')
				return NULL;
			keys[n] = kj_string(ps);
			if (keys[n] == NULL)
				return NULL;
			kj_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				return NULL;
			ps->p++;
		}
		items[n] = kj_value(ps, depth + 1);
		if (items[n] == NULL)
			return NULL;
		n++;
		kj_ws(ps);
		if (ps->p >= ps->end)
			return NULL;
		if (*ps->p == close) {
			ps->p++;
			break;
		}
		if (*ps->p != ',')
			return NULL;
		ps->p++;
	}
	v->items = arena_alloc(ps->a, n * sizeof(*v->items));
	if (v->items == NULL)
		return NULL;
	memcpy(v->items, items, n * sizeof(*items));
	if (object) {
		v->keys = arena_alloc(ps->a, n * sizeof(*v->keys));
		if (v->keys == NULL)
			return NULL;
		memcpy(v->keys, keys, n * sizeof(*keys));
	}
	v->n = n;
	return v;
}

static struct kj *
kj_value(struct kj_parser *ps, int depth)
{
	struct kj *v;
	const char *start;

	if (depth > JSON_DEPTH_MAX)
		return NULL;
	kj_ws(ps);
	if (ps->p >= ps->end)
		return NULL;
	if (*ps->p == '{' || *ps->p == '[')
		return kj_container(ps, depth, *ps->p == '{');
	v = arena_zalloc(ps->a, sizeof(*v));
	if (v == NULL)
		return NULL;
	if (*ps->p == '"') {
		v->type = KJ_STRING;
		v->s = kj_string(ps);
		return v->s != NULL ? v : NULL;
	}
	/* number, true, false, null: kept as their text */
	start = ps->p;
	while (ps->p < ps->end && ((*ps->p >= '0' && *ps->p <= '9') ||
	    (*ps->p >= 'a' && *ps->p <= 'z') || *ps->p == '-' ||
	    *ps->p == '+' || *ps->p == '.' || *ps->p == 'E'))
		ps->p++;
	if (ps->p == start)
		return NULL;
	v->type = KJ_SCALAR;
	v->s = arena_strndup(ps->a, start, (size_t)(ps->p - start));
	return v->s != NULL ? v : NULL;
}

static struct kj *
kj_parse(struct arena *a, const char *text)
{
	struct kj_parser ps = { a, text, text + strlen(text) };
	struct kj *v;

	v = kj_value(&ps, 0);
	if (v == NULL)
		return NULL;
	kj_ws(&ps);
	return ps.p == ps.end ? v : NULL;
}

static const struct kj *
kj_member(const struct kj *o, const char *key)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->keys[i], key) == 0)
			return o->items[i];
	return NULL;
}

/* The text of a string or scalar member, or NULL. */
static const char *
kj_text(const struct kj *o, const char *key)
{
	const struct kj *v = kj_member(o, key);

	if (v == NULL || (v->type != KJ_STRING && v->type != KJ_SCALAR))
		return NULL;
	return v->s;
}

/* The parameter parsed as a JSON array (NULL result and ERR_OK when
 * absent). */
static enum err
kp_array(struct kms_call *c, const char *name, const struct kj **ret)
{
	const char *text = kp_get(c, name);
	const struct kj *v;

	*ret = NULL;
	if (text == NULL || text[0] == '\0')
		return ERR_OK;
	v = kj_parse(c->a, text);
	if (v == NULL || v->type != KJ_ARRAY) {
		c->err_param = name;
		return ERR_INVALID_ARGUMENT;
	}
	*ret = v;
	return ERR_OK;
}

enum err
kp_tags(struct kms_call *c, const char *name, struct kms_tag **ret,
    size_t *ret_n)
{
	const struct kj *arr;
	struct kms_tag *t = NULL;
	enum err r;

	r = kp_array(c, name, &arr);
	if (r != ERR_OK)
		return r;
	if (arr != NULL && arr->n > 0) {
		t = arena_alloc(c->a, arr->n * sizeof(*t));
		if (t == NULL)
			return ERR_NOMEM;
		for (size_t i = 0; i < arr->n; i++) {
			const struct kj *o = arr->items[i];

			if (o->type != KJ_OBJECT ||
			    kj_text(o, "TagKey") == NULL) {
				c->err_param = name;
				return ERR_INVALID_ARGUMENT;
			}
			t[i].key = kj_text(o, "TagKey");
			t[i].value = kj_text(o, "TagValue") ?
			    kj_text(o, "TagValue") : "";
		}
	}
	*ret = t;
	*ret_n = arr != NULL ? arr->n : 0;
	return ERR_OK;
}

enum err
kp_strings(struct kms_call *c, const char *name, const char ***ret,
    size_t *ret_n)
{
	const struct kj *arr;
	const char **s = NULL;
	enum err r;

	r = kp_array(c, name, &arr);
	if (r != ERR_OK)
		return r;
	if (arr != NULL && arr->n > 0) {
		s = arena_alloc(c->a, arr->n * sizeof(*s));
		if (s == NULL)
			return ERR_NOMEM;
		for (size_t i = 0; i < arr->n; i++) {
			if (arr->items[i]->type != KJ_STRING) {
				c->err_param = name;
				return ERR_INVALID_ARGUMENT;
			}
			s[i] = arr->items[i]->s;
		}
	}
	*ret = s;
	*ret_n = arr != NULL ? arr->n : 0;
	return ERR_OK;
}

enum err
kp_filters(struct kms_call *c, const char *name, struct kms_key_filter **ret,
    size_t *ret_n)
{
	const struct kj *arr;
	struct kms_key_filter *f = NULL;
	enum err r;

	r = kp_array(c, name, &arr);
	if (r != ERR_OK)
		return r;
	if (arr != NULL && arr->n > 0) {
		f = arena_alloc(c->a, arr->n * sizeof(*f));
		if (f == NULL)
			return ERR_NOMEM;
		for (size_t i = 0; i < arr->n; i++) {
			const struct kj *o = arr->items[i], *vals;
			const char **vs;

			vals = o->type == KJ_OBJECT ? kj_member(o, "Values") :
			    NULL;
			if (vals == NULL || vals->type != KJ_ARRAY ||
			    kj_text(o, "Key") == NULL) {
				c->err_param = name;
				return ERR_INVALID_ARGUMENT;
			}
			vs = arena_alloc(c->a, (vals->n + 1) * sizeof(*vs));
			if (vs == NULL)
				return ERR_NOMEM;
			for (size_t j = 0; j < vals->n; j++) {
				if (vals->items[j]->type != KJ_STRING) {
					c->err_param = name;
					return ERR_INVALID_ARGUMENT;
				}
				vs[j] = vals->items[j]->s;
			}
			f[i].key = kj_text(o, "Key");
			f[i].values = vs;
			f[i].nvalues = vals->n;
		}
	}
	*ret = f;
	*ret_n = arr != NULL ? arr->n : 0;
	return ERR_OK;
}
