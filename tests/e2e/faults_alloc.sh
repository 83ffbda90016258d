#!/bin/bash
# SPDX-License-Identifier: ISC
# faults_alloc.sh: the N-th allocation fails (reliability.md T10, SQLite's
# OOM method).
#
# cofferd runs with tests/support/allocfail.c preloaded. A fixed request
# script (PUT inline and blob sized, GET, ranged GET, DELETE, KMS CreateKey,
# Encrypt, Decrypt) is run once to count its allocations, then again for
# each N with the N-th allocation failing, transiently (only that one) and
# persistently (that one and every later one until the script ends). Each
# request must succeed or fail cleanly: a 5xx error, or for the listener
# itself a closed connection, never a 4xx, a wrong body or a crash. After
# each run, with allocations working again, the daemon must serve a PUT,
# a GET and a KMS round trip without a restart. At the end it must stop
# cleanly (under ASan: without a LeakSanitizer report), and the store must
# be consistent.
#
# N is sampled (FAULTS_ALLOC_SAMPLES values, default 6, spread over the
# whole range, plus N = 1..4) unless FAULTS_LONG=1 (`make faults-long`):
# then every N up to 200 and about 1000 values spread up to 1.5 times the
# clean count, each mode stopping at the first run that no longer reaches
# its N. A daemon start per run keeps runs apart, and costs seconds, so a
# sweep of every single N (some 15000 per mode) is out of reach here.
# FAULTS_ALLOC_NS="N..." runs just those values (to reproduce a finding).
. "$(dirname "$0")/e2e_lib.bash"
. "$(dirname "$0")/faults_lib.bash"

command -v sqlite3 >/dev/null || { log "SKIP: sqlite3 missing"; exit 77; }
HOOK=${ALLOCFAIL_SO:-$(dirname "$COFFERD")/tests/liballocfail.so}
[ -f "$HOOK" ] || { log "SKIP: $HOOK not built"; exit 77; }

D=$E2E_TMP/data
L=$E2E_TMP/cofferd.log
B=oom
SAMPLES=${FAULTS_ALLOC_SAMPLES:-6}
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
head -c 3000 /dev/urandom >"$E2E_TMP/small"
head -c 140000 /dev/urandom >"$E2E_TMP/big"

# expect WHAT STATUS OK...: OK, a 5xx, or 000 (no answer: the listener
# could not allocate the connection) count; anything else is a failure.
expect() {
	local what=$1 st=$2 ok
	shift 2
	for ok in "$@"; do
		[ "$st" = "$ok" ] && return 0
	done
	if is_5xx "$st" || [ "$st" = 000 ]; then
		REFUSED=$((REFUSED + 1))
		return 1
	fi
	fail "$what: status $st"
	return 1
}

# get_exact WHAT KEY FILE [CURL_ARGS...]: a 200/206 must carry FILE's bytes
# (a cut body after the headers is a clean failure too).
get_exact() {
	local what=$1 k=$2 f=$3 rc n
	shift 3
	rm -f "$E2E_TMP/got"
	E2E_OUT=$E2E_TMP/got oss GET "/$B/$k" "$@" >/dev/null
	rc=$?
	expect "$what" "$STATUS" 200 206 || return 0
	touch "$E2E_TMP/got"
	cmp -s "$E2E_TMP/got" "$f" && [ "$rc" -eq 0 ] && return 0
	n=$(stat -c %s "$E2E_TMP/got")
	[ "$rc" -ne 0 ] && cmp -s -n "$n" "$E2E_TMP/got" "$f" && return 0
	fail "$what: $STATUS with wrong bytes (curl $rc, $n bytes)"
}

# script TAG: the fixed request sequence.
script() {
	local t=$1 st key ct
	st=$(put_file "$B" "s-$t" "$E2E_TMP/small")
	expect "$t PUT small" "$st" 200 && get_exact "$t GET small" "s-$t" "$E2E_TMP/small"
	st=$(put_file "$B" "big" "$E2E_TMP/big")
	expect "$t PUT big" "$st" 200
	get_exact "$t GET big" big "$E2E_TMP/big"
	tail -c +70001 "$E2E_TMP/big" | head -c 1000 >"$E2E_TMP/range"
	get_exact "$t GET big range" big "$E2E_TMP/range" -H 'Range: bytes=70000-70999'
	st=$(http_status DELETE "/$B/s-$t")
	expect "$t DELETE" "$st" 204
	kms CreateKey
	expect "$t CreateKey" "$KSTATUS" 200 || return 0
	key=$(kfield KeyId)
	kms Encrypt "KeyId=$key" "Plaintext=b29t"
	expect "$t Encrypt" "$KSTATUS" 200 || return 0
	ct=$(kfield CiphertextBlob)
	kms Decrypt "CiphertextBlob=$ct"
	expect "$t Decrypt" "$KSTATUS" 200 &&
	    [ "$(kfield Plaintext)" != b29t ] && fail "$t Decrypt: wrong plaintext"
	return 0
}

