/* SPDX-License-Identifier: ISC */
/*
 * powerloss.c: an LD_PRELOAD shim that simulates a power loss
 * (reliability.md §5 T6, after SQLite's src/test6.c).
 *
 * A kill -9 keeps the page cache, so it never shows what an unsynced write
 * turns into when the power goes. This shim remembers, for every regular
 * file under $COFFER_POWERLOSS_DIR, each write since the file was last
 * fsync'd or fdatasync'd (the bytes it replaced, kept in memory). Once
 * $COFFER_POWERLOSS_ARM names an existing file, it counts syncs; the sync
 * number $COFFER_POWERLOSS_AT never happens: instead every remembered write
 * of every file is, at random (seeded by $COFFER_POWERLOSS_SEED), kept,
 * dropped (the old bytes put back, a file that only grew cut back to its
 * synced length) or garbled (random bytes over its range), and the process
 * ends with _exit(99), as the machine would.
 *
 * Not modelled: directory entries (a rename or unlink whose directory was
 * not fsync'd survives here), ftruncate, and memory-mapped writes (SQLite's
 * -shm, which it rebuilds when the first connection opens the database).
 * _GNU_SOURCE (RTLD_NEXT) comes from the build.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

struct undo {
	struct undo	*next;		/* older first when replayed backwards */
	off_t		 off;
	size_t		 len;
	size_t		 old_len;	/* bytes that existed before (<= len) */
	unsigned char	 old[];		/* their previous content */
};

struct file {
	struct file	*next;
	dev_t		 dev;
	ino_t		 ino;
	int		 fd;		/* our dup, to put bytes back */
	off_t		 synced_size;
	struct undo	*undo;		/* newest first */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct file *files;
static long syncs;
static long crash_at = -1;
static const char *dir, *arm;
static uint64_t seed = 1;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);

static void
init_once(void)
{
	const char *s;

	real_write = dlsym(RTLD_NEXT, "write");
	real_pwrite = dlsym(RTLD_NEXT, "pwrite");
	real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
	real_fsync = dlsym(RTLD_NEXT, "fsync");
	real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
	dir = getenv("COFFER_POWERLOSS_DIR");
	arm = getenv("COFFER_POWERLOSS_ARM");
	if ((s = getenv("COFFER_POWERLOSS_AT")) != NULL)
		crash_at = strtol(s, NULL, 10);
	if ((s = getenv("COFFER_POWERLOSS_SEED")) != NULL)
		seed = strtoull(s, NULL, 10) | 1;
}

static void
init(void)
{
	(void)pthread_once(&once, init_once);
}

static uint64_t
rnd(void)
{
	seed ^= seed >> 12;
	seed ^= seed << 25;
	seed ^= seed >> 27;
	return seed * 2685821657736338717ULL;
}

/* The tracked file behind fd, created on first use; NULL when fd is not a
 * regular file under dir. Called with mu held. */
