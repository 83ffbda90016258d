// Bucket lifecycle through ali-oss (spec oss-api-2.md §2): the configuration
// round trip (children in any order, generated IDs, 404 NoSuchLifecycle
// with <BucketName>, DELETE 204 always), every validation row of §2.3, the
// x-oss-expiration header, and the daily runner driven by the test clock:
// expiry by Days and by CreatedBeforeDate, Transition then RestoreObject,
// each day boundary of a clock jump run in order, stale multipart uploads
// aborted with their blobs, expiry skipped under a Locked WORM policy and
// applied once the retention ends, and an inventory report after the runs.
'use strict';
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const path = require('node:path');
const zlib = require('node:zlib');
const { startDaemon, ossClient, expectOssError, signedRaw, xmlText, xmlAll, md5b64, walkFiles } = require('./lib/coffer');

// The V1 sub-resources signed by hand-made requests here.
const SUBRES = new Set(['lifecycle']);

const daemons = [];
after(async () => { for (const d of daemons) assert.equal(await d.stop(), 0); });

// A daemon whose business clock starts at 2030-01-01T12:00:00Z (a
// Tuesday), so the day boundaries of the scenarios are known.
async function start() {
  const d = await startDaemon();
  daemons.push(d);
  d.coffer('clock', 'set', '2030-01-01T12:00:00Z');
  return d;
}
const at = (d, iso) => d.coffer('clock', 'set', iso);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// PutBucketLifecycle with a hand-written body (ali-oss checks rules itself
// and refuses most of the invalid ones before sending).
function putXml(c, bucket, rules, headers = {}) {
  const p = c._bucketRequestParams('PUT', bucket, 'lifecycle');
  p.mime = 'xml';
  p.content = `<?xml version="1.0" encoding="UTF-8"?>\n<LifecycleConfiguration>${rules}</LifecycleConfiguration>`;
  p.headers = headers;
  p.successStatuses = [200];
  return c.request(p);
}

const rule = (body, { id = '', prefix = 'p/', status = 'Enabled' } = {}) =>
  `<Rule>${id ? `<ID>${id}</ID>` : ''}<Prefix>${prefix}</Prefix><Status>${status}</Status>${body}</Rule>`;
const exp = (days) => `<Expiration><Days>${days}</Days></Expiration>`;
const expDate = (date) => `<Expiration><CreatedBeforeDate>${date}</CreatedBeforeDate></Expiration>`;
const tr = (days, sc, extra = '') => `<Transition><Days>${days}</Days><StorageClass>${sc}</StorageClass>${extra}</Transition>`;
const trDate = (date, sc) => `<Transition><CreatedBeforeDate>${date}</CreatedBeforeDate><StorageClass>${sc}</StorageClass></Transition>`;
const ncTr = (days, sc) => `<NoncurrentVersionTransition><NoncurrentDays>${days}</NoncurrentDays><StorageClass>${sc}</StorageClass></NoncurrentVersionTransition>`;

