#!/bin/bash
# SPDX-License-Identifier: ISC
# key_hygiene.sh: key material stays in the daemon's locked memory
# (reliability.md §4.1 and test T31).
#
# The daemon starts with a root key this test knows, creates keys and data
# keys over the KMS API (one CMK with imported material this test also
# knows), encrypts objects with SSE-KMS and logs at debug level. Then:
# its secrets are in locked memory (VmLck), it is non-dumpable (another
# process of the same user can neither ptrace it nor read its /proc
# files, while it can do both to a dumpable process of its own), core
# files are off even when the shell allowed them, and after a SIGSEGV no
# core file exists; and neither the root key, nor the imported material,
# nor a data key handed out, nor an Encrypt plaintext is in any file of
# the data dir (database, WAL, blobs, nonce logs, credentials), the log
# file or stderr — as raw bytes, hex or base64.
. "$(dirname "$0")/e2e_lib.bash"

D=$E2E_TMP/data
K=$E2E_TMP/keys
CWD=$E2E_TMP/cwd
LOGF=$E2E_TMP/logs/cofferd.log
mkdir -p "$D" "$K" "$CWD" "$E2E_TMP/logs"
head -c 32 /dev/urandom >"$K/root.key"
head -c 32 /dev/urandom >"$K/material"
chmod 0600 "$K/root.key" "$K/material"

# As root, ptrace and /proc are not limited by dumpability
# (CAP_SYS_PTRACE): run the daemon, the CLI and the probes as an
# unprivileged user, as systemd's DynamicUser would.
ASUSER=()
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null || die "setpriv (util-linux) missing"
	ASUSER=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
	chown -R 65534:65534 "$D" "$K" "$CWD" "$E2E_TMP/logs"
	chmod 0711 "$E2E_TMP"
fi
# shellcheck disable=SC2034 # daemon_start reads it
E2E_WRAP=("${ASUSER[@]+"${ASUSER[@]}"}")

sanitized=
grep -q __asan_init <(nm "$COFFERD" 2>/dev/null) && sanitized=1

# Core files are allowed by the shell, so only the daemon's own doing
# can turn them off. Relative core_pattern: they would land in CWD.
ulimit -c unlimited 2>/dev/null || log "cannot raise RLIMIT_CORE here"
cd "$CWD" || die "cd $CWD"

daemon_start "$D" "$LOGF" --root-key "$K/root.key" --log-level debug \
    --log-file "$LOGF" || die "start"

# ---- locked memory, core limit, dumpability ----
vmlck=$(awk '/^VmLck:/ { print $2 }' "/proc/$DPID/status")
log "VmLck ${vmlck:-?} kB"
if [ -n "$sanitized" ]; then
	log "sanitizer build: VmLck not judged (ASan makes mlock a no-op)"
else
	check "secrets in locked memory (VmLck $vmlck kB)" [ "${vmlck:-0}" -gt 0 ]
fi
check "core file size limit 0" \
    grep -qE '^Max core file size +0 +0 ' "/proc/$DPID/limits"

# A dumpable process of the same user, for contrast.
"${ASUSER[@]+"${ASUSER[@]}"}" sleep 60 &
SPID=$!
E2E_PIDS+=("$SPID")
sleep 0.2
check "/proc/PID/environ of a dumpable process is readable" \
    "${ASUSER[@]+"${ASUSER[@]}"}" cat "/proc/$SPID/environ" >/dev/null
cannot() { ! "$@" >/dev/null 2>&1; }
check "/proc/PID/environ of cofferd is not" \
    cannot "${ASUSER[@]+"${ASUSER[@]}"}" cat "/proc/$DPID/environ"
