#!/bin/bash
# SPDX-License-Identifier: ISC
# systemd_creds.sh: the production custody of the root key, an encrypted
# systemd credential (README: Running under systemd).
#
# The key is encrypted with `systemd-creds encrypt` under a host secret
# and handed to the service by LoadCredentialEncrypted=, which decrypts it
# into $CREDENTIALS_DIRECTORY. Here the test does that step itself with
# `systemd-creds decrypt` (no service manager needed), using a host
# secret of its own ($SYSTEMD_CREDENTIAL_SECRET) so the machine's is never
# created or read. It then shows that cofferd reads the key from
# $CREDENTIALS_DIRECTORY: nothing is written to the data dir, no custody
# warning, data sealed under it reads back after a restart, and a missing
# credential stops the start rather than minting a new key.
# Skipped (77) without systemd-creds.
. "$(dirname "$0")/e2e_lib.bash"

command -v systemd-creds >/dev/null || { log "SKIP: systemd-creds missing"; exit 77; }

export SYSTEMD_CREDENTIAL_SECRET=$E2E_TMP/host/credential.secret
mkdir -m 0700 "$E2E_TMP/host" "$E2E_TMP/etc"
(umask 077; head -c 32 /dev/urandom >"$E2E_TMP/etc/root.key.plain")
CRED=$E2E_TMP/etc/root.key.cred
if ! systemd-creds encrypt --with-key=host --name=root.key \
    "$E2E_TMP/etc/root.key.plain" "$CRED" 2>"$E2E_TMP/enc.err"; then
	log "SKIP: systemd-creds encrypt failed: $(cat "$E2E_TMP/enc.err")"
	exit 77
fi
check "the credential is not the key" \
    not cmp -s "$E2E_TMP/etc/root.key.plain" "$CRED"
check "the credential does not hold the key in clear" \
    not grep -qF "$(head -c 32 "$E2E_TMP/etc/root.key.plain" | od -An -tx1 | tr -d ' \n')" \
    <(od -An -tx1 "$CRED" | tr -d ' \n')
rm "$E2E_TMP/etc/root.key.plain"

# What LoadCredentialEncrypted=root.key:CRED does before the start.
C=$E2E_TMP/creds
mkdir -m 0700 "$C"
check "decrypts under its name" systemd-creds decrypt --name=root.key "$CRED" "$C/root.key"
chmod 0400 "$C/root.key"
check "decrypted: 32 bytes" [ "$(stat -c %s "$C/root.key")" -eq 32 ]
check "the name is bound: another name is refused" \
    not systemd-creds decrypt --name=other.key "$CRED" "$E2E_TMP/other"

D=$E2E_TMP/data
E2E_ENV=(CREDENTIALS_DIRECTORY="$C")
daemon_start "$D" "$E2E_TMP/d.log" || die "start with the credential"
check "PutBucket" [ "$(http_status PUT /creds/)" = 200 ]
head -c 100000 /dev/urandom >"$E2E_TMP/obj"
check "PutObject" [ "$(put_file creds obj "$E2E_TMP/obj")" = 200 ]
daemon_stop
check "clean stop" [ $? -eq 0 ]
check "no root key in the data dir" [ ! -e "$D/root.key" ]
check "no key created" not grep -q "created a new root key" "$E2E_TMP/d.log.stderr"
check "no custody warning" not grep -q "is inside the data dir" "$E2E_TMP/d.log.stderr"

# A restart with the same credential opens what was sealed under it.
daemon_start "$D" "$E2E_TMP/d2.log" || die "restart with the credential"
check "GetObject after restart" [ "$(get_file creds obj "$E2E_TMP/back")" = 200 ]
check "same bytes" cmp -s "$E2E_TMP/obj" "$E2E_TMP/back"
daemon_stop

# Without the credential the start fails; no key is minted anywhere.
rm -f "$C/root.key"
out=$(env -u NOTIFY_SOCKET -u STATE_DIRECTORY CREDENTIALS_DIRECTORY="$C" \
    timeout 30 "$COFFERD" --data-dir "$D" --oss-listen 127.0.0.1:0 \
    --kms-listen 127.0.0.1:0 --rtmp-listen off 2>&1 </dev/null)
rc=$?
check "missing credential: start refused ($rc)" [ "$rc" -ne 0 ]
check "missing credential: says which key: $out" grep -q "cannot load the root key '$C/root.key'" <<<"$out"
check "missing credential: none created" [ ! -e "$C/root.key" -a ! -e "$D/root.key" ]

e2e_finish
