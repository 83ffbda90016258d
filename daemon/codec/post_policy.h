/* SPDX-License-Identifier: ISC */
/*
 * post_policy.h: the policy document of a PostObject form (oss-api-2.md
 * §4.4), parsed into conditions; checking them against the form is
 * oss/postobject's.
 */
#ifndef COFFER_CODEC_POST_POLICY_H
#define COFFER_CODEC_POST_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"

enum post_op {
	POST_EQ,		/* ["eq", "$f", "v"] or {"f": "v"} */
	POST_STARTS_WITH,	/* ["starts-with", "$f", "prefix"] */
	POST_RANGE,		/* ["content-length-range", min, max] */
	POST_IN,		/* ["in", "$f", ["a", "b"]] */
	POST_NOT_IN,		/* ["not-in", "$f", ["a", "b"]] */
};

struct post_cond {
	enum post_op	 op;
	const char	*field;		/* lower case, without the '$' */
	const char	*value;		/* EQ, STARTS_WITH */
	const char	**list;		/* IN, NOT_IN */
	size_t		 nlist;
	int64_t		 min, max;	/* RANGE */
	const char	*text;		/* the condition as written, compact */
};

struct post_policy {
	const char		*expiration;
	struct post_cond	*cond;
	size_t			 ncond;
};

/* Parses the decoded policy JSON p[0..n). ERR_POLICY_* for a document
 * OSS refuses. */
enum err post_policy_parse(struct arena *a, const char *p, size_t n,
    struct post_policy *ret);

#endif
