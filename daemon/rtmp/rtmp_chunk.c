/* SPDX-License-Identifier: ISC */
/*
 * rtmp_chunk.c: the chunk stream of spec rtmp-ingest.md §3 (RTMP §5.3):
 * reassembly of interleaved chunks into messages, and the writer of the
 * server's own messages. One chunk per call, so a Set Chunk Size message
 * takes effect on exactly the chunks that follow it.
 */
#include <stdlib.h>
#include <string.h>

#include "rtmp/rtmp.h"

static uint32_t
be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

void
rtmp_chunker_init(struct rtmp_chunker *ch, size_t max_buffered)
{
	memset(ch, 0, sizeof(*ch));
	ch->chunk_size = RTMP_DEFAULT_CHUNK;
	ch->max_buffered = max_buffered;
	ch->delivered = -1;
}

static void
cs_drop(struct rtmp_chunker *ch, struct rtmp_cstream *cs)
{
	if (cs->buf != NULL) {
		ch->buffered -= cs->len;
		free(cs->buf);
		cs->buf = NULL;
	}
	cs->have = 0;
}

void
rtmp_chunker_done(struct rtmp_chunker *ch)
{
	for (unsigned i = 0; i < RTMP_CSID_SLOTS; i++)
		cs_drop(ch, &ch->cs[i]);
}

void
rtmp_chunk_abort(struct rtmp_chunker *ch, uint32_t csid)
{
	for (unsigned i = 0; i < RTMP_CSID_SLOTS; i++)
		if (ch->cs[i].csid == csid)
			cs_drop(ch, &ch->cs[i]);
}

/* The slot of csid, or a free one; NULL when every slot is taken. A peer
 * needs few streams (ffmpeg uses 2 to 8), so the table stays small. */
static struct rtmp_cstream *
cs_find(struct rtmp_chunker *ch, uint32_t csid)
{
	struct rtmp_cstream *free_slot = NULL;

	for (unsigned i = 0; i < RTMP_CSID_SLOTS; i++) {
		if (ch->cs[i].csid == csid)
			return &ch->cs[i];
		if (ch->cs[i].csid == 0 && free_slot == NULL)
			free_slot = &ch->cs[i];
	}
	if (free_slot != NULL) {
		memset(free_slot, 0, sizeof(*free_slot));
		free_slot->csid = csid;
	}
	return free_slot;
}

