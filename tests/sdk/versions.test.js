// ListObjectVersions (GET /?versions, oss-api-2.md §1.5) through ali-oss and
// raw signed requests: the document's elements in order, a never-versioned
// bucket (one Version "null" per object), versions of an Enabled bucket
// newest first, paging through every (key, version) boundary with
// NextKeyMarker / NextVersionIdMarker, delimiter folding, encoding-type=url,
// the parameter limits and errors, access by another account, all four
// ways ali-oss signs and addresses, and RestoreInfo of an archived version.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const {
  startDaemon, ossClient, expectOssError, signedRaw, xmlText, xmlAll, COMBOS,
} = require('./lib/coffer');

const SUBRES = new Set(['versions', 'versioning', 'versionId']);
let d;
let c;

before(async () => {
  d = await startDaemon();
  c = ossClient(d, { bucket: 'ver-plain' });
});
after(async () => {
  assert.equal(await d.stop(), 0);
  fs.rmSync(d.dataDir, { recursive: true, force: true });
});

function listRaw(bucket, query = {}) {
  return signedRaw(d, { bucket, query: { versions: '', ...query }, subres: SUBRES });
}

// Every entry of a ListVersionsResult in document order.
function entries(xml) {
  return [...String(xml).matchAll(/<(Version|DeleteMarker)>([\s\S]*?)<\/\1>/g)].map((m) => ({
    kind: m[1], key: xmlText(m[2], 'Key'), vid: xmlText(m[2], 'VersionId'),
    latest: xmlText(m[2], 'IsLatest') === 'true', body: m[2],
  }));
}

async function putVersioning(bucket, status) {
  const body = `<VersioningConfiguration><Status>${status}</Status></VersioningConfiguration>`;
  const r = await signedRaw(d, { method: 'PUT', bucket, query: { versioning: '' }, body,
    headers: { 'content-type': 'application/xml' }, subres: SUBRES });
  assert.equal(r.status, 200, r.body.toString());
}

test('never-versioned bucket: one Version "null" per object, exact document', async () => {
  await c.putBucket('ver-plain');
  await c.put('a.txt', Buffer.from('aaa'));
  await c.put('dir/b.txt', Buffer.from('bb'));
  const r = await listRaw('ver-plain');
  assert.equal(r.status, 200);
  const xml = r.body.toString();
  const head = xml.replace(/<Version>[\s\S]*$/, '');
  assert.match(head, /<ListVersionsResult><Name>ver-plain<\/Name><Prefix><\/Prefix><KeyMarker><\/KeyMarker><VersionIdMarker><\/VersionIdMarker><MaxKeys>100<\/MaxKeys><Delimiter><\/Delimiter><IsTruncated>false<\/IsTruncated>$/);
  assert.equal(xmlText(xml, 'NextKeyMarker'), undefined);
  const e = entries(xml);
  assert.deepEqual(e.map((x) => [x.kind, x.key, x.vid, x.latest]),
    [['Version', 'a.txt', 'null', true], ['Version', 'dir/b.txt', 'null', true]]);
  assert.match(e[0].body, /^<Key>a\.txt<\/Key><VersionId>null<\/VersionId><IsLatest>true<\/IsLatest><LastModified>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z<\/LastModified><ETag>&quot;[0-9A-F]{32}&quot;<\/ETag><Type>Normal<\/Type><Size>3<\/Size><StorageClass>Standard<\/StorageClass><Owner><ID>\d+<\/ID><DisplayName>\d+<\/DisplayName><\/Owner>$/);

  const s = await c.getBucketVersions({});
  assert.equal(s.objects.length, 2);
  assert.equal(s.objects[0].versionId, 'null');
  assert.equal(s.objects[0].isLatest, true);
  assert.equal(s.objects[0].size, 3);
  assert.deepEqual(s.deleteMarker, []);
  assert.equal(s.isTruncated, false);

  const f = await c.getBucketVersions({ delimiter: '/' });
  assert.deepEqual(f.objects.map((o) => o.name), ['a.txt']);
  assert.deepEqual(f.prefixes, ['dir/']);
});

