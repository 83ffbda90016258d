// KMS Format=XML (kms-api.md §1.1, §1.5; KMS "Sample responses"): a
// success is the JSON reply's members under <ActionResponse>, each list
// item repeating its element (<Keys><Key>..</Key><Key>..</Key></Keys>);
// an error is <KMS> with the JSON error document's fields. Each XML reply
// is compared member by member with the JSON reply to the same request,
// and Format=JSON stays JSON.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDaemon } = require('./lib/coffer');
const { rawV1 } = require('./lib/kms');

let d;
before(async () => { d = await startDaemon(); });
after(async () => { assert.equal(await d.stop(), 0); });

// A strict little reader for what these replies hold: a declaration,
// elements without attributes, escaped text. Throws on anything else.
function parseXml(text) {
  const decl = '<?xml version="1.0" encoding="UTF-8"?>';
  assert.ok(text.startsWith(decl), `no XML declaration: ${text.slice(0, 60)}`);
  let i = decl.length;
  const skipWs = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const unescape = (s) => s.replace(/&(lt|gt|quot|apos|amp);/g,
    (m, e) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]);
  function element() {
    const open = /^<([A-Za-z][A-Za-z0-9.]*)>/.exec(text.slice(i));
    assert.ok(open, `expected an element at ${i}: ${text.slice(i, i + 40)}`);
    i += open[0].length;
    const node = { name: open[1], children: [], text: '' };
    const close = `</${node.name}>`;
    for (;;) {
      const lt = text.indexOf('<', i);
      assert.ok(lt >= 0, `unterminated <${node.name}>`);
      node.text += unescape(text.slice(i, lt));
      i = lt;
      if (text.startsWith(close, i)) { i += close.length; break; }
      node.children.push(element());
    }
    if (node.children.length > 0) {
      assert.match(node.text, /^\s*$/, `mixed content in <${node.name}>`);
      node.text = '';
    }
    return node;
  }
  skipWs();
  const root = element();
  skipWs();
  assert.equal(i, text.length, 'trailing content after the root element');
  return root;
}

// The element tree a JSON value should become (the rule under test).
function expected(name, v) {
  if (Array.isArray(v)) return v.map((x) => expected(name, x)).flat();
  if (v !== null && typeof v === 'object') {
    return [{ name, children: Object.entries(v).flatMap(([k, x]) => expected(k, x)), text: '' }];
  }
  return [{ name, children: [], text: v === null ? '' : String(v) }];
}

const withoutRequestId = (node) => ({ ...node, children: node.children.filter((c) => c.name !== 'RequestId') });
const child = (node, name) => node.children.find((c) => c.name === name);
const children = (node, name) => node.children.filter((c) => c.name === name);

async function xmlCall(action, params) {
  const r = await rawV1(d, action, params, { format: 'XML' });
  assert.equal(r.headers['content-type'], 'application/xml;charset=utf-8', r.text);
  return { ...r, xml: parseXml(r.text) };
}
async function jsonCall(action, params) {
  const r = await rawV1(d, action, params, { format: 'JSON' });
  assert.equal(r.headers['content-type'], 'application/json;charset=utf-8', r.text);
  assert.ok(!('unparsable' in r.body), r.text);
  return r;
}

let keyId;

