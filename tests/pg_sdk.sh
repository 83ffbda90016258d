#!/bin/bash
# tests/pg_sdk.sh: the SDK suite once more, every daemon keeping its
# metadata on PostgreSQL: a throw-away server (tests/cluster/pg.bash), a
# database of its own per daemon (tests/sdk/lib/coffer.js,
# COFFER_TEST_PG). The files run two at a time. On failure the server's
# errors the daemons logged are printed after the runner's report.
#
# Skips (77) without the server binaries or the npm packages, except under
# `make test`, whose deps install them. Arguments: test files of
# tests/sdk to run instead of all (COFFERD and COFFER must then be set).
#   COFFERD=build/cofferd COFFER=build/coffer tests/pg_sdk.sh pg_nodes.test.js
set -euo pipefail

SRC=${SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
. "$SRC/tests/cluster/pg.bash"

[[ -n "${COFFERD:-}" && -n "${COFFER:-}" ]] ||
    pg_missing pg_sdk "COFFERD and COFFER (run through ctest)"
[[ -d "$SRC/tests/sdk/node_modules/ali-oss" ]] || pg_missing pg_sdk "npm packages"
pg_need_server pg_sdk

work=$(mktemp -d "${TMPDIR:-/tmp}/pg_sdk.XXXXXX")
chmod 711 "$work"	# the server runs as another user when this is root
trap 'pg_stop "$work/pg"; rm -rf "$work"' EXIT
pg_start "$work/pg"
# Each daemon's database is made by the suite's role.
PGPASSWORD=$(<"$work/pg/pw") psql -X -q -v ON_ERROR_STOP=1 -h "$work/pg" \
    -p "$(<"$work/pg/port")" -U coffer_admin -d postgres \
    -c 'ALTER ROLE coffer CREATEDB' -c 'GRANT pg_checkpoint TO coffer' \
    >/dev/null

# COFFER_TEST_PG_DATA: the server's files, which service.test.js searches
# for plaintext as it does the data dir.
export COFFER_TEST_PG COFFER_TEST_LOG=$work/daemons.log
export COFFER_TEST_PG_DATA=$work/pg/data
# The server's CA (tests/cluster/pg.bash), for sslmode=verify-full.
export COFFER_TEST_PG_CA=$work/pg/ca.crt
COFFER_TEST_PG=$(<"$work/pg/url")
cd "$SRC/tests/sdk"
files=("$@")
(( ${#files[@]} )) || files=(./*.test.js)
if node --test --test-concurrency=2 "${files[@]}"; then
	exit 0
fi
echo "pg_sdk: the daemons' database errors:" >&2
grep -a 'db: postgresql' "$COFFER_TEST_LOG" | sort | uniq -c | sort -rn |
    head -40 >&2 || true
exit 1
