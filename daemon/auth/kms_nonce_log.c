/* SPDX-License-Identifier: ISC */
/*
 * kms_nonce_log.c: the files behind the KMS replay cache (kms_nonce.c),
 * under DATA_DIR/kms-nonces/:
 *
 *   <gen>.log   the 8-byte fingerprints of the nonces whose requests
 *               expire in 15-minute generation <gen>, appended one
 *               pwrite each, little-endian; a torn last entry is ignored
 *   state       the previous run's boot, whether it shut down cleanly,
 *               the replay barrier in force and a check value of the
 *               fingerprint key; replaced atomically and durably
 *
 * Only file mechanics live here; what they mean (when a barrier is needed,
 * which generations are alive) is decided in kms_nonce.c.
 */
#include "auth/auth_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/str.h"

#define STATE_FILE	"state"
#define STATE_TMP	"state.tmp"
#define STATE_MAGIC	"coffer-kms-nonces 1"
#define LOG_SUFFIX	".log"
#define READ_CHUNK	8192	/* entries per read() while loading */
/* Two boot-time readings closer than this are the same boot (clock
 * adjustments move the reading a little within one boot). */
#define BTIME_SLACK_S	120

static enum err
errno_err(void)
{
	return errno == ENOSPC || errno == EDQUOT ? ERR_NO_SPACE : ERR_IO;
}

enum err
nonce_dir_open(const char *path, int *ret_dirfd, bool *ret_created)
{
	int fd;

	*ret_created = false;
	if (mkdir(path, 0700) == 0)
		*ret_created = true;
	else if (errno != EEXIST) {
		log_warn("kms nonces: cannot create '%s'", path);
		return ERR_IO;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		log_warn("kms nonces: cannot open '%s'", path);
		return ERR_IO;
	}
	*ret_dirfd = fd;
	return ERR_OK;
}

