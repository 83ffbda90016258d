/* SPDX-License-Identifier: ISC */
/*
 * cli_progress.c: progress of the long admin commands (backup, restore,
 * verify, root-key rotate, inventory run): a line rewritten in place on a
 * terminal, JSON lines otherwise (cli.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

int64_t
cli_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
cli_progress_init(struct cli_progress *p, const char *what)
{
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->tty = isatty(STDERR_FILENO) == 1;
	p->t0 = p->last = cli_mono_ms();
}

double
cli_progress_secs(const struct cli_progress *p)
{
	int64_t ms = cli_mono_ms() - p->t0;

	return (double)(ms > 0 ? ms : 1) / 1000.0;
}

void
cli_progress_show(struct cli_progress *p, bool done)
{
	int64_t now = cli_mono_ms();
	double s, mb, left;

	if (!done && now - p->last < (p->tty ? 200 : 1000))
		return;
	p->last = now;
	s = cli_progress_secs(p);
	mb = (double)p->bytes / 1e6;
	/* At the rate so far; shown once there is a rate to go by. */
	left = p->total > p->items && p->items > 0 ?
	    (double)(p->total - p->items) * s / (double)p->items : 0;
	if (p->tty && p->total > 0)
		fprintf(stderr, "\r%s: %" PRIu64 "/%" PRIu64 " items, %.1f MB, "
		    "%.1f MB/s, %.0f items/s, %.0f s left%s", p->what, p->items,
		    p->total, mb, mb / s, (double)p->items / s, left,
		    done ? "\n" : "   ");
	else if (p->tty)
		fprintf(stderr, "\r%s: %" PRIu64 " items, %.1f MB, %.1f MB/s, "
		    "%.0f items/s%s", p->what, p->items, mb, mb / s,
		    (double)p->items / s, done ? "\n" : "   ");
	else
		fprintf(stderr, "{\"Progress\":\"%s\",\"Items\":%" PRIu64
		    ",\"Total\":%" PRIu64 ",\"Bytes\":%" PRIu64
		    ",\"Seconds\":%.3f,\"MBps\":%.2f,\"SecondsLeft\":%.1f,"
		    "\"Done\":%s}\n", p->what, p->items, p->total, p->bytes, s,
		    mb / s, left, done ? "true" : "false");
}

void
cli_progress_total(struct cli_progress *p, uint64_t items)
{
	p->total = items;
}

void
cli_progress_add(struct cli_progress *p, uint64_t items, uint64_t bytes)
{
	p->items += items;
	p->bytes += bytes;
	cli_progress_show(p, false);
}
