/* SPDX-License-Identifier: ISC */
/*
 * cli_rootkey.c: coffer root-key rotate | status (README "Root-key
 * rotation").
 *
 * rotate runs in up to three steps, each finished by running the command
 * again after a crash or a Ctrl-C:
 *   1. re-seal everything under the new key: by the running cofferd (asked
 *      through the database, so it can pause its requests first), or here
 *      when no cofferd holds the data dir;
 *   2. install the new key where the configured root key is read from,
 *      when that is a file this process may replace (a systemd credential
 *      is the operator's to replace: the command says how and stops);
 *   3. retire the old key, once the configured key is the new one: from
 *      then on the old key opens nothing in the data dir.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "base/crash.h"
#include "base/file.h"
#include "base/log.h"
#include "cli/cli.h"
#include "db/db.h"
#include "kms/kms.h"

#define WAIT_STEP_MS	200
#define WAIT_MAX_S	3600

static void
say(bool json, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(bool json, const char *step, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (json)
		printf("{\"Step\":\"%s\",\"Message\":\"%s\"}\n", step, msg);
	else
		printf("%s\n", msg);
	fflush(stdout);
}

/* Whether a cofferd holds the data dir; otherwise *lock_fd holds it for
 * us, so none starts while we rotate. */
static bool
daemon_running(const char *data_dir, int *lock_fd)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/cofferd.lock", data_dir);
	*lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*lock_fd < 0)
		return false;
	if (flock(*lock_fd, LOCK_EX | LOCK_NB) == 0)
		return false;
	close(*lock_fd);
	*lock_fd = -1;
	return true;
}

static bool
same_check(const uint8_t *a, const uint8_t *b)
{
	return kms_check_equal(a, b);
}

/* The check value of the key the data dir is sealed with now. */
static enum err
current_check(struct cli *cli, uint8_t out[static KMS_CHECK_BYTES])
{
	uint8_t *cur;
	enum err r;

	/* The configured file, unless it is the one a rotation retires:
	 * kms_open then already holds the new key, and says so. */
	cur = kms_root_buf_new();
	if (cur == NULL)
		return ERR_NOMEM;
	r = kms_root_read(cli->cfg.root_key, cur);
	if (r == ERR_OK)
		kms_root_check_of(cur, out);
	kms_root_buf_free(cur);
	return r;
}

static int
wait_for_daemon(struct cli *cli, const uint8_t *new_check)
{
	struct kms_root_info info;
	struct cli_progress pg;
	int64_t gen0;
	enum err r;

	r = kms_root_info(cli->kms, &info);
	if (r != ERR_OK)
		return 1;
	gen0 = info.gen;
	cli_progress_init(&pg, "waiting for cofferd");
	for (int i = 0; i < WAIT_MAX_S * 1000 / WAIT_STEP_MS; i++) {
		usleep(WAIT_STEP_MS * 1000);
		cli_progress_show(&pg, false);
		if (kms_root_info(cli->kms, &info) != ERR_OK)
			continue;
		if (info.gen > gen0) {
			cli_progress_show(&pg, true);
			return 0;
		}
		if (info.request_error[0] != '\0') {
			cli_progress_show(&pg, true);
			fprintf(stderr, "coffer: cofferd refused the rotation: %s\n",
			    info.request_error);
			(void)kms_root_request_clear(cli->kms);
			return 1;
		}
		if (!info.requested || !same_check(info.request_check,
		    new_check)) {
			fprintf(stderr, "coffer: the rotation request was "
			    "withdrawn or replaced\n");
			return 1;
		}
	}
	fprintf(stderr, "coffer: cofferd did not take the rotation within %d "
	    "s; is it running with this data dir?\n", WAIT_MAX_S);
	return 1;
}

static int
rotate_here(struct cli *cli, const uint8_t *new_root, bool json)
{
	struct api_rotation rep;
	enum err r;

	say(json, "rotate", "re-sealing everything under the new key (one "
	    "transaction; Ctrl-C or a crash leaves the old key in force)");
	r = api_root_key_rotate(cli->db, cli->kms, cli->cfg.state_dir, new_root,
	    cli_now(cli), &rep);
	if (r != ERR_OK && r != ERR_UNSYNCED) {
		fprintf(stderr, "coffer: rotation refused: %s\n",
		    rep.why[0] ? rep.why : err_name(r));
		return 1;
	}
	uint64_t items = rep.secrets + rep.kms_values + rep.data_keys +
	    rep.rows + rep.audit_rows;
	double s = rep.ms > 0 ? (double)rep.ms / 1000.0 : 0.001;

	if (json)
		printf("{\"Step\":\"rotated\",\"Generation\":%" PRId64
		    ",\"Secrets\":%" PRIu64 ",\"KeyValues\":%" PRIu64
		    ",\"DataKeys\":%" PRIu64 ",\"Rows\":%" PRIu64
		    ",\"AuditRows\":%" PRIu64 ",\"Seconds\":%.3f"
		    ",\"ItemsPerSecond\":%.0f}\n", rep.from_gen + 1, rep.secrets,
		    rep.kms_values, rep.data_keys, rep.rows, rep.audit_rows, s,
		    (double)items / s);
	else
		printf("rotated to generation %" PRId64 ": %" PRIu64 " secrets, %"
		    PRIu64 " key values, %" PRIu64 " data keys, %" PRIu64
		    " rows, %" PRIu64 " audit rows in %.3f s (%.0f items/s)\n",
		    rep.from_gen + 1, rep.secrets, rep.kms_values, rep.data_keys,
		    rep.rows, rep.audit_rows, s, (double)items / s);
	return 0;
}

