// The cluster pass itself (tests/cluster_sdk.sh): the suite's requests
// really alternate between two nodes, also on one kept-alive connection
// (the SDKs keep theirs), and both nodes serve one data dir and one
// database. Without this, a proxy that pinned a client to one node would
// let the whole pass run on a single node unnoticed.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');
const { startDaemon, ossClient } = require('./lib/coffer');
const { acs3 } = require('./lib/kms');

const skip = process.env.COFFER_TEST_CLUSTER ? false : 'needs COFFER_TEST_CLUSTER (tests/cluster_sdk.sh)';
const NODE = 'x-coffer-test-node';
let d;

before(async () => { if (!skip) d = await startDaemon(); });
after(async () => { if (d) assert.equal(await d.stop(), 0); });

test('two nodes, one data dir, one database, each with a state dir of its own', { skip }, () => {
  assert.equal(d.nodes.length, 2);
  const [x, y] = d.nodes;
  assert.equal(x.dataDir, y.dataDir);
  assert.equal(x.database, y.database);
  assert.notEqual(x.port, y.port);
  assert.ok(![x.port, y.port].includes(d.port), 'the OSS port is the proxy\'s');
});

test('one kept-alive connection: each request goes to the other node', { skip }, async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set();
  const seen = [];
  try {
    for (let i = 0; i < 6; i++) {
      seen.push(await new Promise((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: d.port, path: '/', agent }, (res) => {
          sockets.add(res.socket);
          res.resume();
          res.on('end', () => resolve(res.headers[NODE]));
        });
        req.on('error', reject);
      }));
    }
  } finally { agent.destroy(); }
  assert.equal(sockets.size, 1, 'the client kept one connection');
  for (let i = 1; i < seen.length; i++) assert.notEqual(seen[i], seen[i - 1], `requests ${seen}`);
  assert.deepEqual([...new Set(seen)].sort(), ['1', '2']);
});

test('an object written through one node is read whole through the other', { skip }, async () => {
  const c = ossClient(d, { bucket: 'cluster-bytes' });
  await c.putBucket('cluster-bytes');
  for (const size of [1000, 300 * 1024 + 7]) {
    const body = crypto.randomBytes(size);
    const put = await c.put(`k${size}`, body);
    const got = await c.get(`k${size}`);
    assert.notEqual(got.res.headers[NODE], put.res.headers[NODE]);
    assert.ok(got.content.equals(body), `${size} bytes`);
  }
});

test('KMS: a key made through one node is used through the other', { skip }, async () => {
  const kms = acs3(d);
  const keyId = (await kms('CreateKey', {})).KeyMetadata.KeyId;
  const blob = (await kms('Encrypt', { KeyId: keyId, Plaintext: 'aGVsbG8=' })).CiphertextBlob;
  for (let i = 0; i < 4; i++) {
    assert.equal((await kms('Decrypt', { CiphertextBlob: blob })).Plaintext, 'aGVsbG8=');
  }
});
