#!/bin/bash
# SPDX-License-Identifier: ISC
# s3_tools.sh: the Amazon S3 tools teams point at OSS, against cofferd.
#
# Real OSS serves the S3 API on its endpoints with the OSS access keys;
# so must we. Each tool runs with nothing from $HOME or the environment
# but what is set here: aws (SigV4, multipart, presign), s3cmd (signature
# V2 path style and V4 virtual host), rclone (providers Other and
# Alibaba), and curl's SigV4 signer for what the tools do not do on their
# own (a WORM policy, a body that does not match its declared hash, an
# aws-chunked upload). Virtual hosts need no resolver: the daemon serves
# <bucket>.localhost (--domain localhost) and the tools reach it through
# an HTTP proxy that is the daemon itself (absolute request form).
# The seed's conflicts reach the tools as OSS error documents whose Code
# they print.
. "$(dirname "$0")/e2e_lib.bash"

for tool in aws s3cmd rclone curl openssl sha256sum; do
	command -v "$tool" >/dev/null ||
	    die "$tool is not installed (GNUmakefile DEBS)"
done

T=$E2E_TMP
D=$T/data
daemon_start "$D" "$T/d.log" --domain localhost || die "start"
EP=http://127.0.0.1:$DPORT
LOGF=$T/d.log.stderr

field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
out=$("$COFFER" --data-dir "$D" account create alice --json) ||
    die "account create alice"
S3AK=$(field AccessKeyId <<<"$out")
S3SK=$(field AccessKeySecret <<<"$out")
out=$("$COFFER" --data-dir "$D" account create bob --json) ||
    die "account create bob"
BOB_AK=$(field AccessKeyId <<<"$out")
BOB_SK=$(field AccessKeySecret <<<"$out")

# No client configuration but ours.
unset AWS_CA_BUNDLE AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN \
    AWS_REGION AWS_ENDPOINT_URL HTTP_PROXY HTTPS_PROXY http_proxy \
    https_proxy NO_PROXY no_proxy ALL_PROXY all_proxy
export HOME=$T/home
mkdir -p "$HOME"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=oss-cn-hangzhou \
    AWS_PAGER= AWS_ACCESS_KEY_ID=$S3AK AWS_SECRET_ACCESS_KEY=$S3SK \
    AWS_MAX_ATTEMPTS=1

# Data: a 20 MiB file (multipart for aws) and a small tree with names
# that need encoding.
head -c $((20 * 1024 * 1024)) /dev/urandom >"$T/big" || die "big file"
SRC=$T/src
mkdir -p "$SRC/sub dir"
echo one >"$SRC/a.txt"
echo two >"$SRC/sub dir/b+c.txt"
printf 'x%.0s' $(seq 1 3000) >"$SRC/sp ace&amp.txt"

awsc() { aws --endpoint-url "$EP" "$@"; }
# expect_code CODE FILE: a tool's stderr names the OSS error code.
expect_code() {
	check "$2 names $1: $(tr '\n' ' ' <"$2" | cut -c1-200)" \
	    grep -q "$1" "$2"
}

# ---- aws ----
log "aws"
B=aws-bkt
check "aws s3 mb" awsc s3 mb "s3://$B" >/dev/null
check "aws s3 cp up (20 MiB)" \
    awsc s3 cp --only-show-errors "$T/big" "s3://$B/big"
check "aws s3 cp up used multipart" \
    grep -q "op=CompleteMultipartUpload .*bucket=$B key=big status=200" "$LOGF"
check "aws s3 cp down" \
    awsc s3 cp --only-show-errors "s3://$B/big" "$T/big.aws"
check "aws: the same 20 MiB" cmp -s "$T/big" "$T/big.aws"
# x-amz-copy-source selects CopyObject, and for 20 MiB UploadPartCopy
# with x-amz-copy-source-range.
check "aws s3 cp within the bucket (multipart copy)" \
    awsc s3 cp --only-show-errors "s3://$B/big" "s3://$B/big copy"
check "aws: UploadPartCopy was used" \
    grep -q "op=UploadPartCopy .*bucket=$B key=big%20copy status=200" "$LOGF"
check "aws s3api copy-object --metadata-directive REPLACE" awsc s3api \
    copy-object --bucket "$B" --key small-copy --copy-source "$B/big" \
    --metadata-directive REPLACE --metadata k2=v2 >/dev/null
