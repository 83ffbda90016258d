#!/bin/bash
# SPDX-License-Identifier: ISC
# lifecycle_crash.sh: kill -9 during a lifecycle run (oss-api-2.md §2.4,
# §2.6; reliability.md T4).
#
# Bucket lce expires its objects after one day; bucket lcw has the same
# rule but a Locked retention policy of ten days over its objects. The
# business clock jumps over the due date and the run is interrupted three
# times: by the crash point right after an expiry's commit (its blob not
# yet unlinked, the progress row not yet moved), by the one after a
# progress write, and by kill -9 at an arbitrary moment of a bigger run.
# After each restart the run goes on from where it stood. In the end:
# every expiring object is gone, every protected one is present and
# byte-identical, no blob is orphaned or missing, the database passes
# integrity_check, the run is complete and audited, and the protected
# objects' skips are in the audit trail.
. "$(dirname "$0")/e2e_lib.bash"

command -v sqlite3 >/dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

D=$E2E_TMP/data
L=$E2E_TMP/cofferd.log
N=40		# objects per bucket; some above 64 KiB (blob files)
NBIG=200	# objects of the kill -9 round

rule_xml() {
	printf '<LifecycleConfiguration><Rule><ID>%s</ID><Prefix>%s</Prefix>' "$1" "$2"
	printf '<Status>Enabled</Status><Expiration><Days>1</Days></Expiration>'
	printf '</Rule></LifecycleConfiguration>'
}

body() {
	# Every eighth object is 100 KiB (a blob file), the rest inline rows.
	if [ $(($2 % 8)) -eq 0 ]; then
		head -c 102400 /dev/zero | tr '\0' "$(printf '\\%03o' $((65 + $2 % 26)))"
	fi
	printf '%s/%s\n' "$1" "$2"
}

clock() { "$COFFER" --data-dir "$D" clock "$@" >/dev/null; }

show() { "$COFFER" --data-dir "$D" lifecycle show "$1" --json; }

run_done() {
	# run_done BUCKET DAY: the runs through DAY are complete.
	local s
	s=$(show "$1") || return 1
	grep -q '"Done":true' <<<"$s" && grep -q "\"RunDay\":\"$2\"" <<<"$s"
}

wait_done() {
	local i
	for i in $(seq 1 300); do
		run_done "$1" "$2" && return 0
		sleep 0.1
	done
	return 1
}

mkdir -p "$E2E_TMP/bodies"
daemon_start "$D" "$L" --test-clock || die "start"
clock set 2030-01-01T12:00:00Z
for b in lce lcw lcb; do
	[ "$(http_status PUT "/$b/")" = 200 ] || die "PutBucket $b"
done
for i in $(seq 1 $N); do
	for b in lce lcw; do
		body "$b" "$i" >"$E2E_TMP/bodies/$b.$i"
		[ "$(put_file "$b" "e/$i" "$E2E_TMP/bodies/$b.$i")" = 200 ] ||
		    die "PutObject $b/e/$i"
	done
done
E2E_OUT=/dev/null oss POST "/lcw/?worm" -D "$E2E_TMP/hdr" --data-binary \
    '<InitiateWormConfiguration><RetentionPeriodInDays>10</RetentionPeriodInDays></InitiateWormConfiguration>' >/dev/null
WORM_ID=$(sed -n 's/^x-oss-worm-id: *\([0-9A-F]*\).*/\1/ip' "$E2E_TMP/hdr")
[ "$(http_status POST "/lcw/?wormId=$WORM_ID")" = 200 ] || die "CompleteBucketWorm"
for b in lce lcw; do
	E2E_OUT=/dev/null oss PUT "/$b/?lifecycle" --data-binary "$(rule_xml "r-$b" e/)" >/dev/null
	[ "$STATUS" = 200 ] || die "PutBucketLifecycle $b: $STATUS"
done
check "no run before the due date" run_done lce 2030-01-01
daemon_stop || die "stop"

