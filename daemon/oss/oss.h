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
/* What PlayUrls and PublishUrls start with: "http[s]://HOST:PORT" and
 * "rtmp://HOST:PORT" (NULL: none), and whether the listener is TLS. Call
 * before the first request is served. */
void oss_set_urls(struct oss *oss, const char *play_base,
    const char *publish_base, bool tls);
/* The http handler; its ctx is the struct oss. */
const struct http_handler *oss_http_handler(void);

#endif