test('Enabled bucket: versions newest first, paged through every boundary', async () => {
  const b = 'ver-enabled';
  await c.putBucket(b);
  await putVersioning(b, 'Enabled');
  const cb = ossClient(d, { bucket: b });
  const written = {};	// key -> ids, oldest first
  for (const [k, n] of [['k1', 3], ['k2', 1], ['k3', 2], ['p/x', 2], ['p/y', 1], ['z', 1]]) {
    written[k] = [];
    for (let i = 0; i < n; i++) {
      const r = await cb.put(k, Buffer.from(`${k}#${i}`));
      const id = r.res.headers['x-oss-version-id'];
      written[k].push(id || null);
    }
  }
  const full = entries((await listRaw(b)).body);
  assert.deepEqual(full.map((x) => x.key), ['k1', 'k1', 'k1', 'k2', 'k3', 'k3', 'p/x', 'p/x', 'p/y', 'z']);
  for (const k of Object.keys(written)) {
    const mine = full.filter((x) => x.key === k);
    assert.deepEqual(mine.map((x) => x.latest), mine.map((_, i) => i === 0), `IsLatest of ${k}`);
    assert.equal(new Set(mine.map((x) => x.vid)).size, mine.length, `ids of ${k} differ`);
    for (const x of mine) assert.match(x.vid, /^CAEQ[A-Za-z0-9._-]+$/);
    // newest first: the sizes tell the writes apart (k#i)
    const sizes = mine.map((x) => Number(xmlText(x.body, 'Size')));
    assert.deepEqual(sizes, mine.map(() => `${k}#0`.length));
    if (written[k][0] !== null) assert.deepEqual(mine.map((x) => x.vid), [...written[k]].reverse());
  }

  for (const max of [1, 2, 3, 4, 7]) {
    const got = [];
    let km; let vm;
    for (let page = 0; page < 20; page++) {
      const q = { 'max-keys': String(max) };
      if (km !== undefined) { q['key-marker'] = km; q['version-id-marker'] = vm; }
      const r = await listRaw(b, q);
      assert.equal(r.status, 200);
      const xml = r.body.toString();
      const e = entries(xml);
      assert.ok(e.length <= max);
      got.push(...e);
      if (xmlText(xml, 'IsTruncated') !== 'true') {
        assert.equal(xmlText(xml, 'NextKeyMarker'), undefined);
        break;
      }
      assert.equal(e.length, max);
      km = xmlText(xml, 'NextKeyMarker');
      vm = xmlText(xml, 'NextVersionIdMarker');
      assert.equal(km, e[e.length - 1].key);
      assert.equal(vm, e[e.length - 1].vid);
    }
    assert.deepEqual(got.map((x) => [x.key, x.vid]), full.map((x) => [x.key, x.vid]), `max-keys ${max}`);
  }

  // delimiter: p/ folds into one common prefix that counts as one entry
  const pages = [];
  let km = '';
  let vm = '';
  for (let i = 0; i < 20; i++) {
    const r = await cb.getBucketVersions({ delimiter: '/', maxKeys: 2, keyMarker: km, versionIdMarker: vm });
    pages.push(r);
    if (!r.isTruncated) break;
    km = r.nextKeyMarker;
    vm = r.nextVersionIdMarker || '';
  }
  // pages of two entries: k1 k1 | k1 k2 | k3 k3 | p/ z
  assert.deepEqual(pages.map((p) => [...p.objects.map((o) => o.name), ...(p.prefixes || [])]),
    [['k1', 'k1'], ['k1', 'k2'], ['k3', 'k3'], ['z', 'p/']]);

  // a version-id-marker that names no version: the rest of the key is skipped
  const skip = entries((await listRaw(b, { 'key-marker': 'k1', 'version-id-marker': 'CAEQnosuchversion' })).body);
  assert.deepEqual(skip.map((x) => x.key)[0], 'k2');
  // key-marker alone: after every version of the key
  const after = entries((await listRaw(b, { 'key-marker': 'k3' })).body);
  assert.deepEqual(after.map((x) => x.key), ['p/x', 'p/x', 'p/y', 'z']);
  // prefix later than the marker wins
  const pre = entries((await listRaw(b, { prefix: 'p/', 'key-marker': 'k' })).body);
  assert.deepEqual(pre.map((x) => x.key), ['p/x', 'p/x', 'p/y']);
  // the marker's echo
  const echo = (await listRaw(b, { 'key-marker': 'k1', 'version-id-marker': full[0].vid, 'max-keys': '1' })).body.toString();
  assert.equal(xmlText(echo, 'KeyMarker'), 'k1');
  assert.equal(xmlText(echo, 'VersionIdMarker'), full[0].vid);
  assert.equal(xmlText(echo, 'MaxKeys'), '1');
  assert.deepEqual(entries(echo).map((x) => x.vid), [full[1].vid]);
});

