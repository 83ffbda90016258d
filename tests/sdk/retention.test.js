// Object-level retention (ObjectWorm; oss-api.md §3.4, oss-api-2.md §1.10,
// §1.3): the bucket configuration and its prerequisites and exclusions,
// per-version retention (COMPLIANCE, GOVERNANCE with the owner's bypass)
// and legal hold, the default retention of versions written afterwards,
// and the end of a retention on the test clock. ali-oss 6.23 has none of
// these calls: they are signed raw requests; ali-oss writes the objects.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { startDaemon, ossClient, signedRaw, xmlText, expectOssError } = require('./lib/coffer');

// The V1 sub-resources these requests sign (the daemon's table has them).
const SUBRES = new Set(['objectWorm', 'retention', 'legalHold', 'versionId', 'versioning',
  'worm', 'append', 'position', 'delete']);
const DAY = 86400000;

let d;
before(async () => { d = await startDaemon(); });
after(async () => {
  assert.equal(await d.stop(), 0);
  fs.rmSync(d.dataDir, { recursive: true, force: true });
});

function req(bucket, { method = 'GET', key, query = {}, body, headers = {} }) {
  return signedRaw(d, { method, bucket, key, query, body, headers, subres: SUBRES });
}
function codeOf(r) { return xmlText(r.body, 'Code'); }
function expectErr(r, status, code, msg) {
  assert.equal(r.status, status, `${msg || ''} ${r.status} ${String(r.body)}`);
  assert.equal(codeOf(r), code, msg);
  assert.equal(r.headers['x-oss-ec'], xmlText(r.body, 'EC'));
}

function wormXml(mode, unit, n) {
  const rule = mode ? `<Rule><DefaultRetention><Mode>${mode}</Mode><${unit}>${n}</${unit}>`
    + '</DefaultRetention></Rule>' : '';
  return `<ObjectWormConfiguration><ObjectWormEnabled>Enabled</ObjectWormEnabled>${rule}`
    + '</ObjectWormConfiguration>';
}
const putWorm = (b, body) => req(b, { method: 'PUT', query: { objectWorm: '' }, body });
const getWorm = (b) => req(b, { query: { objectWorm: '' } });

function retentionXml(mode, until) {
  return `<Retention><Mode>${mode}</Mode><RetainUntilDate>${new Date(until).toISOString()}`
    + '</RetainUntilDate></Retention>';
}
function putRetention(b, key, { mode, until, versionId, bypass, body }) {
  const query = { retention: '' };
  if (versionId) query.versionId = versionId;
  const headers = bypass ? { 'x-oss-bypass-governance-retention': 'true' } : {};
  return req(b, { method: 'PUT', key, query, headers,
    body: body !== undefined ? body : retentionXml(mode, until) });
}
function getRetention(b, key, versionId) {
  return req(b, { key, query: versionId ? { retention: '', versionId } : { retention: '' } });
}
function putHold(b, key, status, versionId) {
  const query = versionId ? { legalHold: '', versionId } : { legalHold: '' };
  return req(b, { method: 'PUT', key, query,
    body: `<LegalHold><Status>${status}</Status></LegalHold>` });
}
async function holdOf(b, key, versionId) {
  const r = await req(b, { key, query: versionId ? { legalHold: '', versionId } : { legalHold: '' } });
  assert.equal(r.status, 200, String(r.body));
  return xmlText(r.body, 'Status');
}
function del(b, key, versionId, bypass) {
  return req(b, { method: 'DELETE', key, query: versionId ? { versionId } : {},
    headers: bypass ? { 'x-oss-bypass-governance-retention': 'true' } : {} });
}
// The business time the daemon uses (the test clock may have moved).
async function now(c) {
  const r = await c.put('clock-probe', Buffer.from('t'));
  return Date.parse(r.res.headers['last-modified'] || (await c.head('clock-probe')).res.headers['last-modified']);
}

async function versionedBucket(name) {
  const c = ossClient(d, { bucket: name });
  await c.putBucket(name);
  await c.putBucketVersioning(name, 'Enabled');
  return c;
}
async function put(c, key, data) {
  const r = await c.put(key, Buffer.from(data));
  const v = r.res.headers['x-oss-version-id'];
  assert.ok(v, 'a versioned write returns its version id');
  return v;
}

