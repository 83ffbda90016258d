# SPDX-License-Identifier: ISC
# lib.sh: helpers shared by bench/run.sh and bench/profile.sh (sourced).
#
# Starting cofferd, signing the one request that needs a signature (the
# bucket creation, OSS V1 by openssl from oss-api.md §5.1, independent of
# the daemon's signer) and stopping every process by its own PID. Every
# server binds 127.0.0.1 only.

BENCH_AK=LTAI5tCofferBenchRoot01
BENCH_SK=CofferBenchRootSecret0123456789
BENCH_BUCKET=bench

BENCH_PIDS=()

blog() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# stop_pid PID: SIGTERM, up to 10 s, then SIGKILL; reaps it.
stop_pid() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}

stop_all() {
	local p
	for p in "${BENCH_PIDS[@]+"${BENCH_PIDS[@]}"}"; do
		stop_pid "$p"
	done
	BENCH_PIDS=()
}

# free_port FROM: first port >= FROM nobody listens on.
free_port() {
	local p=$1
	while [ -n "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; do
		p=$((p + 1))
	done
	echo "$p"
}

# wait_http URL: until it answers with any status, at most 10 s.
wait_http() {
	for _ in $(seq 100); do
		curl -s -o /dev/null --max-time 1 "$1" && return 0
		sleep 0.1
	done
	blog "server at $1 did not come up"
	return 1
}

# cofferd_start BIN DATA_DIR LOG [ARGS...]: starts cofferd on a free
# port (it picks with :0) as a child of this shell, adds it to
# BENCH_PIDS and waits for its "listening" line; sets CPID and CPORT.
# Access lines go to LOG like any production log file. $BENCH_WRAP
# (unquoted, e.g. "valgrind --tool=callgrind") runs in front of it.
cofferd_start() {
	local bin=$1 dir=$2 logf=$3
	shift 3
	CPID=
	CPORT=
	# shellcheck disable=SC2086
	env -u NOTIFY_SOCKET -u STATE_DIRECTORY -u CREDENTIALS_DIRECTORY \
	    COFFER_ROOT_ACCESS_KEY_ID=$BENCH_AK \
	    COFFER_ROOT_ACCESS_KEY_SECRET=$BENCH_SK \
	    ${BENCH_WRAP:-} "$bin" --data-dir "$dir" --oss-listen 127.0.0.1:0 \
	    --kms-listen 127.0.0.1:0 --rtmp-listen 127.0.0.1:0 --log-file "$logf" "$@" \
	    >"$logf.stderr" 2>&1 </dev/null &
	CPID=$!
	BENCH_PIDS+=("$CPID")
	for _ in $(seq 600); do
		CPORT=$(sed -n 's/.*listening oss=[0-9.]*:\([0-9]*\) .*/\1/p' \
		    "$logf" "$logf.stderr" 2>/dev/null | tail -n 1) || true
		[ -n "$CPORT" ] && return 0
		kill -0 "$CPID" 2>/dev/null || break
		sleep 0.1
	done
	blog "cofferd did not start:"
	cat "$logf" "$logf.stderr" >&2 2>/dev/null
	return 1
}

# make_bucket PORT: PUT /$BENCH_BUCKET/ with x-oss-acl: public-read-write,
# signed with V1 (oss-api.md §5.1), so every later request can be
# anonymous and the benchmark measures no signing. $BENCH_URL_BASE
# (default http://127.0.0.1) and $BENCH_CURL_TLS (e.g. "--cacert FILE")
# serve an HTTPS listener.
make_bucket() {
	local port=$1 date sts sig code
	date=$(LC_ALL=C TZ=GMT date '+%a, %d %b %Y %H:%M:%S GMT')
	sts=$(printf 'PUT\n\n\n%s\nx-oss-acl:public-read-write\n/%s/' \
	    "$date" "$BENCH_BUCKET")
	sig=$(printf '%s' "$sts" | openssl dgst -sha1 -hmac "$BENCH_SK" \
	    -binary | base64)
	# shellcheck disable=SC2086
	code=$(curl -sS ${BENCH_CURL_TLS:-} -X PUT -H "Date: $date" \
	    -H 'x-oss-acl: public-read-write' \
	    -H "Authorization: OSS $BENCH_AK:$sig" -H 'Content-Type:' \
	    -o /dev/null -w '%{http_code}' \
	    "${BENCH_URL_BASE:-http://127.0.0.1}:$port/$BENCH_BUCKET/")
	if [ "$code" != 200 ]; then
		blog "create bucket on port $port: HTTP $code"
		return 1
	fi
}

# mkfile PATH BYTES: pseudo-random bytes (AES-CTR keystream: fast, and
# as incompressible as /dev/urandom), flushed so background writeback of
# the input does not land inside a measurement.
mkfile() {
	# head closes the pipe early: keep openssl's SIGPIPE out of pipefail.
	head -c "$2" < <(openssl enc -aes-256-ctr -pass pass:coffer-bench \
	    -nosalt -pbkdf2 </dev/zero 2>/dev/null) >"$1"
	sync "$1"
}

# proc_cpu_ns PID: nanoseconds on CPU of the process: its live threads
# exactly (schedstat; /proc/PID/stat counts in 10 ms ticks, too coarse
# for one 1 MiB transfer), plus what threads that have exited used, in
# ticks (the process's stat minus its live threads'): an upload's MD5
# thread and a large GET's read-ahead thread end with their request.
proc_cpu_ns() {
	local d=/proc/$1
	{
		cat "$d"/task/*/schedstat 2>/dev/null | sed 's/^/live /'
		sed 's/^/proc /' "$d/stat" 2>/dev/null
		cat "$d"/task/*/stat 2>/dev/null | sed 's/^/thread /'
	} | awk -v tick="$(getconf CLK_TCK)" '
	    $1 == "live" { ns += $2; next }
	    { kind = $1; sub(/^[^)]*\) /, ""); t = $12 + $13
		if (kind == "proc") pt += t; else tt += t }
	    END { d = pt - tt; if (d < 0) d = 0
		printf "%.0f\n", ns + d * 1e9 / tick }'
}

