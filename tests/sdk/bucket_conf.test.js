// Stored bucket configurations (spec oss-api-2.md §5.1-5.5) through
// ali-oss: tags, referer (and its enforcement), request payment, website,
// logging; each deleted with its bucket.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { startDaemon, ossClient, raw, signedRaw, xmlText } = require('./lib/coffer');

let d;
let owner;
let bob;
before(async () => {
  d = await startDaemon();
  const b = JSON.parse(d.coffer('account', 'create', 'bob', '--json'));
  bob = ossClient(d, { ak: b.AccessKeyId, sk: b.AccessKeySecret });
  owner = ossClient(d, {});
});
after(async () => {
  assert.equal(await d.stop(), 0);
  fs.rmSync(d.dataDir, { recursive: true, force: true });
});
const errOf = async (fn) => { try { await fn(); return null; } catch (e) { return e; } };

test('bucket tags: put, get, selective and full delete, limits', async () => {
  await owner.putBucket('conf-tags');
  assert.deepEqual((await owner.getBucketTags('conf-tags')).tag, {});
  await owner.putBucketTags('conf-tags', { k1: 'v1', k2: 'v2', k3: '' });
  assert.deepEqual((await owner.getBucketTags('conf-tags')).tag, { k1: 'v1', k2: 'v2', k3: '' });
  // ali-oss cannot name keys: DELETE /?tagging=k1,k3 raw.
  const r = await signedRaw(d, { method: 'DELETE', bucket: 'conf-tags', query: { tagging: 'k1,k3' }, v4: true });
  assert.equal(r.status, 204);
  assert.deepEqual((await owner.getBucketTags('conf-tags')).tag, { k2: 'v2' });
  await owner.deleteBucketTags('conf-tags');
  assert.deepEqual((await owner.getBucketTags('conf-tags')).tag, {});
  // ali-oss checks tags itself: the limits are sent raw.
  const putTags = (tags) => signedRaw(d, { method: 'PUT', bucket: 'conf-tags', query: { tagging: '' }, v4: true,
    body: `<Tagging><TagSet>${Object.entries(tags).map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join('')}</TagSet></Tagging>` });
  let r2 = await putTags(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])));
  assert.equal(r2.status, 400);
  assert.equal(xmlText(r2.body, 'Code'), 'TooManyTags');
  r2 = await putTags({ acsKey: 'v' });
  assert.equal(xmlText(r2.body, 'EC'), '0010-00000002');
  r2 = await putTags({ AliyunX: 'v' });
  assert.equal(xmlText(r2.body, 'EC'), '0010-00000207');
  assert.deepEqual((await owner.getBucketTags('conf-tags')).tag, {}, 'refused sets change nothing');
  let e;
  e = await errOf(() => bob.getBucketTags('conf-tags'));
  assert.equal(e.status, 403);
});

test('referer: stored, and enforced for anonymous requests only', async () => {
  await owner.putBucket('conf-ref', { acl: 'public-read' });
  owner.useBucket('conf-ref');
  await owner.put('a.txt', Buffer.from('x'));
  await owner.putBucketReferer('conf-ref', false, ['http://*.good.com', 'https://exact.org/page']);
  const g = await owner.getBucketReferer('conf-ref');
  assert.equal(g.allowEmpty, false);
  assert.deepEqual(g.referers, ['http://*.good.com', 'https://exact.org/page']);
  const get = (referer) => raw(d, { path: '/a.txt', headers: { host: 'conf-ref.oss-cn-hangzhou.aliyuncs.com', ...(referer ? { referer } : {}) } });
  assert.equal((await get('http://www.good.com')).status, 200);
  assert.equal((await get('https://exact.org/page?q=1')).status, 200, 'query string truncated by default');
  const no = await get('http://evil.com');
  assert.equal(no.status, 403);
  assert.equal(xmlText(no.body, 'Code'), 'AccessDenied');
  assert.equal(xmlText(no.body, 'Message'), 'You are denied by bucket referer policy.');
  assert.equal((await get(null)).status, 403, 'AllowEmptyReferer false');
  assert.equal(String((await owner.get('a.txt')).content), 'x', 'signed header requests are not checked');
  await owner.deleteBucketReferer('conf-ref');
  assert.equal((await get('http://evil.com')).status, 200);
});

test('request payment: stored; others must say they pay', async () => {
  await owner.putBucket('conf-pay', { acl: 'public-read' });
  owner.useBucket('conf-pay');
  await owner.put('a.txt', Buffer.from('x'));
  assert.equal((await owner.getBucketRequestPayment('conf-pay')).payer, 'BucketOwner');
  await owner.putBucketRequestPayment('conf-pay', 'Requester');
  assert.equal((await owner.getBucketRequestPayment('conf-pay')).payer, 'Requester');
  bob.useBucket('conf-pay');
  const e = await errOf(() => bob.get('a.txt'));
  assert.equal(e.status, 403);
  const ok = await bob.get('a.txt', { headers: { 'x-oss-request-payer': 'requester' } });
  assert.equal(ok.res.headers['x-oss-request-charged'], 'requester');
  assert.equal((await raw(d, { path: '/a.txt', headers: { host: 'conf-pay.oss-cn-hangzhou.aliyuncs.com' } })).status, 403);
  assert.equal(String((await owner.get('a.txt')).content), 'x');
});

test('website and logging: stored, returned, deleted (also with the bucket)', async () => {
  await owner.putBucket('conf-web');
  let e = await errOf(() => owner.getBucketWebsite('conf-web'));
  assert.equal(e.code, 'NoSuchWebsiteConfiguration');
  await owner.putBucketWebsite('conf-web', { index: 'index.html', error: 'err.html' });
  const w = await owner.getBucketWebsite('conf-web');
  assert.equal(w.index, 'index.html');
  assert.equal(w.error, 'err.html');
  await owner.deleteBucketWebsite('conf-web');
  e = await errOf(() => owner.getBucketWebsite('conf-web'));
  assert.equal(e.status, 404);

  assert.equal((await owner.getBucketLogging('conf-web')).enable, false);
  await owner.putBucketLogging('conf-web', 'log-');
  const l = await owner.getBucketLogging('conf-web');
  assert.equal(l.enable, true);
  assert.equal(l.prefix, 'log-');
  await owner.putBucketWebsite('conf-web', { index: 'index.html' });
  await owner.deleteBucket('conf-web');
  await owner.putBucket('conf-web');
  assert.equal((await owner.getBucketLogging('conf-web')).enable, false);
  e = await errOf(() => owner.getBucketWebsite('conf-web'));
  assert.equal(e.status, 404);
});
