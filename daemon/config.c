/* SPDX-License-Identifier: ISC */
/* config.c: the configuration table and its loader; see config.h. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/roff.h"
#include "base/str.h"
#include "base/version.h"

enum config_type { CT_STRING, CT_UINT, CT_BOOL, CT_LIST };

struct config_item {
	const char		*name;
	enum config_type	 type;
	size_t			 offset;
	size_t			 size;		/* strings: buffer size */
	unsigned		 min, max;	/* numbers */
	const char		*def;
	const char		*help;
};

#define S(n, f, d, h) { n, CT_STRING, offsetof(struct config, f), \
	sizeof(((struct config *)0)->f), 0, 0, d, h }
#define U(n, f, lo, hi, d, h) { n, CT_UINT, offsetof(struct config, f), 0, \
	lo, hi, d, h }
#define B(n, f, d, h) { n, CT_BOOL, offsetof(struct config, f), 0, 0, 0, d, h }

static const struct config_item items[] = {
	S("data_dir", data_dir, "",
	    "State directory (database, blobs, root key, credentials). "
	    "Default: $STATE_DIRECTORY under systemd, else ./var."),
	S("database", database, "",
	    "Where the metadata lives: a PostgreSQL server (a postgresql:// "
	    "connection URI; put the password in a libpq password file, "
	    "passfile=..., not in the URI) or, by default, DATA_DIR/meta.db "
	    "(SQLite). cofferd records a URI in DATA_DIR/database, where "
	    "later starts and the coffer CLI find it."),
	S("state_dir", state_dir, "",
	    "This node's own files: the lock that keeps a second cofferd "
	    "off, the seal anchor, the KMS replay log and the node's id. "
	    "Default: DATA_DIR. Nodes sharing one data dir on a PostgreSQL "
	    "database each need their own (README: Running several nodes); "
	    "with one, temp files go to DATA_DIR/tmp/ID."),
	S("oss_listen", oss_listen, "127.0.0.1:8420",
	    "Address of the OSS listener (HOST:PORT, HOST an IPv4 address, "
	    "[IPv6 address] or name; port 0 picks one)."),
	S("kms_listen", kms_listen, "127.0.0.1:8421",
	    "Address of the KMS listener (HOST:PORT, HOST an IPv4 address, "
	    "[IPv6 address] or name; port 0 picks one)."),
	S("rtmp_listen", rtmp_listen, "127.0.0.1:1935",
	    "Address of the RTMP ingest listener of LiveChannels (HOST:PORT "
	    "as oss_listen; off disables it)."),
	S("public_oss_url", public_oss_url, "",
	    "The OSS endpoint as clients reach it (http://HOST:PORT or "
	    "https://HOST:PORT), named in LiveChannel PlayUrls. Default: the "
	    "OSS listener's address. Nodes behind a balancer name the "
	    "balancer (README: Running several nodes)."),
	S("public_rtmp_url", public_rtmp_url, "",
	    "The RTMP ingest as publishers reach it (rtmp://HOST:PORT), named "
	    "in LiveChannel PublishUrls. Default: the RTMP listener's "
	    "address."),
	S("region", region, "cn-hangzhou",
	    "Region of path-style and custom-domain requests."),
	{ "domain", CT_LIST, offsetof(struct config, domains), 256, 0, 0, "",
	    "Service domain for virtual-host addressing (BUCKET.DOMAIN); "
	    "repeatable, up to 8." },
	S("cname_zone", cname_zone, "",
	    "Zone file (\"NAME TXT VALUE\" lines) answering the TXT lookups of "
	    "custom-domain ownership proofs instead of DNS; re-read on change."),
	B("test_clock", test_clock, "false",
	    "Let `coffer clock` move the business clock forward (compliance "
	    "testing only)."),
	B("test_hooks", test_hooks, "false",
	    "Honour the x-coffer-test-pause-ms request header (race tests) "
	    "and COFFER_TEST_BOOT_ID (replay-cache crash tests); tests only."),
	B("dev_mode", dev_mode, "false",
	    "Development mode (`make run`): a root key kept inside the data "
	    "dir is expected; otherwise cofferd warns at start (README: "
	    "Running under systemd)."),
	S("log_level", log_level, "info",
	    "err, warning, notice, info (one access line per request) or debug."),
	S("log_file", log_file, "",
	    "Log to this file instead of stderr, each line dated (RFC 3339, "
	    "UTC, milliseconds); SIGHUP reopens it."),
	S("root_key", root_key, "",
	    "32-byte root key file. Default: $CREDENTIALS_DIRECTORY/root.key "
	    "under systemd, else DATA_DIR/root.key (created 0600 if missing)."),
	S("tls_cert", tls_cert, "",
	    "PEM certificate chain served by both listeners (HTTPS); empty: "
	    "plain HTTP. \"credential:NAME\" reads the systemd credential NAME "
	    "(README: TLS). Re-read on SIGHUP."),
	S("tls_key", tls_key, "",
	    "PEM private key of tls_cert (or \"credential:NAME\"). Re-read on "
	    "SIGHUP."),
	S("oss_tls_cert", oss_tls_cert, "",
	    "Certificate chain of the OSS listener alone (overrides tls_cert)."),
	S("oss_tls_key", oss_tls_key, "",
	    "Private key of oss_tls_cert (overrides tls_key)."),
	S("kms_tls_cert", kms_tls_cert, "",
	    "Certificate chain of the KMS listener alone (overrides tls_cert)."),
	S("kms_tls_key", kms_tls_key, "",
	    "Private key of kms_tls_cert (overrides tls_key)."),
	S("kms_client_ca", kms_client_ca, "",
	    "Mutual TLS on the KMS listener: only clients with a certificate "
	    "signed by this PEM CA complete the handshake; its subject is "
	    "recorded in the audit trail. Needs KMS TLS. Re-read on SIGHUP."),
	U("threads", threads, 0, 256, "0",
	    "HTTP worker threads (0: four per CPU, at least 4)."),
	U("conn_timeout", conn_timeout, 16, 3600, "60",
	    "Seconds an idle or stalled connection is kept (must exceed the "
	    "15 s ali-oss keeps idle sockets)."),
	U("conn_limit", conn_limit, 16, 65536, "1024",
	    "Maximum concurrent connections of each listener (OSS, KMS); "
	    "beyond it new connections are closed at once."),
	U("per_ip_limit", per_ip_limit, 1, 65536, "128",
	    "Maximum concurrent connections from one client address to each "
	    "listener; beyond it that address's new connections are closed "
	    "at once (README: Slow clients and connection limits)."),
	U("max_buckets", max_buckets, 1, 100000, "100",
	    "Buckets per account (OSS: 100)."),
	U("drain_timeout", drain_timeout, 0, 3600, "30",
	    "Seconds SIGTERM waits for in-flight requests."),
	U("bucket_log_interval", bucket_log_interval, 1, 86400, "3600",
	    "Seconds of requests each bucket access-log object covers "
	    "(PutBucketLogging; OSS: hourly). Business time: `coffer clock "
	    "advance` moves it; a clean stop writes the lines so far."),
	U("max_kms_request_head", max_kms_request_head, 32768, 16777216,
	    "131072",
	    "Bytes of request line and headers the KMS listener reads: up to "
	    "this a too-long request gets a KMS error, past it MHD's own HTML "
	    "page. Costs CPU on every request in proportion (README: KMS "
	    "request limits)."),
	U("max_kms_keys", max_kms_keys, 1, 1000000, "200",
	    "KMS keys per account (KMS: 200; the OSS service key and "
	    "destroyed keys do not count)."),
	U("max_kms_aliases", max_kms_aliases, 1, 1000000, "300",
	    "KMS aliases per account (KMS: 300; alias/acs/ service aliases "
	    "do not count)."),
	U("max_kms_key_versions", max_kms_key_versions, 1, 10000000, "10000",
	    "KMS key versions per account, all keys together (KMS: 10000)."),
	U("max_kms_tags", max_kms_tags, 1, 128, "10",
	    "Tags per KMS key (KMS: 10; CreateKey takes up to twice this)."),
	U("audit_retention_days", audit_retention_days, 0, 36500, "90",
	    "Days an audit row is kept in the database; older rows are "
	    "exported to audit/export.jsonl in the data dir, then deleted, "
	    "the hash chain kept verifiable by a checkpoint. 0 keeps every "
	    "row (README: Audit trail)."),
};

