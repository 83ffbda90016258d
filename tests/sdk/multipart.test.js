// Multipart upload through ali-oss and hand-signed requests (spec
// oss-api.md §3.3, §1.3 rows 5 and 8): initiate / upload part / list parts /
// list uploads / complete / abort, the ali-oss multipartUpload helper, the
// real limits (EntityTooSmall, InvalidPart, InvalidPartOrder, NoSuchUpload,
// part numbers 1..10000), x-oss-complete-all, FileAlreadyExists on complete
// (EC 0042-00000214), BucketNotEmpty while an upload is unfinished, part
// replacement and UploadPartCopy with a range.
'use strict';
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const {
  startDaemon, ossClient, expectOssError, signedRaw, crc64ecma, md5hex, xmlText, xmlAll,
} = require('./lib/coffer');

let d;
before(async () => { d = await startDaemon(); });
after(async () => { assert.equal(await d.stop(), 0); });

function seeded(n, seed) {
  const key = crypto.createHash('sha256').update(`mpu-${seed}`).digest();
  return crypto.createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(n));
}
// ali-oss leaves a single <Part> as an object, not an array.
const arr = (x) => (x === undefined || x === null ? [] : Array.isArray(x) ? x : [x]);
const KB100 = 100 * 1024;

function completeXml(parts) {
  return '<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload>\n'
    + parts.map((p) => `<Part>\n<PartNumber>${p.number}</PartNumber>\n<ETag>${p.etag}</ETag>\n</Part>\n`).join('')
    + '</CompleteMultipartUpload>';
}

const SIGS = [
  { v4: false, mode: 'ip', tag: 'V1' },
  { v4: true, mode: 'path', tag: 'V4' },
];

