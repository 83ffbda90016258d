/* SPDX-License-Identifier: ISC */
/*
 * fuzz_aws_chunked.c: libFuzzer harness for the aws-chunked body decoder
 * (auth/aws_chunked.c), which reads a streaming SigV4 upload's framing
 * straight from the client.
 *
 * Input: the first byte picks the mode and the size of the pieces the
 * rest is fed in (the HTTP layer hands bodies over in arbitrary pieces).
 *  - even: the rest is a body as a client sent it, under a fixed key and
 *    seed: any outcome but a crash, and never more bytes out than in;
 *  - odd: the rest is an object's bytes, framed and signed here in chunks
 *    of a size the second byte picks; the decoder must hand back exactly
 *    those bytes and accept the end, whatever the piece size.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/s3.h"
#include "base/str.h"
#include "hash/hash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* The decoder keeps its key in sodium_malloc memory; <sodium.h> itself
 * stays out of test files. */
int sodium_init(void);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

#define ISO	"20130524T000000Z"
#define SCOPE	"20130524/us-east-1/s3/aws4_request"
#define SEED	"4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"

static const uint8_t key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

struct out {
	uint8_t	*p;
	size_t	 n, cap;
};

static enum err
sink(void *ctx, const char *p, size_t n)
{
	struct out *o = ctx;

	CHECK(o->n + n <= o->cap);
	memcpy(o->p + o->n, p, n);
	o->n += n;
	return ERR_OK;
}

static enum err
feed(struct aws_chunked *d, const uint8_t *p, size_t n, size_t piece,
    struct out *o)
{
	enum err r = ERR_OK;

	for (size_t off = 0; off < n && r == ERR_OK; off += piece) {
		size_t k = n - off < piece ? n - off : piece;

		r = aws_chunked_feed(d, (const char *)p + off, k, sink, o);
	}
	return r;
}

/* One chunk's framing and signature, chained from prev (updated). */
static size_t
frame(char *dst, const uint8_t *p, size_t n, char prev[65])
{
	static const char empty[] = "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855";
	uint8_t d[HASH_SHA256_BYTES], mac[HASH_SHA256_BYTES];
	char hex[65], sts[512];
	int len;
	size_t w;

	hash_sha256(d, p, n);
	hex_encode(hex, d, sizeof(d));
	len = snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256-PAYLOAD\n%s\n%s\n"
	    "%s\n%s\n%s", ISO, SCOPE, prev, empty, hex);
	hash_hmac_sha256(mac, key, sizeof(key), sts, (size_t)len);
	hex_encode(prev, mac, sizeof(mac));
	w = (size_t)sprintf(dst, "%zx;chunk-signature=%s\r\n", n, prev);
	memcpy(dst + w, p, n);
	memcpy(dst + w + n, "\r\n", 2);
	return w + n + 2;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_chunked *d;
	struct out o;
	size_t piece;
	uint64_t len;

	if (size < 2)
		return 0;
	if (sodium_init() < 0)
		abort();
	piece = (size_t)(data[0] >> 1) + 1;
	if (aws_chunked_new_raw(key, ISO, SCOPE, SEED, &d) != ERR_OK)
		abort();
	if ((data[0] & 1) == 0) {
		o.cap = size;
		o.n = 0;
		o.p = malloc(o.cap);
		CHECK(o.p != NULL);
		if (feed(d, data + 1, size - 1, piece, &o) == ERR_OK &&
		    aws_chunked_end(d, &len) == ERR_OK)
			CHECK(len == o.n);
	} else {
		size_t chunk = (size_t)data[1] + 1, n = size - 2, w = 0;
		const uint8_t *p = data + 2;
		char prev[65] = SEED, *body;

		/* At most 97 framing bytes per chunk of at least 1 byte. */
		body = malloc(n + (n / chunk + 2) * 100);
		CHECK(body != NULL);
		for (size_t off = 0; off < n; off += chunk)
			w += frame(body + w, p + off,
			    n - off < chunk ? n - off : chunk, prev);
		w += frame(body + w, p, 0, prev);
		o.cap = n;
		o.n = 0;
		o.p = malloc(o.cap + 1);
		CHECK(o.p != NULL);
		CHECK(feed(d, (const uint8_t *)body, w, piece, &o) == ERR_OK);
		CHECK(aws_chunked_end(d, &len) == ERR_OK && len == n);
		CHECK(o.n == n && memcmp(o.p, p, n) == 0);
		free(body);
	}
	free(o.p);
	aws_chunked_free(d);
	return 0;
}
