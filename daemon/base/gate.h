/* SPDX-License-Identifier: ISC */
/*
 * gate.h: a pause for everything that uses the keys.
 *
 * Requests and background runs pass the gate while they work; a root-key
 * rotation closes it, waits until nothing is inside, and swaps the keys
 * with nobody holding a value sealed under the old ones. A request meeting
 * a closed gate is answered at once (503, retry), never parked: a parked
 * thread of the HTTP pool could be the one a request inside still needs.
 * Background threads may wait instead.
 */
#ifndef COFFER_BASE_GATE_H
#define COFFER_BASE_GATE_H

#include <pthread.h>
#include <stdbool.h>

struct gate {
	pthread_mutex_t	 lock;
	pthread_cond_t	 changed;
	unsigned	 inside;
	bool		 closed;
};

void gate_init(struct gate *g);
void gate_destroy(struct gate *g);
/* false when the gate is closed (nothing to leave then). */
bool gate_try_enter(struct gate *g);
/* Waits while the gate is closed. */
void gate_enter(struct gate *g);
void gate_leave(struct gate *g);
/* Closes the gate and waits up to timeout_ms for everything inside to
 * leave; false (and the gate open again) when something is still inside
 * then. */
bool gate_close(struct gate *g, unsigned timeout_ms);
void gate_open(struct gate *g);
/* How many are inside now (for a log line). */
unsigned gate_inside(struct gate *g);

#endif
