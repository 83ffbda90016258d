#!/bin/bash
# SPDX-License-Identifier: ISC
# audit.sh: the audit trail end to end (reliability.md §1.3 item 4, T22).
#
#  1. Coverage: a set of mutating OSS requests (buckets, objects, append,
#     copy, multipart, ACL, tagging, encryption, WORM, CNAME, LiveChannel,
#     unknown sub-resources) and KMS actions (key lifecycle, aliases, tags,
#     description), accepted and refused (bad signature, anonymous, wrong
#     state, missing upload), each appears in the audit table exactly once
#     under its request id, with its principal, operation, target and the
#     result the client was told ("ok" or the error code); reads and the
#     KMS crypto actions leave no request row; no row holds a secret.
#  2. Fail-closed: with a trigger that makes every audit INSERT fail
#     (installed from outside with sqlite3, as a full or broken disk would
#     behave), every mutation is refused with 500 and changes nothing,
#     while reads still answer; dropping the trigger brings writes back.
#  3. `coffer audit verify`: exit 0 with the row count on the intact chain;
#     after an edit of one row (triggers dropped first, as an editor of
#     the file would), exit 1 naming that row. Rows cut off the end leave
#     a chain that verifies, but not against the head the daemon logged
#     at its stop (--head).
. "$(dirname "$0")/e2e_lib.bash"

command -v sqlite3 >/dev/null || { log "SKIP: sqlite3 missing"; exit 77; }
command -v python3 >/dev/null || { log "SKIP: python3 missing"; exit 77; }

D=$E2E_TMP/data
daemon_start "$D" "$E2E_TMP/d.log" || die "start"
KPORT=$(sed -n 's/.*listening oss=[0-9.]*:[0-9]* kms=[0-9.]*:\([0-9]*\) .*/\1/p' \
    "$E2E_TMP/d.log.stderr" | tail -n 1)
[ -n "$KPORT" ] || die "no KMS port"

# The client: OSS V1 (headers and sub-resources signed) and KMS RPC V1
# signatures, from the specs (oss-api.md §5.1, kms-api.md §2), written
# here independently of the daemon's verifier. Each step prints one line
# "request-id|expected action|target|actor|result".
cat >"$E2E_TMP/client.py" <<'PY'
import base64, datetime, hashlib, hmac, http.client, json, os, sys, urllib.parse, uuid

OPORT, KPORT = int(os.environ["OPORT"]), int(os.environ["KPORT"])
AK, SK = os.environ["AK"], os.environ["SK"]
ACCT = os.environ["ACCT"]
out = open(os.environ["LEDGER"], "a")
FAILS = []

