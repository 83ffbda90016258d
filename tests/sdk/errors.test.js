// Error responses as ali-oss sees them (err.code/status/requestId/ecCode)
// and on the wire (XML body, x-oss-ec, x-oss-err for HEAD): NoSuchBucket,
// NoSuchKey, InvalidBucketName, InvalidObjectName, SignatureDoesNotMatch,
// InvalidAccessKeyId, RequestTimeTooSkewed, AccessDenied (spec oss-api.md
// §1, §5), with V1 and V4 signatures and both addressing modes.
'use strict';
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const {
  startDaemon, ossClient, raw, expectOssError, signedRaw, xmlText, v4Sign, isoBasic, COMBOS,
} = require('./lib/coffer');

let d;
before(async () => { d = await startDaemon(); });
after(async () => {
  assert.equal(await d.stop(), 0);
  fs.rmSync(d.dataDir, { recursive: true, force: true });
});

const MIN = 60 * 1000;
const sigEc = (v4) => (v4 ? '0002-00000201' : '0002-00000040');
const SIG_MSG = 'The request signature we calculated does not match the signature you provided. Check your key and signing method.';

// The children of <Error> in document order.
function errorChildren(xml) {
  const m = /<Error>([\s\S]*)<\/Error>/.exec(String(xml));
  assert.ok(m, `not an <Error> document: ${xml}`);
  return [...m[1].matchAll(/<([A-Za-z]+)>/g)].map((x) => x[1]);
}

