#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# metrics.sh: /-/metrics after traffic on both listeners.
#
# Every line of the scrape must be a comment or `name{labels} value` in
# the Prometheus text format (parsed strictly: names, label syntax, one
# TYPE per family before its samples, no series twice), and each family
# the README lists must be there with values that follow from the traffic
# this test made: OSS requests and bytes, KMS requests by action and
# result, the gauges (CMKs by state, buckets, objects, stored bytes, WORM
# buckets), open connections, the process gauges and the build info.
. "$(dirname "$0")/e2e_lib.bash"

D=$E2E_TMP/data
daemon_start "$D" "$E2E_TMP/log" || die "daemon did not start"

check "PutBucket" [ "$(http_status PUT /mbkt/)" = 200 ]
printf '0123456789' >"$E2E_TMP/ten"
head -c 1000 /dev/zero >"$E2E_TMP/kilo"
check "PutObject a" [ "$(put_file mbkt a "$E2E_TMP/ten")" = 200 ]
check "PutObject b" [ "$(put_file mbkt b "$E2E_TMP/kilo")" = 200 ]
check "GetObject missing" [ "$(http_status GET /mbkt/missing)" = 404 ]

kms CreateKey
check "CreateKey" [ "$STATUS" = 200 ]
KEY=$(json_field KeyId <<<"$BODY")
kms CreateKey
K2=$(json_field KeyId <<<"$BODY")
kms DisableKey "KeyId=$K2"
check "DisableKey" [ "$STATUS" = 200 ]
kms DescribeKey KeyId=00000000-0000-0000-0000-000000000000
check "DescribeKey of no key" [ "$STATUS" = 404 ]
kms GenerateDataKey "KeyId=$KEY"
check "GenerateDataKey" [ "$STATUS" = 200 ]
check "KMS health" curl -sf -o /dev/null "http://127.0.0.1:$KPORT/-/health"

M=$E2E_TMP/metrics
# Requests are counted once their response has gone out: poll briefly.
for i in $(seq 1 40); do
	curl -sf -o "$M" "http://127.0.0.1:$DPORT/-/metrics" ||
	    die "no /-/metrics"
	grep -q '^coffer_kms_requests_total{action="Health",result="Success"} 1$' "$M" &&
	    grep -q '^coffer_requests_total{listener="oss",op="GetObject",status="404"} 1$' "$M" &&
	    break
	sleep 0.05
done

