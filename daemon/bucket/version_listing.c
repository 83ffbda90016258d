/* SPDX-License-Identifier: ISC */
/*
 * version_listing.c: ListObjectVersions semantics (oss-api-2.md §1.5) over
 * the (key, newest first) order of the object table.
 *
 * The folding into common prefixes is listing.c's; the cursor differs:
 * a page ends at a version, so the next one resumes at (key, the versions
 * older than it), and after a common prefix at the key past every key
 * that starts with it. Versions, delete markers and common prefixes all
 * count against max_keys.
 */
#include <stdint.h>
#include <string.h>

#include "bucket/bucket.h"
#include "bucket/bucket_int.h"

struct vlist {
	struct arena			*a;
	const struct version_list_opts	*o;
	const struct version_list_cb	*cb;
	size_t				 prefix_len;
	unsigned			 count;
	bool				 done;
	bool				 restart;
	bool				 saw_row;
	bool				 nomem;
	struct version_list_next	 next;
	const char			*cursor;	/* key */
	size_t				 cursor_len;
	int64_t				 below;		/* vseq bound in that key */
};

static bool
full(struct vlist *s)
{
	if (s->count < s->o->max_keys)
		return false;
	s->next.truncated = true;
	s->done = true;
	return true;
}

static bool
vlist_row(void *ctx, const struct object *v)
{
	struct vlist *s = ctx;
	const struct version_list_opts *o = s->o;
	size_t klen = strlen(v->key);
	const char *d = NULL;
	char *vid;

	s->saw_row = true;
	if (s->prefix_len > 0 && (klen < s->prefix_len ||
	    memcmp(v->key, o->prefix, s->prefix_len) != 0)) {
		s->done = true;
		return false;
	}
	if (o->delimiter != NULL && o->delimiter[0] != '\0')
		d = strstr(v->key + s->prefix_len, o->delimiter);
	if (d != NULL) {
		size_t cplen = (size_t)(d - v->key) + strlen(o->delimiter);
		char *cp = arena_strndup(s->a, v->key, cplen), *next;
		size_t next_len;

		if (cp == NULL) {
			s->nomem = true;
			s->done = true;
			return false;
		}
		/* Reported on an earlier page when at or before the marker. */
		if (o->key_marker == NULL || strcmp(cp, o->key_marker) > 0) {
			if (full(s))
				return false;
			s->cb->prefix(s->cb->ctx, cp);
			s->count++;
			s->next.key_marker = cp;
			s->next.vid_marker = "";
		}
		if (!bucket_key_successor(s->a, cp, cplen, &next, &next_len)) {
			s->done = true;
			return false;
		}
		s->cursor = next;
		s->cursor_len = next_len;
		s->below = INT64_MAX;
		s->restart = true;
		return false;
	}
	if (full(s))
		return false;
	/* v is the scan's row buffer, rewritten by the next row: the
	 * marker's version id must be a copy. */
	vid = arena_strdup(s->a, v->version_id);
	if (vid == NULL) {
		s->nomem = true;
		s->done = true;
		return false;
	}
	s->cb->version(s->cb->ctx, v);
	s->count++;
	s->next.key_marker = v->key;
	s->next.vid_marker = vid;
	s->cursor = v->key;
	s->cursor_len = klen;
	s->below = v->vseq;
	return true;
}

enum err
object_list_versions(struct db *db, struct arena *a, int64_t bucket,
    const struct version_list_opts *o, const struct version_list_cb *cb,
    struct version_list_next *ret)
{
	struct vlist s = {
		.a = a, .o = o, .cb = cb,
		.prefix_len = o->prefix ? strlen(o->prefix) : 0,
	};
	enum err r = ERR_OK;

	/* Resume after the marker version, or after the whole marker key,
	 * or at the prefix when that is later. */
	s.cursor = o->key_marker ? o->key_marker : "";
	s.cursor_len = strlen(s.cursor);
	s.below = 0;
	if (o->key_marker != NULL && o->vid_marker != NULL &&
	    o->vid_marker[0] != '\0') {
		r = object_version_seq(db, bucket, o->key_marker, o->vid_marker,
		    &s.below);
		if (r == ERR_NO_SUCH_VERSION) {
			s.below = 0;
			r = ERR_OK;
		}
		if (r != ERR_OK)
			return r;
	}
	if (o->prefix != NULL && strcmp(o->prefix, s.cursor) > 0) {
		s.cursor = o->prefix;
		s.cursor_len = s.prefix_len;
		s.below = INT64_MAX;
	}
	while (!s.done) {
		/* One more row than we may emit, to detect truncation. */
		unsigned want = o->max_keys - s.count + 1;

		s.restart = false;
		s.saw_row = false;
		r = object_version_scan(db, a, bucket, s.cursor, s.cursor_len,
		    s.below, want, vlist_row, &s);
		if (r != ERR_OK || !s.saw_row)
			break;
		if (!s.restart && !s.done)
			break;
	}
	if (r == ERR_OK && s.nomem)
		r = ERR_NOMEM;
	if (r == ERR_OK) {
		*ret = s.next;
		if (!ret->truncated) {
			ret->key_marker = NULL;
			ret->vid_marker = NULL;
		}
	}
	return r;
}
