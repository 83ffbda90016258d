// Symlinks (oss-api-2.md §5.7) with ali-oss: PutSymlink/GetSymlink, GET
// and HEAD through a link (one level), listings, versioned links, broken
// and doubled links, NotSymlink, forbid-overwrite, and what the other
// object operations (copy, tagging, ACL, delete, stat) do with a link.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { startDaemon, ossClient, expectOssError, signedRaw, raw } = require('./lib/coffer');

let d;
let c;
let n = 0;
async function bucket(versioning) {
  const name = `sym-${++n}-${crypto.randomBytes(3).toString('hex')}`;
  await c.putBucket(name);
  if (versioning) await c.putBucketVersioning(name, versioning);
  c.useBucket(name);
  return name;
}
const vid = (r) => r.res.headers['x-oss-version-id'];

before(async () => {
  d = await startDaemon();
  c = ossClient(d, {});
});
after(async () => {
  assert.equal(await d.stop(), 0);
  fs.rmSync(d.dataDir, { recursive: true, force: true });
});

test('PutSymlink and GetSymlink: target, ETag, Last-Modified, empty body', async () => {
  await bucket();
  const p = await c.putSymlink('link', 'dir/tar get+ü.txt');
  assert.equal(p.res.status, 200);
  assert.match(p.res.headers.etag, /^"[0-9A-F]{32}"$/);
  assert.equal(p.res.headers['x-oss-version-id'], undefined);
  const g = await c.getSymlink('link');
  assert.equal(g.targetName, 'dir/tar get+ü.txt');
  assert.equal(g.res.headers.etag, p.res.headers.etag);
  assert.ok(g.res.headers['last-modified']);
  assert.equal(g.res.size || 0, 0);
  // The target is not checked when the link is made: it is missing.
  await expectOssError(() => c.get('link'), { code: 'SymlinkTargetNotExist', status: 404 });
  await expectOssError(() => c.head('link'), { status: 404 });
});

test('GET and HEAD follow the link: target data, ETag and size, the link\'s metadata', async () => {
  await bucket();
  const body = Buffer.from('the target body');
  const t = await c.put('target.txt', body, { mime: 'text/plain', meta: { who: 'target' } });
  await c.putSymlink('ln', 'target.txt', { meta: { who: 'link' } });
  const g = await c.get('ln');
  assert.equal(String(g.content), 'the target body');
  assert.equal(g.res.headers.etag, t.res.headers.etag);
  assert.equal(g.res.headers['x-oss-meta-who'], 'link');
  assert.equal(g.res.headers['x-oss-object-type'], 'Symlink');
  // A link made without a Content-Type shows its target's; one made
  // with one (ali-oss sends it from the name's extension) its own.
  assert.equal(g.res.headers['content-type'], 'text/plain');
  await c.putSymlink('ln.html', 'target.txt');
  assert.equal((await c.get('ln.html')).res.headers['content-type'], 'text/html');
  const h = await c.head('ln');
  assert.equal(h.status, 200);
  assert.equal(h.res.headers['content-length'], String(body.length));
  assert.equal(h.res.headers.etag, t.res.headers.etag);
  assert.equal(h.meta.who, 'link');
  assert.equal(h.res.headers['x-oss-object-type'], 'Symlink');
  // Ranges apply to the target's data.
  const r = await c.get('ln', { headers: { Range: 'bytes=4-9' } });
  assert.equal(r.res.status, 206);
  assert.equal(String(r.content), 'target');
  // GetObjectMeta reports the link too.
  const m = await c.getObjectMeta('ln');
  assert.equal(m.res.headers['x-oss-object-type'], 'Symlink');
  assert.equal(m.res.headers.etag, t.res.headers.etag);
  // The target itself is unchanged and still Normal.
  const ht = await c.head('target.txt');
  assert.equal(ht.res.headers['x-oss-object-type'], 'Normal');
  assert.equal(ht.meta.who, 'target');
  // A new target body is seen through the link.
  await c.put('target.txt', Buffer.from('v2'));
  assert.equal(String((await c.get('ln')).content), 'v2');
});

test('a link to a link is InvalidTargetType; GetSymlink of a plain object is NotSymlink', async () => {
  await bucket();
  await c.put('obj', Buffer.from('x'));
  await c.putSymlink('l1', 'obj');
  await c.putSymlink('l2', 'l1');
  assert.equal(String((await c.get('l1')).content), 'x');
  await expectOssError(() => c.get('l2'), { code: 'InvalidTargetType', status: 400 });
  await expectOssError(() => c.getSymlink('obj'),
    { code: 'NotSymlink', status: 400 });
  const e = await expectOssError(() => c.getSymlink('nothing'), { code: 'NoSuchKey', status: 404 });
  assert.match(e.message, /The specified key does not exist/);
  // The message of NotSymlink, in the error document.
  const b = c.options.bucket;
  const res = await signedRaw(d, { method: 'GET', bucket: b, key: 'obj', query: { symlink: '' }, v4: true });
  assert.equal(res.status, 400);
  assert.match(String(res.body), /<Code>NotSymlink<\/Code>/);
  assert.match(String(res.body), /<Message>The object is not symlink\.<\/Message>/);
  // Removing the target breaks the link.
  await c.delete('obj');
  await expectOssError(() => c.get('l1'), { code: 'SymlinkTargetNotExist', status: 404 });
  const h = await signedRaw(d, { method: 'GET', bucket: b, key: 'l1', v4: true });
  assert.match(String(h.body), /<Message>The symlink target object does not exist\.<\/Message>/);
});

