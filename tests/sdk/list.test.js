// ListObjects (V1) and ListObjectsV2 through ali-oss: prefix, delimiter and
// CommonPrefixes, marker / start-after / continuation-token pagination,
// max-keys, encoding-type=url (spec oss-api.md §3.1), with V1 and V4
// signatures and both addressing modes.
'use strict';
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const {
  startDaemon, ossClient, expectOssError, signedRaw, md5hex, xmlText, xmlAll, COMBOS,
} = require('./lib/coffer');

let d;
before(async () => { d = await startDaemon(); });
after(async () => {
  assert.equal(await d.stop(), 0);
  fs.rmSync(d.dataDir, { recursive: true, force: true });
});

const PAGE_KEYS = Array.from({ length: 25 }, (_, i) => `pg/k${String(i).padStart(2, '0')}`);
const TREE_KEYS = ['tree/a.txt', 'tree/d1/x', 'tree/d1/y', 'tree/d2/sub/w', 'tree/d2/z', 'tree/e.txt'];
const ENC_KEYS = ['enc/a b.txt', 'enc/ü+&.txt', 'enc/x%y.txt'];

// Walks every page of a listing; returns the pages.
async function pages(fetch, max = 50) {
  const out = [];
  let cursor = null;
  for (let i = 0; i < max; i++) {
    const p = await fetch(cursor);
    out.push(p);
    if (!p.isTruncated) return out;
    cursor = p.nextMarker || p.nextContinuationToken;
    assert.ok(cursor, 'a truncated page must say where to continue');
  }
  throw new Error('listing did not end');
}

