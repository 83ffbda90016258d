// Two cofferd nodes on one PostgreSQL database and one data dir, each
// with a state dir of its own (issue 19): every conflict of the seed is
// decided once across them, a key state changed through one is what the
// other answers by its very next request, background work runs on one of
// them, one of them dying loses nothing, and a LiveChannel has one
// publisher across them. Runs in the PostgreSQL pass
// of the suite (tests/pg_sdk.sh).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { startDaemon, inCluster, ossClient, tmpdir } = require('./lib/coffer');
const { KMS, v1Client, acs3, expectKmsError, rawV1, rawHttp } = require('./lib/kms');
const { haveFfmpeg, rtmpUrl, publish, until } = require('./lib/rtmp');

const skip = !process.env.COFFER_TEST_PG ? 'needs COFFER_TEST_PG (tests/pg_sdk.sh)'
  : inCluster && 'one set-up: starts its own nodes and servers, which the cluster pass would double';
const ROUNDS = 20;
let a;
let b;

before(async () => {
  if (skip) return;
  // --test-hooks: StaleFile's race holds a request between its read and
  // its commit (stalefile.test.js).
  a = await startDaemon({ args: ['--test-hooks', '--state-dir', tmpdir('node-a')] });
  // Each node's own credential: here the same root key, as a copy would be.
  b = await startDaemon({ dataDir: a.dataDir, database: a.database,
    args: ['--test-hooks', '--state-dir', tmpdir('node-b'), '--root-key', path.join(a.dataDir, 'root.key')] });
});
after(async () => {
  if (skip) return;
  assert.equal(await b.stop(), 0);
  assert.equal(await a.stop(), 0);
});

const decrypt = (client, blob) => client.decrypt(new KMS.DecryptRequest({ ciphertextBlob: blob }));

