/* SPDX-License-Identifier: ISC */
/*
 * test_policy.c: the bucket policy grammar and decision (auth/policy.c),
 * one test per rule kind of oss-api-2.md §5.6.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "auth/policy.h"

#define OWNER	"1000000000000001"
#define OTHER	"1000000000000002"
#define RES	"acs:oss:cn-hangzhou:" OWNER ":bkt/dir/file.txt"

static struct arena a;

static struct policy *
parse(const char *doc)
{
	struct policy *p = NULL;

	assert_int_equal(policy_parse(&a, doc, strlen(doc), &p), ERR_OK);
	return p;
}

static struct policy_request
req(const char *action, const char *principal)
{
	struct policy_request rq = {
		.action = action,
		.principal = principal,
		.owner = principal != NULL && strcmp(principal, OWNER) == 0,
		.resource = RES,
		.source_ip = "192.168.1.20",
	};
	return rq;
}

static int
setup(void **state)
{
	(void)state;
	arena_init(&a, 1 << 20);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	arena_free(&a);
	return 0;
}

static void
test_parse_errors(void **state)
{
	struct policy *p;
	char big[POLICY_MAX_BYTES + 64];
	char longf[POLICY_FIELD_MAX + 200];

	(void)state;
#define BAD(doc, e) assert_int_equal(policy_parse(&a, doc, strlen(doc), &p), e)
	BAD("{\"Version\":1,\"Statement\":[]}", ERR_POLICY_SYNTAX);
	BAD("{\"Version\":\"2\",\"Statement\":[]}", ERR_POLICY_VERSION);
	BAD("not json", ERR_POLICY_SYNTAX);
	BAD("{\"Version\":\"1\"}", ERR_POLICY_SYNTAX);
	BAD("{\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Maybe\","
	    "\"Action\":[\"oss:*\"],\"Principal\":[\"*\"],"
	    "\"Resource\":[\"*\"]}]}", ERR_POLICY_SYNTAX);
	BAD("{\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Allow\","
	    "\"Action\":[\"oss:*\"],\"Principal\":[\"*\"],"
	    "\"Resource\":[\"*\"],\"Condition\":{\"Nope\":{\"a\":\"b\"}}}]}",
	    ERR_POLICY_SYNTAX);
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	BAD(big, ERR_POLICY_TOO_LARGE);
	snprintf(longf, sizeof(longf), "{\"Version\":\"1\",\"Statement\":["
	    "{\"Effect\":\"Allow\",\"Action\":[\"oss:%0*d\"],\"Principal\":"
	    "[\"*\"],\"Resource\":[\"*\"]}]}", POLICY_FIELD_MAX, 0);
	BAD(longf, ERR_POLICY_FIELD_TOO_LONG);
#undef BAD
}

static void
test_action_wildcards(void **state)
{
	struct policy *p = parse("{\"Version\":\"1\",\"Statement\":[{"
	    "\"Effect\":\"Allow\",\"Action\":[\"oss:Get*\"],"
	    "\"Principal\":[\"" OTHER "\"],\"Resource\":[\"acs:oss:*:*:bkt/*\"]}]}");
	struct policy_request rq = req("oss:GetObject", OTHER);

	(void)state;
	assert_int_equal(policy_eval(p, &rq, false), POLICY_ALLOW);
	rq.action = "oss:GetObjectAcl";
	assert_int_equal(policy_eval(p, &rq, false), POLICY_ALLOW);
	rq.action = "oss:PutObject";
	assert_int_equal(policy_eval(p, &rq, false), POLICY_NONE);
	p = parse("{\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Allow\","
	    "\"Action\":\"oss:*\",\"Principal\":\"*\",\"Resource\":\"*\"}]}");
	assert_int_equal(policy_eval(p, &rq, false), POLICY_ALLOW);
}

static void
test_principals(void **state)
{
	struct policy *p = parse("{\"Version\":\"1\",\"Statement\":[{"
	    "\"Effect\":\"Allow\",\"Action\":[\"oss:GetObject\"],"
	    "\"Principal\":[\"" OTHER "\"],\"Resource\":[\"acs:oss:*:*:bkt/*\"]}]}");
	struct policy_request rq = req("oss:GetObject", OTHER);

	(void)state;
	assert_int_equal(policy_eval(p, &rq, false), POLICY_ALLOW);
	rq = req("oss:GetObject", "1000000000000003");
	assert_int_equal(policy_eval(p, &rq, false), POLICY_NONE);
	rq = req("oss:GetObject", NULL);
	assert_int_equal(policy_eval(p, &rq, false), POLICY_NONE);

	p = parse("{\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Allow\","
	    "\"Action\":[\"oss:GetObject\"],\"Principal\":[\"*\"],"
	    "\"Resource\":[\"acs:oss:*:*:bkt/*\"]}]}");
	assert_int_equal(policy_eval(p, &rq, false), POLICY_ALLOW);
	/* the public access block ignores it */
	assert_int_equal(policy_eval(p, &rq, true), POLICY_NONE);
	assert_true(policy_is_public(p));
}