test('listings show Type Symlink; stat counts a link as an object', async () => {
  const b = await bucket();
  await c.put('a-obj', Buffer.from('12345'));
  await c.putSymlink('b-link', 'a-obj');
  const l = await c.list({});
  const types = Object.fromEntries(l.objects.map((o) => [o.name, [o.type, o.size]]));
  assert.deepEqual(types, { 'a-obj': ['Normal', 5], 'b-link': ['Symlink', 0] });
  const v2 = await c.listV2({});
  assert.equal(v2.objects.find((o) => o.name === 'b-link').type, 'Symlink');
  const st = await c.getBucketStat(b);
  assert.equal(Number(st.stat.ObjectCount), 2);
  assert.equal(Number(st.stat.Storage), 5);
  await c.delete('b-link');
  assert.equal(Number((await c.getBucketStat(b)).stat.ObjectCount), 1);
  await expectOssError(() => c.getSymlink('b-link'), { code: 'NoSuchKey', status: 404 });
  // The target is untouched by deleting the link.
  assert.equal(String((await c.get('a-obj')).content), '12345');
});

test('x-oss-forbid-overwrite, ACL, storage class, tags on a link', async () => {
  await bucket();
  await c.put('t', Buffer.from('data'));
  await c.putSymlink('ln', 't');
  await expectOssError(() => c.putSymlink('ln', 'other', { headers: { 'x-oss-forbid-overwrite': 'true' } }),
    { code: 'FileAlreadyExists', status: 409, ec: '0026-00000002' });
  await expectOssError(() => c.putSymlink('t', 'ln', { headers: { 'x-oss-forbid-overwrite': 'true' } }),
    { code: 'FileAlreadyExists', status: 409 });
  assert.equal((await c.getSymlink('ln')).targetName, 't');
  await c.putSymlink('ln2', 't', {
    storageClass: 'IA',
    headers: { 'x-oss-object-acl': 'public-read', 'x-oss-tagging': 'k=v' },
  });
  assert.equal((await c.getACL('ln2')).acl, 'public-read');
  assert.deepEqual((await c.getObjectTagging('ln2')).tag, { k: 'v' });
  const l = await c.list({ prefix: 'ln2' });
  assert.equal(l.objects[0].storageClass, 'IA');
  await c.putObjectTagging('ln2', { a: 'b' });
  await c.putACL('ln2', 'private');
  assert.deepEqual((await c.getObjectTagging('ln2')).tag, { a: 'b' });
  assert.equal((await c.getACL('ln2')).acl, 'private');
  assert.equal((await c.getSymlink('ln2')).targetName, 't', 'metadata changes keep the target');
  await expectOssError(() => c.putSymlink('bad', 't', { storageClass: 'Gold' }), { status: 400 });
  // No target header at all.
  const res = await signedRaw(d, { method: 'PUT', bucket: c.options.bucket, key: 'nt', query: { symlink: '' }, v4: true });
  assert.equal(res.status, 400);
  assert.match(String(res.body), /<Code>InvalidArgument<\/Code>/);
  // The PutSymlink page: not in an Archive bucket.
  const arch = `sym-arch-${crypto.randomBytes(3).toString('hex')}`;
  await c.putBucket(arch, { StorageClass: 'Archive' });
  c.useBucket(arch);
  await expectOssError(() => c.putSymlink('ln', 't'), { code: 'OperationNotSupported', status: 400 });
});

test('copying a link copies the link, not the data', async () => {
  const b = await bucket();
  await c.put('t', Buffer.from('target data'));
  await c.putSymlink('ln', 't', { meta: { m: '1' } });
  await c.copy('ln-copy', 'ln');
  assert.equal((await c.getSymlink('ln-copy')).targetName, 't');
  const h = await c.head('ln-copy');
  assert.equal(h.res.headers['x-oss-object-type'], 'Symlink');
  assert.equal(h.meta.m, '1');
  await c.copy('ln-copy2', 'ln', { meta: { m: '2' } });
  assert.equal((await c.getSymlink('ln-copy2')).targetName, 't');
  assert.equal((await c.head('ln-copy2')).meta.m, '2');
  // A self-copy with new metadata keeps it a link.
  await c.copy('ln', 'ln', { meta: { m: '3' } });
  assert.equal((await c.getSymlink('ln')).targetName, 't');
  assert.equal((await c.head('ln')).meta.m, '3');
  assert.equal(String((await c.get('ln')).content), 'target data');
  const l = await c.list({ prefix: 'ln' });
  assert.deepEqual(l.objects.map((o) => o.type), ['Symlink', 'Symlink', 'Symlink']);
  assert.ok(b);
});

