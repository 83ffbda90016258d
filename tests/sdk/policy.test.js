// Bucket policies (spec oss-api-2.md §5.6, §6): stored and returned through
// ali-oss, and enforced together with the ACLs: an explicit Deny wins
// (also over the owner when a "*" statement has a Condition), an Allow
// opens what the ACLs would refuse, nothing matching leaves it to the ACLs.
// Inside one request the policy is asked per object: each key of
// DeleteMultipleObjects (a denied key is an <Error> entry, the others go),
// CopyObject's source (oss:GetObject there), PostObject's key.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { startDaemon, ossClient, raw, signedRaw, xmlText, xmlAll, md5b64 } = require('./lib/coffer');
const { form, post, signedV1 } = require('./lib/form');

let d;
let owner;
let bob;
let bobId;
let ownerId;

before(async () => {
  d = await startDaemon();
  const b = JSON.parse(d.coffer('account', 'create', 'bob', '--json'));
  bob = { ak: b.AccessKeyId, sk: b.AccessKeySecret };
  bobId = b.AccountId;
  owner = ossClient(d, {});
  await owner.putBucket('pol-info');
  ownerId = (await owner.getBucketInfo('pol-info')).bucket.Owner.ID;
});
after(async () => {
  assert.equal(await d.stop(), 0);
  fs.rmSync(d.dataDir, { recursive: true, force: true });
});

const stmt = (effect, action, principal, resource, condition) => ({
  Effect: effect, Action: [].concat(action), Principal: [].concat(principal),
  Resource: [].concat(resource), ...(condition ? { Condition: condition } : {}),
});
const doc = (...statements) => ({ Version: '1', Statement: statements });

async function fresh(name, acl = 'private') {
  await owner.putBucket(name, { acl });
  owner.useBucket(name);
  await owner.put('pub/a.txt', Buffer.from('public'));
  await owner.put('priv/b.txt', Buffer.from('private'));
  return name;
}
function anon(bucket, method, key, headers = {}) {
  return raw(d, { method, path: `/${key}`, headers: { host: `${bucket}.oss-cn-hangzhou.aliyuncs.com`, ...headers },
    body: method === 'PUT' ? 'x' : undefined });
}
// ali-oss answers a 404 GetBucketPolicy with policy null: the code is
// checked on the wire.
async function noPolicy(b) {
  assert.equal((await owner.getBucketPolicy(b)).policy, null);
  const r = await signedRaw(d, { bucket: b, query: { policy: '' }, v4: true });
  assert.equal(r.status, 404);
  assert.equal(xmlText(r.body, 'Code'), 'NoSuchBucketPolicy');
}
async function status(fn) {
  try { return (await fn()).res.status; } catch (e) { return `${e.status} ${e.code} ${e.message.replace(/, RequestId:.*$/s, '')}`; }
}

test('put, get, delete; none is NoSuchBucketPolicy; deleted with the bucket', async () => {
  const b = await fresh('pol-crud');
  await noPolicy(b);
  const p = doc(stmt('Allow', 'oss:GetObject', '*', `acs:oss:*:*:${b}/pub/*`));
  await owner.putBucketPolicy(b, p);
  assert.deepEqual((await owner.getBucketPolicy(b)).policy, p);
  const p2 = doc(stmt('Deny', 'oss:*', bobId, `acs:oss:*:${ownerId}:${b}/*`));
  await owner.putBucketPolicy(b, p2);
  assert.deepEqual((await owner.getBucketPolicy(b)).policy, p2, 'PUT overwrites');
  assert.equal((await owner.deleteBucketPolicy(b)).status, 204);
  await noPolicy(b);

  await owner.putBucketPolicy(b, p);
  await owner.delete('pub/a.txt');
  await owner.delete('priv/b.txt');
  await owner.deleteBucket(b);
  await owner.putBucket(b);
  await noPolicy(b);
});

test('malformed policies are refused with the 0030 ECs', async () => {
  const b = await fresh('pol-bad');
  const put = (body) => signedRaw(d, { method: 'PUT', bucket: b, query: { policy: '' }, body, v4: true });
  let r = await put('{"Version":1,"Statement":[]}');
  assert.equal(r.status, 400);
  assert.equal(xmlText(r.body, 'EC'), '0030-00000005');
  r = await put('{"Version":"2","Statement":[]}');
  assert.equal(xmlText(r.body, 'EC'), '0030-00000002');
  r = await put(JSON.stringify(doc(stmt('Allow', 'oss:GetObject', '*', '*'))).padEnd(17 * 1024, ' '));
  assert.equal(xmlText(r.body, 'EC'), '0030-00000001');
  await noPolicy(b);
});

