// Object ACLs enforced: every bucket ACL x object ACL x requester x
// GET/PUT/DELETE, driven through ali-oss (owner, another account) and plain
// unsigned HTTP (anonymous, as a browser or generateObjectUrl does).
//
// The OSS access rules (spec oss-api-2.md §6), as implemented:
//
//   requester          decides
//   bucket owner       always allowed (ACLs never restrict the owner)
//   anyone else        effective ACL = object ACL, unless it is "default"
//                      (or the key does not exist yet): then the bucket ACL
//
//   effective ACL        GET/HEAD   PUT/DELETE (and other object writes)
//   private              403        403
//   public-read          200        403
//   public-read-write    200        200
//
//   "anyone else" = anonymous requests and signed requests of another
//   account alike (no RAM or bucket policy grants exist here).
//   A 403 decided by the object ACL says "You do not have read|write
//   permission on this object."; one decided by the bucket ACL says "You
//   have no right to access this object because of bucket acl.".
//   Get/PutObjectAcl are the owner's only.
'use strict';
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { startDaemon, ossClient, raw, xmlText, encodeKey } = require('./lib/coffer');

const BUCKET_ACLS = ['private', 'public-read', 'public-read-write'];
const OBJECT_ACLS = ['default', 'private', 'public-read', 'public-read-write'];
const WHO = ['owner', 'other', 'anonymous'];
const OPS = ['GET', 'PUT', 'DELETE'];

// The rules table above, as a function: the expected outcome of one case.
function expected(bucketAcl, objectAcl, who, op) {
  if (who === 'owner') return { allowed: true };
  const own = objectAcl !== 'default';
  const eff = own ? objectAcl : bucketAcl;
  const write = op !== 'GET';
  const allowed = eff === 'public-read-write' || (!write && eff === 'public-read');
  return { allowed, decidedBy: own ? 'object' : 'bucket', write };
}

const MSG = {
  bucket: 'You have no right to access this object because of bucket acl.',
  objectread: 'You do not have read permission on this object.',
  objectwrite: 'You do not have write permission on this object.',
};

let d;
let owner;
let bob;
const bucketOf = (acl) => `acl-${acl}`;
const keyOf = (acl) => `obj-${acl}.txt`;
const BODY = 'original';

before(async () => {
  // --domain localhost: generateObjectUrl names <bucket>.localhost.
  d = await startDaemon({ domains: ['localhost'] });
  const b = JSON.parse(d.coffer('account', 'create', 'bob', '--json'));
  bob = { ak: b.AccessKeyId, sk: b.AccessKeySecret };
  owner = ossClient(d, {});
  for (const acl of BUCKET_ACLS) await owner.putBucket(bucketOf(acl), { acl });
});
after(async () => {
  assert.equal(await d.stop(), 0);
  fs.rmSync(d.dataDir, { recursive: true, force: true });
});

// Puts the fixture object back as the owner, with its ACL.
async function reset(bucket, objectAcl) {
  owner.useBucket(bucket);
  const headers = objectAcl === 'default' ? {} : { 'x-oss-object-acl': objectAcl };
  await owner.put(keyOf(objectAcl), Buffer.from(BODY), { headers });
  assert.equal((await owner.getACL(keyOf(objectAcl))).acl, objectAcl);
}

// One request as `who`; returns { status, code, message }.
async function send(who, op, bucket, key) {
  if (who === 'anonymous') {
    const r = await raw(d, {
      method: op,
      path: `/${encodeKey(key)}`,
      headers: { host: `${bucket}.oss-cn-hangzhou.aliyuncs.com`, ...(op === 'PUT' ? { 'content-type': 'text/plain' } : {}) },
      body: op === 'PUT' ? 'overwritten' : undefined,
    });
    return { status: r.status, code: xmlText(r.body, 'Code'), message: xmlText(r.body, 'Message') };
  }
  const c = who === 'owner' ? ossClient(d, { bucket }) : ossClient(d, { bucket, ak: bob.ak, sk: bob.sk });
  try {
    if (op === 'GET') { const r = await c.get(key); return { status: r.res.status }; }
    if (op === 'PUT') { const r = await c.put(key, Buffer.from('overwritten')); return { status: r.res.status }; }
    const r = await c.delete(key);
    return { status: r.res.status };
  } catch (e) {
    return { status: e.status, code: e.code, message: e.message.replace(/, RequestId:.*$/s, '').replace(/^.*?: /, '') };
  }
}

