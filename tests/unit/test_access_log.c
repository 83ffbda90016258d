/* SPDX-License-Identifier: ISC */
/*
 * test_access_log.c: the access-log lines between their request and their
 * object (bucket/access_log_db.c, schema/0020_access_log.sql): which
 * intervals a claim takes, the file names and their numbers, the split of
 * a large interval, a claimed file read again after a crash, and lines
 * whose target bucket goes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/log.h"
#include "bucket/access_log.h"
#include "bucket/bucket.h"
#include "db/db.h"
#include "support/test_seal.h"
#include "support/test_support.h"

#define HOUR	3600000LL
/* 2030-01-01T00:00:00Z */
#define T0	1893456000000LL

struct fixture {
	char		*dir;
	struct db	*db;
	int64_t		 dst, dst2;
};

static int64_t
mkbucket(struct db *db, const char *name)
{
	struct bucket want, b;
	bool created;

	memset(&want, 0, sizeof(want));
	snprintf(want.name, sizeof(want.name), "%s", name);
	want.owner = 1;
	snprintf(want.region, sizeof(want.region), "cn-hangzhou");
	assert_int_equal(bucket_put(db, &want, 1000, 10, &created), ERR_OK);
	assert_int_equal(bucket_get(db, name, &b), ERR_OK);
	return b.id;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[512];

	if (f == NULL)
		return -1;
	log_set_level(LOG_LEVEL_ERR);
	f->dir = test_tmpdir("alog");
	snprintf(path, sizeof(path), "%s/coffer.db", f->dir);
	if (db_open(path, &f->db) != ERR_OK || test_db_seal(f->db) != 0)
		return -1;
	if (db_exec(f->db, "INSERT INTO accounts (id, account_id, name,"
	    " created_ms) VALUES (1, '1000000000000001', 'alice', 0)") != ERR_OK)
		return -1;
	f->dst = mkbucket(f->db, "logs");
	f->dst2 = mkbucket(f->db, "logs-two");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	db_close(f->db);
	test_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void
add(struct fixture *f, int64_t target, const char *prefix,
    const char *source, int64_t slot, const char *line)
{
	struct access_log_line l = { .target = target, .prefix = prefix,
	    .source = source, .slot_ms = slot, .line = line };

	assert_int_equal(access_log_append(f->db, &l, 1), ERR_OK);
}

static int64_t
pending(struct fixture *f)
{
	int64_t n = -1;

	assert_int_equal(access_log_pending(f->db, &n), ERR_OK);
	return n;
}

static size_t
claimed(struct fixture *f, struct access_log_file *files, size_t cap)
{
	size_t n = 0;

	assert_int_equal(access_log_claimed(f->db, files, cap, &n), ERR_OK);
	return n;
}

static char *
content(struct fixture *f, const struct access_log_file *file)
{
	struct buf b;
	char *s;

	buf_init(&b, 64u << 20);
	assert_int_equal(access_log_read(f->db, file, &b), ERR_OK);
	s = strdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

/* Only ended intervals are claimed; one file per target, prefix, source
 * and interval, named after the interval's start, lines in order. */
static void
test_claim_groups(void **state)
{
	struct fixture *f = *state;
	struct access_log_file files[8];
	unsigned n;
	char *s;

	add(f, f->dst, "MyLog-", "src", T0, "a1");
	add(f, f->dst, "MyLog-", "other", T0, "o1");
	add(f, f->dst, "MyLog-", "src", T0, "a2");
	add(f, f->dst2, "", "src", T0, "b1");
	add(f, f->dst, "MyLog-", "src", T0 + HOUR, "later");
	assert_int_equal(pending(f), 5);

	/* Inside the first interval nothing has ended. */
	assert_int_equal(access_log_claim(f->db, T0, 0, &n), ERR_OK);
	assert_int_equal(n, 0);
	assert_int_equal(claimed(f, files, 8), 0);

	assert_int_equal(access_log_claim(f->db, T0 + HOUR, 0, &n), ERR_OK);
	assert_int_equal(n, 3);
	assert_int_equal(claimed(f, files, 8), 3);
	/* Oldest first: the order of their first lines. */
	assert_string_equal(files[0].key, "MyLog-src2030-01-01-00-00-00-0001");
	assert_int_equal(files[0].target, f->dst);
	assert_string_equal(files[0].target_name, "logs");
	assert_string_equal(files[1].key, "MyLog-other2030-01-01-00-00-00-0001");
	assert_string_equal(files[2].key, "src2030-01-01-00-00-00-0001");
	assert_string_equal(files[2].target_name, "logs-two");
	s = content(f, &files[0]);
	assert_string_equal(s, "a1\na2\n");
	free(s);

	/* Not done yet (a crash here): the same file, the same lines. */
	assert_int_equal(access_log_claim(f->db, T0 + HOUR, 0, &n), ERR_OK);
	assert_int_equal(n, 0);
	assert_int_equal(claimed(f, files, 8), 3);
	s = content(f, &files[0]);
	assert_string_equal(s, "a1\na2\n");
	free(s);

	for (size_t i = 0; i < 3; i++)
		assert_int_equal(access_log_done(f->db, &files[i]), ERR_OK);
	assert_int_equal(claimed(f, files, 8), 0);
	assert_int_equal(pending(f), 1);	/* "later" waits */
}

/* A line of an interval already written gets a file of its own, with the
 * next number: the first is never replaced. */
static void
test_next_number(void **state)
{
	struct fixture *f = *state;
	struct access_log_file files[4];
	unsigned n;

	for (int round = 1; round <= 3; round++) {
		char want[64], line[16];

		snprintf(line, sizeof(line), "r%d", round);
		add(f, f->dst, "p/", "src", T0, line);
		assert_int_equal(access_log_claim(f->db, T0 + HOUR, 0, &n),
		    ERR_OK);
		assert_int_equal(n, 1);
		assert_int_equal(claimed(f, files, 4), 1);
		snprintf(want, sizeof(want), "p/src2030-01-01-00-00-00-%04d",
		    round);
		assert_string_equal(files[0].key, want);
		assert_int_equal(access_log_done(f->db, &files[0]), ERR_OK);
	}
	/* Forgotten numbers (intervals a week old) start again. */
	add(f, f->dst, "p/", "src", T0, "again");
	assert_int_equal(access_log_claim(f->db, T0 + HOUR, T0 + 1, &n),
	    ERR_OK);
	assert_int_equal(claimed(f, files, 4), 1);
	assert_string_equal(files[0].key, "p/src2030-01-01-00-00-00-0001");
}

/* An interval larger than a file is cut between lines. */
static void
test_split(void **state)
{
	struct fixture *f = *state;
	struct access_log_file files[4];
	size_t big = ACCESS_LOG_FILE_BYTES / 3;
	char *line = malloc(big + 1), *s;
	unsigned n;

	assert_non_null(line);
	for (int i = 0; i < 5; i++) {
		memset(line, 'a' + i, big);
		line[big] = '\0';
		add(f, f->dst, "", "src", T0, line);
	}
	assert_int_equal(access_log_claim(f->db, T0 + HOUR, 0, &n), ERR_OK);
	assert_int_equal(n, 3);
	assert_int_equal(claimed(f, files, 4), 3);
	assert_string_equal(files[0].key, "src2030-01-01-00-00-00-0001");
	assert_string_equal(files[1].key, "src2030-01-01-00-00-00-0002");
	assert_string_equal(files[2].key, "src2030-01-01-00-00-00-0003");
	s = content(f, &files[0]);
	assert_int_equal(strlen(s), 2 * (big + 1));
	assert_int_equal(s[0], 'a');
	assert_int_equal(s[big + 1], 'b');
	free(s);
	s = content(f, &files[2]);
	assert_int_equal(strlen(s), big + 1);
	assert_int_equal(s[0], 'e');
	free(s);
	free(line);
}

/* A deleted target takes its lines along; a line for a target that no
 * longer exists is dropped. */
static void
test_target_gone(void **state)
{
	struct fixture *f = *state;
	struct access_log_file files[4];
	unsigned n;

	add(f, f->dst2, "", "src", T0, "x");
	add(f, f->dst, "", "src", T0, "y");
	assert_int_equal(access_log_claim(f->db, T0 + HOUR, 0, &n), ERR_OK);
	assert_int_equal(bucket_delete(f->db, f->dst2), ERR_OK);
	assert_int_equal(pending(f), 1);
	assert_int_equal(claimed(f, files, 4), 1);
	assert_int_equal(files[0].target, f->dst);
	add(f, f->dst2, "", "src", T0, "z");
	assert_int_equal(pending(f), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_claim_groups, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_next_number, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_gone, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
