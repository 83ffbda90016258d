# SPDX-License-Identifier: ISC
# e2e_lib.bash: helpers for the shell-driven end-to-end tests.
#
# Sourced (not run: CTest runs only *.sh) by tests/e2e/*.sh. The C tests
# have tests/e2e/e2e_support.c for the same job; shell is used where the
# test is mostly processes, signals and files (crash recovery, config, CLI,
# systemd). Requests are signed with OSS V1 by openssl, from the spec
# (oss-api.md §5.1), independently of the daemon's signer.
#
# Environment: COFFERD, COFFER (built binaries), TMPDIR (scratch), SRC.

set -u
set -o pipefail

E2E_ROOT_AK=LTAI5tCofferE2ERoot0001
E2E_ROOT_SK=CofferE2ERootSecret0123456789a

: "${COFFERD:?COFFERD is not set}"
: "${COFFER:?COFFER is not set}"

E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/coffer-sh-XXXXXX")
E2E_PIDS=()
E2E_FAILS=0

e2e_cleanup() {
	local p
	for p in "${E2E_PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	if [ -z "${E2E_KEEP:-}" ]; then
		rm -rf "$E2E_TMP"
	else
		echo "kept $E2E_TMP" >&2
	fi
}
trap e2e_cleanup EXIT

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }

fail() {
	log "FAIL: $*"
	E2E_FAILS=$((E2E_FAILS + 1))
}

die() {
	log "FATAL: $*"
	exit 1
}

# asan_build: true when $COFFERD is a sanitizer build (its runtime must
# come first, so preloads, ptrace and valgrind do not mix with it). grep -c
# reads all its input: with pipefail, grep -q could fail the pipeline by
# closing it early.
asan_build() {
	{ nm -D "$COFFERD"; nm "$COFFERD"; ldd "$COFFERD"; } 2>/dev/null |
	    grep -c -e __asan_init -e libasan >/dev/null
}

# not COMMAND...: succeeds when COMMAND fails (for check).
not() { ! "$@"; }

# check DESCRIPTION COMMAND...: runs the command; a non-zero status is a
# failure (counted; the test goes on so one run shows every problem).
check() {
	local what=$1
	shift
	if "$@"; then
		return 0
	fi
	fail "$what"
	return 1
}

e2e_finish() {
	if [ "$E2E_FAILS" -ne 0 ]; then
		log "$E2E_FAILS check(s) failed"
		exit 1
	fi
	log "ok"
	exit 0
}

# True when a log holds a sanitizer report.
sanitizer_report() {
	grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$1"
}

