// AppendObject through ali-oss and hand-signed requests (spec oss-api.md
// §3.2 AppendObject, §1.3 row 7 PositionNotEqualToLength, "other 409s"
// ObjectNotAppendable): creation at 0, continuation, the two 409s with their
// ECs, x-oss-next-append-position on success and on the 409, the cumulative
// CRC-64, HEAD of an appendable object, byte-exact content after many
// appends of odd sizes, and N clients racing at one position.
'use strict';
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const {
  startDaemon, ossClient, expectOssError, signedRaw, crc64ecma, xmlText,
} = require('./lib/coffer');

let d;
before(async () => { d = await startDaemon(); });
after(async () => { assert.equal(await d.stop(), 0); });

// Deterministic bytes: an AES-CTR keystream keyed by the seed.
function seeded(n, seed) {
  const key = crypto.createHash('sha256').update(`append-${seed}`).digest();
  const c = crypto.createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return c.update(Buffer.alloc(n));
}

// mulberry32: a small seeded PRNG for sizes, printed seeds make failures
// reproducible.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SIGS = [
  { v4: false, mode: 'ip', tag: 'V1' },
  { v4: true, mode: 'path', tag: 'V4' },
];

for (const { v4, mode, tag } of SIGS) {
  describe(tag, () => {
    const bucket = `app-${tag.toLowerCase()}`;
    let c;
    before(async () => {
      c = ossClient(d, { bucket, v4, mode });
      await c.putBucket(bucket);
    });

    test('create at 0, continue at nextAppendPosition, cumulative CRC-64, HEAD', async () => {
      const a = Buffer.from('abc');
      const b = Buffer.from('defgh');
      const r1 = await c.append('log.txt', a);
      assert.equal(r1.res.status, 200);
      assert.equal(r1.nextAppendPosition, '3');
      assert.equal(r1.res.headers['x-oss-hash-crc64ecma'], crc64ecma(a));
      const r2 = await c.append('log.txt', b, { position: r1.nextAppendPosition });
      assert.equal(r2.nextAppendPosition, '8');
      const all = Buffer.concat([a, b]);
      assert.equal(r2.res.headers['x-oss-hash-crc64ecma'], crc64ecma(all));
      const h = await c.head('log.txt');
      assert.equal(h.res.headers['x-oss-object-type'], 'Appendable');
      assert.equal(h.res.headers['x-oss-next-append-position'], '8');
      assert.equal(h.res.headers['content-length'], '8');
      assert.equal(h.res.headers['x-oss-hash-crc64ecma'], crc64ecma(all));
      const g = await c.get('log.txt');
      assert.deepEqual(g.content, all);
      assert.equal(g.res.headers['x-oss-object-type'], 'Appendable');
      // Listing reports the type too.
      const l = await c.list({ prefix: 'log.txt' });
      assert.equal(l.objects.length, 1);
      assert.equal(l.objects[0].type, 'Appendable');
      assert.equal(l.objects[0].size, 8);
    });

    test('wrong position → 409 PositionNotEqualToLength (EC 0026-00000016), object unchanged', async () => {
      await c.append('pos.txt', Buffer.from('12345'));
      const e = await expectOssError(() => c.append('pos.txt', Buffer.from('x'), { position: 0 }),
        { code: 'PositionNotEqualToLength', status: 409, ec: '0026-00000016' });
      assert.equal(e.message, 'Position is not equal to file length');
      await expectOssError(() => c.append('pos.txt', Buffer.from('x'), { position: 6 }),
        { code: 'PositionNotEqualToLength', status: 409, ec: '0026-00000016' });
      await expectOssError(() => c.append('pos.txt', Buffer.from('x'), { position: 4 }),
        { code: 'PositionNotEqualToLength', status: 409, ec: '0026-00000016' });
      assert.deepEqual((await c.get('pos.txt')).content, Buffer.from('12345'));
    });

    test('position != 0 on a missing object → 409 PositionNotEqualToLength', async () => {
      await expectOssError(() => c.append('nothing-here.txt', Buffer.from('x'), { position: 5 }),
        { code: 'PositionNotEqualToLength', status: 409, ec: '0026-00000016' });
      await expectOssError(() => c.head('nothing-here.txt'), { code: 'NoSuchKey', status: 404 });
    });

    test('append to a Normal object → 409 ObjectNotAppendable (EC 0026-00000017)', async () => {
      await c.put('normal.txt', Buffer.from('hello world'));
      const e = await expectOssError(() => c.append('normal.txt', Buffer.from('x'), { position: 11 }),
        { code: 'ObjectNotAppendable', status: 409, ec: '0026-00000017' });
      assert.match(e.message, /^The object is not appendable/);
      // Also at position 0, which is not a special case for a Normal object.
      await expectOssError(() => c.append('normal.txt', Buffer.from('x'), { position: 0 }),
        { code: 'ObjectNotAppendable', status: 409, ec: '0026-00000017' });
      assert.deepEqual((await c.get('normal.txt')).content, Buffer.from('hello world'));
      // A PUT over an appendable object makes it Normal: appends stop.
      await c.append('was-appendable.txt', Buffer.from('ab'));
      await c.put('was-appendable.txt', Buffer.from('xyz'));
      assert.equal((await c.head('was-appendable.txt')).res.headers['x-oss-object-type'], 'Normal');
      await expectOssError(() => c.append('was-appendable.txt', Buffer.from('x'), { position: 3 }),
        { code: 'ObjectNotAppendable', status: 409, ec: '0026-00000017' });
    });

    test('50 appends of random sizes (0 B .. >64 KiB): every CRC and the final bytes match', async (t) => {
      const seed = Number(process.env.APPEND_SEED || (Date.now() % 1000000));
      t.diagnostic(`APPEND_SEED=${seed}`);
      const rnd = prng(seed);
      const parts = [];
      let pos = '0';
      let total = Buffer.alloc(0);
      const key = 'many.bin';
      for (let i = 0; i < 50; i++) {
        const kind = rnd();
        let n;
        if (kind < 0.12) n = 0;
        else if (kind < 0.35) n = 65536 + Math.floor(rnd() * 200000);
        else if (kind < 0.5) n = 65536 + (Math.floor(rnd() * 3) - 1); // chunk-boundary neighbours
        else n = 1 + Math.floor(rnd() * 5000);
        const buf = seeded(n, `${seed}-${i}`);
        parts.push(n);
        const r = await c.append(key, buf, { position: pos });
        total = Buffer.concat([total, buf]);
        assert.equal(r.nextAppendPosition, String(total.length), `seed ${seed} append ${i} (${n} B)`);
        assert.equal(r.res.headers['x-oss-hash-crc64ecma'], crc64ecma(total), `seed ${seed} append ${i} CRC`);
        pos = r.nextAppendPosition;
      }
      const g = await c.get(key);
      assert.equal(g.content.length, total.length, `seed ${seed} sizes ${parts.join(',')}`);
      assert.ok(g.content.equals(total), `seed ${seed}: content differs`);
      assert.equal(g.res.headers['x-oss-hash-crc64ecma'], crc64ecma(total));
      // A few ranges across append boundaries.
      for (let k = 0; k < 5; k++) {
        const a = Math.floor(rnd() * total.length);
        const b = Math.min(total.length - 1, a + Math.floor(rnd() * 100000));
        const rg = await c.get(key, { headers: { Range: `bytes=${a}-${b}` } });
        assert.equal(rg.res.status, 206);
        assert.ok(rg.content.equals(total.subarray(a, b + 1)), `seed ${seed} range ${a}-${b}`);
      }
    });

    test('zero-length first append creates an empty Appendable object at 0', async () => {
      const r = await c.append('empty.bin', Buffer.alloc(0));
      assert.equal(r.nextAppendPosition, '0');
      assert.equal(r.res.headers['x-oss-hash-crc64ecma'], '0');
      const h = await c.head('empty.bin');
      assert.equal(h.res.headers['x-oss-object-type'], 'Appendable');
      assert.equal(h.res.headers['content-length'], '0');
      // Position 0 stays valid while the length is 0.
      const r2 = await c.append('empty.bin', Buffer.from('z'), { position: 0 });
      assert.equal(r2.nextAppendPosition, '1');
    });
  });
}

