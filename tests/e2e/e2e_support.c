/* SPDX-License-Identifier: ISC */
/*
 * e2e_support.c: see e2e_support.h.
 *
 * Why a drain thread rather than reading stderr into a file directly: the
 * brief of the e2e tier is that the daemon announces its port on stderr, so
 * a launcher must read that stream; once the port is known the same thread
 * keeps copying to a file so an access-log heavy test can never fill the
 * pipe and stall the daemon inside a write(2).
 */
#include "e2e/e2e_support.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/str.h"
#include "support/test_support.h"

extern char **environ;

#define SCAN_MAX	16384
#define MAX_HEADERS	64

struct e2e_daemon {
	pid_t		 pid;
	bool		 reaped;
	int		 result;		/* as e2e_daemon_wait */
	char		*run_dir;		/* ours: log (+ data) */
	char		 data_dir[PATH_MAX];
	char		 log_path[PATH_MAX];
	int		 pipe_rd;
	int		 log_fd;
	pthread_t	 thr;
	bool		 thr_started;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	uint16_t	 port;			/* under mu */
	bool		 eof;			/* under mu */
	char		 scan[SCAN_MAX];	/* start of stderr, for the port */
	size_t		 scan_len;
};

/* Parses "<tag>ADDR:PORT " from the listening line in the scanned prefix;
 * 0 if absent or not complete yet. */
static uint16_t
scan_tag_port(const char *s, const char *tag)
{
	const char *p = strstr(s, "listening oss=");
	const char *end, *colon = NULL;
	uint64_t v;

	if (p == NULL || (p = strstr(p, tag)) == NULL)
		return 0;
	p += strlen(tag);
	end = p + strcspn(p, " \n");
	if (*end == '\0')
		return 0;	/* line not complete */
	for (const char *q = p; q < end; q++)
		if (*q == ':')
			colon = q;
	if (colon == NULL || !str_to_u64n(colon + 1, (size_t)(end - colon - 1),
	    65535, &v) || v == 0)
		return 0;
	return (uint16_t)v;
}

static uint16_t
scan_port(const char *s)
{
	return scan_tag_port(s, "oss=");
}