test('encoding-type=url encodes Key, Prefix, Delimiter, KeyMarker, NextKeyMarker', async () => {
  const b = 'ver-enc';
  await c.putBucket(b);
  const cb = ossClient(d, { bucket: b });
  await cb.put('e/a b.txt', Buffer.from('1'));
  await cb.put('e/ü+&.txt', Buffer.from('2'));
  await cb.put('e/d/x', Buffer.from('3'));
  const r = await listRaw(b, { prefix: 'e/', delimiter: '/', 'key-marker': 'e/ ', 'encoding-type': 'url', 'max-keys': '1' });
  assert.equal(r.status, 200);
  const xml = r.body.toString();
  assert.equal(xmlText(xml, 'Prefix'), 'e%2F');
  assert.equal(xmlText(xml, 'Delimiter'), '%2F');
  assert.equal(xmlText(xml, 'KeyMarker'), 'e%2F%20');
  assert.equal(xmlText(xml, 'EncodingType'), 'url');
  assert.equal(xmlText(xml, 'IsTruncated'), 'true');
  assert.deepEqual(entries(xml).map((x) => x.key), ['e%2Fa%20b.txt']);
  assert.equal(xmlText(xml, 'NextKeyMarker'), 'e%2Fa%20b.txt');
  const r2 = await listRaw(b, { prefix: 'e/', delimiter: '/', 'key-marker': 'e/a b.txt', 'encoding-type': 'url' });
  const x2 = r2.body.toString();
  assert.deepEqual(xmlAll(x2, 'CommonPrefixes').map((p) => xmlText(p, 'Prefix')), ['e%2Fd%2F']);
  assert.deepEqual(entries(x2).map((x) => x.key), ['e%2F%C3%BC%2B%26.txt']);
  // CommonPrefixes come after the versions
  assert.ok(x2.indexOf('<CommonPrefixes>') > x2.lastIndexOf('</Version>'));
});

test('parameter limits and errors', async () => {
  const b = 'ver-plain';
  const bad = async (query, ec, name) => {
    const r = await listRaw(b, query);
    assert.equal(r.status, 400, JSON.stringify(query));
    const xml = r.body.toString();
    assert.equal(xmlText(xml, 'Code'), 'InvalidArgument');
    assert.equal(xmlText(xml, 'EC'), ec);
    if (name) assert.equal(xmlText(xml, 'ArgumentName'), name);
  };
  await bad({ 'max-keys': '1001' }, '0016-00000002', 'max-keys');
  await bad({ 'max-keys': '0' }, '0016-00000002', 'max-keys');
  await bad({ 'max-keys': 'x' }, '0016-00000002', 'max-keys');
  const long = 'a'.repeat(1025);
  for (const p of ['prefix', 'key-marker', 'version-id-marker', 'delimiter']) {
    await bad({ [p]: long, ...(p === 'version-id-marker' ? { 'key-marker': 'a' } : {}) }, '0016-00000002', p);
    if (p === 'version-id-marker') continue;	// 1024 bytes is no version id: 0012-00000105
    const ok = await listRaw(b, { [p]: 'a'.repeat(1024) });
    assert.equal(ok.status, 200, `${p} of 1024 bytes`);
  }
  await bad({ 'key-marker': 'a', 'version-id-marker': 'a'.repeat(1024) }, '0012-00000105', 'version-id-marker');
  await bad({ 'key-marker': 'a', 'version-id-marker': 'bad id%' }, '0012-00000105', 'version-id-marker');
  await bad({ 'encoding-type': 'base64' }, '0016-00000002', 'encoding-type');
  await expectOssError(() => ossClient(d, { bucket: 'ver-missing' }).getBucketVersions({}),
    { status: 404, code: 'NoSuchBucket', ec: '0015-00000101' });
  // another account: AccessDenied on a private bucket, allowed on public-read
  const bob = JSON.parse(d.coffer('account', 'create', 'bob-ver', '--json'));
  const cbob = ossClient(d, { bucket: b, ak: bob.AccessKeyId, sk: bob.AccessKeySecret });
  await expectOssError(() => cbob.getBucketVersions({}), { status: 403, code: 'AccessDenied' });
  await c.putBucketACL(b, 'public-read');
  assert.equal((await cbob.getBucketVersions({})).objects.length, 2);
  await c.putBucketACL(b, 'private');
});

