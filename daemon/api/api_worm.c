/* SPDX-License-Identifier: ISC */
/*
 * api_worm.c: bucket retention (WORM) policy operations (spec oss-api.md
 * §3.4). Until worm/ lands these answer NotImplemented, as a real OSS
 * endpoint without the feature would.
 */
#include "api/api_int.h"

enum err h_initiate_worm(struct call *c) { (void)c; return ERR_NOT_IMPLEMENTED; }
enum err h_abort_worm(struct call *c) { (void)c; return ERR_NOT_IMPLEMENTED; }
enum err h_get_worm(struct call *c) { (void)c; return ERR_NOT_IMPLEMENTED; }
enum err h_extend_worm(struct call *c) { (void)c; return ERR_NOT_IMPLEMENTED; }
enum err h_complete_worm(struct call *c) { (void)c; return ERR_NOT_IMPLEMENTED; }
