#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench.sh: `make bench`. Runs the scenarios (run.sh, kms_bench.sh,
# growth_bench.sh), each of which appends its goal rows (lib.sh
# bench_row), and prints them as one table: what, cofferd's figure, the
# floor measured in the same run on the same machine, their ratio, the
# goal and met/missed. Nothing here fails on a miss; it fails only when a
# scenario could not run.
#
#   bench/bench.sh [BUILD_DIR]        about 10 minutes on 2 CPUs
#   BIG=1 bench/bench.sh              growth to 1 M objects / 100 k keys
#                                     (default 5 k / 50 k objects and
#                                     500 / 5 k keys)
#   QUICK=1 bench/bench.sh            tiny sizes, about a minute: checks
#                                     the machinery, its figures mean little
#   GROWTH_OBJECTS="10000 50000" GROWTH_KEYS="1000 5000"  other growth steps
#   BENCH_RESULTS=DIR                 where results go (default bench/results)
#
# Each run writes RESULTS/<UTC stamp>[-quick].json (small; commit it to
# keep the history) and its raw files in RESULTS/<stamp>/ (not
# committed), then redraws RESULTS/ratios[-quick].png from every stored
# run of the same kind (bench/chart.sh).
set -euo pipefail
export LC_ALL=C

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH/lib.sh"

BUILD=${1:-build}
QUICK=${QUICK:-0}
BIG=${BIG:-0}
RESULTS=${BENCH_RESULTS:-$BENCH/results}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
KIND=
[ "$QUICK" = 1 ] && KIND=-quick
OUT=$RESULTS/$STAMP$KIND
ROWS=$OUT/rows.tsv
mkdir -p "$OUT"
: >"$ROWS"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
T0=$(date +%s)

export QUICK BENCH_ROWS=$ROWS BENCH_CONNS=64 BENCH_SMALL_SHM=0
if [ "$QUICK" = 1 ]; then
	export BENCH_SIZES=1MiB BENCH_ROUNDS=1 BENCH_WARM_GIB=0 BENCH_WRK_DUR=1
	export KMS_DUR=1 KMS_ROUNDS=1
	export GROWTH_OBJECTS=${GROWTH_OBJECTS:-100 200}
	export GROWTH_KEYS=${GROWTH_KEYS:-10 20} GROWTH_SAMPLES=30
else
	export BENCH_SIZES=64MiB BENCH_WARM_GIB=1
	# Ten-fold growth in each; the fill is most of the run's time.
	if [ "$BIG" = 1 ]; then
		export GROWTH_BIG=1
	else
		export GROWTH_OBJECTS=${GROWTH_OBJECTS:-5000 50000}
		export GROWTH_KEYS=${GROWTH_KEYS:-500 5000}
	fi
fi

FAILED=()
for s in run kms growth; do
	script=$BENCH/run.sh
	[ "$s" = run ] || script=$BENCH/${s}_bench.sh
	blog "scenario $s ($(basename "$script"))"
	if ! BENCH_OUT=$OUT/$s "$script" "$BUILD" >"$OUT/$s.log" 2>&1; then
		blog "scenario $s failed; its log: $OUT/$s.log"
		tail -n 20 "$OUT/$s.log" >&2
		FAILED+=("$s")
	fi
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(($(date +%s) - T0))

# The run as JSON: its context, then the rows as numbers (null when a
# figure is missing).
JSON=$RESULTS/$STAMP$KIND.json
awk -F'\t' -v stamp="$STAMP$KIND" -v quick="$QUICK" -v big="$BIG" \
    -v commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" \
    -v cpus="$(nproc)" -v l0="$LOAD0" -v l1="$LOAD1" -v el="$ELAPSED" \
    -v failed="${FAILED[*]+${FAILED[*]}}" '
function str(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
function num(s) { return (s == "-" || s == "") ? "null" : s + 0 }
BEGIN {
	printf "{\"stamp\":%s,\"quick\":%s,\"big\":%s,\"commit\":%s,", str(stamp),
	    quick == 1 ? "true" : "false", big == 1 ? "true" : "false", str(commit)
	printf "\"cpus\":%d,\"loadavg_start\":%s,\"loadavg_end\":%s,", cpus,
	    str(l0), str(l1)
	n = split(failed, f, " ")
	printf "\"elapsed_s\":%d,\"failed\":[", el
	for (i = 1; i <= n; i++) printf "%s%s", (i > 1) ? "," : "", str(f[i])
	printf "],\n\"rows\":["
}
{
	printf "%s\n{\"id\":%s,\"what\":%s,\"unit\":%s,\"value\":%s,\"floor\":%s,",
	    (NR > 1) ? "," : "", str($1), str($2), str($3), num($4), num($5)
	printf "\"floor_what\":%s,\"ratio\":%s,\"goal_on\":%s,\"op\":%s,",
	    str($6), num($7), str($8), str($9)
	printf "\"goal\":%s,\"verdict\":%s}", num($10), str($11)
}
END { printf "]}\n" }' "$ROWS" >"$JSON"

# The table. Ratio is cofferd / floor; the goal applies to the ratio
# unless it names a unit (then to cofferd's figure).
table() {
	awk -F'\t' '
	function f(x) {
		if (x == "-") return x
		return (x + 0 >= 100) ? sprintf("%.0f", x) : sprintf("%.3g", x)
	}
	BEGIN {
		printf "%-42s %11s %11s  %-38s %7s %-12s %s\n", "what", "cofferd",
		    "floor", "floor is", "ratio", "goal", "verdict"
	}
	{
		g = $9 " " $10 (($8 == "value") ? " " $3 : "x")
		printf "%-42s %11s %11s  %-38s %7s %-12s %s\n", $2 " (" $3 ")",
		    f($4), f($5), substr($6, 1, 38), $7, g, $11
	}' "$ROWS"
}
table | tee "$OUT/table.txt"
echo "load average $LOAD0 at the start, $LOAD1 at the end; $(nproc) CPUs;" \
    "${ELAPSED}s" | tee -a "$OUT/table.txt"

"$BENCH/chart.sh" "$RESULTS" "$KIND"
blog "results: $JSON; chart: $RESULTS/ratios$KIND.png"
if [ ${#FAILED[@]} -gt 0 ]; then
	blog "scenarios that did not run: ${FAILED[*]}"
	exit 1
fi
