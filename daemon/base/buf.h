/* SPDX-License-Identifier: ISC */
/*
 * buf.h: bounded growable byte buffer (after curl's dynbuf).
 *
 * A buf never grows past the max given to buf_init; exceeding it returns
 * ERR_ENTITY_TOO_LARGE. Contents are always NUL-terminated (the NUL is not
 * counted in len). A failing append frees the buffer, so callers have one
 * cleanup path. Not for key material: freed memory is not wiped.
 */
#ifndef COFFER_BASE_BUF_H
#define COFFER_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "base/err.h"

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

void buf_init(struct buf *b, size_t max);
/* ERR_OK, ERR_NOMEM or ERR_ENTITY_TOO_LARGE (buffer freed on failure). */
enum err buf_append(struct buf *b, const void *p, size_t n);
enum err buf_puts(struct buf *b, const char *s);
enum err buf_putc(struct buf *b, char c);
enum err buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
enum err buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Never NULL: "" for an empty buffer. */
const char *buf_cstr(const struct buf *b);
/* Hands the storage to the caller (free with free()); b becomes empty.
 * Returns NULL for an empty buffer that never allocated. */
char *buf_steal(struct buf *b, size_t *ret_len);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
