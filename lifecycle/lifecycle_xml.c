/* SPDX-License-Identifier: ISC */
/*
 * lifecycle_xml.c: the LifecycleConfiguration document (oss-api-2.md §2.2)
 * to rules and back.
 *
 * Children are looked up by name, never by position: GO2 sends them in an
 * order of its own and real OSS accepts it. The stored form is the document
 * this file writes, so what GetBucketLifecycle returns is always the
 * canonical order whatever order was put (and carries the generated IDs).
 */
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/rand.h"
#include "base/str.h"
#include "codec/xml.h"
#include "lifecycle/lifecycle.h"

/* Absent: fine (-1); present: "true" or "false". */
static bool
parse_bool(const struct xml_node *n, const char *name, int8_t *ret)
{
	const char *v = xml_child_text(n, name);

	*ret = -1;
	if (v == NULL)
		return true;
	if (strcmp(v, "true") == 0)
		*ret = 1;
	else if (strcmp(v, "false") == 0)
		*ret = 0;
	else
		return false;
	return true;
}

static enum err
parse_days(const char *v, uint32_t *ret)
{
	uint64_t d;

	if (!str_to_u64(v, LIFECYCLE_DAYS_MAX, &d) || d == 0)
		return ERR_LC_BAD_DAYS;
	*ret = (uint32_t)d;
	return ERR_OK;
}

static enum err
parse_date(const char *v, int64_t *ret)
{
	if (!time_parse_iso(v, ret))
		return ERR_MALFORMED_XML;
	if (*ret % LIFECYCLE_DAY_MS != 0)
		return ERR_LC_DATE_NOT_MIDNIGHT;
	return ERR_OK;
}

/* <Days> | <CreatedBeforeDate> (| <Date>, the deprecated spelling, when
 * date_tag is given). Neither is LC_WHEN_NONE; both is refused. */
static enum err
parse_when(const struct xml_node *n, struct lifecycle_when *w, bool *date_tag)
{
	const char *days = xml_child_text(n, "Days");
	const char *date = xml_child_text(n, "CreatedBeforeDate");

	if (date == NULL && date_tag != NULL) {
		date = xml_child_text(n, "Date");
		*date_tag = date != NULL;
	}
	w->kind = LC_WHEN_NONE;
	if (days != NULL && date != NULL)
		return ERR_LC_BAD_DAYS;
	if (days != NULL) {
		w->kind = LC_WHEN_DAYS;
		return parse_days(days, &w->days);
	}
	if (date != NULL) {
		w->kind = LC_WHEN_DATE;
		return parse_date(date, &w->date_ms);
	}
	return ERR_OK;
}

static enum err
parse_tag(struct arena *a, const struct xml_node *n, struct lifecycle_tag *t)
{
	const char *k = xml_child_text(n, "Key");
	const char *v = xml_child_text(n, "Value");

	if (k == NULL || k[0] == '\0')
		return ERR_MALFORMED_XML;
	t->key = arena_strdup(a, k);
	t->value = arena_strdup(a, v != NULL ? v : "");
	return t->key != NULL && t->value != NULL ? ERR_OK : ERR_NOMEM;
}

static enum err
parse_transition(const struct xml_node *n, bool noncurrent,
    struct lifecycle_transition *t)
{
	const char *sc = xml_child_text(n, "StorageClass");
	enum err r;

	if (noncurrent) {
		const char *d = xml_child_text(n, "NoncurrentDays");

		if (d == NULL)
			return ERR_LC_BAD_DAYS;
		t->when.kind = LC_WHEN_DAYS;
		r = parse_days(d, &t->when.days);
	} else {
		r = parse_when(n, &t->when, NULL);
		if (r == ERR_OK && t->when.kind == LC_WHEN_NONE)
			r = ERR_LC_BAD_DAYS;
	}
	if (r != ERR_OK)
		return r;
	/* Standard is a storage class but never a transition's target. */
	if (sc == NULL || lifecycle_class_rank(sc) < 1)
		return ERR_LC_TRANSITION_CLASS;
	str_copy(t->storage_class, sizeof(t->storage_class), sc);
	if (!parse_bool(n, "IsAccessTime", &t->is_access_time) ||
	    !parse_bool(n, "ReturnToStdWhenVisit", &t->return_to_std) ||
	    !parse_bool(n, "AllowSmallFile", &t->allow_small_file))
		return ERR_MALFORMED_XML;
	return ERR_OK;
}

