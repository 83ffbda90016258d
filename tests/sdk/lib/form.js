// form.js: hand-built PostObject requests (spec oss-api-2.md §4) for the
// SDK tests: a multipart/form-data body, its POST to a bucket host, and the
// V1 and V4 policy signatures the way ali-oss makes them.
'use strict';
const { raw, isoBasic } = require('./coffer');

const BOUNDARY = 'XyZzyBoundary';

// fields before the file, the file part, a trailing submit part (as the
// PostObject page's own sample has).
function form(fields, file = 'hello form', filename = 'a.txt') {
  const B = BOUNDARY;
  let s = '';
  for (const [n, v] of Object.entries(fields)) s += `--${B}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`;
  return Buffer.concat([Buffer.from(`${s}--${B}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/plain\r\n\r\n`),
    Buffer.from(file), Buffer.from(`\r\n--${B}\r\nContent-Disposition: form-data; name="submit"\r\n\r\nUpload\r\n--${B}--\r\n`)]);
}

function post(d, bucket, body) {
  return raw(d, { method: 'POST', path: '/', body, headers: { host: `${bucket}.oss-cn-hangzhou.aliyuncs.com`,
    'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': Buffer.byteLength(body) } });
}

// V1: the policy's fields signed by client c (calculatePostSignature).
function signedV1(d, c, conditions, extra = {}, exp = Date.now() + 3600e3) {
  const s = c.calculatePostSignature({ expiration: new Date(exp).toISOString(), conditions });
  return { OSSAccessKeyId: d.ak, policy: s.policy, Signature: s.Signature, ...extra };
}

// V4: the four signature fields and the policy, signed by client c
// (signPostObjectPolicyV4) at date now with the credential's day day.
function signedV4(d, c, conditions, { now = new Date(), day, region = 'cn-hangzhou', date } = {}) {
  const iso = date || isoBasic(now);
  const cred = `${d.ak}/${day || iso.slice(0, 8)}/${region}/oss/aliyun_v4_request`;
  const policy = { expiration: new Date(Date.now() + 3600e3).toISOString(), conditions: [...conditions,
    { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' }, { 'x-oss-credential': cred }, { 'x-oss-date': iso }] };
  const d8 = cred.split('/')[1];
  const sigDate = /^\d{8}$/.test(d8) ? new Date(Date.UTC(+d8.slice(0, 4), +d8.slice(4, 6) - 1, +d8.slice(6, 8))) : now;
  return { policy: Buffer.from(JSON.stringify(policy)).toString('base64'),
    'x-oss-signature-version': 'OSS4-HMAC-SHA256', 'x-oss-credential': cred, 'x-oss-date': iso,
    'x-oss-signature': c.signPostObjectPolicyV4(policy, sigDate) };
}

module.exports = { form, post, signedV1, signedV4, BOUNDARY };
