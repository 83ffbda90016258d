// Objects under a bucket retention policy (spec oss-api.md §1.3 row 11,
// §3.4; reliability.md T19): every path that would change or remove a
// protected object answers 409 FileImmutable (EC 0026-00000005) and leaves
// it byte-identical; new keys, reads and AbortMultipartUpload still work;
// DeleteBucket is refused; after the retention period (test clock) the
// object may be deleted again; an expired InProgress policy protects
// nothing; deleting an empty bucket deletes its policy.
//
// Underneath the guard (daemon/api/object_tx.c), the schema's triggers
// refuse every content, metadata, tag and ACL change (as a 500 InternalError),
// so the "intact" checks in the finally blocks already hold.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDaemon, ossClient, expectOssError } = require('./lib/coffer');

const B = 'imm-locked';
const IMMUTABLE = { code: 'FileImmutable', status: 409, ec: '0026-00000005' };
const ORIGINAL = Buffer.from('the record, as first written');

let d;
let c;

async function intact(key, want = ORIGINAL) {
  const r = await c.get(key);
  assert.deepEqual(r.content, want, `${key} changed`);
}

before(async () => {
  d = await startDaemon();
  c = ossClient(d, { bucket: B });
  await c.putBucket(B);
  // old.txt predates the policy by more than its period: not protected.
  await c.put('old.txt', Buffer.from('old'));
  d.clockAdvance('3d');
  const { wormId } = await c.initiateBucketWorm(B, 1);
  assert.equal((await c.completeBucketWorm(B, wormId)).status, 200);
  for (const k of ['rec.txt', 'rec2.txt', 'acl.txt', 'tag.txt', 'meta.txt', 'mpu.txt', 'copy.txt']) {
    await c.put(k, ORIGINAL, { headers: { 'x-oss-tagging': 'a=1' } });
  }
  await c.append('app.txt', ORIGINAL);
});
after(async () => { if (d) assert.equal(await d.stop(), 0); });

test('new keys can still be written; reads, heads and listings work', async () => {
  assert.equal((await c.put('brand-new.txt', Buffer.from('new'))).res.status, 200);
  await intact('rec.txt');
  assert.equal((await c.head('rec.txt')).status, 200);
  const l = await c.list({ 'max-keys': 100 });
  assert.ok(l.objects.some((o) => o.name === 'rec.txt'));
});

test('PutObject overwrite → FileImmutable', async () => {
  try {
    await expectOssError(() => c.put('rec.txt', Buffer.from('overwritten')), IMMUTABLE);
    const e = await expectOssError(() => c.put('rec.txt', Buffer.from('x'),
      { headers: { 'x-oss-forbid-overwrite': 'false' } }), IMMUTABLE);
    assert.equal(e.message, 'The object you specified is immutable.');
  } finally {
    await intact('rec.txt');
  }
});

test('DeleteObject → FileImmutable', async () => {
  try {
    await expectOssError(() => c.delete('rec.txt'), IMMUTABLE);
  } finally {
    await intact('rec.txt');
  }
});

test('DeleteMultipleObjects with a protected entry is refused as a whole',
  async () => {
    let r;
    let err;
    try {
      r = await c.deleteMulti(['rec2.txt', 'old.txt'], { quiet: false });
    } catch (e) {
      err = e;
    }
    await intact('rec2.txt');
    // Either the whole request is refused with FileImmutable, or the
    // protected key is missing from <Deleted> (per-key refusal).
    if (err) {
      assert.equal(err.code, 'FileImmutable');
      assert.equal(err.status, 409);
    } else {
      assert.ok(!r.deleted.some((x) => (x.Key || x) === 'rec2.txt'), 'protected key reported deleted');
      assert.ok(r.deleted.some((x) => (x.Key || x) === 'old.txt'), 'unprotected key not deleted');
      await expectOssError(() => c.head('old.txt'), { status: 404 });
    }
  });

test('AppendObject onto a protected object → FileImmutable', async () => {
  try {
    await expectOssError(() => c.append('app.txt', Buffer.from('more'),
      { position: String(ORIGINAL.length) }), IMMUTABLE);
  } finally {
    await intact('app.txt');
  }
});

