/* SPDX-License-Identifier: ISC */
/*
 * e2e_slowloris.c: slow clients must not take the daemon down
 * (reliability.md §2.7 and test T27).
 *
 * An inactivity timeout alone does not stop an attacker who trickles a
 * header byte now and then; the per-IP connection limit does. So: with
 * --per-ip-limit 8, connections beyond eight from one address are closed
 * at once, an attacking address (127.0.0.2) holding its eight slots with a
 * trickle cannot delay a legitimate client on 127.0.0.3, and an idle
 * connection is dropped after --conn-timeout.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "base/clock.h"
#include "e2e/e2e_support.h"

#define LIMIT		8
#define TIMEOUT_S	20
#define LOCAL_CONNS	20
#define ATTACK_CONNS	100

static const char partial[] = "GET /-/health HTTP/1.1\r\nHost: x\r\n";

/* Blocking TCP connect from local address src to 127.0.0.1:port; -1 when
 * it fails. */
static int
connect_from(const char *src, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sockaddr_in b = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, src, &a.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &b.sin_addr);
	b.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    connect(fd, (struct sockaddr *)&b, sizeof(b)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* True when the server has closed (EOF or reset) fd, within wait_ms. */
static bool
closed_by_server(int fd, int wait_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };
	char c;

	if (poll(&p, 1, wait_ms) <= 0)
		return false;
	if (p.revents & (POLLHUP | POLLERR | POLLRDHUP))
		return true;
	return recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

/* Closes and removes from fds[0..*n) the connections the server dropped. */
static void
drop_closed(int *fds, int *n)
{
	for (int i = 0; i < *n;) {
		if (closed_by_server(fds[i], 0)) {
			close(fds[i]);
			fds[i] = fds[--*n];
		} else
			i++;
	}
}

/* Opens n connections from src and sends a partial header on each; closes
 * those the server drops. Returns how many stayed open (fds in out[0..]). */
static int
open_slow(const char *src, uint16_t port, int n, int *out)
{
	int open_n = 0;

	for (int i = 0; i < n; i++) {
		int fd = connect_from(src, port);

		if (fd < 0)
			continue;
		if (send(fd, partial, sizeof(partial) - 1, MSG_NOSIGNAL) < 0) {
			close(fd);
			continue;
		}
		out[open_n++] = fd;
	}
	/* The server closes refused connections right after accept; give
	 * a loaded machine up to 3 s to get there, then a moment more so
	 * that an over-eager close shows too. */
	for (int round = 0; round < 30 && open_n > LIMIT; round++) {
		usleep(100 * 1000);
		drop_closed(out, &open_n);
	}
	usleep(200 * 1000);
	drop_closed(out, &open_n);
	return open_n;
}

static long
health_from(uint16_t port, const char *iface, int64_t *ret_us)
{
	struct e2e_req rq = { .method = "GET", .path = "/-/health",
	    .iface = iface, .timeout_ms = 5000 };
	struct e2e_resp r;
	int64_t t0 = clock_mono_us();
	long status;

	(void)e2e_request(port, &rq, &r);
	*ret_us = clock_mono_us() - t0;
	status = r.status;
	e2e_resp_free(&r);
	return status;
}

static void
test_slowloris(void **state)
{
	static const char *const args[] = { "--per-ip-limit", "8",
	    "--conn-timeout", "20", NULL };
	struct e2e_opts o = { .args = args };
	struct e2e_daemon *d;
	int local[LOCAL_CONNS], attack[ATTACK_CONNS];
	int nlocal, nattack, idle;
	int64_t idle_t0, us, worst = 0;
	uint16_t port;

	(void)state;
	assert_int_equal(e2e_daemon_start(&o, &d), ERR_OK);
	port = e2e_daemon_port(d);

	/* An idle connection from its own address, for the timeout check
	 * at the end (it runs alongside the rest of the test). */
	idle = connect_from("127.0.0.4", port);
	assert_true(idle >= 0);
	idle_t0 = clock_mono_us();

	/* 1. One address gets exactly LIMIT connections. */
	nlocal = open_slow("127.0.0.1", port, LOCAL_CONNS, local);
	assert_int_equal(nlocal, LIMIT);
	/* ... and a ninth, even a complete request, is not served. */
	assert_int_not_equal(health_from(port, "127.0.0.1", &us), 200);

	/* 2. A second attacking address holds its slots and trickles. */
	nattack = open_slow("127.0.0.2", port, ATTACK_CONNS, attack);
	assert_int_equal(nattack, LIMIT);

	/* 3. A legitimate client on a third address is served within 1 s
	 * every time while both attackers keep their connections busy. */
	for (int round = 0; round < 12; round++) {
		long st;

		for (int i = 0; i < nattack; i++)
			(void)send(attack[i], "X", 1, MSG_NOSIGNAL);
		for (int i = 0; i < nlocal; i++)
			(void)send(local[i], "Y", 1, MSG_NOSIGNAL);
		st = health_from(port, "127.0.0.3", &us);
		assert_int_equal(st, 200);
		if (us > worst)
			worst = us;
		usleep(200 * 1000);
	}
	fprintf(stderr, "slowloris: worst legitimate latency %lld us\n",
	    (long long)worst);
	assert_true(worst < 1000 * 1000);
	/* The trickling connections are still held (not yet timed out). */
	for (int i = 0; i < nattack; i++)
		assert_false(closed_by_server(attack[i], 0));

	/* 4. Slots are given back when the attacker goes away. */
	for (int i = 0; i < nlocal; i++)
		close(local[i]);
	for (int i = 0; i < nattack; i++)
		close(attack[i]);
	{
		long st = 0;
		for (int i = 0; i < 50 && st != 200; i++) {
			st = health_from(port, "127.0.0.1", &us);
			if (st != 200)
				usleep(100 * 1000);
		}
		assert_int_equal(st, 200);
	}

	/* 5. --conn-timeout: the idle connection is closed after 20 s
	 * (MHD checks timeouts about once a second), not before. */
	{
		int64_t left = idle_t0 + (TIMEOUT_S - 2) * 1000000LL -
		    clock_mono_us();

		if (left > 0)
			assert_false(closed_by_server(idle, (int)(left / 1000)));
		assert_true(closed_by_server(idle, 6000));
		us = clock_mono_us() - idle_t0;
		assert_true(us >= (TIMEOUT_S - 2) * 1000000LL);
		assert_true(us <= (TIMEOUT_S + 4) * 1000000LL);
		close(idle);
	}

	assert_int_equal(e2e_daemon_stop(d), 0);
	e2e_daemon_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slowloris),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
