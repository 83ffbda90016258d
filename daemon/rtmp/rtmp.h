/* SPDX-License-Identifier: ISC */
/*
 * rtmp.h: the RTMP server subset of spec/rtmp-ingest.md (L1, libc and
 * base/ only): the echo handshake (§2), the chunk stream (§3), AMF0 (§4)
 * and a bounded writer for the server's replies. No sockets here: the
 * listener (daemon/rtmpd/) feeds bytes in and sends what comes out, so
 * every parser can be unit-tested and fuzzed on plain buffers.
 *
 * Every size a peer controls is capped before allocation: message length
 * (RTMP_MSG_MAX), chunk streams in flight (RTMP_CSID_SLOTS) and the bytes
 * buffered across them (rtmp_chunker.max_buffered).
 */
#ifndef COFFER_RTMP_RTMP_H
#define COFFER_RTMP_RTMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* ---- handshake (spec §2): C0 C1 -> S0 S1 S2, then C2 ---- */

#define RTMP_HS_BYTES		1536
#define RTMP_VERSION		3

enum rtmp_hs_state {
	RTMP_HS_WAIT_C0C1,	/* need 1 + 1536 bytes */
	RTMP_HS_WAIT_C2,	/* S0 S1 S2 are in out[], need 1536 */
	RTMP_HS_DONE,
	RTMP_HS_BAD,		/* not RTMP 3 (RTMPE 6/8 is refused) */
};

struct rtmp_hs {
	enum rtmp_hs_state	state;
	uint8_t			out[1 + 2 * RTMP_HS_BYTES];	/* S0 S1 S2 */
};

void rtmp_hs_init(struct rtmp_hs *hs);
/* Consumes what it can of p[0..n): *ret_used bytes. After the call that
 * moves the state to RTMP_HS_WAIT_C2, hs->out holds the reply to send.
 * server_time goes into S1; S1's random part comes from rand_bytes. */
enum rtmp_hs_state rtmp_hs_feed(struct rtmp_hs *hs, const uint8_t *p,
    size_t n, uint32_t server_time, size_t *ret_used);

/* ---- chunk stream (spec §3) ---- */

#define RTMP_MSG_MAX		(4u << 20)	/* one message, bytes */
#define RTMP_CSID_SLOTS		8		/* chunk streams in use */
#define RTMP_DEFAULT_CHUNK	128

enum rtmp_msg_type {
	RTMP_SET_CHUNK_SIZE = 1, RTMP_ABORT = 2, RTMP_ACK = 3,
	RTMP_USER_CONTROL = 4, RTMP_WINDOW_ACK = 5, RTMP_PEER_BW = 6,
	RTMP_AUDIO = 8, RTMP_VIDEO = 9, RTMP_DATA_AMF3 = 15,
	RTMP_COMMAND_AMF3 = 17, RTMP_DATA_AMF0 = 18, RTMP_COMMAND_AMF0 = 20,
	RTMP_AGGREGATE = 22,
};

struct rtmp_cstream {
	uint32_t	csid;		/* 0: slot free */
	bool		started;	/* a fmt-0 chunk was seen */
	bool		ext;		/* the header carried an extended ts */
	uint32_t	ts, delta, len, msid;
	uint8_t		type;
	uint8_t		*buf;		/* partial message, len bytes */
	uint32_t	have;
};

struct rtmp_chunker {
	uint32_t		chunk_size;	/* the peer's; default 128 */
	size_t			max_buffered;	/* across partial messages */
	size_t			buffered;
	int			delivered;	/* slot handed out, or -1 */
	struct rtmp_cstream	cs[RTMP_CSID_SLOTS];
};

/* A complete message; data is valid until the next rtmp_chunk_parse. */
struct rtmp_msg {
	uint32_t	csid, ts, msid, len;
	uint8_t		type;
	const uint8_t	*data;
};

enum rtmp_parse {
	RTMP_NEED_MORE,		/* no whole chunk in p[0..n): nothing used */
	RTMP_PROGRESS,		/* one chunk used; its message is not complete */
	RTMP_MESSAGE,		/* one chunk used and *ret_msg is complete */
	RTMP_BAD,		/* protocol violation or a cap exceeded */
};

void rtmp_chunker_init(struct rtmp_chunker *ch, size_t max_buffered);
void rtmp_chunker_done(struct rtmp_chunker *ch);
/* Parses at most one chunk from p[0..n). */
enum rtmp_parse rtmp_chunk_parse(struct rtmp_chunker *ch, const uint8_t *p,
    size_t n, size_t *ret_used, struct rtmp_msg *ret_msg);
/* Abort message (type 2): drops the partial message of csid. */
void rtmp_chunk_abort(struct rtmp_chunker *ch, uint32_t csid);

/* ---- a bounded output buffer for what the server sends ---- */

struct rtmp_wbuf {
	uint8_t	*p;
	size_t	 len, cap;
	bool	 overflow;	/* a write did not fit; p is unchanged */
};

void rtmp_wbuf_put(struct rtmp_wbuf *w, const void *p, size_t n);
/* One message as a fmt-0 chunk plus fmt-3 continuations (csid < 64). */
void rtmp_chunk_write(struct rtmp_wbuf *w, uint32_t csid, uint32_t ts,
    uint8_t type, uint32_t msid, const uint8_t *p, size_t len,
    uint32_t chunk_size);

/* ---- AMF0 (spec §4) ---- */

enum amf0_type {
	AMF0_NUMBER = 0x00, AMF0_BOOLEAN = 0x01, AMF0_STRING = 0x02,
	AMF0_OBJECT = 0x03, AMF0_NULL = 0x05, AMF0_UNDEFINED = 0x06,
	AMF0_ECMA_ARRAY = 0x08, AMF0_OBJECT_END = 0x09,
	AMF0_STRICT_ARRAY = 0x0a, AMF0_DATE = 0x0b, AMF0_LONG_STRING = 0x0c,
};

#define AMF0_DEPTH_MAX	16

struct amf0_value {
	enum amf0_type	 type;
	double		 num;		/* NUMBER, DATE; BOOLEAN as 0/1 */
	const uint8_t	*p;		/* STRING: bytes; OBJECT/ECMA: members */
	size_t		 len;
};

struct amf0_cursor {
	const uint8_t	*p;
	size_t		 n;
};

/* Decodes the next value, nested ones whole (checked to AMF0_DEPTH_MAX);
 * false at the end or on malformed input (the cursor is then unchanged). */
bool amf0_next(struct amf0_cursor *c, struct amf0_value *ret);
/* The member name of an OBJECT or ECMA_ARRAY value. */
bool amf0_member(const struct amf0_value *obj, const char *name,
    struct amf0_value *ret);
/* v is a STRING equal to s. */
bool amf0_str_eq(const struct amf0_value *v, const char *s);
/* Copies a STRING into dst (NUL-terminated); false if absent or too long. */
bool amf0_str_copy(const struct amf0_value *v, char *dst, size_t cap);

void amf0_put_number(struct rtmp_wbuf *w, double d);
void amf0_put_bool(struct rtmp_wbuf *w, bool b);
void amf0_put_string(struct rtmp_wbuf *w, const char *s);
void amf0_put_null(struct rtmp_wbuf *w);
void amf0_put_object_begin(struct rtmp_wbuf *w);
void amf0_put_key(struct rtmp_wbuf *w, const char *k);
void amf0_put_object_end(struct rtmp_wbuf *w);

#endif
