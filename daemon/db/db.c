/* SPDX-License-Identifier: ISC */
/*
 * db.c: per-thread connections, statement cache, transactions.
 *
 * The statement cache is a small open-addressed table keyed by the SQL
 * pointer; statements are prepared with SQLITE_PREPARE_PERSISTENT and live as
 * long as their connection.
 *
 * Group commit. Connections run synchronous=NORMAL, so COMMIT appends to the
 * WAL without syncing; db_tx_commit() then makes the commit durable itself
 * before returning, with one fdatasync of the WAL shared by every commit
 * that finished meanwhile (leader/follower on sync_lock). A caller therefore
 * never acknowledges a change before it is on disk, exactly as with
 * synchronous=FULL, but N concurrent small PUTs pay about one sync instead of
 * N. SQLite still syncs the WAL before each checkpoint under NORMAL, so the
 * database file never gets frames that are not durable in the WAL.
 * Consequence: another thread may read a commit a few hundred microseconds
 * before it is durable; no client is ever told it succeeded before then.
 *
 * Batches. A request's transaction is a savepoint in the writer's open
 * transaction. When it ends while another thread waits for write_lock,
 * the transaction stays open for that one, and the thread waits (on
 * batch_lock) for the COMMIT that carries both; the first thread to end
 * with nobody waiting, or the BATCH_MAX-th, commits for all. Small PUTs
 * share index and seal pages, so a batch writes a fraction of the WAL
 * frames and takes one fdatasync. A savepoint that fails is rolled back
 * alone; a COMMIT that fails fails for every member, none of which has
 * answered yet.
 *
 * One writer connection (SQLite). Write transactions run on one connection
 * that the thread holding write_lock borrows (lent), not on the thread's
 * own: SQLite drops a connection's whole page cache whenever another
 * connection has committed since its last transaction, so with a
 * connection per thread every write re-read its B-tree pages from the
 * WAL, about 40 pread calls per small PUT. The writer's cache stays warm
 * from one commit to the next. Reads keep the thread's own connection, so
 * they never queue behind a writer.
 *
 * Audited requests (db.h, db_audit_scope). The listeners tell the
 * connection of the serving thread which request it works for; the commit
 * of any transaction that changed more than the audit table then inserts
 * that request's row just before COMMIT, so no module has to remember to,
 * and a change whose row cannot be written is rolled back. A commit hook
 * refuses writes that bypass db_tx_commit (autocommit statements) while a
 * scope is set: they would commit unrecorded.
 */
#include "db/db.h"
#include "db/db_int.h"

#include <assert.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "db/db_int.h"
#include "db/db_pg.h"

#define STMT_SLOTS 256	/* power of two; > number of distinct statements */
/* Most request transactions one COMMIT carries (see the top of the file):
 * bounds the wait of the first of them. */
#define BATCH_MAX 32
/* WAL frames appended between two checkpoints (SQLite's default), and
 * the log size past which one waits for the writers (db_checkpoint). */
#define CKPT_FRAMES 1000
#define CKPT_CATCH_UP (4 * CKPT_FRAMES)

/* The statements a write transaction's control flow needs, prepared with
 * the connection: one that had to be parsed at ROLLBACK could fail for
 * want of memory and leave the transaction, and the write lock with it,
 * open for good. */
enum lite_stmt {
	LITE_BEGIN,
	LITE_COMMIT,
	LITE_ROLLBACK,
	LITE_SP_OPEN,		/* one request's transaction in the batch */
	LITE_SP_RELEASE,
	LITE_SP_UNDO,
	LITE_NSTMT
};

static const char *const lite_sql[LITE_NSTMT] = {
	[LITE_BEGIN] = "BEGIN IMMEDIATE",
	[LITE_COMMIT] = "COMMIT",
	[LITE_ROLLBACK] = "ROLLBACK",
	[LITE_SP_OPEN] = "SAVEPOINT tx",
	[LITE_SP_RELEASE] = "RELEASE tx",
	[LITE_SP_UNDO] = "ROLLBACK TO tx",
};

/* A request transaction whose changes wait in the writer's open
 * transaction for the COMMIT of its batch (on the waiting thread's
 * stack). */
struct batch_member {
	struct batch_member	*next;
	enum err		 r;		/* of the COMMIT */
	enum err		 sync;		/* of wal_sync, if synced */
	uint64_t		 seq;
	bool			 synced;
	bool			 done;
};

struct db_conn {
	struct db		*db;
	sqlite3			*h;		/* SQLite, or */
	struct pg_conn		*pg;		/* PostgreSQL */
	struct db_conn		*next;
	/* The writer, while this thread holds write_lock (SQLite). */
	struct db_conn		*lent;
	bool			 in_tx;
	bool			 solo;		/* a whole transaction, no batch */
	bool			 fk_off;	/* foreign_keys=OFF until returned */
	bool			 committing;	/* inside db_tx_commit's COMMIT */
	struct db_audit_req	*scope;		/* the request served, or NULL */
	int64_t			 tx_changes0;	/* total_changes at BEGIN */
	int64_t			 tx_audit_rows;	/* audit rows since BEGIN */
	sqlite3_stmt		*lite[LITE_NSTMT];
	struct {
		const char	*sql;
		struct db_st	 st;
	} stmts[STMT_SLOTS];
};

