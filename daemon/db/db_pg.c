/* SPDX-License-Identifier: ISC */
/*
 * db_pg.c: the PostgreSQL engine (db_pg.h), on libpq.
 *
 * Parameters go in binary (int8, text, bytea), and results come back in
 * binary, so bytes need no escaping either way. A statement is prepared
 * per connection under the types of its first execution; a later
 * execution with other types (a NULL where an integer was) prepares a
 * variant rather than letting the server coerce.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "db/db_int.h"
#include "db/db_pg.h"

#define PG_SLOTS	256	/* power of two; > distinct statements */
#define PG_MAXP		40	/* parameters of one statement (<= 64) */
#define PG_VARIANTS	4

/* Type OIDs of the server's catalog (pg_type.h, stable since 7.x). */
enum {
	OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21,
	OID_INT4 = 23, OID_TEXT = 25, OID_VARCHAR = 1043, OID_NUMERIC = 1700,
};

/* The one cluster-wide write lock: "cofr" in ASCII. */
#define PG_WRITE_LOCK	"1668247154"
/* The leases of db_lead: the two-key space, which the one-key write lock
 * does not share (PostgreSQL's advisory lock functions). */
#define PG_LEASE_SPACE	"1668247154"

enum ptype { P_NULL = 'n', P_INT = 'i', P_TEXT = 't', P_BLOB = 'b' };

struct pg_param {
	char		 t;
	uint8_t		 be[8];		/* an integer, big-endian */
	const char	*p;
	size_t		 n;
};

struct pg_st {
	struct db_st	 pub;		/* pub.pg == this */
	struct pg_conn	*c;
	const char	*sql;		/* the cache key */
	char		*text;		/* with $N placeholders */
	int		 nparams;
	uint64_t	 used;		/* bit p-1: $p occurs in text */
	struct {
		char	 sig[PG_MAXP + 1];
		char	 name[24];
	} var[PG_VARIANTS];
	int		 nvar;
	struct pg_param	 prm[PG_MAXP];
	PGresult	*res;
	int		 row, nrows;
	char		 num[24];	/* an integer column read as text */
};

struct pg_conn {
	PGconn		*conn;
	struct pg_st	*slots[PG_SLOTS];
	unsigned	 prepared;	/* names handed out */
	int64_t		 total_changes;
	int64_t		 changes;
	unsigned	 leases;	/* bit r: this session holds lease r */
	bool		 broken;
};

bool
pg_is_url(const char *path)
{
	return strncmp(path, "postgresql://", 13) == 0 ||
	    strncmp(path, "postgres://", 11) == 0;
}

enum err
pg_err(const char *state, bool conn_bad)
{
	if (conn_bad || state == NULL || state[0] == '\0')
		return ERR_DB_UNAVAILABLE;
	if (strncmp(state, "08", 2) == 0 ||		/* connection */
	    strcmp(state, "57P01") == 0 ||		/* admin shutdown */
	    strcmp(state, "57P02") == 0 ||		/* crash shutdown */
	    strcmp(state, "57P03") == 0 ||		/* cannot connect now */
	    strcmp(state, "25006") == 0 ||		/* read-only: a standby */
	    strcmp(state, "53300") == 0)		/* too many connections */
		return ERR_DB_UNAVAILABLE;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0)
		return ERR_DB_BUSY;
	if (strncmp(state, "23", 2) == 0 ||		/* integrity */
	    strcmp(state, "P0001") == 0)		/* a trigger refused */
		return ERR_EXISTS;
	if (strcmp(state, "53100") == 0)
		return ERR_NO_SPACE;
	if (strcmp(state, "53200") == 0)
		return ERR_NOMEM;
	if (strcmp(state, "XX001") == 0 || strcmp(state, "XX002") == 0)
		return ERR_CORRUPT;
	return ERR_INTERNAL;
}

/* The outcome of a result; logs what the server said when it failed. */
static enum err
res_err(struct pg_conn *c, const PGresult *res, const char *what)
{
	ExecStatusType s = res != NULL ? PQresultStatus(res) :
	    PGRES_FATAL_ERROR;
	bool bad;
	enum err r;

	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return ERR_OK;
	bad = PQstatus(c->conn) != CONNECTION_OK;
	r = pg_err(res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) :
	    NULL, bad);
	if (bad)
		c->broken = true;
	/* Constraint refusals are answers, not faults. */
	if (r != ERR_EXISTS)
		log_warnx("db: postgresql: %s: %s", what,
		    res != NULL ? PQresultErrorMessage(res) :
		    PQerrorMessage(c->conn));
	return r;
}

