/* SPDX-License-Identifier: ISC */
/*
 * fuzz_rtmp.c: libFuzzer harness for rtmp/ (the RTMP listener's parsers):
 * the input is what a peer sends after connecting, as the listener reads
 * it: C0 C1 C2 for the handshake, then chunks. Complete messages go where
 * rtmpd sends them: Set Chunk Size changes the parser, Abort drops a
 * partial message, commands and data are walked with the AMF0 decoder
 * (every value, every member of every object), media goes to the FLV
 * parsers. The seeds in corpus/rtmp/ were captured from ffmpeg 5.1.9
 * publishing. Invariants: nothing is read out of bounds (ASan), a message
 * never exceeds RTMP_MSG_MAX, and the chunker's accounting returns to 0.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "rtmp/rtmp.h"
#include "rtmp/ts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void
walk_amf(const uint8_t *p, size_t n)
{
	struct amf0_cursor c = { p, n };
	struct amf0_value v, m;
	char s[256];

	while (amf0_next(&c, &v)) {
		(void)amf0_str_copy(&v, s, sizeof(s));
		if (v.type == AMF0_OBJECT || v.type == AMF0_ECMA_ARRAY) {
			(void)amf0_member(&v, "app", &m);
			(void)amf0_member(&v, "tcUrl", &m);
			(void)amf0_member(&v, "width", &m);
		}
	}
}

static void
media(const struct rtmp_msg *m, struct flv_avc *avc, struct flv_aac *aac)
{
	struct buf out;
	bool idr;

	if (m->type == RTMP_VIDEO && m->len >= 5) {
		if (m->data[1] == 0)
			(void)flv_avc_config(avc, m->data + 5, m->len - 5);
		else if (avc->ok) {
			buf_init(&out, 1 << 20);
			(void)flv_avc_annexb(avc, m->data + 5, m->len - 5, &out,
			    &idr);
			buf_free(&out);
		}
	} else if (m->type == RTMP_AUDIO && m->len >= 2 && m->data[1] == 0)
		(void)flv_aac_config(aac, m->data + 2, m->len - 2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtmp_chunker ch;
	struct rtmp_hs hs;
	struct flv_avc avc;
	struct flv_aac aac;
	size_t off = 0, used;

	memset(&avc, 0, sizeof(avc));
	memset(&aac, 0, sizeof(aac));
	rtmp_hs_init(&hs);
	while (off < size) {
		enum rtmp_hs_state s = rtmp_hs_feed(&hs, data + off, size - off,
		    0, &used);

		off += used;
		if (s == RTMP_HS_DONE || s == RTMP_HS_BAD || used == 0)
			break;
	}
	if (hs.state != RTMP_HS_DONE)
		return 0;
	rtmp_chunker_init(&ch, 8u << 20);
	while (off < size) {
		struct rtmp_msg m;
		enum rtmp_parse r = rtmp_chunk_parse(&ch, data + off,
		    size - off, &used, &m);

		if (r == RTMP_BAD || r == RTMP_NEED_MORE)
			break;
		CHECK(used > 0 && used <= size - off);
		off += used;
		if (r != RTMP_MESSAGE)
			continue;
		CHECK(m.len <= RTMP_MSG_MAX);
		switch (m.type) {
		case RTMP_SET_CHUNK_SIZE:
			if (m.len >= 4) {
				uint32_t v = (uint32_t)m.data[0] << 24 |
				    (uint32_t)m.data[1] << 16 |
				    (uint32_t)m.data[2] << 8 | m.data[3];

				if (v >= 1 && v <= 65536)
					ch.chunk_size = v;
			}
			break;
		case RTMP_ABORT:
			if (m.len >= 4)
				rtmp_chunk_abort(&ch, m.data[3]);
			break;
		case RTMP_COMMAND_AMF0:
		case RTMP_DATA_AMF0:
			walk_amf(m.data, m.len);
			break;
		case RTMP_COMMAND_AMF3:
			if (m.len > 0)
				walk_amf(m.data + 1, m.len - 1);
			break;
		default:
			media(&m, &avc, &aac);
		}
	}
	rtmp_chunker_done(&ch);
	CHECK(ch.buffered == 0);
	return 0;
}
