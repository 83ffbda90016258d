// Bucket default encryption and SSE-AES256 (spec oss-api.md §3.10, §4;
// clients.md §1.5): PUT/GET/DELETE /?encryption, the default applied to
// every upload path that carries no SSE header, the echoed
// x-oss-server-side-encryption, KMSMasterKeyID without KMS → 400, bad
// algorithms → 400, and no plaintext on disk. SSE-KMS and the key-state
// conflicts are tested elsewhere.
'use strict';
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const {
  startDaemon, ossClient, expectOssError, signedRaw, xmlText, walkFiles,
} = require('./lib/coffer');

let d;
before(async () => { d = await startDaemon(); });
after(async () => { assert.equal(await d.stop(), 0); });

const SSE = 'x-oss-server-side-encryption';
const SIGS = [
  { v4: false, mode: 'ip', tag: 'V1' },
  { v4: true, mode: 'path', tag: 'V4' },
];

for (const { v4, mode, tag } of SIGS) {
  describe(tag, () => {
    const bucket = `enc-${tag.toLowerCase()}`;
    let c;
    before(async () => {
      c = ossClient(d, { bucket, v4, mode });
      await c.putBucket(bucket);
    });

    test('no rule: 404 NoSuchServerSideEncryptionRule, objects report no SSE', async () => {
      const e = await expectOssError(() => c.getBucketEncryption(bucket),
        { code: 'NoSuchServerSideEncryptionRule', status: 404 });
      assert.equal(e.message, 'The server side encryption configuration was not found.');
      const p = await c.put('plain.txt', Buffer.from('p'));
      assert.equal(p.res.headers[SSE], undefined);
      assert.equal((await c.head('plain.txt')).res.headers[SSE], undefined);
      // An explicit header is honoured and echoed.
      const p2 = await c.put('explicit.txt', Buffer.from('e'), { headers: { [SSE]: 'AES256' } });
      assert.equal(p2.res.headers[SSE], 'AES256');
      assert.equal((await c.head('explicit.txt')).res.headers[SSE], 'AES256');
      assert.equal((await c.get('explicit.txt')).res.headers[SSE], 'AES256');
    });

    test('AES256 default: put (200) / get; applied to put, append, multipart and copy without SSE headers', async () => {
      const r = await c.putBucketEncryption(bucket, { SSEAlgorithm: 'AES256' });
      assert.equal(r.res.status, 200);
      const g = await c.getBucketEncryption(bucket);
      assert.equal(g.encryption.SSEAlgorithm, 'AES256');
      assert.equal(g.encryption.KMSMasterKeyID, undefined);
      const info = await c.getBucketInfo(bucket);
      assert.equal(info.bucket.ServerSideEncryptionRule.SSEAlgorithm, 'AES256');

      const data = Buffer.from('default encrypted');
      const p = await c.put('d-put.txt', data);
      assert.equal(p.res.headers[SSE], 'AES256');
      const h = await c.head('d-put.txt');
      assert.equal(h.res.headers[SSE], 'AES256');
      const gg = await c.get('d-put.txt');
      assert.deepEqual(gg.content, data);
      assert.equal(gg.res.headers[SSE], 'AES256');

      await c.append('d-app.txt', Buffer.from('a'));
      assert.equal((await c.head('d-app.txt')).res.headers[SSE], 'AES256');

      const { uploadId } = await c.initMultipartUpload('d-mpu.txt');
      const part = await c.uploadPart('d-mpu.txt', uploadId, 1, Buffer.from('m'), 0, 1);
      await c.completeMultipartUpload('d-mpu.txt', uploadId, [{ number: 1, etag: part.etag }]);
      assert.equal((await c.head('d-mpu.txt')).res.headers[SSE], 'AES256');

      await c.copy('d-copy.txt', 'plain.txt');
      assert.equal((await c.head('d-copy.txt')).res.headers[SSE], 'AES256');
      assert.deepEqual((await c.get('d-copy.txt')).content, Buffer.from('p'));
    });

    test('delete → 204, then 404; objects keep the SSE they were written with', async () => {
      const r = await c.deleteBucketEncryption(bucket);
      assert.equal(r.res.status, 204);
      await expectOssError(() => c.getBucketEncryption(bucket), { code: 'NoSuchServerSideEncryptionRule', status: 404 });
      assert.equal((await c.head('d-put.txt')).res.headers[SSE], 'AES256');
      await c.put('after.txt', Buffer.from('a'));
      assert.equal((await c.head('after.txt')).res.headers[SSE], undefined);
      // Appending to an object written under the rule keeps its encryption.
      await c.append('d-app.txt', Buffer.from('b'), { position: 1 });
      assert.equal((await c.head('d-app.txt')).res.headers[SSE], 'AES256');
      assert.deepEqual((await c.get('d-app.txt')).content, Buffer.from('ab'));
    });

    test('KMSMasterKeyID with AES256 → 400 (EC 0005-00000204); bad algorithm → 400; rule unchanged', async () => {
      await c.putBucketEncryption(bucket, { SSEAlgorithm: 'AES256' });
      const e = await expectOssError(() => c.putBucketEncryption(bucket,
        { SSEAlgorithm: 'AES256', KMSMasterKeyID: '9468da86-3509-4f8d-a61e-6eab1eac0001' }),
      { code: 'InvalidArgument', status: 400, ec: '0005-00000204' });
      assert.equal(e.message, 'KMSMasterKeyID is not applicable if the default sse algorithm is not KMS.');
      await expectOssError(() => c.putBucketEncryption(bucket, { SSEAlgorithm: 'DES' }), { status: 400 });
      assert.equal((await c.getBucketEncryption(bucket)).encryption.SSEAlgorithm, 'AES256');
      await c.deleteBucketEncryption(bucket);
    });
  });
}

