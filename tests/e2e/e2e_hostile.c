/* SPDX-License-Identifier: ISC */
/*
 * e2e_hostile.c: hostile input against the real daemon (spec
 * reliability.md T23, T25 and T26; wrong secrets, unknown keys, garbled
 * Authorization headers and the clock skew of T24 are in
 * tests/sdk/errors.test.js and access.test.js).
 *
 *   tampering   a V1-signed request whose resource, sub-resource, signed
 *               header or Date changes after signing is refused and
 *               changes nothing;
 *   key names   path-traversal spellings, backslashes, NUL, invalid UTF-8,
 *               1023/1024/1025-byte keys and deep paths are stored as
 *               opaque names or refused with the error OSS gives, and
 *               nothing is ever created outside the data dir;
 *   limits      huge and numerous headers, XML bodies past their cap, a
 *               Content-Length the body does not match, and entity and
 *               nesting bombs are refused without a crash and with the
 *               daemon's memory bounded.
 *
 * After every group the daemon must still answer /-/health.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth/auth.h"
#include "base/clock.h"
#include "base/str.h"
#include "e2e/e2e_support.h"
#include "support/test_support.h"

#define BUCKET	"e2e-hostile"
#define PUBLIC	"e2e-hostile-pub"	/* public-read-write: raw PUTs */

struct fixture {
	char			*parent;	/* holds only data/ */
	char			 data[4200];
	struct e2e_daemon	*d;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct kv acl = { "x-oss-acl", "public-read-write" };
	struct e2e_req rq = { .method = "PUT", .bucket = PUBLIC,
	    .headers = &acl, .nheaders = 1,
	    .ak = E2E_ROOT_AK, .sk = E2E_ROOT_SK };
	struct e2e_opts o = { 0 };
	struct e2e_resp r;

	if (f == NULL)
		return -1;
	f->parent = test_tmpdir("hostile");
	snprintf(f->data, sizeof(f->data), "%s/data", f->parent);
	o.data_dir = f->data;
	if (e2e_daemon_start(&o, &f->d) != ERR_OK)
		return -1;
	if (e2e_call(f->d, "PUT", BUCKET, NULL, NULL, 0, NULL) != 200)
		return -1;
	if (e2e_request(e2e_daemon_port(f->d), &rq, &r) != ERR_OK ||
	    r.status != 200)
		return -1;
	e2e_resp_free(&r);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int rc;

	rc = e2e_daemon_stop(f->d);
	e2e_daemon_free(f->d);
	test_rmrf(f->parent);
	free(f->parent);
	free(f);
	return rc == 0 ? 0 : -1;
}

static void
assert_healthy(const struct fixture *f)
{
	struct e2e_req rq = { .method = "GET", .path = "/-/health" };
	struct e2e_resp r;

	assert_int_equal(e2e_request(e2e_daemon_port(f->d), &rq, &r), ERR_OK);
	assert_int_equal(r.status, 200);
	e2e_resp_free(&r);
	assert_false(e2e_daemon_log_sanitizer(f->d));
}

/* The <Code> of an error body. */
static void
assert_code(const struct e2e_resp *r, long status, const char *code)
{
	char want[128];

	snprintf(want, sizeof(want), "<Code>%s</Code>", code);
	if (r->status != status || r->body == NULL ||
	    strstr(r->body, want) == NULL)
		fail_msg("want %ld %s, got %ld %s", status, code, r->status,
		    r->body ? r->body : "");
}

/* Root-signed request with a raw target; key is what the daemon will
 * decode it to (what the signature covers). */
static long
raw_target(const struct fixture *f, const char *method, const char *path,
    const char *key, const char *body, struct e2e_resp *ret)
{
	struct e2e_req rq = { .method = method, .bucket = BUCKET, .key = key,
	    .path = path, .body = body, .body_len = body ? strlen(body) : 0,
	    .ak = E2E_ROOT_AK, .sk = E2E_ROOT_SK };

	assert_int_equal(e2e_request(e2e_daemon_port(f->d), &rq, ret),
	    ERR_OK);
	return ret->status;
}

