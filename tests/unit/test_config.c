/* SPDX-License-Identifier: ISC */
/*
 * test_config.c: unit tests for config.h (defaults, the config file, flags,
 * bounds and the systemd-derived defaults of config_finish).
 *
 * The configuration decides where data lives and who may move the clock, so
 * every way of spelling a setting is pinned: file lines with comments,
 * quotes and spaces; flags before and after --config; the boolean flag
 * without a value; and the numeric bounds on both sides.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/log.h"
#include "config.h"
#include "support/test_support.h"

struct fixture {
	char	*dir;
	char	 file[512];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->dir = test_tmpdir("config");
	snprintf(f->file, sizeof(f->file), "%s/cofferd.conf", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	test_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* config_load on a NULL-terminated argument list. */
static enum err
load(struct config *cfg, char *err, size_t errlen, ...)
{
	char *argv[32];
	int argc = 0;
	bool exit_now = true;
	va_list ap;
	enum err r;

	argv[argc++] = (char *)(uintptr_t)"cofferd";
	va_start(ap, errlen);
	for (;;) {
		const char *a = va_arg(ap, const char *);
		if (a == NULL)
			break;
		assert_true(argc < 31);
		argv[argc++] = (char *)(uintptr_t)a;
	}
	va_end(ap);
	argv[argc] = NULL;
	err[0] = '\0';
	r = config_load(argc, argv, cfg, &exit_now, err, errlen);
	if (r == ERR_OK)
		assert_false(exit_now);
	return r;
}

static void
expect_defaults(const struct config *c)
{
	assert_string_equal(c->config_file, "");
	assert_string_equal(c->data_dir, "");
	assert_string_equal(c->oss_listen, "127.0.0.1:8420");
	assert_string_equal(c->kms_listen, "127.0.0.1:8421");
	assert_string_equal(c->region, "cn-hangzhou");
	assert_int_equal(c->ndomains, 0);
	assert_false(c->test_clock);
	assert_false(c->test_hooks);
	assert_string_equal(c->log_level, "info");
	assert_string_equal(c->log_file, "");
	assert_string_equal(c->root_key, "");
	assert_int_equal(c->threads, 0);
	assert_int_equal(c->conn_timeout, 60);
	assert_int_equal(c->conn_limit, 1024);
	assert_int_equal(c->per_ip_limit, 128);
	assert_int_equal(c->max_buckets, 100);
	assert_int_equal(c->drain_timeout, 30);
	assert_false(c->check_only);
}

static void
test_defaults(void **state)
{
	struct config cfg;
	char err[256];

	(void)state;
	memset(&cfg, 0x5a, sizeof(cfg));	/* everything is (re)set */
	assert_int_equal(load(&cfg, err, sizeof(err), NULL), ERR_OK);
	expect_defaults(&cfg);
	assert_string_equal(err, "");
}

static void
test_file(void **state)
{
	struct fixture *f = *state;
	struct config cfg;
	char err[256];

	write_file(f->file,
	    "# cofferd configuration\n"
	    "\n"
	    "   # indented comment\n"
	    "region = cn-shanghai\n"
	    "oss_listen=0.0.0.0:9000\n"
	    "\tkms_listen \t=\t 127.0.0.1:0 \t\n"
	    "log_file = \"/var/log/coffer d.log\"\n"
	    "data_dir = \"\"\n"
	    "domain = oss.test\n"
	    "domain = \"s3.example.org\"\n"
	    "domain =\n"
	    "test_clock = yes\n"
	    "test_hooks = 1\n"
	    "threads = 8\r\n"
	    "max_buckets = 100000\n"
	    "log_level = debug");	/* no final newline */
	assert_int_equal(load(&cfg, err, sizeof(err), "--config", f->file, NULL),
	    ERR_OK);
	assert_string_equal(cfg.config_file, f->file);
	assert_string_equal(cfg.region, "cn-shanghai");
	assert_string_equal(cfg.oss_listen, "0.0.0.0:9000");
	assert_string_equal(cfg.kms_listen, "127.0.0.1:0");
	assert_string_equal(cfg.log_file, "/var/log/coffer d.log");
	assert_string_equal(cfg.data_dir, "");
	assert_int_equal(cfg.ndomains, 2);	/* repeated; empty ignored */
	assert_string_equal(cfg.domains[0], "oss.test");
	assert_string_equal(cfg.domains[1], "s3.example.org");
	assert_true(cfg.test_clock);
	assert_true(cfg.test_hooks);
	assert_int_equal(cfg.threads, 8);
	assert_int_equal(cfg.max_buckets, 100000);
	assert_string_equal(cfg.log_level, "debug");
	/* untouched settings keep their defaults */
	assert_int_equal(cfg.conn_timeout, 60);
	assert_string_equal(cfg.root_key, "");
}

