#!/bin/bash
# SPDX-License-Identifier: ISC
# crash_points.sh: the named crash points past the blob (reliability.md §5
# T4; crash.sh covers the steps up to the directory fsync).
#
# For each point, cofferd starts with COFFER_CRASH_AT=<point> (base/crash.h),
# gets the one request that reaches it and must die with 99 before
# answering. After a restart the change must be wholly applied (the point
# is after its commit) or wholly absent (before it), and the data dir must
# be clean: no temp file, blobs exactly the extents, integrity_check ok.
#   - write path: object-committed and oss-reply for PutObject,
#     AppendObject, DeleteObject and CompleteMultipartUpload; UploadPart
#     killed at dir-fsynced (its blob written, never referenced: start-up
#     must collect it) and at part-committed;
#   - KMS key transitions: kms-key-written, kms-key-committed, kms-reply
#     for CreateKey, DisableKey, EnableKey, ScheduleKeyDeletion,
#     CancelKeyDeletion;
#   - WORM policy transitions: worm-written, worm-committed, oss-reply for
#     Initiate, Complete, Extend, Abort (a lock is never lost or weakened),
#     and anchor-pending (committed, the seal's anchor not yet moved: no
#     false rollback alarm);
#   - inventory configurations: inventory-written, inventory-committed for
#     PutBucketInventory and DeleteBucketInventory;
#   - ObjectWorm: objectworm-written and oss-reply for
#     PutBucketObjectWormConfiguration, object-committed for a version's
#     legal hold.
. "$(dirname "$0")/e2e_lib.bash"

command -v sqlite3 >/dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

D=$E2E_TMP/data
L=$E2E_TMP/cofferd.log
B=points

start() {
	daemon_start "$D" "$L" || die "start ${E2E_ENV[*]+"${E2E_ENV[*]}"}"
	KPORT=$(sed -n 's/.*listening oss=[^ ]* kms=[0-9.]*:\([0-9]*\) .*/\1/p' \
	    "$L.stderr" | tail -n 1)
	[ -n "$KPORT" ] || die "no KMS port"
}

# crash_start POINT: stops the running daemon, starts one that dies at POINT.
crash_start() {
	local rc
	daemon_stop
	rc=$?
	check "clean stop before $1 ($rc)" [ "$rc" -eq 0 ]
	E2E_ENV=(COFFER_CRASH_AT=$1)
	start
	E2E_ENV=()
	POINT=$1
}

# crashed WHAT STATUS: the request got no answer, the daemon exited 99 at
# the point; restarts it and checks the data dir.
crashed() {
	local what="$POINT: $1" rc n
	check "$what: not acknowledged (got $2)" [ "$2" = 000 ]
	daemon_wait 30
	rc=$?
	check "$what: exit status $rc, want 99" [ "$rc" -eq 99 ]
	sanitizer_report "$L.stderr" && fail "$what: sanitizer report"
	start
	n=$(find "$D/tmp" -type f | wc -l)
	check "$what: $n temp file(s) left" [ "$n" -eq 0 ]
	if ! diff <(blob_names "$D") <(extent_uuids "$D") >"$E2E_TMP/diff"; then
		fail "$what: blobs and extents differ (< blob only, > row only):"
		cat "$E2E_TMP/diff" >&2
	fi
	check "$what: integrity_check" \
	    [ "$(sqlite3 "$D/meta.db" 'pragma integrity_check')" = ok ]
}

sha() { sha256sum <"$1" | cut -d' ' -f1; }

# req METHOD RESOURCE [CURL_ARGS...]: oss with headers in $E2E_TMP/hdr and
# the body in $E2E_TMP/out; prints the status. Sub-resources in RESOURCE
# must be in canonical (sorted) order.
req() {
	local m=$1 r=$2
	shift 2
	E2E_OUT=$E2E_TMP/out oss "$m" "$r" -D "$E2E_TMP/hdr" "$@" >/dev/null
	echo "$STATUS"
}

hdr() { sed -n "s/^$1: *\\([^[:space:]]*\\).*/\\1/ip" "$E2E_TMP/hdr" | tr -d '"'; }
# xml TAG: the text of the first <TAG> in $E2E_TMP/out.
xml() {
	grep -o "<$1>[^<]*</$1>" "$E2E_TMP/out" | head -n 1 |
	    sed "s/<[^>]*>//g; s/&quot;/\"/g"
}

# RFC 3986 percent-encoding, as the KMS v1 signature wants it.
enc() {
	local s=$1 out= c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9._~-]) out+=$c ;;
		*) out+=$(printf '%%%02X' "'$c") ;;
		esac
	done
	printf '%s' "$out"
}