/* Entries of dir other than . and ..; -1 when it cannot be read. */
static long
dir_entries(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	long n = 0;

	if (dp == NULL)
		return -1;
	while ((e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(dp);
	return n;
}

/* Keys whose bytes are fine: stored under exactly that name, read back
 * exactly, and never a path on disk. */
static void
test_opaque_keys(void **state)
{
	static const struct { const char *path, *key; } ok[] = {
		{ "/" BUCKET "/%2e%2e%2f%2e%2e%2fescape", "../../escape" },
		{ "/" BUCKET "/..%2f..%2f..%2fetc%2fpasswd",
		    "../../../etc/passwd" },
		{ "/" BUCKET "/a/%2e%2e/%2e/b", "a/.././b" },
		{ "/" BUCKET "/%2e%2e", ".." },
		{ "/" BUCKET "/.%2e/%2e", "../." },
		{ "/" BUCKET "/a%5c..%5c..%5cb", "a\\..\\..\\b" },
		{ "/" BUCKET "/a//b", "a//b" },
		{ "/" BUCKET "/%25%30%30", "%00" },
	};
	struct fixture *f = *state;
	struct e2e_resp r;
	char body[64], deep[1100];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(body, sizeof(body), "body %zu", i);
		if (raw_target(f, "PUT", ok[i].path, ok[i].key, body,
		    &r) != 200)
			fail_msg("PUT %s: %ld %s", ok[i].path, r.status,
			    r.body);
		e2e_resp_free(&r);
	}
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(body, sizeof(body), "body %zu", i);
		assert_int_equal(raw_target(f, "GET", ok[i].path, ok[i].key,
		    NULL, &r), 200);
		assert_string_equal(r.body, body);
		e2e_resp_free(&r);
	}

	/* 1023 bytes of a deep path: 511 levels. */
	while (n + 2 < 1023)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "d/");
	deep[n++] = 'x';
	deep[n] = '\0';
	assert_int_equal(strlen(deep), 1023);
	assert_int_equal(e2e_call(f->d, "PUT", BUCKET, deep, "deep", 4, NULL),
	    200);
	assert_int_equal(e2e_call(f->d, "GET", BUCKET, deep, NULL, 0, &r), 200);
	assert_string_equal(r.body, "deep");
	e2e_resp_free(&r);

	/* The data dir is the only thing its parent holds, and no name the
	 * keys spell exists anywhere under it. */
	assert_int_equal(dir_entries(f->parent), 1);
	assert_null(e2e_find_in_files(f->data, "body 0", 6));
	{
		char p[4400];

		snprintf(p, sizeof(p), "%s/escape", f->parent);
		assert_int_not_equal(access(p, F_OK), 0);
		snprintf(p, sizeof(p), "%s/../escape", f->parent);
		assert_int_not_equal(access(p, F_OK), 0);
		snprintf(p, sizeof(p), "%s/d", f->data);
		assert_int_not_equal(access(p, F_OK), 0);
	}
	assert_healthy(f);
}

