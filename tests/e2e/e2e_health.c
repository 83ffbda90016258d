/* SPDX-License-Identifier: ISC */
/*
 * e2e_health.c: the operational endpoints of the real daemon.
 *
 * /-/health must answer without credentials (load balancers and systemd
 * probes have none) in JSON; /-/metrics must expose the request counters,
 * byte counters, latency histogram and process gauges in Prometheus text
 * format, and the counters must move by exactly the requests this test
 * made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "e2e/e2e_support.h"

static int
setup(void **state)
{
	struct e2e_daemon *d;

	if (e2e_daemon_start(NULL, &d) != ERR_OK)
		return -1;
	*state = d;
	return 0;
}

static int
teardown(void **state)
{
	struct e2e_daemon *d = *state;
	int rc = e2e_daemon_stop(d);

	e2e_daemon_free(d);
	return rc == 0 ? 0 : -1;
}

static void
get_path(struct e2e_daemon *d, const char *path, struct e2e_resp *r)
{
	struct e2e_req rq = { .method = "GET", .path = path };

	assert_int_equal(e2e_request(e2e_daemon_port(d), &rq, r), ERR_OK);
}

/* HEAD /-/health on both listeners: the status alone, for probes. */
static void
test_health_head(void **state)
{
	struct e2e_daemon *d = *state;
	struct e2e_req rq = { .method = "HEAD", .path = "/-/health" };
	struct e2e_resp r;

	assert_int_equal(e2e_request(e2e_daemon_port(d), &rq, &r), ERR_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	e2e_resp_free(&r);
	assert_int_equal(e2e_request(e2e_daemon_kms_port(d), &rq, &r), ERR_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	e2e_resp_free(&r);
}

/* The KMS listener answers /-/health like the OSS one, unsigned. */
static void
test_kms_health(void **state)
{
	struct e2e_daemon *d = *state;
	struct e2e_req rq = { .method = "GET", .path = "/-/health" };
	struct e2e_resp r;

	assert_int_equal(e2e_request(e2e_daemon_kms_port(d), &rq, &r), ERR_OK);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(e2e_resp_header(&r, "content-type"),
	    "application/json"));
	assert_non_null(strstr(r.body, "\"status\":\"ok\""));
	assert_non_null(strstr(r.body, "\"schema\":"));
	e2e_resp_free(&r);
}

static void
test_health(void **state)
{
	struct e2e_daemon *d = *state;
	struct e2e_resp r;

	get_path(d, "/-/health", &r);
	assert_int_equal(r.status, 200);
	assert_non_null(e2e_resp_header(&r, "content-type"));
	assert_non_null(strstr(e2e_resp_header(&r, "content-type"),
	    "application/json"));
	assert_int_equal(r.body[0], '{');
	assert_int_equal(r.body[r.body_len - 1], '}');
	assert_non_null(strstr(r.body, "\"status\":\"ok\""));
	assert_non_null(strstr(r.body, "\"version\":\""));
	assert_non_null(strstr(r.body, "\"test_clock\":false"));
	e2e_resp_free(&r);
}

/* Value of the sample whose name+labels are exactly `series`; -1 when
 * absent. */
static double
sample(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *p = text; p != NULL && *p != '\0';) {
		const char *eol = strchr(p, '\n');

		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p = eol != NULL ? eol + 1 : NULL;
	}
	return -1;
}

static bool
name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c == ':' || (!first && c >= '0' && c <= '9');
}

/* One line of the text format: a comment, or name{k="v",...} value with a
 * value strtod takes whole. */
static bool
line_ok(const char *p, const char *end)
{
	char num[64];
	size_t n;

	if (*p == '#')
		return true;
	if (!name_char(*p, true))
		return false;
	while (p < end && name_char(*p, false))
		p++;
	if (p < end && *p == '{') {
		do {
			p++;
			if (!name_char(*p, true))
				return false;
			while (p < end && name_char(*p, false))
				p++;
			if (end - p < 2 || p[0] != '=' || p[1] != '"')
				return false;
			for (p += 2; p < end && *p != '"'; p++)
				if (*p == '\\')
					p++;
			if (p >= end)
				return false;
			p++;
		} while (p < end && *p == ',');
		if (p >= end || *p++ != '}')
			return false;
	}
	if (p >= end || *p++ != ' ')
		return false;
	n = (size_t)(end - p);
	if (n == 0 || n >= sizeof(num))
		return false;
	memcpy(num, p, n);
	num[n] = '\0';
	if (strcmp(num, "+Inf") == 0 || strcmp(num, "-Inf") == 0 ||
	    strcmp(num, "NaN") == 0)
		return true;
	{
		char *e;

		(void)strtod(num, &e);
		return *e == '\0';
	}
}

