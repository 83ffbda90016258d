// Bucket inventory with IncludedObjectVersions (inventory-report.md §5):
// All on a versioned bucket lists every version and delete marker, newest
// first within a key, with VersionId, IsLatest and IsDeleteMarker right
// after Key (compared with ListObjectVersions); Current lists the current
// objects only, without those columns; All on a never-versioned bucket has
// no version columns either. Reports are written with `coffer inventory run`.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const zlib = require('node:zlib');
const { startDaemon, ossClient, signedRaw, xmlText } = require('./lib/coffer');

const SRC = 'invv-src';
const PLAIN = 'invv-plain';
const DST = 'invv-dst';
const SUBRES = new Set(['versions', 'versioning', 'versionId', 'inventory', 'inventoryId']);
let d;
let c;
let acct;

const md5 = (b) => crypto.createHash('md5').update(b).digest('hex');
const enc = (k) => encodeURIComponent(k).replace(/%2F/g, '/')
  .replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

before(async () => {
  d = await startDaemon();
  c = ossClient(d, { bucket: SRC });
  for (const b of [SRC, PLAIN, DST]) await c.putBucket(b);
  acct = (await c.getBucketInfo(SRC)).bucket.Owner.ID;
  const pc = ossClient(d, { bucket: PLAIN });
  await pc.put('data/p1', Buffer.from('p1'));
  await pc.put('data/p2', Buffer.from('p22'));
  // SRC: a null version written before versioning, then Enabled writes,
  // a delete, a Suspended write and a key whose current version is a marker.
  await c.put('data/a', Buffer.from('a-null'));
  await putVersioning(SRC, 'Enabled');
  await c.put('data/a', Buffer.from('a-v2!'));
  await c.put('data/a', Buffer.from('a-v3!!'));
  await c.put('data/b c', Buffer.from('b1'));
  await c.delete('data/b c');
  await c.put('data/d', Buffer.from('d1'));
  await c.put('other/x', Buffer.from('x'));
  await putVersioning(SRC, 'Suspended');
  await c.put('data/d', Buffer.from('d-null'));
});
after(async () => {
  assert.equal(await d.stop(), 0);
  fs.rmSync(d.dataDir, { recursive: true, force: true });
});

async function putVersioning(bucket, status) {
  const body = `<VersioningConfiguration><Status>${status}</Status></VersioningConfiguration>`;
  const r = await signedRaw(d, { method: 'PUT', bucket, query: { versioning: '' }, body,
    headers: { 'content-type': 'application/xml' }, subres: SUBRES });
  assert.equal(r.status, 200, r.body.toString());
}

async function putInventory(bucket, id, versions) {
  const xml = `<InventoryConfiguration><Id>${id}</Id><IsEnabled>true</IsEnabled>` +
    '<Filter><Prefix>data/</Prefix></Filter><Destination><OSSBucketDestination><Format>CSV</Format>' +
    `<AccountId>${acct}</AccountId><RoleArn>acs:ram::${acct}:role/AliyunOSSRole</RoleArn>` +
    `<Bucket>acs:oss:::${DST}</Bucket><Prefix>reports</Prefix></OSSBucketDestination></Destination>` +
    `<Schedule><Frequency>Daily</Frequency></Schedule><IncludedObjectVersions>${versions}</IncludedObjectVersions>` +
    '<OptionalFields><Field>ETag</Field><Field>Size</Field><Field>LastModifiedDate</Field></OptionalFields>' +
    '</InventoryConfiguration>';
  const r = await signedRaw(d, { method: 'PUT', bucket, query: { inventory: '', inventoryId: id }, body: xml,
    headers: { 'content-type': 'application/xml' }, subres: SUBRES });
  assert.equal(r.status, 200, r.body.toString());
  const g = await signedRaw(d, { bucket, query: { inventory: '', inventoryId: id }, subres: SUBRES });
  assert.equal(xmlText(g.body, 'IncludedObjectVersions'), versions);
}

