/* SPDX-License-Identifier: ISC */
/*
 * err.c: the table and the names behind enum err, both expanded from the
 * one list of rows (err_rows.h).
 */
#include "base/err.h"

#include <stddef.h>

#define E(n_, st_, c_, m_, ec_) \
	[n_] = { .http = (st_), .code = (c_), .msg = (m_), .ec = (ec_) },
#define EK(n_, st_, c_, m_, ec_, kst_, kc_, km_) \
	[n_] = { .http = (st_), .code = (c_), .msg = (m_), .ec = (ec_), \
	    .kms_http = (kst_), .kms_code = (kc_), .kms_msg = (km_) },
static const struct err_info err_table[] = {
#include "base/err_rows.h"
};
#undef E
#undef EK

/* One name per value, for logs (err.h: "ERR_NO_SUCH_KEY"). */
#define E(n_, ...) [n_] = #n_,
#define EK(n_, ...) [n_] = #n_,
static const char *const err_names[] = {
#include "base/err_rows.h"
};
#undef E
#undef EK

const struct err_info *
err_info(enum err e)
{
	if ((unsigned)e >= ERR__COUNT || err_table[e].code == NULL)
		return &err_table[ERR_INTERNAL];
	return &err_table[e];
}

const char *
err_name(enum err e)
{
	if ((unsigned)e < sizeof(err_names) / sizeof(err_names[0]) &&
	    err_names[e] != NULL)
		return err_names[e];
	return err_info(e)->code;
}
