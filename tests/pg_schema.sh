#!/bin/bash
# tests/pg_schema.sh: schema/pg/0022_baseline.sql and the twins after it
# make in PostgreSQL the schema the SQLite migrations schema/0*.sql leave.
#
# A throw-away server (tests/cluster/pg.bash) gets the baseline; the
# sqlite3 shell runs every migration on a new file. Both catalogs are
# written out in one normalized form and compared line by line:
#   table T
#   column T.C TYPE [not-null] [default=V] [identity]
#	(INTEGER -> bigint, TEXT -> text, BLOB -> bytea; a primary key
#	column counts as NOT NULL; identity: a lone INTEGER PRIMARY KEY id;
#	a text column whose collation is not "C" says so)
#   pk T (C,...)            unique T (C,...)      checks T N
#   index NAME on T (C[ desc],...) [unique] [where PRED]
#   fk T (C,...) -> T2 (C,...) on-delete=A on-update=A
#   trigger T NAME BEFORE|AFTER EVENT[ OF C,...]
#   rows T N, and every seeded row (row T v|v|..., values as SQLite's quote())
# The differences the baseline's header documents are added to the
# SQLite side first: the id column standing for rowid in ROWID_TABLES,
# the seal triggers (they call coffer_* functions) left out, and
# schema_version, which exists in PostgreSQL only and is checked alone,
# and the seal's journal (seal_journal, its seal_journal_* triggers), which
# stands in PostgreSQL for the seal triggers.
#
# Then tests/pg_schema_triggers.sql runs on both: the same statements
# must be refused by the triggers with the same messages and leave the
# same rows (the translated triggers do what the SQLite ones do).
#
# Needs sqlite3, psql and the PostgreSQL server binaries; exits 77 (skip)
# without them, 1 under `make test` (COFFER_MAKE_TEST). No python: bash,
# sed, sort, diff.
set -euo pipefail

