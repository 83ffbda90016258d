// The Tea-based @alicloud/oss-client with its default settings, which sign
// every request with OSS2 (V2, HMAC-SHA256) and address buckets as virtual
// hosts: bucket and object operations, ACLs, tagging, multipart, and the
// errors it parses. The daemon serves the domain oss.coffer.test, whose
// names (<bucket>.oss.coffer.test) this process resolves to the loopback
// address: the client takes no agent or lookup of its own.
'use strict';
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const dns = require('node:dns');
const { Readable } = require('node:stream');
const { startDaemon, raw, crc64ecma } = require('./lib/coffer');

const realLookup = dns.lookup;
dns.lookup = (host, opts, cb) => {
  if (typeof opts === 'function') { cb = opts; opts = {}; }
  if (!/(^|\.)oss\.coffer\.test$/.test(host)) return realLookup(host, opts, cb);
  return opts && opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4);
};

const OSS = require('@alicloud/oss-client');
const Client = OSS.default;

const DOMAIN = 'oss.coffer.test';
let d;
let c;
before(async () => {
  d = await startDaemon({ domains: [DOMAIN] });
  c = new Client(new OSS.Config({
    accessKeyId: d.ak, accessKeySecret: d.sk, endpoint: `${DOMAIN}:${d.port}`,
    protocol: 'http', regionId: 'cn-hangzhou',
  }));
});
after(async () => { assert.equal(await d.stop(), 0); });

const runtime = () => ({});
const body = (s) => Readable.from([Buffer.from(s)]);
async function text(stream) {
  const chunks = [];
  for await (const x of stream) chunks.push(x);
  return Buffer.concat(chunks).toString();
}
async function expectError(fn, code, status) {
  let err;
  try { await fn(); } catch (e) { err = e; }
  assert.ok(err, `expected ${code}, got success`);
  assert.equal(err.code, code, err.message);
  assert.equal(err.data.httpCode, status);
  assert.match(err.data.requestId, /^[0-9A-F]{24}$/);
  return err;
}

const BUCKET = 'tea-client';

