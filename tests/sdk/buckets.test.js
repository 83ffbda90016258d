// Bucket operations and the BucketAlreadyExists / BucketNotEmpty conflicts,
// through ali-oss with V1 and V4 signatures (spec oss-api.md §1.3 rows 1-5).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDaemon, ossClient, expectOssError } = require('./lib/coffer');

let d;
before(async () => { d = await startDaemon(); });
after(async () => { assert.equal(await d.stop(), 0); });

for (const v4 of [false, true]) {
  const sig = v4 ? 'V4' : 'V1';

  test(`${sig}: create, list, info, location, delete`, async () => {
    const name = `bk-${sig.toLowerCase()}-basic`;
    const c = ossClient(d, { bucket: name, v4 });
    const r = await c.putBucket(name, { StorageClass: 'IA', DataRedundancyType: 'ZRS' });
    assert.equal(r.res.status, 200);
    assert.equal(r.bucket, name);
    const l = await c.listBuckets({ prefix: name });
    assert.deepEqual(l.buckets.map((b) => b.name), [name]);
    const info = await c.getBucketInfo(name);
    assert.equal(info.bucket.StorageClass, 'IA');
    assert.equal(info.bucket.DataRedundancyType, 'ZRS');
    assert.equal(info.bucket.Location, 'oss-cn-hangzhou');
    assert.equal(await c.getBucketLocation(name).then((x) => x.location), 'oss-cn-hangzhou');
    // The owner repeating the same configuration is a 200 (OSS has no
    // BucketAlreadyOwnedByYou).
    assert.equal((await c.putBucket(name, { StorageClass: 'IA', DataRedundancyType: 'ZRS' })).res.status, 200);
    const del = await c.deleteBucket(name);
    assert.equal(del.res.status, 204);
    await expectOssError(() => c.getBucketInfo(name), { code: 'NoSuchBucket', status: 404, ec: '0015-00000101' });
  });

  test(`${sig}: BucketAlreadyExists variants`, async () => {
    const name = `bk-${sig.toLowerCase()}-conflict`;
    const c = ossClient(d, { bucket: name, v4 });
    await c.putBucket(name, { StorageClass: 'IA', DataRedundancyType: 'LRS' });
    const e1 = await expectOssError(() => c.putBucket(name, { StorageClass: 'Archive' }),
      { code: 'BucketAlreadyExists', status: 409 });
    assert.equal(e1.message, "Cannot modify existing bucket's storage class.");
    const e2 = await expectOssError(() => c.putBucket(name, { DataRedundancyType: 'ZRS' }),
      { code: 'BucketAlreadyExists', status: 409, ec: '0015-00000228' });
    assert.equal(e2.message, "Bucket already exists can't modify data redundancy type.");
    // Another region's endpoint: V1 signs no region, so it reaches the
    // bucket-location rule.
    if (!v4) {
      const other = ossClient(d, { bucket: name, region: 'oss-cn-shanghai' });
      const e3 = await expectOssError(() => other.putBucket(name),
        { code: 'BucketAlreadyExists', status: 409 });
      assert.equal(e3.message, "Bucket already exists can't modify location.");
    }
    // Another account.
    const acct = JSON.parse(d.coffer('account', 'create', `other${sig}`, '--json'));
    const stranger = ossClient(d, { bucket: name, v4, ak: acct.AccessKeyId, sk: acct.AccessKeySecret });
    const e4 = await expectOssError(() => stranger.putBucket(name),
      { code: 'BucketAlreadyExists', status: 409, ec: '0015-00000102' });
    assert.match(e4.message, /^The requested bucket name is not available/);
    await c.deleteBucket(name);
  });

  test(`${sig}: BucketNotEmpty while an object remains`, async () => {
    const name = `bk-${sig.toLowerCase()}-notempty`;
    const c = ossClient(d, { bucket: name, v4 });
    await c.putBucket(name);
    await c.put('a.txt', Buffer.from('a'));
    const e = await expectOssError(() => c.deleteBucket(name),
      { code: 'BucketNotEmpty', status: 409, ec: '0015-00000301' });
    assert.equal(e.message, 'The bucket you tried to delete is not empty.');
    await c.delete('a.txt');
    assert.equal((await c.deleteBucket(name)).res.status, 204);
  });
}