struct db {
	char			*path;		/* a file, or a postgresql:// URL */
	bool			 pg;
	bool			 pg_journal;	/* its schema has seal_journal */
	/* The server was unreachable: no thread tries again before this
	 * (monotonic us), so an outage costs a 503, not a connect storm. */
	_Atomic int64_t		 pg_retry_us;
	_Atomic bool		 pg_lost;
	_Atomic unsigned	 leading;	/* bit l: db_lead(l) was true */
	pthread_key_t		 key;
	pthread_mutex_t		 lock;	/* guards conns */
	/* Held from BEGIN IMMEDIATE to COMMIT/ROLLBACK: writers of this
	 * process queue here instead of in SQLite's busy handler, which
	 * polls with sleeps of up to 100 ms. Other processes (the CLI) still
	 * meet the busy timeout. */
	pthread_mutex_t		 write_lock;
	_Atomic unsigned	 want_write;	/* threads about to take it */
	/* Request transactions released into the writer's open transaction
	 * (write_lock to change, batch_lock to tell them the outcome). */
	struct batch_member	*batch;
	unsigned		 batch_n;
	pthread_mutex_t		 batch_lock;
	pthread_cond_t		 batch_done;
	_Atomic uint64_t	 batched;	/* members so far */
	struct db_ckpt		*ckpt;		/* db_ckpt.c; SQLite */
	int			 ckpt_mark;	/* log size at the last kick */
	pthread_mutex_t		 sync_lock;	/* one WAL sync at a time */
	uint64_t		 committed;	/* commits so far (write_lock) */
	_Atomic uint64_t	 committed_pub;	/* its value, for syncers */
	uint64_t		 synced;	/* commits known durable (sync_lock) */
	struct db_conn		*conns;
	struct db_conn		*writer;	/* SQLite; under write_lock */
	_Atomic int		 fault_commit;
	struct seal_state	*seal;		/* seal.c */
	struct db_audit_mac	 audit_mac;	/* set before threads start */
	db_tx_check_fn		*tx_check;	/* likewise */
	void			*tx_check_ctx;
	/* A WAL sync failed (sync_lock). Its dirty pages may be gone while
	 * a second fsync of that descriptor reports success (fsyncgate), so
	 * until a checkpoint has copied every frame into the database file
	 * and synced that, no commit counts as durable. */
	bool			 wal_failed;
};

bool
db_is_pg(const struct db *db)
{
	return db->pg;
}

bool
db_is_url(const char *path)
{
	return pg_is_url(path);
}

void
db_display(const char *path, char *out, size_t cap)
{
	const char *at, *colon, *user;

	if (!pg_is_url(path) || (at = strchr(path, '@')) == NULL) {
		snprintf(out, cap, "%s", path);
		return;
	}
	user = strstr(path, "://") + 3;
	colon = memchr(user, ':', (size_t)(at - user));
	if (colon == NULL) {
		snprintf(out, cap, "%s", path);
		return;
	}
	snprintf(out, cap, "%.*s:***%s", (int)(colon - path), path, at);
}

bool
db_has_state(const char *path)
{
	struct db *db = NULL;
	bool has;

	if (!pg_is_url(path))
		return access(path, F_OK) == 0;
	if (db_open_schema(path, 0, &db) != ERR_OK)
		return false;
	has = db_schema_version(db) > 0;
	db_close(db);
	return has;
}

const char *
db_sql(struct db *db, const char *sqlite, const char *pg)
{
	return db->pg ? pg : sqlite;
}

struct seal_state *
db_seal_state(struct db *db)
{
	return db->seal;
}

enum err
db_err(int rc)
{
	/* The commit hook refused an unrecorded write (commit_guard). */
	if (rc == SQLITE_CONSTRAINT_COMMITHOOK)
		return ERR_AUDIT_UNAVAILABLE;
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return ERR_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ERR_DB_BUSY;
	case SQLITE_CONSTRAINT:
		return ERR_EXISTS;
	case SQLITE_FULL:
		return ERR_NO_SPACE;
	case SQLITE_NOMEM:
		return ERR_NOMEM;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return ERR_CORRUPT;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
		return ERR_IO;
	default:
		return ERR_INTERNAL;
	}
}

/* Runs one of the connection's control statements. A failed ROLLBACK
 * is not news: SQLite may have rolled back by itself. */
static enum err
lite_run(struct db_conn *c, enum lite_stmt i)
{
	int rc = sqlite3_step(c->lite[i]);

	(void)sqlite3_reset(c->lite[i]);
	if (rc == SQLITE_DONE)
		return ERR_OK;
	if (i != LITE_ROLLBACK)
		log_warnx("db: %s: %s", lite_sql[i], sqlite3_errmsg(c->h));
	return db_err(rc);
}

static void
conn_close(struct db_conn *c)
{
	if (c->pg != NULL) {
		pg_conn_close(c->pg);
		free(c);
		return;
	}
	for (int i = 0; i < STMT_SLOTS; i++)
		if (c->stmts[i].st.lite != NULL)
			sqlite3_finalize(c->stmts[i].st.lite);
	for (int i = 0; i < LITE_NSTMT; i++)
		sqlite3_finalize(c->lite[i]);
	if (sqlite3_close(c->h) != SQLITE_OK)
		log_warnx("db: close: %s", sqlite3_errmsg(c->h));
	free(c);
}

