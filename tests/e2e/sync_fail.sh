#!/bin/bash
# SPDX-License-Identifier: ISC
# sync_fail.sh: a failed WAL sync after a commit (reliability.md §5 T8).
#
# The commit is already in the WAL and visible when its fdatasync fails, so
# it cannot be taken back. Answering the client with an error and removing
# the new blob left a row whose blob was gone: an object that lists but can
# never be read, kept for good once the WAL reached the disk. cofferd must
# answer 5xx (never 200), keep the blob, never retry the sync on the same
# descriptor (fsyncgate) but checkpoint before it acknowledges the next
# commit, and go on serving without a restart; after a restart the object
# must be wholly there or wholly absent, with blobs and extents equal.
#
# The failure comes from libfiu's POSIX preload (fiu-run -x), switched on
# with fiu-ctrl once the daemon is up; the blob's own fsync is not affected
# (it is fsync, the WAL's is fdatasync).
. "$(dirname "$0")/e2e_lib.bash"

command -v sqlite3 >/dev/null || { log "SKIP: sqlite3 missing"; exit 77; }
command -v fiu-run >/dev/null && command -v fiu-ctrl >/dev/null ||
    { log "SKIP: fiu-run/fiu-ctrl (fiu-utils) missing"; exit 77; }

# A sanitized daemon needs its runtime first in the library list.
asan_build && { log "SKIP: ASan build"; exit 77; }

D=$E2E_TMP/data
L=$E2E_TMP/cofferd.log
B=syncfail

cat >"$E2E_TMP/under-fiu" <<WRAP
#!/bin/sh
exec fiu-run -x -f "$E2E_TMP/fiu" "$COFFERD" "\$@"
WRAP
chmod +x "$E2E_TMP/under-fiu"

daemon_start "$D" "$L" || die "start"
[ "$(http_status PUT "/$B/")" = 200 ] || die "PutBucket"
daemon_stop >/dev/null

head -c 300000 /dev/urandom >"$E2E_TMP/big"
head -c 3000 /dev/urandom >"$E2E_TMP/small"
for f in big small; do
	real=$COFFERD
	COFFERD=$E2E_TMP/under-fiu
	daemon_start "$D" "$L" || die "start under fiu-run"
	COFFERD=$real
	fiu-ctrl -f "$E2E_TMP/fiu" \
	    -c "enable name=posix/io/sync/fdatasync,failinfo=5" "$DPID" ||
	    die "fiu-ctrl"
	st=$(put_file $B "$f" "$E2E_TMP/$f")
	check "$f: PUT whose WAL sync failed is not acknowledged (got $st)" \
	    [ "$st" = 500 ]
	# SQLite's own COMMIT may meet the failure first (it syncs when it
	# restarts the WAL): then nothing was committed at all.
	check "$f: and the log says why" \
	    grep -q -e 'WAL sync failed' -e 'disk I/O error' "$L.stderr"
	fiu-ctrl -f "$E2E_TMP/fiu" -c "disable name=posix/io/sync/fdatasync" \
	    "$DPID" || die "fiu-ctrl disable"
	check "$f: the daemon goes on serving" kill -0 "$DPID"
	st=$(put_file $B "$f.next" "$E2E_TMP/$f")
	check "$f: the next PUT is acknowledged without a restart (got $st)" \
	    [ "$st" = 200 ]
	if grep -q 'WAL sync failed' "$L.stderr"; then
		check "$f: after a checkpoint" grep -q 'checkpoint' "$L.stderr"
	fi
	daemon_stop >/dev/null

	daemon_start "$D" "$L" || die "restart"
	st=$(get_file $B "$f" "$E2E_TMP/got")
	if [ "$st" = 200 ]; then
		check "$f: visible after restart, so byte-identical" \
		    [ "$(sha256sum <"$E2E_TMP/got")" = "$(sha256sum <"$E2E_TMP/$f")" ]
	else
		check "$f: absent after restart (got $st)" [ "$st" = 404 ]
	fi
	if ! diff <(blob_names "$D") <(extent_uuids "$D") >"$E2E_TMP/diff"; then
		fail "$f: blobs and extents differ (< blob only, > row only):"
		cat "$E2E_TMP/diff" >&2
	fi
	check "$f: integrity_check" \
	    [ "$(sqlite3 "$D/meta.db" 'pragma integrity_check')" = ok ]
	daemon_stop
	rc=$?
	check "$f: clean stop ($rc)" [ "$rc" -eq 0 ]
done
sanitizer_report "$L.stderr" && fail "sanitizer report"
e2e_finish
