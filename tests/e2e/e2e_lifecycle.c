/* SPDX-License-Identifier: ISC */
/*
 * e2e_lifecycle.c: start-up and shutdown as systemd sees them.
 *
 * A Type=notify unit is only "started" once READY=1 arrives, and a stop is
 * only graceful if an upload in flight when SIGTERM lands still gets its
 * 200 (the client would otherwise retry or, worse, believe a write that was
 * never acknowledged). New connections must be refused at once, not queued
 * in the backlog of a process that is going away. The notify socket is a
 * datagram socket this test binds, exactly as systemd does.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "base/clock.h"
#include "e2e/e2e_support.h"
#include "support/test_support.h"

#define BUCKET		"e2e-lifecycle"
#define SLOW_BYTES	(256 * 1024)
#define SLOW_BPS	(96 * 1024)	/* ~2.7 s of upload */

/* Binds a datagram socket at path; returns the fd. */
static int
notify_bind(const char *path)
{
	struct sockaddr_un sa;
	struct timeval tv = { 0, 100 * 1000 };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	return fd;
}

/* Waits up to timeout_ms for a datagram containing want (a line of the
 * sd_notify state string); everything received is appended to seen. */
static bool
notify_wait(int fd, const char *want, unsigned timeout_ms, char *seen,
    size_t cap)
{
	int64_t end = clock_mono_us() + (int64_t)timeout_ms * 1000;

	while (clock_mono_us() < end) {
		char msg[512];
		ssize_t n = recv(fd, msg, sizeof(msg) - 1, 0);

		if (n < 0)
			continue;	/* timeout tick */
		msg[n] = '\0';
		{
			size_t used = strlen(seen);
			snprintf(seen + used, cap - used, "%s|", msg);
		}
		for (char *line = msg; line != NULL && *line != '\0';) {
			char *nl = strchr(line, '\n');
			if (nl != NULL)
				*nl = '\0';
			if (strcmp(line, want) == 0)
				return true;
			line = nl != NULL ? nl + 1 : NULL;
		}
	}
	return false;
}

struct slow_put {
	uint16_t	 port;
	long		 bps;		/* 0: SLOW_BPS */
	const uint8_t	*data;
	struct e2e_resp	 resp;
	enum err	 r;
	int64_t		 done_us;
};

static void *
slow_put_thread(void *arg)
{
	struct slow_put *s = arg;
	struct e2e_req rq = {
		.method = "PUT", .bucket = BUCKET, .key = "slow",
		.body = s->data, .body_len = SLOW_BYTES,
		.ak = E2E_ROOT_AK, .sk = E2E_ROOT_SK,
		.max_send_bps = s->bps ? s->bps : SLOW_BPS,
	};

	s->r = e2e_request(s->port, &rq, &s->resp);
	s->done_us = clock_mono_us();
	return NULL;
}

static void
test_notify_and_drain(void **state)
{
	char *dir = test_tmpdir("lifecycle");
	char sock[4200], env[4300], data_dir[4200], seen[2048] = "";
	const char *envv[] = { env, NULL };
	struct e2e_opts o = { .data_dir = data_dir, .env = envv };
	struct e2e_daemon *d;
	struct slow_put s;
	struct e2e_req health = { .method = "GET", .path = "/-/health",
	    .timeout_ms = 3000 };
	struct e2e_resp r;
	uint8_t *data = malloc(SLOW_BYTES);
	pthread_t t;
	int64_t sent_us, exit_us;
	int fd, rc;
	bool refused;

	(void)state;
	assert_non_null(data);
	e2e_fill(data, SLOW_BYTES, 42);
	snprintf(sock, sizeof(sock), "%s/notify.sock", dir);
	snprintf(env, sizeof(env), "NOTIFY_SOCKET=%s", sock);
	snprintf(data_dir, sizeof(data_dir), "%s/data", dir);
	fd = notify_bind(sock);

	assert_int_equal(e2e_daemon_start(&o, &d), ERR_OK);
	/* READY=1 comes after the listener is up, i.e. after the line the
	 * launcher waited for. */
	assert_true(notify_wait(fd, "READY=1", 5000, seen, sizeof(seen)));
	assert_null(strstr(seen, "STOPPING=1"));
	assert_int_equal(e2e_call(d, "PUT", BUCKET, NULL, NULL, 0, NULL), 200);

	memset(&s, 0, sizeof(s));
	s.port = e2e_daemon_port(d);
	s.data = data;
	assert_int_equal(pthread_create(&t, NULL, slow_put_thread, &s), 0);
	/* Let the upload get well under way (headers and some body). */
	usleep(800 * 1000);
	assert_int_equal(s.done_us, 0);
	e2e_daemon_signal(d, SIGTERM);
	sent_us = clock_mono_us();
	assert_true(notify_wait(fd, "STOPPING=1", 5000, seen, sizeof(seen)));

	/* The listener closes right after STOPPING=1 is sent: within a
	 * moment, and while the upload is still running, a new connection
	 * is refused instead of being queued. */
	for (int i = 0;; i++) {
		assert_true(i < 100);
		(void)e2e_request(e2e_daemon_port(d), &health, &r);
		refused = r.curl_code == CURLE_COULDNT_CONNECT;
		e2e_resp_free(&r);
		if (refused)
			break;
		usleep(10 * 1000);
	}
	assert_int_equal(s.done_us, 0);	/* still uploading */

	pthread_join(t, NULL);
	assert_int_equal(s.r, ERR_OK);
	assert_int_equal(s.resp.status, 200);
	e2e_resp_free(&s.resp);
	rc = e2e_daemon_wait(d, 30000);
	exit_us = clock_mono_us();
	assert_int_equal(rc, 0);
	assert_false(e2e_daemon_log_sanitizer(d));
	assert_true(e2e_daemon_log_has(d, "stopping: draining"));
	/* It waited for the upload rather than cutting it off. */
	assert_true(exit_us >= s.done_us);
	assert_true(s.done_us - sent_us > 500 * 1000);
	e2e_daemon_free(d);

	/* The drained upload is durable. */
	assert_int_equal(e2e_daemon_start(&o, &d), ERR_OK);
	assert_int_equal(e2e_call(d, "GET", BUCKET, "slow", NULL, 0, &r), 200);
	assert_int_equal(r.body_len, SLOW_BYTES);
	assert_memory_equal(r.body, data, SLOW_BYTES);
	e2e_resp_free(&r);
	assert_int_equal(e2e_daemon_stop(d), 0);
	e2e_daemon_free(d);

	close(fd);
	test_rmrf(dir);
	free(dir);
	free(data);
}

