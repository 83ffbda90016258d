// Ciphertext binding through the real clients (README "Ciphertext
// binding"): a blob opens only under the key version that made it, even
// when another key (of the same account or of another one) holds the same
// imported material and the blob's 36-byte KeyVersionId prefix is swapped
// to name it; and an EncryptionContext is compared as pairs, not as a
// flattened "k=v&k=v" text. Each refusal comes with its positive control.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { startDaemon } = require('./lib/coffer');
const { KMS, v1Client, acs3, expectKmsError, wrapMaterial } = require('./lib/kms');

let d;
let kms;
let bob;
let bobKms;
before(async () => {
  d = await startDaemon();
  kms = v1Client(d);
  const acct = JSON.parse(d.coffer('account', 'create', 'bob', '--json'));
  bob = { ak: acct.AccessKeyId, sk: acct.AccessKeySecret };
  bobKms = v1Client(d, bob);
});
after(async () => { assert.equal(await d.stop(), 0); });

// An EXTERNAL key of the client's account holding material; returns its id
// and (only) version.
async function byokKey(client, material) {
  const keyId = (await client.createKey(new KMS.CreateKeyRequest({ origin: 'EXTERNAL' }))).keyMetadata.keyId;
  const p = await client.getParametersForImport(new KMS.GetParametersForImportRequest({ keyId,
    wrappingAlgorithm: 'RSAES_OAEP_SHA_256', wrappingKeySpec: 'RSA_2048' }));
  await client.importKeyMaterial(new KMS.ImportKeyMaterialRequest({ keyId, importToken: p.importToken,
    encryptedKeyMaterial: wrapMaterial(p.publicKey, 'RSAES_OAEP_SHA_256', material) }));
  const m = (await client.describeKey(new KMS.DescribeKeyRequest({ keyId }))).keyMetadata;
  assert.equal(m.keyState, 'Enabled');
  return { keyId, version: m.primaryKeyVersion };
}

// The blob with its KeyVersionId prefix (spec kms-api.md §3.1) replaced.
function relabel(blob, version) {
  const raw = Buffer.from(blob, 'base64');
  assert.match(raw.subarray(0, 36).toString('latin1'), /^[0-9a-f-]{36}$/);
  Buffer.from(version, 'latin1').copy(raw, 0);
  return raw.toString('base64');
}

const decrypt = (client, blob, ctx) => client.decrypt(new KMS.DecryptRequest({ ciphertextBlob: blob,
  ...(ctx ? { encryptionContext: ctx } : {}) }));

test('one account: a blob relabelled to another key with the same material is refused', async () => {
  const material = crypto.randomBytes(32);
  const a = await byokKey(kms, material);
  const b = await byokKey(kms, material);
  const ctx = { app: 'billing' };
  for (const c of [ctx, undefined]) {
    const e = await kms.encrypt(new KMS.EncryptRequest({ keyId: a.keyId, plaintext: 'only for a',
      ...(c ? { encryptionContext: c } : {}) }));
    assert.equal(e.keyVersionId, a.version);
    assert.equal((await decrypt(kms, e.ciphertextBlob, c)).plaintext, 'only for a');
    const swapped = relabel(e.ciphertextBlob, b.version);
    // the error the service gives for a blob that does not authenticate
    await expectKmsError(() => decrypt(kms, swapped, c), 'InvalidParameter', 400);
  }
  // b opens what b made: the material itself is fine
  const eb = await kms.encrypt(new KMS.EncryptRequest({ keyId: b.keyId, plaintext: 'for b', encryptionContext: ctx }));
  assert.equal((await decrypt(kms, eb.ciphertextBlob, ctx)).plaintext, 'for b');
  // disabling a must stop a's blob, relabelled or not
  const e = await kms.encrypt(new KMS.EncryptRequest({ keyId: a.keyId, plaintext: 'secret', encryptionContext: ctx }));
  await kms.disableKey(new KMS.DisableKeyRequest({ keyId: a.keyId }));
  await expectKmsError(() => decrypt(kms, e.ciphertextBlob, ctx), 'Rejected.Disabled', 409);
  const swapped = relabel(e.ciphertextBlob, b.version);
  await expectKmsError(() => decrypt(kms, swapped, ctx), 'InvalidParameter', 400);
  // ReEncrypt (ACS3: the 1.2.0 client lacks it) refuses the relabelled blob too
  const call = acs3(d);
  await expectKmsError(() => call('ReEncrypt', { CiphertextBlob: swapped, DestinationKeyId: b.keyId,
    SourceEncryptionContext: JSON.stringify(ctx) }), 'InvalidParameter', 400);
  await kms.enableKey(new KMS.EnableKeyRequest({ keyId: a.keyId }));
  const re = await call('ReEncrypt', { CiphertextBlob: e.ciphertextBlob, DestinationKeyId: b.keyId,
    SourceEncryptionContext: JSON.stringify(ctx) });
  assert.equal(re.SourceKeyId, a.keyId);
  assert.equal((await decrypt(kms, re.CiphertextBlob)).plaintext, 'secret');
  await expectKmsError(() => decrypt(kms, relabel(re.CiphertextBlob, a.version)), 'InvalidParameter', 400);
  // GenerateDataKeyWithoutPlaintext blobs are bound the same way
  const g = await kms.generateDataKeyWithoutPlaintext(new KMS.GenerateDataKeyWithoutPlaintextRequest({
    keyId: a.keyId, encryptionContext: ctx }));
  await expectKmsError(() => decrypt(kms, relabel(g.ciphertextBlob, b.version), ctx), 'InvalidParameter', 400);
  assert.equal(Buffer.from((await decrypt(kms, g.ciphertextBlob, ctx)).plaintext, 'base64').length, 32);
});

