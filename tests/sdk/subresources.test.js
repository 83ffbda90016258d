// Unknown sub-resources are refused, never taken for another operation.
// Every sub-resource real OSS knows (oss-api.md §5.1's signed set, the
// operation keys newer SDKs add, and any x-oss-* query key) is sent with
// GET, PUT, POST and DELETE to a bucket and to an object, signed V1 and V4.
// Each answer is the implemented operation, or 501 NotImplemented (405 when
// the same sub-resource is implemented for another method) with the bucket
// and its objects unchanged.
'use strict';
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { startDaemon, ossClient, signedRaw, xmlText } = require('./lib/coffer');

// oss-api.md §5.1, the union of the SDKs' signed sets.
const SIGNED_SET = `acl uploads location cors logging website referer lifecycle delete append
  tagging objectMeta uploadId partNumber security-token position img style styleName replication
  replicationProgress replicationLocation cname bucketInfo comp qos live status vod startTime
  endTime symlink x-oss-process response-content-type response-content-language response-expires
  response-cache-control response-content-disposition response-content-encoding udf udfName
  udfImage udfId udfImageDesc udfApplication udfApplicationLog restore callback callback-var
  qosInfo policy stat encryption versions versioning versionId requestPayment x-oss-request-payer
  sequential inventory inventoryId continuation-token asyncFetch worm wormId wormExtend
  withHashContext x-oss-enable-md5 x-oss-enable-sha1 x-oss-enable-sha256 x-oss-hash-ctx
  x-oss-md5-ctx transferAcceleration regionList cloudboxes x-oss-ac-source-ip
  x-oss-ac-subnet-mask x-oss-ac-vpc-id x-oss-ac-forward-allow metaQuery resourceGroup rtc
  x-oss-async-process responseHeader objectInfo group link x-oss-traffic-limit
  x-oss-write-get-object-response bucketArchiveDirectRead httpsConfig redundancyTransition
  accessPoint accessPointPolicy publicAccessBlock objectWorm retention legalHold seal
  cleanRestoredObject`.split(/\s+/);
// Operation keys of the current Go SDK that the classic set lacks, and an
// x-oss-* key nobody defines (the GO2 rule: still a sub-resource).
const NEWER = ['accessmonitor', 'policyStatus', 'overwriteConfig', 'userDefinedLogFieldsConfig',
  'regions', 'accessPointForObjectProcess', 'accessPointConfigForObjectProcess',
  'accessPointPolicyForObjectProcess', 'x-oss-anything'];
const ALL = [...SIGNED_SET, ...NEWER];

// Keys that qualify an operation instead of selecting one: sent alone they
// leave the plain operation (GetObject, DeleteBucket, ...) in charge, so
// they are checked apart (see the last test).
const PARAMS = new Set(['security-token', 'position', 'styleName', 'startTime', 'endTime',
  'response-content-type', 'response-content-language', 'response-expires',
  'response-cache-control', 'response-content-disposition', 'response-content-encoding',
  'udfName', 'udfId', 'udfImageDesc', 'versionId', 'sequential', 'continuation-token',
  'x-oss-request-payer']);

// What this daemon implements, as "METHOD level key" (routes of
// daemon/api/routes.c that need only that one sub-resource).
const IMPLEMENTED = new Set([
  'PUT bucket acl', 'GET bucket acl', 'GET bucket bucketInfo', 'GET bucket location',
  'GET bucket stat', 'POST bucket delete', 'GET bucket cname', 'PUT bucket encryption', 'GET bucket encryption',
  'DELETE bucket encryption', 'PUT bucket versioning', 'GET bucket versioning', 'GET bucket versions', 'GET bucket uploads', 'POST bucket worm', 'GET bucket worm',
  'DELETE bucket worm', 'POST bucket wormId', 'GET bucket inventory',
  'PUT bucket lifecycle', 'GET bucket lifecycle', 'DELETE bucket lifecycle',
  'PUT bucket cors', 'GET bucket cors', 'DELETE bucket cors',
  'PUT bucket policy', 'GET bucket policy', 'DELETE bucket policy', 'GET bucket policyStatus',
  'PUT bucket referer', 'GET bucket referer', 'PUT bucket tagging', 'GET bucket tagging',
  'DELETE bucket tagging', 'PUT bucket requestPayment', 'GET bucket requestPayment',
  'PUT bucket website', 'GET bucket website', 'DELETE bucket website',
  'PUT bucket logging', 'GET bucket logging', 'DELETE bucket logging',
  'PUT bucket publicAccessBlock', 'GET bucket publicAccessBlock', 'DELETE bucket publicAccessBlock',
  'PUT object acl', 'GET object acl', 'PUT object tagging', 'GET object tagging',
  'DELETE object tagging', 'POST object uploads', 'POST object uploadId',
  'DELETE object uploadId', 'GET object uploadId', 'POST object append', 'POST object restore',
  'POST object cleanRestoredObject', 'HEAD object objectMeta',
  'GET bucket live', 'PUT object live', 'GET object live', 'DELETE object live',
  'PUT bucket objectWorm', 'GET bucket objectWorm', 'PUT object retention', 'GET object retention',
  'PUT object legalHold', 'GET object legalHold', 'PUT object symlink', 'GET object symlink',
]);
const METHODS = ['GET', 'PUT', 'POST', 'DELETE'];
const BUCKET = 'subres-bkt';
const KEY = 'keep.txt';

