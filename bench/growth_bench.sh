#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# growth_bench.sh: do request costs stay flat as a bucket and a key store
# grow (issue 17)? One cofferd is filled in steps through its own APIs
# (objects by anonymous 16-byte PUTs over 100 keep-alive connections, keys
# by signed CreateKey calls), and after each step it prints:
#   fill rate of the step's PUTs (objects/s) and CreateKey calls (keys/s)
#   ListObjectsV2 first page (max-keys 100): p50/p99, one connection
#   GetBucketStat: p50/max of a few calls, one connection
#   ListKeys page 1 and the last page (PageSize 100), DescribeKey,
#   Decrypt: p50/p99, one connection
# Figures are printed, never judged: on a shared machine compare two
# binaries in the same conditions (COFFERD=...), not with another day.
#
#   bench/growth_bench.sh [BUILD_DIR]         10k/100k objects, 1k/10k keys
#   GROWTH_BIG=1 bench/growth_bench.sh        adds 1M objects / 100k keys
#   GROWTH_OBJECTS="10000 50000" GROWTH_KEYS="1000 5000" ...   other steps
#   GROWTH_SAMPLES=N   requests per latency figure (default 300)
#   PERF=1 ...   perf record -g of cofferd during each step's object fill
#                and during its measurements (needs perf; a summary of
#                each goes next to the results)
#
# BENCH_OUT=DIR writes the results there; BENCH_ROWS=FILE appends the goal
# rows of `make bench` (lib.sh): each figure at the last step against the
# same figure at the first, goal <= 2x (flat).
#
# Output: a table on stdout and bench/results/growth-<UTC stamp>/.
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
if [ "${GROWTH_BIG:-0}" = 1 ]; then
	OBJS=${GROWTH_OBJECTS:-10000 100000 1000000}
	KEYS=${GROWTH_KEYS:-1000 10000 100000}
else
	OBJS=${GROWTH_OBJECTS:-10000 100000}
	KEYS=${GROWTH_KEYS:-1000 10000}
fi
PERF=${PERF:-0}
# Requests per latency figure (DescribeKey and Decrypt: 10/3 as many).
SAMPLES=${GROWTH_SAMPLES:-300}
for c in wrk curl openssl gcc; do
	command -v "$c" >/dev/null || { echo "needs $c" >&2; exit 1; }
done
bench_kms_tools "$ROOT" "$BUILD"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${BENCH_OUT:-$BENCH/results/growth-$STAMP}
RUN=$(mktemp -d -t growth-bench.XXXXXX)
mkdir -p "$OUT"
cleanup() { stop_all; rm -rf "$RUN"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# The key quota (200 per account, as KMS) would stop the fill.
cofferd_start "$COFFERD" "$RUN/data" "$RUN/cofferd.log" \
    --max-kms-keys 1000000 --max-kms-key-versions 10000000
KPORT=
for _ in $(seq 100); do
	KPORT=$(sed -n 's/.*listening oss=[0-9.]*:[0-9]* kms=[0-9.]*:\([0-9]*\) .*/\1/p' \
	    "$RUN/cofferd.log" "$RUN/cofferd.log.stderr" 2>/dev/null | tail -n 1) || true
	[ -n "$KPORT" ] && break
	sleep 0.1
done
[ -n "$KPORT" ] || { blog "no kms= in cofferd's listening line"; exit 1; }
make_bucket "$CPORT"
OSS=http://127.0.0.1:$CPORT

json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }
KEY=$("$LOAD" "$KPORT" once CreateKey "$BENCH_AK" "$BENCH_SK" \
    Description=growth | json_field KeyId)
BLOB=$("$LOAD" "$KPORT" once Encrypt "$BENCH_AK" "$BENCH_SK" KeyId="$KEY" \
    Plaintext=aGVsbG8gd29ybGQ= | json_field CiphertextBlob)
[ -n "$KEY" ] && [ -n "$BLOB" ] || { blog "KMS set-up failed"; exit 1; }

# pct P < one figure per line -> the P-th percentile (nearest rank)
pct() {
	sort -g | awk -v p="$1" '{ v[NR] = $1 } END {
		i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1
		printf "%.2f", v[i] }'
}

