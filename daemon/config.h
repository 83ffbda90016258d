/* SPDX-License-Identifier: ISC */
/*
 * config.h: the daemon's configuration (L4).
 *
 * One declarative table (config.c) names every setting, its type, bounds,
 * default and help; the config file ("name = value" lines), the command-line
 * flags ("--name-with-dashes VALUE") and the README reference are all
 * derived from it. Flags win over the file. After config_load() the struct
 * is read-only; modules receive the fields they need at their _open().
 */
#ifndef COFFER_CONFIG_H
#define COFFER_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "base/err.h"
#include "kms/kms.h"

#define CONFIG_MAX_DOMAINS 8

struct config {
	char		config_file[PATH_MAX];
	char		data_dir[PATH_MAX];
	char		database[PATH_MAX];	/* a file, or a postgresql:// URL */
	char		state_dir[PATH_MAX];	/* this node's own files */
	char		oss_listen[128];
	char		kms_listen[128];
	char		rtmp_listen[128];
	char		public_oss_url[96];	/* "" = the listener's */
	char		public_rtmp_url[96];
	char		region[64];
	char		domains[CONFIG_MAX_DOMAINS][256];
	unsigned	ndomains;
	char		cname_zone[PATH_MAX];
	bool		test_clock;
	bool		test_hooks;
	bool		dev_mode;
	char		log_level[16];
	char		log_file[PATH_MAX];
	char		root_key[PATH_MAX];
	char		tls_cert[PATH_MAX];
	char		tls_key[PATH_MAX];
	char		oss_tls_cert[PATH_MAX];
	char		oss_tls_key[PATH_MAX];
	char		kms_tls_cert[PATH_MAX];
	char		kms_tls_key[PATH_MAX];
	char		kms_client_ca[PATH_MAX];
	unsigned	threads;
	unsigned	conn_timeout;
	unsigned	conn_limit;
	unsigned	per_ip_limit;
	unsigned	max_buckets;
	unsigned	drain_timeout;
	unsigned	bucket_log_interval;
	unsigned	max_kms_request_head;
	unsigned	max_kms_keys;
	unsigned	max_kms_aliases;
	unsigned	max_kms_key_versions;
	unsigned	max_kms_tags;
	unsigned	audit_retention_days;
	bool		check_only;	/* -n / --check-config */
};

/* Fills defaults, reads --config FILE (if given), then applies the other
 * flags. Unknown names, bad values and out-of-range numbers fail with a
 * message in err. ERR_OK, or ERR_INVALID_ARGUMENT. --help and --version are
 * reported through *ret_exit (print done, caller exits 0). */
enum err config_load(int argc, char **argv, struct config *cfg,
    bool *ret_exit, char *err, size_t errlen);
/* Resolves derived defaults: data_dir from $STATE_DIRECTORY or "./var",
 * database from DATA_DIR/database (the URI cofferd recorded) or else
 * DATA_DIR/meta.db,
 * root_key from $CREDENTIALS_DIRECTORY/root.key or DATA_DIR/root.key, and
 * TLS files named "credential:NAME" to $CREDENTIALS_DIRECTORY/NAME. */
void config_finish(struct config *cfg);
/* The database URI cofferd recorded in data_dir (DATA_DIR/database) into
 * out[cap]; false when there is none. */
bool config_recorded_database(const char *data_dir, char *out, size_t cap);
/* Whether this node shares its data dir with others: it has a state dir
 * of its own. */
bool config_shares_data_dir(const struct config *cfg);
void config_usage(FILE *f, const char *prog);
/* Markdown table of every setting (for README.md). */
void config_reference(FILE *f);
/* cofferd.8 in roff, from the same table (the hidden --man). */
void config_man(FILE *f);
/* The certificate and key files of a listener ("oss" or "kms"): its own
 * pair, else the shared one; both "" for plain HTTP. */
void config_tls_files(const struct config *cfg, const char *listener,
    const char **ret_cert, const char **ret_key);
/* The KMS quotas of the configuration, for kms_open (daemon and CLI alike). */
struct kms_limits config_kms_limits(const struct config *cfg);
/* Writes the effective configuration in config-file syntax. */
void config_dump(FILE *f, const struct config *cfg);

#endif
