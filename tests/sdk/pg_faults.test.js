// A node whose PostgreSQL restarts, crashes or fails over to its standby
// (issue 19): while no server takes writes every request fails with 503
// ServiceUnavailable and never with another answer, the node reconnects
// by itself once one does, and every write it acknowledged is still
// there. The servers are this file's own (tests/cluster/pg.bash): a
// primary and a synchronous streaming standby, the node's URL naming both
// (target_session_attrs=read-write), as a cluster that fails over is
// configured; stopping them disturbs no other test. Runs in the
// PostgreSQL pass of the suite (tests/pg_sdk.sh).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFile, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startDaemon, inCluster, ossClient } = require('./lib/coffer');
const { acs3 } = require('./lib/kms');

const skip = !process.env.COFFER_TEST_PG ? 'needs COFFER_TEST_PG (tests/pg_sdk.sh)'
  : inCluster && 'one set-up: starts its own nodes and servers, which the cluster pass would double';
const pgBash = path.join(__dirname, '..', 'cluster', 'pg.bash');
const pg = (...a) => execFileSync('bash', [pgBash, ...a], { encoding: 'utf8' }).trim();
// The same without blocking: the load goes on while the servers change.
const pgAsync = (...a) => new Promise((resolve, reject) => {
  execFile('bash', [pgBash, ...a], { encoding: 'utf8' }, (e, out) => (e ? reject(e) : resolve(out.trim())));
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let dir;
let d;

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'pg-faults-'));
  fs.chmodSync(dir, 0o711);	// the server runs as another user under root
  pg('start', path.join(dir, 'pg'));
  const url = pg('standby', path.join(dir, 'pg'), path.join(dir, 'standby'));
  d = await startDaemon({ database: url });
});
after(async () => {
  if (skip) return;
  assert.equal(await d.stop(), 0);
  pg('stop', path.join(dir, 'pg'));
  pg('stop', path.join(dir, 'standby'));
  fs.rmSync(dir, { recursive: true, force: true });
});

