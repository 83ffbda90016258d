/* SPDX-License-Identifier: ISC */
/*
 * reqstats.h: per-listener request counters for /-/metrics: requests by
 * operation and status (and, where a listener has one, by result), a
 * latency histogram per operation, body bytes in and out, and the
 * listener's open connections.
 *
 * Recording is a few relaxed atomic increments and no lock, so both
 * listeners' threads record without contention; rendering reads the
 * counters as they are (a scrape is a snapshot, not a transaction).
 */
#ifndef COFFER_API_REQSTATS_H
#define COFFER_API_REQSTATS_H

#include <stdatomic.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

struct http_server;

#define REQSTATS_LATENCY_BUCKETS 16

struct reqstats {
	const char		*listener;	/* the "listener" label */
	const char		*op_label;	/* "op" or "action" */
	/* Distinct operation names; slot[i] maps a caller's index i (a
	 * route, an action) to its name's row, the last row counting what
	 * matched nothing ("Unknown"). */
	const char		**names;
	unsigned		*slot;
	unsigned		 nindex;
	unsigned		 nnames;
	_Atomic uint64_t	*requests;	/* [name][status - 100] */
	_Atomic uint64_t	*latency;	/* [name][bucket] */
	_Atomic uint64_t	*latency_sum_us;/* [name] */
	/* Optional result dimension ([name][result]); result_name(i) is
	 * its label, NULL for a result never recorded. */
	unsigned		 nresults;
	const char		*(*result_name)(unsigned result);
	_Atomic uint64_t	*results;
	_Atomic uint64_t	 bytes_in;
	_Atomic uint64_t	 bytes_out;
	/* Set once the listener runs; NULL before (0 connections). */
	struct http_server *_Atomic srv;
};

/* names[0..n-1]: the operation of each index (repeats are merged).
 * nresults 0: no result dimension. ERR_NOMEM. */
enum err reqstats_init(struct reqstats *s, const char *listener,
    const char *op_label, const char *const *names, unsigned n,
    unsigned nresults, const char *(*result_name)(unsigned));
void reqstats_free(struct reqstats *s);
/* index >= n counts as "Unknown"; result is ignored without the
 * dimension. */
void reqstats_record(struct reqstats *s, unsigned index, int status,
    unsigned result, uint64_t in, uint64_t out, int64_t us);

/*
 * Prometheus text of the listeners' families, each family once with the
 * samples of every listener under it: coffer_requests_total,
 * coffer_request_duration_seconds, coffer_bytes_{in,out}_total,
 * coffer_open_connections and, for listeners with a result dimension,
 * coffer_<listener>_requests_total{<op_label>,result}.
 */
enum err reqstats_render(struct reqstats *const *v, unsigned n,
    struct buf *b);

#endif