#define NITEMS (sizeof(items) / sizeof(items[0]))

static const struct config_item *
find_item(const char *name)
{
	for (size_t i = 0; i < NITEMS; i++)
		if (strcmp(items[i].name, name) == 0)
			return &items[i];
	return NULL;
}

/* scheme HOST[:PORT] with scheme one of two (the second may be NULL), HOST
 * a name, an IPv4 or an [IPv6] address. */
static bool
base_url_valid(const char *v, const char *scheme, const char *scheme2)
{
	const char *host = NULL, *p;

	if (strncmp(v, scheme, strlen(scheme)) == 0)
		host = v + strlen(scheme);
	else if (scheme2 != NULL && strncmp(v, scheme2, strlen(scheme2)) == 0)
		host = v + strlen(scheme2);
	if (host == NULL || host[0] == '\0')
		return false;
	p = host;
	if (*p == '[') {
		p += strcspn(p, "]");
		if (*p++ != ']' || p == host + 2)
			return false;
	} else {
		p += strspn(p, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
		if (p == host)
			return false;
	}
	if (*p == ':') {
		uint64_t port;

		return str_to_u64(p + 1, 65535, &port) && port != 0;
	}
	return *p == '\0';
}

static enum err
set_item(struct config *cfg, const struct config_item *it, const char *value,
    char *err, size_t errlen)
{
	char *base = (char *)cfg + it->offset;
	uint64_t v;

	/* A line break could not be written back to a config file
	 * (config_dump), and no address, name or path here needs one. */
	if (strpbrk(value, "\r\n") != NULL) {
		snprintf(err, errlen, "%s: value holds a line break", it->name);
		return ERR_INVALID_ARGUMENT;
	}
	switch (it->type) {
	case CT_STRING:
		if (strlen(value) >= it->size) {
			snprintf(err, errlen, "%s: value too long", it->name);
			return ERR_INVALID_ARGUMENT;
		}
		str_copy(base, it->size, value);
		return ERR_OK;
	case CT_UINT:
		if (!str_to_u64(value, UINT32_MAX, &v) || v < it->min ||
		    v > it->max) {
			snprintf(err, errlen, "%s: '%s' is not a number in %u..%u",
			    it->name, value, it->min, it->max);
			return ERR_INVALID_ARGUMENT;
		}
		*(unsigned *)(void *)base = (unsigned)v;
		return ERR_OK;
	case CT_BOOL:
		if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 ||
		    strcmp(value, "1") == 0)
			*(bool *)(void *)base = true;
		else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 ||
		    strcmp(value, "0") == 0)
			*(bool *)(void *)base = false;
		else {
			snprintf(err, errlen, "%s: '%s' is not a boolean",
			    it->name, value);
			return ERR_INVALID_ARGUMENT;
		}
		return ERR_OK;
	case CT_LIST:
		if (value[0] == '\0')
			return ERR_OK;
		if (cfg->ndomains == CONFIG_MAX_DOMAINS ||
		    strlen(value) >= it->size) {
			snprintf(err, errlen, "%s: too many or too long", it->name);
			return ERR_INVALID_ARGUMENT;
		}
		str_copy(cfg->domains[cfg->ndomains++], it->size, value);
		return ERR_OK;
	}
	return ERR_INTERNAL;
}