enum err
nonce_state_read(int dirfd, struct nonce_state *ret)
{
	char buf[512];
	bool magic = false, have_check = false;
	ssize_t n;
	int fd;

	memset(ret, 0, sizeof(*ret));
	fd = openat(dirfd, STATE_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? ERR_NOT_FOUND : ERR_IO;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return ERR_IO;
	buf[n] = '\0';
	for (char *line = buf, *nl; *line != '\0'; line = nl + 1) {
		uint64_t v;

		nl = strchr(line, '\n');
		if (nl == NULL)
			break;		/* a line without its newline: torn */
		*nl = '\0';
		if (strcmp(line, STATE_MAGIC) == 0)
			magic = true;
		else if (str_has_prefix(line, "boot "))
			str_copy(ret->boot, sizeof(ret->boot), line + 5);
		else if (str_has_prefix(line, "clean "))
			ret->clean = strcmp(line + 6, "1") == 0;
		else if (str_has_prefix(line, "barrier ") &&
		    str_to_u64(line + 8, INT64_MAX, &v))
			ret->barrier_ms = (int64_t)v;
		else if (str_has_prefix(line, "check ") &&
		    hex_decode(ret->check, sizeof(ret->check), line + 6,
		    strlen(line + 6)))
			have_check = true;
	}
	return magic && have_check ? ERR_OK : ERR_CORRUPT;
}

enum err
nonce_state_write(int dirfd, const struct nonce_state *st)
{
	char buf[512], check[2 * sizeof(st->check) + 1];
	int fd, n;

	hex_encode(check, st->check, sizeof(st->check));
	n = snprintf(buf, sizeof(buf), "%s\nboot %s\nclean %d\nbarrier %" PRId64
	    "\ncheck %s\n", STATE_MAGIC, st->boot, st->clean ? 1 : 0,
	    st->barrier_ms, check);
	fd = openat(dirfd, STATE_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return errno_err();
	if (write(fd, buf, (size_t)n) != n || fdatasync(fd) != 0) {
		enum err r = errno_err();

		close(fd);
		return r;
	}
	close(fd);
	/* Rename, then make the rename itself durable. */
	if (renameat(dirfd, STATE_TMP, dirfd, STATE_FILE) != 0 ||
	    fsync(dirfd) != 0)
		return errno_err();
	return ERR_OK;
}

/*
 * The kernel's boot id changes at every boot. Under the shipped unit
 * (ProcSubset=pid) /proc/sys is hidden, so the fallback is the boot's
 * wall-clock time, CLOCK_REALTIME minus CLOCK_BOOTTIME, which two syscalls
 * give in any sandbox.
 */
void
nonce_boot_identity(char out[static NONCE_BOOT_MAX])
{
	struct timespec rt, bt;
	size_t n;
	int fd;

	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t r = read(fd, out, NONCE_BOOT_MAX - 1);

		close(fd);
		n = r > 0 ? (size_t)r : 0;
		while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
			n--;
		out[n] = '\0';
		if (n > 0 && strchr(out, '\n') == NULL)
			return;
	}
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	snprintf(out, NONCE_BOOT_MAX, "btime:%lld",
	    (long long)(rt.tv_sec - bt.tv_sec));
}

bool
nonce_boot_same(const char *a, const char *b)
{
	int64_t ta, tb;

	if (a[0] == '\0' || b[0] == '\0')
		return false;
	if (str_has_prefix(a, "btime:") && str_has_prefix(b, "btime:") &&
	    str_to_i64(a + 6, INT64_MIN / 2, INT64_MAX / 2, &ta) &&
	    str_to_i64(b + 6, INT64_MIN / 2, INT64_MAX / 2, &tb))
		return ta - tb <= BTIME_SLACK_S && tb - ta <= BTIME_SLACK_S;
	return strcmp(a, b) == 0;
}

static void
le64_put(uint8_t b[8], uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
le64_get(const uint8_t b[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

/* "<gen>.log" -> gen; false for anything else. */
static bool
log_name(const char *name, int64_t *ret_gen)
{
	size_t n = strlen(name), sl = strlen(LOG_SUFFIX);
	uint64_t v;

	if (n <= sl || strcmp(name + n - sl, LOG_SUFFIX) != 0 ||
	    !str_to_u64n(name, n - sl, INT64_MAX, &v))
		return false;
	*ret_gen = (int64_t)v;
	return true;
}

static enum err
load_file(int dirfd, const char *name, int64_t gen,
    void (*fp)(void *ctx, int64_t gen, uint64_t fp), void *ctx)
{
	uint8_t *buf;
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ERR_IO;
	buf = malloc(READ_CHUNK * 8);
	if (buf == NULL) {
		close(fd);
		return ERR_NOMEM;
	}
	/* Reads of whole entries; a torn tail (crash mid-append) is short
	 * and skipped. */
	while ((n = read(fd, buf, READ_CHUNK * 8)) > 0)
		for (ssize_t i = 0; i + 8 <= n; i += 8)
			fp(ctx, gen, le64_get(buf + i));
	free(buf);
	close(fd);
	return n < 0 ? ERR_IO : ERR_OK;
}

enum err
nonce_logs_scan(int dirfd, enum nonce_log_use (*use)(void *ctx, int64_t gen),
    void (*fp)(void *ctx, int64_t gen, uint64_t fp), void *ctx)
{
	struct dirent *e;
	enum err r = ERR_OK;
	DIR *d;
	int fd;

	fd = dup(dirfd);
	if (fd < 0)
		return ERR_IO;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return ERR_IO;
	}
	while (r == ERR_OK && (e = readdir(d)) != NULL) {
		int64_t gen;

		if (!log_name(e->d_name, &gen))
			continue;
		switch (use(ctx, gen)) {
		case NONCE_LOG_LOAD:
			r = load_file(dirfd, e->d_name, gen, fp, ctx);
			break;
		case NONCE_LOG_REMOVE:
			if (unlinkat(dirfd, e->d_name, 0) != 0 &&
			    errno != ENOENT)
				r = ERR_IO;
			break;
		case NONCE_LOG_KEEP:
			break;
		}
	}
	closedir(d);
	return r;
}

enum err
nonce_log_open(int dirfd, int64_t gen, int *ret_fd, uint64_t *ret_pos)
{
	char name[32];
	struct stat st;
	int fd;

	snprintf(name, sizeof(name), "%" PRId64 LOG_SUFFIX, gen);
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno_err();
	if (fstat(fd, &st) != 0) {
		close(fd);
		return ERR_IO;
	}
	*ret_fd = fd;
	/* Appends go after the last whole entry, over a torn one. */
	*ret_pos = (uint64_t)st.st_size & ~(uint64_t)7;
	return ERR_OK;
}

enum err
nonce_log_append(int fd, uint64_t pos, uint64_t fp)
{
	uint8_t b[8];
	ssize_t n;

	le64_put(b, fp);
	/* At our own offset: a short write is overwritten by the next. */
	n = pwrite(fd, b, sizeof(b), (off_t)pos);
	if (n == (ssize_t)sizeof(b))
		return ERR_OK;
	return n < 0 ? errno_err() : ERR_NO_SPACE;
}

void
nonce_log_remove(int dirfd, int64_t gen)
{
	char name[32];

	snprintf(name, sizeof(name), "%" PRId64 LOG_SUFFIX, gen);
	if (unlinkat(dirfd, name, 0) != 0 && errno != ENOENT)
		log_warn("kms nonces: cannot remove '%s'", name);
}
