/* SPDX-License-Identifier: ISC */
/*
 * test_kms_nonce.c: unit tests of the KMS replay cache
 * (daemon/auth/kms_nonce.c, kms_nonce_log.c).
 *
 * In memory: a nonce is refused a second time per access key until its
 * window has passed; the table is bounded without forgetting early.
 * On disk: what a restart remembers. A "kill -9" is a forked child that
 * records nonces and _exit()s without closing, so nothing of the clean
 * stop runs; a machine restart is the same with another boot identity.
 * Each case also checks that a fresh request still passes.
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

#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/auth_int.h"
#include "base/log.h"
#include "support/test_support.h"

int sodium_init(void);

#define MINUTES(m)	((int64_t)(m) * 60 * 1000)
#define T0		1800000000000LL	/* 2027-01-15T08:00:00Z */

static const uint8_t key1[AUTH_NONCE_KEY_BYTES] = "0123456789abcdef";
static const uint8_t key2[AUTH_NONCE_KEY_BYTES] = "fedcba9876543210";

struct fix {
	char	*dir;
	char	 path[4096];
};

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	f->dir = test_tmpdir("nonce");
	snprintf(f->path, sizeof(f->path), "%s/kms-nonces", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	test_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static struct auth_nonce_cache *
open_at(struct fix *f, const uint8_t *key, const char *boot, int64_t now)
{
	struct auth_nonce_settings s = {
		.max_per_generation = 1000, .key = key, .dir = f->path,
		.boot_id = boot, .now_ms = now,
	};
	struct auth_nonce_cache *c = NULL;

	assert_int_equal(auth_nonce_cache_open(&s, &c), ERR_OK);
	return c;
}

/* A daemon killed with -9 after using nonces <prefix>0..n-1 signed at
 * ts: the child never closes the cache. */
static void
killed_run(struct fix *f, const char *boot, int64_t ts, const char *prefix,
    int n)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct auth_nonce_settings s = {
			.max_per_generation = 1000, .key = key1,
			.dir = f->path, .boot_id = boot, .now_ms = ts,
		};
		struct auth_nonce_cache *c = NULL;
		char nonce[32];

		if (auth_nonce_cache_open(&s, &c) != ERR_OK)
			_exit(2);
		for (int i = 0; i < n; i++) {
			snprintf(nonce, sizeof(nonce), "%s%d", prefix, i);
			if (auth_nonce_check(c, "ak", nonce, ts, ts) != ERR_OK)
				_exit(3);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static int
count_logs(struct fix *f)
{
	DIR *d = opendir(f->path);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += strstr(e->d_name, ".log") != NULL;
	closedir(d);
	return n;
}

/* ---- memory ---- */

static void
test_replay(void **state)
{
	struct auth_nonce_settings s = { .max_per_generation = 1000 };
	struct auth_nonce_cache *c = NULL;
	int64_t t0 = T0;

	(void)state;
	assert_int_equal(auth_nonce_cache_open(&s, &c), ERR_OK);
	assert_int_equal(auth_nonce_barrier_ms(c), 0);
	assert_int_equal(auth_nonce_check(c, "ak1", "n1", t0, t0), ERR_OK);
	assert_int_equal(auth_nonce_check(c, "ak1", "n1", t0, t0 + 1000),
	    ERR_KMS_NONCE_USED);
	/* the same nonce under another timestamp is still a reuse */
	assert_int_equal(auth_nonce_check(c, "ak1", "n1", t0 + MINUTES(10),
	    t0 + MINUTES(10)), ERR_KMS_NONCE_USED);
	/* nonces are per access key */
	assert_int_equal(auth_nonce_check(c, "ak2", "n1", t0, t0), ERR_OK);
	assert_int_equal(auth_nonce_check(c, "ak1", "n2", t0, t0), ERR_OK);
	/* "ak1"+"0n" is not "ak10"+"n": the key/nonce boundary counts */
	assert_int_equal(auth_nonce_check(c, "ak", "1n1", t0, t0), ERR_OK);
	/* until the request's window has passed for good */
	assert_int_equal(auth_nonce_check(c, "ak1", "n1", t0, t0 + MINUTES(14)),
	    ERR_KMS_NONCE_USED);
	assert_int_equal(auth_nonce_check(c, "ak1", "n1", t0 + MINUTES(40),
	    t0 + MINUTES(40)), ERR_OK);
	auth_nonce_cache_close(c);
}

static void
test_bounded(void **state)
{
	struct auth_nonce_settings s = { .max_per_generation = 1 };
	struct auth_nonce_cache *c = NULL;
	int64_t t0 = T0;
	char n[32];
	int i;
	enum err r = ERR_OK;

	(void)state;
	/* capacity 512 per generation (the minimum): the 513th live nonce
	 * of one generation is refused, nothing is forgotten early */
	assert_int_equal(auth_nonce_cache_open(&s, &c), ERR_OK);
	for (i = 0; i < 600 && r == ERR_OK; i++) {
		snprintf(n, sizeof(n), "nonce-%d", i);
		r = auth_nonce_check(c, "ak", n, t0, t0);
	}
	assert_int_equal(r, ERR_KMS_THROTTLED);
	assert_int_equal(i, 513);
	assert_int_equal(auth_nonce_check(c, "ak", "nonce-0", t0, t0),
	    ERR_KMS_NONCE_USED);
	assert_int_equal(auth_nonce_check(c, "ak", "nonce-511", t0, t0),
	    ERR_KMS_NONCE_USED);
	/* a later generation has its own room */
	assert_int_equal(auth_nonce_check(c, "ak", "later", t0 + MINUTES(15),
	    t0 + MINUTES(15)), ERR_OK);
	auth_nonce_cache_close(c);
}

/* ---- restarts ---- */

static void
test_clean_restart(void **state)
{
	struct fix *f = *state;
	struct auth_nonce_cache *c;

	c = open_at(f, key1, "boot-1", T0);
	assert_int_equal(auth_nonce_check(c, "ak", "n1", T0, T0), ERR_OK);
	/* a second generation (expiry 15 minutes later) */
	assert_int_equal(auth_nonce_check(c, "ak", "n2", T0 + MINUTES(14),
	    T0 + MINUTES(1)), ERR_OK);
	assert_int_equal(auth_nonce_cache_sync(c), ERR_OK);
	auth_nonce_cache_close(c);
	/* Even on another boot: a clean stop synced everything. */
	c = open_at(f, key1, "boot-2", T0 + MINUTES(2));
	assert_int_equal(auth_nonce_barrier_ms(c), 0);
	assert_int_equal(auth_nonce_check(c, "ak", "n1", T0, T0 + MINUTES(2)),
	    ERR_KMS_NONCE_USED);
	assert_int_equal(auth_nonce_check(c, "ak", "n2", T0 + MINUTES(14),
	    T0 + MINUTES(2)), ERR_KMS_NONCE_USED);
	/* per access key still */
	assert_int_equal(auth_nonce_check(c, "ak2", "n1", T0, T0 + MINUTES(2)),
	    ERR_OK);
	/* positive control: an old (in-window) fresh nonce passes */
	assert_int_equal(auth_nonce_check(c, "ak", "n3", T0, T0 + MINUTES(2)),
	    ERR_OK);
	auth_nonce_cache_close(c);
	/* What this run added is remembered by the next. */
	c = open_at(f, key1, "boot-2", T0 + MINUTES(3));
	assert_int_equal(auth_nonce_check(c, "ak", "n3", T0, T0 + MINUTES(3)),
	    ERR_KMS_NONCE_USED);
	auth_nonce_cache_close(c);
}

static void
test_killed_same_boot(void **state)
{
	struct fix *f = *state;
	struct auth_nonce_cache *c;
	int64_t now = T0 + 2000;

	/* kill -9: the page cache kept every append */
	killed_run(f, "boot-1", T0, "n", 50);
	c = open_at(f, key1, "boot-1", now);
	assert_int_equal(auth_nonce_barrier_ms(c), 0);
	assert_int_equal(auth_nonce_check(c, "ak", "n0", T0, now),
	    ERR_KMS_NONCE_USED);
	assert_int_equal(auth_nonce_check(c, "ak", "n49", T0, now),
	    ERR_KMS_NONCE_USED);
	/* positive control: an unused nonce with the same old timestamp */
	assert_int_equal(auth_nonce_check(c, "ak", "n50", T0, now), ERR_OK);
	auth_nonce_cache_close(c);
}

static void
test_machine_crash_barrier(void **state)
{
	struct fix *f = *state;
	struct auth_nonce_cache *c;
	int64_t start = T0 + 90500;	/* the reboot took 90 s */

	killed_run(f, "boot-1", T0, "n", 3);
	/* Another boot after an unclean stop: appends may be lost. */
	c = open_at(f, key1, "boot-2", start);
	assert_int_equal(auth_nonce_barrier_ms(c), T0 + 90000);
	/* signed before this start: refused, used or not */
	assert_int_equal(auth_nonce_check(c, "ak", "n0", T0, start),
	    ERR_KMS_NONCE_USED);
	assert_int_equal(auth_nonce_check(c, "ak", "never-used", T0, start),
	    ERR_KMS_NONCE_USED);
	assert_int_equal(auth_nonce_check(c, "ak", "lagging", T0 + 89000,
	    start), ERR_KMS_NONCE_USED);
	/* positive control: signed now */
	assert_int_equal(auth_nonce_check(c, "ak", "fresh", start, start),
	    ERR_OK);
	/* a logged nonce that survived is still refused with a new stamp */
	assert_int_equal(auth_nonce_check(c, "ak", "n1", start, start),
	    ERR_KMS_NONCE_USED);
	auth_nonce_cache_close(c);
	/* A clean restart inside the window keeps the barrier... */
	c = open_at(f, key1, "boot-2", start + MINUTES(5));
	assert_int_equal(auth_nonce_barrier_ms(c), T0 + 90000);
	assert_int_equal(auth_nonce_check(c, "ak", "x", T0 + 1000,
	    start + MINUTES(5)), ERR_KMS_NONCE_USED);
	assert_int_equal(auth_nonce_check(c, "ak", "fresh", start,
	    start + MINUTES(5)), ERR_KMS_NONCE_USED);
	auth_nonce_cache_close(c);
	/* ...and so does a kill -9 on the same boot... */
	killed_run(f, "boot-2", start + MINUTES(6), "m", 0);
	c = open_at(f, key1, "boot-2", start + MINUTES(7));
	assert_int_equal(auth_nonce_barrier_ms(c), T0 + 90000);
	auth_nonce_cache_close(c);
	/* ...until every request it stops has left its window. */
	c = open_at(f, key1, "boot-2", start + MINUTES(16));
	assert_int_equal(auth_nonce_barrier_ms(c), 0);
	auth_nonce_cache_close(c);
}

static void
test_killed_boot_time_identity(void **state)
{
	struct fix *f = *state;
	struct auth_nonce_cache *c;

	(void)f;
	/* The fallback identity tolerates clock adjustments within one
	 * boot, not a reboot. */
	assert_true(nonce_boot_same("btime:1800000000", "btime:1800000050"));
	assert_false(nonce_boot_same("btime:1800000000", "btime:1800000600"));
	assert_true(nonce_boot_same("8d6c", "8d6c"));
	assert_false(nonce_boot_same("8d6c", "8d6d"));
	assert_false(nonce_boot_same("", ""));
	killed_run(f, "btime:1800000000", T0, "p", 1);
	c = open_at(f, key1, "btime:1800000030", T0 + 5000);
	assert_int_equal(auth_nonce_barrier_ms(c), 0);
	auth_nonce_cache_close(c);
	killed_run(f, "btime:1800000030", T0 + 6000, "q", 1);
	c = open_at(f, key1, "btime:1800009000", T0 + 9000);
	assert_int_equal(auth_nonce_barrier_ms(c), T0 + 9000);
	auth_nonce_cache_close(c);
}

static void
test_dead_logs_removed(void **state)
{
	struct fix *f = *state;
	struct auth_nonce_cache *c;

	c = open_at(f, key1, "boot-1", T0);
	assert_int_equal(auth_nonce_check(c, "ak", "a", T0, T0), ERR_OK);
	assert_int_equal(auth_nonce_check(c, "ak", "b", T0 + MINUTES(15),
	    T0 + MINUTES(1)), ERR_OK);
	auth_nonce_cache_close(c);
	assert_int_equal(count_logs(f), 2);
	/* Generations are 15-minute buckets of expiry: "a" (expiring at
	 * T0+15) is in the bucket that ends at T0+30; 31 minutes on it is
	 * dead and its log goes, "b"'s stays. */
	c = open_at(f, key1, "boot-1", T0 + MINUTES(31));
	assert_int_equal(count_logs(f), 1);
	assert_int_equal(auth_nonce_check(c, "ak", "b", T0 + MINUTES(15),
	    T0 + MINUTES(31)), ERR_KMS_NONCE_USED);
	/* a slot recycled at run time removes its dead log: "c" expires
	 * four buckets after "b", in the same slot */
	assert_int_equal(auth_nonce_check(c, "ak", "c", T0 + MINUTES(75),
	    T0 + MINUTES(75)), ERR_OK);
	assert_int_equal(count_logs(f), 1);
	auth_nonce_cache_close(c);
	c = open_at(f, key1, "boot-1", T0 + MINUTES(105));
	assert_int_equal(count_logs(f), 0);
	auth_nonce_cache_close(c);
}

static void
test_torn_and_foreign(void **state)
{
	struct fix *f = *state;
	struct auth_nonce_cache *c;
	char log[4096 + 512];
	DIR *d;
	struct dirent *e;
	int fd;

	c = open_at(f, key1, "boot-1", T0);
	assert_int_equal(auth_nonce_check(c, "ak", "a", T0, T0), ERR_OK);
	auth_nonce_cache_close(c);
	/* a crash in the middle of an append: three bytes of an entry */
	d = opendir(f->path);
	assert_non_null(d);
	log[0] = '\0';
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".log") != NULL)
			snprintf(log, sizeof(log), "%s/%s", f->path, e->d_name);
	closedir(d);
	fd = open(log, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\1\2\3", 3), 3);
	close(fd);
	c = open_at(f, key1, "boot-1", T0 + 1000);
	assert_int_equal(auth_nonce_check(c, "ak", "a", T0, T0 + 1000),
	    ERR_KMS_NONCE_USED);
	assert_int_equal(auth_nonce_check(c, "ak", "b", T0, T0 + 1000), ERR_OK);
	auth_nonce_cache_close(c);
	/* the torn bytes were overwritten by "b", not followed by it */
	c = open_at(f, key1, "boot-1", T0 + 2000);
	assert_int_equal(auth_nonce_check(c, "ak", "b", T0, T0 + 2000),
	    ERR_KMS_NONCE_USED);
	auth_nonce_cache_close(c);

	/* Logs made under another key cannot be read: barrier, and they
	 * are dropped. */
	c = open_at(f, key2, "boot-1", T0 + 3000);
	assert_int_equal(auth_nonce_barrier_ms(c), T0 + 3000);
	assert_int_equal(count_logs(f), 0);
	auth_nonce_cache_close(c);
}

static void
test_first_start(void **state)
{
	struct fix *f = *state;
	struct auth_nonce_settings s = {
		.max_per_generation = 1000, .key = key1, .dir = f->path,
		.boot_id = "boot-1", .had_state = false, .now_ms = T0,
	};
	struct auth_nonce_cache *c = NULL;

	/* A new data dir: nothing can have been accepted before. */
	assert_int_equal(auth_nonce_cache_open(&s, &c), ERR_OK);
	assert_int_equal(auth_nonce_barrier_ms(c), 0);
	auth_nonce_cache_close(c);
	/* An existing data dir without a store (an upgrade from a version
	 * that kept nonces in memory): its nonces are unknown. */
	test_rmrf(f->path);
	s.had_state = true;
	s.now_ms = T0 + 1500;
	assert_int_equal(auth_nonce_cache_open(&s, &c), ERR_OK);
	assert_int_equal(auth_nonce_barrier_ms(c), T0 + 1000);
	auth_nonce_cache_close(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test_setup_teardown(test_clean_restart, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_killed_same_boot, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_machine_crash_barrier,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_boot_time_identity,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_logs_removed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_torn_and_foreign, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_first_start, setup,
		    teardown),
	};

	if (sodium_init() < 0)
		return 1;
	/* The barrier notices are expected here. */
	log_set_level(LOG_LEVEL_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
