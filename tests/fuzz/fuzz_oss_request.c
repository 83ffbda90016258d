/* SPDX-License-Identifier: ISC */
/*
 * fuzz_oss_request.c: libFuzzer harness for the whole OSS request path, as
 * http/ drives it: the target parser and router, the Authorization and
 * presigned-query parsers, the header parsers (Range, conditions, x-oss-*)
 * and every XML body a handler reads (WORM Initiate/Extend, Inventory,
 * CompleteMultipartUpload, Delete-Multiple, ACL, tagging, encryption,
 * CNAME, live channel, restore, create bucket).
 *
 * An input is a request in HTTP/1.1 shape (wire.h).
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
 * /dev/shm when there is one; a crash leaves it behind): bucket "bkt"
 * (private) and "pub" (public-read-write) and object bkt/o exist at start,
 * and whatever the fuzzer does to them persists, as on a real
 * server. Invariants: no ASan/UBSan report, no leak, every request gets a
 * status, no 5xx other than 501 (an operation cofferd does not implement)
 * and 503 (a cap was hit) is ever answered, and every error with a body
 * is a well-formed <Error> document with a Code and a RequestId.
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
#include "codec/xml.h"
#include "db/clock_db.h"
#include "db/db.h"
#include "dns/dns.h"
#include "fuzz/wire.h"
#include "kms/kms.h"
#include "oss/oss_int.h"
#include "store/store.h"
#include "support/test_support.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

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

/* The V1 Authorization header a client would send for in, computed over
 * the bucket, key and query the router derives from it. */
static void
sign(struct fuzz_wire *in, struct arena *a)
{
	struct http_request req = { 0 };
	struct call c = { 0 };
	struct auth_input ai;
	char date[TIME_RFC1123_BYTES], sig[29];
	struct buf sts;

	if (fuzz_wire_header(in, "date") == NULL &&
	    fuzz_wire_header(in, "x-oss-date") == NULL) {
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
	if (auth_v1_string_to_sign(&ai, fuzz_wire_header(in, "date"), false,
	    false, &sts) == ERR_OK) {
		auth_v1_sign(sig, F.sk, sts.data, sts.len);
		in->h[in->nh].name = "authorization";
		in->h[in->nh++].value = arena_printf(a, "OSS %s:%s", F.ak, sig);
	}
	buf_free(&sts);
}

/* A request from a literal; signs it and returns the status. */
static int
setup_request(const char *text, char **ret_body)
{
	struct arena a;
	struct fuzz_wire in;
	char *t = strdup(text);
	int status;

	CHECK(t != NULL && fuzz_wire_parse(t, strlen(t), &in));
	arena_init(&a, 1 << 20);
	sign(&in, &a);
	status = fuzz_wire_serve(oss_http_handler(), F.oss, &in, ret_body);
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

/* An error's body, when it has one, is the OSS <Error> document. */
static void
check_error_body(const char *body)
{
	struct xml_node *root = NULL;
	const char *code, *id;
	struct arena a;

	if (body[0] == '\0')
		return;
	arena_init(&a, (size_t)4 << 20);
	CHECK(xml_parse(&a, body, strlen(body), NULL, &root) == ERR_OK);
	CHECK(strcmp(root->name, "Error") == 0);
	code = xml_child_text(root, "Code");
	id = xml_child_text(root, "RequestId");
	CHECK(code != NULL && code[0] != '\0');
	CHECK(id != NULL && strlen(id) == 24);
	arena_free(&a);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct kms_settings ks = { 0 };
	struct api_settings as = { 0 };
	struct auth_account acct;
	struct api_seal_report seal;
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
	/* What cofferd does at start: the first start seals the empty
	 * tables (README "What WORM guarantees"). */
	CHECK(api_seal_check(F.db, F.dir, true, &seal) == ERR_OK &&
	    seal.fault == 0);
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
	struct fuzz_wire in;
	struct arena a;
	const char *id;
	char *text, *body = NULL;
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
	if (!fuzz_wire_parse(text, len, &in) || in.method[0] == '\0')
		goto out;
	if (fuzz_wire_header(&in, "authorization") == NULL &&
	    strstr(in.target, "OSSAccessKeyId=") == NULL &&
	    strstr(in.target, "x-oss-signature-version=") == NULL)
		sign(&in, &a);
	status = fuzz_wire_serve(oss_http_handler(), F.oss, &in, &body);
	/* FUZZ_VERBOSE=1 shows each answer: what seed writing needs. */
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "%s %s -> %d %.300s\n", in.method, in.target,
		    status, body);
	if (status >= 400)
		check_error_body(body);
	free(body);
	CHECK(status >= 200 && status < 600);
	CHECK(status < 500 || status == 501 || status == 503);
out:
	arena_free(&a);
	return 0;
}
