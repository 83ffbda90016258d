#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# chart.sh RESULTS_DIR [-quick]: draws RESULTS_DIR/ratios[-quick].png,
# every goal of `make bench` over time from the stored runs of that kind
# (<stamp>.json, or <stamp>-quick.json), with gnuplot.
#
# Goals point different ways (a throughput ratio >= 1.3, a CPU ratio
# <= 1.5, a rate >= 5000/s), so each point is drawn as its distance from
# the goal: ratio / goal for ">=", goal / ratio for "<=" (the figure
# itself for a goal on a figure). 1 is the goal; above it is met.
set -euo pipefail
export LC_ALL=C
RESULTS=$1
KIND=${2:-}
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT

shopt -s nullglob
files=()
for f in "$RESULTS"/*.json; do
	case ${f##*/} in
	*-quick.json) [ "$KIND" = -quick ] && files+=("$f") ;;
	*) [ -z "$KIND" ] && files+=("$f") ;;
	esac
done
[ ${#files[@]} -gt 0 ] || { echo "chart.sh: no runs in $RESULTS" >&2; exit 1; }

# One "epoch attainment" file per goal id, in time order.
jq -r '(.stamp | sub("-quick$"; "") | strptime("%Y%m%dT%H%M%SZ") | mktime) as $t
    | .rows[] | select(.goal != null and .goal > 0)
    | (if .goal_on == "value" then .value else .ratio end) as $x
    | select($x != null and $x > 0)
    | [.id, $t, (if .op == "<=" then .goal / $x else $x / .goal end)]
    | @tsv' "${files[@]}" | sort -t$'\t' -k1,1 -k2,2n |
    awk -F'\t' -v d="$DATA" '{ print $2, $3 > (d "/" $1 ".dat") }'

plots=
for f in "$DATA"/*.dat; do
	id=$(basename "$f" .dat)
	plots="$plots${plots:+, }'$f' using 1:2 with linespoints title '$id'"
done
[ -n "$plots" ] || { echo "chart.sh: no goal has a figure" >&2; exit 1; }
gnuplot <<EOF2
set terminal pngcairo size 1200,700 noenhanced
set output '$RESULTS/ratios$KIND.png'
set title 'make bench: distance from each goal (1 = goal, above = met)'
set xdata time
set timefmt '%s'
set format x "%Y-%m-%d\n%H:%M"
set xtics rotate by -30
set logscale y 2
set ylabel 'ratio / goal'
set key outside right
set grid
plot $plots, 1 with lines dashtype 2 lw 2 lc rgb 'black' title 'goal'
EOF2
