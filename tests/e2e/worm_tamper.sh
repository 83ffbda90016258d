#!/bin/bash
# SPDX-License-Identifier: ISC
# worm_tamper.sh: WORM retention against a person with the database file
# (reliability.md T21; README "What WORM guarantees").
#
# Each case starts from a fresh data dir in which bucket "wormlocked" has a
# Locked one-day policy over object "rec", and bucket "wormfree" has no
# policy and an object "rec" too. With the daemon stopped, the case edits
# meta.db with the sqlite3 shell the way an auditor would (dropping the
# triggers that stand in the way, since the shell cannot call the seal
# functions), restarts, and tries to delete the protected object. Every
# attack must be refused (409 or 500, the object still readable, an ALERT
# in the log, `coffer worm verify` failing); every positive control (the
# same kind of edit where nothing is protected, the legitimate expiry
# after `coffer clock advance`, an acknowledged restore of an older copy)
# must let the change through.
. "$(dirname "$0")/e2e_lib.bash"

command -v sqlite3 >/dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

N=0
DROP="DROP TRIGGER IF EXISTS worm_objects_no_delete;
DROP TRIGGER IF EXISTS worm_objects_no_rewrite;
DROP TRIGGER IF EXISTS worm_policies_locked_update;
DROP TRIGGER IF EXISTS seal_objects_insert;
DROP TRIGGER IF EXISTS seal_objects_delete;
DROP TRIGGER IF EXISTS seal_objects_update;
DROP TRIGGER IF EXISTS seal_policies_insert;
DROP TRIGGER IF EXISTS seal_policies_delete;
DROP TRIGGER IF EXISTS seal_policies_update;
DROP TRIGGER IF EXISTS seal_mac;"

# (A function, so that check's own FAIL line is not redirected away.)
verify_fails() { not "$COFFER" --data-dir "$D" worm verify >/dev/null 2>&1; }

days_xml() {
	printf '<%s><RetentionPeriodInDays>%s</RetentionPeriodInDays></%s>' \
	    "$1" "$2" "$1"
}

# fresh: a new data dir D with the two buckets, the daemon stopped.
fresh() {
	N=$((N + 1))
	D=$E2E_TMP/d$N
	L=$E2E_TMP/log$N
	daemon_start "$D" "$L" --test-clock || die "start $N"
	[ "$(http_status PUT /wormlocked/)" = 200 ] || die "PutBucket"
	[ "$(http_status PUT /wormfree/)" = 200 ] || die "PutBucket"
	E2E_OUT=/dev/null oss PUT /wormlocked/rec --data-binary record >/dev/null
	[ "$STATUS" = 200 ] || die "PutObject"
	E2E_OUT=/dev/null oss PUT /wormfree/rec --data-binary free >/dev/null
	oss POST "/wormlocked/?worm" -D "$E2E_TMP/hdr" \
	    --data-binary "$(days_xml InitiateWormConfiguration 1)" >/dev/null
	[ "$STATUS" = 200 ] || die "InitiateBucketWorm ($STATUS)"
	WORM_ID=$(sed -n 's/^x-oss-worm-id: *\([0-9A-F]*\).*/\1/Ip' "$E2E_TMP/hdr")
	E2E_OUT=/dev/null oss POST "/wormlocked/?wormId=$WORM_ID" >/dev/null
	[ "$STATUS" = 200 ] || die "CompleteBucketWorm ($STATUS)"
	[ "$(http_status DELETE /wormlocked/rec)" = 409 ] || die "not protected"
	daemon_stop || die "stop"
}

edit() {
	sqlite3 "$D/meta.db" "$DROP $1" || die "sqlite3: $1"
}

