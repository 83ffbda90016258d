#!/bin/bash
# SPDX-License-Identifier: ISC
# soak.sh: a bounded soak under mixed load (reliability.md §5 T28).
#
#   tests/torture/soak.sh [SECONDS]     default 300 (make soak); the
#                                       e2e.soak_smoke test runs 25
#
# One daemon, data dir on the normal disk, for SECONDS: anonymous PUTs of
# new objects, several to a keep-alive connection (sizes from empty to
# 300 KiB: inline rows and blob files); overwrites and deletes of a small
# churn set; GETs of acknowledged objects checked against their SHA-256;
# signed PUT/GET pairs on a private bucket; KMS GenerateDataKey, Encrypt
# and Decrypt on one CMK. Every SOAK_SAMPLE seconds (default 5) the
# daemon's VmRSS and open descriptors are sampled; the curve is printed.
#
# Passes when no request failed (each got the status it should, no
# transport error), RSS and descriptors are flat after the warm-up (the
# first quarter): the last quarter's peak at most SOAK_RSS_SLACK_KB
# (default 16384) above the warm-up's end and, load gone, descriptors back
# to what they were at the warm-up's end (give or take SOAK_FD_SLACK,
# default 8); then every acknowledged write reads back byte-exact, every
# deleted key is 404, every Encrypt result decrypts to its plaintext, and
# the daemon stops cleanly.
#
# Environment: COFFERD, COFFER (built binaries), TMPDIR (scratch).
. "$(dirname "$0")/../e2e/e2e_lib.bash"

DUR=${1:-300}
SAMPLE=${SOAK_SAMPLE:-5}
RSS_SLACK_KB=${SOAK_RSS_SLACK_KB:-16384}
FD_SLACK=${SOAK_FD_SLACK:-8}
[ "$DUR" -ge 10 ] || die "SECONDS must be at least 10"
WARM=$((DUR / 4))

D=$E2E_TMP/data
W=$E2E_TMP/work
STOP=$W/stop
mkdir -p "$W"
LOGF=$E2E_TMP/cofferd.log
daemon_start "$D" "$LOGF" --log-file "$LOGF" || die "start"
URL=http://127.0.0.1:$DPORT

# The anonymous bucket: public-read-write (x-oss-acl is signed).
date=$(LC_ALL=C TZ=GMT date '+%a, %d %b %Y %H:%M:%S GMT')
sig=$(sign_v1 "$E2E_ROOT_SK" "$(printf 'PUT\n\n\n%s\nx-oss-acl:public-read-write\n/soak/' "$date")")
st=$(curl -sS -X PUT -H "Date: $date" -H 'x-oss-acl: public-read-write' \
    -H "Authorization: OSS $E2E_ROOT_AK:$sig" -H 'Content-Type:' \
    -o /dev/null -w '%{http_code}' "$URL/soak/")
[ "$st" = 200 ] || die "PutBucket soak: $st"
[ "$(http_status PUT /soak-priv/)" = 200 ] || die "PutBucket soak-priv"
kms CreateKey Description=soak
CMK=$(json_field KeyId <<<"$BODY")
[ "$STATUS" = 200 ] && [ -n "$CMK" ] || die "CreateKey: $STATUS $BODY"

# err WORKER WHAT: one failed request.
err() { printf '%s\n' "$2" >>"$W/errors.$1"; }

# random_file PATH: mostly small bodies, some around the 64 KiB inline
# limit, a few blobs of several chunks.
random_file() {
	local p=$((SRANDOM % 100)) n
	if [ $p -lt 70 ]; then n=$((SRANDOM % 4097))
	elif [ $p -lt 90 ]; then n=$((60000 + SRANDOM % 10000))
	else n=$((100000 + SRANDOM % 200001)); fi
	head -c "$n" /dev/urandom >"$1"
}

