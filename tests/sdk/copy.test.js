// CopyObject through ali-oss and hand-signed requests (spec oss-api.md
// §3.2 CopyObject and "Modifying object metadata", §1.3 row 8): within and
// across buckets, awkward keys, metadata and tagging directives, copy-source
// conditions (412/304), x-oss-forbid-overwrite → FileAlreadyExists (EC
// 0026-00000002), self-copy rewriting metadata only, missing sources.
'use strict';
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const {
  startDaemon, ossClient, expectOssError, signedRaw, crc64ecma, md5hex, xmlText,
} = require('./lib/coffer');

let d;
before(async () => { d = await startDaemon(); });
after(async () => { assert.equal(await d.stop(), 0); });

function seeded(n, seed) {
  const key = crypto.createHash('sha256').update(`copy-${seed}`).digest();
  return crypto.createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(n));
}

const SIGS = [
  { v4: false, mode: 'ip', tag: 'V1' },
  { v4: true, mode: 'path', tag: 'V4' },
];

for (const { v4, mode, tag } of SIGS) {
  describe(tag, () => {
    const bucket = `cp-${tag.toLowerCase()}`;
    const other = `cp-${tag.toLowerCase()}-other`;
    let c;
    let oc;
    before(async () => {
      c = ossClient(d, { bucket, v4, mode });
      oc = ossClient(d, { bucket: other, v4, mode });
      await c.putBucket(bucket);
      await oc.putBucket(other);
    });

    test('same bucket: content, ETag, CRC; default COPY directive keeps metadata and Content-Type', async () => {
      const data = seeded(70000, 'same');
      await c.put('src.bin', data, { mime: 'application/x-src', meta: { k: 'v', two: 'words here' },
        headers: { 'Cache-Control': 'no-cache' } });
      const r = await c.copy('dst.txt', 'src.bin');
      assert.equal(r.res.status, 200);
      assert.equal(r.data.etag, `"${md5hex(data)}"`);
      assert.ok(!Number.isNaN(Date.parse(r.data.lastModified)), r.data.lastModified);
      const g = await c.get('dst.txt');
      assert.ok(g.content.equals(data));
      assert.equal(g.res.headers.etag, `"${md5hex(data)}"`);
      assert.equal(g.res.headers['x-oss-hash-crc64ecma'], crc64ecma(data));
      // ali-oss sent Content-Type: text/plain from the .txt target; COPY
      // keeps the source's.
      assert.equal(g.res.headers['content-type'], 'application/x-src');
      assert.equal(g.res.headers['x-oss-meta-k'], 'v');
      assert.equal(g.res.headers['x-oss-meta-two'], 'words here');
      assert.equal(g.res.headers['cache-control'], 'no-cache');
      assert.equal(g.res.headers['x-oss-object-type'], 'Normal');
      // The source is untouched.
      assert.ok((await c.get('src.bin')).content.equals(data));
    });

    test('from another bucket, keys with space and slash (source URL-encoded as %2F)', async () => {
      const data = seeded(1234, 'other');
      await oc.put('src dir/a b.txt', data, { meta: { from: 'other' } });
      const r = await c.copy('dst dir/x y+z.txt', 'src dir/a b.txt', other);
      assert.equal(r.res.status, 200);
      const g = await c.get('dst dir/x y+z.txt');
      assert.ok(g.content.equals(data));
      assert.equal(g.res.headers['x-oss-meta-from'], 'other');
      const l = await c.list({ prefix: 'dst dir/' });
      assert.deepEqual(l.objects.map((o) => o.name), ['dst dir/x y+z.txt']);
      // And back the other way.
      await oc.copy('back/again.txt', 'dst dir/x y+z.txt', bucket);
      assert.ok((await oc.get('back/again.txt')).content.equals(data));
    });

    test('REPLACE directive: metadata comes from the request only (meta round trip)', async () => {
      await c.put('meta-src.bin', Buffer.from('meta'), { mime: 'application/x-a', meta: { old: '1', keep: 'x' } });
      const r = await c.copy('meta-dst.json', 'meta-src.bin', { meta: { fresh: 'yes', 'multi-word': 'a b c' } });
      assert.equal(r.res.status, 200);
      const h = await c.head('meta-dst.json');
      assert.deepEqual(h.meta, { fresh: 'yes', 'multi-word': 'a b c' });
      assert.equal(h.res.headers['content-type'], 'application/json');
      // The source keeps its own.
      assert.deepEqual((await c.head('meta-src.bin')).meta, { old: '1', keep: 'x' });
      // REPLACE through a replace-able header (Content-Type) without meta
      // drops the user metadata.
      await c.copy('meta-dst2.bin', 'meta-src.bin', { headers: { 'Content-Type': 'text/x-new' } });
      const h2 = await c.head('meta-dst2.bin');
      assert.equal(h2.res.headers['content-type'], 'text/x-new');
      assert.deepEqual(Object.keys(h2.res.headers).filter((k) => k.startsWith('x-oss-meta-')), []);
    });

    test('tagging directive: Copy by default, Replace with x-oss-tagging', async () => {
      await c.put('tag-src.txt', Buffer.from('t'), { headers: { 'x-oss-tagging': 'a=1&b=two%20words' } });
      assert.deepEqual((await c.getObjectTagging('tag-src.txt')).tag, { a: '1', b: 'two words' });
      await c.copy('tag-copy.txt', 'tag-src.txt');
      assert.deepEqual((await c.getObjectTagging('tag-copy.txt')).tag, { a: '1', b: 'two words' });
      await c.copy('tag-repl.txt', 'tag-src.txt', {
        headers: { 'x-oss-tagging-directive': 'Replace', 'x-oss-tagging': 'c=3' } });
      assert.deepEqual((await c.getObjectTagging('tag-repl.txt')).tag, { c: '3' });
      assert.equal((await c.head('tag-repl.txt')).res.headers['x-oss-tagging-count'], '1');
      // Replace without x-oss-tagging leaves no tags.
      await c.copy('tag-none.txt', 'tag-src.txt', { headers: { 'x-oss-tagging-directive': 'Replace' } });
      assert.deepEqual((await c.getObjectTagging('tag-none.txt')).tag, {});
    });

    test('copy-source conditions: if-match mismatch → 412, if-none-match match → 304, matches → 200', async () => {
      const data = Buffer.from('conditional');
      const p = await c.put('cond.txt', data);
      const etag = p.res.headers.etag;
      await expectOssError(() => c.copy('cond-dst.txt', 'cond.txt', { headers: { 'If-Match': '"0123456789ABCDEF0123456789ABCDEF"' } }),
        { code: 'PreconditionFailed', status: 412 });
      await expectOssError(() => c.head('cond-dst.txt'), { status: 404 });
      const nm = await c.copy('cond-dst.txt', 'cond.txt', { headers: { 'If-None-Match': etag } });
      assert.equal(nm.res.status, 304);
      await expectOssError(() => c.head('cond-dst.txt'), { status: 404 });
      const ok1 = await c.copy('cond-dst.txt', 'cond.txt', { headers: { 'If-Match': etag } });
      assert.equal(ok1.res.status, 200);
      const ok2 = await c.copy('cond-dst2.txt', 'cond.txt', { headers: { 'If-None-Match': '"0123456789ABCDEF0123456789ABCDEF"' } });
      assert.equal(ok2.res.status, 200);
      // Time conditions on the source.
      const past = new Date(Date.now() - 3600e3).toUTCString();
      const future = new Date(Date.now() + 3600e3).toUTCString();
      await expectOssError(() => c.copy('cond-dst3.txt', 'cond.txt', { headers: { 'If-Unmodified-Since': past } }),
        { code: 'PreconditionFailed', status: 412 });
      const nm2 = await c.copy('cond-dst3.txt', 'cond.txt', { headers: { 'If-Modified-Since': future } });
      assert.equal(nm2.res.status, 304);
      const ok3 = await c.copy('cond-dst3.txt', 'cond.txt', { headers: { 'If-Modified-Since': past } });
      assert.equal(ok3.res.status, 200);
    });

    test('x-oss-forbid-overwrite: existing target → 409 FileAlreadyExists (0026-00000002); new target → 200', async () => {
      await c.put('fo-src.txt', Buffer.from('new'));
      await c.put('fo-dst.txt', Buffer.from('old'));
      const fo = { 'x-oss-forbid-overwrite': 'true' };
      const e = await expectOssError(() => c.copy('fo-dst.txt', 'fo-src.txt', { headers: fo }),
        { code: 'FileAlreadyExists', status: 409, ec: '0026-00000002' });
      assert.equal(e.message, 'The object you specified already exists and can not be overwritten.');
      assert.deepEqual((await c.get('fo-dst.txt')).content, Buffer.from('old'));
      const ok = await c.copy('fo-fresh.txt', 'fo-src.txt', { headers: fo });
      assert.equal(ok.res.status, 200);
      // false means overwrite.
      await c.copy('fo-dst.txt', 'fo-src.txt', { headers: { 'x-oss-forbid-overwrite': 'false' } });
      assert.deepEqual((await c.get('fo-dst.txt')).content, Buffer.from('new'));
    });

    test('self-copy with new metadata rewrites metadata only', async () => {
      const data = seeded(200000, 'self');
      await c.put('self.bin', data, { meta: { v: '1' }, mime: 'application/x-one',
        headers: { 'x-oss-tagging': 'keep=me' } });
      const before1 = await c.head('self.bin');
      const r = await c.copy('self.bin', 'self.bin', { meta: { v: '2', added: 'yes' } });
      assert.equal(r.res.status, 200);
      const h = await c.head('self.bin');
      assert.deepEqual(h.meta, { v: '2', added: 'yes' });
      assert.equal(h.res.headers.etag, before1.res.headers.etag);
      assert.equal(h.res.headers['x-oss-hash-crc64ecma'], crc64ecma(data));
      assert.equal(h.res.headers['content-length'], String(data.length));
      assert.ok((await c.get('self.bin')).content.equals(data));
      assert.deepEqual((await c.getObjectTagging('self.bin')).tag, { keep: 'me' });
      // The request's metadata counts even with the COPY directive (DOCS
      // CopyObject.md L19, L63).
      await c.copy('self.bin', 'self.bin', { headers: { 'x-oss-metadata-directive': 'COPY' }, meta: { v: '3' } });
      assert.deepEqual((await c.head('self.bin')).meta, { v: '3' });
      assert.ok((await c.get('self.bin')).content.equals(data));
    });

    test('missing source → 404 NoSuchKey; missing source bucket → 404 NoSuchBucket', async () => {
      await expectOssError(() => c.copy('x.txt', 'no such src.txt'), { code: 'NoSuchKey', status: 404, ec: '0026-00000001' });
      await expectOssError(() => c.copy('x.txt', 'a.txt', 'no-such-bucket-here'), { code: 'NoSuchBucket', status: 404 });
      await expectOssError(() => c.head('x.txt'), { status: 404 });
    });
  });
}

