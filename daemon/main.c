/* SPDX-License-Identifier: ISC */
/*
 * main.c: cofferd, the composition root.
 *
 * Loads the configuration, opens the data dir (database and migrations,
 * business clock, root key, blob store), recovers from any crash, creates
 * the root account on first start, starts the listeners and tells systemd
 * READY=1. The main thread then owns signals: SIGTERM/SIGINT drain in-flight
 * requests and exit 0; SIGHUP reopens the log. Once a second it persists the
 * business clock's high-water mark, and it alone sends systemd's watchdog
 * pings, so a stuck main loop stops them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "api/api.h"
#include "dns/dns.h"
#include "kmsd/kmsd.h"
#include "object/object.h"
#include "oss/oss.h"
#include "auth/auth.h"
#include "base/clock.h"
#include "base/listen.h"
#include "base/file.h"
#include "base/log.h"
#include "base/rand.h"
#include "base/str.h"
#include "base/version.h"
#include "config.h"
#include "db/clock_db.h"
#include "db/db.h"
#include "hash/hash.h"
#include "http/http.h"
#include "jobs/jobs.h"
#include "rtmpd/rtmpd.h"
#include "kms/kms.h"
#include "store/store.h"

/* Of max_kms_request_head, what is kept for the headers: the rest is the
 * longest target the KMS listener words its own refusal for. */
#define KMS_HEADER_ROOM (16 * 1024)

/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET. */
static void
notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t len;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sa.sun_path))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	if (path[0] == '@')
		sa.sun_path[0] = '\0';	/* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
	    len) < 0)
		log_warn("sd_notify '%s'", msg);
	close(fd);
}

/*
 * The root key and data keys live in this process's memory: no core file
 * may carry them to disk, and no process of the same user may read them
 * through ptrace or /proc/PID/mem (non-dumpable also makes the files in
 * /proc/PID root-owned). Done before the root key is read.
 */
static void
harden_process(void)
{
	struct rlimit none = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &none) != 0)
		fatal("cannot disable core files");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		fatal("cannot make the process non-dumpable");
}

/*
 * $WATCHDOG_USEC as systemd sets it (WatchdogSec=): microseconds between
 * the pings it requires, or 0 when it requires none or the request is for
 * another process ($WATCHDOG_PID).
 */
static uint64_t
watchdog_usec(void)
{
	const char *v = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	uint64_t usec, p;

	if (v == NULL || !str_to_u64(v, UINT64_MAX, &usec))
		return 0;
	if (pid != NULL && (!str_to_u64(pid, UINT64_MAX, &p) ||
	    p != (uint64_t)getpid()))
		return 0;
	return usec;
}

/*
 * Pings every third of the interval systemd asked for (at most every
 * 10 ms): within the usual half even when the machine is slow to wake us.
 */
static void
watchdog_ping(uint64_t wd_usec, int64_t *next_us)
{
	int64_t now = clock_mono_us();

	if (wd_usec == 0 || now < *next_us)
		return;
	notify("WATCHDOG=1");
	*next_us = now + (wd_usec < 30000 ? 10000 : (int64_t)(wd_usec / 3));
}

struct wd_ping {
	uint64_t	 usec;
	int64_t		*next;
};

/* A root-key rotation runs on the main thread: it pings while it works. */
static void
wd_ping_cb(void *ctx)
{
	struct wd_ping *p = ctx;

	watchdog_ping(p->usec, p->next);
}

/* Whether file (which exists) lies under dir, symbolic links resolved. */
static bool
path_inside(const char *file, const char *dir)
{
	char f[PATH_MAX], d[PATH_MAX];
	size_t n;

	if (realpath(file, f) == NULL || realpath(dir, d) == NULL)
		return false;
	n = strlen(d);
	return strncmp(f, d, n) == 0 && (f[n] == '/' || d[n - 1] == '/');
}

/* DIR/cofferd.lock, held until exit: LOCK_EX keeps every other cofferd
 * (and the CLI's offline commands) off, LOCK_SH only those that would
 * hold it alone. */
