// Object tagging through ali-oss and hand-signed requests (spec oss-api.md
// §3.9; clients.md §1.5): put/get/delete, the x-oss-tagging header on
// upload, x-oss-tagging-count, the real limits (10 tags, key ≤ 128, value
// ≤ 256, unique keys), and that tag changes keep Last-Modified and ETag.
'use strict';
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  startDaemon, ossClient, expectOssError, signedRaw, xmlText, xmlAll,
} = require('./lib/coffer');

let d;
before(async () => { d = await startDaemon(); });
after(async () => { assert.equal(await d.stop(), 0); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tagXml = (pairs) => `<Tagging><TagSet>${pairs.map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join('')}</TagSet></Tagging>`;

const SIGS = [
  { v4: false, mode: 'ip', tag: 'V1' },
  { v4: true, mode: 'path', tag: 'V4' },
];

for (const { v4, mode, tag } of SIGS) {
  describe(tag, () => {
    const bucket = `tag-${tag.toLowerCase()}`;
    let c;
    before(async () => {
      c = ossClient(d, { bucket, v4, mode });
      await c.putBucket(bucket);
    });

    test('put (200) / get / delete (204); a single tag; empty TagSet after delete', async () => {
      await c.put('t.txt', Buffer.from('t'));
      assert.deepEqual((await c.getObjectTagging('t.txt')).tag, {});
      const p = await c.putObjectTagging('t.txt', { a: '1', 'Key With Space': 'v:/+-=._', A: 'upper' });
      assert.equal(p.res.status, 200);
      const g = await c.getObjectTagging('t.txt');
      assert.equal(g.res.status, 200);
      assert.deepEqual(g.tag, { a: '1', 'Key With Space': 'v:/+-=._', A: 'upper' });
      assert.equal((await c.head('t.txt')).res.headers['x-oss-tagging-count'], '3');
      // PUT replaces the whole set; one element is not an array in xml2js.
      await c.putObjectTagging('t.txt', { only: 'one' });
      assert.deepEqual((await c.getObjectTagging('t.txt')).tag, { only: 'one' });
      const del = await c.deleteObjectTagging('t.txt');
      assert.equal(del.res.status, 204);
      assert.deepEqual((await c.getObjectTagging('t.txt')).tag, {});
      const h = await c.head('t.txt');
      assert.ok(h.res.headers['x-oss-tagging-count'] === undefined || h.res.headers['x-oss-tagging-count'] === '0');
      // Deleting again is still 204.
      assert.equal((await c.deleteObjectTagging('t.txt')).res.status, 204);
    });

    test('x-oss-tagging on put and append; x-oss-tagging-count on HEAD and GET', async () => {
      await c.put('h.txt', Buffer.from('h'), { headers: { 'x-oss-tagging': 'a=1&b=2&c=x%20y' } });
      assert.deepEqual((await c.getObjectTagging('h.txt')).tag, { a: '1', b: '2', c: 'x y' });
      assert.equal((await c.head('h.txt')).res.headers['x-oss-tagging-count'], '3');
      assert.equal((await c.get('h.txt')).res.headers['x-oss-tagging-count'], '3');
      // A PUT over the key replaces the tags with the new request's.
      await c.put('h.txt', Buffer.from('h2'), { headers: { 'x-oss-tagging': 'z=26' } });
      assert.deepEqual((await c.getObjectTagging('h.txt')).tag, { z: '26' });
      await c.put('h.txt', Buffer.from('h3'));
      assert.deepEqual((await c.getObjectTagging('h.txt')).tag, {});
      await c.append('ap.txt', Buffer.from('x'), { headers: { 'x-oss-tagging': 'k=v' } });
      assert.deepEqual((await c.getObjectTagging('ap.txt')).tag, { k: 'v' });
      // Multipart: tags given at initiate.
      const { uploadId } = await c.initMultipartUpload('mp.txt', { headers: { 'x-oss-tagging': 'm=p' } });
      const part = await c.uploadPart('mp.txt', uploadId, 1, Buffer.from('mp'), 0, 2);
      await c.completeMultipartUpload('mp.txt', uploadId, [{ number: 1, etag: part.etag }]);
      assert.deepEqual((await c.getObjectTagging('mp.txt')).tag, { m: 'p' });
    });

    test('tag changes keep Last-Modified and ETag', async () => {
      await c.put('lm.txt', Buffer.from('last modified'));
      const h0 = await c.head('lm.txt');
      await sleep(1100);
      await c.putObjectTagging('lm.txt', { x: '1' });
      const h1 = await c.head('lm.txt');
      assert.equal(h1.res.headers['last-modified'], h0.res.headers['last-modified']);
      assert.equal(h1.res.headers.etag, h0.res.headers.etag);
      await c.deleteObjectTagging('lm.txt');
      const h2 = await c.head('lm.txt');
      assert.equal(h2.res.headers['last-modified'], h0.res.headers['last-modified']);
      const l = await c.list({ prefix: 'lm.txt' });
      assert.equal(new Date(l.objects[0].lastModified).toUTCString(), h0.res.headers['last-modified']);
    });

    test('missing object → 404 NoSuchKey for put/get/delete tagging', async () => {
      await expectOssError(() => c.putObjectTagging('none.txt', { a: '1' }), { code: 'NoSuchKey', status: 404 });
      await expectOssError(() => c.getObjectTagging('none.txt'), { code: 'NoSuchKey', status: 404 });
      await expectOssError(() => c.deleteObjectTagging('none.txt'), { code: 'NoSuchKey', status: 404 });
    });
  });
}

describe('limits (raw requests, ali-oss checks them locally)', () => {
  const bucket = 'tag-raw';
  let c;
  before(async () => {
    c = ossClient(d, { bucket });
    await c.putBucket(bucket);
    await c.put('o.txt', Buffer.from('o'));
    await c.putObjectTagging('o.txt', { before: 'yes' });
  });
  const putTags = (body, key = 'o.txt') => signedRaw(d, { method: 'PUT', bucket, key, query: { tagging: '' },
    headers: { 'content-type': 'application/xml' }, body });
  const expect400 = async (body, what) => {
    const r = await putTags(body);
    assert.equal(r.status, 400, `${what}: ${r.status} ${r.body}`);
    assert.ok(xmlText(r.body, 'Code'), `${what}: error code`);
    assert.deepEqual((await c.getObjectTagging('o.txt')).tag, { before: 'yes' }, `${what}: tags changed`);
    return r;
  };

  test('10 tags OK, 11 tags → 400', async () => {
    const ten = Array.from({ length: 10 }, (_, i) => [`k${i}`, `v${i}`]);
    const ok = await putTags(tagXml(ten), 'ten.txt');
    assert.equal(ok.status, 404); // the object does not exist yet
    await c.put('ten.txt', Buffer.from('x'));
    const ok2 = await putTags(tagXml(ten), 'ten.txt');
    assert.equal(ok2.status, 200, ok2.body.toString());
    assert.equal(Object.keys((await c.getObjectTagging('ten.txt')).tag).length, 10);
    await expect400(tagXml([...ten, ['k10', 'v10']]), '11 tags');
  });

  test('key of 128 chars OK, 129 → 400; value of 256 OK, 257 → 400; empty key → 400', async () => {
    await c.put('len.txt', Buffer.from('x'));
    const ok = await putTags(tagXml([['k'.repeat(128), 'v'.repeat(256)]]), 'len.txt');
    assert.equal(ok.status, 200, ok.body.toString());
    const r = await expect400(tagXml([['k'.repeat(129), 'v']]), '129-char key');
    assert.equal(xmlText(r.body, 'Code'), 'InvalidTag');
    await expect400(tagXml([['k', 'v'.repeat(257)]]), '257-char value');
    await expect400(tagXml([['', 'v']]), 'empty key');
    // An empty value is allowed (ali-oss refuses it locally).
    const ev = await putTags(tagXml([['empty', '']]), 'len.txt');
    assert.equal(ev.status, 200, ev.body.toString());
    assert.deepEqual((await c.getObjectTagging('len.txt')).tag, { empty: '' });
  });

  test('duplicate keys → 400; keys are case-sensitive', async () => {
    await expect400(tagXml([['dup', '1'], ['dup', '2']]), 'duplicate keys');
    await c.put('case.txt', Buffer.from('x'));
    const ok = await putTags(tagXml([['Dup', '1'], ['dup', '2']]), 'case.txt');
    assert.equal(ok.status, 200, ok.body.toString());
  });

  test('malformed XML → 400 MalformedXML', async () => {
    const r = await expect400('<Tagging><TagSet><Tag><Key>a</Key>', 'truncated XML');
    assert.equal(xmlText(r.body, 'Code'), 'MalformedXML');
  });

  test('x-oss-tagging with 11 tags on put → 400 and nothing stored', async () => {
    const h = Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&');
    const r = await signedRaw(d, { method: 'PUT', bucket, key: 'hdr11.txt', headers: { 'x-oss-tagging': h }, body: 'x' });
    assert.equal(r.status, 400, r.body.toString());
    assert.equal((await signedRaw(d, { method: 'HEAD', bucket, key: 'hdr11.txt' })).status, 404);
  });

  test('GetObjectTagging XML shape', async () => {
    const r = await signedRaw(d, { bucket, key: 'o.txt', query: { tagging: '' } });
    assert.equal(r.status, 200);
    assert.match(String(r.body).replace(/>\s+</g, "><"), /<Tagging><TagSet><Tag><Key>before<\/Key><Value>yes<\/Value><\/Tag><\/TagSet><\/Tagging>/);
    assert.deepEqual(xmlAll(r.body, 'Key'), ['before']);
  });
});
