/* SPDX-License-Identifier: ISC */
/*
 * api_inventory.c: bucket inventory configuration operations (spec
 * oss-api.md §3.5). Until worm/ lands these answer NotImplemented.
 */
#include "api/api_int.h"

enum err h_put_inventory(struct call *c) { (void)c; return ERR_NOT_IMPLEMENTED; }
enum err h_get_inventory(struct call *c) { (void)c; return ERR_NOT_IMPLEMENTED; }
enum err h_delete_inventory(struct call *c) { (void)c; return ERR_NOT_IMPLEMENTED; }
enum err h_list_inventory(struct call *c) { (void)c; return ERR_NOT_IMPLEMENTED; }
