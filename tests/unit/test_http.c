/* SPDX-License-Identifier: ISC */
/*
 * test_http.c: the MHD adapter driven over real sockets with libcurl and
 * raw TCP. A small handler routes on the raw target; every test checks,
 * besides its own subject, that done() ran exactly once per begin() and
 * that every stream was freed exactly once, because those are the
 * invariants the rest of the daemon (access log, store handles) relies on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "base/clock.h"
#include "base/str.h"
#include "http/http.h"
#include "support/test_support.h"

#define MiB		(1024 * 1024)
#define HEAD_LENGTH	12345
#define FAIL_AT		(1 * MiB)
#define SLOW_CHUNK	(64 * 1024)
#define SLOW_CHUNKS	10

/* Counters shared by the server threads and the test thread. */
struct tctx {
	atomic_uint		 begins;
	atomic_uint		 dones;
	atomic_uint		 dones_ok;
	atomic_uint		 dones_failed;
	atomic_uint		 body_calls;
	atomic_uint		 ends;
	atomic_uint		 streams;	/* created */
	atomic_uint		 stream_frees;
	atomic_ullong		 last_bytes_sent;
	atomic_ullong		 last_body_bytes;
	atomic_int		 last_completed;
};

struct tapp {
	uint64_t	 bytes;
	uint64_t	 hash;
	unsigned	 calls;
	int		 mode;
};

enum mode { M_ECHO, M_PUT, M_DRAIN, M_RESPOND, M_MIDRESPOND, M_MIDDRAIN,
	M_STREAM, M_STREAMFAIL, M_HEAD, M_SLOW, M_PAR };

struct tstream {
	struct tctx	*t;
	uint64_t	 len;
	uint64_t	 fail_at;	/* UINT64_MAX = never */
	unsigned	 delay_ms;
	size_t		 chunk;		/* max per read; 0 = as asked */
};

static uint8_t
pattern(uint64_t pos)
{
	return (uint8_t)((pos * 13 + pos / 4093) % 251);
}

static uint64_t
fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}
#define FNV_INIT 0xcbf29ce484222325ULL

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Waits until *v == want (5 s at most); returns the last value seen. */
static unsigned
wait_for(atomic_uint *v, unsigned want)
{
	for (int i = 0; i < 500; i++) {
		if (atomic_load(v) == want)
			break;
		sleep_ms(10);
	}
	return atomic_load(v);
}

/* ---- the test handler ------------------------------------------------ */

static ssize_t
ts_read(void *ctx, uint64_t pos, char *buf, size_t max)
{
	struct tstream *s = ctx;
	size_t n;

	if (pos >= s->fail_at)
		return -1;
	if (pos >= s->len)
		return 0;
	if (s->delay_ms > 0)
		sleep_ms(s->delay_ms);
	n = max;
	if (s->chunk > 0 && n > s->chunk)
		n = s->chunk;
	if (n > s->len - pos)
		n = (size_t)(s->len - pos);
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)pattern(pos + i);
	return (ssize_t)n;
}

static void
ts_free(void *ctx)
{
	struct tstream *s = ctx;

	atomic_fetch_add(&s->t->stream_frees, 1);
	free(s);
}

static void
set_stream(struct tctx *t, struct http_request *req, uint64_t len,
    uint64_t fail_at, unsigned delay_ms, size_t chunk)
{
	struct tstream *s = calloc(1, sizeof(*s));

	if (s == NULL)
		abort();
	s->t = t;
	s->len = len;
	s->fail_at = fail_at;
	s->delay_ms = delay_ms;
	s->chunk = chunk;
	atomic_fetch_add(&t->streams, 1);
	req->resp.stream = (struct http_stream){ .len = len, .read = ts_read,
	    .free = ts_free, .ctx = s };
}

static int
route(const char *uri)
{
	static const struct { const char *prefix; int mode; } routes[] = {
		{ "/put", M_PUT }, { "/drain", M_DRAIN },
		{ "/respond", M_RESPOND }, { "/midrespond", M_MIDRESPOND },
		{ "/middrain", M_MIDDRAIN }, { "/streamfail", M_STREAMFAIL },
		{ "/stream", M_STREAM }, { "/head", M_HEAD },
		{ "/slow", M_SLOW }, { "/par", M_PAR },
	};

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (str_has_prefix(uri, routes[i].prefix))
			return routes[i].mode;
	return M_ECHO;
}

static void
must(enum err e)
{
	if (e != ERR_OK)
		abort();
}

static enum http_next
h_begin(void *ctx, struct http_request *req)
{
	struct tctx *t = ctx;
	struct tapp *a = calloc(1, sizeof(*a));

	if (a == NULL)
		abort();
	atomic_fetch_add(&t->begins, 1);
	a->hash = FNV_INIT;
	a->mode = route(req->uri);
	req->app = a;
	switch (a->mode) {
	case M_DRAIN:
		req->resp.status = 403;
		must(http_resp_body(req, "denied", 6));
		return HTTP_DRAIN;
	case M_RESPOND:
		req->resp.status = 413;
		must(http_resp_body(req, "too big", 7));
		return HTTP_RESPOND;
	case M_STREAM:
		req->resp.status = 200;
		set_stream(t, req, 3 * MiB + 5, UINT64_MAX, 0, 0);
		return HTTP_DRAIN;
	case M_STREAMFAIL:
		req->resp.status = 200;
		set_stream(t, req, 4 * MiB, FAIL_AT, 0, 0);
		return HTTP_DRAIN;
	case M_SLOW:
		req->resp.status = 200;
		set_stream(t, req, SLOW_CHUNK * SLOW_CHUNKS, UINT64_MAX, 50,
		    SLOW_CHUNK);
		return HTTP_DRAIN;
	case M_HEAD:
		req->resp.status = 200;
		req->resp.head_length_set = true;
		req->resp.head_length = HEAD_LENGTH;
		must(http_resp_header(req, "ETag", "\"abc\""));
		return HTTP_DRAIN;
	default:
		return HTTP_READ;
	}
}

