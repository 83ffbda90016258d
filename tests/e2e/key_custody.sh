#!/bin/bash
# SPDX-License-Identifier: ISC
# key_custody.sh: where the root key lives.
#
# A root key inside the data dir travels with every copy of it (a backup
# holds both the ciphertext and its key), so cofferd warns once at start
# when it finds the key there, unless it runs in development mode
# (dev_mode, which `make run` sets). A key kept elsewhere (--root-key, a
# systemd credential) draws no warning and is never copied into the
# data dir.
. "$(dirname "$0")/e2e_lib.bash"

WARN="is inside the data dir"
warnings() { grep -c "$WARN" "$1.stderr"; }

# ---- the default: DATA_DIR/root.key, created at first start ----
D=$E2E_TMP/data
daemon_start "$D" "$E2E_TMP/d.log" || die "start"
daemon_stop
check "key created in the data dir" [ -f "$D/root.key" ]
n=$(warnings "$E2E_TMP/d.log")
check "one custody warning at start ($n)" [ "$n" -eq 1 ]
check "a warning, journal priority 4" grep -q "^<4>.*$WARN" "$E2E_TMP/d.log.stderr"
check "it names the way out" grep -q "$WARN.*systemd credential" "$E2E_TMP/d.log.stderr"

# ---- development mode: quiet ----
daemon_start "$D" "$E2E_TMP/dev.log" --dev-mode || die "start --dev-mode"
daemon_stop
n=$(warnings "$E2E_TMP/dev.log")
check "--dev-mode: no custody warning ($n)" [ "$n" -eq 0 ]
printf 'dev_mode = true\n' >"$E2E_TMP/dev.conf"
daemon_start "$D" "$E2E_TMP/devc.log" --config "$E2E_TMP/dev.conf" || die "start dev.conf"
daemon_stop
n=$(warnings "$E2E_TMP/devc.log")
check "dev_mode = true: no custody warning ($n)" [ "$n" -eq 0 ]
check "make run passes --dev-mode" \
    grep -qE '^[[:space:]]+exec .*cofferd .*--dev-mode' "$SRC/GNUmakefile"

# ---- the key outside the data dir: quiet, and nothing copied in ----
K=$E2E_TMP/keys
mkdir -m 0700 "$K"
(umask 077; head -c 32 /dev/urandom >"$K/root.key")
O=$E2E_TMP/outside
daemon_start "$O" "$E2E_TMP/o.log" --root-key "$K/root.key" || die "start outside"
daemon_stop
n=$(warnings "$E2E_TMP/o.log")
check "key outside: no custody warning ($n)" [ "$n" -eq 0 ]
check "key outside: no root.key in the data dir" [ ! -e "$O/root.key" ]

# ---- a path that leads into the data dir by a link still counts ----
ln -s "$D" "$E2E_TMP/link"
daemon_start "$D" "$E2E_TMP/l.log" --root-key "$E2E_TMP/link/root.key" || die "start link"
daemon_stop
n=$(warnings "$E2E_TMP/l.log")
check "key reached through a link: warned ($n)" [ "$n" -eq 1 ]

e2e_finish