# report: "count failed" of the last SIGUSR2 line.
report() {
	local i line
	for i in $(seq 1 100); do
		line=$(grep -a '^allocfail: ' "$L.stderr" | tail -n 1)
		[ "$(grep -ac '^allocfail: ' "$L.stderr")" -ge "$1" ] && break
		sleep 0.05
	done
	sed -n 's/^allocfail: count=\([0-9]*\) failed=\([0-9]*\)$/\1 \2/p' <<<"$line"
}

RUNS=0

start() {
	E2E_ENV=(LD_PRELOAD="$HOOK" ALLOCFAIL_N="$1" ALLOCFAIL_MODE="$2")
	daemon_start "$D" "$L" --max-kms-keys 100000 || die "start with N=$1 $2"
	E2E_ENV=()
	kms_port "$L" || die "no KMS port"
}

# healthy WHAT: allocations work again; so must the service.
healthy() {
	local st ct
	kill -0 "$DPID" 2>/dev/null || { fail "$1: cofferd died"; return 1; }
	st=$(put_file "$B" health "$E2E_TMP/big")
	check "$1: PUT afterwards: $st" [ "$st" = 200 ]
	st=$(get_file "$B" health "$E2E_TMP/got")
	check "$1: GET afterwards: $st" [ "$st" = 200 ] &&
	    check "$1: GET afterwards: bytes" cmp -s "$E2E_TMP/got" "$E2E_TMP/big"
	kms CreateKey
	check "$1: CreateKey afterwards: $KSTATUS" [ "$KSTATUS" = 200 ]
}

# pass N MODE: a daemon whose N-th allocation after arming fails runs the
# script; PCOUNT and PFAILED get the hook's figures. A daemon per pass
# makes each start from a quiet heap (the hook reads N at start).
pass() {
	local n=$1 mode=$2 lines
	start "$n" "$mode"
	lines=$(grep -ac '^allocfail: ' "$L.stderr")
	kill -USR1 "$DPID"
	script "$mode-$n"
	kill -USR2 "$DPID"
	read -r PCOUNT PFAILED <<<"$(report $((lines + 1)))"
	RUNS=$((RUNS + 1))
	healthy "N=$n $mode"
	daemon_stop
	rc=$?
	check "N=$n $mode: clean stop (exit $rc)" [ "$rc" -eq 0 ]
	sanitizer_report "$L.stderr" && { fail "N=$n $mode: sanitizer report"; \
	    grep -a -A12 -m1 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error' "$L.stderr" >&2; }
	mv "$L.stderr" "$L.stderr.$RUNS"
}

mkdir -p "$D"
# A request the daemon cannot even answer must not hang the sweep.
printf 'max-time = 60\n' >"$E2E_TMP/.curlrc"
export CURL_HOME=$E2E_TMP
start 0 transient
[ "$(http_status PUT "/$B/")" = 200 ] || die "PutBucket"
# The count of a clean pass bounds the sweep.
lines=$(grep -ac '^allocfail: ' "$L.stderr")
kill -USR1 "$DPID"
REFUSED=0
script clean
kill -USR2 "$DPID"
read -r TOTAL _ <<<"$(report $((lines + 1)))"
check "clean pass: nothing refused ($REFUSED)" [ "$REFUSED" -eq 0 ]
daemon_stop
[ -n "$TOTAL" ] && [ "$TOTAL" -gt 0 ] || die "no allocation count from the hook"
log "the script makes about $TOTAL allocations"

if [ -n "${FAULTS_ALLOC_NS:-}" ]; then
	ns=$FAULTS_ALLOC_NS	# reproduce given values
elif [ -n "${FAULTS_LONG:-}" ]; then
	# Every N of the first requests' set-up, then a step that keeps the
	# run to about 1000 daemons per mode.
	step=$(( (TOTAL + 999) / 1000 ))
	ns=$( { seq 1 200; seq 200 "$step" $((TOTAL + TOTAL / 2)); } | sort -nu)
else
	ns=$( { seq 1 4; seq $((TOTAL / SAMPLES)) $((TOTAL / SAMPLES)) "$TOTAL"; } | sort -nu)
fi
hit=0 missed=0
for mode in transient persistent; do
	for n in $ns; do
		REFUSED=0
		pass "$n" "$mode"
		count=${PCOUNT:-0} failed=${PFAILED:-0}
		if [ "$failed" -eq 0 ]; then
			missed=$((missed + 1))
			# The script completed without reaching N: the sweep is done.
			[ -n "${FAULTS_LONG:-}" ] && [ "$count" -lt "$n" ] && break
			continue
		fi
		hit=$((hit + 1))
		[ -n "${FAULTS_LONG:-}" ] || log "N=$n $mode: $count allocations, $failed failed, $REFUSED requests refused"
	done
done
log "$RUNS runs: $hit reached N, $missed completed before N"
check "some runs hit their failing allocation" [ "$hit" -gt 0 ]
verify_store "$D" "after the sweep"
e2e_finish
