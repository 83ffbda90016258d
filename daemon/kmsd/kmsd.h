/* SPDX-License-Identifier: ISC */
/*
 * kmsd.h: the KMS listener (spec kms-api.md): RPC parameters, signature
 * dispatch (v1 and ACS3) with the replay cache, the action table and its
 * handlers. Named kmsd so nobody takes it for kms/, the key module it
 * serves. main.c hands its http handler to http/.
 */
#ifndef COFFER_KMSD_KMSD_H
#define COFFER_KMSD_KMSD_H

#include <stddef.h>

#include "base/err.h"

struct api;
struct kmsd;
struct http_handler;

struct kmsd_settings {
	/* Longest request target read (InvalidParameter past it); below
	 * what the listener's HTTP layer takes, so that the refusal is
	 * ours. */
	size_t		 uri_max;
};

/* The KMS RPC front end on top of the shared context's database, kms and
 * region: its replay cache and handler state. ERR_NOMEM. */
enum err kmsd_open(struct api *api, const struct kmsd_settings *s,
    struct kmsd **ret);
/* NULL-safe; call after the KMS listener is stopped. */
void kmsd_close(struct kmsd *k);
/* The http handler; its ctx is the struct kmsd. */
const struct http_handler *kmsd_http_handler(void);

#endif
