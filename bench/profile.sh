#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# profile.sh: where cofferd's time goes on the PUT and GET paths, as
# input for the figures of bench/run.sh (about 1-2 minutes).
#
#   bench/profile.sh [BUILD_DIR]     (COFFERD=/path/cofferd to measure
#                                     a binary built elsewhere)
#
# Starts one cofferd on the normal disk and one on /dev/shm, then:
#   put64.shm  / get64.shm   perf record -g: 64 MiB PUTs / GETs (CPU only)
#   put64.disk / get64.disk  perf trace -s: syscall time (fsync, unlink,
#                            pread, ...) for the same transfers on disk
#   put4k.disk / get4k.disk  perf record -g and perf trace -s under
#                            wrk -t2 -c16 (4 KiB, unique keys for PUT)
# and writes bench/results/<stamp>-profile/summary.txt: CPU share per
# library (libcrypto = MD5, libsodium = XChaCha20-Poly1305 + getrandom,
# libisal = CRC-64, kernel), the top kernel symbols, and syscall counts
# and time per request. The distribution's libraries carry no symbols,
# so shares are per library. Without a working perf it falls back to
# valgrind --tool=callgrind on a few 1 MiB transfers.
set -euo pipefail
export LC_ALL=C

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH/lib.sh"

BUILD=${1:-build}
case $BUILD in
/*) ;;
*) BUILD=$ROOT/$BUILD ;;
esac
if [ -z "${COFFERD:-}" ]; then
	build_targets "$ROOT" "$BUILD" cofferd
	COFFERD=$BUILD/cofferd
fi
for c in wrk curl openssl; do
	command -v "$c" >/dev/null || { echo "needs $c (bench/run.sh installs it)" >&2; exit 1; }
done
HAVE_PERF=0
if command -v perf >/dev/null && perf record -o /dev/null -g true >/dev/null 2>&1; then
	HAVE_PERF=1
elif [ "$(id -u)" = 0 ] && ! command -v perf >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf \
	    >/dev/null 2>&1 || true
	perf record -o /dev/null -g true >/dev/null 2>&1 && HAVE_PERF=1
fi

OUT=$BENCH/results/$(date -u +%Y%m%dT%H%M%SZ)-profile
mkdir -p "$OUT"
RUN=$(mktemp -d /tmp/coffer-prof.XXXXXX)
SHM=$(mktemp -d /dev/shm/coffer-prof.XXXXXX)
cleanup() {
	stop_all
	rm -rf "$RUN" "$SHM"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkfile "$RUN/64MiB.bin" 67108864
mkfile "$RUN/1MiB.bin" 1048576
head -c 4096 "$RUN/1MiB.bin" >"$RUN/4KiB.bin"
SUM=$OUT/summary.txt
{
	echo "cofferd: $COFFERD"
	echo "kernel: $(uname -r); disk: $(findmnt -no SOURCE,FSTYPE,OPTIONS -T "$RUN" | head -n 1)"
} >"$SUM"

# ---------------------------------------------------- valgrind fallback
if [ "$HAVE_PERF" = 0 ]; then
	blog "perf unavailable: callgrind on 4 x 1 MiB PUT + GET (slow)"
	command -v valgrind >/dev/null || apt-get install -y -qq valgrind >/dev/null
	# shellcheck disable=SC2034 # read by cofferd_start (lib.sh)
	BENCH_WRAP="valgrind --tool=callgrind --callgrind-out-file=$OUT/callgrind.out"
	cofferd_start "$COFFERD" "$SHM/data" "$OUT/cofferd.log"
	unset BENCH_WRAP
	make_bucket "$CPORT"
	for i in 1 2 3 4; do
		curl -sS -T "$RUN/1MiB.bin" -o /dev/null "http://127.0.0.1:$CPORT/$BENCH_BUCKET/o$i"
		curl -sS -o /dev/null "http://127.0.0.1:$CPORT/$BENCH_BUCKET/o$i"
	done
	stop_all
	callgrind_annotate "$OUT/callgrind.out" 2>/dev/null | head -60 >>"$SUM"
	cat "$SUM"
	exit 0
fi

cofferd_start "$COFFERD" "$RUN/data" "$OUT/cofferd.disk.log"
DISK_PID=$CPID DISK_PORT=$CPORT
make_bucket "$DISK_PORT"
cofferd_start "$COFFERD" "$SHM/data" "$OUT/cofferd.shm.log"
SHM_PID=$CPID SHM_PORT=$CPORT
make_bucket "$SHM_PORT"
curl -sS -T "$RUN/4KiB.bin" -o /dev/null \
    "http://127.0.0.1:$DISK_PORT/$BENCH_BUCKET/g[1-256]"

# load NAME PORT: the client side of one scenario (runs under perf).
load() {
	local url=http://127.0.0.1:$2/$BENCH_BUCKET i
	case $1 in
	put64.*) for i in 1 2 3 4 5 6 7 8; do
			curl -sS -T "$RUN/64MiB.bin" -o /dev/null "$url/big"
		done ;;
	get64.*) for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
			curl -sS -o /dev/null "$url/big"
		done ;;
	put4k.*) wrk -t2 -c16 -d5s -s "$BENCH/put4k.lua" "http://127.0.0.1:$2" \
		    -- "/$BENCH_BUCKET/" "prof$RANDOM-" ;;
	get4k.*) wrk -t2 -c16 -d5s -s "$BENCH/get4k.lua" "http://127.0.0.1:$2" \
		    -- "/$BENCH_BUCKET/g" 256 ;;
	esac
}

# requests NAME LOADLOG: how many requests the load made
requests() {
	case $1 in
	put64.*) echo 8 ;;
	get64.*) echo 12 ;;
	*) awk '/requests in/ { print $1 }' "$2" ;;
	esac
}

# record NAME PID PORT: perf record -g of the daemon while load runs
record() {
	local name=$1 pid=$2 port=$3 c0 c1 n
	blog "perf record: $name"
	c0=$(proc_cpu_ns "$pid")
	perf record -F 999 -g -o "$OUT/$name.perf.data" -p "$pid" -- \
	    bash -c "$(declare -f load); RUN=$RUN BENCH=$BENCH BENCH_BUCKET=$BENCH_BUCKET load $name $port" \
	    >"$OUT/$name.load.txt" 2>"$OUT/$name.perf.log"
	c1=$(proc_cpu_ns "$pid")
	n=$(requests "$name" "$OUT/$name.load.txt")
	{
		echo
		echo "=== $name: perf record -g ($n requests; cofferd CPU" \
		    "$(awk -v c=$((c1 - c0)) -v n="$n" 'BEGIN { printf "%.0f us/request", c / 1000 / n }'))"
		grep -E 'Requests/sec' "$OUT/$name.load.txt" || true
		echo "--- CPU share per library"
		perf report -i "$OUT/$name.perf.data" --no-children --sort dso \
		    --stdio -g none 2>/dev/null | grep '%' | head -10 || true
		echo "--- top kernel symbols"
		perf report -i "$OUT/$name.perf.data" --no-children --sort sym \
		    --stdio -g none --dsos '[kernel.kallsyms]' 2>/dev/null |
		    grep '%' | head -12 || true
		echo "--- top cofferd / libc / sqlite / mhd symbols"
		perf report -i "$OUT/$name.perf.data" --no-children --sort dso,sym \
		    --stdio -g none 2>/dev/null | grep '%' |
		    grep -E 'cofferd|libc\.so|libsqlite|libmicrohttpd' | head -8 || true
	} >>"$SUM"
}

# trace NAME PID PORT: perf trace -s (syscall counts and time)
trace() {
	local name=$1 pid=$2 port=$3 n
	blog "perf trace: $name"
	perf trace -s -p "$pid" -o "$OUT/$name.trace.txt" -- \
	    bash -c "$(declare -f load); RUN=$RUN BENCH=$BENCH BENCH_BUCKET=$BENCH_BUCKET load $name $port" \
	    >"$OUT/$name.tload.txt" 2>&1
	n=$(requests "$name" "$OUT/$name.tload.txt")
	{
		echo
		echo "=== $name: perf trace -s, all threads ($n requests; times" \
		    "include blocking, perf trace slows the daemon)"
		printf '%-18s %10s %9s %12s %11s\n' syscall calls per_req total_ms ms_per_req
		awk -v n="$n" '/events/ { next }
		    NF >= 8 && $2 ~ /^[0-9]+$/ && $1 != "syscall" &&
		    $1 != "epoll_wait" && $1 != "rt_sigtimedwait" {
			c[$1] += $2; t[$1] += $4 }
		    END { for (k in c) printf "%-18s %10d %9.2f %12.1f %11.3f\n",
			k, c[k], c[k] / n, t[k], t[k] / n }' \
		    "$OUT/$name.trace.txt" | sort -k4 -gr | head -14 || true
	} >>"$SUM"
}

record put64.shm "$SHM_PID" "$SHM_PORT"
record get64.shm "$SHM_PID" "$SHM_PORT"
trace put64.disk "$DISK_PID" "$DISK_PORT"
trace get64.disk "$DISK_PID" "$DISK_PORT"
record put4k.disk "$DISK_PID" "$DISK_PORT"
trace put4k.disk "$DISK_PID" "$DISK_PORT"
record get4k.disk "$DISK_PID" "$DISK_PORT"
record put4k.shm "$SHM_PID" "$SHM_PORT"
trace put4k.shm "$SHM_PID" "$SHM_PORT"
stop_all
cat "$SUM"
blog "profile: $SUM"
