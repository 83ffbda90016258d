/* SPDX-License-Identifier: ISC */
/*
 * lifecycle.h: bucket lifecycle configurations (L2; spec oss-api-2.md §2).
 *
 * Four parts, each in its own file:
 *   lifecycle_xml.c     the LifecycleConfiguration document, both ways;
 *   lifecycle_check.c   the validation rows of §2.3 that need nothing but
 *                       the document (and the bucket's storage class);
 *   lifecycle_decide.c  what a rule set does to one object at one daily run:
 *                       a pure function, so the runner (daemon/jobs/), the
 *                       x-oss-expiration header (daemon/oss/) and the unit
 *                       tests ask the same question the same way;
 *   lifecycle_db.c      the stored document and the runner's progress.
 *
 * Deleting, transitioning and aborting need buckets, objects and the WORM
 * guard, which this module may not touch (same layer): the runner lives in
 * daemon/jobs/lifecycle_job.c and only asks in here what to do.
 *
 * Times are business-clock milliseconds since the Unix epoch. Rules run
 * daily at 00:00 UTC (§2.4): a run is named by its day number
 * (ms / LIFECYCLE_DAY_MS) and decides as of that midnight.
 */
#ifndef COFFER_LIFECYCLE_LIFECYCLE_H
#define COFFER_LIFECYCLE_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct arena;
struct buf;
struct db;
struct xml_node;

#define LIFECYCLE_DAY_MS	86400000LL
#define LIFECYCLE_RULES_MAX	1000
#define LIFECYCLE_ID_MAX	255	/* bytes */
#define LIFECYCLE_PREFIX_MAX	1023
#define LIFECYCLE_DAYS_MAX	36500	/* a century: keeps due dates in range */
#define LIFECYCLE_CLASS_MAX	24

/* When an action applies: after N days, or to objects created before a
 * UTC midnight. */
enum lifecycle_when_kind {
	LC_WHEN_NONE,
	LC_WHEN_DAYS,
	LC_WHEN_DATE,
};

struct lifecycle_when {
	enum lifecycle_when_kind kind;
	uint32_t		 days;
	int64_t			 date_ms;	/* CreatedBeforeDate, a midnight */
};

struct lifecycle_tag {
	const char	*key;
	const char	*value;
};

/* <Not>: objects under prefix (and carrying tag, when given) are excluded. */
struct lifecycle_not {
	const char		*prefix;	/* "" when absent */
	bool			 has_tag;
	struct lifecycle_tag	 tag;
};

struct lifecycle_transition {
	struct lifecycle_when	 when;		/* NoncurrentDays: kind DAYS */
	char			 storage_class[LIFECYCLE_CLASS_MAX];
	/* Kept for the round trip; IsAccessTime=true is refused (no access
	 * monitor), the other two change nothing here. */
	int8_t			 is_access_time;	/* -1 absent, 0, 1 */
	int8_t			 return_to_std;
	int8_t			 allow_small_file;
};

struct lifecycle_rule {
	const char			*id;
	const char			*prefix;
	bool				 enabled;
	/* Filter */
	bool				 has_filter;
	struct lifecycle_not		*nots;
	size_t				 nnots;
	bool				 has_size_gt, has_size_lt;
	uint64_t			 size_gt, size_lt;
	/* Tag: all must be on the object */
	struct lifecycle_tag		*tags;
	size_t				 ntags;
	/* Expiration */
	bool				 has_expiration;
	struct lifecycle_when		 expiration;
	int8_t				 eodm;	/* ExpiredObjectDeleteMarker: -1 absent */
	bool				 expiration_date_tag;	/* given as <Date> */
	struct lifecycle_transition	*transitions;
	size_t				 ntransitions;
	bool				 has_abort;
	struct lifecycle_when		 abort;
	bool				 has_nc_expiration;
	uint32_t			 nc_expiration_days;
	struct lifecycle_transition	*nc_transitions;
	size_t				 nnc_transitions;
	bool				 has_atime_base;
	int64_t				 atime_base;
};

struct lifecycle_config {
	struct lifecycle_rule	*rules;
	size_t			 nrules;
};

/* ---- lifecycle_xml.c ---- */

/* root -> cfg (allocated from a). Children are read whatever their order.
 * ERR_MALFORMED_XML for a document that does not have the schema's shape
 * (wrong root, a missing Status, a number or date that does not parse),
 * else the rows of lifecycle_check for what only the parser sees. A rule
 * without an ID gets a generated one. */
enum err lifecycle_parse(struct arena *a, const struct xml_node *root,
    struct lifecycle_config *cfg);
/* Parses a stored or received document (text of n bytes). */
enum err lifecycle_parse_text(struct arena *a, const char *text, size_t n,
    struct lifecycle_config *cfg);
/* The LifecycleConfiguration document of cfg, with the XML declaration. */
enum err lifecycle_write(struct buf *b, const struct lifecycle_config *cfg);

/* ---- lifecycle_check.c ---- */

/* The validation of §2.3. allow_overlap: x-oss-allow-same-action-overlap
 * was true. bucket_class: the bucket's storage class (transitions are
 * refused in an Archive-class bucket). */
enum err lifecycle_check(const struct lifecycle_config *cfg,
    bool allow_overlap, const char *bucket_class);
/* Rank of a storage class, coldest highest (Standard 0 .. DeepColdArchive
 * 4); -1 when unknown. */