static void
conn_unlink(struct db *db, struct db_conn *c)
{
	struct db_conn **pp;

	pthread_mutex_lock(&db->lock);
	for (pp = &db->conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	pthread_mutex_unlock(&db->lock);
}

static void
conn_thread_exit(void *p)
{
	struct db_conn *c = p;

	conn_unlink(c->db, c);
	conn_close(c);
}

/* SQLite's commit hook: non-zero turns the commit into a rollback. Only
 * db_tx_commit may commit while a request is audited, because only it
 * adds the request's row. */
static int
commit_guard(void *arg)
{
	struct db_conn *c = arg;

	if (c->scope == NULL || c->committing)
		return 0;
	log_errx("db: a write outside a transaction while serving %s (%s); "
	    "refused, it would commit without its audit row",
	    c->scope->action, c->scope->detail);
	return 1;
}

static void
conn_link(struct db *db, struct db_conn *c)
{
	pthread_setspecific(db->key, c);
	pthread_mutex_lock(&db->lock);
	c->next = db->conns;
	db->conns = c;
	pthread_mutex_unlock(&db->lock);
}

/* A thread's PostgreSQL connection, opened again after the server went
 * away (restart, failover) once its transaction, if any, is over: the
 * request that saw it fail got a 503, the next one gets a working
 * connection. */
static struct db_conn *
conn_get_pg(struct db *db, struct db_conn *c)
{
	if (c != NULL && (!pg_conn_broken(c->pg) || c->in_tx))
		return c;
	if (c != NULL) {
		pthread_setspecific(db->key, NULL);
		conn_unlink(db, c);
		conn_close(c);
	}
	if (clock_mono_us() < atomic_load(&db->pg_retry_us))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->db = db;
	c->pg = pg_conn_open(db->path);
	if (c->pg == NULL) {
		free(c);
		atomic_store(&db->pg_retry_us, clock_mono_us() + 100000);
		atomic_store(&db->pg_lost, true);
		return NULL;
	}
	if (atomic_exchange(&db->pg_lost, false))
		log_notice("db: postgresql: connected again");
	conn_link(db, c);
	return c;
}

/* A new SQLite connection, configured, linked nowhere. */
static struct db_conn *
conn_open_lite(struct db *db)
{
	struct db_conn *c;
	char *errmsg = NULL;
	int rc;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->db = db;
	rc = sqlite3_open_v2(db->path, &c->h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_warnx("db: open '%s': %s", db->path,
		    c->h ? sqlite3_errmsg(c->h) : sqlite3_errstr(rc));
		sqlite3_close(c->h);
		free(c);
		return NULL;
	}
	sqlite3_extended_result_codes(c->h, 1);
	sqlite3_busy_timeout(c->h, 10000);
	if (seal_register(db->seal, c->h) != SQLITE_OK) {
		log_warnx("db: register functions: %s", sqlite3_errmsg(c->h));
		sqlite3_close(c->h);
		free(c);
		return NULL;
	}
	/* synchronous=NORMAL: durability comes from wal_sync() at every
	 * commit (group commit, see the top of this file). */
	rc = sqlite3_exec(c->h,
	    "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=NORMAL;"
	    "PRAGMA foreign_keys=ON;"
	    "PRAGMA trusted_schema=OFF;", NULL, NULL, &errmsg);
	for (int i = 0; rc == SQLITE_OK && i < LITE_NSTMT; i++)
		rc = sqlite3_prepare_v3(c->h, lite_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &c->lite[i], NULL);
	if (rc != SQLITE_OK) {
		log_warnx("db: configure '%s': %s", db->path,
		    errmsg ? errmsg : sqlite3_errstr(rc));
		sqlite3_free(errmsg);
		for (int i = 0; i < LITE_NSTMT; i++)
			sqlite3_finalize(c->lite[i]);
		sqlite3_close(c->h);
		free(c);
		return NULL;
	}
	sqlite3_commit_hook(c->h, commit_guard, c);
	return c;
}

/* The calling thread's own connection, opened on first use. */
static struct db_conn *
conn_own(struct db *db)
{
	struct db_conn *c = pthread_getspecific(db->key);

	if (db->pg)
		return conn_get_pg(db, c);
	if (c != NULL)
		return c;
	c = conn_open_lite(db);
	if (c != NULL)
		conn_link(db, c);
	return c;
}

/* The connection the thread's statements go to: the writer while it
 * holds the write lock, else its own. */
static struct db_conn *
conn_get(struct db *db)
{
	struct db_conn *c = conn_own(db);

	return c != NULL && c->lent != NULL ? c->lent : c;
}

struct sqlite3 *
db_conn(struct db *db)
{
	struct db_conn *c = conn_get(db);

	return c ? c->h : NULL;
}

static size_t
stmt_slot(const char *sql)
{
	uintptr_t x = (uintptr_t)sql;

	x ^= x >> 17;
	x *= 0x9E3779B97F4A7C15ULL;
	return (size_t)(x >> 40) & (STMT_SLOTS - 1);
}

struct db_st *
db_stmt(struct db *db, const char *sql)
{
	struct db_conn *c = conn_get(db);
	size_t i;
	int rc;

	if (c == NULL)
		return db->pg ? pg_stmt_down() : NULL;
	if (c->pg != NULL)
		return pg_stmt(c->pg, sql);
	for (i = stmt_slot(sql);; i = (i + 1) & (STMT_SLOTS - 1)) {
		if (c->stmts[i].sql == sql)
			return &c->stmts[i].st;
		if (c->stmts[i].sql == NULL)
			break;
	}
	rc = sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &c->stmts[i].st.lite, NULL);
	if (rc != SQLITE_OK) {
		log_errx("db: prepare: %s: %.80s", sqlite3_errmsg(c->h), sql);
		c->stmts[i].st.lite = NULL;
		return NULL;
	}
	c->stmts[i].sql = sql;
	return &c->stmts[i].st;
}

