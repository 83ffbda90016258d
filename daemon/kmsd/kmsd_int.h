/* SPDX-License-Identifier: ISC */
/*
 * kmsd_int.h: what the sources of the KMS listener share (dispatch.c,
 * params.c, actions.c). Nothing outside daemon/kmsd/ includes it; main.c
 * sees only kmsd.h.
 *
 * The KMS listener is a separate front end from OSS: its own http handler,
 * its own action table (the RPC "Action" parameter, not a route by path),
 * parameters from the query string and a form body alike, JSON replies
 * through codec/json.h, and JSON errors rendered from the err table's KMS
 * columns by one function (kms_error_render).
 */
#ifndef COFFER_KMSD_KMSD_INT_H
#define COFFER_KMSD_KMSD_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "api/api_int.h"
#include "auth/auth.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/kv.h"
#include "http/http.h"
#include "codec/json.h"
#include "db/db.h"
#include "kms/kms.h"
#include "kmsd/kmsd.h"

struct auth_nonce_cache;

/* KMS 2016-01-20 only. */
#define KMS_API_VERSION		"2016-01-20"
/*
 * What a request may be, all answered with a KMS error document when
 * exceeded (README "KMS request limits"). The target's limit is
 * kmsd_settings.uri_max: the largest request @alicloud/kms20160120
 * builds, an UpdateKeyDescription or CreateKey with 8192 four-byte
 * characters of Description, is 97 KiB percent-encoded. Form bodies
 * (Terraform) have no per-request cost, so theirs is generous: 20 tags and
 * a 32 KB Policy on top stay under 300 KiB. Bodies past KMS_BODY_MAX are
 * read and dropped up to KMS_DRAIN_MAX so that the refusal arrives on a
 * live connection; past that the connection is closed after it.
 */
#define KMS_BODY_MAX		(384 * 1024)
#define KMS_DRAIN_MAX		(16 * 1024 * 1024)
#define KMS_PARAMS_MAX		256
/* Nonces remembered per 15-minute generation (auth.h). */
#define KMS_NONCES_MAX		(2 * 1024 * 1024)

struct kmsd {
	struct api		*api;
	struct auth_nonce_cache	*nonces;
	size_t			 uri_max;
};

struct kms_call;

/* mutates: the action changes keys, versions, aliases, tags or imported
 * material, and every request for it leaves an audit row "kms.<Action>"
 * committed with the change (README "Audit trail"). The cryptographic
 * actions change nothing; kms/ queues their rows (kms_audit.c). */
struct kms_route {
	const char	*action;
	enum err	(*fn)(struct kms_call *c);
	bool		 mutates;
};

/* Per-request state, in the request arena. */
struct kms_call {
	struct kmsd		*ak;
	struct api		*api;
	bool			 gated;		/* inside the key gate */
	struct http_request	*req;
	struct arena		*a;
	char			 request_id[37];
	const struct kms_route	*route;
	const char		*action;
	const char		*path;
	struct kv		*query;		/* decoded, in order */
	size_t			 nquery;
	struct kv		*form;		/* decoded form body */
	size_t			 nform;
	struct kv		*params;	/* query then form */
	size_t			 nparams;
	struct buf		 body;
	bool			 xml;		/* Format=XML: errors in XML */
	bool			 authenticated;
	bool			 health;	/* GET/HEAD /-/health */
	const char		*claimed_ak;	/* the request's access key id */
	struct auth_account	 account;
	struct kms_caller	 who;
	/* the reply under construction (handlers write members of the
	 * top-level object; dispatch adds RequestId and closes it) */
	struct buf		 out;
	struct json_writer	 w;
	/* outcome */
	enum err		 err;
	const char		*err_param;	/* Missing/InvalidParameter name */
	const char		*err_detail;	/* IncompleteSignature: string to sign */
	/* the audit row of a mutating action (dispatch.c) */
	bool			 audited;
	struct db_audit_req	 audit;
};

/* ---- params.c ---- */

/* First value of a parameter (query, then form), or NULL. */
const char *kp_get(const struct kms_call *c, const char *name);
/* A required, non-empty parameter: ERR_KMS_MISSING_PARAMETER naming it. */
enum err kp_need(struct kms_call *c, const char *name, const char **ret);
/* Decimal in min..max; absent: def. ERR_INVALID_ARGUMENT naming it. */
enum err kp_u64(struct kms_call *c, const char *name, uint64_t min,
    uint64_t max, uint64_t def, uint64_t *ret);
/* "true" / "false" (any case); absent: def. */
enum err kp_bool(struct kms_call *c, const char *name, bool def, bool *ret);
/* An EncryptionContext-style map: the JSON object string param name, or
 * the flattened name.k=v parameters (what @alicloud/kms20160120 sends for
 * an object), not both. Values must be strings (numbers and booleans are
 * taken as their text). */
enum err kp_context(struct kms_call *c, const char *name, struct kv **ret,
    size_t *ret_n);
/* PageNumber (>= 1, default 1) and PageSize (1-100, default 10). */
enum err kp_page(struct kms_call *c, uint64_t *ret_number, uint64_t *ret_size);
/* Tags=[{"TagKey":..,"TagValue":..},..] (param name given). */
enum err kp_tags(struct kms_call *c, const char *name, struct kms_tag **ret,
    size_t *ret_n);
/* TagKeys=["k1","k2"]. */
enum err kp_strings(struct kms_call *c, const char *name,
    const char ***ret, size_t *ret_n);
/* Filters=[{"Key":"KeyState","Values":["Enabled"]},..]. */
enum err kp_filters(struct kms_call *c, const char *name,
    struct kms_key_filter **ret, size_t *ret_n);

/* ---- actions.c ---- */

extern const struct kms_route kms_routes[];
extern const size_t kms_nroutes;

#endif