test('ali-oss with V1 and V4 signatures, virtual-host and path style', async () => {
  const b = 'ver-combos';
  await c.putBucket(b);
  await putVersioning(b, 'Enabled');
  const cb = ossClient(d, { bucket: b });
  await cb.put('x', Buffer.from('1'));
  await cb.put('x', Buffer.from('22'));
  await cb.delete('x');
  for (const { v4, mode, tag } of COMBOS) {
    const cc = ossClient(d, { bucket: b, v4, mode });
    const all = await cc.getBucketVersions({ prefix: 'x' });
    assert.deepEqual(all.objects.map((o) => o.size), [2, 1], tag);
    assert.equal(all.deleteMarker.length, 1, tag);
    const p1 = await cc.getBucketVersions({ maxKeys: 1 });
    assert.equal(p1.isTruncated, true, tag);
    assert.equal(p1.deleteMarker[0].versionId, all.deleteMarker[0].versionId, tag);
    const p2 = await cc.getBucketVersions({ keyMarker: p1.nextKeyMarker, versionIdMarker: p1.nextVersionIdMarker });
    assert.deepEqual(p2.objects.map((o) => o.versionId), all.objects.map((o) => o.versionId), tag);
  }
});

test('RestoreInfo: what HeadObject says in x-oss-restore, per version', async () => {
  const b = 'ver-restore';
  await c.putBucket(b);
  await putVersioning(b, 'Enabled');
  const cb = ossClient(d, { bucket: b });
  const old = (await cb.put('arc', Buffer.from('old'), { headers: { 'x-oss-storage-class': 'Archive' } }))
    .res.headers['x-oss-version-id'];
  await cb.put('arc', Buffer.from('new'), { headers: { 'x-oss-storage-class': 'Archive' } });
  const restoreInfo = async () => entries((await listRaw(b)).body).map((e) => xmlText(e.body, 'RestoreInfo'));
  assert.deepEqual(await restoreInfo(), [undefined, undefined]);
  const rs = await signedRaw(d, { method: 'POST', bucket: b, key: 'arc', query: { restore: '', versionId: old },
    subres: new Set([...SUBRES, 'restore']) });
  assert.equal(rs.status, 202, rs.body.toString());
  const head = async () => (await cb.head('arc', { versionId: old })).res.headers['x-oss-restore'];
  const ongoing = await head();
  assert.equal(ongoing, 'ongoing-request="true"');
  assert.deepEqual(await restoreInfo(), [undefined, 'ongoing-request=&quot;true&quot;']);
  d.clockAdvance('2m');
  const done = await head();
  assert.match(done, /^ongoing-request="false", expiry-date=".+ GMT"$/);
  assert.deepEqual(await restoreInfo(), [undefined, done.replace(/"/g, '&quot;')]);
  const s = await cb.getBucketVersions({});
  assert.equal(s.objects[1].versionId, old);
  assert.equal(s.objects[1].restoreInfo.ongoingRequest, false);
});
