/* SPDX-License-Identifier: ISC */
/*
 * rtmp_hs.c: the server side of the RTMP handshake (spec rtmp-ingest.md
 * §2). Echo form: S1 = time, zero version, random; S2 = a copy of C1. The
 * digest form is not answered: ffmpeg and librtmp publishers do not verify
 * S1/S2 (§2 "Who needs what"), and C2 is not compared with S1 (FF, NGX).
 */
#include <string.h>

#include "base/rand.h"
#include "rtmp/rtmp.h"

void
rtmp_hs_init(struct rtmp_hs *hs)
{
	hs->state = RTMP_HS_WAIT_C0C1;
}

enum rtmp_hs_state
rtmp_hs_feed(struct rtmp_hs *hs, const uint8_t *p, size_t n,
    uint32_t server_time, size_t *ret_used)
{
	uint8_t *s1 = hs->out + 1, *s2 = hs->out + 1 + RTMP_HS_BYTES;

	*ret_used = 0;
	switch (hs->state) {
	case RTMP_HS_WAIT_C0C1:
		if (n < 1 + RTMP_HS_BYTES)
			break;
		/* 6 and 8 are RTMPE: encryption we do not speak. */
		if (p[0] != RTMP_VERSION) {
			hs->state = RTMP_HS_BAD;
			break;
		}
		hs->out[0] = RTMP_VERSION;
		s1[0] = (uint8_t)(server_time >> 24);
		s1[1] = (uint8_t)(server_time >> 16);
		s1[2] = (uint8_t)(server_time >> 8);
		s1[3] = (uint8_t)server_time;
		memset(s1 + 4, 0, 4);
		rand_bytes(s1 + 8, RTMP_HS_BYTES - 8);
		memcpy(s2, p + 1, RTMP_HS_BYTES);
		*ret_used = 1 + RTMP_HS_BYTES;
		hs->state = RTMP_HS_WAIT_C2;
		break;
	case RTMP_HS_WAIT_C2:
		if (n < RTMP_HS_BYTES)
			break;
		*ret_used = RTMP_HS_BYTES;
		hs->state = RTMP_HS_DONE;
		break;
	case RTMP_HS_DONE:
	case RTMP_HS_BAD:
		break;
	}
	return hs->state;
}