static char *
trim_in_place(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

static enum err
load_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
	/* Room for the longest value set_item takes (a path) and its name. */
	char line[PATH_MAX + 256];
	unsigned lineno = 0;
	enum err r = ERR_OK;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ERR_INVALID_ARGUMENT;
	}
	while (r == ERR_OK && fgets(line, sizeof(line), f) != NULL) {
		const struct config_item *it;
		char *p = line, *eq, *name, *value;
		size_t n;

		lineno++;
		n = strlen(p);
		if (n > 0 && p[n - 1] != '\n' && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", path, lineno);
			r = ERR_INVALID_ARGUMENT;
			break;
		}
		p[strcspn(p, "\r\n")] = '\0';
		p = trim_in_place(p);
		if (*p == '\0' || *p == '#')
			continue;
		eq = strchr(p, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "%s:%u: expected name = value",
			    path, lineno);
			r = ERR_INVALID_ARGUMENT;
			break;
		}
		*eq = '\0';
		name = trim_in_place(p);
		value = trim_in_place(eq + 1);
		n = strlen(value);
		if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
			value[n - 1] = '\0';
			value++;
		}
		it = find_item(name);
		if (it == NULL) {
			snprintf(err, errlen, "%s:%u: unknown setting '%s'", path,
			    lineno, name);
			r = ERR_INVALID_ARGUMENT;
			break;
		}
		r = set_item(cfg, it, value, err, errlen);
	}
	fclose(f);
	return r;
}

