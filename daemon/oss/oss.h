/* SPDX-License-Identifier: ISC */
/*
 * oss.h: the OSS listener (spec oss-api.md): request target and route
 * table, the flag-driven pipeline (authentication, ACLs, version ids),
 * the handlers, and the one renderer of OSS errors. main.c hands its http
 * handler to http/.
 */
#ifndef COFFER_OSS_OSS_H
#define COFFER_OSS_OSS_H

#include <stdbool.h>

#include "base/err.h"

struct api;
struct oss;
struct http_handler;

/* The listener's state (metrics) on top of the shared context. */
enum err oss_open(struct api *api, struct oss **ret);
/* NULL-safe; call after the listener is stopped. */
void oss_close(struct oss *oss);
/* The addresses PublishUrls and PlayUrls name (rtmp NULL: no RTMP
 * listener; oss_tls: PlayUrls are https://). Call before the first
 * request is served. */
void oss_set_urls(struct oss *oss, const char *oss_addr, bool oss_tls,
    const char *rtmp_addr);
/* The http handler; its ctx is the struct oss. */
const struct http_handler *oss_http_handler(void);

#endif
