// PostObject V4 form fields (spec oss-api-2.md §4.2, §4.3): the four
// signature fields and the policy are required; the credential is
// <AK>/<yyyymmdd>/<region>/oss/aliyun_v4_request (400 InvalidArgument,
// EC 0002-00000710) whose SignDate is a date and the day of x-oss-date
// (EC 0002-00000709); x-oss-date is required as for a header-signed V4
// request (403 AccessDenied), at most 15 minutes ahead of the server (403
// RequestTimeTooSkewed with RequestTime and ServerTime) and valid 7 days
// (403 AccessDenied "Request has expired."); the policy must name the
// three signed fields. Forms are signed by ali-oss's signPostObjectPolicyV4.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDaemon, ossClient, xmlText, isoBasic } = require('./lib/coffer');
const { form, post, signedV4 } = require('./lib/form');

const B = 'post-v4';
let d;
let c;
before(async () => {
  d = await startDaemon();
  c = ossClient(d);
  await c.putBucket(B);
});
after(async () => { if (d) assert.equal(await d.stop(), 0); });

function expectErr(r, status, code, message, ec) {
  const body = r.body.toString();
  assert.equal(r.status, status, body);
  assert.equal(xmlText(body, 'Code'), code);
  if (message !== undefined) assert.equal(xmlText(body, 'Message').replace(/&quot;/g, '"'), message);
  if (ec !== undefined) assert.equal(xmlText(body, 'EC'), ec);
  return body;
}
const send = (fields, key = 'v4/k') => post(d, B, form({ key, ...fields }));
const without = (o, k) => Object.fromEntries(Object.entries(o).filter(([n]) => n !== k));

test('a well-formed V4 form is accepted; each signature field is required', async () => {
  const f = signedV4(d, c, [{ bucket: B }]);
  assert.equal((await send(f)).status, 204);
  expectErr(await send(without(f, 'x-oss-credential')), 400, 'InvalidArgument',
    'Post request x-oss-credential is invalid.', '0002-00000710');
  expectErr(await send(without(f, 'x-oss-date')), 403, 'AccessDenied',
    'OSS authentication requires a valid Date.');
  expectErr(await send(without(f, 'x-oss-signature')), 400, 'InvalidArgument',
    'Post request signature is empty.');
  expectErr(await send(without(f, 'policy')), 400, 'InvalidArgument',
    'Post request policy is empty.', '0002-00000702');
  const body = expectErr(await send({ ...f, 'x-oss-signature-version': 'OSS3-HMAC-SHA1' }), 400, 'InvalidArgument');
  assert.equal(xmlText(body, 'ArgumentName'), 'x-oss-signature-version');
});

test('malformed credential and SignDate', async () => {
  const f = signedV4(d, c, [{ bucket: B }]);
  const [ak, day, region] = f['x-oss-credential'].split('/');
  for (const bad of [`${ak}/${day}/${region}/oss/abc`, `${ak}/${day}/${region}/s3/aliyun_v4_request`,
    `${ak}/${day}/${region}/oss`, `/${day}/${region}/oss/aliyun_v4_request`, 'x']) {
    expectErr(await send({ ...f, 'x-oss-credential': bad }), 400, 'InvalidArgument',
      'Post request x-oss-credential is invalid.', '0002-00000710');
  }
  const dashed = `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}`;
  expectErr(await send(signedV4(d, c, [{ bucket: B }], { day: dashed })), 400, 'InvalidArgument',
    'Post request x-oss-credential SignDate is invalid.', '0002-00000709');
  expectErr(await send(signedV4(d, c, [{ bucket: B }], { day: '2026x201' })), 400, 'InvalidArgument',
    undefined, '0002-00000709');
  // The credential's day is not the day of x-oss-date.
  const yesterday = isoBasic(new Date(Date.now() - 86400e3)).slice(0, 8);
  expectErr(await send(signedV4(d, c, [{ bucket: B }], { day: yesterday })), 400, 'InvalidArgument',
    'Post request x-oss-credential SignDate is invalid.', '0002-00000709');
  expectErr(await send({ ...f, 'x-oss-date': '2026-12-07T10:00:00Z' }), 403, 'AccessDenied',
    'OSS authentication requires a valid Date.');
});

test('x-oss-date: 15 minutes of skew ahead, 7 days of validity behind', async () => {
  // 10 minutes ahead, 6 days behind: accepted (each on its own day).
  assert.equal((await send(signedV4(d, c, [{ bucket: B }], { now: new Date(Date.now() + 10 * 60e3) }))).status, 204);
  assert.equal((await send(signedV4(d, c, [{ bucket: B }], { now: new Date(Date.now() - 6 * 86400e3) }))).status, 204);
  const ahead = new Date(Date.now() + 20 * 60e3);
  const body = expectErr(await send(signedV4(d, c, [{ bucket: B }], { now: ahead })), 403, 'RequestTimeTooSkewed',
    'The difference between the request time and the current time is too large.', '0002-00000504');
  assert.ok(xmlText(body, 'RequestTime'));
  assert.ok(xmlText(body, 'ServerTime'));
  expectErr(await send(signedV4(d, c, [{ bucket: B }], { now: new Date(Date.now() - 8 * 86400e3) })), 403,
    'AccessDenied', 'Request has expired.');
});

test('the policy must name x-oss-signature-version, x-oss-credential and x-oss-date', async () => {
  const f = signedV4(d, c, [{ bucket: B }]);
  const policy = JSON.parse(Buffer.from(f.policy, 'base64').toString());
  for (const name of ['x-oss-signature-version', 'x-oss-credential', 'x-oss-date']) {
    const p = { ...policy, conditions: policy.conditions.filter((x) => !(name in x)) };
    const day = f['x-oss-credential'].split('/')[1];
    const sigDate = new Date(Date.UTC(+day.slice(0, 4), +day.slice(4, 6) - 1, +day.slice(6, 8)));
    const g = { ...f, policy: Buffer.from(JSON.stringify(p)).toString('base64'),
      'x-oss-signature': c.signPostObjectPolicyV4(p, sigDate) };
    expectErr(await send(g), 403, 'AccessDenied',
      `Invalid according to Policy: Policy Condition failed: ["eq", "$${name}", "${f[name]}"]`, '0006-00000227');
  }
  // Named, but with another value: the condition fails as any other. The
  // other value is a second away from the form's own, on the same day, so
  // neither a slow run nor midnight makes it equal or moves its SignDate.
  const date = f['x-oss-date'];
  const ss = +date.slice(13, 15);
  const other = `${date.slice(0, 13)}${String(ss === 0 ? 1 : ss - 1).padStart(2, '0')}Z`;
  const r = await send({ ...f, 'x-oss-date': other });
  expectErr(r, 403, 'AccessDenied', undefined, '0006-00000227');
});

// Last: the test clock only moves forward.
test('the server\'s clock decides: a form dated today has expired 8 days on', async () => {
  const f = signedV4(d, c, [{ bucket: B }]);
  d.clockAdvance('8d');
  expectErr(await send(f), 403, 'AccessDenied', 'Request has expired.');
});