# kms ACTION [NAME=VALUE...]: a v1 RPC-signed KMS request (kms-api.md §2)
# with the parameters in the query; the JSON body goes to $E2E_TMP/out,
# the status is printed.
kms() {
	local action=$1 p canon sig st
	shift
	canon=$(for p in "AccessKeyId=$E2E_ROOT_AK" "Action=$action" \
	    Format=JSON SignatureMethod=HMAC-SHA1 \
	    "SignatureNonce=$(openssl rand -hex 16)" SignatureVersion=1.0 \
	    "Timestamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)" Version=2016-01-20 "$@"; do
		printf '%s=%s\n' "$(enc "${p%%=*}")" "$(enc "${p#*=}")"
	done | LC_ALL=C sort | paste -sd'&')
	sig=$(printf 'POST&%%2F&%s' "$(enc "$canon")" |
	    openssl dgst -sha1 -hmac "$E2E_ROOT_SK&" -binary | base64)
	st=$(curl -sS -X POST -o "$E2E_TMP/out" -w '%{http_code}' \
	    "http://127.0.0.1:$KPORT/?$canon&Signature=$(enc "$sig")" 2>/dev/null)
	echo "${st:-000}"
}

key_state() {
	[ "$(kms DescribeKey "KeyId=$1")" = 200 ] || { echo "?"; return; }
	sed -n 's/.*"KeyState":"\([^"]*\)".*/\1/p' "$E2E_TMP/out"
}

key_count() {
	[ "$(kms ListKeys PageSize=100)" = 200 ] || { echo "?"; return; }
	grep -o '"KeyId":"[^"]*"' "$E2E_TMP/out" | wc -l
}

start
[ "$(http_status PUT "/$B/")" = 200 ] || die "PutBucket"
head -c 300000 /dev/urandom >"$E2E_TMP/big"
head -c 2000 /dev/urandom >"$E2E_TMP/small"

# ---- write path, after the commit: applied ----
for point in object-committed oss-reply; do
	for f in big small; do
		crash_start $point
		crashed "PUT $f" "$(put_file $B "$point-$f" "$E2E_TMP/$f")"
		st=$(get_file $B "$point-$f" "$E2E_TMP/got")
		check "$point: PUT $f applied ($st)" [ "$st" = 200 ]
		check "$point: PUT $f byte-identical" \
		    [ "$(sha "$E2E_TMP/got")" = "$(sha "$E2E_TMP/$f")" ]
	done

	crash_start $point
	crashed "DELETE" "$(http_status DELETE "/$B/$point-small")"
	check "$point: DELETE applied" [ "$(get_file $B "$point-small" "$E2E_TMP/got")" = 404 ]

	crash_start $point
	crashed "append" "$(req POST "/$B/$point-app?append&position=0" \
	    --data-binary "@$E2E_TMP/big")"
	st=$(get_file $B "$point-app" "$E2E_TMP/got")
	check "$point: append applied ($st)" [ "$st" = 200 ]
	check "$point: appended bytes identical" \
	    [ "$(sha "$E2E_TMP/got")" = "$(sha "$E2E_TMP/big")" ]
	st=$(req POST "/$B/$point-app?append&position=300000" --data-binary x)
	check "$point: the next append continues at the acknowledged length ($st)" \
	    [ "$st" = 200 ]
done

# ---- multipart ----
K=mp
[ "$(req POST "/$B/$K?uploads")" = 200 ] || die "InitiateMultipartUpload"
U=$(xml UploadId)
head -c 150000 /dev/urandom >"$E2E_TMP/p1"
head -c 1000 /dev/urandom >"$E2E_TMP/p2"

# UploadPart dies with its blob renamed and synced but no row naming it:
# start-up removes the orphan and the upload has no part.
crash_start dir-fsynced
crashed "UploadPart" "$(req PUT "/$B/$K?partNumber=1&uploadId=$U" \
    --data-binary "@$E2E_TMP/p1")"
check "dir-fsynced: start-up collected the orphan part blob" \
    grep -q 'recovery removed' "$L.stderr"
check "dir-fsynced: ListParts answers" [ "$(req GET "/$B/$K?uploadId=$U")" = 200 ]
check "dir-fsynced: no part recorded" bash -c "! grep -q '<Part>' '$E2E_TMP/out'"

crash_start part-committed
crashed "UploadPart" "$(req PUT "/$B/$K?partNumber=1&uploadId=$U" \
    --data-binary "@$E2E_TMP/p1")"
req GET "/$B/$K?uploadId=$U" >/dev/null
check "part-committed: part 1 recorded" \
    [ "$(xml ETag | tr -d '"' | tr A-F a-f)" = "$(md5sum <"$E2E_TMP/p1" | cut -d' ' -f1)" ]
[ "$(req PUT "/$B/$K?partNumber=2&uploadId=$U" --data-binary "@$E2E_TMP/p2")" = 200 ] ||
    die "UploadPart 2"
E2=$(hdr etag)
req GET "/$B/$K?uploadId=$U" >/dev/null
E1=$(xml ETag | tr -d '"')
body="<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"$E1\"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>\"$E2\"</ETag></Part></CompleteMultipartUpload>"
crash_start object-committed
crashed "CompleteMultipartUpload" "$(req POST "/$B/$K?uploadId=$U" --data-binary "$body")"
cat "$E2E_TMP/p1" "$E2E_TMP/p2" >"$E2E_TMP/whole"
st=$(get_file $B "$K" "$E2E_TMP/got")
check "object-committed: multipart object present ($st)" [ "$st" = 200 ]
check "object-committed: multipart object complete" \
    [ "$(sha "$E2E_TMP/got")" = "$(sha "$E2E_TMP/whole")" ]
check "object-committed: the upload is gone" \
    [ "$(req GET "/$B/$K?uploadId=$U")" = 404 ]

# ---- KMS key transitions ----
n0=$(key_count)
crash_start kms-key-written
crashed "CreateKey" "$(kms CreateKey)"
check "kms-key-written: CreateKey absent ($(key_count) keys, had $n0)" \
    [ "$(key_count)" = "$n0" ]
crash_start kms-key-committed
crashed "CreateKey" "$(kms CreateKey)"
check "kms-key-committed: CreateKey applied" [ "$(key_count)" = $((n0 + 1)) ]
[ "$(kms CreateKey)" = 200 ] || die "CreateKey"
KEY=$(sed -n 's/.*"KeyId":"\([^"]*\)".*/\1/p' "$E2E_TMP/out")

# point action state-after
while read -r point action want; do
	extra=()
	[ "$action" = ScheduleKeyDeletion ] && extra=(PendingWindowInDays=7)
	crash_start "$point"
	crashed "$action" "$(kms "$action" "KeyId=$KEY" "${extra[@]+"${extra[@]}"}")"
	got=$(key_state "$KEY")
	check "$point: after $action the key is $got, want $want" [ "$got" = "$want" ]
done <<'EOF'
kms-key-written DisableKey Enabled
kms-key-committed DisableKey Disabled
kms-reply EnableKey Enabled
kms-key-written ScheduleKeyDeletion Enabled
kms-key-committed ScheduleKeyDeletion PendingDeletion
kms-key-written CancelKeyDeletion PendingDeletion
kms-reply CancelKeyDeletion Enabled
EOF

# ---- WORM policy transitions ----
worm() {
	# Prints "State Days WormId" or the status.
	local st
	st=$(req GET "/$1/?worm")
	[ "$st" = 200 ] || { echo "$st"; return; }
	echo "$(xml State) $(xml RetentionPeriodInDays) $(xml WormId)"
}
days_xml() {
	printf '<%s><RetentionPeriodInDays>%s</RetentionPeriodInDays></%s>' \
	    "$1" "$2" "$1"
}
[ "$(http_status PUT /pointsw/)" = 200 ] || die "PutBucket pointsw"

crash_start worm-written
crashed "Initiate" "$(req POST /pointsw/?worm --data-binary "$(days_xml InitiateWormConfiguration 3)")"
check "worm-written: Initiate absent" [ "$(worm pointsw)" = 404 ]
crash_start worm-committed
crashed "Initiate" "$(req POST /pointsw/?worm --data-binary "$(days_xml InitiateWormConfiguration 3)")"
read -r state days id <<<"$(worm pointsw)"
check "worm-committed: Initiate applied ($state $days)" \
    [ "$state $days" = "InProgress 3" ]

crash_start worm-written
crashed "Complete" "$(req POST "/pointsw/?wormId=$id")"
check "worm-written: Complete absent" [ "$(worm pointsw)" = "InProgress 3 $id" ]
crash_start oss-reply
crashed "Complete" "$(req POST "/pointsw/?wormId=$id")"
check "oss-reply: Complete applied" [ "$(worm pointsw)" = "Locked 3 $id" ]

crash_start worm-written
crashed "Extend" "$(req POST "/pointsw/?wormExtend&wormId=$id" \
    --data-binary "$(days_xml ExtendWormConfiguration 5)")"
check "worm-written: Extend absent, still Locked" [ "$(worm pointsw)" = "Locked 3 $id" ]
crash_start worm-committed
crashed "Extend" "$(req POST "/pointsw/?wormExtend&wormId=$id" \
    --data-binary "$(days_xml ExtendWormConfiguration 5)")"
check "worm-committed: Extend applied" [ "$(worm pointsw)" = "Locked 5 $id" ]

# The anchor (README "What WORM guarantees") trails a durable commit: a
# crash between the two must read as "the database is newer", never as a
# rollback.
crash_start anchor-pending
crashed "Extend" "$(req POST "/pointsw/?wormExtend&wormId=$id" \
    --data-binary "$(days_xml ExtendWormConfiguration 6)")"
check "anchor-pending: Extend applied" [ "$(worm pointsw)" = "Locked 6 $id" ]
check "anchor-pending: no rollback alarm" not grep -q ALERT "$L.stderr"
check "anchor-pending: the anchor caught up" \
    grep -q "seal: sequence \([0-9]*\), anchor \1," "$L.stderr"

[ "$(http_status PUT /pointsa/)" = 200 ] || die "PutBucket pointsa"
[ "$(req POST /pointsa/?worm --data-binary "$(days_xml InitiateWormConfiguration 2)")" = 200 ] ||
    die "Initiate pointsa"
aid=$(hdr x-oss-worm-id)
crash_start worm-written
crashed "Abort" "$(req DELETE /pointsa/?worm)"
check "worm-written: Abort absent" [ "$(worm pointsa)" = "InProgress 2 $aid" ]
crash_start worm-committed
crashed "Abort" "$(req DELETE /pointsa/?worm)"
check "worm-committed: Abort applied" [ "$(worm pointsa)" = 404 ]

# ---- inventory configurations ----
[ "$(http_status PUT /pointsi/)" = 200 ] || die "PutBucket pointsi"
req GET / >/dev/null
ACCT=$(xml ID)
inv_xml="<InventoryConfiguration><Id>inv1</Id><IsEnabled>true</IsEnabled><Filter><Prefix>a/</Prefix></Filter><Destination><OSSBucketDestination><Format>CSV</Format><AccountId>$ACCT</AccountId><RoleArn>acs:ram::$ACCT:role/AliyunOSSRole</RoleArn><Bucket>acs:oss:::pointsi</Bucket><Prefix>reports</Prefix></OSSBucketDestination></Destination><Schedule><Frequency>Daily</Frequency></Schedule><IncludedObjectVersions>Current</IncludedObjectVersions><OptionalFields><Field>Size</Field></OptionalFields></InventoryConfiguration>"
inv_put() { req PUT "/$B/?inventory&inventoryId=inv1" --data-binary "$inv_xml"; }
inv_get() { req GET "/$B/?inventory&inventoryId=inv1"; }

crash_start inventory-written
crashed "Put" "$(inv_put)"
check "inventory-written: Put absent" [ "$(inv_get)" = 404 ]
crash_start inventory-committed
crashed "Put" "$(inv_put)"
check "inventory-committed: Put applied" [ "$(inv_get)" = 200 ]
check "inventory-committed: configuration intact" grep -q '<Prefix>a/</Prefix>' "$E2E_TMP/out"
crash_start inventory-written
crashed "Delete" "$(req DELETE "/$B/?inventory&inventoryId=inv1")"
check "inventory-written: Delete absent" [ "$(inv_get)" = 200 ]
crash_start inventory-committed
crashed "Delete" "$(req DELETE "/$B/?inventory&inventoryId=inv1")"
check "inventory-committed: Delete applied" [ "$(inv_get)" = 404 ]

# ---- ObjectWorm: the configuration and a version's legal hold ----
[ "$(http_status PUT /pointso/)" = 200 ] || die "PutBucket pointso"
[ "$(req PUT /pointso/?versioning --data-binary \
    '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>')" = 200 ] ||
    die "PutBucketVersioning pointso"
ow_xml='<ObjectWormConfiguration><ObjectWormEnabled>Enabled</ObjectWormEnabled></ObjectWormConfiguration>'
crash_start objectworm-written
crashed "PutObjectWorm" "$(req PUT /pointso/?objectWorm --data-binary "$ow_xml")"
check "objectworm-written: PutObjectWorm absent" \
    [ "$(req GET /pointso/?objectWorm)" = 404 ]
crash_start oss-reply
crashed "PutObjectWorm" "$(req PUT /pointso/?objectWorm --data-binary "$ow_xml")"
check "oss-reply: PutObjectWorm applied" \
    [ "$(req GET /pointso/?objectWorm)" = 200 ]
[ "$(req PUT /pointso/rec --data-binary record)" = 200 ] || die "PutObject pointso"
vid=$(hdr x-oss-version-id)
crash_start object-committed
crashed "PutObjectLegalHold" "$(req PUT "/pointso/rec?legalHold&versionId=$vid" \
    --data-binary '<LegalHold><Status>ON</Status></LegalHold>')"
check "object-committed: the hold applied" \
    [ "$(req DELETE "/pointso/rec?versionId=$vid")" = 409 ]

daemon_stop
rc=$?
check "clean stop ($rc)" [ "$rc" -eq 0 ]
sanitizer_report "$L.stderr" && fail "sanitizer report"
check "the seal matches after every crash" "$COFFER" --data-dir "$D" worm verify
e2e_finish
