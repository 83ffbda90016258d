// A node whose PostgreSQL restarts or crashes (issue 19): while the server
// is away every request fails with 503 ServiceUnavailable and never with
// another answer, the node reconnects by itself once the server is back,
// and every write it acknowledged is still there. The server is this
// file's own (tests/cluster/pg.bash), so stopping it disturbs no other
// test. Runs in the PostgreSQL pass of the suite (tests/pg_sdk.sh).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startDaemon, inCluster, ossClient } = require('./lib/coffer');
const { acs3 } = require('./lib/kms');

const skip = !process.env.COFFER_TEST_PG ? 'needs COFFER_TEST_PG (tests/pg_sdk.sh)'
  : inCluster && 'one set-up: starts its own nodes and servers, which the cluster pass would double';
const pgBash = path.join(__dirname, '..', 'cluster', 'pg.bash');
const pg = (...a) => execFileSync('bash', [pgBash, ...a], { encoding: 'utf8' }).trim();
let dir;
let d;

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'pg-faults-'));
  fs.chmodSync(dir, 0o711);	// the server runs as another user under root
  const url = pg('start', path.join(dir, 'pg'));
  d = await startDaemon({ database: url });
});
after(async () => {
  if (skip) return;
  assert.equal(await d.stop(), 0);
  pg('stop', path.join(dir, 'pg'));
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

async function fault(bucket, act) {
  await ossClient(d).putBucket(bucket);
  const keyId = (await acs3(d)('CreateKey', {})).KeyMetadata.KeyId;
  const st = load(bucket, keyId);
  try {
    await rounds(st, 5);
    act();
    await untilServing(bucket);
    await rounds(st, 5);
  } finally {
    // A failed step must not leave the load running (and the file alive).
    st.stop = true;
    await st.done;
  }
  // Only "the service is unavailable", whatever was in flight.
  const wrong = st.failures.filter((f) => !UNAVAILABLE.includes(f));
  assert.deepEqual(wrong, [], `failures other than 503: ${wrong.join(', ')}`);
  // Every acknowledged write is there, byte for byte.
  const c = ossClient(d, { bucket });
  for (const key of st.acked) {
    assert.equal((await c.get(key)).content.toString(), `value ${key.slice(1)}`);
  }
  return st;
}

test('PostgreSQL restarts under load: 503 meanwhile, then the node serves again and lost nothing', { skip }, async () => {
  await fault('pg-restart', () => pg('restart', path.join(dir, 'pg')));
});

test('PostgreSQL is killed (kill -9) and started: the same', { skip }, async () => {
  await fault('pg-kill', () => {
    pg('kill', path.join(dir, 'pg'));
    pg('start', path.join(dir, 'pg'));
  });
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
