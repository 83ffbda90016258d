#!/bin/bash
# SPDX-License-Identifier: ISC
# backup.sh: `coffer backup`, `restore` and `verify`.
#
# A backup taken while a loop of PUTs (small inline objects, and larger
# ones kept as blob files, some replacing earlier ones so blobs are
# unlinked under the backup) runs is restored into a new data dir; a
# second daemon on it serves every object acknowledged before the backup
# began, byte for byte. A backup with a cut blob, a cut database or a
# changed byte is refused before anything is written; so is an older
# snapshot over a newer data dir, unless --force (audited); and a restore
# with another root key says so. `coffer verify` passes on a good data dir
# and fails on one with a missing blob and on one with a flipped byte.
. "$(dirname "$0")/e2e_lib.bash"

D=$E2E_TMP/data
B=$E2E_TMP/bk
R=$E2E_TMP/restored
KEY=$D/root.key
daemon_start "$D" "$E2E_TMP/d.log" || die "start"
check "PutBucket" [ "$(http_status PUT /bkt/)" = 200 ]

# Objects acknowledged before the backup: small (inline) and 200 KiB
# (a blob file of four chunks).
mkdir -p "$E2E_TMP/src"
for i in $(seq 1 20); do
	head -c $((i * 97)) /dev/urandom >"$E2E_TMP/src/s$i"
	head -c $((200 * 1024 + i)) /dev/urandom >"$E2E_TMP/src/l$i"
	check "PUT s$i" [ "$(put_file bkt "s$i" "$E2E_TMP/src/s$i")" = 200 ]
	check "PUT l$i" [ "$(put_file bkt "l$i" "$E2E_TMP/src/l$i")" = 200 ]
done

# The write load: new keys, and overwrites of w0..w4, whose replaced
# blobs the daemon unlinks while the backup runs.
head -c $((300 * 1024)) /dev/urandom >"$E2E_TMP/load"
(
	n=0
	while [ ! -e "$E2E_TMP/stop" ]; do
		put_file bkt "w$((n % 5))" "$E2E_TMP/load" >/dev/null
		put_file bkt "n$n" "$E2E_TMP/src/s3" >/dev/null
		n=$((n + 1))
	done
) &
LOADER=$!
sleep 0.5
out=$("$COFFER" --data-dir "$D" backup "$B" 2>"$E2E_TMP/bk.err")
rc=$?
# verify beside the same load: objects replaced meanwhile are not
# reported as missing, blobs of PUTs in flight not as orphans.
vout=$("$COFFER" --data-dir "$D" verify --json 2>/dev/null)
vrc=$?
touch "$E2E_TMP/stop"
wait "$LOADER"
check "verify under load exits 0 ($vrc): $vout" [ "$vrc" -eq 0 ]
check "backup under load exits 0 ($rc): $(tail -n 3 "$E2E_TMP/bk.err")" [ "$rc" -eq 0 ]
check "backup says where the root key is not" grep -q "root key is not in it" <<<"$out"
check "manifest written" [ -s "$B/manifest.json" ]
check "no root key in the backup" not grep -rqF -- "$(od -An -tx1 "$KEY" | tr -d ' \n' | head -c 16)" "$B/manifest.json"
check "no root.key file in the backup" [ ! -e "$B/root.key" ]
check "non-TTY progress is JSON lines" grep -q '^{"Progress":"backup"' "$E2E_TMP/bk.err"
if command -v python3 >/dev/null; then
	check "manifest is JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$B/manifest.json"
fi
check "backup into a non-empty dir refused" not "$COFFER" --data-dir "$D" backup "$B"

out=$("$COFFER" --data-dir "$D" restore "$B" --force 2>&1)
check "restore over a serving daemon's dir: refused: $out" grep -q "in use by a running cofferd" <<<"$out"

