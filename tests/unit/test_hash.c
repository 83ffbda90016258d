/* SPDX-License-Identifier: ISC */
/*
 * test_hash.c: unit tests for hash/hash.h against published vectors.
 *
 * MD5 (RFC 1321 §A.5), SHA-1 (FIPS 180 examples), SHA-256 (FIPS 180-2
 * appendix B), HMAC-SHA1 (RFC 2202) and HMAC-SHA256 (RFC 4231) including the
 * longer-than-a-block keys, and CRC-64 as OSS computes it (the CRC-64/XZ
 * check value). The streaming and combine paths are checked against the
 * one-shot result on random splits, because multipart completion and
 * AppendObject rely on them for x-oss-hash-crc64ecma.
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

#include "base/str.h"
#include "hash/hash.h"

static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void
expect_hex(const uint8_t *d, size_t n, const char *want)
{
	char hex[2 * 64 + 1];

	assert_true(n <= 64);
	hex_encode(hex, d, n);
	assert_string_equal(hex, want);
}

static char *
repeat(char c, size_t n)
{
	char *p = malloc(n + 1);

	assert_non_null(p);
	memset(p, c, n);
	p[n] = '\0';
	return p;
}

static void
test_md5(void **state)
{
	static const struct { const char *in, *out; } v[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		    "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "1234567890123456789012345678901234567890123456789012345678901"
		    "2345678901234567890", "57edf4a22be3c955ac49da2e2107b67a" },
	};
	uint8_t d[HASH_MD5_BYTES];
	struct hash_md5 h;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = strlen(v[i].in);

		hash_md5(d, v[i].in, n);
		expect_hex(d, sizeof(d), v[i].out);
		/* byte at a time */
		hash_md5_init(&h);
		for (size_t k = 0; k < n; k++)
			hash_md5_update(&h, v[i].in + k, 1);
		hash_md5_final(&h, d);
		expect_hex(d, sizeof(d), v[i].out);
	}
}

