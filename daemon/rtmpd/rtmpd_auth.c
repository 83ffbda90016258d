/* SPDX-License-Identifier: ISC */
/*
 * rtmpd_auth.c: who may publish where (spec rtmp-ingest.md §6). The path
 * is app "/" name, split once at the first '?' (ffmpeg moves the split
 * when the query holds a '/'): "live/<channel>" takes the bucket from the
 * tcUrl host (<bucket>.oss-<region>.aliyuncs.com or <bucket>.<domain>),
 * "<bucket>/live/<channel>" names it in the path (IP endpoints, as in our
 * PublishUrls). A signed URL must carry the bucket owner's access key, an
 * Expires in the future (checked at publish only, by the wall clock like
 * every signature) and the HMAC-SHA1 of live_rtmp_string_to_sign; unsigned
 * publishing is allowed on public-read-write buckets only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/api_int.h"
#include "auth/auth.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/kv.h"
#include "base/str.h"
#include "hash/hash.h"
#include "rtmpd/rtmpd_int.h"

#define QUERY_MAX 32

/* The bucket named by the tcUrl host, if it is a virtual host. */
static bool
host_bucket(const struct conn *c, char *ret, size_t cap)
{
	const struct api *api = c->d->api;
	const char *h = strstr(c->tcurl, "://"), *end, *dot;
	char host[256];
	size_t n;

	if (h == NULL)
		return false;
	h += 3;
	end = h + strcspn(h, ":/");
	n = (size_t)(end - h);
	if (n == 0 || n >= sizeof(host))
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	str_lower(host);
	dot = strchr(host, '.');
	if (dot == NULL)
		return false;
	if (str_has_suffix(host, ".aliyuncs.com") &&
	    str_has_prefix(dot + 1, "oss-")) {
		str_copy(ret, cap, host);
		ret[dot - host < (ptrdiff_t)cap ? dot - host : 0] = '\0';
		return true;
	}
	for (unsigned i = 0; i < api->ndomains; i++)
		if (strcmp(dot + 1, api->domains[i]) == 0) {
			str_copy(ret, cap, host);
			ret[dot - host < (ptrdiff_t)cap ? dot - host : 0] = '\0';
			return true;
		}
	return false;
}

/* Splits q ("a=1&b=2", modified) into decoded pairs. */
static bool
parse_query(char *q, struct kv *kv, size_t *ret_n)
{
	size_t n = 0;

	while (q != NULL && *q != '\0') {
		char *amp = strchr(q, '&'), *eq;

		if (amp != NULL)
			*amp = '\0';
		if (*q != '\0') {
			if (n == QUERY_MAX)
				return false;
			eq = strchr(q, '=');
			if (eq != NULL)
				*eq++ = '\0';
			else
				eq = q + strlen(q);
			/* Values are percent-decoded; '+' stays '+'. */
			if (url_decode(q, q, strlen(q), false) < 0 ||
			    url_decode(eq, eq, strlen(eq), false) < 0)
				return false;
			kv[n].name = q;
			kv[n].value = eq;
			n++;
		}
		q = amp ? amp + 1 : NULL;
	}
	*ret_n = n;
	return true;
}

static enum err
check_signature(struct conn *c, const struct bucket *b, const char *channel,
    const struct kv *kv, size_t n)
{
	struct api *api = c->d->api;
	const char *ak = kv_get(kv, n, "OSSAccessKeyId");
	const char *expires = kv_get(kv, n, "Expires");
	const char *sig = kv_get(kv, n, "Signature");
	struct auth_account account;
	uint8_t mac[HASH_SHA1_BYTES];
	char want[64], *secret = NULL;
	size_t cap = 0;
	struct buf sts;
	uint64_t exp;
	enum err r;

	if (ak == NULL || expires == NULL || sig == NULL)
		return ERR_ACCESS_DENIED;
	if (!str_to_u64(expires, INT64_MAX / 1000, &exp))
		return ERR_ACCESS_DENIED;
	if ((int64_t)exp * 1000 < clock_wall_ms())
		return ERR_REQUEST_EXPIRED;
	r = api_secret_open(api, ak, &account, &secret, &cap);
	if (r != ERR_OK)
		return r == ERR_INVALID_ACCESS_KEY_ID ||
		    r == ERR_ACCESS_KEY_DISABLED ? ERR_ACCESS_DENIED : r;
	buf_init(&sts, 64 * 1024);
	r = live_rtmp_string_to_sign(&sts, expires, kv, n, b->name, channel);
	if (r == ERR_OK &&
	    !hash_hmac_sha1(mac, secret, strlen(secret), sts.data, sts.len))
		r = ERR_NOMEM;
	if (r == ERR_OK) {
		b64_encode(want, sizeof(want), mac, sizeof(mac));
		/* Only the bucket owner's keys sign publish URLs. */
		if (strlen(sig) != strlen(want) ||
		    !hash_equal(sig, want, strlen(want)) ||
		    account.id != b->owner)
			r = ERR_ACCESS_DENIED;
	}
	explicit_bzero(secret, cap);
	free(secret);
	buf_free(&sts);
	return r;
}

enum err
session_authorize(struct conn *c, const char *name, struct bucket *ret_bucket,
    char *ret_channel, size_t channel_cap, char *ret_playlist,
    size_t playlist_cap)
{
	struct api *api = c->d->api;
	struct kv kv[QUERY_MAX];
	char *full, *q, *path, *chan, bname[BUCKET_NAME_MAX + 1];
	const char *pl;
	size_t n = 0, fl = strlen(c->app) + 1 + strlen(name) + 1;
	enum err r = ERR_INVALID_ARGUMENT;

	full = malloc(fl);
	if (full == NULL)
		return ERR_NOMEM;
	snprintf(full, fl, "%s/%s", c->app, name);
	q = strchr(full, '?');
	if (q != NULL)
		*q++ = '\0';
	if (!parse_query(q, kv, &n))
		goto out;
	path = full;
	if (str_has_prefix(path, "live/")) {
		if (!host_bucket(c, bname, sizeof(bname)))
			goto out;
		chan = path + 5;
	} else {
		char *slash = strchr(path, '/');

		if (slash == NULL || !str_has_prefix(slash + 1, "live/") ||
		    (size_t)(slash - path) >= sizeof(bname))
			goto out;
		memcpy(bname, path, (size_t)(slash - path));
		bname[slash - path] = '\0';
		chan = slash + 6;
	}
	if (url_decode(chan, chan, strlen(chan), false) < 0 ||
	    !live_name_valid(chan) || strlen(chan) >= channel_cap)
		goto out;
	r = bucket_get(api->db, bname, ret_bucket);
	if (r != ERR_OK)
		goto out;
	if (kv_get(kv, n, "Signature") != NULL ||
	    strcmp(ret_bucket->acl, "public-read-write") != 0)
		r = check_signature(c, ret_bucket, chan, kv, n);
	if (r != ERR_OK)
		goto out;
	str_copy(ret_channel, channel_cap, chan);
	pl = kv_get(kv, n, "playlistName");
	ret_playlist[0] = '\0';
	if (pl != NULL && live_playlist_valid(pl) &&
	    strlen(pl) < playlist_cap)
		str_copy(ret_playlist, playlist_cap, pl);
out:
	free(full);
	return r;
}
