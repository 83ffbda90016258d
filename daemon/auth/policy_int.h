/* SPDX-License-Identifier: ISC */
/*
 * policy_int.h: the parsed form of a bucket policy, shared by policy.c
 * (statements) and policy_cond.c (conditions).
 */
#ifndef COFFER_AUTH_POLICY_INT_H
#define COFFER_AUTH_POLICY_INT_H

#include "auth/policy.h"

struct strs {
	const char	**v;
	size_t		  n;
};

enum cond_op {
	COND_UNKNOWN,
	COND_STRING_EQUALS, COND_STRING_NOT_EQUALS,
	COND_STRING_EQUALS_IC, COND_STRING_NOT_EQUALS_IC,
	COND_STRING_LIKE, COND_STRING_NOT_LIKE,
	COND_IP_ADDRESS, COND_NOT_IP_ADDRESS,
	COND_BOOL,
	COND_DATE_LESS, COND_DATE_LESS_EQ, COND_DATE_GREATER,
	COND_DATE_GREATER_EQ,
};

struct cond {
	enum cond_op	 op;
	const char	*key;
	struct strs	 values;
};

struct stmt {
	bool		 deny;
	struct strs	 actions, principals, resources;
	struct cond	*cond;
	size_t		 ncond;
};

struct policy {
	struct stmt	*stmt;
	size_t		 n;
};

enum cond_op cond_op_parse(const char *name);
bool cond_holds(const struct cond *c, const struct policy_request *rq);

#endif
