#!/bin/bash
# SPDX-License-Identifier: ISC
# root_key.sh: `coffer root-key rotate` (README "Root-key rotation").
#
# A rotation asked of a serving cofferd under a load of PUTs, GETs and KMS
# calls, while a slow upload is inside: new requests get 503 (retry) until
# the upload finishes and the rotation is done, never a 500, and
# every object, ciphertext and sealed row reads back afterwards. Then kill
# -9 at each step of an offline rotation (rows rewritten and not yet
# committed; committed, the key file not yet replaced; replaced, the old
# key not yet retired) and of one the daemon runs: each time the data
# opens under one of the two keys, and running the command again
# finishes. Last, the retired keys open nothing: with the database's
# record of its key deleted, an old key opens no data key, verifies no
# sealed row and no link of the audit chain.
. "$(dirname "$0")/e2e_lib.bash"

D=$E2E_TMP/data
KEY=$D/root.key
newkey() { head -c 32 /dev/urandom >"$1"; chmod 600 "$1"; }

daemon_start "$D" "$E2E_TMP/d.log" || die "start"
check "PutBucket" [ "$(http_status PUT /bkt/)" = 200 ]
mkdir -p "$E2E_TMP/src"
for i in $(seq 1 6); do
	head -c $((i * 91)) /dev/urandom >"$E2E_TMP/src/s$i"
	head -c $((150 * 1024 + i)) /dev/urandom >"$E2E_TMP/src/l$i"
	check "PUT s$i" [ "$(put_file bkt "s$i" "$E2E_TMP/src/s$i")" = 200 ]
	check "PUT l$i" [ "$(put_file bkt "l$i" "$E2E_TMP/src/l$i")" = 200 ]
done
kms CreateKey
KID=$(json_field KeyId <<<"$BODY")
check "CreateKey ($STATUS)" [ "$STATUS" = 200 ]
# SSE-KMS: its x-oss-* headers are signed (oss() signs none).
date=$(LC_ALL=C TZ=GMT date '+%a, %d %b %Y %H:%M:%S GMT')
sig=$(sign_v1 "$E2E_ROOT_SK" "$(printf 'PUT\n\n\n%s\n%s\n%s\n/bkt/kms1' \
    "$date" "x-oss-server-side-encryption:KMS" \
    "x-oss-server-side-encryption-key-id:$KID")")
code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT -H "Date: $date" \
    -H "Authorization: OSS $E2E_ROOT_AK:$sig" -H 'Content-Type:' \
    -H 'Expect:' -H "x-oss-server-side-encryption: KMS" \
    -H "x-oss-server-side-encryption-key-id: $KID" \
    --data-binary "@$E2E_TMP/src/l3" "http://127.0.0.1:$DPORT/bkt/kms1")
check "SSE-KMS PUT ($code)" [ "$code" = 200 ]
kms Encrypt KeyId="$KID" Plaintext=aGVsbG8gcm90YXRpb24=
BLOB=$(json_field CiphertextBlob <<<"$BODY")
check "Encrypt ($STATUS)" [ "$STATUS" = 200 ]

# readback LABEL: every object byte for byte, the ciphertext decrypts,
# and the three verifiers pass.
readback() {
	local i k
	for i in $(seq 1 6); do
		for k in s l; do
			check "$1: GET $k$i" [ "$(get_file bkt "$k$i" "$E2E_TMP/out")" = 200 ]
			check "$1: $k$i intact" cmp -s "$E2E_TMP/out" "$E2E_TMP/src/$k$i"
		done
	done
	check "$1: GET kms1" [ "$(get_file bkt kms1 "$E2E_TMP/out")" = 200 ]
	check "$1: kms1 intact" cmp -s "$E2E_TMP/out" "$E2E_TMP/src/l3"
	kms Decrypt CiphertextBlob="$BLOB"
	check "$1: Decrypt ($STATUS)" [ "$STATUS" = 200 ]
	check "$1: plaintext" grep -q '"Plaintext":"aGVsbG8gcm90YXRpb24="' <<<"$BODY"
}
verifiers() {
	check "$1: worm verify" "$COFFER" --data-dir "$D" worm verify
	check "$1: audit verify" "$COFFER" --data-dir "$D" audit verify
	check "$1: verify" "$COFFER" --data-dir "$D" verify
}

