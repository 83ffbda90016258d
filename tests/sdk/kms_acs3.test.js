// KMS through @alicloud/openapi-client's callApi, the path of the newer
// SDKs: ACS3-HMAC-SHA256 signatures rebuilt from the client's own
// SignedHeaders (spec kms-api.md §2.3), with the parameters in the query
// string and, separately, as a form body. Every action of issue 4,
// including those @alicloud/kms20160120 1.2.0 lacks (ReEncrypt,
// SetDeletionProtection, ListKeys Filters).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { startDaemon } = require('./lib/coffer');
const { acs3, expectKmsError, wrapMaterial } = require('./lib/kms');

let d;
before(async () => { d = await startDaemon(); });
after(async () => { assert.equal(await d.stop(), 0); });

for (const body of [false, true]) {
  const mode = body ? 'form body' : 'query';

  test(`ACS3 (${mode}): key lifecycle, crypto, aliases, versions, tags, import`, async () => {
    const call = acs3(d, { body });
    const ctx = JSON.stringify({ purpose: `acs3 ${mode}` });
    // CreateKey / DescribeKey / ListKeys with Filters
    const k = (await call('CreateKey', { Description: `acs3 ${mode}`, EnableAutomaticRotation: 'true',
      RotationInterval: '7d', Tags: JSON.stringify([{ TagKey: 'via', TagValue: 'acs3' }]) })).KeyMetadata;
    assert.equal(k.KeyState, 'Enabled');
    assert.equal(k.RotationInterval, '604800s');
    assert.equal((await call('DescribeKey', { KeyId: k.KeyId })).KeyMetadata.Description, `acs3 ${mode}`);
    const dis = (await call('CreateKey', {})).KeyMetadata.KeyId;
    await call('DisableKey', { KeyId: dis });
    const f = await call('ListKeys', { PageSize: 100,
      Filters: JSON.stringify([{ Key: 'KeyState', Values: ['Disabled'] }]) });
    assert.ok(f.Keys.Key.some((x) => x.KeyId === dis));
    assert.ok(!f.Keys.Key.some((x) => x.KeyId === k.KeyId));
    assert.equal(f.TotalCount, f.Keys.Key.length);
    const f2 = await call('ListKeys', { PageSize: 100, Filters: JSON.stringify([
      { Key: 'KeyState', Values: ['Enabled', 'Disabled'] }, { Key: 'Origin', Values: ['Aliyun_KMS'] }]) });
    assert.ok(f2.Keys.Key.some((x) => x.KeyId === dis) && f2.Keys.Key.some((x) => x.KeyId === k.KeyId));
    await expectKmsError(() => call('ListKeys', { Filters: JSON.stringify([{ Key: 'Color', Values: ['red'] }]) }),
      'InvalidParameter', 400);
    await expectKmsError(() => call('ListKeys', { Filters: '[{"Key":' }), 'InvalidParameter', 400);
    await call('EnableKey', { KeyId: dis });
    // Encrypt / Decrypt / GenerateDataKey(WithoutPlaintext) / ReEncrypt
    const e = await call('Encrypt', { KeyId: k.KeyId, Plaintext: 'acs3 plaintext', EncryptionContext: ctx });
    assert.equal((await call('Decrypt', { CiphertextBlob: e.CiphertextBlob, EncryptionContext: ctx })).Plaintext,
      'acs3 plaintext');
    const g = await call('GenerateDataKey', { KeyId: k.KeyId, NumberOfBytes: 24 });
    assert.equal(Buffer.from(g.Plaintext, 'base64').length, 24);
    const gw = await call('GenerateDataKeyWithoutPlaintext', { KeyId: k.KeyId, KeySpec: 'AES_128' });
    assert.equal(gw.Plaintext, undefined);
    const re = await call('ReEncrypt', { CiphertextBlob: e.CiphertextBlob, SourceEncryptionContext: ctx,
      DestinationKeyId: dis, DestinationEncryptionContext: JSON.stringify({ moved: 'yes' }) });
    assert.equal(re.KeyId, dis);
    assert.equal(re.SourceKeyId, k.KeyId);
    assert.equal(re.SourceKeyVersionId, e.KeyVersionId);
    assert.equal((await call('Decrypt', { CiphertextBlob: re.CiphertextBlob,
      EncryptionContext: JSON.stringify({ moved: 'yes' }) })).Plaintext, 'acs3 plaintext');
    await expectKmsError(() => call('ReEncrypt', { CiphertextBlob: e.CiphertextBlob, DestinationKeyId: dis }),
      'InvalidParameter', 400);
    // aliases
    const alias = `alias/sdk-v3-${body ? 'body' : 'query'}`;
    await call('CreateAlias', { AliasName: alias, KeyId: k.KeyId });
    await expectKmsError(() => call('CreateAlias', { AliasName: alias, KeyId: dis }), 'AliasAlreadyExists', 400);
    await call('UpdateAlias', { AliasName: alias, KeyId: dis });
    assert.deepEqual((await call('ListAliasesByKeyId', { KeyId: dis })).Aliases.Alias.map((a) => a.AliasName),
      [alias]);
    assert.ok((await call('ListAliases', { PageSize: 100 })).Aliases.Alias.some((a) => a.AliasName === alias));
    await call('DeleteAlias', { AliasName: alias });
    await expectKmsError(() => call('DescribeKey', { KeyId: alias }), 'Forbidden.AliasNotFound', 404);
    // versions and rotation
    const v = (await call('CreateKeyVersion', { KeyId: k.KeyId })).KeyVersion;
    assert.equal((await call('DescribeKeyVersion', { KeyId: k.KeyId, KeyVersionId: v.KeyVersionId })).KeyVersion
      .KeyVersionId, v.KeyVersionId);
    const lv = await call('ListKeyVersions', { KeyId: k.KeyId, PageSize: 1, PageNumber: 2 });
    assert.equal(lv.TotalCount, 2);
    assert.deepEqual(lv.KeyVersions.KeyVersion.map((x) => x.KeyVersionId), [v.KeyVersionId]);
    await call('UpdateRotationPolicy', { KeyId: k.KeyId, EnableAutomaticRotation: 'false' });
    assert.equal((await call('DescribeKey', { KeyId: k.KeyId })).KeyMetadata.AutomaticRotation, 'Disabled');
    // tags (the one given at CreateKey included)
    await call('TagResource', { KeyId: k.KeyId, Tags: JSON.stringify([{ TagKey: 'env', TagValue: 'dev' }]) });
    assert.deepEqual((await call('ListResourceTags', { KeyId: k.KeyId })).Tags.Tag.map((t) => `${t.TagKey}=${t.TagValue}`),
      ['env=dev', 'via=acs3']);
    await call('UntagResource', { KeyId: k.KeyId, TagKeys: JSON.stringify(['via', 'env']) });
    assert.deepEqual((await call('ListResourceTags', { KeyId: k.KeyId })).Tags.Tag, []);
    // description and deletion protection (by ARN, as the API names it)
    await call('UpdateKeyDescription', { KeyId: k.KeyId, Description: 'changed' });
    await call('SetDeletionProtection', { ProtectedResourceArn: k.Arn, EnableDeletionProtection: 'true',
      DeletionProtectionDescription: 'used by acs3 test' });
    let m = (await call('DescribeKey', { KeyId: k.KeyId })).KeyMetadata;
    assert.equal(m.Description, 'changed');
    assert.equal(m.DeletionProtection, 'Enabled');
    assert.equal(m.DeletionProtectionDescription, 'used by acs3 test');
    await expectKmsError(() => call('ScheduleKeyDeletion', { KeyId: k.KeyId, PendingWindowInDays: 7 }),
      'Forbidden.DeletionProtection', 403);
    await call('SetDeletionProtection', { ProtectedResourceArn: k.Arn, EnableDeletionProtection: 'false' });
    await call('ScheduleKeyDeletion', { KeyId: k.KeyId, PendingWindowInDays: 7 });
    m = (await call('DescribeKey', { KeyId: k.KeyId })).KeyMetadata;
    assert.equal(m.KeyState, 'PendingDeletion');
    assert.equal(m.DeletionProtection, 'Disabled');
    await call('CancelKeyDeletion', { KeyId: k.KeyId });
    // BYOK
    const x = (await call('CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata;
    const p = await call('GetParametersForImport', { KeyId: x.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_1',
      WrappingKeySpec: 'RSA_2048' });
    await call('ImportKeyMaterial', { KeyId: x.KeyId, ImportToken: p.ImportToken,
      EncryptedKeyMaterial: wrapMaterial(p.PublicKey, 'RSAES_OAEP_SHA_1', crypto.randomBytes(32)) });
    assert.equal((await call('DescribeKey', { KeyId: x.KeyId })).KeyMetadata.KeyState, 'Enabled');
    await call('DeleteKeyMaterial', { KeyId: x.KeyId });
    assert.equal((await call('DescribeKey', { KeyId: x.KeyId })).KeyMetadata.KeyState, 'PendingImport');
    assert.equal((await call('DescribeRegions', {})).Regions.Region[0].RegionId, 'cn-hangzhou');
  });
}

test('ACS3: wrong secret, unknown access key, missing parameters', async () => {
  const e = await expectKmsError(() => acs3(d, { sk: 'nope' })('ListKeys', {}), 'IncompleteSignature', 400);
  assert.match(e.data.Message, /server string to sign is:ACS3-HMAC-SHA256\n[0-9a-f]{64}$/);
  await expectKmsError(() => acs3(d, { ak: 'LTAIunknown' })('ListKeys', {}), 'InvalidAccessKeyId.NotFound', 404);
  const m = await expectKmsError(() => acs3(d)('DescribeKey', {}), 'MissingParameter', 400);
  assert.equal(m.data.Message, 'The parameter "KeyId" is needed but not provided.');
  await expectKmsError(() => acs3(d)('NoSuchAction', {}), 'InvalidAction.NotFound', 404);
});
