/* SPDX-License-Identifier: ISC */
/*
 * account.c: account name rules and credential generators.
 *
 * Generated identifiers look like Alibaba Cloud's so that clients and
 * tools that pattern-match them ("LTAI..." access keys, 16-digit account
 * ids) keep working. Randomness comes from libsodium's randombytes, whose
 * randombytes_uniform has no modulo bias.
 */
#include "auth/auth.h"

#include <sodium.h>
#include <string.h>

static const char alnum[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static void
gen_from(char *out, size_t n, const char *alphabet, size_t alen)
{
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[randombytes_uniform((uint32_t)alen)];
	out[n] = '\0';
}

bool
auth_account_name_valid(const char *name)
{
	size_t n;

	if (name == NULL)
		return false;
	n = strlen(name);
	if (n == 0 || n > AUTH_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

void
auth_gen_access_key_id(char out[static 25])
{
	memcpy(out, "LTAI", 4);
	gen_from(out + 4, 20, alnum, sizeof(alnum) - 1);
}

void
auth_gen_secret(char out[static 31])
{
	gen_from(out, 30, alnum, sizeof(alnum) - 1);
}

void
auth_gen_account_id(char out[static AUTH_ACCOUNT_ID_BYTES])
{
	/* No leading zero, so the id survives a round trip through a
	 * number in tools that treat it as one. */
	gen_from(out, 1, "123456789", 9);
	gen_from(out + 1, AUTH_ACCOUNT_ID_BYTES - 2, "0123456789", 10);
}
