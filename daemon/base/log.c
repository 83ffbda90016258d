/* SPDX-License-Identifier: ISC */
/*
 * log.c: see log.h. The file descriptor is swapped atomically on reopen so a
 * worker thread logging during SIGHUP handling writes to the old or the new
 * file, never to a closed descriptor number that was reused.
 */
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/str.h"

/*
 * Three forms of a line, by where it goes:
 *   a --log-file:   "2026-12-07T06:20:37.123Z warning cofferd: text"
 *                   (nothing else dates it);
 *   a terminal:     "coffer: text" (for a person reading it);
 *   anything else:  "<4>cofferd: text", the syslog priority journald
 *                   records levels from.
 */
enum log_form { FORM_JOURNAL, FORM_TERMINAL, FORM_FILE };

static const char *log_prog = "coffer";
static _Atomic int log_style = FORM_JOURNAL;
static _Atomic int log_level = LOG_LEVEL_INFO;
static _Atomic int log_fd = STDERR_FILENO;
static char log_path[4096];

int
log_open(const char *progname, enum log_level level, const char *path)
{
	if (progname != NULL)
		log_prog = progname;
	log_level = level;
	if (path == NULL || *path == '\0') {
		int old;

		/* Back to stderr: a file opened earlier must stop receiving
		 * lines (and its descriptor must not leak). */
		log_path[0] = '\0';
		log_style = isatty(STDERR_FILENO) ? FORM_TERMINAL : FORM_JOURNAL;
		old = atomic_exchange(&log_fd, STDERR_FILENO);
		if (old != STDERR_FILENO)
			close(old);
		return 0;
	}
	if (strlen(path) >= sizeof(log_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(log_path, path, strlen(path) + 1);
	return log_reopen();
}

int
log_reopen(void)
{
	int fd, old;

	if (log_path[0] == '\0')
		return 0;
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	log_style = FORM_FILE;
	old = atomic_exchange(&log_fd, fd);
	if (old != STDERR_FILENO)
		close(old);
	return 0;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

bool
log_enabled(enum log_level level)
{
	return (int)level <= log_level;
}

int
log_level_parse(const char *s)
{
	static const struct { const char *name; int level; } names[] = {
		{ "err", LOG_LEVEL_ERR }, { "error", LOG_LEVEL_ERR },
		{ "warning", LOG_LEVEL_WARNING }, { "warn", LOG_LEVEL_WARNING },
		{ "notice", LOG_LEVEL_NOTICE }, { "info", LOG_LEVEL_INFO },
		{ "debug", LOG_LEVEL_DEBUG },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].level;
	return -1;
}

static void
log_write(enum log_level level, const char *fmt, va_list ap, int errnum)
{
	char line[4096];
	int n, m;

	static const char *const names[] = { "emerg", "alert", "crit", "err",
	    "warning", "notice", "info", "debug" };
	char ts[TIME_ISO_BYTES];

	switch (atomic_load(&log_style)) {
	case FORM_FILE:
		time_fmt_iso_ms(ts, clock_wall_ms());
		n = snprintf(line, sizeof(line), "%s %s %s: ", ts,
		    names[(unsigned)level & 7], log_prog);
		break;
	case FORM_TERMINAL:
		n = snprintf(line, sizeof(line), "%s: ", log_prog);
		break;
	default:
		n = snprintf(line, sizeof(line), "<%d>%s: ", (int)level,
		    log_prog);
		break;
	}
	if (n < 0)
		return;
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
	if (errnum != 0) {
		m = snprintf(line + n, sizeof(line) - (size_t)n - 1, ": %s",
		    strerror(errnum));
		if (m > 0)
			n += m;
		if ((size_t)n >= sizeof(line) - 1)
			n = (int)sizeof(line) - 2;
	}
	/* A newline inside a message would forge a second log line. */
	for (int i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[n++] = '\n';
	(void)!write(log_fd, line, (size_t)n);
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	if ((int)level > log_level)
		return;
	log_write(level, fmt, ap, 0);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if ((int)level > log_level)
		return;
	va_start(ap, fmt);
	log_write(level, fmt, ap, 0);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (LOG_LEVEL_WARNING > log_level)
		return;
	va_start(ap, fmt);
	log_write(LOG_LEVEL_WARNING, fmt, ap, saved);
	va_end(ap);
	errno = saved;
}

void
log_err(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (LOG_LEVEL_ERR > log_level)
		return;
	va_start(ap, fmt);
	log_write(LOG_LEVEL_ERR, fmt, ap, saved);
	va_end(ap);
	errno = saved;
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_write(LOG_LEVEL_ERR, fmt, ap, saved);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(LOG_LEVEL_ERR, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
