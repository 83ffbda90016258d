// Bucket retention (WORM) policies through ali-oss 6.23.0 (spec oss-api.md
// §3.4, §1.3 row 16, §1.4; reliability.md T18): every state (none,
// InProgress, Locked, expired) against every operation, every error with
// its code, status and message, expiry after 24 h on the test clock,
// persistence across a restart, and the audit trail.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDaemon, ossClient, expectOssError } = require('./lib/coffer');

let d;
before(async () => { d = await startDaemon(); });
after(async () => { if (d) assert.equal(await d.stop(), 0); });

// abortBucketWorm and completeBucketWorm never throw (no successStatuses):
// read the error code from the body ourselves.
function bodyCode(r) {
  const m = /<Code>([^<]*)<\/Code>/.exec(r.res.data ? r.res.data.toString() : '');
  return m ? m[1] : undefined;
}

async function newBucket(name) {
  const c = ossClient(d, { bucket: name });
  await c.putBucket(name);
  return c;
}

const NO_POLICY = { code: 'NoSuchWORMConfiguration', status: 404, ec: '0027-00000009' };
const NO_ID = { code: 'NoSuchWORMConfiguration', status: 404 };
const INVALID = { code: 'InvalidWORMConfiguration', status: 400 };

test('no policy: Get/Abort 404, Complete/Extend with any id 404', async () => {
  const b = 'worm-none';
  const c = await newBucket(b);
  const e = await expectOssError(() => c.getBucketWorm(b), NO_POLICY);
  assert.equal(e.message, 'The WORM Configuration does not exist.');
  const ab = await c.abortBucketWorm(b);
  assert.equal(ab.status, 404);
  assert.equal(bodyCode(ab), 'NoSuchWORMConfiguration');
  const co = await c.completeBucketWorm(b, '0123456789ABCDEF0123456789ABCDEF');
  assert.equal(co.status, 404);
  assert.equal(bodyCode(co), 'NoSuchWORMConfiguration');
  await expectOssError(() => c.extendBucketWorm(b, 'nope', 2), NO_ID);
});

test('InProgress: initiate, get, second initiate 409, extend 400, abort 204', async () => {
  const b = 'worm-inprogress';
  const c = await newBucket(b);
  const r = await c.initiateBucketWorm(b, 3);
  assert.equal(r.status, 200);
  assert.match(r.wormId, /^[0-9A-F]{32}$/);
  const g = await c.getBucketWorm(b);
  assert.equal(g.wormId, r.wormId);
  assert.equal(g.state, 'InProgress');
  assert.equal(g.days, '3');
  // CreationDate as OSS shows it: no fraction, no zone.
  assert.match(g.creationDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);

  // §1.3 row 16, exact message.
  const e = await expectOssError(() => c.initiateBucketWorm(b, 5),
    { code: 'WORMConfigurationAlreadyExists', status: 409 });
  assert.equal(e.message, 'The WORM Configuration already exists.');
  assert.equal(e.name, 'WORMConfigurationAlreadyExistsError');

  // Extend applies to locked policies only.
  await expectOssError(() => c.extendBucketWorm(b, r.wormId, 10), INVALID);
  await expectOssError(() => c.extendBucketWorm(b, 'F'.repeat(32), 10), NO_ID);
  const wrong = await c.completeBucketWorm(b, 'F'.repeat(32));
  assert.equal(wrong.status, 404);

  const ab = await c.abortBucketWorm(b);
  assert.equal(ab.status, 204);
  await expectOssError(() => c.getBucketWorm(b), NO_POLICY);
  // An aborted id is unknown (GO2 TestBucketWorm).
  const co = await c.completeBucketWorm(b, r.wormId);
  assert.equal(co.status, 404);
  assert.equal(bodyCode(co), 'NoSuchWORMConfiguration');
  await expectOssError(() => c.extendBucketWorm(b, r.wormId, 4), NO_ID);
  // And a new one may be initiated.
  const r2 = await c.initiateBucketWorm(b, 1);
  assert.notEqual(r2.wormId, r.wormId);
});

