// Bucket CORS (spec oss-api-2.md §3): putBucketCORS / getBucketCORS /
// deleteBucketCORS through ali-oss, the stored document returned exactly,
// the limits, preflight OPTIONS requests sent raw as a browser sends them
// (unsigned) matching and not matching origin, method and headers, wildcard
// origins, the CORS headers of ordinary responses, ResponseVary, and the
// configuration going with its bucket.
'use strict';
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDaemon, ossClient, expectOssError, raw, signedRaw, xmlText, md5b64 } = require('./lib/coffer');

const SUBRES = new Set(['cors']);
const FORBIDDEN = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Requet-Headers are not whitelisted by the resource's CORS spec.";

let d;
after(async () => { if (d) assert.equal(await d.stop(), 0); });

const host = (bucket) => `${bucket}.oss-cn-hangzhou.aliyuncs.com`;

function preflight(bucket, key, headers) {
  return raw(d, { method: 'OPTIONS', path: `/${key || ''}`, headers: { host: host(bucket), ...headers } });
}

function putRaw(bucket, xml, headers = {}) {
  return signedRaw(d, { method: 'PUT', bucket, query: { cors: '' }, subres: SUBRES,
    headers: { 'content-type': 'application/xml', ...headers }, body: xml });
}

const RULES = [
  { allowedOrigin: ['http://*.example.com', 'https://app.test'], allowedMethod: ['GET', 'PUT', 'POST'],
    allowedHeader: ['Authorization', 'x-oss-meta-*'], exposeHeader: ['ETag', 'x-oss-request-id'], maxAgeSeconds: '600' },
  { allowedOrigin: '*', allowedMethod: 'HEAD' },
];

test('putBucketCORS, getBucketCORS, deleteBucketCORS', async () => {
  d = await startDaemon();
  const c = ossClient(d);
  await c.putBucket('corsb');
  await expectOssError(() => c.getBucketCORS('corsb'), { code: 'NoSuchCORSConfiguration', status: 404 });
  const put = await c.putBucketCORS('corsb', RULES);
  assert.equal(put.res.status, 200);
  const got = await c.getBucketCORS('corsb');
  assert.equal(got.rules.length, 2);
  assert.deepEqual(got.rules[0].allowedOrigin, ['http://*.example.com', 'https://app.test']);
  assert.deepEqual(got.rules[0].allowedMethod, ['GET', 'PUT', 'POST']);
  assert.deepEqual(got.rules[0].allowedHeader, ['Authorization', 'x-oss-meta-*']);
  assert.deepEqual(got.rules[0].exposeHeader, ['ETag', 'x-oss-request-id']);
  assert.equal(got.rules[0].maxAgeSeconds, '600');
  assert.equal(got.rules[1].allowedOrigin, '*');
  assert.equal(got.rules[1].allowedMethod, 'HEAD');
  assert.equal(got.rules[1].maxAgeSeconds, undefined);

  // The document comes back as put, in the canonical order.
  const r = await signedRaw(d, { bucket: 'corsb', query: { cors: '' }, subres: SUBRES });
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), '<?xml version="1.0" encoding="UTF-8"?>\n<CORSConfiguration><CORSRule>'
    + '<AllowedOrigin>http://*.example.com</AllowedOrigin><AllowedOrigin>https://app.test</AllowedOrigin>'
    + '<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod>'
    + '<AllowedHeader>Authorization</AllowedHeader><AllowedHeader>x-oss-meta-*</AllowedHeader>'
    + '<ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-oss-request-id</ExposeHeader>'
    + '<MaxAgeSeconds>600</MaxAgeSeconds></CORSRule><CORSRule><AllowedOrigin>*</AllowedOrigin>'
    + '<AllowedMethod>HEAD</AllowedMethod></CORSRule></CORSConfiguration>');

  // Put replaces.
  await c.putBucketCORS('corsb', [{ allowedOrigin: 'https://only.test', allowedMethod: 'GET' }]);
  assert.equal((await c.getBucketCORS('corsb')).rules.length, 1);

  const del = await c.deleteBucketCORS('corsb');
  assert.equal(del.res.status, 204);
  await expectOssError(() => c.getBucketCORS('corsb'), { code: 'NoSuchCORSConfiguration', status: 404 });
  assert.equal((await c.deleteBucketCORS('corsb')).res.status, 204);
  for (const fn of [() => c.getBucketCORS('nocorsb'), () => c.deleteBucketCORS('nocorsb'),
    () => c.putBucketCORS('nocorsb', RULES)])
    await expectOssError(fn, { code: 'NoSuchBucket', status: 404, ec: '0015-00000101' });
});