enum rtmp_parse
rtmp_chunk_parse(struct rtmp_chunker *ch, const uint8_t *p, size_t n,
    size_t *ret_used, struct rtmp_msg *ret_msg)
{
	struct rtmp_cstream *cs;
	size_t off, take;
	uint32_t csid, field = 0;
	unsigned fmt;
	bool starts;

	*ret_used = 0;
	if (ch->delivered >= 0) {
		cs_drop(ch, &ch->cs[ch->delivered]);
		ch->delivered = -1;
	}
	if (n < 1)
		return RTMP_NEED_MORE;
	fmt = p[0] >> 6;
	csid = p[0] & 0x3f;
	off = 1;
	if (csid == 0) {
		if (n < 2)
			return RTMP_NEED_MORE;
		csid = 64 + p[1];
		off = 2;
	} else if (csid == 1) {
		if (n < 3)
			return RTMP_NEED_MORE;
		csid = 64 + p[1] + 256u * p[2];
		off = 3;
	}
	cs = cs_find(ch, csid);
	if (cs == NULL)
		return RTMP_BAD;
	/* Headers other than fmt 0 need one earlier on this stream. */
	if (fmt != 0 && !cs->started)
		return RTMP_BAD;
	starts = cs->have == 0;
	/* Nothing is stored until the whole chunk is here: a short read
	 * leaves the stream's state as it was. */
	{
		static const size_t hlen[4] = { 11, 7, 3, 0 };
		const uint8_t *h = p + off;
		uint32_t len = cs->len, ts = cs->ts, delta = cs->delta;
		uint32_t msid = cs->msid;
		uint8_t type = cs->type;
		bool ext;

		if (n < off + hlen[fmt])
			return RTMP_NEED_MORE;
		if (fmt <= 2)
			field = be24(h);
		ext = fmt <= 2 ? field == 0xffffff : cs->ext;
		if (n < off + hlen[fmt] + (ext ? 4 : 0))
			return RTMP_NEED_MORE;
		if (ext && fmt <= 2)
			field = be32(h + hlen[fmt]);
		/* A new header in the middle of a message is a violation. */
		if (fmt != 3 && !starts)
			return RTMP_BAD;
		if (fmt <= 1) {
			len = be24(h + 3);
			if (len > RTMP_MSG_MAX)
				return RTMP_BAD;
			type = h[6];
		}
		if (fmt == 0) {
			msid = (uint32_t)h[7] | (uint32_t)h[8] << 8 |
			    (uint32_t)h[9] << 16 | (uint32_t)h[10] << 24;
			ts = field;
			delta = field;
		} else if (fmt <= 2) {
			delta = field;
			ts += field;
		} else if (starts) {
			/* fmt 3 opening a message repeats the last delta
			 * (spec §5.3.1.2.4). */
			ts += delta;
		}
		off += hlen[fmt] + (ext ? 4 : 0);
		take = len - (starts ? 0 : cs->have);
		if (take > ch->chunk_size)
			take = ch->chunk_size;
		if (n < off + take)
			return RTMP_NEED_MORE;
		if (fmt <= 2)
			cs->ext = ext;
		cs->len = len;
		cs->ts = ts;
		cs->delta = delta;
		cs->msid = msid;
		cs->type = type;
		cs->started = true;
	}
	if (starts && cs->len > 0) {
		if (ch->buffered + cs->len > ch->max_buffered)
			return RTMP_BAD;
		cs->buf = malloc(cs->len);
		if (cs->buf == NULL)
			return RTMP_BAD;
		ch->buffered += cs->len;
	}
	if (take > 0)
		memcpy(cs->buf + cs->have, p + off, take);
	cs->have += (uint32_t)take;
	*ret_used = off + take;
	if (cs->have < cs->len)
		return RTMP_PROGRESS;
	/* Complete: hand out the buffer; it is freed by the next call. */
	ret_msg->csid = csid;
	ret_msg->ts = cs->ts;
	ret_msg->msid = cs->msid;
	ret_msg->len = cs->len;
	ret_msg->type = cs->type;
	ret_msg->data = cs->buf;
	ch->delivered = (int)(cs - ch->cs);
	return RTMP_MESSAGE;
}

void
rtmp_wbuf_put(struct rtmp_wbuf *w, const void *p, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return;
	}
	memcpy(w->p + w->len, p, n);
	w->len += n;
}

void
rtmp_chunk_write(struct rtmp_wbuf *w, uint32_t csid, uint32_t ts,
    uint8_t type, uint32_t msid, const uint8_t *p, size_t len,
    uint32_t chunk_size)
{
	uint8_t h[12];
	size_t off = 0;

	h[0] = (uint8_t)(csid & 0x3f);
	/* Server timestamps stay below 2^24 ms (4.6 h) or are clamped:
	 * the replies carry no media. */
	if (ts > 0xfffffe)
		ts = 0xfffffe;
	h[1] = (uint8_t)(ts >> 16);
	h[2] = (uint8_t)(ts >> 8);
	h[3] = (uint8_t)ts;
	h[4] = (uint8_t)(len >> 16);
	h[5] = (uint8_t)(len >> 8);
	h[6] = (uint8_t)len;
	h[7] = type;
	h[8] = (uint8_t)msid;
	h[9] = (uint8_t)(msid >> 8);
	h[10] = (uint8_t)(msid >> 16);
	h[11] = (uint8_t)(msid >> 24);
	rtmp_wbuf_put(w, h, 12);
	for (;;) {
		size_t take = len - off < chunk_size ? len - off : chunk_size;
		uint8_t c3 = (uint8_t)(0xc0 | (csid & 0x3f));

		rtmp_wbuf_put(w, p + off, take);
		off += take;
		if (off >= len)
			break;
		rtmp_wbuf_put(w, &c3, 1);
	}
}
