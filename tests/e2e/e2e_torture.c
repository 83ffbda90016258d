/* SPDX-License-Identifier: ISC */
/*
 * e2e_torture.c: kill -9 crash loop over every kind of durable change
 * (reliability.md §5 T1-T4).
 *
 * One data dir, many rounds. Each round starts cofferd, lets client threads
 * change things concurrently, and ends the daemon at a random moment:
 * usually kill -9 after a random delay, every fifth round at a named crash
 * point (base/crash.h) that the first request to reach it trips. The
 * daemon is then restarted and everything the clients were ever told is
 * checked against what the daemon now shows:
 *
 *   - objects (a fixed pool of keys, so every round checks all of them):
 *     PutObject small (inline) and large (several chunks, over the 1 MiB
 *     write buffer), CopyObject, CompleteMultipartUpload and DeleteObject,
 *     from several threads onto the same keys. A key must read back as one
 *     of the values sent to it (or its value before the round) and never
 *     as one a later acknowledged write superseded: write C is superseded
 *     by acknowledged write A when C's acknowledgement arrived before A was
 *     sent. An answered refusal must not be visible; a write whose answer
 *     was lost may or may not be. No other key may exist.
 *   - appendable objects, one per thread: the content is exactly the
 *     acknowledged appends, plus at most the one in flight.
 *   - an interrupted multipart upload is either completed (its object
 *     visible, the upload gone) or still abortable.
 *   - WORM policies (Initiate, Complete, Extend, Abort) and KMS keys
 *     (CreateKey, DisableKey, EnableKey, ScheduleKeyDeletion,
 *     CancelKeyDeletion), each changed by one thread: the state is the last
 *     acknowledged one or the target of the one change in flight.
 *   - the data dir: no temp file survives start-up, the blob files are
 *     exactly the extents the database names, integrity_check says ok.
 *
 * Rounds: $COFFER_TORTURE_ITERATIONS (default 40: a short run for
 * `make test`; `make torture` asks for 1000). $COFFER_TORTURE_SEED fixes
 * the random choices. The summary line is printed to stderr.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "auth/auth.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/kv.h"
#include "base/str.h"
#include "e2e/e2e_support.h"
#include "hash/hash.h"
#include "support/test_support.h"

#define BUCKET		"torture"
#define NKEYS		12		/* contested object keys */
#define NSRC		3		/* copy sources, written once */
#define NWORKERS	3		/* object writers */
#define NWORM		3		/* buckets with a WORM policy churned */
#define NCMK		4		/* KMS keys churned */
#define LARGE_MAX	(1536 * 1024)
#define APPEND_RESET	(1024 * 1024)	/* appendable objects restart here */
#define MAX_FAILS	40		/* detailed failure lines printed */

enum outcome { ACKED, REFUSED, UNKNOWN };

enum op_kind {
	OP_PUT_SMALL, OP_PUT_LARGE, OP_COPY, OP_MULTIPART, OP_DELETE,
	OP_APPEND, OP_WORM, OP_KMS, OP_KINDS
};

static const char *const op_names[OP_KINDS] = {
	"put-small", "put-large", "copy", "multipart", "delete", "append",
	"worm", "kms",
};

/* What a key holds: absent, or a body known by its length and SHA-256. */
struct val {
	bool		exists;
	uint64_t	len;
	uint8_t		sha[HASH_SHA256_BYTES];
};

struct write {
	struct val	v;
	int64_t		sent_us, done_us;
	enum outcome	out;
	enum op_kind	kind;
};

struct okey {
	pthread_mutex_t	 mu;
	struct val	 cur;		/* as read after the last restart */
	struct write	*w;		/* this round's attempts */
	size_t		 nw, cap;
};

/* An appendable object owned by one worker. */
struct akey {
	uint8_t		*data;		/* content as verified */
	size_t		 len;
	uint8_t		*pend;		/* bodies appended this round */
	size_t		 pend_len;
	size_t		 acked_len;	/* of pend */
	size_t		 inflight_len;	/* after acked_len; 0 when none */
};

struct upload_rec {
	char		 id[80];
	unsigned	 key;
	struct val	 v;
	bool		 completed;	/* CompleteMultipartUpload acked */
};

enum worm_st { W_NONE, W_PROGRESS, W_LOCKED };

struct worm_rec {
	enum worm_st	 st;
	char		 id[40];
	unsigned	 days;
	/* the change in flight when the daemon died, if any */
	bool		 pending;
	enum worm_st	 p_st;
	unsigned	 p_days;
};

struct cmk_rec {
	char		 id[64];
	char		 state[24];
	bool		 pending;
	char		 p_state[24];
};

struct stats {
	_Atomic unsigned long	sent[OP_KINDS], acked[OP_KINDS],
				refused[OP_KINDS], unknown[OP_KINDS];
};

struct torture {
	struct e2e_daemon	*d;
	uint16_t		 port, kms_port;
	char			 data_dir[4096];
	struct okey		 keys[NKEYS];
	struct val		 src[NSRC];
	struct akey		 app[NWORKERS];
	struct upload_rec	 uploads[NWORKERS * 64];
	_Atomic unsigned	 nuploads;
	struct worm_rec		 worm[NWORM];
	struct cmk_rec		 cmk[NCMK];
	unsigned		 ncmk;
	atomic_bool		 stop;
	struct stats		 st;
	unsigned		 round;
	uint64_t		 seed, seed0;
	unsigned long		 fails, checked, recovered_rounds, points_hit;
};