static void *
drain(void *arg)
{
	struct e2e_daemon *d = arg;
	char b[8192];

	for (;;) {
		ssize_t n = read(d->pipe_rd, b, sizeof(b));
		ssize_t off = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		while (off < n) {
			ssize_t w = write(d->log_fd, b + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			off += w;
		}
		pthread_mutex_lock(&d->mu);
		if (d->port == 0 && d->scan_len + 1 < SCAN_MAX) {
			size_t k = (size_t)n;
			if (k > SCAN_MAX - 1 - d->scan_len)
				k = SCAN_MAX - 1 - d->scan_len;
			memcpy(d->scan + d->scan_len, b, k);
			d->scan_len += k;
			d->scan[d->scan_len] = '\0';
			d->port = scan_port(d->scan);
			if (d->port != 0)
				pthread_cond_broadcast(&d->cv);
		}
		pthread_mutex_unlock(&d->mu);
	}
	pthread_mutex_lock(&d->mu);
	d->eof = true;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

/* True when extra sets the variable of entry ("NAME=..."). */
static bool
env_in(const char *entry, const char *const *extra)
{
	size_t n = strcspn(entry, "=");

	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
		if (strncmp(entry, extra[i], n) == 0 && extra[i][n] == '=')
			return true;
	return false;
}

static bool
env_overridden(const char *entry, const char *const *extra)
{
	/* Never let the test runner's own systemd or failpoint context leak
	 * into a daemon that did not ask for it. */
	static const char *const scrub[] = { "NOTIFY_SOCKET=",
	    "STATE_DIRECTORY=", "CREDENTIALS_DIRECTORY=", "COFFER_CRASH_AT=",
	    "COFFER_ROOT_ACCESS_KEY_ID=", "COFFER_ROOT_ACCESS_KEY_SECRET=",
	    "LISTEN_FDS=", "WATCHDOG_USEC=" };

	for (size_t i = 0; i < sizeof(scrub) / sizeof(scrub[0]); i++)
		if (str_has_prefix(entry, scrub[i]))
			return true;
	return env_in(entry, extra);
}

static int
result_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

int
e2e_daemon_wait(struct e2e_daemon *d, unsigned timeout_ms)
{
	int64_t deadline = clock_mono_us() + (int64_t)timeout_ms * 1000;
	int status;

	if (d->reaped)
		return d->result;
	for (;;) {
		pid_t p = waitpid(d->pid, &status, WNOHANG);

		if (p == d->pid) {
			d->reaped = true;
			d->result = result_of(status);
			/* A crash nobody asked for: what the daemon said last
			 * (glibc's and libmicrohttpd's last words go to stderr)
			 * is the only record once the test dir is gone. */
			if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL &&
			    WTERMSIG(status) != SIGTERM) {
				fprintf(stderr, "e2e: cofferd died of signal %d\n",
				    WTERMSIG(status));
				e2e_daemon_dump_log(d);
			}
			return d->result;
		}
		if (p < 0 && errno != EINTR) {
			d->reaped = true;
			d->result = -1;
			return -1;
		}
		if (clock_mono_us() >= deadline)
			return -1;
		usleep(5000);
	}
}

void
e2e_daemon_signal(struct e2e_daemon *d, int sig)
{
	if (!d->reaped)
		(void)kill(d->pid, sig);
}

void
e2e_daemon_kill9(struct e2e_daemon *d)
{
	if (d->reaped)
		return;
	(void)kill(d->pid, SIGKILL);
	(void)e2e_daemon_wait(d, 60000);
}

int
e2e_daemon_stop(struct e2e_daemon *d)
{
	int r;

	e2e_daemon_signal(d, SIGTERM);
	r = e2e_daemon_wait(d, 60000);
	if (r == -1 && !d->reaped)
		e2e_daemon_kill9(d);
	if (r != 0)
		e2e_daemon_dump_log(d);
	return r;
}

static void
join_drain(struct e2e_daemon *d)
{
	if (!d->thr_started)
		return;
	pthread_join(d->thr, NULL);
	d->thr_started = false;
}

void
e2e_daemon_free(struct e2e_daemon *d)
{
	if (d == NULL)
		return;
	if (d->pid > 0)
		e2e_daemon_kill9(d);
	join_drain(d);
	if (d->pipe_rd >= 0)
		close(d->pipe_rd);
	if (d->log_fd >= 0)
		close(d->log_fd);
	if (d->run_dir != NULL && getenv("E2E_KEEP") == NULL)
		test_rmrf(d->run_dir);
	free(d->run_dir);
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	free(d);
}

/* Waits for the port or EOF; false on timeout or EOF. */
static bool
wait_port(struct e2e_daemon *d, unsigned timeout_s)
{
	struct timespec ts;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_s;
	pthread_mutex_lock(&d->mu);
	while (d->port == 0 && !d->eof)
		if (pthread_cond_timedwait(&d->cv, &d->mu, &ts) == ETIMEDOUT)
			break;
	ok = d->port != 0;
	pthread_mutex_unlock(&d->mu);
	return ok;
}

enum err
e2e_daemon_start(const struct e2e_opts *o, struct e2e_daemon **ret)
{
	static const struct e2e_opts none;
	const char *bin = getenv("COFFERD");
	const char *argv[64], *envp_fixed[2];
	char **envp = NULL;
	struct e2e_daemon *d;
	size_t na = 0, ne = 0, nenv = 0;
	int pfd[2] = { -1, -1 };
	enum err r = ERR_IO;

	if (o == NULL)
		o = &none;
	if (bin == NULL || *bin == '\0') {
		fprintf(stderr, "e2e: $COFFERD is not set\n");
		return ERR_INVALID_ARGUMENT;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return ERR_NOMEM;
	d->pipe_rd = -1;
	d->log_fd = -1;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	d->run_dir = test_tmpdir("e2e");
	if (o->data_dir != NULL)
		str_copy(d->data_dir, sizeof(d->data_dir), o->data_dir);
	else
		snprintf(d->data_dir, sizeof(d->data_dir), "%s/data", d->run_dir);
	snprintf(d->log_path, sizeof(d->log_path), "%s/cofferd.log",
	    d->run_dir);
	d->log_fd = open(d->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	if (d->log_fd < 0 || pipe2(pfd, O_CLOEXEC) != 0) {
		perror("e2e: log file or pipe");
		goto out;
	}

	argv[na++] = bin;
	argv[na++] = "--data-dir";
	argv[na++] = d->data_dir;
	if (!o->no_listen_flag) {
		argv[na++] = "--oss-listen";
		argv[na++] = "127.0.0.1:0";
		/* and the KMS listener: its default port would collide
		 * between daemons started in parallel */
		argv[na++] = "--kms-listen";
		argv[na++] = "127.0.0.1:0";
		argv[na++] = "--rtmp-listen";
		argv[na++] = "127.0.0.1:0";
	}
	argv[na++] = "--log-level";
	argv[na++] = "info";
	for (size_t i = 0; o->args != NULL && o->args[i] != NULL; i++) {
		if (na + 1 >= sizeof(argv) / sizeof(argv[0]))
			goto out;
		argv[na++] = o->args[i];
	}
	argv[na] = NULL;

	/* The environment is built before fork: only async-signal-safe
	 * calls happen in the child of this multi-threaded process. */
	envp_fixed[0] = "COFFER_ROOT_ACCESS_KEY_ID=" E2E_ROOT_AK;
	envp_fixed[1] = "COFFER_ROOT_ACCESS_KEY_SECRET=" E2E_ROOT_SK;
	for (char **e = environ; *e != NULL; e++)
		nenv++;
	for (size_t i = 0; o->env != NULL && o->env[i] != NULL; i++)
		nenv++;
	envp = calloc(nenv + 3, sizeof(*envp));
	if (envp == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; o->env != NULL && o->env[i] != NULL; i++)
		envp[ne++] = (char *)(uintptr_t)o->env[i];
	for (size_t i = 0; i < 2; i++)
		if (!env_in(envp_fixed[i], o->env))
			envp[ne++] = (char *)(uintptr_t)envp_fixed[i];
	for (char **e = environ; *e != NULL; e++)
		if (!env_overridden(*e, o->env))
			envp[ne++] = *e;
	envp[ne] = NULL;

	d->pid = fork();
	if (d->pid < 0) {
		perror("e2e: fork");
		goto out;
	}
	if (d->pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		/* Never outlive a crashed or killed test. */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (nul >= 0)
			(void)dup2(nul, 0);
		(void)dup2(pfd[1], 1);
		(void)dup2(pfd[1], 2);
		execve(bin, (char *const *)(uintptr_t)argv, envp);
		_exit(127);
	}
	close(pfd[1]);
	pfd[1] = -1;
	d->pipe_rd = pfd[0];
	pfd[0] = -1;
	if (pthread_create(&d->thr, NULL, drain, d) != 0)
		goto out;
	d->thr_started = true;
	if (!wait_port(d, o->start_timeout_s ? o->start_timeout_s : 30)) {
		fprintf(stderr, "e2e: cofferd printed no listening line\n");
		e2e_daemon_kill9(d);
		join_drain(d);
		e2e_daemon_dump_log(d);
		goto out;
	}
	r = ERR_OK;
out:
	free(envp);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (r != ERR_OK) {
		e2e_daemon_free(d);
		return r;
	}
	*ret = d;
	return ERR_OK;
}

uint16_t
e2e_daemon_kms_port(const struct e2e_daemon *d)
{
	/* The line is complete once the OSS port is known. */
	return scan_tag_port(d->scan, " kms=");
}

uint16_t
e2e_daemon_port(const struct e2e_daemon *d)
{
	return d->port;
}

pid_t
e2e_daemon_pid(const struct e2e_daemon *d)
{
	return d->pid;
}

const char *
e2e_daemon_data_dir(const struct e2e_daemon *d)
{
	return d->data_dir;
}

const char *
e2e_daemon_log_path(const struct e2e_daemon *d)
{
	return d->log_path;
}

bool
e2e_daemon_log_has(const struct e2e_daemon *d, const char *needle)
{
	size_t n = 0;
	char *s = test_read_file(d->log_path, &n);
	bool found;

	if (s == NULL)
		return false;
	found = memmem(s, n, needle, strlen(needle)) != NULL;
	free(s);
	return found;
}

bool
e2e_daemon_log_sanitizer(const struct e2e_daemon *d)
{
	return e2e_daemon_log_has(d, "ERROR: AddressSanitizer") ||
	    e2e_daemon_log_has(d, "ERROR: LeakSanitizer") ||
	    e2e_daemon_log_has(d, "runtime error:");
}

void
e2e_daemon_dump_log(const struct e2e_daemon *d)
{
	size_t n = 0;
	char *s = test_read_file(d->log_path, &n);
	size_t from = n > 16384 ? n - 16384 : 0;

	fprintf(stderr, "---- cofferd log (%s, last %zu bytes) ----\n",
	    d->log_path, n - from);
	if (s != NULL)
		fwrite(s + from, 1, n - from, stderr);
	fprintf(stderr, "---- end of cofferd log ----\n");
	free(s);
}

/* ---- requests ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct upload {
	const char	*p;
	size_t		 len;
	size_t		 off;
	size_t		 abort_after;
	unsigned	 abort_delay_ms;
};

static size_t
on_read(char *out, size_t size, size_t nmemb, void *ctx)
{
	struct upload *u = ctx;
	size_t n = size * nmemb;

	if (u->abort_after > 0 && u->off >= u->abort_after) {
		/* curl asks for more only once it has written out what it
		 * had, so the bytes are on the wire before the close. */
		if (u->abort_delay_ms > 0)
			usleep(u->abort_delay_ms * 1000);
		return CURL_READFUNC_ABORT;
	}
	if (u->abort_after > 0 && n > u->abort_after - u->off)
		n = u->abort_after - u->off;
	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(out, u->p + u->off, n);
	u->off += n;
	return n;
}

static size_t
on_write(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct buf *b = ctx;
	size_t n = size * nmemb;

	return buf_append(b, p, n) == ERR_OK ? n : 0;
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct e2e_resp *r = ctx;
	size_t n = size * nmemb, len = n;
	const char *colon;
	char *name, *value;

	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* A new status line (after 100 Continue): start over. */
		for (size_t i = 0; i < r->nheaders; i++) {
			free((char *)(uintptr_t)r->headers[i].name);
			free((char *)(uintptr_t)r->headers[i].value);
		}
		r->nheaders = 0;
		return n;
	}
	colon = memchr(p, ':', len);
	if (colon == NULL || r->nheaders == MAX_HEADERS)
		return n;
	name = str_ndup(p, (size_t)(colon - p));
	colon++;
	while (colon < p + len && (*colon == ' ' || *colon == '\t'))
		colon++;
	value = str_ndup(colon, (size_t)(p + len - colon));
	if (name == NULL || value == NULL) {
		free(name);
		free(value);
		return 0;
	}
	str_lower(name);
	r->headers[r->nheaders].name = name;
	r->headers[r->nheaders].value = value;
	r->nheaders++;
	return n;
}

