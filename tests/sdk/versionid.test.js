// versionId is never ignored (oss-api-2.md §1.3, §1.7). In a bucket that
// was never versioned only the "null" version exists: every other
// well-formed id is 404 NoSuchVersion and nothing is read, changed or
// deleted; an empty id is 400 (0012-00000201), a malformed one 400
// (0012-00000202); an operation that takes no versionId refuses one
// instead of ignoring it. Versioned buckets: versioning.test.js.
'use strict';
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { startDaemon, ossClient, signedRaw, xmlText, expectOssError } = require('./lib/coffer');

const BUCKET = 'ver-bkt';
const KEY = 'doc.txt';
const VID = 'CAEQHxiBgIDAj.jV3xgiIGFjMDI5ZWFmYjQ2NjRkMmJiYWU1NzE3ZGNkYzA1';

let d;
let c;
before(async () => {
  d = await startDaemon();
  c = ossClient(d, { bucket: BUCKET });
  await c.putBucket(BUCKET);
});
after(async () => {
  assert.equal(await d.stop(), 0);
  fs.rmSync(d.dataDir, { recursive: true, force: true });
});

async function fresh() {
  await c.put(KEY, Buffer.from('current'), { headers: { 'x-oss-object-acl': 'public-read' } });
  await c.putObjectTagging(KEY, { a: '1' });
}
async function unchanged() {
  assert.equal(String((await c.get(KEY)).content), 'current');
  assert.equal((await c.getACL(KEY)).acl, 'public-read');
  assert.deepEqual((await c.getObjectTagging(KEY)).tag, { a: '1' });
}

// Every object operation that takes ?versionId, as a raw request.
const OPS = [
  { name: 'GetObject', method: 'GET', query: {} },
  { name: 'HeadObject', method: 'HEAD', query: {} },
  { name: 'GetObjectMeta', method: 'HEAD', query: { objectMeta: '' } },
  { name: 'DeleteObject', method: 'DELETE', query: {} },
  { name: 'GetObjectAcl', method: 'GET', query: { acl: '' } },
  { name: 'PutObjectAcl', method: 'PUT', query: { acl: '' }, headers: { 'x-oss-object-acl': 'private' } },
  { name: 'GetObjectTagging', method: 'GET', query: { tagging: '' } },
  { name: 'PutObjectTagging', method: 'PUT', query: { tagging: '' },
    body: '<Tagging><TagSet><Tag><Key>b</Key><Value>2</Value></Tag></TagSet></Tagging>' },
  { name: 'DeleteObjectTagging', method: 'DELETE', query: { tagging: '' } },
  { name: 'RestoreObject', method: 'POST', query: { restore: '' } },
];

function send(op, versionId) {
  return signedRaw(d, { method: op.method, bucket: BUCKET, key: KEY,
    query: { ...op.query, versionId }, headers: op.headers || {}, body: op.body });
}
function codeOf(r) {
  if (r.headers['x-oss-err']) return xmlText(Buffer.from(r.headers['x-oss-err'], 'base64'), 'Code');
  return xmlText(r.body, 'Code');
}