void
db_stmt_done(struct db_st *st)
{
	if (st == NULL)
		return;
	if (st->pg != NULL) {
		pg_stmt_done(st);
		return;
	}
	sqlite3_reset(st->lite);
	sqlite3_clear_bindings(st->lite);
}

enum err
db_exec(struct db *db, const char *sql)
{
	struct db_conn *c = conn_get(db);
	char *errmsg = NULL;
	int rc;

	if (c == NULL)
		return db->pg ? ERR_DB_UNAVAILABLE : ERR_IO;
	if (c->pg != NULL)
		return pg_exec(c->pg, sql);
	rc = sqlite3_exec(c->h, sql, NULL, NULL, &errmsg);
	if (rc != SQLITE_OK) {
		log_warnx("db: exec: %s", errmsg ? errmsg : sqlite3_errstr(rc));
		sqlite3_free(errmsg);
	}
	return db_err(rc);
}

static int64_t
total_changes(struct db_conn *c)
{
	return c->pg != NULL ? pg_total_changes(c->pg) :
	    sqlite3_total_changes64(c->h);
}

int64_t
db_changes(struct db *db)
{
	struct db_conn *c = conn_get(db);

	if (c == NULL)
		return 0;
	return c->pg != NULL ? pg_changes(c->pg) : sqlite3_changes(c->h);
}

static const char *const lease_names[] = {
	[DB_LEASE_JOBS] = "the background jobs (inventory, lifecycle, "
	    "access logs, audit retention)",
	[DB_LEASE_KMS] = "the KMS housekeeping (key deletion, rotation)",
};

bool
db_lead(struct db *db, enum db_lease lease)
{
	struct db_conn *c;
	unsigned bit = 1u << lease, was;
	bool now;

	if (!db->pg)
		return true;
	c = conn_get(db);
	now = c != NULL && pg_lead(c->pg, lease);
	was = now ? atomic_fetch_or(&db->leading, bit) :
	    atomic_fetch_and(&db->leading, ~bit);
	if (now && !(was & bit))
		log_notice("db: this node now runs %s", lease_names[lease]);
	else if (!now && (was & bit))
		log_notice("db: this node no longer runs %s", lease_names[lease]);
	return now;
}

bool
db_in_write_tx(struct db *db)
{
	struct db_conn *c = conn_own(db);

	return c != NULL && (c->lent != NULL || c->in_tx);
}

bool
db_in_tx(struct db *db)
{
	struct db_conn *c = conn_get(db);

	if (c == NULL)
		return false;
	return c->pg != NULL ? pg_in_tx(c->pg) : !sqlite3_get_autocommit(c->h);
}

/* SQLite's WAL hook on the writer, after each COMMIT (under write_lock):
 * every CKPT_FRAMES new frames, the checkpoint thread copies them. */