/* Whether path is a file we may replace: not a systemd credential. */
static bool
installable(const char *path)
{
	const char *cd = getenv("CREDENTIALS_DIRECTORY");
	char dir[PATH_MAX];

	if (cd != NULL && strncmp(path, cd, strlen(cd)) == 0)
		return false;
	snprintf(dir, sizeof(dir), "%s", path);
	return access(dirname(dir), W_OK) == 0;
}

int
cli_rootkey_rotate(struct cli *cli, int argc, char **argv)
{
	bool json = cli_flag(&argc, argv, "--json");
	const char *file = cli_opt(&argc, argv, "--new-key");
	uint8_t new_check[KMS_CHECK_BYTES], cfg_check[KMS_CHECK_BYTES];
	struct kms_root_info info;
	uint8_t *new_root;
	int rc = 1, lock_fd = -1;
	enum err r;

	if (file == NULL) {
		fprintf(stderr, "coffer: root-key rotate needs --new-key FILE "
		    "(32 random bytes, e.g. `head -c 32 /dev/urandom`)\n");
		return 2;
	}
	new_root = kms_root_buf_new();
	if (new_root == NULL)
		return 1;
	r = kms_root_read(file, new_root);
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot read the new key '%s': %s\n",
		    file, r == ERR_CORRUPT ? "it is not exactly 32 bytes" :
		    err_name(r));
		goto out;
	}
	kms_root_check_of(new_root, new_check);
	if (cli_open_kms(cli) != ERR_OK)
		goto out;

	/* 1. Everything under the new key. */
	r = kms_root_info(cli->kms, &info);
	if (r != ERR_OK)
		goto fail;
	if (same_check(info.check, new_check))
		say(json, "rotate", "the data dir is already under the new key "
		    "(generation %" PRId64 ")", info.gen);
	else if (info.given_is_old) {
		fprintf(stderr, "coffer: the data dir was rotated to another key "
		    "than '%s'; install that one, or finish with it\n", file);
		goto out;
	} else {
		if (info.retiring) {
			/* The configured key is the current one: the last
			 * rotation only lacks its retirement. */
			r = kms_root_retire(cli->kms);
			if (r != ERR_OK && r != ERR_NOT_FOUND)
				goto fail;
			say(json, "retire", "retired the key before the current "
			    "one (a previous rotation's last step)");
		}
		if (daemon_running(cli->cfg.state_dir, &lock_fd)) {
			say(json, "rotate", "asking the running cofferd to "
			    "rotate (it pauses requests while it works)");
			r = kms_root_request(cli->kms, new_root, cli_now(cli));
			if (r != ERR_OK)
				goto fail;
			if (wait_for_daemon(cli, new_check) != 0)
				goto out;
			say(json, "rotate", "cofferd rotated to generation %"
			    PRId64, info.gen + 1);
		} else if (rotate_here(cli, new_root, json) != 0)
			goto out;
	}

	/* 2. The configured key file. */
	r = current_check(cli, cfg_check);
	if (r != ERR_OK)
		goto fail;
	if (!same_check(cfg_check, new_check)) {
		if (!installable(cli->cfg.root_key)) {
			say(json, "install", "install '%s' as the root key "
			    "(replace the credential '%s'), restart cofferd, "
			    "then run this command again to retire the old key",
			    file, cli->cfg.root_key);
			rc = 0;
			goto out;
		}
		r = file_replace(cli->cfg.root_key, new_root,
		    KMS_ROOT_KEY_BYTES, 0600);
		if (r != ERR_OK) {
			fprintf(stderr, "coffer: cannot install the new key at "
			    "'%s': %s\n", cli->cfg.root_key, err_name(r));
			goto out;
		}
		crash_point("rotate-installed");
		say(json, "install", "the new key is now '%s'",
		    cli->cfg.root_key);
	}

	/* 3. Retire the old key, holding the installed one: the keys this
	 * process opened with are the old ones when cofferd rotated. */
	kms_close(cli->kms);
	cli->kms = NULL;
	if (cli_open_kms(cli) != ERR_OK)
		goto out;
	r = kms_root_retire(cli->kms);
	if (r == ERR_NOT_FOUND)
		r = ERR_OK;	/* a run before us did */
	if (r != ERR_OK)
		goto fail;
	say(json, "retire", "the old root key opens nothing in this data dir "
	    "any more; destroy every copy of it (backups taken before the "
	    "rotation still need it)");
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "coffer: root-key rotate: %s\n", err_name(r));
out:
	if (lock_fd >= 0)
		close(lock_fd);
	kms_root_buf_free(new_root);
	return rc;
}

int
cli_rootkey_status(struct cli *cli, int argc, char **argv)
{
	bool json = cli_flag(&argc, argv, "--json");
	struct kms_root_info info;
	enum err r;

	if (cli_open_kms(cli) != ERR_OK)
		return 1;
	r = kms_root_info(cli->kms, &info);
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: %s\n", err_name(r));
		return 1;
	}
	if (json)
		printf("{\"Generation\":%" PRId64 ",\"Retiring\":%s,"
		    "\"ConfiguredKeyIsOld\":%s,\"RotationAsked\":%s}\n",
		    info.gen, info.retiring ? "true" : "false",
		    info.given_is_old ? "true" : "false",
		    info.requested ? "true" : "false");
	else
		printf("root key generation %" PRId64 "%s%s%s\n", info.gen,
		    info.retiring ? "; the previous key is not retired yet" : "",
		    info.given_is_old ? "; the configured key is the previous "
		    "one (install the new one)" : "",
		    info.requested ? "; a rotation waits for cofferd" : "");
	return 0;
}
