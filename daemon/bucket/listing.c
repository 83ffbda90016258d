/* SPDX-License-Identifier: ISC */
/*
 * listing.c: ListObjects semantics over the key-ordered object table.
 *
 * Keys under the prefix that contain the delimiter after it are folded into
 * a common prefix, reported once; the scan then jumps past every key that
 * starts with that common prefix instead of reading them, so a listing of a
 * directory with a million children costs one query per child directory.
 * Keys and common prefixes together count against max_keys, as in OSS.
 */
#include <string.h>

#include "bucket/bucket.h"
#include "bucket/bucket_int.h"

struct list_state {
	struct arena			*a;
	const struct object_list_opts	*o;
	const struct object_list_cb	*cb;
	size_t				 prefix_len;
	unsigned			 count;
	bool				 truncated;
	bool				 done;		/* no more keys under prefix */
	const char			*next_marker;
	/* where the next scan starts */
	const char			*cursor;
	size_t				 cursor_len;
	bool				 inclusive;
	bool				 restart;	/* jump requested */
	bool				 saw_row;
};

bool
bucket_key_successor(struct arena *a, const char *s, size_t n, char **ret,
    size_t *ret_n)
{
	while (n > 0 && (unsigned char)s[n - 1] == 0xff)
		n--;
	if (n == 0)
		return false;
	char *p = arena_strndup(a, s, n);
	if (p == NULL)
		return false;
	p[n - 1] = (char)((unsigned char)p[n - 1] + 1);
	*ret = p;
	*ret_n = n;
	return true;
}

static bool
list_row(void *ctx, const struct object *obj)
{
	struct list_state *s = ctx;
	const struct object_list_opts *o = s->o;
	const char *key = obj->key;
	size_t klen = strlen(key);
	const char *d;

	s->saw_row = true;
	if (s->prefix_len > 0 &&
	    (klen < s->prefix_len || memcmp(key, o->prefix, s->prefix_len) != 0)) {
		s->done = true;
		return false;
	}
	/* Remember where we are in case the batch ends here. */
	s->cursor = key;
	s->cursor_len = klen;
	s->inclusive = false;
	d = NULL;
	if (o->delimiter != NULL && o->delimiter[0] != '\0')
		d = strstr(key + s->prefix_len, o->delimiter);
	if (d != NULL) {
		size_t cplen = (size_t)(d - key) + strlen(o->delimiter);
		char *cp = arena_strndup(s->a, key, cplen);
		char *next;
		size_t next_len;

		if (cp == NULL) {
			s->done = true;
			return false;
		}
		/* A common prefix at or before the marker was reported on an
		 * earlier page. */
		if (o->marker == NULL || strcmp(cp, o->marker) > 0) {
			if (s->count == o->max_keys) {
				s->truncated = true;
				s->done = true;
				return false;
			}
			s->cb->prefix(s->cb->ctx, cp);
			s->count++;
			s->next_marker = cp;
		}
		if (!bucket_key_successor(s->a, cp, cplen, &next, &next_len)) {
			s->done = true;
			return false;
		}
		s->cursor = next;
		s->cursor_len = next_len;
		s->inclusive = true;
		s->restart = true;
		return false;
	}
	if (s->count == o->max_keys) {
		s->truncated = true;
		s->done = true;
		return false;
	}
	s->cb->object(s->cb->ctx, obj);
	s->count++;
	s->next_marker = key;
	return true;
}

enum err
object_list(struct db *db, struct arena *a, int64_t bucket,
    const struct object_list_opts *o, const struct object_list_cb *cb,
    bool *ret_truncated, const char **ret_next_marker)
{
	struct list_state s = {
		.a = a, .o = o, .cb = cb,
		.prefix_len = o->prefix ? strlen(o->prefix) : 0,
	};
	enum err r = ERR_OK;

	/* Start after the marker, or at the prefix if that is later. */
	s.cursor = o->marker ? o->marker : "";
	s.cursor_len = strlen(s.cursor);
	s.inclusive = false;
	if (o->prefix != NULL && strcmp(o->prefix, s.cursor) > 0) {
		s.cursor = o->prefix;
		s.cursor_len = s.prefix_len;
		s.inclusive = true;
	}
	while (!s.done) {
		/* One more row than we may emit, to detect truncation. */
		unsigned want = o->max_keys - s.count + 1;

		s.restart = false;
		s.saw_row = false;
		r = object_scan(db, a, bucket, s.cursor, s.cursor_len,
		    s.inclusive, want, list_row, &s);
		if (r != ERR_OK)
			break;
		if (!s.saw_row)
			break;
		if (!s.restart && !s.done) {
			/* The batch was consumed without reaching max_keys + 1
			 * rows: there is nothing more. */
			break;
		}
	}
	if (r == ERR_OK) {
		*ret_truncated = s.truncated;
		*ret_next_marker = s.truncated ? s.next_marker : NULL;
	}
	return r;
}
