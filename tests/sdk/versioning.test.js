// Bucket versioning (oss-api-2.md §1): the states, version ids on every
// write, the null version, delete markers, versionId on every object
// operation that takes one, and versioning together with bucket WORM and
// SSE-KMS key states. ListObjectVersions has its own file.
'use strict';
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { startDaemon, ossClient, signedRaw, xmlText, xmlAll, expectOssError } = require('./lib/coffer');
const { v1Client, KMS } = require('./lib/kms');

let d;
let c;
let n = 0;
// A fresh bucket per test, so that states never leak between tests.
async function bucket(versioning) {
  const name = `ver-${++n}-${crypto.randomBytes(3).toString('hex')}`;
  await c.putBucket(name);
  if (versioning) await c.putBucketVersioning(name, versioning);
  c.useBucket(name);
  return name;
}
const vid = (r) => r.res.headers['x-oss-version-id'];
const text = async (key, opts) => String((await c.get(key, opts ? { ...opts } : undefined)).content);
function raw(b, method, key, query = {}, headers = {}, body) {
  return signedRaw(d, { method, bucket: b, key, query, headers, body, v4: true });
}
// ali-oss's putBucketVersioning resolves on any status: check it here.
function putVersioning(b, status) {
  return raw(b, 'PUT', undefined, { versioning: '' }, { 'content-type': 'application/xml' },
    `<VersioningConfiguration><Status>${status}</Status></VersioningConfiguration>`);
}

before(async () => {
  d = await startDaemon();
  c = ossClient(d, {});
});
after(async () => { assert.equal(await d.stop(), 0); });

describe('PutBucketVersioning / GetBucketVersioning', () => {
  test('never versioned: no Status; Enabled and Suspended round trip, Enabled twice is fine', async () => {
    const b = await bucket();
    let r = await raw(b, 'GET', undefined, { versioning: '' });
    assert.equal(r.status, 200);
    assert.ok(!String(r.body).includes('<Status>'), String(r.body));
    assert.equal((await c.getBucketVersioning(b)).versionStatus, undefined);
    await c.putBucketVersioning(b, 'Enabled');
    await c.putBucketVersioning(b, 'Enabled');
    assert.equal((await c.getBucketVersioning(b)).versionStatus, 'Enabled');
    await c.putBucketVersioning(b, 'Suspended');
    assert.equal((await c.getBucketVersioning(b)).versionStatus, 'Suspended');
    r = await raw(b, 'GET', undefined, { bucketInfo: '' });
    assert.equal(xmlText(r.body, 'Versioning'), 'Suspended');
  });

  test('a body without Status or with another state: 400 MalformedXML, nothing changes', async () => {
    const b = await bucket();
    for (const body of ['<VersioningConfiguration></VersioningConfiguration>',
      '<VersioningConfiguration><Status>Disabled</Status></VersioningConfiguration>',
      '<Versioning><Status>Enabled</Status></Versioning>']) {
      const r = await raw(b, 'PUT', undefined, { versioning: '' }, { 'content-type': 'application/xml' }, body);
      assert.equal(r.status, 400, body);
      assert.equal(xmlText(r.body, 'Code'), 'MalformedXML');
    }
    assert.equal((await c.getBucketVersioning(b)).versionStatus, undefined);
  });

  test('a missing bucket: 404 NoSuchBucket', async () => {
    const r = await putVersioning('ver-missing-bucket', 'Enabled');
    assert.equal(r.status, 404);
    assert.equal(xmlText(r.body, 'Code'), 'NoSuchBucket');
  });
});