test('configuration: 404 before, prerequisites, exclusions, irreversible', async () => {
  const b = 'ow-config';
  const c = ossClient(d, { bucket: b });
  await c.putBucket(b);
  expectErr(await getWorm(b), 404, 'NoSuchObjectWormConfiguration');
  // Versioning must be Enabled first: never versioned, then Suspended.
  expectErr(await putWorm(b, wormXml()), 400, 'InvalidRequest', 'unversioned');
  await c.putBucketVersioning(b, 'Enabled');
  await c.putBucketVersioning(b, 'Suspended');
  expectErr(await putWorm(b, wormXml()), 400, 'InvalidRequest', 'suspended');
  await c.putBucketVersioning(b, 'Enabled');
  // Malformed rules.
  expectErr(await putWorm(b, '<Other/>'), 400, 'MalformedXML');
  expectErr(await putWorm(b, '<ObjectWormConfiguration/>'), 400, 'MalformedXML');
  expectErr(await putWorm(b, wormXml('FOREVER', 'Days', 1)), 400, 'InvalidArgument', 'mode');
  expectErr(await putWorm(b, wormXml('COMPLIANCE', 'Days', 0)), 400, 'InvalidArgument', 'days 0');
  expectErr(await putWorm(b, wormXml('COMPLIANCE', 'Years', 101)), 400, 'InvalidArgument', 'years');
  expectErr(await putWorm(b, wormXml('COMPLIANCE', 'Days', 'x')), 400, 'InvalidArgument', 'not a number');
  expectErr(await putWorm(b, '<ObjectWormConfiguration><ObjectWormEnabled>Enabled</ObjectWormEnabled>'
    + '<Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Days>1</Days><Years>1</Years>'
    + '</DefaultRetention></Rule></ObjectWormConfiguration>'), 400, 'InvalidArgument', 'both');
  expectErr(await putWorm(b, '<ObjectWormConfiguration><ObjectWormEnabled>Maybe</ObjectWormEnabled>'
    + '</ObjectWormConfiguration>'), 400, 'InvalidArgument');
  expectErr(await getWorm(b), 404, 'NoSuchObjectWormConfiguration', 'refusals changed nothing');

  // Enabled without a rule, then with one; putting it again replaces the rule.
  assert.equal((await putWorm(b, wormXml())).status, 200);
  let g = await getWorm(b);
  assert.equal(g.status, 200);
  assert.equal(xmlText(g.body, 'ObjectWormEnabled'), 'Enabled');
  assert.equal(xmlText(g.body, 'Rule'), undefined);
  assert.equal((await putWorm(b, wormXml('GOVERNANCE', 'Years', 2))).status, 200);
  g = await getWorm(b);
  assert.equal(xmlText(g.body, 'Mode'), 'GOVERNANCE');
  assert.equal(xmlText(g.body, 'Years'), '2');
  assert.equal(xmlText(g.body, 'Days'), undefined);

  // Irreversible: ObjectWorm cannot be disabled, versioning not suspended.
  expectErr(await putWorm(b, '<ObjectWormConfiguration><ObjectWormEnabled>Disabled</ObjectWormEnabled>'
    + '</ObjectWormConfiguration>'), 400, 'InvalidRequest', 'disable');
  // (ali-oss's putBucketVersioning does not throw: no successStatuses.)
  const sv = await req(b, { method: 'PUT', query: { versioning: '' },
    body: '<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>' });
  expectErr(sv, 400, 'InvalidRequest', 'suspend');
  assert.equal(xmlText(sv.body, 'EC'), '0012-00000007');
  assert.equal((await c.getBucketVersioning(b)).versionStatus, 'Enabled');
  // Mutually exclusive with a bucket retention policy, this way round...
  await expectOssError(() => c.initiateBucketWorm(b, 1),
    { code: 'InvalidRequest', status: 400, ec: '0027-00000205' });
  // ... and AppendObject is off.
  await expectOssError(() => c.append('log', Buffer.from('x')),
    { code: 'InvalidRequest', status: 400, ec: '0027-00000207' });
  // Retention calls on a bucket without ObjectWorm.
  const other = 'ow-config-none';
  const co = await versionedBucket(other);
  await put(co, 'k', 'v');
  expectErr(await putRetention(other, 'k', { mode: 'COMPLIANCE', until: Date.now() + DAY }),
    400, 'InvalidRequest');
  expectErr(await putHold(other, 'k', 'ON'), 400, 'InvalidRequest');
});