static int
lock_dir(const char *dir, int how)
{
	char path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/cofferd.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		fatal("cannot open '%s'", path);
	if (flock(fd, how | LOCK_NB) != 0)
		fatalx("'%s' is in use by another cofferd (nodes sharing a "
		    "data dir need a state_dir each)", dir);
	return fd;
}

/* A node alone holds its data dir; nodes sharing one each hold their
 * state dir and share the data dir's lock, so a node without a state dir
 * of its own cannot join them, nor they it. */
static void
lock_dirs(const struct config *cfg, int fds[static 2])
{
	fds[1] = -1;
	if (!config_shares_data_dir(cfg)) {
		fds[0] = lock_dir(cfg->data_dir, LOCK_EX);
		return;
	}
	fds[0] = lock_dir(cfg->state_dir, LOCK_EX);
	fds[1] = lock_dir(cfg->data_dir, LOCK_SH);
}

/* The listeners, bound before the data dir is touched: an address that
 * cannot be had stops a start with nothing created, and `cofferd -n` runs
 * the same binds. False (said on stderr or the log) on the first failure;
 * the sockets bound so far are closed then. */
struct listeners {
	struct listen_sock	oss, kms, rtmp;
};

static bool
bind_listeners(const struct config *cfg, struct listeners *ret)
{
	const struct {
		const char		*setting, *value;
		struct listen_sock	*sock;
	} l[] = {
		{ "rtmp_listen", cfg->rtmp_listen, &ret->rtmp },
		{ "oss_listen", cfg->oss_listen, &ret->oss },
		{ "kms_listen", cfg->kms_listen, &ret->kms },
	};
	char why[160];

	ret->oss.fd = ret->kms.fd = ret->rtmp.fd = -1;
	for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++) {
		enum err r;

		if (strcmp(l[i].setting, "rtmp_listen") == 0 &&
		    strcmp(l[i].value, "off") == 0)
			continue;
		r = listen_open(l[i].value, l[i].sock, why, sizeof(why));
		if (r != ERR_OK) {
			log_errx("cannot listen on '%s' (%s): %s", l[i].value,
			    l[i].setting, why);
			listen_close(&ret->oss);
			listen_close(&ret->kms);
			listen_close(&ret->rtmp);
			return false;
		}
	}
	return true;
}

static void
first_start(const struct config *cfg, struct db *db, struct kms *kms,
    int64_t now)
{
	const char *ak = getenv("COFFER_ROOT_ACCESS_KEY_ID");
	const char *sk = getenv("COFFER_ROOT_ACCESS_KEY_SECRET");
	char ret_ak[AUTH_AK_MAX];
	struct auth_account acct;
	bool created;
	enum err r;

	r = api_root_account_init(db, kms, cfg->data_dir, cfg->region, ak, sk,
	    now, &acct, ret_ak, &created);
	if (r == ERR_CONFLICT)
		fatalx("set both COFFER_ROOT_ACCESS_KEY_ID and "
		    "COFFER_ROOT_ACCESS_KEY_SECRET, or neither");
	if (r != ERR_OK)
		fatalx("cannot create the root account and '%s/credentials': "
		    "%s", cfg->data_dir, err_name(r));
	if (created)
		log_notice("created account 'root' (%s, access key %s); "
		    "credentials in '%s/credentials'", acct.account_id, ret_ak,
		    cfg->data_dir);
}

/* The audit chain's head in the log, when it moved: a copy outside the
 * database, since cutting rows off the end leaves a chain that verifies
 * (README "Audit trail"). */
static void
log_audit_head(struct db *db, int64_t *last)
{
	uint8_t h[DB_AUDIT_HASH_BYTES];
	char hex[2 * DB_AUDIT_HASH_BYTES + 1];
	int64_t id;

	if (db_audit_head(db, &id, h) != ERR_OK || id == *last)
		return;
	hex_encode(hex, h, sizeof(h));
	log_notice("audit head id=%lld hash=%s", (long long)id, hex);
	*last = id;
}

static unsigned
default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	/* Handlers block on fsync and disk reads, so more threads than
	 * cores keep other connections moving meanwhile. */
	if (n < 1)
		n = 1;
	return n * 4 < 4 ? 4 : (unsigned)(n * 4);
}

/* The id of a node sharing its data dir, whose temp files go to
 * DATA_DIR/tmp/ID: made at its first start, kept in its state dir. */
