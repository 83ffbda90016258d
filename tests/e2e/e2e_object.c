/* SPDX-License-Identifier: ISC */
/*
 * e2e_object.c: objects through the real daemon over HTTP.
 *
 * Checks what only the whole stack can show: bytes survive PUT/GET exactly
 * at the 64 KiB chunk boundaries of the sealed store, range reads stitch
 * chunks correctly, no plaintext byte of an object is anywhere in the data
 * dir (blobs, meta.db and its WAL), and DELETE/overwrite really remove the
 * blob file instead of only the metadata row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "e2e/e2e_support.h"
#include "hash/hash.h"
#include "base/str.h"

#define BUCKET "e2e-object"

struct fixture {
	struct e2e_daemon	*d;
	char			 blobs[4200];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || e2e_daemon_start(NULL, &f->d) != ERR_OK)
		return -1;
	snprintf(f->blobs, sizeof(f->blobs), "%s/blobs",
	    e2e_daemon_data_dir(f->d));
	if (e2e_call(f->d, "PUT", BUCKET, NULL, NULL, 0, NULL) != 200)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int rc;

	rc = e2e_daemon_stop(f->d);
	e2e_daemon_free(f->d);
	free(f);
	/* A daemon that did not drain cleanly (or an ASan report at exit)
	 * fails the group. */
	return rc == 0 ? 0 : -1;
}

static void
etag_of(char out[static 35], const void *p, size_t n)
{
	uint8_t md[HASH_MD5_BYTES];

	hash_md5(md, p, n);
	out[0] = '"';
	hex_encode_upper(out + 1, md, sizeof(md));
	out[33] = '"';
	out[34] = '\0';
}

static void
test_put_get_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 65535, 65536, 65537,
	    5u * 1024 * 1024 };
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		char key[64], etag[35], cl[32];
		uint8_t *data = malloc(n + 1);
		struct e2e_resp r;

		assert_non_null(data);
		e2e_fill(data, n, 1000 + i);
		snprintf(key, sizeof(key), "dir/size-%zu", n);
		assert_int_equal(e2e_call(f->d, "PUT", BUCKET, key, data, n,
		    &r), 200);
		etag_of(etag, data, n);
		assert_non_null(e2e_resp_header(&r, "etag"));
		assert_string_equal(e2e_resp_header(&r, "etag"), etag);
		e2e_resp_free(&r);

		assert_int_equal(e2e_call(f->d, "GET", BUCKET, key, NULL, 0,
		    &r), 200);
		assert_int_equal(r.body_len, n);
		assert_memory_equal(r.body, data, n);
		snprintf(cl, sizeof(cl), "%zu", n);
		assert_string_equal(e2e_resp_header(&r, "content-length"), cl);
		assert_string_equal(e2e_resp_header(&r, "etag"), etag);
		e2e_resp_free(&r);

		assert_int_equal(e2e_call(f->d, "HEAD", BUCKET, key, NULL, 0,
		    &r), 200);
		assert_int_equal(r.body_len, 0);
		assert_string_equal(e2e_resp_header(&r, "content-length"), cl);
		e2e_resp_free(&r);
		free(data);
	}
}

/* A pattern whose every 40-byte line carries the marker, so a leak of any
 * fragment longer than a line is found by searching for the marker. */
#define MARKER "COFFER-PLAINTEXT-CANARY-"

