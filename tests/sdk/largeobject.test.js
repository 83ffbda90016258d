// Large objects in bounded memory (issue 5 "Large objects"): one 1 GiB
// putStream (Content-Length, no chunking) and one getStream of it through
// ali-oss, the data a deterministic AES-CTR keystream generated on the fly
// and hashed with MD5 while it is sent and while it comes back. The
// daemon's VmRSS (/proc/<pid>/status) is sampled every 100 ms and must stay
// below its idle value + 64 MiB.
//
// LARGE_OBJECT_BYTES overrides the size (default 1 GiB).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { Readable } = require('node:stream');
const { startDaemon, ossClient } = require('./lib/coffer');

const SIZE = Number(process.env.LARGE_OBJECT_BYTES || 1024 * 1024 * 1024);
const CHUNK = 1024 * 1024;
const HEADROOM = 64 * 1024 * 1024;

let d;
before(async () => { d = await startDaemon(); });
after(async () => { assert.equal(await d.stop(), 0); });

function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}

// size bytes of keystream, hashed as they are produced.
function source(size, md5) {
  const cipher = crypto.createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK);
  let left = size;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      if (left === 0) { this.push(null); return; }
      const n = Math.min(CHUNK, left);
      const b = cipher.update(n === CHUNK ? zeros : zeros.subarray(0, n));
      left -= n;
      md5.update(b);
      this.push(b);
    },
  });
}

test(`PUT and GET ${SIZE} bytes streamed; daemon RSS stays under idle + 64 MiB`, { timeout: 600000 }, async (t) => {
  const bucket = 'large-bucket';
  const c = ossClient(d, { bucket, timeout: 600000 });
  await c.putBucket(bucket);
  await c.put('warm.bin', Buffer.alloc(4096, 1));
  await c.get('warm.bin');
  await new Promise((r) => setTimeout(r, 300));
  const pid = d.proc.pid;
  let idle = 0;
  for (let i = 0; i < 5; i++) {
    idle = Math.max(idle, rssBytes(pid));
    await new Promise((r) => setTimeout(r, 50));
  }
  let peak = idle;
  let peakPhase = 'idle';
  let phase = 'put';
  let samples = 0;
  const timer = setInterval(() => {
    try {
      const v = rssBytes(pid);
      samples++;
      if (v > peak) { peak = v; peakPhase = phase; }
    } catch (e) { /* daemon gone: the test fails elsewhere */ }
  }, 100);
  try {
    const t0 = Date.now();
    const sent = crypto.createHash('md5');
    const p = await c.putStream('large.bin', source(SIZE, sent), { contentLength: SIZE, mime: 'application/octet-stream' });
    assert.equal(p.res.status, 200);
    const sentHex = sent.digest('hex').toUpperCase();
    assert.equal(p.res.headers.etag, `"${sentHex}"`);
    const t1 = Date.now();

    phase = 'head';
    const h = await c.head('large.bin');
    assert.equal(h.res.headers['content-length'], String(SIZE));

    phase = 'get';
    const got = crypto.createHash('md5');
    const g = await c.getStream('large.bin');
    assert.equal(g.res.status, 200);
    let n = 0;
    for await (const b of g.stream) { got.update(b); n += b.length; }
    assert.equal(n, SIZE);
    assert.equal(got.digest('hex').toUpperCase(), sentHex);
    const t2 = Date.now();
    t.diagnostic(`size ${SIZE} B: PUT ${((t1 - t0) / 1000).toFixed(1)} s, GET ${((t2 - t1) / 1000).toFixed(1)} s; `
      + `daemon RSS idle ${(idle / 1048576).toFixed(1)} MiB, peak ${(peak / 1048576).toFixed(1)} MiB (${peakPhase})`);
  } finally {
    clearInterval(timer);
  }
  assert.ok(samples >= 10, `only ${samples} RSS samples`);
  assert.ok(peak < idle + HEADROOM,
    `daemon RSS peaked at ${(peak / 1048576).toFixed(1)} MiB during ${peakPhase}, idle ${(idle / 1048576).toFixed(1)} MiB`);
  await c.delete('large.bin');
});