/* ---- small helpers ---- */

static int64_t
now_us(void)
{
	return clock_mono_us();
}

/* xorshift64*: the test's own randomness, reproducible from the seed. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static void
violation(struct torture *t, const char *fmt, ...)
{
	va_list ap;

	t->fails++;
	if (t->fails > MAX_FAILS)
		return;
	fprintf(stderr, "torture: round %u: FAIL: ", t->round);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
val_of(struct val *v, const void *p, size_t n)
{
	v->exists = true;
	v->len = n;
	hash_sha256(v->sha, p != NULL ? p : "", n);
}

static bool
val_eq(const struct val *a, const struct val *b)
{
	if (a->exists != b->exists)
		return false;
	return !a->exists ||
	    (a->len == b->len && memcmp(a->sha, b->sha, sizeof(a->sha)) == 0);
}

static void
val_str(const struct val *v, char *out, size_t cap)
{
	char hex[13];

	if (!v->exists) {
		snprintf(out, cap, "absent");
		return;
	}
	hex_encode(hex, v->sha, 6);
	snprintf(out, cap, "%" PRIu64 "B/%.12s", v->len, hex);
}

static enum outcome
outcome_of(long status)
{
	if (status == 0)
		return UNKNOWN;
	return status >= 200 && status < 300 ? ACKED : REFUSED;
}

static void
count(struct torture *t, enum op_kind k, enum outcome o)
{
	atomic_fetch_add(&t->st.sent[k], 1);
	if (o == ACKED)
		atomic_fetch_add(&t->st.acked[k], 1);
	else if (o == REFUSED)
		atomic_fetch_add(&t->st.refused[k], 1);
	else
		atomic_fetch_add(&t->st.unknown[k], 1);
}

/* Copies the text between <tag> and </tag> of an XML body. */
static bool
xml_text(const char *body, const char *tag, char *out, size_t cap)
{
	char open[64], close[64];
	const char *p, *e;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	if (body == NULL || (p = strstr(body, open)) == NULL)
		return false;
	p += strlen(open);
	if ((e = strstr(p, close)) == NULL || (size_t)(e - p) >= cap)
		return false;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return true;
}

/* Copies a JSON string value "name":"value". */
static bool
json_text(const char *body, const char *name, char *out, size_t cap)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\":\"", name);
	if (body == NULL || (p = strstr(body, pat)) == NULL)
		return false;
	p += strlen(pat);
	if ((e = strchr(p, '"')) == NULL || (size_t)(e - p) >= cap)
		return false;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return true;
}

/* A root-signed OSS request; returns the status (0: no answer). */
static long
oss(struct torture *t, const char *method, const char *key,
    const struct kv *q, size_t nq, const struct kv *h, size_t nh,
    const void *body, size_t len, struct e2e_resp *resp, const char *bucket)
{
	struct e2e_req rq = {
		.method = method, .bucket = bucket ? bucket : BUCKET,
		.key = key, .query = q, .nquery = nq, .headers = h,
		.nheaders = nh, .body = body, .body_len = len,
		.ak = E2E_ROOT_AK, .sk = E2E_ROOT_SK, .timeout_ms = 20000,
	};
	struct e2e_resp tmp;
	long status;

	(void)e2e_request(t->port, &rq, resp ? resp : &tmp);
	status = resp ? resp->status : tmp.status;
	if (resp == NULL)
		e2e_resp_free(&tmp);
	return status;
}

/* A v1 RPC-signed KMS request (spec kms-api.md §2), parameters in the
 * query; returns the status (0: no answer). */
static long
kms(struct torture *t, const char *action, const struct kv *params,
    size_t np, struct e2e_resp *resp)
{
	struct kv all[16];
	char ts[32], nonce[33], sig[29];
	uint8_t nb[16];
	struct buf sts, target;
	time_t now = time(NULL);
	struct tm tm;
	size_t n = 0;
	long status;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	for (size_t i = 0; i < sizeof(nb); i++)
		nb[i] = (uint8_t)rnd(&t->seed);
	hex_encode(nonce, nb, sizeof(nb));
	all[n++] = (struct kv){ "Action", action };
	all[n++] = (struct kv){ "Version", "2016-01-20" };
	all[n++] = (struct kv){ "Format", "JSON" };
	all[n++] = (struct kv){ "Timestamp", ts };
	all[n++] = (struct kv){ "SignatureNonce", nonce };
	all[n++] = (struct kv){ "SignatureMethod", "HMAC-SHA1" };
	all[n++] = (struct kv){ "SignatureVersion", "1.0" };
	all[n++] = (struct kv){ "AccessKeyId", E2E_ROOT_AK };
	for (size_t i = 0; i < np; i++)
		all[n++] = params[i];
	buf_init(&sts, 64 * 1024);
	buf_init(&target, 64 * 1024);
	assert_int_equal(auth_kms_v1_string_to_sign("POST", all, n, NULL, 0,
	    &sts), ERR_OK);
	auth_kms_v1_sign(sig, E2E_ROOT_SK, buf_cstr(&sts), sts.len);
	all[n++] = (struct kv){ "Signature", sig };
	for (size_t i = 0; i < n; i++) {
		(void)buf_putc(&target, i == 0 ? '?' : '&');
		(void)url_encode(&target, all[i].name, strlen(all[i].name),
		    false);
		(void)buf_putc(&target, '=');
		(void)url_encode(&target, all[i].value, strlen(all[i].value),
		    false);
	}
	{
		char path[8192];
		struct e2e_req rq = { .method = "POST", .path = path,
		    .timeout_ms = 20000 };

		snprintf(path, sizeof(path), "/%s", buf_cstr(&target));
		(void)e2e_request(t->kms_port, &rq, resp);
	}
	status = resp->status;
	buf_free(&sts);
	buf_free(&target);
	return status;
}

