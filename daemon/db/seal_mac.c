/* SPDX-License-Identifier: ISC */
/*
 * seal_mac.c: row MACs computed in C (seal.h), so a statement binds the MAC
 * as a parameter and the database needs no key to store or check one.
 *
 * The encoding is the one the SQL function coffer_mac has always used
 * (seal_fn.c calls seal_absorb too): every MAC already stored stays valid,
 * and either side may compute a MAC the other checks.
 */
#include <sodium.h>
#include <string.h>

#include "base/log.h"
#include "db/db_int.h"
#include "db/seal.h"

void
seal_absorb(void *hash, int type, const void *p, size_t len)
{
	crypto_generichash_state *h = hash;
	uint8_t hdr[5];

	hdr[0] = (uint8_t)type;
	hdr[1] = (uint8_t)(len >> 24);
	hdr[2] = (uint8_t)(len >> 16);
	hdr[3] = (uint8_t)(len >> 8);
	hdr[4] = (uint8_t)len;
	crypto_generichash_update(h, hdr, sizeof(hdr));
	if (len > 0 && p != NULL)
		crypto_generichash_update(h, p, len);
}

void
seal_absorb_i64(void *h, int64_t v)
{
	uint64_t x = (uint64_t)v;
	uint8_t n8[8];

	for (int i = 0; i < 8; i++)
		n8[i] = (uint8_t)(x >> (56 - 8 * i));
	seal_absorb(h, SEAL_INT, n8, sizeof(n8));
}

static void
absorb_v(crypto_generichash_state *h, const struct seal_v *v)
{
	switch (v->t) {
	case SEAL_INT:
		seal_absorb_i64(h, v->i);
		break;
	case SEAL_TEXT:
	case SEAL_BLOB:
		seal_absorb(h, (int)v->t, v->p, v->n);
		break;
	default:
		seal_absorb(h, SEAL_NULL, NULL, 0);
		break;
	}
}

static void
mac_of(const struct seal_state *s, const char *domain,
    const struct seal_v *v, size_t n, uint8_t out[static DB_SEAL_MAC_BYTES])
{
	crypto_generichash_state h;
	static const uint8_t tag = 'M';

	crypto_generichash_init(&h, s->key, DB_SEAL_KEY_BYTES,
	    DB_SEAL_MAC_BYTES);
	crypto_generichash_update(&h, &tag, 1);
	seal_absorb(&h, SEAL_TEXT, domain, strlen(domain));
	for (size_t i = 0; i < n; i++)
		absorb_v(&h, &v[i]);
	crypto_generichash_final(&h, out, DB_SEAL_MAC_BYTES);
	sodium_memzero(&h, sizeof(h));
}

void
seal_item(const struct seal_state *s, const void *mac, size_t n,
    uint8_t out[static DB_SEAL_ACC_BYTES])
{
	crypto_generichash_state h;
	static const uint8_t tag = 'S';

	crypto_generichash_init(&h, s->key, DB_SEAL_KEY_BYTES,
	    DB_SEAL_ACC_BYTES);
	crypto_generichash_update(&h, &tag, 1);
	crypto_generichash_update(&h, mac, n);
	crypto_generichash_final(&h, out, DB_SEAL_ACC_BYTES);
	sodium_memzero(&h, sizeof(h));
}

enum err
db_seal_mac(struct db *db, const char *domain, const struct seal_v *v,
    size_t n, uint8_t out[static DB_SEAL_MAC_BYTES])
{
	const struct seal_state *s = db_seal_state(db);

	if (s->key == NULL) {
		/* Only cofferd and the CLI with the root key write sealed
		 * rows. */
		log_errx("db: a sealed row (%s) cannot be written without the "
		    "root key", domain);
		return ERR_INTERNAL;
	}
	mac_of(s, domain, v, n, out);
	return ERR_OK;
}

bool
db_seal_mac_ok(struct db *db, const void *mac, size_t len,
    const char *domain, const struct seal_v *v, size_t n)
{
	const struct seal_state *s = db_seal_state(db);
	uint8_t want[DB_SEAL_MAC_BYTES];
	bool ok;

	if (s->key == NULL || mac == NULL || len != DB_SEAL_MAC_BYTES)
		return false;
	mac_of(s, domain, v, n, want);
	ok = crypto_verify_32(want, mac) == 0;
	sodium_memzero(want, sizeof(want));
	return ok;
}
