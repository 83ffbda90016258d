/* SPDX-License-Identifier: ISC */
/*
 * test_lifecycle.c: bucket lifecycle rules (lifecycle/lifecycle.h).
 *
 * The decision is a pure function, so most of this walks it through runs
 * and objects: due dates (rounded up to midnight, the spec's worked
 * example), CreatedBeforeDate, filters and tags, the conflict rules
 * (deletion beats transition, colder wins, never warmer), and the versioned
 * cases the versioning work will feed in (noncurrent versions, delete
 * markers). Then the document: parsing in any order, generated IDs, the
 * validation rows of oss-api-2.md §2.3, and the write/parse round trip.
 * Last, the stored form on a real database: the schedule a Put starts,
 * the progress row's compare-and-set, Delete, and the bucket's drop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/str.h"
#include "db/db.h"
#include "lifecycle/lifecycle.h"
#include "support/test_audit_mac.h"
#include "support/test_seal.h"
#include "support/test_support.h"

#define DAY	LIFECYCLE_DAY_MS
#define HOUR	3600000LL

/* 2020-07-20T00:00:00Z */
#define JUL20	((int64_t)1595203200000)

static int64_t
iso(const char *s)
{
	int64_t ms = 0;

	assert_true(time_parse_iso(s, &ms));
	return ms;
}

/* Parses a document of rules (the <Rule> elements) into cfg. */
static enum err
parse(struct arena *a, const char *rules, struct lifecycle_config *cfg)
{
	char *doc = arena_printf(a,
	    "<LifecycleConfiguration>%s</LifecycleConfiguration>", rules);

	assert_non_null(doc);
	return lifecycle_parse_text(a, doc, strlen(doc), cfg);
}

/* Parses and checks; the first error of the two. */
static enum err
put(const char *rules, bool overlap)
{
	struct lifecycle_config cfg;
	struct arena a;
	enum err r;

	arena_init(&a, 64u << 20);
	r = parse(&a, rules, &cfg);
	if (r == ERR_OK)
		r = lifecycle_check(&cfg, overlap, "Standard");
	arena_free(&a);
	return r;
}

static struct lifecycle_config *
config(struct arena *a, const char *rules)
{
	struct lifecycle_config *cfg = arena_zalloc(a, sizeof(*cfg));

	assert_non_null(cfg);
	assert_int_equal(parse(a, rules, cfg), ERR_OK);
	return cfg;
}

static struct lifecycle_object
obj(const char *key, int64_t mtime)
{
	struct lifecycle_object o = {
		.key = key, .size = 1000, .tags = "", .mtime_ms = mtime,
		.storage_class = "Standard", .is_latest = true,
	};
	return o;
}

static enum lifecycle_verdict
decide(const struct lifecycle_config *cfg, const struct lifecycle_object *o,
    int64_t run, struct lifecycle_decision *d)
{
	struct lifecycle_decision tmp;

	return lifecycle_decide(cfg, o, run, d != NULL ? d : &tmp);
}

static void
test_days(void **state)
{
	(void)state;
	assert_int_equal(lifecycle_ceil_day(JUL20), JUL20);
	assert_int_equal(lifecycle_ceil_day(JUL20 + 1), JUL20 + DAY);
	assert_int_equal(lifecycle_ceil_day(JUL20 + DAY - 1), JUL20 + DAY);
	assert_int_equal(lifecycle_ceil_day(0), 0);
	assert_int_equal(lifecycle_day_start(JUL20 / DAY), JUL20);
}

/* DG "Lifecycle rules", Effective time: Days=1; uploaded on 07-20 before
 * 08:00 UTC+8 (= 07-20 00:00 UTC) -> removed by the run of 07-21 08:00
 * UTC+8; uploaded after it -> one day later. */