void
e2e_resp_free(struct e2e_resp *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nheaders; i++) {
		free((char *)(uintptr_t)r->headers[i].name);
		free((char *)(uintptr_t)r->headers[i].value);
	}
	free(r->headers);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

const char *
e2e_resp_header(const struct e2e_resp *r, const char *lname)
{
	return kv_get(r->headers, r->nheaders, lname);
}

/* "/bucket/key?q" with the key and query percent-encoded. */
static enum err
build_target(const struct e2e_req *rq, struct buf *b)
{
	enum err r = ERR_OK;

	if (rq->path != NULL)
		r = buf_puts(b, rq->path);
	else {
		r = buf_putc(b, '/');
		if (r == ERR_OK && rq->bucket != NULL) {
			r = buf_puts(b, rq->bucket);
			if (r == ERR_OK)
				r = buf_putc(b, '/');
			if (r == ERR_OK && rq->key != NULL)
				r = url_encode(b, rq->key, strlen(rq->key), true);
		}
	}
	for (size_t i = 0; r == ERR_OK && i < rq->nquery; i++) {
		const struct kv *q = &rq->query[i];

		r = buf_putc(b, i == 0 ? '?' : '&');
		if (r == ERR_OK)
			r = url_encode(b, q->name, strlen(q->name), false);
		if (r == ERR_OK && q->value != NULL) {
			r = buf_putc(b, '=');
			if (r == ERR_OK)
				r = url_encode(b, q->value, strlen(q->value),
				    false);
		}
	}
	return r;
}

