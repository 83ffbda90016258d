// The caches of hot state (issue 17: access keys, CMK versions) never serve
// a stale state through the real KMS client: a key disabled or scheduled
// for deletion, an access key disabled or deleted, each refused on the very
// next request, round after round, whether the daemon made the change or
// `coffer` wrote it into the same data dir from another process (what
// another node sharing the database would do); a root-key rotation is
// followed at once by requests that still open everything.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { startDaemon, inCluster } = require('./lib/coffer');
const { KMS, v1Client, acs3, expectKmsError } = require('./lib/kms');

let d;
let call;
before(async () => { d = await startDaemon(); call = acs3(d); });
after(async () => { assert.equal(await d.stop(), 0); });

const ROUNDS = 10;

async function keyWithBlob() {
  const keyId = (await call('CreateKey', {})).KeyMetadata.KeyId;
  const blob = (await call('Encrypt', { KeyId: keyId, Plaintext: 'aGVsbG8=' })).CiphertextBlob;
  return { keyId, blob };
}

const decrypt = (client, blob) => client.decrypt(new KMS.DecryptRequest({ ciphertextBlob: blob }));

test('CMK state changes by the daemon and by `coffer key`: the next Decrypt sees them', async () => {
  const kms = v1Client(d);
  const { keyId, blob } = await keyWithBlob();
  for (let i = 0; i < ROUNDS; i++) {
    assert.equal((await decrypt(kms, blob)).plaintext, 'aGVsbG8=');
    await call('DisableKey', { KeyId: keyId });
    await expectKmsError(() => decrypt(kms, blob), 'Rejected.Disabled', 409);
    await call('EnableKey', { KeyId: keyId });
    assert.equal((await decrypt(kms, blob)).keyId, keyId);
    await call('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    await expectKmsError(() => decrypt(kms, blob), 'Rejected.PendingDeletion', 409);
    await call('CancelKeyDeletion', { KeyId: keyId });
    assert.equal((await decrypt(kms, blob)).keyId, keyId);

    d.coffer('key', 'disable', keyId);
    await expectKmsError(() => decrypt(kms, blob), 'Rejected.Disabled', 409);
    d.coffer('key', 'enable', keyId);
    assert.equal((await decrypt(kms, blob)).keyId, keyId);
    d.coffer('key', 'schedule-deletion', keyId, '7');
    await expectKmsError(() => decrypt(kms, blob), 'Rejected.PendingDeletion', 409);
    d.coffer('key', 'cancel-deletion', keyId);
  }
  assert.equal((await decrypt(kms, blob)).plaintext, 'aGVsbG8=');
});

test('access keys disabled, enabled and deleted by `coffer account key`: the next request sees it', async () => {
  const a = JSON.parse(d.coffer('account', 'create', 'cache', '--json'));
  const kms = v1Client(d, { ak: a.AccessKeyId, sk: a.AccessKeySecret });
  const list = () => kms.listKeys(new KMS.ListKeysRequest({}));
  for (let i = 0; i < ROUNDS; i++) {
    await list();
    d.coffer('account', 'key', 'disable', 'cache', a.AccessKeyId);
    await expectKmsError(list, 'Forbidden.AccessKey', 403);
    d.coffer('account', 'key', 'enable', 'cache', a.AccessKeyId);
    await list();
  }
  const b = JSON.parse(d.coffer('account', 'key', 'create', 'cache', '--json'));
  await list();
  d.coffer('account', 'key', 'delete', 'cache', a.AccessKeyId);
  await expectKmsError(list, 'InvalidAccessKeyId.NotFound', 404);
  await v1Client(d, { ak: b.AccessKeyId, sk: b.AccessKeySecret })
    .listKeys(new KMS.ListKeysRequest({}));
});

test('root-key rotation: the very next requests open everything, state changes still seen', {
  skip: inCluster && 'one node: the node that did not rotate answers 503 until restarted with the new key (README: Running several nodes)',
}, async () => {
  const kms = v1Client(d);
  const { keyId, blob } = await keyWithBlob();
  for (let i = 0; i < 2; i++) {
    assert.equal((await decrypt(kms, blob)).plaintext, 'aGVsbG8=');
    const file = path.join(d.dataDir, `next-root-${i}.key`);
    fs.writeFileSync(file, crypto.randomBytes(32), { mode: 0o600 });
    d.coffer('root-key', 'rotate', '--new-key', file);
    assert.equal((await decrypt(kms, blob)).plaintext, 'aGVsbG8=');
    await call('DisableKey', { KeyId: keyId });
    await expectKmsError(() => decrypt(kms, blob), 'Rejected.Disabled', 409);
    await call('EnableKey', { KeyId: keyId });
  }
});
