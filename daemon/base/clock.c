/* SPDX-License-Identifier: ISC */
/* clock.c: see clock.h. */
#include "base/clock.h"

#include <time.h>

int64_t
clock_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
clock_fixed_now(void *ctx)
{
	return *(const int64_t *)ctx;
}
