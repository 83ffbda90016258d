#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# run.sh: cofferd's encrypted PUT/GET throughput and small-object rate,
# each reported as a ratio to baselines measured in the same run on the
# same machine (shared/spec/perf-limits.md: never compare with a figure
# from another run). The goals (issue 5, "Performance") are printed as
# PASS/MISS for information; nothing here fails on a miss.
#
#   bench/run.sh [BUILD_DIR]        full run, about 5 minutes
#   QUICK=1 bench/run.sh [BUILD]    smoke run, about 1 minute
#
# BUILD_DIR (default build) is configured RelWithDebInfo if it has no
# CMakeCache.txt yet (extra flags from $CMAKE_ARGS); cofferd and
# floor_bench are built there, and copies of shared/limits/mhd_server.c
# and sqlite_bench.c are compiled into BUILD_DIR/bench/. Environment:
#   COFFERD=/path/cofferd   measure this binary instead of building one
#   COFFERD_ARGS="..."      extra cofferd flags (e.g. --log-level notice)
#   COFFER_LIMITS=DIR       shared/limits (default ../shared/limits)
#
# Figures (MB/s = 10^6 bytes of object data per second; curl's own
# time_total per transfer, so curl's start-up is not counted):
#   floor.put.S / floor.get.S   XChaCha20-Poly1305 in 64 KiB chunks + MD5
#                               + CRC-64 (ISA-L) of the same bytes, one
#                               thread, in memory / open-only (floor_bench)
#   http.discard_put.S          curl -T into an MHD server that discards
#   http.sendfile_get.S         curl -o /dev/null from nginx (sendfile)
#   coffer.put.S.FS / .get.S.FS the same curl commands against cofferd,
#                               data dir on the normal disk (FS=disk) and on
#                               /dev/shm (FS=shm); anonymous requests to a
#                               public-read-write bucket (no signing)
#   coffer.cpu.*                cofferd's CPU time per byte (or request)
#   ctx.*                       context: write+fsync of the same bytes with
#                               dd, SQLite synchronous=FULL commit rate
#   small.put4k / small.get4k   wrk -t2 -c16|-c64, 4 KiB bodies, unique
#                               keys, full durability (disk data dir)
#   http.nginx_get4k.c64        the same 4 KiB GETs from nginx (files)
#   goal17.*                    issue 17: 64 MiB PUT / floor >= 1.3, GET /
#                               floor >= 1.2, 4 KiB GET c64 / nginx >= 0.5
# for S in 1MiB, 64MiB, 1GiB. Baselines and cofferd alternate transfer by
# transfer (A B C, then C B A, ...) because HTTP figures drift +-10-25 %
# from minute to minute on this VM.
#
# Output: bench/results/<UTC stamp>[-quick]/{results.tsv,results.md,
# info.txt,raw/}. TSV columns: id unit median min max n goal verdict note.
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
QUICK=${QUICK:-0}

if [ "$QUICK" = 1 ]; then
	FLOOR_N=2 FLOOR_SEC=0.05 FLOOR_N_1G=1
	ROUNDS_1MiB=5 ROUNDS_64MiB=3 ROUNDS_1GiB=1
	WRK_DUR=3 WRK_ROUNDS=1 SMALL_SHM=0
	SQL_N=2 SQL_SEC=0.2 WARM_GIB=3
else
	FLOOR_N=5 FLOOR_SEC=0.2 FLOOR_N_1G=3
	ROUNDS_1MiB=21 ROUNDS_64MiB=9 ROUNDS_1GiB=5
	WRK_DUR=10 WRK_ROUNDS=3 SMALL_SHM=1
	SQL_N=5 SQL_SEC=0.5 WARM_GIB=6
fi
SIZES="1MiB 64MiB 1GiB"
declare -A BYTES=([1MiB]=1048576 [64MiB]=67108864 [1GiB]=1073741824)
declare -A ROUNDS=([1MiB]=$ROUNDS_1MiB [64MiB]=$ROUNDS_64MiB
    [1GiB]=$ROUNDS_1GiB)