for (const { v4, mode, tag } of SIGS) {
  describe(tag, () => {
    const bucket = `mpu-${tag.toLowerCase()}`;
    let c;
    before(async () => {
      c = ossClient(d, { bucket, v4, mode });
      await c.putBucket(bucket);
    });

    test('init, upload 3 parts, listParts, listUploads, complete: bytes, ETag -N, CRC, type', async () => {
      const key = 'dir/mp one.bin';
      const bufs = [seeded(KB100, 1), seeded(KB100 + 7, 2), seeded(1234, 3)];
      const init = await c.initMultipartUpload(key, { meta: { origin: 'mpu' }, mime: 'application/x-test' });
      assert.equal(init.res.status, 200);
      assert.equal(init.bucket, bucket);
      assert.equal(init.name, key);
      assert.match(init.uploadId, /^\S{8,}$/);
      const { uploadId } = init;
      const parts = [];
      for (let i = 0; i < 3; i++) {
        const p = await c.uploadPart(key, uploadId, i + 1, bufs[i], 0, bufs[i].length);
        assert.equal(p.etag, `"${md5hex(bufs[i])}"`);
        assert.equal(p.res.headers['x-oss-hash-crc64ecma'], crc64ecma(bufs[i]));
        parts.push({ number: i + 1, etag: p.etag });
      }
      const lp = await c.listParts(key, uploadId, { 'max-parts': 100 });
      const lparts = arr(lp.parts);
      assert.deepEqual(lparts.map((p) => p.PartNumber), ['1', '2', '3']);
      assert.deepEqual(lparts.map((p) => p.ETag), parts.map((p) => p.etag));
      assert.deepEqual(lparts.map((p) => Number(p.Size)), bufs.map((b) => b.length));
      assert.equal(lp.uploadId, uploadId);
      // max-parts paginates.
      const lp1 = await c.listParts(key, uploadId, { 'max-parts': 2 });
      assert.equal(arr(lp1.parts).length, 2);
      assert.equal(lp1.isTruncated, 'true');
      assert.equal(lp1.nextPartNumberMarker, '2');
      const lp2 = await c.listParts(key, uploadId, { 'max-parts': 2, 'part-number-marker': 2 });
      assert.deepEqual(arr(lp2.parts).map((p) => p.PartNumber), ['3']);
      const lu = await c.listUploads({ 'max-uploads': 10 });
      assert.deepEqual(lu.uploads.map((u) => [u.name, u.uploadId]), [[key, uploadId]]);
      const done = await c.completeMultipartUpload(key, uploadId, parts);
      assert.equal(done.res.status, 200);
      const all = Buffer.concat(bufs);
      assert.equal(done.res.headers['x-oss-hash-crc64ecma'], crc64ecma(all));
      const g = await c.get(key);
      assert.ok(g.content.equals(all), 'content');
      assert.match(g.res.headers.etag, /^"[0-9A-F]{32}-3"$/);
      const etag = g.res.headers.etag;
      assert.equal(g.res.headers['x-oss-object-type'], 'Multipart');
      assert.equal(g.res.headers['content-type'], 'application/x-test');
      assert.equal(g.res.headers['x-oss-meta-origin'], 'mpu');
      const l = await c.list({ prefix: 'dir/' });
      assert.equal(l.objects[0].type, 'Multipart');
      assert.equal(l.objects[0].etag, etag);
      // Completed uploads are gone.
      assert.deepEqual((await c.listUploads({})).uploads, []);
      await expectOssError(() => c.listParts(key, uploadId), { code: 'NoSuchUpload', status: 404 });
      await expectOssError(() => c.abortMultipartUpload(key, uploadId), { code: 'NoSuchUpload', status: 404 });
      await c.delete(key);
    });

    test('multipartUpload helper: 11 parts, parallel 5, then get compares bytes', async () => {
      const data = seeded(10 * 128 * 1024 + 5000, 'helper');
      let lastProgress = 0;
      const r = await c.multipartUpload('helper.bin', data, {
        partSize: 128 * 1024, parallel: 5, meta: { m: '1' },
        progress: (p) => { lastProgress = p; },
      });
      assert.equal(r.res.status, 200);
      assert.equal(lastProgress, 1);
      const g = await c.get('helper.bin');
      assert.match(g.res.headers.etag, /^"[0-9A-F]{32}-11"$/);
      assert.equal(g.content.length, data.length);
      assert.ok(g.content.equals(data), 'content');
      assert.equal(g.res.headers['x-oss-meta-m'], '1');
      assert.equal(g.res.headers['x-oss-hash-crc64ecma'], crc64ecma(data));
      // Ranges across part boundaries.
      const rg = await c.get('helper.bin', { headers: { Range: `bytes=${128 * 1024 - 10}-${3 * 128 * 1024 + 9}` } });
      assert.equal(rg.res.status, 206);
      assert.ok(rg.content.equals(data.subarray(128 * 1024 - 10, 3 * 128 * 1024 + 10)));
      await c.delete('helper.bin');
    });

    test('parts < 100 KB except the last → 400 EntityTooSmall', async () => {
      const key = 'small-parts.bin';
      const { uploadId } = await c.initMultipartUpload(key);
      const a = seeded(50 * 1024, 'sa');
      const b = seeded(50 * 1024, 'sb');
      const pa = await c.uploadPart(key, uploadId, 1, a, 0, a.length);
      const pb = await c.uploadPart(key, uploadId, 2, b, 0, b.length);
      await expectOssError(() => c.completeMultipartUpload(key, uploadId,
        [{ number: 1, etag: pa.etag }, { number: 2, etag: pb.etag }]), { code: 'EntityTooSmall', status: 400 });
      // One small part alone is the last part: fine.
      const done = await c.completeMultipartUpload(key, uploadId, [{ number: 2, etag: pb.etag }]);
      assert.equal(done.res.status, 200);
      assert.ok((await c.get(key)).content.equals(b));
      await c.delete(key);
    });

    test('wrong ETag → 400 InvalidPart; unknown part number → 400 InvalidPart', async () => {
      const key = 'badetag.bin';
      const { uploadId } = await c.initMultipartUpload(key);
      const a = seeded(1000, 'be');
      const p = await c.uploadPart(key, uploadId, 1, a, 0, a.length);
      await expectOssError(() => c.completeMultipartUpload(key, uploadId,
        [{ number: 1, etag: '"00000000000000000000000000000000"' }]), { code: 'InvalidPart', status: 400 });
      await expectOssError(() => c.completeMultipartUpload(key, uploadId,
        [{ number: 1, etag: p.etag }, { number: 2, etag: p.etag }]), { code: 'InvalidPart', status: 400 });
      await expectOssError(() => c.head(key), { status: 404 });
      await c.abortMultipartUpload(key, uploadId);
    });

    test('unknown uploadId → 404 NoSuchUpload for part, list, complete, abort', async () => {
      const key = 'nosuch.bin';
      const bogus = '0004B9894A22E5B1888A1E29F8230000';
      const b = Buffer.from('x');
      await expectOssError(() => c.uploadPart(key, bogus, 1, b, 0, 1), { code: 'NoSuchUpload', status: 404 });
      await expectOssError(() => c.listParts(key, bogus), { code: 'NoSuchUpload', status: 404 });
      await expectOssError(() => c.completeMultipartUpload(key, bogus, [{ number: 1, etag: '"A"' }]),
        { code: 'NoSuchUpload', status: 404 });
      await expectOssError(() => c.abortMultipartUpload(key, bogus), { code: 'NoSuchUpload', status: 404 });
      // An upload id of another key is not valid for this key either.
      const { uploadId } = await c.initMultipartUpload('other-key.bin');
      await expectOssError(() => c.uploadPart(key, uploadId, 1, b, 0, 1), { code: 'NoSuchUpload', status: 404 });
      await c.abortMultipartUpload('other-key.bin', uploadId);
    });

    test('re-uploading a part number replaces it', async () => {
      const key = 'replace.bin';
      const { uploadId } = await c.initMultipartUpload(key);
      const a = seeded(KB100, 'ra');
      const b = seeded(KB100 + 1, 'rb');
      const tail = seeded(10, 'rt');
      const pa = await c.uploadPart(key, uploadId, 1, a, 0, a.length);
      const pb = await c.uploadPart(key, uploadId, 1, b, 0, b.length);
      const pt = await c.uploadPart(key, uploadId, 2, tail, 0, tail.length);
      const lp = arr((await c.listParts(key, uploadId)).parts);
      assert.deepEqual(lp.map((p) => [p.PartNumber, p.ETag, Number(p.Size)]),
        [['1', pb.etag, b.length], ['2', pt.etag, tail.length]]);
      await expectOssError(() => c.completeMultipartUpload(key, uploadId,
        [{ number: 1, etag: pa.etag }, { number: 2, etag: pt.etag }]), { code: 'InvalidPart', status: 400 });
      await c.completeMultipartUpload(key, uploadId, [{ number: 1, etag: pb.etag }, { number: 2, etag: pt.etag }]);
      assert.ok((await c.get(key)).content.equals(Buffer.concat([b, tail])));
      await c.delete(key);
    });

    test('abort removes the upload from listUploads; 204', async () => {
      const { uploadId } = await c.initMultipartUpload('abort.bin');
      await c.uploadPart('abort.bin', uploadId, 1, Buffer.from('abc'), 0, 3);
      const lu = await c.listUploads({ prefix: 'abort' });
      assert.deepEqual(lu.uploads.map((u) => u.uploadId), [uploadId]);
      const r = await c.abortMultipartUpload('abort.bin', uploadId);
      assert.equal(r.res.status, 204);
      assert.deepEqual((await c.listUploads({ prefix: 'abort' })).uploads, []);
    });

    // UploadPartCopy by hand: the part ETag comes from <CopyPartResult>.
    async function partCopy(key, uploadId, n, srcBucket, srcKey, range) {
      const r = await signedRaw(d, {
        method: 'PUT', bucket, key, v4, mode, query: { partNumber: String(n), uploadId },
        headers: { 'x-oss-copy-source': `/${srcBucket}/${encodeURIComponent(srcKey)}`,
          'x-oss-copy-source-range': `bytes=${range}` },
      });
      const etag = (xmlText(r.body, 'ETag') || '').replace(/&quot;/g, '"');
      return { ...r, etag };
    }

    test('UploadPartCopy with ranges, from this bucket and another', async () => {
      const src = seeded(300 * 1024 + 17, 'copysrc');
      await c.put('copy-src.bin', src);
      const other = `${bucket}-src`;
      const oc = ossClient(d, { bucket: other, v4, mode });
      await oc.putBucket(other);
      const src2 = seeded(1000, 'copysrc2');
      await oc.put('x y/src2.bin', src2);
      const key = 'copied.bin';
      const { uploadId } = await c.initMultipartUpload(key);
      const p1 = await partCopy(key, uploadId, 1, bucket, 'copy-src.bin', `0-${KB100 - 1}`);
      assert.equal(p1.status, 200, p1.body.toString());
      assert.equal(p1.etag, `"${md5hex(src.subarray(0, KB100))}"`);
      assert.ok(xmlText(p1.body, 'LastModified'));
      const p2 = await partCopy(key, uploadId, 2, bucket, 'copy-src.bin', `${KB100 * 2}-${src.length - 1}`);
      const p3 = await partCopy(key, uploadId, 3, other, 'x y/src2.bin', '10-19');
      assert.equal(p3.status, 200, p3.body.toString());
      const lp = arr((await c.listParts(key, uploadId)).parts);
      assert.deepEqual(lp.map((p) => Number(p.Size)), [KB100, src.length - KB100 * 2, 10]);
      await c.completeMultipartUpload(key, uploadId, [p1, p2, p3].map((p, i) => ({ number: i + 1, etag: p.etag })));
      const want = Buffer.concat([src.subarray(0, KB100), src.subarray(KB100 * 2), src2.subarray(10, 20)]);
      const g = await c.get(key);
      assert.ok(g.content.equals(want), 'content');
      // A missing source is 404 NoSuchKey.
      const u2 = await c.initMultipartUpload('copy-miss.bin');
      await expectOssError(() => c.uploadPartCopy('copy-miss.bin', u2.uploadId, 1, '0-9',
        { sourceKey: 'absent.bin', sourceBucketName: bucket }), { code: 'NoSuchKey', status: 404 });
      await c.abortMultipartUpload('copy-miss.bin', u2.uploadId);
      await c.delete(key);
      await c.delete('copy-src.bin');
      await oc.delete('x y/src2.bin');
      await oc.deleteBucket(other);
    });

    test('ali-oss uploadPartCopy: the part ETag is read from the ETag response header', async () => {
      const src = seeded(KB100 + 50, 'pcsdk');
      await c.put('pc-src.bin', src);
      const key = 'pc-sdk.bin';
      const { uploadId } = await c.initMultipartUpload(key);
      try {
        const p1 = await c.uploadPartCopy(key, uploadId, 1, `0-${KB100 - 1}`,
          { sourceKey: 'pc-src.bin', sourceBucketName: bucket });
        assert.equal(p1.etag, `"${md5hex(src.subarray(0, KB100))}"`);
        const p2 = await c.uploadPartCopy(key, uploadId, 2, `${KB100}-${src.length - 1}`,
          { sourceKey: 'pc-src.bin', sourceBucketName: bucket });
        await c.completeMultipartUpload(key, uploadId, [{ number: 1, etag: p1.etag }, { number: 2, etag: p2.etag }]);
        assert.ok((await c.get(key)).content.equals(src));
        // The SDK's own multipart copy helper depends on the same header.
        const r = await c.multipartUploadCopy('pc-sdk2.bin', { sourceKey: 'pc-src.bin', sourceBucketName: bucket },
          { partSize: KB100 });
        assert.equal(r.res.status, 200);
        assert.ok((await c.get('pc-sdk2.bin')).content.equals(src));
      } finally {
        await c.abortMultipartUpload(key, uploadId).catch(() => {});
      }
    });

    test('forbid-overwrite on complete when the key appeared meanwhile → 409 FileAlreadyExists (0042-00000214)', async () => {
      const key = 'forbid.bin';
      const fo = { 'x-oss-forbid-overwrite': 'true' };
      const { uploadId } = await c.initMultipartUpload(key, { headers: fo });
      const a = seeded(500, 'fo');
      const p = await c.uploadPart(key, uploadId, 1, a, 0, a.length);
      await c.put(key, Buffer.from('someone else'));
      const e = await expectOssError(() => c.completeMultipartUpload(key, uploadId,
        [{ number: 1, etag: p.etag }], { headers: fo }), { code: 'FileAlreadyExists', status: 409, ec: '0042-00000214' });
      assert.equal(e.message, 'The object you specified already exists and can not be overwritten.');
      assert.deepEqual((await c.get(key)).content, Buffer.from('someone else'));
      // Initiate with forbid-overwrite on an existing key is refused too.
      await expectOssError(() => c.initMultipartUpload(key, { headers: fo }),
        { code: 'FileAlreadyExists', status: 409 });
      // Without the header the same upload completes and overwrites.
      await c.completeMultipartUpload(key, uploadId, [{ number: 1, etag: p.etag }]);
      assert.ok((await c.get(key)).content.equals(a));
      await c.delete(key);
    });

    test('an unfinished upload makes deleteBucket fail with 409 BucketNotEmpty; abort lets it go', async () => {
      const b = `${bucket}-del`;
      const bc = ossClient(d, { bucket: b, v4, mode });
      await bc.putBucket(b);
      const { uploadId } = await bc.initMultipartUpload('pending.bin');
      await expectOssError(() => bc.deleteBucket(b), { code: 'BucketNotEmpty', status: 409 });
      await bc.abortMultipartUpload('pending.bin', uploadId);
      const r = await bc.deleteBucket(b);
      assert.equal(r.res.status, 204);
    });
  });
}

