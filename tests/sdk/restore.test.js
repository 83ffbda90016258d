// Archive storage classes and RestoreObject (spec oss-api.md §3.8, §1.3
// row 12, "other 409s"; clients.md §1.5 restore → 202 only): frozen objects
// answer GET with 403 InvalidObjectState; restore → 202, again → 409
// RestoreAlreadyInProgress (EC 0016-00000701); x-oss-restore on HEAD/GET and
// RestoreInfo in listings; the business clock (coffer clock advance)
// finishes restores per class and tier; a repeat after completion → 200
// and a longer window; CleanRestoredObject with its two 409s; the window
// expiring freezes the object again. Every test makes its own objects: the
// clock is shared by the whole daemon and only moves forward.
'use strict';
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  startDaemon, ossClient, expectOssError, signedRaw, xmlText,
} = require('./lib/coffer');

let d;
let c;
const bucket = 'restore-bkt';
before(async () => {
  d = await startDaemon();
  c = ossClient(d, { bucket });
  await c.putBucket(bucket);
});
after(async () => { assert.equal(await d.stop(), 0); });

const DAY = 86400e3;
const unescapeXml = (s) => String(s).replace(/&apos;/g, "'").replace(/&quot;/g, '"')
  .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const MIN = 60e3;
const businessNow = () => JSON.parse(d.coffer('clock', 'show', '--json')).BusinessTimeMs;

async function putCold(key, cls, data = Buffer.from(`frozen ${key}`)) {
  await c.put(key, data, { headers: { 'x-oss-storage-class': cls } });
  return data;
}
// x-oss-restore of HEAD, parsed.
async function restoreHeader(key, client = c) {
  const h = await client.head(key);
  const v = h.res.headers['x-oss-restore'];
  if (v === undefined) return undefined;
  const m = /^ongoing-request="(true|false)"(?:,\s*expiry-date="([^"]+)")?$/.exec(v);
  assert.ok(m, `x-oss-restore: ${v}`);
  return { ongoing: m[1] === 'true', expiry: m[2] ? Date.parse(m[2]) : undefined, raw: v };
}
// Hand-signed (V4 signs every query key, V1 only a whitelist).
const rawRestore = (key, body) => signedRaw(d, { method: 'POST', bucket, key, v4: true,
  query: { restore: '' }, headers: { 'content-type': 'application/xml' }, body });
const rawClean = (key) => signedRaw(d, { method: 'POST', bucket, key, v4: true, query: { cleanRestoredObject: '' } });
const rawGet = (key) => signedRaw(d, { bucket, key, v4: true });

async function expectFrozen(key) {
  await expectOssError(() => c.get(key), { code: 'InvalidObjectState', status: 403 });
  const r = await rawGet(key);
  assert.equal(r.status, 403);
  assert.equal(unescapeXml(xmlText(r.body, 'Message')), "The operation is not valid for the object's state");
}