static void
set_defaults(struct config *cfg)
{
	char err[64];

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NITEMS; i++)
		(void)set_item(cfg, &items[i], items[i].def, err, sizeof(err));
}

/* "--oss-listen" -> "oss_listen" */
static bool
flag_name(const char *arg, char *out, size_t cap)
{
	if (strncmp(arg, "--", 2) != 0 || strlen(arg + 2) >= cap)
		return false;
	str_copy(out, cap, arg + 2);
	for (char *p = out; *p; p++)
		if (*p == '-')
			*p = '_';
	return true;
}

enum err
config_load(int argc, char **argv, struct config *cfg, bool *ret_exit,
    char *err, size_t errlen)
{
	char name[64];
	enum err r;
	int i;

	*ret_exit = false;
	set_defaults(cfg);
	/* The file first, so that flags win wherever they appear. */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			str_copy(cfg->config_file, sizeof(cfg->config_file),
			    argv[i + 1]);
			r = load_file(cfg, argv[i + 1], err, errlen);
			if (r != ERR_OK)
				return r;
		}
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct config_item *it;

		if (strcmp(a, "--config") == 0) {
			/* Read above; a missing file name must not pass
			 * silently as "no config file". */
			if (i + 1 >= argc) {
				snprintf(err, errlen, "option '%s' needs a value", a);
				return ERR_INVALID_ARGUMENT;
			}
			i++;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			config_usage(stdout, argv[0]);
			*ret_exit = true;
			return ERR_OK;
		}
		if (strcmp(a, "--config-reference") == 0) {
			config_reference(stdout);
			*ret_exit = true;
			return ERR_OK;
		}
		/* Not in --help: what the build runs to make cofferd.8. */
		if (strcmp(a, "--man") == 0) {
			config_man(stdout);
			*ret_exit = true;
			return ERR_OK;
		}
		if (strcmp(a, "-n") == 0 || strcmp(a, "--check-config") == 0) {
			cfg->check_only = true;
			continue;
		}
		if (!flag_name(a, name, sizeof(name)) ||
		    (it = find_item(name)) == NULL) {
			snprintf(err, errlen, "unknown option '%s' (see --help)", a);
			return ERR_INVALID_ARGUMENT;
		}
		if (it->type == CT_BOOL) {
			/* A boolean flag alone means true. */
			*(bool *)(void *)((char *)cfg + it->offset) = true;
			continue;
		}
		if (i + 1 >= argc) {
			snprintf(err, errlen, "option '%s' needs a value", a);
			return ERR_INVALID_ARGUMENT;
		}
		r = set_item(cfg, it, argv[++i], err, errlen);
		if (r != ERR_OK)
			return r;
	}
	{
		/* A certificate without its key (or the reverse) is a
		 * mistake, not a request for plain HTTP. */
		static const char *const pairs[][2] = {
			{ "tls_cert", "tls_key" },
			{ "oss_tls_cert", "oss_tls_key" },
			{ "kms_tls_cert", "kms_tls_key" },
		};
		const char *kc, *kk;

		for (size_t p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++) {
			const char *a = (const char *)cfg +
			    find_item(pairs[p][0])->offset;
			const char *b = (const char *)cfg +
			    find_item(pairs[p][1])->offset;

			if ((a[0] == '\0') != (b[0] == '\0')) {
				snprintf(err, errlen, "%s and %s go together",
				    pairs[p][0], pairs[p][1]);
				return ERR_INVALID_ARGUMENT;
			}
		}
		config_tls_files(cfg, "kms", &kc, &kk);
		if (cfg->kms_client_ca[0] != '\0' && kc[0] == '\0') {
			snprintf(err, errlen, "kms_client_ca needs TLS on the KMS "
			    "listener (tls_cert or kms_tls_cert)");
			return ERR_INVALID_ARGUMENT;
		}
	}
	/* Base URLs the answers append "/BUCKET/..." to. */
	if (cfg->public_oss_url[0] != '\0' &&
	    !base_url_valid(cfg->public_oss_url, "http://", "https://")) {
		snprintf(err, errlen, "public_oss_url: '%s' is not "
		    "http[s]://HOST[:PORT]", cfg->public_oss_url);
		return ERR_INVALID_ARGUMENT;
	}
	if (cfg->public_rtmp_url[0] != '\0' &&
	    !base_url_valid(cfg->public_rtmp_url, "rtmp://", NULL)) {
		snprintf(err, errlen, "public_rtmp_url: '%s' is not "
		    "rtmp://HOST[:PORT]", cfg->public_rtmp_url);
		return ERR_INVALID_ARGUMENT;
	}
	if (log_level_parse(cfg->log_level) < 0) {
		snprintf(err, errlen, "log_level: unknown level '%s'",
		    cfg->log_level);
		return ERR_INVALID_ARGUMENT;
	}
	return ERR_OK;
}