static void
test_file_errors(void **state)
{
	struct fixture *f = *state;
	struct config cfg;
	char err[512], want[600];

	write_file(f->file, "# ok\nregion = x\nbogus = 1\nthreads = 2\n");
	assert_int_equal(load(&cfg, err, sizeof(err), "--config", f->file, NULL),
	    ERR_INVALID_ARGUMENT);
	snprintf(want, sizeof(want), "%s:3: unknown setting 'bogus'", f->file);
	assert_string_equal(err, want);

	write_file(f->file, "region = x\n\njust words\n");
	assert_int_equal(load(&cfg, err, sizeof(err), "--config", f->file, NULL),
	    ERR_INVALID_ARGUMENT);
	snprintf(want, sizeof(want), "%s:3: expected name = value", f->file);
	assert_string_equal(err, want);

	/* Names are exact: no dashes, no case folding in the file. */
	write_file(f->file, "oss-listen = 1.2.3.4:5\n");
	assert_int_equal(load(&cfg, err, sizeof(err), "--config", f->file, NULL),
	    ERR_INVALID_ARGUMENT);
	write_file(f->file, "Region = x\n");
	assert_int_equal(load(&cfg, err, sizeof(err), "--config", f->file, NULL),
	    ERR_INVALID_ARGUMENT);

	write_file(f->file, "threads = 300\n");
	assert_int_equal(load(&cfg, err, sizeof(err), "--config", f->file, NULL),
	    ERR_INVALID_ARGUMENT);
	assert_string_equal(err, "threads: '300' is not a number in 0..256");

	write_file(f->file, "test_clock = maybe\n");
	assert_int_equal(load(&cfg, err, sizeof(err), "--config", f->file, NULL),
	    ERR_INVALID_ARGUMENT);
	assert_string_equal(err, "test_clock: 'maybe' is not a boolean");

	/* Nine domains: one too many. */
	write_file(f->file, "domain = a\ndomain = b\ndomain = c\ndomain = d\n"
	    "domain = e\ndomain = f\ndomain = g\ndomain = h\ndomain = i\n");
	assert_int_equal(load(&cfg, err, sizeof(err), "--config", f->file, NULL),
	    ERR_INVALID_ARGUMENT);
	assert_string_equal(err, "domain: too many or too long");
	write_file(f->file, "domain = a\ndomain = b\ndomain = c\ndomain = d\n"
	    "domain = e\ndomain = f\ndomain = g\ndomain = h\n");
	assert_int_equal(load(&cfg, err, sizeof(err), "--config", f->file, NULL),
	    ERR_OK);
	assert_int_equal(cfg.ndomains, 8);
	assert_string_equal(cfg.domains[7], "h");

	/* A line longer than the reader's buffer. */
	char *big = malloc(6000);
	assert_non_null(big);
	memcpy(big, "region = ", 9);
	memset(big + 9, 'r', 5000);
	memcpy(big + 5009, "\n", 2);
	write_file(f->file, big);
	free(big);
	assert_int_equal(load(&cfg, err, sizeof(err), "--config", f->file, NULL),
	    ERR_INVALID_ARGUMENT);
	snprintf(want, sizeof(want), "%s:1: line too long", f->file);
	assert_string_equal(err, want);

	/* A value longer than its field. */
	write_file(f->file, "region = "
	    "0123456789012345678901234567890123456789012345678901234567890123\n");
	assert_int_equal(load(&cfg, err, sizeof(err), "--config", f->file, NULL),
	    ERR_INVALID_ARGUMENT);
	assert_string_equal(err, "region: value too long");
	write_file(f->file, "region = "
	    "012345678901234567890123456789012345678901234567890123456789012\n");
	assert_int_equal(load(&cfg, err, sizeof(err), "--config", f->file, NULL),
	    ERR_OK);
	assert_int_equal(strlen(cfg.region), 63);

	/* A missing file names the path. */
	snprintf(want, sizeof(want), "%s/missing.conf", f->dir);
	assert_int_equal(load(&cfg, err, sizeof(err), "--config", want, NULL),
	    ERR_INVALID_ARGUMENT);
	assert_non_null(strstr(err, "missing.conf"));
	assert_non_null(strstr(err, "No such file"));
}

