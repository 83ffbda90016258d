#!/bin/bash
# SPDX-License-Identifier: ISC
# systemd_unit.sh: systemd/cofferd.service and cofferd.conf.example
# (reliability.md §3.3 and §5 T29).
#
# PID 1 on a build machine is usually not systemd, so the unit cannot be
# started here. What can be checked offline: the unit parses and its
# commands exist (systemd-analyze verify, on a copy pointing at the built
# binary), its exposure score is 2.0 or lower, the example config names
# every setting and parses, the daemon behaves as the unit assumes when
# given systemd's environment ($STATE_DIRECTORY as data dir, the root key
# from $CREDENTIALS_DIRECTORY and never created there), and (with strace)
# every system call the daemon makes is allowed by the unit's
# SystemCallFilter. Exit 77 (skip) without systemd-analyze.
. "$(dirname "$0")/e2e_lib.bash"

: "${SRC:?SRC is not set}"
UNIT=$SRC/systemd/cofferd.service
CONF=$SRC/systemd/cofferd.conf.example
MAX_SCORE=2.0

if ! command -v systemd-analyze >/dev/null; then
	log "SKIP: systemd-analyze not installed"
	exit 77
fi
[ -f "$UNIT" ] || die "$UNIT missing"

# ---- systemd-analyze verify ----
# A copy whose commands point at the built binary (the installed path
# /usr/local/bin/cofferd does not exist on a build machine).
U=$E2E_TMP/unit
mkdir -p "$U"
sed "s|/usr/local/bin/cofferd|$COFFERD|g" "$UNIT" >"$U/cofferd.service"
out=$(systemd-analyze verify "$U/cofferd.service" 2>&1)
rc=$?
# Tolerated: messages about the host, not the unit (no systemd as PID 1).
out=$(grep -v -e 'is not a directory' -e 'Failed to connect' \
    -e 'Falling back' <<<"$out" | grep -v '^$')
check "systemd-analyze verify (rc $rc): $out" [ "$rc" -eq 0 -a -z "$out" ]

