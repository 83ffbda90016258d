/* SPDX-License-Identifier: ISC */
/*
 * wal_vfs.c: SQLite's default VFS, except that a commit's WAL frames reach
 * the file in one write.
 *
 * SQLite appends each frame with two calls (its 24-byte header, then the
 * page), about twenty per small PUT, and each costs a system call and a
 * pass through the file system. Here, writes that append to a WAL file
 * gather in a buffer, which is written with one call when the page of the
 * commit frame arrives (the frame whose header names the database size;
 * SQLite numbers no other frame so). Its error is then that write's, so
 * SQLite rolls the commit back before the wal-index publishes any of its
 * frames, as without this layer.
 *
 * Anything else on the file writes the buffer first: a read, a sync, a
 * truncation, its size, its close, a write that neither continues the
 * buffer nor lands inside it. Writes below the end of what was written
 * (SQLite rewriting a frame's checksum after the commit frame) go straight
 * to the file, so none waits in the buffer once the commit is published.
 */
#include <sqlite3.h>
#include <string.h>

#include "db/db_int.h"

#define WAL_BUF_MAX	(1 << 20)	/* gathered at most; more flushes */
/* The unix VFS writes at most 0x1ffff bytes per call (it masks the
 * length: a write of 128 KiB writes nothing and reports a full disk). */
#define WAL_WRITE_MAX	(124 << 10)
#define WAL_FRAME_HDR	24

struct wal_file {
	sqlite3_file	 base;
	sqlite3_file	*real;		/* the default VFS's, right after */
	unsigned char	*buf;		/* sqlite3_malloc, WAL_BUF_MAX */
	sqlite3_int64	 off;		/* of buf[0] in the file */
	size_t		 len;
	sqlite3_int64	 end;		/* past the last byte written */
	bool		 commit_next;	/* the next write is a commit's page */
};

static sqlite3_vfs *real_vfs;

static int
flush(struct wal_file *f)
{
	int rc = SQLITE_OK;

	f->commit_next = false;
	for (size_t at = 0, n; at < f->len && rc == SQLITE_OK; at += n) {
		n = f->len - at < WAL_WRITE_MAX ? f->len - at : WAL_WRITE_MAX;
		rc = f->real->pMethods->xWrite(f->real, f->buf + at, (int)n,
		    f->off + (sqlite3_int64)at);
	}
	f->len = 0;
	return rc;
}

static int
wal_write(sqlite3_file *p, const void *b, int n, sqlite3_int64 off)
{
	struct wal_file *f = (struct wal_file *)p;
	sqlite3_int64 bend = f->off + (sqlite3_int64)f->len;
	bool commit = f->commit_next;
	int rc;

	/* The log restarts: what it held before is no longer its end. */
	if (off == 0)
		f->end = 0;
	if (f->len > 0 && off >= f->off && off + n <= bend) {
		/* A frame of this commit written again. */
		memcpy(f->buf + (off - f->off), b, (size_t)n);
		return SQLITE_OK;
	}
	if (f->buf == NULL || (size_t)n > WAL_WRITE_MAX ||
	    (f->len > 0 ? off != bend : off < f->end)) {
		if ((rc = flush(f)) != SQLITE_OK)
			return rc;
		rc = f->real->pMethods->xWrite(f->real, b, n, off);
		if (rc == SQLITE_OK && off + n > f->end)
			f->end = off + n;
		return rc;
	}
	if (f->len + (size_t)n > WAL_BUF_MAX && (rc = flush(f)) != SQLITE_OK)
		return rc;
	if (f->len == 0)
		f->off = off;
	memcpy(f->buf + f->len, b, (size_t)n);
	f->len += (size_t)n;
	if (off + n > f->end)
		f->end = off + n;
	/* A frame header whose "database size after commit" is not 0. */
	f->commit_next = n == WAL_FRAME_HDR &&
	    memcmp((const unsigned char *)b + 4, "\0\0\0\0", 4) != 0;
	return commit ? flush(f) : SQLITE_OK;
}

