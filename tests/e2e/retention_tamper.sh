#!/bin/bash
# SPDX-License-Identifier: ISC
# retention_tamper.sh: object-level retention (ObjectWorm) against a person
# with the database file (README "What WORM guarantees"), the way
# worm_tamper.sh checks bucket policies.
#
# Each case starts from a fresh data dir in which bucket "owb" has
# versioning and ObjectWorm enabled, version V of "rec" a one-day
# COMPLIANCE retention and version H of "held" a legal hold. With the
# daemon stopped, the case edits meta.db with the sqlite3 shell (dropping
# the triggers that stand in the way), restarts and tries to delete the
# protected version by its id. Every attack must be refused (409 or 500,
# the version still there, an ALERT in the log, `coffer worm verify`
# failing); the positive controls (the retention's end on the test clock,
# the hold lifted through the API) must let the delete through.
. "$(dirname "$0")/e2e_lib.bash"

command -v sqlite3 >/dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

N=0
DROP="DROP TRIGGER IF EXISTS retention_objects_no_delete;
DROP TRIGGER IF EXISTS retention_objects_no_rewrite;
DROP TRIGGER IF EXISTS retention_objects_no_shorten;
DROP TRIGGER IF EXISTS object_worm_no_delete;
DROP TRIGGER IF EXISTS seal_objects_insert;
DROP TRIGGER IF EXISTS seal_objects_delete;
DROP TRIGGER IF EXISTS seal_objects_update;
DROP TRIGGER IF EXISTS seal_objworm_insert;
DROP TRIGGER IF EXISTS seal_objworm_delete;
DROP TRIGGER IF EXISTS seal_objworm_update;
DROP TRIGGER IF EXISTS seal_mac;"

verify_fails() { not "$COFFER" --data-dir "$D" worm verify >/dev/null 2>&1; }

# put_version KEY DATA: PutObject, prints the new version id.
put_version() {
	E2E_OUT=/dev/null oss PUT "/owb/$1" -D "$E2E_TMP/hdr" \
	    --data-binary "$2" >/dev/null
	[ "$STATUS" = 200 ] || die "PutObject $1 ($STATUS)"
	sed -n 's/^x-oss-version-id: *\([^[:space:]]*\).*/\1/Ip' "$E2E_TMP/hdr"
}

# fresh: a new data dir D, the daemon stopped.
fresh() {
	local until
	N=$((N + 1))
	D=$E2E_TMP/d$N
	L=$E2E_TMP/log$N
	daemon_start "$D" "$L" --test-clock || die "start $N"
	[ "$(http_status PUT /owb/)" = 200 ] || die "PutBucket"
	E2E_OUT=/dev/null oss PUT "/owb/?versioning" --data-binary \
	    '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' \
	    >/dev/null
	[ "$STATUS" = 200 ] || die "PutBucketVersioning ($STATUS)"
	E2E_OUT=/dev/null oss PUT "/owb/?objectWorm" --data-binary \
	    '<ObjectWormConfiguration><ObjectWormEnabled>Enabled</ObjectWormEnabled></ObjectWormConfiguration>' \
	    >/dev/null
	[ "$STATUS" = 200 ] || die "PutBucketObjectWormConfiguration ($STATUS)"
	V=$(put_version rec record)
	H=$(put_version held record)
	[ -n "$V" ] && [ -n "$H" ] || die "no version ids"
	until=$(date -u -d '+1 day' '+%Y-%m-%dT%H:%M:%S.000Z')
	E2E_OUT=/dev/null oss PUT "/owb/rec?retention&versionId=$V" \
	    --data-binary "<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>$until</RetainUntilDate></Retention>" \
	    >/dev/null
	[ "$STATUS" = 200 ] || die "PutObjectRetention ($STATUS)"
	E2E_OUT=/dev/null oss PUT "/owb/held?legalHold&versionId=$H" \
	    --data-binary '<LegalHold><Status>ON</Status></LegalHold>' >/dev/null
	[ "$STATUS" = 200 ] || die "PutObjectLegalHold ($STATUS)"
	[ "$(http_status DELETE "/owb/rec?versionId=$V")" = 409 ] ||
	    die "rec not protected"
	[ "$(http_status DELETE "/owb/held?versionId=$H")" = 409 ] ||
	    die "held not protected"
	daemon_stop || die "stop"
}

edit() {
	sqlite3 "$D/meta.db" "$DROP $1" || die "sqlite3: $1"
}

# refused WHAT KEY VID: after a restart, deleting version VID of owb/KEY is
# refused, the row is still there, the log has an ALERT and verify fails.
refused() {
	local what=$1 k=$2 vid=$3 st
	daemon_start "$D" "$L" --test-clock || die "restart ($what)"
	st=$(http_status DELETE "/owb/$k?versionId=$vid")
	check "$what: delete refused ($st)" [ "$st" = 409 -o "$st" = 500 ]
	check "$what: version row still there" [ "$(sqlite3 "$D/meta.db" \
	    "select count(*) from objects where key = '$k' and
	    version_id = '$vid'")" = 1 ]
	check "$what: ALERT logged" grep -q ALERT "$L.stderr"
	daemon_stop
	check "$what: coffer worm verify fails" verify_fails
}

# allowed WHAT KEY VID: deleting version VID of owb/KEY succeeds.
allowed() {
	local what=$1 k=$2 vid=$3 st
	st=$(http_status DELETE "/owb/$k?versionId=$vid")
	check "$what: delete allowed ($st)" [ "$st" = 204 ]
}

# ---- a. the retention date set back ----
fresh
edit "UPDATE objects SET retain_until_ms = 0 WHERE key = 'rec';"
refused "retain_until_ms set back" rec "$V"
fresh
edit "UPDATE objects SET retain_mode = 'GOVERNANCE' WHERE key = 'rec';"
refused "COMPLIANCE made GOVERNANCE" rec "$V"

# ---- b. the legal hold cleared ----
fresh
edit "UPDATE objects SET legal_hold = 0 WHERE key = 'held';"
refused "legal_hold cleared" held "$H"

# ---- c. the ObjectWorm configuration row deleted ----
fresh
edit "DELETE FROM object_worm;"
refused "object_worm row deleted" rec "$V"
fresh
edit "DELETE FROM object_worm; UPDATE objects SET legal_hold = 0,
    retain_mode = '', retain_until_ms = 0;"
refused "configuration and retention both cleared" held "$H"

# ---- positive controls: the same versions, by the rules ----
fresh
daemon_start "$D" "$L" --test-clock || die "restart (controls)"
check "retention still in force" [ "$(http_status DELETE \
    "/owb/rec?versionId=$V")" = 409 ]
"$COFFER" --data-dir "$D" clock advance 25h >/dev/null || die "clock advance"
allowed "retention ended on the business clock" rec "$V"
E2E_OUT=/dev/null oss PUT "/owb/held?legalHold&versionId=$H" \
    --data-binary '<LegalHold><Status>OFF</Status></LegalHold>' >/dev/null
check "legal hold lifted ($STATUS)" [ "$STATUS" = 200 ]
allowed "hold lifted through the API" held "$H"
daemon_stop
check "coffer worm verify passes after lawful changes" \
    "$COFFER" --data-dir "$D" worm verify

exit $((E2E_FAILS > 0))
