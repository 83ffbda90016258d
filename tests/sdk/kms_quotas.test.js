// KMS quotas (Rejected.LimitExceeded) through the real v1 client, on a
// daemon whose config file sets small ones: keys and aliases per account,
// key versions of all keys together, tags per key. Below a quota
// everything works; at it the creation is refused and nothing is created;
// concurrent creations cannot pass it together (the count and the insert
// are one transaction); deleting an alias frees its slot; the OSS service
// key (alias/acs/oss, made on the first SSE-KMS upload) takes none.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startDaemon, tmpdir, ossClient } = require('./lib/coffer');
const { KMS, v1Client, expectKmsError } = require('./lib/kms');

const ALIASES = 5;
const KEYS = 4;
const VERSIONS = 6;

let d;
let kms;
before(async () => {
  const conf = path.join(tmpdir('quota-conf'), 'cofferd.conf');
  fs.writeFileSync(conf, `max_kms_aliases = ${ALIASES}\nmax_kms_keys = ${KEYS}\n`
    + `max_kms_key_versions = ${VERSIONS}\nmax_kms_tags = 3\n`);
  d = await startDaemon({ args: ['--config', conf] });
  kms = v1Client(d);
});
after(async () => { assert.equal(await d.stop(), 0); });

const mine = [];	// the keys this file created, oldest first
const newKey = async () => {
  const id = (await kms.createKey(new KMS.CreateKeyRequest({}))).keyMetadata.keyId;
  mine.push(id);
  return id;
};
const aliasNames = async () => (await kms.listAliases(new KMS.ListAliasesRequest({ pageSize: 100 })))
  .aliases.alias.map((a) => a.aliasName).sort();

test('the OSS service key and alias/acs/oss take no slot', async () => {
  const oss = ossClient(d, { bucket: 'quota-sse' });
  await oss.putBucket('quota-sse');
  await oss.put('o', Buffer.from('x'), { headers: { 'x-oss-server-side-encryption': 'KMS' } });
  assert.deepEqual(await aliasNames(), ['alias/acs/oss']);
});

test('aliases: positive control, quota reached, concurrent creation, delete frees a slot', async () => {
  const key = await newKey();
  const other = await newKey();
  for (let i = 0; i < ALIASES - 1; i++) {
    await kms.createAlias(new KMS.CreateAliasRequest({ aliasName: `alias/a${i}`, keyId: key }));
  }
  // one slot left (the service alias takes none): of ten concurrent
  // creations exactly one wins
  const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) =>
    kms.createAlias(new KMS.CreateAliasRequest({ aliasName: `alias/race${i}`, keyId: key }))));
  const won = results.filter((r) => r.status === 'fulfilled').length;
  assert.equal(won, 1, JSON.stringify(results.map((r) => r.reason && r.reason.code)));
  for (const r of results.filter((x) => x.status === 'rejected')) {
    assert.equal(r.reason.code, 'Rejected.LimitExceededError');
    assert.match(r.reason.message, /code: 400,/);
  }
  const names = await aliasNames();
  assert.equal(names.filter((n) => !n.startsWith('alias/acs/')).length, ALIASES);
  const e = await expectKmsError(() => kms.createAlias(new KMS.CreateAliasRequest({ aliasName: 'alias/over',
    keyId: key })), 'Rejected.LimitExceeded', 400);
  assert.equal(e.data.Message, 'The resource quota is exceeded.');
  // the quota is the account's, not the key's
  await expectKmsError(() => kms.createAlias(new KMS.CreateAliasRequest({ aliasName: 'alias/over',
    keyId: other })), 'Rejected.LimitExceeded', 400);
  assert.ok(!(await aliasNames()).includes('alias/over'));
  // an existing name is still AliasAlreadyExists; UpdateAlias needs no slot
  await expectKmsError(() => kms.createAlias(new KMS.CreateAliasRequest({ aliasName: 'alias/a0',
    keyId: other })), 'AliasAlreadyExists', 400);
  await kms.updateAlias(new KMS.UpdateAliasRequest({ aliasName: 'alias/a0', keyId: other }));
  // deleting one frees its slot
  await kms.deleteAlias(new KMS.DeleteAliasRequest({ aliasName: 'alias/a1' }));
  await kms.createAlias(new KMS.CreateAliasRequest({ aliasName: 'alias/after-delete', keyId: key }));
  assert.ok((await aliasNames()).includes('alias/after-delete'));
});

test('keys and key versions: quota reached, concurrent creation, destroyed keys free their slots', async () => {
  // two keys exist already (previous test)
  const listed = async () => (await kms.listKeys(new KMS.ListKeysRequest({ pageSize: 100 })))
    .keys.key.length;
  const service = 1;
  const before = await listed();
  assert.equal(before, 2 + service);
  const results = await Promise.allSettled(Array.from({ length: 6 }, () => newKey()));
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, KEYS - 2);
  for (const r of results.filter((x) => x.status === 'rejected')) {
    assert.equal(r.reason.code, 'Rejected.LimitExceededError');
  }
  assert.equal(await listed(), KEYS + service);
  await expectKmsError(() => kms.createKey(new KMS.CreateKeyRequest({})), 'Rejected.LimitExceeded', 400);
  assert.equal(await listed(), KEYS + service);

  // versions: 4 keys have 4 versions; the quota is 6
  const keys = mine.slice();
  assert.equal(keys.length, KEYS);
  await kms.createKeyVersion(new KMS.CreateKeyVersionRequest({ keyId: keys[0] }));
  await kms.createKeyVersion(new KMS.CreateKeyVersionRequest({ keyId: keys[1] }));
  await expectKmsError(() => kms.createKeyVersion(new KMS.CreateKeyVersionRequest({ keyId: keys[2] })),
    'Rejected.LimitExceeded', 400);

  // PendingDeletion still counts; past its date the key is destroyed and
  // its slot, versions and aliases are free again
  await kms.scheduleKeyDeletion(new KMS.ScheduleKeyDeletionRequest({ keyId: keys[0], pendingWindowInDays: 7 }));
  await expectKmsError(() => kms.createKey(new KMS.CreateKeyRequest({})), 'Rejected.LimitExceeded', 400);
  d.clockAdvance('7d');
  const fresh = await newKey();
  await kms.createKeyVersion(new KMS.CreateKeyVersionRequest({ keyId: fresh }));
  await expectKmsError(() => kms.createKeyVersion(new KMS.CreateKeyVersionRequest({ keyId: fresh })),
    'Rejected.LimitExceeded', 400);
});

test('tags per key: the configured limit', async () => {
  const keys = mine.slice(1);	// mine[0] was destroyed above
  const tags = (n, p = 't') => JSON.stringify(Array.from({ length: n }, (_, i) => ({ TagKey: `${p}${i}`,
    TagValue: 'v' })));
  await kms.tagResource(new KMS.TagResourceRequest({ keyId: keys[0], tags: tags(3) }));
  await expectKmsError(() => kms.tagResource(new KMS.TagResourceRequest({ keyId: keys[0], tags: tags(1, 'u') })),
    'Rejected.LimitExceeded', 400);
  const t = await kms.listResourceTags(new KMS.ListResourceTagsRequest({ keyId: keys[0] }));
  assert.equal(t.tags.tag.length, 3);
});
