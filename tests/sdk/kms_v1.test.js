// KMS through the real @alicloud/kms20160120 1.2.0 client (v1 RPC
// signatures, parameters in the query): every action the client has, the
// response shapes of spec kms-api.md §1.1-1.2, envelope encryption, BYOK
// with node:crypto and the openssl CLI, and the request-level errors
// (signature, timestamp, replay, parameters).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { startDaemon, tmpdir } = require('./lib/coffer');
const { KMS, v1Client, rawV1, expectKmsError, wrapMaterial, isoNow } = require('./lib/kms');

let d;
let kms;
before(async () => {
  d = await startDaemon();
  assert.ok(d.kmsPort > 0, 'the daemon logs kms=ADDR:PORT');
  kms = v1Client(d);
});
after(async () => { assert.equal(await d.stop(), 0); });

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('CreateKey with every parameter, DescribeKey: KeyMetadata as documented', async () => {
  const r = await kms.createKey(new KMS.CreateKeyRequest({ description: 'my key',
    keyUsage: 'ENCRYPT/DECRYPT', origin: 'Aliyun_KMS', protectionLevel: 'SOFTWARE',
    enableAutomaticRotation: true, rotationInterval: '604800s', keySpec: 'Aliyun_AES_256' }));
  const m = r.keyMetadata;
  assert.match(r.requestId, /^[0-9A-F-]{36}$/);
  assert.match(m.keyId, UUID);
  assert.equal(m.keyState, 'Enabled');
  assert.equal(m.description, 'my key');
  assert.equal(m.keySpec, 'Aliyun_AES_256');
  assert.equal(m.keyUsage, 'ENCRYPT/DECRYPT');
  assert.equal(m.origin, 'Aliyun_KMS');
  assert.equal(m.protectionLevel, 'SOFTWARE');
  assert.equal(m.automaticRotation, 'Enabled');
  assert.equal(m.rotationInterval, '604800s');
  assert.match(m.creationDate, ISO);
  assert.match(m.lastRotationDate, ISO);
  assert.equal(Date.parse(m.nextRotationDate) - Date.parse(m.lastRotationDate), 604800e3);
  assert.equal(m.deleteDate, '');
  assert.equal(m.materialExpireTime, '');
  assert.match(m.creator, /^\d{16}$/);
  assert.equal(m.arn, `acs:kms:cn-hangzhou:${m.creator}:key/${m.keyId}`);
  assert.match(m.primaryKeyVersion, UUID);
  const dsc = await kms.describeKey(new KMS.DescribeKeyRequest({ keyId: m.keyId }));
  assert.deepEqual({ ...dsc.keyMetadata }, { ...m });
  // the defaults ({} sends nothing)
  const def = (await kms.createKey(new KMS.CreateKeyRequest({}))).keyMetadata;
  assert.equal(def.keySpec, 'Aliyun_AES_256');
  assert.equal(def.automaticRotation, 'Disabled');
  assert.equal(def.rotationInterval, '');
  assert.equal(def.nextRotationDate, '');
  assert.equal(def.description, '');
  // a plain object with API names works too (clients.md §2.1)
  const plain = await kms.createKey({ Description: 'plain object' });
  assert.equal(plain.keyMetadata.description, 'plain object');
});

test('CreateKey rejects what does not exist here, naming the parameter', async () => {
  const e = await expectKmsError(() => kms.createKey(new KMS.CreateKeyRequest({ keySpec: 'NOPE' })),
    'InvalidParameter', 400);
  assert.equal(e.data.Message, 'The specified parameter "KeySpec" is not valid.');
  await expectKmsError(() => kms.createKey(new KMS.CreateKeyRequest({ origin: 'external' })),
    'InvalidParameter', 400);
  await expectKmsError(() => kms.createKey(new KMS.CreateKeyRequest({ protectionLevel: 'HSM' })),
    'Unsupported.ProtectionLevel', 400);
  await expectKmsError(() => kms.createKey(new KMS.CreateKeyRequest({ origin: 'EXTERNAL',
    enableAutomaticRotation: true })), 'Unsupported.Origin', 400);
  await expectKmsError(() => kms.createKey(new KMS.CreateKeyRequest({ rotationInterval: '1d',
    enableAutomaticRotation: true })), 'InvalidParameter', 400);
  await expectKmsError(() => kms.createKey(new KMS.CreateKeyRequest({ description: 'x'.repeat(8193) })),
    'InvalidParameter', 400);
});

