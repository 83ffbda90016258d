// Presigned URLs (ali-oss signatureUrl / signatureUrlV4, path style since
// ali-oss refuses an IP endpoint for them) and isolation between accounts:
// a second account cannot read, write, list or delete the first one's
// private objects and sees only its own buckets (spec oss-api.md §5.1,
// §1.4 AccessDenied), with V1 and V4 signatures and both addressing modes.
'use strict';
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const {
  startDaemon, ossClient, raw, expectOssError, xmlText, v4Sign, isoBasic, encodeKey, COMBOS,
} = require('./lib/coffer');

let d;
let bob;
before(async () => {
  d = await startDaemon();
  bob = JSON.parse(d.coffer('account', 'create', 'bob', '--json'));
});
after(async () => {
  assert.equal(await d.stop(), 0);
  fs.rmSync(d.dataDir, { recursive: true, force: true });
});

// Fetches a URL produced by ali-oss with a plain HTTP request.
function fetchUrl(url, { method = 'GET', headers = {}, body } = {}) {
  const u = new URL(url);
  assert.equal(u.hostname, 'localhost');
  return raw(d, { method, path: `${u.pathname}${u.search}`, headers: { host: u.host, ...headers }, body });
}

describe('presigned URLs', () => {
  const bucket = 'presign-bkt';
  let c;
  before(async () => {
    c = ossClient(d, { bucket, mode: 'path' });
    await c.putBucket(bucket);
    await c.put('dir/pre signed+ü.txt', Buffer.from('presigned content'));
  });

  test('V1 signatureUrl GET works and carries OSSAccessKeyId/Expires/Signature', async () => {
    const url = c.signatureUrl('dir/pre signed+ü.txt', { expires: 600 });
    const u = new URL(url);
    assert.equal(u.pathname, `/${bucket}/dir/pre%20signed%2B%C3%BC.txt`);
    assert.equal(u.searchParams.get('OSSAccessKeyId'), d.ak);
    assert.ok(Math.abs(Number(u.searchParams.get('Expires')) - (Date.now() / 1000 + 600)) < 5);
    const r = await fetchUrl(url);
    assert.equal(r.status, 200, String(r.body));
    assert.equal(String(r.body), 'presigned content');
    // A HEAD with a GET signature fails the signature, not the lookup.
    const h = await fetchUrl(url, { method: 'HEAD' });
    assert.equal(h.status, 403);
    assert.equal(h.headers['x-oss-ec'], '0002-00000040');
  });

  test('V1 signatureUrl with response-* overrides and for PUT', async () => {
    const url = c.signatureUrl('dir/pre signed+ü.txt', {
      response: { 'content-type': 'text/x-presigned', 'content-disposition': 'attachment' },
    });
    const r = await fetchUrl(url);
    assert.equal(r.status, 200, String(r.body));
    assert.equal(r.headers['content-type'], 'text/x-presigned');
    assert.equal(r.headers['content-disposition'], 'attachment');
    const put = c.signatureUrl('uploaded.txt', { method: 'PUT', 'Content-Type': 'text/plain' });
    const p = await fetchUrl(put, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'via url' });
    assert.equal(p.status, 200, String(p.body));
    assert.deepEqual((await c.get('uploaded.txt')).content, Buffer.from('via url'));
  });

  test('expired, tampered and incomplete V1 URLs are refused', async () => {
    const expired = c.signatureUrl('dir/pre signed+ü.txt', { expires: -10 });
    let r = await fetchUrl(expired);
    assert.equal(r.status, 403);
    assert.equal(xmlText(r.body, 'Code'), 'AccessDenied');
    assert.equal(xmlText(r.body, 'Message'), 'Request has expired.');
    assert.equal(r.headers['x-oss-ec'], xmlText(r.body, 'EC'));

    const good = new URL(c.signatureUrl('dir/pre signed+ü.txt'));
    const tampered = new URL(good);
    tampered.searchParams.set('Signature', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    r = await fetchUrl(tampered.toString());
    assert.equal(r.status, 403);
    assert.equal(xmlText(r.body, 'Code'), 'SignatureDoesNotMatch');
    assert.equal(xmlText(r.body, 'EC'), '0002-00000040');
    assert.equal(xmlText(r.body, 'SignatureProvided'), 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    assert.equal(xmlText(r.body, 'StringToSign'), `GET\n\n\n${good.searchParams.get('Expires')}\n/${bucket}/dir/pre signed+ü.txt`);

    // Another key with the same signature.
    const moved = new URL(good);
    moved.pathname = `/${bucket}/other.txt`;
    r = await fetchUrl(moved.toString());
    assert.equal(r.status, 403);
    assert.equal(xmlText(r.body, 'Code'), 'SignatureDoesNotMatch');

    const incomplete = new URL(good);
    incomplete.searchParams.delete('Signature');
    r = await fetchUrl(incomplete.toString());
    assert.equal(r.status, 403);
    assert.equal(xmlText(r.body, 'Code'), 'AccessDenied');
    assert.equal(xmlText(r.body, 'Message'),
      'Query string authentication requires the Signature, Expires and OSSAccessKeyId parameters');

    const unknown = new URL(good);
    unknown.searchParams.set('OSSAccessKeyId', 'LTAI5tNoSuchKey0000000');
    r = await fetchUrl(unknown.toString());
    assert.equal(r.status, 403);
    assert.equal(xmlText(r.body, 'Code'), 'InvalidAccessKeyId');
  });

  test('V4 signatureUrlV4 GET works; expired is refused', async () => {
    const c4 = ossClient(d, { bucket, mode: 'path', v4: true });
    const url = await c4.signatureUrlV4('GET', 600, undefined, 'dir/pre signed+ü.txt');
    assert.equal(new URL(url).searchParams.get('x-oss-signature-version'), 'OSS4-HMAC-SHA256');
    const r = await fetchUrl(url);
    assert.equal(r.status, 200, String(r.body));
    assert.equal(String(r.body), 'presigned content');
    const bad = new URL(url);
    bad.searchParams.set('x-oss-signature', '0'.repeat(64));
    const r2 = await fetchUrl(bad.toString());
    assert.equal(r2.status, 403);
    assert.equal(xmlText(r2.body, 'Code'), 'SignatureDoesNotMatch');
    assert.equal(xmlText(r2.body, 'EC'), '0002-00000201');
    // Our own presigning (spec §5.2) agrees with the server ...
    const key = 'dir/pre signed+ü.txt';
    const presign = (signedAt, expires) => {
      const xdate = isoBasic(signedAt);
      const query = {
        'x-oss-credential': `${d.ak}/${xdate.slice(0, 8)}/cn-hangzhou/oss/aliyun_v4_request`,
        'x-oss-date': xdate, 'x-oss-expires': String(expires), 'x-oss-signature-version': 'OSS4-HMAC-SHA256',
      };
      const s4 = v4Sign({ method: 'GET', bucket, key, query, headers: {}, ak: d.ak, sk: d.sk, xdate });
      const u = new URL(`http://localhost:${d.port}/${bucket}/${encodeKey(key)}`);
      for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
      u.searchParams.set('x-oss-signature', s4.signature);
      return u.toString();
    };
    const fresh = await fetchUrl(presign(new Date(), 600));
    assert.equal(fresh.status, 200, String(fresh.body));
    // ... so a correctly signed URL from 700 s ago with a 600 s lifetime
    // fails on its age alone.
    const r3 = await fetchUrl(presign(new Date(Date.now() - 700e3), 600));
    assert.equal(r3.status, 403);
    assert.equal(xmlText(r3.body, 'Code'), 'AccessDenied');
    assert.equal(xmlText(r3.body, 'Message'), 'Request has expired.');
    const r4 = await fetchUrl(presign(new Date(Date.now() - 500e3), 600));
    assert.equal(r4.status, 200, String(r4.body));
  });
});

for (const { v4, mode, tag } of COMBOS) {
  describe(`second account, ${tag}`, () => {
    const rootBucket = `root-${tag}`;
    const bobBucket = `bob-${tag}`;
    let root;
    let asBob;
    before(async () => {
      root = ossClient(d, { bucket: rootBucket, v4, mode });
      await root.putBucket(rootBucket);
      await root.put('private.txt', Buffer.from('root only'));
      asBob = ossClient(d, { bucket: rootBucket, v4, mode, ak: bob.AccessKeyId, sk: bob.AccessKeySecret });
      const own = ossClient(d, { bucket: bobBucket, v4, mode, ak: bob.AccessKeyId, sk: bob.AccessKeySecret });
      await own.putBucket(bobBucket);
      await own.put('bob.txt', Buffer.from('bob'));
    });

    test('cannot read, write, list or delete the other account\'s private objects', async () => {
      const deny = { code: 'AccessDenied', status: 403, ec: '0003-00000001' };
      const e = await expectOssError(() => asBob.get('private.txt'), deny);
      assert.equal(e.message, 'You have no right to access this object because of bucket acl.');
      await expectOssError(() => asBob.head('private.txt'), deny);
      await expectOssError(() => asBob.getObjectMeta('private.txt'), { code: 'AccessDenied', status: 403 });
      await expectOssError(() => asBob.delete('private.txt'), deny);
      await expectOssError(() => asBob.deleteMulti(['private.txt']), { code: 'AccessDenied', status: 403 });
      await expectOssError(() => asBob.put('private.txt', Buffer.from('bob was here')), deny);
      await expectOssError(() => asBob.put('bobs-new.txt', Buffer.from('x')), deny);
      await expectOssError(() => asBob.list({ 'max-keys': 10 }), { code: 'AccessDenied', status: 403 });
      await expectOssError(() => asBob.getBucketInfo(rootBucket), { code: 'AccessDenied', status: 403 });
      await expectOssError(() => asBob.deleteBucket(rootBucket), { code: 'AccessDenied', status: 403 });
      // Nothing changed.
      const g = await root.get('private.txt');
      assert.deepEqual(g.content, Buffer.from('root only'));
      assert.deepEqual((await root.list({ 'max-keys': 10 })).objects.map((o) => o.name), ['private.txt']);
    });

    test('listBuckets shows each account only its own buckets', async () => {
      const bobSvc = ossClient(d, { v4, mode, ak: bob.AccessKeyId, sk: bob.AccessKeySecret });
      const mine = (await bobSvc.listBuckets({ prefix: 'bob-' })).buckets.map((b) => b.name);
      assert.deepEqual(mine, COMBOS.slice(0, COMBOS.findIndex((x) => x.tag === tag) + 1).map((x) => `bob-${x.tag}`).sort());
      const all = (await bobSvc.listBuckets()).buckets.map((b) => b.name);
      assert.ok(all.every((n) => n.startsWith('bob-')), all.join());
      const rootSvc = ossClient(d, { v4, mode });
      const rootNames = (await rootSvc.listBuckets()).buckets.map((b) => b.name);
      assert.ok(rootNames.includes(rootBucket));
      assert.ok(!rootNames.some((n) => n.startsWith('bob-')), rootNames.join());
      // The owner reported is the account's.
      const l = await bobSvc.listBuckets({ prefix: bobBucket });
      assert.equal(l.owner.id, bob.AccountId);
    });
  });
}

test('a public-read bucket: anonymous GET works, anonymous PUT and DELETE do not', async () => {
  const c = ossClient(d, { bucket: 'public-bkt' });
  await c.putBucket('public-bkt', { acl: 'public-read' });
  await c.put('open.txt', Buffer.from('open'));
  const host = 'public-bkt.oss-cn-hangzhou.aliyuncs.com';
  const g = await raw(d, { path: '/open.txt', headers: { host } });
  assert.equal(g.status, 200);
  assert.equal(String(g.body), 'open');
  const p = await raw(d, { method: 'PUT', path: '/open.txt', headers: { host }, body: 'x' });
  assert.equal(p.status, 403);
  assert.equal(xmlText(p.body, 'Code'), 'AccessDenied');
  const del = await raw(d, { method: 'DELETE', path: '/open.txt', headers: { host } });
  assert.equal(del.status, 403);
  assert.deepEqual((await c.get('open.txt')).content, Buffer.from('open'));
  // Bob may read it too, but not write.
  const asBob = ossClient(d, { bucket: 'public-bkt', ak: bob.AccessKeyId, sk: bob.AccessKeySecret });
  assert.deepEqual((await asBob.get('open.txt')).content, Buffer.from('open'));
  await expectOssError(() => asBob.put('open.txt', Buffer.from('x')), { code: 'AccessDenied', status: 403 });
});