test('GetBucketPolicyStatus: public only with an Allow for everybody', async () => {
  const b = await fresh('pol-status');
  const st = async () => xmlText((await signedRaw(d, { bucket: b, query: { policyStatus: '' }, v4: true })).body, 'IsPublic');
  assert.equal(await st(), 'false');
  await owner.putBucketPolicy(b, doc(stmt('Deny', 'oss:*', '*', '*')));
  assert.equal(await st(), 'false');
  await owner.putBucketPolicy(b, doc(stmt('Allow', 'oss:GetObject', '*', '*')));
  assert.equal(await st(), 'true');
});

test('anonymous access allowed by a policy, only where it says', async () => {
  const b = await fresh('pol-anon');
  assert.equal((await anon(b, 'GET', 'pub/a.txt')).status, 403);
  await owner.putBucketPolicy(b, doc(stmt('Allow', 'oss:Get*', '*', `acs:oss:*:*:${b}/pub/*`)));
  const r = await anon(b, 'GET', 'pub/a.txt');
  assert.equal(r.status, 200);
  assert.equal(String(r.body), 'public');
  assert.equal((await anon(b, 'GET', 'priv/b.txt')).status, 403);
  assert.equal((await anon(b, 'PUT', 'pub/c.txt')).status, 403, 'oss:Get* does not grant PutObject');
});

test('another account: allowed by name, others not; denied by name over a public ACL', async () => {
  const b = await fresh('pol-other');
  const bc = ossClient(d, { bucket: b, ak: bob.ak, sk: bob.sk });
  assert.match(String(await status(() => bc.get('priv/b.txt'))), /^403/);
  await owner.putBucketPolicy(b, doc(stmt('Allow', ['oss:GetObject', 'oss:ListObjects'], bobId,
    [`acs:oss:*:${ownerId}:${b}`, `acs:oss:*:${ownerId}:${b}/*`])));
  assert.equal(await status(() => bc.get('priv/b.txt')), 200);
  assert.equal(await status(() => bc.list({ prefix: 'priv/' })), 200);
  assert.match(String(await status(() => bc.put('priv/x', Buffer.from('x')))), /^403/);
  assert.equal((await anon(b, 'GET', 'priv/b.txt')).status, 403, 'the grant is for bob only');

  const w = await fresh('pol-other-w', 'public-read-write');
  const wc = ossClient(d, { bucket: w, ak: bob.ak, sk: bob.sk });
  assert.equal(await status(() => wc.put('bob.txt', Buffer.from('x'))), 200);
  await owner.putBucketPolicy(w, doc(stmt('Deny', 'oss:PutObject', bobId, `acs:oss:*:*:${w}/*`)));
  assert.equal(await status(() => wc.put('bob.txt', Buffer.from('y'))),
    '403 AccessDenied Access denied by bucket policy.');
  assert.equal((await anon(w, 'PUT', 'anon.txt')).status, 200, 'the deny names bob only');
});

test('deny-delete policy: protects from others; with a Condition from the owner too', async () => {
  const b = await fresh('pol-nodelete', 'public-read-write');
  const bc = ossClient(d, { bucket: b, ak: bob.ak, sk: bob.sk });
  await owner.putBucketPolicy(b, doc(stmt('Deny', 'oss:DeleteObject', '*', `acs:oss:*:*:${b}/*`)));
  assert.match(String(await status(() => bc.delete('pub/a.txt'))), /^403 AccessDenied Access denied by bucket policy/);
  assert.equal((await anon(b, 'DELETE', 'pub/a.txt')).status, 403);
  assert.equal(await status(() => owner.delete('pub/a.txt')), 204, '"*" without Condition spares the owner');
  await owner.putBucketPolicy(b, doc(stmt('Deny', 'oss:DeleteObject', '*', `acs:oss:*:*:${b}/*`,
    { IpAddress: { 'acs:SourceIp': ['0.0.0.0/0'] } })));
  assert.match(String(await status(() => owner.delete('priv/b.txt'))), /^403 AccessDenied Access denied by bucket policy/);
  assert.equal(String((await owner.get('priv/b.txt')).content), 'private');
  await owner.deleteBucketPolicy(b);
  assert.equal(await status(() => owner.delete('priv/b.txt')), 204);
});

test('require-SSE policy: uploads without server-side encryption are refused', async () => {
  const b = await fresh('pol-sse');
  await owner.putBucketPolicy(b, doc(stmt('Deny', 'oss:PutObject', '*', `acs:oss:*:*:${b}/*`,
    { StringNotEquals: { 'oss:x-oss-server-side-encryption': ['AES256', 'KMS'] } })));
  assert.match(String(await status(() => owner.put('plain.txt', Buffer.from('x')))), /^403 AccessDenied/);
  assert.equal(await status(() => owner.put('enc.txt', Buffer.from('x'),
    { headers: { 'x-oss-server-side-encryption': 'AES256' } })), 200);
  assert.equal(await status(() => owner.get('enc.txt')), 200, 'reads are not affected');
});