/* Keys OSS refuses: the error it gives, and nothing stored. */
static void
test_refused_keys(void **state)
{
	static const struct { const char *path, *key, *code; } bad[] = {
		{ "/" BUCKET "//leading-slash", "/leading-slash",
		    "InvalidObjectName" },
		{ "/" BUCKET "/%5cleading-backslash", "\\leading-backslash",
		    "InvalidObjectName" },
		{ "/" BUCKET "/bad%ff%feutf8", "bad\xff\xfeutf8",
		    "InvalidObjectName" },
		{ "/" BUCKET "/overlong%c0%afslash", "overlong\xc0\xafslash",
		    "InvalidObjectName" },
		{ "/" BUCKET "/surrogate%ed%a0%80", "surrogate\xed\xa0\x80",
		    "InvalidObjectName" },
		/* A NUL cannot be part of a name: the target itself is bad. */
		{ "/" BUCKET "/nul%00byte", "nul", "InvalidURI" },
		{ "/" BUCKET "/%00", "", "InvalidURI" },
	};
	struct fixture *f = *state;
	struct e2e_resp r;
	char key[1100];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		raw_target(f, "PUT", bad[i].path, bad[i].key, "x", &r);
		assert_code(&r, 400, bad[i].code);
		e2e_resp_free(&r);
	}
	/* 1023 bytes are a key; 1024 and 1025 are not. */
	memset(key, 'k', sizeof(key));
	key[1023] = '\0';
	assert_int_equal(e2e_call(f->d, "PUT", BUCKET, key, "x", 1, NULL), 200);
	for (size_t len = 1024; len <= 1025; len++) {
		key[len - 1] = 'k';
		key[len] = '\0';
		e2e_call(f->d, "PUT", BUCKET, key, "x", 1, &r);
		assert_code(&r, 400, "InvalidObjectName");
		e2e_resp_free(&r);
	}
	/* Refusals leave nothing behind. */
	assert_int_equal(e2e_call(f->d, "GET", BUCKET, "leading-slash", NULL, 0,
	    NULL), 404);
	assert_int_equal(e2e_call(f->d, "GET", BUCKET, "nul", NULL, 0, NULL),
	    404);
	assert_int_equal(dir_entries(f->parent), 1);
	assert_healthy(f);
}

/* ---- raw HTTP, for what a well-behaved client cannot send ---- */

/* Sends p[0..n) on a new connection (then half-closes it when shut), reads
 * until the server closes or 10 s pass; returns the status of the first
 * response, 0 for none. */
static int
exchange(const struct fixture *f, const void *p, size_t n, int shut)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 10 };
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap + 1);
	int fd, status = 0;
	ssize_t k;

	assert_non_null(buf);
	sa.sin_port = htons(e2e_daemon_port(f->d));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* The server may answer and close before it read everything. */
	for (size_t off = 0; off < n; off += (size_t)k)
		if ((k = send(fd, (const char *)p + off, n - off,
		    MSG_NOSIGNAL)) <= 0)
			break;
	if (shut)
		shutdown(fd, SHUT_WR);
	while (len < cap && (k = recv(fd, buf + len, cap - len, 0)) > 0)
		len += (size_t)k;
	close(fd);
	buf[len] = '\0';
	if (len > 12 && strncmp(buf, "HTTP/1.1 ", 9) == 0)
		status = (int)strtol(buf + 9, NULL, 10);
	free(buf);
	return status;
}

static char *
request_with_header(size_t value_len, size_t nheaders, size_t *ret_n)
{
	size_t cap = value_len + nheaders * 32 + 256, n;
	char *p = malloc(cap);

	assert_non_null(p);
	n = (size_t)snprintf(p, cap, "GET /-/health HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nConnection: close\r\n");
	if (value_len > 0) {
		n += (size_t)snprintf(p + n, cap - n, "X-Big: ");
		memset(p + n, 'a', value_len);
		n += value_len;
		n += (size_t)snprintf(p + n, cap - n, "\r\n");
	}
	for (size_t i = 0; i < nheaders; i++)
		n += (size_t)snprintf(p + n, cap - n, "X-H%zu: v\r\n", i);
	n += (size_t)snprintf(p + n, cap - n, "\r\n");
	*ret_n = n;
	return p;
}

/* Headers within the connection's memory are served; past it, 431. */
static void
test_header_limits(void **state)
{
	static const struct { size_t value, count; } cases[] = {
		{ 31000, 0 }, { 40000, 0 }, { 0, 10000 }, { 1 << 20, 0 },
	};
	struct fixture *f = *state;
	size_t n;
	char *p;
	int st;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = request_with_header(cases[i].value, cases[i].count, &n);
		st = exchange(f, p, n, 0);
		free(p);
		if (st != 200 && st != 431)
			fail_msg("%zu-byte header, %zu headers: status %d",
			    cases[i].value, cases[i].count, st);
		/* A megabyte of header cannot be within any limit. */
		if (cases[i].value >= (1 << 20) || cases[i].count >= 10000)
			assert_int_equal(st, 431);
	}
	assert_healthy(f);
}

