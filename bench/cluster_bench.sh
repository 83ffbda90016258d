#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# cluster_bench.sh: what several nodes cost and buy (issue 19), in one
# run on one machine, each figure beside a floor measured in the same run
# (shared/spec/perf-limits.md: never compare with a figure from another
# run). Nothing here fails on a figure.
#
#   bench/cluster_bench.sh [BUILD_DIR]        about 4 minutes
#   QUICK=1 bench/cluster_bench.sh [BUILD]    about 1.5 minutes
#
# Set-ups, each on a fresh data dir (the normal disk) and, for the last
# two, a fresh database of one throw-away PostgreSQL server
# (tests/cluster/pg.bash, fsync on):
#   lite1   one node, metadata in SQLite (the default)
#   pg1     one node, metadata on PostgreSQL
#   pg2     two nodes on one database and one data dir, each with its own
#           state dir, behind HAProxy (round robin per request, health
#           checks on /-/health; the configuration README "Running
#           several nodes" shows)
# Figures per set-up S:
#   S.kms.decrypt.rps   bench/kms_load.c, signed v1 Decrypt, 64 keep-alive
#                       connections on 2 threads
#   S.put4k.rps         wrk -t2 -c16, anonymous 4 KiB PUTs to unique keys
#                       (each a durable commit)
#   S.get4k.rps         wrk -t2 -c16, GETs of 256 4 KiB objects
#   S.put64m.MBps       curl -T of 64 MiB, S.get64m.MBps its GET
# Floor: http.base.rps, shared/limits/mhd_server.c (a fixed answer, MHD
# epoll pool of 2) driven by kms_load; request rates are reported as a
# ratio to it, and pg1 to lite1 and pg2 to pg1 beside.
# Failover (pg2): Decrypt through HAProxy for FAIL_DUR seconds; at a third
# of it one node is killed with SIGKILL. failover.errors is how many
# requests failed, failover.gap_s the seconds from the first failure to
# the last, failover.rps the rate over the whole run.
#
# On a 2-core machine the two nodes, HAProxy, PostgreSQL and the clients
# share the same cores: pg2 shows what a second process costs here, not
# what a second machine buys.
#
# Environment: COFFERD=/path/cofferd, COFFER_LIMITS=DIR (default
# bench/limits), BENCH_OUT=DIR, BENCH_ROWS=FILE (lib.sh bench_row).
# Needs PostgreSQL 15 server binaries, haproxy, wrk and curl (the
# project's GNUmakefile installs them).
# Output: bench/results/cluster-<UTC stamp>[-quick]/{results.tsv,results.md}.
set -euo pipefail
export LC_ALL=C

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH/lib.sh"
# shellcheck source=tests/cluster/pg.bash
. "$ROOT/tests/cluster/pg.bash"

BUILD=${1:-build}
case $BUILD in
/*) ;;
*) BUILD=$ROOT/$BUILD ;;
esac
LIMITS=${COFFER_LIMITS:-$BENCH/limits}
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then DUR=3 ROUNDS=1 BIG_ROUNDS=1 FAIL_DUR=6
else DUR=8 ROUNDS=2 BIG_ROUNDS=3 FAIL_DUR=12; fi
SETUPS="lite1 pg1 pg2"

for tool in haproxy wrk curl; do
	command -v "$tool" >/dev/null || { blog "$tool missing"; exit 1; }
done
bench_kms_tools "$ROOT" "$BUILD"
# shellcheck disable=SC2046
bench_cc "$BUILD/bench/mhd_server" "$LIMITS/mhd_server.c" \
    $(pkg-config --cflags --libs libmicrohttpd)

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${BENCH_OUT:-$BENCH/results/cluster-$STAMP$([ "$QUICK" = 1 ] && echo -quick || true)}
RUN=$(mktemp -d "${TMPDIR:-/tmp}/cluster-bench.XXXXXX")
chmod 711 "$RUN"	# the database server runs as another user under root
mkdir -p "$OUT"
cleanup() { stop_all; pg_stop "$RUN/pg" || true; rm -rf "$RUN"; }
trap cleanup EXIT

pg_start "$RUN/pg"
PGURL=$(<"$RUN/pg/url")
PGADMIN="postgresql://coffer_admin:$(<"$RUN/pg/pw")@127.0.0.1:$(<"$RUN/pg/port")/postgres"
psql -X -q "$PGADMIN" -c 'ALTER ROLE coffer CREATEDB' >/dev/null
new_database() {	# name -> its URL
	psql -X -q "$PGURL" -c "CREATE DATABASE $1" >/dev/null
	echo "${PGURL%/coffer}/$1"
}

MPORT=$(free_port 39400)
"$BUILD/bench/mhd_server" "$MPORT" pool 2 0 late >"$RUN/mhd.log" 2>&1 &
MPID=$!
BENCH_PIDS+=("$MPID")
wait_http "http://127.0.0.1:$MPORT/409"

# node NAME DATA_DIR ARGS...: a cofferd; sets OSS_PORT[NAME],
# KMS_PORT[NAME], RTMP_PORT[NAME] and PID[NAME].
declare -A OSS_PORT KMS_PORT RTMP_PORT PID
node() {
	local name=$1 dir=$2 log=$RUN/$1.log k= r=
	shift 2
	cofferd_start "$COFFERD" "$dir" "$log" "$@"
	for _ in $(seq 100); do
		read -r k r < <(sed -n 's/.*listening oss=[0-9.]*:[0-9]* kms=[0-9.]*:\([0-9]*\) rtmp=[0-9.]*:\([0-9]*\).*/\1 \2/p' \
		    "$log" "$log.stderr" 2>/dev/null | tail -n 1) || true
		[ -n "$k" ] && break
		sleep 0.1
	done
	OSS_PORT[$name]=$CPORT KMS_PORT[$name]=$k RTMP_PORT[$name]=$r
	PID[$name]=$CPID
}

