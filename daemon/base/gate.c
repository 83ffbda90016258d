/* SPDX-License-Identifier: ISC */
/* gate.c: the pause of gate.h. */
#include <errno.h>
#include <time.h>

#include "base/gate.h"

void
gate_init(struct gate *g)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->changed, &ca);
	pthread_condattr_destroy(&ca);
	g->inside = 0;
	g->closed = false;
}

void
gate_destroy(struct gate *g)
{
	pthread_cond_destroy(&g->changed);
	pthread_mutex_destroy(&g->lock);
}

bool
gate_try_enter(struct gate *g)
{
	bool in;

	pthread_mutex_lock(&g->lock);
	in = !g->closed;
	if (in)
		g->inside++;
	pthread_mutex_unlock(&g->lock);
	return in;
}

void
gate_enter(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	while (g->closed)
		pthread_cond_wait(&g->changed, &g->lock);
	g->inside++;
	pthread_mutex_unlock(&g->lock);
}

void
gate_leave(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	if (--g->inside == 0)
		pthread_cond_broadcast(&g->changed);
	pthread_mutex_unlock(&g->lock);
}

bool
gate_close(struct gate *g, unsigned timeout_ms)
{
	struct timespec until;
	bool empty;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&g->lock);
	g->closed = true;
	while (g->inside > 0 &&
	    pthread_cond_timedwait(&g->changed, &g->lock, &until) != ETIMEDOUT)
		;
	empty = g->inside == 0;
	if (!empty) {
		g->closed = false;
		pthread_cond_broadcast(&g->changed);
	}
	pthread_mutex_unlock(&g->lock);
	return empty;
}

void
gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->closed = false;
	pthread_cond_broadcast(&g->changed);
	pthread_mutex_unlock(&g->lock);
}

unsigned
gate_inside(struct gate *g)
{
	unsigned n;

	pthread_mutex_lock(&g->lock);
	n = g->inside;
	pthread_mutex_unlock(&g->lock);
	return n;
}
