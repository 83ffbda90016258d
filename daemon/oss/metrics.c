/* SPDX-License-Identifier: ISC */
/*
 * metrics.c: Prometheus counters for /-/metrics.
 *
 * Counters are relaxed atomics indexed by route and status, so recording a
 * request costs a few uncontended increments and no lock.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "oss/oss_int.h"

#define STATUS_MIN 100
#define STATUS_SPAN 500

static const double latency_le[METRIC_LATENCY_BUCKETS - 1] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 10,
};

enum err
metrics_init(struct metrics *m, unsigned nops)
{
	m->nops = nops + 1;	/* last slot: requests that matched no route */
	m->requests = calloc((size_t)m->nops * STATUS_SPAN, sizeof(*m->requests));
	return m->requests ? ERR_OK : ERR_NOMEM;
}

void
metrics_free(struct metrics *m)
{
	free(m->requests);
	m->requests = NULL;
}

void
metrics_record(struct metrics *m, unsigned op, int status, uint64_t in,
    uint64_t out, int64_t us)
{
	unsigned i;

	if (op >= m->nops)
		op = m->nops - 1;
	if (status >= STATUS_MIN && status < STATUS_MIN + STATUS_SPAN)
		atomic_fetch_add_explicit(&m->requests[(size_t)op * STATUS_SPAN +
		    (size_t)(status - STATUS_MIN)], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->bytes_in, in, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->bytes_out, out, memory_order_relaxed);
	for (i = 0; i < METRIC_LATENCY_BUCKETS - 1; i++)
		if ((double)us / 1e6 <= latency_le[i])
			break;
	atomic_fetch_add_explicit(&m->latency[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->latency_sum_us, (uint64_t)(us > 0 ? us : 0),
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&m->latency_count, 1, memory_order_relaxed);
}

/*
 * The process gauges Prometheus client libraries export, for leak watching
 * (tests/torture/soak.sh reads them): the daemon is non-dumpable, so its
 * /proc/PID/fd is readable by root only. -1 when /proc is not there.
 */
static enum err
render_process(struct buf *b)
{
	long fds = -1, rss_kb = -1;
	struct dirent *e;
	char line[128];
	DIR *d;
	FILE *f;

	if ((d = opendir("/proc/self/fd")) != NULL) {
		fds = 0;
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.')
				fds++;
		fds--;	/* the one opendir holds */
		closedir(d);
	}
	if ((f = fopen("/proc/self/status", "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "VmRSS: %ld kB", &rss_kb) == 1)
				break;
		fclose(f);
	}
	return buf_printf(b, "# HELP process_open_fds Open file descriptors.\n"
	    "# TYPE process_open_fds gauge\nprocess_open_fds %ld\n"
	    "# HELP process_resident_memory_bytes Resident memory size.\n"
	    "# TYPE process_resident_memory_bytes gauge\n"
	    "process_resident_memory_bytes %lld\n", fds,
	    rss_kb < 0 ? -1LL : (long long)rss_kb * 1024);
}

enum err
metrics_render(struct metrics *m, struct buf *b)
{
	uint64_t cum = 0;
	enum err r;

	r = buf_puts(b, "# HELP coffer_requests_total OSS requests by operation "
	    "and status.\n# TYPE coffer_requests_total counter\n");
	for (unsigned op = 0; op < m->nops && r == ERR_OK; op++) {
		const char *name = op < api_nroutes ? api_routes[op].op : "Unknown";
		for (unsigned s = 0; s < STATUS_SPAN && r == ERR_OK; s++) {
			uint64_t v = atomic_load_explicit(
			    &m->requests[(size_t)op * STATUS_SPAN + s],
			    memory_order_relaxed);
			if (v != 0)
				r = buf_printf(b, "coffer_requests_total{op=\"%s\","
				    "status=\"%u\"} %llu\n", name, s + STATUS_MIN,
				    (unsigned long long)v);
		}
	}
	if (r == ERR_OK)
		r = buf_printf(b, "# HELP coffer_bytes_in_total Request body bytes "
		    "received.\n# TYPE coffer_bytes_in_total counter\n"
		    "coffer_bytes_in_total %llu\n"
		    "# HELP coffer_bytes_out_total Response body bytes sent.\n"
		    "# TYPE coffer_bytes_out_total counter\n"
		    "coffer_bytes_out_total %llu\n"
		    "# HELP coffer_request_duration_seconds Request latency.\n"
		    "# TYPE coffer_request_duration_seconds histogram\n",
		    (unsigned long long)atomic_load(&m->bytes_in),
		    (unsigned long long)atomic_load(&m->bytes_out));
	for (unsigned i = 0; i < METRIC_LATENCY_BUCKETS && r == ERR_OK; i++) {
		cum += atomic_load(&m->latency[i]);
		if (i < METRIC_LATENCY_BUCKETS - 1)
			r = buf_printf(b, "coffer_request_duration_seconds_bucket"
			    "{le=\"%g\"} %llu\n", latency_le[i],
			    (unsigned long long)cum);
		else
			r = buf_printf(b, "coffer_request_duration_seconds_bucket"
			    "{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
	}
	if (r == ERR_OK)
		r = buf_printf(b, "coffer_request_duration_seconds_sum %.6f\n"
		    "coffer_request_duration_seconds_count %llu\n",
		    (double)atomic_load(&m->latency_sum_us) / 1e6,
		    (unsigned long long)atomic_load(&m->latency_count));
	if (r == ERR_OK)
		r = render_process(b);
	return r;
}
