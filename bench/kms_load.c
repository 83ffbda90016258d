/* SPDX-License-Identifier: ISC */
/*
 * kms_load.c: a keep-alive HTTP load generator for the KMS benchmark
 * (bench/kms_bench.sh). wrk cannot sign requests (every KMS request needs
 * a fresh SignatureNonce and an HMAC-SHA1 signature), so this client signs
 * each request itself, exactly as @alicloud/kms20160120 1.2.0 does (spec
 * kms-api.md §2.2), and measures the fixed-response baseline with the same
 * client and connection pattern, so the ratio compares servers, not
 * clients.
 *
 *   kms_load PORT base SECONDS CONNS THREADS
 *       GET /409 on a fixed-response server (shared/limits/mhd_server.c)
 *   kms_load PORT ACTION SECONDS CONNS THREADS AK SK [Name=Value ...]
 *       signed KMS requests; prints requests/s, counts non-200 as errors
 *   kms_load PORT once ACTION AK SK [Name=Value ...]
 *       one signed request; prints the response body (setup)
 *   kms_load PORT count N ACTION CONNS THREADS AK SK [Name=Value ...]
 *       N signed requests, as fast as CONNS connections go (bulk set-up:
 *       N CreateKey calls make N keys)
 *   kms_load PORT lat N ACTION AK SK [Name=Value ...]
 *       N signed requests one after another on one connection; prints
 *       "p50_ms=<x> p99_ms=<x> max_ms=<x> n=<n> errors=<n>"
 *
 * Output of a run: "rps=<n> requests=<n> errors=<n> seconds=<s>
 * err_first_s=<s> err_last_s=<s>", the last two the times of the first
 * and last failed request since the start (0: none): a failover's gap.
 * Not part of the daemon: a benchmark tool, linked with libcrypto only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/hmac.h>
#include <openssl/rand.h>

#define MAX_PARAMS	16
#define REQ_MAX		65536
#define RESP_MAX	65536

struct param {
	char	name[64];
	char	value[8192];
};

struct job {
	int		 port;
	const char	*action;	/* NULL: base */
	const char	*ak, *sk;
	struct param	*extra;
	int		 nextra;
	double		 seconds;
	int		 conns;
	uint64_t	 prefix;	/* per-run nonce prefix */
	int		 tid;
	uint64_t	 max;		/* 0: until seconds have passed */
	uint64_t	 requests, errors;
	double		 err_first, err_last;	/* now_s(); 0: none */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
failed(struct job *j)
{
	double t = now_s();

	j->errors++;
	if (j->err_first == 0)
		j->err_first = t;
	j->err_last = t;
}

/* RFC 3986: A-Z a-z 0-9 - _ . ~ unreserved. */
static size_t
enc(char *out, size_t cap, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s != '\0' && o + 4 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
		    c == '~')
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return o;
}

static int
param_cmp(const void *a, const void *b)
{
	return strcmp(((const struct param *)a)->name,
	    ((const struct param *)b)->name);
}

