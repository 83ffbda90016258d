/* SPDX-License-Identifier: ISC */
/*
 * oss_int.h: what the OSS listener's sources share: the call context, the
 * route table's types, the pipeline's helpers and the handlers.
 */
#ifndef COFFER_OSS_OSS_INT_H
#define COFFER_OSS_OSS_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/api_int.h"
#include "auth/auth.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/kv.h"
#include "bucket/bucket.h"
#include "db/db.h"
#include "http/http.h"
#include "oss/oss.h"

struct call;
struct route;
struct xml_node;
struct upload;

enum api_level {
	LEVEL_SERVICE,	/* no bucket */
	LEVEL_BUCKET,	/* bucket, no key */
	LEVEL_OBJECT,	/* bucket and key */
};

/* Route flags: the generic checks dispatch runs before a handler. */
#define R_ANONYMOUS	0x0001	/* no authentication (health, metrics) */
#define R_BUCKET	0x0002	/* load the bucket: NoSuchBucket */
#define R_OWNER		0x0004	/* caller must own the bucket */
#define R_READ		0x0008	/* owner, or ACL public-read(-write) */
#define R_WRITE		0x0010	/* owner, or ACL public-read-write */
#define R_BODY_XML	0x0020	/* buffer the body (max_body) for the handler */
#define R_BODY_STREAM	0x0040	/* stream the body into an upload */
#define R_MUTATES_OBJECT 0x0080	/* changes an existing object: WORM guard */
#define R_INTERNAL	0x0100	/* /-/ endpoints */
#define R_VERSION_ID	0x0200	/* takes ?versionId (else it is refused) */
#define R_FORM		0x0400	/* PostObject: the form signs, the form
				 * decides access; body to post_object_body */

#define ROUTE_QUERY_MAX 3

struct route {
	const char	*op;		/* OSS operation name, for logs/metrics */
	const char	*method;
	enum api_level	 level;
	/* Query terms the request must have: "key" (present, any value) or
	 * "key=value". Together they must name every operation key of the
	 * request (auth/subres.c), or another row is meant. */
	const char	*query[ROUTE_QUERY_MAX];
	const char	*path;		/* R_INTERNAL: the /-/ path */
	const char	*header;	/* header that must be present, or NULL */
	unsigned	 flags;
	size_t		 max_body;
	/* Optional: runs after the generic checks, before the body. */
	enum err	(*begin)(struct call *c);
	/* Runs once the body is complete; fills the response or returns an
	 * error for api_error to render. */
	enum err	(*handler)(struct call *c);
};

extern const struct route api_routes[];
extern const unsigned api_nroutes;

/* Error extras: the per-code elements of <Error> (spec oss-api.md §1.1). */
struct err_extra {
	const char	*bucket;	/* BucketName */
	const char	*key;		/* Key */
	const char	*ak;		/* OSSAccessKeyId */
	const char	*sig;		/* SignatureProvided */
	const char	*sts;		/* StringToSign (+ StringToSignBytes) */
	const char	*request_time;	/* RequestTime */
	const char	*server_time;	/* ServerTime */
	const char	*arg_name;	/* ArgumentName */
	const char	*arg_value;	/* ArgumentValue */
	const char	*condition;	/* Condition */
	const char	*cname_type;	/* CnameType */
	const char	*endpoint;	/* Endpoint */
	const char	*method;	/* Method */
	const char	*resource_type;	/* ResourceType */
	bool		 has_next_append;
	uint64_t	 next_append;	/* x-oss-next-append-position header */
	/* a delete marker answered for: x-oss-delete-marker and its
	 * x-oss-version-id headers; allow: an Allow header */
	const char	*marker_version_id;
	const char	*allow;
	const char	*message;	/* replaces the row's Message */
};

/* The OSS listener: the shared context and what only this listener keeps. */
struct oss {
	struct api		*api;
	char			 play_base[112];	/* "http://HOST:PORT" */
	char			 publish_base[112];	/* "rtmp://..."; "" = none */
	bool			 tls;		/* the listener's */
};

