#!/bin/bash
# SPDX-License-Identifier: ISC
# faults_fiu.sh: failing system calls under libfiu (reliability.md T8, T9).
#
# cofferd runs under `fiu-run -x` (the POSIX preload: every libc call of the
# process, SQLite's included) with remote control. Round by round one
# failpoint is switched on at random (fsync, fdatasync, write, pwrite, open,
# rename, pread; errno EIO, ENOSPC or EMFILE) while a fixed mix of PUTs
# (fresh keys and overwrites, inline and blob sized), GETs, DELETEs and KMS
# Encrypt/Decrypt runs, then switched off again. Every answer must be a
# success or a 5xx error document (a 4xx would blame the client for a disk
# fault); a 200 GET must carry the object's bytes. After each round the
# daemon, without a restart, must serve a PUT, a GET and a KMS round trip,
# hold no descriptor of a blob or temp file and not have grown its
# descriptor count. At the end, after a restart without faults, every
# acknowledged object must read back byte-exact (an overwrite whose PUT
# failed may show either version, never an error), every acknowledged
# ciphertext must decrypt, and the store must be consistent.
#
# FAULTS_P (default 0.2) is the probability per call of the grouped rounds,
# FAULTS_OPS the PUTs per round (default 6).
. "$(dirname "$0")/e2e_lib.bash"
. "$(dirname "$0")/faults_lib.bash"

command -v fiu-run >/dev/null && command -v fiu-ctrl >/dev/null ||
    { log "SKIP: fiu-run/fiu-ctrl missing (Debian fiu-utils)"; exit 77; }
command -v sqlite3 >/dev/null || { log "SKIP: sqlite3 missing"; exit 77; }
# The POSIX preload also wraps malloc and hands out glibc's blocks, which
# an ASan build frees into its own allocator: it crashes at start.
if asan_build; then
	log "SKIP: ASan build (libfiu's preload replaces malloc under ASan)"
	exit 77
fi

P=${FAULTS_P:-0.2}
OPS=${FAULTS_OPS:-6}
D=$E2E_TMP/data
L=$E2E_TMP/cofferd.log
B=fiu
POOL=$E2E_TMP/pool
FIFO=$E2E_TMP/fiu

# Rounds: failpoints (comma-separated), errno, probability (1 = every
# call). `make faults-long` (FAULTS_LONG=1) runs each failpoint on its own
# at the specification's 0.05 with more requests; the default is grouped
# to stay short. Every fdatasync failing is the WAL sync of each commit:
# nothing may be acknowledged, yet an overwritten key keeps a version.
# libfiu 1.1 wraps open and rename but not openat and renameat, which the
# blob store uses: its open and rename rounds reach SQLite's files only.
if [ -n "${FAULTS_LONG:-}" ]; then
	OPS=${FAULTS_OPS:-20}
	ROUNDS=(
		"posix/io/sync/fsync 5 0.05"
		"posix/io/sync/fdatasync 5 0.05"
		"posix/io/rw/write 5 0.05"
		"posix/io/rw/write 28 0.05"
		"posix/io/rw/pwrite 5 0.05"
		"posix/io/rw/pwrite 28 0.05"
		"posix/io/oc/open 24 0.05"
		"posix/io/dir/rename 5 0.05"
		"posix/io/rw/pread 5 0.05"
		"posix/io/sync/fdatasync 5 1"
	)
else
	ROUNDS=(
		"posix/io/sync/fsync,posix/io/sync/fdatasync 5 $P"
		"posix/io/rw/write,posix/io/rw/pwrite 28 $P"
		"posix/io/rw/write,posix/io/rw/pwrite,posix/io/rw/pread 5 $P"
		"posix/io/sync/fdatasync 5 1"
	)
fi

mkdir -p "$POOL"
for i in 0 1 2 3; do
	head -c $((1000 + i * 3000)) /dev/urandom >"$POOL/s$i"	# inline
	head -c $((150000 + i * 70000)) /dev/urandom >"$POOL/b$i"	# blob
done

# The wrapper keeps cofferd's pid (fiu-run execs it) for daemon_start.
cat >"$E2E_TMP/cofferd-fiu" <<EOF
#!/bin/bash
exec fiu-run -x -f "$FIFO" "$COFFERD" "\$@"
EOF
chmod +x "$E2E_TMP/cofferd-fiu"
REAL_COFFERD=$COFFERD

fiu() {
	fiu-ctrl -f "$FIFO" -c "$1" "$DPID"
}

declare -A ACKED	# key -> pool file of the last acknowledged PUT
declare -A MAYBE	# key -> pool file of a failed PUT after it
declare -A CIPHER	# ciphertext blob -> plaintext
declare -A UNDEL	# key whose DELETE failed: it may be gone or not

