/* SPDX-License-Identifier: ISC */
/* reqstats.c: see reqstats.h. */
#include "api/reqstats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

#define STATUS_MIN 100
#define STATUS_SPAN 500

static const double latency_le[REQSTATS_LATENCY_BUCKETS - 1] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 10,
};

enum err
reqstats_init(struct reqstats *s, const char *listener, const char *op_label,
    const char *const *names, unsigned n, unsigned nresults,
    const char *(*result_name)(unsigned))
{
	unsigned i, j;

	memset(s, 0, sizeof(*s));
	s->listener = listener;
	s->op_label = op_label;
	s->nindex = n;
	s->names = calloc((size_t)n + 1, sizeof(*s->names));
	s->slot = calloc((size_t)n + 1, sizeof(*s->slot));
	if (s->names == NULL || s->slot == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		for (j = 0; j < s->nnames; j++)
			if (strcmp(s->names[j], names[i]) == 0)
				break;
		if (j == s->nnames)
			s->names[s->nnames++] = names[i];
		s->slot[i] = j;
	}
	s->names[s->nnames] = "Unknown";
	s->slot[n] = s->nnames++;
	s->requests = calloc((size_t)s->nnames * STATUS_SPAN,
	    sizeof(*s->requests));
	s->latency = calloc((size_t)s->nnames * REQSTATS_LATENCY_BUCKETS,
	    sizeof(*s->latency));
	s->latency_sum_us = calloc(s->nnames, sizeof(*s->latency_sum_us));
	if (s->requests == NULL || s->latency == NULL ||
	    s->latency_sum_us == NULL)
		goto fail;
	if (nresults != 0) {
		s->nresults = nresults;
		s->result_name = result_name;
		s->results = calloc((size_t)s->nnames * nresults,
		    sizeof(*s->results));
		if (s->results == NULL)
			goto fail;
	}
	return ERR_OK;
fail:
	reqstats_free(s);
	return ERR_NOMEM;
}

void
reqstats_free(struct reqstats *s)
{
	free(s->names);
	free(s->slot);
	free(s->requests);
	free(s->latency);
	free(s->latency_sum_us);
	free(s->results);
	memset(s, 0, sizeof(*s));
}