void
config_tls_files(const struct config *cfg, const char *listener,
    const char **ret_cert, const char **ret_key)
{
	bool kms = strcmp(listener, "kms") == 0;
	const char *c = kms ? cfg->kms_tls_cert : cfg->oss_tls_cert;
	const char *k = kms ? cfg->kms_tls_key : cfg->oss_tls_key;

	if (c[0] == '\0') {
		c = cfg->tls_cert;
		k = cfg->tls_key;
	}
	*ret_cert = c;
	*ret_key = k;
}

/* "credential:NAME" -> $CREDENTIALS_DIRECTORY/NAME; left as is (and so
 * failing to open, with its name in the message) without the variable. */
static void
resolve_credential(char *path, size_t cap, const char *cd)
{
	char name[PATH_MAX];

	if (!str_has_prefix(path, "credential:") || cd == NULL ||
	    cd[0] == '\0')
		return;
	str_copy(name, sizeof(name), path + strlen("credential:"));
	if (name[0] == '\0' || strchr(name, '/') != NULL ||
	    strlen(cd) + 1 + strlen(name) >= cap)
		return;
	{
		size_t dl = strlen(cd), nl = strlen(name);

		memmove(path + dl + 1, name, nl + 1);
		memcpy(path, cd, dl);
		path[dl] = '/';
	}
}

bool
config_recorded_database(const char *data_dir, char *out, size_t cap)
{
	char path[PATH_MAX + 16];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/database", data_dir);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	if (fgets(out, (int)cap, f) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	fclose(f);
	return true;
}

bool
config_shares_data_dir(const struct config *cfg)
{
	return strcmp(cfg->state_dir, cfg->data_dir) != 0;
}