if command -v strace >/dev/null; then
	# strace stays attached until timeout ends it; an attach that is
	# refused returns at once with the reason.
	out=$("${ASUSER[@]+"${ASUSER[@]}"}" timeout 1 strace -e trace=none \
	    -p "$SPID" 2>&1)
	if grep -q 'Operation not permitted' <<<"$out"; then
		log "ptrace of a dumpable process is refused too (Yama?): ptrace check inconclusive"
	else
		out=$("${ASUSER[@]+"${ASUSER[@]}"}" timeout 5 strace \
		    -e trace=none -p "$DPID" 2>&1)
		check "ptrace of cofferd refused: $out" \
		    grep -q 'Operation not permitted' <<<"$out"
	fi
else
	log "strace not installed: ptrace attach not tried"
fi
kill "$SPID" 2>/dev/null
wait "$SPID" 2>/dev/null

# ---- key material that passes through the daemon ----
check "PutBucket" [ "$(http_status PUT /hyg/)" = 200 ]
kms CreateKey
KEY1=$(json_field KeyId <<<"$BODY")
check "CreateKey ($STATUS)" [ "$STATUS" = 200 -a -n "$KEY1" ]
kms GenerateDataKey "KeyId=$KEY1"
DK_B64=$(json_field Plaintext <<<"$BODY")
check "GenerateDataKey ($STATUS)" [ "$STATUS" = 200 -a -n "$DK_B64" ]
PLAIN=hygiene-plaintext-$SRANDOM$SRANDOM
PLAIN_B64=$(printf '%s' "$PLAIN" | base64)
kms Encrypt "KeyId=$KEY1" "Plaintext=$PLAIN_B64"
BLOB=$(json_field CiphertextBlob <<<"$BODY")
check "Encrypt ($STATUS)" [ "$STATUS" = 200 -a -n "$BLOB" ]
kms Decrypt "CiphertextBlob=$BLOB"
check "Decrypt ($STATUS)" [ "$STATUS" = 200 ]
check "Decrypt gives the plaintext back" \
    [ "$(json_field Plaintext <<<"$BODY")" = "$PLAIN_B64" ]

# BYOK: material this test knows, imported with the CLI while the daemon
# runs (the CLI opens the same data dir).
kms CreateKey Origin=EXTERNAL
KEY2=$(json_field KeyId <<<"$BODY")
check "CreateKey EXTERNAL ($STATUS)" [ "$STATUS" = 200 -a -n "$KEY2" ]
out=$("${ASUSER[@]+"${ASUSER[@]}"}" "$COFFER" --data-dir "$D" \
    --root-key "$K/root.key" key import "$KEY2" "$K/material" 2>&1)
check "coffer key import: $out" [ $? -eq 0 ]
kms GenerateDataKey "KeyId=$KEY2" NumberOfBytes=32
DK2_B64=$(json_field Plaintext <<<"$BODY")
check "GenerateDataKey under imported material ($STATUS)" \
    [ "$STATUS" = 200 -a -n "$DK2_B64" ]

# Objects sealed under both keys (the x-oss- headers are signed, which
# oss() does not do) and under the root key's subkey.
put_sse() {
	local key=$1 res=/hyg/o-$1 date sig
	date=$(LC_ALL=C TZ=GMT date '+%a, %d %b %Y %H:%M:%S GMT')
	sig=$(sign_v1 "$E2E_ROOT_SK" "$(printf 'PUT\n\n\n%s\n%s\n%s\n%s' \
	    "$date" "x-oss-server-side-encryption:KMS" \
	    "x-oss-server-side-encryption-key-id:$key" "$res")")
	curl -sS -X PUT -H "Date: $date" -H 'Content-Type:' -H 'Expect:' \
	    -H "Authorization: OSS $E2E_ROOT_AK:$sig" \
	    -H 'x-oss-server-side-encryption: KMS' \
	    -H "x-oss-server-side-encryption-key-id: $key" \
	    --data-binary "@$E2E_TMP/obj" -o /dev/null -w '%{http_code}' \
	    "http://127.0.0.1:$DPORT$res"
}
head -c 100000 /dev/urandom >"$E2E_TMP/obj"
for key in "$KEY1" "$KEY2" root; do
	if [ "$key" = root ]; then
		st=$(put_file hyg o-root "$E2E_TMP/obj")
	else
		st=$(put_sse "$key")
	fi
	check "PutObject o-$key ($st)" [ "$st" = 200 ]
	E2E_OUT=$E2E_TMP/obj.got oss GET "/hyg/o-$key"
	check "GetObject o-$key" cmp -s "$E2E_TMP/obj" "$E2E_TMP/obj.got"
