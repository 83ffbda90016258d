#!/bin/bash
# SPDX-License-Identifier: ISC
# worm_crash.sh: kill -9 during a burst of deletes and overwrites of
# protected objects and of WORM policy changes (reliability.md §1.4
# "durability of the lock", T4/T18/T19).
#
# Bucket wc has a Locked policy and a set of records; bucket wp has none
# at first. While the daemon runs, in parallel:
#   - attackers DELETE and overwrite wc's records (every answer must be a
#     refusal, never 2xx);
#   - an extender lengthens wc's policy one day at a time (each 200 logged);
#   - a churner initiates and aborts wp's policy (each 200/204 logged).
# The daemon is killed with -9 at an arbitrary moment, three rounds over one
# data dir. After each restart: every record of wc is present and
# byte-identical; wc's policy is Locked with the same id and at least the
# last acknowledged period (at most the last attempted); wp's policy is in
# a committed state (absent, or InProgress with its days); the database
# passes integrity_check; the audit table holds every acknowledged change.
#
# Until the lead wires worm_object_guard into DeleteObject/PutObject, the
# refusals come from the schema's triggers as 500 instead of 409
# FileImmutable: reported as a TODO line, not a failure (the property
# tested, that no protected byte changes, holds either way).
. "$(dirname "$0")/e2e_lib.bash"

command -v sqlite3 >/dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

D=$E2E_TMP/data
L=$E2E_TMP/cofferd.log
NREC=12
ROUNDS=3

# req METHOD RESOURCE [CURL_ARGS...]: like oss, with the response headers
# in $E2E_TMP/hdr and the body on stdout (main shell only). RESOURCE may
# carry sub-resources as long as they are in canonical (sorted) order.
req() {
	local m=$1 r=$2
	shift 2
	oss "$m" "$r" -D "$E2E_TMP/hdr" "$@"
}

worm_get() {
	# Prints "State Days WormId" or "404".
	local body
	E2E_OUT=$E2E_TMP/wormget oss GET "/$1/?worm" >/dev/null
	body=$(cat "$E2E_TMP/wormget")
	if [ "$STATUS" != 200 ]; then
		echo "$STATUS"
		return
	fi
	printf '%s %s %s\n' \
	    "$(sed -n 's/.*<State>\([^<]*\)<.*/\1/p' <<<"$body")" \
	    "$(sed -n 's/.*<RetentionPeriodInDays>\([^<]*\)<.*/\1/p' <<<"$body")" \
	    "$(sed -n 's/.*<WormId>\([^<]*\)<.*/\1/p' <<<"$body")"
}

days_xml() {
	printf '<%s><RetentionPeriodInDays>%s</RetentionPeriodInDays></%s>' \
	    "$1" "$2" "$1"
}

attacker() {
	local a=$1 i=0 k st
	while [ -e "$E2E_TMP/run" ]; do
		k=rec$(((i * 5 + a) % NREC))
		if [ $((i % 2)) -eq 0 ]; then
			st=$(http_status DELETE "/wormc/$k")
		else
			st=$(E2E_OUT=/dev/null oss PUT "/wormc/$k" \
			    --data-binary "overwritten by $a/$i" >/dev/null; echo "$STATUS")
		fi
		echo "$st" >>"$E2E_TMP/attack.$a"
		i=$((i + 1))
	done
}

extender() {
	local days
	days=$(cat "$E2E_TMP/days")
	while [ -e "$E2E_TMP/run" ]; do
		days=$((days + 1))
		echo "$days" >"$E2E_TMP/days.tried"
		E2E_OUT=/dev/null oss POST "/wormc/?wormExtend&wormId=$WORM_ID" \
		    --data-binary "$(days_xml ExtendWormConfiguration "$days")" \
		    >/dev/null
		[ "$STATUS" = 200 ] && echo "$days" >"$E2E_TMP/days"
		[ "$STATUS" = 200 ] && echo "$days" >>"$E2E_TMP/extends.acked"
	done
}

churner() {
	local i=0
	while [ -e "$E2E_TMP/run" ]; do
		E2E_OUT=/dev/null oss POST "/wormp/?worm" \
		    --data-binary "$(days_xml InitiateWormConfiguration $((i % 7 + 1)))" \
		    >/dev/null
		echo "initiate $((i % 7 + 1)) $STATUS" >>"$E2E_TMP/churn"
		E2E_OUT=/dev/null oss DELETE "/wormp/?worm" >/dev/null
		echo "abort $STATUS" >>"$E2E_TMP/churn"
		i=$((i + 1))
	done
}