test('a bucket retention policy in force excludes ObjectWorm', async () => {
  const b = 'ow-bucketworm';
  const c = await versionedBucket(b);
  await c.initiateBucketWorm(b, 1);
  expectErr(await putWorm(b, wormXml()), 400, 'InvalidRequest');
  await c.abortBucketWorm(b);
  assert.equal((await putWorm(b, wormXml())).status, 200);
  // With versions the bucket stays; once empty it goes, and its
  // configuration with it.
  const v = await put(c, 'k', 'v');
  await expectOssError(() => c.deleteBucket(b), { code: 'BucketNotEmpty', status: 409 });
  assert.equal((await getWorm(b)).status, 200);
  assert.equal((await del(b, 'k', v)).status, 204);
  await c.deleteBucket(b);
  await c.putBucket(b);
  expectErr(await getWorm(b), 404, 'NoSuchObjectWormConfiguration');
});

test('default retention: versions written afterwards only, from their Last-Modified', async () => {
  const b = 'ow-default';
  const c = await versionedBucket(b);
  const before = await put(c, 'doc', 'before');
  assert.equal((await putWorm(b, wormXml('COMPLIANCE', 'Days', 1))).status, 200);
  const v = await put(c, 'doc', 'after');
  const head = await c.head('doc');
  expectErr(await getRetention(b, 'doc', before), 404, 'NoSuchObjectRetention', 'older version');
  const r = await getRetention(b, 'doc');
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-oss-version-id'], v);
  assert.equal(xmlText(r.body, 'Mode'), 'COMPLIANCE');
  const lm = Date.parse(head.res.headers['last-modified']);
  const until = Date.parse(xmlText(r.body, 'RetainUntilDate'));
  assert.ok(until - lm >= DAY && until - lm < DAY + 1000, `${until - lm}`);
  // Multipart and copy writes get it too.
  await c.copy('copy', 'doc');
  assert.equal(xmlText((await getRetention(b, 'copy')).body, 'Mode'), 'COMPLIANCE');
  const up = await c.initMultipartUpload('mpu');
  const part = await c.uploadPart('mpu', up.uploadId, 1, Buffer.from('part'), 0, 4);
  await c.completeMultipartUpload('mpu', up.uploadId, [{ number: 1, etag: part.etag }]);
  assert.equal(xmlText((await getRetention(b, 'mpu')).body, 'Mode'), 'COMPLIANCE');

  // The protected version cannot go; the unprotected one can; a DELETE
  // without versionId only adds a delete marker, and a marker is never
  // protected.
  expectErr(await del(b, 'doc', v), 409, 'FileImmutable');
  expectErr(await del(b, 'doc', v, true), 409, 'FileImmutable', 'COMPLIANCE ignores bypass');
  assert.equal((await del(b, 'doc', before)).status, 204);
  const dm = await del(b, 'doc');
  assert.equal(dm.status, 204);
  assert.equal(dm.headers['x-oss-delete-marker'], 'true');
  assert.equal((await del(b, 'doc', dm.headers['x-oss-version-id'])).status, 204);
  // Overwriting is a new version: allowed, and protected in turn.
  const v3 = await put(c, 'doc', 'again');
  expectErr(await del(b, 'doc', v3), 409, 'FileImmutable');

  // After the date (business clock) the version is free.
  d.clockAdvance('25h');
  assert.equal((await del(b, 'doc', v)).status, 204);
  assert.equal((await del(b, 'doc', v3)).status, 204);
});