test('Locked: complete, abort 403 WORMConfigurationLocked, extend only longer', async () => {
  const b = 'worm-locked';
  const c = await newBucket(b);
  const { wormId } = await c.initiateBucketWorm(b, 2);
  const co = await c.completeBucketWorm(b, wormId);
  assert.equal(co.status, 200);
  assert.equal((await c.getBucketWorm(b)).state, 'Locked');
  // Locking again is harmless.
  assert.equal((await c.completeBucketWorm(b, wormId)).status, 200);

  const ab = await c.abortBucketWorm(b);
  assert.equal(ab.status, 403);
  assert.equal(bodyCode(ab), 'WORMConfigurationLocked');
  assert.match(ab.res.data.toString(), /<Message>The WORM Configuration is locked.<\/Message>/);
  assert.equal((await c.getBucketWorm(b)).state, 'Locked');

  await expectOssError(() => c.initiateBucketWorm(b, 30),
    { code: 'WORMConfigurationAlreadyExists', status: 409 });
  // Shorter or equal: 400.
  await expectOssError(() => c.extendBucketWorm(b, wormId, 2), INVALID);
  await expectOssError(() => c.extendBucketWorm(b, wormId, 1), INVALID);
  await expectOssError(() => c.extendBucketWorm(b, wormId, 25551), INVALID);
  await expectOssError(() => c.extendBucketWorm(b, 'A'.repeat(32), 9), NO_ID);
  assert.equal((await c.extendBucketWorm(b, wormId, 9)).status, 200);
  let g = await c.getBucketWorm(b);
  assert.equal(g.days, '9');
  assert.equal(g.state, 'Locked');
  assert.equal(g.wormId, wormId);
  assert.equal((await c.extendBucketWorm(b, wormId, 25550)).status, 200);
  g = await c.getBucketWorm(b);
  assert.equal(g.days, '25550');
});

test('RetentionPeriodInDays must be 1..25550; body must be the right XML', async () => {
  const b = 'worm-days';
  const c = await newBucket(b);
  for (const days of [0, 25551, -1, 'abc', 1.5, '99999999999999999999']) {
    await expectOssError(() => c.initiateBucketWorm(b, days), INVALID);
  }
  await expectOssError(() => c.getBucketWorm(b), NO_POLICY);
  // Wrong root element or no body at all.
  const params = c._bucketRequestParams('POST', b, 'worm');
  params.mime = 'xml';
  params.content = '<ExtendWormConfiguration><RetentionPeriodInDays>1</RetentionPeriodInDays></ExtendWormConfiguration>';
  params.successStatuses = [200];
  await expectOssError(() => c.request(params), { code: 'MalformedXML', status: 400 });
  const p2 = c._bucketRequestParams('POST', b, 'worm');
  p2.successStatuses = [200];
  await expectOssError(() => c.request(p2), { code: 'MalformedXML', status: 400 });
  assert.equal((await c.initiateBucketWorm(b, 25550)).status, 200);
  const g = await c.getBucketWorm(b);
  assert.equal(g.days, '25550');
});

test('InProgress expires after 24 h (test clock); Locked does not', async () => {
  const b1 = 'worm-expire';
  const b2 = 'worm-expire-locked';
  const c1 = await newBucket(b1);
  const c2 = await newBucket(b2);
  const r1 = await c1.initiateBucketWorm(b1, 1);
  const r2 = await c2.initiateBucketWorm(b2, 1);
  await c2.completeBucketWorm(b2, r2.wormId);

  d.clockAdvance('23h');
  assert.equal((await c1.getBucketWorm(b1)).state, 'InProgress');
  d.clockAdvance('2h');
  // Gone: Get 404, its id unknown, Abort 404, Initiate allowed again.
  await expectOssError(() => c1.getBucketWorm(b1), NO_POLICY);
  const co = await c1.completeBucketWorm(b1, r1.wormId);
  assert.equal(co.status, 404);
  assert.equal(bodyCode(co), 'NoSuchWORMConfiguration');
  assert.equal((await c1.abortBucketWorm(b1)).status, 404);
  const again = await c1.initiateBucketWorm(b1, 2);
  assert.notEqual(again.wormId, r1.wormId);
  assert.equal((await c1.getBucketWorm(b1)).state, 'InProgress');

  const g2 = await c2.getBucketWorm(b2);
  assert.equal(g2.state, 'Locked');
  assert.equal(g2.wormId, r2.wormId);
});

test('only the owner: another account gets AccessDenied', async () => {
  const b = 'worm-owner';
  const c = await newBucket(b);
  const { wormId } = await c.initiateBucketWorm(b, 1);
  const acct = JSON.parse(d.coffer('account', 'create', 'wormstranger', '--json'));
  const s = ossClient(d, { bucket: b, ak: acct.AccessKeyId, sk: acct.AccessKeySecret });
  await expectOssError(() => s.getBucketWorm(b), { code: 'AccessDenied', status: 403 });
  await expectOssError(() => s.initiateBucketWorm(b, 1), { code: 'AccessDenied', status: 403 });
  await expectOssError(() => s.extendBucketWorm(b, wormId, 5), { code: 'AccessDenied', status: 403 });
  assert.equal((await s.abortBucketWorm(b)).status, 403);
  assert.equal((await s.completeBucketWorm(b, wormId)).status, 403);
  assert.equal((await c.getBucketWorm(b)).state, 'InProgress');
  await expectOssError(() => c.getBucketWorm('worm-no-such-bucket'),
    { code: 'NoSuchBucket', status: 404 });
});

