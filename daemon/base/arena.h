/* SPDX-License-Identifier: ISC */
/*
 * arena.h: capped bump allocator for request-scoped data.
 *
 * Everything allocated from an arena is released at once by arena_free().
 * The cap bounds what one request can make the daemon allocate; exceeding it
 * makes allocations return NULL, which callers map to ERR_ENTITY_TOO_LARGE
 * or ERR_NOMEM. Never put key material in an arena: it is not wiped.
 */
#ifndef COFFER_BASE_ARENA_H
#define COFFER_BASE_ARENA_H

#include <stddef.h>

#include "base/err.h"

struct arena_block;

struct arena {
	struct arena_block	*head;
	size_t			 used;	/* bytes handed out, all blocks */
	size_t			 cap;
};

void arena_init(struct arena *a, size_t cap);
/* 16-byte aligned, uninitialised; NULL when the cap or malloc fails. */
void *arena_alloc(struct arena *a, size_t n);
void *arena_zalloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Makes room for one more element in the array *v of *n elements of size
 * elem (capacity *cap), doubling into a new arena block when full; the old
 * block is simply abandoned to the arena. ERR_NOMEM leaves *v intact. */
enum err arena_grow(struct arena *a, void **v, size_t n, size_t *cap,
    size_t elem);
void arena_free(struct arena *a);

#endif
