/* SPDX-License-Identifier: ISC */
/*
 * policy_cond.c: the Condition block of a policy statement.
 *
 * Operators are ANDed, the values of one key ORed; a Not operator holds
 * when no value matches. A key the request does not have fails every
 * positive operator and satisfies every negative one, so "deny unless
 * header X" is written with StringNotEquals and catches requests that
 * omit X. Unknown keys are never present.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/policy_int.h"

static const struct {
	const char	*name;
	enum cond_op	 op;
} ops[] = {
	{ "StringEquals", COND_STRING_EQUALS },
	{ "StringNotEquals", COND_STRING_NOT_EQUALS },
	{ "StringEqualsIgnoreCase", COND_STRING_EQUALS_IC },
	{ "StringNotEqualsIgnoreCase", COND_STRING_NOT_EQUALS_IC },
	{ "StringLike", COND_STRING_LIKE },
	{ "StringNotLike", COND_STRING_NOT_LIKE },
	{ "IpAddress", COND_IP_ADDRESS },
	{ "NotIpAddress", COND_NOT_IP_ADDRESS },
	{ "Bool", COND_BOOL },
	{ "DateLessThan", COND_DATE_LESS },
	{ "DateLessThanEquals", COND_DATE_LESS_EQ },
	{ "DateGreaterThan", COND_DATE_GREATER },
	{ "DateGreaterThanEquals", COND_DATE_GREATER_EQ },
};

enum cond_op
cond_op_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].name, name) == 0)
			return ops[i].op;
	return COND_UNKNOWN;
}

/* The request's value for a condition key; keys are case-insensitive. */
static const char *
request_value(const struct policy_request *rq, const char *key)
{
	static const struct {
		const char	*key;
		size_t		 off;
	} keys[] = {
		{ "acs:SourceIp", offsetof(struct policy_request, source_ip) },
		{ "acs:UserAgent", offsetof(struct policy_request, user_agent) },
		{ "acs:Referer", offsetof(struct policy_request, referer) },
		{ "acs:AccessId", offsetof(struct policy_request, access_id) },
		{ "acs:CurrentTime",
		    offsetof(struct policy_request, current_time) },
		{ "oss:Prefix", offsetof(struct policy_request, prefix) },
		{ "oss:Delimiter", offsetof(struct policy_request, delimiter) },
		{ "oss:x-oss-server-side-encryption",
		    offsetof(struct policy_request, sse) },
	};

	if (strcasecmp(key, "acs:SecureTransport") == 0)
		return rq->secure ? "true" : "false";
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcasecmp(keys[i].key, key) == 0)
			return *(const char *const *)((const char *)rq +
			    keys[i].off);
	return NULL;
}

static bool
one(enum cond_op op, const char *want, const char *have)
{
	int c;

	switch (op) {
	case COND_STRING_EQUALS:
	case COND_STRING_NOT_EQUALS:
		return strcmp(want, have) == 0;
	case COND_STRING_EQUALS_IC:
	case COND_STRING_NOT_EQUALS_IC:
	case COND_BOOL:
		return strcasecmp(want, have) == 0;
	case COND_STRING_LIKE:
	case COND_STRING_NOT_LIKE:
		return policy_glob(want, have, false);
	case COND_IP_ADDRESS:
	case COND_NOT_IP_ADDRESS:
		return policy_ip_in(want, have);
	default:
		/* ISO-8601 in UTC compares as text. */
		c = strcmp(have, want);
		return op == COND_DATE_LESS ? c < 0 :
		    op == COND_DATE_LESS_EQ ? c <= 0 :
		    op == COND_DATE_GREATER ? c > 0 : c >= 0;
	}
}

bool
cond_holds(const struct cond *c, const struct policy_request *rq)
{
	const char *have = request_value(rq, c->key);
	bool negative = c->op == COND_STRING_NOT_EQUALS ||
	    c->op == COND_STRING_NOT_EQUALS_IC ||
	    c->op == COND_STRING_NOT_LIKE || c->op == COND_NOT_IP_ADDRESS;
	bool hit = false;

	if (have == NULL)
		return negative;
	for (size_t i = 0; i < c->values.n && !hit; i++)
		hit = one(c->op, c->values.v[i], have);
	return negative ? !hit : hit;
}

bool
policy_ip_in(const char *cidr, const char *addr)
{
	unsigned char net[16], ip[16];
	const char *slash = strchr(cidr, '/');
	char host[64];
	size_t hl = slash != NULL ? (size_t)(slash - cidr) : strlen(cidr);
	int fam = strchr(cidr, ':') != NULL ? AF_INET6 : AF_INET;
	int bits = fam == AF_INET6 ? 128 : 32;
	long want = bits;

	if (hl >= sizeof(host))
		return false;
	memcpy(host, cidr, hl);
	host[hl] = '\0';
	if (slash != NULL) {
		char *end;

		want = strtol(slash + 1, &end, 10);
		if (*end != '\0' || end == slash + 1 || want < 0 ||
		    want > bits)
			return false;
	}
	if (inet_pton(fam, host, net) != 1)
		return false;
	/* An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d. */
	if (fam == AF_INET && strncasecmp(addr, "::ffff:", 7) == 0 &&
	    strchr(addr + 7, '.') != NULL)
		addr += 7;
	if (inet_pton(fam, addr, ip) != 1)
		return false;
	for (long i = 0; i < want; i++) {
		unsigned char m = (unsigned char)(0x80 >> (i % 8));

		if ((net[i / 8] & m) != (ip[i / 8] & m))
			return false;
	}
	return true;
}