# build_targets ROOT BUILD_DIR TARGETS...: configures a new build dir
# as RelWithDebInfo (extra cache flags from $CMAKE_ARGS), then builds.
build_targets() {
	local root=$1 build=$2
	shift 2
	if [ ! -f "$build/CMakeCache.txt" ]; then
		# shellcheck disable=SC2086
		cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		    ${CMAKE_ARGS:-} >/dev/null
	fi
	cmake --build "$build" -j"$(nproc)" --target "$@" >"$build/bench-build.log" 2>&1 || {
		tail -n 30 "$build/bench-build.log" >&2
		blog "build failed (log: $build/bench-build.log); a build dir" \
		    "configured with CMAKE_ARGS=-DCOFFER_WERROR=OFF may help"
		return 1
	}
}

# bench_row ID WHAT UNIT VALUE FLOOR FLOOR_WHAT ON OP GOAL: one goal row
# of `make bench` (bench/bench.sh), appended to $BENCH_ROWS when it is
# set. RATIO is VALUE / FLOOR; the goal judges the ratio (ON=ratio) or
# the figure itself (ON=value) with OP >= or <=. A missing figure ("",
# "-", "nan") gives ratio and verdict "-": a miss is reported, never an
# error. TSV columns: id what unit value floor floor_what ratio on op goal
# verdict.
bench_row() {
	[ -n "${BENCH_ROWS:-}" ] || return 0
	awk -v OFS='\t' -v id="$1" -v what="$2" -v unit="$3" -v v="$4" \
	    -v f="$5" -v fw="$6" -v on="$7" -v op="$8" -v g="$9" 'BEGIN {
		ok = (v ~ /^[0-9.eE+-]+$/ && v + 0 == v + 0)
		fok = (f ~ /^[0-9.eE+-]+$/ && f + 0 > 0)
		r = (ok && fok) ? sprintf("%.4g", v / f) : "-"
		x = (on == "ratio") ? r : (ok ? v : "-")
		verdict = "-"
		if (x != "-")
			verdict = ((op == ">=" && x + 0 >= g + 0) ||
			    (op == "<=" && x + 0 <= g + 0)) ? "met" : "missed"
		print id, what, unit, ok ? sprintf("%.6g", v) : "-",
		    fok ? sprintf("%.6g", f) : "-", fw, r, on, op, g, verdict
	}' >>"$BENCH_ROWS"
}

# presign_path VERB /BUCKET/KEY EXPIRES: the path and query of a V1
# presigned URL (oss-api.md §5.1, query-string form) for $BENCH_AK.
presign_path() {
	local sig
	sig=$(printf '%s\n\n\n%s\n%s' "$1" "$3" "$2" |
	    openssl dgst -sha1 -hmac "$BENCH_SK" -binary | base64 |
	    sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')
	printf '%s?OSSAccessKeyId=%s&Expires=%s&Signature=%s\n' "$2" \
	    "$BENCH_AK" "$3" "$sig"
}

# bench_cc OUT SRC [LIBS...]: compiles a load client or floor program
# (one C file) unless OUT is newer than SRC and this file, so the
# scenarios of one `make bench` build each once.
bench_cc() {
	local out=$1 src=$2
	shift 2
	[ "$out" -nt "$src" ] && [ "$out" -nt "${BASH_SOURCE[0]}" ] && return 0
	gcc -O2 -march=native -w -pthread -I"$(dirname "$src")" -o "$out" \
	    "$src" "$@"
}

# bench_kms_tools ROOT BUILD_DIR: cofferd (unless $COFFERD names one) and
# the KMS load client bench/kms_load.c; sets COFFERD and LOAD.
bench_kms_tools() {
	if [ -z "${COFFERD:-}" ]; then
		build_targets "$1" "$2" cofferd
		COFFERD=$2/cofferd
	fi
	mkdir -p "$2/bench"
	bench_cc "$2/bench/kms_load" "$1/bench/kms_load.c" -lcrypto
	LOAD=$2/bench/kms_load
}

# bench_stats "A B C": "median min max n" of the numbers.
bench_stats() {
	tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '
	{ v[NR] = $1 }
	END {
		if (NR % 2) m = v[(NR + 1) / 2]
		else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.6g %.6g %.6g %d\n", m, v[1], v[NR], NR
	}'
}