# bad_status WHAT STATUS OK...: STATUS must be one of OK or a 5xx.
expect() {
	local what=$1 st=$2 ok
	shift 2
	for ok in "$@"; do
		[ "$st" = "$ok" ] && return 0
	done
	is_5xx "$st" && { NFAIL=$((NFAIL + 1)); return 1; }
	fail "$what: status $st"
	return 1
}

# get_checked WHAT KEY FILE: a GET that may fail with a 5xx or, once the
# 200 is out, by a cut body (a chunk failed to read), but never deliver
# other bytes than FILE's.
get_checked() {
	local rc n
	rm -f "$E2E_TMP/got"
	E2E_OUT=$E2E_TMP/got oss GET "/$B/$2" >/dev/null
	rc=$?
	expect "$1" "$STATUS" 200 || return 1
	cmp -s "$E2E_TMP/got" "$3" && [ "$rc" -eq 0 ] && return 0
	n=$(stat -c %s "$E2E_TMP/got" 2>/dev/null || echo 0)
	if [ "$rc" -ne 0 ] && [ "$n" -lt "$(stat -c %s "$3")" ] &&
	    cmp -s -n "$n" "$E2E_TMP/got" "$3"; then
		NCUT=$((NCUT + 1))
		return 1
	fi
	fail "$1: 200 with wrong bytes (curl $rc, $n bytes)"
	return 1
}

workload() {
	local r=$1 i k f st ct pt
	for i in $(seq 1 "$OPS"); do
		f=$POOL/$([ $((i % 2)) = 0 ] && echo s || echo b)$((i % 4))
		# Fresh keys and a few keys overwritten over and over.
		if [ $((i % 3)) = 0 ]; then k=churn$((i % 4)); else k=r$r-$i; fi
		st=$(put_file "$B" "$k" "$f")
		if expect "round $r PUT $k" "$st" 200; then
			NPUTOK=$((NPUTOK + 1))
			ACKED[$k]=$f
			unset "MAYBE[$k]" "UNDEL[$k]"
		else
			MAYBE[$k]=$f
		fi
		NOPS=$((NOPS + 1))
	done
	for k in "${!ACKED[@]}"; do
		[ -n "${MAYBE[$k]:-}" ] && continue
		case $k in r$r-*|churn*) ;; *) continue ;; esac
		get_checked "round $r GET $k" "$k" "${ACKED[$k]}"
		NOPS=$((NOPS + 1))
	done
	# Delete a fresh key of this round: 204, or a 5xx leaving it as it was.
	k=r$r-1
	if [ -n "${ACKED[$k]:-}" ]; then
		st=$(http_status DELETE "/$B/$k")
		if expect "round $r DELETE $k" "$st" 204; then
			unset "ACKED[$k]"
		else
			# A 5xx after the commit (its WAL sync failed) leaves
			# the delete done: either outcome is right.
			MAYBE[$k]=${ACKED[$k]}
			UNDEL[$k]=1
		fi
		NOPS=$((NOPS + 1))
	fi
	for i in 1 2 3; do
		pt=$(printf 'r%s-%s' "$r" "$i" | base64)
		kms Encrypt "KeyId=$KEY" "Plaintext=$pt"
		ct=$(kfield CiphertextBlob)
		if expect "round $r Encrypt" "$KSTATUS" 200; then
			CIPHER[$ct]=$pt
			kms Decrypt "CiphertextBlob=$ct"
			expect "round $r Decrypt" "$KSTATUS" 200 &&
			    [ "$(kfield Plaintext)" != "$pt" ] &&
			    fail "round $r Decrypt: wrong plaintext"
		fi
		NOPS=$((NOPS + 2))
	done
}

# healthy WHAT: a PUT, its GET and a KMS round trip all succeed.
healthy() {
	local st pt=aGVhbHRoeQ== ct
	st=$(put_file "$B" "health" "$POOL/b1")
	check "$1: PUT after faults off: $st" [ "$st" = 200 ] || return 1
	ACKED[health]=$POOL/b1
	unset "MAYBE[health]"
	st=$(get_file "$B" "health" "$E2E_TMP/got")
	check "$1: GET after faults off: $st" [ "$st" = 200 ] &&
	    check "$1: GET after faults off: bytes" cmp -s "$E2E_TMP/got" "$POOL/b1"
	kms Encrypt "KeyId=$KEY" "Plaintext=$pt"
	ct=$(kfield CiphertextBlob)
	check "$1: Encrypt after faults off: $KSTATUS" [ "$KSTATUS" = 200 ]
	kms Decrypt "CiphertextBlob=$ct"
	[ "$(kfield Plaintext)" = "$pt" ] ||
	    fail "$1: Decrypt after faults off: $KSTATUS"
}

