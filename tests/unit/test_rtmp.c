/* SPDX-License-Identifier: ISC */
/*
 * test_rtmp.c: unit tests for rtmp/ (spec rtmp-ingest.md §2-4, §8): the
 * handshake, chunk reassembly (interleaving, fmt 1-3 headers, extended
 * timestamps, Set Chunk Size, byte-at-a-time input, caps), the AMF0
 * decoder and writer on ffmpeg's own connect command, and the TS writer
 * (packet size, sync bytes, PAT/PMT CRC, continuity counters, PES
 * timestamps).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "rtmp/rtmp.h"
#include "rtmp/ts.h"

static void
test_handshake(void **state)
{
	uint8_t c0c1[1 + RTMP_HS_BYTES], c2[RTMP_HS_BYTES];
	struct rtmp_hs hs;
	size_t used;

	(void)state;
	memset(c0c1, 0x5a, sizeof(c0c1));
	c0c1[0] = 3;
	rtmp_hs_init(&hs);
	assert_int_equal(rtmp_hs_feed(&hs, c0c1, 100, 7, &used),
	    RTMP_HS_WAIT_C0C1);
	assert_int_equal(used, 0);
	assert_int_equal(rtmp_hs_feed(&hs, c0c1, sizeof(c0c1), 7, &used),
	    RTMP_HS_WAIT_C2);
	assert_int_equal(used, sizeof(c0c1));
	assert_int_equal(hs.out[0], 3);
	assert_int_equal(hs.out[4], 7);			/* S1 time */
	assert_memory_equal(hs.out + 5, "\0\0\0\0", 4);	/* version 0 */
	assert_memory_equal(hs.out + 1 + RTMP_HS_BYTES, c0c1 + 1,
	    RTMP_HS_BYTES);				/* S2 = C1 */
	memset(c2, 1, sizeof(c2));
	assert_int_equal(rtmp_hs_feed(&hs, c2, sizeof(c2), 7, &used),
	    RTMP_HS_DONE);

	c0c1[0] = 6;	/* RTMPE */
	rtmp_hs_init(&hs);
	assert_int_equal(rtmp_hs_feed(&hs, c0c1, sizeof(c0c1), 0, &used),
	    RTMP_HS_BAD);
}

/* Feeds p one byte more at a time, as a slow socket would. */
static enum rtmp_parse
feed_slowly(struct rtmp_chunker *ch, const uint8_t *p, size_t n,
    size_t *off, struct rtmp_msg *m)
{
	for (size_t k = 1; *off + k <= n; k++) {
		size_t used;
		enum rtmp_parse r = rtmp_chunk_parse(ch, p + *off, k, &used, m);

		if (r == RTMP_NEED_MORE) {
			assert_int_equal(used, 0);
			continue;
		}
		*off += used;
		return r;
	}
	return RTMP_NEED_MORE;
}

static void
test_chunks(void **state)
{
	uint8_t out[4096], payload[300];
	struct rtmp_wbuf w = { out, 0, sizeof(out), false };
	struct rtmp_chunker ch;
	struct rtmp_msg m;
	size_t off = 0;
	enum rtmp_parse r;

	(void)state;
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)i;
	/* A 300-byte video message in 128-byte chunks (fmt 0 + two fmt 3). */
	rtmp_chunk_write(&w, 6, 1000, RTMP_VIDEO, 1, payload, 300, 128);
	assert_false(w.overflow);
	assert_int_equal(w.len, 12 + 300 + 2);
	/* A second message on the same stream with a fmt-2 header: the
	 * timestamp is a delta of 40. */
	{
		uint8_t h[4] = { 0x80 | 6, 0, 0, 40 };

		rtmp_wbuf_put(&w, h, 4);
		/* fmt 2 keeps length 300: send 128 + 128 + 44 again. */
		rtmp_wbuf_put(&w, payload, 128);
		h[0] = 0xc0 | 6;
		rtmp_wbuf_put(&w, h, 1);
		rtmp_wbuf_put(&w, payload + 128, 128);
		rtmp_wbuf_put(&w, h, 1);
		rtmp_wbuf_put(&w, payload + 256, 44);
	}
	rtmp_chunker_init(&ch, 1 << 20);
	assert_int_equal(feed_slowly(&ch, out, w.len, &off, &m), RTMP_PROGRESS);
	assert_int_equal(feed_slowly(&ch, out, w.len, &off, &m), RTMP_PROGRESS);
	r = feed_slowly(&ch, out, w.len, &off, &m);
	assert_int_equal(r, RTMP_MESSAGE);
	assert_int_equal(m.type, RTMP_VIDEO);
	assert_int_equal(m.ts, 1000);
	assert_int_equal(m.msid, 1);
	assert_int_equal(m.len, 300);
	assert_memory_equal(m.data, payload, 300);
	assert_int_equal(feed_slowly(&ch, out, w.len, &off, &m), RTMP_PROGRESS);
	assert_int_equal(feed_slowly(&ch, out, w.len, &off, &m), RTMP_PROGRESS);
	assert_int_equal(feed_slowly(&ch, out, w.len, &off, &m), RTMP_MESSAGE);
	assert_int_equal(m.ts, 1040);
	assert_int_equal(off, w.len);
	rtmp_chunker_done(&ch);
	assert_int_equal(ch.buffered, 0);
}