void
config_finish(struct config *cfg)
{
	const char *sd = getenv("STATE_DIRECTORY");
	const char *cd = getenv("CREDENTIALS_DIRECTORY");

	if (cfg->data_dir[0] == '\0') {
		/* systemd may list several directories separated by ':'. */
		if (sd != NULL && sd[0] != '\0') {
			str_copy(cfg->data_dir, sizeof(cfg->data_dir), sd);
			cfg->data_dir[strcspn(cfg->data_dir, ":")] = '\0';
		} else
			str_copy(cfg->data_dir, sizeof(cfg->data_dir), "./var");
	}
	if (cfg->database[0] == '\0')
		(void)config_recorded_database(cfg->data_dir, cfg->database,
		    sizeof(cfg->database));
	if (cfg->database[0] == '\0' &&
	    strlen(cfg->data_dir) + 9 <= sizeof(cfg->database)) {
		memcpy(cfg->database, cfg->data_dir, strlen(cfg->data_dir));
		memcpy(cfg->database + strlen(cfg->data_dir), "/meta.db", 9);
	}
	if (cfg->state_dir[0] == '\0')
		str_copy(cfg->state_dir, sizeof(cfg->state_dir), cfg->data_dir);
	if (cfg->root_key[0] == '\0') {
		if (cd != NULL && cd[0] != '\0')
			snprintf(cfg->root_key, sizeof(cfg->root_key),
			    "%s/root.key", cd);
		else if (strlen(cfg->data_dir) + 10 <= sizeof(cfg->root_key)) {
			memcpy(cfg->root_key, cfg->data_dir, strlen(cfg->data_dir));
			memcpy(cfg->root_key + strlen(cfg->data_dir), "/root.key", 10);
		}
	}
	{
		char *tls[] = { cfg->tls_cert, cfg->tls_key, cfg->oss_tls_cert,
		    cfg->oss_tls_key, cfg->kms_tls_cert, cfg->kms_tls_key,
		    cfg->kms_client_ca };

		for (size_t i = 0; i < sizeof(tls) / sizeof(tls[0]); i++)
			resolve_credential(tls[i], PATH_MAX, cd);
	}
}

void
config_usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s [--config FILE] [-n|--check-config] [--OPTION VALUE]...\n"
	    "       %s --version | --config-reference\n\n"
	    "Options (also settable as 'name = value' in the config file):\n",
	    prog, prog);
	for (size_t i = 0; i < NITEMS; i++) {
		char flag[64];
		str_copy(flag, sizeof(flag), items[i].name);
		for (char *p = flag; *p; p++)
			if (*p == '_')
				*p = '-';
		fprintf(f, "  --%-16s %s\n", flag, items[i].help);
	}
}

void
config_reference(FILE *f)
{
	fprintf(f, "| setting (file) | flag | default | meaning |\n"
	    "|---|---|---|---|\n");
	for (size_t i = 0; i < NITEMS; i++) {
		char flag[64];
		str_copy(flag, sizeof(flag), items[i].name);
		for (char *p = flag; *p; p++)
			if (*p == '_')
				*p = '-';
		fprintf(f, "| `%s` | `--%s` | `%s` | %s |\n", items[i].name, flag,
		    items[i].def, items[i].help);
	}
}

