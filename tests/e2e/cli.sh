#!/bin/bash
# SPDX-License-Identifier: ISC
# cli.sh: the admin CLI against a running daemon's data dir.
#
# `coffer` works on the database directly, so what it does must be visible
# to the running daemon at once: a new account's key signs requests, a
# deleted account's key stops working, and `clock advance` moves the
# business clock the daemon reports. The clock commands refuse unless the
# daemon runs with --test-clock, and the clock never goes back. First start
# writes DATA_DIR/credentials (0600, Alibaba Cloud CLI INI format).
. "$(dirname "$0")/e2e_lib.bash"

D=$E2E_TMP/data
daemon_start "$D" "$E2E_TMP/d.log" || die "start"

# ---- credentials file of the first start ----
CRED=$D/credentials
check "credentials mode 0600" [ "$(stat -c %a "$CRED")" = 600 ]
check "credentials: [default] section first" \
    [ "$(head -n 1 "$CRED")" = "[default]" ]
check "credentials: access_key_id" \
    grep -qx "access_key_id = $E2E_ROOT_AK" "$CRED"
check "credentials: access_key_secret" \
    grep -qx "access_key_secret = $E2E_ROOT_SK" "$CRED"
check "credentials: every other line is 'name = value'" \
    bash -c "tail -n +2 '$CRED' | grep -v '^\$' | grep -vqE '^[a-z_]+ = [^ ]+\$' && exit 1 || exit 0"

# ---- account create --json ----
out=$("$COFFER" --data-dir "$D" account create alice --json)
rc=$?
check "account create exits 0 ($rc)" [ "$rc" -eq 0 ]
check "one line of output" [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]
check "a JSON object" grep -qE '^\{.*\}$' <<<"$out"
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" <<<"$out"; }
ACCT=$(field AccountId)
NEW_AK=$(field AccessKeyId)
NEW_SK=$(field AccessKeySecret)
check "AccountId '$ACCT'" grep -qE '^[0-9]{16}$' <<<"$ACCT"
check "AccessKeyId '$NEW_AK'" grep -qE '^LTAI[A-Za-z0-9]{20}$' <<<"$NEW_AK"
check "AccessKeySecret" grep -qE '^[A-Za-z0-9]{30}$' <<<"$NEW_SK"
if command -v python3 >/dev/null; then
	check "exactly the three keys" python3 -c '
import json, sys
o = json.loads(sys.argv[1])
sys.exit(sorted(o) != ["AccessKeyId", "AccessKeySecret", "AccountId"])' "$out"
fi

# The new key works at once against the running daemon.
check "alice: PutBucket" [ "$(AK=$NEW_AK SK=$NEW_SK http_status PUT /alice-b/)" = 200 ]
list=$(AK=$NEW_AK SK=$NEW_SK oss GET /)
check "alice lists her bucket" grep -q '<Name>alice-b</Name>' <<<"$list"
check "alice's owner id is her account" grep -q "<ID>$ACCT</ID>" <<<"$list"
list=$(oss GET /)
check "root does not see alice's bucket" \
    bash -c "! grep -q '<Name>alice-b</Name>' <<<'$list'"
check "wrong secret: 403" \
    [ "$(AK=$NEW_AK SK=wrongwrongwrong http_status GET /)" = 403 ]

# ---- account list ----
out=$("$COFFER" --data-dir "$D" account list)
check "list shows root and alice" \
    bash -c "grep -q '^root ' <<<'$out' && grep -q '^alice .*$NEW_AK' <<<'$out'"
out=$("$COFFER" --data-dir "$D" account list --json)
check "list --json" grep -q "\"Name\":\"alice\",\"AccountId\":\"$ACCT\"" <<<"$out"

# ---- errors ----
out=$("$COFFER" --data-dir "$D" account create alice 2>&1)
rc=$?
check "duplicate name refused ($rc)" [ "$rc" -ne 0 ]
check "duplicate message: $out" grep -q "already exists" <<<"$out"
out=$("$COFFER" --data-dir "$D" account create 'bad name!' 2>&1)
check "invalid name refused: $out" grep -q "invalid account name" <<<"$out"

