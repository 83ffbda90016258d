#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# syscall_order.sh: durability order of a PUT, observed with strace
# (reliability.md T5). For an inline object (small: stored in its database
# row) the WAL fdatasync must come before the 200 is sent; for a blob
# object, fsync(blob), rename into place and fsync(directory) must also
# come before it; under a retention policy, the anchor's fdatasync too. Skipped (77) without strace or under ASan (no ptrace).
. "$(dirname "$0")/e2e_lib.bash"

command -v strace >/dev/null || { log "skipped: no strace"; exit 77; }
if asan_build; then
	log "skipped: ASan build (strace and ASan do not mix)"
	exit 77
fi

D=$E2E_TMP/data
TRACE=$E2E_TMP/trace
mkdir -p "$D"
env COFFER_ROOT_ACCESS_KEY_ID=$E2E_ROOT_AK \
    COFFER_ROOT_ACCESS_KEY_SECRET=$E2E_ROOT_SK \
    strace -f -o "$TRACE" -s 64 \
    -e trace=fsync,fdatasync,rename,renameat,renameat2,sendto,sendmsg,write,writev \
    "$COFFERD" --data-dir "$D" --oss-listen 127.0.0.1:0 \
    --kms-listen 127.0.0.1:0 --rtmp-listen 127.0.0.1:0 --log-level notice >"$E2E_TMP/log" 2>&1 &
DPID=$!
E2E_PIDS+=("$DPID")
for i in $(seq 1 300); do
	DPORT=$(sed -n 's/.*listening oss=[0-9.]*:\([0-9]*\) .*/\1/p' \
	    "$E2E_TMP/log" | tail -n 1)
	[ -n "$DPORT" ] && break
	sleep 0.1
done
[ -n "$DPORT" ] || die "cofferd did not start under strace"
# Killing strace detaches its tracee: stop cofferd itself at exit too.
CPID=$(pgrep -P "$DPID" -x cofferd | head -n 1)
[ -n "$CPID" ] && E2E_PIDS+=("$CPID")

check "create bucket" [ "$(http_status PUT /order-bucket/)" = 200 ]

# put_traced NAME SIZE: PUT an object and print the trace lines it caused.
put_traced() {
	local before after
	head -c "$2" /dev/urandom >"$E2E_TMP/$1"
	sleep 0.3
	before=$(wc -l <"$TRACE")
	check "PUT $1" [ "$(put_file order-bucket "$1" "$E2E_TMP/$1")" = 200 ]
	sleep 0.3
	tail -n +"$((before + 1))" "$TRACE" >"$E2E_TMP/$1.trace"
}

# first_line PATTERN FILE: line number of the first match, or 999999.
first_line() {
	local n
	n=$(grep -n -m1 -E "$1" "$2" | cut -d: -f1)
	echo "${n:-999999}"
}

REPLY_RE='(sendto|sendmsg|write|writev)\([0-9]+, .*HTTP/1\.1 200'

put_traced small.bin 1000
t=$E2E_TMP/small.bin.trace
reply=$(first_line "$REPLY_RE" "$t")
sync=$(first_line 'fdatasync\(' "$t")
check "inline PUT: a 200 was sent" [ "$reply" -lt 999999 ]
check "inline PUT: WAL fdatasync ($sync) before the 200 ($reply)" [ "$sync" -lt "$reply" ]

put_traced large.bin 300000
t=$E2E_TMP/large.bin.trace
reply=$(first_line "$REPLY_RE" "$t")
blob_sync=$(first_line 'fsync\(' "$t")
ren=$(first_line 'rename(at2?)?\(' "$t")
dir_sync=$(grep -n -E 'fsync\(' "$t" | sed -n 2p | cut -d: -f1)
# The last WAL sync before the reply: the business clock's once-a-second
# persist (main thread) may sync again after it, in the same window.
wal=$(head -n "$reply" "$t" | grep -n -E 'fdatasync\(' | tail -n 1 | cut -d: -f1)
check "blob PUT: a 200 was sent" [ "$reply" -lt 999999 ]
check "blob PUT: fsync(blob) ($blob_sync) before rename ($ren)" [ "$blob_sync" -lt "$ren" ]
check "blob PUT: rename ($ren) before fsync(dir) (${dir_sync:-none})" [ "$ren" -lt "${dir_sync:-0}" ]
check "blob PUT: fsync(dir) before WAL fdatasync (${wal:-none})" [ "${dir_sync:-999999}" -lt "${wal:-0}" ]
check "blob PUT: WAL fdatasync before the 200 ($reply)" [ "${wal:-999999}" -lt "$reply" ]

# Under a retention policy the seal's anchor (README "What WORM
# guarantees") is synced too, after the commit and before the 200: both
# for the policy change itself and for a PUT into the bucket.
afd=$(find "/proc/$CPID/fd" -lname '*seal.anchor' -printf '%f\n' 2>/dev/null | head -n 1)
check "the anchor file is open (fd ${afd:-none})" [ -n "$afd" ]
# traced NAME CMD...: runs CMD, keeps the trace lines it caused.
traced() {
	local name=$1 before
	shift
	sleep 0.3
	before=$(wc -l <"$TRACE")
	"$@"
	sleep 0.3
	tail -n +"$((before + 1))" "$TRACE" >"$E2E_TMP/$name.trace"
}
traced initiate oss POST "/order-bucket/?worm" -D "$E2E_TMP/hdr" --data-binary \
    '<InitiateWormConfiguration><RetentionPeriodInDays>1</RetentionPeriodInDays></InitiateWormConfiguration>' >/dev/null
check "InitiateBucketWorm ($STATUS)" [ "$STATUS" = 200 ]
t=$E2E_TMP/initiate.trace
reply=$(first_line "$REPLY_RE" "$t")
anchor=$(first_line "fdatasync\\(${afd:-x}\\)" "$t")
wal=$(head -n "$anchor" "$t" | grep -n -E 'fdatasync\(' | grep -v "(${afd:-x})" | tail -n 1 | cut -d: -f1)
check "Initiate: WAL fdatasync (${wal:-none}) before the anchor's ($anchor)" [ "${wal:-999999}" -lt "$anchor" ]
check "Initiate: the anchor's fdatasync ($anchor) before the 200 ($reply)" [ "$anchor" -lt "$reply" ]
put_traced worm.bin 1000
t=$E2E_TMP/worm.bin.trace
reply=$(first_line "$REPLY_RE" "$t")
anchor=$(first_line "fdatasync\\(${afd:-x}\\)" "$t")
wal=$(head -n "$anchor" "$t" | grep -n -E 'fdatasync\(' | grep -v "(${afd:-x})" | tail -n 1 | cut -d: -f1)
check "PUT under a policy: WAL fdatasync (${wal:-none}) before the anchor's ($anchor)" [ "${wal:-999999}" -lt "$anchor" ]
check "PUT under a policy: the anchor's fdatasync ($anchor) before the 200 ($reply)" [ "$anchor" -lt "$reply" ]

if [ "$E2E_FAILS" -ne 0 ]; then
	cat "$E2E_TMP/large.bin.trace" "$E2E_TMP/worm.bin.trace" >&2
	exit 1
fi
log "ok: PUTs and WORM changes are durable before their 200"
