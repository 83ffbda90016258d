#!/bin/bash
# tests/pg_unit.sh BINARY: runs a unit test of the PostgreSQL engine
# against a throw-away server (tests/cluster/pg.bash), its URL in
# COFFER_TEST_PG_URL. Skips (77) without the server binaries, except
# under `make test`, whose deps install them.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$SRC/tests/cluster/pg.bash"

pg_need_server pg_unit
work=$(mktemp -d "${TMPDIR:-/tmp}/pg_unit.XXXXXX")
# The server runs as another user when this runs as root.
chmod 711 "$work"
trap 'pg_stop "$work/pg"; rm -rf "$work"' EXIT
pg_start "$work/pg"
COFFER_TEST_PG_URL=$(cat "$work/pg/url") "$@"
