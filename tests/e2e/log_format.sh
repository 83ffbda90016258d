#!/bin/bash
# SPDX-License-Identifier: ISC
# log_format.sh: the three forms of a log line.
#
# A --log-file line starts with its time, RFC 3339 in UTC with
# milliseconds, then the level's name; on a terminal the CLI and the daemon
# print no syslog priority ("<3>" is for the journal); anything else (the
# journal's stream, a pipe) gets the priority.
. "$(dirname "$0")/e2e_lib.bash"

command -v script >/dev/null || { log "no script(1): skipped"; exit 77; }

D=$E2E_TMP/data
L=$E2E_TMP/cofferd.log
daemon_start "$D" "$L" --log-file "$L" || die "start"
daemon_stop
check "the log file has lines" [ -s "$L" ]
check "every line dated RFC 3339 with ms and a level" not grep -Ev \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z (err|warning|notice|info|debug) cofferd: ' "$L"
check "the listening line is in the file" grep -q ' notice cofferd: listening oss=' "$L"
check "no priority prefix in the file" not grep -q '<[0-7]>' "$L"
# The time is now, not the epoch or another zone.
first=$(head -n 1 "$L" | cut -c1-19)
check "dated today ($first)" [ "${first%%T*}" = "$(date -u +%Y-%m-%d)" ] ||
    [ "${first%%T*}" = "$(date -u -d '-1 min' +%Y-%m-%d)" ]

# A CLI warning (its database cannot be opened: meta.db is a directory)
# on a terminal, which script(1) gives it.
B=$E2E_TMP/broken
mkdir -p "$B/meta.db"
out=$(script -qec "'$COFFER' --data-dir '$B' account list" /dev/null </dev/null)
check "the CLI's warning on a terminal: $out" grep -q '^coffer: db: ' <<<"$out"
check "no priority on a terminal: $out" not grep -q '<[0-7]>' <<<"$out"
# The same command into a pipe keeps the journal's priority.
out=$("$COFFER" --data-dir "$B" account list 2>&1 >/dev/null </dev/null | cat)
check "priority into a pipe: $out" grep -q '^<4>coffer: db: ' <<<"$out"
e2e_finish
