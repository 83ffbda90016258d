/* SPDX-License-Identifier: ISC */
/*
 * crash.h: named crash points, the test seam of reliability.md T4.
 *
 * crash_point(name) ends the process at once with _exit(99) when the
 * environment variable COFFER_CRASH_AT equals name, and does nothing
 * otherwise. _exit skips every clean-up, so what is on disk afterwards is
 * what a kill -9 at that instant leaves (the page cache survives, as it
 * does for any process crash). A test starts cofferd with the variable set,
 * sends the one request that reaches the point, and checks after a restart
 * that the change is wholly applied or wholly absent.
 *
 * The points, in the order a request meets them:
 *   write path (store/, object/): blob-written, blob-fsynced,
 *     blob-renamed, dir-fsynced (the blob is durable but unreferenced),
 *     object-committed (metadata commit of PUT, append, copy, complete,
 *     delete), part-committed (UploadPart's commit), oss-reply (a
 *     successful OSS request, its answer not yet sent);
 *   kms/: kms-key-written (a key transition's rows written, not committed),
 *     kms-key-committed; kms-reply (a successful KMS request, unanswered);
 *   worm/: worm-written, worm-committed;
 *   db/seal.c: anchor-pending (a change under a retention policy is
 *     committed and durable, the anchor file not yet moved);
 *   inventory/: inventory-written, inventory-committed.
 *
 * The variable is read at each point, not cached: a forked unit test sets
 * it in the child after the parent has already passed through the points.
 * An unknown name is simply never reached.
 */
#ifndef COFFER_BASE_CRASH_H
#define COFFER_BASE_CRASH_H

void crash_point(const char *name);

#endif