static enum http_next
h_body(void *ctx, struct http_request *req, const char *p, size_t n)
{
	struct tctx *t = ctx;
	struct tapp *a = req->app;

	atomic_fetch_add(&t->body_calls, 1);
	a->bytes += n;
	a->hash = fnv1a(a->hash, p, n);
	a->calls++;
	if (a->mode == M_MIDRESPOND) {
		req->resp.status = 400;
		must(http_resp_body(req, "stop", 4));
		return HTTP_RESPOND;
	}
	if (a->mode == M_MIDDRAIN) {
		req->resp.status = 409;
		must(http_resp_body(req, "conflict", 8));
		return HTTP_DRAIN;
	}
	return HTTP_READ;
}

static void
h_end(void *ctx, struct http_request *req)
{
	struct tctx *t = ctx;
	struct tapp *a = req->app;
	const char *v;
	bool lower = true;
	char buf[128];

	atomic_fetch_add(&t->ends, 1);
	req->resp.status = 200;
	if (a->mode == M_PUT || a->mode == M_PAR) {
		snprintf(buf, sizeof(buf), "%llu %016llx",
		    (unsigned long long)a->bytes, (unsigned long long)a->hash);
		must(http_resp_body(req, buf, strlen(buf)));
		must(http_resp_header(req, "X-Chunked",
		    req->chunked ? "1" : "0"));
		snprintf(buf, sizeof(buf), "%d %llu", req->has_length,
		    (unsigned long long)req->content_length);
		must(http_resp_header(req, "X-Length", buf));
		snprintf(buf, sizeof(buf), "%u", a->calls);
		must(http_resp_header(req, "X-Calls", buf));
		return;
	}
	/* Echo: the raw target as the body, facts as headers. */
	for (size_t i = 0; i < req->nheaders; i++)
		for (const char *c = req->headers[i].name; *c != '\0'; c++)
			if (*c >= 'A' && *c <= 'Z')
				lower = false;
	must(http_resp_body(req, req->uri, strlen(req->uri)));
	req->resp.close = strstr(req->uri, "close=1") != NULL;
	must(http_resp_header(req, "X-Test", "yes"));
	must(http_resp_header(req, "X-Lower", lower ? "1" : "0"));
	v = http_header_get(req, "x-custom-thing");
	must(http_resp_header(req, "X-Custom", v != NULL ? v : "(none)"));
	must(http_resp_header(req, "X-Peer", req->peer));
	must(http_resp_header(req, "X-Method", req->method));
	must(http_resp_header(req, "X-Version", req->version));
}

static void
h_done(void *ctx, struct http_request *req, bool completed)
{
	struct tctx *t = ctx;

	atomic_store(&t->last_bytes_sent, req->resp.bytes_sent);
	atomic_store(&t->last_body_bytes, req->body_bytes);
	atomic_store(&t->last_completed, completed);
	atomic_fetch_add(completed ? &t->dones_ok : &t->dones_failed, 1);
	free(req->app);
	req->app = NULL;
	/* Last, so a test that saw the count also sees the fields above. */
	atomic_fetch_add(&t->dones, 1);
}

static const struct http_handler handler = {
	.begin = h_begin, .body = h_body, .end = h_end, .done = h_done,
};

/* Words http/'s own refusals, as the KMS listener does. */
static atomic_uint refusals;

static void
h_refuse(void *ctx, struct http_request *req)
{
	char body[64];

	(void)ctx;
	atomic_fetch_add(&refusals, 1);
	/* Nothing of the request is there, and the arena is usable. */
	assert_null(req->uri);
	assert_null(req->method);
	assert_int_equal(req->nheaders, 0);
	assert_non_null(arena_alloc(&req->arena, 1024));
	snprintf(body, sizeof(body), "refused %d", req->resp.status);
	req->resp.status = 400;
	assert_int_equal(http_resp_body(req, body, strlen(body)), ERR_OK);
}

static const struct http_handler handler_refuse = {
	.begin = h_begin, .body = h_body, .end = h_end, .done = h_done,
	.refuse = h_refuse,
};

/* ---- fixture --------------------------------------------------------- */

struct fix {
	struct tctx		 t;
	struct http_server	*srv;
	char			 base[64];
};

static struct fix *
fix_start(unsigned threads, unsigned per_ip)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct http_settings s = {
		.listen = "127.0.0.1:0",
		.threads = threads,
		.per_ip_limit = per_ip,
		.listener_id = 7,
		.handler = &handler,
	};

	assert_non_null(f);
	s.ctx = &f->t;
	assert_int_equal(http_server_start(&s, &f->srv), ERR_OK);
	assert_int_not_equal(http_server_port(f->srv), 0);
	snprintf(f->base, sizeof(f->base), "http://%s",
	    http_server_address(f->srv));
	return f;
}