test('Encrypt / Decrypt: opaque Plaintext, both EncryptionContext forms', async () => {
  const keyId = (await kms.createKey(new KMS.CreateKeyRequest({}))).keyMetadata.keyId;
  const e = await kms.encrypt(new KMS.EncryptRequest({ keyId, plaintext: 'aGVsbG8gd29ybGQ=',
    encryptionContext: { app: 'oss', 'b key': 'v/1' } }));
  assert.equal(e.keyId, keyId);
  assert.match(e.keyVersionId, UUID);
  // spec §3.1: base64(KeyVersionId || IV [12] || ct || tag [16])
  const raw = Buffer.from(e.ciphertextBlob, 'base64');
  assert.equal(raw.subarray(0, 36).toString(), e.keyVersionId);
  assert.equal(raw.length, 36 + 12 + 'aGVsbG8gd29ybGQ='.length + 16);
  // the flattened form (an object) and the JSON string form are the same context
  const d1 = await kms.decrypt(new KMS.DecryptRequest({ ciphertextBlob: e.ciphertextBlob,
    encryptionContext: { 'b key': 'v/1', app: 'oss' } }));
  assert.equal(d1.plaintext, 'aGVsbG8gd29ybGQ=');
  assert.equal(d1.keyId, keyId);
  assert.equal(d1.keyVersionId, e.keyVersionId);
  const d2 = await kms.decrypt({ CiphertextBlob: e.ciphertextBlob,
    EncryptionContext: JSON.stringify({ app: 'oss', 'b key': 'v/1' }) });
  assert.equal(d2.plaintext, 'aGVsbG8gd29ybGQ=');
  // Plaintext is not base64-decoded: any text round-trips
  const t = await kms.encrypt(new KMS.EncryptRequest({ keyId, plaintext: 'plain text, ümlaut & +' }));
  assert.equal((await kms.decrypt(new KMS.DecryptRequest({ ciphertextBlob: t.ciphertextBlob }))).plaintext,
    'plain text, ümlaut & +');
  // another context, or none: the blob does not open
  const bad = await expectKmsError(() => kms.decrypt(new KMS.DecryptRequest({
    ciphertextBlob: e.ciphertextBlob, encryptionContext: { app: 'oss' } })), 'InvalidParameter', 400);
  assert.match(bad.data.Message, /EncryptionContext/);
  await expectKmsError(() => kms.decrypt(new KMS.DecryptRequest({ ciphertextBlob: e.ciphertextBlob })),
    'InvalidParameter', 400);
  // a damaged or foreign blob
  const broken = Buffer.from(raw);
  broken[40] ^= 1;
  await expectKmsError(() => kms.decrypt(new KMS.DecryptRequest({ ciphertextBlob: broken.toString('base64'),
    encryptionContext: { app: 'oss', 'b key': 'v/1' } })), 'InvalidParameter', 400);
  const junk = await expectKmsError(() => kms.decrypt(new KMS.DecryptRequest({ ciphertextBlob: 'bm90IGEgYmxvYg==' })),
    'InvalidParameter', 400);
  assert.equal(junk.data.Message, 'The specified parameter "CiphertextBlob" is not valid.');
  await expectKmsError(() => kms.encrypt(new KMS.EncryptRequest({ keyId, plaintext: 'x'.repeat(6145) })),
    'InvalidParameter', 400);
  await expectKmsError(() => kms.encrypt(new KMS.EncryptRequest({ keyId: 'no-such-key', plaintext: 'x' })),
    'Forbidden.KeyNotFound', 404);
  await expectKmsError(() => kms.encrypt(new KMS.EncryptRequest({ keyId: 'alias/none', plaintext: 'x' })),
    'Forbidden.AliasNotFound', 404);
  const miss = await expectKmsError(() => kms.encrypt(new KMS.EncryptRequest({ keyId })),
    'MissingParameter', 400);
  assert.equal(miss.data.Message, 'The parameter "Plaintext" is needed but not provided.');
});