static void
test_resource(void **state)
{
	struct policy *p = parse("{\"Version\":\"1\",\"Statement\":[{"
	    "\"Effect\":\"Allow\",\"Action\":[\"oss:GetObject\"],"
	    "\"Principal\":[\"*\"],\"Resource\":[\"acs:oss:*:*:bkt/dir/*\"]}]}");
	struct policy_request rq = req("oss:GetObject", NULL);

	(void)state;
	assert_int_equal(policy_eval(p, &rq, false), POLICY_ALLOW);
	rq.resource = "acs:oss:cn-hangzhou:" OWNER ":bkt/other/file.txt";
	assert_int_equal(policy_eval(p, &rq, false), POLICY_NONE);
	rq.resource = "acs:oss:cn-hangzhou:" OWNER ":bkt2/dir/file.txt";
	assert_int_equal(policy_eval(p, &rq, false), POLICY_NONE);
}

static void
test_deny_overrides_allow(void **state)
{
	struct policy *p = parse("{\"Version\":\"1\",\"Statement\":["
	    "{\"Effect\":\"Allow\",\"Action\":[\"oss:*\"],\"Principal\":[\"*\"],"
	    "\"Resource\":[\"acs:oss:*:*:bkt/*\"]},"
	    "{\"Effect\":\"Deny\",\"Action\":[\"oss:DeleteObject\"],"
	    "\"Principal\":[\"*\"],\"Resource\":[\"acs:oss:*:*:bkt/*\"]}]}");
	struct policy_request rq = req("oss:DeleteObject", OTHER);

	(void)state;
	assert_int_equal(policy_eval(p, &rq, false), POLICY_DENY);
	rq.action = "oss:GetObject";
	assert_int_equal(policy_eval(p, &rq, false), POLICY_ALLOW);
	/* "*" without a Condition does not take in the owner */
	rq = req("oss:DeleteObject", OWNER);
	assert_int_equal(policy_eval(p, &rq, false), POLICY_NONE);
	assert_false(policy_is_public(parse("{\"Version\":\"1\",\"Statement\":["
	    "{\"Effect\":\"Deny\",\"Action\":[\"oss:*\"],\"Principal\":[\"*\"],"
	    "\"Resource\":[\"*\"]}]}")));
}

static void
test_source_ip(void **state)
{
	struct policy *p = parse("{\"Version\":\"1\",\"Statement\":[{"
	    "\"Effect\":\"Allow\",\"Action\":[\"oss:GetObject\"],"
	    "\"Principal\":[\"*\"],\"Resource\":[\"*\"],\"Condition\":"
	    "{\"IpAddress\":{\"acs:SourceIp\":[\"192.168.0.0/16\",\"10.1.2.3\"]}}}]}");
	struct policy_request rq = req("oss:GetObject", NULL);

	(void)state;
	assert_int_equal(policy_eval(p, &rq, false), POLICY_ALLOW);
	rq.source_ip = "::ffff:10.1.2.3";
	assert_int_equal(policy_eval(p, &rq, false), POLICY_ALLOW);
	rq.source_ip = "10.1.2.4";
	assert_int_equal(policy_eval(p, &rq, false), POLICY_NONE);
	p = parse("{\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Deny\","
	    "\"Action\":[\"oss:*\"],\"Principal\":[\"*\"],\"Resource\":[\"*\"],"
	    "\"Condition\":{\"NotIpAddress\":{\"acs:SourceIp\":\"2001:db8::/32\"}}}]}");
	rq.source_ip = "2001:db8::1";
	assert_int_equal(policy_eval(p, &rq, false), POLICY_NONE);
	rq.source_ip = "2001:db9::1";
	assert_int_equal(policy_eval(p, &rq, false), POLICY_DENY);
	assert_true(policy_ip_in("0.0.0.0/0", "8.8.8.8"));
	assert_false(policy_ip_in("10.0.0.0/33", "10.0.0.1"));
	assert_false(policy_ip_in("10.0.0.0/8", "garbage"));
}

