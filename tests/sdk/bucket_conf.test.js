// Stored bucket configurations (spec oss-api-2.md §5.1-5.5) through
// ali-oss: tags, referer (and its enforcement), request payment, website,
// logging, the public access block; each deleted with its bucket.
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

test('logging: deleteBucketLogging turns it off', async () => {
  await owner.putBucket('conf-log');
  await owner.putBucketLogging('conf-log', 'log-');
  assert.equal((await owner.getBucketLogging('conf-log')).enable, true);
  await owner.deleteBucketLogging('conf-log');
  assert.equal((await owner.getBucketLogging('conf-log')).enable, false);
  // Deleting what is not there is a 204 too.
  await owner.deleteBucketLogging('conf-log');
  await owner.deleteBucket('conf-log');
});

test('public access block: public ACLs and public policies count for nothing', async () => {
  const b = 'conf-pab';
  const host = { host: `${b}.oss-cn-hangzhou.aliyuncs.com` };
  const pab = (method, on) => signedRaw(d, { method, bucket: b, query: { publicAccessBlock: '' }, v4: true,
    body: on === undefined ? undefined
      : `<PublicAccessBlockConfiguration><BlockPublicAccess>${on}</BlockPublicAccess></PublicAccessBlockConfiguration>` });
  const publicPolicy = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Principal: ['*'],
    Action: ['oss:GetObject'], Resource: [`acs:oss:*:*:${b}/*`] }] });
  await owner.putBucket(b);
  owner.useBucket(b);
  await owner.put('p.txt', Buffer.from('pab'));
  let r = await pab('GET');
  assert.equal(r.status, 404);
  assert.equal(xmlText(r.body, 'Code'), 'NoSuchPublicAccessBlockConfiguration');

  // A public-read bucket serves anonymous readers until the block is on.
  await owner.putBucketACL(b, 'public-read');
  assert.equal((await raw(d, { path: '/p.txt', headers: host })).status, 200);
  assert.equal((await pab('PUT', 'true')).status, 200);
  r = await pab('GET');
  assert.equal(r.status, 200);
  assert.equal(xmlText(r.body, 'BlockPublicAccess'), 'true');
  r = await raw(d, { path: '/p.txt', headers: host });
  assert.equal(r.status, 403);
  assert.equal(xmlText(r.body, 'Code'), 'AccessDenied');
  // The owner is not affected.
  assert.equal((await owner.get('p.txt')).content.toString(), 'pab');

  // A policy granting "*" is refused while the block is on.
  const e = await errOf(() => owner.putBucketPolicy(b, JSON.parse(publicPolicy)));
  assert.equal(e.status, 403);
  assert.equal(e.code, 'AccessDenied');
  assert.equal(e.message, 'Public access is blocked for this bucket.');

  // Off again: the public ACL and a public policy work.
  assert.equal((await pab('DELETE')).status, 204);
  assert.equal((await raw(d, { path: '/p.txt', headers: host })).status, 200);
  await owner.putBucketACL(b, 'private');
  assert.equal((await raw(d, { path: '/p.txt', headers: host })).status, 403);
  await owner.putBucketPolicy(b, JSON.parse(publicPolicy));
  assert.equal((await raw(d, { path: '/p.txt', headers: host })).status, 200);

  // A bad document is MalformedXML, and the block goes with its bucket.
  r = await signedRaw(d, { method: 'PUT', bucket: b, query: { publicAccessBlock: '' }, v4: true,
    body: '<PublicAccessBlockConfiguration><BlockPublicAccess>yes</BlockPublicAccess></PublicAccessBlockConfiguration>' });
  assert.equal(r.status, 400);
  assert.equal(xmlText(r.body, 'Code'), 'MalformedXML');
  assert.equal((await pab('PUT', 'true')).status, 200);
  await owner.deleteBucketPolicy(b);
  await owner.delete('p.txt');
  await owner.deleteBucket(b);
  await owner.putBucket(b);
  assert.equal((await pab('GET')).status, 404);
});
