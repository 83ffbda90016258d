/* SPDX-License-Identifier: ISC */
/* kv.c: see kv.h. */
#include "base/kv.h"

#include <string.h>

const char *
kv_get(const struct kv *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return v[i].value;
	return NULL;
}

int
kv_has(const struct kv *v, size_t n, const char *name)
{
	return kv_get(v, n, name) != NULL;
}
