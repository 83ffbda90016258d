// KMS request-size limits: every refusal the daemon decides is a KMS error
// document (JSON, or XML with Format=XML) with the documented code, for
// parameters in the query (GET and POST) and in a form body alike, and the
// connection survives it. Positive control: a 6 KiB Plaintext encrypts and
// decrypts through the same paths. One daemon has the default
// max_kms_request_head (128 KiB), one 512 KiB for the targets past that.
// The one limit the daemon does not word itself (a request line and
// headers beyond max_kms_request_head: MHD's own page) is checked to be
// exactly there.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');
const { startDaemon } = require('./lib/coffer');
const { KMS, v1Client, rawV1, rawHttp } = require('./lib/kms');

let d;		// defaults
let big;	// max_kms_request_head = 512 KiB
let key;
let bigKey;
before(async () => {
  d = await startDaemon();
  key = (await v1Client(d).createKey(new KMS.CreateKeyRequest({}))).keyMetadata.keyId;
  big = await startDaemon({ args: ['--max-kms-request-head', String(512 * 1024)] });
  bigKey = (await v1Client(big).createKey(new KMS.CreateKeyRequest({}))).keyMetadata.keyId;
});
after(async () => {
  assert.equal(await d.stop(), 0);
  assert.equal(await big.stop(), 0);
});

const KIB = 1024;
const PLAINTEXT_INVALID = 'The specified parameter "Plaintext" is not valid.';
const TOO_LARGE = 'The request is too large.';

function assertJsonError(r, status, code, message) {
  assert.equal(r.status, status, r.text.slice(0, 200));
  assert.equal(r.headers['content-type'], 'application/json;charset=utf-8');
  assert.ok(r.body && typeof r.body === 'object', `JSON body, got: ${r.text.slice(0, 200)}`);
  assert.equal(r.body.Code, code);
  if (message) assert.equal(r.body.Message, message);
  assert.equal(r.body.HttpStatus, status);
  assert.match(r.body.RequestId, /^[0-9A-F-]{36}$/);
}

function assertXmlError(r, status, code, message) {
  assert.equal(r.status, status, r.text.slice(0, 200));
  assert.equal(r.headers['content-type'], 'application/xml;charset=utf-8');
  assert.match(r.text, /^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<KMS>/);
  assert.match(r.text, new RegExp(`<Code>${code}</Code>`));
  assert.match(r.text, new RegExp(`<HttpStatus>${status}</HttpStatus>`));
  assert.match(r.text, /<RequestId>[0-9A-F-]{36}<\/RequestId>/);
  if (message) assert.ok(r.text.includes(`<Message>${message.replace(/"/g, '&quot;')}</Message>`), r.text);
}

// A Plaintext of n bytes: base64 text (what SDK users send) or, with
// every byte percent-encoded, three times that in the URL.
const b64Plain = (n) => crypto.randomBytes(n).toString('base64').slice(0, n);
const wide = (n) => '\u00e9'.repeat(n / 2);	// 2 UTF-8 bytes each, %C3%A9 in the URL

test('Encrypt with a 64 KiB Plaintext: 400 InvalidParameter naming it, query (POST, GET) and form body', async () => {
  const plain = b64Plain(64 * KIB);
  for (const opts of [{ method: 'POST', where: 'query' }, { method: 'GET', where: 'query' },
    { method: 'POST', where: 'body' }]) {
    const r = await rawV1(d, 'Encrypt', { KeyId: key, Plaintext: plain }, opts);
    assertJsonError(r, 400, 'InvalidParameter', PLAINTEXT_INVALID);
    assert.ok((opts.where === 'query' ? r.url : r.form).length > 64 * KIB);
  }
  // percent-encoded non-ASCII: a 192 KiB target (past the default head
  // size: with max_kms_request_head raised)
  const r = await rawV1(big, 'Encrypt', { KeyId: bigKey, Plaintext: wide(64 * KIB) });
  assert.ok(r.url.length > 190 * KIB);
  assertJsonError(r, 400, 'InvalidParameter', PLAINTEXT_INVALID);
  // the key is checked after the parameter: an unknown key still names Plaintext
  const u = await rawV1(d, 'Encrypt', { KeyId: 'alias/none', Plaintext: plain });
  assertJsonError(u, 400, 'InvalidParameter', PLAINTEXT_INVALID);
});