static void
test_worked_example(void **state)
{
	struct arena a;
	struct lifecycle_config *cfg;
	struct lifecycle_decision d;
	struct lifecycle_object early, late;

	(void)state;
	arena_init(&a, 1u << 20);
	cfg = config(&a, "<Rule><ID>one</ID><Prefix></Prefix><Status>Enabled"
	    "</Status><Expiration><Days>1</Days></Expiration></Rule>");
	early = obj("k", JUL20 - 1 * HOUR);	/* 07-20 07:00 UTC+8 */
	late = obj("k", JUL20 + 1 * HOUR);	/* 07-20 09:00 UTC+8 */
	assert_int_equal(decide(cfg, &early, JUL20, NULL), LC_NONE);
	assert_int_equal(decide(cfg, &early, JUL20 + DAY, &d), LC_EXPIRE);
	assert_string_equal(d.rule_id, "one");
	assert_int_equal(d.due_ms, JUL20 + DAY);
	assert_int_equal(decide(cfg, &late, JUL20 + DAY, NULL), LC_NONE);
	assert_int_equal(decide(cfg, &late, JUL20 + 2 * DAY, NULL), LC_EXPIRE);
	/* Late runs still act (a catch-up after a clock jump). */
	assert_int_equal(decide(cfg, &late, JUL20 + 40 * DAY, NULL), LC_EXPIRE);
	/* An object modified after the run's midnight did not exist then. */
	assert_int_equal(decide(cfg, &late, JUL20, NULL), LC_NONE);
	arena_free(&a);
}

static void
test_created_before(void **state)
{
	struct arena a;
	struct lifecycle_config *cfg;
	struct lifecycle_object before, at, after;
	int64_t run = iso("2020-03-01T00:00:00.000Z");

	(void)state;
	arena_init(&a, 1u << 20);
	cfg = config(&a, "<Rule><ID>cbd</ID><Prefix>a/</Prefix><Status>Enabled"
	    "</Status><Expiration><CreatedBeforeDate>2020-01-01T00:00:00.000Z"
	    "</CreatedBeforeDate></Expiration></Rule>");
	before = obj("a/1", iso("2019-12-31T23:59:59.000Z"));
	at = obj("a/2", iso("2020-01-01T00:00:00.000Z"));
	after = obj("a/3", iso("2020-02-01T00:00:00.000Z"));
	assert_int_equal(decide(cfg, &before, run, NULL), LC_EXPIRE);
	assert_int_equal(decide(cfg, &at, run, NULL), LC_NONE);
	assert_int_equal(decide(cfg, &after, run, NULL), LC_NONE);
	/* Other prefixes are not selected. */
	before.key = "b/1";
	assert_int_equal(decide(cfg, &before, run, NULL), LC_NONE);
	arena_free(&a);
}

static void
test_disabled_and_filters(void **state)
{
	struct arena a;
	struct lifecycle_config *cfg;
	struct lifecycle_object o;
	int64_t run = JUL20 + 10 * DAY;

	(void)state;
	arena_init(&a, 1u << 20);
	cfg = config(&a,
	    "<Rule><ID>off</ID><Prefix></Prefix><Status>Disabled</Status>"
	    "<Expiration><Days>1</Days></Expiration></Rule>");
	o = obj("x", JUL20);
	assert_int_equal(decide(cfg, &o, run, NULL), LC_NONE);

	cfg = config(&a,
	    "<Rule><ID>f</ID><Prefix>logs/</Prefix><Status>Enabled</Status>"
	    "<Filter><Not><Prefix>logs/keep/</Prefix></Not>"
	    "<Not><Prefix>logs/t</Prefix><Tag><Key>hold</Key><Value>yes"
	    "</Value></Tag></Not>"
	    "<ObjectSizeGreaterThan>500</ObjectSizeGreaterThan>"
	    "<ObjectSizeLessThan>2000</ObjectSizeLessThan></Filter>"
	    "<Tag><Key>a b</Key><Value>1</Value></Tag><Tag><Key>c</Key>"
	    "<Value></Value></Tag>"
	    "<Expiration><Days>1</Days></Expiration></Rule>");
	o = obj("logs/x", JUL20);
	o.tags = "a%20b=1&c=";
	assert_int_equal(decide(cfg, &o, run, NULL), LC_EXPIRE);
	/* Both tags are needed (AND); a different value does not match. */
	o.tags = "a%20b=1";
	assert_int_equal(decide(cfg, &o, run, NULL), LC_NONE);
	o.tags = "a%20b=2&c=";
	assert_int_equal(decide(cfg, &o, run, NULL), LC_NONE);
	o.tags = "c&a%20b=1";	/* a tag without '=' has the empty value */
	assert_int_equal(decide(cfg, &o, run, NULL), LC_EXPIRE);
	o.tags = NULL;
	assert_int_equal(decide(cfg, &o, run, NULL), LC_NONE);
	o.tags = "a%20b=1&c=";
	/* Size bounds are strict. */
	o.size = 500;
	assert_int_equal(decide(cfg, &o, run, NULL), LC_NONE);
	o.size = 501;
	assert_int_equal(decide(cfg, &o, run, NULL), LC_EXPIRE);
	o.size = 2000;
	assert_int_equal(decide(cfg, &o, run, NULL), LC_NONE);
	o.size = 1999;
	/* Not/Prefix excludes; Not with a tag excludes only tagged ones. */
	o.key = "logs/keep/1";
	assert_int_equal(decide(cfg, &o, run, NULL), LC_NONE);
	o.key = "logs/t1";
	assert_int_equal(decide(cfg, &o, run, NULL), LC_EXPIRE);
	o.tags = "a%20b=1&c=&hold=yes";
	assert_int_equal(decide(cfg, &o, run, NULL), LC_NONE);
	assert_false(lifecycle_rule_matches(&cfg->rules[0], &o));
	arena_free(&a);
}