static void
key_name(char *out, size_t cap, unsigned i)
{
	snprintf(out, cap, "k%02u", i);
}

static void
record(struct torture *t, unsigned ki, const struct val *v, int64_t sent,
    long status, enum op_kind kind)
{
	struct okey *k = &t->keys[ki];
	struct write *w;

	count(t, kind, outcome_of(status));
	pthread_mutex_lock(&k->mu);
	if (k->nw == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 16;
		k->w = realloc(k->w, k->cap * sizeof(*k->w));
		assert_non_null(k->w);
	}
	w = &k->w[k->nw++];
	w->v = *v;
	w->sent_us = sent;
	w->done_us = now_us();
	w->out = outcome_of(status);
	w->kind = kind;
	pthread_mutex_unlock(&k->mu);
}

/* ---- the client threads ---- */

struct worker {
	struct torture	*t;
	unsigned	 id;
	uint64_t	 seed;
	uint8_t		*buf;		/* LARGE_MAX */
};

static bool
op_put(struct worker *w, bool large)
{
	struct torture *t = w->t;
	unsigned ki = (unsigned)(rnd(&w->seed) % NKEYS);
	size_t n = large ? 65537 + rnd(&w->seed) % (LARGE_MAX - 65537) :
	    rnd(&w->seed) % 65537;
	char key[16];
	struct val v;
	int64_t sent;
	long st;

	key_name(key, sizeof(key), ki);
	e2e_fill(w->buf, n, rnd(&w->seed));
	val_of(&v, w->buf, n);
	sent = now_us();
	st = oss(t, "PUT", key, NULL, 0, NULL, 0, w->buf, n, NULL, NULL);
	record(t, ki, &v, sent, st, large ? OP_PUT_LARGE : OP_PUT_SMALL);
	return st != 0;
}

static bool
op_copy(struct worker *w)
{
	struct torture *t = w->t;
	unsigned ki = (unsigned)(rnd(&w->seed) % NKEYS);
	unsigned si = (unsigned)(rnd(&w->seed) % NSRC);
	char key[16], src[64];
	struct kv h;
	int64_t sent;
	long st;

	key_name(key, sizeof(key), ki);
	snprintf(src, sizeof(src), "/%s/src%u", BUCKET, si);
	h = (struct kv){ "x-oss-copy-source", src };
	sent = now_us();
	st = oss(t, "PUT", key, NULL, 0, &h, 1, NULL, 0, NULL, NULL);
	record(t, ki, &t->src[si], sent, st, OP_COPY);
	return st != 0;
}

static bool
op_delete(struct worker *w)
{
	struct torture *t = w->t;
	unsigned ki = (unsigned)(rnd(&w->seed) % NKEYS);
	struct val absent = { .exists = false };
	char key[16];
	int64_t sent;
	long st;

	key_name(key, sizeof(key), ki);
	sent = now_us();
	st = oss(t, "DELETE", key, NULL, 0, NULL, 0, NULL, 0, NULL, NULL);
	record(t, ki, &absent, sent, st, OP_DELETE);
	return st != 0;
}

/* Initiate, two parts (the first at the 100 KiB minimum or more), complete.
 * Only CompleteMultipartUpload changes the key, so it alone is recorded as
 * a write; an upload that was not completed is aborted after the restart. */
static bool
op_multipart(struct worker *w)
{
	struct torture *t = w->t;
	unsigned ki = (unsigned)(rnd(&w->seed) % NKEYS);
	size_t n1 = 100 * 1024 + rnd(&w->seed) % (200 * 1024);
	size_t n2 = 1 + rnd(&w->seed) % (150 * 1024);
	struct upload_rec *u;
	struct hash_sha256 h;
	struct e2e_resp r;
	char key[16], etag[2][80], xml[1024];
	struct kv q[2];
	unsigned slot;
	int64_t sent;
	long st;

	key_name(key, sizeof(key), ki);
	q[0] = (struct kv){ "uploads", NULL };
	st = oss(t, "POST", key, q, 1, NULL, 0, NULL, 0, &r, NULL);
	if (st != 200) {
		e2e_resp_free(&r);
		return st != 0;
	}
	slot = atomic_fetch_add(&t->nuploads, 1);
	assert_true(slot < sizeof(t->uploads) / sizeof(t->uploads[0]));
	u = &t->uploads[slot];
	memset(u, 0, sizeof(*u));
	u->key = ki;
	assert_true(xml_text(r.body, "UploadId", u->id, sizeof(u->id)));
	e2e_resp_free(&r);

	hash_sha256_init(&h);
	for (unsigned p = 0; p < 2; p++) {
		size_t n = p == 0 ? n1 : n2;
		char num[4];
		const char *e;

		snprintf(num, sizeof(num), "%u", p + 1);
		e2e_fill(w->buf, n, rnd(&w->seed));
		hash_sha256_update(&h, w->buf, n);
		q[0] = (struct kv){ "partNumber", num };
		q[1] = (struct kv){ "uploadId", u->id };
		st = oss(t, "PUT", key, q, 2, NULL, 0, w->buf, n, &r, NULL);
		e = e2e_resp_header(&r, "etag");
		if (st != 200 || e == NULL) {
			e2e_resp_free(&r);
			return st != 0;
		}
		str_copy(etag[p], sizeof(etag[p]), e);
		e2e_resp_free(&r);
	}
	u->v.exists = true;
	u->v.len = n1 + n2;
	hash_sha256_final(&h, u->v.sha);
	snprintf(xml, sizeof(xml), "<CompleteMultipartUpload>"
	    "<Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part>"
	    "<Part><PartNumber>2</PartNumber><ETag>%s</ETag></Part>"
	    "</CompleteMultipartUpload>", etag[0], etag[1]);
	q[0] = (struct kv){ "uploadId", u->id };
	sent = now_us();
	st = oss(t, "POST", key, q, 1, NULL, 0, xml, strlen(xml), NULL, NULL);
	record(t, ki, &u->v, sent, st, OP_MULTIPART);
	u->completed = outcome_of(st) == ACKED;
	return st != 0;
}

