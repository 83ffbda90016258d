/* SPDX-License-Identifier: ISC */
/*
 * fuzz_config.c: libFuzzer harness for the daemon's configuration
 * (daemon/config.c): the config file parser, reached as cofferd reaches
 * it (--config FILE), and the command line.
 *
 * Each input is used two ways: as the contents of the config file, and
 * split at NUL bytes into the arguments after "cofferd". A configuration
 * that loads is then finished and dumped, and the dump, read back as a
 * config file, must load and dump to the same text: the file syntax can
 * say whatever the parser accepts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

#define ARGS_MAX	32

/* A file holding p[0..n), named by a /proc path; -1 on failure. */
static int
memfile(const void *p, size_t n, char path[static 64])
{
	int fd = memfd_create("fuzz-config", 0);

	if (fd < 0)
		return -1;
	if (n > 0 && write(fd, p, n) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

/* The configuration's dump, malloc'd. */
static char *
dump(const struct config *cfg, size_t *ret_n)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, ret_n);

	CHECK(f != NULL);
	config_dump(f, cfg);
	CHECK(fclose(f) == 0);
	return text;
}

static void
load(int argc, char **argv)
{
	struct config *cfg = calloc(1, sizeof(*cfg));
	struct config *again = calloc(1, sizeof(*again));
	char err[512], path[64], *text, *text2;
	char *args[] = { "cofferd", "--config", path, NULL };
	size_t n, n2;
	bool exit_now;
	int fd;

	CHECK(cfg != NULL && again != NULL);
	if (config_load(argc, argv, cfg, &exit_now, err, sizeof(err)) !=
	    ERR_OK || exit_now)
		goto out;
	config_finish(cfg);
	text = dump(cfg, &n);
	fd = memfile(text, n, path);
	CHECK(fd >= 0);
	CHECK(config_load(3, args, again, &exit_now, err, sizeof(err)) ==
	    ERR_OK);
	config_finish(again);
	text2 = dump(again, &n2);
	CHECK(n == n2 && memcmp(text, text2, n) == 0);
	free(text2);
	free(text);
	close(fd);
out:
	free(again);
	free(cfg);
}

/* --help and --reference print to stdout, thousands of times a second. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	CHECK(freopen("/dev/null", "w", stdout) != NULL);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], *copy, *argv[ARGS_MAX + 1];
	char *file_args[] = { "cofferd", "--config", path, NULL };
	int argc = 1, fd;

	fd = memfile(data, size, path);
	if (fd >= 0) {
		load(3, file_args);
		close(fd);
	}

	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[0] = "cofferd";
	for (char *p = copy; p <= copy + size && argc < ARGS_MAX;
	    p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	load(argc, argv);
	free(copy);
	return 0;
}