describe('raw requests', () => {
  const bucket = 'app-raw';
  let c;
  before(async () => {
    c = ossClient(d, { bucket });
    await c.putBucket(bucket);
  });

  const append = (key, position, body, extra = {}) => signedRaw(d, {
    method: 'POST', bucket, key, body,
    query: position === undefined ? { append: '' } : { append: '', position: String(position) },
    headers: { 'content-type': 'application/octet-stream', ...extra },
  });

  test('409 carries x-oss-next-append-position = current length; 200 carries the new length', async () => {
    const r1 = await append('r.bin', 0, Buffer.from('0123456789'));
    assert.equal(r1.status, 200, r1.body.toString());
    assert.equal(r1.headers['x-oss-next-append-position'], '10');
    assert.equal(r1.headers['x-oss-hash-crc64ecma'], crc64ecma(Buffer.from('0123456789')));
    const bad = await append('r.bin', 3, Buffer.from('x'));
    assert.equal(bad.status, 409);
    assert.equal(bad.headers['x-oss-next-append-position'], '10');
    assert.equal(xmlText(bad.body, 'Code'), 'PositionNotEqualToLength');
    assert.equal(xmlText(bad.body, 'EC'), '0026-00000016');
    assert.equal(bad.headers['x-oss-ec'], '0026-00000016');
    // On a missing object the current length is 0.
    const miss = await append('r-missing.bin', 7, Buffer.from('x'));
    assert.equal(miss.status, 409);
    assert.equal(miss.headers['x-oss-next-append-position'], '0');
  });

  test('a wrong Content-MD5 → 400 BadDigest and nothing appended', async () => {
    await append('md5.bin', 0, Buffer.from('abc'));
    const bad = await append('md5.bin', 3, Buffer.from('def'), { 'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA==' });
    assert.equal(bad.status, 400, bad.body.toString());
    assert.equal(xmlText(bad.body, 'Code'), 'BadDigest');
    const g = await c.get('md5.bin');
    assert.deepEqual(g.content, Buffer.from('abc'));
    assert.equal(g.res.headers['x-oss-next-append-position'], '3');
    const ok = await append('md5.bin', 3, Buffer.from('def'));
    assert.equal(ok.status, 200);
    assert.deepEqual((await c.get('md5.bin')).content, Buffer.from('abcdef'));
  });

  test('missing position → 400 (EC 0016-00000501); malformed position → 400', async () => {
    const r = await append('nopos.bin', undefined, Buffer.from('x'));
    assert.equal(r.status, 400, r.body.toString());
    assert.equal(xmlText(r.body, 'EC'), '0016-00000501');
    const r2 = await append('nopos.bin', 'abc', Buffer.from('x'));
    assert.equal(r2.status, 400, r2.body.toString());
    const h = await signedRaw(d, { method: 'HEAD', bucket, key: 'nopos.bin' });
    assert.equal(h.status, 404);
  });

  test('N clients appending at the same position: exactly one 200, the rest 409, content consistent', async () => {
    const N = 8;
    const key = 'race.bin';
    let expect = Buffer.from('base:');
    await c.append(key, expect);
    for (let round = 0; round < 5; round++) {
      const pos = expect.length;
      const bodies = Array.from({ length: N }, (_, i) => seeded(1000 + i * 7000, `race-${round}-${i}`));
      const clients = bodies.map(() => ossClient(d, { bucket }));
      const results = await Promise.allSettled(bodies.map((b, i) => clients[i].append(key, b, { position: pos })));
      const ok = results.map((r, i) => [r, i]).filter(([r]) => r.status === 'fulfilled');
      assert.equal(ok.length, 1, `round ${round}: ${ok.length} winners`);
      for (const r of results) {
        if (r.status === 'rejected') {
          assert.equal(r.reason.code, 'PositionNotEqualToLength', `round ${round}: ${r.reason.message}`);
          assert.equal(r.reason.status, 409);
        }
      }
      const winner = ok[0][1];
      expect = Buffer.concat([expect, bodies[winner]]);
      assert.equal(ok[0][0].value.nextAppendPosition, String(expect.length));
      const g = await c.get(key);
      assert.ok(g.content.equals(expect), `round ${round}: content is not base + winner`);
      assert.equal(g.res.headers['x-oss-hash-crc64ecma'], crc64ecma(expect));
    }
  });
});

test('an appendable object survives a daemon restart: next position, CRC and bytes', async () => {
  const d1 = await startDaemon();
  const c1 = ossClient(d1, { bucket: 'app-restart' });
  await c1.putBucket('app-restart');
  const a = seeded(100000, 'restart-a');
  await c1.append('r.log', a);
  assert.equal(await d1.stop(), 0);
  const d2 = await startDaemon({ dataDir: d1.dataDir });
  try {
    const c2 = ossClient(d2, { bucket: 'app-restart' });
    await expectOssError(() => c2.append('r.log', Buffer.from('x'), { position: 0 }),
      { code: 'PositionNotEqualToLength', status: 409 });
    const b = seeded(777, 'restart-b');
    const r = await c2.append('r.log', b, { position: a.length });
    const all = Buffer.concat([a, b]);
    assert.equal(r.nextAppendPosition, String(all.length));
    assert.equal(r.res.headers['x-oss-hash-crc64ecma'], crc64ecma(all));
    assert.ok((await c2.get('r.log')).content.equals(all));
  } finally {
    assert.equal(await d2.stop(), 0);
  }
});