// Writes and reads without pause until stopped; each outcome is kept.
function load(bucket, keyId) {
  const c = ossClient(d, { bucket });
  const kms = acs3(d);
  const st = { stop: false, acked: [], failures: [], ok: 0 };
  st.done = (async () => {
    for (let i = 0; !st.stop; i++) {
      const key = `k${i}`;
      try {
        await c.put(key, Buffer.from(`value ${i}`));
      } catch (e) {
        st.failures.push(`OSS ${e.status} ${e.code}`);
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      st.acked.push(key);
      // The server may go away between the two: the KMS says so in its
      // own words (openapi-client puts the status in data.statusCode).
      try {
        await kms('Encrypt', { KeyId: keyId, Plaintext: 'aGVsbG8=' });
        st.ok++;
      } catch (e) {
        st.failures.push(`KMS ${e.data && e.data.statusCode} ${e.code}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  })();
  return st;
}

// Until a write goes through again; the node was not restarted.
async function untilServing(bucket) {
  const c = ossClient(d, { bucket });
  for (let i = 0; i < 600; i++) {
    try {
      await c.put('probe', Buffer.from('p'));
      return;
    } catch (e) {
      assert.equal(`${e.status} ${e.code}`, '503 ServiceUnavailable');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  assert.fail('the node did not serve again within a minute');
}

const UNAVAILABLE = ['OSS 503 ServiceUnavailable', 'KMS 503 ServiceUnavailableTemporary'];

// Until the load has done n more rounds; a failure that is not a 503 ends
// the wait (and the test, below).
async function rounds(st, n) {
  const want = st.ok + n;
  while (st.ok < want && st.failures.every((f) => UNAVAILABLE.includes(f))) {
    await new Promise((r) => setTimeout(r, 10));
  }
}

// act: a promise; the load runs meanwhile. down: the servers were away
// long enough (a second) that requests must have been answered 503.
async function fault(bucket, act, down) {
  await ossClient(d).putBucket(bucket);
  const keyId = (await acs3(d)('CreateKey', {})).KeyMetadata.KeyId;
  const st = load(bucket, keyId);
  try {
    await rounds(st, 5);
    await act();
    await untilServing(bucket);
    await rounds(st, 5);
  } finally {
    // A failed step must not leave the load running (and the file alive).
    st.stop = true;
    await st.done;
  }
  console.log(`${bucket}: ${st.acked.length} writes acknowledged, ${st.failures.length} requests answered 503`);
  // Only "the service is unavailable", whatever was in flight.
  const wrong = st.failures.filter((f) => !UNAVAILABLE.includes(f));
  assert.deepEqual(wrong, [], `failures other than 503: ${wrong.join(', ')}`);
  if (down) assert.ok(st.failures.length > 0, 'no request met the outage');
  // Every acknowledged write is there, byte for byte.
  const c = ossClient(d, { bucket });
  for (const key of st.acked) {
    assert.equal((await c.get(key)).content.toString(), `value ${key.slice(1)}`);
  }
  return st;
}

test('PostgreSQL restarts under load: 503 meanwhile, then the node serves again and lost nothing', { skip }, async () => {
  await fault('pg-restart', () => pgAsync('restart', path.join(dir, 'pg')));
});

test('PostgreSQL is killed (kill -9) and started: the same', { skip }, async () => {
  await fault('pg-kill', async () => {
    await pgAsync('kill', path.join(dir, 'pg'));
    await sleep(1000);
    await pgAsync('start', path.join(dir, 'pg'));
  }, true);
});

// Every kind of request, with the server stopped: reads, writes, the KMS
// (whose answers come from a cache when nothing changed) all say 503, none
// a 500 or a 404. Twice each: the first one sees the connection go, the
// second finds no connection to be had.
test('with the server down, every kind of request answers 503', { skip }, async () => {
  const o = ossClient(d);
  await o.putBucket('pg-down');
  const c = ossClient(d, { bucket: 'pg-down' });
  await c.put('x', Buffer.from('hi'));
  const kms = acs3(d);
  const keyId = (await kms('CreateKey', {})).KeyMetadata.KeyId;
  const blob = (await kms('Encrypt', { KeyId: keyId, Plaintext: 'aGVsbG8=' })).CiphertextBlob;
  const ops = {
    Encrypt: () => kms('Encrypt', { KeyId: keyId, Plaintext: 'aGVsbG8=' }),
    Decrypt: () => kms('Decrypt', { CiphertextBlob: blob }),
    GenerateDataKey: () => kms('GenerateDataKey', { KeyId: keyId }),
    DescribeKey: () => kms('DescribeKey', { KeyId: keyId }),
    ListKeys: () => kms('ListKeys', {}),
    DisableKey: () => kms('DisableKey', { KeyId: keyId }),
    GetObject: () => c.get('x'),
    HeadObject: () => c.head('x'),
    ListObjects: () => c.list(),
    ListBuckets: () => o.listBuckets(),
    PutObject: () => c.put('y', Buffer.from('z')),
    CopyObject: () => c.copy('z', 'x'),
    AppendObject: () => c.append('ap', Buffer.from('a')),
    InitiateMultipartUpload: () => c.initMultipartUpload('mp'),
    DeleteObject: () => c.delete('x'),
    PutBucket: () => o.putBucket('pg-down-2'),
    GetBucketAcl: () => c.getBucketACL('pg-down'),
    GetBucketWorm: () => c.getBucketWorm('pg-down'),
  };
  const got = [];
  pg('stop', path.join(dir, 'pg'));
  try {
    for (const [name, op] of Object.entries(ops)) {
      for (let i = 0; i < 2; i++) {
        try {
          await op();
          got.push(`${name} 200`);
        } catch (e) {
          const kmsErr = e.data && e.data.statusCode !== undefined;
          const line = `${name} ${kmsErr ? `${e.data.statusCode} ${e.code}` : `${e.status} ${e.code}`}`;
          if (!/ 503 ServiceUnavailable(Temporary)?$/.test(line)) got.push(line);
        }
      }
    }
  } finally {
    pg('start', path.join(dir, 'pg'));
  }
  assert.deepEqual(got, []);
  await untilServing('pg-down');
  assert.equal((await c.get('x')).content.toString(), 'hi');
});

// Last: after it the standby is the only server. The primary crashes;
// the standby is promoted (by hand here, by the operator's failover tool
// in production). Nothing acknowledged is lost, since every commit waited
// for the standby, and what the node decided before, a key's state and
// the data keys it sealed, holds on the new primary.
test('the primary crashes and the standby is promoted: 503 meanwhile, then the node serves on it and lost nothing', { skip }, async () => {
  const kms = acs3(d);
  const off = (await kms('CreateKey', {})).KeyMetadata.KeyId;
  const on = (await kms('CreateKey', {})).KeyMetadata.KeyId;
  const blob = (await kms('Encrypt', { KeyId: on, Plaintext: 'aGVsbG8=' })).CiphertextBlob;
  await kms('DisableKey', { KeyId: off });
  await fault('pg-failover', async () => {
    await pgAsync('kill', path.join(dir, 'pg'));
    await sleep(1000);
    await pgAsync('promote', path.join(dir, 'standby'));
  }, true);
  assert.equal((await kms('DescribeKey', { KeyId: off })).KeyMetadata.KeyState, 'Disabled');
  assert.equal((await kms('Decrypt', { CiphertextBlob: blob })).Plaintext, 'aGVsbG8=');
  assert.match(d.log(), /db: postgresql: connected again/);
  // The leases went with the old server's sessions: both are held on the
  // new one (session advisory locks of the lease space, db_pg.c).
  const held = () => d.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
    + ' AND objsubid = 2 AND classid = 1668247154 AND granted');
  for (let i = 0; i < 100 && held() !== '2'; i++) await sleep(100);
  assert.equal(held(), '2');
});