test('a key state set through one node is what the other answers next', { skip }, async () => {
  const onA = acs3(a);
  const onB = acs3(b);
  const kmsB = v1Client(b);
  const keyId = (await onA('CreateKey', {})).KeyMetadata.KeyId;
  const blob = (await onA('Encrypt', { KeyId: keyId, Plaintext: 'aGVsbG8=' })).CiphertextBlob;
  for (let i = 0; i < ROUNDS; i++) {
    assert.equal((await decrypt(kmsB, blob)).plaintext, 'aGVsbG8=');
    await onA('DisableKey', { KeyId: keyId });
    await expectKmsError(() => decrypt(kmsB, blob), 'Rejected.Disabled', 409);
    await onB('EnableKey', { KeyId: keyId });
    assert.equal((await onA('Decrypt', { CiphertextBlob: blob })).Plaintext, 'aGVsbG8=');
  }
  await onB('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
  await expectKmsError(() => decrypt(v1Client(a), blob), 'Rejected.PendingDeletion', 409);
});

// One of two racers wins, the other gets the conflict a single node gives.
const status = (p) => p.then((r) => r.res.status, (e) => `${e.status} ${e.code}`);
async function race(one, two) {
  return (await Promise.all([status(one()), status(two())])).sort();
}

test('CreateBucket raced on two nodes: one creates, the other gets BucketAlreadyExists', { skip }, async () => {
  const ca = ossClient(a);
  const cb = ossClient(b);
  for (let i = 0; i < ROUNDS; i++) {
    const name = `race-bucket-${i}`;
    const got = await race(() => ca.putBucket(name, { StorageClass: 'IA' }),
      () => cb.putBucket(name, { StorageClass: 'Archive' }));
    assert.deepEqual(got, [200, '409 BucketAlreadyExists'], `round ${i}`);
  }
});

test('forbid-overwrite PUT raced on two nodes: one stores, the other gets FileAlreadyExists', { skip }, async () => {
  const bucket = 'race-objects';
  await ossClient(a).putBucket(bucket);
  const ca = ossClient(a, { bucket });
  const cb = ossClient(b, { bucket });
  const opts = { headers: { 'x-oss-forbid-overwrite': 'true' } };
  for (let i = 0; i < ROUNDS; i++) {
    const got = await race(() => ca.put(`k${i}`, Buffer.from('from a'), opts),
      () => cb.put(`k${i}`, Buffer.from('from b'), opts));
    assert.deepEqual(got, [200, '409 FileAlreadyExists'], `round ${i}`);
  }
});

test('AppendObject raced at one position on two nodes: one appends, the other gets PositionNotEqualToLength', { skip }, async () => {
  const bucket = 'race-append';
  await ossClient(a).putBucket(bucket);
  const ca = ossClient(a, { bucket });
  const cb = ossClient(b, { bucket });
  let pos = 0;
  let want = Buffer.alloc(0);
  for (let i = 0; i < ROUNDS; i++) {
    const fromA = Buffer.from(`a${i} `);
    const fromB = Buffer.from(`bb${i} `);
    const [ra, rb] = await Promise.all([status(ca.append('log', fromA, { position: pos })),
      status(cb.append('log', fromB, { position: pos }))]);
    assert.deepEqual([ra, rb].sort(), [200, '409 PositionNotEqualToLength'], `round ${i}`);
    want = Buffer.concat([want, ra === 200 ? fromA : fromB]);
    pos = want.length;
  }
  assert.ok((await cb.get('log')).content.equals(want));
  assert.ok((await ca.get('log')).content.equals(want));
});

test('CompleteMultipartUpload raced on two nodes for one forbid-overwrite key: one completes, the other gets FileAlreadyExists', { skip }, async () => {
  const bucket = 'race-complete';
  await ossClient(a).putBucket(bucket);
  const ca = ossClient(a, { bucket });
  const cb = ossClient(b, { bucket });
  const opts = { headers: { 'x-oss-forbid-overwrite': 'true' } };
  for (let i = 0; i < ROUNDS; i++) {
    const key = `mp${i}`;
    const ups = [];
    for (const c of [ca, cb]) {
      const { uploadId } = await c.initMultipartUpload(key);
      const body = Buffer.from(`${c === ca ? 'a' : 'b'} ${i}`);
      const { etag } = await c.uploadPart(key, uploadId, 1, body, 0, body.length);
      ups.push({ c, uploadId, etag, body });
    }
    const got = await Promise.all(ups.map((u) => status(u.c.completeMultipartUpload(key, u.uploadId,
      [{ number: 1, etag: u.etag }], opts))));
    assert.deepEqual([...got].sort(), [200, '409 FileAlreadyExists'], `round ${i}`);
    const won = ups[got.indexOf(200)];
    assert.ok((await (won.c === ca ? cb : ca).get(key)).content.equals(won.body));
    await ups[got.indexOf(200) ^ 1].c.abortMultipartUpload(key, ups[got.indexOf(200) ^ 1].uploadId);
  }
});

test('InitiateBucketWorm raced on two nodes: one policy, the other gets WORMConfigurationAlreadyExists', { skip }, async () => {
  for (let i = 0; i < ROUNDS; i++) {
    const bucket = `race-worm-${i}`;
    await ossClient(a).putBucket(bucket);
    const got = await race(() => ossClient(a, { bucket }).initiateBucketWorm(bucket, 1),
      () => ossClient(b, { bucket }).initiateBucketWorm(bucket, 2));
    assert.deepEqual(got, [200, '409 WORMConfigurationAlreadyExists'], `round ${i}`);
  }
});

test('PutBucketInventory raced on two nodes with one id: one stored, the other gets InventoryConfigurationAlreadyExists', { skip }, async () => {
  const src = 'race-inv-src';
  const dst = 'race-inv-dst';
  const ca = ossClient(a, { bucket: src });
  const cb = ossClient(b, { bucket: src });
  await ca.putBucket(src);
  await ca.putBucket(dst);
  const acct = (await ca.getBucketInfo(src)).bucket.Owner.ID;
  const conf = (id, prefix) => ({
    id, isEnabled: true, prefix,
    OSSBucketDestination: { format: 'CSV', accountId: acct, rolename: 'AliyunOSSRole', bucket: dst, prefix: 'r' },
    frequency: 'Daily', includedObjectVersions: 'Current', optionalFields: { field: ['Size'] },
  });
  for (let i = 0; i < ROUNDS; i++) {
    const got = await race(() => ca.putBucketInventory(src, conf(`inv${i}`, 'from-a/')),
      () => cb.putBucketInventory(src, conf(`inv${i}`, 'from-b/')));
    assert.deepEqual(got, [200, '409 InventoryConfigurationAlreadyExists'], `round ${i}`);
  }
});

// StaleFile as stalefile.test.js triggers it, across nodes: A, held on
// node a between its read and its commit, loses to B on node b.
test('object tagging raced on two nodes: the later read loses with StaleFile, the stored tags are the winner\'s', { skip }, async () => {
  const bucket = 'race-stale';
  await ossClient(a).putBucket(bucket);
  const ca = ossClient(a, { bucket });
  const cb = ossClient(b, { bucket });
  for (let i = 0; i < 3; i++) {
    const key = `t${i}`;
    await ca.put(key, Buffer.from('x'));
    const held = status(ca.putObjectTagging(key, { who: 'a' }, { headers: { 'x-coffer-test-pause-ms': '1500' } }));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await status(cb.putObjectTagging(key, { who: 'b' })), 200);
    assert.equal(await held, '409 StaleFile', `round ${i}`);
    assert.deepEqual((await ca.getObjectTagging(key)).tag, { who: 'b' });
  }
});