static bool
op_append(struct worker *w)
{
	struct torture *t = w->t;
	struct akey *a = &t->app[w->id];
	size_t n = 1 + rnd(&w->seed) % (96 * 1024);
	char key[16], pos[24];
	struct kv q[2];
	long st;

	if (a->len + a->acked_len >= APPEND_RESET)
		return true;	/* reset between rounds */
	snprintf(key, sizeof(key), "app%u", w->id);
	snprintf(pos, sizeof(pos), "%zu", a->len + a->acked_len);
	a->pend = realloc(a->pend, a->acked_len + n);
	assert_non_null(a->pend);
	e2e_fill(a->pend + a->acked_len, n, rnd(&w->seed));
	q[0] = (struct kv){ "append", NULL };
	q[1] = (struct kv){ "position", pos };
	a->inflight_len = n;
	st = oss(t, "POST", key, q, 2, NULL, 0, a->pend + a->acked_len, n,
	    NULL, NULL);
	count(t, OP_APPEND, outcome_of(st));
	if (outcome_of(st) == ACKED) {
		a->acked_len += n;
		a->inflight_len = 0;
	} else if (outcome_of(st) == REFUSED) {
		violation(t, "append to %s at %s refused (%ld)", key, pos, st);
		a->inflight_len = 0;
	}
	return st != 0;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct torture *t = w->t;
	bool alive = true;

	while (alive && !atomic_load(&t->stop)) {
		switch (rnd(&w->seed) % 10) {
		case 0: case 1: case 2:
			alive = op_put(w, false);
			break;
		case 3: case 4:
			alive = op_put(w, true);
			break;
		case 5:
			alive = op_copy(w);
			break;
		case 6:
			alive = op_multipart(w);
			break;
		case 7:
			alive = op_delete(w);
			break;
		default:
			alive = op_append(w);
			break;
		}
	}
	return NULL;
}

static const char *
worm_name(enum worm_st s)
{
	return s == W_NONE ? "none" : s == W_PROGRESS ? "InProgress" :
	    "Locked";
}

static bool
op_worm(struct torture *t, uint64_t *seed)
{
	unsigned i = (unsigned)(rnd(seed) % NWORM);
	struct worm_rec *wr = &t->worm[i];
	char bucket[32], xml[256], days[16];
	struct e2e_resp r;
	struct kv q[2];
	long st;

	snprintf(bucket, sizeof(bucket), "torture-worm%u", i);
	wr->pending = true;
	switch (wr->st) {
	case W_NONE:
		wr->p_st = W_PROGRESS;
		wr->p_days = 1 + (unsigned)(rnd(seed) % 30);
		snprintf(xml, sizeof(xml), "<InitiateWormConfiguration>"
		    "<RetentionPeriodInDays>%u</RetentionPeriodInDays>"
		    "</InitiateWormConfiguration>", wr->p_days);
		q[0] = (struct kv){ "worm", NULL };
		st = oss(t, "POST", NULL, q, 1, NULL, 0, xml, strlen(xml), &r,
		    bucket);
		if (st == 200) {
			const char *id = e2e_resp_header(&r, "x-oss-worm-id");

			str_copy(wr->id, sizeof(wr->id), id ? id : "");
		}
		break;
	case W_PROGRESS:
		if (rnd(seed) % 3 == 0) {
			wr->p_st = W_NONE;
			wr->p_days = 0;
			q[0] = (struct kv){ "worm", NULL };
			st = oss(t, "DELETE", NULL, q, 1, NULL, 0, NULL, 0, &r,
			    bucket);
		} else {
			wr->p_st = W_LOCKED;
			wr->p_days = wr->days;
			q[0] = (struct kv){ "wormId", wr->id };
			st = oss(t, "POST", NULL, q, 1, NULL, 0, NULL, 0, &r,
			    bucket);
		}
		break;
	default:
		wr->p_st = W_LOCKED;
		wr->p_days = wr->days + 1;
		snprintf(days, sizeof(days), "%u", wr->p_days);
		snprintf(xml, sizeof(xml), "<ExtendWormConfiguration>"
		    "<RetentionPeriodInDays>%u</RetentionPeriodInDays>"
		    "</ExtendWormConfiguration>", wr->p_days);
		q[0] = (struct kv){ "wormExtend", NULL };
		q[1] = (struct kv){ "wormId", wr->id };
		st = oss(t, "POST", NULL, q, 2, NULL, 0, xml, strlen(xml), &r,
		    bucket);
		break;
	}
	e2e_resp_free(&r);
	count(t, OP_WORM, outcome_of(st));
	if (outcome_of(st) == ACKED) {
		wr->st = wr->p_st;
		wr->days = wr->p_days;
		wr->pending = false;
	} else if (outcome_of(st) == REFUSED) {
		violation(t, "worm %s: %s -> %s refused (%ld)", bucket,
		    worm_name(wr->st), worm_name(wr->p_st), st);
		wr->pending = false;
	}
	return st != 0;
}

