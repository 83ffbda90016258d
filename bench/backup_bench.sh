#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# backup_bench.sh: `coffer backup`, `restore` and `verify` on a data dir of
# a few hundred MB, measured on this machine.
#
#   bench/backup_bench.sh [BUILD_DIR]      (default build; MB=300 by default)
#   MB=600 OBJ_KIB=4096 bench/backup_bench.sh build
#
# Fills a fresh data dir through a running cofferd with MB MiB of objects
# of OBJ_KIB KiB (default 1024) plus 200 small (inline) ones, then, with
# the daemon still serving:
#   backup.link   backup into a dir on the same file system (hard links;
#                 the time is the snapshot, the links and the SHA-256 of
#                 every file for the manifest)
#   backup.copy   backup into /dev/shm when that is another file system
#                 (copies)
#   restore       restore of the first backup into a new data dir (checks
#                 every checksum, then copies)
#   verify        verify of the live data dir (decrypts every chunk)
# MB/s = 10^6 bytes of files (blobs and meta.db) per second of wall time;
# objects/s = object rows checked per second.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
MB=${MB:-300}
OBJ_KIB=${OBJ_KIB:-1024}
. "$ROOT/bench/lib.sh"

if [ ! -x "$BUILD/cofferd" ] || [ ! -x "$BUILD/coffer" ]; then
	build_targets "$ROOT" "$BUILD" cofferd coffer
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/coffer-backup-bench-XXXXXX")
SHM=
cleanup() {
	stop_all
	rm -rf "$W" ${SHM:+"$SHM"}
}
trap cleanup EXIT
COFFER=$BUILD/coffer
D=$W/data

cofferd_start "$BUILD/cofferd" "$D" "$W/d.log"
make_bucket "$CPORT"
mkfile "$W/obj" $((OBJ_KIB * 1024))
head -c 3000 /dev/urandom >"$W/small"
n=$((MB * 1024 / OBJ_KIB))
blog "filling: $n objects of $OBJ_KIB KiB and 200 small ones"
for i in $(seq 1 "$n"); do
	curl -sf -X PUT -H 'Content-Type:' -H 'Expect:' --data-binary "@$W/obj" \
	    "http://127.0.0.1:$CPORT/$BENCH_BUCKET/o$i" -o /dev/null
done
for i in $(seq 1 200); do
	curl -sf -X PUT -H 'Content-Type:' --data-binary "@$W/small" \
	    "http://127.0.0.1:$CPORT/$BENCH_BUCKET/s$i" -o /dev/null
done
sync

# seconds_of CMD...: runs it (stdout kept in $W/out), prints wall seconds.
seconds_of() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >"$W/out" 2>"$W/err"
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}
field() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$W/out"; }
rate() { echo "scale=1; $1 / 1000000 / $2" | bc -l; }

s=$(seconds_of "$COFFER" --data-dir "$D" backup "$W/bk1" --json)
bytes=$(field Bytes)
printf 'backup.link   %8.1f MB/s  (%s bytes, %.2f s, %s blobs linked)\n' \
    "$(rate "$bytes" "$s")" "$bytes" "$s" "$(field BlobsLinked)"

if [ "$(stat -c %d /dev/shm 2>/dev/null)" != "$(stat -c %d "$W")" ] &&
    [ "$(df -k --output=avail /dev/shm | tail -n 1)" -gt $((MB * 1024 * 3)) ]; then
	SHM=$(mktemp -d /dev/shm/coffer-bk-XXXXXX)
	s=$(seconds_of "$COFFER" --data-dir "$D" backup "$SHM/bk" --json)
	bytes=$(field Bytes)
	printf 'backup.copy   %8.1f MB/s  (%s bytes, %.2f s, to /dev/shm)\n' \
	    "$(rate "$bytes" "$s")" "$bytes" "$s"
	rm -rf "$SHM"
fi

s=$(seconds_of "$COFFER" --root-key "$D/root.key" restore "$W/bk1" \
    --data-dir "$W/restored" --json)
bytes=$(field Bytes)
printf 'restore       %8.1f MB/s  (%s bytes, %.2f s, checksums checked first)\n' \
    "$(rate "$bytes" "$s")" "$bytes" "$s"

s=$(seconds_of "$COFFER" --data-dir "$D" verify --json)
objs=$(field Objects)
bytes=$(field Bytes)
printf 'verify        %8.1f objects/s  (%s objects, %.1f MB decrypted, %.2f s, live data dir)\n' \
    "$(echo "scale=1; $objs / $s" | bc -l)" "$objs" \
    "$(echo "scale=1; $bytes / 1000000" | bc -l)" "$s"
grep -q '"Ok":true' "$W/out" || { blog "verify found problems:"; cat "$W/out" "$W/err" >&2; exit 1; }
