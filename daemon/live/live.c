/* SPDX-License-Identifier: ISC */
/*
 * live.c: the LiveChannel rules that need no database: names, the
 * configuration's ranges (DOCS PutLiveChannel), the m3u8 text (RFC 8216,
 * spec rtmp-ingest.md §8) and the RTMP URL's string to sign (§6).
 */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/kv.h"
#include "base/str.h"
#include "live/live.h"

bool
live_name_valid(const char *name)
{
	size_t n = strlen(name);

	/* Object-name rules (the channel is the prefix of its objects),
	 * without '/' (oss-api.md §3.7). */
	return n >= 1 && n <= LIVE_NAME_MAX && name[0] != '\\' &&
	    strchr(name, '/') == NULL && str_utf8_valid(name, n);
}

bool
live_playlist_valid(const char *name)
{
	size_t n = strlen(name);

	return n >= 6 && n <= LIVE_PLAYLIST_MAX &&
	    str_has_suffix(name, ".m3u8") && strchr(name, '/') == NULL &&
	    strchr(name, '\\') == NULL && str_utf8_valid(name, n);
}

enum err
live_channel_check(const struct live_channel *ch)
{
	if (!live_name_valid(ch->name) ||
	    strlen(ch->description) > LIVE_DESC_MAX ||
	    ch->frag_duration < 1 || ch->frag_duration > 100 ||
	    ch->frag_count < 1 || ch->frag_count > 100 ||
	    !live_playlist_valid(ch->playlist))
		return ERR_INVALID_ARGUMENT;
	return ERR_OK;
}

enum err
live_m3u8(struct buf *out, uint64_t media_seq, const struct live_segment *s,
    size_t n, bool endlist)
{
	unsigned target = 1;
	enum err r;

	/* TARGETDURATION: every EXTINF rounded to nearest (§4.3.3.1). */
	for (size_t i = 0; i < n; i++) {
		unsigned t = (s[i].duration_ms + 500) / 1000;

		if (t > target)
			target = t;
	}
	r = buf_printf(out, "#EXTM3U\n#EXT-X-VERSION:3\n"
	    "#EXT-X-MEDIA-SEQUENCE:%llu\n#EXT-X-TARGETDURATION:%u\n",
	    (unsigned long long)media_seq, target);
	for (size_t i = 0; r == ERR_OK && i < n; i++)
		r = buf_printf(out, "#EXTINF:%u.%03u,\n%s\n",
		    s[i].duration_ms / 1000, s[i].duration_ms % 1000,
		    s[i].name);
	if (r == ERR_OK && endlist)
		r = buf_puts(out, "#EXT-X-ENDLIST\n");
	return r;
}

static int
kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->name,
	    ((const struct kv *)b)->name);
}

enum err
live_rtmp_string_to_sign(struct buf *out, const char *expires,
    const struct kv *params, size_t nparams, const char *bucket,
    const char *channel)
{
	struct kv *sorted = NULL;
	size_t n = 0;
	enum err r;

	if (nparams > 64)
		return ERR_INVALID_ARGUMENT;
	sorted = calloc(nparams + 1, sizeof(*sorted));
	if (sorted == NULL)
		return ERR_NOMEM;
	for (size_t i = 0; i < nparams; i++) {
		const char *k = params[i].name;

		if (strcmp(k, "OSSAccessKeyId") == 0 ||
		    strcmp(k, "Expires") == 0 ||
		    strcmp(k, "Signature") == 0 ||
		    strcmp(k, "security-token") == 0 ||
		    strcmp(k, "SecurityToken") == 0)
			continue;
		sorted[n++] = params[i];
	}
	qsort(sorted, n, sizeof(*sorted), kv_cmp);
	r = buf_printf(out, "%s\n", expires);
	for (size_t i = 0; r == ERR_OK && i < n; i++)
		r = buf_printf(out, "%s:%s\n", sorted[i].name,
		    sorted[i].value);
	if (r == ERR_OK)
		r = buf_printf(out, "/%s/%s", bucket, channel);
	free(sorted);
	return r;
}