/* Rules of one kind of child into an arena array. */
static enum err
parse_transitions(struct arena *a, const struct xml_node *rn,
    const char *name, bool noncurrent, struct lifecycle_transition **ret,
    size_t *ret_n)
{
	size_t n = xml_count(rn, name), i = 0;
	const struct xml_node *t;
	enum err r;

	*ret = NULL;
	*ret_n = 0;
	if (n == 0)
		return ERR_OK;
	*ret = arena_zalloc(a, n * sizeof(**ret));
	if (*ret == NULL)
		return ERR_NOMEM;
	for (t = xml_child(rn, name); t != NULL; t = xml_next_same(t)) {
		r = parse_transition(t, noncurrent, &(*ret)[i]);
		if (r != ERR_OK)
			return r;
		i++;
	}
	*ret_n = i;
	return ERR_OK;
}

static enum err
parse_filter(struct arena *a, const struct xml_node *f,
    struct lifecycle_rule *rule)
{
	const struct xml_node *n;
	const char *v;
	size_t i = 0;
	enum err r;

	rule->has_filter = true;
	if ((v = xml_child_text(f, "ObjectSizeGreaterThan")) != NULL) {
		if (!str_to_u64(v, INT64_MAX, &rule->size_gt))
			return ERR_LC_BAD_FILTER;
		rule->has_size_gt = true;
	}
	if ((v = xml_child_text(f, "ObjectSizeLessThan")) != NULL) {
		if (!str_to_u64(v, INT64_MAX, &rule->size_lt))
			return ERR_LC_BAD_FILTER;
		rule->has_size_lt = true;
	}
	rule->nnots = xml_count(f, "Not");
	if (rule->nnots == 0)
		return ERR_OK;
	rule->nots = arena_zalloc(a, rule->nnots * sizeof(*rule->nots));
	if (rule->nots == NULL)
		return ERR_NOMEM;
	for (n = xml_child(f, "Not"); n != NULL; n = xml_next_same(n), i++) {
		struct lifecycle_not *x = &rule->nots[i];
		const struct xml_node *t = xml_child(n, "Tag");

		v = xml_child_text(n, "Prefix");
		x->prefix = arena_strdup(a, v != NULL ? v : "");
		if (x->prefix == NULL)
			return ERR_NOMEM;
		if (strlen(x->prefix) > LIFECYCLE_PREFIX_MAX)
			return ERR_LC_BAD_FILTER;
		if (t != NULL) {
			x->has_tag = true;
			r = parse_tag(a, t, &x->tag);
			if (r != ERR_OK)
				return r;
		}
	}
	return ERR_OK;
}

/* A rule without an ID gets one, as OSS does; 32 hex digits are as unique
 * as it needs. */
static const char *
new_id(struct arena *a)
{
	uint8_t raw[16];
	char hex[33];

	rand_bytes(raw, sizeof(raw));
	hex_encode(hex, raw, sizeof(raw));
	return arena_strdup(a, hex);
}

static enum err
parse_rule(struct arena *a, const struct xml_node *rn,
    struct lifecycle_rule *rule)
{
	const struct xml_node *n;
	const char *v;
	size_t i;
	enum err r;

