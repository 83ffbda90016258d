// SSE-KMS objects and the key-state conflicts of the 409 page (rows 13-15:
// KeyDisabled, KeyPendingDeletion, KeyPendingImport) plus KeyNotFound, on
// every path that needs the CMK: put, get, head, append, copy, multipart.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDaemon, ossClient, expectOssError } = require('./lib/coffer');
const { v1Client, KMS } = require('./lib/kms');

const B = 'sse-kms';
let d;
let c;
let c4;
let kms;

const DISABLED = { code: 'KeyDisabled', status: 409, ec: '0005-00000214' };
const PENDING_DELETION = { code: 'KeyPendingDeletion', status: 409, ec: '0005-00000215' };
const PENDING_IMPORT = { code: 'KeyPendingImport', status: 409 };
const NOT_FOUND = { code: 'KeyNotFound', status: 404 };

const kmsHeaders = (keyId) => ({ headers: { 'x-oss-server-side-encryption': 'KMS',
  ...(keyId ? { 'x-oss-server-side-encryption-key-id': keyId } : {}) } });

async function newKey(opts = {}) {
  return (await kms.createKey(new KMS.CreateKeyRequest(opts))).keyMetadata.keyId;
}

before(async () => {
  d = await startDaemon();
  c = ossClient(d, { bucket: B });
  c4 = ossClient(d, { bucket: B, v4: true });
  kms = v1Client(d);
  await c.putBucket(B);
});
after(async () => { assert.equal(await d.stop(), 0); });

test('put/get/head with a named CMK; the SSE headers are echoed', async () => {
  const key = await newKey();
  const r = await c.put('named.txt', Buffer.from('secret data'), kmsHeaders(key));
  assert.equal(r.res.headers['x-oss-server-side-encryption'], 'KMS');
  assert.equal(r.res.headers['x-oss-server-side-encryption-key-id'], key);
  const g = await c4.get('named.txt');
  assert.equal(g.content.toString(), 'secret data');
  assert.equal(g.res.headers['x-oss-server-side-encryption-key-id'], key);
  const h = await c.head('named.txt');
  assert.equal(h.res.headers['x-oss-server-side-encryption'], 'KMS');
});

test('KMS without a key id uses the account service key alias/acs/oss', async () => {
  const r = await c.put('service.txt', Buffer.from('s'), kmsHeaders());
  const id = r.res.headers['x-oss-server-side-encryption-key-id'];
  assert.match(id, /^[0-9a-f-]{36}$/);
  const again = await c.put('service2.txt', Buffer.from('s'), kmsHeaders());
  assert.equal(again.res.headers['x-oss-server-side-encryption-key-id'], id);
  const meta = (await kms.describeKey(new KMS.DescribeKeyRequest({ keyId: "alias/acs/oss" }))).keyMetadata;
  assert.equal(meta.keyId, id);
  assert.equal((await c.get('service.txt')).content.toString(), 's');
});

test('Disabled CMK: every path answers 409 KeyDisabled; EnableKey restores access', async () => {
  const key = await newKey();
  await c.put('dis.txt', Buffer.from('before'), kmsHeaders(key));
  await kms.disableKey(new KMS.DisableKeyRequest({ keyId: key }));
  await expectOssError(() => c.get('dis.txt'), DISABLED);
  await expectOssError(() => c4.get('dis.txt'), DISABLED);
  await expectOssError(() => c.put('dis2.txt', Buffer.from('x'), kmsHeaders(key)), DISABLED);
  await expectOssError(() => c.copy('dis-copy.txt', 'dis.txt'), DISABLED);
  await expectOssError(() => c.initMultipartUpload('dis-mp.txt', kmsHeaders(key)).then(
    (u) => c.uploadPart('dis-mp.txt', u.uploadId, 1, Buffer.alloc(10), 0, 10)), DISABLED);
  // HEAD carries the error in x-oss-err (no body); ali-oss decodes it.
  const e = await expectOssError(() => c.head('dis.txt'), { status: 409 });
  assert.equal(e.code, 'KeyDisabled');
  await kms.enableKey(new KMS.EnableKeyRequest({ keyId: key }));
  assert.equal((await c.get('dis.txt')).content.toString(), 'before');
});