/* Per-request state, in the request arena, owned by dispatch. */
struct call {
	struct api		*api;
	bool			 gated;		/* inside the key gate */
	struct oss		*oss;
	struct http_request	*req;
	struct arena		*a;
	char			 request_id[25];
	const struct route	*route;
	unsigned		 route_index;	/* api_nroutes = none */
	bool			 head;		/* HEAD request: no body */
	/* target */
	const char		*host;		/* lower-case, without port */
	const char		*cname_host;	/* a custom domain, or NULL */
	const char		*region;	/* of the endpoint */
	bool			 region_explicit;/* the Host named a region */
	bool			 vhost;		/* the Host named the bucket */
	const char		*raw_path;	/* the target's path, undecoded */
	enum api_level		 level;
	const char		*bucket_name;	/* decoded; NULL at service level */
	const char		*key;		/* decoded; NULL below object level */
	struct kv		*query;		/* decoded, in order */
	size_t			 nquery;
	/* identity */
	bool			 anonymous;
	bool			 authed;	/* signature verified */
	bool			 s3_signed;	/* with an Amazon S3 signature */
	/* The x-amz-* headers the signature covers: "*" all (S3 V2, or no
	 * signature to bypass), a SignedHeaders list (S3 V4), NULL none
	 * (OSS signatures sign only x-oss-*). */
	const char		*amz_signed;
	bool			 presigned;	/* signed in the query */
	const char		*claimed_ak;	/* the request's access key id */
	struct auth_account	 account;
	/* the bucket, when the route needs it */
	bool			 have_bucket;
	struct bucket		 bucket;
	/* The bucket's stored configurations (conf_io.c), read at their
	 * first use in one statement and then served from here; dropped when
	 * this request may have changed them (conf_put, conf_delete, and
	 * after the handler of anything but a GET or HEAD). */
	struct {
		int64_t			 bucket;	/* 0: not read */
		size_t			 n;
		struct bucket_conf_doc	 d[BUCKET_CONF_KINDS];
	}			 conf;
	/* body */
	struct buf		 body;		/* R_BODY_XML */
	struct upload		*upload;	/* R_BODY_STREAM */
	struct s3_body		*s3;		/* a SigV4 body to check/decode */
	/* static website serving (website.c): the ErrorDocument and its
	 * status for a missing object, or a redirect to answer instead */
	const char		*web_error_key;
	int			 web_error_status;
	const char		*web_redirect;
	/* operation-specific state carried from route begin to handler */
	void			*op;
	/* outcome */
	enum err		 err;
	uint64_t		 resp_len;	/* body length answered */
	struct err_extra	 x;
	/* the audit row of a PUT, POST or DELETE (call.c) */
	bool			 audited;
	bool			 audit_final;	/* fields past the pipeline */
	struct db_audit_req	 audit;
};

/* ---- s3_compat.c: S3 clients' bodies and headers ---- */
struct auth_input;
struct auth_parsed;
/* After a verified signature: what x-amz-content-sha256 asks of the body
 * (c->s3 stays NULL when nothing). ERR_INVALID_ARGUMENT,
 * ERR_AUTH_UNSUPPORTED, ERR_NOMEM. */
enum err s3_body_begin(struct call *c, const struct auth_input *in,
    const struct auth_parsed *p, const char *secret);
/* Passes body bytes (decoded) to sink(c, ...). */
enum err s3_body_feed(struct call *c, const char *p, size_t n,
    enum err (*sink)(void *ctx, const char *p, size_t n));
/* The body has ended: ERR_S3_SHA256_MISMATCH, ERR_S3_CHUNK_MALFORMED. */
enum err s3_body_end(struct call *c);
void s3_body_free(struct call *c);
/* Adds the x-oss-* twins of the request's x-amz-* headers that
 * c->amz_signed covers. */
enum err s3_alias_headers(struct call *c);
/* The answer to an S3-signed request as S3 tools read it (ETag case). */
void s3_response_fixup(struct call *c);

