#!/bin/bash
# SPDX-License-Identifier: ISC
# worm_clock.sh: retention against the system clock (reliability.md T20),
# with libfaketime moving cofferd's wall clock (the monotonic clock stays
# real) and the client's Date header with it.
#
#   - the wall clock set 30 days back across a restart: the protected
#     object stays protected (business time never runs backwards) and the
#     log says the clock is behind;
#   - the boundary: 2 s before last-modified + period the delete is 409,
#     2 s after it is 204;
#   - the wall clock set 400 days forward while stopped: trusted, as
#     documented in README "What WORM guarantees", and logged.
. "$(dirname "$0")/e2e_lib.bash"

command -v faketime >/dev/null || { log "SKIP: faketime missing (Debian package faketime)"; exit 77; }
command -v sqlite3 >/dev/null || { log "SKIP: sqlite3 missing"; exit 77; }
asan_build && { log "SKIP: ASan build (libfaketime's preload must not come before ASan's runtime)"; exit 77; }

D=$E2E_TMP/data
L=$E2E_TMP/cofferd.log
FT=

# The client signs with the time the daemon sees.
date() {
	if [ -n "$FT" ]; then
		faketime -f "$FT" /bin/date "$@"
	else
		/bin/date "$@"
	fi
}

start() {
	FT=$1
	shift
	if [ -n "$FT" ]; then
		E2E_ENV=(LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
		    "FAKETIME=$FT" FAKETIME_DONT_FAKE_MONOTONIC=1)
	else
		E2E_ENV=()
	fi
	daemon_start "$D" "$L" "$@" || die "start ($FT)"
}

days_xml() {
	printf '<%s><RetentionPeriodInDays>%s</RetentionPeriodInDays></%s>' \
	    "$1" "$2" "$1"
}

lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
[ -e "$lib" ] || lib=$(find /usr/lib -name libfaketime.so.1 | head -n 1)
[ -e "$lib" ] || { log "SKIP: libfaketime.so.1 not found"; exit 77; }

start ""
[ "$(http_status PUT /wormclock/)" = 200 ] || die "PutBucket"
for k in rec far; do
	E2E_OUT=/dev/null oss PUT "/wormclock/$k" --data-binary "$k" >/dev/null
	[ "$STATUS" = 200 ] || die "PutObject $k"
done
oss POST "/wormclock/?worm" -D "$E2E_TMP/hdr" \
    --data-binary "$(days_xml InitiateWormConfiguration 1)" >/dev/null
WORM_ID=$(sed -n 's/^x-oss-worm-id: *\([0-9A-F]*\).*/\1/Ip' "$E2E_TMP/hdr")
E2E_OUT=/dev/null oss POST "/wormclock/?wormId=$WORM_ID" >/dev/null
[ "$STATUS" = 200 ] || die "CompleteBucketWorm"
daemon_stop || die "stop"
MT=$(sqlite3 "$D/meta.db" "select mtime_ms / 1000 from objects where key = 'rec'")

# ---- back 30 days ----
start "-30d"
st=$(http_status DELETE /wormclock/rec)
check "30 days back: still protected ($st)" [ "$st" = 409 ]
check "30 days back: logged" grep -q "wall clock is .* behind" "$L.stderr"
E2E_OUT=/dev/null oss PUT /wormclock/new --data-binary new >/dev/null
check "30 days back: a new key is accepted ($STATUS)" [ "$STATUS" = 200 ]
daemon_stop
nmt=$(sqlite3 "$D/meta.db" "select mtime_ms / 1000 from objects where key = 'new'")
check "30 days back: the new object's time is not in the past ($nmt >= $MT)" \
    [ "$nmt" -ge "$MT" ]

# ---- the boundary ----
at() { printf '@%s' "$(/bin/date -u -d "@$1" '+%Y-%m-%d %H:%M:%S')"; }
start "$(at $((MT + 86400 - 2)))"
st=$(http_status DELETE /wormclock/rec)
check "2 s before the end: refused ($st)" [ "$st" = 409 ]
daemon_stop
start "$(at $((MT + 86400 + 2)))"
st=$(http_status DELETE /wormclock/rec)
check "2 s after the end: deleted ($st)" [ "$st" = 204 ]
daemon_stop

# ---- forward 400 days while stopped: trusted, logged ----
start "+400d"
check "400 days forward: logged" grep -q "wall clock is .* past the last business time" "$L.stderr"
st=$(http_status DELETE /wormclock/far)
check "400 days forward: the period is over ($st)" [ "$st" = 204 ]
daemon_stop

exit $((E2E_FAILS > 0))