# refused WHAT [KEY]: after a restart, deleting wormlocked/KEY is refused,
# the record is still there, never served with forged metadata (200 with
# its bytes, or 500), the log has an ALERT and verify fails.
refused() {
	local what=$1 k=${2:-rec} st body
	daemon_start "$D" "$L" --test-clock || die "restart ($what)"
	st=$(http_status DELETE "/wormlocked/$k")
	check "$what: delete refused ($st)" [ "$st" = 409 -o "$st" = 500 ]
	E2E_OUT=$E2E_TMP/got oss GET "/wormlocked/$k" >/dev/null
	body=$(cat "$E2E_TMP/got")
	check "$what: record not lost, not misread ($STATUS)" \
	    [ "$STATUS" = 500 -o "$STATUS$body" = 200record ]
	check "$what: record row still there" [ "$(sqlite3 "$D/meta.db" \
	    "select count(*) from objects where key like 'rec%' and bucket =
	    (select id from buckets where name = 'wormlocked')")" = 1 ]
	check "$what: ALERT logged" grep -q ALERT "$L.stderr"
	daemon_stop
	check "$what: coffer worm verify fails" verify_fails
}

# allowed WHAT BUCKET: deleting BUCKET/rec succeeds after a restart.
allowed() {
	local what=$1 b=$2 st
	daemon_start "$D" "$L" --test-clock || die "restart ($what)"
	st=$(http_status DELETE "/$b/rec")
	check "$what: delete allowed ($st)" [ "$st" = 204 ]
	daemon_stop
}

# ---- 1. the policy row deleted ----
fresh
edit "DELETE FROM worm_policies;"
refused "policy row deleted"

# ---- 2. the object's mtime moved back past the period ----
fresh
edit "UPDATE objects SET mtime_ms = mtime_ms - 400 * 86400000 WHERE key = 'rec';"
refused "object mtime moved back"
# Positive control: the same edit where no policy applies changes nothing
# that matters, and the delete goes through.
fresh
edit "UPDATE objects SET mtime_ms = mtime_ms - 400 * 86400000
    WHERE bucket = (SELECT id FROM buckets WHERE name = 'wormfree');"
allowed "mtime edit in a bucket without policy" wormfree

# ---- 3. an earlier genuine policy row put back (InProgress + its MAC) ----
N=$((N + 1))
D=$E2E_TMP/d$N
L=$E2E_TMP/log$N
daemon_start "$D" "$L" --test-clock || die "start"
http_status PUT /wormlocked/ >/dev/null
E2E_OUT=/dev/null oss PUT /wormlocked/rec --data-binary record >/dev/null
oss POST "/wormlocked/?worm" -D "$E2E_TMP/hdr" \
    --data-binary "$(days_xml InitiateWormConfiguration 1)" >/dev/null
WORM_ID=$(sed -n 's/^x-oss-worm-id: *\([0-9A-F]*\).*/\1/Ip' "$E2E_TMP/hdr")
daemon_stop
sqlite3 "$D/meta.db" "SELECT quote(bucket), quote(worm_id), quote(state),
    quote(days), quote(created_ms), quote(updated_ms), quote(mac)
    FROM worm_policies" | tr '|' ',' >"$E2E_TMP/oldrow"
daemon_start "$D" "$L" --test-clock || die "start"
E2E_OUT=/dev/null oss POST "/wormlocked/?wormId=$WORM_ID" >/dev/null
daemon_stop
edit "DELETE FROM worm_policies;
    INSERT INTO worm_policies VALUES ($(cat "$E2E_TMP/oldrow"));"
check "replay: the row reads InProgress again" [ "$(sqlite3 "$D/meta.db" \
    'select state from worm_policies')" = InProgress ]
daemon_start "$D" "$L" --test-clock || die "restart"
check "replay: AbortBucketWorm refused ($(http_status DELETE '/wormlocked/?worm'))" \
    [ "$(http_status DELETE '/wormlocked/?worm')" != 204 ]
daemon_stop
refused "old policy row put back"

# ---- each authenticated field ----
for e in \
    "UPDATE worm_policies SET state = 'InProgress';" \
    "UPDATE worm_policies SET days = 2;" \
    "UPDATE worm_policies SET created_ms = created_ms - 2 * 86400000;" \
    "UPDATE worm_policies SET worm_id = '00000000000000000000000000000000';" \
    "UPDATE worm_policies SET bucket = (SELECT id FROM buckets WHERE name = 'wormfree');" \
    "UPDATE worm_policies SET mac = NULL;" \
    "UPDATE objects SET size = 1 WHERE key = 'rec';" \
    "UPDATE objects SET etag = 'X' WHERE key = 'rec';" \
    "UPDATE objects SET type = 'Appendable' WHERE key = 'rec';" \
    "UPDATE objects SET mac = NULL WHERE key = 'rec';" \
    "UPDATE seal SET policies_n = 0, policies_acc = NULL;" \
    "UPDATE seal SET sealed = 0, mac = NULL;"; do
	fresh
	edit "$e"
	refused "edit: $e"