SRC=${SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BASELINE=$SRC/schema/pg/0022_baseline.sql
# Tables walked by rowid (daemon/auth/auth_db.c, kms/kms_rootkey_db.c,
# kms/kms_db.c): an identity column id, unique, in PostgreSQL.
ROWID_TABLES="access_keys kms_key_versions kms_import_tokens"

. "$SRC/tests/cluster/pg.bash"
for tool in sqlite3 psql; do
	command -v "$tool" >/dev/null || pg_missing pg_schema "$tool"
done
pg_need_server pg_schema

work=$(mktemp -d "${TMPDIR:-/tmp}/pg_schema.XXXXXX")
chmod 0711 "$work"		# the server's user passes through to pg/
cleanup() {
	pg_stop "$work/pg" || true
	if [[ -n "${PG_SCHEMA_KEEP:-}" ]]; then
		echo "pg_schema: kept $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

fail() {
	echo "pg_schema: FAIL: $*" >&2
	exit 1
}

pg_start "$work/pg" || fail "PostgreSQL did not start"
set -a
# shellcheck source=/dev/null
. "$work/pg/env"
set +a
export PGSSLMODE=verify-full PGSSLROOTCERT=$work/pg/ca.crt PGCONNECT_TIMEOUT=10
pgq() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

# --- the two databases --------------------------------------------------
pgq -1 -f "$BASELINE" >"$work/apply.log" 2>&1 ||
    { cat "$work/apply.log" >&2; fail "psql could not apply $BASELINE"; }
# Then every later twin, as cofferd applies them.
for f in "$SRC"/schema/pg/[0-9][0-9][0-9][0-9]_*.sql; do
	[[ "$f" == "$BASELINE" ]] && continue
	pgq -1 -f "$f" >>"$work/apply.log" 2>&1 ||
	    { cat "$work/apply.log" >&2; fail "psql could not apply $f"; }
done

lite=$work/lite.db
{
	echo "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;"
	for f in "$SRC"/schema/[0-9][0-9][0-9][0-9]_*.sql; do
		cat "$f"
	done
} | sqlite3 -bail "$lite" >"$work/sqlite.log" 2>&1 ||
    { cat "$work/sqlite.log" >&2; fail "the sqlite3 shell could not run the migrations"; }
litq() { sqlite3 -batch -noheader -separator '|' "$lite" "$@"; }

v=$(pgq -c 'SELECT string_agg(version::text, $$,$$) FROM schema_version')
[[ "$v" == 22 ]] || fail "schema_version holds '$v', not one row 22"

# --- SQLite's catalog ---------------------------------------------------
TW="m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\\'"
litq >"$work/lite.raw" <<-EOF
	SELECT 'table ' || m.name FROM sqlite_master m WHERE $TW;
	SELECT 'column ' || m.name || '.' || p.name || ' ' ||
	    CASE upper(p.type) WHEN 'INTEGER' THEN 'bigint' WHEN 'TEXT' THEN 'text'
		WHEN 'BLOB' THEN 'bytea' ELSE 'UNMAPPED(' || p.type || ')' END ||
	    CASE WHEN p."notnull" OR p.pk > 0 THEN ' not-null' ELSE '' END ||
	    coalesce(' default=' || p.dflt_value, '') ||
	    CASE WHEN p.pk = 1 AND p.name = 'id' AND upper(p.type) = 'INTEGER'
		AND (SELECT count(*) FROM pragma_table_info(m.name) q
		     WHERE q.pk > 0) = 1 THEN ' identity' ELSE '' END
	    FROM sqlite_master m, pragma_table_info(m.name) p WHERE $TW;
	SELECT 'pk ' || m.name || ' (' || (SELECT group_concat(name, ',') FROM
	    (SELECT name FROM pragma_table_info(m.name) WHERE pk > 0 ORDER BY pk))
	    || ')' FROM sqlite_master m WHERE $TW
	    AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE pk > 0);
	SELECT CASE il.origin WHEN 'u' THEN 'unique ' || m.name || ' ('
		ELSE 'index ' || il.name || ' on ' || m.name || ' (' END ||
	    (SELECT group_concat(coalesce(x.name, '<expr>') ||
		CASE WHEN x."desc" THEN ' desc' ELSE '' END, ',') FROM
		(SELECT * FROM pragma_index_xinfo(il.name) WHERE key = 1
		 ORDER BY seqno) x) || ')' ||
	    CASE WHEN il.origin = 'c' AND il."unique" THEN ' unique' ELSE '' END ||
	    CASE WHEN il.partial THEN ' where ' || (SELECT substr(i.sql,
		instr(upper(i.sql), ' WHERE ') + 7) FROM sqlite_master i
		WHERE i.type = 'index' AND i.name = il.name) ELSE '' END
	    FROM sqlite_master m, pragma_index_list(m.name) il
	    WHERE $TW AND il.origin <> 'pk';
	SELECT 'fk ' || m.name || ' (' || group_concat(f."from", ',') || ') -> ' ||
	    f."table" || ' (' || group_concat(coalesce(f."to", '<pk>'), ',') ||
	    ') on-delete=' || f.on_delete || ' on-update=' || f.on_update
	    FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE $TW
	    GROUP BY m.name, f.id;
	SELECT 'checks ' || m.name || ' ' ||
	    ((length(m.sql) - length(replace(m.sql, 'CHECK', ''))) / 5)
	    FROM sqlite_master m WHERE $TW AND m.sql LIKE '%CHECK%';
EOF
# Triggers, one line each: "CREATE TRIGGER name BEFORE|AFTER event
# [OF cols] ON table ..." becomes "trigger table name BEFORE|AFTER event".
trigger_head() {
	sed -E 's/[[:space:]]+/ /g;
	    s/^CREATE TRIGGER ([a-z_0-9]+) (BEFORE|AFTER) (INSERT|DELETE|UPDATE( OF [a-z_0-9, ]+)?) ON (public\.)?([a-z_0-9]+) .*/trigger \6 \1 \2 \3/;
	    s/, /,/g; s/ +$//'
}
litq "SELECT name FROM sqlite_master WHERE type = 'trigger'
    AND sql LIKE '%coffer\_%' ESCAPE '\\' ORDER BY name" >"$work/seal_triggers"
litq "SELECT replace(replace(sql, char(10), ' '), char(13), ' ')
    FROM sqlite_master WHERE type = 'trigger'
    AND sql NOT LIKE '%coffer\_%' ESCAPE '\\'" | trigger_head >>"$work/lite.raw"
for t in $ROWID_TABLES; do
	echo "column $t.id bigint not-null identity"
	echo "unique $t (id)"
done >>"$work/lite.raw"

# --- PostgreSQL's catalog -----------------------------------------------
PGW="c.relnamespace = 'public'::regnamespace
    AND c.relkind = 'r' AND c.relname NOT IN ('schema_version', 'seal_journal')"
COLS="(SELECT string_agg(a.attname, ',' ORDER BY k.ord)
	FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
	JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum)"
