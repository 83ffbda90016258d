/* SPDX-License-Identifier: ISC */
/*
 * test_router.c: unit tests for api/router.c, request target parsing and
 * route selection, on hand-built calls (no server, no database).
 *
 * The addressing cases are the ones the SDKs really send (spec/clients.md
 * §1.2): ali-oss with an IP endpoint puts the bucket in a
 * <bucket>.oss-<region>.aliyuncs.com Host and uses ".oss-..." for the
 * service level; path style comes from oss-<region> endpoints, localhost and
 * configured domains. Route selection is checked for the sub-resource rules:
 * an operation key the route does not name must never fall through to a
 * plainer operation.
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

#include "oss/oss_int.h"

struct target {
	struct api		api;
	struct http_request	req;
	struct kv		hdr[1];
	struct call		c;
};

/* A call for method uri with Host host (NULL: no Host header). */
static struct target *
mk(const char *method, const char *host, const char *uri)
{
	struct target *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	snprintf(t->api.region, sizeof(t->api.region), "cn-hangzhou");
	snprintf(t->api.domains[0], sizeof(t->api.domains[0]), "oss.test");
	snprintf(t->api.domains[1], sizeof(t->api.domains[1]), "s3.example.org");
	t->api.ndomains = 2;
	arena_init(&t->req.arena, 1 << 20);
	t->req.method = method;
	t->req.uri = uri;
	if (host != NULL) {
		t->hdr[0].name = "host";
		t->hdr[0].value = host;
		t->req.headers = t->hdr;
		t->req.nheaders = 1;
	}
	t->c.api = &t->api;
	t->c.req = &t->req;
	t->c.a = &t->req.arena;
	t->c.route_index = api_nroutes;
	t->c.head = strcmp(method, "HEAD") == 0;
	return t;
}

static void
rm(struct target *t)
{
	arena_free(&t->req.arena);
	free(t);
}

/* Parses and checks level, bucket, key and region. */
static struct target *
parse(const char *method, const char *host, const char *uri,
    enum api_level level, const char *bucket, const char *key,
    const char *region)
{
	struct target *t = mk(method, host, uri);

	assert_int_equal(router_parse_target(&t->c), ERR_OK);
	assert_int_equal(t->c.level, level);
	if (bucket == NULL)
		assert_null(t->c.bucket_name);
	else
		assert_string_equal(t->c.bucket_name, bucket);
	if (key == NULL)
		assert_null(t->c.key);
	else
		assert_string_equal(t->c.key, key);
	assert_string_equal(t->c.region, region);
	return t;
}

static void
test_ali_oss_vhost(void **state)
{
	struct target *t;

	(void)state;
	t = parse("PUT", "demo-bucket.oss-cn-hangzhou.aliyuncs.com",
	    "/dir/a%20b%2Bc", LEVEL_OBJECT, "demo-bucket", "dir/a b+c",
	    "cn-hangzhou");
	assert_string_equal(t->c.host, "demo-bucket.oss-cn-hangzhou.aliyuncs.com");
	assert_int_equal(t->c.nquery, 0);
	rm(t);
	/* A literal '+' stays '+' (OSS clients send spaces as %20). */
	rm(parse("GET", "demo-bucket.oss-cn-hangzhou.aliyuncs.com", "/a+b",
	    LEVEL_OBJECT, "demo-bucket", "a+b", "cn-hangzhou"));
	/* Bucket level: "/" only. */
	rm(parse("GET", "demo-bucket.oss-cn-hangzhou.aliyuncs.com", "/?acl",
	    LEVEL_BUCKET, "demo-bucket", NULL, "cn-hangzhou"));
	/* The region comes from the Host; -internal is dropped; case and
	 * port do not matter. */
	rm(parse("GET", "Demo-Bucket.OSS-CN-Beijing-Internal.aliyuncs.com:8420",
	    "/k", LEVEL_OBJECT, "demo-bucket", "k", "cn-beijing"));
	/* A trailing dot on the Host is the same name. */
	rm(parse("GET", "b1.oss-us-west-1.aliyuncs.com.", "/k/", LEVEL_OBJECT,
	    "b1", "k/", "us-west-1"));
	/* Keys keep inner and trailing slashes exactly. */
	rm(parse("GET", "b1.oss-cn-hangzhou.aliyuncs.com", "/a//b/", LEVEL_OBJECT,
	    "b1", "a//b/", "cn-hangzhou"));
	rm(parse("GET", "b1.oss-cn-hangzhou.aliyuncs.com", "//lead",
	    LEVEL_OBJECT, "b1", "/lead", "cn-hangzhou"));
}

