/* SPDX-License-Identifier: ISC */
/*
 * log.h: tiny journald-friendly logging.
 *
 * Lines go to stderr prefixed with "<N>", the syslog priority, so journald
 * records levels without libsystemd; on a terminal without it; to a file
 * given to log_open after an RFC 3339 time (milliseconds, UTC) and the
 * level's name. Each line
 * is written with one write(2), so lines from worker threads never interleave.
 * The level and target are the only process-wide mutable state in coffer.
 * Never pass key material or secrets to these functions.
 */
#ifndef COFFER_BASE_LOG_H
#define COFFER_BASE_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* Sets the program name and level; path NULL means stderr. Returns 0 or -1
 * (errno set) when the file cannot be opened; stderr stays in use then. */
int log_open(const char *progname, enum log_level level, const char *path);
/* Reopens the log file (SIGHUP); no-op for stderr. Async-signal-unsafe. */
int log_reopen(void);
void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);
/* Parses "err", "warning", "notice", "info", "debug"; -1 if unknown. */
int log_level_parse(const char *s);

void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#define log_debug(...)	log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_notice(...)	log_msg(LOG_LEVEL_NOTICE, __VA_ARGS__)
#define log_warnx(...)	log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_errx(...)	log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
/* Like log_warnx/log_errx, with ": strerror(errno)" appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
