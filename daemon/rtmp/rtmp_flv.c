/* SPDX-License-Identifier: ISC */
/*
 * rtmp_flv.c: FLV tag bodies to elementary streams (spec rtmp-ingest.md
 * §7-8; FF h264_mp4toannexb, NGX ngx_rtmp_hls_video): the avcC record to
 * Annex B parameter sets, length-prefixed NAL units to start codes with an
 * AUD first, and AudioSpecificConfig to ADTS headers.
 */
#include <string.h>

#include "base/buf.h"
#include "rtmp/ts.h"

static const uint8_t start_code[4] = { 0, 0, 0, 1 };

static const unsigned aac_rates[16] = {
	96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050,
	16000, 12000, 11025, 8000, 7350, 0, 0, 0,
};

/* Copies count parameter sets ({u16 len, bytes}) with start codes. */
static bool
copy_sets(struct flv_avc *avc, const uint8_t *p, size_t n, size_t *off,
    unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		size_t l;

		if (n - *off < 2)
			return false;
		l = (size_t)p[*off] << 8 | p[*off + 1];
		*off += 2;
		if (n - *off < l || avc->ps_len + 4 + l > sizeof(avc->ps))
			return false;
		memcpy(avc->ps + avc->ps_len, start_code, 4);
		memcpy(avc->ps + avc->ps_len + 4, p + *off, l);
		avc->ps_len += 4 + l;
		*off += l;
	}
	return true;
}

enum err
flv_avc_config(struct flv_avc *avc, const uint8_t *p, size_t n)
{
	size_t off = 6;

	memset(avc, 0, sizeof(*avc));
	/* Doc FAQ: a short sequence header gives no output; refuse it. */
	if (n < 7 || p[0] != 1)
		return ERR_INVALID_ARGUMENT;
	avc->nal_len = (uint8_t)((p[4] & 3) + 1);
	if (avc->nal_len == 3)
		return ERR_INVALID_ARGUMENT;
	if (!copy_sets(avc, p, n, &off, p[5] & 0x1f))
		return ERR_INVALID_ARGUMENT;
	if (n - off < 1)
		return ERR_INVALID_ARGUMENT;
	off++;
	if (!copy_sets(avc, p, n, &off, p[off - 1]))
		return ERR_INVALID_ARGUMENT;
	avc->ok = true;
	return ERR_OK;
}

enum err
flv_aac_config(struct flv_aac *aac, const uint8_t *p, size_t n)
{
	memset(aac, 0, sizeof(*aac));
	if (n < 2)
		return ERR_INVALID_ARGUMENT;
	aac->object = p[0] >> 3;
	aac->sr_index = (uint8_t)((p[0] & 7) << 1 | p[1] >> 7);
	aac->channels = (p[1] >> 3) & 0x0f;
	/* ADTS carries a 2-bit profile and a 4-bit rate index only. */
	if (aac->object < 1 || aac->object > 4 || aac->sr_index > 12)
		return ERR_INVALID_ARGUMENT;
	aac->sample_rate = aac_rates[aac->sr_index];
	aac->ok = true;
	return ERR_OK;
}

enum err
flv_avc_annexb(const struct flv_avc *avc, const uint8_t *p, size_t n,
    struct buf *out, bool *ret_idr)
{
	static const uint8_t aud[6] = { 0, 0, 0, 1, 0x09, 0xf0 };
	bool idr = false, ps_done = false;
	size_t off = 0;
	enum err r;

	if (!avc->ok)
		return ERR_INVALID_ARGUMENT;
	r = buf_append(out, aud, sizeof(aud));
	while (r == ERR_OK && off < n) {
		size_t l = 0;
		unsigned type;

		if (n - off < avc->nal_len)
			return ERR_INVALID_ARGUMENT;
		for (unsigned i = 0; i < avc->nal_len; i++)
			l = l << 8 | p[off + i];
		off += avc->nal_len;
		if (l == 0 || n - off < l)
			return ERR_INVALID_ARGUMENT;
		type = p[off] & 0x1f;
		/* In-band SPS, PPS and AUD are replaced by ours (NGX). */
		if (type >= 7 && type <= 9) {
			off += l;
			continue;
		}
		if (type == 5 && !ps_done) {
			idr = true;
			ps_done = true;
			r = buf_append(out, avc->ps, avc->ps_len);
			if (r != ERR_OK)
				break;
		}
		r = buf_append(out, start_code, 4);
		if (r == ERR_OK)
			r = buf_append(out, p + off, l);
		off += l;
	}
	if (r == ERR_OK)
		*ret_idr = idr;
	return r;
}

void
flv_aac_adts(const struct flv_aac *aac, size_t n, uint8_t hdr[7])
{
	size_t len = n + 7;

	hdr[0] = 0xff;
	hdr[1] = 0xf1;
	hdr[2] = (uint8_t)(((aac->object - 1) & 3) << 6 |
	    (aac->sr_index & 0x0f) << 2 | (aac->channels >> 2 & 1));
	hdr[3] = (uint8_t)((aac->channels & 3) << 6 | (len >> 11 & 3));
	hdr[4] = (uint8_t)(len >> 3);
	hdr[5] = (uint8_t)((len & 7) << 5 | 0x1f);
	hdr[6] = 0xfc;
}