static void
node_id(const char *state_dir, char out[static 17])
{
	char path[PATH_MAX + 16], line[32];
	uint8_t raw[8];
	FILE *f;

	snprintf(path, sizeof(path), "%s/node-id", state_dir);
	f = fopen(path, "re");
	if (f != NULL) {
		bool ok = fgets(line, sizeof(line), f) != NULL &&
		    strspn(line, "0123456789abcdef") == 16;

		fclose(f);
		if (!ok)
			fatalx("'%s' is not a node id (16 hex digits)", path);
		memcpy(out, line, 16);
		out[16] = '\0';
		return;
	}
	if (errno != ENOENT)
		fatal("cannot read '%s'", path);
	rand_bytes(raw, sizeof(raw));
	hex_encode(out, raw, sizeof(raw));
	snprintf(line, sizeof(line), "%s\n", out);
	if (file_replace(path, line, 17, 0600) != ERR_OK)
		fatalx("cannot record the node id in '%s'", path);
}

/* A data dir's blobs belong to one database: the first start with a URI
 * records it, so later starts and the coffer CLI use it without being
 * told, and a start told another one says so. */
static void
record_database(const struct config *c, const char *shown)
{
	char path[PATH_MAX + 16], had[PATH_MAX];

	if (!db_is_url(c->database))
		return;
	snprintf(path, sizeof(path), "%s/database", c->data_dir);
	if (config_recorded_database(c->data_dir, had, sizeof(had))) {
		if (strcmp(had, c->database) != 0)
			log_warnx("the data dir '%s' recorded another database "
			    "than '%s'; its blobs belong to that one", c->data_dir,
			    shown);
		return;
	}
	{
		char line[PATH_MAX + 1];
		int n = snprintf(line, sizeof(line), "%s\n", c->database);

		if (n > 0 && (size_t)n < sizeof(line) &&
		    file_replace(path, line, (size_t)n, 0600) != ERR_OK)
			fatalx("cannot record the database in '%s'", path);
	}
}

