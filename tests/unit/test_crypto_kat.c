/* SPDX-License-Identifier: ISC */
/*
 * test_crypto_kat.c: known answers for the primitives the key hierarchy
 * stands on, as the linked libsodium computes them (reliability.md T17).
 *
 *   XChaCha20-Poly1305 (IETF): seals CMK material, data keys and chunks;
 *     draft-irtf-cfrg-xchacha-03 A.3.1.
 *   BLAKE2b: row seals (db/seal.c, keyed) and crypto_kdf subkeys;
 *     RFC 7693 Appendix A ("abc") and the BLAKE2 keyed KAT (key 00..3f).
 * SHA-2, HMAC, MD5 and CRC-64 have theirs in test_hash.c. Also the
 * properties the design relies on: a changed byte of ciphertext, tag or
 * associated data, or another key, fails to open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

static const char SUNSCREEN[] = "Ladies and Gentlemen of the class of '99: "
    "If I could offer you only one tip for the future, sunscreen would be it.";

static size_t
unhex(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = 0;

	assert_int_equal(sodium_hex2bin(out, cap, hex, strlen(hex), " ", &n,
	    NULL), 0);
	return n;
}

static void
seq_bytes(uint8_t *p, size_t n, uint8_t first)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

static void
test_xchacha20poly1305(void **state)
{
	uint8_t key[32], nonce[24], ad[12], want[256], got[256], back[256];
	size_t m = sizeof(SUNSCREEN) - 1, n;
	unsigned long long glen = 0, blen = 0;

	(void)state;
	seq_bytes(key, sizeof(key), 0x80);
	seq_bytes(nonce, sizeof(nonce), 0x40);
	unhex(ad, sizeof(ad), "50515253c0c1c2c3c4c5c6c7");
	n = unhex(want, sizeof(want),
	    "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
	    "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
	    "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
	    "21f9664c97637da9768812f615c68b13b52e"
	    "c0875924c1c7987947deafd8780acf49");
	assert_int_equal(n, m + 16);
	assert_int_equal(crypto_aead_xchacha20poly1305_ietf_encrypt(got, &glen,
	    (const uint8_t *)SUNSCREEN, m, ad, sizeof(ad), NULL, nonce, key), 0);
	assert_int_equal(glen, n);
	assert_memory_equal(got, want, n);
	assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(back, &blen,
	    NULL, want, n, ad, sizeof(ad), nonce, key), 0);
	assert_int_equal(blen, m);
	assert_memory_equal(back, SUNSCREEN, m);

	/* Every byte of ciphertext and tag, every byte of the associated
	 * data, the nonce and the key are bound. */
	for (size_t i = 0; i < n; i++) {
		got[i] ^= 1;
		assert_int_not_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(
		    back, NULL, NULL, got, n, ad, sizeof(ad), nonce, key), 0);
		got[i] ^= 1;
	}
	for (size_t i = 0; i < sizeof(ad); i++) {
		ad[i] ^= 0x80;
		assert_int_not_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(
		    back, NULL, NULL, got, n, ad, sizeof(ad), nonce, key), 0);
		ad[i] ^= 0x80;
	}
	nonce[23] ^= 1;
	assert_int_not_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(back,
	    NULL, NULL, got, n, ad, sizeof(ad), nonce, key), 0);
	nonce[23] ^= 1;
	key[0] ^= 1;
	assert_int_not_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(back,
	    NULL, NULL, got, n, ad, sizeof(ad), nonce, key), 0);
}

static void
test_blake2b(void **state)
{
	uint8_t want[64], got[64], key[64];

	(void)state;
	unhex(want, sizeof(want),
	    "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
	    "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
	assert_int_equal(crypto_generichash(got, 64, (const uint8_t *)"abc", 3,
	    NULL, 0), 0);
	assert_memory_equal(got, want, 64);

	seq_bytes(key, sizeof(key), 0);
	unhex(want, sizeof(want),
	    "10ebb67700b1868efb4417987acf4690ae9d972fb7a590c2f02871799aaa4786"
	    "b5e996e8f0f4eb981fc214b005f42d2ff4233499391653df7aefcbc13fc51568");
	assert_int_equal(crypto_generichash(got, 64, NULL, 0, key, 64), 0);
	assert_memory_equal(got, want, 64);
	unhex(want, sizeof(want),
	    "961f6dd1e4dd30f63901690c512e78e4b45e4742ed197c3c5e45c549fd25f2e4"
	    "187b0bc9fe30492b16b0d0bc4ef9b0f34c7003fac09a5ef1532e69430234cebd");
	assert_int_equal(crypto_generichash(got, 64, (const uint8_t *)"", 1,
	    key, 64), 0);
	assert_memory_equal(got, want, 64);
}

/* crypto_kdf is BLAKE2b with the subkey id as salt and the context as
 * personalisation: distinct ids and contexts give unrelated subkeys, the
 * same ones the same subkey (the hierarchy is recomputed at every start). */
static void
test_kdf(void **state)
{
	uint8_t root[crypto_kdf_KEYBYTES], a[32], b[32], c[32];

	(void)state;
	seq_bytes(root, sizeof(root), 0);
	assert_int_equal(crypto_kdf_derive_from_key(a, 32, 1, "coffer__", root), 0);
	assert_int_equal(crypto_kdf_derive_from_key(b, 32, 1, "coffer__", root), 0);
	assert_memory_equal(a, b, 32);
	assert_int_equal(crypto_kdf_derive_from_key(c, 32, 2, "coffer__", root), 0);
	assert_memory_not_equal(a, c, 32);
	assert_int_equal(crypto_kdf_derive_from_key(c, 32, 1, "coffer_x", root), 0);
	assert_memory_not_equal(a, c, 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xchacha20poly1305),
		cmocka_unit_test(test_blake2b),
		cmocka_unit_test(test_kdf),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
