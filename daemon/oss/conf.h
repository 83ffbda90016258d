/* SPDX-License-Identifier: ISC */
/*
 * conf.h: the stored bucket configurations as the OSS handlers and the
 * access decision use them (conf_io.c, access.c).
 */
#ifndef COFFER_OSS_CONF_H
#define COFFER_OSS_CONF_H

#include "oss/oss_int.h"
#include "codec/xml.h"

/* Kinds: the CHECK list of schema 0017. */
#define CONF_POLICY	"policy"
#define CONF_REFERER	"referer"
#define CONF_TAGGING	"tagging"
#define CONF_PAYMENT	"requestPayment"
#define CONF_WEBSITE	"website"
#define CONF_LOGGING	"logging"
#define CONF_PAB	"publicAccessBlock"

/* root re-written canonically (declaration, no whitespace) into b. */
enum err conf_xml_text(const struct xml_node *root, struct buf *b);
enum err conf_put(struct call *c, const char *kind, const char *doc);
enum err conf_put_xml(struct call *c, const char *kind,
    const struct xml_node *root);
enum err conf_delete(struct call *c, const char *kind);
/* ERR_NOT_FOUND when the bucket has none. */
enum err conf_get(struct call *c, const char *kind, const char **ret);
enum err conf_get_xml(struct call *c, const char *kind,
    struct xml_node **ret);
/* 200 with doc as the body. */
enum err conf_answer(struct call *c, const char *doc, const char *type);

/* access.c: whether the bucket's public access block is on. */
bool conf_public_blocked(struct call *c);

#endif
