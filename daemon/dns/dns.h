/* SPDX-License-Identifier: ISC */
/*
 * dns.h: TXT lookups for domain-ownership proofs (L1).
 *
 * One interface, two sources: the system resolver (res_nquery), or, for
 * offline and compliance-test set-ups, a zone file of "NAME TXT VALUE"
 * lines ('#' starts a comment; VALUE may be double-quoted), re-read
 * whenever the file changes. Thread-safe.
 */
#ifndef COFFER_DNS_DNS_H
#define COFFER_DNS_DNS_H

#include <stdbool.h>

#include "base/err.h"

struct dns_txt;

/* zone_file NULL or "": the system resolver. A zone file must be readable
 * now (ERR_IO, ERR_INVALID_ARGUMENT for a bad line, with *ret_line set). */
enum err dns_txt_open(const char *zone_file, struct dns_txt **ret,
    unsigned *ret_line);
void dns_txt_close(struct dns_txt *d);

/* Whether name has a TXT record whose text (its strings joined) equals
 * value. ERR_OK with *ret_found; ERR_IO when the source cannot answer (the
 * caller refuses rather than guesses). */
enum err dns_txt_has(struct dns_txt *d, const char *name, const char *value,
    bool *ret_found);

#endif