# daemon_start DATA_DIR LOG [ARGS...]: starts cofferd in the background
# with --oss-listen 127.0.0.1:0 --log-level info (unless E2E_RAW is set)
# and the variables of the E2E_ENV array (the E2E_WRAP array, e.g. a
# setpriv command line, runs in front of it), waits up to 30 s for the
# listening line, sets DPID, DPORT and KPORT (the KMS listener). Its stderr
# goes to LOG.stderr; the line is looked for there and in LOG (pass the
# --log-file path as LOG).
daemon_start() {
	local dir=$1 logf=$2 i skip
	local defaults=(--oss-listen 127.0.0.1:0 --kms-listen 127.0.0.1:0 --rtmp-listen 127.0.0.1:0 --log-level info)
	shift 2
	# E2E_RAW=1: no default flags, so a config file's values count.
	[ -n "${E2E_RAW:-}" ] && defaults=()
	DPID=
	DPORT=
	KPORT=
	# Only what this daemon writes counts: the redirection below empties
	# LOG.stderr in the background child, and a --log-file LOG keeps
	# earlier runs; until then the loop would find the port of the
	# previous daemon.
	: >"$logf.stderr"
	skip=$(($(stat -c %s "$logf" 2>/dev/null || echo 0) + 1))
	env -u NOTIFY_SOCKET -u STATE_DIRECTORY -u CREDENTIALS_DIRECTORY \
	    COFFER_ROOT_ACCESS_KEY_ID=$E2E_ROOT_AK \
	    COFFER_ROOT_ACCESS_KEY_SECRET=$E2E_ROOT_SK \
	    "${E2E_ENV[@]+"${E2E_ENV[@]}"}" \
	    "${E2E_WRAP[@]+"${E2E_WRAP[@]}"}" \
	    "$COFFERD" --data-dir "$dir" "${defaults[@]+"${defaults[@]}"}" \
	    "$@" >"$logf.stderr" 2>&1 </dev/null &
	DPID=$!
	E2E_PIDS+=("$DPID")
	for i in $(seq 1 300); do
		{ tail -c +"$skip" "$logf" 2>/dev/null; cat "$logf.stderr"; } \
		    >"$logf.start" 2>/dev/null
		DPORT=$(sed -n 's/.*listening oss=[0-9.]*:\([0-9]*\) .*/\1/p' \
		    "$logf.start" | tail -n 1)
		KPORT=$(sed -n 's/.*listening oss=.* kms=[0-9.]*:\([0-9]*\) .*/\1/p' \
		    "$logf.start" | tail -n 1)
		[ -n "$DPORT" ] && return 0
		if ! kill -0 "$DPID" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	log "cofferd did not start:"
	cat "$logf" "$logf.stderr" >&2 2>/dev/null
	return 1
}

# daemon_wait [TIMEOUT_S]: waits for $DPID, prints nothing, returns its
# exit status (124 on timeout, then it is killed).
daemon_wait() {
	local t=${1:-60} i
	for i in $(seq 1 $((t * 20))); do
		if ! kill -0 "$DPID" 2>/dev/null; then
			wait "$DPID"
			return $?
		fi
		sleep 0.05
	done
	kill -9 "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	return 124
}

# daemon_stop: SIGTERM and wait; returns the exit status.
daemon_stop() {
	kill -TERM "$DPID" 2>/dev/null
	daemon_wait 60
}

daemon_kill9() {
	kill -9 "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	return 0
}

# sign_v1 SECRET STRING_TO_SIGN: base64(HMAC-SHA1).
sign_v1() {
	printf '%s' "$2" | openssl dgst -sha1 -hmac "$1" -binary | base64
}

# oss METHOD RESOURCE [CURL_ARGS...]: a V1-signed request to 127.0.0.1:$DPORT
# with the credentials in $AK/$SK (default root). RESOURCE is both the path
# and the canonicalized resource, so keep to plain "/bucket/key" paths
# without sub-resources. The body goes to $E2E_OUT when set, else to
# stdout; the status code is left in $STATUS ("000" when no response).
oss() {
	local method=$1 res=$2 date sig out rc
	local ak=${AK:-$E2E_ROOT_AK} sk=${SK:-$E2E_ROOT_SK}
	shift 2
	out=${E2E_OUT:-$E2E_TMP/body.$BASHPID}
	date=$(LC_ALL=C TZ=GMT date '+%a, %d %b %Y %H:%M:%S GMT')
	sig=$(sign_v1 "$sk" "$(printf '%s\n\n\n%s\n%s' "$method" "$date" "$res")")
	STATUS=$(curl -sS -X "$method" -H "Date: $date" \
	    -H "Authorization: OSS $ak:$sig" -H 'Content-Type:' -H 'Expect:' \
	    -w '%{http_code}' -o "$out" "$@" "http://127.0.0.1:$DPORT$res" \
	    2>/dev/null)
	rc=$?
	[ -n "$STATUS" ] || STATUS=000
	if [ -z "${E2E_OUT:-}" ]; then
		cat "$out" 2>/dev/null
		rm -f "$out"
	fi
	return $rc
}

# put_file BUCKET KEY FILE: prints the HTTP status (000 when none).
put_file() {
	E2E_OUT=/dev/null oss PUT "/$1/$2" --data-binary "@$3" >/dev/null
	echo "$STATUS"
}