static void
test_no_plaintext_on_disk(void **state)
{
	struct fixture *f = *state;
	size_t n = 1024 * 1024, line = 40;
	char *data = malloc(n), *hit;
	struct e2e_resp r;

	assert_non_null(data);
	for (size_t off = 0; off < n; off += line) {
		char tmp[64];
		snprintf(tmp, sizeof(tmp), MARKER "%014zu\n", off / line);
		memcpy(data + off, tmp, off + line <= n ? line : n - off);
	}
	assert_int_equal(e2e_call(f->d, "PUT", BUCKET, "canary.txt", data, n,
	    NULL), 200);
	/* The object name itself is metadata and may be stored in clear; it
	 * does not contain the marker. */
	assert_int_equal(e2e_call(f->d, "GET", BUCKET, "canary.txt", NULL, 0,
	    &r), 200);
	assert_int_equal(r.body_len, n);
	assert_memory_equal(r.body, data, n);
	e2e_resp_free(&r);

	/* Every file: blobs/, tmp/, meta.db, meta.db-wal, -shm. */
	hit = e2e_find_in_files(e2e_daemon_data_dir(f->d), MARKER,
	    strlen(MARKER));
	if (hit != NULL)
		fprintf(stderr, "plaintext found in %s\n", hit);
	assert_null(hit);
	/* Also a random 64-byte window of the middle of the object. */
	hit = e2e_find_in_files(e2e_daemon_data_dir(f->d), data + 500000, 64);
	assert_null(hit);
	free(data);
}

struct range_case {
	const char	*range;
	long		 status;
	uint64_t	 first, last;	/* expected bytes when 206 */
};

static void
test_ranges(void **state)
{
	static const struct range_case cases[] = {
		{ "bytes=0-0", 206, 0, 0 },
		{ "bytes=0-65535", 206, 0, 65535 },
		{ "bytes=65535-65536", 206, 65535, 65536 },	/* chunk seam */
		{ "bytes=65536-131071", 206, 65536, 131071 },
		{ "bytes=100-", 206, 100, 199999 },
		{ "bytes=-500", 206, 199500, 199999 },
		{ "bytes=131000-250000", 206, 131000, 199999 },	/* clipped */
		{ "bytes=199999-199999", 206, 199999, 199999 },
		/* Not satisfiable or unparsable: OSS returns the whole
		 * object (oss-api.md GetObject). */
		{ "bytes=300000-400000", 200, 0, 199999 },
		{ "bytes=5-2", 200, 0, 199999 },
		{ "items=0-1", 200, 0, 199999 },
	};
	struct fixture *f = *state;
	size_t n = 200000;
	uint8_t *data = malloc(n);

	assert_non_null(data);
	e2e_fill(data, n, 77);
	assert_int_equal(e2e_call(f->d, "PUT", BUCKET, "ranged", data, n,
	    NULL), 200);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct range_case *c = &cases[i];
		struct kv h = { "Range", c->range };
		struct e2e_req rq = {
			.method = "GET", .bucket = BUCKET, .key = "ranged",
			.headers = &h, .nheaders = 1,
			.ak = E2E_ROOT_AK, .sk = E2E_ROOT_SK,
		};
		struct e2e_resp r;
		uint64_t len = c->last - c->first + 1;

		assert_int_equal(e2e_request(e2e_daemon_port(f->d), &rq, &r),
		    ERR_OK);
		if (r.status != c->status)
			fprintf(stderr, "Range %s: status %ld\n", c->range,
			    r.status);
		assert_int_equal(r.status, c->status);
		assert_int_equal(r.body_len, len);
		assert_memory_equal(r.body, data + c->first, len);
		if (c->status == 206) {
			char cr[96];
			snprintf(cr, sizeof(cr), "bytes %llu-%llu/%zu",
			    (unsigned long long)c->first,
			    (unsigned long long)c->last, n);
			assert_non_null(e2e_resp_header(&r, "content-range"));
			assert_string_equal(e2e_resp_header(&r,
			    "content-range"), cr);
		} else
			assert_null(e2e_resp_header(&r, "content-range"));
		e2e_resp_free(&r);
	}
	free(data);
}