# ---- online, under load ----
cp "$KEY" "$E2E_TMP/k1"
nonce_check() { sed -n 's/^check //p' "$D/kms-nonces/state"; }
newkey "$E2E_TMP/k2"
: >"$E2E_TMP/codes"
(
	n=0
	while [ ! -e "$E2E_TMP/stop" ]; do
		put_file bkt "w$((n % 3))" "$E2E_TMP/src/l2" >>"$E2E_TMP/codes"
		get_file bkt l1 /dev/null >>"$E2E_TMP/codes"
		kms Decrypt CiphertextBlob="$BLOB"
		echo "$STATUS" >>"$E2E_TMP/codes"
		n=$((n + 1))
	done
) &
LOADER=$!
# A slow upload (about 4 s) is inside when the rotation is asked: the
# daemon pauses new requests and waits for it to finish.
head -c $((400 * 1024)) /dev/urandom >"$E2E_TMP/src/slow"
(E2E_OUT=/dev/null oss PUT /bkt/slow --limit-rate 100k \
    --data-binary "@$E2E_TMP/src/slow" >/dev/null; echo "$STATUS" >"$E2E_TMP/slow.code") &
SLOW=$!
sleep 0.5
"$COFFER" --data-dir "$D" root-key rotate --new-key "$E2E_TMP/k2" >"$E2E_TMP/rot.out" 2>&1 &
ROT=$!
paused=
for _ in $(seq 1 60); do
	E2E_OUT=$E2E_TMP/paused.xml oss GET /bkt/s1 >/dev/null
	if [ "$STATUS" = 503 ]; then
		paused=$(cat "$E2E_TMP/paused.xml")
		kms Decrypt CiphertextBlob="$BLOB"
		kpaused="$STATUS $BODY"
		break
	fi
	kill -0 "$ROT" 2>/dev/null || break
	sleep 0.1
done
wait "$ROT"
rc=$?
out=$(cat "$E2E_TMP/rot.out")
wait "$SLOW"
touch "$E2E_TMP/stop"
wait "$LOADER"
check "while paused: 503 ServiceUnavailable: $paused" grep -q "<Code>ServiceUnavailable</Code>" <<<"$paused"
check "while paused: KMS 503: ${kpaused:-}" grep -q "^503 .*ServiceUnavailableTemporary" <<<"${kpaused:-}"
check "the upload inside finished ($(cat "$E2E_TMP/slow.code"))" [ "$(cat "$E2E_TMP/slow.code")" = 200 ]
check "it waited for that upload" grep -q "pausing requests" "$E2E_TMP/d.log.stderr"
check "online rotation exits 0 ($rc): $out" [ "$rc" -eq 0 ]
check "the daemon did it" grep -q "cofferd rotated to generation 2" <<<"$out"
check "the key file is the new key" cmp -s "$KEY" "$E2E_TMP/k2"
check "the old key is retired" grep -q "opens nothing" <<<"$out"
check "the daemon logged the rotation" grep -q "root key: rotated to generation 2" "$E2E_TMP/d.log.stderr"
log "answers to the load during the rotation: $(sort "$E2E_TMP/codes" | uniq -c | tr -s ' \n' ' ')"
bad=$(grep -cvE '^(200|503)$' "$E2E_TMP/codes")
check "load saw only 200 and 503 ($bad other, $(sort "$E2E_TMP/codes" | uniq -c | tr '\n' ' '))" [ "$bad" -eq 0 ]
check "load ran ($(wc -l <"$E2E_TMP/codes") answers)" [ "$(wc -l <"$E2E_TMP/codes")" -gt 3 ]
readback "online"
check "GET the upload that was inside" [ "$(get_file bkt slow "$E2E_TMP/out")" = 200 ]
check "it is intact" cmp -s "$E2E_TMP/out" "$E2E_TMP/src/slow"
check "a new PUT after the rotation" [ "$(put_file bkt after "$E2E_TMP/src/l4")" = 200 ]
verifiers "online"
out=$("$COFFER" --data-dir "$D" --root-key "$E2E_TMP/k1" root-key status 2>&1)
check "the retired key is refused by name: $out" grep -q "not the one that sealed" <<<"$out"
check "status" grep -q "generation 2$" <<<"$("$COFFER" --data-dir "$D" root-key status)"
out=$("$COFFER" --data-dir "$D" root-key rotate --new-key "$E2E_TMP/k2" 2>&1)
check "run again with the same key: nothing to do ($?): $out" grep -q "already under the new key" <<<"$out"
daemon_stop
check0=$(nonce_check)
daemon_start "$D" "$E2E_TMP/d2.log" || die "restart"
readback "after restart"
daemon_stop
# The replay log's key outlives the rotation: no replay barrier after it.
check "the KMS replay log is read, not discarded ($check0)" \
    [ -n "$check0" ] && [ "$check0" = "$(nonce_check)" ]

