// The daemon around the API: encryption at rest (no plaintext byte of an
// object in any file under the data dir, SQLite WAL included), /-/health,
// /-/metrics, the per-account bucket limit (TooManyBuckets), and the
// business test clock not affecting signature time checks (issue 3).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startDaemon, inCluster, ossClient, raw, expectOssError, walkFiles, COMBOS } = require('./lib/coffer');

let d;
before(async () => { d = await startDaemon(); });
after(async () => { if (d) assert.equal(await d.stop(), 0); });

// 64 KiB of ASCII where every 64-byte line names itself, so a leak of any
// run longer than one line is found by the marker alone.
const MARKER = 'COFFER-PLAINTEXT-MARKER';
function plaintextPattern(size = 64 * 1024) {
  let s = '';
  for (let i = 0; s.length < size; i++) s += `${MARKER}-line-${String(i).padStart(6, '0')}-abcdefghijklmnopqrstu\n`;
  return Buffer.from(s.slice(0, size), 'ascii');
}

function filesContaining(dir, needles) {
  const hits = [];
  for (const f of walkFiles(dir)) {
    let data;
    try {
      data = fs.readFileSync(f);
    } catch (e) {
      if (e.code === 'ENOENT') continue; // a live server's file, gone meanwhile
      throw e;
    }
    for (const n of needles) if (data.indexOf(n) !== -1) hits.push(`${path.relative(dir, f)} contains ${JSON.stringify(String(n).slice(0, 40))}`);
  }
  return hits;
}

