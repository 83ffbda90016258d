#!/bin/bash
# tests/cluster_sdk.sh: the SDK suite once more, every daemon being two
# nodes on one PostgreSQL database and one data dir, behind HAProxy
# round-robin per request (tests/sdk/lib/coffer.js, COFFER_TEST_CLUSTER;
# tests/cluster/haproxy.bash): a test's consecutive requests land on
# different nodes. The files run two at a time. On failure the server's
# errors the nodes logged are printed after the runner's report.
#
# Skips (77) without haproxy, the PostgreSQL server binaries or the npm
# packages, except under `make test`, whose deps install them. Arguments:
# test files of tests/sdk to run instead of all (COFFERD and COFFER must
# then be set).
#   COFFERD=build/cofferd COFFER=build/coffer tests/cluster_sdk.sh live.test.js
set -euo pipefail

SRC=${SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
. "$SRC/tests/cluster/haproxy.bash"

[[ -n "${COFFERD:-}" && -n "${COFFER:-}" ]] ||
    pg_missing cluster_sdk "COFFERD and COFFER (run through ctest)"
[[ -d "$SRC/tests/sdk/node_modules/ali-oss" ]] ||
    pg_missing cluster_sdk "npm packages"
pg_need_server cluster_sdk
hap_need cluster_sdk

work=$(mktemp -d "${TMPDIR:-/tmp}/cluster_sdk.XXXXXX")
chmod 711 "$work"	# the server runs as another user when this is root
mkdir "$work/tmp"

# Every HAProxy a test started (coffer.js stops them; not if its process
# was killed), then the server.
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local h
	for h in "$work"/tmp/coffer-hap-*; do
		[[ -d "$h" ]] && hap_stop "$h"
	done
	pg_stop "$work/pg"
	rm -rf "$work"
}
trap cleanup EXIT
# Twice the nodes of pg_sdk.sh, and a file may keep a dozen daemons up.
PG_MAX_CONNECTIONS=400
pg_start "$work/pg"
PGPASSWORD=$(<"$work/pg/pw") psql -X -q -v ON_ERROR_STOP=1 -h "$work/pg" \
    -p "$(<"$work/pg/port")" -U coffer_admin -d postgres \
    -c 'ALTER ROLE coffer CREATEDB' -c 'GRANT pg_checkpoint TO coffer' \
    >/dev/null

export COFFER_TEST_PG COFFER_TEST_CLUSTER=1 COFFER_TEST_LOG=$work/daemons.log
export COFFER_TEST_PG_DATA=$work/pg/data TMPDIR=$work/tmp
# The server's CA (tests/cluster/pg.bash), for sslmode=verify-full.
export COFFER_TEST_PG_CA=$work/pg/ca.crt
COFFER_TEST_PG=$(<"$work/pg/url")
cd "$SRC/tests/sdk"
files=("$@")
(( ${#files[@]} )) || files=(./*.test.js)
if node --test --test-concurrency=2 "${files[@]}"; then
	exit 0
fi
echo "cluster_sdk: the nodes' database errors:" >&2
grep -a 'db: postgresql' "$COFFER_TEST_LOG" | sort | uniq -c | sort -rn |
    head -40 >&2 || true
exit 1
