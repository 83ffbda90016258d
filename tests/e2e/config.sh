#!/bin/bash
# SPDX-License-Identifier: ISC
# config.sh: the configuration file, flags, --check-config and SIGHUP.
#
# What an operator relies on: the file sets the listener, region and log
# level; a flag given on the command line wins over the file; `cofferd -n`
# (the unit's ExecStartPre) validates without side effects; a typo in a
# setting stops the daemon with exit 2 and a message naming file, line and
# setting instead of being ignored; and SIGHUP reopens --log-file so
# logrotate's rename-then-signal works. README.md's configuration table
# must be exactly what `cofferd --config-reference` prints.
. "$(dirname "$0")/e2e_lib.bash"

CONF=$E2E_TMP/cofferd.conf
cat >"$CONF" <<EOF
# a comment, and a blank line

oss_listen = 127.0.0.1:0
kms_listen = 127.0.0.1:0
rtmp_listen = 127.0.0.1:0
region = cn-shanghai
log_level = notice
EOF

# ---- the file's values apply ----
D1=$E2E_TMP/d1
E2E_RAW=1 daemon_start "$D1" "$E2E_TMP/d1.log" --config "$CONF" ||
    die "start with --config"
# oss_listen came from the file: the default would be 127.0.0.1:8420.
check "oss_listen from the file (port $DPORT)" [ "$DPORT" != 8420 ]
check "PutBucket" [ "$(http_status PUT /cfg-a/)" = 200 ]
loc=$(oss GET "/cfg-a/?location")
check "region from the file: $loc" grep -q '>oss-cn-shanghai<' <<<"$loc"
check "credentials carry the region" \
    grep -qx 'region_id = cn-shanghai' "$D1/credentials"
daemon_stop
rc=$?
check "clean stop ($rc)" [ "$rc" -eq 0 ]
# log_level = notice: no per-request access lines (those are info).
check "log_level notice from the file suppresses access lines" \
    bash -c "! grep -q 'access id=' '$E2E_TMP/d1.log.stderr'"

# ---- flags win over the file ----
D2=$E2E_TMP/d2
E2E_RAW=1 daemon_start "$D2" "$E2E_TMP/d2.log" --config "$CONF" \
    --region cn-beijing --log-level info || die "start with flags"
check "PutBucket" [ "$(http_status PUT /cfg-b/)" = 200 ]
loc=$(oss GET "/cfg-b/?location")
check "--region overrides the file: $loc" grep -q '>oss-cn-beijing<' <<<"$loc"
daemon_stop
check "--log-level info overrides the file" \
    grep -q 'access id=.*op=PutBucket' "$E2E_TMP/d2.log.stderr"

# ---- --check-config / -n ----
D3=$E2E_TMP/never-created
out=$("$COFFERD" --config "$CONF" --data-dir "$D3" --check-config 2>&1)
rc=$?
check "--check-config exits 0 ($rc)" [ "$rc" -eq 0 ]
check "--check-config says so" grep -qx 'configuration OK' <<<"$out"
check "--check-config shows the file's region" \
    grep -qx 'region = cn-shanghai' <<<"$out"
out=$("$COFFERD" --config "$CONF" --data-dir "$D3" -n --region eu-central-1 2>&1)
rc=$?
check "-n exits 0 ($rc)" [ "$rc" -eq 0 ]
check "-n shows the flag's region" grep -qx 'region = eu-central-1' <<<"$out"
check "-n touches nothing" [ ! -e "$D3" ]