static void
test_ali_oss_service(void **state)
{
	(void)state;
	/* ali-oss ListBuckets with an IP endpoint: empty first label. */
	rm(parse("GET", ".oss-cn-hangzhou.aliyuncs.com", "/", LEVEL_SERVICE,
	    NULL, NULL, "cn-hangzhou"));
	rm(parse("GET", ".oss-ap-southeast-1.aliyuncs.com:80", "/?prefix=a",
	    LEVEL_SERVICE, NULL, NULL, "ap-southeast-1"));
}

static void
test_path_style(void **state)
{
	struct target *t;

	(void)state;
	rm(parse("GET", "oss-cn-shanghai.aliyuncs.com", "/b1/dir/k",
	    LEVEL_OBJECT, "b1", "dir/k", "cn-shanghai"));
	rm(parse("GET", "oss-cn-shanghai-internal.aliyuncs.com", "/b1/",
	    LEVEL_BUCKET, "b1", NULL, "cn-shanghai"));
	rm(parse("GET", "oss-cn-shanghai.aliyuncs.com", "/b1", LEVEL_BUCKET,
	    "b1", NULL, "cn-shanghai"));
	rm(parse("GET", "oss-cn-shanghai.aliyuncs.com", "/", LEVEL_SERVICE,
	    NULL, NULL, "cn-shanghai"));
	/* localhost and IP literals: default region. */
	t = parse("PUT", "localhost:8420", "/demo-bucket/a%2Fb", LEVEL_OBJECT,
	    "demo-bucket", "a/b", "cn-hangzhou");
	assert_string_equal(t->c.host, "localhost");
	rm(t);
	rm(parse("GET", "127.0.0.1:8420", "/b1/k", LEVEL_OBJECT, "b1", "k",
	    "cn-hangzhou"));
	t = parse("GET", "[::1]:8420", "/b1/k", LEVEL_OBJECT, "b1", "k",
	    "cn-hangzhou");
	assert_string_equal(t->c.host, "[::1]");
	rm(t);
	rm(parse("GET", NULL, "/b1/k", LEVEL_OBJECT, "b1", "k", "cn-hangzhou"));
}

/* Any other name can only be a custom domain: a virtual host whose bucket
 * dispatch looks up; the whole path is the key. */
static void
test_custom_domain(void **state)
{
	struct target *t;

	(void)state;
	t = mk("GET", "Storage.Internal.Example:8420", "/b1/k");
	assert_int_equal(router_parse_target(&t->c), ERR_OK);
	assert_string_equal(t->c.cname_host, "storage.internal.example");
	assert_null(t->c.bucket_name);
	assert_int_equal(t->c.level, LEVEL_OBJECT);
	assert_string_equal(t->c.key, "b1/k");
	rm(t);
	t = mk("PUT", "cdn.example.test", "/");
	assert_int_equal(router_parse_target(&t->c), ERR_OK);
	assert_string_equal(t->c.cname_host, "cdn.example.test");
	assert_int_equal(t->c.level, LEVEL_BUCKET);
	assert_null(t->c.key);
	rm(t);
	/* Endpoints are never custom domains. */
	t = mk("GET", "localhost", "/b/k");
	assert_int_equal(router_parse_target(&t->c), ERR_OK);
	assert_null(t->c.cname_host);
	rm(t);
}