test('envelope encryption: GenerateDataKey, encrypt locally, Decrypt the data key', async () => {
  const keyId = (await kms.createKey(new KMS.CreateKeyRequest({}))).keyMetadata.keyId;
  const ctx = { bucket: 'b1', object: 'o1' };
  const g = await kms.generateDataKey(new KMS.GenerateDataKeyRequest({ keyId, keySpec: 'AES_256',
    encryptionContext: ctx }));
  assert.equal(g.keyId, keyId);
  const dk = Buffer.from(g.plaintext, 'base64');
  assert.equal(dk.length, 32);
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', dk, iv);
  const data = crypto.randomBytes(100000);
  const sealed = Buffer.concat([c.update(data), c.final()]);
  const tag = c.getAuthTag();
  dk.fill(0);
  // later: only the blob is stored with the data
  const back = await kms.decrypt(new KMS.DecryptRequest({ ciphertextBlob: g.ciphertextBlob,
    encryptionContext: ctx }));
  assert.equal(back.plaintext, g.plaintext);
  const dc = crypto.createDecipheriv('aes-256-gcm', Buffer.from(back.plaintext, 'base64'), iv);
  dc.setAuthTag(tag);
  assert.deepEqual(Buffer.concat([dc.update(sealed), dc.final()]), data);
  // sizes
  const g16 = await kms.generateDataKey(new KMS.GenerateDataKeyRequest({ keyId, keySpec: 'AES_128' }));
  assert.equal(Buffer.from(g16.plaintext, 'base64').length, 16);
  const g7 = await kms.generateDataKey(new KMS.GenerateDataKeyRequest({ keyId, keySpec: 'AES_128',
    numberOfBytes: 7 }));
  assert.equal(Buffer.from(g7.plaintext, 'base64').length, 7);
  await expectKmsError(() => kms.generateDataKey(new KMS.GenerateDataKeyRequest({ keyId,
    numberOfBytes: 1025 })), 'InvalidParameter', 400);
  // without plaintext
  const w = await kms.generateDataKeyWithoutPlaintext(new KMS.GenerateDataKeyWithoutPlaintextRequest({
    keyId, encryptionContext: ctx }));
  assert.equal(w.plaintext, undefined);
  assert.equal(w.keyId, keyId);
  const wd = await kms.decrypt(new KMS.DecryptRequest({ ciphertextBlob: w.ciphertextBlob, encryptionContext: ctx }));
  assert.equal(Buffer.from(wd.plaintext, 'base64').length, 32);
});

test('ListKeys pages with Keys.Key[] and counts', async () => {
  const c2 = v1Client(d);
  const before = await c2.listKeys(new KMS.ListKeysRequest({ pageSize: 100 }));
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push((await c2.createKey(new KMS.CreateKeyRequest({}))).keyMetadata.keyId);
  const all = await c2.listKeys(new KMS.ListKeysRequest({ pageSize: 100 }));
  assert.equal(all.totalCount, before.totalCount + 3);
  assert.equal(all.pageNumber, 1);
  assert.equal(all.pageSize, 100);
  const listed = all.keys.key.map((k) => k.keyId);
  for (const id of ids) assert.ok(listed.includes(id));
  for (const k of all.keys.key) assert.match(k.keyArn, new RegExp(`^acs:kms:cn-hangzhou:\\d{16}:key/${k.keyId}$`));
  const p2 = await c2.listKeys(new KMS.ListKeysRequest({ pageSize: 2, pageNumber: 2 }));
  assert.equal(p2.keys.key.length, 2);
  assert.deepEqual(p2.keys.key.map((k) => k.keyId), listed.slice(2, 4));
  const beyond = await c2.listKeys(new KMS.ListKeysRequest({ pageSize: 100, pageNumber: 99 }));
  assert.deepEqual(beyond.keys.key, []);
  await expectKmsError(() => c2.listKeys(new KMS.ListKeysRequest({ pageSize: 101 })), 'InvalidParameter', 400);
  await expectKmsError(() => c2.listKeys(new KMS.ListKeysRequest({ pageNumber: 0 })), 'InvalidParameter', 400);
});

