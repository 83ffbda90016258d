/* SPDX-License-Identifier: ISC */
/*
 * kmsd.h: the KMS listener (spec kms-api.md): RPC parameters, signature
 * dispatch (v1 and ACS3) with the replay cache, the action table and its
 * handlers. Named kmsd so nobody takes it for kms/, the key module it
 * serves. main.c hands its http handler to http/.
 */
#ifndef COFFER_KMSD_KMSD_H
#define COFFER_KMSD_KMSD_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

struct api;
struct kmsd;
struct http_handler;

struct kmsd_settings {
	/* The replay cache's logs (auth.h auth_nonce_*); NULL: memory only
	 * (forgotten at a restart). */
	const char	*nonce_dir;
	/* The data dir held state before this start (auth.h had_state). */
	bool		 had_state;
	/* TEST ONLY: the boot identity the replay cache compares with the
	 * previous run's; NULL: the machine's. */
	const char	*test_boot_id;
	/* Longest request target read (InvalidParameter past it); below
	 * what the listener's HTTP layer takes, so that the refusal is
	 * ours. */
	size_t		 uri_max;
};

/* The KMS RPC front end on top of the shared context's database, kms and
 * region: its replay cache (keyed by kms_nonce_key) and handler state.
 * ERR_NOMEM, or the replay cache's ERR_IO / ERR_NO_SPACE. */
enum err kmsd_open(struct api *api, const struct kmsd_settings *s,
    struct kmsd **ret);
/* Once a second: makes the replay cache's recent entries durable. */
void kmsd_tick(struct kmsd *k);
/* NULL-safe; call after the KMS listener is stopped: the replay cache's
 * clean stop. */
void kmsd_close(struct kmsd *k);
/* The http handler; its ctx is the struct kmsd. */
const struct http_handler *kmsd_http_handler(void);

#endif