static void
test_delete_removes_blob(void **state)
{
	struct fixture *f = *state;
	size_t n = 300000;
	uint8_t *data = malloc(n);
	long before, after_put, after_overwrite, after_delete;
	struct e2e_resp r;

	assert_non_null(data);
	e2e_fill(data, n, 5);
	before = e2e_count_files(f->blobs);
	assert_true(before >= 0);
	assert_int_equal(e2e_call(f->d, "PUT", BUCKET, "doomed", data, n,
	    NULL), 200);
	after_put = e2e_count_files(f->blobs);
	assert_int_equal(after_put, before + 1);

	/* Overwrite: the old blob goes, the new one stays. */
	data[0] ^= 0xff;
	assert_int_equal(e2e_call(f->d, "PUT", BUCKET, "doomed", data, n,
	    NULL), 200);
	after_overwrite = e2e_count_files(f->blobs);
	assert_int_equal(after_overwrite, before + 1);

	assert_int_equal(e2e_call(f->d, "DELETE", BUCKET, "doomed", NULL, 0,
	    NULL), 204);
	after_delete = e2e_count_files(f->blobs);
	assert_int_equal(after_delete, before);
	/* Idempotent, and really gone. */
	assert_int_equal(e2e_call(f->d, "DELETE", BUCKET, "doomed", NULL, 0,
	    NULL), 204);
	assert_int_equal(e2e_call(f->d, "GET", BUCKET, "doomed", NULL, 0, &r),
	    404);
	assert_non_null(strstr(r.body, "<Code>NoSuchKey</Code>"));
	e2e_resp_free(&r);
	/* Nothing left in tmp/ either. */
	{
		char tmp[4200];
		snprintf(tmp, sizeof(tmp), "%s/tmp", e2e_daemon_data_dir(f->d));
		assert_int_equal(e2e_count_files(tmp), 0);
	}
	free(data);
}

static long
tmp_files(struct fixture *f)
{
	char tmp[4200];

	snprintf(tmp, sizeof(tmp), "%s/tmp", e2e_daemon_data_dir(f->d));
	return e2e_count_files(tmp);
}

/* Waits up to 5 s for the daemon to notice a dropped upload and clean up;
 * returns the blob count then. */
static long
settle(struct fixture *f, long want_blobs)
{
	long n = -1;

	for (int i = 0; i < 100; i++) {
		n = e2e_count_files(f->blobs);
		if (n == want_blobs && tmp_files(f) == 0)
			break;
		usleep(50 * 1000);
	}
	return n;
}

/*
 * An upload cut off by the client (connection dropped mid-body) leaves
 * nothing behind: no object, no blob, no temp file; and an overwrite cut
 * off the same way leaves the old object intact. delay_ms is the pause
 * between the last body byte and the close.
 */
static void
cut_off_uploads(struct fixture *f, unsigned delay_ms)
{
	size_t n = 3 * 1024 * 1024;
	uint8_t *data = malloc(n);
	long before;
	struct e2e_resp r;

	assert_non_null(data);
	e2e_fill(data, n, 9);
	before = e2e_count_files(f->blobs);
	for (int round = 0; round < 3; round++) {
		static const size_t at[] = { 100, 70000, 1536 * 1024 };
		struct e2e_req rq = {
			.method = "PUT", .bucket = BUCKET, .key = "cut",
			.body = data, .body_len = n,
			.ak = E2E_ROOT_AK, .sk = E2E_ROOT_SK,
			.abort_after = at[round],
			.abort_delay_ms = delay_ms,
		};

		assert_int_equal(e2e_request(e2e_daemon_port(f->d), &rq, &r),
		    ERR_IO);
		assert_int_not_equal(r.status, 200);
		e2e_resp_free(&r);
		assert_int_equal(settle(f, before), before);
		if (tmp_files(f) != 0)
			fprintf(stderr, "cut off after %zu bytes: temp file "
			    "still there 5 s later\n", at[round]);
		assert_int_equal(tmp_files(f), 0);
		assert_int_equal(e2e_call(f->d, "GET", BUCKET, "cut", NULL, 0,
		    NULL), 404);
	}

	/* Overwrite cut off: the previous version stays readable. */
	assert_int_equal(e2e_call(f->d, "PUT", BUCKET, "cut", data, 1000,
	    NULL), 200);
	{
		struct e2e_req rq = {
			.method = "PUT", .bucket = BUCKET, .key = "cut",
			.body = data + 1, .body_len = n - 1,
			.ak = E2E_ROOT_AK, .sk = E2E_ROOT_SK,
			.abort_after = 2 * 1024 * 1024,
			.abort_delay_ms = delay_ms,
		};
		assert_int_equal(e2e_request(e2e_daemon_port(f->d), &rq, &r),
		    ERR_IO);
		e2e_resp_free(&r);
	}
	/* The surviving 1000-byte version is inline: no blob file. */
	assert_int_equal(settle(f, before), before);
	assert_int_equal(tmp_files(f), 0);
	assert_int_equal(e2e_call(f->d, "GET", BUCKET, "cut", NULL, 0, &r),
	    200);
	assert_int_equal(r.body_len, 1000);
	assert_memory_equal(r.body, data, 1000);
	e2e_resp_free(&r);
	assert_int_equal(e2e_call(f->d, "DELETE", BUCKET, "cut", NULL, 0,
	    NULL), 204);
	assert_int_equal(e2e_count_files(f->blobs), before);
	free(data);
}

