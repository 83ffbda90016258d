/* SPDX-License-Identifier: ISC */
/*
 * allocfail.c: an LD_PRELOAD hook that makes the N-th heap allocation of a
 * process fail (reliability.md T10, SQLite's OOM method): transient (only
 * the N-th) or persistent (the N-th and every later one).
 *
 *   ALLOCFAIL_N=N ALLOCFAIL_MODE=transient|persistent LD_PRELOAD=...so
 *
 * Counting starts at SIGUSR1 (so start-up is not swept with the requests)
 * and stops at SIGUSR2, which also writes one line to stderr:
 *
 *   allocfail: count=C failed=F
 *
 * C allocations were counted, F of them failed; F = 0 means the run never
 * reached the N-th. cofferd leaves both signals alone. malloc, calloc and
 * realloc fail with ENOMEM; free passes through. Under ASan the hook sits
 * in front of the sanitizer's allocator (ASAN_OPTIONS
 * verify_asan_link_order=0), so LeakSanitizer still sees every block.
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);

static atomic_int armed;
static atomic_ulong count, failed;
static unsigned long fail_at;
static int persistent;

/* dlsym allocates before the real functions are known: a small bump
 * arena serves it, and free ignores blocks from there. */
static _Alignas(max_align_t) unsigned char boot[8192];
static atomic_size_t boot_used;

static void *
boot_alloc(size_t n)
{
	size_t a = _Alignof(max_align_t);
	size_t off = atomic_fetch_add(&boot_used, (n + a - 1) / a * a);

	if (off + n > sizeof(boot))
		return NULL;
	return boot + off;
}

static int
from_boot(const void *p)
{
	return (const unsigned char *)p >= boot &&
	    (const unsigned char *)p < boot + sizeof(boot);
}

static int
should_fail(void)
{
	unsigned long c;

	if (!atomic_load_explicit(&armed, memory_order_relaxed))
		return 0;
	c = atomic_fetch_add(&count, 1) + 1;
	if (c == fail_at || (persistent && c > fail_at)) {
		atomic_fetch_add(&failed, 1);
		return 1;
	}
	return 0;
}

static void
put_ulong(char **p, unsigned long v)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*(*p)++ = tmp[--n];
}

static void
on_signal(int sig)
{
	char line[80], *p = line;
	int saved = errno;

	if (sig == SIGUSR1) {
		atomic_store(&count, 0);
		atomic_store(&failed, 0);
		atomic_store(&armed, 1);
		return;
	}
	atomic_store(&armed, 0);
	memcpy(p, "allocfail: count=", 17);
	p += 17;
	put_ulong(&p, atomic_load(&count));
	memcpy(p, " failed=", 8);
	p += 8;
	put_ulong(&p, atomic_load(&failed));
	*p++ = '\n';
	(void)!write(2, line, (size_t)(p - line));
	errno = saved;
}

__attribute__((constructor)) static void
allocfail_init(void)
{
	const char *n = getenv("ALLOCFAIL_N");
	const char *mode = getenv("ALLOCFAIL_MODE");
	struct sigaction sa;

	/* free first: once real_malloc is set, dlsym's blocks are real. */
	real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	fail_at = n != NULL ? strtoul(n, NULL, 10) : 0;
	if (fail_at == 0)
		fail_at = (unsigned long)-1;
	persistent = mode != NULL && strcmp(mode, "persistent") == 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGUSR1, &sa, NULL);
	(void)sigaction(SIGUSR2, &sa, NULL);
}

void *
malloc(size_t n)
{
	if (real_malloc == NULL)
		return boot_alloc(n);
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return real_malloc(n);
}

void *
calloc(size_t n, size_t size)
{
	if (real_calloc == NULL) {
		/* The arena is static, hence already zero. */
		if (size != 0 && n > SIZE_MAX / size)
			return NULL;
		return boot_alloc(n * size);
	}
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return real_calloc(n, size);
}

void *
realloc(void *p, size_t n)
{
	void *q;

	if (from_boot(p)) {
		/* The old size is unknown: copy what the arena holds. */
		q = malloc(n);
		if (q != NULL) {
			size_t left = (size_t)(boot + sizeof(boot) -
			    (unsigned char *)p);
			memcpy(q, p, n < left ? n : left);
		}
		return q;
	}
	if (real_realloc == NULL)
		return NULL;
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return real_realloc(p, n);
}

void
free(void *p)
{
	if (p == NULL || from_boot(p))
		return;
	real_free(p);
}
