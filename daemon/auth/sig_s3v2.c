/* SPDX-License-Identifier: ISC */
/*
 * sig_s3v2.c: Amazon S3 Signature Version 2 (HMAC-SHA1).
 *
 * The shape is OSS V1's (VERB, Content-MD5, Content-Type, Date, headers,
 * resource), so the HMAC and the header grouping are V1's; what differs
 * is the header family (x-amz-*), the Date slot (empty when x-amz-date is
 * sent), the resource (the path as the client encoded it) and the list of
 * sub-resources, which is Amazon's (botocore HmacV1Auth.QSAOfInterest,
 * s3cmd's S3.py): keys outside it are not signed.
 */
#include "auth/s3_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/str.h"
#include "hash/hash.h"

static const char *const subresources[] = {
	"accelerate", "acl", "analytics", "cors", "defaultObjectAcl",
	"delete", "encryption", "inventory", "legal-hold", "lifecycle",
	"location", "logging", "metrics", "notification", "object-lock",
	"partNumber", "policy", "publicAccessBlock", "replication",
	"requestPayment", "response-cache-control",
	"response-content-disposition", "response-content-encoding",
	"response-content-language", "response-content-type",
	"response-expires", "restore", "retention", "select", "select-type",
	"storageClass", "tagging", "torrent", "uploadId", "uploads",
	"versionId", "versioning", "versions", "website",
};

static bool
is_subresource(const char *name, const void *ctx)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof(subresources) / sizeof(subresources[0]);
	    i++)
		if (strcmp(subresources[i], name) == 0)
			return true;
	return false;
}

static bool
want_amz(const char *name, const void *ctx)
{
	(void)ctx;
	return str_case_has_prefix(name, "x-amz-");
}

enum err
auth_s3v2_string_to_sign(const struct auth_input *in, const char *date,
    const char *path, bool query_auth, struct buf *out)
{
	const char *md5 = auth_header(in, "content-md5");
	const char *type = auth_header(in, "content-type");
	enum err r;

	(void)query_auth;	/* AWSAccessKeyId etc. are no sub-resources */
	r = buf_printf(out, "%s\n%s\n%s\n%s\n", in->method != NULL ?
	    in->method : "", md5 != NULL ? md5 : "", type != NULL ? type : "",
	    date != NULL ? date : "");
	if (r == ERR_OK)
		r = auth_canon_headers(in, want_amz, NULL, out);
	if (r == ERR_OK)
		r = buf_puts(out, path);
	if (r == ERR_OK)
		r = auth_canon_subresources(in, is_subresource, NULL, out);
	return r;
}

/* Authorization: AWS <ak>:<signature> */
enum err
s3v2_parse_header(const struct auth_input *in, const char *auth,
    struct auth_parsed *ret)
{
	const char *s = auth + 4, *colon, *date;

	ret->kind = AUTH_S3V2_HEADER;
	colon = strchr(s, ':');
	if (colon == NULL || colon == s || colon[1] == '\0' ||
	    !auth_copy_field(ret->access_key_id, sizeof(ret->access_key_id), s,
	    (size_t)(colon - s)) ||
	    !auth_copy_field(ret->signature, sizeof(ret->signature), colon + 1,
	    strlen(colon + 1)))
		return ERR_AUTH_MALFORMED;
	/* x-amz-date, when sent, is the request's date (s3cmd sends only
	 * that one). */
	date = auth_header(in, "x-amz-date");
	if (date == NULL)
		date = auth_header(in, "date");
	if (date == NULL || !s3_parse_http_date(date, &ret->request_ms))
		return ERR_DATE_MISSING;
	return auth_check_skew(in, ret->request_ms);
}

/* ?AWSAccessKeyId=&Expires=&Signature= */
enum err
s3v2_parse_query(const struct auth_input *in, struct auth_parsed *ret)
{
	const char *ak = auth_query(in, "AWSAccessKeyId");
	const char *expires = auth_query(in, "Expires");
	const char *sig = auth_query(in, "Signature");
	uint64_t e;

	ret->kind = AUTH_S3V2_QUERY;
	if (ak == NULL || ak[0] == '\0' || expires == NULL || sig == NULL ||
	    sig[0] == '\0')
		return ERR_QUERY_AUTH_INCOMPLETE;
	if (!auth_copy_field(ret->access_key_id, sizeof(ret->access_key_id), ak,
	    strlen(ak)) ||
	    !auth_copy_field(ret->signature, sizeof(ret->signature), sig,
	    strlen(sig)))
		return ERR_AUTH_MALFORMED;
	if (!str_to_u64(expires, (uint64_t)INT64_MAX / 1000, &e))
		return ERR_EXPIRES_INVALID;
	ret->expires_ms = (int64_t)e * 1000;
	if (in->now_ms > ret->expires_ms)
		return ERR_REQUEST_EXPIRED;
	return ERR_OK;
}

enum err
s3v2_verify(const struct auth_input *in, const struct auth_parsed *p,
    const char *secret, struct buf *ret_sts)
{
	bool query_auth = p->kind == AUTH_S3V2_QUERY;
	const char *date, *prefix = "";
	struct buf forms, sts, first;
	char sig[29], *pre = NULL;
	size_t off = 0;
	enum err r;

	buf_init(&forms, AUTH_CANON_MAX);
	buf_init(&first, AUTH_CANON_MAX);
	if (query_auth)
		date = auth_query(in, "Expires");
	else if (auth_header(in, "x-amz-date") != NULL)
		date = "";
	else
		date = auth_header(in, "date");
	if (in->vhost && in->bucket != NULL && in->bucket[0] != '\0') {
		size_t n = strlen(in->bucket) + 2;

		pre = malloc(n);
		if (pre == NULL)
			return ERR_NOMEM;
		(void)snprintf(pre, n, "/%s", in->bucket);
		prefix = pre;
	}
	r = s3_path_forms(in, prefix, true, &forms);
	while (r == ERR_OK && off < forms.len) {
		const char *path = buf_cstr(&forms) + off;

		off += strlen(path) + 1;
		buf_init(&sts, AUTH_CANON_MAX);
		r = auth_s3v2_string_to_sign(in, date, path, query_auth, &sts);
		if (r == ERR_OK && !auth_v1_sign(sig, secret, buf_cstr(&sts),
		    sts.len))
			r = ERR_NOMEM;
		if (r == ERR_OK && first.len == 0)
			r = buf_append(&first, buf_cstr(&sts), sts.len);
		buf_free(&sts);
		if (r == ERR_OK && strlen(p->signature) == strlen(sig) &&
		    hash_equal(p->signature, sig, strlen(sig)))
			goto out;
	}
	if (r == ERR_OK) {
		log_debug("auth: S3 V2 signature mismatch for access key '%s'",
		    p->access_key_id);
		if (ret_sts != NULL)
			(void)buf_append(ret_sts, buf_cstr(&first), first.len);
		r = ERR_SIGNATURE_MISMATCH;
	}
out:
	sodium_memzero(sig, sizeof(sig));
	free(pre);
	buf_free(&forms);
	buf_free(&first);
	return r;
}
