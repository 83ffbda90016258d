#!/bin/bash
# SPDX-License-Identifier: ISC
# tls.sh: HTTPS as an operator sets it up (README "TLS"), with the openssl
# CLI as the client.
#
# The certificate and key come from a systemd-style credentials directory
# ("credential:NAME"); TLS 1.2 and 1.3 are served with ECDHE and AEAD
# suites only, TLS 1.1 is refused even by a client willing to speak it;
# the private key never reaches the log, even at debug level; and every
# way the TLS settings can be wrong stops the daemon at start with a
# message that names the setting or the file (never the key's content).
. "$(dirname "$0")/e2e_lib.bash"

T=$E2E_TMP
CREDS=$T/creds
mkdir -p "$CREDS"
# as systemd hands them in: the root key is a credential too
(umask 077; head -c 32 /dev/urandom >"$CREDS/root.key")
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 1 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout "$CREDS/tls.key" -out "$CREDS/tls.pem" 2>/dev/null ||
    die "openssl cannot make a certificate"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 1 -subj /CN=other -keyout "$T/other.key" -out "$T/other.pem" \
    2>/dev/null
KEYBODY=$(sed -n 2p "$CREDS/tls.key")

# ---- credentials, handshakes ----
E2E_ENV=(CREDENTIALS_DIRECTORY="$CREDS")
daemon_start "$T/d1" "$T/d1.log" --log-level debug \
    --tls-cert credential:tls.pem --tls-key credential:tls.key ||
    die "start with TLS from the credentials directory"
E2E_ENV=()
check "TLS mode logged" grep -q 'tls: oss=https kms=https' "$T/d1.log.stderr"

# s_client PORT ARGS...: the handshake's summary lines.
s_client() {
	local port=$1
	shift
	openssl s_client -connect "127.0.0.1:$port" -CAfile "$CREDS/tls.pem" \
	    "$@" </dev/null 2>&1
}
out=$(s_client "$DPORT" -tls1_3)
check "TLS 1.3: $(grep -m1 'Cipher is' <<<"$out")" \
    grep -qE 'TLSv1.3, Cipher is TLS_(AES_(256|128)_GCM|CHACHA20_POLY1305)' <<<"$out"
check "TLS 1.3: the chain verifies" grep -q 'Verify return code: 0 (ok)' <<<"$out"
out=$(s_client "$KPORT" -tls1_2)
check "TLS 1.2 on KMS: $(grep -m1 'Cipher is' <<<"$out")" \
    grep -qE 'TLSv1.2, Cipher is ECDHE-ECDSA-(AES(256|128)-GCM|CHACHA20)' <<<"$out"
out=$(s_client "$DPORT" -tls1_2 -cipher 'AES128-SHA:AES256-SHA:AES128-GCM-SHA256')
check "TLS 1.2 without ECDHE/AEAD suites is refused" \
    not grep -q 'Cipher is [A-Z]' <<<"$out"
out=$(s_client "$DPORT" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0')
check "TLS 1.1 is refused" not grep -qE 'Cipher is [A-Z]' <<<"$out"
# The refusal is the server's: it sends no certificate (GnuTLS closes the
# connection, or alerts "protocol version").
check "TLS 1.1: the server ends the handshake" \
    grep -qiE 'no peer certificate available|protocol version' <<<"$out"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CREDS/tls.pem" \
    "https://localhost:$DPORT/" --resolve "localhost:$DPORT:127.0.0.1")
check "an anonymous HTTPS request gets OSS's 403 ($code)" [ "$code" = 403 ]
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$DPORT/")
check "plain HTTP on the TLS port gets no reply ($code)" [ "$code" = 000 ]

# ---- SIGHUP with a broken key keeps the credentials ----
cp "$CREDS/tls.key" "$T/tls.key.good"
echo 'not a key' >"$CREDS/tls.key"
kill -HUP "$DPID"
for _ in $(seq 50); do
	grep -q 'kms TLS certificate kept' "$T/d1.log.stderr" && break
	sleep 0.1
done
check "a broken key on SIGHUP keeps the certificate in use" \
    grep -q 'oss TLS certificate kept' "$T/d1.log.stderr"
out=$(s_client "$DPORT" -tls1_3)
check "still served after the failed reload" \
    grep -q 'Verify return code: 0 (ok)' <<<"$out"
cp "$T/tls.key.good" "$CREDS/tls.key"
rc=0
daemon_stop || rc=$?
check "clean stop ($rc)" [ "$rc" -eq 0 ]
check "the key never reaches the log" \
    not grep -qF -e 'PRIVATE KEY' -e "$KEYBODY" "$T/d1.log.stderr"

# ---- configurations that must not start ----
# start_fails WANT_RC PATTERN ARGS...: cofferd exits WANT_RC, stderr
# matches PATTERN and holds no key material.
start_fails() {
	local want=$1 pat=$2 rc=0 err
	shift 2
	err=$(env -u NOTIFY_SOCKET -u STATE_DIRECTORY -u CREDENTIALS_DIRECTORY \
	    timeout 20 "$COFFERD" --data-dir "$T/bad" --oss-listen 127.0.0.1:0 \
	    --kms-listen 127.0.0.1:0 --rtmp-listen off "$@" 2>&1 </dev/null) ||
	    rc=$?
	check "refused ($rc, want $want): $pat" [ "$rc" -eq "$want" ]
	check "message: $pat" grep -qE "$pat" <<<"$err"
	check "no key material in: $pat" \
	    not grep -qF -e 'PRIVATE KEY' -e "$KEYBODY" <<<"$err"
}
start_fails 2 'tls_cert and tls_key go together' --tls-cert "$CREDS/tls.pem"
start_fails 2 'kms_client_ca needs TLS on the KMS listener' \
    --oss-tls-cert "$CREDS/tls.pem" --oss-tls-key "$CREDS/tls.key" \
    --kms-client-ca "$CREDS/tls.pem"
start_fails 1 "cannot read the private key '$T/missing.key'" \
    --tls-cert "$CREDS/tls.pem" --tls-key "$T/missing.key"
start_fails 1 "certificate '$CREDS/tls.pem' and key '$T/other.key' unusable" \
    --tls-cert "$CREDS/tls.pem" --tls-key "$T/other.key"
start_fails 1 "cannot read the certificate 'credential:tls.pem'" \
    --tls-cert credential:tls.pem --tls-key credential:tls.key

for f in "$T"/*.stderr; do
	sanitizer_report "$f" && fail "sanitizer report in $f"
done

e2e_finish