describe('versions and the null version', () => {
  test('unversioned writes carry no x-oss-version-id; the object is the null version', async () => {
    const b = await bucket();
    const r = await c.put('k', Buffer.from('one'));
    assert.equal(vid(r), undefined);
    assert.equal(await text('k', { versionId: 'null' }), 'one');
    await c.putBucketVersioning(b, 'Enabled');
    const g = await c.get('k');
    assert.equal(g.res.headers['x-oss-version-id'], 'null');
  });

  test('Enabled: every write is a new version with its own id; older ones stay readable', async () => {
    await bucket('Enabled');
    const v1 = vid(await c.put('k', Buffer.from('first')));
    const v2 = vid(await c.put('k', Buffer.from('second')));
    assert.match(v1, /^CAEQ[A-Za-z0-9._-]{40,}$/);
    assert.notEqual(v1, v2);
    assert.equal(await text('k'), 'second');
    const g = await c.get('k', { versionId: v1 });
    assert.equal(String(g.content), 'first');
    assert.equal(g.res.headers['x-oss-version-id'], v1);
    const h = await c.head('k', { versionId: v1 });
    assert.equal(h.res.headers['content-length'], '5');
    assert.equal(h.res.headers['x-oss-version-id'], v1);
    const m = await raw(c.options.bucket, 'HEAD', 'k', { objectMeta: '', versionId: v1 });
    assert.equal(m.headers['x-oss-version-id'], v1);
    assert.equal(m.headers['content-length'], '5');
    assert.equal((await c.list()).objects.length, 1);
  });

  test('forbid-overwrite is ignored once versioning is on', async () => {
    await bucket('Enabled');
    await c.put('k', Buffer.from('a'));
    const r = await c.put('k', Buffer.from('b'), { headers: { 'x-oss-forbid-overwrite': 'true' } });
    assert.ok(vid(r));
    assert.equal(await text('k'), 'b');
  });

  test('Suspended: writes are the null version and replace it; other versions stay', async () => {
    const b = await bucket();
    await c.put('k', Buffer.from('null-1'));
    await c.putBucketVersioning(b, 'Enabled');
    const v = vid(await c.put('k', Buffer.from('enabled')));
    await c.putBucketVersioning(b, 'Suspended');
    const r = await c.put('k', Buffer.from('null-2'));
    assert.equal(vid(r), 'null');
    assert.equal(await text('k'), 'null-2');
    assert.equal(await text('k', { versionId: 'null' }), 'null-2');
    assert.equal(await text('k', { versionId: v }), 'enabled');
    const del = await c.delete('k');
    assert.equal(del.res.headers['x-oss-delete-marker'], 'true');
    assert.equal(del.res.headers['x-oss-version-id'], 'null');
    // The null marker replaced the null version: its data is gone.
    const e = await expectOssError(() => c.get('k', { versionId: 'null' }), { status: 405 });
    assert.equal(e.code, 'MethodNotAllowed');
    assert.equal(await text('k', { versionId: v }), 'enabled');
  });
});

describe('delete markers', () => {
  test('DELETE without versionId adds a marker; GET is 404 with the marker headers', async () => {
    const b = await bucket('Enabled');
    const v1 = vid(await c.put('k', Buffer.from('data')));
    const del = await c.delete('k');
    const dm = del.res.headers['x-oss-version-id'];
    assert.equal(del.res.status, 204);
    assert.equal(del.res.headers['x-oss-delete-marker'], 'true');
    assert.notEqual(dm, v1);
    await expectOssError(() => c.get('k'), { code: 'NoSuchKey', status: 404 });
    const g = await raw(b, 'GET', 'k');
    assert.equal(g.status, 404);
    assert.equal(g.headers['x-oss-delete-marker'], 'true');
    assert.equal(g.headers['x-oss-version-id'], dm);
    assert.equal(await text('k', { versionId: v1 }), 'data');
    assert.equal(((await c.list()).objects || []).length, 0);
    // Two deletes, two markers.
    const dm2 = (await c.delete('k')).res.headers['x-oss-version-id'];
    assert.notEqual(dm2, dm);
    // GET or HEAD of a marker by its id: 405, Allow: DELETE, Method and ResourceType.
    const r = await raw(b, 'GET', 'k', { versionId: dm });
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'DELETE');
    assert.equal(r.headers['x-oss-delete-marker'], 'true');
    assert.equal(xmlText(r.body, 'Code'), 'MethodNotAllowed');
    assert.equal(xmlText(r.body, 'Method'), 'GET');
    assert.equal(xmlText(r.body, 'ResourceType'), 'DeleteMarker');
    assert.equal((await raw(b, 'HEAD', 'k', { versionId: dm })).status, 405);
    // ACL and tags of a marker: 404.
    await expectOssError(() => c.getACL('k', { versionId: dm }), { status: 404 });
    await expectOssError(() => c.getObjectTagging('k', { versionId: dm }), { status: 404 });
    await expectOssError(() => c.getACL('k'), { status: 404 });
    // Deleting both markers for good brings the data back.
    let x = await c.delete('k', { versionId: dm2 });
    assert.equal(x.res.headers['x-oss-delete-marker'], 'true');
    assert.equal(x.res.headers['x-oss-version-id'], dm2);
    await c.delete('k', { versionId: dm });
    assert.equal(await text('k'), 'data');
    // Deleting the current version for good makes the next newest current.
    const v2 = vid(await c.put('k', Buffer.from('newer')));
    x = await c.delete('k', { versionId: v2 });
    assert.equal(x.res.headers['x-oss-delete-marker'], undefined);
    assert.equal(await text('k'), 'data');
    await expectOssError(() => c.get('k', { versionId: v2 }), { code: 'NoSuchVersion', status: 404 });
    await expectOssError(() => c.delete('k', { versionId: v2 }), { code: 'NoSuchVersion', status: 404 });
  });

  test('a bucket holding only versions or markers is not empty', async () => {
    const b = await bucket('Enabled');
    const v = vid(await c.put('k', Buffer.from('x')));
    const dm = (await c.delete('k')).res.headers['x-oss-version-id'];
    const st = (await c.getBucketStat(b)).stat;
    assert.equal(st.ObjectCount, '1');
    assert.equal(st.DeleteMarkerCount, '1');
    assert.equal(st.Storage, '1');
    await expectOssError(() => c.deleteBucket(b), { code: 'BucketNotEmpty', status: 409 });
    await c.delete('k', { versionId: v });
    await expectOssError(() => c.deleteBucket(b), { code: 'BucketNotEmpty', status: 409 });
    await c.delete('k', { versionId: dm });
    await c.deleteBucket(b);
  });

  test('DeleteMultipleObjects: markers without VersionId, removal with it', async () => {
    await bucket('Enabled');
    const v1 = vid(await c.put('a', Buffer.from('a1')));
    await c.put('a', Buffer.from('a2'));
    await c.put('b', Buffer.from('b1'));
    const r = await c.deleteMulti(['b', { key: 'a', versionId: v1 }]);
    const body = String(r.res.data);
    const entries = xmlAll(body, 'Deleted');
    assert.equal(entries.length, 2, body);
    const eb = entries.find((e) => xmlText(e, 'Key') === 'b');
    const ea = entries.find((e) => xmlText(e, 'Key') === 'a');
    assert.equal(xmlText(eb, 'DeleteMarker'), 'true');
    assert.match(xmlText(eb, 'DeleteMarkerVersionId'), /^CAEQ/);
    assert.equal(xmlText(eb, 'VersionId'), undefined);
    assert.equal(xmlText(ea, 'VersionId'), v1);
    assert.equal(xmlText(ea, 'DeleteMarker'), undefined);
    await expectOssError(() => c.get('b'), { code: 'NoSuchKey' });
    await expectOssError(() => c.get('a', { versionId: v1 }), { code: 'NoSuchVersion' });
    assert.equal(await text('a'), 'a2');
    // Asking again for a version already gone succeeds.
    await c.deleteMulti([{ key: 'a', versionId: v1 }]);
  });
});

