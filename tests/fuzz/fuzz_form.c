/* SPDX-License-Identifier: ISC */
/*
 * fuzz_form.c: libFuzzer harness for codec/form.h, the multipart/form-data
 * parser of PostObject.
 *
 * The first line of the input is the Content-Type, the rest the body. The
 * body is parsed twice, at once and split at a point taken from the input;
 * both runs must agree on the outcome and on every byte the callbacks saw
 * (the parser holds back nothing that is content, whatever the split).
 * Any violated invariant aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* A running hash of what the callbacks saw, and their count. */
struct seen {
	uint64_t	h;
	size_t		parts, bytes;
	int		open;
};

static void
mix(struct seen *s, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		s->h = (s->h ^ b[i]) * 0x100000001b3ULL;
}

static enum err
cb_begin(void *ctx, const struct form_part *part)
{
	struct seen *s = ctx;

	CHECK(s->open == 0);
	CHECK(part->name != NULL);
	s->open = 1;
	s->parts++;
	mix(s, "B", 1);
	mix(s, part->name, strlen(part->name) + 1);
	if (part->filename != NULL)
		mix(s, part->filename, strlen(part->filename) + 1);
	return ERR_OK;
}

static enum err
cb_data(void *ctx, const char *p, size_t n)
{
	struct seen *s = ctx;

	CHECK(s->open == 1 && n > 0);
	s->bytes += n;
	mix(s, p, n);
	return ERR_OK;
}

static enum err
cb_end(void *ctx)
{
	struct seen *s = ctx;

	CHECK(s->open == 1);
	s->open = 0;
	mix(s, "E", 1);
	return ERR_OK;
}

static const struct form_cb cb = { cb_begin, cb_data, cb_end };

static struct form f;

static enum err
run(const char *ct, const char *body, size_t n, size_t split,
    struct seen *s, bool *complete)
{
	enum err r;

	memset(s, 0, sizeof(*s));
	r = form_init(&f, ct);
	if (r != ERR_OK)
		return r;
	r = form_feed(&f, body, split, &cb, s);
	if (r == ERR_OK)
		r = form_feed(&f, body + split, n - split, &cb, s);
	*complete = form_complete(&f);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	struct seen a, b;
	bool ca, cb2;
	char ct[256];
	size_t cl, n, split;
	enum err ra, rb;

	if (nl == NULL)
		return 0;
	cl = (size_t)(nl - (const char *)data);
	if (cl >= sizeof(ct))
		return 0;
	memcpy(ct, data, cl);
	ct[cl] = '\0';
	n = size - cl - 1;
	split = n == 0 ? 0 : (size_t)data[0] * 131 % (n + 1);
	ra = run(ct, nl + 1, n, n, &a, &ca);
	rb = run(ct, nl + 1, n, split, &b, &cb2);
	CHECK(ra == rb);
	if (ra == ERR_OK) {
		CHECK(ca == cb2);
		CHECK(a.h == b.h && a.parts == b.parts && a.bytes == b.bytes);
		CHECK(a.bytes <= n);
	}
	return 0;
}