static void
test_configured_domain(void **state)
{
	(void)state;
	rm(parse("GET", "b.oss.test", "/k", LEVEL_OBJECT, "b", "k",
	    "cn-hangzhou"));
	rm(parse("GET", "b.oss.test:8420", "/", LEVEL_BUCKET, "b", NULL,
	    "cn-hangzhou"));
	rm(parse("GET", "oss.test", "/b/k", LEVEL_OBJECT, "b", "k",
	    "cn-hangzhou"));
	rm(parse("GET", "OSS.TEST", "/", LEVEL_SERVICE, NULL, NULL,
	    "cn-hangzhou"));
	rm(parse("GET", "my-b.s3.example.org", "/x/y", LEVEL_OBJECT, "my-b",
	    "x/y", "cn-hangzhou"));
	/* A name that merely ends in the domain text is not under it: it
	 * can only be a custom domain. */
	{
		struct target *t = mk("GET", "xoss.test", "/b/k");

		assert_int_equal(router_parse_target(&t->c), ERR_OK);
		assert_string_equal(t->c.cname_host, "xoss.test");
		rm(t);
	}
	/* Nested labels: everything before the domain is the bucket (and
	 * fails bucket validation later, in dispatch). */
	rm(parse("GET", "a.b.oss.test", "/k", LEVEL_OBJECT, "a.b", "k",
	    "cn-hangzhou"));
}

static void
test_internal_paths(void **state)
{
	struct target *t;

	(void)state;
	t = parse("GET", "localhost:8420", "/-/health", LEVEL_SERVICE, NULL,
	    "-/health", "cn-hangzhou");
	assert_int_equal(router_match(&t->c), ERR_OK);
	assert_string_equal(t->c.route->op, "Health");
	assert_int_equal(t->c.route_index, 0);
	rm(t);
	t = parse("GET", "127.0.0.1", "/-/metrics", LEVEL_SERVICE, NULL,
	    "-/metrics", "cn-hangzhou");
	assert_int_equal(router_match(&t->c), ERR_OK);
	assert_string_equal(t->c.route->op, "Metrics");
	rm(t);
	/* Unknown /-/ path and the wrong method. */
	t = parse("GET", "localhost", "/-/nope", LEVEL_SERVICE, NULL, "-/nope",
	    "cn-hangzhou");
	assert_int_equal(router_match(&t->c), ERR_INVALID_URI);
	rm(t);
	t = parse("POST", "localhost", "/-/health", LEVEL_SERVICE, NULL,
	    "-/health", "cn-hangzhou");
	assert_int_not_equal(router_match(&t->c), ERR_OK);
	rm(t);
	/* HEAD /-/health is the probe's GET without the body. */
	t = parse("HEAD", "localhost", "/-/health", LEVEL_SERVICE, NULL,
	    "-/health", "cn-hangzhou");
	assert_int_equal(router_match(&t->c), ERR_OK);
	assert_string_equal(t->c.route->op, "Health");
	rm(t);
}

