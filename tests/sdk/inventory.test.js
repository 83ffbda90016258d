// Bucket inventory through ali-oss 6.23.0 (spec oss-api.md §3.5, §1.3 row
// 17; inventory-report.md; clients.md §1.5): configuration CRUD with the
// exact XML echoed back, create-only (409 InventoryConfigurationAlreadyExists
// EC 0020-00000042), validation, 100-per-page listing, the 1000 limit, and
// the report round trip: written by `coffer inventory run` and by the
// Daily/Weekly schedule on the test clock, read back with ali-oss, checked
// against manifest.json (sizes, MD5s, checksum) and gunzipped to exactly the
// matching objects with the configured fields.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const zlib = require('node:zlib');
const { startDaemon, ossClient, expectOssError } = require('./lib/coffer');

const SRC = 'inv-src';
const DST = 'inv-dst';
let d;
let c;
let acct;

before(async () => {
  d = await startDaemon();
  c = ossClient(d, { bucket: SRC });
  await c.putBucket(SRC);
  await c.putBucket(DST);
  acct = (await c.getBucketInfo(SRC)).bucket.Owner.ID;
  // The source objects: four under data/, one elsewhere.
  await c.put('data/a.txt', Buffer.from('aaaaa'));
  await c.put('data/sub/b c.txt', Buffer.from('bbbbbbbbbbb'), { headers: { 'x-oss-storage-class': 'IA' } });
  await c.put('data/q+u%o"te,x.txt', Buffer.from('qqqqqqq'));
  await c.put('data/big.bin', crypto.randomBytes(2000));
  await c.put('other/x.txt', Buffer.from('x'));
});
after(async () => { if (d) assert.equal(await d.stop(), 0); });

// An ali-oss configuration object (the capture's, with real buckets).
function conf(id, over = {}) {
  return {
    id,
    isEnabled: true,
    prefix: 'data/',
    OSSBucketDestination: {
      format: 'CSV', accountId: acct, rolename: 'AliyunOSSRole', bucket: DST,
      prefix: 'reports', encryption: { 'SSE-OSS': '' }, ...(over.dest || {}),
    },
    frequency: 'Daily',
    includedObjectVersions: 'Current',
    optionalFields: { field: ['Size', 'LastModifiedDate', 'ETag', 'StorageClass'] },
    ...over,
  };
}

// PutBucketInventory with a hand-written body (ali-oss can only send a
// Filter with a Prefix).
function putXml(bucket, id, xml) {
  const p = c._bucketRequestParams('PUT', bucket, { inventory: '', inventoryId: id });
  p.mime = 'xml';
  p.content = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
  p.successStatuses = [200];
  return c.request(p);
}

function xmlConf(id, { filter = '<Prefix>data/</Prefix>', dest = '', fields = '', extra = '' } = {}) {
  return `<InventoryConfiguration><Id>${id}</Id><IsEnabled>true</IsEnabled>` +
    `<Filter>${filter}</Filter><Destination><OSSBucketDestination><Format>CSV</Format>` +
    `<AccountId>${acct}</AccountId><RoleArn>acs:ram::${acct}:role/AliyunOSSRole</RoleArn>` +
    `<Bucket>acs:oss:::${DST}</Bucket><Prefix>reports</Prefix>${dest}</OSSBucketDestination></Destination>` +
    `<Schedule><Frequency>Daily</Frequency></Schedule><IncludedObjectVersions>Current</IncludedObjectVersions>` +
    `<OptionalFields>${fields}</OptionalFields>${extra}</InventoryConfiguration>`;
}

const md5 = (b) => crypto.createHash('md5').update(b).digest('hex');