describe('raw requests', () => {
  const bucket = 'mpu-raw';
  let c;
  before(async () => {
    c = ossClient(d, { bucket });
    await c.putBucket(bucket);
  });
  const complete = (key, uploadId, body, headers = {}) => signedRaw(d, {
    method: 'POST', bucket, key, query: { uploadId }, body,
    headers: { 'content-type': 'application/xml', ...headers },
  });
  const part = (key, uploadId, n, body) => signedRaw(d, {
    method: 'PUT', bucket, key, query: { partNumber: String(n), uploadId }, body,
  });

  test('parts out of order → 400 InvalidPartOrder; duplicates too', async () => {
    const key = 'order.bin';
    const { uploadId } = await c.initMultipartUpload(key);
    const a = seeded(KB100, 'o1');
    const b = seeded(10, 'o2');
    const pa = await c.uploadPart(key, uploadId, 1, a, 0, a.length);
    const pb = await c.uploadPart(key, uploadId, 2, b, 0, b.length);
    const r = await complete(key, uploadId, completeXml([{ number: 2, etag: pb.etag }, { number: 1, etag: pa.etag }]));
    assert.equal(r.status, 400, r.body.toString());
    assert.equal(xmlText(r.body, 'Code'), 'InvalidPartOrder');
    const r2 = await complete(key, uploadId, completeXml([{ number: 1, etag: pa.etag }, { number: 1, etag: pa.etag }]));
    assert.equal(r2.status, 400, r2.body.toString());
    const ok = await complete(key, uploadId, completeXml([{ number: 1, etag: pa.etag }, { number: 2, etag: pb.etag }]));
    assert.equal(ok.status, 200, ok.body.toString());
    assert.match(xmlText(ok.body, 'ETag'), /^("|&quot;)[0-9A-F]{32}-2("|&quot;)$/);
    await c.delete(key);
  });

  test('part number 0 or 10001 → 400; 10000 is fine', async () => {
    const key = 'pn.bin';
    const { uploadId } = await c.initMultipartUpload(key);
    for (const n of [0, 10001, -1]) {
      const r = await part(key, uploadId, n, Buffer.from('abc'));
      assert.equal(r.status, 400, `part ${n}: ${r.body}`);
    }
    const r = await part(key, uploadId, 10000, Buffer.from('abc'));
    assert.equal(r.status, 200, r.body.toString());
    const lp = await c.listParts(key, uploadId);
    assert.deepEqual(arr(lp.parts).map((p) => p.PartNumber), ['10000']);
    await c.abortMultipartUpload(key, uploadId);
  });

  test('x-oss-complete-all: yes completes every uploaded part in order; with a body → 400', async () => {
    const key = 'all.bin';
    const { uploadId } = await c.initMultipartUpload(key);
    const bufs = [seeded(KB100, 'c1'), seeded(KB100, 'c2'), seeded(33, 'c3')];
    // Upload out of order; complete-all orders by part number.
    await c.uploadPart(key, uploadId, 3, bufs[2], 0, bufs[2].length);
    await c.uploadPart(key, uploadId, 1, bufs[0], 0, bufs[0].length);
    const p2 = await c.uploadPart(key, uploadId, 2, bufs[1], 0, bufs[1].length);
    const bad = await complete(key, uploadId, completeXml([{ number: 2, etag: p2.etag }]), { 'x-oss-complete-all': 'yes' });
    assert.equal(bad.status, 400, bad.body.toString());
    assert.equal(xmlText(bad.body, 'EC'), '0042-00000216');
    const r = await complete(key, uploadId, '', { 'x-oss-complete-all': 'yes' });
    assert.equal(r.status, 200, r.body.toString());
    const all = Buffer.concat(bufs);
    assert.equal(r.headers['x-oss-hash-crc64ecma'], crc64ecma(all));
    assert.ok((await c.get(key)).content.equals(all));
    assert.match((await c.head(key)).res.headers.etag, /^"[0-9A-F]{32}-3"$/);
    await c.delete(key);
  });

  test('ListMultipartUploads XML carries Bucket, Upload{Key,UploadId,Initiated}', async () => {
    const u1 = await c.initMultipartUpload('lu/a.bin');
    const u2 = await c.initMultipartUpload('lu/a.bin');
    const u3 = await c.initMultipartUpload('lu/b&c.bin');
    const r = await signedRaw(d, { bucket, query: { uploads: '', prefix: 'lu/' } });
    assert.equal(r.status, 200, r.body.toString());
    assert.equal(xmlText(r.body, 'Bucket'), bucket);
    const keys = xmlAll(r.body, 'Key');
    assert.deepEqual(keys, ['lu/a.bin', 'lu/a.bin', 'lu/b&amp;c.bin']);
    assert.deepEqual(new Set(xmlAll(r.body, 'UploadId')), new Set([u1.uploadId, u2.uploadId, u3.uploadId]));
    assert.equal(xmlAll(r.body, 'Initiated').length, 3);
    const lu = await c.listUploads({ prefix: 'lu/', 'max-uploads': 2 });
    assert.equal(lu.uploads.length, 2);
    assert.equal(lu.isTruncated, true);
    for (const u of [['lu/a.bin', u1], ['lu/a.bin', u2], ['lu/b&c.bin', u3]]) {
      await c.abortMultipartUpload(u[0], u[1].uploadId);
    }
  });
  test('concurrent completes: forbid-overwrite uploads racing for one key → exactly one 200, rest 409', async () => {
    const key = 'race-fo.bin';
    const ups = [];
    for (let i = 0; i < 4; i++) {
      const { uploadId } = await c.initMultipartUpload(key);
      const body = seeded(2000, `race-${i}`);
      const p = await c.uploadPart(key, uploadId, 1, body, 0, body.length);
      ups.push({ uploadId, etag: p.etag, body });
    }
    const rs = await Promise.allSettled(ups.map((u) => ossClient(d, { bucket }).completeMultipartUpload(key, u.uploadId,
      [{ number: 1, etag: u.etag }], { headers: { 'x-oss-forbid-overwrite': 'true' } })));
    const ok = rs.map((r, i) => [r, i]).filter(([r]) => r.status === 'fulfilled');
    assert.equal(ok.length, 1, rs.map((r) => (r.status === 'fulfilled' ? 200 : r.reason.code)).join(','));
    for (const r of rs) {
      if (r.status === 'rejected') {
        assert.equal(r.reason.code, 'FileAlreadyExists');
        assert.equal(r.reason.ecCode, '0042-00000214');
      }
    }
    assert.ok((await c.get(key)).content.equals(ups[ok[0][1]].body));
    for (const [i, u] of ups.entries()) {
      if (i !== ok[0][1]) await c.abortMultipartUpload(key, u.uploadId);
    }
    await c.delete(key);
  });

  test('the same upload completed three times at once → one 200, the rest 404 NoSuchUpload', async () => {
    const key = 'race-same.bin';
    const { uploadId } = await c.initMultipartUpload(key);
    const body = seeded(3000, 'same');
    const p = await c.uploadPart(key, uploadId, 1, body, 0, body.length);
    const rs = await Promise.allSettled([0, 1, 2].map(() => ossClient(d, { bucket })
      .completeMultipartUpload(key, uploadId, [{ number: 1, etag: p.etag }])));
    const codes = rs.map((r) => (r.status === 'fulfilled' ? 200 : r.reason.code)).sort();
    assert.deepEqual(codes, [200, 'NoSuchUpload', 'NoSuchUpload']);
    assert.ok((await c.get(key)).content.equals(body));
    await c.delete(key);
  });

  test('abort racing complete: either the object exists (complete won) or not (abort won), never both outcomes', async () => {
    for (let i = 0; i < 4; i++) {
      const key = `race-abort-${i}.bin`;
      const { uploadId } = await c.initMultipartUpload(key);
      const body = seeded(3000, `abort-${i}`);
      const p = await c.uploadPart(key, uploadId, 1, body, 0, body.length);
      const [rc, ra] = await Promise.allSettled([
        ossClient(d, { bucket }).completeMultipartUpload(key, uploadId, [{ number: 1, etag: p.etag }]),
        ossClient(d, { bucket }).abortMultipartUpload(key, uploadId)]);
      const exists = await c.head(key).then(() => true, () => false);
      if (rc.status === 'fulfilled') {
        assert.equal(ra.status, 'rejected');
        assert.equal(ra.reason.code, 'NoSuchUpload');
        assert.ok(exists);
        assert.ok((await c.get(key)).content.equals(body));
      } else {
        assert.equal(rc.reason.code, 'NoSuchUpload');
        assert.equal(ra.status, 'fulfilled');
        assert.ok(!exists);
      }
      await expectOssError(() => c.listParts(key, uploadId), { code: 'NoSuchUpload', status: 404 });
      await c.delete(key);
    }
  });

  test('UploadPart with a wrong Content-MD5 → 400 BadDigest, part not stored', async () => {
    const key = 'md5.bin';
    const { uploadId } = await c.initMultipartUpload(key);
    const r = await part(key, uploadId, 1, Buffer.from('abc'));
    assert.equal(r.status, 200);
    const bad = await signedRaw(d, { method: 'PUT', bucket, key, query: { partNumber: '1', uploadId },
      headers: { 'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA==' }, body: Buffer.from('xyz') });
    assert.equal(bad.status, 400, bad.body.toString());
    assert.equal(xmlText(bad.body, 'Code'), 'BadDigest');
    const lp = arr((await c.listParts(key, uploadId)).parts);
    assert.deepEqual(lp.map((x) => x.ETag), [`"${md5hex(Buffer.from('abc'))}"`]);
    await c.abortMultipartUpload(key, uploadId);
  });

  test('listUploads pages with key-marker/upload-id-marker through every upload exactly once', async () => {
    const made = [];
    for (const k of ['pg/a', 'pg/a', 'pg/a', 'pg/b', 'pg/c/d', 'pg/c/e']) {
      made.push(`${k} ${(await c.initMultipartUpload(k)).uploadId}`);
    }
    const seen = [];
    let q = { prefix: 'pg/', 'max-uploads': 2 };
    for (let i = 0; i < 10; i++) {
      const r = await c.listUploads(q);
      assert.ok(r.uploads.length <= 2);
      seen.push(...r.uploads.map((u) => `${u.name} ${u.uploadId}`));
      if (!r.isTruncated) break;
      q = { prefix: 'pg/', 'max-uploads': 2, 'key-marker': r.nextKeyMarker, 'upload-id-marker': r.nextUploadIdMarker };
    }
    assert.equal(seen.length, made.length, seen.join('\n'));
    assert.deepEqual([...seen].sort(), [...made].sort());
    // Sorted by key.
    assert.deepEqual(seen.map((x) => x.split(' ')[0]), ['pg/a', 'pg/a', 'pg/a', 'pg/b', 'pg/c/d', 'pg/c/e']);
    for (const m of made) {
      const [k, id] = m.split(' ');
      await c.abortMultipartUpload(k, id);
    }
  });

  test('listUploads with delimiter groups keys into CommonPrefixes', async () => {
    const ids = [];
    for (const k of ['dl/a', 'dl/c/d', 'dl/c/e']) ids.push([k, (await c.initMultipartUpload(k)).uploadId]);
    try {
      const r = await signedRaw(d, { bucket, query: { uploads: '', prefix: 'dl/', delimiter: '/' } });
      assert.equal(r.status, 200);
      assert.equal(xmlText(r.body, 'Delimiter'), '/');
      assert.deepEqual(xmlAll(r.body, 'Key'), ['dl/a']);
      assert.match(String(r.body), /<CommonPrefixes>\s*<Prefix>dl\/c\/<\/Prefix>\s*<\/CommonPrefixes>/);
    } finally {
      for (const [k, id] of ids) await c.abortMultipartUpload(k, id);
    }
  });

  test('storage class at initiate carries over: an Archive multipart object is frozen', async () => {
    const key = 'mp-archive.bin';
    const { uploadId } = await c.initMultipartUpload(key, { headers: { 'x-oss-storage-class': 'Archive' } });
    const p = await c.uploadPart(key, uploadId, 1, Buffer.from('abc'), 0, 3);
    await c.completeMultipartUpload(key, uploadId, [{ number: 1, etag: p.etag }]);
    assert.equal((await c.head(key)).res.headers['x-oss-storage-class'], 'Archive');
    await expectOssError(() => c.get(key), { code: 'InvalidObjectState', status: 403 });
    await c.delete(key);
  });

  test('encoding-type=url on initiate and ListParts encodes the key', async () => {
    const key = 'we&ird <key>+1';
    const init = await signedRaw(d, { method: 'POST', bucket, key, query: { uploads: '', 'encoding-type': 'url' } });
    assert.equal(init.status, 200, init.body.toString());
    assert.equal(xmlText(init.body, 'EncodingType'), 'url');
    assert.equal(decodeURIComponent(xmlText(init.body, 'Key').replace(/\+/g, '%20')), key);
    const uploadId = xmlText(init.body, 'UploadId');
    const plain = await signedRaw(d, { bucket, key, query: { uploadId } });
    assert.equal(xmlText(plain.body, 'Key'), 'we&amp;ird &lt;key&gt;+1');
    const enc = await signedRaw(d, { bucket, key, query: { uploadId, 'encoding-type': 'url' } });
    assert.equal(decodeURIComponent(xmlText(enc.body, 'Key').replace(/\+/g, '%20')), key);
    await c.abortMultipartUpload(key, uploadId);
  });
});