test('CreateKey: <CreateKeyResponse> with KeyMetadata and RequestId', async () => {
  const r = await xmlCall('CreateKey', { Description: 'xml <&> "quoted"' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.xml.name, 'CreateKeyResponse');
  const md = child(r.xml, 'KeyMetadata');
  assert.ok(md, r.text);
  keyId = child(md, 'KeyId').text;
  assert.match(keyId, /^[0-9a-f-]{36}$|^key-/);
  assert.equal(child(md, 'KeyState').text, 'Enabled');
  assert.equal(child(md, 'Description').text, 'xml <&> "quoted"');
  assert.match(child(r.xml, 'RequestId').text, /^[0-9A-F-]{36}$/);
  assert.equal(r.headers['x-acs-request-id'], child(r.xml, 'RequestId').text);
});

test('DescribeKey: the XML holds exactly the JSON reply', async () => {
  const x = await xmlCall('DescribeKey', { KeyId: keyId });
  const j = await jsonCall('DescribeKey', { KeyId: keyId });
  assert.equal(x.xml.name, 'DescribeKeyResponse');
  assert.deepEqual(withoutRequestId(x.xml), withoutRequestId(expected('DescribeKeyResponse', j.body)[0]));
  // Fields that do not apply are empty strings in JSON, empty elements
  // in XML.
  assert.equal(j.body.KeyMetadata.DeleteDate, '');
  assert.equal(child(child(x.xml, 'KeyMetadata'), 'DeleteDate').text, '');
});

test('ListKeys: <Keys> holds one <Key> per key; numbers as text', async () => {
  await jsonCall('CreateKey', {});
  const x = await xmlCall('ListKeys', { PageSize: '10' });
  const j = await jsonCall('ListKeys', { PageSize: '10' });
  assert.equal(x.xml.name, 'ListKeysResponse');
  const keys = children(child(x.xml, 'Keys'), 'Key');
  assert.equal(keys.length, 2);
  assert.equal(child(x.xml, 'TotalCount').text, '2');
  assert.deepEqual(keys.map((k) => child(k, 'KeyId').text).sort(),
    j.body.Keys.Key.map((k) => k.KeyId).sort());
  assert.match(child(keys[0], 'KeyArn').text, /^acs:kms:cn-hangzhou:\d+:key\//);
  assert.deepEqual(withoutRequestId(x.xml), withoutRequestId(expected('ListKeysResponse', j.body)[0]));
});

test('Encrypt and Decrypt in XML round-trip', async () => {
  const plain = Buffer.from('secret in xml').toString('base64');
  const e = await xmlCall('Encrypt', { KeyId: keyId, Plaintext: plain });
  assert.equal(e.status, 200, e.text);
  assert.equal(e.xml.name, 'EncryptResponse');
  assert.equal(child(e.xml, 'KeyId').text, keyId);
  const blob = child(e.xml, 'CiphertextBlob').text;
  const dec = await xmlCall('Decrypt', { CiphertextBlob: blob });
  assert.equal(dec.xml.name, 'DecryptResponse');
  assert.equal(child(dec.xml, 'Plaintext').text, plain);
  // The same ciphertext through JSON: the same answer.
  const dj = await jsonCall('Decrypt', { CiphertextBlob: blob });
  assert.equal(dj.body.Plaintext, plain);
});

test('errors: <KMS> with the JSON error document; JSON unchanged', async () => {
  const plain = Buffer.from('x').toString('base64');
  const e = await xmlCall('Encrypt', { KeyId: keyId, Plaintext: plain });
  const blob = child(e.xml, 'CiphertextBlob').text;
  const dis = await xmlCall('DisableKey', { KeyId: keyId });
  assert.equal(dis.status, 200, dis.text);
  assert.equal(dis.xml.name, 'DisableKeyResponse');
  assert.deepEqual(dis.xml.children.map((c) => c.name), ['RequestId']);

  const x = await xmlCall('Decrypt', { CiphertextBlob: blob });
  const j = await jsonCall('Decrypt', { CiphertextBlob: blob });
  assert.equal(x.status, 409);
  assert.equal(j.status, 409);
  assert.equal(x.xml.name, 'KMS');
  assert.equal(child(x.xml, 'Code').text, 'Rejected.Disabled');
  assert.equal(child(x.xml, 'HttpStatus').text, '409');
  assert.equal(j.body.Code, 'Rejected.Disabled');
  assert.equal(j.body.HttpStatus, 409);
  assert.equal(child(x.xml, 'Message').text, j.body.Message);
  assert.deepEqual(withoutRequestId(x.xml), withoutRequestId(expected('KMS', j.body)[0]));
  assert.equal(x.headers['x-acs-request-id'], child(x.xml, 'RequestId').text);

  // An unknown key: 404 in both forms.
  const nx = await xmlCall('DescribeKey', { KeyId: '00000000-0000-4000-8000-000000000000' });
  assert.equal(nx.status, 404);
  assert.equal(nx.xml.name, 'KMS');
  assert.equal(child(nx.xml, 'Code').text, 'Forbidden.KeyNotFound');
});

test('Format is case-insensitive; anything but XML is JSON', async () => {
  const lower = await rawV1(d, 'ListKeys', {}, { format: 'xml' });
  assert.match(lower.text, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n?<ListKeysResponse>/);
  const json = await rawV1(d, 'ListKeys', {}, { format: 'json' });
  assert.equal(json.headers['content-type'], 'application/json;charset=utf-8');
  assert.equal(json.body.TotalCount, 2);
});