// Background work (inventory, lifecycle, access logs, audit retention; the
// KMS's deletions and rotations) runs on one node at a time, and moves to
// the other when that one dies.
test('background work runs on one node, and moves when that node dies', { skip }, async () => {
  const x = await startDaemon();
  const y = await startDaemon({ database: x.database, args: ['--root-key', path.join(x.dataDir, 'root.key')] });
  const JOBS = 'now runs the background jobs';
  const KMSWORK = 'now runs the KMS housekeeping';
  const holders = (what) => [x, y].filter((n) => n.log().includes(what));
  const until = async (ok) => {
    for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  };
  try {
    await until(() => holders(JOBS).length > 0 && holders(KMSWORK).length > 0);
    // A few more ticks: the other node keeps asking and must not get it.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(holders(JOBS).length, 1);
    assert.equal(holders(KMSWORK).length, 1);
    const [dead] = holders(JOBS);
    const other = dead === x ? y : x;
    await dead.stop('SIGKILL');
    await until(() => other.log().includes(JOBS));
    assert.ok(other.log().includes(JOBS), 'the other node took the jobs over');
    await until(() => other.log().includes(KMSWORK));
    assert.ok(other.log().includes(KMSWORK), 'the other node took the KMS housekeeping over');
  } finally {
    await x.stop('SIGKILL');
    await y.stop('SIGKILL');
  }
});

