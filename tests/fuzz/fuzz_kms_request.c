/* SPDX-License-Identifier: ISC */
/*
 * fuzz_kms_request.c: libFuzzer harness for the whole KMS request path, as
 * http/ drives it: the query and form decoders, Format, the signature
 * dispatch (V1 parameters, ACS3 header), the replay cache, the action
 * table and every action's parameters, down to kms/ and the JSON and XML
 * replies and error documents.
 *
 * An input is a request in HTTP/1.1 shape (wire.h). Actions are what
 * matters, so a request that carries no Signature parameter and no
 * Authorization header is signed (V1, in the query) with the harness's
 * account over the parameters the daemon will decode, with a fresh
 * nonce; the others go through as given and exercise the signature
 * parsers. The target and a form body are split on '&' and '=' and
 * percent-decoded ('+' a space) here as the daemon does; when the two
 * disagree the request only fails its signature.
 *
 * State lives in a temporary data dir for the whole run (in /dev/shm when
 * there is one): the CMK "alias/fuzz" exists at start; whatever the
 * fuzzer creates, disables or schedules for deletion persists. Invariants:
 * no ASan/UBSan report, no leak, a status for every request, no 5xx
 * other than 503 (a cap was hit), and every error is the KMS error
 * document, JSON or (Format=XML) XML, with a Code and its HttpStatus.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "auth/auth.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "codec/json.h"
#include "codec/xml.h"
#include "db/clock_db.h"
#include "db/db.h"
#include "fuzz/wire.h"
#include "kms/kms.h"
#include "kmsd/kmsd.h"
#include "store/store.h"
#include "support/test_support.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

#define ARENA_CAP	((size_t)32 << 20)
#define PARAMS_MAX	300

static struct {
	char		*dir;
	struct db	*db;
	struct db_clock	*dbclock;
	struct clock	 clock;
	struct kms	*kms;
	struct store	*store;
	struct api	*api;
	struct kmsd	*kmsd;
	char		 ak[AUTH_AK_MAX];
	char		 sk[API_SECRET_MAX];
	uint64_t	 nonce;
} F;

static void
teardown(void)
{
	kmsd_close(F.kmsd);
	api_close(F.api);
	store_close(F.store);
	kms_close(F.kms);
	db_clock_close(F.dbclock);
	db_close(F.db);
	test_rmrf(F.dir);
	free(F.dir);
}

/* "a=1&b=2" into pairs, percent-decoded with '+' as a space. */
static void
decode(struct arena *a, const char *s, struct kv *kv, size_t *n)
{
	while (*s != '\0' && *n < PARAMS_MAX) {
		size_t l = strcspn(s, "&");
		const char *eq = memchr(s, '=', l);
		size_t kl = eq ? (size_t)(eq - s) : l;
		size_t vl = eq ? l - kl - 1 : 0;
		char *k = arena_alloc(a, kl + 1), *v = arena_alloc(a, vl + 1);

		if (k == NULL || v == NULL)
			return;
		if (l > 0 && url_decode(k, s, kl, true) >= 0 &&
		    url_decode(v, eq ? eq + 1 : "", vl, true) >= 0) {
			kv[*n].name = k;
			kv[*n].value = v;
			(*n)++;
		}
		s += l;
		if (*s == '&')
			s++;
	}
}

/* Appends name=value (value percent-encoded) to the target. */
static char *
append(struct arena *a, char *target, const char *name,
    const char *value)
{
	struct buf b;
	char *s;

	buf_init(&b, 1 << 20);
	(void)url_encode(&b, value, strlen(value), false);
	s = arena_printf(a, "%s%c%s=%s", target,
	    strchr(target, '?') != NULL ? '&' : '?', name, buf_cstr(&b));
	buf_free(&b);
	return s != NULL ? s : target;
}

/* Signs w (V1, in the query) as @alicloud/kms20160120 would. */
static void
sign(struct fuzz_wire *w, struct arena *a)
{
	static struct kv q[PARAMS_MAX + 8], f[PARAMS_MAX];
	const char *ct = fuzz_wire_header(w, "content-type");
	char nonce[32], ts[TIME_ISO_BYTES], sig[29], *body;
	size_t nq = 0, nf = 0;
	const char *qs;
	struct buf sts;

	snprintf(nonce, sizeof(nonce), "fuzz-%llu",
	    (unsigned long long)++F.nonce);
	time_fmt_iso_s(ts, clock_wall_ms());
	w->target = append(a, w->target, "AccessKeyId", F.ak);
	w->target = append(a, w->target, "SignatureMethod", "HMAC-SHA1");
	w->target = append(a, w->target, "SignatureVersion", "1.0");
	w->target = append(a, w->target, "SignatureNonce", nonce);
	w->target = append(a, w->target, "Timestamp", ts);
	qs = strchr(w->target, '?');
	decode(a, qs + 1, q, &nq);
	if (ct != NULL && strncasecmp(ct,
	    "application/x-www-form-urlencoded", 33) == 0 && w->body_len > 0 &&
	    (body = arena_strndup(a, w->body, w->body_len)) != NULL)
		decode(a, body, f, &nf);
	buf_init(&sts, (size_t)4 << 20);
	if (auth_kms_v1_string_to_sign(w->method, q, nq, f, nf, &sts) ==
	    ERR_OK) {
		auth_kms_v1_sign(sig, F.sk, buf_cstr(&sts), sts.len);
		w->target = append(a, w->target, "Signature", sig);
	}
	buf_free(&sts);
}