async function readReport(manifestKey) {
  const dc = ossClient(d, { bucket: DST });
  const mbytes = (await dc.get(manifestKey)).content;
  const manifest = JSON.parse(mbytes.toString());
  assert.equal((await dc.get(manifestKey.replace(/manifest\.json$/, 'manifest.checksum'))).content.toString(), md5(mbytes));
  const rows = [];
  for (const f of manifest.files) {
    const r = await dc.get(f.key);
    assert.equal(md5(r.content), f.MD5checksum);
    const csv = zlib.gunzipSync(r.content).toString();
    for (const line of csv.slice(0, -1).split('\n')) rows.push(line.slice(1, -1).split('","'));
  }
  return { manifest, rows };
}

// ListObjectVersions' entries under prefix, in document order.
async function listVersions(bucket, prefix) {
  const r = await signedRaw(d, { bucket, query: { versions: '', prefix }, subres: SUBRES });
  assert.equal(r.status, 200);
  return [...r.body.toString().matchAll(/<(Version|DeleteMarker)>([\s\S]*?)<\/\1>/g)].map((m) => ({
    dm: m[1] === 'DeleteMarker', key: xmlText(m[2], 'Key'), vid: xmlText(m[2], 'VersionId'),
    latest: xmlText(m[2], 'IsLatest'), size: xmlText(m[2], 'Size'),
    etag: (xmlText(m[2], 'ETag') || '').replace(/&quot;/g, ''), time: xmlText(m[2], 'LastModified'),
  }));
}

test('All on a versioned bucket: every version and delete marker, version columns after Key', async () => {
  await putInventory(SRC, 'all1', 'All');
  const key = d.coffer('inventory', 'run', SRC, 'all1').trim();
  const { manifest, rows } = await readReport(key);
  assert.equal(manifest.fileSchema, 'Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag');
  const lv = await listVersions(SRC, 'data/');
  const want = lv.map((v) => [SRC, enc(v.key), v.vid, v.latest, String(v.dm),
    v.dm ? '' : v.size, v.time, v.dm ? '' : v.etag]);
  assert.deepEqual(rows, want);
  // What the history above must have left: a: v3 v2 null; b c: marker, b1; d: null, d1.
  assert.deepEqual(rows.map((r) => [r[1], r[3], r[4]]), [
    ['data/a', 'true', 'false'], ['data/a', 'false', 'false'], ['data/a', 'false', 'false'],
    ['data/b%20c', 'true', 'true'], ['data/b%20c', 'false', 'false'],
    ['data/d', 'true', 'false'], ['data/d', 'false', 'false'],
  ]);
  assert.equal(rows[2][2], 'null');
  assert.equal(rows[5][2], 'null');
  assert.match(rows[0][2], /^CAEQ/);
  assert.equal(rows[3][5], '', 'a delete marker has no size');
});

test('Current on a versioned bucket: current objects only, no version columns', async () => {
  await putInventory(SRC, 'cur1', 'Current');
  const key = d.coffer('inventory', 'run', SRC, 'cur1').trim();
  const { manifest, rows } = await readReport(key);
  assert.equal(manifest.fileSchema, 'Bucket, Key, Size, LastModifiedDate, ETag');
  const l = await c.list({ prefix: 'data/' });
  assert.deepEqual(rows, l.objects.map((o) => [SRC, enc(o.name), String(o.size), o.lastModified, o.etag.replace(/"/g, '')]));
  assert.deepEqual(rows.map((r) => r[1]), ['data/a', 'data/d']);
});

test('All on a never-versioned bucket: no version columns', async () => {
  await putInventory(PLAIN, 'allp', 'All');
  const key = d.coffer('inventory', 'run', PLAIN, 'allp').trim();
  const { manifest, rows } = await readReport(key);
  assert.equal(manifest.fileSchema, 'Bucket, Key, Size, LastModifiedDate, ETag');
  assert.deepEqual(rows.map((r) => [r[1], r[2]]), [['data/p1', '2'], ['data/p2', '3']]);
});