done

daemon_stop
rc=$?
check "clean stop ($rc)" [ "$rc" -eq 0 ]

# ---- nowhere on disk, nowhere in the logs ----
# Each secret as hex of its bytes (found in a file's hex dump: raw bytes)
# and as base64.
hexof() { od -An -tx1 -v | tr -d ' \n'; }
declare -A HEX B64
HEX[root key]=$(hexof <"$K/root.key")
B64[root key]=$(base64 -w0 <"$K/root.key")
HEX[imported material]=$(hexof <"$K/material")
B64[imported material]=$(base64 -w0 <"$K/material")
HEX[data key]=$(base64 -d <<<"$DK_B64" | hexof)
B64[data key]=$DK_B64
HEX[imported data key]=$(base64 -d <<<"$DK2_B64" | hexof)
B64[imported data key]=$DK2_B64
HEX[Encrypt plaintext]=$(printf '%s' "$PLAIN" | hexof)
B64[Encrypt plaintext]=$PLAIN_B64
for n in "${!HEX[@]}"; do
	check "$n known (${#HEX[$n]} hex digits)" [ "${#HEX[$n]}" -ge 32 ]
done
files=$(find "$D" "$E2E_TMP/logs" -type f)
log "searching $(wc -l <<<"$files") files ($(du -sk "$D" | cut -f1) KiB of data dir) and the logs"
[ -s "$LOGF" ] || fail "the log file is empty"
grep -q 'GenerateDataKey' "$LOGF" || fail "the log has no access lines"
while IFS= read -r f; do
	fhex=$(hexof <"$f")
	for n in "${!HEX[@]}"; do
		h=${HEX[$n]} b64=${B64[$n]}
		hit=
		[[ $fhex == *"$h"* ]] && hit="raw bytes"
		grep -qaiF -e "$h" "$f" && hit="hex"
		grep -qaF -e "${b64%%=*}" "$f" && hit="base64"
		check "$n not in ${f#"$E2E_TMP"/} ($hit)" [ -z "$hit" ]
	done
done <<<"$files"

# ---- no core file after a crash ----
if [ -n "$sanitized" ]; then
	log "sanitizer build: SIGSEGV check skipped (the runtime catches it)"
else
	daemon_start "$D" "$LOGF" --root-key "$K/root.key" --log-file "$LOGF" ||
	    die "restart"
	kill -SEGV "$DPID"
	daemon_wait 30
	rc=$?
	check "SIGSEGV kills it (status $rc)" [ "$rc" -eq 139 ]
	cores=$(find "$CWD" "$D" -name 'core*' -type f)
	check "no core file: $cores" [ -z "$cores" ]
	# The same crash of a dumpable process leaves one here, unless
	# cores go elsewhere on this machine.
	pat=$(cat /proc/sys/kernel/core_pattern 2>/dev/null)
	if [ "${pat:0:1}" != '|' ] && [ "${pat:0:1}" != / ] &&
	    [ "$(ulimit -c)" = unlimited ]; then
		(cd "$CWD" && exec "${ASUSER[@]+"${ASUSER[@]}"}" sleep 30) &
		SPID=$!
		sleep 0.2
		kill -SEGV "$SPID"
		wait "$SPID" 2>/dev/null
		for _ in $(seq 50); do
			[ -n "$(find "$CWD" -name 'core*' -type f)" ] && break
			sleep 0.1
		done
		if [ -n "$(find "$CWD" -name 'core*' -type f)" ]; then
			log "a dumpable process did leave a core file (control)"
		else
			log "no core file from a dumpable process either: core check inconclusive here"
		fi
	else
		log "core_pattern '$pat': core check inconclusive here"
	fi
fi

e2e_finish