/* A request the set-up needs; aborts, saying why, when it fails. Returns
 * the reply's body (malloc'd). */
static char *
setup_request(const char *text)
{
	struct fuzz_wire w;
	struct arena a;
	char *t = strdup(text), *body = NULL;
	int status;

	CHECK(t != NULL && fuzz_wire_parse(t, strlen(t), &w));
	arena_init(&a, 1 << 20);
	sign(&w, &a);
	status = fuzz_wire_serve(kmsd_http_handler(), F.kmsd, &w, &body);
	if (status != 200) {
		fprintf(stderr, "set-up request failed: %d %s\n", status, body);
		abort();
	}
	arena_free(&a);
	free(t);
	return body;
}

/* An error's body is the KMS error document, for its own status. */
static void
check_error_body(const char *body, int status)
{
	struct xml_node *root = NULL;
	const char *code, *http;
	struct kv *kv = NULL;
	struct arena a;
	size_t n = 0;

	arena_init(&a, (size_t)4 << 20);
	if (body[0] == '<') {
		CHECK(xml_parse(&a, body, strlen(body), NULL, &root) ==
		    ERR_OK);
		CHECK(strcmp(root->name, "KMS") == 0);
		code = xml_child_text(root, "Code");
		http = xml_child_text(root, "HttpStatus");
	} else {
		CHECK(json_parse_string_map(&a, body, strlen(body), &kv, &n) ==
		    ERR_OK);
		code = kv_get(kv, n, "Code");
		http = kv_get(kv, n, "HttpStatus");
	}
	CHECK(code != NULL && code[0] != '\0');
	CHECK(http != NULL && strtol(http, NULL, 10) == status);
	arena_free(&a);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct kms_settings ks = { 0 };
	struct api_settings as = { 0 };
	struct kmsd_settings kset = { .uri_max = 128 * 1024 };
	struct auth_account acct;
	char path[4096], req[256], *body, *id;

	(void)argc;
	(void)argv;
	log_set_level(LOG_LEVEL_ERR);
	/* Every write commits with a sync: free on a RAM file system. */
	if (access("/dev/shm", W_OK | X_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 1);
	F.dir = test_tmpdir("fuzz-kms");
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
	as.db = F.db;
	as.store = F.store;
	as.kms = F.kms;
	as.clock = &F.clock;
	as.region = "cn-hangzhou";
	as.max_buckets = 100;
	as.version = "fuzz";
	CHECK(api_open(&as, &F.api) == ERR_OK);
	CHECK(api_account_create(F.db, F.kms, "root", NULL, NULL,
	    clock_wall_ms(), &acct, F.ak, F.sk) == ERR_OK);
	CHECK(kmsd_open(F.api, &kset, &F.kmsd) == ERR_OK);
	atexit(teardown);

	body = setup_request("POST /?Action=CreateKey&Version=2016-01-20"
	    "&Description=fuzz\nhost: 127.0.0.1\n\n");
	CHECK((id = strstr(body, "\"KeyId\":\"")) != NULL);
	id += strlen("\"KeyId\":\"");
	id[strcspn(id, "\"")] = '\0';
	snprintf(req, sizeof(req), "POST /?Action=CreateAlias"
	    "&Version=2016-01-20&AliasName=alias/fuzz&KeyId=%s\n"
	    "host: 127.0.0.1\n\n", id);
	free(body);
	free(setup_request(req));
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_wire w;
	struct arena a;
	char *text, *body = NULL;
	int status;

	arena_init(&a, ARENA_CAP);
	text = arena_alloc(&a, size + 1);
	CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	if (!fuzz_wire_parse(text, size, &w) || w.method[0] == '\0')
		goto out;
	if (fuzz_wire_header(&w, "authorization") == NULL &&
	    strstr(w.target, "Signature=") == NULL &&
	    (w.body_len == 0 ||
	    memmem(w.body, w.body_len, "Signature=", 10) == NULL))
		sign(&w, &a);
	status = fuzz_wire_serve(kmsd_http_handler(), F.kmsd, &w, &body);
	/* FUZZ_VERBOSE=1 shows each answer: what seed writing needs. */
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "%s %.200s -> %d %.300s\n", w.method, w.target,
		    status, body);
	/* http/ drops a HEAD reply's body, so the handler may skip it. */
	if (status >= 400 && (strcmp(w.method, "HEAD") != 0 || body[0]))
		check_error_body(body, status);
	free(body);
	CHECK(status >= 200 && status < 600);
	CHECK(status < 500 || status == 503);
out:
	arena_free(&a);
	return 0;
}