# ---- README's configuration table is the generated reference ----
if [ -n "${SRC:-}" ] && [ -f "$SRC/README.md" ]; then
	sed -n '/^| setting (file) |/,/^$/p' "$SRC/README.md" | sed '/^$/d' \
	    >"$E2E_TMP/readme.ref"
	"$COFFERD" --config-reference >"$E2E_TMP/cofferd.ref"
	if ! diff -u "$E2E_TMP/readme.ref" "$E2E_TMP/cofferd.ref" >&2; then
		fail "README.md's configuration table differs from" \
		    "'cofferd --config-reference' (regenerate it)"
	fi
	# "Running several nodes": a node's configuration reads as written
	# (listening elsewhere: -n binds, and 8420 may be taken here).
	awk '/^A node.s configuration/ { on = 1; next }
	    on && /^```/ { if (++fence == 2) exit; next }
	    fence == 1 { print }' "$SRC/README.md" >"$E2E_TMP/node.conf"
	out=$("$COFFERD" --config "$E2E_TMP/node.conf" --oss-listen 127.0.0.1:0 \
	    --kms-listen 127.0.0.1:0 --rtmp-listen off -n 2>&1)
	check "README's node configuration passes -n: $out" \
	    grep -qx 'configuration OK' <<<"$out"
	check "README's node configuration has its own state dir" \
	    grep -qx 'state_dir = /var/lib/cofferd' <<<"$out"
	# ... and its balancer is the one the cluster benchmark runs.
	awk '/^has it \(fill in the/ { on = 1; next }
	    on && /^```/ { if (++fence == 2) exit; next }
	    fence == 1 { print }' "$SRC/README.md" >"$E2E_TMP/haproxy.cfg"
	check "README's HAProxy configuration is bench/haproxy.cfg.in" \
	    cmp -s "$E2E_TMP/haproxy.cfg" "$SRC/bench/haproxy.cfg.in"
else
	fail "SRC is not set: cannot find README.md"
fi

# ---- errors: exit 2 with a clear message ----
# expect_fail WHAT WANT_MESSAGE ARGS...
expect_fail() {
	local what=$1 want=$2 out rc
	shift 2
	out=$("$COFFERD" --data-dir "$D3" "$@" 2>&1)
	rc=$?
	check "$what: exit $rc, want 2" [ "$rc" -eq 2 ]
	check "$what: message '$out' lacks '$want'" grep -qF -- "$want" <<<"$out"
}
BAD=$E2E_TMP/bad.conf
printf 'region = cn-shanghai\nbogus_setting = 1\n' >"$BAD"
expect_fail "unknown setting" "$BAD:2: unknown setting 'bogus_setting'" \
    --config "$BAD"
expect_fail "unknown setting with -n" "unknown setting 'bogus_setting'" \
    --config "$BAD" -n
printf 'per_ip_limit = 0\n' >"$BAD"
expect_fail "out-of-range number" "per_ip_limit" --config "$BAD" -n
printf 'region cn-shanghai\n' >"$BAD"
expect_fail "line without =" "$BAD:1:" --config "$BAD" -n
expect_fail "unknown flag" "unknown option '--bogus'" --bogus 1
expect_fail "bad log level" "log_level" --log-level loud -n
expect_fail "missing config file" "$E2E_TMP/nope.conf" \
    --config "$E2E_TMP/nope.conf" -n
expect_fail "state_dir without PostgreSQL" "needs a PostgreSQL database" \
    --state-dir "$E2E_TMP/node1" -n
check "no data dir created by failed starts" [ ! -e "$D3" ]

# ---- listen addresses: names, and failing before the data dir ----
# A host name is resolved (getaddrinfo); the log names the address bound.
first=$(getent ahosts localhost 2>/dev/null | awk 'NR == 1 { print $1 }')
if [ "$first" = 127.0.0.1 ]; then
	D5=$E2E_TMP/d5
	daemon_start "$D5" "$E2E_TMP/d5.log" --oss-listen localhost:0 \
	    --kms-listen localhost:0 || die "start with localhost:0"
	check "listening on localhost's address" \
	    grep -q "listening oss=127.0.0.1:$DPORT kms=127.0.0.1:$KPORT" \
	    "$E2E_TMP/d5.log.stderr"
	check "PutBucket over a name-bound listener" \
	    [ "$(http_status PUT /cfg-name/)" = 200 ]
	out=$(curl -sS -o /dev/null -w '%{http_code}' \
	    "http://localhost:$DPORT/cfg-name/" 2>&1)
	check "a client reaches it as localhost ($out)" [ "$out" = 403 ]
	OCCUPIED=127.0.0.1:$DPORT
else
	log "localhost resolves to '${first:-nothing}' first here:" \
	    "the host-name start is not checked"
	python3 -c 'import socket, time, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True); sys.stdout.close(); time.sleep(600)' \
	    >"$E2E_TMP/holder.port" &
	E2E_PIDS+=("$!")
	for i in $(seq 1 100); do
		[ -s "$E2E_TMP/holder.port" ] && break
		sleep 0.05
	done
	OCCUPIED=127.0.0.1:$(cat "$E2E_TMP/holder.port")