struct pg_conn *
pg_conn_open(const char *url)
{
	struct pg_conn *c = calloc(1, sizeof(*c));
	PGresult *res;

	if (c == NULL)
		return NULL;
	c->conn = PQconnectdb(url);
	if (PQstatus(c->conn) != CONNECTION_OK) {
		/* PQerrorMessage names host and port, never the password. */
		log_warnx("db: postgresql: connect: %s",
		    PQerrorMessage(c->conn));
		PQfinish(c->conn);
		free(c);
		return NULL;
	}
	/* A request waiting behind a stuck writer gets a 503, not a hang;
	 * a node frozen inside a transaction is cut off and releases the
	 * write lock. */
	res = PQexec(c->conn, "SET lock_timeout = '10s';"
	    " SET statement_timeout = '60s';"
	    " SET idle_in_transaction_session_timeout = '30s';"
	    " SET synchronous_commit = on; SET client_min_messages = warning");
	if (res_err(c, res, "session settings") != ERR_OK) {
		PQclear(res);
		pg_conn_close(c);
		return NULL;
	}
	PQclear(res);
	return c;
}

static void
st_free(struct pg_st *s)
{
	PQclear(s->res);
	free(s->text);
	free(s);
}

void
pg_conn_close(struct pg_conn *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < PG_SLOTS; i++)
		if (c->slots[i] != NULL)
			st_free(c->slots[i]);
	PQfinish(c->conn);
	free(c);
}

/* A session advisory lock, so the lease lives exactly as long as this
 * connection: when the node dies or the connection drops, the server
 * frees it, and whatever this connection still had in flight fails with
 * it, so a node that lost its lease cannot commit work under it. */
bool
pg_lead(struct pg_conn *c, unsigned lease)
{
	char sql[96];
	PGresult *res;
	bool got;

	if (pg_conn_broken(c))
		return false;
	/* Held: the session being alive is the proof, so one round trip
	 * (the server may have ended it since the last call). */
	if (c->leases & (1u << lease))
		snprintf(sql, sizeof(sql), "SELECT true");
	else
		snprintf(sql, sizeof(sql), "SELECT pg_try_advisory_lock("
		    PG_LEASE_SPACE ", %u)", lease);
	res = PQexec(c->conn, sql);
	got = res_err(c, res, "lease") == ERR_OK && PQntuples(res) == 1 &&
	    PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	if (got)
		c->leases |= 1u << lease;
	else
		c->leases &= ~(1u << lease);
	return got;
}

bool
pg_conn_broken(const struct pg_conn *c)
{
	return c->broken || PQstatus(c->conn) != CONNECTION_OK;
}

char *
pg_placeholders(const char *sql, int *nparams, uint64_t *used)
{
	size_t len = strlen(sql);
	char *out = malloc(len * 3 + 1), *o = out;
	const char *s = sql;
	int max = 0;

	if (out == NULL)
		return NULL;
	while (*s != '\0') {
		if (*s == '\'' || *s == '"') {
			char q = *s;

			*o++ = *s++;
			while (*s != '\0' && *s != q)
				*o++ = *s++;
			if (*s != '\0')
				*o++ = *s++;
		} else if (s[0] == '-' && s[1] == '-') {
			while (*s != '\0' && *s != '\n')
				*o++ = *s++;
		} else if (*s == '?') {
			int n = 0;

			s++;
			if (*s >= '0' && *s <= '9') {
				while (*s >= '0' && *s <= '9')
					n = n * 10 + (*s++ - '0');
			} else
				n = max + 1;	/* SQLite's rule */
			if (n > max)
				max = n;
			if (n >= 1 && n <= 64)
				*used |= UINT64_C(1) << (n - 1);
			/* len * 3 + 1 covers it: "?" becomes "$N" with N
			 * at most as long as the digits it came from, or
			 * "$NN" from a bare "?" (fewer than 100). */
			o += snprintf(o, (size_t)(out + len * 3 + 1 - o), "$%d",
			    n);
		} else
			*o++ = *s++;
	}
	*o = '\0';
	*nparams = max;
	return out;
}