static void
test_bad_targets(void **state)
{
	static const char *const bad[] = {
		"/a%zz", "/a%", "/a%2", "/a%00b", "/k?x=%zz", "/k?%=1",
		"/k?a=%00",
	};
	struct target *t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = mk("GET", "b1.oss-cn-hangzhou.aliyuncs.com", bad[i]);
		if (router_parse_target(&t->c) != ERR_INVALID_URI)
			fail_msg("accepted %s", bad[i]);
		rm(t);
	}
	/* The absolute form (through a proxy) is the path after the
	 * authority; the Host header has named the bucket. */
	t = mk("GET", "b1.oss-cn-hangzhou.aliyuncs.com",
	    "http://b1.oss-cn-hangzhou.aliyuncs.com/d/k%20x?acl");
	assert_int_equal(router_parse_target(&t->c), ERR_OK);
	assert_string_equal(t->c.bucket_name, "b1");
	assert_string_equal(t->c.key, "d/k x");
	assert_string_equal(t->c.raw_path, "/d/k%20x");
	assert_true(t->c.vhost);
	assert_true(call_has_query(&t->c, "acl"));
	rm(t);
	t = mk("GET", "localhost", "HTTP://localhost:8420?x=1");
	assert_int_equal(router_parse_target(&t->c), ERR_OK);
	assert_null(t->c.bucket_name);
	assert_string_equal(t->c.raw_path, "/");
	rm(t);
	t = mk("GET", "localhost", "k");	/* not origin-form */
	assert_int_equal(router_parse_target(&t->c), ERR_INVALID_URI);
	rm(t);
	t = mk("GET", "localhost", "");
	assert_int_equal(router_parse_target(&t->c), ERR_INVALID_URI);
	rm(t);
	/* More than 256 parameters. */
	char uri[1024];
	size_t n = (size_t)snprintf(uri, sizeof(uri), "/?a");
	for (int i = 1; i < 257; i++)
		n += (size_t)snprintf(uri + n, sizeof(uri) - n, "&a");
	t = mk("GET", "localhost", uri);
	assert_int_equal(router_parse_target(&t->c), ERR_INVALID_URI);
	rm(t);
	/* 256 are fine. */
	uri[strlen(uri) - 2] = '\0';
	t = mk("GET", "localhost", uri);
	assert_int_equal(router_parse_target(&t->c), ERR_OK);
	assert_int_equal(t->c.nquery, 256);
	rm(t);
}

static void
test_query(void **state)
{
	struct target *t;

	(void)state;
	t = parse("GET", "b1.oss-cn-hangzhou.aliyuncs.com",
	    "/?prefix=a%2Fb%20c&delimiter=%2F&marker=&max-keys=10&acl&"
	    "prefix=second&encoding-type=url&&x=a+b&k%3D=v%3D",
	    LEVEL_BUCKET, "b1", NULL, "cn-hangzhou");
	assert_int_equal(t->c.nquery, 9);	/* the empty one is skipped */
	assert_string_equal(t->c.query[0].name, "prefix");
	assert_string_equal(t->c.query[0].value, "a/b c");
	assert_string_equal(t->c.query[1].value, "/");
	assert_string_equal(t->c.query[2].name, "marker");
	assert_string_equal(t->c.query[2].value, "");
	assert_string_equal(t->c.query[4].name, "acl");
	assert_string_equal(t->c.query[4].value, "");
	/* duplicates are kept in order; lookups see the first */
	assert_string_equal(t->c.query[5].name, "prefix");
	assert_string_equal(t->c.query[5].value, "second");
	assert_string_equal(call_query(&t->c, "prefix"), "a/b c");
	assert_true(call_has_query(&t->c, "acl"));
	assert_true(call_has_query(&t->c, "marker"));
	assert_false(call_has_query(&t->c, "uploads"));
	assert_null(call_query(&t->c, "Prefix"));
	/* '+' is not a space in the query either */
	assert_string_equal(call_query(&t->c, "x"), "a+b");
	/* only the first '=' splits; names are decoded too */
	assert_string_equal(t->c.query[8].name, "k=");
	assert_string_equal(t->c.query[8].value, "v=");
	rm(t);

	t = parse("GET", "localhost", "/b/k?a=1=2", LEVEL_OBJECT, "b", "k",
	    "cn-hangzhou");
	assert_string_equal(call_query(&t->c, "a"), "1=2");
	rm(t);
	/* An empty query after '?'. */
	t = parse("GET", "localhost", "/b/k?", LEVEL_OBJECT, "b", "k",
	    "cn-hangzhou");
	assert_int_equal(t->c.nquery, 0);
	rm(t);
}