describe('raw requests', () => {
  const bucket = 'cp-raw';
  let c;
  before(async () => {
    c = ossClient(d, { bucket });
    await c.putBucket(bucket);
  });

  test('x-oss-copy-source with "/" kept (GO2 style) and with %2F (ali-oss style) both work; result XML', async () => {
    const data = Buffer.from('raw copy');
    await c.put('a dir/b c.txt', data);
    for (const [i, src] of [`/${bucket}/a%20dir/b%20c.txt`, `/${bucket}/a%20dir%2Fb%20c.txt`].entries()) {
      const r = await signedRaw(d, { method: 'PUT', bucket, key: `raw-${i}.txt`,
        headers: { 'x-oss-copy-source': src } });
      assert.equal(r.status, 200, r.body.toString());
      assert.match(String(r.body), /<CopyObjectResult>/);
      assert.equal(xmlText(r.body, 'ETag').replace(/&quot;/g, '"'), `"${md5hex(data)}"`);
      assert.match(xmlText(r.body, 'LastModified'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(r.headers['x-oss-hash-crc64ecma'], crc64ecma(data));
      assert.ok((await c.get(`raw-${i}.txt`)).content.equals(data));
    }
  });

  test('copy-source if-none-match match → 304 with no body; if-match mismatch → 412 PreconditionFailed', async () => {
    const p = await c.put('c.txt', Buffer.from('c'));
    const etag = p.res.headers.etag;
    const nm = await signedRaw(d, { method: 'PUT', bucket, key: 'c2.txt',
      headers: { 'x-oss-copy-source': `/${bucket}/c.txt`, 'x-oss-copy-source-if-none-match': etag } });
    assert.equal(nm.status, 304);
    assert.equal(nm.body.length, 0);
    const pf = await signedRaw(d, { method: 'PUT', bucket, key: 'c2.txt',
      headers: { 'x-oss-copy-source': `/${bucket}/c.txt`, 'x-oss-copy-source-if-match': '"00"' } });
    assert.equal(pf.status, 412);
    assert.equal(xmlText(pf.body, 'Code'), 'PreconditionFailed');
  });

  test('a malformed x-oss-copy-source → 400', async () => {
    const r = await signedRaw(d, { method: 'PUT', bucket, key: 'bad.txt', headers: { 'x-oss-copy-source': 'nobucket' } });
    assert.equal(r.status, 400, r.body.toString());
  });
  test('N concurrent forbid-overwrite copies to one key → exactly one 200, the rest 409 FileAlreadyExists', async () => {
    const N = 8;
    for (let round = 0; round < 3; round++) {
      const srcs = [];
      for (let i = 0; i < N; i++) {
        const data = seeded(20000 + i, `race-${round}-${i}`);
        await c.put(`race-src-${i}`, data);
        srcs.push(data);
      }
      const key = `race-dst-${round}`;
      const rs = await Promise.allSettled(srcs.map((_, i) => ossClient(d, { bucket })
        .copy(key, `race-src-${i}`, { headers: { 'x-oss-forbid-overwrite': 'true' } })));
      const ok = rs.map((r, i) => [r, i]).filter(([r]) => r.status === 'fulfilled');
      assert.equal(ok.length, 1, rs.map((r) => (r.status === 'fulfilled' ? 200 : r.reason.code)).join(','));
      for (const r of rs) {
        if (r.status === 'rejected') {
          assert.equal(r.reason.code, 'FileAlreadyExists');
          assert.equal(r.reason.ecCode, '0026-00000002');
        }
      }
      assert.ok((await c.get(key)).content.equals(srcs[ok[0][1]]), `round ${round}: content is not the winner's`);
    }
  });
});