# get_file BUCKET KEY OUT: prints the HTTP status.
get_file() {
	E2E_OUT=$3 oss GET "/$1/$2" >/dev/null
	echo "$STATUS"
}

# http_status METHOD RESOURCE: status of a signed request, body discarded.
http_status() {
	E2E_OUT=/dev/null oss "$1" "$2" >/dev/null
	echo "$STATUS"
}

# Blob names under DATA_DIR/blobs (lower-case hex, sorted) and extent
# uuids in the database; equal sets mean no orphan either way.
blob_names() {
	find "$1/blobs" -type f -printf '%f\n' | tr 'A-F' 'a-f' | sort
}

extent_uuids() {
	# Inline extents (small objects) live in the row, not in a blob file.
	sqlite3 "$1/meta.db" 'select hex(uuid) from extents where inline is null' |
	    tr 'A-F' 'a-f' | sort
}

# pct STRING: RFC 3986 percent-encoding into $REPLY, as the KMS v1
# signature wants it (unreserved characters stay, every other byte is %XX).
# No subshell: kms() calls it for every parameter.
pct() {
	local LC_ALL=C s=$1 i c h
	REPLY=
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9._~-]) REPLY+=$c ;;
		*) printf -v h '%%%02X' "'$c"; REPLY+=$h ;;
		esac
	done
}

# kms ACTION [NAME=VALUE...]: a v1-signed KMS request (kms-api.md §2.2,
# what @alicloud/kms20160120 1.x sends: parameters in the query of a POST)
# to 127.0.0.1:$KPORT with $AK/$SK (default root). Leaves the JSON body in
# $BODY and the status in $STATUS ("000" when no response). Few processes
# per call (openssl, base64, curl): load tests call it in loops.
kms() {
	local action=$1 kv q= sts sig out i j t ts
	local ak=${AK:-$E2E_ROOT_AK} sk=${SK:-$E2E_ROOT_SK}
	local -a params enc
	shift
	TZ=UTC printf -v ts '%(%Y-%m-%dT%H:%M:%SZ)T' -1
	params=("Action=$action" "Format=JSON" "Version=2016-01-20"
	    "AccessKeyId=$ak" "SignatureMethod=HMAC-SHA1"
	    "SignatureVersion=1.0"
	    "SignatureNonce=$BASHPID-$SRANDOM-$SRANDOM-$EPOCHREALTIME"
	    "Timestamp=$ts" "$@")
	for kv in "${params[@]}"; do
		pct "${kv%%=*}"
		t=$REPLY
		pct "${kv#*=}"
		enc+=("$t=$REPLY")
	done
	# Sorted by encoded name alone ("Tag" before "Tag1"): insertion
	# sort, a dozen entries.
	for ((i = 1; i < ${#enc[@]}; i++)); do
		t=${enc[i]}
		for ((j = i - 1; j >= 0; j--)); do
			[[ ${enc[j]%%=*} > ${t%%=*} ]] || break
			enc[j + 1]=${enc[j]}
		done
		enc[j + 1]=$t
	done
	for kv in "${enc[@]}"; do
		q+=${q:+&}$kv
	done
	pct "$q"
	sts="POST&%2F&$REPLY"
	sig=$(printf '%s' "$sts" | openssl dgst -sha1 -hmac "$sk&" -binary | base64)
	pct "$sig"
	out=$(curl -sS -X POST -H 'Expect:' -w '\n%{http_code}' \
	    "http://127.0.0.1:$KPORT/?$q&Signature=$REPLY" 2>/dev/null)
	BODY=${out%$'\n'*}
	STATUS=${out##*$'\n'}
	[ -n "$STATUS" ] || STATUS=000
}

# json_field NAME: the string value of "NAME" in the JSON on stdin.
json_field() {
	sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"
}

# flip FILE OFFSET: inverts the byte at OFFSET in place.
flip() {
	local v
	v=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((v ^ 255)))" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