static void
test_transitions(void **state)
{
	struct arena a;
	struct lifecycle_config *cfg;
	struct lifecycle_decision d;
	struct lifecycle_object o;
	int64_t t0 = JUL20 + 12 * HOUR, due0 = JUL20 + DAY;

	(void)state;
	arena_init(&a, 1u << 20);
	cfg = config(&a,
	    "<Rule><ID>chain</ID><Prefix></Prefix><Status>Enabled</Status>"
	    "<Transition><Days>30</Days><StorageClass>IA</StorageClass>"
	    "</Transition><Transition><Days>60</Days><StorageClass>Archive"
	    "</StorageClass></Transition><Expiration><Days>90</Days>"
	    "</Expiration></Rule>");
	o = obj("k", t0);
	assert_int_equal(decide(cfg, &o, due0 + 29 * DAY, NULL), LC_NONE);
	assert_int_equal(decide(cfg, &o, due0 + 30 * DAY, &d), LC_TRANSITION);
	assert_string_equal(d.storage_class, "IA");
	assert_string_equal(d.rule_id, "chain");
	/* Both due (a late run): the colder wins. */
	assert_int_equal(decide(cfg, &o, due0 + 60 * DAY, &d), LC_TRANSITION);
	assert_string_equal(d.storage_class, "Archive");
	/* Already there: nothing; never back to a warmer class. */
	o.storage_class = "Archive";
	assert_int_equal(decide(cfg, &o, due0 + 61 * DAY, NULL), LC_NONE);
	o.storage_class = "ColdArchive";
	assert_int_equal(decide(cfg, &o, due0 + 61 * DAY, NULL), LC_NONE);
	/* Deletion beats transition. */
	o.storage_class = "Standard";
	assert_int_equal(decide(cfg, &o, due0 + 90 * DAY, NULL), LC_EXPIRE);
	o.storage_class = "Archive";
	assert_int_equal(decide(cfg, &o, due0 + 90 * DAY, NULL), LC_EXPIRE);

	/* Across rules: expiry of one and transition of another on the same
	 * day -> deletion; an earlier colder transition makes a later
	 * warmer one moot. */
	cfg = config(&a,
	    "<Rule><ID>ia</ID><Prefix>a</Prefix><Status>Enabled</Status>"
	    "<Transition><Days>30</Days><StorageClass>IA</StorageClass>"
	    "</Transition></Rule>"
	    "<Rule><ID>arch</ID><Prefix>a/</Prefix><Status>Enabled</Status>"
	    "<Transition><Days>20</Days><StorageClass>Archive</StorageClass>"
	    "</Transition></Rule>"
	    "<Rule><ID>del</ID><Prefix>a/x</Prefix><Status>Enabled</Status>"
	    "<Expiration><Days>20</Days></Expiration></Rule>");
	o = obj("a/1", t0);
	assert_int_equal(decide(cfg, &o, due0 + 20 * DAY, &d), LC_TRANSITION);
	assert_string_equal(d.rule_id, "arch");
	o.storage_class = "Archive";
	assert_int_equal(decide(cfg, &o, due0 + 30 * DAY, NULL), LC_NONE);
	o = obj("a/x1", t0);
	assert_int_equal(decide(cfg, &o, due0 + 20 * DAY, &d), LC_EXPIRE);
	assert_string_equal(d.rule_id, "del");
	arena_free(&a);
}

