/* SPDX-License-Identifier: ISC */
/*
 * test_auth_s3.c: unit tests of the Amazon S3 signatures (auth/s3.h).
 *
 * Published vectors, each asserted through the daemon's own entry points:
 *  - the AWS SigV4 test suite's "get-vanilla" (AKIDEXAMPLE), for the
 *    canonical request and the key derivation shared with OSS V4;
 *  - the S3 SigV4 examples of the Amazon S3 API reference ("Examples of
 *    signature calculations"): GET Object with a Range header, the
 *    presigned GET, and the chunked upload (seed and three chunk
 *    signatures) through auth_parse, auth_verify and the aws-chunked
 *    decoder;
 *  - the S3 Signature V2 examples of the same reference ("Signing and
 *    authenticating REST requests", johnsmith/photos/puppy.jpg), header
 *    string-to-sign and presigned URL.
 * Then the same requests damaged one way at a time.
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

#include "auth/auth.h"
#include "auth/s3.h"
#include "base/str.h"
#include "support/test_support.h"

int sodium_init(void);

#define S3_AK	"AKIAIOSFODNN7EXAMPLE"
#define S3_SK	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define EMPTY_SHA \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct req {
	struct kv	 h[16];
	struct kv	 q[16];
	struct auth_input in;
};

static void
req_init(struct req *r, const char *method, const char *bucket,
    const char *key, const char *raw_path, bool vhost, int64_t now_ms)
{
	memset(r, 0, sizeof(*r));
	r->in.method = method;
	r->in.bucket = bucket;
	r->in.key = key;
	r->in.raw_path = raw_path;
	r->in.vhost = vhost;
	r->in.headers = r->h;
	r->in.query = r->q;
	r->in.region = "cn-hangzhou";
	r->in.now_ms = now_ms;
}

static void
req_header(struct req *r, const char *name, const char *value)
{
	assert_true(r->in.nheaders < 16);
	r->h[r->in.nheaders].name = name;
	r->h[r->in.nheaders].value = value;
	r->in.nheaders++;
}

static void
req_query(struct req *r, const char *name, const char *value)
{
	assert_true(r->in.nquery < 16);
	r->q[r->in.nquery].name = name;
	r->q[r->in.nquery].value = value;
	r->in.nquery++;
}

static int64_t
basic_ms(const char *iso)
{
	int64_t ms;

	assert_true(time_parse_basic(iso, &ms));
	return ms;
}

/* auth_parse then auth_verify; ERR_OK or the first error. */
static enum err
check(struct req *r, const char *secret, struct auth_parsed *p)
{
	enum err e = auth_parse(&r->in, p);

	if (e != ERR_OK)
		return e;
	return auth_verify(&r->in, p, secret, NULL);
}