static void
test_flags_override_file(void **state)
{
	struct fixture *f = *state;
	struct config cfg;
	char err[256];

	write_file(f->file, "region = cn-file\nthreads = 3\nlog_level = debug\n"
	    "test_clock = false\n");
	/* flags after --config */
	assert_int_equal(load(&cfg, err, sizeof(err), "--config", f->file,
	    "--region", "cn-flag", "--threads", "5", NULL), ERR_OK);
	assert_string_equal(cfg.region, "cn-flag");
	assert_int_equal(cfg.threads, 5);
	assert_string_equal(cfg.log_level, "debug");	/* file only */
	/* flags before --config win as well */
	assert_int_equal(load(&cfg, err, sizeof(err), "--region", "cn-flag",
	    "--threads", "5", "--test-clock", "--config", f->file, NULL), ERR_OK);
	assert_string_equal(cfg.region, "cn-flag");
	assert_int_equal(cfg.threads, 5);
	assert_true(cfg.test_clock);
	assert_string_equal(cfg.log_level, "debug");
	/* the last flag of a repeated one wins */
	assert_int_equal(load(&cfg, err, sizeof(err), "--region", "one",
	    "--region", "two", NULL), ERR_OK);
	assert_string_equal(cfg.region, "two");
	/* dashes in flag names map to underscores */
	assert_int_equal(load(&cfg, err, sizeof(err), "--oss-listen", "[::1]:1",
	    "--kms-listen", "127.0.0.1:2", "--data-dir", "/d", "--root-key", "/k",
	    "--log-file", "/l", "--conn-timeout", "16", "--conn-limit", "16",
	    "--per-ip-limit", "1", "--max-buckets", "1", "--drain-timeout", "0",
	    "--domain", "x.test", "--domain", "y.test", NULL), ERR_OK);
	assert_string_equal(cfg.oss_listen, "[::1]:1");
	assert_string_equal(cfg.kms_listen, "127.0.0.1:2");
	assert_string_equal(cfg.data_dir, "/d");
	assert_string_equal(cfg.root_key, "/k");
	assert_string_equal(cfg.log_file, "/l");
	assert_int_equal(cfg.conn_timeout, 16);
	assert_int_equal(cfg.conn_limit, 16);
	assert_int_equal(cfg.per_ip_limit, 1);
	assert_int_equal(cfg.max_buckets, 1);
	assert_int_equal(cfg.drain_timeout, 0);
	assert_int_equal(cfg.ndomains, 2);
	assert_string_equal(cfg.domains[1], "y.test");
}