PUT_GOAL=0.8 GET_GOAL=0.8 SMALL_GOAL=5000

# ------------------------------------------------------------------ deps
need=()
for c in gcc cmake pkg-config curl wrk nginx openssl ss; do
	command -v "$c" >/dev/null 2>&1 || need+=("$c")
done
for m in libmicrohttpd sqlite3 libsodium libcrypto; do
	pkg-config --exists "$m" 2>/dev/null || need+=("$m")
done
if [ ${#need[@]} -gt 0 ]; then
	blog "missing: ${need[*]}; installing with apt-get"
	if [ "$(id -u)" != 0 ]; then
		echo "run as root or install: gcc cmake pkg-config curl wrk" \
		    "nginx openssl iproute2 libmicrohttpd-dev libsqlite3-dev" \
		    "libsodium-dev libssl-dev" >&2
		exit 1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends gcc cmake pkg-config curl wrk nginx \
	    openssl iproute2 libmicrohttpd-dev libsqlite3-dev libsodium-dev \
	    libssl-dev >/dev/null
fi
for f in mhd_server.c sqlite_bench.c bench_common.h; do
	if [ ! -f "$LIMITS/$f" ]; then
		echo "no $LIMITS/$f (set COFFER_LIMITS to shared/limits)" >&2
		exit 1
	fi
done

# ----------------------------------------------------------------- setup
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
[ "$QUICK" = 1 ] && STAMP="$STAMP-quick"
OUT=$BENCH/results/$STAMP
RAW=$OUT/raw
TSV=$OUT/results.tsv
mkdir -p "$RAW"
RUN=$(mktemp -d /tmp/coffer-bench.XXXXXX)
SHM=$(mktemp -d /dev/shm/coffer-bench.XXXXXX)
chmod 755 "$RUN"	# nginx workers (www-data) read $RUN/files
mkdir -p "$RUN/files" "$RUN/nginx"

cleanup() {
	stop_all
	rm -rf "$RUN" "$SHM"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

T0=$(date +%s)
blog "results -> $OUT"

# ----------------------------------------------------------------- build
COFFERD_EXTERNAL=${COFFERD:+yes}
if [ -n "${COFFERD:-}" ]; then
	# A cofferd built elsewhere (e.g. from a clean export of a commit
	# while the work tree is mid-edit); only the baselines build here.
	blog "building floor_bench in $BUILD; cofferd: $COFFERD"
	build_targets "$ROOT" "$BUILD" floor_bench
else
	blog "building cofferd and floor_bench in $BUILD"
	build_targets "$ROOT" "$BUILD" cofferd floor_bench
	COFFERD=$BUILD/cofferd
fi
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt")
case $BUILD_TYPE in
Release | RelWithDebInfo) ;;
*) blog "WARNING: $BUILD is a '$BUILD_TYPE' build; figures are not" \
	"representative" ;;
esac
mkdir -p "$BUILD/bench"
cp "$LIMITS/mhd_server.c" "$LIMITS/sqlite_bench.c" "$LIMITS/bench_common.h" \
    "$BUILD/bench/"
CFL="-O2 -march=native -w"
# shellcheck disable=SC2046,SC2086
gcc $CFL -pthread -o "$BUILD/bench/mhd_server" "$BUILD/bench/mhd_server.c" \
    $(pkg-config --cflags --libs libmicrohttpd)
# shellcheck disable=SC2046,SC2086
gcc $CFL -o "$BUILD/bench/sqlite_bench" "$BUILD/bench/sqlite_bench.c" \
    $(pkg-config --cflags --libs sqlite3)
FLOOR=$BUILD/bench/floor_bench

{
	echo "timestamp_utc: $STAMP"
	echo "quick: $QUICK"
	echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), $(nproc) CPUs"
	echo "kernel: $(uname -r)"
	echo "build: $BUILD ($BUILD_TYPE); cofferd: $COFFERD"
	echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" \
	    "($(GIT_OPTIONAL_LOCKS=0 git -C "$ROOT" status --porcelain \
	    --untracked-files=no 2>/dev/null | wc -l) modified tracked files)" \
	    "${COFFERD_EXTERNAL:+of the work tree; cofferd was built elsewhere}"
	echo "libsodium: $(pkg-config --modversion libsodium)," \
	    "openssl: $(pkg-config --modversion libcrypto)," \
	    "libmicrohttpd: $(pkg-config --modversion libmicrohttpd)," \
	    "sqlite: $(pkg-config --modversion sqlite3)"
	echo "nginx: $(nginx -v 2>&1 | sed 's/.*nginx\///')," \
	    "wrk: $(dpkg-query -W -f='${Version}' wrk 2>/dev/null || echo '?')," \
	    "curl: $(curl --version | awk 'NR==1{print $2}')"
	echo "disk data dir: $RUN ($(findmnt -no SOURCE,FSTYPE -T "$RUN" | head -n 1 | xargs))"
	echo "shm data dir: $SHM ($(findmnt -no SOURCE,FSTYPE -T "$SHM" | head -n 1 | xargs))"
	echo "rounds: 1MiB=$ROUNDS_1MiB 64MiB=$ROUNDS_64MiB 1GiB=$ROUNDS_1GiB;" \
	    "wrk ${WRK_DUR}s x $WRK_ROUNDS; floor samples $FLOOR_N x ${FLOOR_SEC}s"
	echo "loadavg_start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/info.txt"

printf 'id\tunit\tmedian\tmin\tmax\tn\tgoal\tverdict\tnote\n' >"$TSV"

# median min max n of the numbers on stdin
stats() {
	sort -g | awk '{ a[NR] = $1 } END {
		if (NR == 0) { print "nan\tnan\tnan\t0"; exit }
		m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		printf "%.6g\t%.6g\t%.6g\t%d\n", m, a[1], a[NR], NR }'
}

