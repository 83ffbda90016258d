#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tls_bench.sh: what TLS costs on the OSS listener, measured and printed,
# never asserted (README "TLS"). Two cofferd processes of the same build
# run side by side, one plain HTTP, one HTTPS with a throwaway P-256
# certificate; each figure of the HTTPS one is reported as a ratio to the
# plain one measured in the same run, alternating round by round (HTTP
# figures drift +-10-25 % from minute to minute on this VM).
#
#   bench/tls_bench.sh [BUILD_DIR]      about 1 minute
#   QUICK=1 bench/tls_bench.sh [BUILD]  about 20 s
#
# Figures:
#   get4k.http / get4k.https   wrk -t2 -c16, anonymous GETs of 4 KiB
#                              objects over keep-alive connections (req/s)
#   get4k.http.close / .https.close  the same with Connection: close, a
#                              full handshake per request (req/s)
#   handshake.tls13 / .tls12   curl, one connection at a time: ms from TCP
#                              connected to TLS established
#
# Output: bench/results/tls-<UTC stamp>[-quick]/{results.tsv,raw/}.
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
QUICK=${QUICK:-0}
ROUNDS=3 WRK_DUR=5 HS_N=40
[ "$QUICK" = 1 ] && ROUNDS=1 WRK_DUR=3 HS_N=10
COFFERD=${COFFERD:-$BUILD/cofferd}
[ -x "$COFFERD" ] || { blog "no cofferd at $COFFERD (build first)"; exit 1; }

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$BENCH/results/tls-$STAMP$([ "$QUICK" = 1 ] && echo -quick || true)
RAW=$OUT/raw
mkdir -p "$RAW"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/coffer-tlsbench-XXXXXX")
trap 'stop_all; rm -rf "$WORK"' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 1 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout "$WORK/tls.key" -out "$WORK/tls.pem" 2>/dev/null

cofferd_start "$COFFERD" "$WORK/plain" "$WORK/plain.log" --log-level notice
PLAIN=$CPORT
cofferd_start "$COFFERD" "$WORK/tls" "$WORK/tls.log" --log-level notice \
    --tls-cert "$WORK/tls.pem" --tls-key "$WORK/tls.key"
TLSP=$CPORT

NKEYS=64
head -c 4096 /dev/urandom >"$WORK/obj"
for p in "$PLAIN" "$TLSP"; do
	if [ "$p" = "$TLSP" ]; then
		base=https://127.0.0.1 curlt="--cacert $WORK/tls.pem"
	else
		base=http://127.0.0.1 curlt=
	fi
	BENCH_URL_BASE=$base BENCH_CURL_TLS=$curlt make_bucket "$p"
	for i in $(seq "$NKEYS"); do
		# shellcheck disable=SC2086
		curl -sS $curlt -o /dev/null -T "$WORK/obj" -H 'Content-Type:' \
		    "$base:$p/$BENCH_BUCKET/g$i"
	done
done

# wrk_get ID URL [WRK_ARGS...]: one wrk run, its req/s appended.
wrk_get() {
	local id=$1 url=$2 f=$RAW/$1.$r.txt
	shift 2
	wrk -t2 -c16 -d"${WRK_DUR}s" "$@" -s "$BENCH/get4k.lua" "$url" -- \
	    "/$BENCH_BUCKET/g" "$NKEYS" >"$f" 2>&1
	if grep -qE 'Non-2xx|Socket errors' "$f"; then
		blog "WARNING $id: $(grep -E 'Non-2xx|Socket errors' "$f" | xargs)"
	fi
	awk '/^Requests\/sec:/ { print $2 }' "$f" >>"$RAW/$id.samples"
}
# handshake ID CURL_ARGS...: HS_N fresh connections by curl, each one's
# TLS handshake in ms (time_appconnect - time_connect: the handshake
# alone, as the client waits for it).
handshake() {
	local id=$1 f=$RAW/$1.$r.txt
	shift
	: >"$f"
	for _ in $(seq "$HS_N"); do
		curl -s -o /dev/null --cacert "$WORK/tls.pem" "$@" \
		    -w '%{time_connect} %{time_appconnect}\n' \
		    "https://127.0.0.1:$TLSP/" >>"$f"
	done
	awk '{ printf "%.3f\n", ($2 - $1) * 1000 }' "$f" >>"$RAW/$id.samples"
}

blog "4 KiB GETs, wrk ${WRK_DUR}s x $ROUNDS rounds; $HS_N handshakes a round"
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then
		wrk_get get4k.http "http://127.0.0.1:$PLAIN"
		wrk_get get4k.https "https://127.0.0.1:$TLSP"
	else
		wrk_get get4k.https "https://127.0.0.1:$TLSP"
		wrk_get get4k.http "http://127.0.0.1:$PLAIN"
	fi
	if [ $((r % 2)) = 1 ]; then
		wrk_get get4k.http.close "http://127.0.0.1:$PLAIN" -H 'Connection: close'
		wrk_get get4k.https.close "https://127.0.0.1:$TLSP" -H 'Connection: close'
	else
		wrk_get get4k.https.close "https://127.0.0.1:$TLSP" -H 'Connection: close'
		wrk_get get4k.http.close "http://127.0.0.1:$PLAIN" -H 'Connection: close'
	fi
	handshake handshake.tls13 --tlsv1.3
	handshake handshake.tls12 --tlsv1.2 --tls-max 1.2
done

median() { sort -g "$1" | awk '{ v[NR] = $1 } END {
    if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2];
    else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
{
	printf 'id\tunit\tmedian\tn\tratio\tnote\n'
	for id in get4k.http get4k.https get4k.http.close get4k.https.close \
	    handshake.tls13 handshake.tls12; do
		med=$(median "$RAW/$id.samples")
		n=$(wc -l <"$RAW/$id.samples")
		case $id in
		get4k.https) unit=req/s base=$(median "$RAW/get4k.http.samples")
			note="HTTPS / HTTP, keep-alive" ;;
		get4k.https.close) unit=req/s
			base=$(median "$RAW/get4k.http.close.samples")
			note="HTTPS / HTTP, a new connection per request" ;;
		get4k.*) unit=req/s base=$med note=baseline ;;
		*) unit=ms base=0 note="one client, handshake alone" ;;
		esac
		ratio=$(awk -v a="$med" -v b="$base" \
		    'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$unit" "$med" "$n" \
		    "$ratio" "$note"
	done
} >"$OUT/results.tsv"
column -t -s $'\t' "$OUT/results.tsv"
blog "results in $OUT"
