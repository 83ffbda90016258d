/* SPDX-License-Identifier: ISC */
/*
 * cli_bucket.c: `coffer bucket list|info` and `coffer object list`, for
 * looking into a data dir without a client or credentials. Read only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/str.h"
#include "bucket/bucket.h"
#include "cli/cli.h"
#include "codec/json.h"

#define OWNERS_MAX 4096

struct owners {
	int64_t	 id[OWNERS_MAX];
	size_t	 n;
	bool	 full;
};

static void
add_owner(void *ctx, const struct auth_account *a, const char *ak)
{
	struct owners *o = ctx;

	(void)ak;
	if (o->n < OWNERS_MAX)
		o->id[o->n++] = a->id;
	else
		o->full = true;
}

struct blist {
	bool			 json;
	struct json_writer	*w;
	char			 last[BUCKET_NAME_MAX + 1];
};

static void
bucket_row(void *ctx, const struct bucket *b)
{
	struct blist *l = ctx;
	char t[TIME_ISO_BYTES];

	time_fmt_iso_s(t, b->created_ms);
	str_copy(l->last, sizeof(l->last), b->name);
	if (l->json) {
		json_obj_open(l->w, NULL);
		json_str(l->w, "Name", b->name);
		json_str(l->w, "Owner", b->owner_name);
		json_str(l->w, "Region", b->region);
		json_str(l->w, "StorageClass", b->storage_class);
		json_str(l->w, "CreationDate", t);
		json_obj_close(l->w);
	} else
		printf("%-40s %-20s %-16s %-16s %s\n", b->name, b->owner_name,
		    b->region, b->storage_class, t);
}

int
cli_bucket_list(struct cli *cli, int argc, char **argv)
{
	static struct owners owners;
	struct blist l = { .json = cli_flag(&argc, argv, "--json") };
	char next[BUCKET_NAME_MAX + 1];
	struct json_writer w;
	struct buf b;
	enum err r;

	if (cli_open_db(cli) != ERR_OK)
		return 1;
	r = auth_account_list(cli->db, add_owner, &owners);
	if (r == ERR_OK && owners.full)
		r = ERR_NOMEM;
	buf_init(&b, 256u << 20);
	json_writer_init(&w, &b);
	l.w = &w;
	if (l.json)
		json_arr_open(&w, NULL);
	else
		printf("%-40s %-20s %-16s %-16s %s\n", "NAME", "OWNER", "REGION",
		    "STORAGE CLASS", "CREATED");
	/* Per owner, a page at a time: the listing the OSS listener
	 * serves, for every account. */
	for (size_t i = 0; r == ERR_OK && i < owners.n; i++) {
		bool more = true;

		l.last[0] = '\0';
		while (r == ERR_OK && more) {
			struct bucket_list_opts o = { NULL,
			    l.last[0] ? l.last : NULL, 1000 };

			r = bucket_list(cli->db, owners.id[i], &o, bucket_row,
			    &l, &more, next);
		}
	}
	if (l.json) {
		json_arr_close(&w);
		if (json_writer_finish(&w) == ERR_OK && r == ERR_OK)
			cli_print_json(&b);
	}
	buf_free(&b);
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot list buckets: %s\n",
		    err_name(r));
		return 1;
	}
	return 0;
}