static void
test_bool_flags(void **state)
{
	struct config cfg;
	char err[256];

	(void)state;
	/* A boolean flag alone means true, and takes no value. */
	assert_int_equal(load(&cfg, err, sizeof(err), "--test-clock", NULL),
	    ERR_OK);
	assert_true(cfg.test_clock);
	assert_false(cfg.test_hooks);
	assert_int_equal(load(&cfg, err, sizeof(err), "--test-hooks", "--region",
	    "r", NULL), ERR_OK);
	assert_true(cfg.test_hooks);
	assert_false(cfg.test_clock);
	assert_string_equal(cfg.region, "r");
	assert_int_equal(load(&cfg, err, sizeof(err), "-n", NULL), ERR_OK);
	assert_true(cfg.check_only);
	assert_int_equal(load(&cfg, err, sizeof(err), "--check-config", NULL),
	    ERR_OK);
	assert_true(cfg.check_only);
}

static void
test_flag_errors(void **state)
{
	struct config cfg;
	char err[256];

	(void)state;
	assert_int_equal(load(&cfg, err, sizeof(err), "--bogus", "1", NULL),
	    ERR_INVALID_ARGUMENT);
	assert_string_equal(err, "unknown option '--bogus' (see --help)");
	assert_int_equal(load(&cfg, err, sizeof(err), "region", "x", NULL),
	    ERR_INVALID_ARGUMENT);
	assert_string_equal(err, "unknown option 'region' (see --help)");
	assert_int_equal(load(&cfg, err, sizeof(err), "-region", "x", NULL),
	    ERR_INVALID_ARGUMENT);
	assert_int_equal(load(&cfg, err, sizeof(err), "--region", NULL),
	    ERR_INVALID_ARGUMENT);
	assert_string_equal(err, "option '--region' needs a value");
	/* --config without its value is an error too, not ignored. */
	assert_int_equal(load(&cfg, err, sizeof(err), "--config", NULL),
	    ERR_INVALID_ARGUMENT);
	assert_string_equal(err, "option '--config' needs a value");
	assert_int_equal(load(&cfg, err, sizeof(err), "--log-level", "loud",
	    NULL), ERR_INVALID_ARGUMENT);
	assert_string_equal(err, "log_level: unknown level 'loud'");
	assert_int_equal(load(&cfg, err, sizeof(err), "--log-level", "warn",
	    NULL), ERR_OK);
}

static void
test_number_bounds(void **state)
{
	static const struct { const char *flag, *v; bool ok; unsigned want; } c[] = {
		{ "--threads", "0", true, 0 }, { "--threads", "256", true, 256 },
		{ "--threads", "257", false, 0 },
		{ "--conn-timeout", "15", false, 0 },
		{ "--conn-timeout", "16", true, 16 },
		{ "--conn-timeout", "3600", true, 3600 },
		{ "--conn-timeout", "3601", false, 0 },
		{ "--conn-limit", "15", false, 0 },
		{ "--conn-limit", "65536", true, 65536 },
		{ "--conn-limit", "65537", false, 0 },
		{ "--per-ip-limit", "0", false, 0 },
		{ "--max-buckets", "0", false, 0 },
		{ "--max-buckets", "100001", false, 0 },
		{ "--drain-timeout", "3600", true, 3600 },
		{ "--drain-timeout", "3601", false, 0 },
		{ "--threads", "-1", false, 0 }, { "--threads", "+1", false, 0 },
		{ "--threads", "", false, 0 }, { "--threads", "4x", false, 0 },
		{ "--threads", " 4", false, 0 }, { "--threads", "0x10", false, 0 },
		{ "--threads", "4294967297", false, 0 },
		{ "--max-buckets", "18446744073709551617", false, 0 },
	};
	struct config cfg;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		enum err r = load(&cfg, err, sizeof(err), c[i].flag, c[i].v, NULL);
		if (c[i].ok) {
			if (r != ERR_OK)
				fail_msg("%s %s rejected: %s", c[i].flag, c[i].v, err);
			unsigned got = strcmp(c[i].flag, "--threads") == 0 ?
			    cfg.threads : strcmp(c[i].flag, "--conn-timeout") == 0 ?
			    cfg.conn_timeout : strcmp(c[i].flag, "--conn-limit") == 0 ?
			    cfg.conn_limit : cfg.drain_timeout;
			assert_int_equal(got, c[i].want);
		} else if (r != ERR_INVALID_ARGUMENT)
			fail_msg("%s '%s' accepted", c[i].flag, c[i].v);
	}
	assert_int_equal(load(&cfg, err, sizeof(err), "--conn-timeout", "15",
	    NULL), ERR_INVALID_ARGUMENT);
	assert_string_equal(err, "conn_timeout: '15' is not a number in 16..3600");
}