void
reqstats_record(struct reqstats *s, unsigned index, int status,
    unsigned result, uint64_t in, uint64_t out, int64_t us)
{
	unsigned row, i;

	if (s->slot == NULL)
		return;
	row = s->slot[index < s->nindex ? index : s->nindex];
	if (status >= STATUS_MIN && status < STATUS_MIN + STATUS_SPAN)
		atomic_fetch_add_explicit(&s->requests[(size_t)row * STATUS_SPAN
		    + (size_t)(status - STATUS_MIN)], 1, memory_order_relaxed);
	if (s->nresults != 0 && result < s->nresults)
		atomic_fetch_add_explicit(&s->results[(size_t)row * s->nresults +
		    result], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->bytes_in, in, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->bytes_out, out, memory_order_relaxed);
	for (i = 0; i < REQSTATS_LATENCY_BUCKETS - 1; i++)
		if ((double)us / 1e6 <= latency_le[i])
			break;
	atomic_fetch_add_explicit(&s->latency[(size_t)row *
	    REQSTATS_LATENCY_BUCKETS + i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->latency_sum_us[row],
	    (uint64_t)(us > 0 ? us : 0), memory_order_relaxed);
}

static uint64_t
load(_Atomic uint64_t *p)
{
	return atomic_load_explicit(p, memory_order_relaxed);
}

static enum err
render_requests(const struct reqstats *s, struct buf *b)
{
	enum err r = ERR_OK;

	for (unsigned n = 0; n < s->nnames && r == ERR_OK; n++)
		for (unsigned st = 0; st < STATUS_SPAN && r == ERR_OK; st++) {
			uint64_t v = load(&s->requests[(size_t)n * STATUS_SPAN +
			    st]);
			if (v != 0)
				r = buf_printf(b, "coffer_requests_total{listener="
				    "\"%s\",op=\"%s\",status=\"%u\"} %llu\n",
				    s->listener, s->names[n], st + STATUS_MIN,
				    (unsigned long long)v);
		}
	return r;
}

/* One histogram per operation that has seen a request: an operation never
 * called would only add sixteen zero lines. */
static enum err
render_latency(const struct reqstats *s, struct buf *b)
{
	enum err r = ERR_OK;

	for (unsigned n = 0; n < s->nnames && r == ERR_OK; n++) {
		_Atomic uint64_t *h = &s->latency[(size_t)n *
		    REQSTATS_LATENCY_BUCKETS];
		uint64_t cum = 0;

		for (unsigned i = 0; i < REQSTATS_LATENCY_BUCKETS; i++)
			cum += load(&h[i]);
		if (cum == 0)
			continue;
		cum = 0;
		for (unsigned i = 0; i < REQSTATS_LATENCY_BUCKETS &&
		    r == ERR_OK; i++) {
			char le[32];

			cum += load(&h[i]);
			if (i < REQSTATS_LATENCY_BUCKETS - 1)
				snprintf(le, sizeof(le), "%g", latency_le[i]);
			else
				snprintf(le, sizeof(le), "+Inf");
			r = buf_printf(b, "coffer_request_duration_seconds_bucket"
			    "{listener=\"%s\",op=\"%s\",le=\"%s\"} %llu\n",
			    s->listener, s->names[n], le,
			    (unsigned long long)cum);
		}
		if (r == ERR_OK)
			r = buf_printf(b, "coffer_request_duration_seconds_sum"
			    "{listener=\"%s\",op=\"%s\"} %.6f\n"
			    "coffer_request_duration_seconds_count"
			    "{listener=\"%s\",op=\"%s\"} %llu\n",
			    s->listener, s->names[n],
			    (double)load(&s->latency_sum_us[n]) / 1e6,
			    s->listener, s->names[n], (unsigned long long)cum);
	}
	return r;
}

static enum err
render_results(const struct reqstats *s, struct buf *b)
{
	enum err r;

	r = buf_printf(b, "# HELP coffer_%s_requests_total Requests of the %s "
	    "listener by %s and result (Success or the error Code).\n"
	    "# TYPE coffer_%s_requests_total counter\n", s->listener,
	    s->listener, s->op_label, s->listener);
	for (unsigned n = 0; n < s->nnames && r == ERR_OK; n++)
		for (unsigned i = 0; i < s->nresults && r == ERR_OK; i++) {
			uint64_t v = load(&s->results[(size_t)n * s->nresults +
			    i]);
			const char *name = s->result_name(i);

			if (v != 0 && name != NULL)
				r = buf_printf(b, "coffer_%s_requests_total{%s="
				    "\"%s\",result=\"%s\"} %llu\n", s->listener,
				    s->op_label, s->names[n], name,
				    (unsigned long long)v);
		}
	return r;
}

enum err
reqstats_render(struct reqstats *const *v, unsigned n, struct buf *b)
{
	enum err r;
	unsigned i;

	r = buf_puts(b, "# HELP coffer_requests_total Requests by listener, "
	    "operation and HTTP status.\n"
	    "# TYPE coffer_requests_total counter\n");
	for (i = 0; i < n && r == ERR_OK; i++)
		r = render_requests(v[i], b);
	if (r == ERR_OK)
		r = buf_puts(b, "# HELP coffer_request_duration_seconds Request "
		    "latency by listener and operation.\n"
		    "# TYPE coffer_request_duration_seconds histogram\n");
	for (i = 0; i < n && r == ERR_OK; i++)
		r = render_latency(v[i], b);
	if (r == ERR_OK)
		r = buf_puts(b, "# HELP coffer_bytes_in_total Request body bytes "
		    "received.\n# TYPE coffer_bytes_in_total counter\n");
	for (i = 0; i < n && r == ERR_OK; i++)
		r = buf_printf(b, "coffer_bytes_in_total{listener=\"%s\"} %llu\n",
		    v[i]->listener, (unsigned long long)load(&v[i]->bytes_in));
	if (r == ERR_OK)
		r = buf_puts(b, "# HELP coffer_bytes_out_total Response body "
		    "bytes sent.\n# TYPE coffer_bytes_out_total counter\n");
	for (i = 0; i < n && r == ERR_OK; i++)
		r = buf_printf(b, "coffer_bytes_out_total{listener=\"%s\"} "
		    "%llu\n", v[i]->listener,
		    (unsigned long long)load(&v[i]->bytes_out));
	if (r == ERR_OK)
		r = buf_puts(b, "# HELP coffer_open_connections Client "
		    "connections open now.\n"
		    "# TYPE coffer_open_connections gauge\n");
	for (i = 0; i < n && r == ERR_OK; i++) {
		struct http_server *srv = atomic_load(&v[i]->srv);

		r = buf_printf(b, "coffer_open_connections{listener=\"%s\"} "
		    "%u\n", v[i]->listener,
		    srv != NULL ? http_server_connections(srv) : 0);
	}
	for (i = 0; i < n && r == ERR_OK; i++)
		if (v[i]->nresults != 0)
			r = render_results(v[i], b);
	return r;
}