/* Stops the server and checks the per-request invariants. */
static void
fix_stop(struct fix *f)
{
	unsigned begins = atomic_load(&f->t.begins);

	assert_int_equal(wait_for(&f->t.dones, begins), begins);
	assert_int_equal(http_server_inflight(f->srv), 0);
	http_server_stop(f->srv);
	assert_int_equal(atomic_load(&f->t.begins), begins);
	assert_int_equal(atomic_load(&f->t.dones), begins);
	assert_int_equal(atomic_load(&f->t.stream_frees),
	    atomic_load(&f->t.streams));
	free(f);
}

/* ---- client helpers -------------------------------------------------- */

struct mem {
	char	*p;
	size_t	 n;
	size_t	 cap;
};

static size_t
mem_write(char *p, size_t sz, size_t nm, void *ud)
{
	struct mem *m = ud;
	size_t n = sz * nm;

	if (m->n + n + 1 > m->cap) {
		size_t cap = (m->n + n + 1) * 2;
		char *np = realloc(m->p, cap);

		if (np == NULL)
			return 0;
		m->p = np;
		m->cap = cap;
	}
	memcpy(m->p + m->n, p, n);
	m->n += n;
	m->p[m->n] = '\0';
	return n;
}

static void
mem_free(struct mem *m)
{
	free(m->p);
	memset(m, 0, sizeof(*m));
}

/* Generated upload of len bytes; pause until *release when set. */
struct upload {
	uint64_t	 len;
	uint64_t	 off;
	size_t		 step;		/* max bytes per callback */
	atomic_bool	*release;
};

static size_t
up_read(char *buf, size_t sz, size_t nm, void *ud)
{
	struct upload *u = ud;
	size_t n = sz * nm;

	if (u->release != NULL && !atomic_load(u->release))
		return CURL_READFUNC_PAUSE;
	if (u->step > 0 && n > u->step)
		n = u->step;
	if (n > u->len - u->off)
		n = (size_t)(u->len - u->off);
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)pattern(u->off + i);
	u->off += n;
	return n;
}

static uint64_t
upload_hash(uint64_t len)
{
	uint64_t h = FNV_INIT;
	unsigned char c;

	for (uint64_t i = 0; i < len; i++) {
		c = pattern(i);
		h = fnv1a(h, &c, 1);
	}
	return h;
}

static CURL *
easy(const struct fix *f, const char *path, struct mem *body,
    struct mem *hdrs)
{
	CURL *h = curl_easy_init();
	char url[512];

	assert_non_null(h);
	snprintf(url, sizeof(url), "%s%s", f->base, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, mem_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	if (hdrs != NULL) {
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, mem_write);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, hdrs);
	}
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	return h;
}

static long
status_of(CURL *h)
{
	long code = 0;

	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

static long
connects_of(CURL *h)
{
	long n = -1;

	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &n);
	return n;
}

static int
raw_connect(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends req and reads until EOF (5 s at most) into m. */
static void
raw_exchange(uint16_t port, const char *req, struct mem *m)
{
	int fd = raw_connect(port);
	char buf[4096];
	ssize_t n;

	assert_true(fd >= 0);
	assert_int_equal(send(fd, req, strlen(req), MSG_NOSIGNAL),
	    (ssize_t)strlen(req));
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 5000) != 1)
			break;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		mem_write(buf, 1, (size_t)n, m);
	}
	close(fd);
}

/* ---- tests ----------------------------------------------------------- */

static void
test_helpers(void **state)
{
	struct http_request req;
	struct kv hdrs[] = { { "host", "x" }, { "x-a", "1" }, { "x-a", "2" } };
	char name[16];

	(void)state;
	memset(&req, 0, sizeof(req));
	arena_init(&req.arena, 64 * 1024);
	req.headers = hdrs;
	req.nheaders = 3;
	assert_string_equal(http_header_get(&req, "x-a"), "1");
	assert_null(http_header_get(&req, "X-A"));
	assert_null(http_header_get(&req, "nope"));

	/* Growth past the first block keeps earlier entries intact. */
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "h%d", i);
		assert_int_equal(http_resp_header(&req, name, name), ERR_OK);
	}
	assert_int_equal(req.resp.nheaders, 40);
	assert_true(req.resp.cap >= 40);
	assert_string_equal(req.resp.headers[0].name, "h0");
	assert_string_equal(req.resp.headers[39].value, "h39");

	assert_int_equal(http_resp_body(&req, "abc", 3), ERR_OK);
	assert_int_equal(req.resp.body_len, 3);
	assert_memory_equal(req.resp.body, "abc", 3);
	assert_int_equal(http_resp_body(&req, "", 0), ERR_OK);
	assert_non_null(req.resp.body);
	assert_int_equal(req.resp.body_len, 0);
	http_resp_body_take(&req, strdup("xy"), 2);
	assert_memory_equal(req.resp.body, "xy", 2);
	free(req.resp.body);

	/* A capped arena fails cleanly instead of growing. */
	arena_free(&req.arena);
	memset(&req, 0, sizeof(req));
	arena_init(&req.arena, 1024);
	assert_int_equal(http_resp_header(&req, "a", "b"), ERR_OK);
	char big[1000];
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(http_resp_header(&req, "a", big), ERR_NOMEM);
	arena_free(&req.arena);
}