static void
test_chunks_extended_and_size(void **state)
{
	uint8_t b[64];
	struct rtmp_chunker ch;
	struct rtmp_msg m;
	size_t used, n = 0;

	(void)state;
	/* fmt 0, csid 3, timestamp 0xffffff -> extended 0x01000000. */
	b[n++] = 3;
	b[n++] = 0xff; b[n++] = 0xff; b[n++] = 0xff;
	b[n++] = 0; b[n++] = 0; b[n++] = 4;
	b[n++] = RTMP_SET_CHUNK_SIZE;
	b[n++] = 0; b[n++] = 0; b[n++] = 0; b[n++] = 0;
	b[n++] = 1; b[n++] = 0; b[n++] = 0; b[n++] = 0;
	b[n++] = 0; b[n++] = 0; b[n++] = 0x10; b[n++] = 0;
	rtmp_chunker_init(&ch, 1 << 20);
	assert_int_equal(rtmp_chunk_parse(&ch, b, n, &used, &m), RTMP_MESSAGE);
	assert_int_equal(used, n);
	assert_int_equal(m.ts, 0x01000000);
	assert_int_equal(m.len, 4);

	/* A fmt-1 header on an unknown stream is a violation. */
	b[0] = 0x40 | 9;
	assert_int_equal(rtmp_chunk_parse(&ch, b, 8, &used, &m), RTMP_BAD);
	/* A message larger than the cap is refused before allocating. */
	b[0] = 4;
	b[1] = 0; b[2] = 0; b[3] = 0;
	b[4] = 0xff; b[5] = 0xff; b[6] = 0xff;
	assert_int_equal(rtmp_chunk_parse(&ch, b, 12, &used, &m), RTMP_BAD);
	rtmp_chunker_done(&ch);
}

static void
test_chunks_buffer_cap(void **state)
{
	uint8_t b[12 + 128];
	struct rtmp_chunker ch;
	struct rtmp_msg m;
	size_t used;

	(void)state;
	memset(b, 0, sizeof(b));
	b[0] = 4;
	b[5] = 0x10;			/* 4096-byte message */
	b[7] = RTMP_VIDEO;
	rtmp_chunker_init(&ch, 4096 + 100);
	assert_int_equal(rtmp_chunk_parse(&ch, b, sizeof(b), &used, &m),
	    RTMP_PROGRESS);
	/* A second partial message on another stream would exceed the cap. */
	b[0] = 5;
	assert_int_equal(rtmp_chunk_parse(&ch, b, sizeof(b), &used, &m),
	    RTMP_BAD);
	rtmp_chunker_done(&ch);
}

/* ffmpeg 5.1.9's connect command (spec §1), as captured. */
static const uint8_t ff_connect[] = {
	0x02, 0x00, 0x07, 'c', 'o', 'n', 'n', 'e', 'c', 't',
	0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0,
	0x03,
	0x00, 0x03, 'a', 'p', 'p', 0x02, 0x00, 0x04, 'l', 'i', 'v', 'e',
	0x00, 0x04, 't', 'y', 'p', 'e', 0x02, 0x00, 0x0a,
	'n', 'o', 'n', 'p', 'r', 'i', 'v', 'a', 't', 'e',
	0x00, 0x05, 't', 'c', 'U', 'r', 'l', 0x02, 0x00, 0x1a,
	'r', 't', 'm', 'p', ':', '/', '/', '1', '2', '7', '.', '0', '.',
	'0', '.', '1', ':', '1', '9', '3', '5', '/', 'l', 'i', 'v', 'e',
	0x00, 0x00, 0x09,
};

