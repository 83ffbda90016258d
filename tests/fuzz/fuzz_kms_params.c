/* SPDX-License-Identifier: ISC */
/*
 * fuzz_kms_params.c: libFuzzer harness for the KMS request parameters
 * (kmsd/params.c): numbers, booleans, paging, the EncryptionContext map
 * (JSON or flattened name.k=v), and the small JSON reader behind Tags,
 * TagKeys and Filters.
 *
 * Input: input.h lines; the query ("q") and form ("f") parameters,
 * decoded, become the call's parameters, query first, as dispatch joins
 * them. Every parameter reader runs on every input, under the names the
 * actions use.
 *
 * Invariants: a reader that succeeds returns well-formed results (no NULL
 * strings, counts that match), one that fails names the parameter it
 * refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/input.h"
#include "kmsd/kmsd_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static const char *const context_names[] = {
	"EncryptionContext", "SourceEncryptionContext",
	"DestinationEncryptionContext",
};

/* A failed reader says which parameter was wrong. */
static void
refused(const struct kms_call *c, enum err r)
{
	if (r == ERR_INVALID_ARGUMENT || r == ERR_KMS_MISSING_PARAMETER)
		CHECK(c->err_param != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kv params[2 * FUZZ_KV_MAX];
	struct kms_key_filter *filters;
	struct kms_tag *tags;
	struct fuzz_req r;
	struct kms_call c;
	struct arena a;
	const char **strs, *v;
	struct kv *ctx;
	uint64_t x, y;
	size_t n;
	bool b;
	enum err e;

	arena_init(&a, (size_t)8 << 20);
	if (!fuzz_req_parse(&a, data, size, &r))
		goto out;
	memset(&c, 0, sizeof(c));
	c.a = &a;
	memcpy(params, r.q, r.nq * sizeof(*params));
	memcpy(params + r.nq, r.f, r.nf * sizeof(*params));
	c.params = params;
	c.nparams = r.nq + r.nf;

	v = NULL;
	e = kp_need(&c, "KeyId", &v);
	CHECK(e != ERR_OK || (v != NULL && v[0] != '\0'));
	refused(&c, e);
	c.err_param = NULL;
	refused(&c, kp_u64(&c, "NumberOfBytes", 1, 1024, 32, &x));
	c.err_param = NULL;
	refused(&c, kp_u64(&c, "PendingWindowInDays", 7, 366, 30, &x));
	c.err_param = NULL;
	refused(&c, kp_bool(&c, "EnableAutomaticRotation", false, &b));
	c.err_param = NULL;
	e = kp_page(&c, &x, &y);
	CHECK(e != ERR_OK || (x >= 1 && y >= 1 && y <= KMS_PAGE_SIZE_MAX));
	refused(&c, e);

	for (size_t i = 0; i < sizeof(context_names) /
	    sizeof(context_names[0]); i++) {
		c.err_param = NULL;
		ctx = NULL;
		n = 0;
		e = kp_context(&c, context_names[i], &ctx, &n);
		if (e == ERR_OK) {
			CHECK(n == 0 || ctx != NULL);
			for (size_t j = 0; j < n; j++)
				CHECK(ctx[j].name != NULL &&
				    ctx[j].value != NULL);
		} else
			refused(&c, e);
	}

	c.err_param = NULL;
	tags = NULL;
	n = 0;
	e = kp_tags(&c, "Tags", &tags, &n);
	if (e == ERR_OK) {
		CHECK(n == 0 || tags != NULL);
		for (size_t j = 0; j < n; j++)
			CHECK(tags[j].key != NULL && tags[j].value != NULL);
	} else
		refused(&c, e);

	c.err_param = NULL;
	strs = NULL;
	n = 0;
	e = kp_strings(&c, "TagKeys", &strs, &n);
	if (e == ERR_OK) {
		CHECK(n == 0 || strs != NULL);
		for (size_t j = 0; j < n; j++)
			CHECK(strs[j] != NULL);
	} else
		refused(&c, e);

	c.err_param = NULL;
	filters = NULL;
	n = 0;
	e = kp_filters(&c, "Filters", &filters, &n);
	if (e == ERR_OK) {
		CHECK(n == 0 || filters != NULL);
		for (size_t j = 0; j < n; j++) {
			CHECK(filters[j].key != NULL);
			for (size_t k = 0; k < filters[j].nvalues; k++)
				CHECK(filters[j].values[k] != NULL);
		}
	} else
		refused(&c, e);
out:
	arena_free(&a);
	return 0;
}