static void
test_listen_parse(void **state)
{
	static const char *const bad[] = {
		"nonsense", "127.0.0.1", "127.0.0.1:", "127.0.0.1:99999",
		"127.0.0.1:-1", ":80", "[::1]8080", "[::1:80",
		"[127.0.0.1]:80", "::1:80", "[localhost]:80",
	};
	struct http_settings s = { .handler = &handler };
	struct http_server *srv = (struct http_server *)&s; /* sentinel */
	struct http_server *keep = srv;
	struct tctx t;
	enum err e;

	(void)state;
	memset(&t, 0, sizeof(t));
	s.ctx = &t;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s.listen = bad[i];
		assert_int_equal(http_server_start(&s, &srv), ERR_INVALID_ARGUMENT);
		assert_ptr_equal(srv, keep);	/* ret untouched */
	}
	s.listen = NULL;
	assert_int_equal(http_server_start(&s, &srv), ERR_INVALID_ARGUMENT);
	/* A name is resolved; one that does not resolve (RFC 6761) is its
	 * own error. */
	s.listen = "no-such-host.invalid:80";
	assert_int_equal(http_server_start(&s, &srv), ERR_NOT_FOUND);
	assert_ptr_equal(srv, keep);

	/* A port in use is ERR_IO. */
	s.listen = "127.0.0.1:0";
	assert_int_equal(http_server_start(&s, &srv), ERR_OK);
	char addr[64], exp[64];
	snprintf(exp, sizeof(exp), "127.0.0.1:%u",
	    (unsigned)http_server_port(srv));
	assert_string_equal(http_server_address(srv), exp);
	str_copy(addr, sizeof(addr), exp);
	s.listen = addr;
	struct http_server *second = NULL;
	assert_int_equal(http_server_start(&s, &second), ERR_IO);
	assert_null(second);
	http_server_stop(srv);
	http_server_stop(NULL);

	/* IPv6 loopback, when the machine has it. */
	s.listen = "[::1]:0";
	srv = NULL;
	e = http_server_start(&s, &srv);
	if (e == ERR_OK) {
		snprintf(exp, sizeof(exp), "[::1]:%u",
		    (unsigned)http_server_port(srv));
		assert_string_equal(http_server_address(srv), exp);
		http_server_stop(srv);
	} else {
		assert_int_equal(e, ERR_IO);
	}
}

static void
test_get_keepalive(void **state)
{
	struct fix *f = fix_start(0, 0);
	struct mem body = { 0 }, hdrs = { 0 };
	struct curl_slist *extra = NULL;
	CURL *h;

	(void)state;
	h = easy(f, "/hello", &body, &hdrs);
	extra = curl_slist_append(extra, "X-Custom-Thing: Some Value");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, extra);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(status_of(h), 200);
	assert_int_equal(connects_of(h), 1);
	assert_string_equal(body.p, "/hello");
	assert_true(test_memmem(hdrs.p, hdrs.n, "X-Test: yes\r\n", 13));
	assert_true(test_memmem(hdrs.p, hdrs.n, "X-Lower: 1\r\n", 12));
	assert_true(test_memmem(hdrs.p, hdrs.n,
	    "X-Custom: Some Value\r\n", 22));
	assert_true(test_memmem(hdrs.p, hdrs.n, "X-Peer: 127.0.0.1\r\n", 19));
	assert_true(test_memmem(hdrs.p, hdrs.n, "X-Method: GET\r\n", 15));
	assert_true(test_memmem(hdrs.p, hdrs.n, "X-Version: HTTP/1.1\r\n",
	    21));
	assert_false(test_memmem(hdrs.p, hdrs.n, "onnection: close", 16));
	assert_int_equal(wait_for(&f->t.dones, 1), 1);
	assert_int_equal(atomic_load(&f->t.last_bytes_sent), 6);
	assert_int_equal(atomic_load(&f->t.last_completed), 1);

	/* Second request on the same handle reuses the connection. */
	mem_free(&body);
	mem_free(&hdrs);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(status_of(h), 200);
	assert_int_equal(connects_of(h), 0);
	assert_string_equal(body.p, "/hello");

	/* Raw target, undecoded, query string included. */
	mem_free(&body);
	char url[256];
	snprintf(url, sizeof(url), "%s/a%%2Fb/c%%20d?x=%%2B1&y", f->base);
	curl_easy_setopt(h, CURLOPT_URL, url);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(connects_of(h), 0);
	assert_string_equal(body.p, "/a%2Fb/c%20d?x=%2B1&y");
	assert_int_equal(wait_for(&f->t.dones, 3), 3);
	assert_int_equal(atomic_load(&f->t.dones_ok), 3);

	/* resp.close ends keep-alive: the next request reconnects. */
	mem_free(&body);
	mem_free(&hdrs);
	snprintf(url, sizeof(url), "%s/bye?close=1", f->base);
	curl_easy_setopt(h, CURLOPT_URL, url);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(connects_of(h), 0);
	assert_true(test_memmem(hdrs.p, hdrs.n, "Connection: close\r\n", 19));
	snprintf(url, sizeof(url), "%s/hello", f->base);
	curl_easy_setopt(h, CURLOPT_URL, url);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(connects_of(h), 1);

	curl_slist_free_all(extra);
	curl_easy_cleanup(h);
	mem_free(&body);
	mem_free(&hdrs);
	fix_stop(f);
}

