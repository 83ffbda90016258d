/* SPDX-License-Identifier: ISC */
/*
 * listen.h: listening sockets from the "HOST:PORT" settings.
 *
 * HOST is an IPv4 address, "[v6 address]", or a name resolved with
 * getaddrinfo ("localhost"); the first of its addresses that can be bound
 * is used. The daemon binds every listener before it touches the data dir,
 * and `cofferd -n` runs the same code (then closes the sockets), so a
 * check passes exactly when a start would get past its listeners.
 */
#ifndef COFFER_BASE_LISTEN_H
#define COFFER_BASE_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/* "[" v6 "]:" port */
#define LISTEN_ADDRESS_BYTES	64

struct listen_sock {
	int	 fd;				/* -1 once handed over */
	bool	 v6;
	char	 address[LISTEN_ADDRESS_BYTES];	/* numeric, bound port */
};

/* Resolves, binds (SO_REUSEADDR; v6 only for a v6 address) and listens,
 * non-blocking and close-on-exec. ERR_INVALID_ARGUMENT: not HOST:PORT;
 * ERR_NOT_FOUND: the name does not resolve; ERR_IO: no address of it could
 * be bound. why (may be NULL) gets the resolver's or the kernel's words. */
enum err listen_open(const char *s, struct listen_sock *ret, char *why,
    size_t whycap);
/* Closes the socket unless it was handed over. NULL-safe. */
void listen_close(struct listen_sock *ls);

#endif
