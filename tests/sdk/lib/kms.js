// kms.js: KMS clients for the SDK tests (spec clients.md §2, kms-api.md §2).
//
//  - v1Client: the real @alicloud/kms20160120 1.2.0 client (RPC, HMAC-SHA1
//    signatures, every parameter in the query string);
//  - acs3: the real @alicloud/openapi-client callApi (ACS3-HMAC-SHA256
//    headers), parameters in the query or, with { body: true }, as a form
//    body, for the actions 1.2.0 does not have (ReEncrypt, ...);
//  - rawV1: a hand-signed v1 request, for what no SDK sends on purpose
//    (old timestamps, replayed nonces, GET, form bodies);
//  - expectKmsError: the error a client throws, checked for code and status.
'use strict';
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');

const Kms = require('@alicloud/kms20160120').default;
const KMS = require('@alicloud/kms20160120');
const OpenApi = require('@alicloud/openapi-client');

function v1Client(d, { ak, sk } = {}) {
  return new Kms({ accessKeyId: ak || d.ak, accessKeySecret: sk || d.sk,
    endpoint: `127.0.0.1:${d.kmsPort}`, protocol: 'http',
    readTimeout: 30000, connectTimeout: 30000 });
}

// acs3(d)(action, params) -> response body. tls: { ca, cert, key } (PEM
// strings) for a KMS listener serving HTTPS.
function acs3(d, { ak, sk, body = false, tls } = {}) {
  const client = new OpenApi.default(new OpenApi.Config({
    accessKeyId: ak || d.ak, accessKeySecret: sk || d.sk,
    endpoint: `127.0.0.1:${d.kmsPort}`, protocol: tls ? 'https' : 'http',
    readTimeout: 30000, connectTimeout: 30000, ...(tls || {}) }));
  return async (action, p = {}) => {
    const params = new OpenApi.Params({ action, version: '2016-01-20', protocol: tls ? 'HTTPS' : 'HTTP',
      pathname: '/', method: 'POST', authType: 'AK', style: 'RPC',
      reqBodyType: 'formData', bodyType: 'json' });
    const req = new OpenApi.OpenApiRequest(body ? { query: {}, body: p } : { query: p });
    const r = await client.callApi(params, req, {});
    assert.equal(r.statusCode, 200);
    return r.body;
  };
}

// RFC 3986 as the v1 signature wants it.
function enc(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function isoNow(ms = Date.now()) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// A v1-signed request. where: 'query' | 'body'. Returns
// { status, body (parsed JSON), text (raw), headers, url, form } (url and
// form are what was sent, for replaying it as captured).
function rawV1(d, action, params = {}, { method = 'POST', where = 'query', timestamp,
  nonce, ak, sk, tamper, format = 'json' } = {}) {
  const all = { Action: action, Version: '2016-01-20', Format: format,
    Timestamp: timestamp || isoNow(), SignatureNonce: nonce || crypto.randomBytes(16).toString('hex'),
    SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', AccessKeyId: ak || d.ak, ...params };
  const canon = Object.keys(all).map((k) => [enc(k), enc(String(all[k]))])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('&');
  const sts = `${method}&${enc('/')}&${enc(canon)}`;
  all.Signature = crypto.createHmac('sha1', `${sk || d.sk}&`).update(sts).digest('base64');
  if (tamper) tamper(all);
  const qs = Object.keys(all).map((k) => `${enc(k)}=${enc(String(all[k]))}`).join('&');
  const path = where === 'query' ? `/?${qs}` : '/';
  const body = where === 'query' ? '' : qs;
  const headers = { 'content-length': Buffer.byteLength(body) };
  if (where !== 'query') headers['content-type'] = 'application/x-www-form-urlencoded';
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: d.kmsPort, method, path, headers, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json;
          try { json = JSON.parse(text); } catch (e) { json = { unparsable: text }; }
          resolve({ status: res.statusCode, headers: res.headers, body: json, text, all, stringToSign: sts,
            url: path, form: body });
        });
      });
    req.on('error', reject);
    req.end(body);
  });
}

// Runs fn, expects a KMS error: the v1 client throws code "<Code>Error"
// with "code: <status>" in the message (clients.md §2.4); openapi-client
// throws code "<Code>" with data.statusCode.
async function expectKmsError(fn, code, status) {
  let err;
  try { await fn(); } catch (e) { err = e; }
  assert.ok(err, `expected ${code}, got success`);
  if (err.code === `${code}Error`) {
    assert.equal(err.data.Code, code);
    if (status !== undefined) assert.match(err.message, new RegExp(`code: ${status},`));
  } else {
    assert.equal(err.code, code, `code (message: ${err.message})`);
    if (status !== undefined) assert.equal(err.data.statusCode, status);
  }
  assert.match(err.data.RequestId, /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  if (status !== undefined) assert.equal(err.data.HttpStatus, status);
  return err;
}

// Wraps 32 bytes of material with GetParametersForImport's public key, as
// a client would (node:crypto; spec §1.4).
function wrapMaterial(publicKeyB64, algorithm, material) {
  const key = crypto.createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' });
  const opts = { key };
  if (algorithm === 'RSAES_PKCS1_V1_5') opts.padding = crypto.constants.RSA_PKCS1_PADDING;
  else {
    opts.padding = crypto.constants.RSA_PKCS1_OAEP_PADDING;
    opts.oaepHash = algorithm === 'RSAES_OAEP_SHA_256' ? 'sha256' : 'sha1';
  }
  return crypto.publicEncrypt(opts, material).toString('base64');
}

// Sends a request exactly as given (a captured one, or one no client would
// build). Returns { status, headers, text, body (parsed JSON or null),
// reusedSocket (with a keep-alive agent) }.
function rawHttp(d, method, path, { body = '', headers = {}, agent = false } = {}) {
  const h = { 'content-length': Buffer.byteLength(body), ...headers };
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: d.kmsPort, method, path, headers: h, agent },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json = null;
          try { json = JSON.parse(text); } catch (e) { /* not JSON */ }
          resolve({ status: res.statusCode, headers: res.headers, text, body: json,
            reusedSocket: req.reusedSocket });
        });
      });
    req.on('error', reject);
    req.end(body);
  });
}

module.exports = { Kms, KMS, v1Client, acs3, rawV1, rawHttp, expectKmsError, wrapMaterial, isoNow };