fi

# -n binds what a start would: a name that does not resolve (RFC 6761
# reserves .invalid) or an address in use fails the check, exit 2, with
# the setting named.
D6=$E2E_TMP/never-created-2
expect_listen_fail() {
	local what=$1 want=$2 out rc
	shift 2
	out=$("$COFFERD" --data-dir "$D6" --rtmp-listen off "$@" -n 2>&1)
	rc=$?
	check "-n, $what: exit $rc, want 2" [ "$rc" -eq 2 ]
	check "-n, $what: message '$out' lacks '$want'" grep -qF -- "$want" <<<"$out"
	check "-n, $what: no 'configuration OK'" not grep -qx 'configuration OK' <<<"$out"
	# The daemon itself fails the same way, before it creates anything.
	out=$(env COFFER_ROOT_ACCESS_KEY_ID=$E2E_ROOT_AK \
	    COFFER_ROOT_ACCESS_KEY_SECRET=$E2E_ROOT_SK \
	    timeout 60 "$COFFERD" --data-dir "$D6" --rtmp-listen off "$@" 2>&1)
	rc=$?
	check "start, $what: exit $rc, want 1" [ "$rc" -eq 1 ]
	check "start, $what: message '$out' lacks '$want'" grep -qF -- "$want" <<<"$out"
	check "start, $what: no data dir created" [ ! -e "$D6" ]
}
expect_listen_fail "unresolvable oss_listen" \
    "cannot listen on 'no-such-host.invalid:0' (oss_listen)" \
    --oss-listen no-such-host.invalid:0 --kms-listen 127.0.0.1:0
expect_listen_fail "oss_listen in use" \
    "cannot listen on '$OCCUPIED' (oss_listen): Address already in use" \
    --oss-listen "$OCCUPIED" --kms-listen 127.0.0.1:0
# kms_listen was bound last, after the database was made: not any more.
expect_listen_fail "kms_listen in use" \
    "cannot listen on '$OCCUPIED' (kms_listen): Address already in use" \
    --oss-listen 127.0.0.1:0 --kms-listen "$OCCUPIED"
name=127.0.0.1
[ "$first" = 127.0.0.1 ] && name=localhost
out=$("$COFFERD" --data-dir "$D6" --oss-listen "$name:0" \
    --kms-listen 127.0.0.1:0 --rtmp-listen 127.0.0.1:0 -n 2>&1)
check "-n passes with free addresses" grep -qx 'configuration OK' <<<"$out"
check "-n touches nothing" [ ! -e "$D6" ]
[ "$first" = 127.0.0.1 ] && daemon_stop >/dev/null

# ---- SIGHUP reopens --log-file ----
D4=$E2E_TMP/d4
LF=$E2E_TMP/hup.log
daemon_start "$D4" "$LF" --log-file "$LF" || die "start with --log-file"
check "before: PutBucket" [ "$(http_status PUT /hup-before/)" = 200 ]
# The access line is written once the response has gone out: wait for it.
for i in $(seq 1 100); do
	grep -q 'bucket=hup-before' "$LF" 2>/dev/null && break
	sleep 0.05
done
check "access line in the log file" grep -q 'bucket=hup-before' "$LF"
mv "$LF" "$LF.1"
kill -HUP "$DPID"
for i in $(seq 1 100); do
	grep -q 'log reopened' "$LF" 2>/dev/null && break
	sleep 0.05
done
check "after: PutBucket" [ "$(http_status PUT /hup-after/)" = 200 ]
for i in $(seq 1 100); do
	grep -q 'bucket=hup-after' "$LF" 2>/dev/null && break
	sleep 0.05
done
check "SIGHUP created a new log file" [ -f "$LF" ]
check "new requests go to the new file" grep -q 'bucket=hup-after' "$LF"
check "... and not to the renamed one" \
    bash -c "! grep -q 'bucket=hup-after' '$LF.1'"
check "the daemon is still serving" \
    kill -0 "$DPID"
daemon_stop
rc=$?
check "clean stop after SIGHUP ($rc)" [ "$rc" -eq 0 ]
for f in "$E2E_TMP"/*.stderr "$LF" "$LF.1"; do
	sanitizer_report "$f" && fail "sanitizer report in $f"
done

e2e_finish