verify() {
	local what=$1 i st got state days id n
	for i in $(seq 0 $((NREC - 1))); do
		st=$(get_file wormc "rec$i" "$E2E_TMP/got")
		got=$(sha256sum <"$E2E_TMP/got" | cut -d' ' -f1)
		check "$what: rec$i present ($st)" [ "$st" = 200 ]
		check "$what: rec$i byte-identical" [ "$got" = "$(cat "$E2E_TMP/rec$i.sha")" ]
	done
	read -r state days id <<<"$(worm_get wormc)"
	check "$what: wc policy Locked (got '$state')" [ "$state" = Locked ]
	check "$what: wc policy id kept" [ "$id" = "$WORM_ID" ]
	check "$what: wc days $days >= last acknowledged $(cat "$E2E_TMP/days")" \
	    [ "${days:-0}" -ge "$(cat "$E2E_TMP/days")" ]
	check "$what: wc days $days <= last attempted" \
	    [ "${days:-0}" -le "$(cat "$E2E_TMP/days.tried" 2>/dev/null || cat "$E2E_TMP/days")" ]
	# The extender continues from what is stored.
	[ -n "$days" ] && echo "$days" >"$E2E_TMP/days"
	read -r state days id <<<"$(worm_get wormp)"
	case "$state" in
	404) ;;
	InProgress)
		check "$what: wp days $days in 1..7" [ "$days" -ge 1 -a "$days" -le 7 ]
		check "$what: wp id '$id'" grep -qE '^[0-9A-F]{32}$' <<<"$id" ;;
	*) fail "$what: wp policy in an uncommitted state '$state $days $id'" ;;
	esac
	check "$what: integrity_check" \
	    [ "$(sqlite3 "$D/meta.db" 'pragma integrity_check')" = ok ]
	n=$(sqlite3 "$D/meta.db" "select count(*) from audit where action = 'worm.extend' and result = 'ok'")
	check "$what: every acknowledged extend audited ($n >= $(wc -l <"$E2E_TMP/extends.acked"))" \
	    [ "$n" -ge "$(wc -l <"$E2E_TMP/extends.acked")" ]
}

daemon_start "$D" "$L" --test-clock || die "start"
[ "$(http_status PUT /wormc/)" = 200 ] || die "PutBucket wormc"
[ "$(http_status PUT /wormp/)" = 200 ] || die "PutBucket wormp"
for i in $(seq 0 $((NREC - 1))); do
	head -c $((i * 9000 + 1)) /dev/urandom >"$E2E_TMP/rec$i"
	sha256sum <"$E2E_TMP/rec$i" | cut -d' ' -f1 >"$E2E_TMP/rec$i.sha"
	[ "$(put_file wormc "rec$i" "$E2E_TMP/rec$i")" = 200 ] || die "PUT rec$i"
done
req POST "/wormc/?worm" --data-binary "$(days_xml InitiateWormConfiguration 30)" >/dev/null
[ "$STATUS" = 200 ] || die "InitiateBucketWorm: $STATUS"
WORM_ID=$(sed -n 's/^x-oss-worm-id: *\([0-9A-F]*\).*/\1/ip' "$E2E_TMP/hdr")
check "x-oss-worm-id header" grep -qE '^[0-9A-F]{32}$' <<<"$WORM_ID"
[ "$(http_status POST "/wormc/?wormId=$WORM_ID")" = 200 ] || die "CompleteBucketWorm"
echo 30 >"$E2E_TMP/days"
: >"$E2E_TMP/extends.acked"
verify "before the burst"

for r in $(seq 1 $ROUNDS); do
	touch "$E2E_TMP/run"
	attacker 1 & p1=$!
	attacker 2 & p2=$!
	extender & p3=$!
	churner & p4=$!
	# Let some changes be acknowledged, then kill at a varying moment.
	for i in $(seq 1 100); do
		[ "$(wc -l <"$E2E_TMP/extends.acked")" -ge $((3 * r)) ] && break
		sleep 0.05
	done
	sleep "0.$((RANDOM % 5))$((RANDOM % 10))"
	daemon_kill9
	rm -f "$E2E_TMP/run"
	wait $p1 $p2 $p3 $p4
	sanitizer_report "$L.stderr" && fail "round $r: sanitizer report"
	daemon_start "$D" "$L" --test-clock || die "restart after kill -9 (round $r)"
	verify "round $r"
done

# What the attackers were told: never a success.
cat "$E2E_TMP"/attack.* >"$E2E_TMP/attack"
n2xx=$(grep -c '^2' "$E2E_TMP/attack")
n409=$(grep -c '^409$' "$E2E_TMP/attack")
n500=$(grep -c '^500$' "$E2E_TMP/attack")
check "no delete/overwrite of a protected record succeeded ($n2xx)" [ "$n2xx" -eq 0 ]
log "policy changes: $(wc -l <"$E2E_TMP/extends.acked") extends and" \
    "$(grep -c ' 200$' "$E2E_TMP/churn") initiates acknowledged"
log "attacks: $(wc -l <"$E2E_TMP/attack") sent, $n409 FileImmutable, $n500 refused by the schema triggers"
if [ "$n500" -gt 0 ]; then
	log "TODO guard not wired: DeleteObject/PutObject answer 500 (trigger) instead of 409 FileImmutable"
fi
check "the churner got committed answers only" \
    bash -c "! grep -vE '^(initiate [1-7] (200|409|000)|abort (204|404|000))\$' '$E2E_TMP/churn'"

# The end of the period (test clock) frees the records, and only then.
"$COFFER" --data-dir "$D" clock advance "$(( $(cat "$E2E_TMP/days") - 1 ))d" >/dev/null
check "one day before the end: still refused" [ "$(http_status DELETE /wormc/rec0)" != 204 ]
"$COFFER" --data-dir "$D" clock advance 2d >/dev/null
check "after the end: DeleteObject works" [ "$(http_status DELETE /wormc/rec0)" = 204 ]

daemon_stop
rc=$?
check "clean stop ($rc)" [ "$rc" -eq 0 ]
sanitizer_report "$L.stderr" && fail "sanitizer report"
e2e_finish
