/* SPDX-License-Identifier: ISC */
/* kv.h: a borrowed name/value pair (headers, query parameters). */
#ifndef COFFER_BASE_KV_H
#define COFFER_BASE_KV_H

#include <stddef.h>

struct kv {
	const char	*name;
	const char	*value;
};

/* First value for name (exact match), or NULL. */
const char *kv_get(const struct kv *v, size_t n, const char *name);
/* True when name is present (even with an empty value). */
int kv_has(const struct kv *v, size_t n, const char *name);

#endif