static void
test_get_vanilla(void **state)
{
	static const char creq_want[] =
	    "GET\n/\n\nhost:example.amazonaws.com\n"
	    "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" EMPTY_SHA;
	static const char sts_want[] =
	    "AWS4-HMAC-SHA256\n20150830T123600Z\n"
	    "20150830/us-east-1/service/aws4_request\n"
	    "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63";
	struct req r;
	struct buf creq, sts;
	char sig[65];

	(void)state;
	req_init(&r, "GET", NULL, NULL, "/", false, 0);
	req_header(&r, "host", "example.amazonaws.com");
	req_header(&r, "x-amz-date", "20150830T123600Z");
	buf_init(&creq, 1 << 20);
	buf_init(&sts, 1 << 20);
	assert_int_equal(auth_s3v4_canonical_request(&r.in, "/",
	    "host;x-amz-date", false, EMPTY_SHA, &creq), ERR_OK);
	assert_string_equal(buf_cstr(&creq), creq_want);
	assert_int_equal(auth_s3v4_string_to_sign("20150830T123600Z",
	    "20150830", "us-east-1", "service", buf_cstr(&creq), creq.len,
	    &sts), ERR_OK);
	assert_string_equal(buf_cstr(&sts), sts_want);
	auth_s3v4_sign(sig, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	    "20150830", "us-east-1", "service", buf_cstr(&sts), sts.len);
	assert_string_equal(sig,
	    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
	buf_free(&creq);
	buf_free(&sts);

	/* Values: trimmed, inner runs of spaces made one. */
	req_header(&r, "x-amz-meta-a", "  a  b   c ");
	buf_init(&creq, 1 << 20);
	assert_int_equal(auth_s3v4_canonical_request(&r.in, "/",
	    "host;x-amz-meta-a", false, EMPTY_SHA, &creq), ERR_OK);
	assert_non_null(strstr(buf_cstr(&creq),
	    "\nhost:example.amazonaws.com\nx-amz-meta-a:a b c\n\n"));
	buf_free(&creq);
}

/* GET /test.txt with Range, virtual-hosted (S3 API reference). */
static void
s3_get_object(struct req *r, const char *auth)
{
	req_init(r, "GET", "examplebucket", "test.txt", "/test.txt", true,
	    basic_ms("20130524T000000Z"));
	req_header(r, "host", "examplebucket.s3.amazonaws.com");
	req_header(r, "range", "bytes=0-9");
	req_header(r, "x-amz-content-sha256", EMPTY_SHA);
	req_header(r, "x-amz-date", "20130524T000000Z");
	req_header(r, "authorization", auth);
}

static void
test_s3v4_header(void **state)
{
	static const char good[] = "AWS4-HMAC-SHA256 Credential="
	    S3_AK "/20130524/us-east-1/s3/aws4_request,"
	    "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
	    "Signature="
	    "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
	char bad[sizeof(good)];
	struct auth_parsed p;
	struct req r;

	(void)state;
	s3_get_object(&r, good);
	assert_int_equal(check(&r, S3_SK, &p), ERR_OK);
	assert_int_equal(p.kind, AUTH_S3V4_HEADER);
	assert_string_equal(p.access_key_id, S3_AK);
	assert_string_equal(p.region, "us-east-1");
	/* The same request path-style signs "/examplebucket/test.txt":
	 * the signature above no longer fits. */
	s3_get_object(&r, good);
	r.in.vhost = false;
	r.in.raw_path = "/examplebucket/test.txt";
	assert_int_equal(check(&r, S3_SK, &p), ERR_SIGNATURE_MISMATCH_V4);
	/* One hex digit off, another secret, another range. */
	memcpy(bad, good, sizeof(good));
	bad[sizeof(bad) - 2] = bad[sizeof(bad) - 2] == '1' ? '2' : '1';
	s3_get_object(&r, bad);
	assert_int_equal(check(&r, S3_SK, &p), ERR_SIGNATURE_MISMATCH_V4);
	s3_get_object(&r, good);
	assert_int_equal(check(&r, "wrong", &p), ERR_SIGNATURE_MISMATCH_V4);
	s3_get_object(&r, good);
	r.h[1].value = "bytes=0-10";
	assert_int_equal(check(&r, S3_SK, &p), ERR_SIGNATURE_MISMATCH_V4);
	/* Clock: 16 minutes later the request is too old. */
	s3_get_object(&r, good);
	r.in.now_ms += 16 * 60 * 1000;
	assert_int_equal(check(&r, S3_SK, &p), ERR_TIME_SKEWED);
	/* Service other than s3. */
	s3_get_object(&r, "AWS4-HMAC-SHA256 Credential=" S3_AK
	    "/20130524/us-east-1/ec2/aws4_request,SignedHeaders=host,"
	    "Signature=00");
	assert_int_equal(check(&r, S3_SK, &p), ERR_V4_BAD_PRODUCT);
	/* SigV4a and the like are named as unsupported, not malformed. */
	s3_get_object(&r, "AWS4-ECDSA-P256-SHA256 Credential=x");
	assert_int_equal(check(&r, S3_SK, &p), ERR_AUTH_UNSUPPORTED);
	s3_get_object(&r, "AWS4-HMAC-SHA256 Credential=" S3_AK
	    "/20130524/us-east-1/s3/aws4_request,Signature=00");
	assert_int_equal(check(&r, S3_SK, &p), ERR_AUTH_MALFORMED);
}

static void
s3_presigned(struct req *r, const char *sig, int64_t now_ms)
{
	req_init(r, "GET", "examplebucket", "test.txt", "/test.txt", true,
	    now_ms);
	req_header(r, "host", "examplebucket.s3.amazonaws.com");
	req_query(r, "X-Amz-Algorithm", "AWS4-HMAC-SHA256");
	req_query(r, "X-Amz-Credential",
	    S3_AK "/20130524/us-east-1/s3/aws4_request");
	req_query(r, "X-Amz-Date", "20130524T000000Z");
	req_query(r, "X-Amz-Expires", "86400");
	req_query(r, "X-Amz-SignedHeaders", "host");
	req_query(r, "X-Amz-Signature", sig);
}

static void
test_s3v4_presigned(void **state)
{
	static const char sig[] =
	    "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
	int64_t t0 = basic_ms("20130524T000000Z");
	struct auth_parsed p;
	struct req r;

	(void)state;
	s3_presigned(&r, sig, t0 + 3600 * 1000);
	assert_int_equal(check(&r, S3_SK, &p), ERR_OK);
	assert_int_equal(p.kind, AUTH_S3V4_QUERY);
	/* Past X-Amz-Expires. */
	s3_presigned(&r, sig, t0 + 86401 * 1000LL);
	assert_int_equal(check(&r, S3_SK, &p), ERR_REQUEST_EXPIRED);
	/* Any change to the query is a mismatch; never anonymous. */
	s3_presigned(&r, sig, t0);
	req_query(&r, "versionId", "x");
	assert_int_equal(check(&r, S3_SK, &p), ERR_SIGNATURE_MISMATCH_V4);
	s3_presigned(&r, sig, t0);
	r.q[0].value = "AWS4-ECDSA-P256-SHA256";
	assert_int_equal(check(&r, S3_SK, &p), ERR_AUTH_UNSUPPORTED);
	req_init(&r, "GET", "examplebucket", "test.txt", "/test.txt", true,
	    t0);
	req_query(&r, "X-Amz-Signature", sig);
	assert_int_equal(check(&r, S3_SK, &p), ERR_AUTH_MALFORMED);
}

static void
test_s3v2(void **state)
{
	struct auth_parsed p;
	struct buf sts;
	struct req r;
	char sig[29];

	(void)state;
	/* Header form: the string-to-sign and its signature. */
	req_init(&r, "GET", "johnsmith", "photos/puppy.jpg",
	    "/photos/puppy.jpg", true, 0);
	req_header(&r, "host", "johnsmith.s3.amazonaws.com");
	req_header(&r, "date", "Tue, 27 Mar 2007 19:36:42 +0000");
	buf_init(&sts, 1 << 20);
	assert_int_equal(auth_s3v2_string_to_sign(&r.in,
	    "Tue, 27 Mar 2007 19:36:42 +0000", "/johnsmith/photos/puppy.jpg",
	    false, &sts), ERR_OK);
	assert_string_equal(buf_cstr(&sts),
	    "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n"
	    "/johnsmith/photos/puppy.jpg");
	assert_true(auth_v1_sign(sig, S3_SK, buf_cstr(&sts), sts.len));
	assert_string_equal(sig, "bWq2s1WEIj+Ydj0vQ697zp+IXMU=");
	buf_free(&sts);

	/* Presigned form, end to end: vhost resource, Expires in the Date
	 * slot. */
	req_init(&r, "GET", "johnsmith", "photos/puppy.jpg",
	    "/photos/puppy.jpg", true, 1175139620LL * 1000 - 60000);
	req_header(&r, "host", "johnsmith.s3.amazonaws.com");
	req_query(&r, "AWSAccessKeyId", S3_AK);
	req_query(&r, "Expires", "1175139620");
	req_query(&r, "Signature", "NpgCjnDzrM+WFzoENXmpNDUsSn8=");
	assert_int_equal(check(&r, S3_SK, &p), ERR_OK);
	assert_int_equal(p.kind, AUTH_S3V2_QUERY);
	r.q[2].value = "NpgCjnDzrM+WFzoENXmpNDUsSn9=";
	assert_int_equal(check(&r, S3_SK, &p), ERR_SIGNATURE_MISMATCH);
	r.q[2].value = "NpgCjnDzrM+WFzoENXmpNDUsSn8=";
	r.in.now_ms = 1175139621LL * 1000;
	assert_int_equal(check(&r, S3_SK, &p), ERR_REQUEST_EXPIRED);
	/* Without AWSAccessKeyId it would be an OSS V1 URL; with one but
	 * no Signature it is incomplete, not anonymous. */
	req_init(&r, "GET", "johnsmith", "photos/puppy.jpg",
	    "/photos/puppy.jpg", true, 0);
	req_query(&r, "AWSAccessKeyId", S3_AK);
	assert_int_equal(check(&r, S3_SK, &p), ERR_QUERY_AUTH_INCOMPLETE);
	/* Header form through auth_parse/auth_verify, signed here. */
	req_init(&r, "PUT", "johnsmith", "a b", "/johnsmith/a%20b", false,
	    1175024202LL * 1000);
	req_header(&r, "date", "Tue, 27 Mar 2007 19:36:42 GMT");
	req_header(&r, "x-amz-meta-k", " v ");
	req_query(&r, "acl", "");
	buf_init(&sts, 1 << 20);
	assert_int_equal(auth_s3v2_string_to_sign(&r.in,
	    "Tue, 27 Mar 2007 19:36:42 GMT", "/johnsmith/a%20b", false, &sts),
	    ERR_OK);
	assert_string_equal(buf_cstr(&sts), "PUT\n\n\n"
	    "Tue, 27 Mar 2007 19:36:42 GMT\nx-amz-meta-k:v\n"
	    "/johnsmith/a%20b?acl");
	assert_true(auth_v1_sign(sig, S3_SK, buf_cstr(&sts), sts.len));
	buf_free(&sts);
	{
		char auth[64];

		snprintf(auth, sizeof(auth), "AWS %s:%s", S3_AK, sig);
		req_header(&r, "authorization", auth);
		assert_int_equal(check(&r, S3_SK, &p), ERR_OK);
		assert_int_equal(p.kind, AUTH_S3V2_HEADER);
		r.h[1].value = "w";
		assert_int_equal(check(&r, S3_SK, &p),
		    ERR_SIGNATURE_MISMATCH);
	}
}

/* ---- the chunked upload example: 65536 + 1024 bytes of 'a' ---- */

static const char seed_sig[] =
    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
static const char *const chunk_sigs[3] = {
	"ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
	"0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
	"b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
};

static void
chunked_req(struct req *r)
{
	req_init(r, "PUT", "examplebucket", "chunkObject.txt",
	    "/examplebucket/chunkObject.txt", false,
	    basic_ms("20130524T000000Z"));
	req_header(r, "host", "s3.amazonaws.com");
	req_header(r, "x-amz-date", "20130524T000000Z");
	req_header(r, "x-amz-storage-class", "REDUCED_REDUNDANCY");
	req_header(r, "authorization", "AWS4-HMAC-SHA256 Credential="
	    S3_AK "/20130524/us-east-1/s3/aws4_request,SignedHeaders="
	    "content-encoding;content-length;host;x-amz-content-sha256;"
	    "x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,"
	    "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9"
	    "fa80a0a9");
	req_header(r, "x-amz-content-sha256", S3V4_STREAMING);
	req_header(r, "content-encoding", "aws-chunked");
	req_header(r, "x-amz-decoded-content-length", "66560");
	req_header(r, "content-length", "66824");
}

/* The framed body, with chunk ci's signature replaced by sig when
 * ci < 3. */
static char *
chunked_body(size_t *ret_len, int ci, const char *sig)
{
	static const size_t sizes[3] = { 65536, 1024, 0 };
	char *b = malloc(70000), *p = b;

	assert_non_null(b);
	for (int i = 0; i < 3; i++) {
		p += sprintf(p, "%zx;chunk-signature=%s\r\n", sizes[i],
		    i == ci ? sig : chunk_sigs[i]);
		memset(p, 'a', sizes[i]);
		p += sizes[i];
		memcpy(p, "\r\n", 2);
		p += 2;
	}
	*ret_len = (size_t)(p - b);
	return b;
}

struct sink {
	uint64_t	n;
	bool		all_a;
};

static enum err
sink_fn(void *ctx, const char *p, size_t n)
{
	struct sink *s = ctx;

	for (size_t i = 0; i < n; i++)
		if (p[i] != 'a')
			s->all_a = false;
	s->n += n;
	return ERR_OK;
}

/* Feeds body in pieces of step bytes; the first error. */
static enum err
decode(struct aws_chunked *d, const char *body, size_t len, size_t step,
    struct sink *s)
{
	enum err e = ERR_OK;

	s->n = 0;
	s->all_a = true;
	for (size_t off = 0; off < len && e == ERR_OK; off += step) {
		size_t k = len - off < step ? len - off : step;

		e = aws_chunked_feed(d, body + off, k, sink_fn, s);
	}
	return e;
}

static void
test_chunked(void **state)
{
	static const size_t steps[] = { 1, 7, 4096, 70000 };
	struct aws_chunked *d;
	struct auth_parsed p;
	struct sink s;
	struct req r;
	uint64_t len;
	size_t blen;
	char *body;

	(void)state;
	chunked_req(&r);
	assert_int_equal(check(&r, S3_SK, &p), ERR_OK);
	assert_string_equal(p.signature, seed_sig);
	body = chunked_body(&blen, -1, NULL);
	assert_int_equal(blen, 66824);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		assert_int_equal(aws_chunked_new(&r.in, &p, S3_SK, &d), ERR_OK);
		assert_int_equal(decode(d, body, blen, steps[i], &s), ERR_OK);
		assert_int_equal(aws_chunked_end(d, &len), ERR_OK);
		assert_int_equal(len, 66560);
		assert_int_equal(s.n, 66560);
		assert_true(s.all_a);
		aws_chunked_free(d);
	}
	/* Truncated: not ended. */
	assert_int_equal(aws_chunked_new(&r.in, &p, S3_SK, &d), ERR_OK);
	assert_int_equal(decode(d, body, blen - 2, 4096, &s), ERR_OK);
	assert_int_equal(aws_chunked_end(d, &len), ERR_S3_CHUNK_MALFORMED);
	aws_chunked_free(d);
	/* Bytes after the final chunk. */
	assert_int_equal(aws_chunked_new(&r.in, &p, S3_SK, &d), ERR_OK);
	assert_int_equal(decode(d, body, blen, 70000, &s), ERR_OK);
	assert_int_equal(aws_chunked_feed(d, "x", 1, sink_fn, &s),
	    ERR_S3_CHUNK_MALFORMED);
	aws_chunked_free(d);
	/* A changed data byte fails its chunk's signature. */
	body[200] = 'b';
	assert_int_equal(aws_chunked_new(&r.in, &p, S3_SK, &d), ERR_OK);
	assert_int_equal(decode(d, body, blen, 4096, &s),
	    ERR_SIGNATURE_MISMATCH_V4);
	aws_chunked_free(d);
	free(body);
	/* Each chunk's signature, one digit off. */
	for (int ci = 0; ci < 3; ci++) {
		char bad[65];

		memcpy(bad, chunk_sigs[ci], 65);
		bad[10] = bad[10] == '0' ? '1' : '0';
		body = chunked_body(&blen, ci, bad);
		assert_int_equal(aws_chunked_new(&r.in, &p, S3_SK, &d), ERR_OK);
		assert_int_equal(decode(d, body, blen, 4096, &s),
		    ERR_SIGNATURE_MISMATCH_V4);
		aws_chunked_free(d);
		free(body);
	}
	/* A seed from another key chains to other signatures. */
	body = chunked_body(&blen, -1, NULL);
	assert_int_equal(aws_chunked_new(&r.in, &p, "other", &d), ERR_OK);
	assert_int_equal(decode(d, body, blen, 4096, &s),
	    ERR_SIGNATURE_MISMATCH_V4);
	aws_chunked_free(d);
	/* Framing errors. */
	assert_int_equal(aws_chunked_new(&r.in, &p, S3_SK, &d), ERR_OK);
	assert_int_equal(decode(d, "zz;chunk-signature=00\r\n", 23, 23, &s),
	    ERR_S3_CHUNK_MALFORMED);
	aws_chunked_free(d);
	free(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_vanilla),
		cmocka_unit_test(test_s3v4_header),
		cmocka_unit_test(test_s3v4_presigned),
		cmocka_unit_test(test_s3v2),
		cmocka_unit_test(test_chunked),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