# ---- account delete ----
out=$("$COFFER" --data-dir "$D" account delete alice 2>&1)
rc=$?
check "delete refused while alice owns a bucket ($rc)" [ "$rc" -ne 0 ]
check "delete message: $out" grep -q "owns buckets" <<<"$out"
check "alice: DeleteBucket" \
    [ "$(AK=$NEW_AK SK=$NEW_SK http_status DELETE /alice-b/)" = 204 ]
out=$("$COFFER" --data-dir "$D" account delete alice 2>&1)
rc=$?
check "delete alice ($rc): $out" [ "$rc" -eq 0 ]
body=$(AK=$NEW_AK SK=$NEW_SK oss GET /)
check "deleted key is refused at once" grep -q '<Code>InvalidAccessKeyId</Code>' <<<"$body"
out=$("$COFFER" --data-dir "$D" account list)
check "alice gone from the list" bash -c "! grep -q '^alice ' <<<'$out'"
out=$("$COFFER" --data-dir "$D" account delete alice 2>&1)
check "delete unknown: $out" grep -q "no account 'alice'" <<<"$out"

# ---- clock without --test-clock ----
out=$("$COFFER" --data-dir "$D" clock advance 1d 2>&1)
rc=$?
check "clock advance refused without --test-clock ($rc)" [ "$rc" -ne 0 ]
check "clear message: $out" grep -q -- "--test-clock" <<<"$out"
out=$("$COFFER" --data-dir "$D" clock set 2099-01-01T00:00:00Z 2>&1)
check "clock set refused without --test-clock" grep -q -- "--test-clock" <<<"$out"
out=$("$COFFER" --data-dir "$D" clock show 2>&1)
check "clock show works: $out" grep -q "test clock: *off" <<<"$out"
daemon_stop
rc=$?
check "clean stop ($rc)" [ "$rc" -eq 0 ]
sanitizer_report "$E2E_TMP/d.log.stderr" && fail "sanitizer report"

# ---- clock with --test-clock ----
T=$E2E_TMP/tc
daemon_start "$T" "$E2E_TMP/tc.log" --test-clock || die "start --test-clock"
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
json_ms() { sed -n 's/.*"BusinessTimeMs":\([0-9]*\).*/\1/p'; }
before=$(now_ms)
out=$("$COFFER" --data-dir "$T" clock advance 1d 2>&1)
rc=$?
check "clock advance 1d ($rc): $out" [ "$rc" -eq 0 ]
bt=$("$COFFER" --data-dir "$T" clock show --json | json_ms)
delta=$((bt - before))
check "business clock one day ahead (delta $delta ms)" \
    [ "$delta" -ge 86390000 -a "$delta" -le 86500000 ]
# The running daemon sees it at once.
h=$(curl -s "http://127.0.0.1:$DPORT/-/health")
hb=$(sed -n 's/.*"business_time":"\([^"]*\)".*/\1/p' <<<"$h")
hs=$(date -d "$hb" +%s 2>/dev/null || echo 0)
check "daemon reports the moved clock ($hb)" \
    [ $((hs * 1000 - before)) -ge 86300000 ]
check "health says test_clock" grep -q '"test_clock":true' <<<"$h"

out=$("$COFFER" --data-dir "$T" clock set 2020-01-01T00:00:00Z 2>&1)
rc=$?
check "clock set backwards refused ($rc)" [ "$rc" -ne 0 ]
check "backwards message: $out" grep -q "only moves forward" <<<"$out"
bt2=$("$COFFER" --data-dir "$T" clock show --json | json_ms)
check "refused set left the clock alone" [ "$bt2" -ge "$bt" ]
target=$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)
out=$("$COFFER" --data-dir "$T" clock set "$target" 2>&1)
rc=$?
check "clock set forward ($rc): $out" [ "$rc" -eq 0 ]
check "clock set reports the target: $out" grep -q "${target%Z}" <<<"$out"
out=$("$COFFER" --data-dir "$T" clock advance 1d 2>&1)
check "advance after set" grep -q "business time" <<<"$out"
out=$("$COFFER" --data-dir "$T" clock advance soon 2>&1)
rc=$?
check "bad duration: exit 2 ($rc)" [ "$rc" -eq 2 ]
daemon_stop
rc=$?
check "clean stop ($rc)" [ "$rc" -eq 0 ]
sanitizer_report "$E2E_TMP/tc.log.stderr" && fail "sanitizer report"

