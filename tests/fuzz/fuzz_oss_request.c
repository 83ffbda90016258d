/* SPDX-License-Identifier: ISC */
/*
 * fuzz_oss_request.c: libFuzzer harness for the whole OSS request path, as
 * http/ drives it: the target parser and router, the Authorization and
 * presigned-query parsers, the header parsers (Range, conditions, x-oss-*)
 * and every XML body a handler reads (WORM Initiate/Extend, Inventory,
 * CompleteMultipartUpload, Delete-Multiple, ACL, tagging, encryption,
 * CNAME, live channel, restore, create bucket).
 *
 * An input is a request in HTTP/1.1 shape:
 *
 *   METHOD SP TARGET LF
 *   name: value LF        (any number, names lower-cased by the harness)
 *   LF
 *   body
 *
 * Handlers behind authentication are what matters, so a request without
 * Authorization, OSSAccessKeyId or x-oss-signature-version is signed (V1)
 * with the harness's account, the way a client would, over exactly what
 * the daemon will see; the others go through as given and exercise the
 * signature parsers. "@UPLOAD@" anywhere in the input becomes the id of a
 * fresh multipart upload of bkt/mpu holding part 1 ("part-one"; the seeds
 * carry its ETag), so CompleteMultipartUpload bodies reach the part
 * checks and the commit.
 *
 * The daemon's state lives in a temporary data dir for the whole run (in
 * /dev/shm when there is one; a crash leaves it behind):
 * bucket "bkt" (private) and "pub" (public-read-write) and object bkt/o exist
 * at start, and whatever the fuzzer does to them persists, as on a real
 * server. Invariants: no ASan/UBSan report, no leak, every request gets a
 * status, and no 5xx other than 501 (an operation cofferd does not
 * implement) and 503 (a cap was hit) is ever answered.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "db/clock_db.h"
#include "db/db.h"
#include "dns/dns.h"
#include "kms/kms.h"
#include "oss/oss_int.h"
#include "store/store.h"
#include "support/test_support.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

#define HDR_MAX		64
#define ARENA_CAP	((size_t)32 << 20)

static struct {
	char		*dir;
	struct db	*db;
	struct db_clock	*dbclock;
	struct clock	 clock;
	struct kms	*kms;
	struct store	*store;
	struct dns_txt	*dns;
	struct api	*api;
	struct oss	*oss;
	char		 ak[AUTH_AK_MAX];
	char		 sk[API_SECRET_MAX];
} F;

struct req_in {
	char		*method;
	char		*target;
	struct kv	 h[HDR_MAX + 3];
	size_t		 nh;
	const char	*body;
	size_t		 body_len;
};

static void
teardown(void)
{
	oss_close(F.oss);
	api_close(F.api);
	dns_txt_close(F.dns);
	store_close(F.store);
	kms_close(F.kms);
	db_clock_close(F.dbclock);
	db_close(F.db);
	test_rmrf(F.dir);
	free(F.dir);
}

static const char *
header(const struct req_in *in, const char *name)
{
	for (size_t i = 0; i < in->nh; i++)
		if (strcmp(in->h[i].name, name) == 0)
			return in->h[i].value;
	return NULL;
}

/* The V1 Authorization header a client would send for in, computed over
 * the bucket, key and query the router derives from it. */
static void
sign(struct req_in *in, struct arena *a)
{
	struct http_request req = { 0 };
	struct call c = { 0 };
	struct auth_input ai;
	char date[TIME_RFC1123_BYTES], sig[29];
	struct buf sts;

	if (header(in, "date") == NULL && header(in, "x-oss-date") == NULL) {
		time_fmt_rfc1123(date, clock_wall_ms());
		in->h[in->nh].name = "date";
		in->h[in->nh++].value = arena_strdup(a, date);
	}
	req.method = in->method;
	req.uri = in->target;
	req.headers = in->h;
	req.nheaders = in->nh;
	c.api = F.api;
	c.req = &req;
	c.a = a;
	c.route_index = api_nroutes;
	if (router_parse_target(&c) != ERR_OK)
		return;
	ai = (struct auth_input){ .method = in->method,
	    .bucket = c.bucket_name, .key = c.key, .headers = in->h,
	    .nheaders = in->nh, .query = c.query, .nquery = c.nquery,
	    .region = c.region, .now_ms = clock_wall_ms() };
	buf_init(&sts, 1 << 20);
	if (auth_v1_string_to_sign(&ai, header(in, "date"), false, false, &sts) == ERR_OK) {
		auth_v1_sign(sig, F.sk, sts.data, sts.len);
		in->h[in->nh].name = "authorization";
		in->h[in->nh++].value = arena_printf(a, "OSS %s:%s", F.ak, sig);
	}
	buf_free(&sts);
}

/* Runs one request through the handler as http/ would; returns the
 * status and, when ret_body is given, a copy of the body (malloc'd). */