# emit ID UNIT NOTE [FILE]: a row from the numbers in FILE (a missing
# file is no numbers: every transfer failed) or on stdin
emit() {
	local st
	if [ $# -gt 3 ]; then
		[ -f "$4" ] || : >"$4"
		st=$(stats <"$4")
	else
		st=$(stats)
	fi
	printf '%s\t%s\t%s\t-\t-\t%s\n' "$1" "$2" "$st" "$3" >>"$TSV"
}

# ------------------------------------------------------- 1. crypto floor
blog "crypto floor (floor_bench)"
for s in $SIZES; do
	n=$FLOOR_N
	[ "$s" = 1GiB ] && n=$FLOOR_N_1G
	parts=
	[ "$s" = 1MiB ] && parts=parts
	"$FLOOR" "$n" "$FLOOR_SEC" "${BYTES[$s]}" "$s" $parts \
	    >"$RAW/floor.$s.tsv"
	awk -F'\t' -v OFS='\t' -v cmd="floor_bench $n $FLOOR_SEC ${BYTES[$s]} $s $parts" \
	    '/^#/ { next } { print $1, $2, $3, $4, $5, $6, "-", "-", cmd }' \
	    "$RAW/floor.$s.tsv" >>"$TSV"
done

blog "SQLite WAL synchronous=FULL commit rate on the disk (context)"
mkdir -p "$RUN/sqlite"
"$BUILD/bench/sqlite_bench" "$RUN/sqlite" update FULL "$SQL_N" "$SQL_SEC" |
    awk -F'\t' -v OFS='\t' -v cmd="sqlite_bench DISK update FULL $SQL_N $SQL_SEC" \
    '/^#/ { next } { print "ctx.sqlite_full_commit.disk", $2, $3, $4, $5,
	$6, "-", "-", cmd }' >>"$TSV"

# ---------------------------------------------------------------- 2. http
# Freshly faulted-in guest RAM costs ~2-3 ns/B the first time on this
# Firecracker VM (as much as the crypto); touch it once so the first
# rounds do not pay for it.
blog "pre-faulting ${WARM_GIB} GiB of RAM"
dd if=/dev/zero of="$SHM/warm" bs=1M count=$((WARM_GIB * 1024)) \
    status=none
rm -f "$SHM/warm"

blog "making input files"
for s in $SIZES; do
	mkfile "$RUN/files/$s.bin" "${BYTES[$s]}"
