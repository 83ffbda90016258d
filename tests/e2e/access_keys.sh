#!/bin/bash
# SPDX-License-Identifier: ISC
# access_keys.sh: rotating an account's access keys with the admin CLI
# against a running daemon, and looking into a data dir without a client.
#
# An account holds at most two active keys (a third is refused, saying
# how to go on); a key disabled or deleted by `coffer account key` is
# refused on the very next request, with the error documents of real OSS
# (403 InvalidAccessKeyId, the key named) and KMS (403 Forbidden.AccessKey
# when disabled, 404 InvalidAccessKeyId.NotFound when gone); the other key
# keeps working throughout. `coffer bucket list|info` and `coffer object
# list` show what the requests made.
. "$(dirname "$0")/e2e_lib.bash"

D=$E2E_TMP/data
daemon_start "$D" "$E2E_TMP/d.log" || die "start"
C() { "$COFFER" --data-dir "$D" "$@"; }
jf() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" <<<"$2"; }

out=$(C account create alice --json) || die "account create"
AK1=$(jf AccessKeyId "$out")
SK1=$(jf AccessKeySecret "$out")
check "alice's first key: PutBucket" [ "$(AK=$AK1 SK=$SK1 http_status PUT /akb/)" = 200 ]

# ---- a second key ----
out=$(C account key create alice --json)
check "key create exits 0" [ $? -eq 0 ]
AK2=$(jf AccessKeyId "$out")
SK2=$(jf AccessKeySecret "$out")
check "a new key id '$AK2'" grep -qE '^LTAI[A-Za-z0-9]{20}$' <<<"$AK2"
check "a different key" [ "$AK2" != "$AK1" ]
check "a secret" grep -qE '^[A-Za-z0-9]{30}$' <<<"$SK2"
check "the second key works at once" [ "$(AK=$AK2 SK=$SK2 http_status GET /akb/)" = 200 ]
check "the first still works" [ "$(AK=$AK1 SK=$SK1 http_status GET /akb/)" = 200 ]
AK=$AK2 SK=$SK2 kms CreateKey
check "the second key signs KMS requests ($STATUS)" [ "$STATUS" = 200 ]

# ---- a third active key is refused ----
out=$(C account key create alice 2>&1)
rc=$?
check "third key refused ($rc)" [ "$rc" -eq 1 ]
check "says why and what to do: $out" grep -q "account 'alice' has 2 active access keys already: disable one first" <<<"$out"
out=$(C account key list alice)
check "list: two Active keys: $out" [ "$(grep -c ' Active ' <<<"$out")" -eq 2 ]
out=$(C account key list alice --json)
check "list --json" grep -q "\"AccessKeyId\":\"$AK1\",\"Status\":\"Active\"" <<<"$out"

# ---- disable the first: refused on the next request ----
check "disable" C account key disable alice "$AK1" >/dev/null
AK=$AK1 SK=$SK1 E2E_OUT=$E2E_TMP/body oss GET /akb/
body=$(cat "$E2E_TMP/body")
check "OSS: disabled key 403 ($STATUS)" [ "$STATUS" = 403 ]
check "OSS: InvalidAccessKeyId: $body" grep -q '<Code>InvalidAccessKeyId</Code>' <<<"$body"
check "OSS: the message says disabled" grep -q '<Message>The OSS Access Key Id you provided is disabled.</Message>' <<<"$body"
check "OSS: names the key" grep -q "<OSSAccessKeyId>$AK1</OSSAccessKeyId>" <<<"$body"
AK=$AK1 SK=$SK1 kms ListKeys
check "KMS: disabled key 403 ($STATUS)" [ "$STATUS" = 403 ]
check "KMS: Forbidden.AccessKey: $BODY" grep -q '"Code":"Forbidden.AccessKey"' <<<"$BODY"
check "the second key is unaffected" [ "$(AK=$AK2 SK=$SK2 http_status GET /akb/)" = 200 ]
out=$(C account key list alice)
check "list shows it Inactive" grep -q "^$AK1 *Inactive" <<<"$out"
# A third key is allowed now (one active), and enabling the first again
# would make three.
out=$(C account key create alice --json)
AK3=$(jf AccessKeyId "$out")
check "a key in place of the disabled one" [ -n "$AK3" ]
out=$(C account key enable alice "$AK1" 2>&1)
check "enable past two refused: $out" grep -q "2 active access keys already" <<<"$out"
check "delete the third" C account key delete alice "$AK3" >/dev/null
check "enable the first again" C account key enable alice "$AK1" >/dev/null
check "an enabled key works again" [ "$(AK=$AK1 SK=$SK1 http_status GET /akb/)" = 200 ]