test('PutBucketCors refuses what OSS refuses', async () => {
  const rule = '<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>';
  const doc = (body) => `<CORSConfiguration>${body}</CORSConfiguration>`;
  let r = await putRaw('corsb', doc(rule.repeat(11)));
  assert.equal(r.status, 400);
  assert.equal(xmlText(r.body.toString(), 'Code'), 'CORSRuleBeyondLimit');
  assert.equal(xmlText(r.body.toString(), 'Message'), 'The CORS Rules num is beyond limit.');
  r = await putRaw('corsb', doc(rule.repeat(10)));
  assert.equal(r.status, 200);
  for (const bad of [
    '<CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule>',
    '<CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule>',
    `${rule}<ResponseVary>maybe</ResponseVary>`,
  ]) {
    r = await putRaw('corsb', doc(bad));
    assert.equal(r.status, 400, bad);
    assert.equal(xmlText(r.body.toString(), 'Code'), 'MalformedXML');
  }
  for (const bad of [
    '<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule>',
    '<CORSRule><AllowedOrigin>http://*.*.test</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>',
    '<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ExposeHeader>x-*</ExposeHeader></CORSRule>',
  ]) {
    r = await putRaw('corsb', doc(bad));
    assert.equal(r.status, 400, bad);
    assert.equal(xmlText(r.body.toString(), 'Code'), 'InvalidArgument');
  }
  r = await putRaw('corsb', doc(rule), { 'content-md5': md5b64(Buffer.from('other')) });
  assert.equal(r.status, 400);
  assert.equal(xmlText(r.body.toString(), 'Code'), 'InvalidDigest');
});