describe('versionId on the other object operations', () => {
  test('tags and ACLs belong to a version', async () => {
    await bucket('Enabled');
    const v1 = vid(await c.put('k', Buffer.from('one'), { headers: { 'x-oss-tagging': 'gen=1' } }));
    await c.put('k', Buffer.from('two'), { headers: { 'x-oss-tagging': 'gen=2' } });
    assert.deepEqual((await c.getObjectTagging('k', { versionId: v1 })).tag, { gen: '1' });
    assert.deepEqual((await c.getObjectTagging('k')).tag, { gen: '2' });
    const p = await c.putObjectTagging('k', { gen: 'one' }, { versionId: v1 });
    assert.equal(p.res.headers['x-oss-version-id'], v1);
    assert.deepEqual((await c.getObjectTagging('k', { versionId: v1 })).tag, { gen: 'one' });
    assert.deepEqual((await c.getObjectTagging('k')).tag, { gen: '2' });
    await c.deleteObjectTagging('k', { versionId: v1 });
    assert.deepEqual((await c.getObjectTagging('k', { versionId: v1 })).tag, {});
    await c.putACL('k', 'public-read', { versionId: v1 });
    assert.equal((await c.getACL('k', { versionId: v1 })).acl, 'public-read');
    assert.equal((await c.getACL('k')).acl, 'default');
  });

  test('CopyObject from a version: new version, both ids echoed; a marker source is 404', async () => {
    const b = await bucket('Enabled');
    const v1 = vid(await c.put('src', Buffer.from('old')));
    await c.put('src', Buffer.from('new'));
    const r = await c.copy('dst', 'src', { versionId: v1 });
    assert.equal(r.res.headers['x-oss-copy-source-version-id'], v1);
    assert.match(r.res.headers['x-oss-version-id'], /^CAEQ/);
    assert.equal(await text('dst'), 'old');
    // Copying an older version onto its own key restores it as current.
    const back = await c.copy('src', 'src', { versionId: v1 });
    assert.notEqual(back.res.headers['x-oss-version-id'], v1);
    assert.equal(await text('src'), 'old');
    const dm = (await c.delete('src')).res.headers['x-oss-version-id'];
    await expectOssError(() => c.copy('dst2', 'src'), { code: 'NoSuchKey', status: 404 });
    await expectOssError(() => c.copy('dst2', 'src', { versionId: dm }), { status: 404 });
    assert.equal((await raw(b, 'HEAD', 'dst2')).status, 404);
  });

  test('multipart completion and appends in an Enabled bucket', async () => {
    await bucket('Enabled');
    const up = await c.initMultipartUpload('mp');
    const part = await c.uploadPart('mp', up.uploadId, 1, Buffer.from('whole'), 0, 5);
    const done = await c.completeMultipartUpload('mp', up.uploadId, [{ number: 1, etag: part.etag }]);
    assert.match(done.res.headers['x-oss-version-id'], /^CAEQ/);
    // Appends extend the current version: the id stays.
    const a1 = await c.append('ap', Buffer.from('ab'));
    const a2 = await c.append('ap', Buffer.from('cd'), { position: a1.nextAppendPosition });
    assert.equal(a1.res.headers['x-oss-version-id'], a2.res.headers['x-oss-version-id']);
    assert.equal(await text('ap'), 'abcd');
    // After a marker, position 0 starts a new appendable version.
    await c.delete('ap');
    const a3 = await c.append('ap', Buffer.from('new'), { position: 0 });
    assert.notEqual(a3.res.headers['x-oss-version-id'], a1.res.headers['x-oss-version-id']);
    assert.equal(await text('ap', { versionId: a1.res.headers['x-oss-version-id'] }), 'abcd');
    assert.equal(await text('ap'), 'new');
    // An appendable object is not copied into a versioned bucket.
    await expectOssError(() => c.copy('ap-copy', 'ap'), { code: 'OperationNotSupported', status: 400 });
  });

  test('a version under a disabled CMK answers KeyDisabled; the newer version reads', async () => {
    const kms = v1Client(d);
    const key = (await kms.createKey(new KMS.CreateKeyRequest({}))).keyMetadata.keyId;
    await bucket('Enabled');
    const v1 = vid(await c.put('k', Buffer.from('sealed'), { headers: {
      'x-oss-server-side-encryption': 'KMS', 'x-oss-server-side-encryption-key-id': key } }));
    await c.put('k', Buffer.from('plain'));
    await kms.disableKey(new KMS.DisableKeyRequest({ keyId: key }));
    await expectOssError(() => c.get('k', { versionId: v1 }), { code: 'KeyDisabled', status: 409 });
    assert.equal(await text('k'), 'plain');
    await kms.enableKey(new KMS.EnableKeyRequest({ keyId: key }));
    assert.equal(await text('k', { versionId: v1 }), 'sealed');
  });
});