test('two accounts: a blob relabelled to the other account\'s key with the same material is refused', async () => {
  const material = crypto.randomBytes(32);
  const mine = await byokKey(kms, material);
  const theirs = await byokKey(bobKms, material);
  const e = await kms.encrypt(new KMS.EncryptRequest({ keyId: mine.keyId, plaintext: 'root data' }));
  const swapped = relabel(e.ciphertextBlob, theirs.version);
  await expectKmsError(() => decrypt(bobKms, swapped), 'InvalidParameter', 400);
  // after the owner disables the key, still nothing for the other account
  await kms.disableKey(new KMS.DisableKeyRequest({ keyId: mine.keyId }));
  await expectKmsError(() => decrypt(bobKms, swapped), 'InvalidParameter', 400);
  // the blob is not the other account's to open as it is, either
  await expectKmsError(() => decrypt(bobKms, e.ciphertextBlob), 'Forbidden.KeyNotFound', 404);
  // positive controls: each account opens its own blobs
  const eb = await bobKms.encrypt(new KMS.EncryptRequest({ keyId: theirs.keyId, plaintext: 'bob data' }));
  assert.equal((await decrypt(bobKms, eb.ciphertextBlob)).plaintext, 'bob data');
  await kms.enableKey(new KMS.EnableKeyRequest({ keyId: mine.keyId }));
  assert.equal((await decrypt(kms, e.ciphertextBlob)).plaintext, 'root data');
});

test('EncryptionContext: pairs, not flattened text; order does not matter', async () => {
  const keyId = (await kms.createKey(new KMS.CreateKeyRequest({}))).keyMetadata.keyId;
  const enc = async (ctx) => (await kms.encrypt(new KMS.EncryptRequest({ keyId, plaintext: 'p',
    encryptionContext: ctx }))).ciphertextBlob;
  const pairs = [
    [{ tenant: 't1', role: 'user' }, { role: 'user&tenant=t1' }],
    [{ 'k=x': 'y' }, { k: 'x=y' }],
  ];
  for (const [one, other] of pairs) {
    for (const [made, tried] of [[one, other], [other, one]]) {
      const blob = await enc(made);
      await expectKmsError(() => decrypt(kms, blob, tried), 'InvalidParameter', 400);
      assert.equal((await decrypt(kms, blob, made)).plaintext, 'p');
    }
  }
  // the same pairs in another order, in both parameter forms
  const blob = await enc({ tenant: 't1', role: 'user' });
  assert.equal((await decrypt(kms, blob, { role: 'user', tenant: 't1' })).plaintext, 'p');
  assert.equal((await kms.decrypt({ CiphertextBlob: blob,
    EncryptionContext: JSON.stringify({ role: 'user', tenant: 't1' }) })).plaintext, 'p');
});

test('coffer key refuse-legacy: nothing to refuse on keys made since format v2', async () => {
  const keyId = (await kms.createKey(new KMS.CreateKeyRequest({}))).keyMetadata.keyId;
  const e = await kms.encrypt(new KMS.EncryptRequest({ keyId, plaintext: 'kept' }));
  assert.match(d.coffer('key', 'refuse-legacy', keyId), /: 0 version\(s\) no longer open/);
  assert.equal((await decrypt(kms, e.ciphertextBlob)).plaintext, 'kept');
});