/* What the versioning work will feed in. */
static void
test_versions(void **state)
{
	struct arena a;
	struct lifecycle_config *cfg;
	struct lifecycle_decision d;
	struct lifecycle_object o;
	int64_t t0 = JUL20 + 12 * HOUR, nc = JUL20 + 5 * DAY + HOUR;

	(void)state;
	arena_init(&a, 1u << 20);
	cfg = config(&a,
	    "<Rule><ID>v</ID><Prefix></Prefix><Status>Enabled</Status>"
	    "<Expiration><ExpiredObjectDeleteMarker>true"
	    "</ExpiredObjectDeleteMarker></Expiration>"
	    "<NoncurrentVersionTransition><NoncurrentDays>10</NoncurrentDays>"
	    "<StorageClass>IA</StorageClass></NoncurrentVersionTransition>"
	    "<NoncurrentVersionExpiration><NoncurrentDays>20"
	    "</NoncurrentDays></NoncurrentVersionExpiration></Rule>");
	/* A current version: no Days expiration, no current transition. */
	o = obj("k", t0);
	assert_int_equal(decide(cfg, &o, t0 + 400 * DAY, NULL), LC_NONE);
	/* A noncurrent version counts from when it stopped being current. */
	o.is_latest = false;
	o.noncurrent_since_ms = nc;
	assert_int_equal(decide(cfg, &o, JUL20 + 15 * DAY, NULL), LC_NONE);
	assert_int_equal(decide(cfg, &o, JUL20 + 16 * DAY, &d), LC_TRANSITION);
	assert_string_equal(d.storage_class, "IA");
	assert_int_equal(decide(cfg, &o, JUL20 + 26 * DAY, &d),
	    LC_DELETE_VERSION);
	/* A noncurrent delete marker goes too. */
	o.is_delete_marker = true;
	assert_int_equal(decide(cfg, &o, JUL20 + 25 * DAY, NULL), LC_NONE);
	assert_int_equal(decide(cfg, &o, JUL20 + 26 * DAY, NULL),
	    LC_DELETE_VERSION);
	/* A current delete marker: removed only when it is the last
	 * version. */
	o = obj("k", t0);
	o.is_delete_marker = true;
	assert_int_equal(decide(cfg, &o, t0 + DAY, NULL), LC_NONE);
	o.sole_version = true;
	assert_int_equal(decide(cfg, &o, t0 + DAY, &d), LC_DELETE_MARKER);
	assert_string_equal(d.rule_id, "v");
	/* Current expiration leaves noncurrent versions alone. */
	cfg = config(&a,
	    "<Rule><ID>e</ID><Prefix></Prefix><Status>Enabled</Status>"
	    "<Expiration><Days>1</Days></Expiration></Rule>");
	o = obj("k", t0);
	o.is_latest = false;
	o.noncurrent_since_ms = nc;
	assert_int_equal(decide(cfg, &o, t0 + 100 * DAY, NULL), LC_NONE);
	arena_free(&a);
}

static void
test_expiry_header_and_abort(void **state)
{
	struct arena a;
	struct lifecycle_config *cfg;
	struct lifecycle_object o;
	const char *rule = NULL;
	int64_t at = 0;

	(void)state;
	arena_init(&a, 1u << 20);
	cfg = config(&a,
	    "<Rule><ID>long</ID><Prefix></Prefix><Status>Enabled</Status>"
	    "<Expiration><Days>30</Days></Expiration></Rule>"
	    "<Rule><ID>short</ID><Prefix>tmp/</Prefix><Status>Enabled</Status>"
	    "<Expiration><Days>2</Days></Expiration>"
	    "<AbortMultipartUpload><Days>3</Days></AbortMultipartUpload></Rule>"
	    "<Rule><ID>off</ID><Prefix>tmp/x</Prefix><Status>Disabled</Status>"
	    "<Expiration><Days>1</Days></Expiration></Rule>"
	    "<Rule><ID>date</ID><Prefix>old/</Prefix><Status>Enabled</Status>"
	    "<Expiration><CreatedBeforeDate>2020-08-01T00:00:00.000Z"
	    "</CreatedBeforeDate></Expiration></Rule>");
	o = obj("tmp/x", JUL20 + HOUR);
	assert_true(lifecycle_expiry(cfg, &o, &at, &rule));
	assert_string_equal(rule, "short");
	assert_int_equal(at, JUL20 + 3 * DAY);
	o.key = "other";
	assert_true(lifecycle_expiry(cfg, &o, &at, &rule));
	assert_string_equal(rule, "long");
	assert_int_equal(at, JUL20 + 31 * DAY);
	o.key = "old/1";
	assert_true(lifecycle_expiry(cfg, &o, &at, &rule));
	assert_string_equal(rule, "date");
	assert_int_equal(at, iso("2020-08-01T00:00:00.000Z"));
	o.is_latest = false;
	assert_false(lifecycle_expiry(cfg, &o, &at, &rule));

	assert_false(lifecycle_abort_due(cfg, "tmp/u", JUL20 + HOUR,
	    JUL20 + 3 * DAY, &rule));
	assert_true(lifecycle_abort_due(cfg, "tmp/u", JUL20 + HOUR,
	    JUL20 + 4 * DAY, &rule));
	assert_string_equal(rule, "short");
	assert_false(lifecycle_abort_due(cfg, "other", JUL20 + HOUR,
	    JUL20 + 40 * DAY, &rule));
	arena_free(&a);
}