test('an unfinished upload survives a daemon restart and completes afterwards', async () => {
  const d1 = await startDaemon();
  const c1 = ossClient(d1, { bucket: 'mpu-restart' });
  await c1.putBucket('mpu-restart');
  const a = seeded(KB100, 'restart-a');
  const { uploadId } = await c1.initMultipartUpload('r.bin', { meta: { k: 'v' } });
  const p1 = await c1.uploadPart('r.bin', uploadId, 1, a, 0, a.length);
  assert.equal(await d1.stop(), 0);
  const d2 = await startDaemon({ dataDir: d1.dataDir });
  try {
    const c2 = ossClient(d2, { bucket: 'mpu-restart' });
    assert.deepEqual((await c2.listUploads({})).uploads.map((u) => u.uploadId), [uploadId]);
    const b = seeded(5, 'restart-b');
    const p2 = await c2.uploadPart('r.bin', uploadId, 2, b, 0, b.length);
    await c2.completeMultipartUpload('r.bin', uploadId, [{ number: 1, etag: p1.etag }, { number: 2, etag: p2.etag }]);
    const g = await c2.get('r.bin');
    assert.ok(g.content.equals(Buffer.concat([a, b])));
    assert.equal(g.res.headers['x-oss-meta-k'], 'v');
  } finally {
    assert.equal(await d2.stop(), 0);
  }
});