static void
test_cut_off_upload(void **state)
{
	cut_off_uploads(*state, 300);
}

/*
 * The same with the close right after the last byte sent, so that data
 * and FIN arrive together. MHD 0.9.75 in edge-triggered epoll mode never
 * notices that FIN by itself: the connection sat in CLOSE-WAIT with its
 * temp file and a per-IP slot until --conn-timeout (60 s), and SIGTERM
 * waited the full --drain-timeout for it (http_server.c's peer_gone()
 * looks for it now). Run last: a failure leaves such connections.
 */
static void
test_cut_off_upload_immediate_close(void **state)
{
	cut_off_uploads(*state, 0);
}

/* A body that fails its Content-MD5 is refused (BadDigest) and leaves no
 * blob or temp file. */
static void
test_bad_digest_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	static const char body[] = "the body that was really sent";
	/* base64(md5("something else")) */
	struct kv h = { "Content-MD5", "ZmRhYjVkZmY5ZDNjNWE1ZQ==" };
	char md5b64[32];
	uint8_t md[HASH_MD5_BYTES];
	struct e2e_req rq = {
		.method = "PUT", .bucket = BUCKET, .key = "digest",
		.headers = &h, .nheaders = 1,
		.body = body, .body_len = sizeof(body) - 1,
		.ak = E2E_ROOT_AK, .sk = E2E_ROOT_SK,
	};
	long before = e2e_count_files(f->blobs);
	struct e2e_resp r;

	hash_md5(md, "something else", 14);
	assert_true(b64_encode(md5b64, sizeof(md5b64), md, sizeof(md)) > 0);
	h.value = md5b64;
	assert_int_equal(e2e_request(e2e_daemon_port(f->d), &rq, &r), ERR_OK);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "<Code>BadDigest</Code>"));
	e2e_resp_free(&r);
	assert_int_equal(settle(f, before), before);
	assert_int_equal(e2e_call(f->d, "GET", BUCKET, "digest", NULL, 0,
	    NULL), 404);

	/* The right digest is accepted. */
	hash_md5(md, body, sizeof(body) - 1);
	assert_true(b64_encode(md5b64, sizeof(md5b64), md, sizeof(md)) > 0);
	assert_int_equal(e2e_request(e2e_daemon_port(f->d), &rq, &r), ERR_OK);
	assert_int_equal(r.status, 200);
	e2e_resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_sizes),
		cmocka_unit_test(test_no_plaintext_on_disk),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_delete_removes_blob),
		cmocka_unit_test(test_cut_off_upload),
		cmocka_unit_test(test_bad_digest_leaves_nothing),
		cmocka_unit_test(test_cut_off_upload_immediate_close),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
