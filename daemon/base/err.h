/* SPDX-License-Identifier: ISC */
/*
 * err.h: the one error space of coffer.
 *
 * Every function that can fail returns enum err. Each value is exactly one
 * row of err_rows.h: HTTP status, OSS Code, Message and EC for the OSS
 * listener, and status, Code and Message for the KMS listener. Renderers (api/) turn a
 * value plus optional extras into the wire form; nothing else formats errors.
 * Internal values (ERR_IO, ERR_CONFLICT, ...) render as InternalError so a
 * leak is visible in tests instead of masquerading as a client error.
 */
#ifndef COFFER_BASE_ERR_H
#define COFFER_BASE_ERR_H

#include <stdbool.h>

enum err {
#define E(name, ...) name,
#define EK(name, ...) name,
#include "base/err_rows.h"
#undef E
#undef EK
	ERR__COUNT
};

struct err_info {
	int		 http;		/* OSS listener status */
	const char	*code;		/* OSS <Code> */
	const char	*msg;		/* OSS <Message>, exact wire text */
	const char	*ec;		/* OSS <EC> / x-oss-ec */
	int		 kms_http;	/* KMS listener status; 0 = use http */
	const char	*kms_code;	/* KMS "Code"; NULL = use code */
	const char	*kms_msg;	/* KMS "Message"; NULL = use msg */
};

/* Returns the row for e; never NULL (out-of-range maps to ERR_INTERNAL). */
const struct err_info *err_info(enum err e);

/* Short symbolic name for logs, e.g. "ERR_NO_SUCH_KEY". */
const char *err_name(enum err e);

/* A failed commit that may still have landed (db.h db_tx_commit): what
 * its rows would name must be kept. */
static inline bool
err_maybe_committed(enum err e)
{
	return e == ERR_UNSYNCED || e == ERR_COMMIT_UNKNOWN;
}

#endif
