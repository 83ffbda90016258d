// Object operations through ali-oss: put (Buffer, file path, chunked
// stream), get (ranges, response-* overrides, conditions), head, getObjectMeta,
// delete, deleteMulti, metadata, Content-Type, ETag/CRC-64/Content-MD5
// integrity and x-oss-forbid-overwrite (spec oss-api.md §3.2, §1.3 row 8),
// each with V1 and V4 signatures and with IP-endpoint virtual-host and
// localhost path-style addressing.
'use strict';
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { Readable } = require('node:stream');
const {
  startDaemon, ossClient, expectOssError, tmpdir, signedRaw, crc64ecma, md5hex, md5b64,
  xmlText, COMBOS,
} = require('./lib/coffer');

let d;
let scratch;
before(async () => {
  d = await startDaemon();
  scratch = tmpdir('objfiles');
});
after(async () => {
  assert.equal(await d.stop(), 0);
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.rmSync(d.dataDir, { recursive: true, force: true });
});

// Deterministic bytes so a failure is reproducible.
function pattern(n, seed = 1) {
  const b = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

const quotedMd5 = (buf) => `"${md5hex(buf)}"`;

for (const { v4, mode, tag } of COMBOS) {
  describe(tag, () => {
    const bucket = `obj-${tag}`;
    let c;
    before(async () => {
      c = ossClient(d, { bucket, v4, mode });
      await c.putBucket(bucket);
    });

    test('put/get/head/delete a Buffer: ETag, CRC-64, Content-MD5, 204 and idempotent delete', async () => {
      const data = Buffer.from('hello');
      const p = await c.put('hello.txt', data);
      assert.equal(p.res.status, 200);
      assert.equal(p.name, 'hello.txt');
      assert.equal(p.res.headers.etag, quotedMd5(data));
      assert.equal(p.res.headers.etag, '"5D41402ABC4B2A76B9719D911017C592"');
      assert.match(p.res.headers.etag, /^"[0-9A-F]{32}"$/);
      assert.equal(p.res.headers['x-oss-hash-crc64ecma'], crc64ecma(data));
      assert.equal(p.res.headers['content-md5'], md5b64(data));
      assert.match(p.res.headers['x-oss-request-id'], /^[0-9A-F]{24}$/);

      const g = await c.get('hello.txt');
      assert.equal(g.res.status, 200);
      assert.deepEqual(g.content, data);
      assert.equal(g.res.headers['content-length'], String(data.length));
      assert.equal(g.res.headers.etag, quotedMd5(data));
      assert.equal(g.res.headers['x-oss-hash-crc64ecma'], crc64ecma(data));
      assert.equal(g.res.headers['content-type'], 'text/plain');
      assert.equal(g.res.headers['x-oss-object-type'], 'Normal');
      assert.equal(g.res.headers['x-oss-storage-class'], 'Standard');
      assert.equal(g.res.headers['accept-ranges'], 'bytes');
      assert.ok(Math.abs(Date.parse(g.res.headers['last-modified']) - Date.now()) < 60000);

      const h = await c.head('hello.txt');
      assert.equal(h.status, 200);
      assert.equal(h.res.headers['content-length'], String(data.length));
      assert.equal(h.res.headers.etag, quotedMd5(data));
      assert.equal(h.res.headers['last-modified'], g.res.headers['last-modified']);
      assert.deepEqual(h.meta, null);

      const del = await c.delete('hello.txt');
      assert.equal(del.res.status, 204);
      await expectOssError(() => c.get('hello.txt'), { code: 'NoSuchKey', status: 404, ec: '0026-00000001' });
      // Deleting what is not there is still 204.
      assert.equal((await c.delete('hello.txt')).res.status, 204);
      assert.equal((await c.delete('never-existed.txt')).res.status, 204);
    });

    test('put from a file path and putStream without contentLength (chunked)', async () => {
      const data = pattern(300 * 1024 + 17, 7);
      const file = path.join(scratch, `${tag}-file.bin`);
      fs.writeFileSync(file, data);
      const p = await c.put('from-file.bin', file);
      assert.equal(p.res.status, 200);
      assert.equal(p.res.headers.etag, quotedMd5(data));
      assert.equal(p.res.headers['x-oss-hash-crc64ecma'], crc64ecma(data));
      assert.deepEqual((await c.get('from-file.bin')).content, data);

      // A stream of uneven pieces, no length: ali-oss sends
      // Transfer-Encoding: chunked.
      const pieces = [data.subarray(0, 1), data.subarray(1, 70000), data.subarray(70000)];
      const s = await c.putStream('from-stream.bin', Readable.from(pieces));
      assert.equal(s.res.status, 200);
      assert.equal(s.res.headers.etag, quotedMd5(data));
      assert.equal(s.res.headers['x-oss-hash-crc64ecma'], crc64ecma(data));
      const g = await c.get('from-stream.bin');
      assert.deepEqual(g.content, data);
      assert.equal(g.res.headers['content-length'], String(data.length));

      // putStream from a file stream, also without a length.
      const s2 = await c.putStream('from-fstream.bin', fs.createReadStream(file));
      assert.equal(s2.res.headers.etag, quotedMd5(data));
      assert.deepEqual((await c.get('from-fstream.bin')).content, data);

      // An empty stream is a zero-byte object.
      const e = await c.putStream('empty.bin', Readable.from([]));
      assert.equal(e.res.headers.etag, '"D41D8CD98F00B204E9800998ECF8427E"');
      assert.equal(e.res.headers['x-oss-hash-crc64ecma'], '0');
      const h = await c.head('empty.bin');
      assert.equal(h.res.headers['content-length'], '0');
    });

    test('keys with spaces, plus, ampersand, unicode, slashes and other punctuation', async () => {
      const keys = ['a b.txt', 'a+b.txt', 'a&b.txt', 'dir/a b+c&d é.bin', 'ünïcødé/日本語/ファイル.txt',
        'deep/er/and/deeper/x', "sym!'()*~-_.,;:@$=.txt", 'percent%20literal.txt', 'q?x=1#frag.txt', 'emoji-😀.txt'];
      for (const [i, k] of keys.entries()) {
        const data = Buffer.from(`content of key ${i}: ${k}`);
        const p = await c.put(`keys/${k}`, data);
        assert.equal(p.res.status, 200, k);
        const g = await c.get(`keys/${k}`);
        assert.deepEqual(g.content, data, k);
        const h = await c.head(`keys/${k}`);
        assert.equal(h.res.headers.etag, quotedMd5(data), k);
      }
      const l = await c.list({ prefix: 'keys/', 'max-keys': 100 });
      assert.deepEqual(l.objects.map((o) => o.name), keys.map((k) => `keys/${k}`).sort(
        (x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
      for (const k of keys) assert.equal((await c.delete(`keys/${k}`)).res.status, 204);
      assert.deepEqual((await c.list({ prefix: 'keys/' })).objects, []);
    });

    test('Range: first bytes, suffix, open end, clipped end, across a 64 KiB chunk, unsatisfiable', async () => {
      const data = pattern(1000, 3);
      await c.put('range.bin', data);
      const cases = [
        ['bytes=0-9', 0, 9],
        ['bytes=10-10', 10, 10],
        ['bytes=-100', 900, 999],
        ['bytes=990-', 990, 999],
        ['bytes=995-2000', 995, 999],
        ['bytes=-5000', 0, 999],
      ];
      for (const [range, a, b] of cases) {
        const g = await c.get('range.bin', { headers: { Range: range } });
        assert.equal(g.res.status, 206, range);
        assert.equal(g.res.headers['content-range'], `bytes ${a}-${b}/1000`, range);
        assert.equal(g.res.headers['content-length'], String(b - a + 1), range);
        assert.deepEqual(g.content, data.subarray(a, b + 1), range);
        // The ETag and CRC are those of the whole object.
        assert.equal(g.res.headers.etag, quotedMd5(data), range);
      }
      // Unsatisfiable or malformed: OSS serves the whole object with 200.
      for (const range of ['bytes=1000-1100', 'bytes=5000-', 'bytes=20-10', 'bytes=abc', 'items=0-1']) {
        const g = await c.get('range.bin', { headers: { Range: range } });
        assert.equal(g.res.status, 200, range);
        assert.equal(g.res.headers['content-range'], undefined, range);
        assert.deepEqual(g.content, data, range);
      }
      // ... unless the client asks for standard behaviour.
      await expectOssError(() => c.get('range.bin', {
        headers: { Range: 'bytes=1000-1100', 'x-oss-range-behavior': 'standard' },
      }), { code: 'InvalidRange', status: 416 });

      // A range straddling the boundary of two sealed 64 KiB chunks.
      const big = pattern(200 * 1024, 4);
      await c.put('range-big.bin', big);
      for (const [a, b] of [[65530, 65545], [65536, 65536], [131071, 131072], [0, 204799]]) {
        const g = await c.get('range-big.bin', { headers: { Range: `bytes=${a}-${b}` } });
        assert.equal(g.res.status, 206);
        assert.equal(g.res.headers['content-range'], `bytes ${a}-${b}/204800`);
        assert.deepEqual(g.content, big.subarray(a, b + 1));
      }
    });

    test('response-* query parameters override the stored headers', async () => {
      const data = Buffer.from('{"a":1}');
      await c.put('resp.json', data, { headers: { 'Cache-Control': 'max-age=60', 'Content-Disposition': 'inline' } });
      const plain = await c.get('resp.json');
      assert.equal(plain.res.headers['content-type'], 'application/json');
      assert.equal(plain.res.headers['cache-control'], 'max-age=60');
      assert.equal(plain.res.headers['content-disposition'], 'inline');
      const subres = {
        'response-content-type': 'text/x-test',
        'response-content-language': 'fr-CA',
        'response-expires': 'Thu, 01 Jan 2099 00:00:00 GMT',
        'response-cache-control': 'no-cache',
        'response-content-disposition': 'attachment; filename="r e.json"',
        'response-content-encoding': 'identity',
      };
      const g = await c.get('resp.json', { subres });
      assert.equal(g.res.status, 200);
      assert.deepEqual(g.content, data);
      assert.equal(g.res.headers['content-type'], 'text/x-test');
      assert.equal(g.res.headers['content-language'], 'fr-CA');
      assert.equal(g.res.headers.expires, 'Thu, 01 Jan 2099 00:00:00 GMT');
      assert.equal(g.res.headers['cache-control'], 'no-cache');
      assert.equal(g.res.headers['content-disposition'], 'attachment; filename="r e.json"');
      assert.equal(g.res.headers['content-encoding'], 'identity');
      // The override is per request; the object is unchanged.
      const again = await c.get('resp.json');
      assert.equal(again.res.headers['content-type'], 'application/json');
      assert.equal(again.res.headers['cache-control'], 'max-age=60');
    });

    test('conditional GET/HEAD: If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since', async () => {
      const data = Buffer.from('conditional');
      const p = await c.put('cond.txt', data);
      const etag = p.res.headers.etag;
      const lm = Date.parse((await c.head('cond.txt')).res.headers['last-modified']);
      const http = (ms) => new Date(ms).toUTCString();
      const ok = async (headers) => {
        const g = await c.get('cond.txt', { headers });
        assert.equal(g.res.status, 200, JSON.stringify(headers));
        assert.deepEqual(g.content, data);
      };
      const notModified = async (headers) => {
        const g = await c.get('cond.txt', { headers });
        assert.equal(g.res.status, 304, JSON.stringify(headers));
        assert.equal(g.content.length, 0);
        assert.equal(g.res.headers.etag, etag);
        const h = await c.head('cond.txt', { headers });
        assert.equal(h.status, 304, JSON.stringify(headers));
        assert.equal(h.res.headers.etag, etag);
      };
      const failed = async (headers, condition) => {
        const e = await expectOssError(() => c.get('cond.txt', { headers }),
          { code: 'PreconditionFailed', status: 412 });
        assert.equal(e.message, `At least one of the pre-conditions you specified did not hold. (condition: ${condition})`);
        // HEAD: no body, ali-oss maps the bare 412 itself.
        await expectOssError(() => c.head('cond.txt', { headers }), { code: 'PreconditionFailed', status: 412 });
      };

      await ok({ 'If-Match': etag });
      await ok({ 'If-Match': etag.replace(/"/g, '') });
      await ok({ 'If-Match': '*' });
      await failed({ 'If-Match': '"00000000000000000000000000000000"' }, 'If-Match');
      await notModified({ 'If-None-Match': etag });
      await notModified({ 'If-None-Match': '*' });
      await ok({ 'If-None-Match': '"00000000000000000000000000000000"' });
      await notModified({ 'If-Modified-Since': http(lm) });
      await notModified({ 'If-Modified-Since': http(lm + 3600e3) });
      await ok({ 'If-Modified-Since': http(lm - 1000) });
      await failed({ 'If-Unmodified-Since': http(lm - 1000) }, 'If-Unmodified-Since');
      await ok({ 'If-Unmodified-Since': http(lm) });
      await ok({ 'If-Unmodified-Since': http(lm + 3600e3) });
      // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
      await ok({ 'If-None-Match': '"00000000000000000000000000000000"', 'If-Modified-Since': http(lm + 3600e3) });
    });

    test('a 304 still carries the ETag and Last-Modified (RFC 9110 §15.4.5)', async () => {
      const p = await c.put('cond304.txt', Buffer.from('x'));
      const g = await c.get('cond304.txt', { headers: { 'If-None-Match': p.res.headers.etag } });
      assert.equal(g.res.status, 304);
      assert.equal(g.res.headers.etag, p.res.headers.etag);
      assert.equal(g.res.headers['last-modified'], (await c.head('cond304.txt')).res.headers['last-modified']);
      assert.equal(g.res.headers['content-length'], '0');
    });

    test('user metadata round-trips through head() and get()', async () => {
      const p = await c.put('meta.bin', Buffer.from('m'), {
        meta: { color: 'blue', 'doc-id': '42', spaced: 'a  b' },
        headers: { 'x-oss-meta-Upper': 'Case' },
      });
      assert.equal(p.res.status, 200);
      const h = await c.head('meta.bin');
      assert.deepEqual(h.meta, { color: 'blue', 'doc-id': '42', spaced: 'a  b', upper: 'Case' });
      const g = await c.get('meta.bin');
      assert.equal(g.res.headers['x-oss-meta-color'], 'blue');
      assert.equal(g.res.headers['x-oss-meta-doc-id'], '42');
      // A put without meta replaces it.
      await c.put('meta.bin', Buffer.from('m2'));
      assert.deepEqual((await c.head('meta.bin')).meta, null);
    });

    test('Content-Type from the key extension, mime option and explicit header', async () => {
      const cases = [
        ['ct/page.html', {}, 'text/html'],
        ['ct/data.json', {}, 'application/json'],
        ['ct/img.png', {}, 'image/png'],
        ['ct/noext', {}, 'application/octet-stream'],
        ['ct/x.txt', { mime: 'application/x-custom' }, 'application/x-custom'],
        ['ct/y.txt', { headers: { 'Content-Type': 'text/csv; charset=utf-8' } }, 'text/csv; charset=utf-8'],
      ];
      for (const [key, opts, want] of cases) {
        await c.put(key, Buffer.from(key), opts);
        const h = await c.head(key);
        assert.equal(h.res.headers['content-type'], want, key);
        // Fetch with raw(): the SDK sends the key's own type on GET.
        const r = await signedRaw(d, { bucket, key, mode });
        assert.equal(r.status, 200, key);
        assert.equal(r.headers['content-type'], want, key);
      }
    });

    test('getObjectMeta returns only the basic headers', async () => {
      const data = pattern(4321, 9);
      await c.put('gom.txt', data, { meta: { secret: 'x' } });
      const m = await c.getObjectMeta('gom.txt');
      assert.equal(m.status, 200);
      assert.equal(m.res.headers.etag, quotedMd5(data));
      assert.equal(m.res.headers['content-length'], '4321');
      assert.equal(m.res.headers['x-oss-hash-crc64ecma'], crc64ecma(data));
      assert.ok(m.res.headers['last-modified']);
      assert.equal(m.res.headers['x-oss-meta-secret'], undefined);
      assert.equal(m.res.headers['x-oss-object-type'], undefined);
      await expectOssError(() => c.getObjectMeta('gom-missing.txt'), { code: 'NoSuchKey', status: 404 });
    });

    test('deleteMulti, verbose and quiet, with XML-special keys', async () => {
      const keys = ['dm/a.txt', 'dm/b&c.txt', 'dm/<d> "e" \'f\'.txt', 'dm/ü.txt'];
      for (const k of keys) await c.put(k, Buffer.from(k));
      const r = await c.deleteMulti([keys[0], keys[1], keys[2], 'dm/missing.txt']);
      assert.equal(r.res.status, 200);
      assert.deepEqual(r.deleted.map((x) => x.Key), [keys[0], keys[1], keys[2], 'dm/missing.txt']);
      assert.deepEqual((await c.list({ prefix: 'dm/' })).objects.map((o) => o.name), ['dm/ü.txt']);
      const q = await c.deleteMulti([keys[3], 'dm/missing2.txt'], { quiet: true });
      assert.equal(q.res.status, 200);
      assert.deepEqual(q.deleted, []);
      assert.deepEqual((await c.list({ prefix: 'dm/' })).objects, []);
    });

    test('Content-MD5 is verified: wrong → BadDigest, malformed → InvalidDigest, nothing stored', async () => {
      const data = Buffer.from('digest me');
      const ok = await c.put('md5.txt', data, { headers: { 'Content-MD5': md5b64(data) } });
      assert.equal(ok.res.status, 200);
      const e1 = await expectOssError(() => c.put('md5-bad.txt', data, {
        headers: { 'Content-MD5': md5b64(Buffer.from('something else')) },
      }), { code: 'BadDigest', status: 400 });
      assert.equal(e1.message, 'The Content-MD5 you specified did not match what we received.');
      const e2 = await expectOssError(() => c.put('md5-bad.txt', data, { headers: { 'Content-MD5': 'not-base64!' } }),
        { code: 'InvalidDigest', status: 400 });
      assert.equal(e2.message, 'The Content-MD5 you specified was invalid.');
      // A 15-byte digest is malformed too.
      await expectOssError(() => c.put('md5-bad.txt', data, {
        headers: { 'Content-MD5': Buffer.alloc(15).toString('base64') },
      }), { code: 'InvalidDigest', status: 400 });
      await expectOssError(() => c.head('md5-bad.txt'), { code: 'NoSuchKey', status: 404 });
      // A wrong digest on an existing key leaves the old object.
      await expectOssError(() => c.put('md5.txt', Buffer.from('other'), {
        headers: { 'Content-MD5': md5b64(data) },
      }), { code: 'BadDigest', status: 400 });
      assert.deepEqual((await c.get('md5.txt')).content, data);
    });

    test('x-oss-hash-crc64ecma on PUT is verified', async () => {
      const data = pattern(5000, 11);
      const good = await c.put('crc.bin', data, { headers: { 'x-oss-hash-crc64ecma': crc64ecma(data) } });
      assert.equal(good.res.status, 200);
      assert.equal(good.res.headers['x-oss-hash-crc64ecma'], crc64ecma(data));
      const wrong = (BigInt(crc64ecma(data)) ^ 1n).toString();
      const e = await expectOssError(() => c.put('crc-bad.bin', data, { headers: { 'x-oss-hash-crc64ecma': wrong } }),
        { code: 'InvalidDigest', status: 400 });
      assert.equal(e.message, 'The CRC64 you specified did not match what we received.');
      await expectOssError(() => c.head('crc-bad.bin'), { code: 'NoSuchKey', status: 404 });
      await expectOssError(() => c.put('crc-bad.bin', data, { headers: { 'x-oss-hash-crc64ecma': 'abc' } }),
        { code: 'InvalidArgument', status: 400 });
    });

    test('a 10 MiB object round-trips byte-exact', async () => {
      const data = crypto.randomBytes(10 * 1024 * 1024);
      const p = await c.put('big.bin', data);
      assert.equal(p.res.headers.etag, quotedMd5(data));
      assert.equal(p.res.headers['x-oss-hash-crc64ecma'], crc64ecma(data));
      const g = await c.get('big.bin');
      assert.equal(g.res.headers['content-length'], String(data.length));
      assert.ok(g.content.equals(data), 'content differs');
      const tail = await c.get('big.bin', { headers: { Range: 'bytes=-70000' } });
      assert.ok(tail.content.equals(data.subarray(data.length - 70000)));
      await c.delete('big.bin');
    });

    test('storage class per object and SSE AES256 are stored and echoed', async () => {
      const p = await c.put('ia.txt', Buffer.from('ia'), { headers: { 'x-oss-storage-class': 'IA' } });
      assert.equal(p.res.status, 200);
      let h = await c.head('ia.txt');
      assert.equal(h.res.headers['x-oss-storage-class'], 'IA');
      assert.equal((await c.list({ prefix: 'ia.txt' })).objects[0].storageClass, 'IA');
      await expectOssError(() => c.put('bogus-sc.txt', Buffer.from('x'), { headers: { 'x-oss-storage-class': 'Bogus' } }),
        { code: 'InvalidArgument', status: 400 });
      const s = await c.put('sse.txt', Buffer.from('sse'), { headers: { 'x-oss-server-side-encryption': 'AES256' } });
      assert.equal(s.res.headers['x-oss-server-side-encryption'], 'AES256');
      h = await c.head('sse.txt');
      assert.equal(h.res.headers['x-oss-server-side-encryption'], 'AES256');
      const g = await c.get('sse.txt');
      assert.equal(g.res.headers['x-oss-server-side-encryption'], 'AES256');
      assert.deepEqual(g.content, Buffer.from('sse'));
      await expectOssError(() => c.put('sse-bad.txt', Buffer.from('x'), { headers: { 'x-oss-server-side-encryption': 'AES128' } }),
        { code: 'InvalidEncryptionAlgorithmError', status: 400 });
      await expectOssError(() => c.head('bogus-sc.txt'), { code: 'NoSuchKey', status: 404 });
      await expectOssError(() => c.head('sse-bad.txt'), { code: 'NoSuchKey', status: 404 });
    });

    test('stored Expires, Content-Encoding, Content-Language, Cache-Control, Content-Disposition', async () => {
      const headers = {
        Expires: 'Thu, 01 Jan 2099 00:00:00 GMT', 'Content-Encoding': 'gzip', 'Content-Language': 'de-DE',
        'Cache-Control': 'no-store', 'Content-Disposition': 'attachment; filename="x.bin"',
      };
      await c.put('stored-headers.bin', Buffer.from('h'), { headers });
      const r = await signedRaw(d, { bucket, key: 'stored-headers.bin', mode, v4 });
      assert.equal(r.status, 200);
      for (const [k, v] of Object.entries(headers)) assert.equal(r.headers[k.toLowerCase()], v, k);
    });

    test('keys with dot segments and double slashes are literal (hand-signed, no client normalisation)', async () => {
      const keys = ['x/../dot.txt', './dot.txt', 'a//b', 'a/./b', 'dot.txt'];
      for (const [i, key] of keys.entries()) {
        const r = await signedRaw(d, { method: 'PUT', bucket, key, mode, v4, body: `body ${i}` });
        assert.equal(r.status, 200, `${key}: ${r.body}`);
      }
      for (const [i, key] of keys.entries()) {
        const r = await signedRaw(d, { bucket, key, mode, v4 });
        assert.equal(r.status, 200, key);
        assert.equal(String(r.body), `body ${i}`, key);
      }
      const listed = (await c.list({ 'max-keys': 1000 })).objects.map((o) => o.name);
      for (const k of keys) assert.ok(listed.includes(k), k);
      await c.deleteMulti(keys, { quiet: true });
    });

    test('parallel puts, gets and overwrites of one key', async () => {
      const datas = Array.from({ length: 24 }, (_, i) => pattern(1000 + i * 997, 100 + i));
      await Promise.all(datas.map((b, i) => c.put(`par/${i}.bin`, b)));
      const got = await Promise.all(datas.map((_, i) => c.get(`par/${i}.bin`)));
      got.forEach((g, i) => assert.ok(g.content.equals(datas[i]), `par/${i}`));
      const versions = Array.from({ length: 8 }, (_, i) => pattern(70000 + i, 200 + i));
      await Promise.all(versions.map((b) => c.put('par/same.bin', b)));
      const g = await c.get('par/same.bin');
      const idx = versions.findIndex((b) => b.equals(g.content));
      assert.ok(idx >= 0, 'the object is one whole version, not a mix');
      assert.equal(g.res.headers.etag, quotedMd5(versions[idx]));
      assert.equal(g.res.headers['x-oss-hash-crc64ecma'], crc64ecma(versions[idx]));
      const l = await c.list({ prefix: 'par/', 'max-keys': 100 });
      assert.equal(l.objects.length, 25);
      await c.deleteMulti(l.objects.map((o) => o.name), { quiet: true });
    });

    test('x-oss-forbid-overwrite: true refuses an existing key; false/absent overwrite', async () => {
      const v1 = Buffer.from('version one');
      await c.put('fo.txt', v1);
      const e = await expectOssError(() => c.put('fo.txt', Buffer.from('version two'), {
        headers: { 'x-oss-forbid-overwrite': 'true' },
      }), { code: 'FileAlreadyExists', status: 409, ec: '0026-00000002' });
      assert.equal(e.message, 'The object you specified already exists and can not be overwritten.');
      const g = await c.get('fo.txt');
      assert.deepEqual(g.content, v1);
      assert.equal(g.res.headers.etag, quotedMd5(v1));
      // The same through putStream (chunked): refused before the body.
      await expectOssError(() => c.putStream('fo.txt', Readable.from([Buffer.from('streamed')]), {
        headers: { 'x-oss-forbid-overwrite': 'true' },
      }), { code: 'FileAlreadyExists', status: 409, ec: '0026-00000002' });
      assert.deepEqual((await c.get('fo.txt')).content, v1);

      const v2 = Buffer.from('version two');
      await c.put('fo.txt', v2, { headers: { 'x-oss-forbid-overwrite': 'false' } });
      assert.deepEqual((await c.get('fo.txt')).content, v2);
      const v3 = Buffer.from('version three');
      await c.put('fo.txt', v3);
      assert.deepEqual((await c.get('fo.txt')).content, v3);

      const n = await c.put('fo-new.txt', Buffer.from('new'), { headers: { 'x-oss-forbid-overwrite': 'true' } });
      assert.equal(n.res.status, 200);
      assert.deepEqual((await c.get('fo-new.txt')).content, Buffer.from('new'));
      // After a delete the key is free again.
      await c.delete('fo-new.txt');
      await c.put('fo-new.txt', Buffer.from('again'), { headers: { 'x-oss-forbid-overwrite': 'true' } });

      await expectOssError(() => c.put('fo.txt', Buffer.from('x'), { headers: { 'x-oss-forbid-overwrite': 'maybe' } }),
        { code: 'InvalidArgument', status: 400, ec: '0017-00000279' });
      assert.deepEqual((await c.get('fo.txt')).content, v3);
    });
  });
}

test('raw PUT: Content-MD5 mismatch and malformed digest, FileAlreadyExists body', async () => {
  const bucket = 'obj-raw';
  const c = ossClient(d, { bucket });
  await c.putBucket(bucket);
  const body = Buffer.from('raw body');
  let r = await signedRaw(d, {
    method: 'PUT', bucket, key: 'r.txt', body, headers: { 'content-md5': md5b64(Buffer.from('x')) },
  });
  assert.equal(r.status, 400);
  assert.equal(xmlText(r.body, 'Code'), 'BadDigest');
  assert.equal(r.headers['x-oss-ec'], xmlText(r.body, 'EC'));
  r = await signedRaw(d, { method: 'PUT', bucket, key: 'r.txt', body, headers: { 'content-md5': '%%%' } });
  assert.equal(r.status, 400);
  assert.equal(xmlText(r.body, 'Code'), 'InvalidDigest');
  r = await signedRaw(d, { method: 'PUT', bucket, key: 'r.txt', body, headers: { 'content-md5': md5b64(body) } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.etag, quotedMd5(body));
  r = await signedRaw(d, {
    method: 'PUT', bucket, key: 'r.txt', body: Buffer.from('other'), headers: { 'x-oss-forbid-overwrite': 'true' },
  });
  assert.equal(r.status, 409);
  assert.equal(r.headers['x-oss-ec'], '0026-00000002');
  assert.equal(xmlText(r.body, 'Code'), 'FileAlreadyExists');
  assert.equal(xmlText(r.body, 'EC'), '0026-00000002');
  assert.equal(xmlText(r.body, 'RequestId'), r.headers['x-oss-request-id']);
  r = await signedRaw(d, { bucket, key: 'r.txt' });
  assert.deepEqual(r.body, body);
});