describe('versioning with bucket WORM (every version protected from its own Last-Modified)', () => {
  async function lockedBucket(days) {
    const b = await bucket('Enabled');
    const w = await c.initiateBucketWorm(b, days);
    await c.completeBucketWorm(b, w.wormId);
    return b;
  }

  test('overwrites and delete markers are allowed; removing a version is not, until its time', async () => {
    const b = await lockedBucket(1);
    const v1 = vid(await c.put('k', Buffer.from('v1')));
    const v2 = vid(await c.put('k', Buffer.from('v2')));
    const dm = (await c.delete('k')).res.headers['x-oss-version-id'];
    await expectOssError(() => c.delete('k', { versionId: v1 }), { code: 'FileImmutable', status: 409 });
    await expectOssError(() => c.delete('k', { versionId: v2 }), { code: 'FileImmutable', status: 409 });
    await expectOssError(() => c.deleteMulti([{ key: 'k', versionId: v1 }]), { code: 'FileImmutable' });
    await expectOssError(() => c.putObjectTagging('k', { a: 'b' }, { versionId: v1 }), { code: 'FileImmutable' });
    // A marker holds no data: removing it uncovers v2.
    await c.delete('k', { versionId: dm });
    assert.equal(await text('k'), 'v2');
    assert.equal(await text('k', { versionId: v1 }), 'v1');
    d.clockAdvance('2d');
    await c.delete('k', { versionId: v1 });
    await expectOssError(() => c.get('k', { versionId: v1 }), { code: 'NoSuchVersion' });
    assert.equal(b.length > 0, true);
  });

  test('a protected bucket cannot be suspended; a suspended bucket cannot get a policy', async () => {
    const b = await lockedBucket(1);
    const r = await putVersioning(b, 'Suspended');
    assert.equal(r.status, 400, String(r.body));
    assert.equal(r.headers['x-oss-ec'], '0012-00000006');
    assert.equal((await c.getBucketVersioning(b)).versionStatus, 'Enabled');
    const s = await bucket('Suspended');
    const r2 = await raw(s, 'POST', undefined, { worm: '' }, { 'content-type': 'application/xml' },
      '<InitiateWormConfiguration><RetentionPeriodInDays>1</RetentionPeriodInDays></InitiateWormConfiguration>');
    assert.equal(r2.status, 400, String(r2.body));
    assert.equal(r2.headers['x-oss-ec'], '0027-00000003');
    await expectOssError(() => c.getBucketWorm(s), { code: 'NoSuchWORMConfiguration' });
  });
});