static void
test_sha1(void **state)
{
	uint8_t d[HASH_SHA1_BYTES];
	char *m;

	(void)state;
	hash_sha1(d, "", 0);
	expect_hex(d, sizeof(d), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	hash_sha1(d, "abc", 3);
	expect_hex(d, sizeof(d), "a9993e364706816aba3e25717850c26c9cd0d89d");
	hash_sha1(d, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56);
	expect_hex(d, sizeof(d), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	m = repeat('a', 1000000);
	hash_sha1(d, m, 1000000);
	expect_hex(d, sizeof(d), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	free(m);
}

static void
test_sha256(void **state)
{
	static const struct { const char *in, *out; } v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	uint8_t d[HASH_SHA256_BYTES], d2[HASH_SHA256_BYTES];
	struct hash_sha256 h;
	char *m;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = strlen(v[i].in);

		hash_sha256(d, v[i].in, n);
		expect_hex(d, sizeof(d), v[i].out);
		hash_sha256_init(&h);
		for (size_t k = 0; k < n; k++)
			hash_sha256_update(&h, v[i].in + k, 1);
		hash_sha256_final(&h, d);
		expect_hex(d, sizeof(d), v[i].out);
	}
	m = repeat('a', 1000000);
	hash_sha256(d, m, 1000000);
	expect_hex(d, sizeof(d),
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* 1000 updates of 1000 bytes each */
	hash_sha256_init(&h);
	for (int k = 0; k < 1000; k++)
		hash_sha256_update(&h, m + 1000 * k, 1000);
	hash_sha256_final(&h, d2);
	assert_memory_equal(d, d2, sizeof(d));
	free(m);
}

static void
fill(uint8_t *p, uint8_t v, size_t n)
{
	memset(p, v, n);
}

static void
test_hmac_sha1(void **state)
{
	uint8_t key[80], msg[80], d[HASH_SHA1_BYTES];

	(void)state;
	/* RFC 2202 §3 */
	fill(key, 0x0b, 20);
	hash_hmac_sha1(d, key, 20, "Hi There", 8);
	expect_hex(d, sizeof(d), "b617318655057264e28bc0b6fb378c8ef146be00");
	hash_hmac_sha1(d, "Jefe", 4, "what do ya want for nothing?", 28);
	expect_hex(d, sizeof(d), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	fill(key, 0xaa, 20);
	fill(msg, 0xdd, 50);
	hash_hmac_sha1(d, key, 20, msg, 50);
	expect_hex(d, sizeof(d), "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
	for (int i = 0; i < 25; i++)
		key[i] = (uint8_t)(i + 1);
	fill(msg, 0xcd, 50);
	hash_hmac_sha1(d, key, 25, msg, 50);
	expect_hex(d, sizeof(d), "4c9007f4026250c6bc8414f9bf50c86c2d7235da");
	fill(key, 0x0c, 20);
	hash_hmac_sha1(d, key, 20, "Test With Truncation", 20);
	expect_hex(d, sizeof(d), "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04");
	/* keys longer than the 64-byte block are hashed first */
	fill(key, 0xaa, 80);
	hash_hmac_sha1(d, key, 80,
	    "Test Using Larger Than Block-Size Key - Hash Key First", 54);
	expect_hex(d, sizeof(d), "aa4ae5e15272d00e95705637ce8a3b55ed402112");
	hash_hmac_sha1(d, key, 80, "Test Using Larger Than Block-Size Key and "
	    "Larger Than One Block-Size Data", 73);
	expect_hex(d, sizeof(d), "e8e99d0f45237d786d6bbaa7965c7808bbff1a91");
	/* empty key and message (OpenSSL must not treat NULL-ish specially) */
	hash_hmac_sha1(d, "", 0, "", 0);
	expect_hex(d, sizeof(d), "fbdb1d1b18aa6c08324b7d64b71fb76370690e1d");
}

static void
test_hmac_sha256(void **state)
{
	uint8_t key[131], msg[50], d[HASH_SHA256_BYTES];

	(void)state;
	/* RFC 4231 §4 */
	fill(key, 0x0b, 20);
	hash_hmac_sha256(d, key, 20, "Hi There", 8);
	expect_hex(d, sizeof(d),
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	hash_hmac_sha256(d, "Jefe", 4, "what do ya want for nothing?", 28);
	expect_hex(d, sizeof(d),
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	fill(key, 0xaa, 20);
	fill(msg, 0xdd, 50);
	hash_hmac_sha256(d, key, 20, msg, 50);
	expect_hex(d, sizeof(d),
	    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
	for (int i = 0; i < 25; i++)
		key[i] = (uint8_t)(i + 1);
	fill(msg, 0xcd, 50);
	hash_hmac_sha256(d, key, 25, msg, 50);
	expect_hex(d, sizeof(d),
	    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
	fill(key, 0xaa, 131);
	hash_hmac_sha256(d, key, 131,
	    "Test Using Larger Than Block-Size Key - Hash Key First", 54);
	expect_hex(d, sizeof(d),
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	static const char m7[] = "This is a test using a larger than block-size "
	    "key and a larger than block-size data. The key needs to be hashed "
	    "before being used by the HMAC algorithm.";
	hash_hmac_sha256(d, key, 131, m7, sizeof(m7) - 1);
	expect_hex(d, sizeof(d),
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void
test_crc64_check(void **state)
{
	(void)state;
	assert_true(hash_crc64(0, "123456789", 9) == 0x995DC9BBDF1939FAULL);
	assert_true(hash_crc64(0, "", 0) == 0);
	assert_true(hash_crc64(0x1234, "", 0) == 0x1234);
	/* one byte differs -> different CRC */
	assert_true(hash_crc64(0, "123456780", 9) != 0x995DC9BBDF1939FAULL);
}

static void
test_crc64_streaming_and_combine(void **state)
{
	enum { N = 70000 };
	uint8_t *data = malloc(N);
	uint64_t seed = 0xC0FFEE;

	(void)state;
	assert_non_null(data);
	for (size_t i = 0; i < N; i++)
		data[i] = (uint8_t)rng_next(&seed);

	for (int round = 0; round < 300; round++) {
		/* lengths from 0 (empty parts included) to N */
		size_t len = round < 20 ? (size_t)round :
		    (size_t)(rng_next(&seed) % (N + 1));
		size_t cut = len == 0 ? 0 : (size_t)(rng_next(&seed) % (len + 1));
		if (round % 7 == 0)
			cut = 0;		/* empty a */
		else if (round % 7 == 1)
			cut = len;		/* empty b */
		uint64_t whole = hash_crc64(0, data, len);
		uint64_t a = hash_crc64(0, data, cut);
		uint64_t b = hash_crc64(0, data + cut, len - cut);

		/* streaming: feeding the result back continues the stream */
		if (hash_crc64(a, data + cut, len - cut) != whole)
			fail_msg("streaming len %zu cut %zu", len, cut);
		if (hash_crc64_combine(a, b, len - cut) != whole)
			fail_msg("combine len %zu cut %zu", len, cut);
	}

	/* Many parts, as in a multipart upload: fold combine over the parts. */
	for (int round = 0; round < 20; round++) {
		size_t pos = 0;
		uint64_t acc = 0, stream = 0;

		while (pos < N) {
			size_t n = (size_t)(rng_next(&seed) % 9000);
			if (n > N - pos)
				n = N - pos;
			acc = hash_crc64_combine(acc, hash_crc64(0, data + pos, n), n);
			stream = hash_crc64(stream, data + pos, n);
			pos += n;
		}
		assert_true(acc == hash_crc64(0, data, N));
		assert_true(stream == acc);
	}

	/* Huge lengths exercise every bit of len_b; check against the direct
	 * definition on a zero run: crc(a || 0^k) == combine(a, crc(0^k), k). */
	uint8_t *zeros = calloc(1, 1 << 20);
	assert_non_null(zeros);
	uint64_t a = hash_crc64(0, "abc", 3);
	uint64_t z = hash_crc64(0, zeros, 1 << 20);
	uint64_t direct = hash_crc64(a, zeros, 1 << 20);
	assert_true(hash_crc64_combine(a, z, 1 << 20) == direct);
	free(zeros);
	free(data);
}

static void
test_md5_streaming(void **state)
{
	uint8_t data[5000], one[HASH_MD5_BYTES], inc[HASH_MD5_BYTES];
	uint8_t s1[HASH_SHA256_BYTES], s2[HASH_SHA256_BYTES];
	uint64_t seed = 99;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)rng_next(&seed);
	for (int round = 0; round < 50; round++) {
		struct hash_md5 h;
		struct hash_sha256 h2;
		size_t pos = 0;

		hash_md5_init(&h);
		hash_sha256_init(&h2);
		while (pos < sizeof(data)) {
			size_t n = (size_t)(rng_next(&seed) % 200);
			if (n > sizeof(data) - pos)
				n = sizeof(data) - pos;
			hash_md5_update(&h, data + pos, n);
			hash_sha256_update(&h2, data + pos, n);
			pos += n;
		}
		hash_md5_final(&h, inc);
		hash_sha256_final(&h2, s2);
		hash_md5(one, data, sizeof(data));
		hash_sha256(s1, data, sizeof(data));
		assert_memory_equal(one, inc, sizeof(one));
		assert_memory_equal(s1, s2, sizeof(s1));
	}
}

static void
test_equal(void **state)
{
	(void)state;
	assert_true(hash_equal("abcd", "abcd", 4));
	assert_false(hash_equal("abcd", "abce", 4));
	assert_false(hash_equal("xbcd", "abcd", 4));
	assert_true(hash_equal("abcd", "abce", 3));
	assert_true(hash_equal("", "", 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md5),
		cmocka_unit_test(test_sha1),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_hmac_sha1),
		cmocka_unit_test(test_hmac_sha256),
		cmocka_unit_test(test_crc64_check),
		cmocka_unit_test(test_crc64_streaming_and_combine),
		cmocka_unit_test(test_md5_streaming),
		cmocka_unit_test(test_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