static void
test_parse_any_order_and_round_trip(void **state)
{
	struct arena a;
	struct lifecycle_config cfg, again;
	struct buf b, b2;
	const struct lifecycle_rule *r;

	(void)state;
	arena_init(&a, 1u << 20);
	/* GO2's order: Status, Filter, AbortMultipartUpload,
	 * NoncurrentVersionTransition, ID, Prefix, Expiration, Transition,
	 * Tag, NoncurrentVersionExpiration. */
	assert_int_equal(parse(&a,
	    "<Rule><Status>Enabled</Status><Filter><ObjectSizeGreaterThan>5"
	    "</ObjectSizeGreaterThan></Filter><AbortMultipartUpload><Days>3"
	    "</Days></AbortMultipartUpload><NoncurrentVersionTransition>"
	    "<NoncurrentDays>10</NoncurrentDays><StorageClass>IA"
	    "</StorageClass></NoncurrentVersionTransition><ID>go2</ID>"
	    "<Prefix>p/</Prefix><Expiration><Days>40</Days>"
	    "<ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker>"
	    "</Expiration><Transition><Days>30</Days><StorageClass>IA"
	    "</StorageClass><ReturnToStdWhenVisit>false"
	    "</ReturnToStdWhenVisit></Transition>"
	    "<NoncurrentVersionExpiration><NoncurrentDays>20</NoncurrentDays>"
	    "</NoncurrentVersionExpiration></Rule>"
	    "<Rule><Prefix>q/</Prefix><Status>Disabled</Status><Expiration>"
	    "<Date>2020-01-01T00:00:00.000Z</Date></Expiration></Rule>",
	    &cfg), ERR_OK);
	assert_int_equal(cfg.nrules, 2);
	r = &cfg.rules[0];
	assert_string_equal(r->id, "go2");
	assert_string_equal(r->prefix, "p/");
	assert_true(r->enabled && r->has_filter && r->has_size_gt);
	assert_int_equal(r->size_gt, 5);
	assert_int_equal(r->abort.days, 3);
	assert_int_equal(r->nnc_transitions, 1);
	assert_int_equal(r->expiration.days, 40);
	assert_int_equal(r->eodm, 0);
	assert_int_equal(r->ntransitions, 1);
	assert_int_equal(r->transitions[0].return_to_std, 0);
	assert_int_equal(r->transitions[0].is_access_time, -1);
	assert_int_equal(r->nc_expiration_days, 20);
	/* A generated ID; the deprecated <Date> reads as CreatedBeforeDate
	 * and is written back as it came. */
	assert_int_equal(strlen(cfg.rules[1].id), 32);
	assert_int_equal(cfg.rules[1].expiration.kind, LC_WHEN_DATE);
	assert_int_equal(lifecycle_check(&cfg, false, "Standard"), ERR_OK);

	buf_init(&b, 1u << 20);
	assert_int_equal(lifecycle_write(&b, &cfg), ERR_OK);
	assert_non_null(strstr(buf_cstr(&b), "<Date>2020-01-01T00:00:00.000Z"
	    "</Date>"));
	assert_int_equal(lifecycle_parse_text(&a, buf_cstr(&b), b.len, &again),
	    ERR_OK);
	buf_init(&b2, 1u << 20);
	assert_int_equal(lifecycle_write(&b2, &again), ERR_OK);
	assert_string_equal(buf_cstr(&b), buf_cstr(&b2));
	buf_free(&b);
	buf_free(&b2);
	arena_free(&a);
}

#define R(body) "<Rule><Prefix>p/</Prefix><Status>Enabled</Status>" body \
	"</Rule>"
#define RP(prefix, body) "<Rule><Prefix>" prefix "</Prefix><Status>Enabled" \
	"</Status>" body "</Rule>"
#define EXP(n) "<Expiration><Days>" #n "</Days></Expiration>"
#define TR(n, sc) "<Transition><Days>" #n "</Days><StorageClass>" sc \
	"</StorageClass></Transition>"