int lifecycle_class_rank(const char *sc);

/* ---- lifecycle_decide.c: the pure decision ---- */

/* What the runner knows about one object version. For today's unversioned
 * buckets is_latest is true and the rest false/0. */
struct lifecycle_object {
	const char	*key;
	uint64_t	 size;
	const char	*tags;		/* "k1=v1&k2=v2", URL-encoded; NULL: none */
	int64_t		 mtime_ms;
	const char	*storage_class;
	bool		 is_latest;
	bool		 is_delete_marker;
	bool		 sole_version;	/* a delete marker with no other version */
	int64_t		 noncurrent_since_ms;	/* when it stopped being latest */
};

enum lifecycle_verdict {
	LC_NONE,
	LC_EXPIRE,		/* current version: delete it (versioned: add a DM) */
	LC_TRANSITION,		/* change the storage class to decision.storage_class */
	LC_DELETE_VERSION,	/* a noncurrent version or DM: remove it for good */
	LC_DELETE_MARKER,	/* an expired delete marker (sole version): remove */
};

struct lifecycle_decision {
	enum lifecycle_verdict	 verdict;
	const char		*rule_id;
	char			 storage_class[LIFECYCLE_CLASS_MAX];
	int64_t			 due_ms;	/* when it became due */
};

/* Day boundaries: the first 00:00 UTC at or after ms, and a day's start. */
int64_t lifecycle_ceil_day(int64_t ms);
int64_t lifecycle_day_start(int64_t day);

/* Whether rule r (enabled or not) selects o: prefix, Filter and Tag. */
bool lifecycle_rule_matches(const struct lifecycle_rule *r,
    const struct lifecycle_object *o);

/* What the daily run at run_ms (a midnight) does to o under cfg. Disabled
 * rules do nothing. Deletion beats transition; of the due transitions the
 * coldest wins, and only when it is colder than the object's class (a
 * transition never warms an object). Versions modified after run_ms are
 * left alone (they did not exist at that run). */
enum lifecycle_verdict lifecycle_decide(const struct lifecycle_config *cfg,
    const struct lifecycle_object *o, int64_t run_ms,
    struct lifecycle_decision *ret);

/* The x-oss-expiration of a current object: the earliest expiry of the
 * enabled Expiration rules that select o (Days: its due date; a
 * CreatedBeforeDate that selects o: that date). False when none. */
bool lifecycle_expiry(const struct lifecycle_config *cfg,
    const struct lifecycle_object *o, int64_t *ret_ms, const char **ret_rule);

/* Whether the run at run_ms aborts a multipart upload of key initiated at
 * initiated_ms (AbortMultipartUpload of an enabled rule whose prefix
 * selects key). */
bool lifecycle_abort_due(const struct lifecycle_config *cfg, const char *key,
    int64_t initiated_ms, int64_t run_ms, const char **ret_rule);

/* ---- lifecycle_db.c: storage and progress ---- */

/* Where the runner stands for one bucket. */
struct lifecycle_progress {
	int64_t	 bucket_id;
	int64_t	 config_gen;	/* bumped by every Put: a run in progress of an
				 * older configuration stops */
	int64_t	 last_day;	/* last completed daily run (a day number) */
	int64_t	 run_day;	/* run in progress, 0: none */
	int	 phase;		/* 0 objects, 1 multipart uploads */
	char	 cursor[LIFECYCLE_PREFIX_MAX + 1];	/* last key done */
	int64_t	 scanned, expired, transitioned, skipped, aborted;
	int64_t	 updated_ms;
};

/* Replaces the bucket's configuration (document text) and audits it.
 * Runs scheduled later start the day after now_ms (§2.4: a changed rule
 * suspends that day's pending work). */
enum err lifecycle_put(struct db *db, int64_t bucket_id, const char *doc,
    int64_t now_ms, const char *actor, const char *bucket_name);
/* The document (arena copy); ERR_NO_SUCH_LIFECYCLE when none. */
enum err lifecycle_get(struct db *db, struct arena *a, int64_t bucket_id,
    const char **ret_doc);
/* Idempotent; audited. */
enum err lifecycle_delete(struct db *db, int64_t bucket_id, int64_t now_ms,
    const char *actor, const char *bucket_name);
/* The progress row; ERR_NO_SUCH_LIFECYCLE when the bucket has none. */
enum err lifecycle_progress_get(struct db *db, int64_t bucket_id,
    struct lifecycle_progress *ret);
/* Stores p (compare-and-set on config_gen: ERR_CONFLICT when the
 * configuration was replaced or deleted meanwhile). */
enum err lifecycle_progress_put(struct db *db,
    const struct lifecycle_progress *p);
/* A bucket with a configuration, by id and name. */
struct lifecycle_ref {
	int64_t	bucket_id;
	char	name[64];
};
/* Up to max buckets with a configuration whose next run (last_day + 1)
 * is at or before today, or with a run in progress. */
enum err lifecycle_due(struct db *db, int64_t today,
    struct lifecycle_ref *out, size_t max, size_t *ret_n);
/* One audit row of the runner (action "lifecycle.<what>", target
 * "bucket/key"), in the caller's transaction if one is open. */
enum err lifecycle_audit(struct db *db, int64_t now_ms, const char *actor,
    const char *what, const char *bucket_name, const char *key,
    const char *result, const char *detail);

#endif