# Round 1: the first expiry commits, then the process dies before its blob
# is unlinked and before the progress row moves.
E2E_ENV=(COFFER_CRASH_AT=lifecycle-committed)
daemon_start "$D" "$L" --test-clock || die "start (round 1)"
clock set 2030-01-03T01:00:00Z
daemon_wait 60
check "round 1 died at the crash point" [ $? -eq 99 ]
check "round 1 left a run in progress" not run_done lce 2030-01-03

# Round 2: resumes; dies at its first progress write.
E2E_ENV=(COFFER_CRASH_AT=lifecycle-progress)
daemon_start "$D" "$L" --test-clock || die "start (round 2)"
daemon_wait 60
check "round 2 died at the crash point" [ $? -eq 99 ]

# Round 3: resumes and finishes.
E2E_ENV=()
daemon_start "$D" "$L" --test-clock || die "start (round 3)"
check "the run finished after the restarts" wait_done lce 2030-01-03
check "lcw's run finished" wait_done lcw 2030-01-03

for i in $(seq 1 $N); do
	st=$(http_status GET "/lce/e/$i")
	[ "$st" = 404 ] || fail "lce/e/$i: $st, want 404 (expired)"
	st=$(get_file lcw "e/$i" "$E2E_TMP/got")
	if [ "$st" != 200 ]; then
		fail "protected lcw/e/$i: $st"
	elif ! cmp -s "$E2E_TMP/got" "$E2E_TMP/bodies/lcw.$i"; then
		fail "protected lcw/e/$i changed"
	fi
done

# Round 4: a bigger run, kill -9 at an arbitrary moment, twice.
for i in $(seq 1 $NBIG); do
	printf 'b%s' "$i" >"$E2E_TMP/small"
	[ "$(put_file lcb "e/$i" "$E2E_TMP/small")" = 200 ] || die "PutObject lcb/e/$i"
done
E2E_OUT=/dev/null oss PUT "/lcb/?lifecycle" --data-binary "$(rule_xml r-lcb e/)" >/dev/null
[ "$STATUS" = 200 ] || die "PutBucketLifecycle lcb: $STATUS"
clock set 2030-01-05T01:00:00Z
sleep 1.$((RANDOM % 9))
daemon_kill9
daemon_start "$D" "$L" --test-clock || die "start (round 4)"
sleep 0.$((RANDOM % 9))
daemon_kill9
daemon_start "$D" "$L" --test-clock || die "start (round 5)"
check "lcb's run finished" wait_done lcb 2030-01-05
check "lcw's runs went on" wait_done lcw 2030-01-05
left=0
for i in $(seq 1 $NBIG); do
	[ "$(http_status HEAD "/lcb/e/$i")" = 404 ] || left=$((left + 1))
done
check "every lcb object expired ($left left)" [ "$left" -eq 0 ]
for i in $(seq 1 $N); do
	st=$(get_file lcw "e/$i" "$E2E_TMP/got")
	[ "$st" = 200 ] && cmp -s "$E2E_TMP/got" "$E2E_TMP/bodies/lcw.$i" ||
	    fail "protected lcw/e/$i after kill -9: $st"
done
daemon_stop || fail "clean stop"

# The store and the rows agree (the start-up sweep removed what a crash
# left behind), the database is whole, and the trail says what happened.
check "no orphan or missing blob" \
    diff <(blob_names "$D") <(extent_uuids "$D")
check "integrity_check" \
    [ "$(sqlite3 "$D/meta.db" 'pragma integrity_check')" = ok ]
audit=$("$COFFER" --data-dir "$D" audit --json --limit 100000)
check "lce's run is audited" grep -q '"Action":"lifecycle.run","Target":"lce/"' <<<"$audit"
check "lcw's skips are audited" \
    grep -q '"Action":"lifecycle.expire","Target":"lcw/e/1","Result":"skipped-retention"' <<<"$audit"
check "no protected object was expired" \
    not grep -q '"Action":"lifecycle.expire","Target":"lcw/e/[0-9]*","Result":"ok"' <<<"$audit"
check "worm verify" "$COFFER" --data-dir "$D" worm verify
e2e_finish
