/* SPDX-License-Identifier: ISC */
/* hash.c: see hash.h. */
#include "hash/hash.h"

#include <isa-l/crc64.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <string.h>

/* MD5_CTX is deprecated API in OpenSSL 3 but is the only allocation-free
 * incremental MD5 it offers; EVP would malloc per object. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

_Static_assert(sizeof(MD5_CTX) <= sizeof(((struct hash_md5 *)0)->opaque),
    "hash_md5 too small");
_Static_assert(sizeof(crypto_hash_sha256_state) <=
    sizeof(((struct hash_sha256 *)0)->opaque), "hash_sha256 too small");

void
hash_md5_init(struct hash_md5 *h)
{
	MD5_Init((MD5_CTX *)(void *)h->opaque);
}

void
hash_md5_update(struct hash_md5 *h, const void *p, size_t n)
{
	MD5_Update((MD5_CTX *)(void *)h->opaque, p, n);
}

void
hash_md5_final(struct hash_md5 *h, uint8_t out[static HASH_MD5_BYTES])
{
	MD5_Final(out, (MD5_CTX *)(void *)h->opaque);
}

void
hash_sha1(uint8_t out[static HASH_SHA1_BYTES], const void *p, size_t n)
{
	SHA1(p, n, out);
}

#pragma GCC diagnostic pop

void
hash_md5(uint8_t out[static HASH_MD5_BYTES], const void *p, size_t n)
{
	struct hash_md5 h;

	hash_md5_init(&h);
	hash_md5_update(&h, p, n);
	hash_md5_final(&h, out);
}

void
hash_sha256_init(struct hash_sha256 *h)
{
	crypto_hash_sha256_init((crypto_hash_sha256_state *)(void *)h->opaque);
}

void
hash_sha256_update(struct hash_sha256 *h, const void *p, size_t n)
{
	crypto_hash_sha256_update((crypto_hash_sha256_state *)(void *)h->opaque,
	    p, n);
}

void
hash_sha256_final(struct hash_sha256 *h, uint8_t out[static HASH_SHA256_BYTES])
{
	crypto_hash_sha256_final((crypto_hash_sha256_state *)(void *)h->opaque,
	    out);
}

void
hash_sha256(uint8_t out[static HASH_SHA256_BYTES], const void *p, size_t n)
{
	crypto_hash_sha256(out, p, n);
}

/*
 * OpenSSL 3 sets itself up (default provider, method store) on first use
 * and, when an allocation fails on the way, keeps failing for the life of
 * the process: a daemon whose first request hit that refused every
 * signature until restarted. Done here at start-up, such a failure stops
 * the start instead.
 */
bool
hash_init(void)
{
	uint8_t out[HASH_SHA1_BYTES];
	unsigned int len = HASH_SHA1_BYTES;
	bool ok;

	ok = OPENSSL_init_crypto(0, NULL) == 1 &&
	    SHA1((const unsigned char *)"x", 1, out) != NULL &&
	    HMAC(EVP_sha1(), "k", 1, (const unsigned char *)"x", 1, out,
	    &len) != NULL;
	return ok;
}

bool
hash_hmac_sha1(uint8_t out[static HASH_SHA1_BYTES], const void *key,
    size_t keylen, const void *msg, size_t n)
{
	unsigned int len = HASH_SHA1_BYTES;

	/* HMAC() allocates a context per call, so it can fail. */
	if (HMAC(EVP_sha1(), key, (int)keylen, msg, n, out, &len) == NULL) {
		memset(out, 0, HASH_SHA1_BYTES);
		return false;
	}
	return true;
}

void
hash_hmac_sha256(uint8_t out[static HASH_SHA256_BYTES], const void *key,
    size_t keylen, const void *msg, size_t n)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, msg, n);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

uint64_t
hash_crc64(uint64_t crc, const void *p, size_t n)
{
	return crc64_ecma_refl(crc, p, n);
}

/* GF(2) matrix helpers for the combine step (after zlib's crc32.c). */
static uint64_t
gf2_times(const uint64_t *mat, uint64_t vec)
{
	uint64_t sum = 0;

	for (; vec != 0; vec >>= 1, mat++)
		if (vec & 1)
			sum ^= *mat;
	return sum;
}

static void
gf2_square(uint64_t *square, const uint64_t *mat)
{
	for (int n = 0; n < 64; n++)
		square[n] = gf2_times(mat, mat[n]);
}

uint64_t
hash_crc64_combine(uint64_t crc_a, uint64_t crc_b, uint64_t len_b)
{
	uint64_t even[64], odd[64], row = 1;

	if (len_b == 0)
		return crc_a;
	/* Operator for one zero bit, reflected ECMA-182 polynomial. */
	odd[0] = 0xC96C5795D7870F42ULL;
	for (int n = 1; n < 64; n++) {
		odd[n] = row;
		row <<= 1;
	}
	gf2_square(even, odd);	/* two zero bits */
	gf2_square(odd, even);	/* four zero bits */
	do {
		gf2_square(even, odd);
		if (len_b & 1)
			crc_a = gf2_times(even, crc_a);
		len_b >>= 1;
		if (len_b == 0)
			break;
		gf2_square(odd, even);
		if (len_b & 1)
			crc_a = gf2_times(odd, crc_a);
		len_b >>= 1;
	} while (len_b != 0);
	return crc_a ^ crc_b;
}

bool
hash_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}