# New keys, eight PUTs per connection; acknowledged ones go to acked.N.
put_worker() {
	local id=$1 r=0 f=$W/put.$1 sum out rc code url n=0
	while [ ! -e "$STOP" ]; do
		r=$((r + 1))
		random_file "$f"
		sum=$(sha256sum <"$f" | cut -c1-64)
		out=$(curl -sS -T "$f" -H 'Expect:' -o /dev/null \
		    -w '%{http_code} %{url_effective}\n' \
		    "$URL/soak/p$id-$r-[1-8]" 2>>"$W/curl.$id")
		rc=$?
		[ $rc -eq 0 ] || err "$id" "PUT batch p$id-$r: curl exit $rc"
		while read -r code url; do
			[ -n "$code" ] || continue
			n=$((n + 1))
			if [ "$code" = 200 ]; then
				printf '%s %s\n' "${url##*/}" "$sum" >>"$W/acked.$id"
			else
				err "$id" "PUT ${url##*/}: $code"
			fi
		done <<<"$out"
	done
	echo "$n" >"$W/count.put$id"
}

# Overwrites and deletes of c-1..c-5, one at a time, so the last action
# on a key is its state; written to churn (key sha256, or key -).
churn_worker() {
	local f=$W/churn.body k st n=0 sum
	while [ ! -e "$STOP" ]; do
		k=c-$((SRANDOM % 5 + 1))
		n=$((n + 1))
		if [ $((SRANDOM % 3)) -eq 0 ]; then
			st=$(curl -sS -X DELETE -o /dev/null -w '%{http_code}' \
			    "$URL/soak/$k" 2>>"$W/curl.churn")
			if [ "$st" = 204 ]; then
				echo "$k -" >>"$W/churn"
			else
				err churn "DELETE $k: $st"
			fi
		else
			random_file "$f"
			sum=$(sha256sum <"$f" | cut -c1-64)
			st=$(curl -sS -T "$f" -H 'Expect:' -o /dev/null \
			    -w '%{http_code}' "$URL/soak/$k" 2>>"$W/curl.churn")
			if [ "$st" = 200 ]; then
				echo "$k $sum" >>"$W/churn"
			else
				err churn "PUT $k: $st"
			fi
		fi
	done
	echo "$n" >"$W/count.churn"
}