# balancer NAME N1 N2: HAProxy over two nodes; sets the NAME ports.
balancer() {
	local name=$1 a=$2 b=$3 op kp rp
	op=$(free_port 39500)
	kp=$(free_port $((op + 1)))
	rp=$(free_port $((kp + 1)))
	sed -e "s/@OSS_PORT@/$op/; s/@KMS_PORT@/$kp/; s/@RTMP_PORT@/$rp/" \
	    -e "s/@RTMP_1@/127.0.0.1:${RTMP_PORT[$a]}/; s/@RTMP_2@/127.0.0.1:${RTMP_PORT[$b]}/" \
	    -e "s/@OSS_1@/127.0.0.1:${OSS_PORT[$a]}/; s/@OSS_2@/127.0.0.1:${OSS_PORT[$b]}/" \
	    -e "s/@KMS_1@/127.0.0.1:${KMS_PORT[$a]}/; s/@KMS_2@/127.0.0.1:${KMS_PORT[$b]}/" \
	    "$BENCH/haproxy.cfg.in" >"$RUN/haproxy.cfg"
	haproxy -f "$RUN/haproxy.cfg" -db >"$RUN/haproxy.log" 2>&1 &
	BENCH_PIDS+=("$!")
	PID[$name]=$!
	OSS_PORT[$name]=$op KMS_PORT[$name]=$kp
	wait_http "http://127.0.0.1:$op/-/health"
}

node lite1 "$RUN/lite1"
node pg1 "$RUN/pg1" --database "$(new_database pg1)"
db2=$(new_database pg2)
node pg2a "$RUN/pg2" --database "$db2" --state-dir "$RUN/pg2a.state"
node pg2b "$RUN/pg2" --database "$db2" --state-dir "$RUN/pg2b.state" \
    --root-key "$RUN/pg2/root.key"
balancer pg2 pg2a pg2b

json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }
declare -A BLOB SAMPLES
mkfile "$RUN/64MiB.bin" $((64 * 1024 * 1024))
for s in $SETUPS; do
	make_bucket "${OSS_PORT[$s]}"
	key=$("$LOAD" "${KMS_PORT[$s]}" once CreateKey "$BENCH_AK" "$BENCH_SK" |
	    json_field KeyId)
	BLOB[$s]=$("$LOAD" "${KMS_PORT[$s]}" once Encrypt "$BENCH_AK" "$BENCH_SK" \
	    KeyId="$key" Plaintext=aGVsbG8gd29ybGQ= | json_field CiphertextBlob)
	[ -n "${BLOB[$s]}" ] || { blog "$s: set-up failed"; exit 1; }
	head -c 4096 "$RUN/64MiB.bin" >"$RUN/4KiB.bin"
	for i in $(seq 256); do
		curl -sf -o /dev/null -T "$RUN/4KiB.bin" \
		    "http://127.0.0.1:${OSS_PORT[$s]}/$BENCH_BUCKET/g$i"
	done
done
blog "set-ups: $SETUPS; $ROUNDS round(s) of ${DUR}s"

sample() { SAMPLES[$1]="${SAMPLES[$1]:-} $2"; blog "$1: $2"; }
kms_rps() {	# port blob
	"$LOAD" "$1" Decrypt "$DUR" 64 2 "$BENCH_AK" "$BENCH_SK" \
	    CiphertextBlob="$2" | sed -n 's/^rps=\([0-9]*\) .*/\1/p'
}
wrk_rps() {	# port script args...
	local port=$1 script=$2
	shift 2
	wrk -t2 -c16 -d"${DUR}s" -s "$BENCH/$script" "http://127.0.0.1:$port" \
	    -- "$@" 2>&1 | awk '/^Requests\/sec:/ { print $2 }'
}
curl_mbps() {	# method port key
	local t
	if [ "$1" = PUT ]; then
		t=$(curl -sf -o /dev/null -w '%{time_total}' -T "$RUN/64MiB.bin" \
		    "http://127.0.0.1:$2/$BENCH_BUCKET/$3")
	else
		t=$(curl -sf -o /dev/null -w '%{time_total}' \
		    "http://127.0.0.1:$2/$BENCH_BUCKET/$3")
	fi
	awk -v t="$t" 'BEGIN { printf "%.1f", 64 * 1048576 / t / 1e6 }'
}
for r in $(seq "$ROUNDS"); do
	sample http.base.rps "$("$LOAD" "$MPORT" base "$DUR" 64 2 |
	    sed -n 's/^rps=\([0-9]*\) .*/\1/p')"
	for s in $SETUPS; do
		sample "$s.kms.decrypt.rps" "$(kms_rps "${KMS_PORT[$s]}" "${BLOB[$s]}")"
		sample "$s.put4k.rps" "$(wrk_rps "${OSS_PORT[$s]}" put4k.lua \
		    "/$BENCH_BUCKET/" "r$r")"
		sample "$s.get4k.rps" "$(wrk_rps "${OSS_PORT[$s]}" get4k.lua \
		    "/$BENCH_BUCKET/g" 256)"
	done