test('EnableKey, DisableKey, ScheduleKeyDeletion, CancelKeyDeletion, UpdateKeyDescription', async () => {
  const keyId = (await kms.createKey(new KMS.CreateKeyRequest({}))).keyMetadata.keyId;
  const st = async () => (await kms.describeKey(new KMS.DescribeKeyRequest({ keyId }))).keyMetadata;
  assert.match((await kms.disableKey(new KMS.DisableKeyRequest({ keyId }))).requestId, /^[0-9A-F-]{36}$/);
  assert.equal((await st()).keyState, 'Disabled');
  await kms.disableKey(new KMS.DisableKeyRequest({ keyId }));
  await kms.enableKey(new KMS.EnableKeyRequest({ keyId }));
  assert.equal((await st()).keyState, 'Enabled');
  await kms.updateKeyDescription(new KMS.UpdateKeyDescriptionRequest({ keyId, description: 'renamed' }));
  assert.equal((await st()).description, 'renamed');
  await expectKmsError(() => kms.scheduleKeyDeletion(new KMS.ScheduleKeyDeletionRequest({ keyId })),
    'MissingParameter', 400);
  await expectKmsError(() => kms.scheduleKeyDeletion(new KMS.ScheduleKeyDeletionRequest({ keyId,
    pendingWindowInDays: 6 })), 'InvalidParameter', 400);
  await expectKmsError(() => kms.scheduleKeyDeletion(new KMS.ScheduleKeyDeletionRequest({ keyId,
    pendingWindowInDays: 367 })), 'InvalidParameter', 400);
  await kms.scheduleKeyDeletion(new KMS.ScheduleKeyDeletionRequest({ keyId, pendingWindowInDays: 30 }));
  const m = await st();
  assert.equal(m.keyState, 'PendingDeletion');
  assert.equal(Date.parse(m.deleteDate) - Date.parse(m.creationDate) >= 30 * 86400e3 - 5000, true);
  await kms.cancelKeyDeletion(new KMS.CancelKeyDeletionRequest({ keyId }));
  const c = await st();
  assert.equal(c.keyState, 'Enabled');
  assert.equal(c.deleteDate, '');
  await expectKmsError(() => kms.describeKey(new KMS.DescribeKeyRequest({ keyId: 'nope' })),
    'Forbidden.KeyNotFound', 404);
});

test('aliases: CreateAlias, UpdateAlias, ListAliases, ListAliasesByKeyId, DeleteAlias; ARNs', async () => {
  const k1 = (await kms.createKey(new KMS.CreateKeyRequest({}))).keyMetadata;
  const k2 = (await kms.createKey(new KMS.CreateKeyRequest({}))).keyMetadata;
  await kms.createAlias(new KMS.CreateAliasRequest({ aliasName: 'alias/v1-app', keyId: k1.keyId }));
  await kms.createAlias(new KMS.CreateAliasRequest({ aliasName: 'alias/v1-app2', keyId: k1.arn }));
  await expectKmsError(() => kms.createAlias(new KMS.CreateAliasRequest({ aliasName: 'alias/v1-app',
    keyId: k2.keyId })), 'AliasAlreadyExists', 400);
  await expectKmsError(() => kms.createAlias(new KMS.CreateAliasRequest({ aliasName: 'alias/acs/mine',
    keyId: k2.keyId })), 'InvalidParameter', 400);
  await expectKmsError(() => kms.createAlias(new KMS.CreateAliasRequest({ aliasName: 'noprefix',
    keyId: k2.keyId })), 'InvalidParameter', 400);
  // KeyId may be an id, an alias or an ARN (of either)
  assert.equal((await kms.describeKey(new KMS.DescribeKeyRequest({ keyId: 'alias/v1-app' }))).keyMetadata.keyId, k1.keyId);
  assert.equal((await kms.describeKey(new KMS.DescribeKeyRequest({ keyId: k1.arn }))).keyMetadata.keyId, k1.keyId);
  assert.equal((await kms.describeKey(new KMS.DescribeKeyRequest({
    keyId: `acs:kms:cn-hangzhou:${k1.creator}:alias/v1-app` }))).keyMetadata.keyId, k1.keyId);
  await expectKmsError(() => kms.describeKey(new KMS.DescribeKeyRequest({
    keyId: `acs:kms:cn-hangzhou:1111222233334444:key/${k1.keyId}` })), 'Forbidden.KeyNotFound', 404);
  const by1 = await kms.listAliasesByKeyId(new KMS.ListAliasesByKeyIdRequest({ keyId: k1.keyId }));
  assert.equal(by1.totalCount, 2);
  assert.deepEqual(by1.aliases.alias.map((a) => a.aliasName), ['alias/v1-app', 'alias/v1-app2']);
  assert.equal(by1.aliases.alias[0].keyId, k1.keyId);
  assert.equal(by1.aliases.alias[0].aliasArn, `acs:kms:cn-hangzhou:${k1.creator}:alias/v1-app`);
  await kms.updateAlias(new KMS.UpdateAliasRequest({ aliasName: 'alias/v1-app', keyId: k2.keyId }));
  const e = await kms.encrypt(new KMS.EncryptRequest({ keyId: 'alias/v1-app', plaintext: 'x' }));
  assert.equal(e.keyId, k2.keyId);
  const all = await kms.listAliases(new KMS.ListAliasesRequest({ pageSize: 100 }));
  const names = all.aliases.alias.map((a) => a.aliasName);
  assert.ok(names.includes('alias/v1-app') && names.includes('alias/v1-app2'));
  assert.equal(all.totalCount, all.aliases.alias.length);
  await kms.deleteAlias(new KMS.DeleteAliasRequest({ aliasName: 'alias/v1-app' }));
  await expectKmsError(() => kms.deleteAlias(new KMS.DeleteAliasRequest({ aliasName: 'alias/v1-app' })),
    'Forbidden.AliasNotFound', 404);
  await expectKmsError(() => kms.updateAlias(new KMS.UpdateAliasRequest({ aliasName: 'alias/none',
    keyId: k2.keyId })), 'Forbidden.AliasNotFound', 404);
});