static void
test_help(void **state)
{
	struct config cfg;
	char err[64];
	bool exit_now = false;
	char *argv[] = { (char *)(uintptr_t)"cofferd",
	    (char *)(uintptr_t)"--help", NULL };
	FILE *saved = stdout;

	(void)state;
	/* The usage goes to stdout; keep the test output clean. */
	stdout = fopen("/dev/null", "w");
	assert_non_null(stdout);
	assert_int_equal(config_load(2, argv, &cfg, &exit_now, err, sizeof(err)),
	    ERR_OK);
	fclose(stdout);
	stdout = saved;
	assert_true(exit_now);
}

/* config_dump writes what config_load reads back to the same values. */
static void
test_dump_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct config a, b;
	char err[256];
	FILE *fp;

	assert_int_equal(load(&a, err, sizeof(err), "--region", "cn-x",
	    "--domain", "oss.test", "--domain", "b.test", "--test-clock",
	    "--threads", "7", "--log-file", "/tmp/a b.log", NULL), ERR_OK);
	fp = fopen(f->file, "w");
	assert_non_null(fp);
	config_dump(fp, &a);
	fclose(fp);
	assert_int_equal(load(&b, err, sizeof(err), "--config", f->file, NULL),
	    ERR_OK);
	assert_string_equal(b.region, "cn-x");
	assert_int_equal(b.ndomains, 2);
	assert_string_equal(b.domains[0], "oss.test");
	assert_string_equal(b.domains[1], "b.test");
	assert_true(b.test_clock);
	assert_false(b.test_hooks);
	assert_int_equal(b.threads, 7);
	assert_string_equal(b.log_file, "/tmp/a b.log");
	assert_string_equal(b.oss_listen, a.oss_listen);
	assert_int_equal(b.conn_timeout, a.conn_timeout);
}

/* Values the file syntax would trim or unquote are dumped quoted, and a
 * line break, which no config file line can hold, is refused (found by
 * fuzz_config). */
static void
test_dump_quotes(void **state)
{
	struct fixture *f = *state;
	struct config a, b;
	char err[256];
	FILE *fp;

	assert_int_equal(load(&a, err, sizeof(err), "--region", " cn-x\t",
	    "--domain", "\"q.test\"", "--log-file", "\"", NULL), ERR_OK);
	fp = fopen(f->file, "w");
	assert_non_null(fp);
	config_dump(fp, &a);
	fclose(fp);
	assert_int_equal(load(&b, err, sizeof(err), "--config", f->file, NULL),
	    ERR_OK);
	assert_string_equal(b.region, " cn-x\t");
	assert_int_equal(b.ndomains, 1);
	assert_string_equal(b.domains[0], "\"q.test\"");
	assert_string_equal(b.log_file, "\"");

	assert_int_equal(load(&a, err, sizeof(err), "--data-dir",
	    "/tmp/a\nregion = x", NULL), ERR_INVALID_ARGUMENT);
	assert_non_null(strstr(err, "line break"));
}