done
for r in $(seq "$BIG_ROUNDS"); do
	for s in $SETUPS; do
		sample "$s.put64m.MBps" "$(curl_mbps PUT "${OSS_PORT[$s]}" "big$r")"
		sample "$s.get64m.MBps" "$(curl_mbps GET "${OSS_PORT[$s]}" "big$r")"
	done
done

blog "failover: Decrypt through HAProxy for ${FAIL_DUR}s, node pg2b killed at a third"
"$LOAD" "${KMS_PORT[pg2]}" Decrypt "$FAIL_DUR" 64 2 "$BENCH_AK" "$BENCH_SK" \
    CiphertextBlob="${BLOB[pg2]}" >"$RUN/failover.txt" &
lpid=$!
sleep "$(awk -v d="$FAIL_DUR" 'BEGIN { print d / 3 }')"
kill -KILL "${PID[pg2b]}"
wait "$lpid"
f=$(<"$RUN/failover.txt")
blog "failover: $f"
val() { sed -n "s/.*$1=\\([0-9.]*\\).*/\\1/p" <<<"$f"; }
FAIL_ERRORS=$(val errors)
FAIL_GAP=$(awk -v a="$(val err_first_s)" -v b="$(val err_last_s)" \
    'BEGIN { printf "%.3f", (a > 0) ? b - a : 0 }')
FAIL_RPS=$(sed -n 's/^rps=\([0-9]*\) .*/\1/p' <<<"$f")

med() { bench_stats "${SAMPLES[$1]}" | cut -d' ' -f1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }'; }
BASE=$(med http.base.rps)
{
	printf 'id\tunit\tmedian\tmin\tmax\tn\tvs_base\tvs_previous\n'
	printf 'http.base.rps\treq/s\t%s\t-\t1.000\t-\n' "$(bench_stats "${SAMPLES[http.base.rps]}" | tr ' ' '\t')"
	for f in kms.decrypt.rps put4k.rps get4k.rps put64m.MBps get64m.MBps; do
		prev=
		for s in $SETUPS; do
			read -r m lo hi n <<<"$(bench_stats "${SAMPLES[$s.$f]}")"
			vb=-
			case $f in *.rps) vb=$(ratio "$m" "$BASE") ;; esac
			vp=-
			[ -z "$prev" ] || vp=$(ratio "$m" "$prev")
			unit=req/s
			case $f in *.MBps) unit=MB/s ;; esac
			printf '%s.%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$f" "$unit" \
			    "$m" "$lo" "$hi" "$n" "$vb" "$vp"
			prev=$m
		done
	done
	printf 'failover.rps\treq/s\t%s\t-\t-\t1\t%s\t-\n' "$FAIL_RPS" "$(ratio "$FAIL_RPS" "$BASE")"
	printf 'failover.errors\trequests\t%s\t-\t-\t1\t-\t-\n' "$FAIL_ERRORS"
	printf 'failover.gap_s\ts\t%s\t-\t-\t1\t-\t-\n' "$FAIL_GAP"
} >"$OUT/results.tsv"
bench_row cluster.pg2.decrypt "KMS Decrypt req/s, two nodes behind HAProxy" req/s \
    "$(med pg2.kms.decrypt.rps)" "$(med pg1.kms.decrypt.rps)" \
    "one node on PostgreSQL, same run" ratio '>=' 1
{
	echo "# Several nodes, $STAMP$([ "$QUICK" = 1 ] && echo ' (quick)' || true)"
	echo
	echo "lite1: one node on SQLite; pg1: one node on PostgreSQL 15; pg2: two"
	echo "nodes on one database and one data dir behind HAProxy, all on this"
	echo "machine ($(nproc) CPUs). vs_base: ratio to http.base.rps (a fixed-answer MHD"
	echo "server, same client); vs_previous: to the set-up one line up."
	echo
	echo '| id | unit | median | min | max | n | vs_base | vs_previous |'
	echo '|---|---|---:|---:|---:|---:|---:|---:|'
	tail -n +2 "$OUT/results.tsv" | awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
	echo
	echo "Machine: $(nproc) CPUs, $(uname -r); $(date -u)."
} >"$OUT/results.md"
cat "$OUT/results.md"
blog "results in $OUT"