FCOLS="(SELECT string_agg(a.attname, ',' ORDER BY k.ord)
	FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
	JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum)"
pgq >"$work/pg.raw" <<-EOF
	SELECT 'table ' || c.relname FROM pg_class c WHERE $PGW;
	SELECT 'column ' || c.relname || '.' || a.attname || ' ' ||
	    format_type(a.atttypid, a.atttypmod) ||
	    CASE WHEN a.attnotnull THEN ' not-null' ELSE '' END ||
	    coalesce(' default=' || regexp_replace(pg_get_expr(d.adbin, d.adrelid),
		'::(text|bigint|integer|bytea)', '', 'g'), '') ||
	    CASE WHEN a.attidentity <> '' THEN ' identity' ELSE '' END ||
	    CASE WHEN a.attcollation <> 0 AND co.collname <> 'C'
		THEN ' collation=' || co.collname ELSE '' END
	    FROM pg_class c
	    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
		AND NOT a.attisdropped
	    LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
	    LEFT JOIN pg_collation co ON co.oid = a.attcollation
	    WHERE $PGW;
	SELECT CASE con.contype WHEN 'p' THEN 'pk ' ELSE 'unique ' END ||
	    c.relname || ' (' || $COLS || ')'
	    FROM pg_class c
	    JOIN pg_constraint con ON con.conrelid = c.oid AND con.contype IN ('p', 'u')
	    WHERE $PGW;
	SELECT 'index ' || ic.relname || ' on ' || c.relname || ' (' ||
	    (SELECT string_agg(coalesce(a.attname, '<expr>') ||
		CASE WHEN i.indoption[k.ord - 1] & 1 = 1 THEN ' desc' ELSE '' END,
		',' ORDER BY k.ord)
	     FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
	     LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum)
	    || ')' || CASE WHEN i.indisunique THEN ' unique' ELSE '' END ||
	    coalesce(' where ' || pg_get_expr(i.indpred, i.indrelid), '')
	    FROM pg_class c
	    JOIN pg_index i ON i.indrelid = c.oid
	    JOIN pg_class ic ON ic.oid = i.indexrelid
	    WHERE $PGW AND NOT EXISTS (SELECT 1 FROM pg_constraint con
		WHERE con.conindid = i.indexrelid AND con.conrelid = c.oid);
	SELECT 'fk ' || c.relname || ' (' || $COLS || ') -> ' ||
	    con.confrelid::regclass::text || ' (' || $FCOLS || ') on-delete=' ||
	    CASE con.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT'
		WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL'
		WHEN 'd' THEN 'SET DEFAULT' END || ' on-update=' ||
	    CASE con.confupdtype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT'
		WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL'
		WHEN 'd' THEN 'SET DEFAULT' END
	    FROM pg_class c
	    JOIN pg_constraint con ON con.conrelid = c.oid AND con.contype = 'f'
	    WHERE $PGW;
	SELECT 'checks ' || c.relname || ' ' || count(*)
	    FROM pg_class c
	    JOIN pg_constraint con ON con.conrelid = c.oid AND con.contype = 'c'
	    WHERE $PGW
	    GROUP BY c.relname;
EOF
pgq -c "SELECT replace(pg_get_triggerdef(t.oid), chr(10), ' ')
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace
    AND t.tgname NOT LIKE 'seal\\_journal\\_%'" |
sed -E '/ FOR EACH ROW /!s/^/not-for-each-row: /' | trigger_head >>"$work/pg.raw"

# --- the rows the migrations seed ---------------------------------------
# Every table's count, and every row, as SQLite's quote() writes values:
# 12, 'text', X'00FF', NULL. The columns are SQLite's (the id columns of
# ROWID_TABLES are PostgreSQL's own).
declare -A lsel psel
while IFS='|' read -r t col type; do
	lsel[$t]+="${lsel[$t]:+ || '|' || }quote(\"$col\")"
	case "${type^^}" in
	BLOB) e="'X''' || upper(encode(\"$col\", 'hex')) || ''''" ;;
	TEXT) e="quote_literal(\"$col\")" ;;
	*) e="\"$col\"::text" ;;
	esac
	psel[$t]+="${psel[$t]:+ || '|' || }coalesce($e, 'NULL')"
