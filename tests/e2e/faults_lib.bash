# SPDX-License-Identifier: ISC
# faults_lib.bash: what the fault-injection tests (faults_*.sh) share on top
# of e2e_lib.bash: KMS RPC calls signed with v1 (kms-api.md §2.2, built here
# from the spec with openssl, independently of the daemon's verifier), the
# daemon's descriptor count and the invariants checked after a fault.
#
# Sourced after e2e_lib.bash; KPORT is set by kms_port after daemon_start.

# kms_port LOG: the KMS listener's port from the listening line.
kms_port() {
	KPORT=$(sed -n 's/.*listening oss=[^ ]* kms=[0-9.]*:\([0-9]*\) .*/\1/p' \
	    "$1" "$1.stderr" 2>/dev/null | tail -n 1)
	[ -n "$KPORT" ]
}

# RFC 3986 percent-encoding, byte by byte.
kms_enc() {
	local LC_ALL=C s=$1 i c h out=
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9._~-]) out+=$c ;;
		*) printf -v h '%%%02X' "'$c"; out+=$h ;;
		esac
	done
	printf '%s' "$out"
}

# kms ACTION [NAME=VALUE...]: a v1-signed KMS call (main shell only); the
# JSON reply goes to $KBODY, the HTTP status to $KSTATUS ("000" when none).
kms() {
	local action=$1 p q= sig nonce ts
	local ak=${AK:-$E2E_ROOT_AK} sk=${SK:-$E2E_ROOT_SK}
	local -a params
	shift
	nonce=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
	ts=$(TZ=UTC date '+%Y-%m-%dT%H:%M:%SZ')
	params=("AccessKeyId=$ak" "Action=$action" "Format=JSON"
	    "SignatureMethod=HMAC-SHA1" "SignatureNonce=$nonce"
	    "SignatureVersion=1.0" "Timestamp=$ts" "Version=2016-01-20" "$@")
	while IFS= read -r p; do
		q+=${q:+&}$(kms_enc "${p%%=*}")=$(kms_enc "${p#*=}")
	done < <(printf '%s\n' "${params[@]}" | LC_ALL=C sort -t= -k1,1)
	sig=$(sign_v1 "$sk&" "POST&%2F&$(kms_enc "$q")")
	KSTATUS=$(curl -sS -X POST -o "$E2E_TMP/kms.$$" -w '%{http_code}' \
	    "http://127.0.0.1:$KPORT/?$q&Signature=$(kms_enc "$sig")" 2>/dev/null)
	[ -n "$KSTATUS" ] || KSTATUS=000
	KBODY=$(cat "$E2E_TMP/kms.$$" 2>/dev/null)
	rm -f "$E2E_TMP/kms.$$"
}

# kfield NAME: a string field of $KBODY.
kfield() {
	sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$KBODY"
}

# fd_count PID: open descriptors of a process.
fd_count() {
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

# verify_store DATA_DIR WHAT: no temp file, blobs and extent rows agree,
# integrity_check ok. Run with the daemon stopped (recovery has swept).
verify_store() {
	local d=$1 what=$2 n
	n=$(find "$d/tmp" -type f | wc -l)
	check "$what: $n temp file(s) left" [ "$n" -eq 0 ]
	if ! diff <(blob_names "$d") <(extent_uuids "$d") >"$E2E_TMP/diff"; then
		fail "$what: blobs and extents differ (< blob only, > row only):"
		head -n 20 "$E2E_TMP/diff" >&2
	fi
	check "$what: integrity_check" \
	    [ "$(sqlite3 "$d/meta.db" 'pragma integrity_check')" = ok ]
}

# is_5xx STATUS: a server error answer (000, no answer, is not one).
is_5xx() {
	[ "${1:0:1}" = 5 ]
}
