#!/bin/bash
# SPDX-License-Identifier: ISC
# crash.sh: crash recovery of the object store (reliability.md §5 T1, T4).
#
# Part 1, kill -9 mid-burst: writers PUT objects in parallel while the
# daemon is killed at an arbitrary moment, three times over on one data
# dir. After each restart every PUT that was acknowledged with 200 must read
# back byte-exact, every other attempted key must be absent or complete, no
# temp file may survive start-up recovery, and the blobs on disk must be
# exactly the extents in meta.db (no orphan either way).
#
# Part 2, failpoints: COFFER_CRASH_AT makes the daemon _exit(99) at each step
# of the durable-write sequence (temp written, fsynced, renamed, directory
# fsynced: all before the metadata commit). After a restart the object must
# be absent and recovery must have removed what the crash left behind.
. "$(dirname "$0")/e2e_lib.bash"

command -v sqlite3 >/dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

D=$E2E_TMP/data
L=$E2E_TMP/cofferd.log
POOL=$E2E_TMP/pool
BUCKET=crash
NFILES=24
WRITERS=4
ROUNDS=3

mkdir -p "$POOL"
# A pool of objects with sizes around the 64 KiB chunk and 1 MiB write
# buffer boundaries, plus empty and tiny ones.
sizes=(0 1 100 65535 65536 65537 131072 200000 1048575 1048576 1048577 \
    300000 7 4096 70000 500000 1500000 65 32768 99999 2000000 12345 \
    262144 800000)
for i in $(seq 0 $((NFILES - 1))); do
	head -c "${sizes[$i]}" /dev/urandom >"$POOL/$i"
	sha256sum <"$POOL/$i" | cut -d' ' -f1 >"$POOL/$i.sha"
done

# writer ROUND W: until $E2E_TMP/run disappears, PUTs new keys (every
# attempt and every 200 logged) and, every third operation, overwrites or
# deletes one of a few "churn" keys (crash between unlinking an old blob
# and committing must never leave a row without its blob).
writer() {
	local r=$1 w=$2 i=0 idx key st
	while [ -e "$E2E_TMP/run" ]; do
		idx=$(((i * 7 + w * 5) % NFILES))
		if [ $((i % 3)) -eq 2 ]; then
			key=r$r-w$w-churn$((i % 4))
			echo "$key" >>"$E2E_TMP/churn.$r.$w"
			if [ $((i % 5)) -eq 0 ]; then
				http_status DELETE "/$BUCKET/$key" >/dev/null
			else
				put_file "$BUCKET" "$key" "$POOL/$idx" >/dev/null
			fi
		else
			key=r$r-w$w-$i
			echo "$key $idx" >>"$E2E_TMP/tried.$r.$w"
			st=$(put_file "$BUCKET" "$key" "$POOL/$idx")
			[ "$st" = 200 ] && echo "$key $idx" >>"$E2E_TMP/acked.$r.$w"
		fi
		i=$((i + 1))
	done
}

# verify_state: the invariants after a restart.
verify_state() {
	local what=$1 n
	n=$(find "$D/tmp" -type f | wc -l)
	check "$what: $n temp file(s) left in DATA_DIR/tmp" [ "$n" -eq 0 ]
	if ! diff <(blob_names "$D") <(extent_uuids "$D") >"$E2E_TMP/diff"; then
		fail "$what: blobs and extents differ (< blob only, > row only):"
		cat "$E2E_TMP/diff" >&2
	fi
	check "$what: integrity_check" \
	    [ "$(sqlite3 "$D/meta.db" 'pragma integrity_check')" = ok ]
}

