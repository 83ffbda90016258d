/* SPDX-License-Identifier: ISC */
/*
 * policy.h: bucket policies (L2): the document's checks and the decision
 * of one request against it (policy.c, policy_cond.c; oss-api-2.md §5.6).
 *
 * Pure: no database, no clock, no request. The caller hands in the stored
 * document and what the request is; nothing is cached, so a policy change
 * is seen by the next request.
 */
#ifndef COFFER_AUTH_POLICY_H
#define COFFER_AUTH_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"

#define POLICY_MAX_BYTES	(16 * 1024)
#define POLICY_FIELD_MAX	4095

struct policy;

/* What a request is, in the terms of the grammar. Strings NULL when the
 * request has none. */
struct policy_request {
	const char	*action;	/* "oss:GetObject" */
	const char	*principal;	/* requester's account id; NULL: anonymous */
	bool		 owner;		/* the requester owns the bucket */
	const char	*resource;	/* "acs:oss:<region>:<owner>:<bucket>[/<key>]" */
	const char	*source_ip;
	bool		 secure;	/* came over TLS */
	const char	*user_agent;
	const char	*referer;
	const char	*access_id;
	const char	*current_time;	/* ISO-8601, UTC */
	const char	*prefix;	/* ListObjects prefix= */
	const char	*delimiter;
	const char	*sse;		/* x-oss-server-side-encryption */
};

enum policy_verdict {
	POLICY_NONE,		/* no statement applies */
	POLICY_ALLOW,
	POLICY_DENY,		/* an explicit Deny: wins over everything */
};

/* Parses and checks a document (§5.6 limits). Errors: ERR_POLICY_TOO_LARGE,
 * ERR_POLICY_VERSION, ERR_POLICY_FIELD_TOO_LONG, ERR_POLICY_SYNTAX. */
enum err policy_parse(struct arena *a, const char *doc, size_t n,
    struct policy **ret);
/* ignore_public: statements for Principal "*" do not count (public access
 * block). */
enum policy_verdict policy_eval(const struct policy *p,
    const struct policy_request *rq, bool ignore_public);
/* Whether some Allow statement grants to everybody (GetBucketPolicyStatus). */
bool policy_is_public(const struct policy *p);

/* The glob of the grammar and of referer lists: '*' any run, '?' one
 * character; case-insensitive when fold. */
bool policy_glob(const char *pat, const char *s, bool fold);
/* addr inside cidr ("10.0.0.0/8", "2001:db8::/32", or a bare address). */
bool policy_ip_in(const char *cidr, const char *addr);

#endif
