// PostObject (spec oss-api-2.md §4): a multipart/form-data POST signed
// with the V1 policy signature ali-oss's calculatePostSignature makes;
// success 201/200/204, ${filename}, a failing condition echoed, a bad
// signature, an expired policy, an anonymous form on a private bucket.
'use strict';
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDaemon, ossClient, raw, xmlText } = require('./lib/coffer');
const { form, post: postForm, signedV1 } = require('./lib/form');

let d;
after(async () => { if (d) assert.equal(await d.stop(), 0); });

const post = (bucket, body) => postForm(d, bucket, body);
const signed = (c, conditions, extra, exp) => signedV1(d, c, conditions, extra, exp);

test('V1 form upload and its refusals', async () => {
  d = await startDaemon();
  const c = ossClient(d);
  await c.putBucket('postb');
  const o = ossClient(d, { bucket: 'postb' });
  const conds = [{ bucket: 'postb' }, ['starts-with', '$key', 'up/'], ['content-length-range', 1, 1000]];

  let r = await post('postb', form({ key: 'up/${filename}', ...signed(c, conds), success_action_status: '201' }));
  assert.equal(r.status, 201, r.body.toString());
  assert.equal(xmlText(r.body.toString(), 'Key'), 'up/a.txt');
  let got = await o.get('up/a.txt');
  assert.equal(got.content.toString(), 'hello form');
  assert.equal(got.res.headers['content-type'], 'text/plain');

  r = await post('postb', form({ key: 'up/b', ...signed(c, conds), success_action_status: '200', 'x-oss-meta-color': 'red' }, 'two'));
  assert.equal(r.status, 200);
  got = await o.get('up/b');
  assert.equal(got.content.toString(), 'two');
  assert.equal(got.res.headers['x-oss-meta-color'], 'red');
  r = await post('postb', form({ key: 'up/c', ...signed(c, conds) }));
  assert.equal(r.status, 204);

  r = await post('postb', form({ key: 'down/x', ...signed(c, conds) }));
  assert.equal(r.status, 403);
  assert.equal(xmlText(r.body.toString(), 'Code'), 'AccessDenied');
  assert.match(xmlText(r.body.toString(), 'Message').replace(/&quot;/g, '"'), /Policy Condition failed: \["starts-with", "\$key", "up\/"\]/);
  r = await post('postb', form({ key: 'up/big', ...signed(c, conds) }, 'x'.repeat(1001)));
  assert.equal(r.status, 400);
  assert.equal(xmlText(r.body.toString(), 'Code'), 'EntityTooLarge');
  r = await post('postb', form({ key: 'up/x', ...signed(c, conds, {}, Date.now() - 1000) }));
  assert.equal(r.status, 403);
  assert.equal(xmlText(r.body.toString(), 'Message'), 'Invalid according to Policy: Policy expired.');
  r = await post('postb', form({ key: 'up/x', ...signed(c, conds), Signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }));
  assert.equal(r.status, 403);
  assert.equal(xmlText(r.body.toString(), 'Code'), 'SignatureDoesNotMatch');
  r = await post('postb', form({ key: 'up/anon' }));
  assert.equal(r.status, 403);
  assert.equal(xmlText(r.body.toString(), 'Code'), 'AccessDenied');
  r = await raw(d, { method: 'POST', path: '/', body: 'a=b', headers: { host: 'postb.oss-cn-hangzhou.aliyuncs.com',
    'content-type': 'application/x-www-form-urlencoded', 'content-length': 3 } });
  assert.equal(xmlText(r.body.toString(), 'Code'), 'RequestIsNotMultiPartContent');
});

test('V4 form upload (signPostObjectPolicyV4)', async () => {
  const c = ossClient(d);
  const now = new Date();
  const iso = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const cred = `${d.ak}/${iso.slice(0, 8)}/cn-hangzhou/oss/aliyun_v4_request`;
  const policy = { expiration: new Date(Date.now() + 3600e3).toISOString(), conditions: [{ bucket: 'postb' },
    { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' }, { 'x-oss-credential': cred }, { 'x-oss-date': iso },
    ['in', '$content-type', ['text/plain', 'image/png']]] };
  const b64 = Buffer.from(JSON.stringify(policy)).toString('base64');
  const sig = c.signPostObjectPolicyV4(policy, now);
  const fields = { key: 'v4/obj', policy: b64, 'x-oss-signature-version': 'OSS4-HMAC-SHA256',
    'x-oss-credential': cred, 'x-oss-date': iso, 'x-oss-signature': sig, 'Content-Type': 'text/plain' };
  let r = await post('postb', form(fields, 'v4 body'));
  assert.equal(r.status, 204, r.body.toString());
  const got = await ossClient(d, { bucket: 'postb' }).get('v4/obj');
  assert.equal(got.content.toString(), 'v4 body');
  r = await post('postb', form({ ...fields, 'Content-Type': 'text/html' }));
  assert.equal(r.status, 403);
  assert.equal(xmlText(r.body.toString(), 'Code'), 'AccessDenied');
  r = await post('postb', form({ ...fields, 'x-oss-signature': '0'.repeat(64) }));
  assert.equal(r.status, 403);
  assert.equal(xmlText(r.body.toString(), 'Code'), 'SignatureDoesNotMatch');
});