	v = xml_child_text(rn, "Status");
	if (v == NULL)
		return ERR_MALFORMED_XML;
	if (strcmp(v, "Enabled") == 0)
		rule->enabled = true;
	else if (strcmp(v, "Disabled") != 0)
		return ERR_MALFORMED_XML;
	v = xml_child_text(rn, "ID");
	if (v != NULL && strlen(v) > LIFECYCLE_ID_MAX)
		return ERR_LC_BAD_ID;
	rule->id = v != NULL && v[0] != '\0' ? arena_strdup(a, v) : new_id(a);
	v = xml_child_text(rn, "Prefix");
	if (v != NULL && strlen(v) > LIFECYCLE_PREFIX_MAX)
		return ERR_INVALID_ARGUMENT;
	rule->prefix = arena_strdup(a, v != NULL ? v : "");
	if (rule->id == NULL || rule->prefix == NULL)
		return ERR_NOMEM;
	if ((n = xml_child(rn, "Filter")) != NULL &&
	    (r = parse_filter(a, n, rule)) != ERR_OK)
		return r;
	rule->ntags = xml_count(rn, "Tag");
	if (rule->ntags > 0) {
		rule->tags = arena_zalloc(a, rule->ntags * sizeof(*rule->tags));
		if (rule->tags == NULL)
			return ERR_NOMEM;
		i = 0;
		for (n = xml_child(rn, "Tag"); n != NULL; n = xml_next_same(n))
			if ((r = parse_tag(a, n, &rule->tags[i++])) != ERR_OK)
				return r;
	}
	rule->eodm = -1;
	if ((n = xml_child(rn, "Expiration")) != NULL) {
		rule->has_expiration = true;
		r = parse_when(n, &rule->expiration, &rule->expiration_date_tag);
		if (r != ERR_OK)
			return r;
		if (!parse_bool(n, "ExpiredObjectDeleteMarker", &rule->eodm))
			return ERR_MALFORMED_XML;
		/* GO2 sends ExpiredObjectDeleteMarker=false beside Days. */
		if (rule->eodm == 1 && rule->expiration.kind != LC_WHEN_NONE)
			return ERR_LC_DELETE_MARKER_WITH_DAYS;
		if (rule->eodm != 1 && rule->expiration.kind == LC_WHEN_NONE)
			return ERR_LC_BAD_DAYS;
	}
	r = parse_transitions(a, rn, "Transition", false, &rule->transitions,
	    &rule->ntransitions);
	if (r == ERR_OK)
		r = parse_transitions(a, rn, "NoncurrentVersionTransition", true,
		    &rule->nc_transitions, &rule->nnc_transitions);
	if (r != ERR_OK)
		return r;
	if ((n = xml_child(rn, "AbortMultipartUpload")) != NULL) {
		rule->has_abort = true;
		r = parse_when(n, &rule->abort, NULL);
		if (r == ERR_OK && rule->abort.kind == LC_WHEN_NONE)
			r = ERR_LC_BAD_DAYS;
		if (r != ERR_OK)
			return r;
	}
	if ((n = xml_child(rn, "NoncurrentVersionExpiration")) != NULL) {
		v = xml_child_text(n, "NoncurrentDays");
		rule->has_nc_expiration = true;
		if (v == NULL)
			return ERR_LC_BAD_DAYS;
		if ((r = parse_days(v, &rule->nc_expiration_days)) != ERR_OK)
			return r;
	}
	if ((v = xml_child_text(rn, "AtimeBase")) != NULL) {
		if (!str_to_i64(v, 0, INT64_MAX / 1000, &rule->atime_base))
			return ERR_MALFORMED_XML;
		rule->has_atime_base = true;
	}
	return ERR_OK;
}

enum err
lifecycle_parse(struct arena *a, const struct xml_node *root,
    struct lifecycle_config *cfg)
{
	const struct xml_node *n;
	size_t count, i = 0;
	enum err r;

	memset(cfg, 0, sizeof(*cfg));
	if (root == NULL || strcmp(root->name, "LifecycleConfiguration") != 0)
		return ERR_MALFORMED_XML;
	count = xml_count(root, "Rule");
	if (count == 0)
		return ERR_MALFORMED_XML;
	if (count > LIFECYCLE_RULES_MAX)
		return ERR_LC_TOO_MANY_RULES;
	cfg->rules = arena_zalloc(a, count * sizeof(*cfg->rules));
	if (cfg->rules == NULL)
		return ERR_NOMEM;
	for (n = xml_child(root, "Rule"); n != NULL; n = xml_next_same(n)) {
		r = parse_rule(a, n, &cfg->rules[i]);
		if (r != ERR_OK)
			return r;
		i++;
	}
	cfg->nrules = i;
	return ERR_OK;
}

enum err
lifecycle_parse_text(struct arena *a, const char *text, size_t n,
    struct lifecycle_config *cfg)
{
	/* A thousand rules of a dozen elements each fit these limits. */
	struct xml_limits lim = { .max_bytes = 4u << 20, .max_nodes = 100000 };
	struct xml_node *root;
	enum err r;

	r = xml_parse(a, text, n, &lim, &root);
	if (r != ERR_OK)
		return r;
	return lifecycle_parse(a, root, cfg);
}

/* ---- writing ---- */