static void
test_put_length(void **state)
{
	struct fix *f = fix_start(0, 0);
	struct mem body = { 0 }, hdrs = { 0 };
	struct upload up = { .len = 5 * MiB + 3 };
	char exp[128];
	CURL *h;

	(void)state;
	h = easy(f, "/put", &body, &hdrs);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, up_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &up);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.len);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(status_of(h), 200);
	snprintf(exp, sizeof(exp), "%llu %016llx",
	    (unsigned long long)up.len,
	    (unsigned long long)upload_hash(up.len));
	assert_string_equal(body.p, exp);
	assert_true(test_memmem(hdrs.p, hdrs.n, "X-Chunked: 0\r\n", 14));
	snprintf(exp, sizeof(exp), "X-Length: 1 %llu\r\n",
	    (unsigned long long)up.len);
	assert_true(test_memmem(hdrs.p, hdrs.n, exp, strlen(exp)));
	/* Streamed: MHD's buffer is far smaller than 5 MiB. */
	assert_true(atomic_load(&f->t.body_calls) > 10);
	assert_int_equal(wait_for(&f->t.dones, 1), 1);
	assert_int_equal(atomic_load(&f->t.last_body_bytes), up.len);

	curl_easy_cleanup(h);
	mem_free(&body);
	mem_free(&hdrs);
	fix_stop(f);
}

static void
test_put_chunked(void **state)
{
	struct fix *f = fix_start(0, 0);
	struct mem body = { 0 }, hdrs = { 0 };
	struct upload up = { .len = 3 * MiB + 17, .step = 7777 };
	struct curl_slist *extra = NULL;
	char exp[128];
	CURL *h;

	(void)state;
	h = easy(f, "/put", &body, &hdrs);
	extra = curl_slist_append(extra, "Transfer-Encoding: chunked");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, extra);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, up_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &up);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(status_of(h), 200);
	snprintf(exp, sizeof(exp), "%llu %016llx",
	    (unsigned long long)up.len,
	    (unsigned long long)upload_hash(up.len));
	assert_string_equal(body.p, exp);
	assert_true(test_memmem(hdrs.p, hdrs.n, "X-Chunked: 1\r\n", 14));
	assert_true(test_memmem(hdrs.p, hdrs.n, "X-Length: 0 0\r\n", 15));

	/* The connection survives a chunked upload. */
	mem_free(&body);
	char url[128];
	snprintf(url, sizeof(url), "%s/next", f->base);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 0L);
	curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(connects_of(h), 0);
	assert_string_equal(body.p, "/next");

	curl_slist_free_all(extra);
	curl_easy_cleanup(h);
	mem_free(&body);
	mem_free(&hdrs);
	fix_stop(f);
}

static void
test_drain(void **state)
{
	struct fix *f = fix_start(0, 0);
	struct mem body = { 0 };
	struct upload up = { .len = 300 * 1024 };
	char url[128];
	CURL *h;

	(void)state;
	h = easy(f, "/drain", &body, NULL);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, up_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &up);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.len);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(status_of(h), 403);
	assert_string_equal(body.p, "denied");
	assert_int_equal(wait_for(&f->t.dones, 1), 1);
	assert_int_equal(atomic_load(&f->t.last_body_bytes), up.len);
	assert_int_equal(atomic_load(&f->t.body_calls), 0);
	assert_int_equal(atomic_load(&f->t.ends), 0);

	/* body() switching to DRAIN: the rest is read and discarded. */
	mem_free(&body);
	up.off = 0;
	snprintf(url, sizeof(url), "%s/middrain", f->base);
	curl_easy_setopt(h, CURLOPT_URL, url);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(status_of(h), 409);
	assert_int_equal(connects_of(h), 0);
	assert_string_equal(body.p, "conflict");
	assert_int_equal(wait_for(&f->t.dones, 2), 2);
	assert_int_equal(atomic_load(&f->t.last_body_bytes), up.len);
	assert_int_equal(atomic_load(&f->t.body_calls), 1);

	/* Still the same connection afterwards. */
	mem_free(&body);
	snprintf(url, sizeof(url), "%s/after", f->base);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 0L);
	curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(status_of(h), 200);
	assert_int_equal(connects_of(h), 0);
	assert_string_equal(body.p, "/after");

	curl_easy_cleanup(h);
	mem_free(&body);
	fix_stop(f);
}

static void
test_respond_early(void **state)
{
	struct fix *f = fix_start(0, 0);
	struct mem body = { 0 };
	struct upload up = { .len = 64 * MiB };
	struct curl_slist *extra = NULL;
	curl_off_t sent = -1;
	CURL *h;

	(void)state;
	h = easy(f, "/respond", &body, NULL);
	extra = curl_slist_append(extra, "Expect: 100-continue");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, extra);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, up_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &up);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.len);
	/* Longer than the test may take: a 100 would have to come from
	 * the server, not from curl giving up waiting. */
	curl_easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 20000L);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(status_of(h), 413);
	assert_string_equal(body.p, "too big");
	curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &sent);
	assert_int_equal(sent, 0);
	assert_int_equal(wait_for(&f->t.dones, 1), 1);
	assert_int_equal(atomic_load(&f->t.body_calls), 0);
	assert_int_equal(atomic_load(&f->t.last_body_bytes), 0);

	/* Without Expect the client is already sending; it may see the
	 * reply or a reset, but the server reads nothing and survives. */
	curl_slist_free_all(extra);
	extra = curl_slist_append(NULL, "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, extra);
	mem_free(&body);
	up.off = 0;
	CURLcode rc = curl_easy_perform(h);
	if (rc == CURLE_OK) {
		assert_int_equal(status_of(h), 413);
		assert_string_equal(body.p, "too big");
	}
	assert_true(up.off < up.len);
	assert_int_equal(wait_for(&f->t.dones, 2), 2);
	assert_int_equal(atomic_load(&f->t.body_calls), 0);

	curl_slist_free_all(extra);
	curl_easy_cleanup(h);
	mem_free(&body);
	fix_stop(f);
}

