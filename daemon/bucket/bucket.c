/* SPDX-License-Identifier: ISC */
/*
 * bucket.c: the OSS naming and enumeration rules that need no database.
 */
#include <string.h>

#include "base/str.h"
#include "bucket/bucket.h"

bool
bucket_name_valid(const char *name)
{
	size_t n = strlen(name);

	/* OSS: 3-63 characters of [a-z0-9-], no leading or trailing '-'
	 * (spec oss-api.md §2). */
	if (n < 3 || n > BUCKET_NAME_MAX || name[0] == '-' || name[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-'))
			return false;
	}
	return true;
}

bool
bucket_key_valid(const char *key, size_t len)
{
	/* OSS: UTF-8, 1-1023 bytes, must not start with '/' or '\'. */
	if (len == 0 || len > BUCKET_KEY_MAX || key[0] == '/' || key[0] == '\\')
		return false;
	return str_utf8_valid(key, len);
}

static bool
in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

bool
bucket_storage_class_valid(const char *sc)
{
	static const char *const classes[] = { "Standard", "IA", "Archive",
	    "ColdArchive", "DeepColdArchive", NULL };

	return in_list(sc, classes);
}

bool
bucket_storage_class_frozen(const char *sc)
{
	static const char *const frozen[] = { "Archive", "ColdArchive",
	    "DeepColdArchive", NULL };

	return in_list(sc, frozen);
}

bool
bucket_redundancy_valid(const char *dr)
{
	static const char *const types[] = { "LRS", "ZRS", NULL };

	return in_list(dr, types);
}

bool
bucket_acl_valid(const char *acl)
{
	static const char *const acls[] = { "private", "public-read",
	    "public-read-write", NULL };

	return in_list(acl, acls);
}

bool
bucket_object_acl_valid(const char *acl)
{
	return strcmp(acl, "default") == 0 || bucket_acl_valid(acl);
}

enum acl_verdict
bucket_acl_decide(const char *bucket_acl, const char *object_acl, bool write)
{
	bool own = object_acl != NULL && strcmp(object_acl, "default") != 0;
	const char *acl = own ? object_acl : bucket_acl;
	bool ok = strcmp(acl, "public-read-write") == 0 ||
	    (!write && strcmp(acl, "public-read") == 0);

	if (ok)
		return ACL_ALLOW;
	return own ? ACL_DENY_OBJECT : ACL_DENY_BUCKET;
}

const char *
object_header(struct arena *a, const char *headers, const char *name)
{
	size_t nl = strlen(name);
	const char *p = headers;

	while (p != NULL && *p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > nl && p[nl] == ':' && strncmp(p, name, nl) == 0)
			return arena_strndup(a, p + nl + 1, len - nl - 1);
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

bool
cname_domain_valid(const char *d)
{
	size_t n = strlen(d), label = 0, labels = 1;
	bool digits_only = true;

	if (n == 0 || n > CNAME_DOMAIN_MAX || d[0] == '.' || d[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = d[i];

		if (ch == '.') {
			if (label == 0 || d[i - 1] == '-')
				return false;
			label = 0;
			labels++;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-'))
			return false;
		if (ch == '-' && label == 0)
			return false;
		if (!(ch >= '0' && ch <= '9') && ch != '.')
			digits_only = false;
		if (++label > 63)
			return false;
	}
	if (d[n - 1] == '-' || labels < 2 || digits_only)
		return false;
	/* Names under the service's own endpoints are not custom domains. */
	return strcmp(d, "aliyuncs.com") != 0 &&
	    !str_has_suffix(d, ".aliyuncs.com");
}

bool
object_extents_whole(const struct object *o, const struct extent *ext,
    size_t n)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++) {
		if (ext[i].plain_len > UINT64_MAX - sum)
			return false;
		sum += ext[i].plain_len;
	}
	return sum == o->size;
}