test('versioned links: each PutSymlink is a version; GetSymlink?versionId reads it', async () => {
  await bucket('Enabled');
  await c.put('a', Buffer.from('A'));
  await c.put('b', Buffer.from('B'));
  const v1 = vid(await c.putSymlink('ln', 'a'));
  const v2 = vid(await c.putSymlink('ln', 'b'));
  assert.ok(v1 && v2 && v1 !== v2);
  assert.equal((await c.getSymlink('ln')).targetName, 'b');
  assert.equal((await c.getSymlink('ln', { versionId: v1 })).targetName, 'a');
  const g = await c.getSymlink('ln', { versionId: v2 });
  assert.equal(g.targetName, 'b');
  assert.equal(g.res.headers['x-oss-version-id'], v2);
  assert.equal(String((await c.get('ln')).content), 'B');
  assert.equal(String((await c.get('ln', { versionId: v1 })).content), 'A');
  // forbid-overwrite does not apply to a versioned bucket.
  const v3 = vid(await c.putSymlink('ln', 'a', { headers: { 'x-oss-forbid-overwrite': 'true' } }));
  assert.ok(v3 && v3 !== v2);
  const vs = await c.getBucketVersions({ prefix: 'ln' });
  assert.equal(vs.objects.length, 3);
  assert.ok(vs.objects.every((o) => o.name === 'ln'));
  // A delete marker hides the link; the old versions remain.
  await c.delete('ln');
  await expectOssError(() => c.getSymlink('ln'), { code: 'NoSuchKey', status: 404 });
  assert.equal((await c.getSymlink('ln', { versionId: v1 })).targetName, 'a');
  await c.delete('ln', { versionId: v1 });
  await expectOssError(() => c.getSymlink('ln', { versionId: v1 }), { code: 'NoSuchVersion', status: 404 });
});

test('the target\'s ACL is checked too for anonymous readers', async () => {
  const b = await bucket();
  await c.putBucketACL(b, 'public-read');
  await c.put('pub', Buffer.from('public'));
  await c.put('priv', Buffer.from('secret'), { headers: { 'x-oss-object-acl': 'private' } });
  await c.putSymlink('to-pub', 'pub');
  await c.putSymlink('to-priv', 'priv');
  const host = `${b}.oss-cn-hangzhou.aliyuncs.com`;
  const ok = await raw(d, { path: '/to-pub', headers: { host } });
  assert.equal(ok.status, 200);
  assert.equal(String(ok.body), 'public');
  const no = await raw(d, { path: '/to-priv', headers: { host } });
  assert.equal(no.status, 403);
  assert.doesNotMatch(String(no.body), /secret/);
  // The owner reads both.
  assert.equal(String((await c.get('to-priv')).content), 'secret');
});

test('lifecycle expires and transitions a link like an object; inventory reports list it', async () => {
  const zlib = require('node:zlib');
  const b = await bucket();
  const dest = `${b}-inv`;
  await c.putBucket(dest);
  await c.put('data', Buffer.from('kept'));
  await c.putSymlink('exp/ln', 'data');
  await c.putSymlink('ia/ln', 'data');
  await c.putSymlink('keep/ln', 'data');
  await c.putBucketLifecycle(b, [
    { id: 'exp', prefix: 'exp/', status: 'Enabled', expiration: { days: 1 } },
    { id: 'ia', prefix: 'ia/', status: 'Enabled', transition: { days: 1, storageClass: 'IA' } },
  ]);
  d.clockAdvance('3d');
  d.coffer('lifecycle', 'run', b);
  await expectOssError(() => c.getSymlink('exp/ln'), { code: 'NoSuchKey', status: 404 });
  const l = await c.list({});
  const rows = Object.fromEntries(l.objects.map((o) => [o.name, `${o.type} ${o.storageClass}`]));
  assert.deepEqual(rows, { data: 'Normal Standard', 'ia/ln': 'Symlink IA', 'keep/ln': 'Symlink Standard' });
  // Still a link, and still served: the target's data is Standard.
  assert.equal(String((await c.get('ia/ln')).content), 'kept');

  const acct = (await c.getBucketInfo(b)).bucket.Owner.ID;
  await c.putBucketInventory(b, {
    id: 'types', isEnabled: true, prefix: '',
    OSSBucketDestination: { format: 'CSV', accountId: acct, rolename: 'AliyunOSSRole', bucket: dest, prefix: 'rep' },
    frequency: 'Daily', includedObjectVersions: 'Current', optionalFields: { field: ['Size', 'ObjectType'] },
  });
  const manifestKey = d.coffer('inventory', 'run', b, 'types').trim();
  const dc = ossClient(d, { bucket: dest });
  const manifest = JSON.parse((await dc.get(manifestKey)).content.toString());
  const lines = [];
  for (const f of manifest.files) {
    lines.push(...zlib.gunzipSync((await dc.get(f.key)).content).toString().split('\n').filter(Boolean));
  }
  assert.deepEqual(lines.sort(), [
    `"${b}","data","4","Normal"`, `"${b}","ia/ln","0","Symlink"`, `"${b}","keep/ln","0","Symlink"`,
  ]);
});
