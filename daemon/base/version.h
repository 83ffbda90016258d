/* SPDX-License-Identifier: ISC */
/*
 * version.h: the release version, one place for cofferd and coffer.
 *
 * `--version` prints it with the schema version of the database this
 * binary writes (db_schema_latest()): a data dir at a higher schema was
 * written by a newer release and is refused (README "Upgrades and
 * versions").
 */
#ifndef COFFER_BASE_VERSION_H
#define COFFER_BASE_VERSION_H

#define COFFER_VERSION "0.1.0"

#endif