// Polls fn until it returns true (the runner works on its own thread).
async function waitFor(fn, what, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
const exists = async (c, key) => {
  try { await c.head(key); return true; } catch (e) { if (e.status === 404) return false; throw e; }
};
const klass = async (c, key) => (await c.head(key)).res.headers['x-oss-storage-class'];
// The bucket's inventory report written now (`coffer inventory run`), as
// "key class" lines, sorted: what the rules left (versions: 'All').
async function inventory(d, c, bucket, versions = 'Current') {
  const dest = `${bucket}-inv`;
  try { await c.putBucket(dest); } catch (e) { if (e.status !== 409) throw e; }
  const acct = (await c.getBucketInfo(bucket)).bucket.Owner.ID;
  const id = `check-${versions}`;
  try {
    await c.putBucketInventory(bucket, {
      id, isEnabled: true, prefix: '',
      OSSBucketDestination: { format: 'CSV', accountId: acct, rolename: 'AliyunOSSRole', bucket: dest, prefix: 'rep' },
      frequency: 'Daily', includedObjectVersions: versions, optionalFields: { field: ['StorageClass'] },
    });
  } catch (e) { if (e.code !== 'InventoryConfigurationAlreadyExists') throw e; }
  const manifestKey = d.coffer('inventory', 'run', bucket, id).trim();
  if (manifestKey === '') return [];	// no object matched: no report
  const dc = ossClient(d, { bucket: dest });
  const manifest = JSON.parse((await dc.get(manifestKey)).content.toString());
  const lines = [];
  for (const f of manifest.files) {
    lines.push(...zlib.gunzipSync((await dc.get(f.key)).content).toString().split('\n').filter(Boolean));
  }
  return lines.map((l) => l.slice(1, -1).split('","')).map((f) => `${f[1]} ${f[f.length - 1]}`).sort();
}

// The runner's progress as `coffer lifecycle show --json` prints it.
const show = (d, b) => JSON.parse(d.coffer('lifecycle', 'show', b, '--json'));
// Waits until the runs up to the day of iso are complete.
async function ranThrough(d, b, day) {
  await waitFor(() => {
    const p = show(d, b).Progress;
    return p.Done && p.RunDay >= day;
  }, `the lifecycle run of ${day}`);
}

test('configuration: round trip, any child order, generated ID, 404 with BucketName, DELETE 204 always', async () => {
  const d = await start();
  const c = ossClient(d, { bucket: 'lc-conf' });
  await c.putBucket('lc-conf');

  const e = await expectOssError(() => c.getBucketLifecycle('lc-conf'), { code: 'NoSuchLifecycle', status: 404 });
  assert.equal(e.message, 'No Row found in Lifecycle Table.');
  const r404 = await signedRaw(d, { bucket: 'lc-conf', query: { lifecycle: '' }, subres: SUBRES });
  assert.equal(r404.status, 404);
  assert.equal(xmlText(r404.body, 'BucketName'), 'lc-conf');
  assert.equal(xmlText(r404.body, 'Code'), 'NoSuchLifecycle');

  // ali-oss's own form.
  await c.putBucketLifecycle('lc-conf', [
    { id: 'r1', prefix: 'logs/', status: 'Enabled', expiration: { days: 30 },
      transition: { days: 10, storageClass: 'IA' } },
    { prefix: 'tmp/', status: 'Disabled', abortMultipartUpload: { days: 2 } },
    { id: 'r3', prefix: 'old/', status: 'Enabled', expiration: { createdBeforeDate: '2029-06-01T00:00:00.000Z' },
      tag: [{ key: 'k', value: 'v' }, { key: 'k2', value: 'v2' }] },
  ]);
  const g = await c.getBucketLifecycle('lc-conf');
  assert.equal(g.rules.length, 3);
  assert.equal(g.rules[0].id, 'r1');
  assert.equal(g.rules[0].prefix, 'logs/');
  assert.equal(g.rules[0].status, 'Enabled');
  assert.deepEqual(g.rules[0].expiration, { days: '30' });
  assert.deepEqual(g.rules[0].transition, { days: '10', storageClass: 'IA' });
  assert.match(g.rules[1].id, /^[0-9a-f]{32}$/, 'an ID is generated');
  assert.equal(g.rules[1].status, 'Disabled');
  assert.deepEqual(g.rules[1].abortMultipartUpload, { days: '2' });
  assert.deepEqual(g.rules[2].expiration, { createdBeforeDate: '2029-06-01T00:00:00.000Z' });
  assert.deepEqual(g.rules[2].tag, [{ key: 'k', value: 'v' }, { key: 'k2', value: 'v2' }]);
  // The generated ID is kept: a second Get shows the same one.
  assert.equal((await c.getBucketLifecycle('lc-conf')).rules[1].id, g.rules[1].id);

  // GO2's order of children, the full grammar, several transitions.
  await putXml(c, 'lc-conf', '<Rule><Status>Enabled</Status>' +
    '<Filter><Not><Prefix>all/keep</Prefix><Tag><Key>hold</Key><Value>1</Value></Tag></Not>' +
    '<ObjectSizeGreaterThan>500</ObjectSizeGreaterThan><ObjectSizeLessThan>64500</ObjectSizeLessThan></Filter>' +
    '<AbortMultipartUpload><Days>3</Days></AbortMultipartUpload>' +
    `${ncTr(10, 'IA')}${ncTr(20, 'Archive')}<ID>full</ID><Prefix>all/</Prefix>` +
    '<Expiration><Days>400</Days><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker></Expiration>' +
    `${tr(30, 'IA')}${tr(60, 'Archive')}${tr(90, 'ColdArchive')}${tr(180, 'DeepColdArchive')}` +
    '<NoncurrentVersionExpiration><NoncurrentDays>40</NoncurrentDays></NoncurrentVersionExpiration></Rule>');
  const raw = await signedRaw(d, { bucket: 'lc-conf', query: { lifecycle: '' }, subres: SUBRES });
  assert.equal(raw.status, 200);
  const body = raw.body.toString();
  assert.equal(xmlText(body, 'ID'), 'full');
  assert.deepEqual(xmlAll(body, 'StorageClass'), ['IA', 'Archive', 'ColdArchive', 'DeepColdArchive', 'IA', 'Archive']);
  assert.match(body, /<Filter><Not><Prefix>all\/keep<\/Prefix><Tag><Key>hold<\/Key><Value>1<\/Value><\/Tag><\/Not><ObjectSizeGreaterThan>500<\/ObjectSizeGreaterThan><ObjectSizeLessThan>64500<\/ObjectSizeLessThan><\/Filter>/);
  assert.match(body, /<Expiration><Days>400<\/Days><ExpiredObjectDeleteMarker>false<\/ExpiredObjectDeleteMarker><\/Expiration>/);
  assert.match(body, /<NoncurrentVersionExpiration><NoncurrentDays>40<\/NoncurrentDays><\/NoncurrentVersionExpiration>/);
  assert.match(body, /<AbortMultipartUpload><Days>3<\/Days><\/AbortMultipartUpload>/);
  // PUT replaces the whole configuration.
  assert.equal((await c.getBucketLifecycle('lc-conf')).rules.length, 1);

  assert.equal((await c.deleteBucketLifecycle('lc-conf')).res.status, 204);
  assert.equal((await c.deleteBucketLifecycle('lc-conf')).res.status, 204);
  await expectOssError(() => c.getBucketLifecycle('lc-conf'), { code: 'NoSuchLifecycle', status: 404 });
});

test('validation: every row of §2.3', async () => {
  const d = await start();
  const c = ossClient(d, { bucket: 'lc-val' });
  await c.putBucket('lc-val');
  const bad = (rules, want, headers) => expectOssError(() => putXml(c, 'lc-val', rules, headers), { status: 400, ...want });
  const IA = { code: 'InvalidArgument' };

  await bad(rule(exp(3) + tr(4, 'IA')), IA);				// Expiration <= Transition
  await bad(rule(tr(5, 'IA') + tr(2, 'Archive')), IA);			// Archive before IA
  await bad(rule(ncTr(20, 'IA') + ncTr(12, 'Archive')), IA);		// same, noncurrent
  await bad(rule(tr(7, 'IA') + exp(6)), IA);				// Transition after Expiration
  await bad(rule(tr(7, 'Standard')), IA);				// to Standard
  await bad(rule(expDate('2016-12-20T00:00:00.000Z') + tr(4, 'IA')), { code: 'InvalidRequest' });
  await putXml(c, 'lc-val', rule(expDate('2016-12-20T00:00:00.000Z') + trDate('2016-12-25T00:00:00.000Z', 'IA')));
  await putXml(c, 'lc-val', rule(tr(355, 'IA') + tr(356, 'Archive') + exp(357)));

  // Overlapping prefixes with the same action type.
  const o = await bad(rule(exp(10), { prefix: '前缀/' }) + rule(exp(20), { prefix: '前缀/2' }),
    { code: 'InvalidArgument', ec: '0014-00000084' });
  assert.equal(o.message, 'Overlap for same action type Expiration');
  await putXml(c, 'lc-val', rule(exp(10), { prefix: '前缀/' }) + rule(exp(20), { prefix: '前缀/2' }),
    { 'x-oss-allow-same-action-overlap': 'true' });
  await bad(rule(exp(10), { prefix: 'a/' }) + rule(exp(20), { prefix: 'a/' }), { code: 'InvalidArgument', ec: '0014-00000085' });
  await bad(rule(tr(30, 'IA'), { prefix: 'a/' }) + rule(tr(30, 'Archive'), { prefix: 'a/b' }),
    { code: 'InvalidArgument', ec: '0014-00000079' }, { 'x-oss-allow-same-action-overlap': 'true' });
  await bad(rule(exp(10), { prefix: 'a/' }) + rule(tr(20, 'IA'), { prefix: 'a/b' }), { code: 'InvalidArgument', ec: '0014-00000082' });
  await bad(rule(exp(10), { prefix: 'a/' }) + rule(expDate('2020-01-01T00:00:00.000Z'), { prefix: 'a/b' }),
    { code: 'InvalidArgument', ec: '0014-00000080' }, { 'x-oss-allow-same-action-overlap': 'true' });
  // IsAccessTime without access tracking.
  await bad(rule(tr(30, 'IA', '<IsAccessTime>true</IsAccessTime>')), { code: 'InvalidArgument', ec: '0014-00000016' });
  // ExpiredObjectDeleteMarker=true with Days.
  await bad(rule('<Expiration><Days>3</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>'), IA);
  // CreatedBeforeDate not at midnight.
  await bad(rule(expDate('2020-01-01T08:00:00.000Z')), IA);
  // Transitions in an Archive bucket.
  await c.putBucket('lc-val-arch', { StorageClass: 'Archive' });
  await expectOssError(() => putXml(c, 'lc-val-arch', rule(tr(30, 'ColdArchive'))), { status: 400, code: 'InvalidArgument' });
  await putXml(c, 'lc-val-arch', rule(exp(30)));
  // Content-MD5 that does not match.
  const doc = `<LifecycleConfiguration>${rule(exp(1))}</LifecycleConfiguration>`;
  const md = await signedRaw(d, { method: 'PUT', bucket: 'lc-val', query: { lifecycle: '' }, body: doc, subres: SUBRES,
    headers: { 'Content-MD5': md5b64(Buffer.from('other')), 'Content-Type': 'application/xml' } });
  assert.equal(md.status, 400);
  assert.equal(xmlText(md.body, 'Code'), 'InvalidDigest');
  // Malformed XML, no rule, no Status.
  await expectOssError(() => putXml(c, 'lc-val', '<Rule><Prefix>'), { status: 400, code: 'MalformedXML' });
  await expectOssError(() => putXml(c, 'lc-val', ''), { status: 400, code: 'MalformedXML' });
  await expectOssError(() => putXml(c, 'lc-val', `<Rule><Prefix>x</Prefix>${exp(1)}</Rule>`), { status: 400, code: 'MalformedXML' });
  // A rule without an action; more than 1000 rules; 1000 is fine.
  await bad(rule(''), IA);
  const many = (n) => Array.from({ length: n }, (_, i) => rule(exp(1), { id: `r${i}`, prefix: `k${String(i).padStart(4, '0')}/` })).join('');
  await bad(many(1001), IA);
  await putXml(c, 'lc-val', many(1000));
  assert.equal((await c.getBucketLifecycle('lc-val')).rules.length, 1000);
});

test('expiry by Days: present the day before, gone after; x-oss-expiration; CreatedBeforeDate; inventory after the runs', async () => {
  const d = await start();
  const c = ossClient(d, { bucket: 'lc-exp' });
  await c.putBucket('lc-exp');
  await c.putBucket('lc-inv');
  await c.putBucketLifecycle('lc-exp', [
    { id: 'two-days', prefix: 'exp/', status: 'Enabled', expiration: { days: 2 } },
    { id: 'before', prefix: 'cbd/', status: 'Enabled', expiration: { createdBeforeDate: '2030-01-02T00:00:00.000Z' } },
    { id: 'to-ia', prefix: 'ia/', status: 'Enabled', transition: { days: 1, storageClass: 'IA' } },
  ]);
  await c.put('exp/a', Buffer.from('a'));
  await c.put('exp/big', crypto.randomBytes(100 * 1024));	// a blob file, not an inline row
  await c.put('cbd/old', Buffer.from('old'));
  await c.put('ia/x', Buffer.from('x'));
  await c.put('keep/b', Buffer.from('b'));

  // Put on 2030-01-01 12:00 UTC: rounded up to 01-02, plus two days.
  for (const h of [(await c.head('exp/a')).res.headers, (await c.get('exp/a')).res.headers]) {
    assert.equal(h['x-oss-expiration'], 'expiry-date="Fri, 04 Jan 2030 00:00:00 GMT", rule-id="two-days"');
  }
  assert.equal((await c.head('keep/b')).res.headers['x-oss-expiration'], undefined);
  assert.equal((await c.head('cbd/old')).res.headers['x-oss-expiration'],
    'expiry-date="Wed, 02 Jan 2030 00:00:00 GMT", rule-id="before"');

  // The run of 01-02: the CreatedBeforeDate rule acts, nothing else yet.
  at(d, '2030-01-02T00:30:00Z');
  await ranThrough(d, 'lc-exp', '2030-01-02');
  assert.equal(await exists(c, 'cbd/old'), false);
  assert.equal(await exists(c, 'exp/a'), true);
  assert.equal(await klass(c, 'ia/x'), 'Standard');
  await c.put('cbd/new', Buffer.from('new'));	// modified after that midnight: never selected

  const blobs = () => walkFiles(path.join(d.dataDir, 'blobs')).length;
  const before = blobs();
  at(d, '2030-01-03T23:59:00Z');
  await ranThrough(d, 'lc-exp', '2030-01-03');
  assert.equal(await klass(c, 'ia/x'), 'IA');
  assert.equal(await exists(c, 'exp/a'), true, 'the day before');
  assert.equal(await exists(c, 'exp/big'), true);
  at(d, '2030-01-04T00:00:01Z');
  await ranThrough(d, 'lc-exp', '2030-01-04');
  assert.equal(await exists(c, 'exp/a'), false, 'the day after');
  assert.equal(await exists(c, 'exp/big'), false);
  assert.equal(blobs(), before - 1, 'the expired object\'s blob is removed');
  assert.equal(await exists(c, 'cbd/new'), true);
  assert.equal(await exists(c, 'keep/b'), true);
  const p = show(d, 'lc-exp');
  assert.match(p.Configuration, /<ID>two-days<\/ID>/);
  assert.equal(p.Progress.RunDay, '2030-01-04');

  // The audit trail has each action.
  const rows = JSON.parse(d.coffer('audit', '--json', '--limit', '1000'));
  const has = (action, target) => rows.some((r) => r.Action === action && r.Target === target && r.Result === 'ok');
  assert.ok(has('lifecycle.expire', 'lc-exp/exp/a'));
  assert.ok(has('lifecycle.expire', 'lc-exp/cbd/old'));
  assert.ok(has('lifecycle.transition', 'lc-exp/ia/x'));
  assert.ok(has('lifecycle.run', 'lc-exp/'));

  // An inventory report of the bucket lists what the rules left.
  const acct = (await c.getBucketInfo('lc-exp')).bucket.Owner.ID;
  await c.putBucketInventory('lc-exp', {
    id: 'after', isEnabled: true, prefix: '',
    OSSBucketDestination: { format: 'CSV', accountId: acct, rolename: 'AliyunOSSRole', bucket: 'lc-inv', prefix: 'rep' },
    frequency: 'Daily', includedObjectVersions: 'Current', optionalFields: { field: ['StorageClass'] },
  });
  const manifestKey = d.coffer('inventory', 'run', 'lc-exp', 'after').trim();
  const dc = ossClient(d, { bucket: 'lc-inv' });
  const manifest = JSON.parse((await dc.get(manifestKey)).content.toString());
  const lines = [];
  for (const f of manifest.files) {
    lines.push(...zlib.gunzipSync((await dc.get(f.key)).content).toString().split('\n').filter(Boolean));
  }
  assert.deepEqual(lines.sort(), [
    '"lc-exp","cbd/new","Standard"', '"lc-exp","ia/x","IA"', '"lc-exp","keep/b","Standard"',
  ]);
});

test('transition then restore, and a clock jump runs each day boundary in order', async () => {
  const d = await start();
  const c = ossClient(d, { bucket: 'lc-tr' });
  await c.putBucket('lc-tr');
  await putXml(c, 'lc-tr', rule(tr(1, 'IA') + tr(2, 'Archive') + exp(3), { id: 'chain', prefix: '' }));
  await c.put('one', Buffer.from('one'));
  await c.put('two', Buffer.from('two'));

  at(d, '2030-01-03T01:00:00Z');
  await ranThrough(d, 'lc-tr', '2030-01-03');
  assert.equal(await klass(c, 'one'), 'IA');
  assert.equal((await c.get('one')).content.toString(), 'one');
  at(d, '2030-01-04T01:00:00Z');
  await ranThrough(d, 'lc-tr', '2030-01-04');
  assert.equal(await klass(c, 'one'), 'Archive');
  assert.deepEqual(await inventory(d, c, 'lc-tr'), ['one Archive', 'two Archive']);
  await expectOssError(() => c.get('one'), { code: 'InvalidObjectState', status: 403 });
  assert.equal((await c.restore('one')).res.status, 202);
  d.clockAdvance('2m');
  assert.equal((await c.get('one')).content.toString(), 'one');

  // From 01-04 straight to 01-06: the runs of 01-05 and 01-06 both
  // happen; the expiry of 01-05 removes both objects.
  at(d, '2030-01-06T01:00:00Z');
  await ranThrough(d, 'lc-tr', '2030-01-06');
  assert.equal(await exists(c, 'one'), false);
  assert.equal(await exists(c, 'two'), false);
  assert.deepEqual(await inventory(d, c, 'lc-tr'), []);

  // A jump over all of it: 31 days in a few seconds, each run in turn.
  await c.put('three', Buffer.from('three'));	// 01-06 01:00
  d.clockAdvance('31d');
  await ranThrough(d, 'lc-tr', '2030-02-06');
  assert.equal(await exists(c, 'three'), false);
  const rows = JSON.parse(d.coffer('audit', '--json', '--limit', '1000')).filter((r) => r.Target === 'lc-tr/three' && r.Action.startsWith('lifecycle.'));
  rows.sort((x, y) => x.Id - y.Id);
  assert.deepEqual(rows.map((r) => [r.Action, r.Time.slice(0, 10)]), [
    ['lifecycle.transition', '2030-01-08'], ['lifecycle.transition', '2030-01-09'], ['lifecycle.expire', '2030-01-10'],
  ]);
});

test('stale multipart uploads are aborted, their parts and blobs gone', async () => {
  const d = await start();
  const c = ossClient(d, { bucket: 'lc-mpu' });
  await c.putBucket('lc-mpu');
  await c.put('up/done', Buffer.from('a finished object under the rule'));
  await c.putBucketLifecycle('lc-mpu', [
    { id: 'abort', prefix: 'up/', status: 'Enabled', abortMultipartUpload: { days: 1 } },
  ]);
  const blobs = () => walkFiles(path.join(d.dataDir, 'blobs')).length;
  const b0 = blobs();
  const up = (await c.initMultipartUpload('up/big')).uploadId;
  const part = crypto.randomBytes(200 * 1024);
  await c.uploadPart('up/big', up, 1, part, 0, part.length);
  const other = (await c.initMultipartUpload('other/x')).uploadId;
  assert.equal(blobs(), b0 + 1);

  at(d, '2030-01-02T01:00:00Z');
  await ranThrough(d, 'lc-mpu', '2030-01-02');
  assert.equal((await c.listUploads({})).uploads.length, 2);
  at(d, '2030-01-03T01:00:00Z');
  await ranThrough(d, 'lc-mpu', '2030-01-03');
  const left = (await c.listUploads({})).uploads;
  assert.deepEqual(left.map((u) => u.uploadId), [other]);
  assert.equal(blobs(), b0);
  await expectOssError(() => c.listParts('up/big', up), { code: 'NoSuchUpload', status: 404 });
  assert.equal(show(d, 'lc-mpu').Progress.UploadsAborted, 1);
  // Objects under the rule's prefix are not its business.
  assert.deepEqual(await inventory(d, c, 'lc-mpu'), ['up/done Standard']);
});

test('expiry under a Locked WORM policy is skipped and applied after the retention', async () => {
  const d = await start();
  const c = ossClient(d, { bucket: 'lc-worm' });
  await c.putBucket('lc-worm');
  await c.put('w/a', Buffer.from('protected'));
  const w = await c.initiateBucketWorm('lc-worm', 3);
  await c.completeBucketWorm('lc-worm', w.wormId);
  assert.equal((await c.getBucketWorm('lc-worm')).state, 'Locked');
  await c.putBucketLifecycle('lc-worm', [
    { id: 'quick', prefix: 'w/', status: 'Enabled', expiration: { days: 1 }, transition: undefined },
    { id: 'cold', prefix: 'c/', status: 'Enabled', transition: { days: 1, storageClass: 'IA' } },
  ]);
  await c.put('c/b', Buffer.from('cold'));

  // Due 01-03, protected until 01-04 12:00: skipped on 01-03 and 01-04.
  at(d, '2030-01-04T01:00:00Z');
  await ranThrough(d, 'lc-worm', '2030-01-04');
  assert.equal(await exists(c, 'w/a'), true);
  assert.equal(await klass(c, 'c/b'), 'IA', 'transitions are allowed under retention');
  assert.ok(show(d, 'lc-worm').Progress.SkippedUnderRetention >= 1);
  const rows = JSON.parse(d.coffer('audit', '--json', '--limit', '1000'));
  assert.ok(rows.some((r) => r.Action === 'lifecycle.expire' && r.Target === 'lc-worm/w/a' && r.Result === 'skipped-retention'));
  // `coffer lifecycle run` does not remove it either.
  assert.match(d.coffer('lifecycle', 'run', 'lc-worm'), /skipped under retention 1/);
  assert.equal(await exists(c, 'w/a'), true);
  assert.deepEqual(await inventory(d, c, 'lc-worm'), ['c/b IA', 'w/a Standard']);

  // The first run after 01-04 12:00 is 01-05's.
  at(d, '2030-01-05T00:00:01Z');
  await ranThrough(d, 'lc-worm', '2030-01-05');
  assert.equal(await exists(c, 'w/a'), false);
  assert.equal(await exists(c, 'c/b'), true);
  assert.deepEqual(await inventory(d, c, 'lc-worm'), ['c/b IA']);
  assert.ok(JSON.parse(d.coffer('audit', '--json', '--limit', '1000'))
    .some((r) => r.Action === 'lifecycle.expire' && r.Target === 'lc-worm/w/a' && r.Result === 'ok'));
});

test('coffer lifecycle show/run: errors and --json', async () => {
  const d = await start();
  const c = ossClient(d, { bucket: 'lc-cli' });
  await c.putBucket('lc-cli');
  assert.throws(() => d.coffer('lifecycle', 'show', 'lc-cli'), /no lifecycle configuration/);
  assert.throws(() => d.coffer('lifecycle', 'run', 'nope-bucket'), /no bucket/);
  await c.putBucketLifecycle('lc-cli', [{ id: 'x', prefix: 'x/', status: 'Enabled', expiration: { days: 1 } }]);
  await c.put('x/1', Buffer.from('1'));
  const r = JSON.parse(d.coffer('lifecycle', 'run', 'lc-cli', '--json'));
  assert.equal(r.Bucket, 'lc-cli');
  assert.equal(r.Runs.length, 1);
  assert.equal(r.Runs[0].Scanned, 1);
  assert.equal(r.Runs[0].Expired, 0);
  const s = show(d, 'lc-cli');
  assert.equal(s.Progress.RunDay, '2030-01-01');
  assert.equal(s.Progress.NextRunDay, '2030-01-02');
});

test('a versioned bucket: expiry adds a marker, noncurrent versions expire and transition, lone markers go', async () => {
  const d = await start();
  const c = ossClient(d, { bucket: 'lc-ver' });
  await c.putBucket('lc-ver');
  await c.putBucketVersioning('lc-ver', 'Enabled');
  const ncExp = (days) => `<NoncurrentVersionExpiration><NoncurrentDays>${days}</NoncurrentDays></NoncurrentVersionExpiration>`;
  await putXml(c, 'lc-ver',
    rule(exp(1) + ncExp(2), { id: 'exp', prefix: 'v/' }) +
    rule(ncTr(1, 'IA'), { id: 'nct', prefix: 'n/' }) +
    rule('<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>',
      { id: 'dm', prefix: 'd/' }));
  const vid = (r) => r.res.headers['x-oss-version-id'];
  // All written on 2030-01-01 12:00 UTC.
  const a1 = vid(await c.put('v/a', Buffer.from('a1')));
  const a2 = vid(await c.put('v/a', Buffer.from('a2')));
  const b1 = vid(await c.put('n/b', Buffer.from('b1')));
  await c.put('n/b', Buffer.from('b2'));
  const c1 = vid(await c.put('d/c', Buffer.from('c1')));
  const dm = (await c.delete('d/c')).res.headers['x-oss-version-id'];
  await c.delete('d/c', { versionId: c1 });	// the marker is now alone
  const version = async (key, v) => {
    try { return await c.head(key, { versionId: v }); } catch (e) { if (e.status === 404) return null; throw e; }
  };

  at(d, '2030-01-02T00:30:00Z');
  await ranThrough(d, 'lc-ver', '2030-01-02');
  assert.equal(await version('d/c', dm), null, 'a lone delete marker goes');
  assert.equal((await c.get('v/a')).content.toString(), 'a2');
  assert.equal((await version('n/b', b1)).res.headers['x-oss-storage-class'], 'Standard');

  at(d, '2030-01-03T00:30:00Z');
  await ranThrough(d, 'lc-ver', '2030-01-03');
  // Expiration of the current version: a delete marker, nothing removed.
  await expectOssError(() => c.get('v/a'), { code: 'NoSuchKey', status: 404 });
  assert.ok(await version('v/a', a1));
  assert.ok(await version('v/a', a2));
  // NoncurrentDays counts from when b1 stopped being current.
  assert.equal((await version('n/b', b1)).res.headers['x-oss-storage-class'], 'IA');
  assert.equal(await klass(c, 'n/b'), 'Standard');

  at(d, '2030-01-04T00:30:00Z');
  await ranThrough(d, 'lc-ver', '2030-01-04');
  assert.equal(await version('v/a', a1), null, 'non-current since 01-01: gone after two days');
  assert.ok(await version('v/a', a2), 'non-current only since the 01-03 run');
  at(d, '2030-01-05T00:30:00Z');
  await ranThrough(d, 'lc-ver', '2030-01-05');
  assert.equal(await version('v/a', a2), null);

  // An inventory report of every version lists what the rules left.
  await c.putBucket('lc-ver-inv');
  const acct = (await c.getBucketInfo('lc-ver')).bucket.Owner.ID;
  await c.putBucketInventory('lc-ver', {
    id: 'all', isEnabled: true, prefix: '',
    OSSBucketDestination: { format: 'CSV', accountId: acct, rolename: 'AliyunOSSRole', bucket: 'lc-ver-inv', prefix: 'rep' },
    frequency: 'Daily', includedObjectVersions: 'All', optionalFields: { field: ['StorageClass'] },
  });
  const manifestKey = d.coffer('inventory', 'run', 'lc-ver', 'all').trim();
  const dc = ossClient(d, { bucket: 'lc-ver-inv' });
  const manifest = JSON.parse((await dc.get(manifestKey)).content.toString());
  const lines = [];
  for (const f of manifest.files) {
    lines.push(...zlib.gunzipSync((await dc.get(f.key)).content).toString().split('\n').filter(Boolean));
  }
  // Bucket, Key, VersionId, IsLatest, IsDeleteMarker, StorageClass.
  const rowsOf = lines.map((l) => l.slice(1, -1).split('","'))
    .map(([, key, v, latest, dmk, sc]) => `${key} ${v === b1 ? 'b1' : key === 'n/b' ? 'b2' : 'marker'} ${latest} ${dmk} ${sc}`);
  assert.deepEqual(rowsOf.sort(), [
    'n/b b1 false false IA', 'n/b b2 true false Standard', 'v/a marker true true ',
  ]);

  const rows = JSON.parse(d.coffer('audit', '--json', '--limit', '1000'));
  const detail = (target, what) => rows.some((r) => r.Action === 'lifecycle.expire' &&
    r.Target === target && r.Result === 'ok' && r.Detail.includes(what));
  assert.ok(detail('lc-ver/v/a', 'add-marker'));
  assert.ok(detail('lc-ver/v/a', `remove-version versionId=${a1}`));
  assert.ok(detail('lc-ver/d/c', `remove-marker versionId=${dm}`));
});

test('a versioned bucket under WORM: non-current versions wait for their retention', async () => {
  const d = await start();
  const c = ossClient(d, { bucket: 'lc-vw' });
  await c.putBucket('lc-vw');
  await c.putBucketVersioning('lc-vw', 'Enabled');
  const w = await c.initiateBucketWorm('lc-vw', 3);
  await c.completeBucketWorm('lc-vw', w.wormId);
  await putXml(c, 'lc-vw', rule('<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration>',
    { id: 'nc', prefix: '' }));
  const v1 = (await c.put('k', Buffer.from('one'))).res.headers['x-oss-version-id'];
  await c.put('k', Buffer.from('two'));
  // Due from 01-03; protected until 01-04 12:00 (written 01-01 12:00).
  at(d, '2030-01-04T00:30:00Z');
  await ranThrough(d, 'lc-vw', '2030-01-04');
  assert.equal((await c.get('k', { versionId: v1 })).content.toString(), 'one');
  const rows = JSON.parse(d.coffer('audit', '--json', '--limit', '1000'));
  assert.ok(rows.some((r) => r.Action === 'lifecycle.expire' && r.Target === 'lc-vw/k' &&
    r.Result === 'skipped-retention'));
  at(d, '2030-01-05T00:30:00Z');
  await ranThrough(d, 'lc-vw', '2030-01-05');
  await expectOssError(() => c.get('k', { versionId: v1 }), { code: 'NoSuchVersion' });
  assert.equal((await c.get('k')).content.toString(), 'two');
  assert.deepEqual(await inventory(d, c, 'lc-vw', 'All'), ['k Standard']);
});