let d;
let c;
before(async () => {
  d = await startDaemon();
  c = ossClient(d, { bucket: BUCKET });
  await c.putBucket(BUCKET);
  await c.put(KEY, Buffer.from('must survive'), { headers: { 'x-oss-object-acl': 'public-read' } });
  await c.putObjectTagging(KEY, { k: 'v' });
});
after(async () => {
  assert.equal(await d.stop(), 0);
  fs.rmSync(d.dataDir, { recursive: true, force: true });
});

// Everything a stray operation could change.
async function snapshot() {
  const list = await c.list({ 'max-keys': 1000 });
  const objects = (list.objects || []).map((o) => `${o.name} ${o.etag} ${o.size}`).sort();
  const get = await c.get(KEY);
  return {
    objects,
    content: String(get.content),
    objectAcl: (await c.getACL(KEY)).acl,
    tags: (await c.getObjectTagging(KEY)).tag,
    bucketAcl: (await c.getBucketACL(BUCKET)).acl,
    bucketInfo: (await c.getBucketInfo(BUCKET)).bucket.Name,
    uploads: ((await c.listUploads({})).uploads || []).length,
  };
}

function implementedElsewhere(level, key) {
  return [...METHODS, 'HEAD'].some((m) => IMPLEMENTED.has(`${m} ${level} ${key}`));
}

describe('every sub-resource, both levels, four methods, V1 and V4', () => {
  let base;
  before(async () => { base = await snapshot(); });
  for (const key of ALL.filter((k) => !PARAMS.has(k))) {
    for (const v4 of [false, true]) {
      test(`${key} (${v4 ? 'V4' : 'V1'})`, async () => {
        const subres = new Set(ALL);
        for (const level of ['bucket', 'object']) {
          for (const method of METHODS) {
            const tag = `${method} ${level} ${key}`;
            if (IMPLEMENTED.has(tag)) continue;	// covered by the operation's own tests
            const r = await signedRaw(d, {
              method, bucket: BUCKET, key: level === 'object' ? KEY : undefined,
              query: { [key]: '' }, v4, subres,
              headers: method === 'PUT' || method === 'POST' ? { 'content-type': 'application/xml' } : {},
              body: method === 'PUT' || method === 'POST' ? '<x/>' : undefined,
            });
            const code = xmlText(r.body, 'Code');
            if (implementedElsewhere(level, key) && r.status === 405) {
              assert.equal(code, 'MethodNotAllowed', tag);
            } else {
              assert.equal(r.status, 501, `${tag}: ${r.status} ${String(r.body).slice(0, 300)}`);
              assert.equal(code, 'NotImplemented', tag);
              assert.equal(r.headers['x-oss-ec'], xmlText(r.body, 'EC'));
            }
          }
        }
        assert.deepEqual(await snapshot(), base, `${key} changed the bucket`);
      });
    }
  }

  test('the reported cases: accessmonitor, policyStatus, overwriteConfig, userDefinedLogFieldsConfig', async () => {
    for (const method of ['GET', 'PUT']) {
      const r = await signedRaw(d, { method, bucket: BUCKET, query: { accessmonitor: '' }, subres: new Set(ALL) });
      assert.equal(r.status, 501, `${method} ?accessmonitor`);
    }
    // GetBucketPolicyStatus is implemented; PUT of it is not an operation.
    const ps = await signedRaw(d, { method: 'PUT', bucket: BUCKET, query: { policyStatus: '' }, subres: new Set(ALL) });
    assert.equal(ps.status, 405, 'PUT ?policyStatus');
    for (const key of ['overwriteConfig', 'userDefinedLogFieldsConfig']) {
      // Signed the way the Go SDK's V1 signer does (key left out) and the
      // way other clients do (key in): both reach the router.
      for (const subres of [new Set(ALL), new Set(SIGNED_SET)]) {
        const r = await signedRaw(d, { method: 'DELETE', bucket: BUCKET, query: { [key]: '' }, subres });
        assert.equal(r.status, 501, `DELETE ?${key}`);
      }
    }
    assert.equal((await c.getBucketInfo(BUCKET)).bucket.Name, BUCKET);
    assert.equal(String((await c.get(KEY)).content), 'must survive');
  });

  test('a sub-resource the client did not sign is a signature error, not an operation', async () => {
    // acl is in every client's set: leaving it out of the V1 resource
    // must not verify as a plain GetObject.
    const r = await signedRaw(d, { method: 'DELETE', bucket: BUCKET, query: { tagging: '' },
      subres: new Set(['acl']) });
    assert.equal(r.status, 403);
    assert.equal(xmlText(r.body, 'Code'), 'SignatureDoesNotMatch');
    assert.deepEqual((await c.getObjectTagging(KEY)).tag, { k: 'v' });
  });

  test('parameters alone leave the plain operation in charge', async () => {
    for (const key of PARAMS) {
      if (key === 'versionId' || key === 'security-token') continue;	// versionid.test.js, STS
      for (const v4 of [false, true]) {
        const r = await signedRaw(d, { method: 'GET', bucket: BUCKET, key: KEY, query: { [key]: 'x' }, v4,
          subres: new Set(ALL) });
        assert.equal(r.status, 200, `GET ?${key}: ${String(r.body).slice(0, 200)}`);
      }
    }
  });
});