static void
test_amf0(void **state)
{
	struct amf0_cursor c = { ff_connect, sizeof(ff_connect) };
	struct amf0_value v, obj, f;
	char s[64];
	uint8_t b[256];
	struct rtmp_wbuf w = { b, 0, sizeof(b), false };

	(void)state;
	assert_true(amf0_next(&c, &v));
	assert_true(amf0_str_eq(&v, "connect"));
	assert_true(amf0_next(&c, &v));
	assert_int_equal(v.type, AMF0_NUMBER);
	assert_true(v.num == 1.0);
	assert_true(amf0_next(&c, &obj));
	assert_int_equal(obj.type, AMF0_OBJECT);
	assert_int_equal(c.n, 0);
	assert_true(amf0_member(&obj, "tcUrl", &f));
	assert_true(amf0_str_copy(&f, s, sizeof(s)));
	assert_string_equal(s, "rtmp://127.0.0.1:1935/live");
	assert_true(amf0_member(&obj, "app", &f));
	assert_true(amf0_str_eq(&f, "live"));
	assert_false(amf0_member(&obj, "swfUrl", &f));
	assert_false(amf0_next(&c, &v));

	/* Every truncation is refused, and the cursor stays put. */
	for (size_t n = 20; n < sizeof(ff_connect) - 10; n++) {
		struct amf0_cursor t = { ff_connect + 19, n - 19 };

		assert_false(amf0_next(&t, &v));
		assert_int_equal(t.n, n - 19);
	}

	/* Round trip through the writer. */
	amf0_put_string(&w, "_result");
	amf0_put_number(&w, 4);
	amf0_put_null(&w);
	amf0_put_object_begin(&w);
	amf0_put_key(&w, "level");
	amf0_put_string(&w, "status");
	amf0_put_key(&w, "ok");
	amf0_put_bool(&w, true);
	amf0_put_object_end(&w);
	assert_false(w.overflow);
	c.p = b;
	c.n = w.len;
	assert_true(amf0_next(&c, &v) && amf0_str_eq(&v, "_result"));
	assert_true(amf0_next(&c, &v) && v.num == 4.0);
	assert_true(amf0_next(&c, &v) && v.type == AMF0_NULL);
	assert_true(amf0_next(&c, &obj));
	assert_true(amf0_member(&obj, "level", &f) &&
	    amf0_str_eq(&f, "status"));
	assert_true(amf0_member(&obj, "ok", &f) && f.num == 1.0);

	/* Nesting deeper than AMF0_DEPTH_MAX is refused. */
	{
		uint8_t deep[3 * 40 + 3 * 40];
		size_t n = 0;

		for (int i = 0; i < 40; i++) {
			deep[n++] = AMF0_OBJECT;
			deep[n++] = 0;
			deep[n++] = 1;
			deep[n++] = 'k';
		}
		c.p = deep;
		c.n = n;
		assert_false(amf0_next(&c, &v));
	}
	/* The writer refuses what does not fit. */
	w.len = sizeof(b) - 2;
	amf0_put_string(&w, "too long");
	assert_true(w.overflow);
}

static uint32_t
crc32_mpeg(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffff;

	for (size_t i = 0; i < n; i++) {
		crc ^= (uint32_t)p[i] << 24;
		for (int k = 0; k < 8; k++)
			crc = crc & 0x80000000 ? crc << 1 ^ 0x04c11db7 : crc << 1;
	}
	return crc;
}