test('versions and rotation: CreateKeyVersion, ListKeyVersions, DescribeKeyVersion, UpdateRotationPolicy', async () => {
  const k = (await kms.createKey(new KMS.CreateKeyRequest({}))).keyMetadata;
  const old = await kms.encrypt(new KMS.EncryptRequest({ keyId: k.keyId, plaintext: 'before rotation' }));
  const v = (await kms.createKeyVersion(new KMS.CreateKeyVersionRequest({ keyId: k.keyId }))).keyVersion;
  assert.equal(v.keyId, k.keyId);
  assert.match(v.keyVersionId, UUID);
  assert.match(v.creationDate, ISO);
  assert.equal((await kms.describeKey(new KMS.DescribeKeyRequest({ keyId: k.keyId }))).keyMetadata.primaryKeyVersion,
    v.keyVersionId);
  const neu = await kms.encrypt(new KMS.EncryptRequest({ keyId: k.keyId, plaintext: 'after' }));
  assert.equal(neu.keyVersionId, v.keyVersionId);
  assert.equal((await kms.decrypt(new KMS.DecryptRequest({ ciphertextBlob: old.ciphertextBlob }))).plaintext,
    'before rotation');
  const l = await kms.listKeyVersions(new KMS.ListKeyVersionsRequest({ keyId: k.keyId }));
  assert.equal(l.totalCount, 2);
  assert.deepEqual(l.keyVersions.keyVersion.map((x) => x.keyVersionId), [k.primaryKeyVersion, v.keyVersionId]);
  const dv = await kms.describeKeyVersion(new KMS.DescribeKeyVersionRequest({ keyId: k.keyId,
    keyVersionId: k.primaryKeyVersion }));
  assert.equal(dv.keyVersion.keyVersionId, k.primaryKeyVersion);
  await expectKmsError(() => kms.describeKeyVersion(new KMS.DescribeKeyVersionRequest({ keyId: k.keyId,
    keyVersionId: '00000000-0000-4000-8000-000000000000' })), 'Forbidden.KeyVersionNotFound', 404);
  await kms.updateRotationPolicy(new KMS.UpdateRotationPolicyRequest({ keyId: k.keyId,
    enableAutomaticRotation: true, rotationInterval: '30d' }));
  let m = (await kms.describeKey(new KMS.DescribeKeyRequest({ keyId: k.keyId }))).keyMetadata;
  assert.equal(m.automaticRotation, 'Enabled');
  assert.equal(m.rotationInterval, '2592000s');
  await kms.disableKey(new KMS.DisableKeyRequest({ keyId: k.keyId }));
  m = (await kms.describeKey(new KMS.DescribeKeyRequest({ keyId: k.keyId }))).keyMetadata;
  assert.equal(m.automaticRotation, 'Suspended');
  await kms.enableKey(new KMS.EnableKeyRequest({ keyId: k.keyId }));
  await kms.updateRotationPolicy(new KMS.UpdateRotationPolicyRequest({ keyId: k.keyId,
    enableAutomaticRotation: false }));
  m = (await kms.describeKey(new KMS.DescribeKeyRequest({ keyId: k.keyId }))).keyMetadata;
  assert.equal(m.automaticRotation, 'Disabled');
  assert.equal(m.nextRotationDate, '');
  await expectKmsError(() => kms.updateRotationPolicy(new KMS.UpdateRotationPolicyRequest({ keyId: k.keyId,
    enableAutomaticRotation: true, rotationInterval: '731d' })), 'InvalidParameter', 400);
});