// A KMS request captured on its way to one node and sent to the other is
// a replay there too: the used nonces are the database's.
test('a KMS request replayed to the other node is refused', { skip }, async () => {
  const keyId = (await acs3(a)('CreateKey', {})).KeyMetadata.KeyId;
  for (let i = 0; i < ROUNDS; i++) {
    const cap = await rawV1(a, 'DisableKey', { KeyId: keyId });
    assert.equal(cap.status, 200, cap.text);
    assert.equal((await rawV1(a, 'EnableKey', { KeyId: keyId })).status, 200);
    const again = await rawHttp(b, 'POST', cap.url);
    assert.equal(again.status, 400, again.text);
    assert.equal(again.body.Code, 'SignatureNonceUsed');
    assert.equal((await acs3(b)('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState, 'Enabled');
  }
});

// Two nodes sharing one data dir, each with a state dir of its own: an
// object written through one is read, appended to and completed through
// the other, byte for byte. A third node without a state dir of its own
// cannot join them.
test('two nodes share one data dir: what one writes the other serves', { skip }, async () => {
  const shared = tmpdir('shared');
  const x = await startDaemon({ dataDir: shared, args: ['--state-dir', tmpdir('node-x')] });
  const rootKey = ['--root-key', path.join(shared, 'root.key')];
  // Blobs no row names: one as a node killed before its commit leaves
  // it, an hour and more ago, is collected; one as a node about to
  // commit has it, just renamed in, is kept.
  const stray = (hex) => path.join(shared, 'blobs', hex.slice(0, 2), hex);
  const old = stray(`ab${'0'.repeat(30)}`);
  const young = stray(`ab${'1'.repeat(30)}`);
  fs.writeFileSync(old, 'x');
  fs.writeFileSync(young, 'x');
  const hoursAgo = new Date(Date.now() - 2 * 3600e3);
  fs.utimesSync(old, hoursAgo, hoursAgo);
  const y = await startDaemon({ dataDir: shared, database: x.database,
    args: ['--state-dir', tmpdir('node-y'), ...rootKey] });
  try {
    await ossClient(x).putBucket('shared-dir');
    const onX = ossClient(x, { bucket: 'shared-dir' });
    const onY = ossClient(y, { bucket: 'shared-dir' });
    const body = crypto.randomBytes(300 * 1024 + 7);
    await onX.put('big', body);
    assert.ok((await onY.get('big')).content.equals(body));
    // append: one position on each node, in turn
    let pos = 0;
    for (let i = 0; i < 6; i++) {
      const c = i % 2 ? onY : onX;
      const r = await c.append('log', Buffer.from(`line ${i}\n`), { position: pos });
      pos = Number(r.nextAppendPosition);
    }
    assert.equal((await onX.get('log')).content.toString(), [0, 1, 2, 3, 4, 5].map((i) => `line ${i}\n`).join(''));
    // multipart: initiated on one, parts on both, completed on the other
    const { uploadId } = await onX.initMultipartUpload('mp');
    const p1 = crypto.randomBytes(100 * 1024);
    const p2 = crypto.randomBytes(1000);
    const e1 = await onY.uploadPart('mp', uploadId, 1, p1, 0, p1.length);
    const e2 = await onX.uploadPart('mp', uploadId, 2, p2, 0, p2.length);
    await onY.completeMultipartUpload('mp', uploadId, [{ number: 1, etag: e1.etag }, { number: 2, etag: e2.etag }]);
    assert.ok((await onX.get('mp')).content.equals(Buffer.concat([p1, p2])));
    for (let i = 0; i < 100 && fs.existsSync(old); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(!fs.existsSync(old), 'an old blob no row names is collected');
    assert.ok(fs.existsSync(young), 'a young one is kept');
    // each node's temp files have a directory of their own
    const tmps = fs.readdirSync(path.join(shared, 'tmp'));
    assert.equal(tmps.length, 2, `tmp/ holds ${tmps}`);
    // a node sharing the data dir without its own state dir is refused
    await assert.rejects(startDaemon({ dataDir: shared, database: x.database, args: rootKey }),
      /is in use by another cofferd/);
  } finally {
    assert.equal(await y.stop(), 0);
    assert.equal(await x.stop(), 0);
  }
});

// kill -9 of one of two nodes sharing a data dir, again and again, under
// load on both: the other node serves on without a single failure, the
// killed one's requests fail only while it is down, and every write
// either node acknowledged reads back through both, byte for byte.
test('kill -9 loop of one node under load: the other serves on, nothing acknowledged is lost', { skip }, async () => {
  const shared = tmpdir('kill');
  const stateX = tmpdir('kill-x');
  const x0 = await startDaemon({ dataDir: shared, args: ['--state-dir', stateX] });
  const rootKey = ['--root-key', path.join(shared, 'root.key')];
  const y = await startDaemon({ dataDir: shared, database: x0.database,
    args: ['--state-dir', tmpdir('kill-y'), ...rootKey] });
  const nodes = { x: x0, y };
  await ossClient(y).putBucket('kill-loop');
  const acked = [];
  const yFailures = [];
  let stop = false;
  // One writer per node, each on its own keys.
  const writer = async (name) => {
    for (let i = 0; !stop; i++) {
      const key = `${name}/${i}`;
      const body = crypto.createHash('sha256').update(key).digest();
      try {
        await ossClient(nodes[name], { bucket: 'kill-loop' }).put(key, body);
        acked.push(key);
      } catch (e) {
        if (name === 'y') yFailures.push(`${e.status} ${e.code} ${e.message}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const writers = [writer('x'), writer('y')];
  const ackedBy = (name) => acked.filter((k) => k.startsWith(`${name}/`)).length;
  const until = async (ok) => {
    for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(ok(), 'the load made no progress');
  };
  try {
    for (let round = 0; round < 5; round++) {
      const [ax, ay] = [ackedBy('x'), ackedBy('y')];
      await until(() => ackedBy('x') >= ax + 5);
      await nodes.x.stop('SIGKILL');
      await until(() => ackedBy('y') >= ay + 10);
      nodes.x = await startDaemon({ dataDir: shared, database: x0.database,
        args: ['--state-dir', stateX, ...rootKey] });
    }
  } finally {
    stop = true;
    await Promise.all(writers);
  }
  assert.deepEqual(yFailures, []);
  for (const key of acked) {
    const want = crypto.createHash('sha256').update(key).digest();
    assert.ok((await ossClient(nodes.x, { bucket: 'kill-loop' }).get(key)).content.equals(want), key);
    assert.ok((await ossClient(y, { bucket: 'kill-loop' }).get(key)).content.equals(want), key);
  }
  assert.equal(await y.stop(), 0);
  assert.equal(await nodes.x.stop(), 0);
});

// LiveChannels on two nodes (README: Running several nodes): one publisher
// cluster-wide, a kick through the other node, a node's start releasing
// only its own claims, and the claim of a node killed while its publisher
// streams released by the survivor once the dead node's heartbeats stop.
test('LiveChannels on two nodes: one publisher, kicked through the other, a dead holder released',
  { skip: skip || (!haveFfmpeg && 'ffmpeg/ffprobe not installed') }, async () => {
    const shared = tmpdir('live');
    const rootKey = ['--root-key', path.join(shared, 'root.key')];
    const x = await startDaemon({ dataDir: shared, args: ['--state-dir', tmpdir('live-x')] });
    const y = await startDaemon({ dataDir: shared, database: x.database,
      args: ['--state-dir', tmpdir('live-y'), ...rootKey] });
    const bucket = 'live-nodes';
    const conf = { Status: 'enabled',
      Target: { Type: 'HLS', FragDuration: '2', FragCount: '3', PlaylistName: 'playlist.m3u8' } };
    const cx = ossClient(x, { bucket });
    const cy = ossClient(y, { bucket });
    const signer = ossClient(x, { bucket, mode: 'path' });
    const on = (node, seconds) => publish(rtmpUrl(signer, node.rtmp, 'cam'), seconds);
    const stat = async (client) => (await client.getChannelStatus('cam')).data.Status;
    try {
      await cx.putBucket(bucket);
      await cx.putChannel('cam', conf);
      let pub = on(x, 120);
      await until('Live through y', async () => (await stat(cy)) === 'Live');
      const second = await on(y, 2).done;
      assert.notEqual(second.code, 0);
      assert.match(second.err, /ChannelStillLive/);
      assert.equal(await status(cy.putChannel('cam', conf)), '409 ChannelStillLive');

      // Disabled through y: x's publisher is kicked.
      await cy.putChannelStatus('cam', 'disabled');
      assert.notEqual((await pub.done).code, 0);
      await cy.putChannelStatus('cam', 'enabled');
      await until('Idle after the kick', async () => (await stat(cx)) === 'Idle');

      // A third node's start leaves x's claim alone.
      pub = on(x, 120);
      await until('Live again', async () => (await stat(cy)) === 'Live');
      const z = await startDaemon({ dataDir: shared, database: x.database,
        args: ['--state-dir', tmpdir('live-z'), ...rootKey] });
      assert.equal(await stat(ossClient(z, { bucket })), 'Live');
      assert.equal(await z.stop(), 0);
      assert.equal(await stat(cy), 'Live');

      // x dies with its publisher on: y releases the claim once x has
      // been silent for 20 s (its last heartbeat is up to 5 s old), and
      // the channel takes a publisher on y.
      const t0 = Date.now();
      await x.stop('SIGKILL');
      await pub.done;
      assert.equal(await stat(cy), 'Live');
      await until('Idle after the holder died', async () => (await stat(cy)) === 'Idle', 60000);
      const gap = Date.now() - t0;
      console.log(`claim of a dead node released after ${gap} ms`);
      assert.ok(gap >= 10000, `released ${gap} ms after the kill, before the holder could count as lost`);
      assert.match(y.log(), /released 1 LiveChannel claim\(s\) of a node silent for 20 s/);
      const h = await cy.getChannelHistory('cam');
      assert.ok(h.records[0].EndTime, 'the dead session\'s record is closed');
      pub = on(y, 3);
      await until('Live on y', async () => (await stat(cy)) === 'Live');
      assert.equal((await pub.done).code, 0);
    } finally {
      await x.stop('SIGKILL');
      assert.equal(await y.stop(), 0);
    }
  });

// Node-to-database TLS as an operator sets it up: sslmode=verify-full
// with the server's CA serves; with another CA the node does not start.
test('sslmode=verify-full: the server\'s CA serves, another CA is refused', { skip }, async () => {
  const url = (ca) => {
    const u = new URL(a.database);
    u.searchParams.set('sslmode', 'verify-full');
    u.searchParams.set('sslrootcert', ca);
    return u.toString();
  };
  const n = await startDaemon({ database: url(process.env.COFFER_TEST_PG_CA),
    args: ['--root-key', path.join(a.dataDir, 'root.key')] });
  try {
    const keyId = (await acs3(a)('CreateKey', {})).KeyMetadata.KeyId;
    assert.equal((await acs3(n)('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState, 'Enabled');
  } finally {
    assert.equal(await n.stop(), 0);
  }
  const other = tmpdir('ca');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-subj', '/CN=another CA', '-days', '1', '-keyout', path.join(other, 'ca.key'), '-out', path.join(other, 'ca.crt')],
  { stdio: 'ignore' });
  await assert.rejects(startDaemon({ database: url(path.join(other, 'ca.crt')),
    args: ['--root-key', path.join(a.dataDir, 'root.key')] }), /certificate verify failed/);
});

// A root-key rotation run by one of two nodes: the other, still holding
// the old key, answers 503 to everything and its health check fails (a
// balancer takes it out) rather than fail to open, or take for
// tampering, what the new key sealed; started again with the new key it
// serves what both wrote.
test('root-key rotation by one node: the other answers 503 until it has the new key', { skip }, async () => {
  const shared = tmpdir('rotate');
  const stateX = tmpdir('rotate-x');
  const stateY = tmpdir('rotate-y');
  const rootKey = path.join(shared, 'root.key');
  let x = await startDaemon({ dataDir: shared, args: ['--state-dir', stateX] });
  const yArgs = ['--state-dir', stateY, '--root-key', rootKey];
  let y = await startDaemon({ dataDir: shared, database: x.database, args: yArgs });
  const health = async (n) => (await fetch(`${n.endpoint}/-/health`)).status;
  try {
    await ossClient(x).putBucket('rotate');
    await ossClient(x, { bucket: 'rotate' }).put('before', Buffer.from('sealed under the old key'));
    const keyId = (await acs3(y)('CreateKey', {})).KeyMetadata.KeyId;
    const blob = (await acs3(y)('Encrypt', { KeyId: keyId, Plaintext: 'aGVsbG8=' })).CiphertextBlob;
    const next = path.join(tmpdir('rotate-key'), 'next.key');
    fs.writeFileSync(next, crypto.randomBytes(32), { mode: 0o600 });
    execFileSync(process.env.COFFER, ['--data-dir', shared, '--state-dir', stateX, '--database', x.database,
      '--root-key', rootKey, 'root-key', 'rotate', '--new-key', next], { stdio: 'ignore' });
    // Whichever node ran it is current; the other sees it within a second.
    let stale;
    for (let i = 0; i < 100 && !stale; i++) {
      const hs = [await health(x), await health(y)];
      if (hs.includes(503)) stale = hs[0] === 503 ? x : y;
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(stale, 'no node reported a stale root key');
    const current = stale === x ? y : x;
    assert.equal(await health(current), 200);
    assert.equal(await status(ossClient(stale, { bucket: 'rotate' }).get('before')), '503 ServiceUnavailable');
    assert.equal(await status(ossClient(stale, { bucket: 'rotate' }).put('during', Buffer.from('x'))), '503 ServiceUnavailable');
    await expectKmsError(() => acs3(stale)('Decrypt', { CiphertextBlob: blob }), 'ServiceUnavailableTemporary', 503);
    assert.equal((await ossClient(current, { bucket: 'rotate' }).get('before')).content.toString(), 'sealed under the old key');
    assert.equal((await acs3(current)('Decrypt', { CiphertextBlob: blob })).Plaintext, 'aGVsbG8=');
    // The stale node, given the new key (both read rootKey here), serves.
    assert.equal(await stale.stop(), 0);
    if (stale === x) x = await startDaemon({ dataDir: shared, database: y.database, args: ['--state-dir', stateX, '--root-key', rootKey] });
    else y = await startDaemon({ dataDir: shared, database: x.database, args: yArgs });
    const again = stale === x ? x : y;
    assert.equal(await health(again), 200);
    assert.equal((await ossClient(again, { bucket: 'rotate' }).get('before')).content.toString(), 'sealed under the old key');
    assert.equal((await acs3(again)('Decrypt', { CiphertextBlob: blob })).Plaintext, 'aGVsbG8=');
  } finally {
    assert.equal(await x.stop(), 0);
    assert.equal(await y.stop(), 0);
  }
});