static struct file *
file_of(int fd, int create)
{
	char link[64], path[PATH_MAX];
	struct stat sb;
	struct file *f;
	ssize_t n;

	if (dir == NULL || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		return NULL;
	for (f = files; f != NULL; f = f->next)
		if (f->dev == sb.st_dev && f->ino == sb.st_ino)
			return f;
	if (!create)
		return NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return NULL;
	path[n] = '\0';
	if (strncmp(path, dir, strlen(dir)) != 0)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->dev = sb.st_dev;
	f->ino = sb.st_ino;
	f->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	f->synced_size = sb.st_size;
	f->next = files;
	files = f;
	return f;
}

/* Remembers what a write of len bytes at off is about to replace. */
static void
remember(int fd, off_t off, size_t len)
{
	struct file *f;
	struct undo *u;
	struct stat sb;
	size_t old_len = 0;

	pthread_mutex_lock(&mu);
	f = file_of(fd, 1);
	if (f == NULL || fstat(fd, &sb) != 0) {
		pthread_mutex_unlock(&mu);
		return;
	}
	if (off < sb.st_size)
		old_len = (size_t)(sb.st_size - off) < len ?
		    (size_t)(sb.st_size - off) : len;
	u = malloc(sizeof(*u) + old_len);
	if (u != NULL) {
		u->off = off;
		u->len = len;
		u->old_len = old_len;
		if (old_len > 0 && pread(fd, u->old, old_len, off) !=
		    (ssize_t)old_len)
			u->old_len = 0;
		u->next = f->undo;
		f->undo = u;
	}
	pthread_mutex_unlock(&mu);
}

static void
forget(struct file *f)
{
	struct undo *u, *next;
	struct stat sb;

	for (u = f->undo; u != NULL; u = next) {
		next = u->next;
		free(u);
	}
	f->undo = NULL;
	if (fstat(f->fd, &sb) == 0)
		f->synced_size = sb.st_size;
}

/* The power goes: every write not yet synced is kept, dropped or garbled. */
static void
power_loss(void)
{
	unsigned char junk[4096];

	for (struct file *f = files; f != NULL; f = f->next) {
		int all_dropped = 1;

		for (struct undo *u = f->undo; u != NULL; u = u->next) {
			switch (rnd() % 3) {
			case 0:
				all_dropped = 0;
				break;
			case 1:
				if (u->old_len > 0)
					(void)real_pwrite(f->fd, u->old,
					    u->old_len, u->off);
				memset(junk, 0, sizeof(junk));
				for (size_t o = u->old_len; o < u->len;
				    o += sizeof(junk))
					(void)real_pwrite(f->fd, junk,
					    u->len - o < sizeof(junk) ?
					    u->len - o : sizeof(junk),
					    u->off + (off_t)o);
				break;
			default:
				all_dropped = 0;
				for (size_t o = 0; o < u->len;
				    o += sizeof(junk)) {
					for (size_t i = 0; i < sizeof(junk); i++)
						junk[i] = (unsigned char)rnd();
					(void)real_pwrite(f->fd, junk,
					    u->len - o < sizeof(junk) ?
					    u->len - o : sizeof(junk),
					    u->off + (off_t)o);
				}
				break;
			}
		}
		if (all_dropped && f->undo != NULL)
			(void)!ftruncate(f->fd, f->synced_size);
	}
	_exit(99);
}

static int
before_sync(int fd)
{
	struct file *f;

	init();
	pthread_mutex_lock(&mu);
	if (crash_at >= 0 && arm != NULL && access(arm, F_OK) == 0 &&
	    ++syncs == crash_at)
		power_loss();
	f = file_of(fd, 0);
	pthread_mutex_unlock(&mu);
	return f != NULL;
}

static void
after_sync(int fd, int rc)
{
	struct file *f;

	if (rc != 0)
		return;
	pthread_mutex_lock(&mu);
	if ((f = file_of(fd, 0)) != NULL)
		forget(f);
	pthread_mutex_unlock(&mu);
}

int
fsync(int fd)
{
	int rc;

	before_sync(fd);
	rc = real_fsync(fd);
	after_sync(fd, rc);
	return rc;
}

int
fdatasync(int fd)
{
	int rc;

	before_sync(fd);
	rc = real_fdatasync(fd);
	after_sync(fd, rc);
	return rc;
}

ssize_t
write(int fd, const void *p, size_t n)
{
	off_t off;

	init();
	if (dir != NULL && fd > 2 && (off = lseek(fd, 0, SEEK_CUR)) >= 0)
		remember(fd, off, n);
	return real_write(fd, p, n);
}

ssize_t
pwrite(int fd, const void *p, size_t n, off_t off)
{
	init();
	if (dir != NULL)
		remember(fd, off, n);
	return real_pwrite(fd, p, n, off);
}

ssize_t
pwrite64(int fd, const void *p, size_t n, off_t off)
{
	init();
	if (dir != NULL)
		remember(fd, off, n);
	return real_pwrite64(fd, p, n, off);
}