out=$(awsc s3api head-object --bucket "$B" --key small-copy)
check "aws: the copy has the new metadata" grep -q '"k2": "v2"' <<<"$out"
check "aws: the copy is the object" grep -q '"ContentLength": 20971520' <<<"$out"
out=$(awsc s3 ls "s3://$B")
check "aws s3 ls: $out" grep -qE ' 20971520 big$' <<<"$out"
check "aws s3 ls: the copy" grep -qE ' 20971520 big copy$' <<<"$out"
check "aws s3 sync up" \
    awsc s3 sync --only-show-errors "$SRC" "s3://$B/tree/"
check "aws s3 sync down" \
    awsc s3 sync --only-show-errors "s3://$B/tree/" "$T/aws-tree"
check "aws: the tree came back" diff -r "$SRC" "$T/aws-tree"
url=$(awsc s3 presign "s3://$B/tree/a.txt" --expires-in 300)
check "aws s3 presign fetched with curl" \
    cmp -s "$SRC/a.txt" <(curl -sf "$url")
last=${url: -1}
[ "$last" = 0 ] && last=1 || last=0
check "aws presigned URL with another signature is refused" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "${url%?}$last")" = 403 ]
check "aws s3api put-object" awsc s3api put-object --bucket "$B" \
    --key api/obj --body "$SRC/sp ace&amp.txt" --metadata k1=v1 \
    --storage-class STANDARD_IA >/dev/null
check "aws s3api get-object" awsc s3api get-object --bucket "$B" \
    --key api/obj "$T/api.out" >/dev/null
check "aws: put-object bytes" cmp -s "$SRC/sp ace&amp.txt" "$T/api.out"
out=$(awsc s3api head-object --bucket "$B" --key api/obj)
check "aws: metadata as x-amz-meta-*" grep -q '"k1": "v1"' <<<"$out"
check "aws: STANDARD_IA is OSS's IA and back" \
    grep -q '"StorageClass": "STANDARD_IA"' <<<"$out"
check "aws s3 rb of a non-empty bucket fails" \
    not awsc s3 rb "s3://$B" 2>"$T/err" >/dev/null
expect_code BucketNotEmpty "$T/err"
check "BucketAlreadyExists for another account" not env \
    AWS_ACCESS_KEY_ID="$BOB_AK" AWS_SECRET_ACCESS_KEY="$BOB_SK" \
    aws --endpoint-url "$EP" s3 mb "s3://$B" 2>"$T/err" >/dev/null
expect_code BucketAlreadyExists "$T/err"
check "aws s3 rm --recursive" \
    awsc s3 rm --only-show-errors --recursive "s3://$B"
check "aws s3 rb" awsc s3 rb "s3://$B" >/dev/null

# ---- curl's SigV4 signer: hashes, schemes ----
log "curl's SigV4 signer"
CS=(curl -s --aws-sigv4 "aws:amz:oss-cn-hangzhou:s3" --user "$S3AK:$S3SK")
B=curl-bkt
check "curl SigV4: create a bucket" \
    [ "$("${CS[@]}" -o /dev/null -w '%{http_code}' -X PUT "$EP/$B")" = 200 ]
sha() { sha256sum | cut -d' ' -f1; }
h=$(printf 'the declared body' | sha)
code=$("${CS[@]}" -o "$T/out" -w '%{http_code}' -X PUT \
    -H "x-amz-content-sha256: $h" --data-binary 'another body' "$EP/$B/k")
check "a body that is not x-amz-content-sha256 is refused ($code)" \
    [ "$code" = 400 ]
check "... with the OSS error naming the header" \
    grep -q "<Code>InvalidArgument</Code>.*x-amz-content-sha256" "$T/out"
check "... and nothing is stored" [ "$("${CS[@]}" -o /dev/null \
    -w '%{http_code}' "$EP/$B/k")" = 404 ]
code=$("${CS[@]}" -o /dev/null -w '%{http_code}' -X PUT \
    -H "x-amz-content-sha256: $h" --data-binary 'the declared body' \
    "$EP/$B/k")
check "the declared body is stored ($code)" [ "$code" = 200 ]
# x-amz-acl is x-oss-object-acl where the signature covers it (aws
# signs every x-amz-* header), and nothing where it does not (OSS V1
# signs x-oss-* only: an added x-amz-acl must not open the object).
check "aws s3 cp --acl public-read" awsc s3 cp --only-show-errors \
    --acl public-read "$SRC/a.txt" "s3://$B/public"
check "... is readable anonymously" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$EP/$B/public")" = 200 ]
AK=$S3AK SK=$S3SK E2E_OUT=/dev/null oss PUT "/$B/private" \
    -H 'x-amz-acl: public-read' --data-binary 'p' >/dev/null