static void
test_secure_transport_takes_in_owner(void **state)
{
	struct policy *p = parse("{\"Version\":\"1\",\"Statement\":[{"
	    "\"Effect\":\"Deny\",\"Action\":[\"oss:*\"],\"Principal\":[\"*\"],"
	    "\"Resource\":[\"*\"],\"Condition\":"
	    "{\"Bool\":{\"acs:SecureTransport\":false}}}]}");
	struct policy_request rq = req("oss:GetObject", OWNER);

	(void)state;
	assert_int_equal(policy_eval(p, &rq, false), POLICY_DENY);
	rq.secure = true;
	assert_int_equal(policy_eval(p, &rq, false), POLICY_NONE);
}

static void
test_require_sse(void **state)
{
	struct policy *p = parse("{\"Version\":\"1\",\"Statement\":[{"
	    "\"Effect\":\"Deny\",\"Action\":[\"oss:PutObject\"],"
	    "\"Principal\":[\"*\"],\"Resource\":[\"*\"],\"Condition\":"
	    "{\"StringNotEquals\":{\"oss:x-oss-server-side-encryption\":"
	    "[\"AES256\",\"KMS\"]}}}]}");
	struct policy_request rq = req("oss:PutObject", OWNER);

	(void)state;
	assert_int_equal(policy_eval(p, &rq, false), POLICY_DENY);
	rq.sse = "SM4";
	assert_int_equal(policy_eval(p, &rq, false), POLICY_DENY);
	rq.sse = "KMS";
	assert_int_equal(policy_eval(p, &rq, false), POLICY_NONE);
}

static void
test_prefix_and_referer(void **state)
{
	struct policy *p = parse("{\"Version\":\"1\",\"Statement\":[{"
	    "\"Effect\":\"Allow\",\"Action\":[\"oss:ListObjects\"],"
	    "\"Principal\":[\"*\"],\"Resource\":[\"*\"],\"Condition\":{"
	    "\"StringLike\":{\"oss:Prefix\":[\"public/*\"],"
	    "\"acs:Referer\":[\"http://*.example.com/*\"]}}}]}");
	struct policy_request rq = req("oss:ListObjects", NULL);

	(void)state;
	rq.prefix = "public/a";
	rq.referer = "http://www.example.com/page";
	assert_int_equal(policy_eval(p, &rq, false), POLICY_ALLOW);
	rq.referer = NULL;
	assert_int_equal(policy_eval(p, &rq, false), POLICY_NONE);
	rq.referer = "http://www.example.com/page";
	rq.prefix = "private/";
	assert_int_equal(policy_eval(p, &rq, false), POLICY_NONE);
	p = parse("{\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Allow\","
	    "\"Action\":[\"oss:ListObjects\"],\"Principal\":[\"*\"],"
	    "\"Resource\":[\"*\"],\"Condition\":{\"StringEquals\":"
	    "{\"oss:Prefix\":\"private/\"}}}]}");
	assert_int_equal(policy_eval(p, &rq, false), POLICY_ALLOW);
}

static void
test_glob(void **state)
{
	(void)state;
	assert_true(policy_glob("a*b?d", "axxxbcd", false));
	assert_false(policy_glob("a*b?d", "axxxbd", false));
	assert_true(policy_glob("OSS:get*", "oss:GetObject", true));
	assert_false(policy_glob("OSS:get*", "oss:GetObject", false));
	assert_true(policy_glob("*", "", false));
	assert_false(policy_glob("", "x", false));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_action_wildcards),
		cmocka_unit_test(test_principals),
		cmocka_unit_test(test_resource),
		cmocka_unit_test(test_deny_overrides_allow),
		cmocka_unit_test(test_source_ip),
		cmocka_unit_test(test_secure_transport_takes_in_owner),
		cmocka_unit_test(test_require_sse),
		cmocka_unit_test(test_prefix_and_referer),
		cmocka_unit_test(test_glob),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