int
cli_bucket_info(struct cli *cli, int argc, char **argv)
{
	bool json = cli_flag(&argc, argv, "--json");
	struct bucket_stat st;
	struct bucket bk;
	char t[TIME_ISO_BYTES];
	enum err r;

	if (cli_open_db(cli) != ERR_OK)
		return 1;
	r = bucket_get(cli->db, argv[0], &bk);
	if (r == ERR_NO_SUCH_BUCKET) {
		fprintf(stderr, "coffer: no bucket '%s'\n", argv[0]);
		return 1;
	}
	if (r == ERR_OK)
		r = bucket_stat(cli->db, bk.id, &st);
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot read bucket '%s': %s\n",
		    argv[0], err_name(r));
		return 1;
	}
	time_fmt_iso_s(t, bk.created_ms);
	if (json) {
		struct json_writer w;
		struct buf b;

		buf_init(&b, 64 * 1024);
		json_writer_init(&w, &b);
		json_obj_open(&w, NULL);
		json_str(&w, "Name", bk.name);
		json_str(&w, "Owner", bk.owner_name);
		json_str(&w, "OwnerAccountId", bk.owner_account_id);
		json_str(&w, "Region", bk.region);
		json_str(&w, "StorageClass", bk.storage_class);
		json_str(&w, "Redundancy", bk.redundancy);
		json_str(&w, "Acl", bk.acl);
		json_str(&w, "Versioning", bucket_versioning_name(bk.versioning));
		json_str(&w, "ServerSideEncryption", bk.sse_algorithm);
		json_str(&w, "CreationDate", t);
		json_i64(&w, "Objects", (int64_t)st.objects);
		json_i64(&w, "Storage", (int64_t)st.storage);
		json_i64(&w, "DeleteMarkers", (int64_t)st.delete_markers);
		json_i64(&w, "MultipartUploads", (int64_t)st.uploads);
		json_obj_close(&w);
		if (json_writer_finish(&w) == ERR_OK)
			cli_print_json(&b);
		return 0;
	}
	printf("Name:               %s\nOwner:              %s (%s)\n"
	    "Region:             %s\nStorageClass:       %s\n"
	    "Redundancy:         %s\nAcl:                %s\n"
	    "Versioning:         %s\nEncryption:         %s\n"
	    "Created:            %s\nObjects:            %" PRIu64 "\n"
	    "Storage:            %" PRIu64 " bytes\n"
	    "DeleteMarkers:      %" PRIu64 "\n"
	    "MultipartUploads:   %" PRIu64 "\n", bk.name, bk.owner_name,
	    bk.owner_account_id, bk.region, bk.storage_class, bk.redundancy,
	    bk.acl, bucket_versioning_name(bk.versioning),
	    bk.sse_algorithm[0] ? bk.sse_algorithm : "none", t, st.objects,
	    st.storage, st.delete_markers, st.uploads);
	return 0;
}

struct olist {
	bool			 json;
	struct json_writer	*w;
	uint64_t		 left;
};

static void
object_row(void *ctx, const struct object *o)
{
	struct olist *l = ctx;
	char t[TIME_ISO_BYTES];

	if (l->left == 0)
		return;
	l->left--;
	time_fmt_iso_s(t, o->mtime_ms);
	if (l->json) {
		json_obj_open(l->w, NULL);
		json_str(l->w, "Key", o->key);
		json_i64(l->w, "Size", (int64_t)o->size);
		json_str(l->w, "ETag", o->etag);
		json_str(l->w, "StorageClass", o->storage_class);
		json_str(l->w, "LastModified", t);
		json_obj_close(l->w);
	} else
		printf("%s %12" PRIu64 " %-12s %s\n", t, o->size,
		    o->storage_class, o->key);
}

int
cli_object_list(struct cli *cli, int argc, char **argv)
{
	bool json = cli_flag(&argc, argv, "--json");
	const char *limit = cli_opt(&argc, argv, "--limit");
	const char *prefix = argc > 1 ? argv[1] : NULL;
	struct olist l = { .json = json, .left = 1000 };
	struct object_list_cb cb = { object_row, NULL, &l };
	const char *marker = NULL;
	struct json_writer w;
	struct bucket bk;
	bool more = true;
	struct arena a;
	uint64_t max;
	struct buf b;
	enum err r;

	if (limit != NULL && (!str_to_u64(limit, UINT32_MAX, &l.left) ||
	    l.left == 0)) {
		fprintf(stderr, "coffer: object list: --limit wants a count "
		    "from 1\n");
		return 2;
	}
	max = l.left;
	if (cli_open_db(cli) != ERR_OK)
		return 1;
	r = bucket_get(cli->db, argv[0], &bk);
	if (r == ERR_NO_SUCH_BUCKET) {
		fprintf(stderr, "coffer: no bucket '%s'\n", argv[0]);
		return 1;
	}
	arena_init(&a, 256u << 20);
	buf_init(&b, 256u << 20);
	json_writer_init(&w, &b);
	l.w = &w;
	if (json)
		json_arr_open(&w, NULL);
	while (r == ERR_OK && more && l.left > 0) {
		struct object_list_opts o = { prefix, marker, NULL,
		    l.left < 1000 ? (unsigned)l.left : 1000 };

		r = object_list(cli->db, &a, bk.id, &o, &cb, &more, &marker);
	}
	if (json) {
		json_arr_close(&w);
		if (json_writer_finish(&w) == ERR_OK && r == ERR_OK)
			cli_print_json(&b);
	}
	buf_free(&b);
	arena_free(&a);
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot list '%s': %s\n", argv[0],
		    err_name(r));
		return 1;
	}
	if (more && !json)
		fprintf(stderr, "coffer: more objects than --limit %" PRIu64
		    "\n", max);
	return 0;
}
