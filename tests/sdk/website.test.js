// Static website serving (oss-api-2.md §5.2): anonymous GET and HEAD of a
// public-read bucket with a website configuration (set with ali-oss) serve
// the index document for / and for keys ending in /, the SupportSubDir
// Types for a missing "directory", and the ErrorDocument with its status
// for a missing object. Signed requests and buckets without a
// configuration are unchanged.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { startDaemon, ossClient, raw, signedRaw } = require('./lib/coffer');

let d;
let c;
let n = 0;
// A public-read bucket with a few pages.
async function site(config) {
  const b = `web-${++n}-${crypto.randomBytes(3).toString('hex')}`;
  await c.putBucket(b);
  await c.putBucketACL(b, 'public-read');
  c.useBucket(b);
  await c.put('index.html', Buffer.from('root index'), { mime: 'text/html' });
  await c.put('docs/index.html', Buffer.from('docs index'), { mime: 'text/html' });
  await c.put('docs/page.html', Buffer.from('a page'), { mime: 'text/html' });
  await c.put('err.html', Buffer.from('not here'), { mime: 'text/html' });
  if (config) await c.putBucketWebsite(b, config);
  return b;
}
function get(b, path, method = 'GET', headers = {}) {
  return raw(d, { method, path, headers: { host: `${b}.oss-cn-hangzhou.aliyuncs.com`, ...headers } });
}

before(async () => {
  d = await startDaemon();
  c = ossClient(d, {});
});
after(async () => {
  assert.equal(await d.stop(), 0);
  fs.rmSync(d.dataDir, { recursive: true, force: true });
});

test('without a website configuration nothing changes', async () => {
  const b = await site(null);
  const r = await get(b, '/');
  assert.equal(r.status, 200);
  assert.match(String(r.body), /<ListBucketResult/);
  const m = await get(b, '/missing.html');
  assert.equal(m.status, 404);
  assert.match(String(m.body), /<Code>NoSuchKey<\/Code>/);
  const dir = await get(b, '/docs/');
  assert.equal(dir.status, 404);
});

test('the root and keys ending in / serve the index document; the error document for a missing key', async () => {
  const b = await site({ index: 'index.html', error: 'err.html' });
  let r = await get(b, '/');
  assert.equal(r.status, 200);
  assert.equal(String(r.body), 'root index');
  assert.equal(r.headers['content-type'], 'text/html');
  r = await get(b, '/', 'HEAD');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-length'], String('root index'.length));
  // SupportSubDir off: a subdirectory hit gets the root index.
  r = await get(b, '/docs/');
  assert.equal(r.status, 200);
  assert.equal(String(r.body), 'root index');
  r = await get(b, '/docs/page.html');
  assert.equal(String(r.body), 'a page');
  r = await get(b, '/nothing/here.html');
  assert.equal(r.status, 404);
  assert.equal(String(r.body), 'not here');
  assert.equal(r.headers['content-type'], 'text/html');
  r = await get(b, '/nothing/here.html', 'HEAD');
  assert.equal(r.status, 404);
  // A listing with parameters is still a listing.
  r = await get(b, '/?prefix=docs/');
  assert.equal(r.status, 200);
  assert.match(String(r.body), /<Key>docs\/page.html<\/Key>/);
});

test('signed requests are unaffected', async () => {
  const b = await site({ index: 'index.html', error: 'err.html' });
  const l = await signedRaw(d, { method: 'GET', bucket: b, v4: true });
  assert.equal(l.status, 200);
  assert.match(String(l.body), /<ListBucketResult/);
  const m = await signedRaw(d, { method: 'GET', bucket: b, key: 'missing.html', v4: true });
  assert.equal(m.status, 404);
  assert.match(String(m.body), /<Code>NoSuchKey<\/Code>/);
  const dir = await signedRaw(d, { method: 'GET', bucket: b, key: 'docs/', v4: true });
  assert.equal(dir.status, 404);
  const list = await c.list({ prefix: 'docs/' });
  assert.equal(list.objects.length, 2);
});

test('SupportSubDir: dir/ serves dir/index; Type 0 redirects, 1 is missing, 2 serves the index', async () => {
  let b = await site({ index: 'index.html', error: 'err.html', supportSubDir: 'true' });
  let r = await get(b, '/docs/');
  assert.equal(r.status, 200);
  assert.equal(String(r.body), 'docs index');
  // Type 0 (the default): /docs is missing, docs/index.html exists.
  r = await get(b, '/docs');
  assert.equal(r.status, 302);
  assert.equal(r.headers.location, '/docs/');
  r = await get(b, '/nodir');
  assert.equal(r.status, 404);
  assert.equal(String(r.body), 'not here');
  b = await site({ index: 'index.html', error: 'err.html', supportSubDir: 'true', type: '1' });
  r = await get(b, '/docs');
  assert.equal(r.status, 404);
  assert.equal(String(r.body), 'not here');
  b = await site({ index: 'index.html', error: 'err.html', supportSubDir: 'true', type: '2' });
  r = await get(b, '/docs');
  assert.equal(r.status, 200);
  assert.equal(String(r.body), 'docs index');
  // An existing object is served as itself.
  r = await get(b, '/docs/page.html');
  assert.equal(String(r.body), 'a page');
});

test('ErrorDocument HttpStatus 200; a private or absent error document leaves NoSuchKey', async () => {
  const b = await site(null);
  const put = await signedRaw(d, { method: 'PUT', bucket: b, query: { website: '' }, v4: true,
    headers: { 'content-type': 'application/xml' },
    body: '<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument>'
      + '<ErrorDocument><Key>err.html</Key><HttpStatus>200</HttpStatus></ErrorDocument></WebsiteConfiguration>' });
  assert.equal(put.status, 200);
  let r = await get(b, '/missing');
  assert.equal(r.status, 200);
  assert.equal(String(r.body), 'not here');
  await c.putACL('err.html', 'private');
  r = await get(b, '/missing');
  assert.equal(r.status, 404);
  assert.match(String(r.body), /<Code>NoSuchKey<\/Code>/);
  assert.doesNotMatch(String(r.body), /not here/);
  await c.putACL('err.html', 'default');
  await c.delete('err.html');
  r = await get(b, '/missing');
  assert.equal(r.status, 404);
  assert.match(String(r.body), /<Code>NoSuchKey<\/Code>/);
});

test('the index document\'s own ACL is respected; a private bucket serves nothing', async () => {
  let b = await site({ index: 'index.html', error: 'err.html' });
  await c.putACL('index.html', 'private');
  let r = await get(b, '/');
  assert.equal(r.status, 403);
  assert.doesNotMatch(String(r.body), /root index/);
  b = await site({ index: 'index.html', error: 'err.html' });
  await c.putBucketACL(b, 'private');
  r = await get(b, '/');
  assert.equal(r.status, 403);
  r = await get(b, '/missing');
  assert.equal(r.status, 403);
  assert.doesNotMatch(String(r.body), /not here/);
});

test('an index document that is a symlink is followed', async () => {
  const b = await site(null);
  await c.put('home.html', Buffer.from('home page'));
  await c.putSymlink('start.html', 'home.html');
  await c.putBucketWebsite(b, { index: 'start.html' });
  const r = await get(b, '/');
  assert.equal(r.status, 200);
  assert.equal(String(r.body), 'home page');
});