static void
b64(char *out, const unsigned char *in, size_t n)
{
	static const char t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0, i;

	for (i = 0; i + 2 < n; i += 3) {
		out[o++] = t[in[i] >> 2];
		out[o++] = t[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		out[o++] = t[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		out[o++] = t[in[i + 2] & 63];
	}
	if (i < n) {
		out[o++] = t[in[i] >> 2];
		if (i + 1 < n) {
			out[o++] = t[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			out[o++] = t[(in[i + 1] & 15) << 2];
		} else {
			out[o++] = t[(in[i] & 3) << 4];
			out[o++] = '=';
		}
		out[o++] = '=';
	}
	out[o] = '\0';
}

/* Builds one signed v1 request (POST, parameters in the query) into out;
 * returns its length. */
static size_t
build_signed(struct job *j, uint64_t seq, char *out, size_t cap)
{
	static __thread struct param p[MAX_PARAMS];
	static __thread char canon[REQ_MAX], sts[3 * REQ_MAX], tmp[REQ_MAX];
	char ts[32], nonce[64], sig[64];
	unsigned char mac[20];
	unsigned int maclen = 0;
	time_t t = time(NULL);
	struct tm tm;
	size_t n = 0, c = 0, o;
	char key[256];

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(nonce, sizeof(nonce), "%016llx%04x%012llx",
	    (unsigned long long)j->prefix, j->tid, (unsigned long long)seq);
#define P(k, v) do { snprintf(p[n].name, sizeof(p[n].name), "%s", (k)); \
	snprintf(p[n].value, sizeof(p[n].value), "%s", (v)); n++; } while (0)
	P("Action", j->action);
	P("Version", "2016-01-20");
	P("Format", "json");
	P("AccessKeyId", j->ak);
	P("SignatureMethod", "HMAC-SHA1");
	P("SignatureVersion", "1.0");
	P("SignatureNonce", nonce);
	P("Timestamp", ts);
	for (int i = 0; i < j->nextra && n < MAX_PARAMS; i++)
		P(j->extra[i].name, j->extra[i].value);
#undef P
	qsort(p, n, sizeof(p[0]), param_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			canon[c++] = '&';
		c += enc(canon + c, sizeof(canon) - c, p[i].name);
		canon[c++] = '=';
		c += enc(canon + c, sizeof(canon) - c, p[i].value);
	}
	canon[c] = '\0';
	o = (size_t)snprintf(sts, sizeof(sts), "POST&%%2F&");
	enc(sts + o, sizeof(sts) - o, canon);
	snprintf(key, sizeof(key), "%s&", j->sk);
	HMAC(EVP_sha1(), key, (int)strlen(key), (unsigned char *)sts,
	    strlen(sts), mac, &maclen);
	b64(sig, mac, maclen);
	enc(tmp, sizeof(tmp), sig);
	return (size_t)snprintf(out, cap, "POST /?%s&Signature=%s HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\nContent-Length: 0\r\n\r\n", canon, tmp,
	    j->port);
}

static int
conn_open(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads one whole response (Content-Length framing); returns the status,
 * or -1 on a broken connection. body/len receive the body if wanted. */
static int
read_response(int fd, char *buf, size_t cap, char **body, size_t *len)
{
	size_t have = 0, need = 0;
	char *hdr_end = NULL;
	int status = -1;

	for (;;) {
		ssize_t r;

		if (hdr_end != NULL && have >= need)
			break;
		if (have == cap)
			return -1;
		r = read(fd, buf + have, cap - have);
		if (r <= 0)
			return -1;
		have += (size_t)r;
		if (hdr_end == NULL) {
			char *cl;

			buf[have < cap ? have : cap - 1] = '\0';
			hdr_end = strstr(buf, "\r\n\r\n");
			if (hdr_end == NULL)
				continue;
			status = atoi(buf + 9);	/* "HTTP/1.1 200" */
			cl = strcasestr(buf, "\r\ncontent-length:");
			need = (size_t)(hdr_end - buf) + 4 +
			    (cl != NULL && cl < hdr_end ?
			    strtoul(cl + 17, NULL, 10) : 0);
			if (need > cap)
				return -1;
		}
	}
	if (body != NULL) {
		*body = hdr_end + 4;
		*len = need - (size_t)(hdr_end + 4 - buf);
	}
	return status;
}

struct conn {
	int		fd;
	uint64_t	seq;
};

/* One thread: its connections in turn, one outstanding request each
 * (like wrk without pipelining), blocking I/O. */
static void *
worker(void *arg)
{
	struct job *j = arg;
	struct conn *cs = calloc((size_t)j->conns, sizeof(*cs));
	char *req = malloc(REQ_MAX), *resp = malloc(RESP_MAX);
	double end;
	int want = j->action == NULL ? 409 : 200;

	for (int i = 0; i < j->conns; i++) {
		cs[i].fd = conn_open(j->port);
		if (cs[i].fd < 0) {
			perror("connect");
			exit(1);
		}
	}
	end = now_s() + j->seconds;
	while (now_s() < end && (j->max == 0 || j->requests < j->max)) {
		int live = j->conns;

		if (j->max != 0 && j->max - j->requests < (uint64_t)live)
			live = (int)(j->max - j->requests);
		/* send on every connection, then collect: keeps CONNS
		 * requests in flight per thread */
		for (int i = 0; i < live; i++) {
			size_t n = j->action == NULL ?
			    (size_t)snprintf(req, REQ_MAX, "GET /409 HTTP/1.1\r\n"
			    "Host: 127.0.0.1:%d\r\n\r\n", j->port) :
			    build_signed(j, cs[i].seq++ * 64 + (uint64_t)i, req,
			    REQ_MAX);

			if (write(cs[i].fd, req, n) != (ssize_t)n) {
				perror("write");
				exit(1);
			}
		}
		for (int i = 0; i < live; i++) {
			int st = read_response(cs[i].fd, resp, RESP_MAX, NULL,
			    NULL);

			if (st < 0) {
				close(cs[i].fd);
				cs[i].fd = conn_open(j->port);
				failed(j);
				continue;
			}
			j->requests++;
			if (st != want)
				failed(j);
		}
	}
	for (int i = 0; i < j->conns; i++)
		close(cs[i].fd);
	free(cs);
	free(req);
	free(resp);
	return NULL;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sequential requests on one connection, each timed from its write to the
 * end of its response. */
static int
latency(struct job *j, int n)
{
	char *req = malloc(REQ_MAX), *resp = malloc(RESP_MAX);
	double *t = calloc((size_t)n, sizeof(*t));
	int fd = conn_open(j->port), errs = 0;

	if (req == NULL || resp == NULL || t == NULL || fd < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		size_t len = build_signed(j, (uint64_t)i, req, REQ_MAX);
		double t0 = now_s();
		int st;

		if (write(fd, req, len) != (ssize_t)len)
			return 1;
		st = read_response(fd, resp, RESP_MAX, NULL, NULL);
		t[i] = (now_s() - t0) * 1e3;
		if (st < 0) {
			close(fd);
			fd = conn_open(j->port);
		}
		if (st != 200)
			errs++;
	}
	qsort(t, (size_t)n, sizeof(*t), dbl_cmp);
	printf("p50_ms=%.3f p99_ms=%.3f max_ms=%.3f n=%d errors=%d\n",
	    t[n / 2], t[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], t[n - 1],
	    n, errs);
	close(fd);
	return 0;
}

static int
parse_extra(int argc, char **argv, struct param **ret)
{
	struct param *p = calloc((size_t)argc + 1, sizeof(*p));

	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (eq == NULL) {
			fprintf(stderr, "bad parameter '%s'\n", argv[i]);
			exit(2);
		}
		snprintf(p[i].name, sizeof(p[i].name), "%.*s",
		    (int)(eq - argv[i]), argv[i]);
		snprintf(p[i].value, sizeof(p[i].value), "%s", eq + 1);
	}
	*ret = p;
	return argc;
}

int
main(int argc, char **argv)
{
	struct job base;
	uint64_t prefix;

	if (argc < 3) {
		fprintf(stderr, "usage: see kms_load.c\n");
		return 2;
	}
	memset(&base, 0, sizeof(base));
	base.port = atoi(argv[1]);
	RAND_bytes((unsigned char *)&prefix, sizeof(prefix));
	base.prefix = prefix;
	if (strcmp(argv[2], "once") == 0) {
		char *req = malloc(REQ_MAX), *resp = malloc(RESP_MAX), *body;
		size_t len = 0;
		int fd, st;

		if (argc < 6)
			return 2;
		base.action = argv[3];
		base.ak = argv[4];
		base.sk = argv[5];
		base.nextra = parse_extra(argc - 6, argv + 6, &base.extra);
		fd = conn_open(base.port);
		if (fd < 0)
			return 1;
		len = build_signed(&base, 0, req, REQ_MAX);
		if (write(fd, req, len) != (ssize_t)len)
			return 1;
		st = read_response(fd, resp, RESP_MAX, &body, &len);
		printf("%.*s\n", (int)len, body);
		return st == 200 ? 0 : 1;
	}
	if (strcmp(argv[2], "lat") == 0) {
		int n;

		if (argc < 7 || (n = atoi(argv[3])) <= 0)
			return 2;
		base.action = argv[4];
		base.ak = argv[5];
		base.sk = argv[6];
		base.nextra = parse_extra(argc - 7, argv + 7, &base.extra);
		return latency(&base, n);
	}
	{
		uint64_t count = 0;
		int threads, conns;
		pthread_t *th;
		struct job *jobs;
		uint64_t req = 0, errs = 0;
		double t0, t1, ef = 0, el = 0;

		if (strcmp(argv[2], "count") == 0) {
			if (argc < 7)
				return 2;
			/* rewritten into the timed form, unbounded in time */
			count = strtoull(argv[3], NULL, 10);
			argv++;
			argc--;
			argv[2] = argv[3];
			argv[3] = "1e9";
		}
		if (argc < 6)
			return 2;
		base.action = strcmp(argv[2], "base") == 0 ? NULL : argv[2];
		base.seconds = atof(argv[3]);
		conns = atoi(argv[4]);
		threads = atoi(argv[5]);
		if (base.action != NULL) {
			if (argc < 8)
				return 2;
			base.ak = argv[6];
			base.sk = argv[7];
			base.nextra = parse_extra(argc - 8, argv + 8, &base.extra);
		}
		th = calloc((size_t)threads, sizeof(*th));
		jobs = calloc((size_t)threads, sizeof(*jobs));
		t0 = now_s();
		for (int i = 0; i < threads; i++) {
			jobs[i] = base;
			jobs[i].tid = i;
			jobs[i].conns = conns / threads + (i < conns % threads);
			jobs[i].max = count / (uint64_t)threads +
			    ((uint64_t)i < count % (uint64_t)threads);
			if (count != 0 && jobs[i].max == 0)
				continue;
			pthread_create(&th[i], NULL, worker, &jobs[i]);
		}
		for (int i = 0; i < threads; i++) {
			if (count != 0 && jobs[i].max == 0)
				continue;
			pthread_join(th[i], NULL);
			req += jobs[i].requests;
			errs += jobs[i].errors;
		}
		t1 = now_s();
		for (int i = 0; i < threads; i++) {
			if (jobs[i].err_first != 0 && (ef == 0 ||
			    jobs[i].err_first < ef))
				ef = jobs[i].err_first;
			if (jobs[i].err_last > el)
				el = jobs[i].err_last;
		}
		printf("rps=%.0f requests=%llu errors=%llu seconds=%.2f "
		    "err_first_s=%.3f err_last_s=%.3f\n",
		    (double)req / (t1 - t0), (unsigned long long)req,
		    (unsigned long long)errs, t1 - t0, ef ? ef - t0 : 0,
		    el ? el - t0 : 0);
		return 0;
	}
}
