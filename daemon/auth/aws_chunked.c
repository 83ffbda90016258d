/* SPDX-License-Identifier: ISC */
/*
 * aws_chunked.c: the aws-chunked body of a streaming SigV4 upload.
 *
 *   <hex size>;chunk-signature=<64 hex>\r\n <size bytes> \r\n ... 0;...\r\n\r\n
 *
 * Each chunk is signed over "AWS4-HMAC-SHA256-PAYLOAD\n" iso "\n" scope
 * "\n" previous signature "\n" hex(SHA-256("")) "\n" hex(SHA-256(data)),
 * the first chained from the Authorization header's signature (the seed).
 * The decoder keeps one chunk-header line (bounded) and a running SHA-256,
 * never a chunk: data goes on as it arrives and the signature is checked
 * at the chunk's end, before the next byte is accepted.
 */
#include "auth/s3_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "hash/hash.h"

/* "<16 hex>;chunk-signature=<64 hex>" is 97 bytes; extensions we do not
 * know make a line longer, which is refused. */
#define LINE_MAX_BYTES	256
/* A chunk is at most 5 GiB like the object (and its size fits 16 hex
 * digits); clients send 64 KiB to 8 MiB. */
#define CHUNK_MAX	(5ULL * 1024 * 1024 * 1024)

/* SHA-256 of the empty string. */
static const char empty_hash[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

enum state {
	S_LINE,		/* reading "<size>;chunk-signature=<sig>\r\n" */
	S_DATA,		/* size bytes left */
	S_DATA_CR,	/* the \r after the data */
	S_DATA_LF,
	S_DONE,		/* after the final chunk's \r\n */
	S_FAILED,
};

struct aws_chunked {
	uint8_t			*key;		/* sodium_malloc'd, 32 bytes */
	char			 iso[17];
	char			 scope[160];
	char			 prev[65];
	char			 want[65];	/* this chunk's signature */
	char			 line[LINE_MAX_BYTES];
	size_t			 linelen;
	uint64_t		 left;
	bool			 last;		/* this chunk has size 0 */
	uint64_t		 total;
	struct hash_sha256	 h;
	enum state		 state;
};

enum err
aws_chunked_new_raw(const uint8_t key[static 32], const char *iso,
    const char *scope, const char *seed, struct aws_chunked **ret)
{
	struct aws_chunked *d;

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return ERR_NOMEM;
	d->key = sodium_malloc(HASH_SHA256_BYTES);
	if (d->key == NULL || strlen(seed) != 64 ||
	    !auth_copy_field(d->iso, sizeof(d->iso), iso, strlen(iso)) ||
	    !auth_copy_field(d->scope, sizeof(d->scope), scope, strlen(scope))) {
		bool nomem = d->key == NULL;

		aws_chunked_free(d);
		return nomem ? ERR_NOMEM : ERR_AUTH_MALFORMED;
	}
	memcpy(d->key, key, HASH_SHA256_BYTES);
	memcpy(d->prev, seed, 65);
	d->state = S_LINE;
	*ret = d;
	return ERR_OK;
}

enum err
aws_chunked_new(const struct auth_input *in, const struct auth_parsed *p,
    const char *secret, struct aws_chunked **ret)
{
	uint8_t key[HASH_SHA256_BYTES];
	char iso[17], scope[160];
	enum err r;

	if (p->kind != AUTH_S3V4_HEADER || !auth_s3v4_iso(in, p, iso))
		return ERR_AUTH_MALFORMED;
	if (snprintf(scope, sizeof(scope), "%s/%s/%s/%s", p->date, p->region,
	    p->product, S3V4_TERMINATOR) >= (int)sizeof(scope))
		return ERR_AUTH_MALFORMED;
	auth_v4_signing_key(key, "AWS4", secret, p->date, p->region,
	    p->product, S3V4_TERMINATOR);
	r = aws_chunked_new_raw(key, iso, scope, p->signature, ret);
	sodium_memzero(key, sizeof(key));
	return r;
}

void
aws_chunked_free(struct aws_chunked *d)
{
	if (d == NULL)
		return;
	sodium_free(d->key);	/* wipes */
	sodium_memzero(d, sizeof(*d));
	free(d);
}

/* "<hex>;chunk-signature=<64 hex>" */
static bool
parse_line(struct aws_chunked *d)
{
	static const char ext[] = ";chunk-signature=";
	const char *semi = memchr(d->line, ';', d->linelen);
	size_t hl;
	uint64_t size = 0;

	if (semi == NULL)
		return false;
	hl = (size_t)(semi - d->line);
	if (hl == 0 || hl > 16)
		return false;
	for (size_t i = 0; i < hl; i++) {
		int c = d->line[i], v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return false;
		size = size * 16 + (uint64_t)v;
	}
	if (size > CHUNK_MAX ||
	    d->linelen != hl + sizeof(ext) - 1 + 64 ||
	    strncmp(semi, ext, sizeof(ext) - 1) != 0)
		return false;
	memcpy(d->want, semi + sizeof(ext) - 1, 64);
	d->want[64] = '\0';
	d->left = size;
	d->last = size == 0;
	hash_sha256_init(&d->h);
	return true;
}

/* The chunk just read ends: its signature, then the chain moves on. */
static bool
check_chunk(struct aws_chunked *d)
{
	uint8_t digest[HASH_SHA256_BYTES], mac[HASH_SHA256_BYTES];
	char hex[65], sig[65], sts[512];
	int n;
	bool ok;

	hash_sha256_final(&d->h, digest);
	hex_encode(hex, digest, sizeof(digest));
	n = snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256-PAYLOAD\n%s\n%s\n"
	    "%s\n%s\n%s", d->iso, d->scope, d->prev, empty_hash, hex);
	if (n < 0 || (size_t)n >= sizeof(sts))
		return false;
	hash_hmac_sha256(mac, d->key, HASH_SHA256_BYTES, sts, (size_t)n);
	hex_encode(sig, mac, sizeof(mac));
	ok = hash_equal(sig, d->want, 64);
	memcpy(d->prev, sig, sizeof(sig));
	sodium_memzero(mac, sizeof(mac));
	return ok;
}