/* Parses, matches and returns the operation name or the error. */
static const char *
route(const char *method, const char *host, const char *uri, enum err *ret)
{
	static char op[64];
	struct target *t = mk(method, host, uri);

	assert_int_equal(router_parse_target(&t->c), ERR_OK);
	*ret = router_match(&t->c);
	if (*ret == ERR_OK) {
		snprintf(op, sizeof(op), "%s", t->c.route->op);
		assert_ptr_equal(t->c.route, &api_routes[t->c.route_index]);
	} else
		op[0] = '\0';
	rm(t);
	return op;
}

static void
expect_route(const char *method, const char *uri, const char *want_op)
{
	enum err r;
	const char *op = route(method, "b1.oss-cn-hangzhou.aliyuncs.com", uri,
	    &r);

	if (r != ERR_OK)
		fail_msg("%s %s: %s, want %s", method, uri, err_name(r), want_op);
	if (strcmp(op, want_op) != 0)
		fail_msg("%s %s: %s, want %s", method, uri, op, want_op);
}

static void
expect_error(const char *method, const char *uri, enum err want)
{
	enum err r;
	const char *op = route(method, "b1.oss-cn-hangzhou.aliyuncs.com", uri,
	    &r);

	if (r != want)
		fail_msg("%s %s: %s (%s), want %s", method, uri, err_name(r), op,
		    err_name(want));
}

static void
test_route_selection(void **state)
{
	enum err r;

	(void)state;
	/* service */
	assert_string_equal(route("GET", ".oss-cn-hangzhou.aliyuncs.com", "/",
	    &r), "ListBuckets");
	/* buckets */
	expect_route("PUT", "/", "PutBucket");
	expect_route("PUT", "/?acl", "PutBucketAcl");
	expect_route("DELETE", "/", "DeleteBucket");
	expect_route("GET", "/", "ListObjects");
	expect_route("GET", "/?prefix=a&max-keys=5&encoding-type=url",
	    "ListObjects");
	expect_route("HEAD", "/", "HeadBucket");
	expect_route("GET", "/?bucketInfo", "GetBucketInfo");
	expect_route("GET", "/?location", "GetBucketLocation");
	expect_route("GET", "/?stat", "GetBucketStat");
	expect_route("GET", "/?acl", "GetBucketAcl");
	expect_route("POST", "/?delete", "DeleteMultipleObjects");
	expect_route("POST", "/?worm", "InitiateBucketWorm");
	expect_route("POST", "/?wormExtend&wormId=1", "ExtendBucketWorm");
	expect_route("POST", "/?wormId=1", "CompleteBucketWorm");
	expect_route("GET", "/?inventory", "ListBucketInventory");
	expect_route("GET", "/?inventory&inventoryId=x", "GetBucketInventory");
	expect_route("PUT", "/?objectWorm", "PutBucketObjectWormConfiguration");
	expect_route("GET", "/?objectWorm", "GetBucketObjectWormConfiguration");
	expect_route("PUT", "/?lifecycle", "PutBucketLifecycle");
	expect_route("GET", "/?lifecycle", "GetBucketLifecycle");
	expect_route("DELETE", "/?lifecycle", "DeleteBucketLifecycle");
	/* objects */
	expect_route("PUT", "/k", "PutObject");
	expect_route("PUT", "/k?acl", "PutObjectAcl");
	expect_route("GET", "/k?acl", "GetObjectAcl");
	expect_route("GET", "/k", "GetObject");
	expect_route("GET", "/k?response-content-type=a", "GetObject");
	expect_route("HEAD", "/k", "HeadObject");
	expect_route("HEAD", "/k?objectMeta", "GetObjectMeta");
	expect_route("PUT", "/k?symlink", "PutSymlink");
	expect_route("GET", "/k?symlink", "GetSymlink");
	expect_route("GET", "/k?symlink&versionId=v1", "GetSymlink");
	expect_route("DELETE", "/k", "DeleteObject");
	expect_route("PUT", "/k?retention", "PutObjectRetention");
	expect_route("GET", "/k?retention&versionId=v", "GetObjectRetention");
	expect_route("PUT", "/k?legalHold&versionId=v", "PutObjectLegalHold");
	expect_route("GET", "/k?legalHold", "GetObjectLegalHold");
	/* HEAD falls back to a GET route of the same resource */
	expect_route("HEAD", "/?acl", "GetBucketAcl");

	/* Method and resource errors. */
	expect_error("PATCH", "/k", ERR_METHOD_NOT_ALLOWED);
	expect_error("FOO", "/", ERR_METHOD_NOT_ALLOWED);
	expect_error("POST", "/k", ERR_METHOD_NOT_ALLOWED);
	assert_string_equal(route("PUT", ".oss-cn-hangzhou.aliyuncs.com", "/",
	    &r), "");
	assert_int_equal(r, ERR_METHOD_NOT_ALLOWED);
}

