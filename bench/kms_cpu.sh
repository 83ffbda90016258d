#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# kms_cpu.sh: server CPU time per KMS request (issue 17), the figure that
# stays meaningful on a busy machine where req/s drifts. For each round it
# drives the fixed-response baseline (shared/limits/mhd_server.c) and
# cofferd with the same client (bench/kms_load.c) and divides the
# server's utime+stime (/proc/PID/stat) by the requests answered.
#
#   bench/kms_cpu.sh [BUILD_DIR]          3 rounds of 5 s per figure
#   ACTIONS="Decrypt DescribeKey" ROUNDS=1 DUR=3 bench/kms_cpu.sh
#   PERF=1 ...   perf record -g of cofferd during the first Decrypt run
#                (report next to the results)
#   COFFERD_ARGS="--max-kms-request-head 32768" ...   extra daemon options
#
# Prints one line per run and a summary with medians: us/request of
# each action, the baseline's, their ratio, and req/s ratios; the load
# average is printed with it because the figures move with it.
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
LIMITS=${COFFER_LIMITS:-$ROOT/../shared/limits}
DUR=${DUR:-5} ROUNDS=${ROUNDS:-3}
ACTIONS=${ACTIONS:-Decrypt}
CONNS=64 THREADS=2
PERF=${PERF:-0}

if [ -z "${COFFERD:-}" ]; then
	build_targets "$ROOT" "$BUILD" cofferd
	COFFERD=$BUILD/cofferd
fi
mkdir -p "$BUILD/bench"
gcc -O2 -Wall -o "$BUILD/bench/kms_load" "$BENCH/kms_load.c" -lcrypto -lpthread
cp "$LIMITS/mhd_server.c" "$LIMITS/bench_common.h" "$BUILD/bench/"
gcc -O2 -o "$BUILD/bench/mhd_server" "$BUILD/bench/mhd_server.c" \
    $(pkg-config --cflags --libs libmicrohttpd) -lpthread
LOAD=$BUILD/bench/kms_load
TICK=$(getconf CLK_TCK)

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$BENCH/results/kmscpu-$STAMP
RUN=$(mktemp -d -t kms-cpu.XXXXXX)
mkdir -p "$OUT"
cleanup() { stop_all; rm -rf "$RUN"; }
trap cleanup EXIT

MPORT=$(free_port 39400)
"$BUILD/bench/mhd_server" "$MPORT" pool 2 0 late >"$RUN/mhd.log" 2>&1 &
MPID=$!
BENCH_PIDS+=("$MPID")
wait_http "http://127.0.0.1:$MPORT/409"

# shellcheck disable=SC2086
cofferd_start "$COFFERD" "$RUN/data" "$RUN/cofferd.log" ${COFFERD_ARGS:-}
KPORT=
for _ in $(seq 100); do
	KPORT=$(sed -n 's/.*listening oss=[0-9.]*:[0-9]* kms=[0-9.]*:\([0-9]*\) .*/\1/p' \
	    "$RUN/cofferd.log" "$RUN/cofferd.log.stderr" 2>/dev/null | tail -n 1) || true
	[ -n "$KPORT" ] && break
	sleep 0.1
done
[ -n "$KPORT" ] || { blog "no kms= in cofferd's listening line"; exit 1; }

json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }
KEY=$("$LOAD" "$KPORT" once CreateKey "$BENCH_AK" "$BENCH_SK" \
    Description=bench | json_field KeyId)
BLOB=$("$LOAD" "$KPORT" once Encrypt "$BENCH_AK" "$BENCH_SK" KeyId="$KEY" \
    Plaintext=aGVsbG8gd29ybGQ= | json_field CiphertextBlob)
[ -n "$KEY" ] && [ -n "$BLOB" ] || { blog "setup failed"; exit 1; }

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

declare -A US RPS
measure() {	# id pid command...
	local id=$1 pid=$2 t0 t1 out req rps us
	shift 2
	t0=$(cpu_ticks "$pid")
	out=$("$@")
	t1=$(cpu_ticks "$pid")
	req=$(sed -n 's/.* requests=\([0-9]*\) .*/\1/p' <<<"$out")
	rps=$(sed -n 's/^rps=\([0-9]*\) .*/\1/p' <<<"$out")
	grep -q ' errors=0 ' <<<"$out" || blog "$id: errors ($out)"
	us=$(awk -v a="$t0" -v b="$t1" -v n="$req" -v hz="$TICK" \
	    'BEGIN { printf "%.1f", (b - a) * 1e6 / hz / n }')
	US[$id]="${US[$id]:-} $us"
	RPS[$id]="${RPS[$id]:-} $rps"
	printf '%s\t%s us/req\t%s req/s\tload %s\n' "$id" "$us" "$rps" \
	    "$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/runs.tsv"
}
args_of() {
	case $1 in
	Decrypt) echo "CiphertextBlob=$BLOB" ;;
	Encrypt) echo "KeyId=$KEY Plaintext=aGVsbG8gd29ybGQ=" ;;
	*) echo "KeyId=$KEY" ;;
	esac
}
for r in $(seq "$ROUNDS"); do
	measure base "$MPID" "$LOAD" "$MPORT" base "$DUR" "$CONNS" "$THREADS"
	for a in $ACTIONS; do
		if [ "$PERF" = 1 ] && [ "$r" = 1 ]; then
			perf record -g -o "$OUT/perf-$a.data" -p "$CPID" \
			    -- sleep "$DUR" >/dev/null 2>&1 &
			PP=$!
		fi
		# shellcheck disable=SC2046
		measure "$a" "$CPID" "$LOAD" "$KPORT" "$a" "$DUR" "$CONNS" \
		    "$THREADS" "$BENCH_AK" "$BENCH_SK" $(args_of "$a")
		if [ "$PERF" = 1 ] && [ "$r" = 1 ]; then
			wait "$PP" || true
			perf report -i "$OUT/perf-$a.data" --no-children \
			    --percent-limit 0.7 --stdio -g none \
			    >"$OUT/perf-$a.txt" 2>/dev/null || true
		fi
	done
done

median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '
	{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
BUS=$(median "${US[base]}") BRPS=$(median "${RPS[base]}")
{
	printf 'id\tus_per_req\tcpu_ratio\treq_s\trps_ratio\n'
	printf 'base\t%s\t1\t%s\t1\n' "$BUS" "$BRPS"
	for a in $ACTIONS; do
		u=$(median "${US[$a]}") p=$(median "${RPS[$a]}")
		printf '%s\t%s\t%s\t%s\t%s\n' "$a" "$u" \
		    "$(awk -v a="$u" -v b="$BUS" 'BEGIN { printf "%.2f", a / b }')" "$p" \
		    "$(awk -v a="$p" -v b="$BRPS" 'BEGIN { printf "%.2f", a / b }')"
	done
} | tee "$OUT/results.tsv"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs; results in $OUT"