test('Format=XML: the same refusals as XML, query and form body', async () => {
  const plain = b64Plain(64 * KIB);
  for (const where of ['query', 'body']) {
    const r = await rawV1(d, 'Encrypt', { KeyId: key, Plaintext: plain }, { where, format: 'XML' });
    assertXmlError(r, 400, 'InvalidParameter', PLAINTEXT_INVALID);
  }
  // refusals decided before the parameters are decoded, too
  const long = await rawHttp(d, 'POST', `/?Format=XML&Action=Encrypt&Plaintext=${'A'.repeat(120 * KIB)}`);
  assertXmlError(long, 400, 'InvalidParameter', TOO_LARGE);
  const put = await rawV1(d, 'ListKeys', {}, { method: 'PUT', format: 'xml' });
  assertXmlError(put, 403, 'UnsupportedHTTPMethod');
  // and Format=json (what the SDK sends) stays JSON
  const j = await rawV1(d, 'Encrypt', { KeyId: key, Plaintext: plain }, { format: 'JSON' });
  assertJsonError(j, 400, 'InvalidParameter', PLAINTEXT_INVALID);
});

test('positive control: a 6 KiB Plaintext encrypts and decrypts, query and form body', async () => {
  for (const plain of [b64Plain(6 * KIB), wide(6 * KIB).slice(0, 3 * KIB)]) {
    for (const where of ['query', 'body']) {
      const e = await rawV1(d, 'Encrypt', { KeyId: key, Plaintext: plain }, { where });
      assert.equal(e.status, 200, e.text.slice(0, 300));
      const p = await rawV1(d, 'Decrypt', { CiphertextBlob: e.body.CiphertextBlob }, { where });
      assert.equal(p.status, 200, p.text.slice(0, 300));
      assert.equal(p.body.Plaintext, plain);
    }
  }
  // one byte more is refused
  const over = await rawV1(d, 'Encrypt', { KeyId: key, Plaintext: 'x'.repeat(6 * KIB + 1) });
  assertJsonError(over, 400, 'InvalidParameter', PLAINTEXT_INVALID);
});

test('the daemon\'s own size limits answer with the KMS error, on a live connection', async () => {
  // a target past the daemon's limit (head size - 16 KiB), inside MHD's
  for (const [dd, n] of [[d, 120 * KIB], [big, 500 * KIB - 1000]]) {
    const longUrl = await rawHttp(dd, 'POST', `/?Action=Encrypt&Plaintext=${'A'.repeat(n)}`);
    assertJsonError(longUrl, 400, 'InvalidParameter', TOO_LARGE);
  }
  // a form body past KMS_BODY_MAX (384 KiB): read, dropped, answered, and
  // the connection is still good for the next request
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const bigBody = await rawHttp(d, 'POST', '/', { body: `Action=Encrypt&Plaintext=${'A'.repeat(512 * KIB)}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' }, agent });
  assertJsonError(bigBody, 400, 'InvalidParameter', TOO_LARGE);
  const next = await rawHttp(d, 'GET', '/?Action=ListKeys', { agent });
  assertJsonError(next, 400, 'MissingParameter');
  assert.equal(next.reusedSocket, true);
  agent.destroy();
  // too many parameters (more than 256)
  const many = {};
  for (let i = 0; i < 300; i++) many[`P${i}`] = 'v';
  for (const where of ['query', 'body']) {
    const m = await rawV1(d, 'ListKeys', many, { where });
    assertJsonError(m, 400, 'InvalidParameter', TOO_LARGE);
  }
  // the largest request @alicloud/kms20160120 1.2.0 can build: 8192
  // four-byte characters of Description, percent-encoded (97 KiB), in the
  // query with the default head size
  const desc = '\u{1F511}'.repeat(8192);
  const r = await rawV1(d, 'CreateKey', { Description: desc });
  assert.ok(r.url.length > 96 * KIB);
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.equal(r.body.KeyMetadata.Description, desc);
  // with 20 tags of the longest keys and values on top (tag lengths count
  // bytes; about 120 KiB): as a form body by default, in the query with
  // the head size raised
  const tags = JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ TagKey: `k${i}`.padEnd(128, ':'),
    TagValue: ':'.repeat(256) })));
  for (const [dd, where] of [[d, 'body'], [big, 'query']]) {
    const t = await rawV1(dd, 'CreateKey', { Description: desc, Tags: tags }, { where });
    assert.ok((where === 'query' ? t.url : t.form).length > 115 * KIB);
    assert.equal(t.status, 200, t.text.slice(0, 300));
    assert.equal(t.body.KeyMetadata.Description, desc);
  }
});

test('beyond max_kms_request_head MHD answers on its own (the documented hard limit)', async () => {
  // just inside: still ours
  const inside = await rawHttp(d, 'GET', `/?Action=ListKeys&X=${'A'.repeat(127 * KIB)}`);
  assertJsonError(inside, 400, 'InvalidParameter', TOO_LARGE);
  let status;
  try {
    status = (await rawHttp(d, 'GET', `/?Action=ListKeys&X=${'A'.repeat(140 * KIB)}`)).status;
  } catch (e) {
    status = e.code;
  }
  assert.ok(status === 414 || status === 'ECONNRESET' || status === 'EPIPE', String(status));
  // and the daemon still serves
  assert.equal((await rawV1(d, 'ListKeys')).status, 200);
});
