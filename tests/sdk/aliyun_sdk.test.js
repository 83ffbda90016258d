// The old aliyun-sdk package against an IP endpoint: it addresses buckets
// path style and signs a bucket operation (V1) over the request path
// "/bucket", without the trailing slash OSS's canonical resource has.
'use strict';
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const ALY = require('aliyun-sdk');
const { startDaemon, raw } = require('./lib/coffer');

let d;
let oss;
before(async () => {
  d = await startDaemon();
  oss = new ALY.OSS({
    accessKeyId: d.ak, secretAccessKey: d.sk, endpoint: d.endpoint, apiVersion: '2013-10-15',
  });
});
after(async () => { assert.equal(await d.stop(), 0); });

// The SDK's callbacks as promises.
const call = (op, params) => new Promise((resolve, reject) => {
  oss[op](params, (err, data) => (err ? reject(err) : resolve(data)));
});

async function expectError(fn, code, status) {
  let err;
  try { await fn(); } catch (e) { err = e; }
  assert.ok(err, `expected ${code}, got success`);
  assert.equal(err.code, code, err.message);
  assert.equal(err.statusCode, status);
  return err;
}

const BUCKET = 'aliyun-sdk-path';

describe('aliyun-sdk, path style', () => {
  test('createBucket (PutBucket) signs /bucket and creates it', async () => {
    await call('createBucket', { Bucket: BUCKET });
    // Only a real PutBucket makes it visible to another client.
    const r = await raw(d, { path: `/${BUCKET}/?acl` });
    assert.equal(r.status, 403);
    assert.match(r.body.toString(), /<Code>AccessDenied<\/Code>/);
  });

  test('getBucketAcl', async () => {
    const acl = await call('getBucketAcl', { Bucket: BUCKET });
    // The SDK's parser (made for S3's grant list) spreads OSS's
    // <Grant>private</Grant> over the characters of a map.
    assert.equal(Object.values(acl.Grants[0]).join(''), 'private');
    assert.match(acl.Owner.ID, /^\d{16}$/);
  });

  test('putObject / getObject / listObjects', async () => {
    await call('putObject', { Bucket: BUCKET, Key: 'docs/a.txt', Body: Buffer.from('path style'),
      ContentType: 'text/plain' });
    const g = await call('getObject', { Bucket: BUCKET, Key: 'docs/a.txt' });
    assert.equal(g.Body.toString(), 'path style');
    assert.equal(g.ContentType, 'text/plain');
    const l = await call('listObjects', { Bucket: BUCKET, Prefix: 'docs/' });
    assert.deepEqual(l.Contents.map((c) => c.Key), ['docs/a.txt']);
    assert.equal(l.Name, BUCKET);
  });

  test('a wrong secret is still refused', async () => {
    const bad = new ALY.OSS({ accessKeyId: d.ak, secretAccessKey: 'not-the-secret',
      endpoint: d.endpoint, apiVersion: '2013-10-15' });
    await expectError(() => new Promise((resolve, reject) => {
      bad.getBucketAcl({ Bucket: BUCKET }, (err, data) => (err ? reject(err) : resolve(data)));
    }), 'SignatureDoesNotMatch', 403);
  });

  test('deleteBucket: not empty, then gone', async () => {
    await expectError(() => call('deleteBucket', { Bucket: BUCKET }), 'BucketNotEmpty', 409);
    await call('deleteObject', { Bucket: BUCKET, Key: 'docs/a.txt' });
    await call('deleteBucket', { Bucket: BUCKET });
    await expectError(() => call('getBucketAcl', { Bucket: BUCKET }), 'NoSuchBucket', 404);
  });
});
