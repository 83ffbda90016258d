/* SPDX-License-Identifier: ISC */
/*
 * hash.h: the digests OSS and KMS put on the wire.
 *
 * MD5 (ETag, Content-MD5), SHA-1 and HMAC-SHA1 (signature V1, KMS RPC v1)
 * come from OpenSSL libcrypto because libsodium has none of them; SHA-256
 * and HMAC-SHA256 (signature V4, ACS3) come from libsodium. CRC-64/ECMA-182
 * in OSS's reflected form (x-oss-hash-crc64ecma; the CRC-64/XZ parameters)
 * comes from ISA-L. No function here allocates after *_init.
 */
#ifndef COFFER_HASH_HASH_H
#define COFFER_HASH_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HASH_MD5_BYTES		16
#define HASH_SHA1_BYTES		20
#define HASH_SHA256_BYTES	32

/* Incremental MD5; opaque storage big enough for OpenSSL's state. */
struct hash_md5 {
	_Alignas(16) unsigned char opaque[128];
};
void hash_md5_init(struct hash_md5 *h);
void hash_md5_update(struct hash_md5 *h, const void *p, size_t n);
void hash_md5_final(struct hash_md5 *h, uint8_t out[static HASH_MD5_BYTES]);
void hash_md5(uint8_t out[static HASH_MD5_BYTES], const void *p, size_t n);

struct hash_sha256 {
	_Alignas(16) unsigned char opaque[128];
};
void hash_sha256_init(struct hash_sha256 *h);
void hash_sha256_update(struct hash_sha256 *h, const void *p, size_t n);
void hash_sha256_final(struct hash_sha256 *h, uint8_t out[static HASH_SHA256_BYTES]);
void hash_sha256(uint8_t out[static HASH_SHA256_BYTES], const void *p, size_t n);

/* Sets OpenSSL up; call once at start-up, before threads. False when it
 * cannot (out of memory). */
bool hash_init(void);

void hash_sha1(uint8_t out[static HASH_SHA1_BYTES], const void *p, size_t n);
/* False when OpenSSL could not (out of memory); out is then all zero. */
bool hash_hmac_sha1(uint8_t out[static HASH_SHA1_BYTES], const void *key,
    size_t keylen, const void *msg, size_t n);
void hash_hmac_sha256(uint8_t out[static HASH_SHA256_BYTES], const void *key,
    size_t keylen, const void *msg, size_t n);

/* CRC-64/ECMA as OSS computes it. Start with crc = 0; feeding the result
 * back continues the stream (crc64(a||b) == crc64_update(crc64(a), b)). */
uint64_t hash_crc64(uint64_t crc, const void *p, size_t n);
/* crc64(a||b) from crc64(a), crc64(b) and len(b), without the data
 * (zlib's crc32_combine method), for multipart completion. */
uint64_t hash_crc64_combine(uint64_t crc_a, uint64_t crc_b, uint64_t len_b);

/* Constant-time equality of two byte strings of the same length. */
bool hash_equal(const void *a, const void *b, size_t n);

#endif
