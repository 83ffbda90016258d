// rtmp.js: Debian's ffmpeg as an RTMP publisher of LiveChannels, for the
// tests of ingest (live.test.js, pg_nodes.test.js).
'use strict';
const { spawn, spawnSync } = require('node:child_process');

const haveFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 &&
  spawnSync('ffprobe', ['-version']).status === 0;

// The SDK's signed URL of channel (client: a path-style ali-oss client, so
// the bucket is in the path), pointed at addr ("HOST:PORT") instead.
function rtmpUrl(client, addr, channel, params) {
  const u = client.getRtmpUrl(channel, { expires: 3600, params });
  return u.replace(/^rtmp:\/\/[^/]+/, `rtmp://${addr}`);
}

// ffmpeg pushing a test pattern and a tone for seconds; .done resolves
// to { code, err } when it exits.
function publish(url, seconds) {
  const p = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine',
    '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25',
    '-c:a', 'aac', '-f', 'flv', url], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (b) => { err += b.toString(); });
  p.done = new Promise((resolve) => p.on('exit', (code) => resolve({ code, err })));
  return p;
}

// fn's first truthy value, polled every 100 ms (a throw counts as falsy).
async function until(what, fn, ms = 20000) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

module.exports = { haveFfmpeg, rtmpUrl, publish, until };