/* A known sub-resource with a method it does not have: 405. */
static void
test_route_method_not_allowed(void **state)
{
	(void)state;
	expect_error("DELETE", "/?acl", ERR_METHOD_NOT_ALLOWED);
	expect_error("POST", "/?bucketInfo", ERR_METHOD_NOT_ALLOWED);
	expect_error("PUT", "/k?objectMeta", ERR_METHOD_NOT_ALLOWED);
	/* ObjectWorm cannot be removed, nor a retention deleted. */
	expect_error("DELETE", "/?objectWorm", ERR_METHOD_NOT_ALLOWED);
	expect_error("DELETE", "/k?retention", ERR_METHOD_NOT_ALLOWED);
}

/* Operation keys the table does not cover (or two of them together) are
 * NotImplemented (501), whatever the method. */
static void
test_route_not_implemented(void **state)
{
	(void)state;
	/* Every op key the request has must be named by the route, so these
	 * never fall through to ListObjects / GetObject / PutObject. */
	expect_error("GET", "/?acl&bucketInfo", ERR_NOT_IMPLEMENTED);
	expect_error("GET", "/?logging&website", ERR_NOT_IMPLEMENTED);
	expect_error("PUT", "/?userDefinedLogFieldsConfig", ERR_NOT_IMPLEMENTED);
	expect_error("GET", "/?cors&acl", ERR_NOT_IMPLEMENTED);
	expect_error("PUT", "/k?tagging&acl", ERR_NOT_IMPLEMENTED);
	expect_error("PUT", "/k?retention&legalHold", ERR_NOT_IMPLEMENTED);
	expect_error("GET", "/k?udf", ERR_NOT_IMPLEMENTED);
	expect_error("GET", "/k?symlink&acl", ERR_NOT_IMPLEMENTED);
	expect_error("PUT", "/?website&referer", ERR_NOT_IMPLEMENTED);
	/* GET and PUT /?referer exist; OSS has no DELETE (clients PUT an
	 * empty list). */
	expect_error("DELETE", "/?referer", ERR_METHOD_NOT_ALLOWED);
	/* Keys only newer SDKs send, and any x-oss-* key: these once fell
	 * through to ListObjects, PutBucket and DeleteBucket. */
	expect_error("GET", "/?accessmonitor", ERR_NOT_IMPLEMENTED);
	expect_error("PUT", "/?accessmonitor", ERR_NOT_IMPLEMENTED);
	expect_error("GET", "/?policyStatus&accessmonitor", ERR_NOT_IMPLEMENTED);
	expect_error("DELETE", "/?overwriteConfig", ERR_NOT_IMPLEMENTED);
	expect_error("DELETE", "/?userDefinedLogFieldsConfig",
	    ERR_NOT_IMPLEMENTED);
	expect_error("GET", "/k?x-oss-process=image/resize", ERR_NOT_IMPLEMENTED);
	expect_error("DELETE", "/k?x-oss-whatever", ERR_NOT_IMPLEMENTED);
	expect_error("PUT", "/k?callback=e30", ERR_NOT_IMPLEMENTED);
}

/* A term "key=value" matches the value too, so ?cname&comp=add and
 * ?cname&comp=delete can be two rows of one table. */