test('COMPLIANCE: future dates only, extend only, never weakened', async () => {
  const b = 'ow-compliance';
  const c = await versionedBucket(b);
  assert.equal((await putWorm(b, wormXml())).status, 200);
  const v = await put(c, 'k', 'data');
  const t = await now(c);
  expectErr(await getRetention(b, 'k'), 404, 'NoSuchObjectRetention');
  // Bad bodies and dates.
  expectErr(await putRetention(b, 'k', { body: '<Nope/>' }), 400, 'MalformedXML');
  expectErr(await putRetention(b, 'k', { body: '<Retention><Mode>COMPLIANCE</Mode></Retention>' }),
    400, 'InvalidArgument');
  expectErr(await putRetention(b, 'k', { mode: 'LOOSE', until: t + DAY }), 400, 'InvalidArgument');
  expectErr(await putRetention(b, 'k', { body: '<Retention><Mode>COMPLIANCE</Mode>'
    + '<RetainUntilDate>tomorrow</RetainUntilDate></Retention>' }), 400, 'InvalidArgument');
  expectErr(await putRetention(b, 'k', { mode: 'COMPLIANCE', until: t - DAY }), 400, 'InvalidArgument',
    'past date');

  let r = await putRetention(b, 'k', { mode: 'COMPLIANCE', until: t + 10 * DAY });
  assert.equal(r.status, 200, String(r.body));
  assert.equal(r.headers['x-oss-version-id'], v);
  r = await getRetention(b, 'k');
  assert.equal(xmlText(r.body, 'Mode'), 'COMPLIANCE');
  assert.equal(Date.parse(xmlText(r.body, 'RetainUntilDate')), new Date(t + 10 * DAY).getTime());
  // Earlier, weaker or removed: refused, bypass or not.
  expectErr(await putRetention(b, 'k', { mode: 'COMPLIANCE', until: t + 5 * DAY }), 403, 'AccessDenied');
  expectErr(await putRetention(b, 'k', { mode: 'GOVERNANCE', until: t + 20 * DAY, bypass: true }),
    403, 'AccessDenied');
  expectErr(await putRetention(b, 'k', { body: '<Retention/>', bypass: true }), 403, 'AccessDenied');
  // Later: fine.
  assert.equal((await putRetention(b, 'k', { mode: 'COMPLIANCE', until: t + 30 * DAY })).status, 200);
  expectErr(await del(b, 'k', v, true), 409, 'FileImmutable');
  // Tags of a protected version are a change of it too.
  await expectOssError(() => c.putObjectTagging('k', { a: 'b' }), { code: 'FileImmutable', status: 409 });
  // Ended on the test clock: deletable.
  d.clockAdvance('31d');
  assert.equal((await del(b, 'k', v)).status, 204);
});

test('GOVERNANCE: the owner may bypass it, nobody shortens it silently', async () => {
  const b = 'ow-governance';
  const c = await versionedBucket(b);
  assert.equal((await putWorm(b, wormXml('GOVERNANCE', 'Days', 3))).status, 200);
  const v = await put(c, 'g', 'data');
  const t = await now(c);
  let r = await getRetention(b, 'g');
  assert.equal(xmlText(r.body, 'Mode'), 'GOVERNANCE');
  expectErr(await del(b, 'g', v), 409, 'FileImmutable');
  // Shorter or removed only with the bypass.
  expectErr(await putRetention(b, 'g', { mode: 'GOVERNANCE', until: t + DAY }), 403, 'AccessDenied');
  expectErr(await putRetention(b, 'g', { body: '<Retention/>' }), 403, 'AccessDenied');
  assert.equal((await putRetention(b, 'g', { mode: 'GOVERNANCE', until: t + DAY, bypass: true })).status, 200);
  r = await getRetention(b, 'g');
  assert.equal(Date.parse(xmlText(r.body, 'RetainUntilDate')), new Date(t + DAY).getTime());
  // Later, or made COMPLIANCE, needs no bypass.
  assert.equal((await putRetention(b, 'g', { mode: 'GOVERNANCE', until: t + 2 * DAY })).status, 200);
  assert.equal((await putRetention(b, 'g', { body: '<Retention/>', bypass: true })).status, 200);
  expectErr(await getRetention(b, 'g'), 404, 'NoSuchObjectRetention', 'removed');
  assert.equal((await putRetention(b, 'g', { mode: 'GOVERNANCE', until: t + 2 * DAY })).status, 200);
  // DELETE of the version: refused without the bypass, done with it.
  expectErr(await del(b, 'g', v), 409, 'FileImmutable');
  assert.equal((await del(b, 'g', v, true)).status, 204);
  // A version upgraded to COMPLIANCE is not bypassed any more.
  const v2 = await put(c, 'g', 'data2');
  // A minute past the default: later than it however long the calls took.
  assert.equal((await putRetention(b, 'g', { mode: 'COMPLIANCE', until: t + 3 * DAY + 60000 })).status, 200);
  expectErr(await del(b, 'g', v2, true), 409, 'FileImmutable');
});

