// coffer.js: start a real cofferd for a test and build SDK clients for it.
//
// Each daemon gets a fresh data dir under $TMPDIR, ephemeral ports, the test
// clock, and fixed root credentials; it is killed when stop() is called (or
// when the test process exits).
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');

const ROOT_AK = 'LTAI5tCofferTestRoot01';
const ROOT_SK = 'CofferTestRootSecret0123456789';
const live = new Set();
process.on('exit', () => { for (const p of live) { try { p.kill('SIGKILL'); } catch (e) { /* gone */ } } });

function tmpdir(tag) {
  return fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), `coffer-${tag}-`));
}

async function startDaemon(opts = {}) {
  const dataDir = opts.dataDir || tmpdir('sdk');
  const args = ['--data-dir', dataDir, '--oss-listen', '127.0.0.1:0',
    '--kms-listen', '127.0.0.1:0', '--log-level', opts.logLevel || 'notice'];
  if (opts.testClock !== false) args.push('--test-clock');
  for (const d of opts.domains || []) args.push('--domain', d);
  args.push(...(opts.args || []));
  const env = { ...process.env, COFFER_ROOT_ACCESS_KEY_ID: ROOT_AK,
    COFFER_ROOT_ACCESS_KEY_SECRET: ROOT_SK, ...(opts.env || {}) };
  const proc = spawn(process.env.COFFERD, args, { env, stdio: ['ignore', 'inherit', 'pipe'] });
  live.add(proc);
  let log = '';
  const ready = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`cofferd did not start:\n${log}`)), 20000);
    proc.stderr.on('data', (d) => {
      log += d.toString();
      const m = /listening oss=([0-9.]+):(\d+)(?: kms=([0-9.]+):(\d+))?/.exec(log);
      if (m) { clearTimeout(t); resolve({ port: +m[2], kmsPort: m[4] ? +m[4] : 0 }); }
    });
    proc.on('exit', (code) => { clearTimeout(t); reject(new Error(`cofferd exited ${code}:\n${log}`)); });
  });
  proc.stderr.on('data', (d) => { log += d.toString(); if (log.length > 4e6) log = log.slice(-2e6); });
  const d = {
    proc, dataDir, port: ready.port, kmsPort: ready.kmsPort, ak: ROOT_AK, sk: ROOT_SK,
    endpoint: `http://127.0.0.1:${ready.port}`,
    log: () => log,
    coffer: (...a) => execFileSync(process.env.COFFER, ['--data-dir', dataDir, ...a],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    clockAdvance: (dur) => d.coffer('clock', 'advance', dur),
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null) return proc.exitCode;
      const done = new Promise((r) => proc.on('exit', (code) => r(code)));
      proc.kill(signal);
      const code = await done;
      live.delete(proc);
      return code;
    },
  };
  return d;
}

// ali-oss clients. mode: 'ip' (virtual host via Host header on an IP
// endpoint, the SDK's default for IPs), 'path' (localhost + sldEnable).
function ossClient(d, { bucket, v4 = false, mode = 'ip', ak, sk, ...rest } = {}) {
  const OSS = require('ali-oss');
  const endpoint = mode === 'path' ? `http://localhost:${d.port}` : d.endpoint;
  return new OSS({
    accessKeyId: ak || d.ak, accessKeySecret: sk || d.sk, endpoint, bucket,
    sldEnable: mode === 'path', authorizationV4: v4, region: 'oss-cn-hangzhou',
    timeout: 120000, ...rest,
  });
}

// A raw HTTP request (for what the SDK cannot send): returns
// { status, headers, body: Buffer }.
function raw(d, { method = 'GET', path: p = '/', headers = {}, body, port } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: port || d.port, method, path: p,
      headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (body) req.end(body); else req.end();
  });
}

// Asserts that fn rejects with an OSS error of the given code/status/EC.
async function expectOssError(fn, { code, status, ec }) {
  const assert = require('node:assert/strict');
  let err;
  try { await fn(); } catch (e) { err = e; }
  assert.ok(err, `expected ${code}, got success`);
  if (code !== undefined) assert.equal(err.code, code, `code (message: ${err.message})`);
  if (status !== undefined) assert.equal(err.status, status);
  if (ec !== undefined) assert.equal(err.ecCode, ec);
  if (err.requestId !== undefined) assert.match(err.requestId, /^[0-9A-F]{24}$/);
  return err;
}

module.exports = { startDaemon, ossClient, raw, expectOssError, tmpdir, ROOT_AK, ROOT_SK };
