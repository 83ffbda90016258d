/* SPDX-License-Identifier: ISC */
/*
 * e2e_support.h: drive the real cofferd binary from cmocka tests.
 *
 * End-to-end tests (STYLE-anchors rule 29) start the built daemon ($COFFERD)
 * on 127.0.0.1 with an ephemeral port and a temp data dir, talk to it with
 * libcurl, and sign requests with the daemon's own V1 signer (auth/auth.h)
 * so a signature bug shows up as a unit-test failure, not as a mystery here.
 *
 * The daemon's stderr goes through a pipe to a drain thread that copies it
 * to a log file (so the daemon never blocks on a full pipe) and watches for
 * the "listening oss=ADDR:PORT" line. Not thread-safe per handle: one test
 * thread owns a struct e2e_daemon; e2e_request may run on any thread.
 */
#ifndef COFFER_TESTS_E2E_SUPPORT_H
#define COFFER_TESTS_E2E_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/err.h"
#include "base/kv.h"

/* Root credentials every daemon started here gets (via the
 * COFFER_ROOT_ACCESS_KEY_ID/SECRET environment variables). */
#define E2E_ROOT_AK	"LTAI5tCofferE2ERoot0001"
#define E2E_ROOT_SK	"CofferE2ERootSecret0123456789a"

struct e2e_daemon;

struct e2e_opts {
	const char		*data_dir;	/* NULL: a fresh temp dir that
						   e2e_daemon_free removes */
	const char *const	*args;		/* extra argv, NULL-terminated */
	const char *const	*env;		/* extra "NAME=VALUE", NULL-term. */
	unsigned		 start_timeout_s; /* 0: 30 s (ASan is slow) */
	bool			 no_listen_flag; /* don't add --oss-listen
						   127.0.0.1:0 (the test
						   passes its own) */
};

/* Forks and execs $COFFERD with --data-dir, --oss-listen 127.0.0.1:0,
 * --log-level info and the extra arguments, then waits for the listening
 * line. ERR_OK with *ret set; ERR_IO when the daemon exited or printed no
 * listening line in time (its log is dumped to stderr, the process is
 * killed and reaped). The daemon gets SIGKILL if the test process dies. */
enum err e2e_daemon_start(const struct e2e_opts *o, struct e2e_daemon **ret);

/* SIGTERM, then waits up to 60 s. Returns the exit code, 128 + signal
 * number when it died of a signal, or -1 on timeout (then it is killed).
 * A non-zero result dumps the daemon log to stderr. */
int e2e_daemon_stop(struct e2e_daemon *d);
/* Sends sig without waiting. */
void e2e_daemon_signal(struct e2e_daemon *d, int sig);
/* Waits up to timeout_ms for the daemon to exit; result as for stop. Once
 * reaped the result is remembered. -1 while still running. */
int e2e_daemon_wait(struct e2e_daemon *d, unsigned timeout_ms);
/* kill -9 and reap. */
void e2e_daemon_kill9(struct e2e_daemon *d);
/* Kills (SIGKILL) a daemon still running, joins the drain thread, removes
 * the temp dirs it made (kept when $E2E_KEEP is set). NULL-safe. */
void e2e_daemon_free(struct e2e_daemon *d);

uint16_t e2e_daemon_port(const struct e2e_daemon *d);
/* The KMS listener's port (0 when it is off). */
uint16_t e2e_daemon_kms_port(const struct e2e_daemon *d);
pid_t e2e_daemon_pid(const struct e2e_daemon *d);
const char *e2e_daemon_data_dir(const struct e2e_daemon *d);
/* Path of the captured stderr. */
const char *e2e_daemon_log_path(const struct e2e_daemon *d);
/* True when the captured stderr contains needle so far. */
bool e2e_daemon_log_has(const struct e2e_daemon *d, const char *needle);
/* True when the log holds an ASan/UBSan/LSan report. */
bool e2e_daemon_log_sanitizer(const struct e2e_daemon *d);
void e2e_daemon_dump_log(const struct e2e_daemon *d);

/* ---- requests ---- */

struct e2e_req {
	const char		*method;	/* "GET", "PUT", ... */
	const char		*bucket;	/* NULL: service */
	const char		*key;		/* NULL: bucket */
	const char		*path;		/* raw path instead of
						   bucket/key ("/-/health") */
	const struct kv		*headers;	/* sent as given, signed */
	size_t			 nheaders;
	const struct kv		*query;		/* decoded; value NULL = "?k" */
	size_t			 nquery;
	const void		*body;
	size_t			 body_len;
	const char		*ak, *sk;	/* NULL: anonymous */
	bool			 oss_date;	/* x-oss-date instead of Date */
	long			 max_send_bps;	/* 0: unlimited */
	size_t			 abort_after;	/* >0: drop the connection
						   after sending this many
						   body bytes ... */
	unsigned		 abort_delay_ms; /* ... this long after */
	const char		*iface;		/* local address to bind */
	long			 timeout_ms;	/* 0: 60 s */
};

struct e2e_resp {
	long		 status;	/* 0 when no response */
	int		 curl_code;	/* CURLcode */
	struct kv	*headers;	/* names lower-cased; malloc'd */
	size_t		 nheaders;
	char		*body;		/* malloc'd, NUL-terminated */
	size_t		 body_len;
};

/* Sends one request to 127.0.0.1:port, V1-signed when rq->ak is set.
 * ERR_OK when an HTTP response arrived (any status); ERR_IO with
 * ret->curl_code set otherwise. *ret is always initialised; free it with
 * e2e_resp_free. Thread-safe (curl_global_init is done once, lazily). */
enum err e2e_request(uint16_t port, const struct e2e_req *rq,
    struct e2e_resp *ret);
/* Root-signed method bucket/key with an optional body; returns the status
 * (0 on transport error) and fills ret when not NULL. */
long e2e_call(const struct e2e_daemon *d, const char *method,
    const char *bucket, const char *key, const void *body, size_t len,
    struct e2e_resp *ret);
/* First value of a response header (lower-case name), or NULL. */
const char *e2e_resp_header(const struct e2e_resp *r, const char *lname);
void e2e_resp_free(struct e2e_resp *r);

/* ---- data-dir helpers ---- */

/* Regular files under dir (recursively); -1 on error. */
long e2e_count_files(const char *dir);
/* Deterministic pseudo-random bytes (xorshift; seed picks the stream). */
void e2e_fill(void *p, size_t n, uint64_t seed);
/* Path of the first regular file under dir whose content contains
 * needle[0..m) (malloc'd), or NULL. Reads every file whole. */
char *e2e_find_in_files(const char *dir, const void *needle, size_t m);

#endif
