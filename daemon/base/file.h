/* SPDX-License-Identifier: ISC */
/*
 * file.h: small files written so that a crash leaves either the old file or
 * the whole new one (root keys, credentials, anchors, manifests).
 */
#ifndef COFFER_BASE_FILE_H
#define COFFER_BASE_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "base/err.h"

/* data over path through "<path>.tmp": created with mode (never through a
 * symlink), written, fsync'd, renamed over path, and the directory synced.
 * On failure path is untouched and the temp file removed. */
enum err file_replace(const char *path, const void *data, size_t len,
    mode_t mode);

/* fsync of the file or directory at path (opened read-only). */
int file_sync(const char *path);

/* fsync of the directory holding path (a trailing '/' is ignored), so a
 * name just created, renamed or removed there survives a crash. */
int file_sync_parent(const char *path);

#endif