test('Archive: frozen, 202, 409 in progress, readable after 2 min, 200 extends, expiry freezes again', async () => {
  const key = 'arch.bin';
  const data = await putCold(key, 'Archive');
  const h0 = await c.head(key);
  assert.equal(h0.res.headers['x-oss-storage-class'], 'Archive');
  assert.equal(h0.res.headers['x-oss-restore'], undefined);
  await expectFrozen(key);
  // A range GET is frozen too.
  await expectOssError(() => c.get(key, { headers: { Range: 'bytes=0-1' } }), { code: 'InvalidObjectState', status: 403 });

  const t0 = businessNow();
  const r1 = await c.restore(key);
  assert.equal(r1.res.status, 202);
  const e = await expectOssError(() => c.restore(key), { code: 'RestoreAlreadyInProgress', status: 409, ec: '0016-00000701' });
  assert.equal(e.message, 'The restore operation is in progress.');
  assert.deepEqual(await restoreHeader(key), { ongoing: true, expiry: undefined, raw: 'ongoing-request="true"' });
  await expectFrozen(key);
  const l1 = await c.list({ prefix: key });
  assert.deepEqual(l1.objects[0].restoreInfo, { ongoingRequest: true });

  d.clockAdvance('2m');
  const g = await c.get(key);
  assert.deepEqual(g.content, data);
  assert.match(g.res.headers['x-oss-restore'], /^ongoing-request="false", expiry-date="[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT"$/);
  const st = await restoreHeader(key);
  assert.equal(st.ongoing, false);
  // Default Days is 2 (ali-oss); the window starts when the restore ends.
  assert.ok(st.expiry >= t0 + 2 * DAY - MIN && st.expiry <= t0 + 2 * DAY + 3 * MIN,
    `expiry ${new Date(st.expiry).toISOString()} vs start ${new Date(t0).toISOString()}`);
  const l2 = await c.list({ prefix: key });
  assert.equal(l2.objects[0].restoreInfo.ongoingRequest, false);
  assert.equal(l2.objects[0].restoreInfo.expiryDate.getTime(), st.expiry);

  // Once restored a repeat is 200 (ali-oss only accepts 202) and extends.
  const again = await expectOssError(() => c.restore(key), { status: 200 });
  assert.equal(again.name, 'UnknownError');
  const st2 = await restoreHeader(key);
  assert.ok(st2.expiry > st.expiry, 'the window was not extended');
  assert.ok(st2.expiry <= t0 + MIN + 7 * DAY + 3 * MIN, 'Archive restores last at most 7 days');
  const r3 = await rawRestore(key, '<RestoreRequest><Days>1</Days></RestoreRequest>');
  assert.equal(r3.status, 200, r3.body.toString());
  assert.ok((await restoreHeader(key)).expiry >= st2.expiry);

  // Past the window: frozen again, no x-oss-restore, and restorable anew.
  d.clockAdvance('8d');
  await expectFrozen(key);
  assert.equal(await restoreHeader(key), undefined);
  assert.equal((await c.list({ prefix: key })).objects[0].restoreInfo, undefined);
  assert.equal((await c.restore(key)).res.status, 202);
});

test('Archive: a repeat on a restored object extends the window by one day per call, at most 7 days in all', async () => {
  const key = 'extend.bin';
  await putCold(key, 'Archive');
  assert.equal((await c.restore(key, { Days: 1 })).res.status, 202);
  d.clockAdvance('2m');
  const first = (await restoreHeader(key)).expiry;
  const r = await rawRestore(key, '<RestoreRequest><Days>2</Days></RestoreRequest>');
  assert.equal(r.status, 200, r.body.toString());
  const second = (await restoreHeader(key)).expiry;
  assert.equal(second - first, DAY);
  for (let i = 0; i < 8; i++) await rawRestore(key, '<RestoreRequest><Days>1</Days></RestoreRequest>');
  const last = (await restoreHeader(key)).expiry;
  assert.ok(last - first <= 6 * DAY, `window grew ${(last - first) / DAY} days past the first`);
});

test('Archive with Days: expiry = completion + Days; GET is 403 again right after', async () => {
  const key = 'days.bin';
  const data = await putCold(key, 'Archive');
  const r = await rawRestore(key, '<RestoreRequest><Days>1</Days></RestoreRequest>');
  assert.equal(r.status, 202, r.body.toString());
  d.clockAdvance('61s');
  assert.deepEqual((await c.get(key)).content, data);
  const st = await restoreHeader(key);
  const now = businessNow();
  assert.ok(st.expiry > now + DAY - 2 * MIN && st.expiry <= now + DAY, new Date(st.expiry).toISOString());
  d.clockAdvance('23h');
  assert.deepEqual((await c.get(key)).content, data);
  d.clockAdvance('1h');
  await expectFrozen(key);
  // Days out of range for Archive (1..7) → 400.
  const bad = await rawRestore(key, '<RestoreRequest><Days>8</Days></RestoreRequest>');
  assert.equal(bad.status, 400, bad.body.toString());
});