#define NCTR(n, sc) "<NoncurrentVersionTransition><NoncurrentDays>" #n \
	"</NoncurrentDays><StorageClass>" sc "</StorageClass>" \
	"</NoncurrentVersionTransition>"
#define EXPD(d) "<Expiration><CreatedBeforeDate>" d "</CreatedBeforeDate>" \
	"</Expiration>"
#define TRD(d, sc) "<Transition><CreatedBeforeDate>" d \
	"</CreatedBeforeDate><StorageClass>" sc "</StorageClass></Transition>"

static void
test_validation(void **state)
{
	static const struct {
		const char	*rules;
		bool		 overlap;
		enum err	 want;
	} v[] = {
		{ R(EXP(3) TR(4, "IA")), false, ERR_LC_EXPIRE_NOT_AFTER_TRANSITION },
		{ R(EXP(4) TR(4, "IA")), false, ERR_LC_EXPIRE_NOT_AFTER_TRANSITION },
		{ R(TR(5, "IA") TR(2, "Archive")), false, ERR_LC_TRANSITION_ORDER },
		{ R(TR(5, "IA") TR(5, "Archive")), false, ERR_LC_TRANSITION_ORDER },
		{ R(TR(5, "IA") TR(9, "IA")), false, ERR_LC_TRANSITION_ORDER },
		{ R(NCTR(20, "IA") NCTR(12, "Archive")), false, ERR_LC_TRANSITION_ORDER },
		{ R(TR(7, "IA") EXP(6)), false, ERR_LC_EXPIRE_NOT_AFTER_TRANSITION },
		{ R(TR(7, "Standard")), false, ERR_LC_TRANSITION_CLASS },
		{ R(TR(7, "Cold")), false, ERR_LC_TRANSITION_CLASS },
		{ R(EXPD("2016-12-20T00:00:00.000Z") TR(4, "IA")), false, ERR_LC_DATE_WITH_DAYS },
		{ R(EXP(40) TRD("2016-12-25T00:00:00.000Z", "IA")), false, ERR_LC_DATE_WITH_DAYS },
		{ R(EXPD("2016-12-20T00:00:00.000Z") TRD("2016-12-25T00:00:00.000Z", "IA")), false, ERR_OK },
		{ R(EXPD("2016-12-25T00:00:00.000Z") TRD("2016-12-20T00:00:00.000Z", "IA")), false, ERR_LC_EXPIRE_NOT_AFTER_TRANSITION },
		{ R(TR(355, "IA") TR(356, "Archive") EXP(357)), false, ERR_OK },
		{ R(TR(30, "IA") TR(60, "Archive") TR(90, "ColdArchive") TR(120, "DeepColdArchive")), false, ERR_OK },
		{ RP("a/", EXP(10)) RP("a/b", EXP(20)), false, ERR_LC_OVERLAP_EXPIRATION },
		{ RP("a/", EXP(10)) RP("a/b", EXP(20)), true, ERR_OK },
		{ RP("a/", TR(10, "IA")) RP("a/b", TR(20, "IA")), false, ERR_LC_OVERLAP_TRANSITION },
		{ RP("a/", "<AbortMultipartUpload><Days>1</Days></AbortMultipartUpload>")
		  RP("", "<AbortMultipartUpload><Days>2</Days></AbortMultipartUpload>"), false, ERR_LC_OVERLAP_ABORT },
		{ RP("a/", EXP(10)) RP("b/", EXP(20)), false, ERR_OK },
		{ RP("a/", EXP(10)) RP("a/", EXP(20)), true, ERR_LC_SAME_PREFIX },
		{ RP("a/", TR(30, "IA")) RP("a/b", TR(30, "Archive")), true, ERR_LC_OVERLAP_CONFLICT },
		{ RP("a/", EXP(10)) RP("a/b", TR(20, "IA")), false, ERR_LC_OVERLAP_ORDER },
		{ RP("a/", EXP(20)) RP("a/b", TR(20, "IA")), false, ERR_OK },
		{ RP("a/", EXP(10)) RP("a/b", EXPD("2020-01-01T00:00:00.000Z")), true, ERR_LC_OVERLAP_DAYS_DATE },
		{ R("<Transition><Days>3</Days><StorageClass>IA</StorageClass><IsAccessTime>true</IsAccessTime></Transition>"), false, ERR_LC_ACCESS_TIME },
		{ R("<Transition><Days>3</Days><StorageClass>IA</StorageClass><IsAccessTime>false</IsAccessTime></Transition>"), false, ERR_OK },
		{ R("<Expiration><Days>3</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"), false, ERR_LC_DELETE_MARKER_WITH_DAYS },
		{ R("<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"), false, ERR_OK },
		{ R("<Expiration><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker></Expiration>"), false, ERR_LC_BAD_DAYS },
		{ R(EXPD("2020-01-01T08:00:00.000Z")), false, ERR_LC_DATE_NOT_MIDNIGHT },
		{ R(EXPD("yesterday")), false, ERR_MALFORMED_XML },
		{ R(EXP(0)), false, ERR_LC_BAD_DAYS },
		{ R("<Expiration><Days>3</Days><CreatedBeforeDate>2020-01-01T00:00:00.000Z</CreatedBeforeDate></Expiration>"), false, ERR_LC_BAD_DAYS },
		{ R(""), false, ERR_LC_NO_ACTION },
		{ R("<Tag><Key>k</Key><Value>v</Value></Tag><AbortMultipartUpload><Days>1</Days></AbortMultipartUpload>"), false, ERR_LC_TAG_WITH_ABORT },
		{ R("<Filter><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>10</ObjectSizeLessThan></Filter>" EXP(1)), false, ERR_LC_BAD_FILTER },
		{ R("<Filter><Not></Not></Filter>" EXP(1)), false, ERR_LC_BAD_FILTER },
		{ "<Rule><Prefix>p</Prefix>" EXP(1) "</Rule>", false, ERR_MALFORMED_XML },
		{ "<Rule><Prefix>p</Prefix><Status>On</Status>" EXP(1) "</Rule>", false, ERR_MALFORMED_XML },
		{ "", false, ERR_MALFORMED_XML },
		{ "<Rule><ID>x</ID><Prefix>a</Prefix><Status>Enabled</Status>" EXP(1) "</Rule>"
		  "<Rule><ID>x</ID><Prefix>b</Prefix><Status>Enabled</Status>" EXP(1) "</Rule>", false, ERR_LC_BAD_ID },
	};
	char id[300];
	char *big;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		enum err r = put(v[i].rules, v[i].overlap);

		if (r != v[i].want)
			fail_msg("row %zu: got %s, want %s", i, err_name(r),
			    err_name(v[i].want));
	}
	/* An ID of 255 bytes is fine, 256 is not. */
	memset(id, 'i', sizeof(id));
	big = malloc(2048);
	assert_non_null(big);
	snprintf(big, 2048, "<Rule><ID>%.255s</ID><Prefix></Prefix><Status>"
	    "Enabled</Status>" EXP(1) "</Rule>", id);
	assert_int_equal(put(big, false), ERR_OK);
	snprintf(big, 2048, "<Rule><ID>%.256s</ID><Prefix></Prefix><Status>"
	    "Enabled</Status>" EXP(1) "</Rule>", id);
	assert_int_equal(put(big, false), ERR_LC_BAD_ID);
	free(big);
	/* Transitions in an Archive bucket. */
	{
		struct lifecycle_config cfg;
		struct arena a;

		arena_init(&a, 1u << 20);
		assert_int_equal(parse(&a, R(TR(3, "ColdArchive")), &cfg),
		    ERR_OK);
		assert_int_equal(lifecycle_check(&cfg, false, "Archive"),
		    ERR_LC_ARCHIVE_BUCKET);
		assert_int_equal(lifecycle_check(&cfg, false, "IA"), ERR_OK);
		arena_free(&a);
	}
}

