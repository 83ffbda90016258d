/* SPDX-License-Identifier: ISC */
/*
 * clock.h: the one injectable clock.
 *
 * Business time (retention, deletion windows, restore jobs, WORM expiry,
 * inventory schedules, Last-Modified) comes from clock_now_ms(c) and only
 * ever moves forward. Wall time (signature skew, logs) comes from
 * clock_wall_ms() and is never injected: a test clock must not let a client
 * replay old signatures. Times are milliseconds since the Unix epoch.
 */
#ifndef COFFER_BASE_CLOCK_H
#define COFFER_BASE_CLOCK_H

#include <stdint.h>

struct clock {
	/* Returns business time in ms; must be thread-safe. */
	int64_t	(*now_ms)(void *ctx);
	void	*ctx;
};

static inline int64_t
clock_now_ms(const struct clock *c)
{
	return c->now_ms(c->ctx);
}

int64_t clock_wall_ms(void);
int64_t clock_mono_us(void);

/* A clock fixed at *(int64_t *)ctx; for tests. */
int64_t clock_fixed_now(void *ctx);

#define CLOCK_SECOND_MS	1000LL
#define CLOCK_HOUR_MS	(3600LL * CLOCK_SECOND_MS)
#define CLOCK_DAY_MS	(24LL * CLOCK_HOUR_MS)

#endif