static bool
op_kms(struct torture *t, uint64_t *seed)
{
	struct cmk_rec *k;
	struct e2e_resp r;
	struct kv p[2];
	const char *action;
	long st;

	if (t->ncmk < NCMK) {
		st = kms(t, "CreateKey", NULL, 0, &r);
		count(t, OP_KMS, outcome_of(st));
		if (st == 200) {
			k = &t->cmk[t->ncmk];
			assert_true(json_text(r.body, "KeyId", k->id,
			    sizeof(k->id)));
			str_copy(k->state, sizeof(k->state), "Enabled");
			t->ncmk++;
		} else if (st != 0)
			violation(t, "CreateKey refused (%ld)", st);
		/* A key created without an answer is not followed. */
		e2e_resp_free(&r);
		return st != 0;
	}
	k = &t->cmk[rnd(seed) % NCMK];
	p[0] = (struct kv){ "KeyId", k->id };
	if (strcmp(k->state, "PendingDeletion") == 0) {
		action = "CancelKeyDeletion";
		str_copy(k->p_state, sizeof(k->p_state), "Enabled");
	} else if (rnd(seed) % 3 == 0) {
		action = "ScheduleKeyDeletion";
		str_copy(k->p_state, sizeof(k->p_state), "PendingDeletion");
	} else if (strcmp(k->state, "Enabled") == 0) {
		action = "DisableKey";
		str_copy(k->p_state, sizeof(k->p_state), "Disabled");
	} else {
		action = "EnableKey";
		str_copy(k->p_state, sizeof(k->p_state), "Enabled");
	}
	p[1] = (struct kv){ "PendingWindowInDays", "7" };
	k->pending = true;
	st = kms(t, action, p, strcmp(action, "ScheduleKeyDeletion") == 0 ?
	    2 : 1, &r);
	count(t, OP_KMS, outcome_of(st));
	if (outcome_of(st) == ACKED) {
		str_copy(k->state, sizeof(k->state), k->p_state);
		k->pending = false;
	} else if (outcome_of(st) == REFUSED) {
		violation(t, "%s %s in %s refused (%ld): %s", action, k->id,
		    k->state, st, r.body ? r.body : "");
		k->pending = false;
	}
	e2e_resp_free(&r);
	return st != 0;
}

struct admin {
	struct torture	*t;
	uint64_t	 seed;
};

static void *
admin_main(void *arg)
{
	struct admin *a = arg;
	struct torture *t = a->t;
	bool alive = true;

	while (alive && !atomic_load(&t->stop))
		alive = rnd(&a->seed) % 2 ? op_worm(t, &a->seed) :
		    op_kms(t, &a->seed);
	return NULL;
}

/* ---- checks after a restart ---- */

static void
check_objects(struct torture *t)
{
	for (unsigned i = 0; i < NKEYS; i++) {
		struct okey *k = &t->keys[i];
		struct e2e_resp r;
		struct val got = { .exists = false };
		char key[16], a[64], b[64];
		bool ok = false;
		long st;

		key_name(key, sizeof(key), i);
		st = oss(t, "GET", key, NULL, 0, NULL, 0, NULL, 0, &r, NULL);
		if (st == 200)
			val_of(&got, r.body, r.body_len);
		else if (st != 404)
			violation(t, "GET %s: status %ld", key, st);
		e2e_resp_free(&r);
		t->checked++;
		/* The value before the round counts as a write acknowledged
		 * before anything this round was sent. */
		{
			bool superseded = false;

			for (size_t j = 0; j < k->nw; j++)
				if (k->w[j].out == ACKED)
					superseded = true;
			if (!superseded && val_eq(&got, &k->cur))
				ok = true;
		}
		for (size_t j = 0; !ok && j < k->nw; j++) {
			const struct write *c = &k->w[j];
			bool superseded = false;

			if (c->out == REFUSED || !val_eq(&got, &c->v))
				continue;
			for (size_t m = 0; c->out == ACKED && m < k->nw; m++)
				if (k->w[m].out == ACKED &&
				    k->w[m].sent_us > c->done_us)
					superseded = true;
			ok = !superseded;
		}
		if (!ok) {
			val_str(&got, a, sizeof(a));
			val_str(&k->cur, b, sizeof(b));
			violation(t, "%s reads %s: neither its value before the "
			    "round (%s) nor a write that may win (%zu sent)",
			    key, a, b, k->nw);
			for (size_t j = 0; j < k->nw; j++) {
				val_str(&k->w[j].v, a, sizeof(a));
				fprintf(stderr, "  %s %s sent %" PRId64
				    " done %" PRId64 " %s\n",
				    op_names[k->w[j].kind], a, k->w[j].sent_us,
				    k->w[j].done_us, k->w[j].out == ACKED ?
				    "acked" : k->w[j].out == REFUSED ?
				    "refused" : "unknown");
			}
		}
		k->cur = got;
		k->nw = 0;
	}
}