test('CopyObject onto a protected key → FileImmutable', async () => {
  try {
    await expectOssError(() => c.copy('copy.txt', 'brand-new.txt'), IMMUTABLE);
  } finally {
    await intact('copy.txt');
  }
});

test('CopyObject onto itself (metadata change) → FileImmutable', async () => {
  try {
    await expectOssError(() => c.putMeta('meta.txt', { changed: 'yes' }), IMMUTABLE);
  } finally {
    await intact('meta.txt');
    const h = await c.head('meta.txt');
    assert.equal((h.meta || {}).changed, undefined);
  }
});

test('PutObjectACL → FileImmutable', async () => {
  try {
    await expectOssError(() => c.putACL('acl.txt', 'public-read'), IMMUTABLE);
  } finally {
    assert.equal((await c.getACL('acl.txt')).acl, 'default');
  }
});

test('PutObjectTagging → FileImmutable', async () => {
  try {
    await expectOssError(() => c.putObjectTagging('tag.txt', { b: '2' }), IMMUTABLE);
  } finally {
    assert.deepEqual((await c.getObjectTagging('tag.txt')).tag, { a: '1' });
  }
});

test('DeleteObjectTagging → FileImmutable', async () => {
  try {
    await expectOssError(() => c.deleteObjectTagging('tag.txt'), IMMUTABLE);
  } finally {
    assert.deepEqual((await c.getObjectTagging('tag.txt')).tag, { a: '1' });
  }
});

test('CompleteMultipartUpload onto a protected key → FileImmutable; abort allowed', async () => {
    const body = Buffer.alloc(210 * 1024, 7);
    try {
      await expectOssError(() => c.multipartUpload('mpu.txt', body, { partSize: 100 * 1024 }), IMMUTABLE);
    } finally {
      await intact('mpu.txt');
    }
    // Parts are not records yet: an in-flight upload may be aborted.
    const { uploadId } = await c.initMultipartUpload('mpu-inflight.txt');
    assert.equal((await c.abortMultipartUpload('mpu-inflight.txt', uploadId)).res.status, 204);
  });

test('PutSymlink onto a protected object → FileImmutable', async () => {
  try {
    await expectOssError(() => c.putSymlink('rec.txt', 'brand-new.txt'), IMMUTABLE);
  } finally {
    await intact('rec.txt');
  }
});

test('DeleteBucket with protected objects → 409, bucket and objects stay', async () => {
  const e = await expectOssError(() => c.deleteBucket(B), { status: 409 });
  assert.ok(['FileImmutable', 'BucketNotEmpty'].includes(e.code), e.code);
  assert.equal((await c.getBucketWorm(B)).state, 'Locked');
  await intact('rec.txt');
});

test('every protected object is still byte-identical', async () => {
  for (const k of ['rec.txt', 'rec2.txt', 'acl.txt', 'tag.txt', 'meta.txt', 'mpu.txt', 'copy.txt', 'app.txt']) {
    await intact(k);
  }
});

test('after the retention period the objects may be deleted and overwritten', async () => {
  d.clockAdvance('25h');
  assert.equal((await c.put('rec.txt', Buffer.from('now free'))).res.status, 200);
  assert.equal((await c.delete('rec2.txt')).res.status, 204);
  await intact('rec.txt', Buffer.from('now free'));
});

test('an expired InProgress policy protects nothing', async () => {
  const b = 'imm-expired';
  const x = ossClient(d, { bucket: b });
  await x.putBucket(b);
  await x.initiateBucketWorm(b, 30);
  await x.put('k.txt', Buffer.from('k'));
  d.clockAdvance('25h');
  assert.equal((await x.delete('k.txt')).res.status, 204);
  await expectOssError(() => x.getBucketWorm(b), { code: 'NoSuchWORMConfiguration', status: 404 });
});

test('deleting an empty bucket deletes its Locked policy', async () => {
  const b = 'imm-empty';
  const x = ossClient(d, { bucket: b });
  await x.putBucket(b);
  const { wormId } = await x.initiateBucketWorm(b, 1);
  await x.completeBucketWorm(b, wormId);
  assert.equal((await x.deleteBucket(b)).res.status, 204);
  await x.putBucket(b);
  await expectOssError(() => x.getBucketWorm(b), { code: 'NoSuchWORMConfiguration', status: 404 });
});