test('tags: TagResource, UntagResource, ListResourceTags', async () => {
  const keyId = (await kms.createKey(new KMS.CreateKeyRequest({}))).keyMetadata.keyId;
  await kms.tagResource(new KMS.TagResourceRequest({ keyId,
    tags: JSON.stringify([{ TagKey: 'env', TagValue: 'prod' }, { TagKey: 'team', TagValue: 'storage' }]) }));
  let t = await kms.listResourceTags(new KMS.ListResourceTagsRequest({ keyId }));
  assert.deepEqual(t.tags.tag.map((x) => ({ ...x })), [{ keyId, tagKey: 'env', tagValue: 'prod' },
    { keyId, tagKey: 'team', tagValue: 'storage' }]);
  await kms.untagResource(new KMS.UntagResourceRequest({ keyId, tagKeys: JSON.stringify(['env']) }));
  t = await kms.listResourceTags(new KMS.ListResourceTagsRequest({ keyId }));
  assert.deepEqual(t.tags.tag.map((x) => x.tagKey), ['team']);
  const many = Array.from({ length: 10 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' }));
  await expectKmsError(() => kms.tagResource(new KMS.TagResourceRequest({ keyId, tags: JSON.stringify(many) })),
    'Rejected.LimitExceeded', 400);
  await expectKmsError(() => kms.tagResource(new KMS.TagResourceRequest({ keyId, tags: 'not json' })),
    'InvalidParameter', 400);
});

test('BYOK: GetParametersForImport, ImportKeyMaterial (node:crypto, three algorithms), DeleteKeyMaterial', async () => {
  for (const alg of ['RSAES_PKCS1_V1_5', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']) {
    const k = (await kms.createKey(new KMS.CreateKeyRequest({ origin: 'EXTERNAL' }))).keyMetadata;
    assert.equal(k.keyState, 'PendingImport');
    assert.equal(k.origin, 'EXTERNAL');
    const p = await kms.getParametersForImport(new KMS.GetParametersForImportRequest({ keyId: k.keyId,
      wrappingAlgorithm: alg, wrappingKeySpec: 'RSA_2048' }));
    assert.equal(p.keyId, k.keyId);
    assert.ok(p.publicKey.startsWith('MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'));
    assert.equal(Buffer.from(p.publicKey, 'base64').length, 294);
    assert.match(p.tokenExpireTime, ISO);
    assert.ok(Math.abs(Date.parse(p.tokenExpireTime) - Date.now() - 86400e3) < 3600e3);
    const material = crypto.randomBytes(32);
    await kms.importKeyMaterial(new KMS.ImportKeyMaterialRequest({ keyId: k.keyId,
      encryptedKeyMaterial: wrapMaterial(p.publicKey, alg, material), importToken: p.importToken,
      keyMaterialExpireUnix: 0 }));
    const m = (await kms.describeKey(new KMS.DescribeKeyRequest({ keyId: k.keyId }))).keyMetadata;
    assert.equal(m.keyState, 'Enabled');
    assert.equal(m.materialExpireTime, '');
    const e = await kms.encrypt(new KMS.EncryptRequest({ keyId: k.keyId, plaintext: 'byok' }));
    assert.equal((await kms.decrypt(new KMS.DecryptRequest({ ciphertextBlob: e.ciphertextBlob }))).plaintext, 'byok');
    // only the same material may come back
    await expectKmsError(() => kms.importKeyMaterial(new KMS.ImportKeyMaterialRequest({ keyId: k.keyId,
      encryptedKeyMaterial: wrapMaterial(p.publicKey, alg, crypto.randomBytes(32)), importToken: p.importToken })),
    'InvalidKeyMaterial', 400);
    await kms.deleteKeyMaterial(new KMS.DeleteKeyMaterialRequest({ keyId: k.keyId }));
    assert.equal((await kms.describeKey(new KMS.DescribeKeyRequest({ keyId: k.keyId }))).keyMetadata.keyState,
      'PendingImport');
    await expectKmsError(() => kms.decrypt(new KMS.DecryptRequest({ ciphertextBlob: e.ciphertextBlob })),
      'Rejected.PendingImport', 409);
    await kms.importKeyMaterial(new KMS.ImportKeyMaterialRequest({ keyId: k.keyId,
      encryptedKeyMaterial: wrapMaterial(p.publicKey, alg, material), importToken: p.importToken }));
    assert.equal((await kms.decrypt(new KMS.DecryptRequest({ ciphertextBlob: e.ciphertextBlob }))).plaintext, 'byok');
  }
});

test('BYOK with key material wrapped by the openssl CLI; import errors', async () => {
  const k = (await kms.createKey(new KMS.CreateKeyRequest({ origin: 'EXTERNAL' }))).keyMetadata;
  const p = await kms.getParametersForImport(new KMS.GetParametersForImportRequest({ keyId: k.keyId,
    wrappingAlgorithm: 'RSAES_OAEP_SHA_256', wrappingKeySpec: 'RSA_2048' }));
  const dir = tmpdir('byok');
  const der = path.join(dir, 'pub.der');
  const mat = path.join(dir, 'material.bin');
  const out = path.join(dir, 'wrapped.bin');
  fs.writeFileSync(der, Buffer.from(p.publicKey, 'base64'));
  fs.writeFileSync(mat, crypto.randomBytes(32));
  execFileSync('openssl', ['pkeyutl', '-encrypt', '-pubin', '-keyform', 'DER', '-inkey', der,
    '-in', mat, '-out', out, '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256',
    '-pkeyopt', 'rsa_mgf1_md:sha256']);
  const wrapped = fs.readFileSync(out).toString('base64');
  // errors first: token of nobody, an expiry in the past, a key that is not EXTERNAL, 16 bytes
  await expectKmsError(() => kms.importKeyMaterial(new KMS.ImportKeyMaterialRequest({ keyId: k.keyId,
    encryptedKeyMaterial: wrapped, importToken: 'bogus' })), 'InvalidImportToken', 400);
  await expectKmsError(() => kms.importKeyMaterial(new KMS.ImportKeyMaterialRequest({ keyId: k.keyId,
    encryptedKeyMaterial: wrapped, importToken: p.importToken, keyMaterialExpireUnix: 1000 })),
  'InvalidParameter', 400);
  await expectKmsError(() => kms.importKeyMaterial(new KMS.ImportKeyMaterialRequest({ keyId: k.keyId,
    encryptedKeyMaterial: wrapMaterial(p.publicKey, 'RSAES_OAEP_SHA_256', crypto.randomBytes(16)),
    importToken: p.importToken })), 'InvalidKeyMaterial', 400);
  const own = (await kms.createKey(new KMS.CreateKeyRequest({}))).keyMetadata.keyId;
  await expectKmsError(() => kms.getParametersForImport(new KMS.GetParametersForImportRequest({ keyId: own,
    wrappingAlgorithm: 'RSAES_OAEP_SHA_256', wrappingKeySpec: 'RSA_2048' })), 'Unsupported.Origin', 400);
  await expectKmsError(() => kms.deleteKeyMaterial(new KMS.DeleteKeyMaterialRequest({ keyId: own })),
    'Unsupported.Origin', 400);
  await expectKmsError(() => kms.getParametersForImport(new KMS.GetParametersForImportRequest({ keyId: k.keyId,
    wrappingAlgorithm: 'SM2PKE', wrappingKeySpec: 'RSA_2048' })), 'InvalidParameter', 400);
  // with an expiry an hour ahead
  const expire = Math.floor(Date.now() / 1000) + 3600;
  await kms.importKeyMaterial(new KMS.ImportKeyMaterialRequest({ keyId: k.keyId,
    encryptedKeyMaterial: wrapped, importToken: p.importToken, keyMaterialExpireUnix: expire }));
  const m = (await kms.describeKey(new KMS.DescribeKeyRequest({ keyId: k.keyId }))).keyMetadata;
  assert.equal(m.keyState, 'Enabled');
  assert.equal(Date.parse(m.materialExpireTime), expire * 1000);
});

test('DescribeRegions', async () => {
  const r = await kms.describeRegions(new KMS.DescribeRegionsRequest({}));
  assert.deepEqual(r.regions.region.map((x) => x.regionId), ['cn-hangzhou']);
});

test('signatures: bad secret, unknown key, skewed or missing Timestamp, replayed nonce', async () => {
  const bad = v1Client(d, { sk: 'wrong-secret' });
  const e = await expectKmsError(() => bad.listKeys(new KMS.ListKeysRequest({})), 'IncompleteSignature', 400);
  assert.match(e.data.Message, /server string to sign is:POST&%2F&AccessKeyId%3D/);
  await expectKmsError(() => v1Client(d, { ak: 'LTAInobody' }).listKeys(new KMS.ListKeysRequest({})),
    'InvalidAccessKeyId.NotFound', 404);
  // a hand-signed request is accepted, once
  const nonce = crypto.randomBytes(16).toString('hex');
  const ok = await rawV1(d, 'ListKeys', {}, { nonce });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['content-type'], 'application/json;charset=utf-8');
  const again = await rawV1(d, 'ListKeys', {}, { nonce, timestamp: ok.all.Timestamp });
  assert.equal(again.status, 400);
  assert.equal(again.body.Code, 'SignatureNonceUsed');
  // the same parameters as a form body, GET with a query
  assert.equal((await rawV1(d, 'ListKeys', {}, { where: 'body' })).status, 200);
  assert.equal((await rawV1(d, 'ListKeys', {}, { method: 'GET' })).status, 200);
  // 16 minutes off either way
  const old = await rawV1(d, 'ListKeys', {}, { timestamp: isoNow(Date.now() - 16 * 60e3) });
  assert.equal(old.status, 400);
  assert.equal(old.body.Code, 'IllegalTimestamp');
  const fut = await rawV1(d, 'ListKeys', {}, { timestamp: isoNow(Date.now() + 16 * 60e3) });
  assert.equal(fut.body.Code, 'IllegalTimestamp');
  const none = await rawV1(d, 'ListKeys', {}, { tamper: (p) => { delete p.Timestamp; } });
  assert.equal(none.body.Code, 'IllegalTimestamp');
  // a parameter changed after signing
  const tampered = await rawV1(d, 'ListKeys', { PageSize: '5' }, { tamper: (p) => { p.PageSize = '6'; } });
  assert.equal(tampered.status, 400);
  assert.equal(tampered.body.Code, 'IncompleteSignature');
  // no signature at all; no nonce
  const anon = await rawV1(d, 'ListKeys', {}, { tamper: (p) => { delete p.Signature; delete p.AccessKeyId;
    delete p.SignatureMethod; } });
  assert.equal(anon.body.Code, 'MissingParameter');
  assert.equal(anon.body.Message, 'The parameter "Signature" is needed but not provided.');
  const nononce = await rawV1(d, 'ListKeys', {}, { tamper: (p) => { delete p.SignatureNonce; } });
  assert.equal(nononce.body.Code, 'MissingParameter');
  // unknown action, wrong version, unsupported method
  const unk = await rawV1(d, 'FlyToTheMoon');
  assert.equal(unk.status, 404);
  assert.equal(unk.body.Code, 'InvalidAction.NotFound');
  const ver = await rawV1(d, 'ListKeys', { Version: '2099-01-01' });
  assert.equal(ver.body.Code, 'InvalidParameter');
  const put = await rawV1(d, 'ListKeys', {}, { method: 'PUT' });
  assert.equal(put.status, 403);
  assert.equal(put.body.Code, 'UnsupportedHTTPMethod');
  // every error body is a JSON object with the documented fields
  for (const r of [again, old, tampered, anon, unk, put]) {
    assert.deepEqual(Object.keys(r.body).sort(), ['Code', 'HostId', 'HttpStatus', 'Message', 'Recommend',
      'RequestId']);
    assert.equal(r.body.HttpStatus, r.status);
    assert.equal(r.headers['x-acs-request-id'], r.body.RequestId);
  }
});
