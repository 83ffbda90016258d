/* SPDX-License-Identifier: ISC */
/*
 * kms_rootkey.c: reading and creating the 32-byte root key file.
 *
 * A new key is written with file_replace, so a crash never leaves a short
 * key file that the next start would refuse (or, worse, a key that no data
 * was sealed with).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "base/log.h"
#include "kms/kms_int.h"

static enum err
read_key(int fd, uint8_t ret[static KMS_ROOT_KEY_BYTES])
{
	uint8_t tmp[KMS_ROOT_KEY_BYTES + 1];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(tmp)) {
		n = read(fd, tmp + got, sizeof(tmp) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sodium_memzero(tmp, sizeof(tmp));
			return ERR_IO;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != KMS_ROOT_KEY_BYTES) {
		sodium_memzero(tmp, sizeof(tmp));
		return ERR_CORRUPT;
	}
	memcpy(ret, tmp, KMS_ROOT_KEY_BYTES);
	sodium_memzero(tmp, sizeof(tmp));
	return ERR_OK;
}

static enum err
create_key(const char *path, uint8_t ret[static KMS_ROOT_KEY_BYTES])
{
	randombytes_buf(ret, KMS_ROOT_KEY_BYTES);
	if (file_replace(path, ret, KMS_ROOT_KEY_BYTES, 0600) != ERR_OK) {
		log_warn("kms: cannot write the root key '%s'", path);
		sodium_memzero(ret, KMS_ROOT_KEY_BYTES);
		return ERR_IO;
	}
	log_notice("kms: created a new root key in '%s'", path);
	return ERR_OK;
}

enum err
kms_rootkey_load(const char *path, bool create,
    uint8_t ret[static KMS_ROOT_KEY_BYTES])
{
	struct stat sb;
	enum err r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && create)
			return create_key(path, ret);
		if (errno == ENOENT)
			return ERR_NOT_FOUND;
		log_warn("kms: open '%s'", path);
		return ERR_IO;
	}
	if (fstat(fd, &sb) == 0 && (sb.st_mode & 077) != 0)
		log_warnx("kms: root key '%s' is readable by group or others "
		    "(mode %03o); it should be 0600", path,
		    (unsigned)(sb.st_mode & 0777));
	r = read_key(fd, ret);
	close(fd);
	if (r == ERR_CORRUPT)
		log_errx("kms: root key '%s' is not exactly %d bytes", path,
		    KMS_ROOT_KEY_BYTES);
	return r;
}