// Reads a report back through ali-oss and returns { manifest, rows }: rows
// are arrays of the unquoted CSV fields, in file order.
async function readReport(manifestKey) {
  const dc = ossClient(d, { bucket: DST });
  const mbytes = (await dc.get(manifestKey)).content;
  const manifest = JSON.parse(mbytes.toString());
  const sum = (await dc.get(manifestKey.replace(/manifest\.json$/, 'manifest.checksum'))).content.toString();
  assert.equal(sum, md5(mbytes), 'manifest.checksum');
  const rows = [];
  for (const f of manifest.files) {
    const r = await dc.get(f.key);
    assert.equal(r.content.length, f.size, `size of ${f.key}`);
    assert.equal(md5(r.content), f.MD5checksum, `MD5 of ${f.key}`);
    assert.equal(r.res.headers['x-oss-server-side-encryption'], 'AES256', 'report objects are SSE-OSS');
    const csv = zlib.gunzipSync(r.content).toString();
    assert.ok(csv.endsWith('\n'));
    for (const line of csv.slice(0, -1).split('\n')) {
      assert.match(line, /^"[^"]*(?:""[^"]*)*"(?:,"[^"]*(?:""[^"]*)*")*$/, 'every field quoted');
      rows.push(line.slice(1, -1).split('","'));
    }
  }
  return { manifest, rows };
}

// What the report must say about the source's objects under prefix.
async function expectedRows(prefix, fields, pred = () => true) {
  const l = await c.list({ prefix, 'max-keys': 1000 });
  return l.objects.filter(pred).map((o) => {
    const row = [SRC, encodeURIComponent(o.name).replace(/%2F/g, '/')
      .replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)];
    for (const f of fields) {
      if (f === 'Size') row.push(String(o.size));
      if (f === 'StorageClass') row.push(o.storageClass);
      if (f === 'LastModifiedDate') row.push(o.lastModified);
      if (f === 'ETag') row.push(o.etag.replace(/"/g, ''));
    }
    return row;
  });
}

test('put and get: the configuration is echoed exactly', async () => {
  const sent = conf('report1', {
    includedObjectVersions: 'All',
    dest: { encryption: { 'SSE-KMS': { keyId: 'keyId' } }, prefix: 'prefix1' },
    prefix: 'myprefix/',
    optionalFields: { field: ['Size', 'LastModifiedDate', 'ETag', 'StorageClass', 'IsMultipartUploaded', 'EncryptionStatus'] },
  });
  assert.equal((await c.putBucketInventory(SRC, sent)).status, 200);
  const { inventory } = await c.getBucketInventory(SRC, 'report1');
  assert.deepEqual(inventory, {
    id: 'report1',
    isEnabled: true,
    prefix: 'myprefix/',
    OSSBucketDestination: {
      format: 'CSV', accountId: acct, rolename: 'AliyunOSSRole', bucket: DST, prefix: 'prefix1',
      encryption: { 'SSE-KMS': { keyId: 'keyId' } },
    },
    frequency: 'Daily',
    schedule: {},
    includedObjectVersions: 'All',
    optionalFields: { field: ['Size', 'LastModifiedDate', 'ETag', 'StorageClass', 'IsMultipartUploaded', 'EncryptionStatus'] },
  });
  // No encryption, SSE-OSS, and a single field round-trip too.
  await c.putBucketInventory(SRC, conf('plain', { dest: { encryption: undefined }, optionalFields: { field: ['Size'] } }));
  const p = (await c.getBucketInventory(SRC, 'plain')).inventory;
  assert.equal(p.OSSBucketDestination.encryption, undefined);
  assert.deepEqual(p.optionalFields.field, ['Size']);
  assert.equal(p.prefix, 'data/');
  assert.equal((await c.deleteBucketInventory(SRC, 'plain')).status, 204);
});

test('create-only: the same id again is 409 InventoryConfigurationAlreadyExists', async () => {
  const e = await expectOssError(() => c.putBucketInventory(SRC, conf('report1')),
    { code: 'InventoryConfigurationAlreadyExists', status: 409, ec: '0020-00000042' });
  assert.equal(e.message, 'The Inventory Configuration already exists.');
  // The stored one is unchanged.
  assert.equal((await c.getBucketInventory(SRC, 'report1')).inventory.prefix, 'myprefix/');
});

test('get/delete of a missing configuration: 404 NoSuchInventory; delete is 204', async () => {
  await expectOssError(() => c.getBucketInventory(SRC, 'missing'), { code: 'NoSuchInventory', status: 404 });
  await expectOssError(() => c.deleteBucketInventory(SRC, 'missing'), { code: 'NoSuchInventory', status: 404 });
  // report1 names a KMS key that does not exist: do not leave it scheduled.
  assert.equal((await c.deleteBucketInventory(SRC, 'report1')).status, 204);
  await expectOssError(() => c.getBucketInventory(SRC, 'report1'), { code: 'NoSuchInventory', status: 404 });
  await expectOssError(() => c.deleteBucketInventory(SRC, 'report1'), { code: 'NoSuchInventory', status: 404 });
});

test('validation: every malformed configuration is refused and nothing is stored', async () => {
  const INVALID = { code: 'InvalidArgument', status: 400 };
  const other = JSON.parse(d.coffer('account', 'create', 'invstranger', '--json'));
  const s = ossClient(d, { bucket: 'inv-foreign', ak: other.AccessKeyId, sk: other.AccessKeySecret });
  await s.putBucket('inv-foreign');

  await expectOssError(() => c.putBucketInventory(SRC, conf('v1', { dest: { bucket: 'inv-no-such' } })),
    { code: 'NoSuchBucket', status: 404 });
  await expectOssError(() => c.putBucketInventory(SRC, conf('v2', { dest: { bucket: 'inv-foreign' } })),
    { ...INVALID, ec: '0020-00000033' });
  await expectOssError(() => c.putBucketInventory(SRC, conf('v3', { frequency: 'Monthly' })), INVALID);
  await expectOssError(() => c.putBucketInventory(SRC, conf('v4', { optionalFields: { field: ['StartTime'] } })), INVALID);
  await expectOssError(() => c.putBucketInventory(SRC, conf('v5', { optionalFields: { field: ['Size', 'Size'] } })), INVALID);
  await expectOssError(() => c.putBucketInventory(SRC, conf('v6', { includedObjectVersions: 'Some' })), INVALID);
  await expectOssError(() => c.putBucketInventory(SRC, conf('v7', { dest: { format: 'ORC' } })), INVALID);
  await expectOssError(() => c.putBucketInventory(SRC, conf('v8', { dest: { encryption: { 'SSE-KMS': {} } } })), INVALID);
  await expectOssError(() => c.putBucketInventory(SRC, conf('v9', { isEnabled: 'maybe' })), INVALID);
  await expectOssError(() => c.putBucketInventory(SRC, conf('x'.repeat(193))), INVALID);

  const bad = [
    ['f1', xmlConf('f1', { filter: '<LastModifyBeginTimeStamp>20</LastModifyBeginTimeStamp><LastModifyEndTimeStamp>10</LastModifyEndTimeStamp>' })],
    ['f2', xmlConf('f2', { filter: '<LowerSizeBound>9</LowerSizeBound><UpperSizeBound>8</UpperSizeBound>' })],
    ['f3', xmlConf('f3', { filter: '<StorageClass>Standard,Hot</StorageClass>' })],
    ['f4', xmlConf('f4', { filter: '<LowerSizeBound>-1</LowerSizeBound>' })],
    ['f5', xmlConf('f5', { dest: '<Encryption><SSE-OSS/><SSE-KMS><KeyId>k</KeyId></SSE-KMS></Encryption>' })],
    ['f6', xmlConf('f6').replace('acs:oss:::', 'acs:oss::')],
    ['f7', xmlConf('f7').replace(/<RoleArn>[^<]*<\/RoleArn>/, '')],
    ['f8', xmlConf('f8').replace('<Frequency>Daily</Frequency>', '')],
    ['f9', xmlConf('f9').replace('<Schedule><Frequency>Daily</Frequency></Schedule>', '')],
    ['f10', xmlConf('other-id')],
    ['f11', xmlConf('f11').replace(/<Destination>.*<\/Destination>/, '')],
  ];
  for (const [id, body] of bad) await expectOssError(() => putXml(SRC, id, body), INVALID);
  await expectOssError(() => putXml(SRC, 'n', xmlConf('').replace('<Id></Id>', '')),
    { ...INVALID, ec: '0020-00000005' });
  await expectOssError(() => putXml(SRC, 'm', 'not xml'), { code: 'MalformedXML', status: 400 });
  await expectOssError(() => putXml(SRC, 'm', '<Other/>'), { code: 'MalformedXML', status: 400 });
  // Another account cannot configure our bucket.
  await expectOssError(() => s.putBucketInventory(SRC, conf('v10')), { code: 'AccessDenied', status: 403 });

  const l = await c.listBucketInventory(SRC);
  assert.deepEqual(l.inventoryList, undefined);
  assert.equal(l.isTruncated, false);
});

test('list: 100 per page with a continuation token; 1000 per bucket', async () => {
  const b = 'inv-many';
  await c.putBucket(b);
  const ids = [];
  for (let i = 0; i < 205; i++) ids.push(`id-${String(i).padStart(4, '0')}`);
  for (const id of ids) {
    // Disabled: a thousand configurations must not all be scheduled.
    await c.putBucketInventory(b, conf(id, { isEnabled: false }));
  }
  const seen = [];
  let token;
  const sizes = [];
  for (;;) {
    const r = await c.listBucketInventory(b, token ? { continuationToken: token } : {});
    sizes.push(r.inventoryList.length);
    for (const x of r.inventoryList) {
      seen.push(x.id);
      assert.equal(x.isEnabled, false);
      assert.equal(x.OSSBucketDestination.bucket, DST);
    }
    if (!r.isTruncated) {
      assert.equal(r.nextContinuationToken, undefined);
      break;
    }
    token = r.nextContinuationToken;
    assert.ok(token);
  }
  assert.deepEqual(sizes, [100, 100, 5]);
  assert.deepEqual(seen, ids);

  for (let i = 205; i < 1000; i++) await c.putBucketInventory(b, conf(`id-${String(i).padStart(4, '0')}`, { isEnabled: false }));
  const e = await expectOssError(() => c.putBucketInventory(b, conf('one-more', { isEnabled: false })),
    { code: 'InventoryExceedLimit', status: 400 });
  assert.equal(e.message, 'You are not allowed to create more inventory than limit.');
});

test('report round trip: coffer inventory run', async () => {
  const fields = ['Size', 'LastModifiedDate', 'ETag', 'StorageClass'];
  await c.putBucketInventory(SRC, conf('daily1'));
  const key = d.coffer('inventory', 'run', SRC, 'daily1').trim();
  assert.match(key, /^reports\/inv-src\/daily1\/\d{4}-\d\d-\d\dT\d\d-\d\dZ\/manifest\.json$/);
  const { manifest, rows } = await readReport(key);
  assert.equal(manifest.sourceBucket, SRC);
  assert.equal(manifest.destinationBucket, `acs:oss:::${DST}`);
  assert.equal(manifest.fileFormat, 'CSV');
  assert.equal(manifest.fileSchema, 'Bucket, Key, Size, StorageClass, LastModifiedDate, ETag');
  assert.match(manifest.creationTimestamp, /^\d{13}$/);
  assert.equal(manifest.files.length, 1);
  assert.match(manifest.files[0].key, /^reports\/inv-src\/daily1\/data\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.csv\.gz$/);
  // Exactly the objects under data/, with the fields in column order.
  const want = await expectedRows('data/', ['Size', 'StorageClass', 'LastModifiedDate', 'ETag']);
  assert.equal(want.length, 4);
  assert.deepEqual(rows, want);
  assert.ok(rows.some((r) => r[1] === 'data/q%2Bu%25o%22te%2Cx.txt'));
  assert.ok(rows.some((r) => r[1] === 'data/sub/b%20c.txt' && r[3] === 'IA'));
  void fields;
  // Not on a terminal, its progress is JSON lines on stderr.
  const run = require('node:child_process').spawnSync(process.env.COFFER,
    ['--data-dir', d.dataDir, 'inventory', 'run', SRC, 'daily1'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const done = run.stderr.split('\n').filter((l) => l.startsWith('{"Progress":"inventory"'))
    .map((l) => JSON.parse(l)).find((p) => p.Done);
  assert.ok(done, run.stderr);
  assert.equal(done.Items, 4);
});

test('report with the full filter (size, storage class, time)', async () => {
  const now = Math.floor(Date.now() / 1000);
  await putXml(SRC, 'filt1', xmlConf('filt1', {
    filter: '<LastModifyBeginTimeStamp>1000000000</LastModifyBeginTimeStamp>' +
      `<LastModifyEndTimeStamp>${now + 10 * 365 * 86400}</LastModifyEndTimeStamp>` +
      '<LowerSizeBound>6</LowerSizeBound><UpperSizeBound>2000</UpperSizeBound>' +
      '<StorageClass>Standard</StorageClass><Prefix>data/</Prefix>',
    fields: '<Field>ObjectType</Field><Field>Size</Field>',
    dest: '<Encryption><SSE-OSS/></Encryption>',
  }));
  const g = (await c.getBucketInventory(SRC, 'filt1')).inventory;
  assert.equal(g.filter, undefined);
  assert.equal(g.prefix, 'data/');
  assert.deepEqual(g.optionalFields.field, ['ObjectType', 'Size']);
  const key = d.coffer('inventory', 'run', SRC, 'filt1').trim();
  const { manifest, rows } = await readReport(key);
  assert.equal(manifest.fileSchema, 'Bucket, Key, Size, ObjectType');
  const want = await expectedRows('data/', ['Size'],
    (o) => o.size >= 6 && o.size <= 2000 && o.storageClass === 'Standard').then((r) => r.map((x) => [...x, 'Normal']));
  assert.equal(want.length, 2);
  assert.deepEqual(rows, want);

  // An end before every object: nothing matches, no report at all.
  await putXml(SRC, 'none1', xmlConf('none1', { filter: '<LastModifyEndTimeStamp>1000000000</LastModifyEndTimeStamp>' }));
  assert.equal(d.coffer('inventory', 'run', SRC, 'none1'), '');
  const dl = await ossClient(d, { bucket: DST }).list({ prefix: 'reports/inv-src/none1/' });
  assert.deepEqual(dl.objects || [], []);
});

test('the CLI refuses unknown buckets and ids', async () => {
  assert.throws(() => d.coffer('inventory', 'run', 'inv-nope', 'daily1'), /no bucket 'inv-nope'/);
  assert.throws(() => d.coffer('inventory', 'run', SRC, 'nope'), /has no inventory 'nope'/);
});

// The scheduler needs main.c to call jobs_tick() once a second.
test('report round trip: the Daily and Weekly schedule on the business clock', async () => {
    const dc = ossClient(d, { bucket: DST });
    await c.putBucketInventory(SRC, conf('sched-d', { dest: { prefix: 'sched' }, optionalFields: { field: [] } }));
    await c.putBucketInventory(SRC, conf('sched-w', { dest: { prefix: 'sched' }, frequency: 'Weekly', optionalFields: { field: [] } }));
    const manifests = async (id) => ((await dc.list({ prefix: `sched/inv-src/${id}/`, 'max-keys': 1000 })).objects || [])
      .map((o) => o.name).filter((n) => n.endsWith('/manifest.json')).sort();
    const waitFor = async (id, n) => {
      for (let i = 0; i < 100; i++) {
        const m = await manifests(id);
        if (m.length >= n) return m;
        await new Promise((r) => setTimeout(r, 200));
      }
      return manifests(id);
    };
    // Nothing before the first slot (16:00 UTC after creation).
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual(await manifests('sched-d'), []);
    d.clockAdvance('1d');
    const m1 = await waitFor('sched-d', 1);
    assert.equal(m1.length, 1);
    assert.equal((await waitFor('sched-w', 1)).length, 1);
    const { rows } = await readReport(m1[0]);
    assert.deepEqual(rows, (await expectedRows('data/', [])));
    // The next day: Daily again, Weekly not; each slot runs once.
    d.clockAdvance('1d');
    assert.equal((await waitFor('sched-d', 2)).length, 2);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await manifests('sched-d')).length, 2);
    assert.equal((await manifests('sched-w')).length, 1);
    // A week later: Weekly runs once more.
    d.clockAdvance('7d');
    assert.equal((await waitFor('sched-w', 2)).length, 2);
  });