# Strict parse: a comment (HELP/TYPE or free text) or a sample; names and
# labels as the format has them; a sample's family typed before it; no
# series twice; values numbers.
check "strict text format" awk '
function fail(m) { printf "line %d: %s: %s\n", NR, m, $0 > "/dev/stderr"; bad = 1 }
/^# (HELP|TYPE) / {
	if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) fail("bad name")
	if ($2 == "TYPE") {
		if ($4 !~ /^(counter|gauge|histogram|summary|untyped)$/) fail("bad type")
		if ($3 in type) fail("family typed twice")
		type[$3] = $4
	}
	next
}
/^#/ { next }
{
	if (!match($0, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? /)) {
		fail("not name{labels} value"); next
	}
	series = substr($0, 1, RLENGTH - 1)
	value = substr($0, RLENGTH + 1)
	if (value !~ /^(-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|[-+]Inf|NaN)$/) fail("bad value")
	if (series in seen) fail("series twice")
	seen[series] = 1
	name = series; sub(/\{.*/, "", name)
	fam = name
	if (!(fam in type)) { fam = name; sub(/_(bucket|sum|count)$/, "", fam) }
	if (!(fam in type)) fail("sample before its TYPE")
	n++
}
END { if (n < 20) { print "too few samples" > "/dev/stderr"; bad = 1 } exit bad }
' "$M"

# val SERIES: the value of one series, empty when absent.
val() {
	awk -v s="$1" 'substr($0, 1, length(s) + 1) == s " " { print $2 }' "$M"
}
# is SERIES EXPR: the series exists and its value v satisfies the awk
# expression EXPR.
is() {
	local v
	v=$(val "$1")
	[ -n "$v" ] && awk -v v="$v" "BEGIN { exit !($2) }" || {
		log "$1 = '${v}', want $2"
		return 1
	}
}

check "build info" grep -Eq '^coffer_build_info\{version="[^"]+",schema="[0-9]+"\} 1$' "$M"
check "OSS PutObject 200" is 'coffer_requests_total{listener="oss",op="PutObject",status="200"}' 'v == 2'
check "OSS PutBucket 200" is 'coffer_requests_total{listener="oss",op="PutBucket",status="200"}' 'v == 1'
check "OSS GetObject 404" is 'coffer_requests_total{listener="oss",op="GetObject",status="404"}' 'v == 1'
check "KMS CreateKey 200" is 'coffer_requests_total{listener="kms",op="CreateKey",status="200"}' 'v == 2'
check "KMS DescribeKey 404" is 'coffer_requests_total{listener="kms",op="DescribeKey",status="404"}' 'v == 1'
check "OSS PutObject histogram" is 'coffer_request_duration_seconds_count{listener="oss",op="PutObject"}' 'v == 2'
check "OSS PutObject +Inf" is 'coffer_request_duration_seconds_bucket{listener="oss",op="PutObject",le="+Inf"}' 'v == 2'
check "OSS PutObject sum" is 'coffer_request_duration_seconds_sum{listener="oss",op="PutObject"}' 'v > 0 && v < 60'
check "KMS CreateKey histogram" is 'coffer_request_duration_seconds_count{listener="kms",op="CreateKey"}' 'v == 2'
check "OSS bytes in" is 'coffer_bytes_in_total{listener="oss"}' 'v == 1010'
check "OSS bytes out" is 'coffer_bytes_out_total{listener="oss"}' 'v > 0'
check "KMS bytes out" is 'coffer_bytes_out_total{listener="kms"}' 'v > 0'
check "KMS bytes in" is 'coffer_bytes_in_total{listener="kms"}' 'v == 0'
check "KMS CreateKey Success" is 'coffer_kms_requests_total{action="CreateKey",result="Success"}' 'v == 2'
check "KMS DisableKey Success" is 'coffer_kms_requests_total{action="DisableKey",result="Success"}' 'v == 1'
check "KMS DescribeKey not found" is 'coffer_kms_requests_total{action="DescribeKey",result="Forbidden.KeyNotFound"}' 'v == 1'
check "KMS GenerateDataKey Success" is 'coffer_kms_requests_total{action="GenerateDataKey",result="Success"}' 'v == 1'
check "CMKs Enabled" is 'coffer_kms_keys{state="Enabled"}' 'v == 1'
check "CMKs Disabled" is 'coffer_kms_keys{state="Disabled"}' 'v == 1'
check "CMKs PendingDeletion" is 'coffer_kms_keys{state="PendingDeletion"}' 'v == 0'
check "buckets" is 'coffer_buckets' 'v == 1'
check "objects" is 'coffer_objects' 'v == 2'
check "stored bytes" is 'coffer_stored_bytes' 'v == 1010'
check "WORM InProgress" is 'coffer_worm_buckets{state="InProgress"}' 'v == 0'
check "WORM Locked" is 'coffer_worm_buckets{state="Locked"}' 'v == 0'
# The scrape's own connection is open while it is answered.
check "OSS connections" is 'coffer_open_connections{listener="oss"}' 'v >= 1'
check "KMS connections" is 'coffer_open_connections{listener="kms"}' 'v >= 0'
check "cpu seconds" is 'process_cpu_seconds_total' 'v > 0'
check "resident memory" is 'process_resident_memory_bytes' 'v > 1048576'
check "open fds" is 'process_open_fds' 'v >= 6'
check "start time" is 'process_start_time_seconds' "v > $(date +%s) - 3600 && v <= $(date +%s) + 1"
for fam in coffer_requests_total coffer_request_duration_seconds \
    coffer_bytes_in_total coffer_bytes_out_total coffer_kms_requests_total \
    coffer_kms_keys coffer_buckets coffer_objects coffer_stored_bytes \
    coffer_worm_buckets coffer_open_connections coffer_build_info \
    process_cpu_seconds_total process_open_fds \
    process_resident_memory_bytes process_start_time_seconds; do
	check "HELP and TYPE of $fam" grep -q "^# TYPE $fam " "$M"
	check "HELP of $fam" grep -q "^# HELP $fam " "$M"
done

# A WORM bucket shows up in its state.
check "PutBucket worm" [ "$(http_status PUT /wbkt/)" = 200 ]
oss POST "/wbkt/?worm" --data-binary \
    '<InitiateWormConfiguration><RetentionPeriodInDays>1</RetentionPeriodInDays></InitiateWormConfiguration>' >/dev/null
check "InitiateBucketWorm" [ "$STATUS" = 200 ]
curl -sf -o "$M" "http://127.0.0.1:$DPORT/-/metrics"
check "WORM InProgress after Initiate" is 'coffer_worm_buckets{state="InProgress"}' 'v == 1'
check "buckets after a second" is 'coffer_buckets' 'v == 2'

check "daemon stops" daemon_stop
e2e_finish
