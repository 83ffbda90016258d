// The CMK state table of spec kms-api.md §1.3 through the real clients:
// every 409 cell (Rejected.Disabled / PendingDeletion / PendingImport /
// StateModifiedFailed), then the time-driven states with the test clock
// (`coffer clock advance`): a key scheduled for 7 days is gone after 8,
// with its ciphertexts; imported material that expires returns the key to
// PendingImport. Also `coffer key` and `coffer audit` on the same data dir.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { startDaemon } = require('./lib/coffer');
const { KMS, v1Client, acs3, expectKmsError, wrapMaterial } = require('./lib/kms');

let d;
let kms;
let call;
before(async () => { d = await startDaemon(); kms = v1Client(d); call = acs3(d); });
after(async () => { assert.equal(await d.stop(), 0); });

const newKey = async (p = {}) => (await call('CreateKey', p)).KeyMetadata.KeyId;
const state = async (keyId) => (await call('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState;

// An EXTERNAL key with material imported (and the means to import again).
async function externalKey() {
  const keyId = await newKey({ Origin: 'EXTERNAL' });
  const p = await call('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
    WrappingKeySpec: 'RSA_2048' });
  const material = crypto.randomBytes(32);
  const wrapped = wrapMaterial(p.PublicKey, 'RSAES_OAEP_SHA_256', material);
  await call('ImportKeyMaterial', { KeyId: keyId, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped });
  return { keyId, token: p.ImportToken, wrapped, publicKey: p.PublicKey, material };
}

test('every 409 of the state table', async () => {
  // one key per state, each with a blob made while it was Enabled
  const mk = async (to) => {
    let keyId;
    let ext;
    if (to === 'PendingImport') {
      ext = await externalKey();
      keyId = ext.keyId;
    } else keyId = await newKey();
    const blob = (await call('Encrypt', { KeyId: keyId, Plaintext: 'x' })).CiphertextBlob;
    if (to === 'Disabled') await call('DisableKey', { KeyId: keyId });
    if (to === 'PendingDeletion') await call('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    if (to === 'PendingImport') await call('DeleteKeyMaterial', { KeyId: keyId });
    assert.equal(await state(keyId), to);
    return { keyId, blob, ext };
  };
  const E = await mk('Enabled');
  const D = await mk('Disabled');
  const PD = await mk('PendingDeletion');
  const PI = await mk('PendingImport');
  const keys = { Disabled: D, PendingDeletion: PD, PendingImport: PI };
  const code = { Disabled: 'Rejected.Disabled', PendingDeletion: 'Rejected.PendingDeletion',
    PendingImport: 'Rejected.PendingImport' };
  const SMF = 'Rejected.StateModifiedFailed';
  const cells = [];
  // crypto rows: every client, every non-Enabled state
  for (const s of Object.keys(keys)) {
    const k = keys[s];
    cells.push([`Encrypt ${s}`, () => kms.encrypt(new KMS.EncryptRequest({ keyId: k.keyId, plaintext: 'x' })), code[s]]);
    cells.push([`Decrypt ${s}`, () => kms.decrypt(new KMS.DecryptRequest({ ciphertextBlob: k.blob })), code[s]]);
    cells.push([`GenerateDataKey ${s}`, () => kms.generateDataKey(new KMS.GenerateDataKeyRequest({ keyId: k.keyId })),
      code[s]]);
    cells.push([`GenerateDataKeyWithoutPlaintext ${s}`, () => call('GenerateDataKeyWithoutPlaintext',
      { KeyId: k.keyId }), code[s]]);
    cells.push([`ReEncrypt from ${s}`, () => call('ReEncrypt', { CiphertextBlob: k.blob, DestinationKeyId: E.keyId }),
      code[s]]);
    cells.push([`ReEncrypt to ${s}`, () => call('ReEncrypt', { CiphertextBlob: E.blob, DestinationKeyId: k.keyId }),
      code[s]]);
    cells.push([`CreateKeyVersion ${s}`, () => kms.createKeyVersion(new KMS.CreateKeyVersionRequest({ keyId: k.keyId })),
      code[s]]);
    cells.push([`UpdateRotationPolicy ${s}`, () => kms.updateRotationPolicy(new KMS.UpdateRotationPolicyRequest({
      keyId: k.keyId, enableAutomaticRotation: true })), code[s]]);
  }
  // state changes
  for (const s of ['PendingDeletion', 'PendingImport']) {
    cells.push([`EnableKey ${s}`, () => kms.enableKey(new KMS.EnableKeyRequest({ keyId: keys[s].keyId })), SMF]);
    cells.push([`DisableKey ${s}`, () => kms.disableKey(new KMS.DisableKeyRequest({ keyId: keys[s].keyId })), SMF]);
  }
  cells.push(['ScheduleKeyDeletion PendingDeletion', () => kms.scheduleKeyDeletion(new KMS.ScheduleKeyDeletionRequest({
    keyId: PD.keyId, pendingWindowInDays: 7 })), SMF]);
  for (const k of [E, D, PI]) {
    cells.push([`CancelKeyDeletion ${k === E ? 'Enabled' : k === D ? 'Disabled' : 'PendingImport'}`,
      () => kms.cancelKeyDeletion(new KMS.CancelKeyDeletionRequest({ keyId: k.keyId })), SMF]);
  }
  cells.push(['CreateAlias PendingDeletion', () => kms.createAlias(new KMS.CreateAliasRequest({
    aliasName: 'alias/pd-alias', keyId: PD.keyId })), SMF]);
  // metadata updates while deletion is pending
  cells.push(['UpdateKeyDescription PendingDeletion', () => kms.updateKeyDescription(new KMS.UpdateKeyDescriptionRequest({
    keyId: PD.keyId, description: 'no' })), 'Rejected.PendingDeletion']);
  cells.push(['TagResource PendingDeletion', () => kms.tagResource(new KMS.TagResourceRequest({ keyId: PD.keyId,
    tags: JSON.stringify([{ TagKey: 'a', TagValue: 'b' }]) })), 'Rejected.PendingDeletion']);
  cells.push(['UntagResource PendingDeletion', () => kms.untagResource(new KMS.UntagResourceRequest({ keyId: PD.keyId,
    tagKeys: JSON.stringify(['a']) })), 'Rejected.PendingDeletion']);
  cells.push(['SetDeletionProtection PendingDeletion', () => call('SetDeletionProtection', { ProtectedResourceArn:
    PD.keyId, EnableDeletionProtection: 'true' }), 'Rejected.PendingDeletion']);
  await kms.createAlias(new KMS.CreateAliasRequest({ aliasName: 'alias/moving', keyId: E.keyId }));
  cells.push(['UpdateAlias to a PendingDeletion key', () => kms.updateAlias(new KMS.UpdateAliasRequest({
    aliasName: 'alias/moving', keyId: PD.keyId })), 'Rejected.PendingDeletion']);
  // ImportKeyMaterial while deletion is pending
  const X = await externalKey();
  await call('ScheduleKeyDeletion', { KeyId: X.keyId, PendingWindowInDays: 7 });
  cells.push(['ImportKeyMaterial PendingDeletion', () => kms.importKeyMaterial(new KMS.ImportKeyMaterialRequest({
    keyId: X.keyId, encryptedKeyMaterial: X.wrapped, importToken: X.token })), SMF]);

  for (const [what, fn, c] of cells) {
    const e = await expectKmsError(fn, c, 409).catch((x) => { throw new Error(`${what}: ${x.message}`); });
    assert.equal(e.data.HttpStatus, 409, what);
  }
  assert.equal(cells.length, 39);
  // and the "ok" cells around them: reads in every state
  for (const k of [D, PD, PI]) {
    await call('DescribeKey', { KeyId: k.keyId });
    await call('ListKeyVersions', { KeyId: k.keyId });
    await call('ListResourceTags', { KeyId: k.keyId });
    await call('ListAliasesByKeyId', { KeyId: k.keyId });
  }
  // ScheduleKeyDeletion works from Disabled and PendingImport; DeleteKeyMaterial keeps PendingDeletion
  await call('ScheduleKeyDeletion', { KeyId: D.keyId, PendingWindowInDays: 7 });
  await call('ScheduleKeyDeletion', { KeyId: PI.keyId, PendingWindowInDays: 7 });
  await call('DeleteKeyMaterial', { KeyId: X.keyId });
  assert.equal(await state(X.keyId), 'PendingDeletion');
  // CancelKeyDeletion: to Enabled; an EXTERNAL key without material to PendingImport
  await call('CancelKeyDeletion', { KeyId: D.keyId });
  assert.equal(await state(D.keyId), 'Enabled');
  await call('CancelKeyDeletion', { KeyId: PI.keyId });
  assert.equal(await state(PI.keyId), 'PendingImport');
  // re-import brings PendingImport back to Enabled, and the old blob opens
  const p = await call('GetParametersForImport', { KeyId: PI.keyId, WrappingAlgorithm: 'RSAES_PKCS1_V1_5',
    WrappingKeySpec: 'RSA_2048' });
  await call('ImportKeyMaterial', { KeyId: PI.keyId, ImportToken: p.ImportToken,
    EncryptedKeyMaterial: wrapMaterial(p.PublicKey, 'RSAES_PKCS1_V1_5', PI.ext.material) });
  assert.equal(await state(PI.keyId), 'Enabled');
  assert.equal((await call('Decrypt', { CiphertextBlob: PI.blob })).Plaintext, 'x');
});

test('time: deletion after the window, material expiry, token expiry (test clock)', async () => {
  const gone = await newKey({ Description: 'to be destroyed' });
  await call('CreateAlias', { AliasName: 'alias/gone', KeyId: gone });
  const blob = (await call('Encrypt', { KeyId: gone, Plaintext: 'lost forever' })).CiphertextBlob;
  await call('ScheduleKeyDeletion', { KeyId: gone, PendingWindowInDays: 7 });
  const keep = await newKey();
  const keepBlob = (await call('Encrypt', { KeyId: keep, Plaintext: 'kept' })).CiphertextBlob;
  // material that expires in two days
  const ext = await newKey({ Origin: 'EXTERNAL' });
  const p = await call('GetParametersForImport', { KeyId: ext, WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
    WrappingKeySpec: 'RSA_2048' });
  const material = crypto.randomBytes(32);
  const now = Date.parse((await call('DescribeKey', { KeyId: ext })).KeyMetadata.CreationDate);
  await call('ImportKeyMaterial', { KeyId: ext, ImportToken: p.ImportToken,
    EncryptedKeyMaterial: wrapMaterial(p.PublicKey, 'RSAES_OAEP_SHA_256', material),
    KeyMaterialExpireUnix: Math.floor(now / 1000) + 2 * 86400 });
  const extBlob = (await call('Encrypt', { KeyId: ext, Plaintext: 'byok' })).CiphertextBlob;

  d.clockAdvance('8d');

  // the destroyed key is gone from every API, with its alias and its ciphertexts
  await expectKmsError(() => call('DescribeKey', { KeyId: gone }), 'Forbidden.KeyNotFound', 404);
  await expectKmsError(() => kms.decrypt(new KMS.DecryptRequest({ ciphertextBlob: blob })), 'Forbidden.KeyNotFound', 404);
  await expectKmsError(() => call('DescribeKey', { KeyId: 'alias/gone' }), 'Forbidden.AliasNotFound', 404);
  await expectKmsError(() => call('CancelKeyDeletion', { KeyId: gone }), 'Forbidden.KeyNotFound', 404);
  const all = await call('ListKeys', { PageSize: 100 });
  assert.ok(!all.Keys.Key.some((k) => k.KeyId === gone));
  assert.ok(!(await call('ListAliases', { PageSize: 100 })).Aliases.Alias.some((a) => a.AliasName === 'alias/gone'));
  // the name is free again
  await call('CreateAlias', { AliasName: 'alias/gone', KeyId: keep });
  assert.equal((await call('Decrypt', { CiphertextBlob: keepBlob })).Plaintext, 'kept');
  // expired material: PendingImport, until the same material comes back (the 24 h token has expired too)
  assert.equal(await state(ext), 'PendingImport');
  await expectKmsError(() => call('Decrypt', { CiphertextBlob: extBlob }), 'Rejected.PendingImport', 409);
  await expectKmsError(() => call('ImportKeyMaterial', { KeyId: ext, ImportToken: p.ImportToken,
    EncryptedKeyMaterial: wrapMaterial(p.PublicKey, 'RSAES_OAEP_SHA_256', material) }), 'ExpiredImportToken', 400);
  const p2 = await call('GetParametersForImport', { KeyId: ext, WrappingAlgorithm: 'RSAES_OAEP_SHA_1',
    WrappingKeySpec: 'RSA_2048' });
  await call('ImportKeyMaterial', { KeyId: ext, ImportToken: p2.ImportToken,
    EncryptedKeyMaterial: wrapMaterial(p2.PublicKey, 'RSAES_OAEP_SHA_1', material) });
  assert.equal((await call('Decrypt', { CiphertextBlob: extBlob })).Plaintext, 'byok');
  // automatic rotation happens once the interval has passed
  const rot = (await call('CreateKey', { EnableAutomaticRotation: 'true', RotationInterval: '7d' })).KeyMetadata;
  d.clockAdvance('7d');
  const after7 = (await call('DescribeKey', { KeyId: rot.KeyId })).KeyMetadata;
  assert.notEqual(after7.PrimaryKeyVersion, rot.PrimaryKeyVersion);
  assert.equal((await call('ListKeyVersions', { KeyId: rot.KeyId })).TotalCount, 2);
});

test('coffer key and coffer audit work on the data dir the daemon serves', async () => {
  const created = JSON.parse(d.coffer('key', 'create', '--description', 'from the cli', '--json'));
  assert.equal(created.KeyState, 'Enabled');
  assert.equal(created.Description, 'from the cli');
  // the daemon sees it at once
  assert.equal((await call('DescribeKey', { KeyId: created.KeyId })).KeyMetadata.Description, 'from the cli');
  d.coffer('key', 'disable', created.KeyId);
  assert.equal(await state(created.KeyId), 'Disabled');
  d.coffer('key', 'enable', created.KeyId);
  d.coffer('key', 'schedule-deletion', created.KeyId, '7');
  assert.equal(JSON.parse(d.coffer('key', 'describe', created.KeyId, '--json')).KeyState, 'PendingDeletion');
  d.coffer('key', 'cancel-deletion', created.KeyId);
  assert.equal(await state(created.KeyId), 'Enabled');
  const list = JSON.parse(d.coffer('key', 'list', '--json'));
  assert.ok(list.some((k) => k.KeyId === created.KeyId));
  assert.match(d.coffer('key', 'list'), /KEY ID\s+STATE/);
  // an error is an exit status and a message
  assert.throws(() => d.coffer('key', 'cancel-deletion', created.KeyId), /Rejected\.StateModifiedFailed/);
  // BYOK from the CLI: 32 raw bytes
  const fs = require('node:fs');
  const path = require('node:path');
  const ext = JSON.parse(d.coffer('key', 'create', '--origin', 'EXTERNAL', '--json'));
  const file = path.join(d.dataDir, 'material.bin');
  fs.writeFileSync(file, crypto.randomBytes(32));
  d.coffer('key', 'import', ext.KeyId, file);
  assert.equal(await state(ext.KeyId), 'Enabled');
  fs.unlinkSync(file);
  // the audit trail has both sides, API and CLI, and no secrets
  const rows = JSON.parse(d.coffer('audit', '--json', '--limit', '1000'));
  const has = (actor, action, target, result) => rows.some((r) => (!actor || r.Actor === actor)
    && r.Action === action && (!target || r.Target === target) && r.Result === result);
  assert.ok(has('cli', 'CreateKey', created.KeyId, 'ok'));
  assert.ok(has('cli', 'DisableKey', created.KeyId, 'ok'));
  assert.ok(has('cli', 'CancelKeyDeletion', created.KeyId, 'Rejected.StateModifiedFailed'));
  assert.ok(has(null, 'Encrypt', null, 'ok'));
  assert.ok(has(null, 'Decrypt', null, 'Rejected.PendingImport'));
  assert.ok(has('kms', 'DeleteKey', null, 'ok') || has(null, 'DescribeKey', null, 'Forbidden.KeyNotFound'));
  for (const r of rows) assert.deepEqual(Object.keys(r), ['Id', 'Time', 'Actor', 'Action', 'Target', 'Result', 'Detail']);
  assert.ok(!JSON.stringify(rows).includes('lost forever'));
  assert.match(d.coffer('audit', '--limit', '3'), /^TIME\s+ACTOR\s+ACTION/);
});
