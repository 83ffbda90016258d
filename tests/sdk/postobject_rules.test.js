// PostObject commits through PutObject's own write path (object_put_* in
// daemon/oss/object_ops.c), so each conflict PutObject answers reaches a
// form upload as the same document: forbid-overwrite (409
// FileAlreadyExists), a locked bucket retention policy (409 FileImmutable)
// and SSE-KMS under a disabled CMK (409 KeyDisabled). Each case sends the
// PUT with ali-oss and the form by hand and compares status, Code, Message
// and EC; the stored object is left as it was.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDaemon, ossClient, expectOssError, xmlText } = require('./lib/coffer');
const { v1Client, KMS } = require('./lib/kms');
const { form, post, signedV1 } = require('./lib/form');

let d;
let root;
before(async () => {
  d = await startDaemon();
  root = ossClient(d);
});
after(async () => { if (d) assert.equal(await d.stop(), 0); });

// The form's error document against the error ali-oss decoded from the PUT.
function sameAsPut(r, putErr, want) {
  const body = r.body.toString();
  assert.equal(r.status, want.status, body);
  assert.equal(xmlText(body, 'Code'), want.code);
  assert.equal(xmlText(body, 'EC'), want.ec);
  assert.equal(r.headers['x-oss-ec'], want.ec);
  assert.equal(r.status, putErr.status);
  assert.equal(xmlText(body, 'Code'), putErr.code);
  assert.equal(xmlText(body, 'Message'), putErr.message);
  assert.equal(xmlText(body, 'EC'), putErr.ecCode);
}

async function bucket(name) {
  await root.putBucket(name);
  return ossClient(d, { bucket: name });
}

test('x-oss-forbid-overwrite form field: 409 FileAlreadyExists as PutObject gives it', async () => {
  const c = await bucket('post-fo');
  await c.put('k', Buffer.from('first'));
  const want = { status: 409, code: 'FileAlreadyExists', ec: '0026-00000002' };
  const putErr = await expectOssError(() => c.put('k', Buffer.from('x'),
    { headers: { 'x-oss-forbid-overwrite': 'true' } }), want);
  const r = await post(d, 'post-fo', form({ key: 'k', ...signedV1(d, root, [{ bucket: 'post-fo' }]),
    'x-oss-forbid-overwrite': 'true' }, 'second'));
  sameAsPut(r, putErr, want);
  assert.equal((await c.get('k')).content.toString(), 'first');
  // false, and a new key, go through.
  let ok = await post(d, 'post-fo', form({ key: 'k', ...signedV1(d, root, [{ bucket: 'post-fo' }]),
    'x-oss-forbid-overwrite': 'false' }, 'third'));
  assert.equal(ok.status, 204, ok.body.toString());
  ok = await post(d, 'post-fo', form({ key: 'k2', ...signedV1(d, root, [{ bucket: 'post-fo' }]),
    'x-oss-forbid-overwrite': 'true' }, 'new'));
  assert.equal(ok.status, 204, ok.body.toString());
  assert.equal((await c.get('k')).content.toString(), 'third');
  assert.equal((await c.get('k2')).content.toString(), 'new');
  // A bad value is refused as PutObject refuses it.
  const bad = await expectOssError(() => c.put('k3', Buffer.from('x'), { headers: { 'x-oss-forbid-overwrite': 'maybe' } }), {});
  const rb = await post(d, 'post-fo', form({ key: 'k3', ...signedV1(d, root, [{ bucket: 'post-fo' }]),
    'x-oss-forbid-overwrite': 'maybe' }));
  assert.equal(rb.status, bad.status);
  assert.equal(xmlText(rb.body.toString(), 'Code'), bad.code);
});

test('bucket with a locked retention policy: 409 FileImmutable as PutObject gives it', async () => {
  const c = await bucket('post-worm');
  const { wormId } = await c.initiateBucketWorm('post-worm', 1);
  assert.equal((await c.completeBucketWorm('post-worm', wormId)).status, 200);
  await c.put('rec.txt', Buffer.from('the record'));
  const want = { status: 409, code: 'FileImmutable', ec: '0026-00000005' };
  const putErr = await expectOssError(() => c.put('rec.txt', Buffer.from('overwritten')), want);
  assert.equal(putErr.message, 'The object you specified is immutable.');
  const r = await post(d, 'post-worm', form({ key: 'rec.txt', ...signedV1(d, root, [{ bucket: 'post-worm' }]) },
    'overwritten'));
  sameAsPut(r, putErr, want);
  assert.equal((await c.get('rec.txt')).content.toString(), 'the record');
  // A new key is still written.
  const ok = await post(d, 'post-worm', form({ key: 'new.txt', ...signedV1(d, root, [{ bucket: 'post-worm' }]) },
    'new'));
  assert.equal(ok.status, 204, ok.body.toString());
  assert.equal((await c.get('new.txt')).content.toString(), 'new');
});

test('SSE-KMS with a disabled CMK: 409 KeyDisabled as PutObject gives it; enabled again, the form writes', async () => {
  const c = await bucket('post-kms');
  const kms = v1Client(d);
  const key = (await kms.createKey(new KMS.CreateKeyRequest({}))).keyMetadata.keyId;
  await kms.disableKey(new KMS.DisableKeyRequest({ keyId: key }));
  const sse = { 'x-oss-server-side-encryption': 'KMS', 'x-oss-server-side-encryption-key-id': key };
  const want = { status: 409, code: 'KeyDisabled', ec: '0005-00000214' };
  const putErr = await expectOssError(() => c.put('enc.txt', Buffer.from('x'), { headers: sse }), want);
  const r = await post(d, 'post-kms', form({ key: 'enc.txt', ...signedV1(d, root, [{ bucket: 'post-kms' }]), ...sse }));
  sameAsPut(r, putErr, want);
  await expectOssError(() => c.head('enc.txt'), { status: 404 });

  await kms.enableKey(new KMS.EnableKeyRequest({ keyId: key }));
  const ok = await post(d, 'post-kms', form({ key: 'enc.txt', ...signedV1(d, root, [{ bucket: 'post-kms' }]), ...sse },
    'sealed'));
  assert.equal(ok.status, 204, ok.body.toString());
  assert.equal(ok.headers['x-oss-server-side-encryption'], 'KMS');
  assert.equal(ok.headers['x-oss-server-side-encryption-key-id'], key);
  const g = await c.get('enc.txt');
  assert.equal(g.content.toString(), 'sealed');
  assert.equal(g.res.headers['x-oss-server-side-encryption-key-id'], key);
});

test('versioned bucket: the form gets a version id, as PutObject does', async () => {
  const c = await bucket('post-ver');
  await c.putBucketVersioning('post-ver', 'Enabled');
  const p = await c.put('v', Buffer.from('one'));
  const r = await post(d, 'post-ver', form({ key: 'v', ...signedV1(d, root, [{ bucket: 'post-ver' }]),
    'x-oss-forbid-overwrite': 'true' }, 'two'));
  assert.equal(r.status, 204, r.body.toString());
  const vid = r.headers['x-oss-version-id'];
  assert.ok(vid && vid !== p.res.headers['x-oss-version-id']);
  assert.equal((await c.get('v')).content.toString(), 'two');
  assert.equal((await c.get('v', { versionId: p.res.headers['x-oss-version-id'] })).content.toString(), 'one');
});