# ---- README's drop-in for nodes of a cluster ----
# Loaded from the directory next to the unit, as systemd loads
# /etc/systemd/system/cofferd.service.d/.
mkdir -p "$U/cofferd.service.d"
awk '/cofferd\.service\.d\/cluster\.conf`\):$/ { on = 1; next }
    on && /^```/ { if (++fence == 2) exit; next }
    fence == 1 { print }' "$SRC/README.md" >"$U/cofferd.service.d/cluster.conf"
check "README has the cluster drop-in" grep -qx 'DynamicUser=no' \
    "$U/cofferd.service.d/cluster.conf"
out=$(systemd-analyze verify "$U/cofferd.service" 2>&1)
rc=$?
out=$(grep -v -e 'is not a directory' -e 'Failed to connect' \
    -e 'Falling back' <<<"$out" | grep -v '^$')
check "systemd-analyze verify with the cluster drop-in (rc $rc): $out" \
    [ "$rc" -eq 0 -a -z "$out" ]
rm -r "$U/cofferd.service.d"

# ---- exposure score ----
sec=$(systemd-analyze security --offline=yes "$U/cofferd.service" 2>&1)
score=$(sed -n 's/.*Overall exposure level for cofferd.service: \([0-9.]*\).*/\1/p' <<<"$sec")
log "exposure score: ${score:-?}"
check "exposure score '$score' <= $MAX_SCORE" \
    awk -v s="$score" -v m="$MAX_SCORE" 'BEGIN { exit !(s != "" && s + 0 <= m + 0) }'
# --threshold is on a 0-100 scale: 20 means "fail above 2.0".
systemd-analyze security --offline=yes --threshold=20 "$U/cofferd.service" \
    >/dev/null 2>&1
rc=$?
check "systemd-analyze security --threshold=20 exits 0 ($rc)" [ "$rc" -eq 0 ]

# ---- the unit says what the daemon relies on ----
want() {
	check "unit has $1" grep -qxF "$1" "$UNIT"
}
want "Type=notify"
want "NotifyAccess=main"
want "DynamicUser=yes"
want "StateDirectory=cofferd"
want "StateDirectoryMode=0700"
want "LoadCredentialEncrypted=root.key:/etc/cofferd/root.key.cred"
want "UMask=0077"
want "LimitCORE=0"
want "Restart=on-failure"
want "WatchdogSec=60s"
want "KillSignal=SIGTERM"
check "ExecStartPre runs --check-config" \
    grep -qE '^ExecStartPre=.*cofferd .*(--check-config|-n)( |$)' "$UNIT"
# TimeoutStopSec must exceed the drain timeout, or systemd SIGKILLs a
# daemon still finishing uploads.
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s\{0,1\}$/\1/p' "$UNIT")
drain=$("$COFFERD" --config-reference | sed -n 's/^| `drain_timeout` | [^|]* | `\([0-9]*\)`.*/\1/p')
check "TimeoutStopSec ($stop) > drain_timeout ($drain)" \
    [ -n "$stop" -a -n "$drain" -a "${stop:-0}" -gt "${drain:-0}" ]

# ---- cofferd.conf.example ----
[ -f "$CONF" ] || die "$CONF missing"
for name in $("$COFFERD" --config-reference | sed -n 's/^| `\([a-z_]*\)` |.*/\1/p'); do
	check "conf example documents '$name'" grep -qE "^#$name = ?" "$CONF"
done
for name in $(sed -n 's/^#\([a-z_]*\) =.*/\1/p' "$CONF"); do
	check "conf example setting '$name' exists" \
	    bash -c "'$COFFERD' --config-reference | grep -qF '| \`$name\` |'"
done
# -n binds the listen addresses: free ports here, so a daemon that happens
# to run on the defaults cannot fail the check (flags win over the file).
ANYPORT=(--oss-listen 127.0.0.1:0 --kms-listen 127.0.0.1:0
    --rtmp-listen 127.0.0.1:0)
out=$("$COFFERD" --config "$CONF" "${ANYPORT[@]}" -n 2>&1)
check "example parses as shipped: $out" grep -qx 'configuration OK' <<<"$out"
sed 's/^#\([a-z_]* =\)/\1/' "$CONF" >"$E2E_TMP/all.conf"
out=$("$COFFERD" --config "$E2E_TMP/all.conf" "${ANYPORT[@]}" -n 2>&1)
check "example parses with every line uncommented: $out" \
    grep -qx 'configuration OK' <<<"$out"

# ---- systemd's environment ----
# $STATE_DIRECTORY is the data dir when --data-dir is not given, and the
# root key comes from $CREDENTIALS_DIRECTORY.
S=$E2E_TMP/state
C=$E2E_TMP/creds
mkdir -p "$S" "$C"
chmod 0700 "$S"
head -c 32 /dev/urandom >"$C/root.key"
chmod 0400 "$C/root.key"
start_sd() {
	env -u NOTIFY_SOCKET STATE_DIRECTORY="$S" CREDENTIALS_DIRECTORY="$C" \
	    COFFER_ROOT_ACCESS_KEY_ID=$E2E_ROOT_AK \
	    COFFER_ROOT_ACCESS_KEY_SECRET=$E2E_ROOT_SK \
	    "$@" "$COFFERD" --config "$CONF" --oss-listen 127.0.0.1:0 --kms-listen 127.0.0.1:0 --rtmp-listen 127.0.0.1:0 \
	    >"$E2E_TMP/sd.log" 2>&1 </dev/null &
	DPID=$!
	E2E_PIDS+=("$DPID")
	for i in $(seq 1 300); do
		DPORT=$(sed -n 's/.*listening oss=[0-9.]*:\([0-9]*\) .*/\1/p' \
		    "$E2E_TMP/sd.log")
		[ -n "$DPORT" ] && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$E2E_TMP/sd.log" >&2
	return 1
}
if start_sd; then
	check "PutBucket under systemd's environment" \
	    [ "$(http_status PUT /sd-bucket/)" = 200 ]
	check "state in \$STATE_DIRECTORY" [ -f "$S/meta.db" ]
	check "credentials in \$STATE_DIRECTORY" [ -f "$S/credentials" ]
	check "no root key created in the state dir" [ ! -e "$S/root.key" ]
	check "nothing written to ./var" [ ! -e ./var/meta.db ]
	daemon_stop
	rc=$?
	check "clean stop ($rc)" [ "$rc" -eq 0 ]
else
	fail "start with STATE_DIRECTORY/CREDENTIALS_DIRECTORY"
fi
# Without the credential the daemon must refuse to start (a new key would
# seal data nobody can open later) and must not create one.
rm -f "$C/root.key"
S2=$E2E_TMP/state2
mkdir -p "$S2"
env -u NOTIFY_SOCKET STATE_DIRECTORY="$S2" CREDENTIALS_DIRECTORY="$C" \
    timeout 30 "$COFFERD" --config "$CONF" --oss-listen 127.0.0.1:0 --kms-listen 127.0.0.1:0 --rtmp-listen 127.0.0.1:0 \
    >"$E2E_TMP/nokey.log" 2>&1 </dev/null
rc=$?
check "no credential: start fails (rc $rc)" [ "$rc" -ne 0 -a "$rc" -ne 124 ]
check "no credential: no key created in \$CREDENTIALS_DIRECTORY" \
    [ ! -e "$C/root.key" ]
check "no credential: the message names the key" \
    grep -q "$C/root.key" "$E2E_TMP/nokey.log"

# ---- SystemCallFilter covers what the daemon calls ----
# Expands a systemd syscall group recursively.
expand() {
	local line
	systemd-analyze syscall-filter "$1" 2>/dev/null | tail -n +2 |
	    sed -e 's/#.*//' -e 's/^ *//' -e '/^$/d' | while read -r line; do
		case $line in
		@*) expand "$line" ;;
		*) echo "$line" ;;
		esac
	done
}
if ! command -v strace >/dev/null; then
	log "strace not installed: syscall check skipped"
elif grep -q __asan_init <(nm "$COFFERD" 2>/dev/null); then
	log "sanitizer build: syscall check skipped (the runtime makes its own calls)"
else
	expand @system-service | sort -u >"$E2E_TMP/allowed.all"
	{ expand @privileged; expand @resources; } | sort -u >"$E2E_TMP/denied"
	comm -23 "$E2E_TMP/allowed.all" "$E2E_TMP/denied" >"$E2E_TMP/allowed"
	head -c 32 /dev/urandom >"$C/root.key"
	chmod 0400 "$C/root.key"
	rm -rf "$S" && mkdir -m 0700 "$S"
	# As root, SQLite fchown()s its journal files to the database's
	# owner; under DynamicUser the daemon is never root, so run it as an
	# unprivileged user here too.
	asuser=()
	if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
		chown -R 65534:65534 "$S" "$C"
		chmod 0711 "$E2E_TMP"
		asuser=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
	fi
	if start_sd strace -f -qq -o "$E2E_TMP/trace" "${asuser[@]}"; then
		# Signals go to the traced daemon, not to strace (which would
		# detach and leave it running); strace exits with it.
		CPID=$(head -n 1 "$E2E_TMP/trace" | cut -d' ' -f1)
		E2E_PIDS+=("$CPID")
		head -c 200000 /dev/urandom >"$E2E_TMP/obj"
		http_status PUT /sc-bucket/ >/dev/null
		put_file sc-bucket obj "$E2E_TMP/obj" >/dev/null
		get_file sc-bucket obj "$E2E_TMP/obj.got" >/dev/null
		check "GET under strace is byte-exact" cmp -s "$E2E_TMP/obj" "$E2E_TMP/obj.got"
		http_status DELETE /sc-bucket/obj >/dev/null
		curl -s "http://127.0.0.1:$DPORT/-/metrics" >/dev/null
		kill -HUP "$CPID"
		sleep 0.3
		kill -TERM "$CPID"
		daemon_wait 60
		rc=$?
		check "clean stop under strace ($rc)" [ "$rc" -eq 0 ]
		# Calls made after execve of the daemon (those of strace's
		# launcher and setpriv come before it).
		sed -n '/execve("[^"]*\/cofferd", .*= 0$/,$p' "$E2E_TMP/trace" |
		    sed -nE 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p' |
		    sort -u >"$E2E_TMP/used"
		bad=$(comm -23 "$E2E_TMP/used" "$E2E_TMP/allowed" | tr '\n' ' ')
		log "daemon used $(wc -l <"$E2E_TMP/used") distinct system calls"
		check "system calls outside the unit's filter: $bad" [ -z "$bad" ]
	else
		fail "start under strace"
	fi
fi

e2e_finish
