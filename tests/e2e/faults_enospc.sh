#!/bin/bash
# SPDX-License-Identifier: ISC
# faults_enospc.sh: a full file system under the data dir (reliability.md
# T7).
#
# The data dir is an 8 MiB tmpfs, mounted in a private mount namespace
# (unshare -m as root, unshare -rm otherwise), so nothing outside the test
# sees it. Blob-sized and inline PUTs go on until the file system is full.
# Every PUT answered 200 must read back exact, every refused one must be a
# 5xx error document and leave no object and no temp file behind; reads
# keep working while full. Then space is freed (a ballast file removed,
# objects deleted) and, without a restart, PUTs and KMS calls succeed
# again. Finally the store is checked: no temp file, blobs and extent rows
# agree, integrity_check ok, every acknowledged object intact after a
# restart. Skipped (77) when no mount namespace can be made here.

if [ -z "${FAULTS_ENOSPC_NS:-}" ]; then
	# In a chroot whose root is not a mount point, making it private
	# fails (EINVAL); "unchanged" still gives a namespace of our own.
	for ns in "unshare -m --propagation private" \
	    "unshare -rm --propagation private" \
	    "unshare -m --propagation unchanged"; do
		if $ns true 2>/dev/null; then
			FAULTS_ENOSPC_NS=1 exec $ns bash "$0" "$@"
		fi
	done
	echo "${0##*/}: SKIP: cannot create a mount namespace (unshare -m / -rm)" >&2
	exit 77
fi

. "$(dirname "$0")/e2e_lib.bash"
. "$(dirname "$0")/faults_lib.bash"

command -v sqlite3 >/dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

D=$E2E_TMP/data
L=$E2E_TMP/cofferd.log
B=full
mkdir -p "$D"
if ! mount -t tmpfs -o size=8m,mode=0700 tmpfs "$D" 2>"$E2E_TMP/mount.err"; then
	log "SKIP: cannot mount a tmpfs in the namespace: $(cat "$E2E_TMP/mount.err")"
	exit 77
fi
trap 'umount -l "$D" 2>/dev/null; e2e_cleanup' EXIT

for i in 0 1 2 3; do
	head -c $((300000 + i * 1111)) /dev/urandom >"$E2E_TMP/b$i"
	head -c $((2000 + i * 7)) /dev/urandom >"$E2E_TMP/s$i"
done

# The daemon logs to a file outside the full file system.
daemon_start "$D" "$L" || die "start"
kms_port "$L" || die "no KMS port"
[ "$(http_status PUT "/$B/")" = 200 ] || die "PutBucket"
head -c 1048576 /dev/zero >"$D/ballast"

declare -A ACKED
refused=0 acked=0 codes=
for i in $(seq 1 200); do
	f=$E2E_TMP/$([ $((i % 3)) = 0 ] && echo s || echo b)$((i % 4))
	st=$(put_file "$B" "k$i" "$f")
	if [ "$st" = 200 ]; then
		ACKED[k$i]=$f
		acked=$((acked + 1))
		continue
	fi
	refused=$((refused + 1))
	codes+=" $st"
	check "PUT k$i on a full file system: status $st, want a 5xx" is_5xx "$st"
	st=$(http_status GET "/$B/k$i")
	check "refused k$i: GET gives $st, want 404 (no partial object)" [ "$st" = 404 ]
	[ "$refused" -ge 6 ] && break
done
log "full after $acked acknowledged PUTs; $refused refused (status$codes)"
check "the file system filled up" [ "$refused" -ge 6 ]
n=$(find "$D/tmp" -type f | wc -l)
check "$n temp file(s) left by refused PUTs" [ "$n" -eq 0 ]

# Refusals keep the OSS error format.
E2E_OUT=$E2E_TMP/err oss PUT "/$B/again" --data-binary "@$E2E_TMP/b0" >/dev/null
check "PUT while full: status $STATUS" is_5xx "$STATUS"
check "PUT while full: <Error> document" grep -q '<Code>[A-Za-z]*</Code>' "$E2E_TMP/err"

# Reads work while full.
for k in k1 k3; do
	[ -n "${ACKED[$k]:-}" ] || continue
	st=$(get_file "$B" "$k" "$E2E_TMP/got")
	check "GET $k while full: $st" [ "$st" = 200 ] &&
	    check "GET $k while full: bytes" cmp -s "$E2E_TMP/got" "${ACKED[$k]}"
done
# A DELETE while full frees space or fails cleanly.
st=$(http_status DELETE "/$B/k1")
if [ "$st" = 204 ]; then
	unset "ACKED[k1]"
else
	check "DELETE while full: $st, want 204 or a 5xx" is_5xx "$st"
fi

# ---- free space; no restart ----
rm -f "$D/ballast"
for k in k2 k4 k5; do
	[ -n "${ACKED[$k]:-}" ] || continue
	st=$(http_status DELETE "/$B/$k")
	check "DELETE $k after freeing space: $st" [ "$st" = 204 ] && unset "ACKED[$k]"
done
for k in after1 after2; do
	st=$(put_file "$B" "$k" "$E2E_TMP/b2")
	check "PUT $k after freeing space: $st" [ "$st" = 200 ] && ACKED[$k]=$E2E_TMP/b2
done
kms CreateKey
key=$(kfield KeyId)
check "CreateKey after freeing space: $KSTATUS" [ "$KSTATUS" = 200 ]
kms Encrypt "KeyId=$key" "Plaintext=Zm9v"
ct=$(kfield CiphertextBlob)
check "Encrypt after freeing space: $KSTATUS" [ "$KSTATUS" = 200 ]
kms Decrypt "CiphertextBlob=$ct"
check "Decrypt after freeing space" [ "$(kfield Plaintext)" = Zm9v ]
daemon_stop
rc=$?
check "clean stop (got $rc)" [ "$rc" -eq 0 ]
sanitizer_report "$L.stderr" && fail "sanitizer report"

# ---- after a restart: everything acknowledged is there ----
daemon_start "$D" "$L" || die "restart"
for k in "${!ACKED[@]}"; do
	st=$(get_file "$B" "$k" "$E2E_TMP/got")
	check "after restart: $k: $st" [ "$st" = 200 ] &&
	    check "after restart: $k: bytes" cmp -s "$E2E_TMP/got" "${ACKED[$k]}"
done
daemon_stop
verify_store "$D" "after restart"
e2e_finish