def oss(method, path, query="", body=b"", headers=None, sign=True, sk=None,
        anon=False):
    headers = dict(headers or {})
    headers["Date"] = datetime.datetime.now(datetime.timezone.utc).strftime(
        "%a, %d %b %Y %H:%M:%S GMT")
    headers.setdefault("Content-Type", "")
    if not anon:
        xs = sorted((k.lower(), v) for k, v in headers.items()
                    if k.lower().startswith("x-oss-"))
        canon = "".join("%s:%s\n" % kv for kv in xs)
        res = path + ("?" + query if query else "")
        sts = "\n".join([method, headers.get("Content-MD5", ""),
                         headers["Content-Type"], headers["Date"]]) + "\n" + canon + res
        sig = base64.b64encode(hmac.new((sk or SK).encode(), sts.encode(),
                                        hashlib.sha1).digest()).decode()
        headers["Authorization"] = "OSS %s:%s" % (AK, sig)
    c = http.client.HTTPConnection("127.0.0.1", OPORT, timeout=30)
    c.request(method, urllib.parse.quote(path) + ("?" + query if query else ""),
              body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    rid = r.getheader("x-oss-request-id")
    code = "ok"
    if r.status >= 300:
        s = data.decode(errors="replace")
        code = s.split("<Code>")[1].split("</Code>")[0] if "<Code>" in s else "?"
    c.close()
    return r.status, rid, code, data

def step(op, method, path, query="", body=b"", headers=None, want="ok",
         actor=None, **kw):
    st, rid, code, data = oss(method, path, query, body, headers, **kw)
    if code != want:
        FAILS.append("%s %s%s: got %s %s, want %s" % (method, path, query, st, code, want))
    target = path.lstrip("/").rstrip("/")
    out.write("|".join([rid, "oss." + op, target, actor or ACCT, code]) + "\n")
    return data

def pe(s):
    return urllib.parse.quote(s, safe="-_.~")

def kms(action, want="ok", sk=None, target="", **params):
    p = {"Action": action, "Version": "2016-01-20", "Format": "JSON",
         "AccessKeyId": AK, "SignatureMethod": "HMAC-SHA1",
         "SignatureVersion": "1.0", "SignatureNonce": uuid.uuid4().hex,
         "Timestamp": datetime.datetime.now(datetime.timezone.utc).strftime(
             "%Y-%m-%dT%H:%M:%SZ")}
    p.update(params)
    q = "&".join("%s=%s" % (pe(k), pe(v)) for k, v in sorted(p.items()))
    sts = "GET&%2F&" + pe(q)
    sig = base64.b64encode(hmac.new(((sk or SK) + "&").encode(), sts.encode(),
                                    hashlib.sha1).digest()).decode()
    c = http.client.HTTPConnection("127.0.0.1", KPORT, timeout=30)
    c.request("GET", "/?" + q + "&Signature=" + pe(sig))
    r = c.getresponse()
    doc = json.loads(r.read())
    c.close()
    code = "ok" if r.status == 200 else doc.get("Code", "?")
    if code != want:
        FAILS.append("kms %s: got %s %s, want %s" % (action, r.status, code, want))
    return doc, code

def kstep(action, want="ok", target="", actor=None, mutating=True, **params):
    doc, code = kms(action, want, **params)
    if mutating:
        out.write("|".join([doc["RequestId"], "kms." + action, target,
                             actor or ACCT, code]) + "\n")
    else:
        out.write("|".join([doc["RequestId"], "-", "", "", code]) + "\n")
    return doc

phase = sys.argv[1]
if phase == "coverage":
    B = "/aud-b/"
    step("PutBucket", "PUT", B)
    step("PutBucket", "PUT", "/aud-w/")
    step("PutBucketAcl", "PUT", B, "acl", headers={"x-oss-acl": "public-read"})
    step("PutObject", "PUT", B + "o1", body=b"one")
    step("PutObject", "PUT", B + "o1", body=b"two", want="FileAlreadyExists",
         headers={"x-oss-forbid-overwrite": "true"})
    step("AppendObject", "POST", B + "ap", "append&position=0", body=b"abc")
    step("AppendObject", "POST", B + "ap", "append&position=0", body=b"abc",
         want="PositionNotEqualToLength")
    step("CopyObject", "PUT", B + "o2", headers={"x-oss-copy-source": B + "o1"})
    step("PutObjectTagging", "PUT", B + "o1", "tagging",
         body=b"<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag>"
              b"</TagSet></Tagging>")
    step("DeleteObjectTagging", "DELETE", B + "o1", "tagging")
    step("PutObjectAcl", "PUT", B + "o1", "acl",
         headers={"x-oss-object-acl": "private"})
    data = step("InitiateMultipartUpload", "POST", B + "mp", "uploads")
    uid = data.decode().split("<UploadId>")[1].split("</UploadId>")[0]
    step("UploadPart", "PUT", B + "mp", "partNumber=1&uploadId=" + uid,
         body=b"x" * 1000)
    etag = '"%s"' % hashlib.md5(b"x" * 1000).hexdigest().upper()
    step("CompleteMultipartUpload", "POST", B + "mp", "uploadId=" + uid,
         body=("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
               "<ETag>%s</ETag></Part></CompleteMultipartUpload>" % etag).encode())
    step("AbortMultipartUpload", "DELETE", B + "mp", "uploadId=0123456789ABCDEF",
         want="NoSuchUpload")
    step("DeleteObject", "DELETE", B + "o2")
    step("DeleteObject", "DELETE", B + "never-there")
    step("DeleteMultipleObjects", "POST", B, "delete",
         body=b"<Delete><Quiet>true</Quiet><Object><Key>ap</Key></Object></Delete>",
         headers={"Content-MD5": base64.b64encode(hashlib.md5(
             b"<Delete><Quiet>true</Quiet><Object><Key>ap</Key></Object></Delete>"
         ).digest()).decode()})
    step("DeleteBucket", "DELETE", B, want="BucketNotEmpty")
    step("PutObject", "PUT", B + "anon", body=b"x", want="AccessDenied",
         anon=True, actor="anonymous")
    step("PutObject", "PUT", B + "forged", body=b"x", sk="not-the-secret",
         want="SignatureDoesNotMatch", actor="ak:" + AK)
    step("PUT", "PUT", B, "accessmonitor", body=b"<AccessMonitorConfiguration/>",
         want="NotImplemented")
    step("PutBucketEncryption", "PUT", B, "encryption",
         body=b"<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault>"
              b"<SSEAlgorithm>AES256</SSEAlgorithm>"
              b"</ApplyServerSideEncryptionByDefault></ServerSideEncryptionRule>")
    step("DeleteBucketEncryption", "DELETE", B, "encryption")
    step("InitiateBucketWorm", "POST", "/aud-w/", "worm",
         body=b"<InitiateWormConfiguration><RetentionPeriodInDays>1"
              b"</RetentionPeriodInDays></InitiateWormConfiguration>")
    step("AbortBucketWorm", "DELETE", "/aud-w/", "worm")
    step("PutCname", "POST", B, "cname&comp=add",
         body=b"<BucketCnameConfiguration><Cname><Domain>a.example.com</Domain>"
              b"</Cname></BucketCnameConfiguration>",
         want="NeedVerifyDomainOwnership")
    step("PutLiveChannel", "PUT", B + "ch1", "live",
         body=b"<LiveChannelConfiguration><Status>enabled</Status><Target>"
              b"<Type>HLS</Type></Target></LiveChannelConfiguration>")
    step("DeleteLiveChannel", "DELETE", B + "ch1", "live")
    step("DeleteBucket", "DELETE", "/aud-w/")
    step("DeleteBucket", "DELETE", "/no-such-aud/", want="NoSuchBucket")
    # Reads: no request rows.
    for path, q in ((B + "o1", ""), (B, ""), (B, "acl")):
        st, rid, code, _ = oss("GET", path, q)
        out.write("|".join([rid, "-", "", "", code]) + "\n")

    doc = kstep("CreateKey", target="")
    key = doc["KeyMetadata"]["KeyId"]
    kstep("UpdateKeyDescription", target=key, KeyId=key, Description="audited")
    kstep("CreateAlias", target="alias/aud " + key, KeyId=key,
          AliasName="alias/aud")
    kstep("TagResource", target=key, KeyId=key,
          Tags='[{"TagKey":"team","TagValue":"a"}]')
    kstep("DisableKey", target=key, KeyId=key)
    kstep("EnableKey", target=key, KeyId=key)
    kstep("ScheduleKeyDeletion", want="InvalidParameter", target=key,
          KeyId=key, PendingWindowInDays="3")
    kstep("DisableKey", want="Forbidden.KeyNotFound",
          target="00000000-0000-0000-0000-000000000000",
          KeyId="00000000-0000-0000-0000-000000000000")
    d, c = kms("CreateKey", want="IncompleteSignature", sk="wrong")
    out.write("|".join([d["RequestId"], "kms.CreateKey", "", "ak:" + AK, c]) + "\n")
    # Crypto actions: no request rows (kms/ queues its own).
    kstep("Encrypt", mutating=False, KeyId=key, Plaintext="aGVsbG8=")
    kstep("DescribeKey", mutating=False, KeyId=key)
elif phase == "closed":
    # Every audit INSERT fails now: mutations are refused, reads answer.
    for m, p, q, body in (("PUT", "/aud-b/o1", "", b"new"),
                          ("PUT", "/aud-b/o9", "", b"new"),
                          ("DELETE", "/aud-b/o1", "", b""),
                          ("PUT", "/aud-b/o1", "acl", b""),
                          ("PUT", "/aud-c/", "", b""),
                          ("DELETE", "/aud-b/never-there", "", b"")):
        h = {"x-oss-object-acl": "public-read"} if q == "acl" else {}
        st, rid, code, _ = oss(m, p, q, body, h)
        if st != 500 or code != "InternalError":
            FAILS.append("closed: %s %s?%s answered %s %s" % (m, p, q, st, code))
    st, _, _, data = oss("GET", "/aud-b/o1")
    if st != 200 or data != b"one":
        FAILS.append("closed: GET o1 answered %s %r" % (st, data[:20]))
    st, _, _, _ = oss("GET", "/aud-b/o9")
    if st != 404:
        FAILS.append("closed: o9 exists (%s)" % st)
    st, _, _, _ = oss("GET", "/aud-c/")
    if st != 404:
        FAILS.append("closed: bucket aud-c exists (%s)" % st)
    n0 = kms("ListKeys")[0]["TotalCount"]
    _, code = kms("CreateKey", want="InternalFailure")
    if kms("ListKeys")[0]["TotalCount"] != n0:
        FAILS.append("closed: CreateKey created a key")
elif phase == "reopened":
    step("PutObject", "PUT", "/aud-b/o9", body=b"nine")
    st, _, _, data = oss("GET", "/aud-b/o9")
    if st != 200 or data != b"nine":
        FAILS.append("reopened: o9 answered %s" % st)
for f in FAILS:
    print("FAIL:", f, file=sys.stderr)
sys.exit(1 if FAILS else 0)
PY

ACCT=$(sqlite3 "$D/meta.db" "select account_id from accounts where name = 'root'")
export OPORT=$DPORT KPORT AK=$E2E_ROOT_AK SK=$E2E_ROOT_SK ACCT
export LEDGER=$E2E_TMP/ledger

# ---- 1. coverage ----
check "requests answered as expected" python3 "$E2E_TMP/client.py" coverage
nreq=$(grep -vc '|-|' "$LEDGER")
check "ledger has the mutating requests ($nreq)" [ "$nreq" -ge 40 ]
while IFS='|' read -r rid action target actor result; do
	[ -n "$rid" ] || { fail "a response without a request id"; continue; }
	rows=$(sqlite3 -separator '|' "$D/meta.db" "select action, target,
	    actor, result from audit where detail = 'request=$rid'")
	if [ "$action" = - ]; then
		check "read/crypto $rid leaves no request row" [ -z "$rows" ]
		continue
	fi
	want="$action|$target|$actor|$result"
	check "$action $target: one row '$want', got '$rows'" \
	    [ "$rows" = "$want" ]
done <"$LEDGER"
check "request rows have business times" [ "$(sqlite3 "$D/meta.db" \
    "select count(*) from audit where detail like 'request=%' and time_ms < 1700000000000")" = 0 ]
check "no secret in the trail" bash -c "! sqlite3 '$D/meta.db' \
    'select * from audit' | grep -q -e '$E2E_ROOT_SK' -e 'aGVsbG8='"

out=$("$COFFER" --data-dir "$D" audit verify)
rc=$?
check "verify exits 0 ($rc): $out" [ "$rc" -eq 0 ]
total=$(sqlite3 "$D/meta.db" "select count(*) from audit")
check "verify counts every row ($total): $out" \
    grep -q "intact: $total row(s), head row $total, hash [0-9a-f]\{64\}" <<<"$out"

# ---- 2. fail-closed ----
before=$(sqlite3 "$D/meta.db" "select count(*) from audit")
objs=$(sqlite3 "$D/meta.db" "select count(*) || '/' || coalesce(sum(size), 0) from objects")
sqlite3 "$D/meta.db" "create trigger e2e_audit_down before insert on audit
    begin select raise(abort, 'audit store unavailable'); end" ||
    die "cannot install the trigger"
check "mutations refused, reads answer" python3 "$E2E_TMP/client.py" closed
check "nothing was recorded" [ "$(sqlite3 "$D/meta.db" "select count(*) from audit")" = "$before" ]
check "no object changed" [ "$(sqlite3 "$D/meta.db" "select count(*) || '/' || coalesce(sum(size), 0) from objects")" = "$objs" ]
check "the refusals are in the log" grep -q "cannot record" "$E2E_TMP/d.log.stderr"
sqlite3 "$D/meta.db" "drop trigger e2e_audit_down"
check "writes come back" python3 "$E2E_TMP/client.py" reopened
rid=$(tail -n 1 "$LEDGER" | cut -d '|' -f 1)
check "and are recorded" [ "$(sqlite3 "$D/meta.db" \
    "select result from audit where detail = 'request=$rid'")" = ok ]

# ---- 3. verify finds an edited row, and a cut end given the logged head ----
daemon_stop || fail "daemon exit status"
check "verify still intact" "$COFFER" --data-dir "$D" audit verify
head=$(sed -n 's/.*audit head id=\([0-9]*\) hash=\([0-9a-f]*\).*/\1:\2/p' \
    "$E2E_TMP/d.log.stderr" | tail -n 1)
total=$(sqlite3 "$D/meta.db" "select count(*) from audit")
check "the stop logged the head ($head)" [ "${head%%:*}" = "$total" ]
check "verify --head $head" "$COFFER" --data-dir "$D" audit verify --head "$head"
sqlite3 "$D/meta.db" "drop trigger audit_no_update; drop trigger audit_no_delete;
    delete from audit where id > $total - 2"
check "a cut end still chains" "$COFFER" --data-dir "$D" audit verify
out=$("$COFFER" --data-dir "$D" audit verify --head "$head")
rc=$?
check "verify --head exits 1 after the end was cut ($rc)" [ "$rc" -eq 1 ]
check "verify --head says so: $out" grep -q "BROKEN at row $total: the recorded head is missing" <<<"$out"
victim=$(sqlite3 "$D/meta.db" "select min(id) from audit where result = 'FileAlreadyExists'")
sqlite3 "$D/meta.db" "update audit set result = 'ok' where id = $victim"
out=$("$COFFER" --data-dir "$D" audit verify)
rc=$?
check "verify exits 1 after an edit ($rc)" [ "$rc" -eq 1 ]
check "verify names row $victim: $out" grep -q "BROKEN at row $victim:" <<<"$out"

e2e_finish