test('a bucket of class Archive makes its objects Archive', async () => {
  const b = 'restore-archive-bucket';
  const bc = ossClient(d, { bucket: b });
  await bc.putBucket(b, { StorageClass: 'Archive' });
  await bc.put('x.txt', Buffer.from('x'));
  assert.equal((await bc.head('x.txt')).res.headers['x-oss-storage-class'], 'Archive');
  await expectOssError(() => bc.get('x.txt'), { code: 'InvalidObjectState', status: 403 });
  assert.equal((await bc.restore('x.txt')).res.status, 202);
});

test('ColdArchive Expedited (Days 3): restoring after 59 min, readable after 61 min', async () => {
  const key = 'cold-exp.bin';
  const data = await putCold(key, 'ColdArchive');
  await expectFrozen(key);
  const r = await c.restore(key, { type: 'ColdArchive', Days: 3, JobParameters: 'Expedited' });
  assert.equal(r.res.status, 202);
  await expectOssError(() => c.restore(key, { type: 'ColdArchive', Days: 3, JobParameters: 'Expedited' }),
    { code: 'RestoreAlreadyInProgress', status: 409, ec: '0016-00000701' });
  const t0 = businessNow();
  d.clockAdvance('59m');
  assert.equal((await restoreHeader(key)).ongoing, true);
  await expectFrozen(key);
  d.clockAdvance('2m');
  assert.deepEqual((await c.get(key)).content, data);
  const st = await restoreHeader(key);
  assert.equal(st.ongoing, false);
  assert.ok(st.expiry >= t0 + 3 * DAY - 2 * MIN && st.expiry <= t0 + 3 * DAY + 62 * MIN, new Date(st.expiry).toISOString());
});

test('ColdArchive Standard (default tier) needs 5 h; Bulk needs 12 h', async () => {
  const key = 'cold-std.bin';
  const key2 = 'cold-bulk.bin';
  const data = await putCold(key, 'ColdArchive');
  const data2 = await putCold(key2, 'ColdArchive');
  assert.equal((await c.restore(key, { type: 'ColdArchive', Days: 1 })).res.status, 202);
  assert.equal((await c.restore(key2, { type: 'ColdArchive', Days: 1, JobParameters: 'Bulk' })).res.status, 202);
  d.clockAdvance('61m');
  assert.equal((await restoreHeader(key)).ongoing, true);
  d.clockAdvance('3h');
  await expectFrozen(key);
  d.clockAdvance('60m'); // 5 h 1 min in all
  assert.deepEqual((await c.get(key)).content, data);
  await expectFrozen(key2);
  d.clockAdvance('7h'); // 12 h 1 min
  assert.deepEqual((await c.get(key2)).content, data2);
});

test('DeepColdArchive Expedited needs 12 h', async () => {
  const key = 'deep.bin';
  const data = await putCold(key, 'DeepColdArchive');
  await expectFrozen(key);
  assert.equal((await c.restore(key, { type: 'DeepColdArchive', Days: 1, JobParameters: 'Expedited' })).res.status, 202);
  d.clockAdvance('11h');
  await expectFrozen(key);
  d.clockAdvance('61m');
  assert.deepEqual((await c.get(key)).content, data);
});

test('bad tier → 400 (EC 0016-00000703)', async () => {
  const key = 'cold-bad.bin';
  await putCold(key, 'ColdArchive');
  const r = await rawRestore(key, '<RestoreRequest><Days>1</Days><JobParameters><Tier>Warp</Tier></JobParameters></RestoreRequest>');
  assert.equal(r.status, 400, r.body.toString());
  assert.equal(xmlText(r.body, 'EC'), '0016-00000703');
  assert.equal(await restoreHeader(key), undefined);
});

test('Standard and IA objects → 400 OperationNotSupported (EC 0016-00000702); missing key → 404', async () => {
  await c.put('std.txt', Buffer.from('s'));
  await c.put('ia.txt', Buffer.from('i'), { headers: { 'x-oss-storage-class': 'IA' } });
  for (const k of ['std.txt', 'ia.txt']) {
    const e = await expectOssError(() => c.restore(k), { code: 'OperationNotSupported', status: 400, ec: '0016-00000702' });
    assert.equal(e.message, 'The operation is not supported for this resource');
    assert.deepEqual((await c.get(k)).res.status, 200);
  }
  await expectOssError(() => c.restore('nothing.bin'), { code: 'NoSuchKey', status: 404 });
});