static size_t
slot_of(const char *sql)
{
	uintptr_t x = (uintptr_t)sql;

	x ^= x >> 17;
	x *= 0x9E3779B97F4A7C15ULL;
	return (size_t)(x >> 40) & (PG_SLOTS - 1);
}

struct db_st *
pg_stmt(struct pg_conn *c, const char *sql)
{
	struct pg_st *s;
	size_t i;

	for (i = slot_of(sql);; i = (i + 1) & (PG_SLOTS - 1)) {
		if (c->slots[i] == NULL)
			break;
		if (c->slots[i]->sql == sql)
			return &c->slots[i]->pub;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->text = pg_placeholders(sql, &s->nparams, &s->used);
	if (s->text == NULL || s->nparams > PG_MAXP) {
		log_errx("db: postgresql: %s: %.80s", s->text == NULL ?
		    "out of memory" : "too many parameters", sql);
		st_free(s);
		return NULL;
	}
	s->pub.pg = s;
	s->c = c;
	s->sql = sql;
	s->row = -1;
	for (int p = 0; p < PG_MAXP; p++)
		s->prm[p].t = P_NULL;
	c->slots[i] = s;
	return &s->pub;
}

/* What db_stmt gives while no connection can be made: it takes bindings
 * and answers every step with ERR_DB_UNAVAILABLE, so each caller reports
 * the outage as it reports a failed step (503) rather than as a statement
 * that could not be prepared (500). One per thread, as binds write into
 * it. */
static struct pg_conn down_conn = { .broken = true };
static _Thread_local struct pg_st down_st;

struct db_st *
pg_stmt_down(void)
{
	down_st.pub.pg = &down_st;
	down_st.c = &down_conn;
	down_st.sql = "";
	down_st.row = -1;
	return &down_st.pub;
}

void
pg_stmt_done(struct db_st *st)
{
	struct pg_st *s = st->pg;

	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	s->nrows = 0;
	for (int p = 0; p < PG_MAXP; p++)
		s->prm[p].t = P_NULL;
}

static struct pg_param *
param(struct db_st *st, int i)
{
	return i >= 1 && i <= PG_MAXP ? &st->pg->prm[i - 1] : NULL;
}

void
pg_bind_i64(struct db_st *st, int i, int64_t v)
{
	struct pg_param *p = param(st, i);
	uint64_t x = (uint64_t)v;

	if (p == NULL)
		return;
	p->t = P_INT;
	for (int k = 0; k < 8; k++)
		p->be[k] = (uint8_t)(x >> (56 - 8 * k));
	p->p = (const char *)p->be;
	p->n = 8;
}

void
pg_bind_text(struct db_st *st, int i, const char *s, size_t n)
{
	struct pg_param *p = param(st, i);

	if (p == NULL)
		return;
	p->t = P_TEXT;
	p->p = s;
	p->n = n;
}

void
pg_bind_blob(struct db_st *st, int i, const void *v, size_t n)
{
	struct pg_param *p = param(st, i);

	if (p == NULL)
		return;
	p->t = P_BLOB;
	p->p = v;
	p->n = n;
}

void
pg_bind_null(struct db_st *st, int i)
{
	struct pg_param *p = param(st, i);

	if (p != NULL)
		p->t = P_NULL;
}

static bool
unused(const struct pg_st *s, int p)
{
	return !(s->used & (UINT64_C(1) << p));
}

/* The prepared name for the statement under its current parameter
 * types, preparing it on first use. */
static const char *
variant(struct pg_st *s)
{
	Oid types[PG_MAXP];
	char sig[PG_MAXP + 1];
	PGresult *res;
	enum err r;
	int v;

	for (int p = 0; p < s->nparams; p++) {
		/* A number the text skips (?1, ?3) still needs a type; it
		 * is sent as NULL (run). */
		sig[p] = unused(s, p) ? P_NULL : s->prm[p].t;
		types[p] = sig[p] == P_INT ? OID_INT8 : sig[p] == P_TEXT ?
		    OID_TEXT : sig[p] == P_BLOB ? OID_BYTEA :
		    unused(s, p) ? OID_TEXT : 0;
	}
	sig[s->nparams] = '\0';
	for (v = 0; v < s->nvar; v++)
		if (strcmp(s->var[v].sig, sig) == 0)
			return s->var[v].name;
	if (s->nvar == PG_VARIANTS) {
		log_errx("db: postgresql: too many parameter type variants: "
		    "%.80s", s->sql);
		return NULL;
	}
	v = s->nvar;
	snprintf(s->var[v].name, sizeof(s->var[v].name), "c%u",
	    s->c->prepared++);
	res = PQprepare(s->c->conn, s->var[v].name, s->text, s->nparams,
	    types);
	r = res_err(s->c, res, s->sql);
	PQclear(res);
	if (r != ERR_OK)
		return NULL;
	memcpy(s->var[v].sig, sig, sizeof(sig));
	s->nvar++;
	return s->var[v].name;
}

static enum err
run(struct pg_st *s)
{
	const char *values[PG_MAXP];
	int lengths[PG_MAXP], formats[PG_MAXP];
	const char *name;
	const char *n;
	enum err r;

	if (s->c->broken)
		return ERR_DB_UNAVAILABLE;
	name = variant(s);
	if (name == NULL)
		return s->c->broken ? ERR_DB_UNAVAILABLE : ERR_INTERNAL;
	for (int p = 0; p < s->nparams; p++) {
		values[p] = s->prm[p].t == P_NULL || unused(s, p) ? NULL :
		    s->prm[p].n == 0 ? "" : s->prm[p].p;
		lengths[p] = (int)s->prm[p].n;
		formats[p] = 1;
	}
	s->res = PQexecPrepared(s->c->conn, name, s->nparams, values, lengths,
	    formats, 1);
	r = res_err(s->c, s->res, s->sql);
	if (r != ERR_OK)
		return r;
	s->nrows = PQntuples(s->res);
	/* As sqlite3_changes: only a write sets the count, a read keeps
	 * the last write's. */
	n = PQcmdStatus(s->res);
	if (strncmp(n, "INSERT", 6) == 0 || strncmp(n, "UPDATE", 6) == 0 ||
	    strncmp(n, "DELETE", 6) == 0) {
		s->c->changes = strtoll(PQcmdTuples(s->res), NULL, 10);
		s->c->total_changes += s->c->changes;
	}
	return ERR_OK;
}

enum err
pg_row(struct db_st *st)
{
	struct pg_st *s = st->pg;
	enum err r;

	if (s->res == NULL) {
		r = run(s);
		if (r != ERR_OK)
			return r;
	}
	if (s->row + 1 >= s->nrows) {
		s->row = s->nrows;
		return ERR_NOT_FOUND;
	}
	s->row++;
	return ERR_OK;
}

static bool
readable(struct pg_st *s, int i)
{
	return s->res != NULL && s->row >= 0 && s->row < s->nrows &&
	    i >= 0 && i < PQnfields(s->res) &&
	    !PQgetisnull(s->res, s->row, i);
}

static uint64_t
be_u(const uint8_t *p, int n)
{
	uint64_t x = 0;

	for (int k = 0; k < n; k++)
		x = x << 8 | p[k];
	return x;
}

/* An integral numeric (sum() of bigints) from its binary form: ndigits,
 * weight, sign, dscale, then base-10000 digits. */
static int64_t
numeric_i64(const uint8_t *p, int len)
{
	int ndigits, weight, sign;
	int64_t v = 0;

	if (len < 8)
		return 0;
	ndigits = (int16_t)be_u(p, 2);
	weight = (int16_t)be_u(p + 2, 2);
	sign = (int)be_u(p + 4, 2);
	if (len < 8 + 2 * ndigits)
		return 0;
	for (int d = 0; d <= weight; d++)
		v = v * 10000 + (d < ndigits ? (int64_t)be_u(p + 8 + 2 * d,
		    2) : 0);
	return sign == 0x4000 ? -v : v;
}

int64_t
pg_col_i64(struct db_st *st, int i)
{
	struct pg_st *s = st->pg;
	const uint8_t *p;
	int len;

	if (!readable(s, i))
		return 0;
	p = (const uint8_t *)PQgetvalue(s->res, s->row, i);
	len = PQgetlength(s->res, s->row, i);
	switch (PQftype(s->res, i)) {
	case OID_INT8:
		return len == 8 ? (int64_t)be_u(p, 8) : 0;
	case OID_INT4:
		return len == 4 ? (int32_t)be_u(p, 4) : 0;
	case OID_INT2:
		return len == 2 ? (int16_t)be_u(p, 2) : 0;
	case OID_BOOL:
		return len == 1 && p[0] != 0;
	case OID_NUMERIC:
		return numeric_i64(p, len);
	case OID_TEXT:
	case OID_VARCHAR:
		return strtoll((const char *)p, NULL, 10);
	default:
		return 0;
	}
}

const char *
pg_col_text(struct db_st *st, int i)
{
	struct pg_st *s = st->pg;
	Oid t;

	if (!readable(s, i))
		return "";
	t = PQftype(s->res, i);
	if (t == OID_INT8 || t == OID_INT4 || t == OID_INT2 ||
	    t == OID_NUMERIC || t == OID_BOOL) {
		/* SQLite reads an integer as its decimal text; so do we. */
		snprintf(s->num, sizeof(s->num), "%lld",
		    (long long)pg_col_i64(st, i));
		return s->num;
	}
	/* Binary text is the bytes, and libpq adds a NUL after them. */
	return PQgetvalue(s->res, s->row, i);
}

const void *
pg_col_blob(struct db_st *st, int i)
{
	struct pg_st *s = st->pg;

	return readable(s, i) ? PQgetvalue(s->res, s->row, i) : NULL;
}

size_t
pg_col_len(struct db_st *st, int i)
{
	struct pg_st *s = st->pg;

	return readable(s, i) ? (size_t)PQgetlength(s->res, s->row, i) : 0;
}

bool
pg_col_null(struct db_st *st, int i)
{
	struct pg_st *s = st->pg;

	return !readable(s, i);
}

enum err
pg_exec(struct pg_conn *c, const char *sql)
{
	PGresult *res;
	enum err r = ERR_OK;

	/* PQexec returns the last statement's result only; the ones before
	 * it succeeded or it would not have run. */
	if (!PQsendQuery(c->conn, sql))
		return res_err(c, NULL, "exec");
	while ((res = PQgetResult(c->conn)) != NULL) {
		if (r == ERR_OK)
			r = res_err(c, res, sql);
		PQclear(res);
	}
	return r;
}

enum err
pg_begin_write(struct pg_conn *c)
{
	return pg_exec(c, "BEGIN ISOLATION LEVEL READ COMMITTED;"
	    " SELECT pg_advisory_xact_lock(" PG_WRITE_LOCK ")");
}

enum err
pg_begin_read(struct pg_conn *c)
{
	return pg_exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
}

enum err
pg_commit(struct pg_conn *c)
{
	PGresult *res = PQexec(c->conn, "COMMIT");
	enum err r = res_err(c, res, "COMMIT");

	/* A transaction that failed earlier answers COMMIT with ROLLBACK. */
	if (r == ERR_OK && strcmp(PQcmdStatus(res), "COMMIT") != 0)
		r = ERR_CONFLICT;
	/* The connection went during COMMIT: the server may have committed.
	 * The caller must keep what the rows would name (db.h); a blob no row
	 * names is collected later, a named one deleted would be lost. */
	if (r == ERR_DB_UNAVAILABLE)
		r = ERR_COMMIT_UNKNOWN;
	PQclear(res);
	return r;
}

void
pg_rollback(struct pg_conn *c)
{
	PGresult *res;

	/* Nothing to end (the server ended it with the session). */
	if (!pg_in_tx(c))
		return;
	res = PQexec(c->conn, "ROLLBACK");

	/* On a lost connection the server has rolled back already. */
	(void)res_err(c, res, "ROLLBACK");
	PQclear(res);
}

bool
pg_in_tx(struct pg_conn *c)
{
	PGTransactionStatusType t = PQtransactionStatus(c->conn);

	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

int64_t
pg_total_changes(const struct pg_conn *c)
{
	return c->total_changes;
}

int64_t
pg_changes(const struct pg_conn *c)
{
	return c->changes;
}