static int
wal_hook(void *arg, sqlite3 *h, const char *name, int frames)
{
	struct db *db = arg;

	(void)name;
	if (frames < db->ckpt_mark)		/* the log restarted */
		db->ckpt_mark = 0;
	if (frames - db->ckpt_mark < CKPT_FRAMES)
		return SQLITE_OK;
	db->ckpt_mark = frames;
	if (!db_ckpt_kick(db->ckpt))
		(void)sqlite3_wal_checkpoint_v2(h, "main",
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

/* The writer keeps what a savepoint changes (its sub-journal) in memory:
 * with temporary files, SQLite made a file for about every batch of
 * small PUTs (the journal of a savepoint spills to a file past 64 KiB).
 * Its size is bounded by what one request's transaction rewrites. */
static struct db_conn *
writer_open(struct db *db)
{
	struct db_conn *w = conn_open_lite(db);

	if (w == NULL)
		return NULL;
	if (sqlite3_exec(w->h, "PRAGMA temp_store=MEMORY", NULL, NULL,
	    NULL) != SQLITE_OK)
		log_warnx("db: writer: temp_store: %s", sqlite3_errmsg(w->h));
	/* Replaces SQLite's automatic checkpoint. */
	sqlite3_wal_hook(w->h, wal_hook, db);
	return w;
}

/* Under write_lock: the thread borrows the writer (SQLite), which takes
 * over the request it serves (its audit scope). */
static struct db_conn *
writer_lend(struct db *db, struct db_conn *own)
{
	if (own->pg != NULL)
		return own;
	if (db->writer == NULL)
		db->writer = writer_open(db);
	if (db->writer == NULL)
		return NULL;
	db->writer->scope = own->scope;
	own->lent = db->writer;
	return db->writer;
}

/* Before write_lock is released. */
static void
writer_return(struct db *db)
{
	struct db_conn *own = pthread_getspecific(db->key), *w;

	if (own == NULL || own->lent == NULL)
		return;
	w = own->lent;
	w->scope = NULL;
	own->lent = NULL;
	if (w->fk_off && sqlite3_exec(w->h, "PRAGMA foreign_keys=ON", NULL,
	    NULL, NULL) != SQLITE_OK) {
		/* Never hand on a writer without foreign keys: the next
		 * transaction opens a new one. */
		log_warnx("db: writer: foreign keys not restored: %s",
		    sqlite3_errmsg(w->h));
		conn_close(w);
		db->writer = NULL;
		return;
	}
	w->fk_off = false;
}

static void
write_lock_take(struct db *db)
{
	atomic_fetch_add(&db->want_write, 1);
	pthread_mutex_lock(&db->write_lock);
	atomic_fetch_sub(&db->want_write, 1);
}

/* Tells the members of an ended batch its outcome: r of the COMMIT and,
 * when synced, the result of the WAL sync that covered it. */
static void
batch_tell(struct db *db, struct batch_member *list, enum err r,
    uint64_t seq, bool synced, enum err sync)
{
	if (list == NULL)
		return;
	pthread_mutex_lock(&db->batch_lock);
	for (struct batch_member *m = list; m != NULL; m = m->next) {
		m->r = r;
		m->seq = seq;
		m->synced = synced;
		m->sync = sync;
		m->done = true;
	}
	pthread_cond_broadcast(&db->batch_done);
	pthread_mutex_unlock(&db->batch_lock);
}

/* Under write_lock (SQLite): ends the writer's open transaction, which
 * holds the batch, and hands its members to *list, to be told. r: ERR_OK
 * to COMMIT, else why the batch is rolled back. Returns the outcome; *seq
 * numbers the commit for wal_sync. */
static enum err
batch_end(struct db *db, struct db_conn *w, enum err r, uint64_t *seq,
    struct batch_member **list)
{
	*seq = 0;
	/* SQLite rolls back by itself on some errors (I/O, a full disk). */
	if (r == ERR_OK && sqlite3_get_autocommit(w->h))
		r = ERR_IO;
	if (r == ERR_OK) {
		w->committing = true;
		r = lite_run(w, LITE_COMMIT);
		w->committing = false;
	}
	if (r != ERR_OK) {
		if (!sqlite3_get_autocommit(w->h))
			(void)lite_run(w, LITE_ROLLBACK);
		if (db->batch_n > 0)
			log_errx("db: %u transaction(s) waiting for COMMIT "
			    "are lost: %s", db->batch_n, err_name(r));
	} else {
		*seq = ++db->committed;
		atomic_store(&db->committed_pub, *seq);
	}
	*list = db->batch;
	db->batch = NULL;
	db->batch_n = 0;
	return r;
}

/* batch_end, its members told at once: each syncs for itself. */
static void
batch_close(struct db *db, struct db_conn *w, enum err r)
{
	struct batch_member *list;
	uint64_t seq;

	r = batch_end(db, w, r, &seq, &list);
	batch_tell(db, list, r, seq, false, ERR_OK);
}

/* Every way out of write_lock but joining a batch: a batch that no
 * waiting writer will add to is committed now, for nobody else would. */
static void
write_unlock(struct db *db, struct db_conn *w)
{
	if (db->batch_n > 0 && atomic_load(&db->want_write) == 0)
		batch_close(db, w, ERR_OK);
	writer_return(db);
	pthread_mutex_unlock(&db->write_lock);
}

/* The checkpoint thread's work (db_ckpt.c): a PASSIVE checkpoint beside
 * the writers, on its own connection. A log that writers keep appending
 * to never starts again from its beginning, so past CKPT_CATCH_UP frames
 * the last few are copied under the write lock, and the next writer
 * restarts the log. */
void
db_checkpoint(struct db *db)
{
	struct db_conn *c = conn_own(db);
	int frames = 0, copied = 0, rc;

	if (c == NULL || c->pg != NULL)
		return;
	rc = sqlite3_wal_checkpoint_v2(c->h, "main",
	    SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		log_warnx("db: checkpoint: %s", sqlite3_errmsg(c->h));
	if (rc != SQLITE_OK || frames < CKPT_CATCH_UP)
		return;
	write_lock_take(db);
	if (db->batch_n > 0)
		batch_close(db, db->writer, ERR_OK);
	rc = sqlite3_wal_checkpoint_v2(c->h, "main",
	    SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
	pthread_mutex_unlock(&db->write_lock);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		log_warnx("db: checkpoint: %s", sqlite3_errmsg(c->h));
}

/* Opens the caller's transaction on the writer: a savepoint in the
 * open transaction, or a whole one of its own (fk_off). */
static enum err
lite_begin(struct db *db, struct db_conn *w, bool fk_off)
{
	enum err r;

	w->solo = fk_off;
	if (db->batch_n > 0 && (fk_off || sqlite3_get_autocommit(w->h)))
		batch_close(db, w, ERR_OK);
	if (fk_off) {
		/* A no-op inside a transaction: set before it. */
		w->fk_off = true;
		r = db_exec(db, "PRAGMA foreign_keys=OFF");
		return r == ERR_OK ? lite_run(w, LITE_BEGIN) : r;
	}
	if (sqlite3_get_autocommit(w->h) &&
	    (r = lite_run(w, LITE_BEGIN)) != ERR_OK)
		return r;
	r = lite_run(w, LITE_SP_OPEN);
	if (r != ERR_OK && db->batch_n == 0)
		(void)lite_run(w, LITE_ROLLBACK);
	return r;
}

/* Takes the caller's savepoint out of the open transaction; the batch
 * stays, unless SQLite lost it, which its members are then told. */
static void
lite_undo(struct db *db, struct db_conn *w)
{
	if (lite_run(w, LITE_SP_UNDO) == ERR_OK &&
	    lite_run(w, LITE_SP_RELEASE) == ERR_OK &&
	    !sqlite3_get_autocommit(w->h)) {
		if (db->batch_n == 0)
			(void)lite_run(w, LITE_ROLLBACK);
		return;
	}
	batch_close(db, w, ERR_IO);
}

static enum err tx_begin(struct db *db, bool fk_off);

enum err
db_tx_begin(struct db *db)
{
	return tx_begin(db, false);
}

enum err
db_tx_begin_fk_off(struct db *db)
{
	return tx_begin(db, true);
}

static enum err
tx_begin(struct db *db, bool fk_off)
{
	struct db_conn *own = conn_own(db), *c;
	enum err r;

	if (own == NULL)
		return db->pg ? ERR_DB_UNAVAILABLE : ERR_IO;
	assert(!own->in_tx && own->lent == NULL);
	/* PostgreSQL: the process's writers queue here first, so only one
	 * of them at a time waits on (and holds) the cluster's lock. */
	write_lock_take(db);
	c = writer_lend(db, own);
	if (c == NULL) {
		pthread_mutex_unlock(&db->write_lock);
		return ERR_IO;
	}
	r = c->pg != NULL ? pg_begin_write(c->pg) : lite_begin(db, c, fk_off);
	if (r != ERR_OK) {
		if (c->pg != NULL && pg_in_tx(c->pg))
			pg_rollback(c->pg);
		write_unlock(db, c);
		return r;
	}
	c->in_tx = true;
	c->tx_changes0 = total_changes(c);
	c->tx_audit_rows = 0;
	if (db->tx_check != NULL &&
	    (r = db->tx_check(db->tx_check_ctx, db)) != ERR_OK)
		db_tx_rollback(db);
	return r;
}

void
db_tx_check_set(struct db *db, db_tx_check_fn *fn, void *ctx)
{
	db->tx_check = fn;
	db->tx_check_ctx = ctx;
}

void
db_tx_count_audit_row(struct db *db)
{
	struct db_conn *c = conn_get(db);

	if (c != NULL && c->in_tx)
		c->tx_audit_rows++;
}

/* The served request's row, when this transaction changed anything
 * besides the audit table (a transaction that only records a refusal
 * carries no "ok"). */
static enum err
scope_row(struct db *db, struct db_conn *c)
{
	struct db_audit_req *q = c->scope;
	enum err r;

	if (q == NULL || q->closed ||
	    total_changes(c) - c->tx_changes0 <= c->tx_audit_rows)
		return ERR_OK;
	r = db_audit_insert(db, q->time_ms, q->actor, q->action, q->target,
	    "ok", q->detail);
	if (r != ERR_OK) {
		log_errx("audit: cannot record %s (%s): %s; the change is "
		    "refused", q->action, q->detail, err_name(r));
		return ERR_AUDIT_UNAVAILABLE;
	}
	q->rows++;
	return ERR_OK;
}

void
db_audit_scope(struct db *db, struct db_audit_req *req)
{
	struct db_conn *c = conn_own(db);

	if (c != NULL)
		c->scope = req;
	if (c != NULL && c->lent != NULL)
		c->lent->scope = req;
}

enum err
db_audit_close(struct db *db, struct db_audit_req *req, const char *result)
{
	struct db_conn *c = conn_own(db);

	if (c != NULL && c->scope == req)
		c->scope = NULL;
	if (c != NULL && c->lent != NULL && c->lent->scope == req)
		c->lent->scope = NULL;
	if (req->closed)
		return ERR_OK;
	req->closed = true;
	if (req->rows > 0 && strcmp(result, "ok") == 0)
		return ERR_OK;
	return db_audit_append(db, req->time_ms, req->actor, req->action,
	    req->target, result, req->detail);
}

enum err
db_tx_own_begin(struct db *db, bool *own)
{
	struct db_conn *c = conn_get(db);

	*own = false;
	if (c == NULL)
		return ERR_IO;
	if (c->in_tx)
		return ERR_OK;
	*own = true;
	return db_tx_begin(db);
}

enum err
db_tx_end(struct db *db, enum err r)
{
	if (r == ERR_OK)
		return db_tx_commit(db);
	db_tx_rollback(db);
	return r;
}

enum err
db_tx_own_end(struct db *db, bool own, enum err r)
{
	return own ? db_tx_end(db, r) : r;
}

const struct db_audit_mac *
db_audit_mac_get(struct db *db)
{
	return &db->audit_mac;
}

void
db_audit_mac_put(struct db *db, db_audit_mac_fn *fn, void *ctx)
{
	db->audit_mac.fn = fn;
	db->audit_mac.ctx = ctx;
}

/* Makes commit number seq durable: if no sync since then covered it, this
 * thread syncs the WAL for itself and every commit published so far. A
 * failure leaves the commit in the WAL, so the caller gets ERR_UNSYNCED. */
static enum err
wal_sync(struct db *db, struct db_conn *c, uint64_t seq)
{
	sqlite3_file *wal = NULL;
	uint64_t target;
	enum err r = ERR_OK;
	int rc;

	pthread_mutex_lock(&db->sync_lock);
	if (db->synced >= seq)
		goto out;
	target = atomic_load(&db->committed_pub);
	if (db->wal_failed) {
		/* The frames are rewritten into the database file, which
		 * is synced on its own descriptor; the WAL then restarts. */
		rc = sqlite3_wal_checkpoint_v2(c->h, "main",
		    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		if (rc != SQLITE_OK) {
			log_errx("db: checkpoint after a failed WAL sync: %s",
			    sqlite3_errstr(rc));
			r = ERR_UNSYNCED;
			goto out;
		}
		log_notice("db: WAL checkpointed after a failed sync");
		db->wal_failed = false;
		db->synced = target;
		goto out;
	}
	rc = sqlite3_file_control(c->h, "main", SQLITE_FCNTL_JOURNAL_POINTER,
	    &wal);
	if (rc != SQLITE_OK || wal == NULL || wal->pMethods == NULL) {
		log_errx("db: no WAL handle to sync (%d)", rc);
		r = ERR_UNSYNCED;
		goto out;
	}
	rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
	if (rc != SQLITE_OK) {
		/* A failed sync may have dropped dirty pages (fsyncgate):
		 * nothing after it can be called durable. */
		log_errx("db: WAL sync failed: %s", sqlite3_errstr(rc));
		db->wal_failed = true;
		r = ERR_UNSYNCED;
		goto out;
	}
	db->synced = target;
out:
	pthread_mutex_unlock(&db->sync_lock);
	return r;
}

/* SQLite: the caller's savepoint joins the open transaction. While
 * another writer waits for write_lock, it stays open for that one to add
 * to, and the caller waits for its COMMIT; else the caller commits it,
 * for every member. Each then makes the commit durable (wal_sync) before
 * it returns, so nobody answers before their change is on disk. */
static enum err
lite_commit(struct db *db, struct db_conn *w, unsigned rows)
{
	struct db_audit_req *q = w->scope;
	struct batch_member me = { 0 };
	uint64_t seq;
	enum err r;

	if (!w->solo && (r = lite_run(w, LITE_SP_RELEASE)) != ERR_OK) {
		if (q != NULL)
			q->rows = rows;
		db_tx_rollback(db);
		return r;
	}
	w->in_tx = false;
	if (!w->solo && db->batch_n + 1 < BATCH_MAX &&
	    atomic_load(&db->want_write) > 0) {
		me.next = db->batch;
		db->batch = &me;
		db->batch_n++;
		atomic_fetch_add(&db->batched, 1);
		writer_return(db);
		pthread_mutex_unlock(&db->write_lock);
		pthread_mutex_lock(&db->batch_lock);
		while (!me.done)
			pthread_cond_wait(&db->batch_done, &db->batch_lock);
		pthread_mutex_unlock(&db->batch_lock);
		r = me.r;
		if (r == ERR_OK)
			r = me.synced ? me.sync : wal_sync(db, conn_own(db),
			    me.seq);
	} else {
		/* The members learn the outcome once the WAL is synced, so
		 * they need not queue on sync_lock for a sync already done. */
		struct batch_member *list;
		enum err sync;

		r = batch_end(db, w, ERR_OK, &seq, &list);
		writer_return(db);
		pthread_mutex_unlock(&db->write_lock);
		sync = r == ERR_OK ? wal_sync(db, conn_own(db), seq) : r;
		batch_tell(db, list, r, seq, true, sync);
		if (r == ERR_OK)
			r = sync;
	}
	if (r != ERR_OK && !err_maybe_committed(r) && q != NULL)
		q->rows = rows;		/* its row went with it */
	seal_tx_end(db, r == ERR_OK);
	return r;
}

enum err
db_tx_commit(struct db *db)
{
	struct db_conn *c = conn_get(db);
	unsigned rows;
	enum err r;
	int n;

	if (c == NULL)
		return ERR_IO;
	assert(c->in_tx);
	n = atomic_load(&db->fault_commit);
	if (n > 0) {
		n = atomic_fetch_sub(&db->fault_commit, 1);
		if (n == 1) {
			db_tx_rollback(db);
			return ERR_IO;
		}
	}
	rows = c->scope != NULL ? c->scope->rows : 0;
	r = scope_row(db, c);
	if (r != ERR_OK) {
		db_tx_rollback(db);
		return r;
	}
	if (db->pg_journal && (r = seal_pg_precommit(db)) != ERR_OK) {
		if (c->scope != NULL)
			c->scope->rows = rows;
		db_tx_rollback(db);
		return r;
	}
	seal_tx_precommit(db);
	if (c->pg == NULL)
		return lite_commit(db, c, rows);
	c->committing = true;
	r = pg_commit(c->pg);
	c->committing = false;
	if (r != ERR_OK) {
		if (c->scope != NULL)
			c->scope->rows = rows;	/* its row went with it */
		db_tx_rollback(db);
		return r;
	}
	/* PostgreSQL answered COMMIT after its own WAL flush
	 * (synchronous_commit = on). */
	c->in_tx = false;
	writer_return(db);
	pthread_mutex_unlock(&db->write_lock);
	seal_tx_end(db, true);
	return ERR_OK;
}

void
db_tx_rollback(struct db *db)
{
	struct db_conn *c = conn_get(db);

	if (c == NULL || !c->in_tx)
		return;
	if (c->pg != NULL) {
		pg_rollback(c->pg);
		seal_pg_rollback();
	} else if (c->solo) {
		/* ROLLBACK fails when no transaction is active (SQLite may
		 * have rolled back itself), which is what we want anyway. */
		(void)lite_run(c, LITE_ROLLBACK);
		if (!sqlite3_get_autocommit(c->h))
			log_errx("db: ROLLBACK failed: %s",
			    sqlite3_errmsg(c->h));
	} else
		lite_undo(db, c);
	c->in_tx = false;
	seal_tx_end(db, false);
	write_unlock(db, c);
}

/* Prepared once per connection: request paths open a snapshot per
 * request, and sqlite3_exec would parse the statement every time. */
static const char sql_read_begin[] = "BEGIN DEFERRED";

bool
db_read_begin(struct db *db)
{
	struct db_conn *c = conn_get(db);
	struct db_st *st;

	if (c == NULL || db_in_tx(db))
		return false;
	if (c->pg != NULL)
		return pg_begin_read(c->pg) == ERR_OK;
	st = db_stmt(db, sql_read_begin);
	return st != NULL && db_step_done(st) == ERR_OK;
}

void
db_read_end(struct db *db, bool opened)
{
	struct db_conn *c = conn_get(db);

	if (!opened || c == NULL)
		return;
	if (c->pg != NULL) {
		pg_rollback(c->pg);
		return;
	}
	(void)lite_run(c, LITE_ROLLBACK);
}

void
db_fault_commit_after(struct db *db, int n)
{
	atomic_store(&db->fault_commit, n);
}

uint64_t
db_tx_batched(struct db *db)
{
	return atomic_load(&db->batched);
}

enum err db_migrate(struct db *db, int upto);	/* migrate.c */

enum err
db_open(const char *path, struct db **ret)
{
	return db_open_schema(path, db_schema_latest(), ret);
}

/* SQLite counts every allocation under one process-wide mutex unless told
 * not to, and the request threads queued on it: it caused most of the
 * futex waits of small GETs. Nothing here reads those counts. Only
 * possible before SQLite initialises itself (SQLITE_MISUSE after, which
 * merely keeps the counting). */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void
sqlite_configure(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* After the configuration, which must precede initialisation. */
	if (db_wal_vfs_register() != SQLITE_OK)
		log_warnx("db: WAL writes are not gathered (no default VFS)");
}

enum err
db_open_schema(const char *path, int upto, struct db **ret)
{
	struct db *db;
	enum err r;

	(void)pthread_once(&sqlite_once, sqlite_configure);
	db = calloc(1, sizeof(*db));
	if (db == NULL)
		return ERR_NOMEM;
	db->path = strdup(path);
	if (db->path == NULL) {
		free(db);
		return ERR_NOMEM;
	}
	db->pg = pg_is_url(path);
	pthread_mutex_init(&db->lock, NULL);
	pthread_mutex_init(&db->write_lock, NULL);
	pthread_mutex_init(&db->sync_lock, NULL);
	pthread_mutex_init(&db->batch_lock, NULL);
	pthread_cond_init(&db->batch_done, NULL);
	db->seal = seal_state_new();
	if (db->seal == NULL || pthread_key_create(&db->key, conn_thread_exit) != 0) {
		seal_state_free(db->seal);
		free(db->path);
		free(db);
		return ERR_NOMEM;
	}
	/* Not before: the return above frees only the seal and the path. */
	if (!db->pg)
		db->ckpt = db_ckpt_new(db);
	if (conn_get(db) == NULL) {
		r = db->pg ? ERR_DB_UNAVAILABLE : ERR_IO;
		db_close(db);
		return r;
	}
	r = db_migrate(db, upto);
	if (r != ERR_OK) {
		db_close(db);
		return r;
	}
	/* Every PostgreSQL schema starts at the baseline, which has it. */
	db->pg_journal = db->pg && db_schema_version(db) > 0;
	*ret = db;
	return ERR_OK;
}

void
db_close(struct db *db)
{
	struct db_conn *c, *next;

	if (db == NULL)
		return;
	db_ckpt_free(db->ckpt);
	pthread_setspecific(db->key, NULL);
	pthread_mutex_lock(&db->lock);
	c = db->conns;
	db->conns = NULL;
	pthread_mutex_unlock(&db->lock);
	for (; c != NULL; c = next) {
		next = c->next;
		conn_close(c);
	}
	if (db->writer != NULL)
		conn_close(db->writer);
	pthread_key_delete(db->key);
	pthread_mutex_destroy(&db->lock);
	pthread_mutex_destroy(&db->write_lock);
	pthread_mutex_destroy(&db->sync_lock);
	pthread_mutex_destroy(&db->batch_lock);
	pthread_cond_destroy(&db->batch_done);
	seal_state_free(db->seal);
	free(db->path);
	free(db);
}