test('conditions: SourceIp CIDR, SecureTransport, oss:Prefix', async () => {
  const b = await fresh('pol-cond');
  await owner.putBucketPolicy(b, doc(stmt('Allow', 'oss:GetObject', '*', '*',
    { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8'] } })));
  assert.equal((await anon(b, 'GET', 'pub/a.txt')).status, 403, 'the daemon is reached from 127.0.0.1');
  await owner.putBucketPolicy(b, doc(stmt('Allow', 'oss:GetObject', '*', '*',
    { IpAddress: { 'acs:SourceIp': ['127.0.0.0/8'] } })));
  assert.equal((await anon(b, 'GET', 'pub/a.txt')).status, 200);
  await owner.putBucketPolicy(b, doc(stmt('Allow', 'oss:GetObject', '*', '*',
    { NotIpAddress: { 'acs:SourceIp': ['127.0.0.0/8'] } })));
  assert.equal((await anon(b, 'GET', 'pub/a.txt')).status, 403);
  // Plain HTTP: a TLS-only policy locks out everybody, the owner included.
  await owner.putBucketPolicy(b, doc(stmt('Deny', 'oss:*', '*', '*', { Bool: { 'acs:SecureTransport': 'false' } })));
  assert.match(String(await status(() => owner.get('pub/a.txt'))), /^403/);
  assert.match(String(await status(() => owner.getBucketPolicy(b))), /^403/);
  // The owner is locked out of the policy too: only a new bucket frees him,
  // as on OSS, so the prefix case uses another one.
  const p = await fresh('pol-prefix');
  await owner.putBucketPolicy(p, doc(stmt('Allow', 'oss:ListObjects', '*', `acs:oss:*:*:${p}`,
    { StringLike: { 'oss:Prefix': ['pub/*'] } })));
  const list = (prefix) => raw(d, { path: `/?prefix=${encodeURIComponent(prefix)}`, headers: { host: `${p}.oss-cn-hangzhou.aliyuncs.com` } });
  const ok = await list('pub/');
  assert.equal(ok.status, 200);
  assert.equal(xmlText(ok.body, 'Key'), 'pub/a.txt');
  assert.equal((await list('priv/')).status, 403);
});

test('DeleteMultipleObjects: a Deny on bucket/locked/* is answered per key, the other keys are deleted', async () => {
  const b = await fresh('pol-multi');
  for (const k of ['locked/a', 'locked/b', 'free/c', 'free/d']) await owner.put(k, Buffer.from(k));
  // With a Condition the "*" statement holds the owner too (§5.6).
  await owner.putBucketPolicy(b, doc(stmt('Deny', 'oss:DeleteObject', '*', `acs:oss:*:*:${b}/locked/*`,
    { IpAddress: { 'acs:SourceIp': ['0.0.0.0/0'] } })));
  const xml = (quiet, keys) => `<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>${quiet}</Quiet>${
    keys.map((k) => `<Object><Key>${k}</Key></Object>`).join('')}</Delete>`;
  const multi = (body) => signedRaw(d, { method: 'POST', bucket: b, query: { delete: '' }, body,
    headers: { 'content-type': 'application/xml', 'content-md5': md5b64(body) } });

  let r = await multi(xml(false, ['locked/a', 'free/c', 'locked/b']));
  assert.equal(r.status, 200, String(r.body));
  const text = String(r.body);
  assert.deepEqual(xmlAll(text, 'Deleted').map((e) => xmlText(e, 'Key')), ['free/c']);
  const errs = xmlAll(text, 'Error');
  assert.deepEqual(errs.map((e) => xmlText(e, 'Key')), ['locked/a', 'locked/b']);
  for (const e of errs) {
    assert.equal(xmlText(e, 'Code'), 'AccessDenied');
    assert.equal(xmlText(e, 'Message'), 'Access denied by bucket policy.');
  }
  assert.equal(String((await owner.get('locked/a')).content), 'locked/a');
  assert.equal(String((await owner.get('locked/b')).content), 'locked/b');
  assert.match(String(await status(() => owner.get('free/c'))), /^404/);

  // Quiet: only the failures are listed.
  r = await multi(xml(true, ['locked/a', 'free/d']));
  assert.equal(r.status, 200);
  assert.equal(xmlAll(String(r.body), 'Deleted').length, 0);
  assert.deepEqual(xmlAll(String(r.body), 'Error').map((e) => xmlText(e, 'Key')), ['locked/a']);
  assert.match(String(await status(() => owner.get('free/d'))), /^404/);

  // ali-oss reads the answer and reports what it deleted.
  await owner.put('free/e', Buffer.from('e'));
  const res = await owner.deleteMulti(['locked/b', 'free/e']);
  assert.deepEqual(res.deleted.map((x) => x.Key), ['free/e']);
  assert.equal(String((await owner.get('locked/b')).content), 'locked/b');
  await owner.deleteBucketPolicy(b);
  assert.deepEqual((await owner.deleteMulti(['locked/a', 'locked/b'])).deleted.map((x) => x.Key), ['locked/a', 'locked/b']);
});

test('CopyObject: the source bucket\'s policy decides oss:GetObject on the source', async () => {
  const src = await fresh('pol-copy-src', 'public-read');
  const bc = ossClient(d, { ak: bob.ak, sk: bob.sk });
  await bc.putBucket('pol-copy-bob');
  bc.useBucket('pol-copy-bob');
  // The ACL lets bob read; the copy goes.
  assert.equal(await status(() => bc.copy('mine.txt', 'priv/b.txt', src)), 200);
  assert.equal(String((await bc.get('mine.txt')).content), 'private');
  // A Deny of GetObject on the source: bob may still write his bucket,
  // but not read the source.
  await owner.putBucketPolicy(src, doc(stmt('Deny', 'oss:GetObject', bobId, `acs:oss:*:*:${src}/priv/*`)));
  assert.equal(await status(() => bc.copy('mine2.txt', 'priv/b.txt', src)),
    '403 AccessDenied Access denied by bucket policy.');
  assert.match(String(await status(() => bc.get('mine2.txt'))), /^404/);
  assert.equal(await status(() => bc.copy('mine3.txt', 'pub/a.txt', src)), 200, 'only priv/* is denied');
  // An Allow opens a private source as GetObject would.
  const ps = await fresh('pol-copy-priv');
  assert.match(String(await status(() => bc.copy('p.txt', 'pub/a.txt', ps))), /^403/);
  await owner.putBucketPolicy(ps, doc(stmt('Allow', 'oss:GetObject', bobId, `acs:oss:*:*:${ps}/pub/*`)));
  assert.equal(await status(() => bc.copy('p.txt', 'pub/a.txt', ps)), 200);
  assert.equal(String((await bc.get('p.txt')).content), 'public');
  // The owner copying inside his bucket meets a Deny with a Condition.
  await owner.putBucketPolicy(ps, doc(stmt('Deny', 'oss:GetObject', '*', `acs:oss:*:*:${ps}/priv/*`,
    { IpAddress: { 'acs:SourceIp': ['0.0.0.0/0'] } })));
  owner.useBucket(ps);
  assert.equal(await status(() => owner.copy('copied.txt', 'priv/b.txt')),
    '403 AccessDenied Access denied by bucket policy.');
  assert.equal(await status(() => owner.copy('copied.txt', 'pub/a.txt')), 200);
});

test('PostObject: the form is judged by the bucket policy as oss:PutObject', async () => {
  const b = await fresh('pol-form');
  const f = (key, extra = {}) => form({ key, ...signedV1(d, owner, [{ bucket: b }]), ...extra });
  assert.equal((await post(d, b, f('any.txt'))).status, 204);
  await owner.putBucketPolicy(b, doc(stmt('Deny', 'oss:PutObject', '*', `acs:oss:*:*:${b}/*`,
    { StringNotEquals: { 'oss:x-oss-server-side-encryption': ['AES256', 'KMS'] } })));
  const r = await post(d, b, f('plain.txt'));
  assert.equal(r.status, 403);
  assert.equal(xmlText(r.body, 'Code'), 'AccessDenied');
  assert.equal(xmlText(r.body, 'Message'), 'Access denied by bucket policy.');
  assert.equal((await post(d, b, f('enc.txt', { 'x-oss-server-side-encryption': 'AES256' }))).status, 204,
    'the form field is the request header the condition looks at');
  // An anonymous form (no policy, no signature) where a policy grants it.
  const anonForm = (key) => form({ key });
  assert.equal((await post(d, b, anonForm('drop/x'))).status, 403);
  await owner.putBucketPolicy(b, doc(stmt('Allow', 'oss:PutObject', '*', `acs:oss:*:*:${b}/drop/*`)));
  assert.equal((await post(d, b, anonForm('drop/x'))).status, 204);
  assert.equal((await post(d, b, anonForm('other/x'))).status, 403);
  assert.equal(String((await owner.get('drop/x')).content), 'hello form');
});
