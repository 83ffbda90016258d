#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# audit_retention.sh: the audit trail's retention (audit_retention_days,
# jobs/audit_job.c, schema 0020).
#
#  1. KMS calls, then the test clock moved past the retention: the jobs
#     worker exports the old rows to audit/export.jsonl and deletes them;
#     the checkpoint is the last exported row, the newest row stays.
#  2. `coffer audit verify` walks the kept rows from the checkpoint and
#     `coffer audit verify-export` proves the file links to it.
#  3. The triggers allow no other deletion, and no checkpoint move back.
#  4. A root-key rotation with a checkpoint: both verifiers still pass
#     (rows exported under the old key by their links).
#  5. Tampering is named: a changed or removed export line, a changed
#     kept row.
. "$SRC/tests/e2e/e2e_lib.bash"
command -v sqlite3 >/dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

D=$E2E_TMP/d
db() { sqlite3 "$D/meta.db" "$@"; }
daemon_start "$D" "$E2E_TMP/d.log" --test-clock --audit-retention-days 30 ||
    die "start"

# ---- 1. rows, then past the retention ----
kms CreateKey Description=retention
KEY=$(json_field KeyId <<<"$BODY")
check "CreateKey ($STATUS)" [ "$STATUS" = 200 ]
for i in 1 2 3 4 5 6; do
	kms Encrypt KeyId="$KEY" Plaintext=aGVsbG8=
	[ "$STATUS" = 200 ] || fail "Encrypt $i: $STATUS $BODY"
done
BLOB=$(json_field CiphertextBlob <<<"$BODY")
kms Decrypt CiphertextBlob="$BLOB"
check "Decrypt ($STATUS)" [ "$STATUS" = 200 ]
# The crypto rows are written in batches: wait for the Decrypt's.
for _ in $(seq 100); do
	[ "$(db "select count(*) from audit where action like '%Decrypt%'")" -gt 0 ] && break
	sleep 0.1
done
old_max=$(db "select max(id) from audit")
check "rows before the jump ($old_max)" [ "$old_max" -ge 8 ]
check "nothing pruned yet" [ "$(db "select last_id from audit_checkpoint")" = 0 ]

"$COFFER" --data-dir "$D" clock advance 31d >/dev/null || fail "clock advance"
# Every row from before the jump goes, in one batch or more; each batch
# appends its own (new) audit.Prune row, so the newest row is never one.
cp=0
for _ in $(seq 200); do
	cp=$(db "select last_id from audit_checkpoint")
	[ "$cp" -ge "$old_max" ] && break
	sleep 0.1
done
check "the job pruned every old row ($cp, $old_max)" [ "$cp" = "$old_max" ]
check "the log says so" grep -q "audit: pruned" "$E2E_TMP/d.log.stderr"
X=$D/audit/export.jsonl
check "export file exists" [ -s "$X" ]
check "one line per pruned row ($(wc -l <"$X") for $cp)" [ "$(wc -l <"$X")" = "$cp" ]
check "kept rows start after the checkpoint" \
    [ "$(db "select min(id) from audit")" = $((cp + 1)) ]
check "the prune is audited" \
    [ "$(db "select count(*) from audit where action = 'audit.Prune'")" -ge 1 ]
check "no key material in the export" not grep -qi 'plaintext\|aGVsbG8' "$X"
# Newer rows are kept.
kms Encrypt KeyId="$KEY" Plaintext=aGVsbG8=
check "Encrypt after the jump ($STATUS)" [ "$STATUS" = 200 ]
sleep 2
check "still one checkpoint" [ "$(db "select last_id from audit_checkpoint")" = "$cp" ]

# ---- 2. both verifiers ----
out=$("$COFFER" --data-dir "$D" audit verify 2>&1)
rc=$?
check "audit verify ($rc): $out" [ "$rc" = 0 ]
check "it names the checkpoint: $out" grep -q "pruned after export; the trail starts from the checkpoint at row $cp" <<<"$out"
out=$("$COFFER" --data-dir "$D" audit verify-export "$X" 2>&1)
rc=$?
check "verify-export ($rc): $out" [ "$rc" = 0 ]
check "linked: $out" grep -q "export intact: rows 1-$cp, linked to the checkpoint at row $cp" <<<"$out"