test('CleanRestoredObject: 409 ArchiveRestoreNotFinished while restoring, 409 ArchiveRestoreFileStale when not restored, 200 when restored', async () => {
  const key = 'clean.bin';
  const data = await putCold(key, 'Archive');
  const stale0 = await rawClean(key);
  assert.equal(stale0.status, 409, stale0.body.toString());
  assert.equal(xmlText(stale0.body, 'Code'), 'ArchiveRestoreFileStale');
  assert.equal(xmlText(stale0.body, 'EC'), '0016-00000718');
  await c.restore(key);
  const nf = await rawClean(key);
  assert.equal(nf.status, 409, nf.body.toString());
  assert.equal(xmlText(nf.body, 'Code'), 'ArchiveRestoreNotFinished');
  assert.equal(xmlText(nf.body, 'EC'), '0016-00000719');
  d.clockAdvance('2m');
  assert.deepEqual((await c.get(key)).content, data);
  const ok = await rawClean(key);
  assert.equal(ok.status, 200, ok.body.toString());
  await expectFrozen(key);
  assert.equal(await restoreHeader(key), undefined);
  const stale1 = await rawClean(key);
  assert.equal(stale1.status, 409);
  assert.equal(xmlText(stale1.body, 'Code'), 'ArchiveRestoreFileStale');
  // And the object can be restored again.
  assert.equal((await c.restore(key)).res.status, 202);
  // CleanRestoredObject on a Standard object is not a restore case.
  await c.put('clean-std.txt', Buffer.from('s'));
  const std = await rawClean('clean-std.txt');
  assert.ok(std.status >= 400 && std.status < 500, `${std.status}`);
  const miss = await rawClean('clean-missing.bin');
  assert.equal(miss.status, 404);
});

test('a frozen source cannot be copied (403 InvalidObjectState); a restored one can, e.g. to Standard', async () => {
  const key = 'copy-src.bin';
  const data = await putCold(key, 'Archive');
  await expectOssError(() => c.copy('copy-dst.bin', key), { code: 'InvalidObjectState', status: 403 });
  await expectOssError(() => c.head('copy-dst.bin'), { status: 404 });
  await c.restore(key);
  d.clockAdvance('2m');
  const r = await c.copy('copy-dst.bin', key, { headers: { 'x-oss-storage-class': 'Standard' } });
  assert.equal(r.res.status, 200);
  const g = await c.get('copy-dst.bin');
  assert.deepEqual(g.content, data);
  assert.equal(g.res.headers['x-oss-storage-class'], 'Standard');
  assert.equal(g.res.headers['x-oss-restore'], undefined);
});

test('V4 path style: restore 202, 409, RestoreInfo and the 200 repeat through raw', async () => {
  const c4 = ossClient(d, { bucket, v4: true, mode: 'path' });
  const key = 'v4/arch.bin';
  const data = Buffer.from('v4 frozen');
  await c4.put(key, data, { headers: { 'x-oss-storage-class': 'Archive' } });
  await expectOssError(() => c4.get(key), { code: 'InvalidObjectState', status: 403 });
  assert.equal((await c4.restore(key)).res.status, 202);
  await expectOssError(() => c4.restore(key), { code: 'RestoreAlreadyInProgress', status: 409, ec: '0016-00000701' });
  assert.equal((await restoreHeader(key, c4)).ongoing, true);
  d.clockAdvance('2m');
  assert.deepEqual((await c4.get(key)).content, data);
  const r = await rawRestore(key, '<RestoreRequest><Days>2</Days></RestoreRequest>');
  assert.equal(r.status, 200, r.body.toString());
  const l = await c4.listV2({ prefix: 'v4/' });
  assert.equal(l.objects[0].restoreInfo.ongoingRequest, false);
});