/* ---- call.c: the request as handlers see it ---- */
const char *call_query(const struct call *c, const char *name);
bool call_has_query(const struct call *c, const char *name);
const char *call_header(const struct call *c, const char *lname);
enum err call_resp_header(struct call *c, const char *name, const char *value);
enum err call_resp_headerf(struct call *c, const char *name,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Sets status and takes ownership of a finished XML/JSON buffer. */
void call_resp_buf(struct call *c, int status, const char *content_type,
    struct buf *b);
void call_resp_empty(struct call *c, int status);
int64_t call_now(const struct call *c);
/* Test hook (--test-hooks only): sleeps for the milliseconds of the
 * request's x-coffer-test-pause-ms header, so a test can make two requests
 * race deterministically between read and commit. */
void call_test_pause(struct call *c);
/* The form of a versionId value (query or copy source): ERR_OK for none
 * or a well-formed id, else ERR_VERSION_ID_EMPTY / _INVALID. */
enum err call_check_version_id(struct call *c, const char *v);
/* The bucket the request names into c->bucket (have_bucket set):
 * InvalidBucketName or NoSuchBucket with the name in the error. */
enum err call_load_bucket(struct call *c);
/*
 * The audit trail (README "Audit trail"): every PUT, POST and DELETE,
 * whatever route it reaches or fails to, gets one row "oss.<operation>"
 * with the principal, bucket/key, and "ok" or the error code. Start at
 * arrival; enter/leave around each step that may commit (route begin,
 * body, handler), so that the commit carries the row (db_audit_scope);
 * finish with the outcome before answering. finish returns r, or
 * ERR_AUDIT_UNAVAILABLE when a success could not be recorded (the client
 * is then told 500, nothing having changed). A refusal whose row cannot
 * be written stays the refusal it was (logged).
 */
void call_audit_start(struct call *c);
void call_audit_enter(struct call *c);
void call_audit_leave(struct call *c);
enum err call_audit_finish(struct call *c, enum err r);

/* ---- cors_rules.c ---- */
/* The request body's CORSConfiguration, checked, as the document to store. */
enum err cors_canonical(struct call *c, struct buf *out);
/* The bucket's stored CORSConfiguration; ERR_NO_SUCH_CORS when none. */
enum err cors_doc(struct call *c, const char **ret);
/* Answers a preflight from the bucket's rules (c->bucket loaded). */
enum err cors_preflight(struct call *c);
/* Adds the CORS headers of the bucket's first rule that takes the request,
 * and Vary when the configuration asks for it; last, on every response. */
void cors_decorate(struct call *c);

/* ---- router.c ---- */
/* Splits the raw request target into level, bucket, key and query, using
 * the Host rules of spec/clients.md §1.2. */
enum err router_parse_target(struct call *c);
/* Picks the route for the parsed request; ERR_METHOD_NOT_ALLOWED or
 * ERR_NOT_IMPLEMENTED when there is none. */
enum err router_match(struct call *c);
/* Whether row rt takes the parsed request (exported for tests). */
bool router_route_matches(const struct call *c, const struct route *rt);

/* ---- conf_io.c: the stored bucket configurations ---- */
struct xml_node;
/* Kinds: the CHECK list of schema 0018. */
#define CONF_POLICY	"policy"
#define CONF_REFERER	"referer"
#define CONF_TAGGING	"tagging"
#define CONF_PAYMENT	"requestPayment"
#define CONF_WEBSITE	"website"
#define CONF_LOGGING	"logging"
#define CONF_PAB	"publicAccessBlock"
#define CONF_CORS	"cors"

/* root re-written canonically (declaration, no whitespace) into b. */
enum err conf_xml_text(const struct xml_node *root, struct buf *b);
enum err conf_put(struct call *c, const char *kind, const char *doc);
enum err conf_put_xml(struct call *c, const char *kind,
    const struct xml_node *root);
enum err conf_delete(struct call *c, const char *kind);
/* ERR_NOT_FOUND when the bucket has none. */
enum err conf_get(struct call *c, const char *kind, const char **ret);
/* The same for bucket b, the request's or another (CopyObject's source). */
enum err conf_get_of(struct call *c, const struct bucket *b, const char *kind,
    const char **ret);
enum err conf_get_xml(struct call *c, const char *kind,
    struct xml_node **ret);
/* 200 with doc as the body. */
enum err conf_answer(struct call *c, const char *doc, const char *type);

/* access.c: whether the bucket's public access block is on. */
bool conf_public_blocked(struct call *c);

/* ---- website.c ---- */
/* Before the access check: an anonymous GET or HEAD of a bucket with a
 * website configuration becomes GetObject/HeadObject of the document it
 * serves (c->route, c->level, c->key), and the error document or the
 * redirect are noted for the handler. */
enum err website_reroute(struct call *c);

/* ---- access.c ---- */
/* The access decision of the pipeline: policy, ACLs, referer, payer. */
enum err access_check(struct call *c);
/* The same for action on key of bucket b (not necessarily the request's):
 * its policy, its public access block, then object_acl (NULL: none, the
 * bucket's decides) for a read or a write. ERR_POLICY_DENIED for a Deny. */
enum err access_object(struct call *c, const struct bucket *b,
    const char *action, const char *key, const char *object_acl, bool write);
/* refused[i] = ERR_POLICY_DENIED where c->bucket's policy has an explicit
 * Deny for action on keys[i], else ERR_OK: a request let in for the
 * bucket, refused for some keys (DeleteMultipleObjects). */
enum err access_keys_denied(struct call *c, const char *action,
    const char *const *keys, size_t n, enum err *refused);

/* ---- access_line.c ---- */
/* When the request's bucket has logging enabled, queues its access-log
 * line (us: microseconds from arrival to the end of the answer). Last,
 * once the response is sent. */
void oss_access_line(struct call *c, int64_t us);

/* ---- error.c ---- */
/* Renders c->err with c->x as the OSS error response. */
void oss_error_render(struct call *c);

/* ---- metrics.c ---- */
/* Both listeners' counters live in the shared context (api/reqstats.h);
 * the OSS listener owns its own and renders everything /-/metrics shows. */
enum err metrics_init(struct oss *oss);
void metrics_free(struct oss *oss);
enum err metrics_render(struct oss *oss, struct buf *b);

/* ---- xml.c ---- */
struct xml_writer;
enum err call_parse_xml(struct call *c, struct xml_node **ret_root);
/* Finishes w and makes b the 200 application/xml response. */
enum err call_resp_xml(struct call *c, struct xml_writer *w, struct buf *b);
/* <name>v</name>, URL-encoded when url (encoding-type=url). */
void xml_elem_url(struct xml_writer *w, const char *name, const char *v,
    bool url);
/* The AccessControlPolicy document of a bucket or an object. */
void oss_xml_acl(struct xml_writer *w, const char *owner, const char *grant);

/* ---- handlers ---- */
enum err h_health(struct call *c);
enum err h_metrics(struct call *c);
enum err h_list_buckets(struct call *c);
enum err h_put_bucket(struct call *c);
enum err h_delete_bucket(struct call *c);
enum err h_head_bucket(struct call *c);
enum err h_get_bucket_info(struct call *c);
enum err h_get_bucket_location(struct call *c);
enum err h_get_bucket_stat(struct call *c);
enum err h_get_bucket_acl(struct call *c);
enum err h_put_bucket_acl(struct call *c);
enum err h_list_objects(struct call *c);
enum err h_list_object_versions(struct call *c);	/* versions.c */
enum err h_delete_multiple(struct call *c);
enum err h_put_object_begin(struct call *c);
enum err h_put_object(struct call *c);
enum err h_get_object(struct call *c);
enum err h_head_object(struct call *c);
enum err h_get_object_meta(struct call *c);
enum err h_delete_object(struct call *c);
enum err h_get_object_acl(struct call *c);
enum err h_put_object_acl(struct call *c);
enum err h_append_object_begin(struct call *c);
enum err h_append_object(struct call *c);
enum err h_put_object_tagging(struct call *c);
enum err h_get_object_tagging(struct call *c);
enum err h_delete_object_tagging(struct call *c);
enum err h_initiate_multipart(struct call *c);
enum err h_upload_part_begin(struct call *c);
enum err h_upload_part(struct call *c);
enum err h_upload_part_copy(struct call *c);
enum err h_complete_multipart(struct call *c);
enum err h_abort_multipart(struct call *c);
enum err h_list_multipart_uploads(struct call *c);
enum err h_list_parts(struct call *c);
enum err h_copy_object(struct call *c);
enum err h_restore_object(struct call *c);
enum err h_put_symlink(struct call *c);		/* symlink.c */
enum err h_get_symlink(struct call *c);
enum err h_clean_restored_object(struct call *c);
enum err h_put_bucket_encryption(struct call *c);
enum err h_put_bucket_versioning(struct call *c);
enum err h_get_bucket_versioning(struct call *c);
enum err h_get_bucket_encryption(struct call *c);
enum err h_delete_bucket_encryption(struct call *c);
/* worm.c */
enum err h_initiate_worm(struct call *c);
enum err h_abort_worm(struct call *c);
enum err h_get_worm(struct call *c);
enum err h_extend_worm(struct call *c);
enum err h_complete_worm(struct call *c);
/* cname.c */
enum err h_create_cname_token(struct call *c);
enum err h_get_cname_token(struct call *c);
enum err h_put_cname(struct call *c);
enum err h_delete_cname(struct call *c);
enum err h_list_cname(struct call *c);
/* live.c */
enum err h_put_live_channel(struct call *c);
enum err h_get_live_channel(struct call *c);
enum err h_delete_live_channel(struct call *c);
enum err h_put_live_channel_status(struct call *c);
enum err h_get_live_channel_stat(struct call *c);
enum err h_get_live_channel_history(struct call *c);
enum err h_list_live_channels(struct call *c);
enum err h_post_vod_playlist(struct call *c);
enum err h_get_vod_playlist(struct call *c);
/* retention.c */
enum err h_put_object_worm(struct call *c);
enum err h_get_object_worm(struct call *c);
enum err h_put_object_retention(struct call *c);
enum err h_get_object_retention(struct call *c);
enum err h_put_object_legal_hold(struct call *c);
enum err h_get_object_legal_hold(struct call *c);
/* inventory.c */
enum err h_put_inventory(struct call *c);
enum err h_get_inventory(struct call *c);
enum err h_delete_inventory(struct call *c);
enum err h_list_inventory(struct call *c);

/* postobject.c */
enum err h_post_object_begin(struct call *c);
enum err h_post_object(struct call *c);
enum err post_object_body(struct call *c, const char *p, size_t n);

/* cors.c */
enum err h_put_cors(struct call *c);
enum err h_get_cors(struct call *c);
enum err h_delete_cors(struct call *c);
enum err h_options(struct call *c);
/* bucket_conf.c, bucket_policy.c: stored bucket configurations */
enum err h_put_bucket_tags(struct call *c);
enum err h_get_bucket_tags(struct call *c);
enum err h_delete_bucket_tags(struct call *c);
enum err h_put_bucket_referer(struct call *c);
enum err h_get_bucket_referer(struct call *c);
enum err h_put_bucket_request_payment(struct call *c);
enum err h_get_bucket_request_payment(struct call *c);
enum err h_put_bucket_website(struct call *c);
enum err h_get_bucket_website(struct call *c);
enum err h_delete_bucket_website(struct call *c);
enum err h_put_bucket_logging(struct call *c);
enum err h_get_bucket_logging(struct call *c);
enum err h_delete_bucket_logging(struct call *c);
enum err h_put_bucket_pab(struct call *c);
enum err h_get_bucket_pab(struct call *c);
enum err h_delete_bucket_pab(struct call *c);
enum err h_put_bucket_policy(struct call *c);
enum err h_get_bucket_policy(struct call *c);
enum err h_delete_bucket_policy(struct call *c);
enum err h_get_bucket_policy_status(struct call *c);

/* lifecycle.c */
enum err h_put_lifecycle(struct call *c);
enum err h_get_lifecycle(struct call *c);
enum err h_delete_lifecycle(struct call *c);

#endif