static void
test_finish(void **state)
{
	struct config cfg;
	char err[256];

	(void)state;
	unsetenv("STATE_DIRECTORY");
	unsetenv("CREDENTIALS_DIRECTORY");
	assert_int_equal(load(&cfg, err, sizeof(err), NULL), ERR_OK);
	config_finish(&cfg);
	assert_string_equal(cfg.data_dir, "./var");
	assert_string_equal(cfg.root_key, "./var/root.key");

	/* systemd: the first of several state directories. */
	setenv("STATE_DIRECTORY", "/var/lib/coffer:/var/lib/other", 1);
	assert_int_equal(load(&cfg, err, sizeof(err), NULL), ERR_OK);
	config_finish(&cfg);
	assert_string_equal(cfg.data_dir, "/var/lib/coffer");
	assert_string_equal(cfg.root_key, "/var/lib/coffer/root.key");

	/* and the credentials directory for the root key */
	setenv("CREDENTIALS_DIRECTORY", "/run/credentials/cofferd.service", 1);
	assert_int_equal(load(&cfg, err, sizeof(err), NULL), ERR_OK);
	config_finish(&cfg);
	assert_string_equal(cfg.data_dir, "/var/lib/coffer");
	assert_string_equal(cfg.root_key,
	    "/run/credentials/cofferd.service/root.key");

	/* explicit settings are never overridden */
	assert_int_equal(load(&cfg, err, sizeof(err), "--data-dir", "/d",
	    "--root-key", "/k/key", NULL), ERR_OK);
	config_finish(&cfg);
	assert_string_equal(cfg.data_dir, "/d");
	assert_string_equal(cfg.root_key, "/k/key");
	/* an explicit data dir with the credentials directory unset */
	unsetenv("CREDENTIALS_DIRECTORY");
	assert_int_equal(load(&cfg, err, sizeof(err), "--data-dir", "/d", NULL),
	    ERR_OK);
	config_finish(&cfg);
	assert_string_equal(cfg.root_key, "/d/root.key");

	/* empty variables count as unset */
	setenv("STATE_DIRECTORY", "", 1);
	setenv("CREDENTIALS_DIRECTORY", "", 1);
	assert_int_equal(load(&cfg, err, sizeof(err), NULL), ERR_OK);
	config_finish(&cfg);
	assert_string_equal(cfg.data_dir, "./var");
	assert_string_equal(cfg.root_key, "./var/root.key");
	unsetenv("STATE_DIRECTORY");
	unsetenv("CREDENTIALS_DIRECTORY");
}

/* TLS: pairs go together, per-listener files win, mutual TLS needs KMS
 * TLS, and "credential:NAME" reads the systemd credentials directory. */