enum err
aws_chunked_feed(struct aws_chunked *d, const char *p, size_t n,
    aws_chunked_sink sink, void *ctx)
{
	enum err r;

	while (n > 0) {
		switch (d->state) {
		case S_LINE:
			if (*p == '\n') {
				if (d->linelen == 0 ||
				    d->line[d->linelen - 1] != '\r')
					goto malformed;
				d->linelen--;
				if (!parse_line(d))
					goto malformed;
				d->linelen = 0;
				d->state = d->left > 0 ? S_DATA : S_DATA_CR;
			} else {
				if (d->linelen == sizeof(d->line))
					goto malformed;
				d->line[d->linelen++] = *p;
			}
			p++;
			n--;
			break;
		case S_DATA: {
			size_t k = n < d->left ? n : (size_t)d->left;

			hash_sha256_update(&d->h, p, k);
			r = sink(ctx, p, k);
			if (r != ERR_OK) {
				d->state = S_FAILED;
				return r;
			}
			d->total += k;
			d->left -= k;
			p += k;
			n -= k;
			if (d->left == 0)
				d->state = S_DATA_CR;
			break;
		}
		case S_DATA_CR:
			if (*p != '\r')
				goto malformed;
			d->state = S_DATA_LF;
			p++;
			n--;
			break;
		case S_DATA_LF:
			if (*p != '\n')
				goto malformed;
			p++;
			n--;
			if (!check_chunk(d)) {
				d->state = S_FAILED;
				return ERR_SIGNATURE_MISMATCH_V4;
			}
			d->state = d->last ? S_DONE : S_LINE;
			break;
		case S_DONE:
		case S_FAILED:
		default:
			goto malformed;
		}
	}
	return ERR_OK;
malformed:
	d->state = S_FAILED;
	return ERR_S3_CHUNK_MALFORMED;
}

enum err
aws_chunked_end(struct aws_chunked *d, uint64_t *ret_len)
{
	if (d->state != S_DONE)
		return ERR_S3_CHUNK_MALFORMED;
	*ret_len = d->total;
	return ERR_OK;
}