static void
check_appends(struct torture *t)
{
	for (unsigned i = 0; i < NWORKERS; i++) {
		struct akey *a = &t->app[i];
		size_t lo = a->len + a->acked_len;
		size_t hi = lo + a->inflight_len;
		struct e2e_resp r;
		char key[16];
		long st;

		snprintf(key, sizeof(key), "app%u", i);
		st = oss(t, "GET", key, NULL, 0, NULL, 0, NULL, 0, &r, NULL);
		t->checked++;
		if (st == 404 && lo == 0) {
			/* never created, or only by the lost append */
		} else if (st != 200) {
			violation(t, "GET %s: status %ld, want %zu bytes", key, st,
			    lo);
		} else if ((r.body_len != lo && r.body_len != hi) ||
		    (a->len > 0 && memcmp(r.body, a->data, a->len) != 0) ||
		    (r.body_len > a->len && memcmp(r.body + a->len, a->pend,
		    r.body_len - a->len) != 0)) {
			violation(t, "%s: %zu bytes, want %zu (or %zu), or content "
			    "differs", key, r.body_len, lo, hi);
		} else {
			a->data = realloc(a->data, r.body_len + 1);
			assert_non_null(a->data);
			if (r.body_len > 0)
				memcpy(a->data, r.body, r.body_len);
			a->len = r.body_len;
		}
		e2e_resp_free(&r);
		a->acked_len = 0;
		a->inflight_len = 0;
		if (a->len >= APPEND_RESET) {
			st = oss(t, "DELETE", key, NULL, 0, NULL, 0, NULL, 0,
			    NULL, NULL);
			if (st != 204)
				violation(t, "DELETE %s: %ld", key, st);
			a->len = 0;
		}
	}
}

/* Uploads not acknowledged as completed: completed anyway (object shows
 * them, upload gone) or still there to abort. Either way none is left. */
static void
check_uploads(struct torture *t)
{
	unsigned n = atomic_load(&t->nuploads);

	for (unsigned i = 0; i < n; i++) {
		struct upload_rec *u = &t->uploads[i];
		char key[16];
		struct kv q = { "uploadId", u->id };
		long st;

		if (u->completed)
			continue;
		key_name(key, sizeof(key), u->key);
		st = oss(t, "DELETE", key, &q, 1, NULL, 0, NULL, 0, NULL, NULL);
		t->checked++;
		if (st != 204 && st != 404)
			violation(t, "AbortMultipartUpload %s: %ld", u->id, st);
		if (st == 204 && u->v.exists && val_eq(&t->keys[u->key].cur, &u->v))
			violation(t, "upload %s both completed and abortable", u->id);
	}
	atomic_store(&t->nuploads, 0);
}

/* Only the keys the test writes exist. */
static void
check_listing(struct torture *t)
{
	struct e2e_resp r;
	struct kv q = { "max-keys", "1000" };
	const char *p;
	long st;

	st = oss(t, "GET", NULL, &q, 1, NULL, 0, NULL, 0, &r, NULL);
	if (st != 200) {
		violation(t, "ListObjects: %ld", st);
		e2e_resp_free(&r);
		return;
	}
	for (p = r.body; (p = strstr(p, "<Key>")) != NULL; p += 5) {
		unsigned i;
		char c;

		if (!((sscanf(p, "<Key>k%2u<%c", &i, &c) == 2 && i < NKEYS) ||
		    (sscanf(p, "<Key>app%u<%c", &i, &c) == 2 && i < NWORKERS) ||
		    (sscanf(p, "<Key>src%u<%c", &i, &c) == 2 && i < NSRC)))
			violation(t, "unexpected object %.40s", p);
	}
	e2e_resp_free(&r);
}

static void
check_worm(struct torture *t)
{
	for (unsigned i = 0; i < NWORM; i++) {
		struct worm_rec *wr = &t->worm[i];
		struct e2e_resp r;
		struct kv q = { "worm", NULL };
		char bucket[32], state[32] = "", days[16] = "", id[40] = "";
		enum worm_st got = W_NONE;
		unsigned gdays = 0;
		bool ok;
		long st;

		snprintf(bucket, sizeof(bucket), "torture-worm%u", i);
		st = oss(t, "GET", NULL, &q, 1, NULL, 0, NULL, 0, &r, bucket);
		t->checked++;
		if (st == 200) {
			(void)xml_text(r.body, "State", state, sizeof(state));
			(void)xml_text(r.body, "RetentionPeriodInDays", days,
			    sizeof(days));
			(void)xml_text(r.body, "WormId", id, sizeof(id));
			got = strcmp(state, "Locked") == 0 ? W_LOCKED :
			    W_PROGRESS;
			gdays = (unsigned)strtoul(days, NULL, 10);
		} else if (st != 404)
			violation(t, "GetBucketWorm %s: %ld", bucket, st);
		e2e_resp_free(&r);
		ok = got == wr->st && (got == W_NONE || (gdays == wr->days &&
		    strcmp(id, wr->id) == 0));
		if (!ok && wr->pending)
			ok = got == wr->p_st && (got == W_NONE ||
			    (gdays == wr->p_days && (wr->st == W_NONE ||
			    strcmp(id, wr->id) == 0)));
		if (!ok)
			violation(t, "%s: policy %s %u days, acknowledged %s %u "
			    "days%s", bucket, worm_name(got), gdays,
			    worm_name(wr->st), wr->days, wr->pending ?
			    " (one change in flight)" : "");
		wr->st = got;
		wr->days = gdays;
		str_copy(wr->id, sizeof(wr->id), id);
		wr->pending = false;
	}
}