describe('ACL matrix', () => {
  for (const bacl of BUCKET_ACLS) {
    for (const oacl of OBJECT_ACLS) {
      for (const who of WHO) {
        for (const op of OPS) {
          const e = expected(bacl, oacl, who, op);
          test(`bucket ${bacl} / object ${oacl} / ${who} ${op} -> ${e.allowed ? 'allowed' : '403'}`, async () => {
            const bucket = bucketOf(bacl);
            const key = keyOf(oacl);
            await reset(bucket, oacl);
            const r = await send(who, op, bucket, key);
            owner.useBucket(bucket);
            if (e.allowed) {
              assert.equal(r.status, { GET: 200, PUT: 200, DELETE: 204 }[op], JSON.stringify(r));
              if (op === 'PUT') assert.equal(String((await owner.get(key)).content), 'overwritten');
              if (op === 'DELETE') await assert.rejects(owner.head(key), (err) => err.status === 404);
              return;
            }
            assert.equal(r.status, 403, JSON.stringify(r));
            assert.equal(r.code, 'AccessDenied');
            const msg = e.decidedBy === 'bucket' ? MSG.bucket : MSG[`object${e.write ? 'write' : 'read'}`];
            assert.ok(String(r.message).includes(msg), `${r.message} should say: ${msg}`);
            // Nothing changed.
            const now = await owner.get(key);
            assert.equal(String(now.content), BODY);
            assert.equal((await owner.getACL(key)).acl, oacl);
          });
        }
      }
    }
  }
});

describe('object ACL cases clients rely on', () => {
  test('generateObjectUrl of a public-read object in a private bucket works anonymously', async () => {
    const c = ossClient(d, { bucket: bucketOf('private'), mode: 'path' });
    await c.put('shared.txt', Buffer.from('for everyone'), { headers: { 'x-oss-object-acl': 'public-read' } });
    const u = new URL(c.generateObjectUrl('shared.txt'));
    assert.equal(u.host, `${bucketOf('private')}.localhost:${d.port}`);
    assert.equal(u.search, '');
    const r = await raw(d, { path: u.pathname, headers: { host: u.host } });
    assert.equal(r.status, 200);
    assert.equal(String(r.body), 'for everyone');
    const h = await raw(d, { method: 'HEAD', path: u.pathname, headers: { host: u.host } });
    assert.equal(h.status, 200);
  });

  test('a private object in a public-read bucket is not served anonymously (HEAD too)', async () => {
    const c = ossClient(d, { bucket: bucketOf('public-read') });
    await c.put('secret.txt', Buffer.from('secret'), { headers: { 'x-oss-object-acl': 'private' } });
    const host = `${bucketOf('public-read')}.oss-cn-hangzhou.aliyuncs.com`;
    const r = await raw(d, { path: '/secret.txt', headers: { host } });
    assert.equal(r.status, 403);
    assert.ok(!String(r.body).includes('secret<'), 'no data in the refusal');
    assert.equal(xmlText(r.body, 'Message'), MSG.objectread);
    const h = await raw(d, { method: 'HEAD', path: '/secret.txt', headers: { host } });
    assert.equal(h.status, 403);
    assert.ok(Buffer.from(h.headers['x-oss-err'], 'base64').toString().includes(MSG.objectread));
    // The listing is a bucket-level read: public-read lists it.
    const l = await raw(d, { path: '/', headers: { host } });
    assert.equal(l.status, 200);
  });

  test('a new key in a public-read-write bucket follows the bucket ACL', async () => {
    const host = `${bucketOf('public-read-write')}.oss-cn-hangzhou.aliyuncs.com`;
    const r = await raw(d, { method: 'PUT', path: '/fresh.txt', headers: { host }, body: 'anon' });
    assert.equal(r.status, 200);
    assert.equal((await ossClient(d, { bucket: bucketOf('public-read-write') }).getACL('fresh.txt')).acl, 'default');
  });

  test('only the owner reads or changes an object ACL', async () => {
    const bucket = bucketOf('public-read-write');
    await reset(bucket, 'public-read-write');
    const asBob = ossClient(d, { bucket, ak: bob.ak, sk: bob.sk });
    await assert.rejects(asBob.putACL(keyOf('public-read-write'), 'private'), (e) => e.status === 403);
    await assert.rejects(asBob.getACL(keyOf('public-read-write')), (e) => e.status === 403);
    assert.equal((await owner.getACL(keyOf('public-read-write'))).acl, 'public-read-write');
  });

  test('copy source: the source object ACL decides for another account', async () => {
    const asBob = ossClient(d, { bucket: 'bob-dest', ak: bob.ak, sk: bob.sk });
    await asBob.putBucket('bob-dest');
    const src = ossClient(d, { bucket: bucketOf('private') });
    await src.put('copy-open.txt', Buffer.from('open'), { headers: { 'x-oss-object-acl': 'public-read' } });
    await src.put('copy-closed.txt', Buffer.from('closed'));
    await asBob.copy('got.txt', `/${bucketOf('private')}/copy-open.txt`);
    assert.equal(String((await asBob.get('got.txt')).content), 'open');
    await assert.rejects(asBob.copy('got2.txt', `/${bucketOf('private')}/copy-closed.txt`), (e) => e.status === 403);
    const pub = ossClient(d, { bucket: bucketOf('public-read') });
    await pub.put('copy-private.txt', Buffer.from('p'), { headers: { 'x-oss-object-acl': 'private' } });
    await assert.rejects(asBob.copy('got3.txt', `/${bucketOf('public-read')}/copy-private.txt`),
      (e) => e.status === 403 && /read permission/.test(e.message));
  });
});