# A blob deleted between the snapshot and its link (simulated: no test
# can time a real one): a new snapshot is taken; when blobs keep going,
# the backup fails and leaves no manifest.
out=$(COFFER_TEST_BACKUP_MISS=2 "$COFFER" --data-dir "$D" backup "$E2E_TMP/bk-retry" 2>&1)
rc=$?
check "blob gone before its link: new snapshot ($rc): $out" [ "$rc" -eq 0 ]
check "the retry is said" grep -q "taking a new snapshot" <<<"$out"
check "the retried backup restores" "$COFFER" restore "$E2E_TMP/bk-retry" --data-dir "$E2E_TMP/r-retry" --root-key "$KEY"
check "and verifies" "$COFFER" --data-dir "$E2E_TMP/r-retry" --root-key "$KEY" verify
out=$(COFFER_TEST_BACKUP_MISS=5 "$COFFER" --data-dir "$D" backup "$E2E_TMP/bk-gone" 2>&1)
rc=$?
check "blobs keep going: backup fails ($rc)" [ "$rc" -eq 1 ]
check "and says why: $out" grep -q "kept vanishing" <<<"$out"
check "no manifest in the failed backup" [ ! -e "$E2E_TMP/bk-gone/manifest.json" ]
check "which restore refuses" not "$COFFER" restore "$E2E_TMP/bk-gone" --data-dir "$E2E_TMP/r-gone" --root-key "$KEY"

# ---- verify: the live data dir ----
out=$("$COFFER" --data-dir "$D" verify --json 2>/dev/null)
rc=$?
check "verify on the live dir exits 0 ($rc): $out" [ "$rc" -eq 0 ]
check "verify --json says Ok" grep -q '"Ok":true' <<<"$out"

# ---- restore into a new dir, second daemon ----
check "restore without the key fails" not "$COFFER" restore "$B" --data-dir "$R.nokey"
head -c 32 /dev/urandom >"$E2E_TMP/other.key"
out=$("$COFFER" --root-key "$E2E_TMP/other.key" restore "$B" --data-dir "$R.other" 2>&1)
check "restore with another key: refused, says so: $out" grep -q "is not the one that sealed" <<<"$out"
check "nothing left in the data dir after the refusal" [ ! -e "$R.other/meta.db" ]
out=$("$COFFER" restore "$B" --data-dir "$R" --root-key "$KEY" 2>&1)
rc=$?
check "restore exits 0 ($rc): $out" [ "$rc" -eq 0 ]
cp "$KEY" "$R/root.key"
check "verify on the restored dir" "$COFFER" --data-dir "$R" verify
P1=$DPID
P1PORT=$DPORT
daemon_start "$R" "$E2E_TMP/r.log" || die "start on the restored dir"
check "second daemon on another port" [ "$DPORT" != "$P1PORT" ]
for i in $(seq 1 20); do
	for k in s l; do
		st=$(get_file bkt "$k$i" "$E2E_TMP/got")
		check "restored GET $k$i ($st)" [ "$st" = 200 ]
		check "restored $k$i byte for byte" cmp -s "$E2E_TMP/got" "$E2E_TMP/src/$k$i"
	done
done
check "restored daemon: no seal alert" not grep -q ALERT "$E2E_TMP/r.log.stderr"
# The restored dir moves on: a write under it works.
check "restored daemon accepts a PUT" [ "$(put_file bkt after "$E2E_TMP/src/s1")" = 200 ]
daemon_stop
DPID=$P1
DPORT=$P1PORT