# GETs of eight acknowledged keys per connection, content checked.
get_worker() {
	local id=$1 dir=$W/get.$1 n=0 key sum args codes i
	local -a keys sums
	mkdir -p "$dir"
	while [ ! -e "$STOP" ]; do
		mapfile -t lines < <(cat "$W"/acked.[0-9]* 2>/dev/null | shuf -n 8)
		if [ ${#lines[@]} -eq 0 ]; then
			sleep 0.1
			continue
		fi
		args=() keys=() sums=()
		for i in "${!lines[@]}"; do
			read -r key sum <<<"${lines[$i]}"
			keys+=("$key") sums+=("$sum")
			args+=(-o "$dir/$i" "$URL/soak/$key")
		done
		codes=$(curl -sS -w '%{http_code}\n' "${args[@]}" 2>>"$W/curl.get$id")
		[ $? -eq 0 ] || err "get$id" "GET batch: curl failed"
		mapfile -t cl <<<"$codes"
		for i in "${!keys[@]}"; do
			n=$((n + 1))
			if [ "${cl[$i]:-}" != 200 ]; then
				err "get$id" "GET ${keys[$i]}: ${cl[$i]:-none}"
			elif [ "$(sha256sum <"$dir/$i" | cut -c1-64)" != "${sums[$i]}" ]; then
				err "get$id" "GET ${keys[$i]}: content differs"
			fi
		done
		rm -f "$dir"/*
	done
	echo "$n" >"$W/count.get$id"
}

# Signed requests (V1) on the private bucket: a PUT, then its GET.
signed_worker() {
	local f=$W/signed.body g=$W/signed.got r=0 st n=0
	while [ ! -e "$STOP" ]; do
		r=$((r + 1))
		random_file "$f"
		st=$(put_file soak-priv "s-$r" "$f")
		n=$((n + 1))
		if [ "$st" != 200 ]; then
			err signed "signed PUT s-$r: $st"
			continue
		fi
		echo "s-$r $(sha256sum <"$f" | cut -c1-64)" >>"$W/acked.signed"
		st=$(get_file soak-priv "s-$r" "$g")
		n=$((n + 1))
		if [ "$st" != 200 ] || ! cmp -s "$f" "$g"; then
			err signed "signed GET s-$r: $st"
		fi
	done
	echo "$n" >"$W/count.signed"
}

# KMS: GenerateDataKey, Encrypt (result to kms.acked), Decrypt of it.
kms_worker() {
	local n=0 plain blob
	while [ ! -e "$STOP" ]; do
		kms GenerateDataKey "KeyId=$CMK"
		n=$((n + 1))
		if [ "$STATUS" != 200 ] || [ -z "$(json_field Plaintext <<<"$BODY")" ]; then
			err kms "GenerateDataKey: $STATUS $BODY"
		fi
		plain=$(head -c 24 /dev/urandom | base64 -w0)
		kms Encrypt "KeyId=$CMK" "Plaintext=$plain"
		n=$((n + 1))
		blob=$(json_field CiphertextBlob <<<"$BODY")
		if [ "$STATUS" != 200 ] || [ -z "$blob" ]; then
			err kms "Encrypt: $STATUS $BODY"
			continue
		fi
		echo "$blob $plain" >>"$W/kms.acked"
		kms Decrypt "CiphertextBlob=$blob"
		n=$((n + 1))
		if [ "$STATUS" != 200 ] || [ "$(json_field Plaintext <<<"$BODY")" != "$plain" ]; then
			err kms "Decrypt: $STATUS $BODY"
		fi
	done
	echo "$n" >"$W/count.kms"
}

# rss_kb / fd_count: the daemon's VmRSS and open descriptors. A
# non-dumpable process's /proc/PID/fd is root's only; its own metrics
# gauge counts the same set.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$DPID/status" 2>/dev/null; }
fd_count() {
	local n
	if n=$(ls "/proc/$DPID/fd" 2>/dev/null | wc -l) && [ "$n" -gt 0 ]; then
		echo "$n"
	else
		curl -s "$URL/-/metrics" | sed -n 's/^process_open_fds \([0-9]*\)$/\1/p'
	fi
}

# Each pool thread opens its database connection (two descriptors) the
# first time it serves a request: many concurrent requests on both
# listeners first, so that this growth, bounded by the thread count,
# happens before the warm-up ends rather than during the soak.
head -c 1000 /dev/urandom >"$W/warm.body"
st=$(curl -sS -T "$W/warm.body" -H 'Expect:' -o /dev/null -w '%{http_code}' \
    "$URL/soak/warm")
[ "$st" = 200 ] || die "PUT warm: $st"
curl -sS -Z --parallel-max 32 --no-progress-meter -o /dev/null "$URL/soak/warm?n=[1-128]" ||
    die "warming the OSS listener"
pids=()
for i in $(seq 32); do
	kms DescribeKey "KeyId=$CMK" &
	pids+=($!)
done
wait "${pids[@]}"

log "soak: ${DUR}s (warm-up ${WARM}s), samples every ${SAMPLE}s, data dir $D"
T0=$SECONDS
WORKERS=()
put_worker 1 & WORKERS+=($!)
put_worker 2 & WORKERS+=($!)
churn_worker & WORKERS+=($!)
get_worker 1 & WORKERS+=($!)
get_worker 2 & WORKERS+=($!)
signed_worker & WORKERS+=($!)
kms_worker & WORKERS+=($!)
E2E_PIDS+=("${WORKERS[@]}")

printf '%6s %10s %5s\n' t rss_kB fds >"$W/curve"
warm_rss='' warm_fds='' late_rss=0
while [ $((SECONDS - T0)) -lt "$DUR" ]; do
	sleep "$SAMPLE"
	t=$((SECONDS - T0))
	r=$(rss_kb) f=$(fd_count)
	[ -n "$r" ] && [ -n "$f" ] || die "cannot sample the daemon (gone?)"
	printf '%6s %10s %5s\n' "$t" "$r" "$f" >>"$W/curve"
	if [ -z "$warm_rss" ] && [ "$t" -ge "$WARM" ]; then
		warm_rss=$r warm_fds=$f
	fi
	if [ "$t" -ge $((DUR * 3 / 4)) ] && [ "$r" -gt "$late_rss" ]; then
		late_rss=$r
	fi
done
touch "$STOP"
wait "${WORKERS[@]}"
sleep 1
idle_rss=$(rss_kb) idle_fds=$(fd_count)
printf '%6s %10s %5s  (load stopped)\n' "$((SECONDS - T0))" "$idle_rss" \
    "$idle_fds" >>"$W/curve"
cat "$W/curve" >&2

total=$(cat "$W"/count.* | awk '{ n += $1 } END { print n + 0 }')
nerr=$(cat "$W"/errors.* 2>/dev/null | wc -l)
log "requests: $total in $((SECONDS - T0)) s ($(cat "$W"/count.* | paste -sd ' ')); errors: $nerr"
check "some load ($total requests)" [ "$total" -gt 0 ]
if [ "$nerr" -ne 0 ]; then
	cat "$W"/errors.* | head -n 20 >&2
	fail "$nerr request(s) failed"
fi
if grep -q __asan_init <(nm "$COFFERD" 2>/dev/null); then
	# ASan's quarantine keeps freed memory for a while on purpose.
	log "sanitizer build: RSS flatness not judged (warm-up ${warm_rss} kB, last quarter's peak ${late_rss} kB)"
else
	check "RSS flat after warm-up: warm-up ${warm_rss} kB, last quarter's peak ${late_rss} kB (slack ${RSS_SLACK_KB} kB)" \
	    [ "$late_rss" -le $((warm_rss + RSS_SLACK_KB)) ]
fi
check "descriptors back after load: ${idle_fds} vs ${warm_fds} at warm-up (slack ${FD_SLACK})" \
    [ "$idle_fds" -le $((warm_fds + FD_SLACK)) ]

# ---- every acknowledged write reads back ----
# One curl per 500 keys (a config file of url/output pairs): one
# keep-alive connection, no process per request.
verify_keys() {
	local bucket=$1 manifest=$2 dir=$W/verify bad=0 n=0 cfg key sum
	local -a keys sums codes
	mkdir -p "$dir"
	split -l 500 "$manifest" "$W/chunk."
	for c in "$W"/chunk.*; do
		keys=() sums=()
		cfg=$W/curl.cfg
		: >"$cfg"
		while read -r key sum; do
			keys+=("$key") sums+=("$sum")
			printf 'url = "%s/%s/%s"\noutput = "%s/%s"\n' "$URL" \
			    "$bucket" "$key" "$dir" "${#keys[@]}" >>"$cfg"
		done <"$c"
		if [ "$bucket" = soak-priv ]; then
			# Signed: one request at a time.
			codes=()
			for i in "${!keys[@]}"; do
				codes+=("$(get_file soak-priv "${keys[$i]}" "$dir/$((i + 1))")")
			done
		else
			mapfile -t codes < <(curl -sS -K "$cfg" -w '%{http_code}\n' 2>/dev/null)
		fi
		for i in "${!keys[@]}"; do
			n=$((n + 1))
			if [ "${sums[$i]}" = - ]; then
				[ "${codes[$i]:-}" = 404 ] && continue
			elif [ "${codes[$i]:-}" = 200 ] &&
			    [ "$(sha256sum <"$dir/$((i + 1))" | cut -c1-64)" = "${sums[$i]}" ]; then
				continue
			fi
			bad=$((bad + 1))
			[ $bad -le 10 ] && log "read-back of $bucket/${keys[$i]}: ${codes[$i]:-none}"
		done
		rm -f "$dir"/* "$c"
	done
	log "read back $n $bucket object(s): $bad wrong"
	[ "$bad" -eq 0 ]
}
cat "$W"/acked.[0-9]* >"$W/all.acked"
check "acknowledged PUTs read back" verify_keys soak "$W/all.acked"
# The churn set's state is the last action on each key.
tac "$W/churn" 2>/dev/null | awk '!seen[$1]++' >"$W/churn.final"
check "churn keys in their last state" verify_keys soak "$W/churn.final"
check "signed PUTs read back" verify_keys soak-priv "$W/acked.signed"

kbad=0 kn=0
while read -r blob plain; do
	kn=$((kn + 1))
	kms Decrypt "CiphertextBlob=$blob"
	if [ "$STATUS" != 200 ] || [ "$(json_field Plaintext <<<"$BODY")" != "$plain" ]; then
		kbad=$((kbad + 1))
	fi
done <"$W/kms.acked"
log "decrypted $kn Encrypt result(s) again: $kbad wrong"
check "every Encrypt result decrypts to its plaintext" [ "$kn" -gt 0 -a "$kbad" -eq 0 ]

daemon_stop
rc=$?
check "clean stop ($rc)" [ "$rc" -eq 0 ]
no_report() { ! sanitizer_report "$1"; }
check "no sanitizer report" no_report "$LOGF.stderr"
e2e_finish