static void
test_rule_limit(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 4u << 20);
	for (int i = 0; i < 1001; i++) {
		if (i == 1000)
			assert_int_equal(put(buf_cstr(&b), false), ERR_OK);
		assert_int_equal(buf_printf(&b, "<Rule><ID>r%d</ID><Prefix>k%04d/"
		    "</Prefix><Status>Enabled</Status>" EXP(1) "</Rule>", i, i),
		    ERR_OK);
	}
	assert_int_equal(put(buf_cstr(&b), false), ERR_LC_TOO_MANY_RULES);
	buf_free(&b);
}

static void
test_storage(void **state)
{
	struct lifecycle_progress p, q;
	struct lifecycle_ref refs[4];
	struct arena a;
	struct db *db;
	const char *doc = NULL;
	char *dir, path[512];
	int64_t now = JUL20 + 12 * HOUR, today = now / DAY;
	size_t n = 9;

	(void)state;
	log_set_level(LOG_LEVEL_ERR);
	dir = test_tmpdir("lifecycle");
	snprintf(path, sizeof(path), "%s/coffer.db", dir);
	assert_int_equal(db_open(path, &db), ERR_OK);
	assert_int_equal(test_db_seal(db), 0);
	assert_int_equal(test_audit_mac_install(db), 0);
	assert_int_equal(db_exec(db, "INSERT INTO accounts (id, account_id,"
	    " name, created_ms) VALUES (1, '1000000000000001', 'alice', 0);"
	    "INSERT INTO buckets (id, name, owner, region, storage_class,"
	    " redundancy, acl, created_ms) VALUES"
	    " (1, 'one', 1, 'cn-hangzhou', 'Standard', 'LRS', 'private', 0),"
	    " (2, 'two', 1, 'cn-hangzhou', 'Standard', 'LRS', 'private', 0)"),
	    ERR_OK);
	arena_init(&a, 1u << 20);

	assert_int_equal(lifecycle_get(db, &a, 1, &doc), ERR_NO_SUCH_LIFECYCLE);
	assert_int_equal(lifecycle_progress_get(db, 1, &p),
	    ERR_NO_SUCH_LIFECYCLE);
	assert_int_equal(lifecycle_delete(db, 1, now, "t", "one"), ERR_OK);
	assert_int_equal(lifecycle_put(db, 1, "<doc1/>", now, "t", "one"),
	    ERR_OK);
	assert_int_equal(lifecycle_get(db, &a, 1, &doc), ERR_OK);
	assert_string_equal(doc, "<doc1/>");
	/* The first run is the day after the Put. */
	assert_int_equal(lifecycle_progress_get(db, 1, &p), ERR_OK);
	assert_int_equal(p.last_day, today);
	assert_int_equal(p.run_day, 0);
	assert_int_equal(lifecycle_due(db, today, refs, 4, &n), ERR_OK);
	assert_int_equal(n, 0);
	assert_int_equal(lifecycle_due(db, today + 1, refs, 4, &n), ERR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(refs[0].bucket_id, 1);
	assert_string_equal(refs[0].name, "one");

	/* A run in progress is due whatever the day. */
	p.run_day = today + 1;
	p.phase = 1;
	str_copy(p.cursor, sizeof(p.cursor), "k/42");
	p.scanned = 42;
	assert_int_equal(lifecycle_progress_put(db, &p), ERR_OK);
	assert_int_equal(lifecycle_due(db, today, refs, 4, &n), ERR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(lifecycle_progress_get(db, 1, &q), ERR_OK);
	assert_int_equal(q.run_day, today + 1);
	assert_int_equal(q.phase, 1);
	assert_string_equal(q.cursor, "k/42");
	assert_int_equal(q.scanned, 42);

	/* A new Put restarts the schedule; the old run's writes lose. */
	assert_int_equal(lifecycle_put(db, 1, "<doc2/>", now + DAY, "t", "one"),
	    ERR_OK);
	assert_int_equal(lifecycle_progress_put(db, &p), ERR_CONFLICT);
	assert_int_equal(lifecycle_progress_get(db, 1, &q), ERR_OK);
	assert_int_equal(q.run_day, 0);
	assert_int_equal(q.last_day, today + 1);
	assert_int_equal(q.scanned, 0);
	assert_true(q.config_gen > p.config_gen);

	/* Delete; a dropped bucket takes its configuration along. */
	assert_int_equal(lifecycle_delete(db, 1, now, "t", "one"), ERR_OK);
	assert_int_equal(lifecycle_get(db, &a, 1, &doc), ERR_NO_SUCH_LIFECYCLE);
	assert_int_equal(lifecycle_progress_put(db, &q), ERR_CONFLICT);
	assert_int_equal(lifecycle_put(db, 2, "<doc/>", now, "t", "two"),
	    ERR_OK);
	assert_int_equal(db_exec(db, "DELETE FROM buckets WHERE id = 2"),
	    ERR_OK);
	assert_int_equal(lifecycle_get(db, &a, 2, &doc), ERR_NO_SUCH_LIFECYCLE);

	arena_free(&a);
	db_close(db);
	test_rmrf(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_worked_example),
		cmocka_unit_test(test_created_before),
		cmocka_unit_test(test_disabled_and_filters),
		cmocka_unit_test(test_transitions),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_expiry_header_and_abort),
		cmocka_unit_test(test_parse_any_order_and_round_trip),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_rule_limit),
		cmocka_unit_test(test_storage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
