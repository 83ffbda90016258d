// A real browser uploads through PostObject (spec oss-api-2.md §4, §3):
// headless Chromium loads a plain HTML page from a server of this test
// (another origin than cofferd's) whose <form method=post
// enctype=multipart/form-data> carries a V1 policy signed here. HTML
// cannot pre-fill a file input, so the page's inline script puts a File
// into it through DataTransfer and submits the form: a browser form POST,
// answered 303 to success_action_redirect on this server. Before that the
// same script sends the same fields with fetch() and FormData
// (success_action_status=201), which needs the bucket's CORS rule to read
// the PostResponse, and reports what it read. The object is then read back
// with ali-oss and compared byte for byte.
//
// make test installs Debian's chromium (GNUmakefile DEBS) and sets
// COFFER_MAKE_TEST=1: there the test must run. Elsewhere, without
// chromium, it is skipped with the reason.
'use strict';
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const { spawn, spawnSync } = require('node:child_process');
const { startDaemon, ossClient, tmpdir } = require('./lib/coffer');

function findChromium() {
  for (const name of [process.env.CHROMIUM, 'chromium', 'chromium-browser'].filter(Boolean)) {
    const r = spawnSync('sh', ['-c', `command -v "${name}"`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}
const CHROMIUM = findChromium();
const MUST_RUN = process.env.COFFER_MAKE_TEST === '1';

let d;
let page;
let browser;
let profile;
after(async () => {
  // The browser's process group: chromium forks its zygote and renderers.
  if (browser && browser.exitCode === null) {
    try { process.kill(-browser.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  if (page) page.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
  if (d) assert.equal(await d.stop(), 0);
});

const BUCKET = 'browserb';
// Every byte value, so a text-mode slip anywhere would show.
const CONTENT = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));

function html(fields, action, redirect) {
  const hidden = (n, v) => `<input type="hidden" name="${n}" value="${v}">`;
  const inputs = Object.entries(fields).map(([n, v]) => hidden(n, v)).join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>upload</title></head><body>
<form id="f" method="post" enctype="multipart/form-data" action="${action}">
${inputs}
${hidden('success_action_redirect', redirect)}
<input type="file" name="file" id="file">
</form>
<script>
const bytes = new Uint8Array(${JSON.stringify([...CONTENT])});
const report = (what) => fetch('/report', { method: 'POST', body: JSON.stringify(what) });
(async () => {
  // fetch + FormData: a cross-origin request, readable only under CORS.
  const fd = new FormData();
  for (const [n, v] of Object.entries(${JSON.stringify(fields)})) fd.append(n, v);
  fd.append('key', 'browser/fetch.bin');
  fd.append('success_action_status', '201');
  fd.append('file', new File([bytes], 'fetch.bin', { type: 'application/octet-stream' }));
  try {
    const r = await fetch(${JSON.stringify(action)}, { method: 'POST', body: fd });
    await report({ status: r.status, body: await r.text(), etag: r.headers.get('ETag') });
  } catch (e) {
    await report({ error: String(e) });
  }
  // The form itself: a File set through DataTransfer, then submit().
  const dt = new DataTransfer();
  dt.items.add(new File([bytes], 'hello.bin', { type: 'application/octet-stream' }));
  document.getElementById('file').files = dt.files;
  document.getElementById('f').submit();
})();
</script></body></html>`;
}

test('headless Chromium: a form POST and a fetch() FormData upload land with the right bytes',
  { skip: !CHROMIUM && !MUST_RUN && 'chromium is not installed (Debian package chromium; make test installs it)' },
  async () => {
    assert.ok(CHROMIUM, 'chromium is not installed, and make test must run this test');
    // As `make run` starts it, on a free loopback port and a fresh data
    // dir; --domain localhost: the browser reaches <bucket>.localhost.
    d = await startDaemon({ domains: ['localhost'], args: ['--dev-mode'] });
    const c = ossClient(d);
    await c.putBucket(BUCKET);

    let done;
    let reported;
    const seen = new Promise((resolve) => { done = resolve; });
    const fetched = new Promise((resolve) => { reported = resolve; });
    page = http.createServer((req, res) => {
      const u = new URL(req.url, 'http://x');
      if (u.pathname === '/page.html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page.html);
      } else if (u.pathname === '/report' && req.method === 'POST') {
        let b = '';
        req.on('data', (x) => { b += x; });
        req.on('end', () => { res.end('ok'); reported(JSON.parse(b)); });
      } else if (u.pathname === '/done') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<p>uploaded</p>');
        done(Object.fromEntries(u.searchParams));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise((r) => page.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${page.address().port}`;
    await c.putBucketCORS(BUCKET, [{ allowedOrigin: origin, allowedMethod: ['POST'], allowedHeader: '*',
      exposeHeader: ['ETag'] }]);

    const s = c.calculatePostSignature({ expiration: new Date(Date.now() + 3600e3).toISOString(),
      conditions: [{ bucket: BUCKET }, ['starts-with', '$key', 'browser/']] });
    page.html = html({ key: 'browser/${filename}', OSSAccessKeyId: d.ak, policy: s.policy, Signature: s.Signature },
      `http://${BUCKET}.localhost:${d.port}/`, `${origin}/done`);

    profile = tmpdir('chromium');
    // --no-sandbox only because make test may run as root in a chroot,
    // where Chromium's sandbox cannot start; nothing but this page is
    // loaded.
    browser = spawn(CHROMIUM, ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
      '--no-first-run', '--no-default-browser-check', '--disable-extensions', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--metrics-recording-only', '--mute-audio',
      `--user-data-dir=${profile}`, `${origin}/page.html`], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let log = '';
    browser.stderr.on('data', (x) => { log += x; if (log.length > 1e5) log = log.slice(-5e4); });
    const exited = new Promise((resolve) => browser.on('exit', (code) => resolve(`chromium exited ${code}:\n${log}`)));
    const timeout = (ms, what) => new Promise((_, reject) => setTimeout(
      () => reject(new Error(`${what} not seen in ${ms / 1000} s; chromium said:\n${log}`)), ms).unref());
    const race = (p, what) => Promise.race([p, timeout(120000, what),
      exited.then((m) => { throw new Error(m); })]);

    const f = await race(fetched, 'the fetch() report');
    assert.equal(f.error, undefined, f.error);
    assert.equal(f.status, 201, f.body);
    assert.match(f.body, /<Key>browser\/fetch\.bin<\/Key>/);
    assert.ok(f.etag, 'ETag exposed by the CORS rule');

    const q = await race(seen, 'the redirect to /done');
    assert.equal(q.bucket, BUCKET);
    assert.equal(q.key, 'browser/hello.bin');
    try { process.kill(-browser.pid, 'SIGKILL'); } catch { /* gone */ }

    const o = ossClient(d, { bucket: BUCKET });
    const got = await o.get('browser/hello.bin');
    assert.deepEqual(got.content, CONTENT);
    assert.equal(q.etag, got.res.headers.etag);
    const g2 = await o.get('browser/fetch.bin');
    assert.deepEqual(g2.content, CONTENT);
    assert.equal(f.etag, g2.res.headers.etag);
  });
