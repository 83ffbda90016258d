/* SPDX-License-Identifier: ISC */
/*
 * cli_init.c: `coffer init`, the one command besides cofferd's first start
 * that creates a data dir: the directory, the database, the root key
 * (unless it is a systemd credential), the seal, the KMS replay cache's
 * state, the blob store, and the root account with DATA_DIR/credentials
 * (COFFER_ROOT_ACCESS_KEY_ID/_SECRET when set, as for cofferd). A later
 * cofferd start finds a data dir like the one its own first start leaves.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "auth/auth.h"
#include "base/clock.h"
#include "base/str.h"
#include "cli/cli.h"
#include "kms/kms.h"
#include "store/store.h"

/* What the daemon's first start leaves in kms-nonces/: a clean stop of an
 * empty cache, so that its next start sets no barrier. */
static enum err
init_nonces(struct cli *cli)
{
	uint8_t key[KMS_NONCE_KEY_BYTES];
	char dir[4200];
	struct auth_nonce_settings ns = {
		.max_per_generation = 1024,
		.key = key,
		.dir = dir,
		.had_state = false,
		.now_ms = clock_wall_ms(),
	};
	struct auth_nonce_cache *c;
	enum err r;

	_Static_assert(KMS_NONCE_KEY_BYTES == AUTH_NONCE_KEY_BYTES,
	    "kms/ derives the replay cache's key");
	snprintf(dir, sizeof(dir), "%s/kms-nonces", cli->cfg.state_dir);
	kms_nonce_key(cli->kms, key);
	r = auth_nonce_cache_open(&ns, &c);
	explicit_bzero(key, sizeof(key));
	if (r == ERR_OK)
		auth_nonce_cache_close(c);
	return r;
}

static int
init_fail(const char *what, enum err r)
{
	fprintf(stderr, "coffer: init: %s: %s\n", what, err_name(r));
	return 1;
}

int
cli_init(struct cli *cli, int argc, char **argv)
{
	const char *dd = cli->cfg.data_dir;
	const char *ak = getenv("COFFER_ROOT_ACCESS_KEY_ID");
	const char *sk = getenv("COFFER_ROOT_ACCESS_KEY_SECRET");
	const char *cd = getenv("CREDENTIALS_DIRECTORY");
	struct kms_settings ks = { 0 };
	struct api_seal_report rep;
	struct auth_account acct;
	char path[4200], ret_ak[AUTH_AK_MAX];
	struct store *st;
	bool created;
	enum err r;
	int fd;

	(void)argc;
	(void)argv;
	if (db_has_state(cli->cfg.database)) {
		db_display(cli->cfg.database, path, sizeof(path));
		if (db_is_url(cli->cfg.database))
			fprintf(stderr, "coffer: init: '%s' holds a coffer "
			    "database already\n", path);
		else
			fprintf(stderr, "coffer: init: '%s' is a coffer data "
			    "dir already\n", dd);
		return 1;
	}
	if ((ak == NULL) != (sk == NULL)) {
		fprintf(stderr, "coffer: init: set both "
		    "COFFER_ROOT_ACCESS_KEY_ID and "
		    "COFFER_ROOT_ACCESS_KEY_SECRET, or neither\n");
		return 1;
	}
	umask(077);
	if (mkdir(dd, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "coffer: init: cannot create '%s': %s\n", dd,
		    strerror(errno));
		return 1;
	}
	/* The daemon's lock: a cofferd starting meanwhile waits its turn
	 * (it refuses to start) rather than initialising alongside. */
	if (mkdir(cli->cfg.state_dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "coffer: init: cannot create '%s': %s\n",
		    cli->cfg.state_dir, strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/cofferd.lock", cli->cfg.state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "coffer: init: '%s' is in use by a cofferd\n",
		    cli->cfg.state_dir);
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (cli_open_db(cli) != ERR_OK) {
		close(fd);
		return 1;
	}
	ks.root_key_path = cli->cfg.root_key;
	/* Never inside systemd's read-only credentials directory. */
	ks.create_root_key = cd == NULL || cd[0] == '\0' ||
	    !str_has_prefix(cli->cfg.root_key, cd);
	ks.db = cli->db;
	ks.clock = &cli->clock;
	ks.limits = config_kms_limits(&cli->cfg);
	r = kms_open(&ks, &cli->kms);
	if (r != ERR_OK) {
		close(fd);
		return init_fail(cli->cfg.root_key, r);
	}
	r = api_seal_check(cli->db, cli->cfg.state_dir, true, &rep);
	if (r == ERR_OK)
		r = init_nonces(cli);
	if (r == ERR_OK && (r = store_open(dd, &st)) == ERR_OK)
		store_close(st);
	if (r == ERR_OK)
		r = api_root_account_init(cli->db, cli->kms, dd, cli->cfg.region,
		    ak, sk, cli_now(cli), &acct, ret_ak, &created);
	close(fd);
	if (r != ERR_OK)
		return init_fail(dd, r);
	printf("initialised '%s': root key '%s', account 'root' (%s, access "
	    "key %s), credentials in '%s/credentials'\n", dd,
	    cli->cfg.root_key, acct.account_id, ret_ak, dd);
	return 0;
}