static int
serve(struct req_in *in, struct arena *a, char **ret_body)
{
	const struct http_handler *h = oss_http_handler();
	struct http_request req;
	enum http_next next;
	int status;

	memset(&req, 0, sizeof(req));
	arena_init(&req.arena, ARENA_CAP);
	req.method = arena_strdup(&req.arena, in->method);
	req.uri = arena_strdup(&req.arena, in->target);
	req.version = "HTTP/1.1";
	req.headers = arena_alloc(&req.arena, (in->nh + 1) * sizeof(struct kv));
	CHECK(req.method && req.uri && req.headers);
	for (size_t i = 0; i < in->nh; i++) {
		req.headers[i].name = arena_strdup(&req.arena, in->h[i].name);
		req.headers[i].value = arena_strdup(&req.arena, in->h[i].value);
		if (strcmp(in->h[i].name, "content-length") == 0 &&
		    str_to_u64(in->h[i].value, UINT64_MAX, &req.content_length))
			req.has_length = true;
	}
	req.nheaders = in->nh;
	if (!req.has_length) {
		req.has_length = true;
		req.content_length = in->body_len;
	}
	snprintf(req.peer, sizeof(req.peer), "127.0.0.1");
	req.start_us = clock_mono_us();
	(void)a;

	next = h->begin(F.oss, &req);
	if (next == HTTP_READ) {
		/* Two chunks: handlers must not assume one. */
		size_t half = in->body_len / 2;

		req.body_bytes = half;
		next = h->body(F.oss, &req, in->body, half);
		if (next == HTTP_READ) {
			req.body_bytes = in->body_len;
			next = h->body(F.oss, &req, in->body + half,
			    in->body_len - half);
		}
		if (next == HTTP_READ)
			h->end(F.oss, &req);
	}
	if (req.resp.stream.read != NULL) {
		char buf[16384];
		uint64_t pos = 0;
		ssize_t n;

		while (pos < req.resp.stream.len &&
		    (n = req.resp.stream.read(req.resp.stream.ctx, pos, buf,
		    sizeof(buf))) > 0)
			pos += (uint64_t)n;
		req.resp.bytes_sent = pos;
	} else
		req.resp.bytes_sent = req.resp.body_len;
	h->done(F.oss, &req, true);
	status = req.resp.status;
	if (ret_body != NULL) {
		*ret_body = calloc(1, req.resp.body_len + 1);
		CHECK(*ret_body != NULL);
		if (req.resp.body_len)
			memcpy(*ret_body, req.resp.body, req.resp.body_len);
	}
	if (req.resp.stream.free != NULL)
		req.resp.stream.free(req.resp.stream.ctx);
	free(req.resp.body);
	arena_free(&req.arena);
	return status;
}

/* Splits text into a request; false when it has no request line. */
static bool
parse_input(char *text, size_t len, struct req_in *in)
{
	char *p = text, *end = text + len, *nl, *sp, *colon;

	memset(in, 0, sizeof(*in));
	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL)
		return false;
	*nl = '\0';
	sp = strchr(p, ' ');
	if (sp == NULL || sp == p)
		return false;
	*sp = '\0';
	in->method = p;
	in->target = sp + 1;
	for (p = nl + 1; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		*nl = '\0';
		if (*p == '\0')
			break;
		colon = strchr(p, ':');
		if (colon == NULL || in->nh == HDR_MAX)
			continue;
		*colon = '\0';
		for (char *q = p; *q; q++)
			if (*q >= 'A' && *q <= 'Z')
				*q += 'a' - 'A';
		for (colon++; *colon == ' '; colon++)
			;
		in->h[in->nh].name = p;
		in->h[in->nh++].value = colon;
	}
	if (nl < end) {
		in->body = nl + 1;
		in->body_len = (size_t)(end - nl - 1);
	} else
		in->body = "";
	return true;
}

/* A request from a literal; signs it and returns the status. */
static int
setup_request(const char *text, char **ret_body)
{
	struct arena a;
	struct req_in in;
	char *t = strdup(text);
	int status;

	CHECK(t != NULL && parse_input(t, strlen(t), &in));
	arena_init(&a, 1 << 20);
	sign(&in, &a);
	status = serve(&in, &a, ret_body);
	arena_free(&a);
	free(t);
	return status;
}

/* A request the set-up needs: says why it failed before aborting. */
static void
setup_ok(const char *text)
{
	char *body = NULL;
	int status = setup_request(text, &body);

	if (status != 200) {
		fprintf(stderr, "set-up request failed: %d %s\n", status, body);
		abort();
	}
	free(body);
}

/* A new upload of bkt/mpu with part 1; its id in the request arena. */
static const char *
new_upload(struct arena *a)
{
	char *body = NULL, *s, *e, *req;
	const char *id = NULL;

	if (setup_request("POST /bkt/mpu?uploads\nhost: 127.0.0.1\n\n",
	    &body) != 200)
		goto out;
	if ((s = strstr(body, "<UploadId>")) == NULL ||
	    (e = strstr(s, "</UploadId>")) == NULL)
		goto out;
	s += strlen("<UploadId>");
	id = arena_strndup(a, s, (size_t)(e - s));
	req = arena_printf(a, "PUT /bkt/mpu?partNumber=1&uploadId=%s\n"
	    "host: 127.0.0.1\n\npart-one", id);
	if (req == NULL || setup_request(req, NULL) != 200)
		id = NULL;
out:
	free(body);
	return id;
}