int
main(int argc, char **argv)
{
	struct config cfg;
	char err[512], path[PATH_MAX + 16];
	char audit_dir[PATH_MAX + 16];
	char node[17] = "";	/* node id when sharing the data dir */
	struct db *db = NULL;
	struct db_clock *dbclock = NULL;
	struct kms *kms = NULL;
	struct store *store = NULL;
	struct api *api = NULL;
	struct dns_txt *dns = NULL;
	struct http_server *ossl = NULL, *kmsl = NULL;
	struct http_tls *oss_tls = NULL, *kms_tls = NULL;
	struct oss *oss = NULL;
	struct kmsd *kapi = NULL;
	struct jobs *jobs = NULL;
	struct rtmpd *rtmp = NULL;
	struct listeners socks;
	struct clock clock;
	uint64_t wd_usec;
	int64_t wd_next = 0;
	sigset_t sigs;
	bool exit_now, had_state;
	unsigned removed = 0, ticks = 0;
	int64_t audit_head = -1, log_interval_ms;
	int lockfds[2];
	enum err r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("cofferd %s (schema %d)\n", COFFER_VERSION,
			    db_schema_latest());
			return 0;
		}
	}
	r = config_load(argc, argv, &cfg, &exit_now, err, sizeof(err));
	if (r != ERR_OK) {
		fprintf(stderr, "cofferd: %s\n", err);
		return 2;
	}
	if (exit_now)
		return 0;
	config_finish(&cfg);
	/* Shared blobs need one metadata store every node reaches. */
	if (config_shares_data_dir(&cfg) && !db_is_url(cfg.database)) {
		fprintf(stderr, "cofferd: state_dir '%s' is for nodes sharing "
		    "the data dir '%s', which needs a PostgreSQL database\n",
		    cfg.state_dir, cfg.data_dir);
		return 2;
	}
	log_interval_ms = (int64_t)cfg.bucket_log_interval * CLOCK_SECOND_MS;
	if (cfg.check_only) {
		config_dump(stdout, &cfg);
		/* Exit 2 as for any other configuration this machine cannot
		 * run. */
		if (!bind_listeners(&cfg, &socks))
			return 2;
		listen_close(&socks.oss);
		listen_close(&socks.kms);
		listen_close(&socks.rtmp);
		printf("configuration OK\n");
		return 0;
	}
	if (log_open("cofferd", (enum log_level)log_level_parse(cfg.log_level),
	    cfg.log_file[0] ? cfg.log_file : NULL) != 0)
		fatal("cannot open log file '%s'", cfg.log_file);
	if (!bind_listeners(&cfg, &socks))
		return 1;
	harden_process();
	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");
	if (!hash_init())
		fatalx("OpenSSL failed to initialise");

	/* Signals are handled by this thread only: block them before any
	 * worker thread exists so the workers inherit the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	umask(077);

	if (mkdir(cfg.data_dir, 0700) != 0 && errno != EEXIST)
		fatal("cannot create data dir '%s'", cfg.data_dir);
	if (mkdir(cfg.state_dir, 0700) != 0 && errno != EEXIST)
		fatal("cannot create state dir '%s'", cfg.state_dir);
	lock_dirs(&cfg, lockfds);
	db_display(cfg.database, path, sizeof(path));
	had_state = db_has_state(cfg.database);
	r = db_open(cfg.database, &db);
	if (r != ERR_OK)
		fatalx("cannot open database '%s': %s", path, err_name(r));
	record_database(&cfg, path);
	r = db_clock_open(db, cfg.test_clock, &dbclock);
	if (r != ERR_OK)
		fatalx("cannot open the business clock: %s", err_name(r));
	clock.now_ms = db_clock_now;
	clock.ctx = dbclock;
	{
		/* Create the key only where we own it: never inside systemd's
		 * read-only credentials directory. */
		const char *cd = getenv("CREDENTIALS_DIRECTORY");
		bool in_creds = cd != NULL && cd[0] != '\0' &&
		    str_has_prefix(cfg.root_key, cd);
		struct kms_settings ks = {
			.root_key_path = cfg.root_key,
			.create_root_key = !in_creds,
			.db = db,
			.clock = &clock,
			.limits = config_kms_limits(&cfg),
		};
		r = kms_open(&ks, &kms);
		if (r != ERR_OK)
			fatalx("cannot load the root key '%s': %s", cfg.root_key,
			    err_name(r));
		/* Custody: a key beside the data it protects travels with
		 * every copy of the data dir. Fine for development only. */
		if (!cfg.dev_mode && path_inside(cfg.root_key, cfg.data_dir))
			log_warnx("kms: the root key '%s' is inside the data "
			    "dir: every copy of the data dir (a backup) holds "
			    "the key to its data. In production keep it "
			    "outside, as a systemd credential (README: Running "
			    "under systemd); dev_mode silences this",
			    cfg.root_key);
	}
	{
		/* Before anything can change an object or a policy: is the
		 * database the one cofferd last wrote, whole? A failed check
		 * does not stop the daemon; it refuses those changes. */
		struct api_seal_report rep;
		bool clock_ok;

		r = api_seal_check(db, cfg.state_dir, true, &rep);
		if (r != ERR_OK)
			fatalx("cannot check the seal of '%s': %s", path,
			    err_name(r));
		r = db_clock_verify(dbclock, &clock_ok);
		if (r != ERR_OK)
			fatalx("cannot check the business clock: %s",
			    err_name(r));
	}
	if (config_shares_data_dir(&cfg)) {
		node_id(cfg.state_dir, node);
		log_notice("node %s: state in '%s', temp files in '%s/tmp/%s'",
		    node, cfg.state_dir, cfg.data_dir, node);
		r = store_open_node(cfg.data_dir, node, &store);
	} else
		r = store_open(cfg.data_dir, &store);
	if (r != ERR_OK)
		fatalx("cannot open the blob store in '%s': %s", cfg.data_dir,
		    err_name(r));
	{
		unsigned line = 0;

		r = dns_txt_open(cfg.cname_zone, &dns, &line);
		if (r == ERR_INVALID_ARGUMENT)
			fatalx("cname zone '%s': bad line %u (NAME TXT VALUE)",
			    cfg.cname_zone, line);
		if (r != ERR_OK)
			fatalx("cannot read the cname zone '%s': %s",
			    cfg.cname_zone, err_name(r));
	}
	{
		struct api_settings as = {
			.db = db, .store = store, .kms = kms, .clock = &clock,
			.region = cfg.region, .max_buckets = cfg.max_buckets,
			.test_clock = cfg.test_clock, .test_hooks = cfg.test_hooks,
			.version = COFFER_VERSION, .dns = dns,
		};
		for (unsigned i = 0; i < cfg.ndomains; i++)
			as.domains[as.ndomains++] = cfg.domains[i];
		r = api_open(&as, &api);
		if (r != ERR_OK)
			fatalx("cannot start: %s", err_name(r));
	}
	r = api_recover(api, &removed);
	if (r != ERR_OK)
		fatalx("start-up recovery failed: %s", err_name(r));
	if (removed > 0)
		log_notice("recovery removed %u unreferenced blob or temp "
		    "file(s)", removed);
	first_start(&cfg, db, kms, clock_now_ms(&clock));
	snprintf(audit_dir, sizeof(audit_dir), "%s/audit", cfg.data_dir);
	{
		/* Inventory reports are written through the same encrypted
		 * upload path as client objects, and lifecycle changes through
		 * the same guarded object transaction. */
		struct jobs_settings js = {
			.db = db, .put_object = object_internal_put, .put_ctx = api,
			.actor = "daemon",
			.lifecycle = { .change = object_lifecycle_change,
			    .abort = object_lifecycle_abort, .ctx = api },
			.gate = api_gate(api),
			.log_interval_ms = log_interval_ms,
			.audit_dir = audit_dir,
			.audit_retention_ms =
			    (int64_t)cfg.audit_retention_days * 86400000,
		};

		if (config_shares_data_dir(&cfg)) {
			js.sweep = api_collect_blobs;
			js.sweep_ctx = api;
			js.sweep_every_ms = 3600 * 1000;
		}
		r = jobs_open(&js, &jobs);
		if (r != ERR_OK)
			fatalx("cannot start the jobs: %s", err_name(r));
	}

	if (strcmp(cfg.rtmp_listen, "off") != 0) {
		/* Before the OSS listener: its PublishUrls name this address. */
		struct rtmpd_settings rs = {
			.listen = cfg.rtmp_listen, .sock = &socks.rtmp,
			.api = api, .node = node,
			.max_conns = 64, .idle_s = 60,
		};
		r = rtmpd_start(&rs, &rtmp);
		if (r != ERR_OK)
			fatalx("cannot listen on '%s' (rtmp): %s",
			    cfg.rtmp_listen, err_name(r));
	}
	r = oss_open(api, &oss);
	if (r != ERR_OK)
		fatalx("cannot start the OSS API: %s", err_name(r));
	{
		/* HTTPS where the configuration names a certificate; each
		 * listener holds its own copy of the credentials. */
		const char *c, *k;

		config_tls_files(&cfg, "oss", &c, &k);
		if (c[0] != '\0' &&
		    (r = http_tls_open(c, k, NULL, &oss_tls)) != ERR_OK)
			fatalx("oss listener: cannot use the TLS certificate "
			    "'%s' and key '%s': %s", c, k, err_name(r));
		config_tls_files(&cfg, "kms", &c, &k);
		if (c[0] != '\0' &&
		    (r = http_tls_open(c, k, cfg.kms_client_ca, &kms_tls)) !=
		    ERR_OK)
			fatalx("kms listener: cannot use the TLS certificate "
			    "'%s', key '%s' or client CA '%s': %s", c, k,
			    cfg.kms_client_ca, err_name(r));
	}
	{
		struct http_settings hs = {
			.listen = cfg.oss_listen,
			.sock = &socks.oss,
			.threads = cfg.threads ? cfg.threads : default_threads(),
			.conn_timeout_s = cfg.conn_timeout,
			.conn_limit = cfg.conn_limit,
			.per_ip_limit = cfg.per_ip_limit,
			/* Enough for a 10000-part CompleteMultipartUpload
			 * body parsed into a tree; a cap, not an allocation. */
			.arena_cap = 32 * 1024 * 1024,
			/* MHD keeps the request head and its read buffer in
			 * this pool and zeroes all of it between two requests
			 * of a keep-alive connection (MHD_pool_reset), so its
			 * size is a cost on every request: 512 KiB was 15 %
			 * of the CPU of small PUTs. 64 KiB holds any OSS
			 * request head (8 KiB of user metadata, a 1 KiB key,
			 * a presigned URL); large bodies are gathered into
			 * bigger batches by object/upload.c instead. */
			.conn_memory = 64 * 1024,
			.listener_id = 0,
			.tls = oss_tls,
			.handler = oss_http_handler(),
			.ctx = oss,
		};
		r = http_server_start(&hs, &ossl);
		if (r != ERR_OK)
			fatalx("cannot listen on '%s': %s", cfg.oss_listen,
			    err_name(r));
	}
	snprintf(path, sizeof(path), "%s/kms-nonces", cfg.state_dir);
	{
		struct kmsd_settings ks = { .nonce_dir = path,
		    .had_state = had_state,
		    .uri_max = cfg.max_kms_request_head - KMS_HEADER_ROOM };

		/* TEST ONLY, and only with --test-hooks: pretend another
		 * boot, to exercise the replay cache's crash barrier. */
		if (cfg.test_hooks)
			ks.test_boot_id = getenv("COFFER_TEST_BOOT_ID");
		r = kmsd_open(api, &ks, &kapi);
		if (r != ERR_OK)
			fatalx("cannot start the KMS API: %s", err_name(r));
	}
	{
		/* KMS: same thread pool and connection limits as OSS. */
		struct http_settings hs = {
			.listen = cfg.kms_listen,
			.sock = &socks.kms,
			.threads = cfg.threads ? cfg.threads : default_threads(),
			.conn_timeout_s = cfg.conn_timeout,
			.conn_limit = cfg.conn_limit,
			.per_ip_limit = cfg.per_ip_limit,
			/* A cap, not an allocation: the target and headers
			 * (up to the pool below) and their decoded copies. */
			.arena_cap = 4 * 1024 * 1024,
			/* MHD keeps the request line and headers in this
			 * pool and answers a request that does not fit with
			 * an HTML page of its own, so everything up to the
			 * pool's size gets the KMS error document instead.
			 * Not free: MHD 0.9.75 zeroes the whole pool between
			 * two requests of a connection (memorypool.c,
			 * MHD_pool_reset), hence a setting (README "KMS
			 * request limits"). */
			.conn_memory = cfg.max_kms_request_head,
			.listener_id = 1,
			.tls = kms_tls,
			.handler = kmsd_http_handler(),
			.ctx = kapi,
		};
		r = http_server_start(&hs, &kmsl);
		if (r != ERR_OK)
			fatalx("cannot listen on '%s': %s", cfg.kms_listen,
			    err_name(r));
	}
	api_set_listeners(api, ossl, kmsl);
	{
		char play[112], publish[112];

		snprintf(play, sizeof(play), "%s://%s", oss_tls ? "https" :
		    "http", http_server_address(ossl));
		snprintf(publish, sizeof(publish), "rtmp://%s",
		    rtmp ? rtmpd_address(rtmp) : "");
		oss_set_urls(oss, cfg.public_oss_url[0] ? cfg.public_oss_url :
		    play, cfg.public_rtmp_url[0] ? cfg.public_rtmp_url :
		    rtmp ? publish : NULL, oss_tls != NULL);
	}
	wd_usec = watchdog_usec();
	if (wd_usec != 0)
		log_info("systemd watchdog: %llu ms",
		    (unsigned long long)(wd_usec / 1000));
	if (oss_tls != NULL || kms_tls != NULL)
		log_notice("tls: oss=%s kms=%s", oss_tls ? "https" : "http",
		    kms_tls == NULL ? "http" : http_tls_verifies_clients(kms_tls) ?
		    "https+client-certificates" : "https");
	log_notice("listening oss=%s kms=%s rtmp=%s test_clock=%s data_dir=%s "
	    "version=%s", http_server_address(ossl), http_server_address(kmsl),
	    rtmp ? rtmpd_address(rtmp) : "off", cfg.test_clock ? "on" : "off", cfg.data_dir, COFFER_VERSION);
	notify("READY=1");
	log_audit_head(db, &audit_head);

	for (;;) {
		struct timespec ts = { 1, 0 };
		int64_t left;
		int sig;

		left = wd_next - clock_mono_us();
		if (wd_usec != 0 && left < 1000000) {
			ts.tv_sec = 0;
			ts.tv_nsec = left > 0 ? (long)left * 1000 : 0;
		}
		sig = sigtimedwait(&sigs, NULL, &ts);
		/* Here, not in a thread of its own: a round of the
		 * housekeeping below that hangs stops the pings. */
		watchdog_ping(wd_usec, &wd_next);

		if (sig == SIGHUP) {
			if (log_reopen() != 0)
				log_warn("cannot reopen log file");
			log_notice("SIGHUP: log reopened");
			/* New connections get the new certificate; open
			 * ones keep theirs. A file that fails keeps the
			 * old one (logged). */
			if (oss_tls != NULL)
				log_notice("SIGHUP: oss TLS certificate %s",
				    http_tls_reload(oss_tls) == ERR_OK ?
				    "re-read" : "kept (the new one failed)");
			if (kms_tls != NULL)
				log_notice("SIGHUP: kms TLS certificate %s",
				    http_tls_reload(kms_tls) == ERR_OK ?
				    "re-read" : "kept (the new one failed)");
			continue;
		}
		if (sig == SIGTERM || sig == SIGINT)
			break;
		(void)db_clock_persist(dbclock);
		/* Time-driven KMS work (destroyed keys, due rotations, queued
		 * audit rows); reads derive states, so this is tidying only. */
		if (kms_tick(kms) != ERR_OK)
			log_warnx("kms: housekeeping failed; retrying in 1 s");
		/* Used nonces on disk within a second (a killed process
		 * loses none anyway; this is for the machine going down). */
		kmsd_tick(kapi);
		/* The queued access-log lines first, so that the worker
		 * sees them. */
		(void)api_access_log_spill(api, log_interval_ms);
		jobs_tick(jobs, clock_now_ms(&clock));
		{
			struct wd_ping wp = { wd_usec, &wd_next };

			api_root_key_poll(api, cfg.state_dir,
			    cfg.drain_timeout * 1000, wd_ping_cb, &wp);
		}
		if (++ticks % 600 == 0)
			log_audit_head(db, &audit_head);
	}

	notify("STOPPING=1");
	log_notice("stopping: draining in-flight requests");
	http_server_quiesce(ossl);
	http_server_quiesce(kmsl);
	for (unsigned i = 0; i < cfg.drain_timeout * 10; i++) {
		/* Draining is progress: systemd's stop timeout bounds it. */
		watchdog_ping(wd_usec, &wd_next);
		if (http_server_inflight(ossl) == 0 &&
		    http_server_inflight(kmsl) == 0)
			break;
		usleep(100 * 1000);
	}
	if (http_server_inflight(ossl) + http_server_inflight(kmsl) != 0)
		log_warnx("%u request(s) still running after %u s; closing them",
		    http_server_inflight(ossl) + http_server_inflight(kmsl),
		    cfg.drain_timeout);
	api_set_listeners(api, NULL, NULL);
	http_server_stop(ossl);
	http_server_stop(kmsl);
	http_tls_close(oss_tls);
	http_tls_close(kms_tls);
	rtmpd_stop(rtmp);
	/* No request is left to log: every line goes to its target bucket
	 * now (a crash loses only the last second's). */
	if (api_access_log_spill(api, log_interval_ms) != ERR_OK)
		log_warnx("access log: the last lines could not be stored");
	jobs_finish(jobs, clock_now_ms(&clock));
	jobs_close(jobs);
	kmsd_close(kapi);
	oss_close(oss);
	api_close(api);
	(void)kms_audit_flush(kms);
	log_audit_head(db, &audit_head);
	dns_txt_close(dns);
	store_close(store);
	kms_close(kms);
	db_clock_close(dbclock);
	db_close(db);
	for (int i = 0; i < 2; i++)
		if (lockfds[i] >= 0)
			close(lockfds[i]);
	log_notice("stopped");
	return 0;
}