# data_fds: descriptors of cofferd on blob or temp files (none at rest).
data_fds() {
	find "/proc/$DPID/fd" -mindepth 1 -maxdepth 1 -printf '%l\n' 2>/dev/null |
	    grep -c -e '/blobs/' -e '/tmp/[0-9a-f]\{32\}\.'
}

COFFERD=$E2E_TMP/cofferd-fiu daemon_start "$D" "$L" --threads 4 || die "start under fiu-run"
kms_port "$L" || die "no KMS port"
[ "$(http_status PUT "/$B/")" = 200 ] || die "PutBucket"
kms CreateKey
KEY=$(kfield KeyId)
[ -n "$KEY" ] || die "CreateKey: $KSTATUS $KBODY"
NOPS=0 NFAIL=0 NCUT=0 NPUTOK=0
# Warm up every worker thread's database connection before the baseline.
workload warm
healthy "warm-up"
BASE=$(fd_count "$DPID")

r=0
for spec in "${ROUNDS[@]}"; do
	r=$((r + 1))
	set -- $spec
	before=$NFAIL ops=$NOPS cut=$NCUT putok=$NPUTOK
	for fp in ${1//,/ }; do
		if [ "$3" = 1 ]; then
			fiu "enable name=$fp,failinfo=$2"
		else
			fiu "enable_random name=$fp,probability=$3,failinfo=$2"
		fi || die "fiu-ctrl enable $fp"
	done
	workload "$r"
	for fp in ${1//,/ }; do
		fiu "disable name=$fp" || die "fiu-ctrl disable $fp"
	done
	log "round $r: $1 errno $2 p $3: $((NOPS - ops)) requests," \
	    "$((NFAIL - before)) answered 5xx, $((NCUT - cut)) bodies cut"
	[ "$3" = 1 ] && check "round $r: every $1 failed, yet $((NPUTOK - putok)) PUT(s) acknowledged" \
	    [ "$NPUTOK" -eq "$putok" ]
	kill -0 "$DPID" 2>/dev/null || die "round $r: cofferd died ($1)"
	healthy "round $r ($1)"
	n=$(data_fds)
	check "round $r ($1): $n descriptor(s) of blob/temp files left open" [ "$n" -eq 0 ]
	n=$(fd_count "$DPID")
	check "round $r ($1): $n descriptors, $BASE before the faults" [ "$n" -le $((BASE + 3)) ]
done
log "$NOPS requests under faults, $NFAIL answered 5xx, $NCUT bodies cut"
check "some faults surfaced as 5xx" [ "$NFAIL" -gt 0 ]
daemon_stop
rc=$?
check "stop after the faults: exit $rc" [ "$rc" -eq 0 ]
sanitizer_report "$L.stderr" && fail "sanitizer report"

# ---- restart without faults: acknowledged data is all there ----
COFFERD=$REAL_COFFERD
daemon_start "$D" "$L" || die "restart"
kms_port "$L" || die "no KMS port after restart"
for k in $(printf '%s\n' "${!ACKED[@]}" "${!MAYBE[@]}" | sort -u); do
	st=$(get_file "$B" "$k" "$E2E_TMP/got")
	if [ -n "${MAYBE[$k]:-}" ]; then
		# Indeterminate: the acknowledged or the attempted bytes, or
		# absent if nothing was acknowledged or a DELETE failed.
		[ "$st" = 404 ] && { [ -z "${ACKED[$k]:-}" ] || [ -n "${UNDEL[$k]:-}" ]; } && continue
		{ [ -n "${ACKED[$k]:-}" ] && cmp -s "$E2E_TMP/got" "${ACKED[$k]}"; } ||
		    cmp -s "$E2E_TMP/got" "${MAYBE[$k]}" ||
		    fail "after restart: $k (failed PUT or DELETE): status $st, neither version"
		continue
	fi
	check "after restart: acknowledged $k: status $st" [ "$st" = 200 ] &&
	    check "after restart: acknowledged $k: bytes" cmp -s "$E2E_TMP/got" "${ACKED[$k]}"
done
for ct in "${!CIPHER[@]}"; do
	kms Decrypt "CiphertextBlob=$ct"
	pt=$(kfield Plaintext)
	check "after restart: acknowledged ciphertext decrypts ($KSTATUS)" \
	    [ "$pt" = "${CIPHER[$ct]}" ]
done
daemon_stop
verify_store "$D" "after restart"
e2e_finish