test('legal hold: ON keeps any version until OFF, per version', async () => {
  const b = 'ow-hold';
  const c = await versionedBucket(b);
  assert.equal((await putWorm(b, wormXml())).status, 200);
  const v1 = await put(c, 'h', 'one');
  const v2 = await put(c, 'h', 'two');
  assert.equal(await holdOf(b, 'h'), 'OFF');
  expectErr(await putHold(b, 'h', 'MAYBE'), 400, 'InvalidArgument');
  expectErr(await req(b, { method: 'PUT', key: 'h', query: { legalHold: '' }, body: '<Hold/>' }),
    400, 'MalformedXML');
  // On the older version only.
  const r = await putHold(b, 'h', 'ON', v1);
  assert.equal(r.status, 200, String(r.body));
  assert.equal(r.headers['x-oss-version-id'], v1);
  assert.equal(await holdOf(b, 'h', v1), 'ON');
  assert.equal(await holdOf(b, 'h', v2), 'OFF');
  assert.equal(await holdOf(b, 'h'), 'OFF');
  expectErr(await del(b, 'h', v1), 409, 'FileImmutable');
  expectErr(await del(b, 'h', v1, true), 409, 'FileImmutable', 'a hold is not bypassed');
  // Held through a retention that has ended.
  const t = await now(c);
  assert.equal((await putRetention(b, 'h', { mode: 'COMPLIANCE', until: t + DAY, versionId: v1 })).status, 200);
  d.clockAdvance('2d');
  expectErr(await del(b, 'h', v1), 409, 'FileImmutable');
  assert.equal((await putHold(b, 'h', 'OFF', v1)).status, 200);
  assert.equal((await del(b, 'h', v1)).status, 204);
  assert.equal((await del(b, 'h', v2)).status, 204);
});

test('per version: unknown ids, delete markers, appendable objects', async () => {
  const b = 'ow-versions';
  const c = await versionedBucket(b);
  // An appendable object written before ObjectWorm cannot get a retention.
  await c.append('app', Buffer.from('x'));
  assert.equal((await putWorm(b, wormXml())).status, 200);
  const t = await now(c);
  expectErr(await putRetention(b, 'app', { mode: 'COMPLIANCE', until: t + DAY }), 400, 'InvalidRequest');
  expectErr(await putHold(b, 'app', 'ON'), 400, 'InvalidRequest');
  // No such key / version.
  expectErr(await putRetention(b, 'none', { mode: 'COMPLIANCE', until: t + DAY }), 404, 'NoSuchKey');
  expectErr(await getRetention(b, 'none'), 404, 'NoSuchKey');
  const v = await put(c, 'k', 'data');
  const gone = 'CAEQHxiBgIDAj.jV3xgiIGFjMDI5ZWFmYjQ2NjRkMmJiYWU1NzE3ZGNkYzA1';
  expectErr(await putRetention(b, 'k', { mode: 'COMPLIANCE', until: t + DAY, versionId: gone }),
    404, 'NoSuchVersion');
  expectErr(await req(b, { key: 'k', query: { legalHold: '', versionId: gone } }), 404, 'NoSuchVersion');
  // The current version is a delete marker: no key; named, it cannot hold one.
  const dm = await del(b, 'k');
  const dmId = dm.headers['x-oss-version-id'];
  expectErr(await putRetention(b, 'k', { mode: 'COMPLIANCE', until: t + DAY }), 404, 'NoSuchKey');
  expectErr(await putRetention(b, 'k', { mode: 'COMPLIANCE', until: t + DAY, versionId: dmId }),
    400, 'InvalidRequest');
  expectErr(await putHold(b, 'k', 'ON', dmId), 400, 'InvalidRequest');
  // The data version under the marker still takes one by its id.
  assert.equal((await putRetention(b, 'k', { mode: 'GOVERNANCE', until: t + DAY, versionId: v })).status, 200);
  assert.equal(xmlText((await getRetention(b, 'k', v)).body, 'Mode'), 'GOVERNANCE');
});

test('the bypass is the owner\'s: another account with write access cannot lift GOVERNANCE', async () => {
  const b = 'ow-bypass';
  const c = await versionedBucket(b);
  await c.putBucketACL(b, 'public-read-write');
  assert.equal((await putWorm(b, wormXml('GOVERNANCE', 'Days', 1))).status, 200);
  const v = await put(c, 'k', 'data');
  const bob = JSON.parse(d.coffer('account', 'create', 'ow-bob', '--json'));
  const asBob = (extra) => signedRaw(d, { method: 'DELETE', bucket: b, key: 'k', subres: SUBRES,
    query: { versionId: v }, ak: bob.AccessKeyId, sk: bob.AccessKeySecret,
    headers: { 'x-oss-bypass-governance-retention': 'true', ...extra } });
  expectErr(await asBob(), 409, 'FileImmutable', 'not the owner');
  // Nor may he touch the retention or the hold at all.
  const r = await signedRaw(d, { method: 'PUT', bucket: b, key: 'k', subres: SUBRES,
    query: { retention: '' }, ak: bob.AccessKeyId, sk: bob.AccessKeySecret,
    headers: { 'x-oss-bypass-governance-retention': 'true' }, body: '<Retention/>' });
  assert.equal(r.status, 403, String(r.body));
  assert.equal(xmlText((await getRetention(b, 'k', v)).body, 'Mode'), 'GOVERNANCE');
  // The owner may.
  assert.equal((await del(b, 'k', v, true)).status, 204);
});