# ---- offline: kill -9 at each step, then run again ----
prev=$E2E_TMP/k2
gen=2
for point in rotate-written rotate-committed rotate-installed; do
	next=$E2E_TMP/k-$point
	newkey "$next"
	COFFER_CRASH_AT=$point "$COFFER" --data-dir "$D" root-key rotate \
	    --new-key "$next" >"$E2E_TMP/crash.out" 2>&1
	rc=$?
	check "$point: the command died there ($rc)" [ "$rc" -eq 99 ]
	# The data opens under the configured file (the old key before the
	# install, through the handover once committed) and serves.
	daemon_start "$D" "$E2E_TMP/c-$point.log" || die "start after $point"
	readback "after a crash at $point"
	daemon_stop
	out=$("$COFFER" --data-dir "$D" root-key rotate --new-key "$next" 2>&1)
	rc=$?
	check "$point: running it again finishes ($rc): $out" [ "$rc" -eq 0 ]
	gen=$((gen + 1))
	check "$point: generation $gen" grep -q "generation $gen$" \
	    <<<"$("$COFFER" --data-dir "$D" root-key status)"
	check "$point: the key file is the new key" cmp -s "$KEY" "$next"
	check "$point: the previous key is refused" not "$COFFER" --data-dir "$D" \
	    --root-key "$prev" root-key status
	verifiers "$point"
	prev=$next
done

# ---- the daemon dies mid-rotation; its restart finishes the job ----
next=$E2E_TMP/k-daemon
newkey "$next"
E2E_ENV=(COFFER_CRASH_AT=rotate-written)
daemon_start "$D" "$E2E_TMP/cd.log" || die "start with a crash point"
E2E_ENV=()
"$COFFER" --data-dir "$D" root-key rotate --new-key "$next" \
    >"$E2E_TMP/cd.out" 2>&1 &
CLI=$!
daemon_wait 30
rc=$?
check "the daemon died inside the rotation ($rc)" [ "$rc" -eq 99 ]
daemon_start "$D" "$E2E_TMP/cd2.log" || die "restart after the crash"
wait "$CLI"
rc=$?
check "the waiting command finishes once cofferd is back ($rc): $(cat "$E2E_TMP/cd.out")" [ "$rc" -eq 0 ]
gen=$((gen + 1))
check "generation $gen" grep -q "generation $gen$" <<<"$("$COFFER" --data-dir "$D" root-key status)"
readback "after the daemon's crash"
daemon_stop
verifiers "after the daemon's crash"

# ---- the retired key opens nothing ----
# A copy whose record of its key is deleted: the old key gets past the
# check by name, and then opens nothing.
cp -a "$D" "$E2E_TMP/copy"
sqlite3 "$E2E_TMP/copy/meta.db" "DELETE FROM root_key"
for old in "$E2E_TMP/k1" "$E2E_TMP/k2"; do
	check "old key: no data key opens" not "$COFFER" --data-dir "$E2E_TMP/copy" \
	    --root-key "$old" verify
	check "old key: no row verifies" not "$COFFER" --data-dir "$E2E_TMP/copy" \
	    --root-key "$old" worm verify
	check "old key: the audit chain does not verify" not "$COFFER" \
	    --data-dir "$E2E_TMP/copy" --root-key "$old" audit verify
	sqlite3 "$E2E_TMP/copy/meta.db" "DELETE FROM root_key"
done
check "no handover left in the data dir" [ "$(sqlite3 "$D/meta.db" \
    "SELECT count(*) FROM root_key WHERE handover IS NOT NULL OR prev_check IS NOT NULL")" = 0 ]
e2e_finish
