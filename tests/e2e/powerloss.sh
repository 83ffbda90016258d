#!/bin/bash
# SPDX-License-Identifier: ISC
# powerloss.sh: simulated power loss (reliability.md §5 T6).
#
# cofferd runs under the LD_PRELOAD shim of tests/support/powerloss.c: once
# the file $E2E_TMP/arm exists, the Nth fsync/fdatasync (N random per
# round) never happens; instead every write to the data dir not yet synced
# is kept, dropped or garbled at random and the daemon ends with 99, as the
# machine would. Writers PUT small (inline) and large (blob) objects
# meanwhile, logging each 200. After a restart without the shim: every
# acknowledged object reads back byte-identical, every other attempted key
# is absent or complete, no temp file survives start-up, the blobs are
# exactly the extents in meta.db and integrity_check says ok.
. "$(dirname "$0")/e2e_lib.bash"

command -v sqlite3 >/dev/null || { log "SKIP: sqlite3 missing"; exit 77; }
[ -n "${POWERLOSS_SO:-}" ] && [ -f "$POWERLOSS_SO" ] ||
    { log "SKIP: POWERLOSS_SO (the shim) not built"; exit 77; }
# A sanitized daemon needs its runtime first in the library list.
asan_build && { log "SKIP: ASan build"; exit 77; }

D=$E2E_TMP/data
L=$E2E_TMP/cofferd.log
POOL=$E2E_TMP/pool
BUCKET=powerloss
ROUNDS=${COFFER_POWERLOSS_ROUNDS:-6}
WRITERS=3

mkdir -p "$POOL"
sizes=(0 1 100 4096 65536 65537 200000 1048577 7 70000 30000 500000)
for i in "${!sizes[@]}"; do
	head -c "${sizes[$i]}" /dev/urandom >"$POOL/$i"
	sha256sum <"$POOL/$i" | cut -d' ' -f1 >"$POOL/$i.sha"
done
NFILES=${#sizes[@]}

writer() {
	local r=$1 w=$2 i=0 idx key st
	while [ -e "$E2E_TMP/run" ] && [ $i -lt 400 ]; do
		idx=$(((i * 5 + w * 3) % NFILES))
		key=r$r-w$w-$i
		echo "$key $idx" >>"$E2E_TMP/tried.$r"
		st=$(put_file "$BUCKET" "$key" "$POOL/$idx")
		[ "$st" = 200 ] && echo "$key $idx" >>"$E2E_TMP/acked.$r"
		[ "$st" = 000 ] && break
		i=$((i + 1))
	done
}

daemon_start "$D" "$L" || die "start"
[ "$(http_status PUT "/$BUCKET/")" = 200 ] || die "PutBucket"
daemon_stop >/dev/null

lost=0
for r in $(seq 1 $ROUNDS); do
	at=$((1 + RANDOM % 40))
	rm -f "$E2E_TMP/arm"
	E2E_ENV=(LD_PRELOAD="$POWERLOSS_SO" COFFER_POWERLOSS_DIR="$D"
	    COFFER_POWERLOSS_ARM="$E2E_TMP/arm" COFFER_POWERLOSS_AT=$at
	    COFFER_POWERLOSS_SEED=$RANDOM$r)
	daemon_start "$D" "$L" || die "start under the shim (round $r)"
	E2E_ENV=()
	: >"$E2E_TMP/tried.$r"
	: >"$E2E_TMP/acked.$r"
	touch "$E2E_TMP/arm" "$E2E_TMP/run"
	for w in $(seq 1 $WRITERS); do
		writer "$r" "$w" &
		wpids[$w]=$!
	done
	daemon_wait 120
	rc=$?
	rm -f "$E2E_TMP/run"
	for w in $(seq 1 $WRITERS); do
		wait "${wpids[$w]}"
	done
	check "round $r: the power went at sync $at (exit $rc, want 99)" [ "$rc" -eq 99 ]

	daemon_start "$D" "$L" || die "restart after the power loss (round $r)"
	n=$(find "$D/tmp" -type f | wc -l)
	check "round $r: $n temp file(s) left" [ "$n" -eq 0 ]
	if ! diff <(blob_names "$D") <(extent_uuids "$D") >"$E2E_TMP/diff"; then
		fail "round $r: blobs and extents differ (< blob only, > row only):"
		cat "$E2E_TMP/diff" >&2
	fi
	check "round $r: integrity_check" \
	    [ "$(sqlite3 "$D/meta.db" 'pragma integrity_check')" = ok ]
	acked=0
	while read -r key idx; do
		st=$(get_file "$BUCKET" "$key" "$E2E_TMP/got")
		if grep -qx "$key $idx" "$E2E_TMP/acked.$r"; then
			acked=$((acked + 1))
			[ "$st" = 200 ] && [ "$(sha256sum <"$E2E_TMP/got" | cut -d' ' -f1)" = "$(cat "$POOL/$idx.sha")" ] ||
			    fail "round $r: acknowledged $key lost or changed ($st)"
		elif [ "$st" = 200 ]; then
			[ "$(sha256sum <"$E2E_TMP/got" | cut -d' ' -f1)" = "$(cat "$POOL/$idx.sha")" ] ||
			    fail "round $r: unacknowledged $key is garbled"
		elif [ "$st" = 404 ]; then
			lost=$((lost + 1))
		else
			fail "round $r: $key: status $st"
		fi
	done <"$E2E_TMP/tried.$r"
	log "round $r: power lost at sync $at, $acked acknowledged PUTs checked"
	daemon_stop >/dev/null
done
log "$ROUNDS power losses, $lost unacknowledged PUTs absent afterwards"
e2e_finish