done

# A record moved to another key: refused under its new name.
fresh
edit "UPDATE objects SET key = 'rec2' WHERE key = 'rec'
    AND bucket = (SELECT id FROM buckets WHERE name = 'wormlocked');"
refused "object key renamed" rec2

# The bytes behind a record: its extent rows swapped with another object's,
# or deleted. The object row is intact (delete 409), reads are refused.
OID="(SELECT o.id FROM objects o JOIN buckets b ON b.id = o.bucket
    WHERE b.name = 'wormlocked' AND o.key = 'rec')"
FID="(SELECT o.id FROM objects o JOIN buckets b ON b.id = o.bucket
    WHERE b.name = 'wormfree' AND o.key = 'rec')"
fresh
edit "UPDATE extents SET object = -object WHERE object IN ($OID, $FID);
    UPDATE extents SET object = CASE WHEN -object = $OID THEN $FID ELSE $OID END
    WHERE object < 0;"
refused "extents swapped between two objects"
fresh
edit "DELETE FROM extents WHERE object = $OID;"
refused "extent rows deleted"

# ---- the clock: a high-water mark moved 400 days forward ----
fresh
edit "UPDATE clock SET high_water_ms = high_water_ms + 400 * 86400000;"
daemon_start "$D" "$L" --test-clock || die "restart"
st=$(http_status DELETE /wormlocked/rec)
check "forged clock: delete refused ($st)" [ "$st" = 409 ]
check "forged clock: ALERT logged" grep -q "ALERT: the business clock" "$L.stderr"
daemon_stop

# ---- the whole database put back from an older copy ----
fresh
cp "$D/meta.db" "$E2E_TMP/old.db"
daemon_start "$D" "$L" --test-clock || die "restart"
E2E_OUT=/dev/null oss PUT /wormlocked/later --data-binary later >/dev/null
check "rollback: new record written ($STATUS)" [ "$STATUS" = 200 ]
daemon_stop
cp "$E2E_TMP/old.db" "$D/meta.db"
rm -f "$D/meta.db-wal" "$D/meta.db-shm"
daemon_start "$D" "$L" --test-clock || die "restart"
check "rollback: ALERT logged" grep -q "put back from an older copy" "$L.stderr"
st=$(E2E_OUT=/dev/null oss PUT /wormfree/x --data-binary x >/dev/null; echo "$STATUS")
check "rollback: changes refused ($st)" [ "$st" = 500 ]
check "rollback: verify fails" verify_fails
out=$("$COFFER" --data-dir "$D" worm acknowledge-rollback 2>&1)
check "rollback: acknowledged ($out)" [ $? -eq 0 ]
st=$(E2E_OUT=/dev/null oss PUT /wormfree/x --data-binary x >/dev/null; echo "$STATUS")
check "rollback: changes accepted again without a restart ($st)" [ "$st" = 200 ]
st=$(http_status DELETE /wormlocked/rec)
check "rollback: the record is still protected ($st)" [ "$st" = 409 ]
check "rollback: acknowledgement audited" [ "$(sqlite3 "$D/meta.db" \
    "select count(*) from audit where action = 'seal.accept-rollback'")" = 1 ]
daemon_stop
check "rollback: verify ok afterwards" "$COFFER" --data-dir "$D" worm verify

# ---- positive control: legitimate expiry ----
fresh
daemon_start "$D" "$L" --test-clock || die "restart"
"$COFFER" --data-dir "$D" clock advance 25h >/dev/null || fail "clock advance"
st=$(http_status DELETE /wormlocked/rec)
check "expiry: delete allowed after the period ($st)" [ "$st" = 204 ]
check "expiry: no ALERT" not grep -q ALERT "$L.stderr"
daemon_stop
check "expiry: verify ok" "$COFFER" --data-dir "$D" worm verify

exit $((E2E_FAILS > 0))
