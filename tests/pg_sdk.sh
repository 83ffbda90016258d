#!/bin/bash
# tests/pg_sdk.sh: the SDK suite once more, every daemon keeping its
# metadata on PostgreSQL: a throw-away server (tests/cluster/pg.bash), a
# database of its own per daemon (tests/sdk/lib/coffer.js,
# COFFER_TEST_PG). The files run two at a time. On failure the server's
# errors the daemons logged are printed after the runner's report.
#
# With COFFER_TEST_CLUSTER=1 (tests/cluster_sdk.sh) every daemon is two
# nodes on one database and one data dir behind HAProxy instead
# (tests/cluster/haproxy.bash).
#
# Skips (77) without the server binaries (or haproxy) or the npm
# packages, except under `make test`, whose deps install them. Arguments:
# test files of tests/sdk to run instead of all (COFFERD and COFFER must
# then be set).
#   COFFERD=build/cofferd COFFER=build/coffer tests/pg_sdk.sh pg_nodes.test.js
set -euo pipefail

SRC=${SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
cluster=${COFFER_TEST_CLUSTER:-}
name=pg_sdk
if [[ -n "$cluster" ]]; then
	name=cluster_sdk
	. "$SRC/tests/cluster/haproxy.bash"	# and pg.bash
else
	. "$SRC/tests/cluster/pg.bash"
fi

[[ -n "${COFFERD:-}" && -n "${COFFER:-}" ]] ||
    pg_missing "$name" "COFFERD and COFFER (run through ctest)"
[[ -d "$SRC/tests/sdk/node_modules/ali-oss" ]] || pg_missing "$name" "npm packages"
pg_need_server "$name"
[[ -z "$cluster" ]] || hap_need "$name"

work=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")
chmod 711 "$work"	# the server runs as another user when this is root
mkdir "$work/tmp"

# Every HAProxy a test started (coffer.js stops them; not if its process
# was killed), then the server.
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local h
	if [[ -n "$cluster" ]]; then
		for h in "$work"/tmp/coffer-hap-*; do
			[[ -d "$h" ]] && hap_stop "$h"
		done
	fi
	pg_stop "$work/pg"
	rm -rf "$work"
}
trap cleanup EXIT
# Twice the nodes, and a file may keep a dozen daemons up.
[[ -z "$cluster" ]] || PG_MAX_CONNECTIONS=400
pg_start "$work/pg"
# Each daemon's database is made by the suite's role.
pg_psql "$work/pg" 'ALTER ROLE coffer CREATEDB' \
    'GRANT pg_checkpoint TO coffer' >/dev/null

# COFFER_TEST_PG_DATA: the server's files, which service.test.js searches
# for plaintext as it does the data dir.
export COFFER_TEST_PG COFFER_TEST_LOG=$work/daemons.log
export COFFER_TEST_PG_DATA=$work/pg/data
# The server's CA (tests/cluster/pg.bash), for sslmode=verify-full.
export COFFER_TEST_PG_CA=$work/pg/ca.crt
COFFER_TEST_PG=$(<"$work/pg/url")
# The cluster's proxies live in the daemons' temp dirs: cleanup finds them.
[[ -z "$cluster" ]] || export COFFER_TEST_CLUSTER=1 TMPDIR=$work/tmp
cd "$SRC/tests/sdk"
files=("$@")
(( ${#files[@]} )) || files=(./*.test.js)
if node --test --test-concurrency=2 "${files[@]}"; then
	exit 0
fi
echo "$name: the daemons' database errors:" >&2
grep -a 'db: postgresql' "$COFFER_TEST_LOG" | sort | uniq -c | sort -rn |
    head -40 >&2 || true
exit 1
