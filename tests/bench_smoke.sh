#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench_smoke.sh: `make bench` in its QUICK form produces what it promises:
# a well-formed JSON run with every goal row, the table, and the chart.
# Only the shape is checked; the figures are never judged (a test cannot
# assert timings, and nothing in make bench fails on a miss).
set -euo pipefail
: "${COFFERD:?}" "${SRC:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/bench-smoke.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

QUICK=1 BENCH_RESULTS=$T/results "$SRC/bench/bench.sh" \
    "$(dirname "$COFFERD")" >"$T/out.txt" 2>"$T/err.txt" ||
    { cat "$T/out.txt" "$T/err.txt" >&2; fail "bench.sh exited $?"; }

shopt -s nullglob
runs=("$T"/results/*-quick.json)
[ ${#runs[@]} = 1 ] || fail "want one run file, got ${#runs[@]}"
J=${runs[0]}
jq -e . "$J" >/dev/null || fail "$J is not JSON"
jq -e '.failed == [] and (.loadavg_start | type) == "string"
    and (.cpus | type) == "number"' "$J" >/dev/null ||
    fail "run context: $(jq -c 'del(.rows)' "$J")"
want="get.1MiB get4k.presigned.c64 growth.decrypt_p99 growth.describe_p99
growth.list_p99 growth.listkeys_p99 growth.stat_p50 kms.decrypt.cpu
kms.decrypt.rps put.1MiB put4k.c64"
got=$(jq -r '.rows[].id' "$J" | sort | xargs)
[ "$got" = "$(echo $want)" ] || fail "rows: $got"
# Every row has its figure, a floor (bar the absolute goal's), a ratio,
# and a verdict consistent with them.
bad=$(jq -c '.rows[] | select(
    (.value | type) != "number" or (.floor | type) != "number"
    or (.ratio | type) != "number" or (.goal | type) != "number"
    or (.op | IN(">=", "<=") | not) or (.goal_on | IN("ratio", "value") | not)
    or ((if .goal_on == "ratio" then .ratio else .value end) as $x
        | (if .op == ">=" then $x >= .goal else $x <= .goal end)
        | if . then "met" else "missed" end) != .verdict)' "$J")
[ -z "$bad" ] || fail "rows: $bad"

# The table: a header, then one line per row with its verdict.
[ "$(head -n 1 "$T/out.txt" | awk '{ print $1, $NF }')" = "what verdict" ] ||
    fail "table header: $(head -n 1 "$T/out.txt")"
for id in $want; do
	what=$(jq -r --arg id "$id" '.rows[] | select(.id == $id)
	    | .what + " (" + .unit + ")"' "$J")
	v=$(jq -r --arg id "$id" '.rows[] | select(.id == $id) | .verdict' "$J")
	grep -F -- "$what" "$T/out.txt" | grep -q " $v\$" ||
	    fail "no table line for $what ending in $v"
done

P=$T/results/ratios-quick.png
[ -s "$P" ] || fail "no chart"
[ "$(head -c 8 "$P" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
    fail "$P is not a PNG"
echo "bench smoke: $(jq '.rows | length' "$J") rows, table and chart"