enum err
e2e_request(uint16_t port, const struct e2e_req *rq, struct e2e_resp *ret)
{
	struct kv signed_h[MAX_HEADERS + 1];
	char lower[MAX_HEADERS + 1][128];
	char date[TIME_RFC1123_BYTES], line[1024], sig[29];
	struct curl_slist *hl = NULL;
	struct upload up = { rq->body, rq->body_len, 0, rq->abort_after,
	    rq->abort_delay_ms };
	struct buf target, url, body, sts;
	size_t nh = 0;
	CURL *c = NULL;
	CURLcode cc;
	enum err r = ERR_OK;

	memset(ret, 0, sizeof(*ret));
	buf_init(&target, 64 * 1024);
	buf_init(&url, 64 * 1024);
	buf_init(&body, (size_t)1 << 30);
	buf_init(&sts, 64 * 1024);
	if (rq->nheaders > MAX_HEADERS)
		return ERR_INVALID_ARGUMENT;
	ret->headers = calloc(MAX_HEADERS, sizeof(*ret->headers));
	if (ret->headers == NULL)
		return ERR_NOMEM;
	pthread_once(&curl_once, curl_init_once);

	r = build_target(rq, &target);
	if (r == ERR_OK)
		r = buf_printf(&url, "http://127.0.0.1:%u%s", (unsigned)port,
		    buf_cstr(&target));
	if (r != ERR_OK)
		goto out;

	/* Headers as the server will see them: names lower-cased. */
	for (size_t i = 0; i < rq->nheaders; i++) {
		str_copy(lower[nh], sizeof(lower[nh]), rq->headers[i].name);
		str_lower(lower[nh]);
		signed_h[nh].name = lower[nh];
		signed_h[nh].value = rq->headers[i].value;
		nh++;
		snprintf(line, sizeof(line), "%s: %s", rq->headers[i].name,
		    rq->headers[i].value);
		hl = curl_slist_append(hl, line);
	}
	time_fmt_rfc1123(date, clock_wall_ms());
	if (rq->ak != NULL) {
		struct auth_input in = {
			.method = rq->method,
			.bucket = rq->bucket,
			.key = rq->key,
			.headers = signed_h,
			.query = rq->query,
			.nquery = rq->nquery,
			.region = "cn-hangzhou",
			.now_ms = clock_wall_ms(),
		};

		str_copy(lower[nh], sizeof(lower[nh]), rq->oss_date ?
		    "x-oss-date" : "date");
		signed_h[nh].name = lower[nh];
		signed_h[nh].value = date;
		nh++;
		in.nheaders = nh;
		r = auth_v1_string_to_sign(&in, date, false, true, &sts);
		if (r != ERR_OK)
			goto out;
		auth_v1_sign(sig, rq->sk, buf_cstr(&sts), sts.len);
		snprintf(line, sizeof(line), "%s: %s", rq->oss_date ?
		    "x-oss-date" : "Date", date);
		hl = curl_slist_append(hl, line);
		snprintf(line, sizeof(line), "Authorization: OSS %s:%s", rq->ak,
		    sig);
		hl = curl_slist_append(hl, line);
	}
	/* Nothing curl would add on its own may reach the signed lines. */
	hl = curl_slist_append(hl, "Expect:");
	if (kv_get(signed_h, nh, "content-type") == NULL)
		hl = curl_slist_append(hl, "Content-Type:");

	c = curl_easy_init();
	if (c == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, buf_cstr(&url));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, rq->timeout_ms ?
	    rq->timeout_ms : 60000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, ret);
	if (rq->iface != NULL)
		curl_easy_setopt(c, CURLOPT_INTERFACE, rq->iface);
	if (rq->max_send_bps > 0)
		curl_easy_setopt(c, CURLOPT_MAX_SEND_SPEED_LARGE,
		    (curl_off_t)rq->max_send_bps);
	if (strcmp(rq->method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (rq->body != NULL || strcmp(rq->method, "PUT") == 0 ||
	    strcmp(rq->method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &up);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)rq->body_len);
		if (strcmp(rq->method, "PUT") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
	} else if (strcmp(rq->method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);

	cc = curl_easy_perform(c);
	ret->curl_code = (int)cc;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ret->status);
	if (cc != CURLE_OK)
		r = ERR_IO;
	ret->body = buf_steal(&body, &ret->body_len);
	if (ret->body == NULL)
		ret->body = calloc(1, 1);
out:
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	buf_free(&target);
	buf_free(&url);
	buf_free(&body);
	buf_free(&sts);
	return r;
}