test('preflight OPTIONS answered from the rules', async () => {
  const c = ossClient(d);
  await c.putBucketCORS('corsb', RULES);

  let r = await preflight('corsb', 'some/key', { origin: 'http://www.example.com',
    'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, X-Oss-Meta-Color' });
  assert.equal(r.status, 200);
  assert.equal(r.body.length, 0);
  assert.equal(r.headers['access-control-allow-origin'], 'http://www.example.com');
  assert.equal(r.headers['access-control-allow-methods'], 'PUT');
  assert.equal(r.headers['access-control-allow-headers'], 'authorization, X-Oss-Meta-Color');
  assert.equal(r.headers['access-control-expose-headers'], 'ETag, x-oss-request-id');
  assert.equal(r.headers['access-control-max-age'], '600');
  assert.equal(r.headers.vary, undefined);

  // Bucket level, exact origin, no headers asked.
  r = await preflight('corsb', '', { origin: 'https://app.test', 'access-control-request-method': 'GET' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['access-control-allow-origin'], 'https://app.test');
  assert.equal(r.headers['access-control-allow-headers'], undefined);

  // The second rule: any origin, HEAD only, no max age.
  r = await preflight('corsb', 'k', { origin: 'http://elsewhere.test', 'access-control-request-method': 'HEAD' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['access-control-allow-origin'], 'http://elsewhere.test');
  assert.equal(r.headers['access-control-max-age'], undefined);

  const refused = [
    { origin: 'http://example.com', 'access-control-request-method': 'GET' },          // no subdomain
    { origin: 'https://www.example.com', 'access-control-request-method': 'GET' },     // scheme
    { origin: 'http://www.example.com.evil', 'access-control-request-method': 'GET' },
    { origin: 'https://app.test', 'access-control-request-method': 'DELETE' },
    { origin: 'https://app.test', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-oss-acl' },
    { origin: 'https://app.test', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,x-oss-date' },
    { origin: 'http://elsewhere.test', 'access-control-request-method': 'GET' },
  ];
  for (const h of refused) {
    r = await preflight('corsb', 'k', h);
    assert.equal(r.status, 403, JSON.stringify(h));
    assert.equal(xmlText(r.body.toString(), 'Code'), 'AccessForbidden');
    assert.equal(xmlText(r.body.toString(), 'Message').replace(/&apos;/g, "'"), FORBIDDEN);
    assert.equal(r.headers['access-control-allow-origin'], undefined);
  }

  r = await preflight('corsb', 'k', { 'access-control-request-method': 'GET' });
  assert.equal(r.status, 400);
  assert.equal(xmlText(r.body.toString(), 'Code'), 'BadRequest');
  assert.equal(xmlText(r.body.toString(), 'Message'), 'Insufficient information. Origin request header needed.');
  r = await preflight('corsb', 'k', { origin: 'https://app.test' });
  assert.equal(r.status, 400);
  assert.equal(xmlText(r.body.toString(), 'Message'),
    'Insufficient information. Request Access-Control-Request-Method header needed.');

  r = await preflight('nocorsb', 'k', { origin: 'https://app.test', 'access-control-request-method': 'GET' });
  assert.equal(r.status, 404);
  assert.equal(xmlText(r.body.toString(), 'Code'), 'NoSuchBucket');
  assert.equal(xmlText(r.body.toString(), 'EC'), '0015-00000101');

  // A bucket without rules refuses every preflight.
  await c.putBucket('plainb');
  r = await preflight('plainb', 'k', { origin: 'https://app.test', 'access-control-request-method': 'GET' });
  assert.equal(r.status, 403);
  assert.equal(xmlText(r.body.toString(), 'Code'), 'AccessForbidden');
});

test('CORS headers on ordinary responses, and ResponseVary', async () => {
  const c = ossClient(d, { bucket: 'corsb' });
  await c.put('obj', Buffer.from('hello'));
  const get = (origin) => signedRaw(d, { bucket: 'corsb', key: 'obj', headers: origin ? { origin } : {} });

  let r = await get('http://a.example.com');
  assert.equal(r.status, 200);
  assert.equal(r.headers['access-control-allow-origin'], 'http://a.example.com');
  assert.equal(r.headers['access-control-allow-methods'], 'GET, PUT, POST');
  assert.equal(r.headers['access-control-allow-headers'], 'Authorization, x-oss-meta-*');
  assert.equal(r.headers['access-control-expose-headers'], 'ETag, x-oss-request-id');
  assert.equal(r.headers['access-control-max-age'], '600');
  assert.equal(r.headers.vary, undefined);

  r = await get('http://nowhere.test');     // no rule: no CORS headers, still served
  assert.equal(r.status, 200);
  assert.equal(r.headers['access-control-allow-origin'], undefined);
  r = await get(null);
  assert.equal(r.headers['access-control-allow-origin'], undefined);

  // Errors of the bucket carry them too (a browser reads the code).
  r = await signedRaw(d, { bucket: 'corsb', key: 'missing', headers: { origin: 'https://app.test' } });
  assert.equal(r.status, 404);
  assert.equal(r.headers['access-control-allow-origin'], 'https://app.test');

  // HEAD matches the second rule only by its own method.
  r = await signedRaw(d, { method: 'HEAD', bucket: 'corsb', key: 'obj', headers: { origin: 'http://other.test' } });
  assert.equal(r.headers['access-control-allow-origin'], 'http://other.test');
  assert.equal(r.headers['access-control-allow-methods'], 'HEAD');

  // ResponseVary: Vary: Origin on every response of the bucket.
  const xml = '<CORSConfiguration><CORSRule><AllowedOrigin>https://app.test</AllowedOrigin>'
    + '<AllowedMethod>GET</AllowedMethod></CORSRule><ResponseVary>true</ResponseVary></CORSConfiguration>';
  assert.equal((await putRaw('corsb', xml)).status, 200);
  assert.match((await signedRaw(d, { bucket: 'corsb', query: { cors: '' }, subres: SUBRES })).body.toString(),
    /<ResponseVary>true<\/ResponseVary><\/CORSConfiguration>$/);
  for (const origin of ['https://app.test', 'http://nowhere.test', null]) {
    r = await get(origin);
    assert.equal(r.headers.vary, 'Origin', String(origin));
  }
  r = await preflight('corsb', 'obj', { origin: 'http://nowhere.test', 'access-control-request-method': 'GET' });
  assert.equal(r.status, 403);
  assert.equal(r.headers.vary, 'Origin');
  r = await preflight('corsb', 'obj', { origin: 'https://app.test', 'access-control-request-method': 'GET' });
  assert.equal(r.status, 200);
  assert.equal(r.headers.vary, 'Origin');
  // Another bucket is not affected.
  r = await signedRaw(d, { bucket: 'plainb', query: {} });
  assert.equal(r.headers.vary, undefined);
});

test('the configuration goes with its bucket', async () => {
  const c = ossClient(d);
  await c.putBucket('goneb');
  await c.putBucketCORS('goneb', RULES);
  await c.deleteBucket('goneb');
  await c.putBucket('goneb');
  await expectOssError(() => c.getBucketCORS('goneb'), { code: 'NoSuchCORSConfiguration', status: 404 });
  const r = await preflight('goneb', 'k', { origin: 'https://app.test', 'access-control-request-method': 'GET' });
  assert.equal(r.status, 403);
});