done
chmod 644 "$RUN"/files/*.bin

MPORT=$(free_port 39280)
"$BUILD/bench/mhd_server" "$MPORT" pool 2 0 late >"$RAW/mhd_server.log" 2>&1 &
BENCH_PIDS+=($!)
wait_http "http://127.0.0.1:$MPORT/x"
NPORT=$(free_port $((MPORT + 1)))
cat >"$RUN/nginx/nginx.conf" <<EOF
# Same settings as shared/limits/nginx.conf.in (sendfile on, tcp_nopush
# on, 2 workers, no access log), serving the input files from $RUN/files.
daemon off;
master_process on;
worker_processes 2;
user www-data;
pid $RUN/nginx/nginx.pid;
error_log $RUN/nginx/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	default_type application/octet-stream;
	client_body_temp_path $RUN/nginx/client_body;
	proxy_temp_path $RUN/nginx/proxy;
	fastcgi_temp_path $RUN/nginx/fastcgi;
	uwsgi_temp_path $RUN/nginx/uwsgi;
	scgi_temp_path $RUN/nginx/scgi;
	server {
		listen 127.0.0.1:$NPORT;
		location /f/ { alias $RUN/files/; }
	}
}
EOF
nginx -p "$RUN/nginx" -c "$RUN/nginx/nginx.conf" -e "$RUN/nginx/error.log" &
BENCH_PIDS+=($!)
wait_http "http://127.0.0.1:$NPORT/f/1MiB.bin"

declare -A DPID DPORT
for fs in disk shm; do
	dir=$RUN/coffer-data
	[ "$fs" = shm ] && dir=$SHM/coffer-data
	# shellcheck disable=SC2086
	cofferd_start "$COFFERD" "$dir" "$RAW/cofferd.$fs.log" \
	    ${COFFERD_ARGS:-}
	DPID[$fs]=$CPID	# set by cofferd_start
	DPORT[$fs]=$CPORT
	make_bucket "$CPORT"
done
{
	echo "ports: mhd=$MPORT nginx=$NPORT cofferd.disk=${DPORT[disk]}" \
	    "cofferd.shm=${DPORT[shm]}"
	echo "cofferd args: --log-file RAW/cofferd.FS.log ${COFFERD_ARGS:-}" \
	    "(default log level: one access line per request)"
} >>"$OUT/info.txt"

FAILS=0
# xfer ID put|get URL FILE BYTES [PID]: one curl transfer; appends MB/s
# to RAW/ID.samples and, with PID, that process's CPU ns and the bytes
# to RAW/ID.cpu.
xfer() {
	local id=$1 op=$2 url=$3 file=$4 bytes=$5 pid=${6:-} res code t n c0 c1
	[ -n "$pid" ] && c0=$(proc_cpu_ns "$pid")
	if [ "$op" = put ]; then
		res=$(curl -sS -T "$file" -o "$RAW/last.body" \
		    -w '%{http_code} %{time_total} %{size_upload}' "$url") || true
	else
		res=$(curl -sS -o /dev/null \
		    -w '%{http_code} %{time_total} %{size_download}' "$url") || true
	fi
	[ -n "$pid" ] && c1=$(proc_cpu_ns "$pid")
	read -r code t n <<<"$res"
	if [ "${code:-}" != 200 ] || [ "${n:-}" != "$bytes" ]; then
		blog "WARNING $id: HTTP '${code:-}', $n of $bytes bytes"
		FAILS=$((FAILS + 1))
		return 0
	fi
	awk -v b="$bytes" -v t="$t" 'BEGIN { printf "%.6g\n", b / t / 1e6 }' \
	    >>"$RAW/$id.samples"
	[ -n "$pid" ] && echo "$((c1 - c0)) $bytes" >>"$RAW/$id.cpu"
	return 0
}

# dd_sync ID FILE BYTES: write+fsync the same bytes to the disk data dir's
# file system (what any durable store of the object must at least do).
dd_sync() {
	local t0 t1
	t0=$EPOCHREALTIME
	dd if="$2" of="$RUN/dd.out" bs=1M conv=fsync status=none
	t1=$EPOCHREALTIME
	rm -f "$RUN/dd.out"
	awk -v b="$3" -v a="$t0" -v z="$t1" \
	    'BEGIN { printf "%.6g\n", b / (z - a) / 1e6 }' >>"$RAW/$1.samples"
}

for s in $SIZES; do
	file=$RUN/files/$s.bin
	b=${BYTES[$s]}
	key=obj-$s
	blog "large bodies: $s, ${ROUNDS[$s]} interleaved rounds"
	for r in $(seq "${ROUNDS[$s]}"); do
		puts=(base disk shm dd)
		gets=(base disk shm)
		if [ $((r % 2)) = 0 ]; then
			puts=(dd shm disk base)
			gets=(shm disk base)
		fi
		for p in "${puts[@]}"; do
			case $p in
			base)
				xfer "http.discard_put.$s" put \
				    "http://127.0.0.1:$MPORT/put" "$file" "$b"
				grep -q "^received $b bytes" "$RAW/last.body" || {
					blog "WARNING: discard server said" \
					    "'$(head -c 80 "$RAW/last.body")'"
					FAILS=$((FAILS + 1))
				}
				;;
			dd) dd_sync "ctx.disk_write_fsync.$s" "$file" "$b" ;;
			*)
				xfer "coffer.put.$s.$p" put \
				    "http://127.0.0.1:${DPORT[$p]}/$BENCH_BUCKET/$key" \
				    "$file" "$b" "${DPID[$p]}"
				;;
			esac
		done
		for p in "${gets[@]}"; do
			case $p in
			base)
				xfer "http.sendfile_get.$s" get \
				    "http://127.0.0.1:$NPORT/f/$s.bin" "$file" "$b"
				;;
			*)
				xfer "coffer.get.$s.$p" get \
				    "http://127.0.0.1:${DPORT[$p]}/$BENCH_BUCKET/$key" \
				    "$file" "$b" "${DPID[$p]}"
				;;
			esac
		done
	done
	for p in disk shm; do
		if ! curl -sS "http://127.0.0.1:${DPORT[$p]}/$BENCH_BUCKET/$key" |
		    cmp -s - "$file"; then
			blog "WARNING: cofferd ($p) returned other bytes for $key"
			FAILS=$((FAILS + 1))
		fi
	done
done

for s in $SIZES; do
	emit "http.discard_put.$s" MB/s "curl -sf -T FILE -o /dev/null MHD/put (mhd_server pool 2 0 late)" \
	    "$RAW/http.discard_put.$s.samples"
	emit "http.sendfile_get.$s" MB/s "curl -sf -o /dev/null NGINX/f/FILE (sendfile)" \
	    "$RAW/http.sendfile_get.$s.samples"
	emit "ctx.disk_write_fsync.$s" MB/s "dd if=FILE of=DISK bs=1M conv=fsync" \
	    "$RAW/ctx.disk_write_fsync.$s.samples"
	for p in disk shm; do
		for op in put get; do
			id=coffer.$op.$s.$p
			if [ "$op" = put ]; then
				note="curl -sf -T FILE -o /dev/null COFFERD/bench/obj-$s"
			else
				note="curl -sf -o /dev/null COFFERD/bench/obj-$s"
			fi
			emit "$id" MB/s "$note" "$RAW/$id.samples"
			[ -f "$RAW/$id.cpu" ] || : >"$RAW/$id.cpu"
			awk '{ print $1 / $2 }' "$RAW/$id.cpu" |
			    emit "coffer.cpu.$op.$s.$p" ns/B \
			    "cofferd CPU time (all threads) / bytes"
		done
	done
done

# ------------------------------------------------------- 3. small objects
for fs in disk shm; do
	[ "$fs" = shm ] && [ "$SMALL_SHM" != 1 ] && continue
	head -c 4096 "$RUN/files/1MiB.bin" >"$RUN/files/4KiB.bin"
	curl -sS -T "$RUN/files/4KiB.bin" -o /dev/null -w '%{http_code}\n' \
	    "http://127.0.0.1:${DPORT[$fs]}/$BENCH_BUCKET/g[1-256]" \
	    >"$RAW/small.prefill.$fs" || true
	if [ "$(grep -c '^200$' "$RAW/small.prefill.$fs")" != 256 ]; then
		blog "WARNING: prefill of 256 4 KiB objects ($fs) failed"
		FAILS=$((FAILS + 1))
	fi
done

# wrk_run ID FS CONNS SCRIPT ARGS...: one wrk run against cofferd, round
# $r.
wrk_run() {
	local id=$1 fs=$2 c=$3 script=$4 f c0 c1 reqs bad
	shift 4
	f=$RAW/$id.$r.txt
	c0=$(proc_cpu_ns "${DPID[$fs]}")
	wrk -t2 -c"$c" -d"${WRK_DUR}s" --latency -s "$BENCH/$script" \
	    "http://127.0.0.1:${DPORT[$fs]}" -- "$@" >"$f" 2>&1
	c1=$(proc_cpu_ns "${DPID[$fs]}")
	bad=$(awk '/Non-2xx or 3xx responses:/ { n += $NF }
	    /Socket errors:/ { n += 1 } END { print n + 0 }' "$f")
	if [ "$bad" != 0 ]; then
		blog "WARNING $id: $(grep -E 'Non-2xx|Socket errors' "$f" | xargs)"
		FAILS=$((FAILS + 1))
	fi
	awk '/^Requests\/sec:/ { print $2 }' "$f" >>"$RAW/$id.samples"
	reqs=$(awk '/requests in/ { print $1 }' "$f")
	echo "$((c1 - c0)) ${reqs:-0}" >>"$RAW/$id.cpu"
}

# nginx serving 4 KiB files g1..g256 (the same bytes), for the small GET
# goal of issue 17.
mkdir -p "$RUN/files/4k"
for i in $(seq 256); do
	cp "$RUN/files/4KiB.bin" "$RUN/files/4k/g$i"
done
chmod -R a+rX "$RUN/files/4k"
nginx_get4k() {
	local f=$RAW/http.nginx_get4k.c64.$r.txt
	wrk -t2 -c64 -d"${WRK_DUR}s" --latency -s "$BENCH/get4k.lua" \
	    "http://127.0.0.1:$NPORT" -- /f/4k/g 256 >"$f" 2>&1
	if grep -qE 'Non-2xx|Socket errors' "$f"; then
		blog "WARNING nginx get4k: $(grep -E 'Non-2xx|Socket errors' "$f" | xargs)"
		FAILS=$((FAILS + 1))
	fi
	awk '/^Requests\/sec:/ { print $2 }' "$f" >>"$RAW/http.nginx_get4k.c64.samples"
}

blog "small objects: 4 KiB, wrk ${WRK_DUR}s x $WRK_ROUNDS rounds"
for r in $(seq "$WRK_ROUNDS"); do
	for c in 16 64; do
		wrk_run "small.put4k.c$c.disk" disk "$c" put4k.lua \
		    "/$BENCH_BUCKET/" "r$r-c$c"
	done
	for c in 16 64; do
		wrk_run "small.get4k.c$c.disk" disk "$c" get4k.lua \
		    "/$BENCH_BUCKET/g" 256
	done
	nginx_get4k
	if [ "$SMALL_SHM" = 1 ]; then
		wrk_run "small.put4k.c64.shm" shm 64 put4k.lua \
		    "/$BENCH_BUCKET/" "r$r-c64"
	fi
done

emit http.nginx_get4k.c64 req/s \
    "wrk -t2 -c64 -d${WRK_DUR}s -s bench/get4k.lua NGINX -- /f/4k/g 256" \
    "$RAW/http.nginx_get4k.c64.samples"

to_us() { # wrk's "364.00us" / "2.46ms" / "1.2s" -> microseconds
	awk '{ v = $1; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		m = (u == "us") ? 1 : (u == "ms") ? 1000 : (u == "s") ? 1e6 : 1
		printf "%.6g\n", v * m }'
}
for id in small.put4k.c16.disk small.put4k.c64.disk small.get4k.c16.disk \
    small.get4k.c64.disk small.put4k.c64.shm; do
	[ -f "$RAW/$id.samples" ] || continue
	c=${id#*.c}
	c=${c%%.*}
	script=put4k.lua
	case $id in small.get*) script=get4k.lua ;; esac
	emit "$id" req/s "wrk -t2 -c$c -d${WRK_DUR}s --latency -s bench/$script" \
	    "$RAW/$id.samples"
	cat "$RAW"/"$id".[0-9]*.txt | awk '$1 == "50%" { print $2 }' | to_us |
	    emit "$id.p50" us "wrk latency"
	cat "$RAW"/"$id".[0-9]*.txt | awk '$1 == "99%" { print $2 }' | to_us |
	    emit "$id.p99" us "wrk latency"
	awk '$2 > 0 { print $1 / 1000 / $2 }' "$RAW/$id.cpu" |
	    emit "coffer.cpu.$id" us/req "cofferd CPU time (all threads) / requests"
done

stop_all

# --------------------------------------------------------------- 4. ratios
# value ID: the median of a row already in the TSV
value() { awk -F'\t' -v id="$1" '$1 == id { print $3; exit }' "$TSV"; }

# ratio ID NUM DEN_A DEN_B GOAL: NUM / min(DEN_A, DEN_B) against GOAL
ratio() {
	local id=$1 num den_a den_b
	num=$(value "$2")
	den_a=$(value "$3")
	den_b=$(value "$4")
	awk -v OFS='\t' -v id="$id" -v n="$num" -v a="$den_a" -v b="$den_b" \
	    -v g="$5" -v na="$2" -v da="$3" -v db="$4" 'BEGIN {
		d = (a + 0 < b + 0) ? a : b
		dn = (a + 0 < b + 0) ? da : db
		r = (d > 0) ? n / d : 0
		print id, "x", sprintf("%.3f", r), "-", "-", "-", g,
		    (r >= g) ? "PASS" : "MISS", na " / " dn }' >>"$TSV"
}
for s in $SIZES; do
	for p in disk shm; do
		ratio "ratio.put.$s.$p" "coffer.put.$s.$p" "floor.put.$s" \
		    "http.discard_put.$s" "$PUT_GOAL"
		ratio "ratio.get.$s.$p" "coffer.get.$s.$p" "floor.get.$s" \
		    "http.sendfile_get.$s" "$GET_GOAL"
	done
done
# Issue 17: large bodies against the one-core floor alone, small GETs
# against nginx serving the same 4 KiB.
ratio goal17.put.64MiB.disk coffer.put.64MiB.disk floor.put.64MiB \
    floor.put.64MiB 1.3
ratio goal17.get.64MiB.disk coffer.get.64MiB.disk floor.get.64MiB \
    floor.get.64MiB 1.2
ratio goal17.get4k.c64.disk small.get4k.c64.disk http.nginx_get4k.c64 \
    http.nginx_get4k.c64 0.5
for id in small.put4k.c16.disk small.put4k.c64.disk; do
	awk -v OFS='\t' -v id="$id" -v v="$(value "$id")" -v g="$SMALL_GOAL" \
	    'BEGIN { print "goal." id, "req/s", v, "-", "-", "-", g,
		(v + 0 >= g) ? "PASS" : "MISS", id " vs " g " req/s" }' >>"$TSV"
done

# ---------------------------------------------------------------- report
T1=$(date +%s)
{
	echo "loadavg_end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "elapsed_s: $((T1 - T0))"
	echo "transfer/wrk failures: $FAILS"
} >>"$OUT/info.txt"

summary() {
	awk -F'\t' '
	function v(id) { return (id in med) ? med[id] : "-" }
	function f(x) {
		if (x == "-" || x == "nan" || x == "") return "-"
		return (x + 0 >= 100) ? sprintf("%.0f", x) : sprintf("%.3g", x)
	}
	NR > 1 { med[$1] = $3; verd[$1] = $8; lo[$1] = $4; hi[$1] = $5 }
	END {
		split("1MiB 64MiB 1GiB", S, " ")
		for (o = 1; o <= 2; o++) {
			op = (o == 1) ? "put" : "get"
			base = (o == 1) ? "http.discard_put" : "http.sendfile_get"
			bn = (o == 1) ? "discard-PUT" : "sendfile-GET"
			printf "\n%s MB/s (median; ratio = coffer / min(floor, %s), goal >= 0.8)\n", toupper(op), bn
			printf "%-6s %8s %13s | %10s %7s %-5s %6s | %10s %7s %-5s %6s | %9s\n",
			    "size", "floor", bn, "coffer/disk", "ratio", "", "ns/B",
			    "coffer/shm", "ratio", "", "ns/B", "dd+fsync"
			for (i = 1; i <= 3; i++) {
				s = S[i]
				printf "%-6s %8s %13s | %10s %7s %-5s %6s | %10s %7s %-5s %6s | %9s\n", s,
				    f(v("floor." op "." s)), f(v(base "." s)),
				    f(v("coffer." op "." s ".disk")), v("ratio." op "." s ".disk"),
				    verd["ratio." op "." s ".disk"], f(v("coffer.cpu." op "." s ".disk")),
				    f(v("coffer." op "." s ".shm")), v("ratio." op "." s ".shm"),
				    verd["ratio." op "." s ".shm"], f(v("coffer.cpu." op "." s ".shm")),
				    (o == 1) ? f(v("ctx.disk_write_fsync." s)) : ""
			}
		}
		printf "\nfloor parts (1 MiB, MB/s): xchacha seal %s, MD5 %s, CRC-64 (ISA-L) %s; SQLite FULL commit on disk %s tx/s\n",
		    f(v("part.xchacha_seal.1MiB")), f(v("part.md5.1MiB")),
		    f(v("part.crc64_isal.1MiB")), f(v("ctx.sqlite_full_commit.disk"))
		printf "\nissue 17 goals: PUT 64MiB/floor %s (>= 1.3) %s; GET 64MiB/floor %s (>= 1.2) %s; GET 4KiB c64/nginx %s (>= 0.5, nginx %s req/s) %s\n",
		    v("goal17.put.64MiB.disk"), verd["goal17.put.64MiB.disk"],
		    v("goal17.get.64MiB.disk"), verd["goal17.get.64MiB.disk"],
		    v("goal17.get4k.c64.disk"), f(v("http.nginx_get4k.c64")),
		    verd["goal17.get4k.c64.disk"]
		printf "\n4 KiB objects (wrk -t2, median req/s; goal PUT >= 5000/s on disk)\n"
		printf "%-22s %9s %9s %10s %10s %10s %s\n", "test", "req/s", "min-max",
		    "p50 us", "p99 us", "cpu us/req", "verdict"
		n = split("small.put4k.c16.disk small.put4k.c64.disk small.get4k.c16.disk small.get4k.c64.disk small.put4k.c64.shm", T, " ")
		for (i = 1; i <= n; i++) {
			t = T[i]
			if (!(t in med)) continue
			printf "%-22s %9s %9s %10s %10s %10s %s\n", substr(t, 7),
			    f(med[t]), f(lo[t]) "-" f(hi[t]), f(v(t ".p50")), f(v(t ".p99")),
			    f(v("coffer.cpu." t)), (("goal." t) in verd) ? verd["goal." t] : ""
		}
	}' "$TSV"
}

{
	echo "# cofferd benchmark $STAMP"
	echo
	echo '```'
	cat "$OUT/info.txt"
	echo '```'
	echo
	echo '```'
	summary
	echo '```'
	echo
	echo "| id | unit | median | min | max | n | goal | verdict | note |"
	echo "|---|---|---:|---:|---:|---:|---:|---|---|"
	tail -n +2 "$TSV" | awk -F'\t' '{ gsub(/\|/, "\\|", $9)
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | `%s` |\n",
		    $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
} >"$OUT/results.md"

summary
echo
grep -E '^(build|commit|elapsed_s|transfer)' "$OUT/info.txt"
blog "done in $((T1 - T0)) s: $OUT/results.md"