/* An anonymous PUT of key to the public bucket with the given
 * Content-Length and body bytes, the connection half-closed after them. */
static int
put_raw(const struct fixture *f, const char *key, const char *length,
    const char *body)
{
	char req[1024];
	int n;

	n = snprintf(req, sizeof(req), "PUT /%s/%s HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nContent-Length: %s\r\n\r\n%s", PUBLIC, key,
	    length, body);
	assert_true(n > 0 && (size_t)n < sizeof(req));
	return exchange(f, req, (size_t)n, 1);
}

static long
get_public(const struct fixture *f, const char *key, struct e2e_resp *ret)
{
	struct e2e_req rq = { .method = "GET", .bucket = PUBLIC, .key = key };

	assert_int_equal(e2e_request(e2e_daemon_port(f->d), &rq, ret), ERR_OK);
	return ret->status;
}

static void
test_content_length(void **state)
{
	struct fixture *f = *state;
	struct e2e_resp r;
	int st;

	/* Longer than the body, which then ends: no object, no success. */
	st = put_raw(f, "short-body", "100", "only ten b");
	assert_true(st == 0 || (st >= 400 && st < 500));
	assert_int_equal(get_public(f, "short-body", &r), 404);
	e2e_resp_free(&r);

	/* Shorter than the body: the object is the first Content-Length
	 * bytes, and the rest is a request of its own, which is garbage. */
	st = put_raw(f, "long-body", "5", "helloEXTRA BYTES\r\n\r\n");
	assert_int_equal(st, 200);
	assert_int_equal(get_public(f, "long-body", &r), 200);
	assert_string_equal(r.body, "hello");
	e2e_resp_free(&r);

	/* Not a number, and a number past any object size. */
	st = put_raw(f, "bad-length", "12abc", "x");
	assert_true(st == 400 || st == 0);
	st = put_raw(f, "huge-length", "99999999999999999999", "x");
	assert_true(st == 400 || st == 413 || st == 0);
	assert_int_equal(get_public(f, "bad-length", &r), 404);
	e2e_resp_free(&r);
	assert_int_equal(get_public(f, "huge-length", &r), 404);
	e2e_resp_free(&r);
	assert_healthy(f);
}

static long
rss_kib(const struct fixture *f)
{
	char path[64], line[256];
	long kib = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status",
	    (int)e2e_daemon_pid(f->d));
	fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(fp);
	return kib;
}

static long
put_tagging(const struct fixture *f, const char *body, struct e2e_resp *ret)
{
	struct kv q = { "tagging", NULL };
	struct e2e_req rq = { .method = "PUT", .bucket = BUCKET,
	    .key = "tagged", .query = &q, .nquery = 1, .body = body,
	    .body_len = strlen(body),
	    .ak = E2E_ROOT_AK, .sk = E2E_ROOT_SK };

	assert_int_equal(e2e_request(e2e_daemon_port(f->d), &rq, ret), ERR_OK);
	return ret->status;
}

/* XML bodies: entity and nesting bombs, external entities and bodies past
 * the route's cap are refused, with the daemon's memory bounded. */