for (const { v4, mode, tag } of COMBOS) {
  describe(tag, () => {
    const bucket = `list-${tag}`;
    let c;
    before(async () => {
      c = ossClient(d, { bucket, v4, mode });
      await c.putBucket(bucket);
      for (const k of [...PAGE_KEYS, ...TREE_KEYS, ...ENC_KEYS]) await c.put(k, Buffer.from(k));
    });

    test('list: Contents fields', async () => {
      const l = await c.list({ prefix: 'tree/a', 'max-keys': 10 });
      assert.equal(l.res.status, 200);
      assert.equal(l.objects.length, 1);
      const o = l.objects[0];
      assert.equal(o.name, 'tree/a.txt');
      assert.equal(o.etag, `"${md5hex(Buffer.from('tree/a.txt'))}"`);
      assert.equal(o.size, 10);
      assert.equal(o.type, 'Normal');
      assert.equal(o.storageClass, 'Standard');
      assert.match(o.lastModified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(Math.abs(Date.parse(o.lastModified) - Date.now()) < 120000);
      assert.ok(o.owner.id.length > 0);
      assert.equal(l.isTruncated, false);
      assert.equal(l.nextMarker, null);
      assert.equal(l.prefixes, null);
      const none = await c.list({ prefix: 'nothing/' });
      assert.deepEqual(none.objects, []);
      assert.equal(none.prefixes, null);
      assert.equal(none.isTruncated, false);
    });

    test('list: prefix and delimiter give CommonPrefixes', async () => {
      const l = await c.list({ prefix: 'tree/', delimiter: '/' });
      assert.deepEqual(l.objects.map((o) => o.name), ['tree/a.txt', 'tree/e.txt']);
      assert.deepEqual(l.prefixes, ['tree/d1/', 'tree/d2/']);
      assert.equal(l.isTruncated, false);
      const l2 = await c.list({ prefix: 'tree/d2/', delimiter: '/' });
      assert.deepEqual(l2.objects.map((o) => o.name), ['tree/d2/z']);
      assert.deepEqual(l2.prefixes, ['tree/d2/sub/']);
      const flat = await c.list({ prefix: 'tree/' });
      assert.deepEqual(flat.objects.map((o) => o.name), TREE_KEYS);
      assert.equal(flat.prefixes, null);
      // Top level: every key rolls up.
      const top = await c.list({ delimiter: '/' });
      assert.deepEqual(top.objects, []);
      assert.deepEqual(top.prefixes, ['enc/', 'pg/', 'tree/']);
    });

    test('list: marker and max-keys', async () => {
      const l = await c.list({ prefix: 'pg/', marker: 'pg/k10', 'max-keys': 3 });
      assert.deepEqual(l.objects.map((o) => o.name), ['pg/k11', 'pg/k12', 'pg/k13']);
      assert.equal(l.isTruncated, true);
      assert.equal(l.nextMarker, 'pg/k13');
      const end = await c.list({ prefix: 'pg/', marker: 'pg/k23', 'max-keys': 3 });
      assert.deepEqual(end.objects.map((o) => o.name), ['pg/k24']);
      assert.equal(end.isTruncated, false);
      assert.equal(end.nextMarker, null);
      // A marker that is not itself a key.
      const mid = await c.list({ prefix: 'pg/', marker: 'pg/k05x', 'max-keys': 2 });
      assert.deepEqual(mid.objects.map((o) => o.name), ['pg/k06', 'pg/k07']);
    });

    test('list: 25 keys in pages of 7, every key exactly once', async () => {
      const ps = await pages((marker) => c.list({ prefix: 'pg/', 'max-keys': 7, ...(marker ? { marker } : {}) }));
      assert.deepEqual(ps.map((p) => p.objects.length), [7, 7, 7, 4]);
      assert.deepEqual(ps.map((p) => p.isTruncated), [true, true, true, false]);
      for (const p of ps.slice(0, 3)) assert.equal(p.nextMarker, p.objects[p.objects.length - 1].name);
      assert.deepEqual(ps.flatMap((p) => p.objects.map((o) => o.name)), PAGE_KEYS);
    });

    test('list: paging with a delimiter counts prefixes and never repeats one', async () => {
      const ps = await pages((marker) => c.list({
        prefix: 'tree/', delimiter: '/', 'max-keys': 1, ...(marker ? { marker } : {}),
      }));
      const seen = ps.flatMap((p) => [...p.objects.map((o) => o.name), ...(p.prefixes || [])]);
      assert.deepEqual(seen, ['tree/a.txt', 'tree/d1/', 'tree/d2/', 'tree/e.txt']);
      assert.deepEqual(ps.map((p) => p.isTruncated), [true, true, true, false]);
      assert.equal(ps[1].nextMarker, 'tree/d1/');
    });

    test('list: encoding-type=url encodes keys and prefixes', async () => {
      const l = await c.list({ prefix: 'enc/', 'encoding-type': 'url' });
      const names = l.objects.map((o) => o.name);
      assert.deepEqual(names.map((n) => decodeURIComponent(n)), ENC_KEYS.slice().sort(
        (x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
      for (const n of names) assert.match(n, /^[A-Za-z0-9%._~\-/*]+$/, n);
      assert.ok(names.includes('enc/a%20b.txt') || names.includes('enc%2Fa%20b.txt'), names.join());
      assert.ok(names.some((n) => /%C3%BC%2B%26\.txt$/.test(n)), names.join());
      const r = await signedRaw(d, { bucket, mode, query: { prefix: 'enc/', delimiter: '/', 'encoding-type': 'url' } });
      assert.equal(r.status, 200);
      assert.equal(xmlText(r.body, 'EncodingType'), 'url');
      assert.equal(decodeURIComponent(xmlText(r.body, 'Prefix')), 'enc/');
      assert.equal(decodeURIComponent(xmlText(r.body, 'Delimiter')), '/');
      // Without encoding-type the XML carries the raw (escaped) key.
      const plain = await signedRaw(d, { bucket, mode, query: { prefix: 'enc/' } });
      assert.deepEqual(xmlAll(plain.body, 'Key'), ['enc/a b.txt', 'enc/x%y.txt', 'enc/ü+&amp;.txt']);
    });

    test('list: bytewise UTF-8 order and delimiter paging around keys that sort before "/"', async () => {
      const keys = ['ord/Z', 'ord/a', 'ord/a!b', 'ord/a/1', 'ord/a/2', 'ord/a0', 'ord/é', 'ord/日', 'ord/\uFB00', 'ord/😀', 'ord/b/1'];
      for (const k of keys) await c.put(k, Buffer.from('o'));
      const bytewise = (x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y));
      const all = await c.list({ prefix: 'ord/' });
      assert.deepEqual(all.objects.map((o) => o.name), keys.slice().sort(bytewise));
      // (UTF-16 order would put the emoji before U+FB00.)
      assert.ok(all.objects.findIndex((o) => o.name === 'ord/\uFB00') < all.objects.findIndex((o) => o.name === 'ord/😀'));
      const ps = await pages((marker) => c.list({
        prefix: 'ord/', delimiter: '/', 'max-keys': 2, ...(marker ? { marker } : {}),
      }));
      const seen = ps.flatMap((p) => [...p.objects.map((o) => o.name), ...(p.prefixes || [])].sort(bytewise));
      assert.deepEqual(seen, ['ord/Z', 'ord/a', 'ord/a!b', 'ord/a/', 'ord/a0', 'ord/b/', 'ord/é', 'ord/日', 'ord/\uFB00', 'ord/😀']);
      const v2 = await pages((token) => c.listV2({
        prefix: 'ord/', delimiter: '/', 'max-keys': 3, ...(token ? { 'continuation-token': token } : {}),
      }));
      assert.deepEqual(v2.flatMap((p) => [...p.objects.map((o) => o.name), ...(p.prefixes || [])].sort(bytewise)), seen);
      await c.deleteMulti(keys, { quiet: true });
    });

    test('list: invalid max-keys and encoding-type are InvalidArgument', async () => {
      await expectOssError(() => c.list({ 'max-keys': 1001 }), { code: 'InvalidArgument', status: 400 });
      await expectOssError(() => c.list({ 'max-keys': 'abc' }), { code: 'InvalidArgument', status: 400 });
      await expectOssError(() => c.list({ 'encoding-type': 'base64' }), { code: 'InvalidArgument', status: 400 });
    });

    test('listV2: continuation-token pages of 7, KeyCount, every key once', async () => {
      const tokens = [];
      const ps = await pages((token) => {
        tokens.push(token);
        return c.listV2({ prefix: 'pg/', 'max-keys': 7, ...(token ? { 'continuation-token': token } : {}) });
      });
      assert.deepEqual(ps.map((p) => p.keyCount), [7, 7, 7, 4]);
      assert.deepEqual(ps.map((p) => p.objects.length), [7, 7, 7, 4]);
      assert.deepEqual(ps.map((p) => p.isTruncated), [true, true, true, false]);
      assert.equal(ps[3].nextContinuationToken, null);
      // Each page echoes the token it was given.
      assert.deepEqual(ps.map((p) => p.continuationToken), tokens);
      assert.deepEqual(ps.flatMap((p) => p.objects.map((o) => o.name)), PAGE_KEYS);
      // V2 lists no Owner unless asked.
      assert.equal(ps[0].objects[0].owner, null);
      const withOwner = await c.listV2({ prefix: 'pg/', 'max-keys': 1, 'fetch-owner': true });
      assert.ok(withOwner.objects[0].owner.id.length > 0);
    });

    test('listV2: start-after, delimiter, encoding-type', async () => {
      const sa = await c.listV2({ prefix: 'pg/', 'start-after': 'pg/k20' });
      assert.deepEqual(sa.objects.map((o) => o.name), ['pg/k21', 'pg/k22', 'pg/k23', 'pg/k24']);
      assert.equal(sa.keyCount, 4);
      const t = await c.listV2({ prefix: 'tree/', delimiter: '/' });
      assert.deepEqual(t.objects.map((o) => o.name), ['tree/a.txt', 'tree/e.txt']);
      assert.deepEqual(t.prefixes, ['tree/d1/', 'tree/d2/']);
      assert.equal(t.keyCount, 4);
      const ps = await pages((token) => c.listV2({
        prefix: 'tree/', delimiter: '/', 'max-keys': 1, ...(token ? { 'continuation-token': token } : {}),
      }));
      assert.deepEqual(ps.flatMap((p) => [...p.objects.map((o) => o.name), ...(p.prefixes || [])]),
        ['tree/a.txt', 'tree/d1/', 'tree/d2/', 'tree/e.txt']);
      const e = await c.listV2({ prefix: 'enc/', 'encoding-type': 'url' });
      assert.deepEqual(e.objects.map((o) => decodeURIComponent(o.name)).sort(), ENC_KEYS.slice().sort());
      assert.ok(e.objects.every((o) => !/[ &+ü]/.test(o.name)));
    });
  });
}