function parseMetrics(text) {
  const m = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    m.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return m;
}
async function metrics() {
  const r = await raw(d, { path: '/-/metrics' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4');
  return { text: String(r.body), m: parseMetrics(String(r.body)) };
}

test('no plaintext byte of an object reaches the disk (blobs, meta.db, WAL)', async () => {
  const data = plaintextPattern();
  assert.equal(data.length, 65536);
  const tiny = Buffer.from(`${MARKER}-tiny-object-that-might-be-inlined`);
  const c = ossClient(d, { bucket: 'disk-bkt' });
  await c.putBucket('disk-bkt');
  await c.put('pattern.txt', data, { meta: { note: 'x' } });
  await c.put('tiny.txt', tiny);
  await c.put('pattern-v4.txt', data.subarray(0, 40000), { headers: { 'x-oss-server-side-encryption': 'AES256' } });
  assert.deepEqual((await c.get('pattern.txt')).content, data);
  assert.deepEqual((await c.get('tiny.txt')).content, tiny);

  const files = walkFiles(d.dataDir).map((f) => path.relative(d.dataDir, f));
  if (!d.database) {
    assert.ok(files.includes('meta.db'), files.join());
    assert.ok(files.includes('meta.db-wal'), files.join());
  } else if (process.env.COFFER_TEST_PG_DATA) {
    // The server's own files (tables, WAL) hold no plaintext either.
    d.sql('CHECKPOINT');
    assert.deepEqual(filesContaining(process.env.COFFER_TEST_PG_DATA,
      [data.subarray(0, 4096), Buffer.from(MARKER), tiny]), []);
  }
  // Blobs exist and together hold at least the ciphertext of the objects
  // (on a server, the small objects' ciphertext is in its files).
  const total = walkFiles(d.dataDir).reduce((n, f) => n + fs.statSync(f).size, 0);
  if (!d.database) assert.ok(total > 65536 + 40000, `only ${total} bytes on disk`);
  const needles = [data, data.subarray(0, 4096), data.subarray(30000, 30100), Buffer.from(MARKER), tiny];
  assert.deepEqual(filesContaining(d.dataDir, needles), []);
  // The test itself can find the marker when it is there.
  const probe = path.join(d.dataDir, '..', `probe-${process.pid}`);
  fs.mkdirSync(probe);
  fs.writeFileSync(path.join(probe, 'x'), Buffer.concat([Buffer.from('junk'), data]));
  assert.equal(filesContaining(probe, needles).length, needles.length - 1);
  fs.rmSync(probe, { recursive: true });
});

test('/-/health is JSON with status ok, without authentication', async () => {
  // (On a bucket's virtual host, /-/health is an object key like any other.)
  for (const host of [undefined, 'localhost', `127.0.0.1:${d.port}`]) {
    const r = await raw(d, { path: '/-/health', headers: host ? { host } : {} });
    assert.equal(r.status, 200, host);
    assert.equal(r.headers['content-type'], 'application/json');
    const j = JSON.parse(String(r.body));
    assert.equal(j.status, 'ok');
    assert.equal(j.test_clock, true);
    assert.equal(typeof j.version, 'string');
    assert.ok(Math.abs(Date.parse(j.business_time) - Date.now()) < 60000, j.business_time);
  }
});

test('/-/metrics counts requests by operation and status, and bytes in', {
  skip: inCluster && 'one process: exact counts of one process\'s metrics, while the cluster pass spreads the requests over two',
}, async () => {
  const before0 = (await metrics()).m;
  const c = ossClient(d, { bucket: 'metrics-bkt', v4: true });
  await c.putBucket('metrics-bkt');
  await c.put('a.txt', Buffer.alloc(1000, 'a'));
  await c.put('b.txt', Buffer.alloc(234, 'b'));
  await c.get('a.txt');
  await c.get('b.txt');
  await expectOssError(() => c.get('missing.txt'), { code: 'NoSuchKey', status: 404 });
  await c.head('a.txt');
  await expectOssError(() => c.head('missing.txt'), { code: 'NoSuchKey', status: 404 });
  await c.list({ 'max-keys': 5 });
  await c.delete('b.txt');
  await c.getBucketInfo('metrics-bkt');
  // A request is counted once its response has gone out, which can be a
  // moment after the client saw it: poll until the last one shows.
  let snap = await metrics();
  for (let i = 0; i < 40; i++) {
    const g = 'coffer_requests_total{listener="oss",op="GetBucketInfo",status="200"}';
    if ((snap.m.get(g) || 0) - (before0.get(g) || 0) === 1) break;
    await new Promise((r) => setTimeout(r, 50));
    snap = await metrics();
  }
  const { text, m } = snap;
  assert.match(text, /^# HELP coffer_requests_total /m);
  assert.match(text, /^# TYPE coffer_requests_total counter$/m);
  assert.match(text, /^# TYPE coffer_request_duration_seconds histogram$/m);
  const delta = (k) => (m.get(k) || 0) - (before0.get(k) || 0);
  const want = {
    'coffer_requests_total{listener="oss",op="PutBucket",status="200"}': 1,
    'coffer_requests_total{listener="oss",op="PutObject",status="200"}': 2,
    'coffer_requests_total{listener="oss",op="GetObject",status="200"}': 2,
    'coffer_requests_total{listener="oss",op="GetObject",status="404"}': 1,
    'coffer_requests_total{listener="oss",op="HeadObject",status="200"}': 1,
    'coffer_requests_total{listener="oss",op="HeadObject",status="404"}': 1,
    'coffer_requests_total{listener="oss",op="ListObjects",status="200"}': 1,
    'coffer_requests_total{listener="oss",op="DeleteObject",status="204"}': 1,
    'coffer_requests_total{listener="oss",op="GetBucketInfo",status="200"}': 1,
  };
  for (const [k, v] of Object.entries(want)) assert.equal(delta(k), v, k);
  assert.equal(delta('coffer_bytes_in_total{listener="oss"}'), 1234);
  assert.ok(delta('coffer_bytes_out_total{listener="oss"}') >= 1234, 'bytes out');
  // Every request lands in the histogram once.
  const reqs = [...m.keys()].filter((k) => k.startsWith('coffer_requests_total{listener="oss",'));
  const sum = reqs.reduce((n, k) => n + delta(k), 0);
  const hist = (suffix) => [...m.keys()]
    .filter((k) => k.startsWith('coffer_request_duration_seconds_' + suffix + '{listener="oss",'))
    .filter((k) => suffix !== 'bucket' || k.endsWith(',le="+Inf"}'))
    .reduce((n, k) => n + delta(k), 0);
  assert.equal(hist('count'), sum);
  assert.equal(hist('bucket'), sum);
});

test('TooManyBuckets beyond --max-buckets, per account', async () => {
  const small = await startDaemon({ args: ['--max-buckets', '3'] });
  try {
    for (const { v4, mode, tag } of [COMBOS[0], COMBOS[3]]) {
      const c = ossClient(small, { v4, mode });
      const names = [1, 2, 3].map((i) => `lim-${tag}-${i}`);
      for (const n of names) assert.equal((await c.putBucket(n)).res.status, 200);
      const e = await expectOssError(() => c.putBucket(`lim-${tag}-4`), { code: 'TooManyBuckets', status: 400 });
      assert.equal(e.message, 'You have attempted to create more buckets than allowed.');
      // Re-creating an existing bucket is not a new bucket.
      assert.equal((await c.putBucket(names[0])).res.status, 200);
      assert.deepEqual((await c.listBuckets()).buckets.map((b) => b.name), names);
      await expectOssError(() => c.getBucketInfo(`lim-${tag}-4`), { code: 'NoSuchBucket', status: 404 });
      // Another account has its own allowance.
      const acct = JSON.parse(small.coffer('account', 'create', `lim${tag.replace(/-/g, '')}`, '--json'));
      const other = ossClient(small, { v4, mode, ak: acct.AccessKeyId, sk: acct.AccessKeySecret });
      assert.equal((await other.putBucket(`lim-${tag}-other`)).res.status, 200);
      // Freeing one makes room again.
      assert.equal((await c.deleteBucket(names[2])).res.status, 204);
      assert.equal((await c.putBucket(`lim-${tag}-4`)).res.status, 200);
      for (const n of [names[0], names[1], `lim-${tag}-4`]) await c.deleteBucket(n);
    }
  } finally {
    assert.equal(await small.stop(), 0);
    fs.rmSync(small.dataDir, { recursive: true, force: true });
  }
});

test('moving the business clock does not move the signature clock', async () => {
  d.clockAdvance('8d');
  const r = await raw(d, { path: '/-/health' });
  const j = JSON.parse(String(r.body));
  const ahead = Date.parse(j.business_time) - Date.now();
  assert.ok(Math.abs(ahead - 8 * 86400e3) < 60000, j.business_time);
  for (const { v4, mode } of COMBOS) {
    const c = ossClient(d, { bucket: 'disk-bkt', v4, mode });
    assert.deepEqual((await c.get('tiny.txt')).content.subarray(0, 23), Buffer.from(MARKER));
    // A client whose clock is 8 days ahead is still too skewed.
    const future = ossClient(d, { bucket: 'disk-bkt', v4, mode, amendTimeSkewed: 8 * 86400e3 });
    await expectOssError(() => future.get('tiny.txt'), { code: 'RequestTimeTooSkewed', status: 403, ec: '0002-00000504' });
  }
});

test('after a clean stop no file holds the plaintext either', async () => {
  const dir = d.dataDir;
  assert.equal(await d.stop(), 0);
  d = null;
  const data = plaintextPattern();
  assert.deepEqual(filesContaining(dir, [data.subarray(0, 4096), Buffer.from(MARKER)]), []);
  fs.rmSync(dir, { recursive: true, force: true });
});