static void
test_respond_mid_body(void **state)
{
	struct fix *f = fix_start(0, 0);
	struct mem body = { 0 };
	struct upload up = { .len = 1 * MiB };
	char url[128];
	CURL *h;

	(void)state;
	/* MHD 0.9.75 cannot reply mid-body: a small remainder is drained
	 * and the reply follows on a connection that stays usable. */
	h = easy(f, "/midrespond", &body, NULL);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, up_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &up);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.len);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(status_of(h), 400);
	assert_string_equal(body.p, "stop");
	assert_int_equal(wait_for(&f->t.dones, 1), 1);
	assert_int_equal(atomic_load(&f->t.dones_ok), 1);
	assert_int_equal(atomic_load(&f->t.body_calls), 1);
	assert_int_equal(atomic_load(&f->t.last_body_bytes), up.len);
	mem_free(&body);
	snprintf(url, sizeof(url), "%s/again", f->base);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 0L);
	curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(connects_of(h), 0);
	assert_string_equal(body.p, "/again");
	curl_easy_cleanup(h);
	mem_free(&body);

	/* A large remainder closes the connection instead. */
	up = (struct upload){ .len = 64 * MiB };
	h = easy(f, "/midrespond", &body, NULL);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, up_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &up);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.len);
	assert_int_not_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(wait_for(&f->t.dones, 3), 3);
	assert_int_equal(atomic_load(&f->t.dones_failed), 1);
	assert_int_equal(atomic_load(&f->t.body_calls), 2);
	assert_true(atomic_load(&f->t.last_body_bytes) < 1 * MiB);
	assert_true(up.off < up.len);

	curl_easy_cleanup(h);
	mem_free(&body);
	fix_stop(f);
}

static size_t
check_pattern(char *p, size_t sz, size_t nm, void *ud)
{
	uint64_t *pos = ud;
	size_t n = sz * nm;

	for (size_t i = 0; i < n; i++)
		if ((uint8_t)p[i] != pattern(*pos + i))
			return 0;	/* aborts the transfer */
	*pos += n;
	return n;
}

static void
test_stream(void **state)
{
	struct fix *f = fix_start(0, 0);
	uint64_t pos = 0;
	curl_off_t cl = -1;
	CURL *h;

	(void)state;
	h = easy(f, "/stream", NULL, NULL);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, check_pattern);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &pos);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(status_of(h), 200);
	assert_int_equal(pos, 3 * MiB + 5);
	curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
	assert_int_equal(cl, 3 * MiB + 5);
	assert_int_equal(wait_for(&f->t.dones, 1), 1);
	assert_int_equal(atomic_load(&f->t.last_completed), 1);
	assert_int_equal(atomic_load(&f->t.last_bytes_sent), 3 * MiB + 5);
	assert_int_equal(wait_for(&f->t.stream_frees, 1), 1);

	/* And again on the same connection. */
	pos = 0;
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(connects_of(h), 0);
	assert_int_equal(pos, 3 * MiB + 5);

	curl_easy_cleanup(h);
	fix_stop(f);
}

static void
test_stream_error(void **state)
{
	struct fix *f = fix_start(0, 0);
	uint64_t pos = 0;
	struct mem body = { 0 };
	CURL *h;

	(void)state;
	h = easy(f, "/streamfail", NULL, NULL);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, check_pattern);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &pos);
	assert_int_not_equal(curl_easy_perform(h), CURLE_OK);
	assert_true(pos <= FAIL_AT);
	assert_int_equal(wait_for(&f->t.dones, 1), 1);
	assert_int_equal(atomic_load(&f->t.dones_failed), 1);
	assert_int_equal(atomic_load(&f->t.last_completed), 0);
	assert_int_equal(atomic_load(&f->t.last_bytes_sent), FAIL_AT);
	assert_int_equal(wait_for(&f->t.stream_frees, 1), 1);
	curl_easy_cleanup(h);

	/* The server carries on. */
	h = easy(f, "/ok", &body, NULL);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(status_of(h), 200);
	assert_string_equal(body.p, "/ok");
	curl_easy_cleanup(h);
	mem_free(&body);
	fix_stop(f);
}

static void
test_head(void **state)
{
	struct fix *f = fix_start(0, 0);
	struct mem body = { 0 }, raw = { 0 };
	curl_off_t cl = -1, got = -1;
	const char *end;
	CURL *h;

	(void)state;
	h = easy(f, "/head", &body, NULL);
	curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(status_of(h), 200);
	curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
	assert_int_equal(cl, HEAD_LENGTH);
	curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &got);
	assert_int_equal(got, 0);
	/* Keep-alive survives a HEAD. */
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_int_equal(connects_of(h), 0);
	curl_easy_cleanup(h);
	assert_int_equal(wait_for(&f->t.dones, 2), 2);
	assert_int_equal(atomic_load(&f->t.dones_ok), 2);
	assert_int_equal(atomic_load(&f->t.last_bytes_sent), 0);

	/* On the wire: the header block and not one byte more. */
	raw_exchange(http_server_port(f->srv),
	    "HEAD /head HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &raw);
	assert_non_null(raw.p);
	assert_true(str_has_prefix(raw.p, "HTTP/1.1 200"));
	assert_true(test_memmem(raw.p, raw.n, "Content-Length: 12345\r\n", 23));
	assert_true(test_memmem(raw.p, raw.n, "ETag: \"abc\"\r\n", 13));
	end = strstr(raw.p, "\r\n\r\n");
	assert_non_null(end);
	assert_int_equal((size_t)(end + 4 - raw.p), raw.n);

	mem_free(&body);
	mem_free(&raw);
	fix_stop(f);
}