/* An upload still running when --drain-timeout expires is cut off: the
 * daemon exits 0 soon after the timeout, the client gets no 200, and after
 * a restart the object is absent with nothing left in tmp/ or blobs/. */
static void
test_drain_timeout_cuts_off(void **state)
{
	static const char *const args[] = { "--drain-timeout", "1", NULL };
	char *dir = test_tmpdir("drain");
	char data_dir[4200], sub[4300];
	struct e2e_opts o = { .data_dir = data_dir, .args = args };
	struct e2e_daemon *d;
	struct slow_put s;
	struct e2e_resp r;
	uint8_t *data = malloc(SLOW_BYTES);
	pthread_t t;
	int64_t t0;
	long blobs;

	(void)state;
	assert_non_null(data);
	e2e_fill(data, SLOW_BYTES, 43);
	snprintf(data_dir, sizeof(data_dir), "%s/data", dir);
	assert_int_equal(e2e_daemon_start(&o, &d), ERR_OK);
	assert_int_equal(e2e_call(d, "PUT", BUCKET, NULL, NULL, 0, NULL), 200);
	snprintf(sub, sizeof(sub), "%s/blobs", data_dir);
	blobs = e2e_count_files(sub);

	memset(&s, 0, sizeof(s));
	s.port = e2e_daemon_port(d);
	s.data = data;
	s.bps = 32 * 1024;		/* 8 s: far past the drain timeout */
	assert_int_equal(pthread_create(&t, NULL, slow_put_thread, &s), 0);
	usleep(800 * 1000);
	t0 = clock_mono_us();
	e2e_daemon_signal(d, SIGTERM);
	assert_int_equal(e2e_daemon_wait(d, 10000), 0);
	assert_true(clock_mono_us() - t0 < 4 * 1000 * 1000);
	assert_true(e2e_daemon_log_has(d, "still running after 1 s"));
	assert_false(e2e_daemon_log_sanitizer(d));
	pthread_join(t, NULL);
	assert_int_not_equal(s.resp.status, 200);
	e2e_resp_free(&s.resp);
	e2e_daemon_free(d);

	assert_int_equal(e2e_daemon_start(&o, &d), ERR_OK);
	assert_int_equal(e2e_call(d, "GET", BUCKET, "slow", NULL, 0, &r), 404);
	e2e_resp_free(&r);
	assert_int_equal(e2e_count_files(sub), blobs);
	snprintf(sub, sizeof(sub), "%s/tmp", data_dir);
	assert_int_equal(e2e_count_files(sub), 0);
	assert_int_equal(e2e_daemon_stop(d), 0);
	e2e_daemon_free(d);
	test_rmrf(dir);
	free(dir);
	free(data);
}

/* An idle daemon stops promptly on SIGTERM and on SIGINT, both exit 0. */
static void
test_idle_stop(void **state)
{
	static const int sigs[] = { SIGTERM, SIGINT };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct e2e_daemon *d;
		int64_t t0;

		assert_int_equal(e2e_daemon_start(NULL, &d), ERR_OK);
		t0 = clock_mono_us();
		e2e_daemon_signal(d, sigs[i]);
		assert_int_equal(e2e_daemon_wait(d, 10000), 0);
		/* No in-flight work: no reason to sit out the drain timeout. */
		assert_true(clock_mono_us() - t0 < 3 * 1000 * 1000);
		assert_false(e2e_daemon_log_sanitizer(d));
		e2e_daemon_free(d);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify_and_drain),
		cmocka_unit_test(test_drain_timeout_cuts_off),
		cmocka_unit_test(test_idle_stop),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