test('DeleteMultipleObjects with a protected version id removes nothing protected', async () => {
  const b = 'ow-multi';
  const c = await versionedBucket(b);
  assert.equal((await putWorm(b, wormXml('COMPLIANCE', 'Days', 1))).status, 200);
  const v = await put(c, 'k', 'data');
  const body = `<Delete><Quiet>false</Quiet><Object><Key>k</Key><VersionId>${v}</VersionId></Object></Delete>`;
  const r = await req(b, { method: 'POST', query: { delete: '' }, body,
    headers: { 'content-md5': crypto.createHash('md5').update(body).digest('base64') } });
  // Either the request is refused as a whole or the key is not <Deleted>.
  if (r.status === 200) assert.equal(xmlText(r.body, 'Deleted'), undefined, String(r.body));
  else expectErr(r, 409, 'FileImmutable');
  assert.equal(xmlText((await getRetention(b, 'k', v)).body, 'Mode'), 'COMPLIANCE');
  // Without a version id it only adds a delete marker.
  const r2 = await c.deleteMulti(['k'], { quiet: false });
  assert.equal(r2.res.status, 200);
  assert.equal(xmlText((await getRetention(b, 'k', v)).body, 'Mode'), 'COMPLIANCE');
});

// The daily lifecycle runs (README "Lifecycle rules") delete through the
// same guard: a non-current version due for expiry waits for its
// retention and its legal hold.
test('lifecycle: non-current versions wait for their retention and hold', async () => {
  const dl = await startDaemon();
  try {
    dl.coffer('clock', 'set', '2030-01-01T12:00:00Z');
    const b = 'ow-lifecycle';
    const c = ossClient(dl, { bucket: b });
    await c.putBucket(b);
    await c.putBucketVersioning(b, 'Enabled');
    const r = (o) => signedRaw(dl, { ...o, bucket: b, subres: new Set([...SUBRES, 'lifecycle']) });
    assert.equal((await r({ method: 'PUT', query: { objectWorm: '' },
      body: wormXml('COMPLIANCE', 'Days', 3) })).status, 200);
    const k1 = (await c.put('k', Buffer.from('one'))).res.headers['x-oss-version-id'];
    await c.put('k', Buffer.from('two'));
    const h1 = (await c.put('h', Buffer.from('one'))).res.headers['x-oss-version-id'];
    await c.put('h', Buffer.from('two'));
    assert.equal((await r({ method: 'PUT', key: 'h', query: { legalHold: '', versionId: h1 },
      body: '<LegalHold><Status>ON</Status></LegalHold>' })).status, 200);
    const lc = '<LifecycleConfiguration><Rule><ID>nc</ID><Prefix></Prefix><Status>Enabled</Status>'
      + '<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration>'
      + '</Rule></LifecycleConfiguration>';
    const put = await r({ method: 'PUT', query: { lifecycle: '' }, body: lc,
      headers: { 'content-md5': crypto.createHash('md5').update(lc).digest('base64') } });
    assert.equal(put.status, 200, String(put.body));
    const ran = async (day) => {
      const end = Date.now() + 15000;
      for (;;) {
        const p = JSON.parse(dl.coffer('lifecycle', 'show', b, '--json')).Progress;
        if (p.Done && p.RunDay >= day) return;
        if (Date.now() > end) assert.fail(`the lifecycle run of ${day}`);
        await new Promise((res) => setTimeout(res, 200));
      }
    };
    // Due from 01-03; the default retention lasts until 01-04 12:00.
    dl.coffer('clock', 'set', '2030-01-04T00:30:00Z');
    await ran('2030-01-04');
    assert.equal((await c.get('k', { versionId: k1 })).content.toString(), 'one');
    dl.coffer('clock', 'set', '2030-01-05T00:30:00Z');
    await ran('2030-01-05');
    await expectOssError(() => c.get('k', { versionId: k1 }), { code: 'NoSuchVersion', status: 404 });
    // The hold outlasts the retention.
    assert.equal((await c.get('h', { versionId: h1 })).content.toString(), 'one');
  } finally {
    assert.equal(await dl.stop(), 0);
    fs.rmSync(dl.dataDir, { recursive: true, force: true });
  }
});