static void
write_date(struct xml_writer *w, const char *name, int64_t ms)
{
	char d[TIME_ISO_BYTES];

	time_fmt_iso_ms(d, ms);
	xml_elem(w, name, d);
}

static void
write_when(struct xml_writer *w, const struct lifecycle_when *when,
    bool date_tag)
{
	if (when->kind == LC_WHEN_DAYS)
		xml_elem_u64(w, "Days", when->days);
	else if (when->kind == LC_WHEN_DATE)
		write_date(w, date_tag ? "Date" : "CreatedBeforeDate",
		    when->date_ms);
}

static void
write_opt_bool(struct xml_writer *w, const char *name, int8_t v)
{
	if (v >= 0)
		xml_elem(w, name, v ? "true" : "false");
}

static void
write_tag(struct xml_writer *w, const struct lifecycle_tag *t)
{
	xml_open(w, "Tag");
	xml_elem(w, "Key", t->key);
	xml_elem(w, "Value", t->value);
	xml_close(w, "Tag");
}

static void
write_transition(struct xml_writer *w, const char *name,
    const struct lifecycle_transition *t, bool noncurrent)
{
	xml_open(w, name);
	if (noncurrent)
		xml_elem_u64(w, "NoncurrentDays", t->when.days);
	else
		write_when(w, &t->when, false);
	xml_elem(w, "StorageClass", t->storage_class);
	write_opt_bool(w, "IsAccessTime", t->is_access_time);
	write_opt_bool(w, "ReturnToStdWhenVisit", t->return_to_std);
	write_opt_bool(w, "AllowSmallFile", t->allow_small_file);
	xml_close(w, name);
}

static void
write_rule(struct xml_writer *w, const struct lifecycle_rule *r)
{
	size_t i;

	xml_open(w, "Rule");
	xml_elem(w, "ID", r->id);
	xml_elem(w, "Prefix", r->prefix);
	xml_elem(w, "Status", r->enabled ? "Enabled" : "Disabled");
	if (r->has_filter) {
		xml_open(w, "Filter");
		for (i = 0; i < r->nnots; i++) {
			xml_open(w, "Not");
			xml_elem(w, "Prefix", r->nots[i].prefix);
			if (r->nots[i].has_tag)
				write_tag(w, &r->nots[i].tag);
			xml_close(w, "Not");
		}
		if (r->has_size_gt)
			xml_elem_u64(w, "ObjectSizeGreaterThan", r->size_gt);
		if (r->has_size_lt)
			xml_elem_u64(w, "ObjectSizeLessThan", r->size_lt);
		xml_close(w, "Filter");
	}
	for (i = 0; i < r->ntags; i++)
		write_tag(w, &r->tags[i]);
	if (r->has_expiration) {
		xml_open(w, "Expiration");
		write_when(w, &r->expiration, r->expiration_date_tag);
		write_opt_bool(w, "ExpiredObjectDeleteMarker", r->eodm);
		xml_close(w, "Expiration");
	}
	for (i = 0; i < r->ntransitions; i++)
		write_transition(w, "Transition", &r->transitions[i], false);
	if (r->has_abort) {
		xml_open(w, "AbortMultipartUpload");
		write_when(w, &r->abort, false);
		xml_close(w, "AbortMultipartUpload");
	}
	if (r->has_nc_expiration) {
		xml_open(w, "NoncurrentVersionExpiration");
		xml_elem_u64(w, "NoncurrentDays", r->nc_expiration_days);
		xml_close(w, "NoncurrentVersionExpiration");
	}
	for (i = 0; i < r->nnc_transitions; i++)
		write_transition(w, "NoncurrentVersionTransition",
		    &r->nc_transitions[i], true);
	if (r->has_atime_base)
		xml_elem_i64(w, "AtimeBase", r->atime_base);
	xml_close(w, "Rule");
}

enum err
lifecycle_write(struct buf *b, const struct lifecycle_config *cfg)
{
	struct xml_writer w;

	xml_writer_init(&w, b);
	xml_decl(&w);
	xml_open(&w, "LifecycleConfiguration");
	for (size_t i = 0; i < cfg->nrules; i++)
		write_rule(&w, &cfg->rules[i]);
	xml_close(&w, "LifecycleConfiguration");
	return xml_writer_finish(&w);
}