static void
check_kms(struct torture *t)
{
	for (unsigned i = 0; i < t->ncmk; i++) {
		struct cmk_rec *k = &t->cmk[i];
		struct kv p = { "KeyId", k->id };
		struct e2e_resp r;
		char state[24] = "";
		long st;

		st = kms(t, "DescribeKey", &p, 1, &r);
		t->checked++;
		if (st != 200 || !json_text(r.body, "KeyState", state,
		    sizeof(state)))
			violation(t, "DescribeKey %s: %ld", k->id, st);
		else if (strcmp(state, k->state) != 0 && !(k->pending &&
		    strcmp(state, k->p_state) == 0))
			violation(t, "key %s is %s, acknowledged %s%s%s", k->id,
			    state, k->state, k->pending ? ", in flight " : "",
			    k->pending ? k->p_state : "");
		else
			str_copy(k->state, sizeof(k->state), state);
		e2e_resp_free(&r);
		k->pending = false;
	}
}

static int
blob_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Blob files and non-inline extents are the same set; no temp file. */
static void
check_disk(struct torture *t)
{
	char path[8192], **blobs = NULL, **rows = NULL;
	size_t nb = 0, nr = 0, cb = 0, cr = 0;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long ntmp;

	snprintf(path, sizeof(path), "%s/tmp", t->data_dir);
	ntmp = e2e_count_files(path);
	if (ntmp != 0)
		violation(t, "%ld temp file(s) left after start-up", ntmp);
	for (unsigned i = 0; i < 256; i++) {
		DIR *d;
		struct dirent *de;

		snprintf(path, sizeof(path), "%s/blobs/%02x", t->data_dir, i);
		if ((d = opendir(path)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (nb == cb) {
				cb = cb ? 2 * cb : 256;
				blobs = realloc(blobs, cb * sizeof(*blobs));
				assert_non_null(blobs);
			}
			blobs[nb++] = strdup(de->d_name);
		}
		closedir(d);
	}
	snprintf(path, sizeof(path), "%s/meta.db", t->data_dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE,
	    NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT lower(hex(uuid)) "
	    "FROM extents WHERE inline IS NULL", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (nr == cr) {
			cr = cr ? 2 * cr : 256;
			rows = realloc(rows, cr * sizeof(*rows));
			assert_non_null(rows);
		}
		rows[nr++] = strdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	qsort(blobs, nb, sizeof(*blobs), blob_cmp);
	qsort(rows, nr, sizeof(*rows), blob_cmp);
	for (size_t i = 0, j = 0; i < nb || j < nr;) {
		int c = i == nb ? 1 : j == nr ? -1 : strcmp(blobs[i], rows[j]);

		if (c < 0)
			violation(t, "blob %s has no extent row", blobs[i++]);
		else if (c > 0)
			violation(t, "extent %s has no blob", rows[j++]);
		else
			i++, j++;
	}
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
	    &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
		violation(t, "integrity_check: %s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	for (size_t i = 0; i < nb; i++)
		free(blobs[i]);
	for (size_t i = 0; i < nr; i++)
		free(rows[i]);
	free(blobs);
	free(rows);
}

/* ---- the loop ---- */

static const char *const crash_points[] = {
	"blob-written", "blob-fsynced", "blob-renamed", "dir-fsynced",
	"object-committed", "part-committed", "oss-reply",
	"kms-key-written", "kms-key-committed", "kms-reply",
	"worm-written", "worm-committed",
};

static void
start(struct torture *t, const char *crash_at)
{
	char env[64];
	const char *envp[] = { env, NULL };
	struct e2e_opts o = { .data_dir = t->data_dir, .env = envp };

	snprintf(env, sizeof(env), "COFFER_CRASH_AT=%s",
	    crash_at ? crash_at : "");
	e2e_daemon_free(t->d);
	t->d = NULL;
	assert_int_equal(e2e_daemon_start(&o, &t->d), ERR_OK);
	t->port = e2e_daemon_port(t->d);
	t->kms_port = e2e_daemon_kms_port(t->d);
	assert_true(t->port != 0 && t->kms_port != 0);
}

static void
setup_data(struct torture *t)
{
	uint8_t *b = malloc(300 * 1024);

	assert_non_null(b);
	assert_int_equal(oss(t, "PUT", NULL, NULL, 0, NULL, 0, NULL, 0, NULL,
	    NULL), 200);
	for (unsigned i = 0; i < NWORM; i++) {
		char name[32];

		snprintf(name, sizeof(name), "torture-worm%u", i);
		assert_int_equal(oss(t, "PUT", NULL, NULL, 0, NULL, 0, NULL, 0,
		    NULL, name), 200);
	}
	for (unsigned i = 0; i < NSRC; i++) {
		/* inline, one chunk past inline, several chunks */
		size_t n = i == 0 ? 5000 : i == 1 ? 70000 : 300 * 1024;
		char key[16];

		snprintf(key, sizeof(key), "src%u", i);
		e2e_fill(b, n, 1000 + i);
		val_of(&t->src[i], b, n);
		assert_int_equal(oss(t, "PUT", key, NULL, 0, NULL, 0, b, n,
		    NULL, NULL), 200);
	}
	free(b);
}

static void
check_sources(struct torture *t)
{
	for (unsigned i = 0; i < NSRC; i++) {
		struct e2e_resp r;
		struct val got = { .exists = false };
		char key[16];

		snprintf(key, sizeof(key), "src%u", i);
		if (oss(t, "GET", key, NULL, 0, NULL, 0, NULL, 0, &r, NULL) ==
		    200)
			val_of(&got, r.body, r.body_len);
		if (!val_eq(&got, &t->src[i]))
			violation(t, "copy source %s changed", key);
		e2e_resp_free(&r);
		t->checked++;
	}
}

static void
test_torture(void **state)
{
	struct torture *t = calloc(1, sizeof(*t));
	const char *it = getenv("COFFER_TORTURE_ITERATIONS");
	const char *sd = getenv("COFFER_TORTURE_SEED");
	unsigned rounds = it ? (unsigned)strtoul(it, NULL, 10) : 40;
	struct worker w[NWORKERS];
	struct admin adm;
	pthread_t th[NWORKERS + 1];
	char *dir;
	int64_t t0 = now_us();

	(void)state;
	assert_non_null(t);
	t->seed = sd ? strtoull(sd, NULL, 10) : (uint64_t)time(NULL);
	if (t->seed == 0)
		t->seed = 1;
	t->seed0 = t->seed;
	fprintf(stderr, "torture: %u rounds, seed %" PRIu64 "\n", rounds,
	    t->seed);
	dir = test_tmpdir("torture");
	snprintf(t->data_dir, sizeof(t->data_dir), "%s/data", dir);
	for (unsigned i = 0; i < NKEYS; i++)
		pthread_mutex_init(&t->keys[i].mu, NULL);
	for (unsigned i = 0; i < NWORKERS; i++) {
		w[i].buf = malloc(LARGE_MAX);
		assert_non_null(w[i].buf);
	}
	start(t, NULL);
	setup_data(t);

	for (t->round = 1; t->round <= rounds; t->round++) {
		const char *cp = NULL;
		unsigned delay_ms;

		/* The daemon that passed the last checks runs the round,
		 * unless it needs a crash point set at start. */
		if (t->round % 5 == 0) {
			cp = crash_points[rnd(&t->seed) %
			    (sizeof(crash_points) / sizeof(crash_points[0]))];
			start(t, cp);
		}
		atomic_store(&t->stop, false);
		for (unsigned i = 0; i < NWORKERS; i++) {
			w[i].t = t;
			w[i].id = i;
			w[i].seed = rnd(&t->seed) | 1;
			assert_int_equal(pthread_create(&th[i], NULL,
			    worker_main, &w[i]), 0);
		}
		adm.t = t;
		adm.seed = rnd(&t->seed) | 1;
		assert_int_equal(pthread_create(&th[NWORKERS], NULL,
		    admin_main, &adm), 0);
		/* Long enough for several large bodies to be in flight. */
		delay_ms = 20 + (unsigned)(rnd(&t->seed) % 300);
		if (cp != NULL) {
			/* The point ends the daemon; a point this round's
			 * random mix never reaches gets a kill -9 later. */
			if (e2e_daemon_wait(t->d, delay_ms + 1000) == 99)
				t->points_hit++;
		} else
			usleep(delay_ms * 1000);
		e2e_daemon_kill9(t->d);
		atomic_store(&t->stop, true);
		for (unsigned i = 0; i <= NWORKERS; i++)
			pthread_join(th[i], NULL);
		if (e2e_daemon_log_sanitizer(t->d))
			violation(t, "sanitizer report in the daemon log");

		start(t, NULL);
		if (e2e_daemon_log_has(t->d, "recovery removed"))
			t->recovered_rounds++;
		check_disk(t);
		check_objects(t);
		check_appends(t);
		check_uploads(t);
		check_listing(t);
		check_worm(t);
		check_kms(t);
		check_sources(t);
		if (t->round % 50 == 0)
			fprintf(stderr, "torture: %u rounds, %lu checks, %lu "
			    "failures, %.0f s\n", t->round, t->checked,
			    t->fails, (double)(now_us() - t0) / 1e6);
		if (t->fails > MAX_FAILS)
			break;
	}
	assert_int_equal(e2e_daemon_stop(t->d), 0);

	fprintf(stderr, "torture: %u rounds survived in %.0f s (seed %" PRIu64
	    "), %lu checks after restarts, %lu ended at a crash point, %lu "
	    "restarts cleaned up leftovers, %lu failures\n", t->round - 1,
	    (double)(now_us() - t0) / 1e6, t->seed0, t->checked,
	    t->points_hit, t->recovered_rounds, t->fails);
	fprintf(stderr, "torture: %-10s %8s %8s %8s %8s\n", "op", "sent",
	    "acked", "lost", "refused");
	for (unsigned k = 0; k < OP_KINDS; k++)
		fprintf(stderr, "torture: %-10s %8lu %8lu %8lu %8lu\n",
		    op_names[k], atomic_load(&t->st.sent[k]),
		    atomic_load(&t->st.acked[k]),
		    atomic_load(&t->st.unknown[k]),
		    atomic_load(&t->st.refused[k]));
	assert_int_equal(t->fails, 0);
	/* A run in which nothing was acknowledged proves nothing. */
	assert_true(atomic_load(&t->st.acked[OP_PUT_SMALL]) > 0);

	e2e_daemon_free(t->d);
	if (getenv("E2E_KEEP") == NULL)
		test_rmrf(dir);
	free(dir);
	for (unsigned i = 0; i < NWORKERS; i++) {
		free(w[i].buf);
		free(t->app[i].data);
		free(t->app[i].pend);
	}
	for (unsigned i = 0; i < NKEYS; i++) {
		free(t->keys[i].w);
		pthread_mutex_destroy(&t->keys[i].mu);
	}
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_torture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