// Checks the common shape of an error reply to a GET/PUT/DELETE: XML body
// with the fixed element order, x-oss-ec and x-oss-request-id headers.
function checkErrorBody(r, { status, code, ec, extras = [] }) {
  assert.equal(r.status, status, String(r.body));
  assert.equal(r.headers['content-type'], 'application/xml');
  const body = String(r.body);
  assert.ok(body.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Error>'), body);
  assert.deepEqual(errorChildren(body), ['Code', 'Message', 'RequestId', 'HostId', ...extras, 'EC', 'RecommendDoc']);
  assert.equal(xmlText(body, 'Code'), code);
  assert.match(r.headers['x-oss-request-id'], /^[0-9A-F]{24}$/);
  assert.equal(xmlText(body, 'RequestId'), r.headers['x-oss-request-id']);
  if (ec !== undefined) assert.equal(xmlText(body, 'EC'), ec);
  assert.equal(r.headers['x-oss-ec'], xmlText(body, 'EC'));
  assert.equal(xmlText(body, 'RecommendDoc'), `https://api.aliyun.com/troubleshoot?q=${xmlText(body, 'EC')}`);
  return body;
}

// A HEAD error: no body; the same document base64-encoded in x-oss-err.
function checkHeadError(r, { status, code, ec, extras = [] }) {
  assert.equal(r.status, status);
  assert.equal(r.body.length, 0);
  assert.match(r.headers['x-oss-request-id'], /^[0-9A-F]{24}$/);
  assert.ok(r.headers['x-oss-err'], 'x-oss-err header missing');
  const xml = Buffer.from(r.headers['x-oss-err'], 'base64').toString('utf8');
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Error>'), xml);
  assert.deepEqual(errorChildren(xml), ['Code', 'Message', 'RequestId', 'HostId', ...extras, 'EC', 'RecommendDoc']);
  assert.equal(xmlText(xml, 'Code'), code);
  assert.equal(xmlText(xml, 'RequestId'), r.headers['x-oss-request-id']);
  if (ec !== undefined) assert.equal(xmlText(xml, 'EC'), ec);
  assert.match(xmlText(xml, 'EC'), /^\d{4}-\d{8}$/);
  assert.equal(r.headers['x-oss-ec'], xmlText(xml, 'EC'));
  return xml;
}

for (const { v4, mode, tag } of COMBOS) {
  describe(tag, () => {
    const bucket = `err-${tag}`;
    const host = mode === 'ip' ? `${bucket}.oss-cn-hangzhou.aliyuncs.com` : 'localhost';
    let c;
    before(async () => {
      c = ossClient(d, { bucket, v4, mode });
      await c.putBucket(bucket);
      await c.put('exists.txt', Buffer.from('here'));
    });

    test('NoSuchBucket and NoSuchKey through ali-oss', async () => {
      const nb = ossClient(d, { bucket: `nobucket-${tag}`, v4, mode });
      const e1 = await expectOssError(() => nb.get('x.txt'), { code: 'NoSuchBucket', status: 404, ec: '0015-00000101' });
      assert.equal(e1.message, 'The specified bucket does not exist.');
      assert.equal(e1.name, 'NoSuchBucketError');
      assert.match(e1.requestId, /^[0-9A-F]{24}$/);
      assert.equal(e1.hostId, mode === 'ip' ? `nobucket-${tag}.oss-cn-hangzhou.aliyuncs.com` : 'localhost');
      await expectOssError(() => nb.put('x.txt', Buffer.from('x')), { code: 'NoSuchBucket', status: 404, ec: '0015-00000101' });
      await expectOssError(() => nb.list({ 'max-keys': 1 }), { code: 'NoSuchBucket', status: 404, ec: '0015-00000101' });
      await expectOssError(() => nb.getBucketInfo(`nobucket-${tag}`), { code: 'NoSuchBucket', status: 404, ec: '0015-00000101' });

      // The key goes back escaped in <Key>, or xml2js could not parse it.
      const e0 = await expectOssError(() => c.get('missing&<x>"\'.txt'), { code: 'NoSuchKey', status: 404, ec: '0026-00000001' });
      assert.equal(e0.message, 'The specified key does not exist.');
      const e2 = await expectOssError(() => c.get('missing.txt'), { code: 'NoSuchKey', status: 404, ec: '0026-00000001' });
      assert.equal(e2.message, 'The specified key does not exist.');
      assert.equal(e2.hostId, host);
      // HEAD has no body: ali-oss makes its own NoSuchKey from the 404
      // and takes the request id from the header.
      const e3 = await expectOssError(() => c.head('missing.txt'), { code: 'NoSuchKey', status: 404 });
      assert.match(e3.requestId, /^[0-9A-F]{24}$/);
    });

    test('error bodies and HEAD x-oss-err on the wire', async () => {
      let r = await signedRaw(d, { bucket, key: 'missing dir/ü.txt', mode, v4 });
      let body = checkErrorBody(r, { status: 404, code: 'NoSuchKey', ec: '0026-00000001', extras: ['Key'] });
      assert.equal(xmlText(body, 'Key'), 'missing dir/ü.txt');
      assert.equal(xmlText(body, 'Message'), 'The specified key does not exist.');
      assert.equal(xmlText(body, 'HostId'), host);

      r = await signedRaw(d, { bucket: `nobucket-${tag}`, key: 'k', mode, v4 });
      body = checkErrorBody(r, { status: 404, code: 'NoSuchBucket', ec: '0015-00000101', extras: ['BucketName'] });
      assert.equal(xmlText(body, 'BucketName'), `nobucket-${tag}`);

      r = await signedRaw(d, { method: 'HEAD', bucket, key: 'missing.txt', mode, v4 });
      let xml = checkHeadError(r, { status: 404, code: 'NoSuchKey', ec: '0026-00000001', extras: ['Key'] });
      assert.equal(xmlText(xml, 'Message'), 'The specified key does not exist.');
      assert.equal(xmlText(xml, 'HostId'), host);
      assert.equal(xmlText(xml, 'Key'), 'missing.txt');

      r = await signedRaw(d, { method: 'HEAD', bucket: `nobucket-${tag}`, key: 'k', mode, v4 });
      xml = checkHeadError(r, { status: 404, code: 'NoSuchBucket', ec: '0015-00000101', extras: ['BucketName'] });

      r = await signedRaw(d, { method: 'HEAD', bucket, key: 'exists.txt', mode, v4, headers: { 'if-match': '"0"' } });
      xml = checkHeadError(r, { status: 412, code: 'PreconditionFailed', extras: ['Condition'] });
      assert.equal(xmlText(xml, 'Condition'), 'If-Match');

      r = await signedRaw(d, { method: 'HEAD', bucket, key: 'exists.txt', mode, v4, sk: 'wrong-secret' });
      xml = checkHeadError(r, {
        status: 403, code: 'SignatureDoesNotMatch', ec: sigEc(v4),
        extras: ['OSSAccessKeyId', 'SignatureProvided', 'StringToSign', 'StringToSignBytes'],
      });
      assert.equal(xmlText(xml, 'StringToSign'), r.stringToSign);
    });

    test('HEAD errors reach ali-oss through x-oss-err', async () => {
      const bad = ossClient(d, { bucket, v4, mode, sk: 'wrong-secret' });
      const e = await expectOssError(() => bad.head('exists.txt'),
        { code: 'SignatureDoesNotMatch', status: 403, ec: sigEc(v4) });
      assert.equal(e.message, SIG_MSG);
      assert.equal(e.hostId, host);
      const stranger = ossClient(d, { bucket, v4, mode, ak: 'LTAI5tNoSuchKey0000000', sk: 'x' });
      await expectOssError(() => stranger.head('exists.txt'),
        { code: 'InvalidAccessKeyId', status: 403, ec: '0002-00000902' });
    });

    test('wrong secret → SignatureDoesNotMatch with StringToSign and SignatureProvided', async () => {
      const bad = ossClient(d, { bucket, v4, mode, sk: 'wrong-secret' });
      const e = await expectOssError(() => bad.get('exists.txt'),
        { code: 'SignatureDoesNotMatch', status: 403, ec: sigEc(v4) });
      assert.equal(e.message, SIG_MSG);
      await expectOssError(() => bad.put('new.txt', Buffer.from('x')),
        { code: 'SignatureDoesNotMatch', status: 403, ec: sigEc(v4) });
      await expectOssError(() => c.head('new.txt'), { code: 'NoSuchKey', status: 404 });

      // On the wire: the server's string-to-sign is the one we signed.
      const good = await signedRaw(d, { bucket, key: 'exists.txt', mode, v4 });
      assert.equal(good.status, 200, String(good.body));
      const r = await signedRaw(d, { bucket, key: 'exists.txt', mode, v4, sk: 'wrong-secret' });
      const body = checkErrorBody(r, {
        status: 403, code: 'SignatureDoesNotMatch', ec: sigEc(v4),
        extras: ['OSSAccessKeyId', 'SignatureProvided', 'StringToSign', 'StringToSignBytes'],
      });
      assert.equal(xmlText(body, 'Message'), SIG_MSG);
      assert.equal(xmlText(body, 'OSSAccessKeyId'), d.ak);
      assert.equal(xmlText(body, 'StringToSign'), r.stringToSign);
      assert.equal(xmlText(body, 'StringToSignBytes'),
        [...Buffer.from(r.stringToSign)].map((b) => b.toString(16).padStart(2, '0')).join(' '));
      const provided = xmlText(body, 'SignatureProvided');
      if (v4) assert.match(provided, /^[0-9a-f]{64}$/);
      else assert.match(provided, /^[A-Za-z0-9+/]{27}=$/);
      // An explicit bogus signature comes back verbatim.
      const bogus = v4 ? 'ab'.repeat(32) : 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=';
      const r2 = await signedRaw(d, { bucket, key: 'exists.txt', mode, v4, signature: bogus });
      assert.equal(r2.status, 403);
      assert.equal(xmlText(r2.body, 'SignatureProvided'), bogus);
      assert.equal(xmlText(r2.body, 'StringToSign'), r2.stringToSign);
    });

    if (v4) {
      test('V4 AdditionalHeaders are signed; a changed signed header fails', async () => {
        const when = new Date();
        const headers = { date: when.toUTCString(), 'x-oss-date': isoBasic(when), 'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
          range: 'bytes=0-1', 'x-custom-thing': 'v' };
        const s4 = v4Sign({ method: 'GET', bucket, key: 'exists.txt', headers, ak: d.ak, sk: d.sk,
          additionalHeaders: ['x-custom-thing', 'Range'] });
        assert.match(s4.authorization, /,AdditionalHeaders=range;x-custom-thing,Signature=/);
        const p = mode === 'ip' ? '/exists.txt' : `/${bucket}/exists.txt`;
        const h = mode === 'ip' ? host : `localhost:${d.port}`;
        let r = await raw(d, { path: p, headers: { ...headers, host: h, authorization: s4.authorization } });
        assert.equal(r.status, 206, String(r.body));
        assert.equal(String(r.body), 'he');
        r = await raw(d, { path: p, headers: { ...headers, range: 'bytes=0-3', host: h, authorization: s4.authorization } });
        const body = checkErrorBody(r, { status: 403, code: 'SignatureDoesNotMatch', ec: '0002-00000201',
          extras: ['OSSAccessKeyId', 'SignatureProvided', 'StringToSign', 'StringToSignBytes'] });
        assert.equal(xmlText(body, 'SignatureProvided'), s4.signature);
        // An unsigned extra header does not matter.
        r = await raw(d, { path: p, headers: { ...headers, 'x-other': 'z', host: h, authorization: s4.authorization } });
        assert.equal(r.status, 206);
      });
    }

    test('unknown access key → InvalidAccessKeyId', async () => {
      const stranger = ossClient(d, { bucket, v4, mode, ak: 'LTAI5tNoSuchKey0000000', sk: 'x' });
      const e = await expectOssError(() => stranger.get('exists.txt'),
        { code: 'InvalidAccessKeyId', status: 403, ec: '0002-00000902' });
      assert.equal(e.message, 'The OSS Access Key Id you provided does not exist in our records.');
      const r = await signedRaw(d, { bucket, key: 'exists.txt', mode, v4, ak: 'LTAI5tNoSuchKey0000000' });
      const body = checkErrorBody(r, { status: 403, code: 'InvalidAccessKeyId', ec: '0002-00000902', extras: ['OSSAccessKeyId'] });
      assert.equal(xmlText(body, 'OSSAccessKeyId'), 'LTAI5tNoSuchKey0000000');
    });

    test('client clock 16 minutes off → RequestTimeTooSkewed; 14 minutes → accepted', async () => {
      for (const skew of [-16 * MIN, 16 * MIN]) {
        const off = ossClient(d, { bucket, v4, mode, amendTimeSkewed: skew });
        const e = await expectOssError(() => off.get('exists.txt'),
          { code: 'RequestTimeTooSkewed', status: 403, ec: '0002-00000504' });
        assert.equal(e.message, 'The difference between the request time and the current time is too large.');
      }
      for (const skew of [-14 * MIN, 14 * MIN]) {
        const off = ossClient(d, { bucket, v4, mode, amendTimeSkewed: skew });
        assert.deepEqual((await off.get('exists.txt')).content, Buffer.from('here'));
      }
    });

    test('hand-signed request 16 minutes off: RequestTime and ServerTime in the body', async () => {
      for (const skew of [-16 * MIN, 16 * MIN]) {
        // Whole seconds: Date headers carry no milliseconds.
        const when = new Date(Math.floor((Date.now() + skew) / 1000) * 1000);
        const r = await signedRaw(d, { bucket, key: 'exists.txt', mode, v4, date: when });
        const body = checkErrorBody(r, {
          status: 403, code: 'RequestTimeTooSkewed', ec: '0002-00000504', extras: ['RequestTime', 'ServerTime'],
        });
        assert.equal(Date.parse(xmlText(body, 'RequestTime')), when.getTime());
        assert.ok(Math.abs(Date.parse(xmlText(body, 'ServerTime')) - Date.now()) < 10000, xmlText(body, 'ServerTime'));
      }
      for (const skew of [-14 * MIN, 14 * MIN]) {
        const r = await signedRaw(d, { bucket, key: 'exists.txt', mode, v4, date: new Date(Date.now() + skew) });
        assert.equal(r.status, 200, String(r.body));
        assert.equal(String(r.body), 'here');
      }
    });

    test('InvalidBucketName and InvalidObjectName', async () => {
      const badName = ossClient(d, { bucket: 'bad_name', v4, mode });
      const e = await expectOssError(() => badName.get('k'), { code: 'InvalidBucketName', status: 400 });
      assert.equal(e.message, 'The specified bucket is not valid.');
      for (const name of ['ab', 'bad_name', '-leading', 'trailing-', 'a'.repeat(64)]) {
        const r = await signedRaw(d, { method: 'PUT', bucket: name, mode: 'path', v4 });
        checkErrorBody(r, { status: 400, code: 'InvalidBucketName', extras: ['BucketName'] });
      }
      // Keys are 1..1023 bytes of UTF-8; bytes, not characters, count.
      const e2 = await expectOssError(() => c.put('k'.repeat(1024), Buffer.from('x')),
        { code: 'InvalidObjectName', status: 400 });
      assert.equal(e2.message, 'The specified object is not valid.');
      await expectOssError(() => c.put('é'.repeat(512), Buffer.from('x')), { code: 'InvalidObjectName', status: 400 });
      assert.equal((await c.put('k'.repeat(1023), Buffer.from('x'))).res.status, 200);
      assert.equal((await c.put(`${'é'.repeat(511)}a`, Buffer.from('x'))).res.status, 200);
      assert.deepEqual((await c.get(`${'é'.repeat(511)}a`)).content, Buffer.from('x'));
      await expectOssError(() => c.get('k'.repeat(1024)), { code: 'InvalidObjectName', status: 400 });
    });

    test('anonymous requests to a private bucket → AccessDenied', async () => {
      const p = mode === 'ip' ? '/exists.txt' : `/${bucket}/exists.txt`;
      const r = await raw(d, { path: p, headers: { host: mode === 'ip' ? host : `localhost:${d.port}` } });
      const body = checkErrorBody(r, { status: 403, code: 'AccessDenied', ec: '0003-00000001' });
      assert.equal(xmlText(body, 'Message'), 'You have no right to access this object because of bucket acl.');
      const put = await raw(d, { method: 'PUT', path: p, headers: { host: mode === 'ip' ? host : `localhost:${d.port}` }, body: 'evil' });
      checkErrorBody(put, { status: 403, code: 'AccessDenied' });
      assert.deepEqual((await c.get('exists.txt')).content, Buffer.from('here'));
      const head = await raw(d, { method: 'HEAD', path: p, headers: { host: mode === 'ip' ? host : `localhost:${d.port}` } });
      checkHeadError(head, { status: 403, code: 'AccessDenied', ec: '0003-00000001' });
    });
  });
}

test('malformed Authorization → 400 InvalidArgument; bad Date → 403 AccessDenied', async () => {
  const c = ossClient(d, { bucket: 'err-misc' });
  await c.putBucket('err-misc');
  await c.put('k.txt', Buffer.from('k'));
  const host = 'err-misc.oss-cn-hangzhou.aliyuncs.com';
  for (const auth of ['OSS garbage', 'OSS :sig', 'OSS4-HMAC-SHA256 Credential=x']) {
    const r = await raw(d, { path: '/k.txt', headers: { host, date: new Date().toUTCString(), authorization: auth } });
    checkErrorBody(r, { status: 400, code: 'InvalidArgument' });
  }
  // A scheme we do not implement is named, not called invalid.
  for (const [auth, scheme] of [['Bearer abc', 'Bearer'], ['AWS4-ECDSA-P256-SHA256 Credential=x', 'AWS4-ECDSA-P256-SHA256']]) {
    const r = await raw(d, { path: '/k.txt', headers: { host, date: new Date().toUTCString(), authorization: auth } });
    const body = checkErrorBody(r, { status: 400, code: 'InvalidArgument', extras: ['ArgumentName', 'ArgumentValue'] });
    assert.equal(xmlText(body, 'Message'), 'The authorization scheme is not supported.');
    assert.equal(xmlText(body, 'ArgumentName'), 'Authorization');
    assert.equal(xmlText(body, 'ArgumentValue'), scheme);
  }
  const r = await signedRaw(d, { bucket: 'err-misc', key: 'k.txt', headers: { date: 'not a date' } });
  checkErrorBody(r, { status: 403, code: 'AccessDenied' });
});

test('ListBuckets: anonymous → AccessDenied; bad signature → SignatureDoesNotMatch', async () => {
  const r = await raw(d, { path: '/', headers: { host: '.oss-cn-hangzhou.aliyuncs.com' } });
  const body = checkErrorBody(r, { status: 403, code: 'AccessDenied' });
  assert.equal(xmlText(body, 'Message'), 'Anonymous access is forbidden for this operation.');
  for (const v4 of [false, true]) {
    for (const mode of ['ip', 'path']) {
      const bad = ossClient(d, { v4, mode, sk: 'nope' });
      await expectOssError(() => bad.listBuckets(), { code: 'SignatureDoesNotMatch', status: 403, ec: sigEc(v4) });
    }
  }
});

// Real OSS refuses a bucket addressed through another region's endpoint
// (spec oss-api.md §1.1: AccessDenied with <Endpoint>; the OSS 403 page:
// "The bucket you are attempting to access must be addressed using the
// specified endpoint. Please send all future requests to this endpoint.").
test('a bucket addressed through another region\'s endpoint is refused', async () => {
  const c = ossClient(d, { bucket: 'err-region' });
  await c.putBucket('err-region');
  await c.put('k.txt', Buffer.from('k'));
  for (const v4 of [false, true]) {
    const other = ossClient(d, { bucket: 'err-region', v4, region: 'oss-cn-shanghai' });
    const e = await expectOssError(() => other.get('k.txt'), { code: 'AccessDenied', status: 403 });
    assert.equal(e.message, 'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.');
  }
  const r = await raw(d, { path: '/k.txt', headers: { host: 'err-region.oss-cn-shanghai.aliyuncs.com' } });
  assert.equal(r.status, 403);
  assert.equal(xmlText(r.body, 'Endpoint'), 'oss-cn-hangzhou.aliyuncs.com');
});
