/* SPDX-License-Identifier: ISC */
/*
 * rtmp_ts.c: an MPEG-TS writer for HLS segments (ISO/IEC 13818-1; spec
 * rtmp-ingest.md §8, the layout of NGX ngx_rtmp_mpegts.c): PAT and PMT at
 * the start of each segment, one PES per access unit, PCR on the first
 * packet of video key frames (or of every audio PES when there is no
 * video), adaptation-field stuffing in the last packet of a PES.
 */
#include <string.h>

#include "base/buf.h"
#include "rtmp/ts.h"

/* CRC-32/MPEG-2: poly 04C11DB7, init FFFFFFFF, no reflection, no xor. */
static uint32_t
crc32_mpeg(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffff;

	for (size_t i = 0; i < n; i++) {
		crc ^= (uint32_t)p[i] << 24;
		for (int k = 0; k < 8; k++)
			crc = crc & 0x80000000 ? crc << 1 ^ 0x04c11db7 :
			    crc << 1;
	}
	return crc;
}

void
ts_writer_init(struct ts_writer *t)
{
	memset(t, 0, sizeof(*t));
}

/* A PSI section in one packet: header, pointer field, section, CRC, 0xff
 * fill. */
static enum err
write_psi(struct buf *out, uint16_t pid, uint8_t *cc, const uint8_t *sec,
    size_t n)
{
	uint8_t pkt[TS_PACKET_BYTES];
	uint32_t crc = crc32_mpeg(sec, n);

	memset(pkt, 0xff, sizeof(pkt));
	pkt[0] = 0x47;
	pkt[1] = (uint8_t)(0x40 | (pid >> 8));
	pkt[2] = (uint8_t)pid;
	pkt[3] = (uint8_t)(0x10 | (*cc & 0x0f));
	*cc = (uint8_t)((*cc + 1) & 0x0f);
	pkt[4] = 0;		/* pointer field */
	memcpy(pkt + 5, sec, n);
	pkt[5 + n] = (uint8_t)(crc >> 24);
	pkt[6 + n] = (uint8_t)(crc >> 16);
	pkt[7 + n] = (uint8_t)(crc >> 8);
	pkt[8 + n] = (uint8_t)crc;
	return buf_append(out, pkt, sizeof(pkt));
}

enum err
ts_write_tables(struct ts_writer *t, struct buf *out, bool with_audio)
{
	static const uint8_t pat[] = {
		0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00,
		0x00, 0x01, 0xe0 | (TS_PID_PMT >> 8), TS_PID_PMT & 0xff,
	};
	uint8_t pmt[32];
	size_t n = 0;
	enum err r;

	r = write_psi(out, 0, &t->cc_pat, pat, sizeof(pat));
	if (r != ERR_OK)
		return r;
	pmt[n++] = 0x02;			/* table id */
	pmt[n++] = 0xb0;			/* length below */
	pmt[n++] = 0;
	pmt[n++] = 0x00;			/* program 1 */
	pmt[n++] = 0x01;
	pmt[n++] = 0xc1;
	pmt[n++] = 0x00;
	pmt[n++] = 0x00;
	pmt[n++] = 0xe0 | (TS_PID_VIDEO >> 8);	/* PCR PID */
	pmt[n++] = TS_PID_VIDEO & 0xff;
	pmt[n++] = 0xf0;			/* no program info */
	pmt[n++] = 0x00;
	pmt[n++] = 0x1b;			/* H.264 */
	pmt[n++] = 0xe0 | (TS_PID_VIDEO >> 8);
	pmt[n++] = TS_PID_VIDEO & 0xff;
	pmt[n++] = 0xf0;
	pmt[n++] = 0x00;
	if (with_audio) {
		pmt[n++] = 0x0f;		/* AAC in ADTS */
		pmt[n++] = 0xe0 | (TS_PID_AUDIO >> 8);
		pmt[n++] = TS_PID_AUDIO & 0xff;
		pmt[n++] = 0xf0;
		pmt[n++] = 0x00;
	}
	/* section_length counts from after itself, CRC included. */
	pmt[2] = (uint8_t)(n - 3 + 4);
	return write_psi(out, TS_PID_PMT, &t->cc_pmt, pmt, n);
}

