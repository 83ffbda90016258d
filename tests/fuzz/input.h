/* SPDX-License-Identifier: ISC */
/*
 * input.h: the line format of the harnesses that take a request in
 * parts rather than as bytes on the wire (fuzz_auth_oss, fuzz_auth_kms,
 * fuzz_router, fuzz_kms_params):
 *
 *   the first FUZZ_FIELDS lines   fixed fields, per harness (method, ...)
 *   h name:value                  a header
 *   q name=value                  a query parameter (already decoded)
 *   f name=value                  a form parameter (already decoded)
 *   b<rest of the input>          the body, to the end, bytes as they are
 *
 * Other lines are ignored, so a mutation that breaks one line leaves the
 * rest of the request intact. Everything lives in the caller's arena.
 */
#ifndef COFFER_FUZZ_INPUT_H
#define COFFER_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/kv.h"

#define FUZZ_FIELDS	4
#define FUZZ_KV_MAX	64

struct fuzz_req {
	const char	*field[FUZZ_FIELDS];	/* "" when absent */
	struct kv	 h[FUZZ_KV_MAX];
	size_t		 nh;
	struct kv	 q[FUZZ_KV_MAX];
	size_t		 nq;
	struct kv	 f[FUZZ_KV_MAX];
	size_t		 nf;
	const char	*body;
	size_t		 body_len;
};

/* Fills r from data; false only when the arena is exhausted. */
int fuzz_req_parse(struct arena *a, const uint8_t *data, size_t size,
    struct fuzz_req *r);

#endif