test('PendingDeletion CMK: 409 KeyPendingDeletion; CancelKeyDeletion restores access', async () => {
  const key = await newKey();
  await c.put('pd.txt', Buffer.from('pd'), kmsHeaders(key));
  await kms.scheduleKeyDeletion(new KMS.ScheduleKeyDeletionRequest({ keyId: key, pendingWindowInDays: 7 }));
  await expectOssError(() => c.get('pd.txt'), PENDING_DELETION);
  await expectOssError(() => c.put('pd2.txt', Buffer.from('x'), kmsHeaders(key)), PENDING_DELETION);
  await kms.cancelKeyDeletion(new KMS.CancelKeyDeletionRequest({ keyId: key }));
  assert.equal((await c.get('pd.txt')).content.toString(), 'pd');
});

test('PendingImport CMK (EXTERNAL, no material): 409 KeyPendingImport', async () => {
  const key = await newKey({ origin: 'EXTERNAL' });
  const e = await expectOssError(() => c.put('pi.txt', Buffer.from('x'), kmsHeaders(key)), PENDING_IMPORT);
  assert.equal(e.message, 'The request was rejected because the key state is PendingImport.');
  await expectOssError(() => c.head('pi.txt'), { status: 404 });
});

test('unknown CMK: 404 KeyNotFound, nothing stored', async () => {
  await expectOssError(() => c.put('nf.txt', Buffer.from('x'),
    kmsHeaders('00000000-0000-4000-8000-000000000000')), NOT_FOUND);
  await expectOssError(() => c.head('nf.txt'), { status: 404 });
});

test('a destroyed CMK makes its objects unreadable for ever', async () => {
  const key = await newKey();
  await c.put('gone.txt', Buffer.from('g'), kmsHeaders(key));
  await kms.scheduleKeyDeletion(new KMS.ScheduleKeyDeletionRequest({ keyId: key, pendingWindowInDays: 7 }));
  d.clockAdvance('8d');
  await expectOssError(() => c.get('gone.txt'), NOT_FOUND);
  await expectOssError(() => c.put('gone2.txt', Buffer.from('x'), kmsHeaders(key)), NOT_FOUND);
});

test('bucket default encryption with a CMK applies to uploads without SSE headers', async () => {
  const key = await newKey();
  const bd = 'sse-kms-default';
  const cd = ossClient(d, { bucket: bd });
  await cd.putBucket(bd);
  await cd.putBucketEncryption(bd, { SSEAlgorithm: 'KMS', KMSMasterKeyID: key });
  const r = await cd.put('d.txt', Buffer.from('default'));
  assert.equal(r.res.headers['x-oss-server-side-encryption-key-id'], key);
  await kms.disableKey(new KMS.DisableKeyRequest({ keyId: key }));
  await expectOssError(() => cd.get('d.txt'), DISABLED);
  await expectOssError(() => cd.put('d2.txt', Buffer.from('x')), DISABLED);
  await kms.enableKey(new KMS.EnableKeyRequest({ keyId: key }));
  assert.equal((await cd.get('d.txt')).content.toString(), 'default');
});

test('append with KMS uses the service key; an explicit key id is refused', async () => {
  const r = await c.append('app.log', Buffer.from('a1'), kmsHeaders());
  assert.equal(r.nextAppendPosition, '2');
  await c.append('app.log', Buffer.from('a2'), { position: r.nextAppendPosition });
  assert.equal((await c.get('app.log')).content.toString(), 'a1a2');
  const key = await newKey();
  await expectOssError(() => c.append('app2.log', Buffer.from('x'), kmsHeaders(key)),
    { code: 'InvalidArgument', status: 400 });
});

test('multipart under a CMK: parts encrypted, completed object readable, blocked when disabled', async () => {
  const key = await newKey();
  const body = Buffer.alloc(250 * 1024);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7) % 256;
  await c.multipartUpload('mp.bin', body, { partSize: 100 * 1024, ...kmsHeaders(key) });
  const g = await c.get('mp.bin');
  assert.ok(g.content.equals(body));
  assert.equal(g.res.headers['x-oss-server-side-encryption-key-id'], key);
  await kms.disableKey(new KMS.DisableKeyRequest({ keyId: key }));
  await expectOssError(() => c.get('mp.bin'), DISABLED);
});

test('SM4 data encryption is refused honestly (501), not silently replaced', async () => {
  await expectOssError(() => c.put('sm4.txt', Buffer.from('x'), { headers: {
    'x-oss-server-side-encryption': 'KMS', 'x-oss-server-side-data-encryption': 'SM4' } }),
  { code: 'NotImplemented', status: 501 });
});
