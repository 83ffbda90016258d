#!/bin/bash
# SPDX-License-Identifier: ISC
# valgrind.sh: the gcc build of cofferd and coffer under valgrind memcheck
# (reliability.md T14; the ASan+UBSan run of the unit and end-to-end tests
# is the other half, in `make test`). A fixed script of requests: buckets,
# small (inline) and multi-chunk objects, range reads, multipart, append,
# delete, a WORM policy, a CLI key; then SIGTERM. Any invalid read or
# write, use of uninitialised memory or definite leak fails the test.
# (CopyObject needs x-oss-* headers signed, which the shell signer here
# does not do; the ASan run covers it.)
. "$(dirname "$0")/e2e_lib.bash"

command -v valgrind >/dev/null || { log "SKIP: valgrind missing"; exit 77; }
asan_build && { log "SKIP: ASan build (valgrind runs the gcc build)"; exit 77; }

D=$E2E_TMP/data
L=$E2E_TMP/cofferd.log
VG=(valgrind -q --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite --show-leak-kinds=definite
    --track-origins=yes)

# daemon_start runs $COFFERD; make it run under valgrind.
cat >"$E2E_TMP/cofferd-vg" <<EOS
#!/bin/sh
exec ${VG[*]} --log-file=$E2E_TMP/vg.%p.log "$COFFERD" "\$@"
EOS
chmod +x "$E2E_TMP/cofferd-vg"
REAL=$COFFERD
COFFERD=$E2E_TMP/cofferd-vg

daemon_start "$D" "$L" --test-clock || die "start under valgrind"
[ "$(http_status PUT /vgbucket/)" = 200 ] || fail "PutBucket"
head -c 100 /dev/urandom >"$E2E_TMP/small"
head -c 1500000 /dev/urandom >"$E2E_TMP/big"
check "PUT small" [ "$(put_file vgbucket small "$E2E_TMP/small")" = 200 ]
check "PUT big" [ "$(put_file vgbucket big "$E2E_TMP/big")" = 200 ]
check "GET small" [ "$(get_file vgbucket small "$E2E_TMP/got")" = 200 ]
check "small intact" cmp -s "$E2E_TMP/small" "$E2E_TMP/got"
check "GET big" [ "$(get_file vgbucket big "$E2E_TMP/got")" = 200 ]
check "big intact" cmp -s "$E2E_TMP/big" "$E2E_TMP/got"
E2E_OUT=$E2E_TMP/got oss GET /vgbucket/big -H 'Range: bytes=70000-70099' >/dev/null
check "range ($STATUS)" [ "$STATUS" = 206 ]
check "HEAD" [ "$(http_status HEAD /vgbucket/big)" = 200 ]
E2E_OUT=/dev/null oss POST "/vgbucket/app?append&position=0" --data-binary abc >/dev/null
check "append ($STATUS)" [ "$STATUS" = 200 ]
E2E_OUT=$E2E_TMP/mpu oss POST "/vgbucket/mp?uploads" >/dev/null
uid=$(sed -n 's/.*<UploadId>\([^<]*\)<.*/\1/p' "$E2E_TMP/mpu")
E2E_OUT=/dev/null oss PUT "/vgbucket/mp?partNumber=1&uploadId=$uid" \
    --data-binary "@$E2E_TMP/small" -D "$E2E_TMP/ph" >/dev/null
check "upload part ($STATUS)" [ "$STATUS" = 200 ]
etag=$(sed -n 's/^etag: *\(.*\)\r$/\1/Ip' "$E2E_TMP/ph")
E2E_OUT=/dev/null oss POST "/vgbucket/mp?uploadId=$uid" --data-binary \
    "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>$etag</ETag></Part></CompleteMultipartUpload>" >/dev/null
check "complete ($STATUS)" [ "$STATUS" = 200 ]
E2E_OUT=/dev/null oss POST "/vgbucket/?worm" --data-binary \
    '<InitiateWormConfiguration><RetentionPeriodInDays>1</RetentionPeriodInDays></InitiateWormConfiguration>' >/dev/null
check "worm ($STATUS)" [ "$STATUS" = 200 ]
check "protected" [ "$(http_status DELETE /vgbucket/small)" = 409 ]
check "missing key" [ "$(http_status GET /vgbucket/nope)" = 404 ]
out=$("${VG[@]}" --log-file="$E2E_TMP/vg-cli.log" "$COFFER" --data-dir "$D" \
    key create 2>&1)
check "coffer key create under valgrind ($?): $out" [ $? -eq 0 ]
daemon_stop
rc=$?
check "cofferd exits 0 under valgrind ($rc)" [ "$rc" -eq 0 ]
for f in "$E2E_TMP"/vg*.log; do
	check "no valgrind report in ${f##*/}" [ ! -s "$f" ]
	[ -s "$f" ] && head -n 40 "$f" >&2
done
COFFERD=$REAL
exit $((E2E_FAILS > 0))