check "OSS V1 PUT with an unsigned x-amz-acl ($STATUS)" [ "$STATUS" = 200 ]
check "... is still private" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$EP/$B/private")" = 403 ]
code=$(curl -s -o "$T/out" -w '%{http_code}' -H 'Authorization: Bearer x' \
    "$EP/$B/k")
check "an unknown scheme is named ($code)" [ "$code" = 400 ] &&
    check "... in the error document" grep -q \
    '<ArgumentName>Authorization</ArgumentName><ArgumentValue>Bearer</ArgumentValue>' \
    "$T/out"

# An aws-chunked upload (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), signed here
# with openssl as the AWS docs describe; aws, s3cmd and rclone do not
# send this form over plain HTTP.
hmac_hex() { # KEYHEX DATA
	printf '%s' "$2" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$1" |
	    sed 's/.*= //'
}
hexof() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
# chunked_put KEY FILE CHUNK [BAD_CHUNK]: PUT of FILE in CHUNK-byte
# chunks; chunk number BAD_CHUNK (from 1) gets a wrong signature.
chunked_put() {
	local key=$1 file=$2 chunk=$3 bad=${4:-0}
	local now day scope kd creq sts seed prev size n i sig body hc
	local len
	now=$(TZ=UTC date +%Y%m%dT%H%M%SZ)
	day=${now%%T*}
	scope="$day/oss-cn-hangzhou/s3/aws4_request"
	kd=$(hmac_hex "$(hexof "AWS4$S3SK")" "$day")
	kd=$(hmac_hex "$kd" oss-cn-hangzhou)
	kd=$(hmac_hex "$kd" s3)
	kd=$(hmac_hex "$kd" aws4_request)
	size=$(stat -c %s "$file")
	body=$T/chunked.body
	: >"$body"
	# The framed length first: it is signed (content-length).
	# "<hex size>;chunk-signature=<64>\r\n<data>\r\n" per chunk.
	len=0
	for ((i = 0; i < size; i += chunk)); do
		n=$((size - i < chunk ? size - i : chunk))
		printf -v hc '%x' "$n"
		len=$((len + ${#hc} + 17 + 64 + 2 + n + 2))
	done
	len=$((len + 1 + 17 + 64 + 2 + 2))
	creq="PUT
/$B/$key

content-encoding:aws-chunked
content-length:$len
host:127.0.0.1:$DPORT
x-amz-content-sha256:STREAMING-AWS4-HMAC-SHA256-PAYLOAD
x-amz-date:$now
x-amz-decoded-content-length:$size

content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length
STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	hc=$(printf '%s' "$creq" | sha)
	sts="AWS4-HMAC-SHA256
$now
$scope
$hc"
	seed=$(hmac_hex "$kd" "$sts")
	prev=$seed
	local empty k=0
	empty=$(printf '' | sha)
	for ((i = 0; ; i += chunk)); do
		n=$((size - i < chunk ? size - i : chunk))
		((n < 0)) && n=0
		k=$((k + 1))
		hc=$(tail -c +$((i + 1)) "$file" | head -c "$n" | sha)
		sig=$(hmac_hex "$kd" "AWS4-HMAC-SHA256-PAYLOAD
$now
$scope
$prev
$empty
$hc")
		prev=$sig
		[ "$k" = "$bad" ] && sig=$(printf '%064d' 0)
		printf '%x;chunk-signature=%s\r\n' "$n" "$sig" >>"$body"
		tail -c +$((i + 1)) "$file" | head -c "$n" >>"$body"
		printf '\r\n' >>"$body"
		[ "$n" = 0 ] && break
	done
	[ "$(stat -c %s "$body")" = "$len" ] || die "chunked length $len"
	curl -s -o "$T/out" -w '%{http_code}' -X PUT -H 'Expect:' \
	    -H 'Content-Type:' -H "Content-Encoding: aws-chunked" \
	    -H "x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD" \
	    -H "x-amz-date: $now" -H "x-amz-decoded-content-length: $size" \
	    -H "Authorization: AWS4-HMAC-SHA256 Credential=$S3AK/$scope, SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length, Signature=$seed" \
	    --data-binary "@$body" "$EP/$B/$key"
}
head -c 200000 /dev/urandom >"$T/chunky"
code=$(chunked_put chunky "$T/chunky" 65536)
check "aws-chunked upload ($code: $(head -c 300 "$T/out"))" [ "$code" = 200 ]
"${CS[@]}" -D "$T/hdr" -o "$T/chunky.out" "$EP/$B/chunky"
check "aws-chunked: the object is the decoded bytes" \
    cmp -s "$T/chunky" "$T/chunky.out"
check "aws-chunked: no aws-chunked Content-Encoding stored" \
    not grep -qi '^content-encoding' "$T/hdr"
code=$(chunked_put chunky2 "$T/chunky" 65536 2)
check "a wrong chunk signature is refused ($code)" [ "$code" = 403 ]
check "... as SignatureDoesNotMatch" \
    grep -q '<Code>SignatureDoesNotMatch</Code>' "$T/out"
check "... and nothing is stored" [ "$("${CS[@]}" -o /dev/null \
    -w '%{http_code}' "$EP/$B/chunky2")" = 404 ]

# ---- conflicts of the seed: WORM and KMS ----
log "conflicts of the seed"
B=worm-bkt
check "aws: WORM bucket" awsc s3 mb "s3://$B" >/dev/null
body='<InitiateWormConfiguration><RetentionPeriodInDays>1</RetentionPeriodInDays></InitiateWormConfiguration>'
wid=$("${CS[@]}" -D - -o /dev/null -X POST \
    -H "x-amz-content-sha256: $(printf '%s' "$body" | sha)" \
    --data-binary "$body" "$EP/$B?worm" |
    sed -n 's/^x-oss-worm-id: *\([0-9A-F]*\).*/\1/ip')
check "InitiateBucketWorm by SigV4 ($wid)" [ -n "$wid" ]
check "CompleteBucketWorm by SigV4" [ "$("${CS[@]}" -o /dev/null \
    -w '%{http_code}' -X POST "$EP/$B?wormId=$wid")" = 200 ]
check "aws: put into the WORM bucket" \
    awsc s3 cp --only-show-errors "$SRC/a.txt" "s3://$B/locked"
check "aws: a locked object cannot be overwritten" not awsc s3 cp \
    --only-show-errors "$SRC/a.txt" "s3://$B/locked" 2>"$T/err"
expect_code FileImmutable "$T/err"
check "aws: a locked object cannot be deleted" \
    not awsc s3 rm "s3://$B/locked" 2>"$T/err" >/dev/null
expect_code FileImmutable "$T/err"

AK=$S3AK SK=$S3SK kms CreateKey
KID=$(json_field KeyId <<<"$BODY")
check "KMS CreateKey ($STATUS)" [ -n "$KID" ]
B=kms-bkt
check "aws: SSE-KMS bucket" awsc s3 mb "s3://$B" >/dev/null
check "aws: SSE-KMS upload" awsc s3 cp --only-show-errors --sse aws:kms \
    --sse-kms-key-id "$KID" "$SRC/a.txt" "s3://$B/k"
out=$(awsc s3api head-object --bucket "$B" --key k)
check "aws: the object is SSE-KMS with the key" \
    grep -q "\"SSEKMSKeyId\": \"$KID\"" <<<"$out"
AK=$S3AK SK=$S3SK kms DisableKey "KeyId=$KID"
check "KMS DisableKey ($STATUS)" [ "$STATUS" = 200 ]
check "aws: reading it with the CMK disabled fails" not awsc s3api \
    get-object --bucket "$B" --key k "$T/k.out" 2>"$T/err" >/dev/null
expect_code KeyDisabled "$T/err"
check "aws: writing with the CMK disabled fails" not awsc s3 cp \
    --only-show-errors --sse aws:kms --sse-kms-key-id "$KID" \
    "$SRC/a.txt" "s3://$B/k2" 2>"$T/err"
expect_code KeyDisabled "$T/err"

# ---- s3cmd: V2 path style, V4 virtual host ----
log "s3cmd"
s3cmd_cfg() { # FILE V2? HOST_BUCKET [PROXY]
	cat >"$1" <<EOF
[default]
access_key = $S3AK
secret_key = $S3SK
host_base = 127.0.0.1:$DPORT
host_bucket = $3
use_https = False
signature_v2 = $2
bucket_location = oss-cn-hangzhou
EOF
	[ -z "${4:-}" ] || printf 'proxy_host = 127.0.0.1\nproxy_port = %s\n' \
	    "$DPORT" >>"$1"
}
s3cmd_cfg "$T/s3cfg.v2" True "127.0.0.1:$DPORT"
s3cmd_cfg "$T/s3cfg.v4" False "%(bucket)s.localhost:$DPORT" proxy
for sig in v2 v4; do
	S=(s3cmd -c "$T/s3cfg.$sig" --no-ssl --host "127.0.0.1:$DPORT"
	    --host-bucket "$(sed -n 's/^host_bucket = //p' "$T/s3cfg.$sig")")
	B=s3cmd-$sig
	check "s3cmd $sig mb" "${S[@]}" mb "s3://$B" >/dev/null
	check "s3cmd $sig put" "${S[@]}" put -q "$SRC/sp ace&amp.txt" \
	    "s3://$B/x y+z.txt"
	check "s3cmd $sig get" "${S[@]}" get -q --force "s3://$B/x y+z.txt" \
	    "$T/s3cmd.out"
	check "s3cmd $sig: the bytes" cmp -s "$SRC/sp ace&amp.txt" "$T/s3cmd.out"
	out=$("${S[@]}" ls "s3://$B")
	check "s3cmd $sig ls: $out" grep -q "s3://$B/x y+z.txt" <<<"$out"
	check "s3cmd $sig sync up" "${S[@]}" sync -q "$SRC/" "s3://$B/tree/"
	check "s3cmd $sig sync down" "${S[@]}" sync -q "s3://$B/tree/" \
	    "$T/s3cmd-$sig/"
	check "s3cmd $sig: the tree came back" diff -r "$SRC" "$T/s3cmd-$sig"
	# signurl writes <bucket>.<host_base> for a virtual host; a V2
	# signature does not cover the host, so the path-style URL of the
	# same resource carries it as well.
	url=$("${S[@]}" signurl "s3://$B/tree/a.txt" +300)
	url=${url/"://$B.127.0.0.1:$DPORT/"/"://127.0.0.1:$DPORT/$B/"}
	check "s3cmd $sig signurl fetched with curl ($url)" \
	    cmp -s "$SRC/a.txt" <(curl -sf "$url")
	check "s3cmd $sig rb of a non-empty bucket fails" \
	    not "${S[@]}" rb "s3://$B" 2>"$T/err" >/dev/null
	expect_code BucketNotEmpty "$T/err"
	check "s3cmd $sig del" "${S[@]}" del -q -r --force "s3://$B"
	check "s3cmd $sig rb" "${S[@]}" rb "s3://$B" >/dev/null
done

# ---- rclone: provider Other (path style), Alibaba (virtual host) ----
log "rclone"
rp() {
	"${P[@]+"${P[@]}"}" rclone --config /dev/null --retries 1 \
	    --low-level-retries 1 "$@"
}
export RCLONE_S3_ACCESS_KEY_ID=$S3AK RCLONE_S3_SECRET_ACCESS_KEY=$S3SK
for prov in Other Alibaba; do
	B=rclone-$(tr A-Z a-z <<<"$prov")
	if [ "$prov" = Other ]; then
		export RCLONE_S3_PROVIDER=Other RCLONE_S3_FORCE_PATH_STYLE=true \
		    RCLONE_S3_ENDPOINT=$EP
	else
		# Alibaba is virtual-host only: <bucket>.localhost through
		# the proxy (Go never proxies localhost itself).
		export RCLONE_S3_PROVIDER=Alibaba RCLONE_S3_ENDPOINT=http://localhost:$DPORT
		unset RCLONE_S3_FORCE_PATH_STYLE
	fi
	P=()
	[ "$prov" = Alibaba ] && P=(env HTTP_PROXY="$EP")
	check "rclone $prov mkdir" rp mkdir ":s3:$B" 2>"$T/err"
	check "rclone $prov copy" rp copy "$SRC" ":s3:$B/copy" 2>"$T/err"
	check "rclone $prov sync" rp sync "$SRC" ":s3:$B/sync" 2>"$T/err"
	check "rclone $prov check" rp check "$SRC" ":s3:$B/sync" 2>"$T/err"
	out=$(rp lsf -R ":s3:$B/copy" 2>"$T/err")
	check "rclone $prov lsf: $out" \
	    grep -qx 'sub dir/b+c.txt' <<<"$out"
	check "rclone $prov rmdir of a non-empty bucket fails" \
	    not rp rmdir ":s3:$B" 2>"$T/err"
	expect_code BucketNotEmpty "$T/err"
	check "rclone $prov delete" rp delete ":s3:$B/copy" 2>"$T/err"
	out=$(rp lsf -R ":s3:$B" 2>"$T/err")
	check "rclone $prov: copy/ is gone" not grep -q '^copy/' <<<"$out"
	check "rclone $prov purge" rp purge ":s3:$B" 2>"$T/err"
	check "rclone $prov: the bucket is gone" \
	    not grep -q " $B\$" <(awsc s3 ls)
done

check "no request was answered 5xx" not grep -qE 'status=5[0-9][0-9]' "$LOGF"
e2e_finish
