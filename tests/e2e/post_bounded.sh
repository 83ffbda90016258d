#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# post_bounded.sh: a large PostObject streams; the daemon's memory does not
# grow with the file.
#
# curl -F sends a V1-signed browser form whose file part is POST_BIG_MIB
# MiB (a sparse file with random blocks at a few offsets, so its bytes are
# not all alike). The default is 512 MiB: 1 GiB (POST_BIG_MIB=1024) took
# about 40 s on a loaded 2-core machine, and the peak grew by under 2 MiB
# either way, so half the size shows the same bound in half the time. The daemon's peak
# resident set (VmHWM of /proc/PID/status) after the upload must stay
# under its peak before it (after a small warm-up form) plus 64 MiB; the
# object read back must have the file's SHA-256. A sanitizer build keeps
# freed memory in quarantine, so there the size is 64 MiB and only the
# bytes are checked.
. "$(dirname "$0")/e2e_lib.bash"

MIB=${POST_BIG_MIB:-512}
SLACK_KIB=$((64 * 1024))
asan_build && MIB=64

hwm_kib() {
	sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$DPID/status"
}

# form_post FILE KEY: a V1 PostObject (oss-api-2.md §4.3: the Signature
# is HMAC-SHA1 of the base64 policy) of FILE as KEY into bucket big; the
# status is left in $STATUS.
form_post() {
	local exp policy sig
	exp=$(date -u -d '+1 hour' '+%Y-%m-%dT%H:%M:%S.000Z')
	policy=$(printf '{"expiration":"%s","conditions":[{"bucket":"big"},["content-length-range",0,%d]]}' \
	    "$exp" $((MIB * 1024 * 1024)) | base64 -w0)
	sig=$(sign_v1 "$E2E_ROOT_SK" "$policy")
	STATUS=$(curl -sS -o "$E2E_TMP/post.out" -w '%{http_code}' -H 'Expect:' \
	    -H 'Host: big.oss-cn-hangzhou.aliyuncs.com' \
	    -F "key=$2" -F "OSSAccessKeyId=$E2E_ROOT_AK" -F "policy=$policy" \
	    -F "Signature=$sig" -F 'success_action_status=201' \
	    -F "file=@$1;type=application/octet-stream" \
	    "http://127.0.0.1:$DPORT/" 2>"$E2E_TMP/curl.err")
	[ -n "$STATUS" ] || STATUS=000
}

D=$E2E_TMP/data
daemon_start "$D" "$E2E_TMP/log" || die "daemon did not start"
check "PutBucket" [ "$(http_status PUT /big/)" = 200 ]

printf 'warm-up' >"$E2E_TMP/small"
form_post "$E2E_TMP/small" small
check "small form upload" [ "$STATUS" = 201 ]
IDLE=$(hwm_kib)

BIG=$E2E_TMP/big
truncate -s "${MIB}M" "$BIG"
for off in 0 $((MIB / 3)) $((MIB / 2)) $((MIB - 1)); do
	dd if=/dev/urandom of="$BIG" bs=1M count=1 seek="$off" conv=notrunc \
	    status=none
done
WANT=$(sha256sum <"$BIG" | cut -d' ' -f1)

form_post "$BIG" big.bin
check "form upload of $MIB MiB: 201" [ "$STATUS" = 201 ] ||
    cat "$E2E_TMP/post.out" "$E2E_TMP/curl.err" >&2
check "PostResponse names the key" grep -q '<Key>big.bin</Key>' "$E2E_TMP/post.out"
PEAK=$(hwm_kib)
log "VmHWM: $IDLE kB before, $PEAK kB after a $MIB MiB form (${SECONDS}s)"
if ! asan_build; then
	check "peak RSS under idle + 64 MiB after the upload ($PEAK kB vs $IDLE kB)" \
	    [ "$PEAK" -lt $((IDLE + SLACK_KIB)) ]
fi

# Read back through a fifo: STATUS must be set in this shell, and 1 GiB
# need not land on disk twice.
mkfifo "$E2E_TMP/got"
sha256sum <"$E2E_TMP/got" >"$E2E_TMP/got.sum" &
E2E_OUT=$E2E_TMP/got oss GET /big/big.bin >/dev/null
wait $!
GOT=$(cut -d' ' -f1 "$E2E_TMP/got.sum")
log "read back after ${SECONDS}s"
check "GET: 200" [ "$STATUS" = 200 ]
check "GET: the file's SHA-256" [ "$GOT" = "$WANT" ]
if ! asan_build; then
	PEAK=$(hwm_kib)
	check "peak RSS under idle + 64 MiB after the read ($PEAK kB vs $IDLE kB)" \
	    [ "$PEAK" -lt $((IDLE + SLACK_KIB)) ]
fi
rm -f "$BIG"

check "daemon exits cleanly" daemon_stop
e2e_finish