static void
test_metrics(void **state)
{
	struct e2e_daemon *d = *state;
	static const char body[] = "0123456789abcdefghij";	/* 20 bytes */
	struct e2e_req anon = { .method = "GET", .bucket = "e2e-metrics",
	    .key = "a" };
	struct e2e_resp r, m;
	double bytes_in, count, prev = 0, inf;
	const char *ct;

	assert_int_equal(e2e_call(d, "PUT", "e2e-metrics", NULL, NULL, 0,
	    NULL), 200);
	for (int i = 0; i < 3; i++)
		assert_int_equal(e2e_call(d, "PUT", "e2e-metrics", "a", body,
		    sizeof(body) - 1, NULL), 200);
	assert_int_equal(e2e_call(d, "GET", "e2e-metrics", "a", NULL, 0,
	    NULL), 200);
	assert_int_equal(e2e_call(d, "GET", "e2e-metrics", "missing", NULL, 0,
	    NULL), 404);
	assert_int_equal(e2e_call(d, "GET", "e2e-metrics", "missing", NULL, 0,
	    NULL), 404);
	assert_int_equal(e2e_request(e2e_daemon_port(d), &anon, &r), ERR_OK);
	assert_int_equal(r.status, 403);
	e2e_resp_free(&r);

	/* Requests are counted when their response has gone out, which can
	 * be a moment after the client saw it: poll briefly. */
	for (int i = 0;; i++) {
		get_path(d, "/-/metrics", &m);
		assert_int_equal(m.status, 200);
		if ((sample(m.body, "coffer_requests_total{listener=\"oss\",op=\"PutObject\","
		    "status=\"200\"}") == 3 && sample(m.body,
		    "coffer_requests_total{listener=\"oss\",op=\"GetObject\",status=\"403\"}")
		    == 1 && sample(m.body, "coffer_requests_total{listener=\"oss\",op="
		    "\"GetObject\",status=\"404\"}") == 2) || i == 40)
			break;
		e2e_resp_free(&m);
		usleep(50 * 1000);
	}
	/* Every line a comment or a sample, the text ending in a newline. */
	assert_true(m.body_len > 0 && m.body[m.body_len - 1] == '\n');
	for (const char *p = m.body; *p != '\0';) {
		const char *eol = strchr(p, '\n');

		assert_non_null(eol);
		if (!line_ok(p, eol))
			fail_msg("not a metrics line: %.*s", (int)(eol - p), p);
		p = eol + 1;
	}
	ct = e2e_resp_header(&m, "content-type");
	assert_non_null(ct);
	assert_non_null(strstr(ct, "text/plain"));

	assert_true(sample(m.body,
	    "coffer_requests_total{listener=\"oss\",op=\"PutBucket\",status=\"200\"}") == 1);
	assert_true(sample(m.body,
	    "coffer_requests_total{listener=\"oss\",op=\"PutObject\",status=\"200\"}") == 3);
	assert_true(sample(m.body,
	    "coffer_requests_total{listener=\"oss\",op=\"GetObject\",status=\"200\"}") == 1);
	assert_true(sample(m.body,
	    "coffer_requests_total{listener=\"oss\",op=\"GetObject\",status=\"404\"}") == 2);
	assert_true(sample(m.body,
	    "coffer_requests_total{listener=\"oss\",op=\"GetObject\",status=\"403\"}") == 1);
	assert_non_null(strstr(m.body,
	    "# TYPE coffer_requests_total counter\n"));

	bytes_in = sample(m.body, "coffer_bytes_in_total{listener=\"oss\"}");
	assert_true(bytes_in == 3 * (double)(sizeof(body) - 1));
	assert_true(sample(m.body, "coffer_bytes_out_total{listener=\"oss\"}") >= 20);

	/* Histogram per operation: cumulative buckets, +Inf equals _count,
	 * a _sum; GetObject saw four requests. */
	assert_non_null(strstr(m.body,
	    "# TYPE coffer_request_duration_seconds histogram\n"));
	count = sample(m.body, "coffer_request_duration_seconds_count"
	    "{listener=\"oss\",op=\"GetObject\"}");
	inf = sample(m.body, "coffer_request_duration_seconds_bucket"
	    "{listener=\"oss\",op=\"GetObject\",le=\"+Inf\"}");
	assert_true(count == 4);
	assert_true(inf == count);
	assert_true(sample(m.body, "coffer_request_duration_seconds_sum"
	    "{listener=\"oss\",op=\"GetObject\"}") > 0);
	for (const char *p = strstr(m.body, "coffer_request_duration_seconds_"
	    "bucket{listener=\"oss\",op=\"GetObject\",");
	    p != NULL; p = strstr(p + 1, "coffer_request_duration_seconds_"
	    "bucket{listener=\"oss\",op=\"GetObject\",")) {
		const char *sp = strchr(p, ' ');
		double v;

		assert_non_null(sp);
		v = strtod(sp + 1, NULL);
		assert_true(v >= prev);
		prev = v;
	}
	assert_true(prev == inf);

	/* Process gauges: stdio, the listeners, the database and more; a
	 * resident size of megabytes. */
	assert_non_null(strstr(m.body, "# TYPE process_open_fds gauge\n"));
	assert_true(sample(m.body, "process_open_fds") >= 6);
	assert_true(sample(m.body, "process_resident_memory_bytes") >
	    1024 * 1024);
	e2e_resp_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_health_head),
		cmocka_unit_test(test_kms_health),
		cmocka_unit_test(test_metrics),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
