/* SPDX-License-Identifier: ISC */
/*
 * fuzz_router.c: libFuzzer harness for the OSS request target parser and
 * route selection (oss/router.c, oss/routes.c) on their own, without a
 * database: thousands of times faster than fuzz_oss_request, so the Host
 * and target grammar gets explored deeply.
 *
 * Input: input.h lines; the fields are method, Host ("" for none)
 * and the raw request target; headers follow (x-oss-copy-source and the
 * like select routes). The endpoint knows the domains the unit tests use.
 *
 * Invariants: a parsed target is consistent (a bucket, or a custom domain
 * standing for one, at bucket and object level; a non-empty key at object
 * level and none at bucket level; no bucket at service level), and
 * router_match() picks a row that router_route_matches() accepts (but for
 * the /-/ endpoints, chosen by path).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/input.h"
#include "oss/oss_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct api api;
	struct http_request req;
	struct kv h[FUZZ_KV_MAX + 1];
	struct fuzz_req r;
	struct call c;
	size_t nh = 0;

	if (api.region[0] == '\0') {
		snprintf(api.region, sizeof(api.region), "cn-hangzhou");
		snprintf(api.domains[0], sizeof(api.domains[0]), "oss.test");
		snprintf(api.domains[1], sizeof(api.domains[1]),
		    "s3.example.org");
		api.ndomains = 2;
	}
	memset(&req, 0, sizeof(req));
	arena_init(&req.arena, (size_t)4 << 20);
	if (!fuzz_req_parse(&req.arena, data, size, &r))
		goto out;
	if (r.field[1][0] != '\0')
		h[nh++] = (struct kv){ "host", r.field[1] };
	for (size_t i = 0; i < r.nh; i++)
		h[nh++] = r.h[i];
	req.method = r.field[0];
	req.uri = r.field[2];
	req.headers = h;
	req.nheaders = nh;

	memset(&c, 0, sizeof(c));
	c.api = &api;
	c.req = &req;
	c.a = &req.arena;
	c.route_index = api_nroutes;
	c.head = strcmp(req.method, "HEAD") == 0;
	if (router_parse_target(&c) != ERR_OK)
		goto out;
	CHECK(c.host != NULL && c.region != NULL);
	CHECK(c.nquery == 0 || c.query != NULL);
	for (size_t i = 0; i < c.nquery; i++)
		CHECK(c.query[i].name != NULL && c.query[i].value != NULL);
	/* A custom domain names its bucket only later (dispatch); the
	 * service level keeps the path of the /-/ endpoints as its key. */
	switch (c.level) {
	case LEVEL_SERVICE:
		CHECK(c.bucket_name == NULL);
		break;
	case LEVEL_BUCKET:
		CHECK(c.bucket_name != NULL || c.cname_host != NULL);
		CHECK(c.key == NULL);
		break;
	case LEVEL_OBJECT:
		CHECK(c.bucket_name != NULL || c.cname_host != NULL);
		CHECK(c.key != NULL && c.key[0] != '\0');
		break;
	}
	if (router_match(&c) == ERR_OK) {
		CHECK(c.route != NULL && c.route_index < api_nroutes);
		CHECK(c.route == &api_routes[c.route_index]);
		/* The /-/ endpoints are chosen by path alone. */
		CHECK((c.route->flags & R_INTERNAL) ||
		    router_route_matches(&c, c.route));
	}
out:
	arena_free(&req.arena);
	return 0;
}