describe('versionId on every object operation that takes one', () => {
  before(fresh);
  for (const op of OPS) {
    test(`${op.name}: unknown version -> 404 NoSuchVersion, nothing touched`, async () => {
      const r = await send(op, VID);
      assert.equal(r.status, 404, String(r.body));
      assert.equal(codeOf(r), 'NoSuchVersion');
      assert.equal(r.headers['x-oss-ec'], '0026-00000001');
      if (op.method === 'GET') assert.ok(!String(r.body).includes('current'));
      await unchanged();
    });
    test(`${op.name}: empty and malformed ids -> 400`, async () => {
      let r = await send(op, '');
      assert.equal(r.status, 400);
      assert.equal(codeOf(r), 'InvalidArgument');
      assert.equal(r.headers['x-oss-ec'], '0012-00000201');
      r = await send(op, '%%%bad id');
      assert.equal(r.status, 400);
      assert.equal(r.headers['x-oss-ec'], '0012-00000202');
      await unchanged();
    });
  }

  test('versionId=null addresses the current object', async () => {
    await fresh();
    let r = await send(OPS[0], 'null');
    assert.equal(r.status, 200);
    assert.equal(String(r.body), 'current');
    r = await send(OPS.find((o) => o.name === 'GetObjectAcl'), 'null');
    assert.equal(xmlText(r.body, 'Grant'), 'public-read');
    r = await send(OPS.find((o) => o.name === 'DeleteObject'), 'null');
    assert.equal(r.status, 204);
    await expectOssError(() => c.head(KEY), { status: 404 });
  });

  test('through ali-oss: get/head/delete/getACL/getObjectTagging with versionId', async () => {
    await fresh();
    // ali-oss writes into its options object: a fresh one per call.
    const opt = () => ({ versionId: VID });
    await expectOssError(() => c.get(KEY, opt()), { code: 'NoSuchVersion', status: 404 });
    await expectOssError(() => c.head(KEY, opt()), { status: 404 });
    await expectOssError(() => c.delete(KEY, opt()), { code: 'NoSuchVersion', status: 404 });
    await expectOssError(() => c.getACL(KEY, opt()), { code: 'NoSuchVersion', status: 404 });
    await expectOssError(() => c.getObjectTagging(KEY, opt()), { code: 'NoSuchVersion', status: 404 });
    await expectOssError(() => c.putObjectTagging(KEY, { z: '9' }, opt()), { code: 'NoSuchVersion', status: 404 });
    await expectOssError(() => c.restore(KEY, { type: 'Archive', ...opt() }), { code: 'NoSuchVersion', status: 404 });
    await unchanged();
  });
});

describe('versionId elsewhere', () => {
  before(fresh);

  test('CopyObject and UploadPartCopy: a copy source version that does not exist', async () => {
    await expectOssError(() => c.copy('copied.txt', KEY, { versionId: VID }),
      { code: 'NoSuchVersion', status: 404 });
    await expectOssError(() => c.head('copied.txt'), { status: 404 });
    await c.copy('copied.txt', KEY, { versionId: 'null' });
    assert.equal(String((await c.get('copied.txt')).content), 'current');
    const up = await c.initMultipartUpload('parts.bin');
    const r = await signedRaw(d, { method: 'PUT', bucket: BUCKET, key: 'parts.bin',
      query: { partNumber: '1', uploadId: up.uploadId },
      headers: { 'x-oss-copy-source': `/${BUCKET}/${KEY}?versionId=${VID}` } });
    assert.equal(r.status, 404);
    assert.equal(xmlText(r.body, 'Code'), 'NoSuchVersion');
    const parts = await c.listParts('parts.bin', up.uploadId);
    assert.equal((parts.parts || []).length, 0);
    await c.abortMultipartUpload('parts.bin', up.uploadId);
  });

  test('DeleteMultipleObjects: an entry naming a version that does not exist deletes nothing', async () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>false</Quiet>
      <Object><Key>${KEY}</Key><VersionId>${VID}</VersionId></Object></Delete>`;
    const r = await signedRaw(d, { method: 'POST', bucket: BUCKET, query: { delete: '' },
      headers: { 'content-type': 'application/xml', 'content-md5': require('node:crypto').createHash('md5').update(body).digest('base64') },
      body });
    assert.equal(r.status, 200, String(r.body));
    assert.equal(xmlText(r.body, 'VersionId'), VID);
    await unchanged();
    const bad = body.replace(VID, '');
    const r2 = await signedRaw(d, { method: 'POST', bucket: BUCKET, query: { delete: '' },
      headers: { 'content-type': 'application/xml', 'content-md5': require('node:crypto').createHash('md5').update(bad).digest('base64') },
      body: bad });
    assert.equal(r2.status, 400);
    await unchanged();
  });

  test('operations that take no versionId refuse it instead of ignoring it', async () => {
    let r = await signedRaw(d, { method: 'PUT', bucket: BUCKET, key: KEY, query: { versionId: VID },
      body: 'overwrite' });
    assert.equal(r.status, 400);
    assert.equal(xmlText(r.body, 'Code'), 'InvalidArgument');
    assert.equal(xmlText(r.body, 'ArgumentName'), 'versionId');
    r = await signedRaw(d, { method: 'POST', bucket: BUCKET, key: 'app.log',
      query: { append: '', position: '0', versionId: 'null' }, body: 'x' });
    assert.equal(r.status, 400);
    r = await signedRaw(d, { method: 'DELETE', bucket: BUCKET, query: { versionId: VID } });
    assert.equal(r.status, 400);
    assert.equal((await c.getBucketInfo(BUCKET)).bucket.Name, BUCKET);
    await unchanged();
  });
});