static void
test_malformed(void **state)
{
	struct fix *f = fix_start(0, 0);
	struct mem raw = { 0 };

	(void)state;
	/* The URI log callback runs, begin() never does: the request must
	 * be freed without done() (ASan reports a leak otherwise). */
	raw_exchange(http_server_port(f->srv),
	    "GET /x HTTP/1.1\r\nHost: a\r\nNoColonHere\r\n\r\n", &raw);
	assert_non_null(raw.p);
	assert_true(str_has_prefix(raw.p, "HTTP/1.1 400"));
	mem_free(&raw);
	/* A Content-Length MHD cannot parse. */
	raw_exchange(http_server_port(f->srv),
	    "PUT /y HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", &raw);
	assert_non_null(raw.p);
	assert_true(str_has_prefix(raw.p, "HTTP/1.1 400"));
	mem_free(&raw);
	/* A client that leaves halfway through the headers. */
	int fd = raw_connect(http_server_port(f->srv));
	assert_true(fd >= 0);
	send(fd, "GET /z HTTP/1.1\r\nHo", 19, MSG_NOSIGNAL);
	sleep_ms(50);
	close(fd);
	sleep_ms(50);
	assert_int_equal(atomic_load(&f->t.begins), 0);
	fix_stop(f);
}

/* A target or headers that fit MHD's pool but not the request arena:
 * refused by http/ before begin(), worded by the handler when it can. */
static void
test_refuse(void **state)
{
	static const struct http_handler *const hs[] = { &handler,
	    &handler_refuse };
	char *req;
	size_t cap = 64 * 1024;

	(void)state;
	req = malloc(cap);
	assert_non_null(req);
	for (int i = 0; i < 2; i++) {
		struct fix *f = calloc(1, sizeof(*f));
		struct http_settings s = {
			.listen = "127.0.0.1:0", .handler = hs[i],
			.arena_cap = 4096,
		};
		struct mem raw = { 0 };
		size_t n;

		assert_non_null(f);
		s.ctx = &f->t;
		atomic_store(&refusals, 0);
		assert_int_equal(http_server_start(&s, &f->srv), ERR_OK);
		/* a target over the arena */
		n = (size_t)snprintf(req, cap, "GET /");
		memset(req + n, 'a', 8000);
		n += 8000;
		snprintf(req + n, cap - n, " HTTP/1.1\r\nHost: a\r\n\r\n");
		raw_exchange(http_server_port(f->srv), req, &raw);
		assert_non_null(raw.p);
		if (i == 0)
			assert_true(str_has_prefix(raw.p, "HTTP/1.1 414"));
		else {
			assert_true(str_has_prefix(raw.p, "HTTP/1.1 400"));
			assert_true(test_memmem(raw.p, raw.n, "refused 414", 11));
		}
		assert_true(test_memmem(raw.p, raw.n, "onnection: close", 16));
		mem_free(&raw);
		/* headers over the arena */
		n = (size_t)snprintf(req, cap, "GET / HTTP/1.1\r\nHost: a\r\n");
		for (int h = 0; h < 100; h++)
			n += (size_t)snprintf(req + n, cap - n,
			    "X-Filler-%03d: %080d\r\n", h, h);
		snprintf(req + n, cap - n, "\r\n");
		raw_exchange(http_server_port(f->srv), req, &raw);
		assert_non_null(raw.p);
		if (i == 0)
			assert_true(str_has_prefix(raw.p, "HTTP/1.1 431"));
		else
			assert_true(test_memmem(raw.p, raw.n, "refused 431", 11));
		mem_free(&raw);
		assert_int_equal(atomic_load(&refusals), i == 0 ? 0 : 2);
		/* begin() never ran, so neither did done() */
		fix_stop(f);
	}
	free(req);
}

static void
test_parallel(void **state)
{
	struct fix *f = fix_start(4, 0);
	enum { N = 5 };
	struct mem body[N];
	struct upload up[N];
	CURL *h[N];
	CURLM *m = curl_multi_init();
	atomic_bool release = false;
	int running = 1;
	bool seen_all = false;
	long ports[N];
	char exp[128];

	(void)state;
	memset(body, 0, sizeof(body));
	for (int i = 0; i < N; i++) {
		up[i] = (struct upload){ .len = 1000 + (uint64_t)i,
		    .release = &release };
		h[i] = easy(f, "/par", &body[i], NULL);
		curl_easy_setopt(h[i], CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h[i], CURLOPT_READFUNCTION, up_read);
		curl_easy_setopt(h[i], CURLOPT_READDATA, &up[i]);
		curl_easy_setopt(h[i], CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)up[i].len);
		curl_multi_add_handle(m, h[i]);
	}
	/* Bodies are held back until the server has all five requests
	 * between begin() and done() at once. */
	int64_t deadline = clock_mono_us() + 20 * 1000000LL;
	while (running > 0 && clock_mono_us() < deadline) {
		curl_multi_perform(m, &running);
		if (!seen_all && http_server_inflight(f->srv) == N) {
			seen_all = true;
			atomic_store(&release, true);
			for (int i = 0; i < N; i++)
				curl_easy_pause(h[i], CURLPAUSE_CONT);
		}
		curl_multi_poll(m, NULL, 0, 20, NULL);
	}
	assert_true(seen_all);
	assert_int_equal(running, 0);
	for (int i = 0; i < N; i++) {
		assert_int_equal(status_of(h[i]), 200);
		assert_int_equal(connects_of(h[i]), 1);
		snprintf(exp, sizeof(exp), "%llu %016llx",
		    (unsigned long long)up[i].len,
		    (unsigned long long)upload_hash(up[i].len));
		assert_string_equal(body[i].p, exp);
		curl_easy_getinfo(h[i], CURLINFO_LOCAL_PORT, &ports[i]);
		for (int j = 0; j < i; j++)
			assert_int_not_equal(ports[i], ports[j]);
	}
	for (int i = 0; i < N; i++) {
		curl_multi_remove_handle(m, h[i]);
		curl_easy_cleanup(h[i]);
		mem_free(&body[i]);
	}
	curl_multi_cleanup(m);
	assert_int_equal(wait_for(&f->t.dones, N), N);
	fix_stop(f);
}

