#!/bin/bash
# SPDX-License-Identifier: ISC
# cli_init.sh: only `coffer init` (and cofferd's first start) create a data
# dir.
#
# Every other command on a missing or empty directory fails, names
# `coffer init`, and leaves nothing behind; `coffer init` makes what the
# daemon's first start makes (database, root key, seal, replay-cache state,
# root account and credentials), refuses a data dir that exists, and a
# daemon started on it serves the credentials it wrote with no replay
# barrier (what a lost previous run would set).
. "$(dirname "$0")/e2e_lib.bash"

# ---- refusals: missing and empty dirs ----
M=$E2E_TMP/missing
E=$E2E_TMP/empty
mkdir "$E"
for dir in "$M" "$E"; do
	for cmd in "account list" "account create bob" "key list" "clock show" \
	    "audit" "verify" "worm verify" "cname list" "backup $E2E_TMP/bk"; do
		# shellcheck disable=SC2086
		out=$("$COFFER" --data-dir "$dir" $cmd 2>&1 </dev/null)
		rc=$?
		check "$cmd on ${dir##*/}: exit 1 ($rc)" [ "$rc" -eq 1 ]
		check "$cmd on ${dir##*/} names coffer init: $out" \
		    grep -q "not a coffer data dir (no meta.db): create one with 'coffer init'" <<<"$out"
	done
done
check "the missing dir was not created" [ ! -e "$M" ]
check "the empty dir stays empty" [ -z "$(ls -A "$E")" ]
check "no backup made" [ ! -e "$E2E_TMP/bk" ]

# ---- coffer init ----
D=$E2E_TMP/data
out=$(env -u COFFER_ROOT_ACCESS_KEY_ID -u COFFER_ROOT_ACCESS_KEY_SECRET \
    "$COFFER" --data-dir "$D" init 2>&1)
rc=$?
check "init exits 0 ($rc): $out" [ "$rc" -eq 0 ]
check "init says what it made: $out" grep -q "^initialised '$D'" <<<"$out"
for f in meta.db root.key credentials seal.anchor kms-nonces blobs; do
	check "init made $f" [ -e "$D/$f" ]
done
check "data dir mode 0700" [ "$(stat -c %a "$D")" = 700 ]
check "root key mode 0600, 32 bytes" [ "$(stat -c %a:%s "$D/root.key")" = 600:32 ]
check "credentials mode 0600" [ "$(stat -c %a "$D/credentials")" = 600 ]
AK=$(sed -n 's/^access_key_id = //p' "$D/credentials")
SK=$(sed -n 's/^access_key_secret = //p' "$D/credentials")
check "a generated access key id '$AK'" grep -qE '^LTAI[A-Za-z0-9]{20}$' <<<"$AK"
check "the output names it" grep -q "access key $AK" <<<"$out"
out=$("$COFFER" --data-dir "$D" account list)
check "the root account: $out" grep -q "^root .*$AK" <<<"$out"
out=$("$COFFER" --data-dir "$D" worm verify 2>&1)
check "the seal holds after init: $out" [ $? -eq 0 ]

out=$("$COFFER" --data-dir "$D" init 2>&1)
rc=$?
check "init again refused ($rc)" [ "$rc" -eq 1 ]
check "init again says so: $out" grep -q "is a coffer data dir already" <<<"$out"
check "the root key survived" [ "$(stat -c %s "$D/root.key")" = 32 ]

# The daemon on it: the same account, no new one, no replay barrier.
daemon_start "$D" "$E2E_TMP/d.log" || die "start on an initialised dir"
check "daemon created no account" not grep -q "created account" "$E2E_TMP/d.log.stderr"
check "no replay barrier" not grep -q "kms nonces: the previous run" "$E2E_TMP/d.log.stderr"
check "init's credentials sign requests" [ "$(AK=$AK SK=$SK http_status PUT /initb/)" = 200 ]
AK=$AK SK=$SK kms CreateKey
check "init's credentials sign KMS requests ($STATUS)" [ "$STATUS" = 200 ]
daemon_stop

# With COFFER_ROOT_ACCESS_KEY_*, like cofferd's first start.
D2=$E2E_TMP/data2
out=$(COFFER_ROOT_ACCESS_KEY_ID=$E2E_ROOT_AK COFFER_ROOT_ACCESS_KEY_SECRET=$E2E_ROOT_SK \
    "$COFFER" --data-dir "$D2" init 2>&1)
check "init with the root key pair: $out" grep -q "access key $E2E_ROOT_AK" <<<"$out"
check "credentials hold it" grep -qx "access_key_secret = $E2E_ROOT_SK" "$D2/credentials"
out=$(COFFER_ROOT_ACCESS_KEY_ID=$E2E_ROOT_AK "$COFFER" --data-dir "$E2E_TMP/d3" init 2>&1)
check "one of the pair refused: $out" grep -q "set both" <<<"$out"
check "and nothing made" [ ! -e "$E2E_TMP/d3" ]

# A dir the daemon made is one too.
D4=$E2E_TMP/data4
daemon_start "$D4" "$E2E_TMP/d4.log" || die "start"
daemon_stop
out=$("$COFFER" --data-dir "$D4" account list 2>&1)
check "a daemon-made dir works: $out" grep -q "^root " <<<"$out"
e2e_finish
