/* SPDX-License-Identifier: ISC */
/*
 * read_ahead.c: see read_ahead.h.
 *
 * Chunk c lives in slot c % READ_AHEAD_SLOTS. base is the first chunk the
 * reader has not finished with; a chunk may be claimed (by either thread)
 * once base <= c < base + READ_AHEAD_SLOTS, which guarantees its slot's
 * previous chunk was released. Claims go in order through next, so each
 * chunk is opened exactly once, and only the reader moves base. have[s]
 * names the chunk whose plaintext slot s holds, NO_CHUNK while it is being
 * opened. The helper has its own store reader: a store reader belongs to
 * one thread.
 */
#include "object/read_ahead.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NO_CHUNK	UINT64_MAX

struct read_ahead {
	struct store_reader	*sr;		/* the helper's */
	uint64_t		 plain_len;	/* of the extent */
	uint64_t		 end;		/* serve below this offset */
	uint64_t		 last;		/* chunk holding end - 1 */
	uint8_t			*slot[READ_AHEAD_SLOTS];	/* wiped */
	uint64_t		 have[READ_AHEAD_SLOTS];
	enum err		 err[READ_AHEAD_SLOTS];
	uint64_t		 base;
	size_t			 skip;		/* bytes of base already read */
	uint64_t		 next;		/* next chunk to claim */
	bool			 stop;
	bool			 running;
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;		/* a chunk opened, base moved */
};

static size_t
chunk_len(const struct read_ahead *ra, uint64_t c)
{
	uint64_t left = ra->plain_len - c * STORE_CHUNK_BYTES;

	return left < STORE_CHUNK_BYTES ? (size_t)left : STORE_CHUNK_BYTES;
}

static bool
claimable(const struct read_ahead *ra)
{
	return ra->next <= ra->last && ra->next < ra->base + READ_AHEAD_SLOTS;
}

/* Opens the claimed chunk c into out (its slot, or the reader's buffer);
 * called without the lock, which is held again on return with the result
 * published. */
static void
open_claimed(struct read_ahead *ra, struct store_reader *sr, uint64_t c,
    uint8_t *out)
{
	size_t s = (size_t)(c % READ_AHEAD_SLOTS), want = chunk_len(ra, c);
	size_t got = 0;
	enum err e;

	e = store_reader_read(sr, c * STORE_CHUNK_BYTES, out, want, &got);
	if (e == ERR_OK && got != want)
		e = ERR_CORRUPT;
	pthread_mutex_lock(&ra->mu);
	ra->have[s] = c;
	ra->err[s] = e;
	pthread_cond_broadcast(&ra->cv);
}

/* With the lock held: takes the next chunk, returns its index. */
static uint64_t
claim(struct read_ahead *ra)
{
	uint64_t c = ra->next++;

	ra->have[c % READ_AHEAD_SLOTS] = NO_CHUNK;
	return c;
}

static void *
helper_main(void *arg)
{
	struct read_ahead *ra = arg;
	uint64_t c;

	pthread_mutex_lock(&ra->mu);
	for (;;) {
		while (!ra->stop && !claimable(ra))
			pthread_cond_wait(&ra->cv, &ra->mu);
		if (ra->stop)
			break;
		c = claim(ra);
		pthread_mutex_unlock(&ra->mu);
		open_claimed(ra, ra->sr, c, ra->slot[c % READ_AHEAD_SLOTS]);
	}
	pthread_mutex_unlock(&ra->mu);
	return NULL;
}

enum err
read_ahead_start(struct store *st,
    const uint8_t uuid[static STORE_UUID_BYTES], uint64_t plain_len,
    const struct store_cipher *cipher, uint64_t first, uint64_t end,
    struct read_ahead **ret)
{
	struct read_ahead *ra;
	enum err e;

