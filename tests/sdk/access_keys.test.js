// Rotating an account's access keys with `coffer account key`, seen by the
// official clients: ali-oss (V1 and V4) and the KMS client 1.2.0 get the
// real error documents on the very next request after the change, a
// disabled key (OSS 403 InvalidAccessKeyId, KMS 403 Forbidden.AccessKey)
// and a deleted one (OSS 403 InvalidAccessKeyId, KMS 404
// InvalidAccessKeyId.NotFound), while the other key keeps working.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDaemon, ossClient, expectOssError } = require('./lib/coffer');
const { KMS, v1Client, expectKmsError } = require('./lib/kms');

let d;
before(async () => { d = await startDaemon(); });
after(async () => { assert.equal(await d.stop(), 0); });

const created = (out) => JSON.parse(out);

test('rotate: create a second key, disable and delete the first', async () => {
  const a = created(d.coffer('account', 'create', 'rot', '--json'));
  const b = created(d.coffer('account', 'key', 'create', 'rot', '--json'));
  const oss = (k, v4) => ossClient(d, { bucket: 'rot-bkt', ak: k.AccessKeyId, sk: k.AccessKeySecret, v4 });
  const kms = (k) => v1Client(d, { ak: k.AccessKeyId, sk: k.AccessKeySecret });
  assert.equal((await oss(a).putBucket('rot-bkt')).res.status, 200);
  await oss(b, true).put('k', Buffer.from('v'));
  await kms(a).listKeys(new KMS.ListKeysRequest({}));
  await kms(b).listKeys(new KMS.ListKeysRequest({}));

  // A third active key is refused, and says why.
  assert.throws(() => d.coffer('account', 'key', 'create', 'rot'),
    (e) => /2 active access keys already/.test(e.stderr));

  d.coffer('account', 'key', 'disable', 'rot', a.AccessKeyId);
  for (const v4 of [false, true]) {
    const e = await expectOssError(() => oss(a, v4).get('k'), { code: 'InvalidAccessKeyId', status: 403, ec: '0002-00000902' });
    assert.match(e.message, /The OSS Access Key Id you provided is disabled\./);
  }
  await expectKmsError(() => kms(a).listKeys(new KMS.ListKeysRequest({})), 'Forbidden.AccessKey', 403);
  assert.equal((await oss(b).get('k')).content.toString(), 'v');
  await kms(b).listKeys(new KMS.ListKeysRequest({}));

  d.coffer('account', 'key', 'delete', 'rot', a.AccessKeyId);
  const e = await expectOssError(() => oss(a).get('k'), { code: 'InvalidAccessKeyId', status: 403 });
  assert.match(e.message, /does not exist in our records/);
  await expectKmsError(() => kms(a).listKeys(new KMS.ListKeysRequest({})), 'InvalidAccessKeyId.NotFound', 404);
  assert.equal((await oss(b, true).get('k')).content.toString(), 'v');

  const keys = JSON.parse(d.coffer('account', 'key', 'list', 'rot', '--json'));
  assert.deepEqual(keys.map((k) => [k.AccessKeyId, k.Status]), [[b.AccessKeyId, 'Active']]);
});