done < <(litq "SELECT m.name, p.name, p.type
    FROM sqlite_master m, pragma_table_info(m.name) p WHERE $TW")
lite_rows() {
	local t
	for t in "${!lsel[@]}"; do
		echo "SELECT 'rows $t ' || count(*) FROM \"$t\";"
		echo "SELECT 'row $t ' || ${lsel[$t]} FROM \"$t\";"
	done | litq
}
pg_rows() {
	local t
	for t in "${!psel[@]}"; do
		echo "SELECT 'rows $t ' || count(*) FROM \"$t\";"
		echo "SELECT 'row $t ' || ${psel[$t]} FROM \"$t\";"
	done | pgq
}
lite_rows >>"$work/lite.raw"
pg_rows >>"$work/pg.raw"

# --- compare ------------------------------------------------------------
norm() {
	# Predicates as written vs. as deparsed: "latest = 1", "(latest = 1)".
	sed -E '/^index /{ s/ where (.*)$/ where \1\x01/; :p; s/( where [^\x01]*)[() ]/\1/; tp; s/\x01$//; }' |
	    grep -v '^$' | LC_ALL=C sort
}
norm <"$work/lite.raw" >"$work/lite.cat"
norm <"$work/pg.raw" >"$work/pg.cat"
if ! diff -u --label sqlite --label postgresql "$work/lite.cat" "$work/pg.cat"; then
	fail "the catalogs differ (- SQLite migrations, + $BASELINE)"
fi

# The header names what it leaves out.
while read -r name; do
	grep -Eq "^--.*\\b$name\\b" "$BASELINE" ||
	    fail "$name (a seal trigger) is not listed in the header of $BASELINE"
done <"$work/seal_triggers"
for t in $ROWID_TABLES; do
	grep -Eq "^-- +$t\\b" "$BASELINE" ||
	    fail "$t (given an id column) is not listed in the header of $BASELINE"
done


# --- the triggers at work -----------------------------------------------
# tests/pg_schema_triggers.sql on both, statement by statement: the same
# statements must be refused with the same messages, and leave the same
# rows. SQLite's copy loses its seal triggers (no coffer_* functions in
# the shell) and enforces foreign keys, as the daemon does.
while read -r name; do
	echo "DROP TRIGGER $name;"
done <"$work/seal_triggers" | litq
{
	echo "PRAGMA foreign_keys = ON;"
	cat "$SRC/tests/pg_schema_triggers.sql"
} | sqlite3 "$lite" >/dev/null 2>"$work/lite_dml.err" || true
sed 's/ AS BLOB)/ AS bytea)/g' "$SRC/tests/pg_schema_triggers.sql" |
    psql -X -q >/dev/null 2>"$work/pg_dml.err" || true
# "Runtime error near line 5: worm: FileImmutable (19)"; "psql:<stdin>:5:
# ERROR:  worm: FileImmutable". Anything else is kept whole.
sed -E 's/^(Runtime |Parse )?[Ee]rror( near line [0-9]+)?: (.*) \([0-9]+\)$/error: \3/' \
    "$work/lite_dml.err" >"$work/lite_dml.msg"
sed -E '/^(DETAIL|HINT|CONTEXT|LINE [0-9]+):|^ /d;
    s/^(psql:[^:]*:[0-9]+: )?ERROR: +(.*)$/error: \2/' \
    "$work/pg_dml.err" >"$work/pg_dml.msg"
if ! diff -u --label sqlite --label postgresql "$work/lite_dml.msg" "$work/pg_dml.msg"; then
	fail "tests/pg_schema_triggers.sql: the statements refused differ"
fi
refused=$(grep -c '^error: ' "$work/pg_dml.msg" || true)
(( refused > 0 )) || fail "tests/pg_schema_triggers.sql: no statement refused"
lite_rows | LC_ALL=C sort >"$work/lite_dml.rows"
pg_rows | LC_ALL=C sort >"$work/pg_dml.rows"
if ! diff -u --label sqlite --label postgresql "$work/lite_dml.rows" "$work/pg_dml.rows"; then
	fail "tests/pg_schema_triggers.sql: the rows differ afterwards"
fi
echo "pg_schema: ok: $(grep -c '^table ' "$work/pg.cat") tables," \
    "$(grep -c '^column ' "$work/pg.cat") columns," \
    "$(grep -c '^trigger ' "$work/pg.cat") triggers" \
    "($(wc -l <"$work/seal_triggers") seal triggers left to the application),"\
    "$refused statements refused by triggers alike"