test('every change and refusal is in the audit table', async () => {
  const q = d.sql;
  // The policy's own rows (worm.*); each request also has its oss.* row.
  const locked = q("SELECT action || ' ' || result FROM audit WHERE target = 'worm-locked'"
    + " AND action LIKE 'worm.%' ORDER BY id");
  assert.deepEqual(locked.split('\n'), [
    'worm.initiate ok', 'worm.complete ok', 'worm.complete ok',
    'worm.abort WORMConfigurationLocked', 'worm.initiate WORMConfigurationAlreadyExists',
    'worm.extend InvalidWORMConfiguration', 'worm.extend InvalidWORMConfiguration',
    'worm.extend InvalidWORMConfiguration', 'worm.extend NoSuchWORMConfiguration',
    'worm.extend ok', 'worm.extend ok',
  ]);
  // The actor is the account id of the caller.
  const info = await ossClient(d, { bucket: 'worm-locked' }).getBucketInfo('worm-locked');
  assert.equal(q("SELECT DISTINCT actor FROM audit WHERE target = 'worm-locked'"), info.bucket.Owner.ID);
  assert.match(q("SELECT detail FROM audit WHERE target = 'worm-locked' AND action LIKE 'worm.%'"
    + ' ORDER BY id DESC LIMIT 1'),
    /^wormId=[0-9A-F]{32} state=Locked days=25550$/);
});

test('the policy survives a restart', async () => {
  const c = ossClient(d, { bucket: 'worm-locked' });
  const before = await c.getBucketWorm('worm-locked');
  assert.equal(await d.stop(), 0);
  d = await startDaemon({ dataDir: d.dataDir });
  const c2 = ossClient(d, { bucket: 'worm-locked' });
  const g = await c2.getBucketWorm('worm-locked');
  assert.equal(g.wormId, before.wormId);
  assert.equal(g.state, 'Locked');
  assert.equal(g.days, '25550');
  assert.equal(g.creationDate, before.creationDate);
});

test('an offline edit of the policy row is detected and refused (T21)', async () => {
  const b = 'worm-tamper';
  const c = await newBucket(b);
  const { wormId } = await c.initiateBucketWorm(b, 30);
  await c.completeBucketWorm(b, wormId);
  await c.put('record.txt', Buffer.from('keep me'));
  assert.equal(await d.stop(), 0);
  // The attacker drops the triggers that keep Locked rows from shrinking
  // and keep the seal (the shell has no coffer_* functions; PostgreSQL's
  // note the change for cofferd) and shortens the period; only the MAC
  // can tell.
  d.sql(d.database
    ? 'DROP TRIGGER worm_policies_locked_update ON worm_policies; '
      + 'DROP TRIGGER seal_journal_policies ON worm_policies; '
      + `UPDATE worm_policies SET days = 1 WHERE worm_id = '${wormId}'`
    : 'DROP TRIGGER worm_policies_locked_update; '
      + 'DROP TRIGGER seal_policies_update; '
      + `UPDATE worm_policies SET days = 1 WHERE worm_id = '${wormId}'`);
  d = await startDaemon({ dataDir: d.dataDir });
  const c2 = ossClient(d, { bucket: b });
  await expectOssError(() => c2.getBucketWorm(b), { code: 'InternalError', status: 500 });
  await expectOssError(() => c2.extendBucketWorm(b, wormId, 40), { code: 'InternalError', status: 500 });
  assert.match(d.log(), /ALERT: the WORM policy rows do not match their seal/);
  // Reads still work.
  assert.equal((await c2.get('record.txt')).content.toString(), 'keep me');
});

// The retention guard verifies the row's MAC in the transaction that
// decides: past the forged 1-day period only the MAC stands between the
// object and a delete, and a forged row refuses new keys too.
test('a forged policy row blocks every mutation of its bucket', async () => {
    const c2 = ossClient(d, { bucket: 'worm-tamper' });
    d.clockAdvance('2d');
    await expectOssError(() => c2.delete('record.txt'), { code: 'InternalError', status: 500 });
    await expectOssError(() => c2.put('record.txt', Buffer.from('x')), { code: 'InternalError', status: 500 });
    await expectOssError(() => c2.put('new.txt', Buffer.from('x')), { code: 'InternalError', status: 500 });
    assert.equal((await c2.get('record.txt')).content.toString(), 'keep me');
  });