static bool
peer_closed(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, ms) != 1)
		return false;
	return recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

static void
test_per_ip_limit(void **state)
{
	struct fix *f = fix_start(1, 2);
	uint16_t port = http_server_port(f->srv);
	struct mem body = { 0 };
	int fd[3];
	CURL *h;
	long code = 0;

	(void)state;
	fd[0] = raw_connect(port);
	fd[1] = raw_connect(port);
	assert_true(fd[0] >= 0 && fd[1] >= 0);
	sleep_ms(200);	/* let MHD accept and count both */
	fd[2] = raw_connect(port);
	assert_true(fd[2] >= 0);
	assert_true(peer_closed(fd[2], 3000));
	assert_false(peer_closed(fd[0], 200));
	assert_false(peer_closed(fd[1], 10));
	for (int i = 0; i < 3; i++)
		close(fd[i]);

	/* Once the idle sockets are gone a real client gets in. */
	h = easy(f, "/back", &body, NULL);
	for (int i = 0; i < 50 && code != 200; i++) {
		mem_free(&body);
		if (curl_easy_perform(h) == CURLE_OK)
			code = status_of(h);
		else
			sleep_ms(50);
	}
	assert_int_equal(code, 200);
	assert_string_equal(body.p, "/back");
	curl_easy_cleanup(h);
	mem_free(&body);
	fix_stop(f);
}

struct slow_get {
	const struct fix	*f;
	CURLcode		 rc;
	long			 status;
	uint64_t		 pos;
};

static void *
slow_get_run(void *arg)
{
	struct slow_get *g = arg;
	CURL *h = curl_easy_init();
	char url[128];

	snprintf(url, sizeof(url), "%s/slow", g->f->base);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, check_pattern);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &g->pos);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	g->rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &g->status);
	curl_easy_cleanup(h);
	return NULL;
}

static void
test_quiesce(void **state)
{
	struct fix *f = fix_start(2, 0);
	struct slow_get g = { .f = f };
	pthread_t th;
	unsigned n = 0;
	int fd;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, slow_get_run, &g), 0);
	for (int i = 0; i < 500 && n != 1; i++) {
		n = http_server_inflight(f->srv);
		if (n != 1)
			sleep_ms(5);
	}
	assert_int_equal(n, 1);
	http_server_quiesce(f->srv);
	http_server_quiesce(f->srv);	/* idempotent */
	fd = raw_connect(http_server_port(f->srv));
	assert_int_equal(fd, -1);
	assert_int_equal(errno, ECONNREFUSED);

	/* The request in flight finishes normally. */
	for (int i = 0; i < 500 && n != 0; i++) {
		n = http_server_inflight(f->srv);
		if (n != 0)
			sleep_ms(10);
	}
	assert_int_equal(n, 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(g.rc, CURLE_OK);
	assert_int_equal(g.status, 200);
	assert_int_equal(g.pos, SLOW_CHUNK * SLOW_CHUNKS);
	assert_int_equal(atomic_load(&f->t.dones_ok), 1);
	fix_stop(f);
}

/* stop() with a request still in flight: done(false) comes from stop. */
static void
test_stop_inflight(void **state)
{
	struct fix *f = fix_start(1, 0);
	int fd;

	(void)state;
	fd = raw_connect(http_server_port(f->srv));
	assert_true(fd >= 0);
	const char *req = "PUT /put HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 100000\r\n\r\npartial";
	send(fd, req, strlen(req), MSG_NOSIGNAL);
	assert_int_equal(wait_for(&f->t.begins, 1), 1);
	assert_int_equal(http_server_inflight(f->srv), 1);
	http_server_stop(f->srv);
	assert_int_equal(atomic_load(&f->t.dones), 1);
	assert_int_equal(atomic_load(&f->t.dones_failed), 1);
	close(fd);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_listen_parse),
		cmocka_unit_test(test_get_keepalive),
		cmocka_unit_test(test_put_length),
		cmocka_unit_test(test_put_chunked),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_respond_early),
		cmocka_unit_test(test_respond_mid_body),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_stream_error),
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_refuse),
		cmocka_unit_test(test_parallel),
		cmocka_unit_test(test_per_ip_limit),
		cmocka_unit_test(test_quiesce),
		cmocka_unit_test(test_stop_inflight),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