static void
put_ts(uint8_t *p, unsigned prefix, uint64_t v)
{
	p[0] = (uint8_t)(prefix << 4 | ((v >> 29) & 0x0e) | 1);
	p[1] = (uint8_t)(v >> 22);
	p[2] = (uint8_t)(((v >> 14) & 0xfe) | 1);
	p[3] = (uint8_t)(v >> 7);
	p[4] = (uint8_t)(((v << 1) & 0xfe) | 1);
}

enum err
ts_write_pes(struct ts_writer *t, struct buf *out, bool video, uint64_t pts,
    uint64_t dts, bool key, const uint8_t *es, size_t n)
{
	uint16_t pid = video ? TS_PID_VIDEO : TS_PID_AUDIO;
	uint8_t *cc = video ? &t->cc_video : &t->cc_audio;
	uint8_t hdr[19];
	size_t hn = 0, off = 0;
	bool first = true, with_dts = video && dts != pts;
	uint64_t pes_len;
	enum err r;

	pts = (pts + TS_DELAY_90K) & 0x1ffffffffULL;
	dts = (dts + TS_DELAY_90K) & 0x1ffffffffULL;
	hdr[hn++] = 0x00;
	hdr[hn++] = 0x00;
	hdr[hn++] = 0x01;
	hdr[hn++] = video ? 0xe0 : 0xc0;
	pes_len = n + 3 + (with_dts ? 10 : 5);
	/* 0 = unbounded, allowed for video only (13818-1 §2.4.3.7). */
	if (video && pes_len > 0xffff)
		pes_len = 0;
	hdr[hn++] = (uint8_t)(pes_len >> 8);
	hdr[hn++] = (uint8_t)pes_len;
	hdr[hn++] = 0x80;
	hdr[hn++] = with_dts ? 0xc0 : 0x80;
	hdr[hn++] = with_dts ? 10 : 5;
	put_ts(hdr + hn, with_dts ? 3 : 2, pts);
	hn += 5;
	if (with_dts) {
		put_ts(hdr + hn, 1, dts);
		hn += 5;
	}
	if (!video && n + 3 + 5 > 0xffff)
		return ERR_INVALID_ARGUMENT;

	while (first || off < n) {
		uint8_t pkt[TS_PACKET_BYTES];
		size_t room, body, p = 4;
		bool pcr = first && (key || !video);

		pkt[0] = 0x47;
		pkt[1] = (uint8_t)((first ? 0x40 : 0) | (pid >> 8));
		pkt[2] = (uint8_t)pid;
		pkt[3] = (uint8_t)(0x10 | (*cc & 0x0f));
		*cc = (uint8_t)((*cc + 1) & 0x0f);
		if (pcr) {
			uint64_t base = dts >= TS_DELAY_90K ?
			    dts - TS_DELAY_90K : 0;

			pkt[3] |= 0x20;
			pkt[4] = 7;		/* adaptation field length */
			pkt[5] = video ? 0x50 : 0x10;	/* RAI + PCR */
			pkt[6] = (uint8_t)(base >> 25);
			pkt[7] = (uint8_t)(base >> 17);
			pkt[8] = (uint8_t)(base >> 9);
			pkt[9] = (uint8_t)(base >> 1);
			pkt[10] = (uint8_t)((base & 1) << 7 | 0x7e);
			pkt[11] = 0;
			p = 12;
		}
		if (first) {
			memcpy(pkt + p, hdr, hn);
			p += hn;
		}
		room = TS_PACKET_BYTES - p;
		body = n - off < room ? n - off : room;
		if (body < room) {
			/* Stuff with an adaptation field so the packet ends
			 * exactly with the PES. */
			size_t stuff = room - body;

			if (pkt[3] & 0x20) {
				/* Grow the existing field, after its data. */
				memmove(pkt + 12 + stuff, pkt + 12, p - 12);
				memset(pkt + 12, 0xff, stuff);
				pkt[4] = (uint8_t)(pkt[4] + stuff);
			} else {
				memmove(pkt + 4 + stuff, pkt + 4, p - 4);
				pkt[3] |= 0x20;
				pkt[4] = (uint8_t)(stuff - 1);
				if (stuff > 1) {
					pkt[5] = 0x00;
					memset(pkt + 6, 0xff, stuff - 2);
				}
			}
			p += stuff;
		}
		memcpy(pkt + p, es + off, body);
		off += body;
		first = false;
		r = buf_append(out, pkt, sizeof(pkt));
		if (r != ERR_OK)
			return r;
	}
	return ERR_OK;
}