# ---- one command table: what is wrong, on one line, before the usage ----
# expect_usage_error "ARGS" "FIRST LINE": exit 2, that first line on stderr,
# then the usage.
expect_usage_error() {
	local out rc
	# shellcheck disable=SC2086
	out=$("$COFFER" --data-dir "$T" $1 2>&1 >/dev/null)
	rc=$?
	check "'$1': exit 2 ($rc)" [ "$rc" -eq 2 ]
	check "'$1': first line '$2': $(head -n 1 <<<"$out")" \
	    [ "$(head -n 1 <<<"$out")" = "$2" ]
	check "'$1': then the usage" grep -q '^usage: coffer' <<<"$out"
}
expect_usage_error "frobnicate" "coffer: unknown command 'frobnicate'"
expect_usage_error "key" "coffer: key: missing command"
expect_usage_error "key frob" "coffer: key: unknown command 'frob'"
expect_usage_error "key describe" "coffer: key describe: missing KEY"
expect_usage_error "key schedule-deletion k1" \
    "coffer: key schedule-deletion: missing DAYS"
expect_usage_error "key describe a b" \
    "coffer: key describe: unexpected argument 'b'"
expect_usage_error "key create --colour blue" \
    "coffer: key create: unknown option '--colour'"
expect_usage_error "audit --limit" "coffer: audit: option '--limit' needs a value"
expect_usage_error "inventory run b1" "coffer: inventory run: missing ID"
# --help on any command prints its help on stdout and exits 0.
for c in "account create" "key import" "audit" "clock advance" "inventory run"; do
	# shellcheck disable=SC2086
	out=$("$COFFER" $c --help 2>/dev/null)
	rc=$?
	check "'$c --help': exit 0 ($rc)" [ "$rc" -eq 0 ]
	check "'$c --help' names the command" grep -q "^  $c" <<<"$out"
done
out=$("$COFFER" --help)
check "--help lists every family" bash -c 'for g in account key audit inventory clock; do grep -q "^  $g" <<<"$1" || exit 1; done' _ "$out"
# Options may come before the command name, as before.
out=$("$COFFER" --data-dir "$T" key --account root list 2>&1)
check "key --account root list: $out" grep -q "KEY ID" <<<"$out"

# ---- versions ----
# Both binaries name the release and the schema version they write.
dv=$("$COFFERD" --version)
check "cofferd --version: $dv" grep -qE '^cofferd [0-9]+\.[0-9]+\.[0-9]+ \(schema [0-9]+\)$' <<<"$dv"
cv=$("$COFFER" --version)
check "coffer --version: $cv" [ "$cv" = "coffer ${dv#cofferd }" ]
SCHEMA=$(sed -n 's/.*(schema \([0-9]*\))$/\1/p' <<<"$dv")
# A data dir written by a newer release (its schema above this binary's)
# is refused with a message saying so, and left as it was.
if command -v sqlite3 >/dev/null; then
	N=$E2E_TMP/newer
	cp -a "$T" "$N"		# the stopped daemon's data dir above
	sqlite3 "$N/meta.db" "PRAGMA user_version = $((SCHEMA + 1))"
	out=$(timeout 30 env -u NOTIFY_SOCKET -u STATE_DIRECTORY \
	    -u CREDENTIALS_DIRECTORY "$COFFERD" --data-dir "$N" \
	    --oss-listen 127.0.0.1:0 --kms-listen 127.0.0.1:0 \
	    --rtmp-listen off 2>&1 </dev/null)
	rc=$?
	check "newer data dir: exit 1 ($rc)" [ "$rc" -eq 1 ]
	check "newer data dir: says so: $out" grep -q \
	    "schema version $((SCHEMA + 1)) is newer than this binary's ($SCHEMA): the data dir was written by a newer release" <<<"$out"
	check "newer data dir: left at its version" [ \
	    "$(sqlite3 "$N/meta.db" 'PRAGMA user_version')" = $((SCHEMA + 1)) ]
	out=$("$COFFER" --data-dir "$N" account list 2>&1)
	rc=$?
	check "coffer refuses it too ($rc): $out" bash -c \
	    '[ "$1" -ne 0 ] && grep -q "newer release" <<<"$2"' _ "$rc" "$out"
else
	log "sqlite3 missing: the newer-data-dir check is skipped"
fi

e2e_finish