void
config_man(FILE *f)
{
	fprintf(f, ".\\\" Generated by cofferd --man from its settings table; "
	    "do not edit.\n"
	    ".TH COFFERD 8 \"\" \"coffer %s\" \"System Manager's Manual\"\n"
	    ".SH NAME\ncofferd \\- Alibaba Cloud OSS and KMS compatible server\n"
	    ".SH SYNOPSIS\n.B cofferd\n.RB [ \\-\\-config\n.IR FILE ]\n"
	    ".RB [ \\-n | \\-\\-check\\-config ]\n"
	    ".RB [ \\-\\-\\fIOPTION\\fP\n.IR VALUE ]...\n.br\n"
	    ".B cofferd\n.BR \\-\\-version \" | \" \\-\\-config\\-reference\n"
	    ".SH DESCRIPTION\n"
	    ".B cofferd\nserves the Alibaba Cloud OSS REST API and the KMS RPC API "
	    "from one data directory (an SQLite database, the object blobs and "
	    "the root key). Its first start creates the data directory, as\n"
	    ".BR \"coffer init\" ;\n"
	    "see\n.BR coffer (1)\nfor its administration.\n"
	    ".SH OPTIONS\n"
	    ".TP\n.BI \\-\\-config \" FILE\"\n"
	    "Read settings from FILE, lines of 'name = value'; options on the "
	    "command line win.\n"
	    ".TP\n.BR \\-n \", \" \\-\\-check\\-config\n"
	    "Print the settings in effect and exit, touching nothing.\n"
	    ".TP\n.B \\-\\-config\\-reference\n"
	    "Print the table of settings (Markdown) and exit.\n"
	    ".TP\n.B \\-\\-version\n"
	    "Print the release and the database schema version and exit.\n"
	    ".TP\n.BR \\-h \", \" \\-\\-help\n"
	    "Print the options and exit.\n"
	    ".PP\nEvery setting below is an option and a config file line "
	    "(name with underscores).\n", COFFER_VERSION);
	for (size_t i = 0; i < NITEMS; i++) {
		char flag[64];

		str_copy(flag, sizeof(flag), items[i].name);
		for (char *p = flag; *p; p++)
			if (*p == '_')
				*p = '-';
		fputs(items[i].type != CT_BOOL ? ".TP\n.BI \\-\\-" :
		    ".TP\n.B \\-\\-", f);
		roff_text(f, flag);
		fputs(items[i].type != CT_BOOL ? " \" VALUE\"\n" : "\n", f);
		roff_text(f, items[i].help);
		if (items[i].def[0] != '\0') {
			fputs(" (", f);
			roff_text(f, items[i].name);
			fputs(" = ", f);
			roff_text(f, items[i].def);
			fputs(" by default.)", f);
		}
		fputs("\n", f);
	}
	fputs(".SH SIGNALS\n.TP\n.B SIGTERM\nStop accepting, drain the "
	    "requests in flight, stop.\n.TP\n.B SIGHUP\nReopen the log file, "
	    "re\\-read the TLS certificates.\n"
	    ".SH SEE ALSO\n.BR coffer (1)\n", f);
}

struct kms_limits
config_kms_limits(const struct config *cfg)
{
	return (struct kms_limits){
		.keys = cfg->max_kms_keys,
		.aliases = cfg->max_kms_aliases,
		.key_versions = cfg->max_kms_key_versions,
		.tags = cfg->max_kms_tags,
	};
}

/* name = value, quoted when load_file would otherwise trim the value or
 * strip quotes that belong to it. */
static void
dump_value(FILE *f, const char *name, const char *v)
{
	size_t n = strlen(v);
	bool quote = n > 0 && (v[0] == ' ' || v[0] == '\t' ||
	    v[n - 1] == ' ' || v[n - 1] == '\t' ||
	    (n >= 2 && v[0] == '"' && v[n - 1] == '"'));

	fprintf(f, quote ? "%s = \"%s\"\n" : "%s = %s\n", name, v);
}

void
config_dump(FILE *f, const struct config *cfg)
{
	for (size_t i = 0; i < NITEMS; i++) {
		const struct config_item *it = &items[i];
		const char *base = (const char *)cfg + it->offset;

		switch (it->type) {
		case CT_STRING:
			dump_value(f, it->name, base);
			break;
		case CT_UINT:
			fprintf(f, "%s = %u\n", it->name,
			    *(const unsigned *)(const void *)base);
			break;
		case CT_BOOL:
			fprintf(f, "%s = %s\n", it->name,
			    *(const bool *)(const void *)base ? "true" : "false");
			break;
		case CT_LIST:
			for (unsigned d = 0; d < cfg->ndomains; d++)
				dump_value(f, it->name, cfg->domains[d]);
			break;
		}
	}
}