static void
test_xml_bombs(void **state)
{
	static const char external[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE t [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	    "<Tagging><TagSet><Tag><Key>k</Key><Value>&x;</Value></Tag>"
	    "</TagSet></Tagging>";
	struct fixture *f = *state;
	struct e2e_resp r;
	long before, after;
	size_t n = 0, depth = 5000;
	char laughs[2048], *deep, *big;

	/* Billion laughs: lol9 expands to 10^9 "lol"s. */
	n = (size_t)snprintf(laughs, sizeof(laughs), "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE lolz [<!ENTITY lol0 \"lol\">");
	for (int i = 1; i <= 9; i++) {
		n += (size_t)snprintf(laughs + n, sizeof(laughs) - n,
		    "<!ENTITY lol%d \"", i);
		for (int k = 0; k < 10; k++)
			n += (size_t)snprintf(laughs + n, sizeof(laughs) - n,
			    "&lol%d;", i - 1);
		n += (size_t)snprintf(laughs + n, sizeof(laughs) - n, "\">");
	}
	n += (size_t)snprintf(laughs + n, sizeof(laughs) - n, "]><Tagging>"
	    "<TagSet><Tag><Key>k</Key><Value>&lol9;</Value></Tag></TagSet>"
	    "</Tagging>");
	assert_true(n < sizeof(laughs));
	n = 0;

	assert_int_equal(e2e_call(f->d, "PUT", BUCKET, "tagged", "x", 1, NULL),
	    200);
	before = rss_kib(f);

	put_tagging(f, laughs, &r);
	assert_code(&r, 400, "MalformedXML");
	e2e_resp_free(&r);
	put_tagging(f, external, &r);
	assert_code(&r, 400, "MalformedXML");
	assert_null(strstr(r.body, "root:"));
	e2e_resp_free(&r);

	deep = malloc(depth * 7 + 64);
	assert_non_null(deep);
	for (size_t i = 0; i < depth; i++)
		n += (size_t)snprintf(deep + n, 4, "<a>");
	for (size_t i = 0; i < depth; i++)
		n += (size_t)snprintf(deep + n, 5, "</a>");
	put_tagging(f, deep, &r);
	assert_code(&r, 400, "MalformedXML");
	e2e_resp_free(&r);
	free(deep);

	/* PutObjectTagging takes 64 KiB. */
	big = malloc(70 * 1024 + 128);
	assert_non_null(big);
	n = (size_t)snprintf(big, 64,
	    "<Tagging><TagSet><Tag><Key>k</Key><Value>");
	memset(big + n, 'v', 70 * 1024);
	n += 70 * 1024;
	snprintf(big + n, 64, "</Value></Tag></TagSet></Tagging>");
	put_tagging(f, big, &r);
	assert_code(&r, 400, "EntityTooLarge");
	e2e_resp_free(&r);
	free(big);

	/* None of it was kept or expanded: the daemon grew by less than one
	 * expansion of the bomb (a gigabyte) would take, by a wide margin. */
	after = rss_kib(f);
	assert_true(before > 0 && after > 0);
	if (after - before > 64 * 1024)
		fail_msg("RSS grew from %ld to %ld KiB", before, after);
	{
		struct kv q = { "tagging", NULL };
		struct e2e_req rq = { .method = "GET", .bucket = BUCKET,
		    .key = "tagged", .query = &q, .nquery = 1,
		    .ak = E2E_ROOT_AK, .sk = E2E_ROOT_SK };

		assert_int_equal(e2e_request(e2e_daemon_port(f->d), &rq, &r),
		    ERR_OK);
		assert_int_equal(r.status, 200);
		assert_null(strstr(r.body, "<Tag>"));
		e2e_resp_free(&r);
	}
	assert_healthy(f);
}

/* The V1 Authorization value for method /BUCKET/key with the given
 * headers (names lower-case), as a client computes it. */
static void
v1_auth(char out[static 128], const char *method, const char *key,
    const struct kv *h, size_t nh, const struct kv *q, size_t nq)
{
	struct auth_input in = { .method = method, .bucket = BUCKET,
	    .key = key, .headers = h, .nheaders = nh, .query = q,
	    .nquery = nq, .region = "cn-hangzhou" };
	char sig[29];
	struct buf sts;

	buf_init(&sts, 64 * 1024);
	assert_int_equal(auth_v1_string_to_sign(&in, kv_get(h, nh, "date"),
	    false, false, &sts), ERR_OK);
	auth_v1_sign(sig, E2E_ROOT_SK, buf_cstr(&sts), sts.len);
	buf_free(&sts);
	snprintf(out, 128, "OSS %s:%s", E2E_ROOT_AK, sig);
}

/* Sends "PUT target" with the headers and a 4-byte body; the status. */
static int
put_signed_raw(const struct fixture *f, const char *target,
    const struct kv *h, size_t nh, const char *auth)
{
	char req[2048];
	size_t n;

	n = (size_t)snprintf(req, sizeof(req), "PUT %s HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nConnection: close\r\nContent-Length: 4\r\n"
	    "Authorization: %s\r\n", target, auth);
	for (size_t i = 0; i < nh; i++)
		n += (size_t)snprintf(req + n, sizeof(req) - n, "%s: %s\r\n",
		    h[i].name, h[i].value);
	n += (size_t)snprintf(req + n, sizeof(req) - n, "\r\nbody");
	assert_true(n < sizeof(req));
	return exchange(f, req, n, 0);
}

/* T23: what the signature covers cannot change after signing. */
static void
test_tampered_signature(void **state)
{
	struct fixture *f = *state;
	char date[TIME_RFC1123_BYTES], later[TIME_RFC1123_BYTES];
	char auth[128];
	struct kv h[3], q = { "acl", "" };
	struct e2e_resp r;
	int64_t now = clock_wall_ms();

	time_fmt_rfc1123(date, now);
	time_fmt_rfc1123(later, now + 1000);
	h[0] = (struct kv){ "date", date };
	h[1] = (struct kv){ "content-type", "text/plain" };
	h[2] = (struct kv){ "x-oss-meta-owner", "alice" };
	v1_auth(auth, "PUT", "signed", h, 3, NULL, 0);

	/* Untouched, it works: the tampering below is what fails. */
	assert_int_equal(put_signed_raw(f, "/" BUCKET "/signed", h, 3, auth),
	    200);
	/* Another key, a sub-resource, each signed header, the Date. */
	assert_int_equal(put_signed_raw(f, "/" BUCKET "/other", h, 3, auth),
	    403);
	assert_int_equal(put_signed_raw(f, "/" BUCKET "/signed?acl", h, 3,
	    auth), 403);
	h[1].value = "application/json";
	assert_int_equal(put_signed_raw(f, "/" BUCKET "/signed", h, 3, auth),
	    403);
	h[1].value = "text/plain";
	h[2].value = "mallory";
	assert_int_equal(put_signed_raw(f, "/" BUCKET "/signed", h, 3, auth),
	    403);
	h[2].value = "alice";
	h[0].value = later;
	assert_int_equal(put_signed_raw(f, "/" BUCKET "/signed", h, 3, auth),
	    403);
	/* A header added after signing that V1 signs (x-oss-*). */
	h[0].value = date;
	{
		struct kv h4[4] = { h[0], h[1], h[2],
		    { "x-oss-object-acl", "public-read" } };

		assert_int_equal(put_signed_raw(f, "/" BUCKET "/signed", h4, 4,
		    auth), 403);
	}
	/* Signed for ?acl, sent without it. */
	v1_auth(auth, "PUT", "signed", h, 1, &q, 1);
	assert_int_equal(put_signed_raw(f, "/" BUCKET "/signed", h, 1, auth),
	    403);

	/* Nothing changed: no "other", and "signed" is the first PUT's. */
	assert_int_equal(e2e_call(f->d, "GET", BUCKET, "other", NULL, 0, NULL),
	    404);
	assert_int_equal(e2e_call(f->d, "HEAD", BUCKET, "signed", NULL, 0, &r),
	    200);
	assert_string_equal(e2e_resp_header(&r, "x-oss-meta-owner"), "alice");
	assert_string_equal(e2e_resp_header(&r, "content-type"), "text/plain");
	e2e_resp_free(&r);
	assert_healthy(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tampered_signature),
		cmocka_unit_test(test_opaque_keys),
		cmocka_unit_test(test_refused_keys),
		cmocka_unit_test(test_header_limits),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_xml_bombs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
