/* SPDX-License-Identifier: ISC */
/* rand.c: see rand.h. */
#include "base/rand.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "base/clock.h"
#include "base/str.h"

void
rand_bytes(void *p, size_t n)
{
	unsigned char *q = p;

	while (n > 0) {
		ssize_t got = getrandom(q, n, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			abort();
		q += got;
		n -= (size_t)got;
	}
}

void
rand_request_id(char out[static 25])
{
	unsigned char id[12];
	uint32_t t = (uint32_t)(clock_wall_ms() / 1000);

	id[0] = (unsigned char)(t >> 24);
	id[1] = (unsigned char)(t >> 16);
	id[2] = (unsigned char)(t >> 8);
	id[3] = (unsigned char)t;
	rand_bytes(id + 4, 8);
	hex_encode_upper(out, id, sizeof(id));
}
