/* SPDX-License-Identifier: ISC */
/*
 * ts.h: the media half of rtmp/ (spec rtmp-ingest.md §7-8): FLV video and
 * audio payloads to H.264 Annex B and AAC ADTS, and an MPEG-TS writer
 * (PAT, PMT, PES with PCR on key frames) for HLS segments. Output goes to
 * a bounded struct buf; nothing here allocates beyond it.
 */
#ifndef COFFER_RTMP_TS_H
#define COFFER_RTMP_TS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct buf;

#define TS_PACKET_BYTES		188
#define TS_PID_PMT		0x1000
#define TS_PID_VIDEO		0x100
#define TS_PID_AUDIO		0x101
/* NGX's shift: PTS/DTS start 0.7 s after the PCR so players buffer. */
#define TS_DELAY_90K		63000

/* avcC (ISO/IEC 14496-15 §5.2.4) as Annex B parameter sets. */
struct flv_avc {
	bool	 ok;
	uint8_t	 nal_len;		/* lengthSizeMinusOne + 1 */
	uint8_t	 ps[1024];		/* SPS and PPS with start codes */
	size_t	 ps_len;
};

/* AudioSpecificConfig (ISO/IEC 14496-3). */
struct flv_aac {
	bool	 ok;
	uint8_t	 object, sr_index, channels;
	unsigned sample_rate;
};

/* ERR_OK, or ERR_INVALID_ARGUMENT for a short or inconsistent record. */
enum err flv_avc_config(struct flv_avc *avc, const uint8_t *p, size_t n);
enum err flv_aac_config(struct flv_aac *aac, const uint8_t *p, size_t n);
/* One access unit: AUD, the parameter sets before an IDR, then the NAL
 * units of p[0..n) (length-prefixed) with start codes. *ret_idr tells
 * whether it holds an IDR slice. ERR_INVALID_ARGUMENT for bad lengths. */
enum err flv_avc_annexb(const struct flv_avc *avc, const uint8_t *p,
    size_t n, struct buf *out, bool *ret_idr);
/* The 7-byte ADTS header of a raw AAC frame of n bytes. */
void flv_aac_adts(const struct flv_aac *aac, size_t n, uint8_t hdr[7]);

struct ts_writer {
	uint8_t	cc_pat, cc_pmt, cc_video, cc_audio;	/* 4-bit counters */
};

void ts_writer_init(struct ts_writer *t);
/* PAT and PMT (video, and audio when with_audio). */
enum err ts_write_tables(struct ts_writer *t, struct buf *out,
    bool with_audio);
/* One PES of the video (pid TS_PID_VIDEO) or audio elementary stream;
 * pts/dts in 90 kHz units (33 bits). A key frame carries the PCR. */
enum err ts_write_pes(struct ts_writer *t, struct buf *out, bool video,
    uint64_t pts, uint64_t dts, bool key, const uint8_t *es, size_t n);

#endif