# ---- 3. the triggers ----
top=$(db "select max(id) from audit")
check "a kept row cannot be deleted" not db "delete from audit where id = $top" 2>/dev/null
check "the checkpoint does not move back" \
    not db "update audit_checkpoint set last_id = 1, last_hash = (select hash from audit where id = $top)" 2>/dev/null
check "nor onto the newest row" \
    not db "update audit_checkpoint set last_id = $top, last_hash = (select hash from audit where id = $top)" 2>/dev/null
check "nor away from its row's hash" \
    not db "update audit_checkpoint set last_hash = zeroblob(32)" 2>/dev/null
check "nor vanish" not db "delete from audit_checkpoint" 2>/dev/null
daemon_stop || fail "stop"

# ---- 4. root-key rotation with a checkpoint ----
head -c 32 /dev/urandom >"$E2E_TMP/k2"
chmod 600 "$E2E_TMP/k2"
out=$("$COFFER" --data-dir "$D" root-key rotate --new-key "$E2E_TMP/k2" 2>&1)
check "rotation ($?): $out" grep -q "rotated to generation 2" <<<"$out"
out=$("$COFFER" --data-dir "$D" audit verify 2>&1)
check "audit verify after rotation ($?): $out" grep -q "audit trail intact" <<<"$out"
out=$("$COFFER" --data-dir "$D" audit verify-export "$X" 2>&1)
rc=$?
check "verify-export after rotation ($rc): $out" [ "$rc" = 0 ]
check "old rows by their links: $out" grep -q "checked by their links only" <<<"$out"
# The daemon comes back on the new key and keeps appending and pruning.
daemon_start "$D" "$E2E_TMP/d2.log" --test-clock --audit-retention-days 30 ||
    die "restart"
kms Encrypt KeyId="$KEY" Plaintext=aGVsbG8=
check "Encrypt after rotation ($STATUS)" [ "$STATUS" = 200 ]
"$COFFER" --data-dir "$D" clock advance 31d >/dev/null || fail "clock advance"
cp2=$cp
old_max=$(db "select max(id) from audit")
for _ in $(seq 200); do
	cp2=$(db "select last_id from audit_checkpoint")
	[ "$cp2" -ge "$old_max" ] && break
	sleep 0.1
done
check "pruned again after the rotation ($cp2 > $cp)" [ "$cp2" -gt "$cp" ]
daemon_stop || fail "stop 2"
out=$("$COFFER" --data-dir "$D" audit verify-export "$X" 2>&1)
check "verify-export across the rotation ($?): $out" grep -q "export intact: rows 1-$cp2" <<<"$out"
out=$("$COFFER" --data-dir "$D" audit verify 2>&1)
check "audit verify after the second prune ($?): $out" grep -q "audit trail intact" <<<"$out"

# ---- 5. tampering ----
mid=$(((cp2 + cp) / 2 + 1))
sed "/^{\"Id\":$mid,/s/\"Result\":\"[^\"]*\"/\"Result\":\"forged\"/" "$X" >"$E2E_TMP/x1"
check "the forged line differs" not cmp -s "$X" "$E2E_TMP/x1"
out=$("$COFFER" --data-dir "$D" audit verify-export "$E2E_TMP/x1" 2>&1)
rc=$?
check "a changed export line is named ($rc): $out" grep -q "export BROKEN at row $mid: its fields do not match" <<<"$out"
check "exit 1" [ "$rc" = 1 ]
sed "/^{\"Id\":2,/d" "$X" >"$E2E_TMP/x2"
out=$("$COFFER" --data-dir "$D" audit verify-export "$E2E_TMP/x2" 2>&1)
check "a removed line is named: $out" grep -q "export BROKEN at row 3" <<<"$out"
head -n $((cp2 - 1)) "$X" >"$E2E_TMP/x3"
out=$("$COFFER" --data-dir "$D" audit verify-export "$E2E_TMP/x3" 2>&1)
check "a cut file does not reach the checkpoint: $out" grep -q "do not reach the checkpoint" <<<"$out"

kept=$((cp2 + 1))
db "drop trigger audit_no_update; update audit set detail = 'forged' where id = $kept" ||
    fail "tamper"
out=$("$COFFER" --data-dir "$D" audit verify 2>&1)
rc=$?
check "a changed kept row is named ($rc): $out" grep -q "BROKEN at row $kept: its fields do not match" <<<"$out"
check "exit 1" [ "$rc" = 1 ]
e2e_finish
