/* SPDX-License-Identifier: ISC */
/*
 * cli_cname.c: `coffer cname list|reserve-img`: the custom domains of the
 * data dir. A domain reserved for image processing is refused to PutCname
 * with CnameAlreadyExists (CnameType CNAME_IMG), as OSS does for a domain
 * its image service holds.
 */
#include <stdio.h>
#include <string.h>

#include "base/str.h"
#include "bucket/bucket.h"
#include "cli/cli.h"
#include "db/db.h"

static void
list_one(void *ctx, const struct cname *c)
{
	char t[TIME_ISO_BYTES];

	(void)ctx;
	time_fmt_iso_s(t, c->modified_ms);
	printf("%-40s %-4s %-24s %s\n", c->domain, c->img ? "img" : "oss",
	    c->bucket_name, t);
}

int
cli_cname_list(struct cli *cli, int argc, char **argv)
{
	enum err r;

	(void)argc;
	(void)argv;
	if (cli_open_db(cli) != ERR_OK)
		return 1;
	printf("%-40s %-4s %-24s %s\n", "DOMAIN", "KIND", "BUCKET", "SINCE");
	r = cname_list(cli->db, 0, list_one, NULL);
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot list domains: %s\n",
		    err_name(r));
		return 1;
	}
	return 0;
}

int
cli_cname_reserve_img(struct cli *cli, int argc, char **argv)
{
	char domain[CNAME_DOMAIN_MAX + 1];
	struct bucket b;
	enum err r;

	(void)argc;
	str_copy(domain, sizeof(domain), argv[0]);
	str_lower(domain);
	if (strlen(argv[0]) > CNAME_DOMAIN_MAX || !cname_domain_valid(domain)) {
		fprintf(stderr, "coffer: '%s' is not a domain name\n", argv[0]);
		return 2;
	}
	if (cli_open_db(cli) != ERR_OK)
		return 1;
	r = bucket_get(cli->db, argv[1], &b);
	if (r == ERR_NO_SUCH_BUCKET) {
		fprintf(stderr, "coffer: no bucket '%s'\n", argv[1]);
		return 1;
	}
	if (r == ERR_OK)
		r = cname_insert(cli->db, b.id, domain, true, cli_now(cli));
	if (r == ERR_CNAME_EXISTS) {
		fprintf(stderr, "coffer: '%s' is held already (coffer cname "
		    "list)\n", domain);
		return 1;
	}
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot reserve: %s\n", err_name(r));
		return 1;
	}
	printf("%s: reserved for image processing of bucket %s\n", domain,
	    b.name);
	return 0;
}