/* text with every "@UPLOAD@" replaced by id, in the arena. */
static char *
substitute(struct arena *a, const char *text, size_t len, const char *id,
    size_t *ret_len)
{
	static const char tag[] = "@UPLOAD@";
	size_t idn = strlen(id), n = 0, cap = len + 1;
	const char *p;
	char *out;

	for (p = text; (p = memmem(p, len - (size_t)(p - text), tag,
	    sizeof(tag) - 1)) != NULL; p += sizeof(tag) - 1)
		cap += idn;
	if ((out = arena_alloc(a, cap)) == NULL)
		return NULL;
	for (p = text; p < text + len; ) {
		if ((size_t)(text + len - p) >= sizeof(tag) - 1 &&
		    memcmp(p, tag, sizeof(tag) - 1) == 0) {
			memcpy(out + n, id, idn);
			n += idn;
			p += sizeof(tag) - 1;
		} else
			out[n++] = *p++;
	}
	out[n] = '\0';
	*ret_len = n;
	return out;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct kms_settings ks = { 0 };
	struct api_settings as = { 0 };
	struct auth_account acct;
	char path[4096];
	unsigned line = 0;

	(void)argc;
	(void)argv;
	log_set_level(LOG_LEVEL_ERR);
	/* Every write commits with a sync: on a RAM file system they cost
	 * nothing and the harness runs ten times faster. */
	if (access("/dev/shm", W_OK | X_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 1);
	F.dir = test_tmpdir("fuzz-oss");
	snprintf(path, sizeof(path), "%s/meta.db", F.dir);
	CHECK(db_open(path, &F.db) == ERR_OK);
	CHECK(db_clock_open(F.db, false, &F.dbclock) == ERR_OK);
	F.clock.now_ms = db_clock_now;
	F.clock.ctx = F.dbclock;
	snprintf(path, sizeof(path), "%s/root.key", F.dir);
	ks.root_key_path = path;
	ks.create_root_key = true;
	ks.db = F.db;
	ks.clock = &F.clock;
	CHECK(kms_open(&ks, &F.kms) == ERR_OK);
	CHECK(store_open(F.dir, &F.store) == ERR_OK);
	CHECK(dns_txt_open(NULL, &F.dns, &line) == ERR_OK);
	as.db = F.db;
	as.store = F.store;
	as.kms = F.kms;
	as.clock = &F.clock;
	as.region = "cn-hangzhou";
	as.domains[0] = "oss.test";
	as.ndomains = 1;
	as.max_buckets = 100;
	as.version = "fuzz";
	as.dns = F.dns;
	CHECK(api_open(&as, &F.api) == ERR_OK);
	CHECK(api_account_create(F.db, F.kms, "root", NULL, NULL,
	    clock_wall_ms(), &acct, F.ak, F.sk) == ERR_OK);
	CHECK(oss_open(F.api, &F.oss) == ERR_OK);
	atexit(teardown);

	setup_ok("PUT /bkt\nhost: 127.0.0.1\n\n");
	setup_ok("PUT /pub\nhost: 127.0.0.1\nx-oss-acl: public-read-write\n\n");
	setup_ok("PUT /bkt/o\nhost: 127.0.0.1\n\n"
	    "0123456789abcdefghijklmnopqrstuvwxyz");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req_in in;
	struct arena a;
	const char *id;
	char *text;
	size_t len = size;
	int status;

	arena_init(&a, ARENA_CAP);
	text = arena_alloc(&a, size + 1);
	CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	if (memmem(text, size, "@UPLOAD@", 8) != NULL) {
		if ((id = new_upload(&a)) == NULL)
			id = "0000";
		text = substitute(&a, text, size, id, &len);
		CHECK(text != NULL);
	}
	if (!parse_input(text, len, &in) || in.method[0] == '\0')
		goto out;
	if (header(&in, "authorization") == NULL &&
	    strstr(in.target, "OSSAccessKeyId=") == NULL &&
	    strstr(in.target, "x-oss-signature-version=") == NULL)
		sign(&in, &a);
	/* FUZZ_VERBOSE=1 shows each answer: what seed writing needs. */
	if (getenv("FUZZ_VERBOSE") != NULL) {
		char *body = NULL;

		status = serve(&in, &a, &body);
		fprintf(stderr, "%s %s -> %d %.300s\n", in.method, in.target,
		    status, body);
		free(body);
	} else
		status = serve(&in, &a, NULL);
	CHECK(status >= 200 && status < 600);
	CHECK(status < 500 || status == 501 || status == 503);
out:
	arena_free(&a);
	return 0;
}