# curl_times N URL [curl args...]: N requests on one connection, one
# total time in ms per line.
curl_times() {
	local n=$1 url=$2 args=()
	shift 2
	for _ in $(seq "$n"); do args+=(-o /dev/null "$url"); done
	curl -sSf "$@" -w '%{time_total}\n' "${args[@]}" |
	    awk '{ printf "%.3f\n", $1 * 1000 }'
}

# signed_stat N: GetBucketStat, V1-signed by openssl (oss-api.md §5.1).
signed_stat() {
	local date sig
	date=$(LC_ALL=C TZ=GMT date '+%a, %d %b %Y %H:%M:%S GMT')
	sig=$(printf 'GET\n\n\n%s\n/%s/?stat' "$date" "$BENCH_BUCKET" |
	    openssl dgst -sha1 -hmac "$BENCH_SK" -binary | base64)
	curl_times "$1" "$OSS/$BENCH_BUCKET/?stat" -H "Date: $date" \
	    -H "Authorization: OSS $BENCH_AK:$sig"
}

# perf_start NAME / perf_stop: perf record -g of cofferd in between; the
# top symbols go to NAME.perf.txt.
PERF_PID= PERF_NAME=
perf_start() {
	[ "$PERF" = 1 ] || return 0
	PERF_NAME=$1
	perf record -F 499 -g -o "$OUT/$1.perf.data" -p "$CPID" >/dev/null 2>&1 &
	PERF_PID=$!
	sleep 1
}
perf_stop() {
	[ -n "$PERF_PID" ] || return 0
	kill -INT "$PERF_PID"
	wait "$PERF_PID" || true
	PERF_PID=
	perf report -i "$OUT/$PERF_NAME.perf.data" --no-children -g none \
	    --sort dso,sym 2>/dev/null | grep -v '^#' | sed '/^$/d' |
	    head -n 30 >"$OUT/$PERF_NAME.perf.txt" || true
}