static void
test_ts(void **state)
{
	struct ts_writer t;
	struct buf out;
	uint8_t es[1000];
	const uint8_t *p;
	size_t npk;

	(void)state;
	memset(es, 0xab, sizeof(es));
	ts_writer_init(&t);
	buf_init(&out, 1 << 20);
	assert_int_equal(ts_write_tables(&t, &out, true), ERR_OK);
	assert_int_equal(ts_write_pes(&t, &out, true, 9000, 3600, true, es,
	    sizeof(es)), ERR_OK);
	assert_int_equal(ts_write_pes(&t, &out, false, 3600, 3600, false, es,
	    10), ERR_OK);
	assert_int_equal(out.len % TS_PACKET_BYTES, 0);
	npk = out.len / TS_PACKET_BYTES;
	p = (const uint8_t *)out.data;
	for (size_t i = 0; i < npk; i++)
		assert_int_equal(p[i * TS_PACKET_BYTES], 0x47);
	/* PAT and PMT sections: a CRC over the section including it is 0. */
	for (int k = 0; k < 2; k++) {
		const uint8_t *s = p + k * TS_PACKET_BYTES + 5;
		size_t len = 3 + (((size_t)s[1] & 0x0f) << 8 | s[2]);

		assert_int_equal(crc32_mpeg(s, len), 0);
	}
	/* The PMT lists video 0x1b on 0x100 and audio 0x0f on 0x101. */
	assert_int_equal(p[TS_PACKET_BYTES + 5 + 12], 0x1b);
	assert_int_equal(p[TS_PACKET_BYTES + 5 + 17], 0x0f);
	{
		/* The first video packet: PUSI, adaptation field with RAI and
		 * PCR, then the PES header with PTS (9000+63000) and DTS. */
		const uint8_t *v = p + 2 * TS_PACKET_BYTES;
		const uint8_t *pes = v + 12;
		uint64_t pts;

		assert_int_equal(v[1] & 0x40, 0x40);
		assert_int_equal((v[1] & 0x1f) << 8 | v[2], TS_PID_VIDEO);
		assert_int_equal(v[5], 0x50);
		assert_memory_equal(pes, "\0\0\1\xe0", 4);
		assert_int_equal(pes[7], 0xc0);
		pts = ((uint64_t)(pes[9] >> 1) & 7) << 30 |
		    (uint64_t)pes[10] << 22 | (uint64_t)(pes[11] >> 1) << 15 |
		    (uint64_t)pes[12] << 7 | pes[13] >> 1;
		assert_int_equal(pts, 9000 + TS_DELAY_90K);
	}
	{
		/* Continuity counters of the video PID run 0, 1, 2, ... */
		unsigned cc = 0;

		for (size_t i = 2; i < npk - 1; i++)
			assert_int_equal(p[i * TS_PACKET_BYTES + 3] & 0x0f,
			    cc++ & 0x0f);
	}
	buf_free(&out);
}

static void
test_flv(void **state)
{
	/* avcC with one 4-byte SPS and one 2-byte PPS. */
	static const uint8_t avcc[] = { 1, 0x42, 0, 0x1e, 0xff, 0xe1, 0, 4,
	    0x67, 1, 2, 3, 1, 0, 2, 0x68, 9 };
	static const uint8_t idr[] = { 0, 0, 0, 2, 0x65, 0x88,
	    0, 0, 0, 2, 0x06, 0x01 };
	static const uint8_t want[] = { 0, 0, 0, 1, 9, 0xf0,
	    0, 0, 0, 1, 0x67, 1, 2, 3, 0, 0, 0, 1, 0x68, 9,
	    0, 0, 0, 1, 0x65, 0x88, 0, 0, 0, 1, 0x06, 0x01 };
	static const uint8_t asc[] = { 0x12, 0x08 };
	struct flv_avc avc;
	struct flv_aac aac;
	struct buf out;
	uint8_t adts[7];
	bool key = false;

	(void)state;
	assert_int_equal(flv_avc_config(&avc, avcc, sizeof(avcc)), ERR_OK);
	assert_int_equal(avc.nal_len, 4);
	buf_init(&out, 4096);
	assert_int_equal(flv_avc_annexb(&avc, idr, sizeof(idr), &out, &key),
	    ERR_OK);
	assert_true(key);
	assert_int_equal(out.len, sizeof(want));
	assert_memory_equal(out.data, want, sizeof(want));
	buf_reset(&out);
	/* A length past the end is refused. */
	assert_int_equal(flv_avc_annexb(&avc, idr, sizeof(idr) - 1, &out,
	    &key), ERR_INVALID_ARGUMENT);
	buf_free(&out);
	assert_int_equal(flv_avc_config(&avc, avcc, 5), ERR_INVALID_ARGUMENT);

	/* AAC-LC 44.1 kHz mono (spec §7: af 00 12 08). */
	assert_int_equal(flv_aac_config(&aac, asc, sizeof(asc)), ERR_OK);
	assert_int_equal(aac.sample_rate, 44100);
	assert_int_equal(aac.channels, 1);
	flv_aac_adts(&aac, 100, adts);
	assert_memory_equal(adts, "\xff\xf1\x50\x40\x0d\x7f\xfc", 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_chunks),
		cmocka_unit_test(test_chunks_extended_and_size),
		cmocka_unit_test(test_chunks_buffer_cap),
		cmocka_unit_test(test_amf0),
		cmocka_unit_test(test_ts),
		cmocka_unit_test(test_flv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
