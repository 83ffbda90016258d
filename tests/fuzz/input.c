/* SPDX-License-Identifier: ISC */
/* input.c: the line format of input.h. */
#include <string.h>

#include "fuzz/input.h"

static void
add(struct kv *v, size_t *n, char *line, char sep)
{
	char *s = strchr(line, sep);

	if (*n == FUZZ_KV_MAX)
		return;
	if (s != NULL)
		*s++ = '\0';
	v[*n].name = line;
	v[*n].value = s != NULL ? s : "";
	(*n)++;
}

int
fuzz_req_parse(struct arena *a, const uint8_t *data, size_t size,
    struct fuzz_req *r)
{
	char *text, *p, *end, *nl;
	size_t k = 0;

	memset(r, 0, sizeof(*r));
	for (k = 0; k < FUZZ_FIELDS; k++)
		r->field[k] = "";
	r->body = "";
	if ((text = arena_alloc(a, size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	end = text + size;
	for (p = text, k = 0; p < end; p = nl + 1) {
		if (k >= FUZZ_FIELDS && *p == 'b') {
			r->body = p + 1;
			r->body_len = (size_t)(end - p - 1);
			break;
		}
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		*nl = '\0';
		if (k < FUZZ_FIELDS) {
			r->field[k++] = p;
			continue;
		}
		switch (*p) {
		case 'h':
			/* http/ hands headers over with lower-case names. */
			for (char *c = p; *c != '\0' && *c != ':'; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c += 'a' - 'A';
			add(r->h, &r->nh, p + 1 + (p[1] == ' '), ':');
			break;
		case 'q':
			add(r->q, &r->nq, p + 1 + (p[1] == ' '), '=');
			break;
		case 'f':
			add(r->f, &r->nf, p + 1 + (p[1] == ' '), '=');
			break;
		}
	}
	return 1;
}