describe('raw requests', () => {
  const bucket = 'enc-raw';
  let c;
  before(async () => {
    c = ossClient(d, { bucket });
    await c.putBucket(bucket);
  });
  const putRule = (body) => signedRaw(d, { method: 'PUT', bucket, query: { encryption: '' }, v4: true,
    headers: { 'content-type': 'application/xml' }, body });

  test('GET /?encryption XML; malformed rule → 400 MalformedXML', async () => {
    const ok = await putRule('<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></ServerSideEncryptionRule>');
    assert.equal(ok.status, 200, ok.body.toString());
    const g = await signedRaw(d, { bucket, query: { encryption: '' }, v4: true });
    assert.equal(g.status, 200);
    assert.match(String(g.body), /<ServerSideEncryptionRule>\s*<ApplyServerSideEncryptionByDefault>\s*<SSEAlgorithm>AES256<\/SSEAlgorithm>/);
    const bad = await putRule('<ServerSideEncryptionRule><ApplyServerSideEncryption');
    assert.equal(bad.status, 400);
    assert.equal(xmlText(bad.body, 'Code'), 'MalformedXML');
    const del = await signedRaw(d, { method: 'DELETE', bucket, query: { encryption: '' }, v4: true });
    assert.equal(del.status, 204);
  });

  test('invalid x-oss-server-side-encryption on PUT → 400 InvalidEncryptionAlgorithmError', async () => {
    const r = await signedRaw(d, { method: 'PUT', bucket, key: 'bad-sse.txt', headers: { [SSE]: 'ROT13' }, body: 'x' });
    assert.equal(r.status, 400, r.body.toString());
    assert.equal(xmlText(r.body, 'Code'), 'InvalidEncryptionAlgorithmError');
    assert.equal((await signedRaw(d, { method: 'HEAD', bucket, key: 'bad-sse.txt' })).status, 404);
  });

  test('SSE-AES256 objects are not stored in plaintext', async () => {
    const marker = Buffer.from('COFFER-PLAINTEXT-MARKER-0123456789-'.repeat(3000));
    await c.put('secret.bin', marker, { headers: { [SSE]: 'AES256' } });
    await c.append('secret-app.bin', marker, { headers: { [SSE]: 'AES256' } });
    const needle = Buffer.from('COFFER-PLAINTEXT-MARKER-0123456789-COFFER');
    for (const f of walkFiles(d.dataDir)) {
      const st = fs.statSync(f);
      if (st.size > 256 * 1024 * 1024) continue;
      assert.equal(fs.readFileSync(f).indexOf(needle), -1, `plaintext found in ${f}`);
    }
    assert.ok((await c.get('secret.bin')).content.equals(marker));
  });
});