	if (end > plain_len || end <= first * STORE_CHUNK_BYTES)
		return ERR_INVALID_ARGUMENT;
	ra = calloc(1, sizeof(*ra));
	if (ra == NULL)
		return ERR_NOMEM;
	ra->plain_len = plain_len;
	ra->end = end;
	ra->last = (end - 1) / STORE_CHUNK_BYTES;
	ra->base = ra->next = first;
	pthread_mutex_init(&ra->mu, NULL);
	pthread_cond_init(&ra->cv, NULL);
	for (int i = 0; i < READ_AHEAD_SLOTS; i++) {
		ra->have[i] = NO_CHUNK;
		ra->slot[i] = malloc(STORE_CHUNK_BYTES);
		if (ra->slot[i] == NULL) {
			read_ahead_free(ra);
			return ERR_NOMEM;
		}
	}
	e = store_reader_open(st, uuid, plain_len, cipher, &ra->sr);
	if (e == ERR_OK && pthread_create(&ra->thread, NULL, helper_main,
	    ra) != 0)
		e = ERR_NOMEM;
	if (e != ERR_OK) {
		read_ahead_free(ra);
		return e;
	}
	ra->running = true;
	*ret = ra;
	return ERR_OK;
}

uint64_t
read_ahead_next(const struct read_ahead *ra)
{
	return ra->base * STORE_CHUNK_BYTES + ra->skip;
}

enum err
read_ahead_read(struct read_ahead *ra, struct store_reader *sr, void *buf,
    size_t n, size_t *ret_n)
{
	uint64_t off = read_ahead_next(ra), c0 = ra->base, c1, c, base;
	uint8_t *dst = buf;
	size_t done = 0, skip = ra->skip, s, take;
	/* Chunks this thread opened straight into buf, by c - c0. */
	bool direct[READ_AHEAD_SLOTS] = { false };

	if (off >= ra->end || n == 0) {
		*ret_n = 0;
		return ERR_OK;
	}
	if (n > ra->end - off)
		n = (size_t)(ra->end - off);
	c1 = (off + n - 1) / STORE_CHUNK_BYTES;
	if (c1 >= c0 + READ_AHEAD_SLOTS)
		c1 = c0 + READ_AHEAD_SLOTS - 1;
	/* Open what the helper has not claimed yet, a whole chunk straight
	 * into buf, then wait for the rest. */
	pthread_mutex_lock(&ra->mu);
	for (c = c0; c <= c1;) {
		if (ra->next <= c1) {
			uint64_t mine = claim(ra), at = mine * STORE_CHUNK_BYTES;
			uint8_t *out = ra->slot[mine % READ_AHEAD_SLOTS];

			pthread_mutex_unlock(&ra->mu);
			if (at >= off && at + chunk_len(ra, mine) <= off + n) {
				out = dst + (at - off);
				direct[mine - c0] = true;
			}
			open_claimed(ra, sr, mine, out);
			continue;
		}
		if (ra->have[c % READ_AHEAD_SLOTS] == c)
			c++;
		else
			pthread_cond_wait(&ra->cv, &ra->mu);
	}
	pthread_mutex_unlock(&ra->mu);
	base = c0;
	for (c = c0; c <= c1 && done < n; c++) {
		s = (size_t)(c % READ_AHEAD_SLOTS);
		if (ra->err[s] != ERR_OK)
			return ra->err[s];
		take = chunk_len(ra, c) - skip;
		if (take > n - done)
			take = n - done;
		if (!direct[c - c0])
			memcpy(dst + done, ra->slot[s] + skip, take);
		done += take;
		skip += take;
		if (skip == chunk_len(ra, c)) {
			skip = 0;
			base = c + 1;
		}
	}
	pthread_mutex_lock(&ra->mu);
	ra->base = base;
	ra->skip = skip;
	pthread_cond_broadcast(&ra->cv);
	pthread_mutex_unlock(&ra->mu);
	*ret_n = done;
	return ERR_OK;
}

void
read_ahead_free(struct read_ahead *ra)
{
	if (ra == NULL)
		return;
	if (ra->running) {
		pthread_mutex_lock(&ra->mu);
		ra->stop = true;
		pthread_cond_broadcast(&ra->cv);
		pthread_mutex_unlock(&ra->mu);
		pthread_join(ra->thread, NULL);
	}
	pthread_mutex_destroy(&ra->mu);
	pthread_cond_destroy(&ra->cv);
	for (int i = 0; i < READ_AHEAD_SLOTS; i++) {
		if (ra->slot[i] == NULL)
			continue;
		explicit_bzero(ra->slot[i], STORE_CHUNK_BYTES);
		free(ra->slot[i]);
	}
	store_reader_close(ra->sr);
	free(ra);
}