# ---- delete: the key is unknown from the next request on ----
check "disable again" C account key disable alice "$AK1" >/dev/null
check "delete" C account key delete alice "$AK1" >/dev/null
AK=$AK1 SK=$SK1 E2E_OUT=$E2E_TMP/body oss GET /akb/
body=$(cat "$E2E_TMP/body")
check "OSS: deleted key 403 ($STATUS)" [ "$STATUS" = 403 ]
check "OSS: does not exist: $body" grep -q '<Message>The OSS Access Key Id you provided does not exist in our records.</Message>' <<<"$body"
AK=$AK1 SK=$SK1 kms ListKeys
check "KMS: deleted key 404 ($STATUS)" [ "$STATUS" = 404 ]
check "KMS: InvalidAccessKeyId.NotFound: $BODY" grep -q '"Code":"InvalidAccessKeyId.NotFound"' <<<"$BODY"
check "the second key still works" [ "$(AK=$AK2 SK=$SK2 http_status GET /akb/)" = 200 ]
out=$(C account key list alice)
check "one key left: $out" [ "$(grep -c '^LTAI' <<<"$out")" -eq 1 ]

# ---- errors ----
out=$(C account key list nobody 2>&1)
check "unknown account: $out" grep -q "no account 'nobody'" <<<"$out"
out=$(C account key disable alice LTAInope 2>&1)
rc=$?
check "unknown key ($rc): $out" bash -c '[ "$1" -eq 1 ] && grep -q "has no access key" <<<"$2"' _ "$rc" "$out"
out=$(C account key disable alice 2>&1)
check "missing key id: $out" grep -q "account key disable: missing ACCESS_KEY_ID" <<<"$out"
out=$(C account --help)
check "account --help lists the key commands" grep -q "account key create NAME" <<<"$out"
out=$(C account key rotate alice 2>&1)
check "unknown key command: $out" grep -q "account key: unknown command 'rotate'" <<<"$out"

# ---- inspection without a client ----
printf 'hello' >"$E2E_TMP/f5"
head -c 3000 /dev/zero >"$E2E_TMP/f3k"
check "put a/one" [ "$(AK=$AK2 SK=$SK2 put_file akb a/one "$E2E_TMP/f5")" = 200 ]
check "put a/two" [ "$(AK=$AK2 SK=$SK2 put_file akb a/two "$E2E_TMP/f3k")" = 200 ]
check "put b" [ "$(AK=$AK2 SK=$SK2 put_file akb b "$E2E_TMP/f5")" = 200 ]
check "root's bucket" [ "$(http_status PUT /rootb/)" = 200 ]
out=$(C bucket list)
check "bucket list: alice's: $out" grep -q '^akb  *alice ' <<<"$out"
check "bucket list: root's" grep -q '^rootb  *root ' <<<"$out"
out=$(C bucket list --json)
check "bucket list --json" grep -q '"Name":"akb","Owner":"alice"' <<<"$out"
out=$(C bucket info akb)
check "bucket info: objects: $out" grep -qE '^Objects: +3$' <<<"$out"
check "bucket info: bytes" grep -qE '^Storage: +3010 bytes$' <<<"$out"
out=$(C bucket info akb --json)
check "bucket info --json: $out" grep -q '"Objects":3,"Storage":3010' <<<"$out"
out=$(C bucket info nosuch 2>&1)
check "bucket info of no bucket: $out" grep -q "no bucket 'nosuch'" <<<"$out"
out=$(C object list akb)
check "object list: three: $out" [ "$(wc -l <<<"$out")" -eq 3 ]
check "object list: sizes and keys" grep -qE ' 3000 Standard +a/two$' <<<"$out"
out=$(C object list akb a/)
check "object list with a prefix: $out" [ "$(wc -l <<<"$out")" -eq 2 ]
check "object list: no b under a/" not grep -q ' b$' <<<"$out"
out=$(C object list akb --limit 1 2>&1)
check "object list --limit 1: $out" grep -q "more objects than --limit 1" <<<"$out"
check "object list --limit 1: one row" [ "$(grep -c Standard <<<"$out")" -eq 1 ]
out=$(C object list akb a/ --json)
check "object list --json: $out" grep -q '"Key":"a/one","Size":5' <<<"$out"

daemon_stop
e2e_finish