static void
test_route_query_values(void **state)
{
	static const struct route add = { .op = "PutCname", .method = "POST",
	    .level = LEVEL_BUCKET, .query = { "cname", "comp=add" } };
	static const struct route del = { .op = "DeleteCname",
	    .method = "POST", .level = LEVEL_BUCKET,
	    .query = { "cname", "comp=delete" } };
	static const struct { const char *uri; bool add, del; } v[] = {
		{ "/?cname&comp=add", true, false },
		{ "/?comp=delete&cname", false, true },
		{ "/?cname&comp=token", false, false },
		{ "/?cname&comp", false, false },
		{ "/?cname", false, false },
		{ "/?comp=add", false, false },		/* cname not named */
		{ "/?cname&comp=add&acl", false, false },/* acl not named */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct target *t = mk("POST", "b1.oss-cn-hangzhou.aliyuncs.com",
		    v[i].uri);

		assert_int_equal(router_parse_target(&t->c), ERR_OK);
		if (router_route_matches(&t->c, &add) != v[i].add ||
		    router_route_matches(&t->c, &del) != v[i].del)
			fail_msg("%s", v[i].uri);
		rm(t);
	}
}

/* Parameters qualify an operation; they select none. */
static void
test_route_parameters(void **state)
{
	(void)state;
	expect_route("GET", "/k?versionId=null", "GetObject");
	expect_route("DELETE", "/k?versionId=v1", "DeleteObject");
	expect_route("GET", "/k?response-content-type=a&x-oss-expires=60",
	    "GetObject");
	expect_route("POST", "/k?append&position=0", "AppendObject");
	expect_route("GET", "/?inventory&continuation-token=t",
	    "ListBucketInventory");
	assert_true(auth_subres("versionId") & SR_SIGNED);
	assert_false(auth_subres("versionId") & SR_OPERATION);
	assert_true(auth_subres("x-oss-made-up") & SR_OPERATION);
	assert_true(auth_subres("accessmonitor") & SR_SIGNED_OPT);
	assert_int_equal(auth_subres("prefix"), 0);
}

/* Whatever 4xx the router picks, an unsupported or doubled operation key
 * never selects a route (the part of the rule that holds today). */
static void
test_route_never_falls_through(void **state)
{
	static const struct { const char *m, *uri; } v[] = {
		{ "GET", "/?acl&bucketInfo" }, { "GET", "/?lifecycle&acl" },
		{ "PUT", "/?logging&policy" }, { "GET", "/?cors&acl" },
		{ "PUT", "/k?tagging&acl" }, { "GET", "/k?symlink&tagging" },
		{ "PUT", "/?website&tagging" }, { "DELETE", "/?referer" },
		{ "GET", "/?requestPayment&logging" }, { "PUT", "/?replication" },
		{ "PUT", "/?acl&worm" }, { "HEAD", "/k?objectMeta&acl" },
	};
	enum err r;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		const char *op = route(v[i].m, "b1.oss-cn-hangzhou.aliyuncs.com",
		    v[i].uri, &r);
		if (r == ERR_OK)
			fail_msg("%s %s routed to %s", v[i].m, v[i].uri, op);
		assert_true(r == ERR_NOT_IMPLEMENTED ||
		    r == ERR_METHOD_NOT_ALLOWED);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ali_oss_vhost),
		cmocka_unit_test(test_ali_oss_service),
		cmocka_unit_test(test_path_style),
		cmocka_unit_test(test_configured_domain),
		cmocka_unit_test(test_custom_domain),
		cmocka_unit_test(test_internal_paths),
		cmocka_unit_test(test_bad_targets),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_route_selection),
		cmocka_unit_test(test_route_method_not_allowed),
		cmocka_unit_test(test_route_never_falls_through),
		cmocka_unit_test(test_route_not_implemented),
		cmocka_unit_test(test_route_parameters),
		cmocka_unit_test(test_route_query_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