# verify_objects ROUND: acknowledged objects exact; others absent or exact.
verify_objects() {
	local r=$1 key idx st got acked=0 other=0
	cat "$E2E_TMP"/acked.$r.* 2>/dev/null | sort >"$E2E_TMP/acked.$r"
	cat "$E2E_TMP"/tried.$r.* | sort >"$E2E_TMP/tried.$r"
	while read -r key idx; do
		st=$(get_file "$BUCKET" "$key" "$E2E_TMP/got")
		got=$(sha256sum <"$E2E_TMP/got" | cut -d' ' -f1)
		if [ "$st" != 200 ] || [ "$got" != "$(cat "$POOL/$idx.sha")" ]; then
			fail "round $r: acknowledged $key: status $st, sha $got"
		fi
		acked=$((acked + 1))
	done <"$E2E_TMP/acked.$r"
	while read -r key idx; do
		grep -qx "$key $idx" "$E2E_TMP/acked.$r" && continue
		st=$(get_file "$BUCKET" "$key" "$E2E_TMP/got")
		if [ "$st" = 200 ]; then
			got=$(sha256sum <"$E2E_TMP/got" | cut -d' ' -f1)
			[ "$got" = "$(cat "$POOL/$idx.sha")" ] ||
			    fail "round $r: unacknowledged $key is garbled"
		elif [ "$st" != 404 ]; then
			fail "round $r: unacknowledged $key: status $st"
		fi
		other=$((other + 1))
	done <"$E2E_TMP/tried.$r"
	# Churned keys: absent, or exactly one of the pool's objects.
	sort -u "$E2E_TMP"/churn.$r.* >"$E2E_TMP/churn.$r" 2>/dev/null
	while read -r key; do
		st=$(get_file "$BUCKET" "$key" "$E2E_TMP/got")
		if [ "$st" = 200 ]; then
			got=$(sha256sum <"$E2E_TMP/got" | cut -d' ' -f1)
			grep -qx "$got" "$POOL"/*.sha ||
			    fail "round $r: churned $key is garbled"
		elif [ "$st" != 404 ]; then
			fail "round $r: churned $key: status $st"
		fi
	done <"$E2E_TMP/churn.$r"
	log "round $r: $acked acknowledged, $other in flight or refused," \
	    "$(wc -l <"$E2E_TMP/churn.$r") churned keys"
	check "round $r: nothing was acknowledged before the kill" [ "$acked" -gt 0 ]
}

# ---- part 1: kill -9 mid-burst ----
daemon_start "$D" "$L" || die "start"
[ "$(http_status PUT "/$BUCKET/")" = 200 ] || die "PutBucket"
for r in $(seq 1 $ROUNDS); do
	touch "$E2E_TMP/run"
	for w in $(seq 1 $WRITERS); do
		writer "$r" "$w" &
		wpids[$w]=$!
	done
	# Kill once a fair number of PUTs were acknowledged, at a moment
	# that differs from round to round.
	for i in $(seq 1 200); do
		n=$(cat "$E2E_TMP"/acked.$r.* 2>/dev/null | wc -l)
		[ "$n" -ge $((10 * r)) ] && break
		sleep 0.05
	done
	sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
	daemon_kill9
	rm -f "$E2E_TMP/run"
	for w in $(seq 1 $WRITERS); do
		wait "${wpids[$w]}"
	done
	sanitizer_report "$L.stderr" && fail "round $r: sanitizer report"

	daemon_start "$D" "$L" || die "restart after kill -9 (round $r)"
	verify_state "round $r"
	verify_objects "$r"
done
daemon_stop
rc=$?
check "daemon exits 0 after the rounds (got $rc)" [ "$rc" -eq 0 ]
sanitizer_report "$L.stderr" && fail "sanitizer report"

# ---- part 2: failpoints ----
head -c 300000 /dev/urandom >"$E2E_TMP/fp"
for point in blob-written blob-fsynced blob-renamed dir-fsynced; do
	E2E_ENV=(COFFER_CRASH_AT=$point)
	daemon_start "$D" "$L" || die "start with COFFER_CRASH_AT=$point"
	E2E_ENV=()
	blobs_before=$(blob_names "$D" | wc -l)
	st=$(put_file "$BUCKET" "fp-$point" "$E2E_TMP/fp")
	check "$point: PUT must not be acknowledged (got $st)" [ "$st" != 200 ]
	daemon_wait 30
	rc=$?
	check "$point: daemon exit status $rc, want 99" [ "$rc" -eq 99 ]
	sanitizer_report "$L.stderr" && fail "$point: sanitizer report"
	# The crash left a temp file or an unreferenced blob behind.
	left=$(( $(find "$D/tmp" -type f | wc -l) +
	    $(blob_names "$D" | wc -l) - blobs_before ))
	check "$point: the crash left nothing to recover" [ "$left" -ge 1 ]

	daemon_start "$D" "$L" || die "restart after $point"
	check "$point: start-up recovery logged its clean-up" \
	    grep -q 'recovery removed' "$L.stderr"
	st=$(get_file "$BUCKET" "fp-$point" "$E2E_TMP/got")
	check "$point: object must be absent after restart (got $st)" [ "$st" = 404 ]
	verify_state "$point"
	daemon_stop
	rc=$?
	check "$point: clean stop (got $rc)" [ "$rc" -eq 0 ]
	sanitizer_report "$L.stderr" && fail "$point: sanitizer report"
done

e2e_finish