describe('@alicloud/oss-client (OSS2)', () => {
  test('it signs with OSS2 by default', async () => {
    const seen = [];
    const onReq = (req) => seen.push(req.getHeader('authorization'));
    const http = require('node:http');
    const orig = http.request;
    http.request = function request(...a) { const r = orig.apply(this, a); onReq(r); return r; };
    try {
      await c.getService(new OSS.GetServiceRequest({}), runtime());
    } finally {
      http.request = orig;
    }
    assert.ok(seen.length >= 1);
    assert.match(seen[0], /^OSS2 AccessKeyId:LTAI\w+,Signature:[A-Za-z0-9+/]{43}=$/);
  });

  test('putBucket, getBucketInfo, getService lists it', async () => {
    await c.putBucket(new OSS.PutBucketRequest({ bucketName: BUCKET,
      header: new OSS.PutBucketRequestHeader({ acl: 'private' }),
      body: new OSS.PutBucketRequestBody({ createBucketConfiguration:
        new OSS.PutBucketRequestBodyCreateBucketConfiguration({ storageClass: 'Standard' }) }) }), runtime());
    const info = await c.getBucketInfo(new OSS.GetBucketInfoRequest({ bucketName: BUCKET }), runtime());
    assert.equal(info.bucketInfo.bucket.name, BUCKET);
    const svc = await c.getService(new OSS.GetServiceRequest({}), runtime());
    const names = [].concat(svc.listAllMyBucketsResult.buckets.bucket).map((b) => b.name);
    assert.ok(names.includes(BUCKET), JSON.stringify(names));
  });

  test('putObject, getObject, headObject, getObjectMeta', async () => {
    await c.putObject(new OSS.PutObjectRequest({ bucketName: BUCKET, objectName: 'dir/hello.txt',
      userMeta: { camera: 'x100' }, body: body('hello tea'),
      header: new OSS.PutObjectRequestHeader({ contentType: 'text/plain' }) }), runtime());
    const g = await c.getObject(new OSS.GetObjectRequest({ bucketName: BUCKET, objectName: 'dir/hello.txt' }), runtime());
    assert.equal(await text(g.body), 'hello tea');
    assert.equal(g.objectType, 'Normal');
    // The client maps only some response headers; these prove the HEAD
    // reached the object.
    const h = await c.headObject(new OSS.HeadObjectRequest({ bucketName: BUCKET, objectName: 'dir/hello.txt' }), runtime());
    assert.equal(h.hashCrc64ecma, crc64ecma(Buffer.from('hello tea')));
    assert.equal(h.objectType, 'Normal');
    const raw1 = await raw(d, { method: 'HEAD', path: `/${BUCKET}/dir/hello.txt` });
    assert.equal(raw1.status, 403);
    const m = await c.getObjectMeta(new OSS.GetObjectMetaRequest({ bucketName: BUCKET, objectName: 'dir/hello.txt' }), runtime());
    assert.equal(m.contentLength, '9');
  });

  test('a key with spaces and !\'()* verifies', async () => {
    const key = "it's (1)*.txt";
    await c.putObject(new OSS.PutObjectRequest({ bucketName: BUCKET, objectName: key, body: body('odd') }), runtime());
    const g = await c.getObject(new OSS.GetObjectRequest({ bucketName: BUCKET, objectName: key }), runtime());
    assert.equal(await text(g.body), 'odd');
    await c.deleteObject(new OSS.DeleteObjectRequest({ bucketName: BUCKET, objectName: key }), runtime());
  });

  test('getBucket lists with prefix and delimiter', async () => {
    await c.putObject(new OSS.PutObjectRequest({ bucketName: BUCKET, objectName: 'top.txt', body: body('t') }), runtime());
    const l = await c.getBucket(new OSS.GetBucketRequest({ bucketName: BUCKET,
      filter: new OSS.GetBucketRequestFilter({ delimiter: '/', maxKeys: '10' }) }), runtime());
    const r = l.listBucketResult;
    assert.equal(r.name, BUCKET);
    assert.deepEqual([].concat(r.contents).map((x) => x.key), ['top.txt']);
    // The client parses CommonPrefixes into a string: only its presence
    // can be checked through it.
    assert.ok(r.commonPrefixes);
    const p = await c.getBucket(new OSS.GetBucketRequest({ bucketName: BUCKET,
      filter: new OSS.GetBucketRequestFilter({ prefix: 'dir/' }) }), runtime());
    assert.deepEqual([].concat(p.listBucketResult.contents).map((x) => x.key), ['dir/hello.txt']);
  });

  test('copyObject', async () => {
    await c.copyObject(new OSS.CopyObjectRequest({ bucketName: BUCKET, destObjectName: 'copy.txt',
      header: new OSS.CopyObjectRequestHeader({ copySource: `/${BUCKET}/dir/hello.txt` }) }), runtime());
    const g = await c.getObject(new OSS.GetObjectRequest({ bucketName: BUCKET, objectName: 'copy.txt' }), runtime());
    assert.equal(await text(g.body), 'hello tea');
  });

  test('a presigned OSS2 URL, signed by the SDK family\'s own V2 signer', async () => {
    const { getSignatureV2 } = require('@alicloud/oss-util/dist/signature.js');
    const url = (expires) => {
      const query = { 'x-oss-signature-version': 'OSS2', 'x-oss-expires': String(expires),
        'x-oss-access-key-id': d.ak };
      // The expiry takes the Date slot, as in a V1 presigned URL.
      const req = { method: 'GET', pathname: '/dir/hello.txt', query, headers: { date: String(expires) } };
      query['x-oss-signature'] = getSignatureV2(req, BUCKET, d.sk).signature;
      const qs = Object.entries(query).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
      return `/${BUCKET}/dir/hello.txt?${qs}`;
    };
    const now = Math.floor(Date.now() / 1000);
    const ok = await raw(d, { path: url(now + 600) });
    assert.equal(ok.status, 200, ok.body.toString());
    assert.equal(ok.body.toString(), 'hello tea');
    const expired = await raw(d, { path: url(now - 1) });
    assert.equal(expired.status, 403);
    assert.match(expired.body.toString(), /<Message>Request has expired\.<\/Message>/);
    const tampered = await raw(d, { path: url(now + 600).replace('hello.txt?', 'hello.txt?acl&') });
    assert.equal(tampered.status, 403);
    assert.match(tampered.body.toString(), /<Code>SignatureDoesNotMatch<\/Code>/);
  });

  test('a scheme the daemon does not know is named as such', async () => {
    const r = await raw(d, { path: `/${BUCKET}/dir/hello.txt`,
      // "AWS" is Amazon S3's V2, which OSS accepts too; SigV4a is not.
      headers: { authorization: `AWS4-ECDSA-P256-SHA256 Credential=${d.ak}/20261207/s3/aws4_request`, date: new Date().toUTCString() } });
    assert.equal(r.status, 400);
    assert.match(r.body.toString(), /<Code>InvalidArgument<\/Code>/);
    assert.match(r.body.toString(), /<Message>The authorization scheme is not supported\.<\/Message>/);
  });

  test('bucket and object ACLs', async () => {
    await c.putBucketAcl(new OSS.PutBucketAclRequest({ bucketName: BUCKET,
      header: new OSS.PutBucketAclRequestHeader({ acl: 'public-read' }) }), runtime());
    const b = await c.getBucketAcl(new OSS.GetBucketAclRequest({ bucketName: BUCKET }), runtime());
    assert.equal(b.accessControlPolicy.accessControlList.grant, 'public-read');
    await c.putObjectAcl(new OSS.PutObjectAclRequest({ bucketName: BUCKET, objectName: 'copy.txt',
      header: new OSS.PutObjectAclRequestHeader({ objectAcl: 'private' }) }), runtime());
    const o = await c.getObjectAcl(new OSS.GetObjectAclRequest({ bucketName: BUCKET, objectName: 'copy.txt' }), runtime());
    assert.equal(o.accessControlPolicy.accessControlList.grant, 'private');
    // The object ACL wins over the bucket's for an anonymous reader.
    const anon = await raw(d, { path: `/${BUCKET}/copy.txt` });
    assert.equal(anon.status, 403);
    const pub = await raw(d, { path: `/${BUCKET}/top.txt` });
    assert.equal(pub.status, 200);
  });

  test('object tagging: put, get, delete', async () => {
    await c.putObjectTagging(new OSS.PutObjectTaggingRequest({ bucketName: BUCKET, objectName: 'copy.txt',
      body: new OSS.PutObjectTaggingRequestBody({ tagging: new OSS.PutObjectTaggingRequestBodyTagging({
        tagSet: new OSS.PutObjectTaggingRequestBodyTaggingTagSet({ tag: [
          new OSS.PutObjectTaggingRequestBodyTaggingTagSetTag({ key: 'team', value: 'tea' })] }) }) }) }), runtime());
    const g = await c.getObjectTagging(new OSS.GetObjectTaggingRequest({ bucketName: BUCKET, objectName: 'copy.txt' }), runtime());
    const tags = [].concat(g.tagging.tagSet.tag);
    assert.deepEqual(tags.map((t) => [t.key, t.value]), [['team', 'tea']]);
    await c.deleteObjectTagging(new OSS.DeleteObjectTaggingRequest({ bucketName: BUCKET, objectName: 'copy.txt' }), runtime());
    const e = await c.getObjectTagging(new OSS.GetObjectTaggingRequest({ bucketName: BUCKET, objectName: 'copy.txt' }), runtime());
    assert.deepEqual(e.tagging.tagSet.tag, []);
  });

  test('multipart: initiate, upload parts, list parts, complete', async () => {
    const init = await c.initiateMultipartUpload(new OSS.InitiateMultipartUploadRequest({
      bucketName: BUCKET, objectName: 'big.bin', filter: new OSS.InitiateMultipartUploadRequestFilter({}) }), runtime());
    const uploadId = init.initiateMultipartUploadResult.uploadId;
    assert.match(uploadId, /^[0-9A-F]+$/);
    const part1 = Buffer.alloc(100 * 1024, 'a');
    const part2 = Buffer.from('tail');
    for (const [i, b] of [part1, part2].entries()) {
      await c.uploadPart(new OSS.UploadPartRequest({ bucketName: BUCKET, objectName: 'big.bin',
        body: Readable.from([b]),
        filter: new OSS.UploadPartRequestFilter({ partNumber: String(i + 1), uploadId }) }), runtime());
    }
    // UploadPart's response has no ETag in this client: ListParts has.
    const lp = await c.listParts(new OSS.ListPartsRequest({ bucketName: BUCKET, objectName: 'big.bin',
      filter: new OSS.ListPartsRequestFilter({ uploadId }) }), runtime());
    const parts = [].concat(lp.listPartsResult.part);
    assert.deepEqual(parts.map((p) => p.size), [String(part1.length), String(part2.length)]);
    const etags = parts.map((p) => p.eTag);
    await c.completeMultipartUpload(new OSS.CompleteMultipartUploadRequest({ bucketName: BUCKET, objectName: 'big.bin',
      filter: new OSS.CompleteMultipartUploadRequestFilter({ uploadId }),
      body: new OSS.CompleteMultipartUploadRequestBody({ completeMultipartUpload:
        new OSS.CompleteMultipartUploadRequestBodyCompleteMultipartUpload({ part: etags.map((eTag, i) =>
          new OSS.CompleteMultipartUploadRequestBodyCompleteMultipartUploadPart({ partNumber: String(i + 1), eTag })) }) }) }),
    runtime());
    const m = await c.getObjectMeta(new OSS.GetObjectMetaRequest({ bucketName: BUCKET, objectName: 'big.bin' }), runtime());
    assert.equal(m.contentLength, String(part1.length + part2.length));
    assert.match(m.eTag, /-2"$/);
  });

  test('errors: a wrong secret is SignatureDoesNotMatch; a missing key NoSuchKey', async () => {
    const bad = new Client(new OSS.Config({ accessKeyId: d.ak, accessKeySecret: 'wrong-secret',
      endpoint: `${DOMAIN}:${d.port}`, protocol: 'http', regionId: 'cn-hangzhou' }));
    await expectError(() => bad.getObject(new OSS.GetObjectRequest({ bucketName: BUCKET, objectName: 'top.txt' }), runtime()),
      'SignatureDoesNotMatch', 403);
    await expectError(() => c.getObject(new OSS.GetObjectRequest({ bucketName: BUCKET, objectName: 'nope' }), runtime()),
      'NoSuchKey', 404);
  });

  test('deleteObject, then deleteBucket', async () => {
    await expectError(() => c.deleteBucket(new OSS.DeleteBucketRequest({ bucketName: BUCKET }), runtime()),
      'BucketNotEmpty', 409);
    for (const k of ['dir/hello.txt', 'top.txt', 'copy.txt', 'big.bin']) {
      await c.deleteObject(new OSS.DeleteObjectRequest({ bucketName: BUCKET, objectName: k }), runtime());
    }
    await c.deleteBucket(new OSS.DeleteBucketRequest({ bucketName: BUCKET }), runtime());
    await expectError(() => c.getBucketInfo(new OSS.GetBucketInfoRequest({ bucketName: BUCKET }), runtime()),
      'NoSuchBucket', 404);
  });
});
