// Custom domains (spec oss-api.md §3.6): CreateCnameToken, GetCnameToken,
// PutCname, ListCname, DeleteCname as raw signed requests (ali-oss has no
// CNAME calls), the ownership proof through the TXT record
// _dnsauth.<domain> answered by a --cname-zone file, the 409
// CnameAlreadyExists with CnameType CNAME_OSS and CNAME_IMG, and ali-oss
// with `cname: true` reading and writing through an attached domain with V1
// and V4 signatures.
'use strict';
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const {
  startDaemon, ossClient, signedRaw, raw, xmlText, xmlAll, tmpdir, md5b64,
} = require('./lib/coffer');

const SUBRES = new Set(['cname', 'comp']);
const CONFLICT_MSG = 'The cname has been attatched to your other bucket already';

let d;
let dir;
let zone;
before(async () => {
  dir = tmpdir('cname');
  zone = path.join(dir, 'zone.txt');
  fs.writeFileSync(zone, '# no records yet\n');
  d = await startDaemon({ args: ['--cname-zone', zone] });
  const c = ossClient(d, {});
  for (const b of ['site-a', 'site-b', 'site-img']) await c.putBucket(b);
});
after(async () => {
  assert.equal(await d.stop(), 0);
  fs.rmSync(d.dataDir, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

const body = (domain) => `<BucketCnameConfiguration><Cname><Domain>${domain}</Domain></Cname></BucketCnameConfiguration>`;
function post(bucket, comp, domain, v4 = false) {
  const b = body(domain);
  return signedRaw(d, { method: 'POST', bucket, query: { cname: '', comp }, v4, subres: SUBRES,
    headers: { 'content-type': 'application/xml', 'content-md5': md5b64(Buffer.from(b)) }, body: b });
}
const createToken = (bucket, domain, v4) => post(bucket, 'token', domain, v4);
const putCname = (bucket, domain, v4) => post(bucket, 'add', domain, v4);
const deleteCname = (bucket, domain) => post(bucket, 'delete', domain);
const getToken = (bucket, domain) => signedRaw(d, { bucket, query: { comp: 'token', cname: domain }, subres: SUBRES });
const listCname = (bucket) => signedRaw(d, { bucket, query: { cname: '' }, subres: SUBRES });
function publish(records) {
  fs.writeFileSync(zone, records.map(([n, v]) => `${n} TXT "${v}"\n`).join(''));
}
// Attaches domain to bucket the way a user does: token, TXT record, PutCname.
async function attach(bucket, domain, records = []) {
  const t = await createToken(bucket, domain);
  assert.equal(t.status, 200, String(t.body));
  publish([...records, [`_dnsauth.${domain}`, xmlText(t.body, 'Token')]]);
  const r = await putCname(bucket, domain);
  assert.equal(r.status, 200, String(r.body));
  return xmlText(t.body, 'Token');
}
function expectError(r, status, code, ec) {
  assert.equal(r.status, status, String(r.body));
  assert.equal(xmlText(r.body, 'Code'), code);
  if (ec) assert.equal(xmlText(r.body, 'EC'), ec);
  assert.equal(r.headers['x-oss-ec'], xmlText(r.body, 'EC'));
}

describe('tokens and ownership', () => {
  test('CreateCnameToken returns the CnameToken document, and the same token while valid', async () => {
    const r = await createToken('site-a', 'Shop.Example.COM');
    assert.equal(r.status, 200, String(r.body));
    assert.equal(xmlText(r.body, 'Bucket'), 'site-a');
    assert.equal(xmlText(r.body, 'Cname'), 'shop.example.com');
    assert.match(xmlText(r.body, 'Token'), /^[0-9a-f]{32}$/);
    const exp = Date.parse(xmlText(r.body, 'ExpireTime'));
    assert.ok(Math.abs(exp - (Date.now() + 72 * 3600e3)) < 120e3, xmlText(r.body, 'ExpireTime'));
    const again = await createToken('site-a', 'shop.example.com', true);
    assert.equal(xmlText(again.body, 'Token'), xmlText(r.body, 'Token'));
    const g = await getToken('site-a', 'shop.example.com');
    assert.equal(g.status, 200);
    assert.equal(xmlText(g.body, 'Token'), xmlText(r.body, 'Token'));
  });

  test('GetCnameToken without a token, bad domains, certificates', async () => {
    expectError(await getToken('site-a', 'never.example.com'), 404, 'NoSuchCnameToken');
    for (const bad of ['localhost', '10.0.0.1', 'a..b.com', '-x.example.com', 'x.oss-cn-hangzhou.aliyuncs.com', 'ü.example.com']) {
      const r = await createToken('site-a', bad);
      expectError(r, 400, 'InvalidArgument');
      assert.equal(xmlText(r.body, 'ArgumentName'), 'Domain');
    }
    const r = await signedRaw(d, { method: 'POST', bucket: 'site-a', query: { cname: '', comp: 'add' }, subres: SUBRES,
      headers: { 'content-type': 'application/xml' }, body: '<Wrong/>' });
    expectError(r, 400, 'MalformedXML');
    const cert = body('tls.example.com').replace('</Domain>', '</Domain><CertificateConfiguration><CertId>1</CertId></CertificateConfiguration>');
    const c = await signedRaw(d, { method: 'POST', bucket: 'site-a', query: { cname: '', comp: 'add' }, subres: SUBRES,
      headers: { 'content-type': 'application/xml' }, body: cert });
    expectError(c, 501, 'NotImplemented');
  });

  test('PutCname needs the token published as TXT _dnsauth.<domain>', async () => {
    expectError(await putCname('site-a', 'proof.example.com'), 400, 'NeedVerifyDomainOwnership');
    const t = await createToken('site-a', 'proof.example.com');
    const token = xmlText(t.body, 'Token');
    expectError(await putCname('site-a', 'proof.example.com'), 400, 'NeedVerifyDomainOwnership');
    publish([['_dnsauth.proof.example.com', 'not-the-token']]);
    expectError(await putCname('site-a', 'proof.example.com'), 400, 'NeedVerifyDomainOwnership');
    // The zone file is read again when it changes.
    publish([['_dnsauth.proof.example.com.', token]]);
    const ok = await putCname('site-a', 'proof.example.com');
    assert.equal(ok.status, 200, String(ok.body));
    // Attaching it again to the same bucket is a no-op.
    assert.equal((await putCname('site-a', 'proof.example.com')).status, 200);
    assert.deepEqual(xmlAll((await listCname('site-a')).body, 'Domain'), ['proof.example.com']);
  });

  test('a token proves ownership once; an expired one not at all', async () => {
    const token = await attach('site-a', 'once.example.com');
    assert.equal((await deleteCname('site-a', 'once.example.com')).status, 200);
    publish([['_dnsauth.once.example.com', token]]);
    expectError(await putCname('site-a', 'once.example.com'), 400, 'NeedVerifyDomainOwnership', '0018-00000302');
    const t = await createToken('site-a', 'late.example.com');
    publish([['_dnsauth.late.example.com', xmlText(t.body, 'Token')]]);
    d.clockAdvance('73h');
    expectError(await putCname('site-a', 'late.example.com'), 400, 'NeedVerifyDomainOwnership');
    // A new token works.
    const t2 = await createToken('site-a', 'late.example.com');
    assert.notEqual(xmlText(t2.body, 'Token'), xmlText(t.body, 'Token'));
    publish([['_dnsauth.late.example.com', xmlText(t2.body, 'Token')]]);
    assert.equal((await putCname('site-a', 'late.example.com')).status, 200);
  });
});

describe('the two 409 CnameAlreadyExists', () => {
  test('a domain attached to another bucket of the account: CNAME_OSS', async () => {
    await attach('site-a', 'taken.example.com');
    for (const r of [await createToken('site-b', 'taken.example.com'), await putCname('site-b', 'taken.example.com'),
      await putCname('site-b', 'taken.example.com', true)]) {
      expectError(r, 409, 'CnameAlreadyExists', '0018-00000303');
      assert.equal(xmlText(r.body, 'Message'), CONFLICT_MSG);
      assert.equal(xmlText(r.body, 'CnameType'), 'CNAME_OSS');
      // CnameType comes after HostId and before EC (oss-api.md §1.1).
      const s = String(r.body);
      assert.ok(s.indexOf('<HostId>') < s.indexOf('<CnameType>') && s.indexOf('<CnameType>') < s.indexOf('<EC>'));
    }
  });

  test('a domain reserved for image processing: CNAME_IMG', async () => {
    d.coffer('cname', 'reserve-img', 'img.example.com', 'site-img');
    assert.match(d.coffer('cname', 'list'), /img\.example\.com\s+img\s+site-img/);
    for (const b of ['site-a', 'site-img']) {
      const r = await putCname(b, 'img.example.com');
      expectError(r, 409, 'CnameAlreadyExists', '0018-00000303');
      assert.equal(xmlText(r.body, 'CnameType'), 'CNAME_IMG');
    }
    assert.ok(!xmlAll((await listCname('site-img')).body, 'Domain').includes('img.example.com'));
  });
});

describe('requests addressed by an attached domain', () => {
  let port;
  let agent;
  before(async () => {
    await attach('site-b', 'cdn.example.test');
    port = d.port;
    agent = new http.Agent({ keepAlive: true, lookup: (h, o, cb) => {
      if (typeof o === 'function') cb = o;
      return o && o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4);
    } });
  });

  for (const v4 of [false, true]) {
    test(`ali-oss with cname: true (${v4 ? 'V4' : 'V1'}) writes, reads, lists and deletes`, async () => {
      const c = ossClient(d, { bucket: 'site-b', endpoint: `http://cdn.example.test:${port}`, cname: true,
        agent, authorizationV4: v4 });
      const key = `via-cname-${v4 ? 'v4' : 'v1'}.txt`;
      await c.put(key, Buffer.from('through the custom domain'));
      assert.equal(String((await c.get(key)).content), 'through the custom domain');
      // The object is the bucket's, whatever the address.
      assert.equal(String((await ossClient(d, { bucket: 'site-b' }).get(key)).content), 'through the custom domain');
      assert.ok((await c.list()).objects.some((o) => o.name === key));
      await c.delete(key);
      await assert.rejects(c.head(key), (e) => e.status === 404);
    });
  }

  test('an unknown Host is a bucket OSS does not have; removed domains stop routing', async () => {
    const r = await raw(d, { path: '/x.txt', headers: { host: `unknown.example.org:${port}` } });
    expectError(r, 404, 'NoSuchBucket', '0015-00000101');
    assert.equal(xmlText(r.body, 'BucketName'), 'unknown.example.org');
    const img = await raw(d, { path: '/', headers: { host: 'img.example.com' } });
    expectError(img, 404, 'NoSuchBucket');
    await attach('site-a', 'gone.example.com');
    assert.equal((await deleteCname('site-a', 'gone.example.com')).status, 200);
    expectError(await deleteCname('site-a', 'gone.example.com'), 404, 'NoSuchCname');
    expectError(await raw(d, { path: '/', headers: { host: 'gone.example.com' } }), 404, 'NoSuchBucket');
  });

  test('only the owner manages domains', async () => {
    const bob = JSON.parse(d.coffer('account', 'create', 'bob', '--json'));
    const r = await signedRaw(d, { bucket: 'site-a', query: { cname: '' }, subres: SUBRES,
      ak: bob.AccessKeyId, sk: bob.AccessKeySecret });
    expectError(r, 403, 'AccessDenied');
  });

  test('deleting the bucket removes its domains', async () => {
    const c = ossClient(d, {});
    await c.putBucket('site-tmp');
    await attach('site-tmp', 'tmp.example.com');
    await c.deleteBucket('site-tmp');
    expectError(await raw(d, { path: '/', headers: { host: 'tmp.example.com' } }), 404, 'NoSuchBucket');
    assert.doesNotMatch(d.coffer('cname', 'list'), /tmp\.example\.com/);
  });
});