# ---- an older snapshot over a newer data dir ----
# Sequences move only under a policy: lock the bucket of the restored dir
# via a fresh snapshot, then compare.
daemon_stop
check "verify on the stopped dir" "$COFFER" --data-dir "$D" verify
daemon_start "$D" "$E2E_TMP/d.log" || die "restart"
body='<InitiateWormConfiguration><RetentionPeriodInDays>1</RetentionPeriodInDays></InitiateWormConfiguration>'
check "InitiateBucketWorm" [ "$(E2E_OUT=/dev/null oss POST '/bkt/?worm' --data-binary "$body" >/dev/null; echo "$STATUS")" = 200 ]
check "PUT after the lock" [ "$(put_file bkt z "$E2E_TMP/src/s2")" = 200 ]
daemon_stop
newer=$(sqlite3 "$D/meta.db" 'select seq from seal')
old=$(sed -n 's/.*"SealSequence": \([0-9]*\).*/\1/p' "$B/manifest.json")
check "the data dir moved on ($old -> $newer)" [ "$newer" -gt "$old" ]
out=$("$COFFER" --data-dir "$D" restore "$B" 2>&1)
rc=$?
check "older snapshot over a newer dir: refused ($rc): $out" [ "$rc" -ne 0 ]
check "the refusal names WORM" grep -q "roll back retention" <<<"$out"
check "data dir unchanged" [ "$(sqlite3 "$D/meta.db" 'select seq from seal')" = "$newer" ]
cp -a "$D" "$E2E_TMP/forced"
out=$("$COFFER" --data-dir "$E2E_TMP/forced" restore "$B" --force 2>&1)
rc=$?
check "--force restores ($rc): $out" [ "$rc" -eq 0 ]
out=$("$COFFER" --data-dir "$E2E_TMP/forced" audit --limit 5)
check "the forced restore is in the audit trail" grep -q "restore.force" <<<"$out"

# ---- damaged backups are refused ----
damaged() {	# NAME MUTATION...: a copy of the backup, changed, must be refused
	local c=$E2E_TMP/bad-$1
	shift
	cp -a "$B" "$c"
	(cd "$c" && eval "$*")
	out=$("$COFFER" restore "$c" --data-dir "$E2E_TMP/into-${c##*/}" --root-key "$KEY" 2>&1)
	rc=$?
	check "${c##*/}: refused ($rc): $out" [ "$rc" -ne 0 ]
	check "${c##*/}: nothing restored" [ ! -e "$E2E_TMP/into-${c##*/}/meta.db" ]
}
BLOB=$(cd "$B" && find blobs -type f | head -n 1)
damaged cut-blob "truncate -s -100 $BLOB"
damaged cut-db "truncate -s -4096 meta.db"
damaged flip-blob "flip $BLOB 100"
damaged no-manifest "rm manifest.json"
damaged cut-manifest "truncate -s -40 manifest.json"
out=$("$COFFER" restore "$E2E_TMP/bad-cut-blob" --data-dir "$E2E_TMP/x" --root-key "$KEY" 2>&1)
check "a cut blob is named: $out" grep -q "truncated" <<<"$out"

# ---- verify finds damage ----
cp -a "$R" "$E2E_TMP/v1"
rm -f "$E2E_TMP/v1/$(cd "$R" && find blobs -type f | head -n 1)"
out=$("$COFFER" --data-dir "$E2E_TMP/v1" verify --json 2>&1)
rc=$?
check "verify: missing blob fails ($rc)" [ "$rc" -eq 1 ]
check "verify: missing blob counted" grep -q '"BlobsMissing":1' <<<"$out"
cp -a "$R" "$E2E_TMP/v2"
F=$E2E_TMP/v2/$(cd "$R" && find blobs -type f | head -n 1)
# Inverted, not overwritten: a fixed byte is already there once in 256.
flip "$F" 70000
out=$("$COFFER" --data-dir "$E2E_TMP/v2" verify --json 2>&1)
rc=$?
check "verify: flipped byte fails ($rc)" [ "$rc" -eq 1 ]
check "verify: flipped byte counted" grep -q '"ExtentsFailingAuthentication":1' <<<"$out"
cp -a "$R" "$E2E_TMP/v3"
cp "$F" "$E2E_TMP/v3/blobs/00/00000000000000000000000000000000" 2>/dev/null ||
    { mkdir -p "$E2E_TMP/v3/blobs/00" && cp "$F" "$E2E_TMP/v3/blobs/00/00000000000000000000000000000000"; }
touch -d '1 hour ago' "$E2E_TMP/v3/blobs/00/00000000000000000000000000000000"
out=$("$COFFER" --data-dir "$E2E_TMP/v3" verify --json 2>&1)
rc=$?
check "verify: orphan blob fails ($rc)" [ "$rc" -eq 1 ]
check "verify: orphan counted" grep -q '"OrphanBlobs":1' <<<"$out"

e2e_finish
