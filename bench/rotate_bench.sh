#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# rotate_bench.sh: `coffer root-key rotate` on a data dir of many small
# objects, measured on this machine.
#
#   bench/rotate_bench.sh [BUILD_DIR]          (default build; N=5000)
#   N=50000 bench/rotate_bench.sh build
#
# Fills a fresh data dir through a running cofferd with N small objects
# (each an object row and an extent whose SSE-OSS data key is re-wrapped),
# then measures:
#   rotate.online   asked of the running daemon: the wall time of the
#                   command, and the time requests were paused (the
#                   daemon's "rotated ... in N ms" line)
#   rotate.offline  the daemon stopped: the command's own figure,
#                   items (secrets, key values, data keys, rows, audit
#                   rows) per second of its one transaction
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
N=${N:-5000}
. "$ROOT/bench/lib.sh"

if [ ! -x "$BUILD/cofferd" ] || [ ! -x "$BUILD/coffer" ]; then
	build_targets "$ROOT" "$BUILD" cofferd coffer
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/coffer-rotate-bench-XXXXXX")
trap 'stop_all; rm -rf "$W"' EXIT
COFFER=$BUILD/coffer
D=$W/data

cofferd_start "$BUILD/cofferd" "$D" "$W/d.log"
make_bucket "$CPORT"
head -c 700 /dev/urandom >"$W/small"
blog "filling: $N objects"
seq 1 "$N" | xargs -P 8 -I{} curl -sf -X PUT -H 'Content-Type:' \
    -H 'Expect:' --data-binary "@$W/small" \
    "http://127.0.0.1:$CPORT/$BENCH_BUCKET/o{}" -o /dev/null

newkey() { head -c 32 /dev/urandom >"$1"; chmod 600 "$1"; }

newkey "$W/k2"
t0=$(date +%s.%N)
"$COFFER" --data-dir "$D" root-key rotate --new-key "$W/k2" >"$W/out" 2>"$W/err"
t1=$(date +%s.%N)
paused=$(sed -n 's/.*root key: rotated to generation 2 in \([0-9]*\) ms.*/\1/p' "$W/d.log" "$W/d.log.stderr" | tail -n 1)
printf 'rotate.online   %6.2f s command, requests paused %s ms (%s objects)\n' \
    "$(echo "$t1 - $t0" | bc -l)" "${paused:-?}" "$N"

stop_all
newkey "$W/k3"
"$COFFER" --data-dir "$D" root-key rotate --new-key "$W/k3" --json >"$W/out" 2>"$W/err"
line=$(grep '"Step":"rotated"' "$W/out")
f() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$line"; }
printf 'rotate.offline  %8.0f items/s  (%s data keys, %s rows, %s audit rows, %s secrets, %s key values in %s s)\n' \
    "$(f ItemsPerSecond)" "$(f DataKeys)" "$(f Rows)" "$(f AuditRows)" \
    "$(f Secrets)" "$(f KeyValues)" "$(f Seconds)"