static void
test_tls(void **state)
{
	struct config cfg;
	const char *c, *k;
	char err[256];

	(void)state;
	unsetenv("CREDENTIALS_DIRECTORY");
	assert_int_equal(load(&cfg, err, sizeof(err), NULL), ERR_OK);
	config_tls_files(&cfg, "oss", &c, &k);
	assert_string_equal(c, "");
	assert_string_equal(k, "");
	assert_int_equal(load(&cfg, err, sizeof(err), "--tls-cert", "/c.pem",
	    NULL), ERR_INVALID_ARGUMENT);
	assert_string_equal(err, "tls_cert and tls_key go together");
	assert_int_equal(load(&cfg, err, sizeof(err), "--kms-tls-key", "/k",
	    NULL), ERR_INVALID_ARGUMENT);
	assert_string_equal(err, "kms_tls_cert and kms_tls_key go together");
	assert_int_equal(load(&cfg, err, sizeof(err), "--kms-client-ca",
	    "/ca.pem", "--oss-tls-cert", "/o.pem", "--oss-tls-key", "/o.key",
	    NULL), ERR_INVALID_ARGUMENT);
	assert_string_equal(err, "kms_client_ca needs TLS on the KMS listener "
	    "(tls_cert or kms_tls_cert)");

	assert_int_equal(load(&cfg, err, sizeof(err), "--tls-cert", "/c.pem",
	    "--tls-key", "/c.key", "--kms-tls-cert", "/kc.pem",
	    "--kms-tls-key", "/kc.key", "--kms-client-ca", "/ca.pem", NULL),
	    ERR_OK);
	config_tls_files(&cfg, "oss", &c, &k);
	assert_string_equal(c, "/c.pem");
	assert_string_equal(k, "/c.key");
	config_tls_files(&cfg, "kms", &c, &k);
	assert_string_equal(c, "/kc.pem");
	assert_string_equal(k, "/kc.key");

	setenv("CREDENTIALS_DIRECTORY", "/run/credentials/cofferd.service", 1);
	assert_int_equal(load(&cfg, err, sizeof(err), "--tls-cert",
	    "/etc/cofferd/tls.pem", "--tls-key", "credential:tls.key",
	    "--kms-client-ca", "credential:../x", NULL), ERR_OK);
	config_finish(&cfg);
	assert_string_equal(cfg.tls_cert, "/etc/cofferd/tls.pem");
	assert_string_equal(cfg.tls_key,
	    "/run/credentials/cofferd.service/tls.key");
	/* a name with a slash is not a credential name: left to fail */
	assert_string_equal(cfg.kms_client_ca, "credential:../x");
	unsetenv("CREDENTIALS_DIRECTORY");
	assert_int_equal(load(&cfg, err, sizeof(err), "--tls-cert",
	    "credential:tls.pem", "--tls-key", "credential:tls.key", NULL),
	    ERR_OK);
	config_finish(&cfg);
	assert_string_equal(cfg.tls_cert, "credential:tls.pem");
}

/* The base URLs of LiveChannel answers: a scheme and HOST[:PORT] only. */
static void
test_public_urls(void **state)
{
	static const char *const good_oss[] = { "http://oss.example.com",
	    "https://10.0.0.1:8443", "http://[::1]:80" };
	static const char *const bad_oss[] = { "oss.example.com:80",
	    "rtmp://h:1", "http://", "http://h:0", "http://h:65536",
	    "http://h/path", "http://h:80/", "http://[]:80", "http://h:8x",
	    "http://a b" };
	static const char *const bad_rtmp[] = { "http://h:1935",
	    "rtmp://h/live", "rtmp://:1935" };
	struct config cfg;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(good_oss) / sizeof(good_oss[0]); i++)
		assert_int_equal(load(&cfg, err, sizeof(err), "--public-oss-url",
		    good_oss[i], NULL), ERR_OK);
	for (size_t i = 0; i < sizeof(bad_oss) / sizeof(bad_oss[0]); i++) {
		assert_int_equal(load(&cfg, err, sizeof(err), "--public-oss-url",
		    bad_oss[i], NULL), ERR_INVALID_ARGUMENT);
		assert_non_null(strstr(err, "is not http[s]://HOST[:PORT]"));
	}
	assert_int_equal(load(&cfg, err, sizeof(err), "--public-rtmp-url",
	    "rtmp://live.example.com:1935", NULL), ERR_OK);
	assert_string_equal(cfg.public_rtmp_url, "rtmp://live.example.com:1935");
	for (size_t i = 0; i < sizeof(bad_rtmp) / sizeof(bad_rtmp[0]); i++) {
		assert_int_equal(load(&cfg, err, sizeof(err), "--public-rtmp-url",
		    bad_rtmp[i], NULL), ERR_INVALID_ARGUMENT);
		assert_non_null(strstr(err, "is not rtmp://HOST[:PORT]"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test_setup_teardown(test_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flags_override_file, setup, teardown),
		cmocka_unit_test(test_bool_flags),
		cmocka_unit_test(test_flag_errors),
		cmocka_unit_test(test_number_bounds),
		cmocka_unit_test(test_help),
		cmocka_unit_test_setup_teardown(test_dump_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dump_quotes, setup, teardown),
		cmocka_unit_test(test_finish),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_public_urls),
	};

	log_set_level(LOG_LEVEL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