have_objs=0 have_keys=1 step=0
read -r -a OBJ_STEPS <<<"$OBJS"
read -r -a KEY_STEPS <<<"$KEYS"
nsteps=${#OBJ_STEPS[@]}
[ ${#KEY_STEPS[@]} -gt "$nsteps" ] && nsteps=${#KEY_STEPS[@]}
printf 'objects\tkeys\tfill_put_per_s\tlist_p50_ms\tlist_p99_ms\tstat_p50_ms\tstat_max_ms\tkeyfill_per_s\tlistkeys1_p99_ms\tlistkeys_last_p99_ms\tdescribe_p99_ms\tdecrypt_p99_ms\n' \
    >"$OUT/results.tsv"
while [ "$step" -lt "$nsteps" ]; do
	want_objs=${OBJ_STEPS[$step]:-$have_objs}
	want_keys=${KEY_STEPS[$step]:-$have_keys}
	step=$((step + 1))
	fill=- kfill=-
	perf_start "step$step.fill"
	if [ "$want_objs" -gt "$have_objs" ]; then
		n=$((want_objs - have_objs))
		blog "filling $n objects"
		rm -f "$RUN/fill.done".*
		wrk -t2 -c100 -d3600s -s "$BENCH/put16.lua" "$OSS" -- \
		    "/$BENCH_BUCKET/" "s$step" $(((n + 1) / 2)) "$RUN/fill.done" \
		    >"$RUN/fill.out" &
		WRK=$!
		until [ -e "$RUN/fill.done.1" ] && [ -e "$RUN/fill.done.2" ]; do
			kill -0 "$WRK" 2>/dev/null || break
			sleep 0.2
		done
		kill -INT "$WRK" 2>/dev/null || true
		wait "$WRK" || true
		fill=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$RUN/fill.out")
		have_objs=$want_objs
	fi
	if [ "$want_keys" -gt "$have_keys" ]; then
		blog "creating $((want_keys - have_keys)) keys"
		"$LOAD" "$KPORT" count $((want_keys - have_keys)) CreateKey 16 2 \
		    "$BENCH_AK" "$BENCH_SK" Description=growth >"$RUN/keys.log"
		grep -q ' errors=0 ' "$RUN/keys.log" ||
		    { blog "CreateKey failed: $(cat "$RUN/keys.log")"; exit 1; }
		kfill=$(sed -n 's/^rps=\([0-9]*\) .*/\1/p' "$RUN/keys.log")
		have_keys=$want_keys
	fi
	perf_stop
	sync
	perf_start "step$step.measure"
	blog "measuring at $have_objs objects, $have_keys keys"
	curl_times "$SAMPLES" "$OSS/$BENCH_BUCKET/?list-type=2&max-keys=100" \
	    >"$RUN/list.ms"
	signed_stat 10 >"$RUN/stat.ms"
	last=$(((have_keys + 99) / 100))
	lk1=$("$LOAD" "$KPORT" lat "$SAMPLES" ListKeys "$BENCH_AK" "$BENCH_SK" \
	    PageSize=100 PageNumber=1)
	lkn=$("$LOAD" "$KPORT" lat "$SAMPLES" ListKeys "$BENCH_AK" "$BENCH_SK" \
	    PageSize=100 PageNumber="$last")
	desc=$("$LOAD" "$KPORT" lat $((SAMPLES * 10 / 3)) DescribeKey "$BENCH_AK" "$BENCH_SK" \
	    KeyId="$KEY")
	dec=$("$LOAD" "$KPORT" lat $((SAMPLES * 10 / 3)) Decrypt "$BENCH_AK" "$BENCH_SK" \
	    CiphertextBlob="$BLOB")
	perf_stop
	p99() { sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$1"; }
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$have_objs" \
	    "$have_keys" "$fill" "$(pct 50 <"$RUN/list.ms")" \
	    "$(pct 99 <"$RUN/list.ms")" "$(pct 50 <"$RUN/stat.ms")" \
	    "$(pct 100 <"$RUN/stat.ms")" "$kfill" "$(p99 "$lk1")" "$(p99 "$lkn")" \
	    "$(p99 "$desc")" "$(p99 "$dec")" >>"$OUT/results.tsv"
	for o in "$lk1" "$lkn" "$desc" "$dec"; do
		grep -q " errors=0$" <<<"$o" || blog "KMS errors: $o"
	done
done
# growth_row ID WHAT COLUMN...: the largest of the named COLUMNs (the
# header's names, so a column added later moves nothing) at the last step
# against the same at the first.
growth_row() {
	local id=$1 what=$2 first last
	shift 2
	# shellcheck disable=SC2016
	local pick='NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; n = split(c, a, " ")
		for (i = 1; i <= n; i++) if (!(a[i] in col)) { print "no column " a[i] > "/dev/stderr"; exit 1 }
		next }
		{ m = 0; for (i = 1; i <= n; i++) if ($col[a[i]] + 0 > m) m = $col[a[i]] + 0 }'
	first=$(awk -F'\t' -v c="$*" "$pick"' NR == 2 { print m }' "$OUT/results.tsv")
	last=$(awk -F'\t' -v c="$*" "$pick"' { v = m } END { print v }' "$OUT/results.tsv")
	bench_row "growth.$id" "$what" ms "$last" "$first" \
	    "the same at $(awk -F'\t' 'NR == 2 { print $1 " objects, " $2 " keys" }' \
	    "$OUT/results.tsv")" ratio '<=' 2
}
read -r LAST_OBJS LAST_KEYS _ < <(tail -n 1 "$OUT/results.tsv")
growth_row list_p99 "ListObjectsV2 page 1 p99, $LAST_OBJS objects" list_p99_ms
growth_row stat_p50 "GetBucketStat p50, $LAST_OBJS objects" stat_p50_ms
growth_row listkeys_p99 "ListKeys any page p99, $LAST_KEYS keys" \
    listkeys1_p99_ms listkeys_last_p99_ms
growth_row describe_p99 "DescribeKey p99, $LAST_KEYS keys" describe_p99_ms
growth_row decrypt_p99 "Decrypt p99, $LAST_KEYS keys" decrypt_p99_ms
column -t "$OUT/results.tsv" | tee "$OUT/results.txt"
echo "cofferd: $COFFERD; $(nproc) CPUs, $(uname -r); $(date -u)" >>"$OUT/results.txt"
blog "results in $OUT"