long
e2e_call(const struct e2e_daemon *d, const char *method, const char *bucket,
    const char *key, const void *body, size_t len, struct e2e_resp *ret)
{
	struct e2e_req rq = {
		.method = method, .bucket = bucket, .key = key,
		.body = body, .body_len = len,
		.ak = E2E_ROOT_AK, .sk = E2E_ROOT_SK,
	};
	struct e2e_resp tmp;
	long status;

	(void)e2e_request(d->port, &rq, ret != NULL ? ret : &tmp);
	status = ret != NULL ? ret->status : tmp.status;
	if (ret == NULL)
		e2e_resp_free(&tmp);
	return status;
}

/* ---- data-dir helpers ---- */

static long
walk(const char *dir, const void *needle, size_t m, char **found)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	long count = 0;

	if (dp == NULL)
		return -1;
	while ((e = readdir(dp)) != NULL) {
		char path[PATH_MAX];
		struct stat sb;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			long sub = walk(path, needle, m, found);
			if (sub < 0) {
				count = -1;
				break;
			}
			count += sub;
		} else if (S_ISREG(sb.st_mode)) {
			count++;
			if (needle != NULL && *found == NULL) {
				size_t n = 0;
				char *s = test_read_file(path, &n);

				if (s != NULL && memmem(s, n, needle, m) != NULL)
					*found = strdup(path);
				free(s);
			}
		}
	}
	closedir(dp);
	return count;
}

long
e2e_count_files(const char *dir)
{
	char *found = NULL;

	return walk(dir, NULL, 0, &found);
}

char *
e2e_find_in_files(const char *dir, const void *needle, size_t m)
{
	char *found = NULL;

	(void)walk(dir, needle, m, &found);
	return found;
}

void
e2e_fill(void *p, size_t n, uint64_t seed)
{
	uint8_t *o = p;
	uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		o[i] = (uint8_t)(x >> 24);
	}
}