static int
wal_read(sqlite3_file *p, void *b, int n, sqlite3_int64 off)
{
	struct wal_file *f = (struct wal_file *)p;
	int rc = flush(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xRead(f->real, b, n,
	    off);
}

static int
wal_truncate(sqlite3_file *p, sqlite3_int64 size)
{
	struct wal_file *f = (struct wal_file *)p;
	int rc = flush(f);

	if (rc == SQLITE_OK)
		rc = f->real->pMethods->xTruncate(f->real, size);
	if (rc == SQLITE_OK && f->end > size)
		f->end = size;
	return rc;
}

static int
wal_sync(sqlite3_file *p, int flags)
{
	struct wal_file *f = (struct wal_file *)p;
	int rc = flush(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int
wal_size(sqlite3_file *p, sqlite3_int64 *size)
{
	struct wal_file *f = (struct wal_file *)p;
	int rc = flush(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real,
	    size);
}

static int
wal_close(sqlite3_file *p)
{
	struct wal_file *f = (struct wal_file *)p;
	int rc = flush(f), rc2;

	rc2 = f->real->pMethods->xClose(f->real);
	sqlite3_free(f->buf);
	f->buf = NULL;
	return rc != SQLITE_OK ? rc : rc2;
}

/* The rest passes through (no shared memory or mapping on a WAL file). */
static int
wal_lock(sqlite3_file *p, int l)
{
	struct wal_file *f = (struct wal_file *)p;

	return f->real->pMethods->xLock(f->real, l);
}

static int
wal_unlock(sqlite3_file *p, int l)
{
	struct wal_file *f = (struct wal_file *)p;

	return f->real->pMethods->xUnlock(f->real, l);
}

static int
wal_check_lock(sqlite3_file *p, int *out)
{
	struct wal_file *f = (struct wal_file *)p;

	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int
wal_fcntl(sqlite3_file *p, int op, void *arg)
{
	struct wal_file *f = (struct wal_file *)p;

	return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int
wal_sector(sqlite3_file *p)
{
	struct wal_file *f = (struct wal_file *)p;

	return f->real->pMethods->xSectorSize(f->real);
}

static int
wal_device(sqlite3_file *p)
{
	struct wal_file *f = (struct wal_file *)p;

	return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static const sqlite3_io_methods wal_methods = {
	.iVersion = 1,
	.xClose = wal_close,
	.xRead = wal_read,
	.xWrite = wal_write,
	.xTruncate = wal_truncate,
	.xSync = wal_sync,
	.xFileSize = wal_size,
	.xLock = wal_lock,
	.xUnlock = wal_unlock,
	.xCheckReservedLock = wal_check_lock,
	.xFileControl = wal_fcntl,
	.xSectorSize = wal_sector,
	.xDeviceCharacteristics = wal_device,
};

/* Every file but a WAL is the default VFS's own, in place. */
static int
vfs_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *p,
    int flags, int *out_flags)
{
	struct wal_file *f = (struct wal_file *)p;
	int rc;

	(void)vfs;
	if (!(flags & SQLITE_OPEN_WAL))
		return real_vfs->xOpen(real_vfs, name, p, flags, out_flags);
	memset(f, 0, sizeof(*f));
	f->real = (sqlite3_file *)(f + 1);
	rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
	if (rc != SQLITE_OK)
		return rc;
	/* Without a buffer, every write goes straight through. */
	f->buf = sqlite3_malloc(WAL_BUF_MAX);
	f->base.pMethods = &wal_methods;
	return SQLITE_OK;
}

static int
vfs_delete(sqlite3_vfs *v, const char *name, int sync_dir)
{
	(void)v;
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int
vfs_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
	(void)v;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int
vfs_full(sqlite3_vfs *v, const char *name, int n, char *out)
{
	(void)v;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *
vfs_dlopen(sqlite3_vfs *v, const char *name)
{
	(void)v;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void
vfs_dlerror(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	real_vfs->xDlError(real_vfs, n, out);
}

static void
(*vfs_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
	(void)v;
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void
vfs_dlclose(sqlite3_vfs *v, void *h)
{
	(void)v;
	real_vfs->xDlClose(real_vfs, h);
}

static int
vfs_random(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int
vfs_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return real_vfs->xSleep(real_vfs, us);
}

static int
vfs_time(sqlite3_vfs *v, double *out)
{
	(void)v;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int
vfs_last_error(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return real_vfs->xGetLastError(real_vfs, n, out);
}

static int
vfs_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
	(void)v;
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static sqlite3_vfs wal_vfs = {
	.iVersion = 2,
	.zName = "coffer-wal",
	.xOpen = vfs_open,
	.xDelete = vfs_delete,
	.xAccess = vfs_access,
	.xFullPathname = vfs_full,
	.xDlOpen = vfs_dlopen,
	.xDlError = vfs_dlerror,
	.xDlSym = vfs_dlsym,
	.xDlClose = vfs_dlclose,
	.xRandomness = vfs_random,
	.xSleep = vfs_sleep,
	.xCurrentTime = vfs_time,
	.xGetLastError = vfs_last_error,
	.xCurrentTimeInt64 = vfs_time64,
};

int
db_wal_vfs_register(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	if (real_vfs == NULL || real_vfs->iVersion < 2)
		return SQLITE_ERROR;
	wal_vfs.szOsFile = (int)sizeof(struct wal_file) + real_vfs->szOsFile;
	wal_vfs.mxPathname = real_vfs->mxPathname;
	return sqlite3_vfs_register(&wal_vfs, 1);
}
