/* SPDX-License-Identifier: ISC */
/*
 * e2e_watchdog.c: the daemon's side of systemd's notify protocol
 * (reliability.md §3.1 and test T30), with this test as the service
 * manager: an AF_UNIX datagram socket in $NOTIFY_SOCKET.
 *
 * READY=1 comes once the listeners answer; with WATCHDOG_USEC set,
 * WATCHDOG=1 comes well within the interval (systemd kills a service
 * that misses it); the pings come from the main loop, so when that loop
 * hangs (here: its once-a-second database write waits for a lock held by
 * another process) they stop, and resume when it recovers; a watchdog
 * meant for another process ($WATCHDOG_PID) is not served; SIGTERM sends
 * STOPPING=1.
 */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/clock.h"
#include "e2e/e2e_support.h"

#define WATCHDOG_USEC	2000000
#define MAX_PINGS	256

#define SUN_PATH_BYTES	sizeof(((struct sockaddr_un *)0)->sun_path)

struct sink {
	int	 fd;
	char	 dir[SUN_PATH_BYTES - sizeof("/notify") + 1];
	char	 path[SUN_PATH_BYTES];
	char	 env[SUN_PATH_BYTES + 16];
};

static void
sink_open(struct sink *s)
{
	const char *tmp = getenv("TMPDIR");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int n;

	/* sun_path is short: a long TMPDIR falls back to /tmp. */
	n = snprintf(s->dir, sizeof(s->dir), "%s/coffer-notify-XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	if (n < 0 || (size_t)n >= sizeof(s->dir))
		snprintf(s->dir, sizeof(s->dir), "/tmp/coffer-notify-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	memcpy(s->path, s->dir, strlen(s->dir));
	memcpy(s->path + strlen(s->dir), "/notify", sizeof("/notify"));
	snprintf(s->env, sizeof(s->env), "NOTIFY_SOCKET=%s", s->path);
	memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s->fd >= 0);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
}

static void
sink_close(struct sink *s)
{
	close(s->fd);
	unlink(s->path);
	rmdir(s->dir);
}

/* One datagram into buf (NUL-terminated); false after timeout_ms. */
static bool
sink_recv(struct sink *s, char *buf, size_t cap, int timeout_ms)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return false;
	n = recv(s->fd, buf, cap - 1, 0);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

/* Waits up to timeout_ms for the datagram want; false if it did not come. */
static bool
sink_expect(struct sink *s, const char *want, int timeout_ms)
{
	int64_t end = clock_mono_us() + (int64_t)timeout_ms * 1000;
	char buf[256];

	for (;;) {
		int64_t left = (end - clock_mono_us()) / 1000;

		if (left <= 0 || !sink_recv(s, buf, sizeof(buf), (int)left))
			return false;
		if (strcmp(buf, want) == 0)
			return true;
	}
}

/* Timestamps (µs) of the WATCHDOG=1 pings that arrive in the next ms
 * milliseconds; returns how many. */
static int
collect_pings(struct sink *s, int ms, int64_t *at, int cap)
{
	int64_t end = clock_mono_us() + (int64_t)ms * 1000;
	char buf[256];
	int n = 0;

	for (;;) {
		int64_t left = (end - clock_mono_us()) / 1000;

		if (left <= 0 || !sink_recv(s, buf, sizeof(buf), (int)left))
			break;
		if (strcmp(buf, "WATCHDOG=1") == 0 && n < cap)
			at[n++] = clock_mono_us();
	}
	return n;
}

static int64_t
max_gap(const int64_t *at, int n, int64_t from)
{
	int64_t worst = 0, prev = from;

	for (int i = 0; i < n; i++) {
		if (at[i] - prev > worst)
			worst = at[i] - prev;
		prev = at[i];
	}
	return worst;
}

static long
health(const struct e2e_daemon *d)
{
	struct e2e_req rq = { .method = "GET", .path = "/-/health",
	    .timeout_ms = 5000 };
	struct e2e_resp r;
	long st;

	(void)e2e_request(e2e_daemon_port(d), &rq, &r);
	st = r.status;
	e2e_resp_free(&r);
	return st;
}

static void
test_ready_pings_stall(void **state)
{
	struct sink s;
	const char *env[3];
	struct e2e_opts o = { .env = env };
	struct e2e_daemon *d;
	int64_t at[MAX_PINGS], t0, gap;
	char cmd[8192], line[64];
	FILE *lock;
	int n;

	(void)state;
	sink_open(&s);
	env[0] = s.env;
	env[1] = "WATCHDOG_USEC=2000000";
	env[2] = NULL;
	assert_int_equal(e2e_daemon_start(&o, &d), ERR_OK);

	/* READY=1 first, and the listener answers by then. */
	assert_true(sink_recv(&s, line, sizeof(line), 10000));
	assert_string_equal(line, "READY=1");
	assert_int_equal(health(d), 200);

	/* Pings, each well inside the interval systemd enforces. */
	t0 = clock_mono_us();
	n = collect_pings(&s, 8000, at, MAX_PINGS);
	gap = max_gap(at, n, t0);
	fprintf(stderr, "watchdog: %d pings in 8 s, longest gap %lld ms "
	    "(WATCHDOG_USEC %d ms)\n", n, (long long)(gap / 1000),
	    WATCHDOG_USEC / 1000);
	assert_true(n >= 4);
	assert_true(gap < WATCHDOG_USEC);

	/* A hung main loop: another process holds the database's write
	 * lock for 6 s, so the loop's clock write waits in SQLite's busy
	 * handler. The pings must stop for about that long. */
	snprintf(cmd, sizeof(cmd), "printf 'BEGIN IMMEDIATE;\\n.print "
	    "locked\\n.shell sleep 6\\nCOMMIT;\\n' | sqlite3 '%s/meta.db'",
	    e2e_daemon_data_dir(d));
	lock = popen(cmd, "r");
	assert_non_null(lock);
	assert_non_null(fgets(line, sizeof(line), lock));
	assert_string_equal(line, "locked\n");
	t0 = clock_mono_us();
	n = collect_pings(&s, 10000, at, MAX_PINGS);
	assert_int_equal(pclose(lock), 0);
	gap = max_gap(at, n, t0);
	fprintf(stderr, "watchdog: longest gap while the loop was stuck "
	    "%lld ms\n", (long long)(gap / 1000));
	/* Longer than the interval: systemd would have acted. */
	assert_true(gap > WATCHDOG_USEC);
	/* ... and they resumed once the lock was gone. */
	assert_true(n >= 2);
	assert_true(at[n - 1] - at[n - 2] < WATCHDOG_USEC);
	assert_int_equal(health(d), 200);

	assert_int_equal(e2e_daemon_stop(d), 0);
	assert_true(sink_expect(&s, "STOPPING=1", 1000));
	e2e_daemon_free(d);
	sink_close(&s);
}

/* WATCHDOG_PID names another process: the watchdog is not ours. */
static void
test_watchdog_for_another_pid(void **state)
{
	struct sink s;
	const char *env[4];
	struct e2e_opts o = { .env = env };
	struct e2e_daemon *d;
	int64_t at[MAX_PINGS];
	char line[64];

	(void)state;
	sink_open(&s);
	env[0] = s.env;
	env[1] = "WATCHDOG_USEC=300000";
	env[2] = "WATCHDOG_PID=1";
	env[3] = NULL;
	assert_int_equal(e2e_daemon_start(&o, &d), ERR_OK);
	assert_true(sink_recv(&s, line, sizeof(line), 10000));
	assert_string_equal(line, "READY=1");
	assert_int_equal(collect_pings(&s, 3000, at, MAX_PINGS), 0);
	assert_int_equal(e2e_daemon_stop(d), 0);
	e2e_daemon_free(d);
	sink_close(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_pings_stall),
		cmocka_unit_test(test_watchdog_for_another_pid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
