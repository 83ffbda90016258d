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
const net = require('node:net');

const ROOT_AK = 'LTAI5tCofferTestRoot01';
const ROOT_SK = 'CofferTestRootSecret0123456789';
const live = new Set();
process.on('exit', () => { for (const p of live) { try { p.kill('SIGKILL'); } catch (e) { /* gone */ } } });

function tmpdir(tag) {
  return fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), `coffer-${tag}-`));
}

// COFFER_TEST_PG (tests/pg_sdk.sh): the URL of a throw-away PostgreSQL
// server; each daemon then keeps its metadata in a database of its own
// there, made here with psql, and the suite runs on that engine.
let pgDatabases = 0;
function testDatabase(dataDir) {
  const base = process.env.COFFER_TEST_PG;
  if (!base) return null;
  const name = `sdk_${process.pid}_${++pgDatabases}`;
  execFileSync('psql', [base, '-qc', `CREATE DATABASE ${name}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = new URL(base);
  url.pathname = `/${name}`;
  fs.writeFileSync(path.join(dataDir, '.test-database'), url.toString());
  return url.toString();
}

async function startNode(opts = {}) {
  const dataDir = opts.dataDir || tmpdir('sdk');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const dbFile = path.join(dataDir, '.test-database');
  // opts.sqlite: a test about the SQLite file itself keeps it.
  // opts.database: another node's database (tests of several nodes).
  if (opts.database) fs.writeFileSync(dbFile, opts.database);
  const database = opts.sqlite ? null
    : fs.existsSync(dbFile) ? fs.readFileSync(dbFile, 'utf8') : testDatabase(dataDir);
  const dbArgs = database ? ['--database', database] : [];
  const args = ['--data-dir', dataDir, ...dbArgs, '--oss-listen', '127.0.0.1:0',
    '--kms-listen', '127.0.0.1:0', '--rtmp-listen', '127.0.0.1:0', '--log-level', opts.logLevel || 'notice'];
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
    // Until the listening line; the listener below keeps the log after.
    const wait = (d) => {
      log += d.toString();
      const m = /listening oss=([0-9.]+):(\d+)(?: kms=([0-9.]+):(\d+))?(?: rtmp=([0-9.]+:\d+|off))?/.exec(log);
      if (m) {
        clearTimeout(t);
        proc.stderr.off('data', wait);
        resolve({ port: +m[2], kmsPort: m[4] ? +m[4] : 0, rtmp: m[5] || null });
      }
    };
    proc.stderr.on('data', wait);
    proc.on('exit', (code) => { clearTimeout(t); reject(new Error(`cofferd exited ${code}:\n${log}`)); });
  });
  proc.stderr.on('data', (d) => { log += d.toString(); if (log.length > 4e6) log = log.slice(-2e6); });
  // COFFER_TEST_LOG: every daemon's log also goes there, for a run whose
  // failures are read afterwards (tests/pg_sdk.sh).
  if (process.env.COFFER_TEST_LOG) {
    fs.appendFileSync(process.env.COFFER_TEST_LOG, log);
    proc.stderr.on('data', (d) => fs.appendFileSync(process.env.COFFER_TEST_LOG, d));
  }
  const d = {
    proc, dataDir, port: ready.port, kmsPort: ready.kmsPort, rtmp: ready.rtmp, ak: ROOT_AK, sk: ROOT_SK,
    endpoint: `http://127.0.0.1:${ready.port}`,
    log: () => log,
    coffer: (...a) => execFileSync(process.env.COFFER, ['--data-dir', dataDir, ...dbArgs, ...a],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    clockAdvance: (dur) => d.coffer('clock', 'advance', dur),
    // The database behind the daemon: its URL (null: meta.db), and a
    // shell on it, as an operator (or an attacker) would use.
    database,
    sql: (statement) => (database
      ? execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', database, '-c', statement], { encoding: 'utf8' })
      : execFileSync('sqlite3', [path.join(dataDir, 'meta.db'), statement], { encoding: 'utf8' })).trim(),
    async stop(signal = 'SIGTERM') {
      // Ended already (killed by a signal: exitCode stays null).
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      const done = new Promise((r) => proc.on('exit', (code) => r(code)));
      proc.kill(signal);
      const code = await done;
      live.delete(proc);
      return code;
    },
  };
  return d;
}

// COFFER_TEST_CLUSTER (tests/cluster_sdk.sh, with COFFER_TEST_PG): every
// daemon is two nodes on one database and one data dir behind HAProxy
// (tests/cluster/haproxy.bash), which sends each request to the other
// node, so whatever one node did the next request sees done on the
// other. d.port, d.kmsPort and d.rtmp are HAProxy's; d.nodes the nodes.
// A test of several daemons on one database (opts.database) or of SQLite
// gets single nodes.
const hapScript = path.join(__dirname, '..', '..', 'cluster', 'haproxy.bash');
const liveProxies = new Set();
function hapStop(dir) {
  execFileSync('bash', [hapScript, 'stop', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  liveProxies.delete(dir);
}
process.on('exit', () => { for (const dir of liveProxies) { try { hapStop(dir); } catch (e) { /* reported */ } } });

// Three ports free now, for the balancer: the nodes are told them before
// it starts (public_oss_url, public_rtmp_url), as in production.
async function freePorts(n) {
  const servers = [];
  try {
    for (let i = 0; i < n; i++) {
      const srv = net.createServer();
      await new Promise((res, rej) => { srv.once('error', rej); srv.listen(0, '127.0.0.1', res); });
      servers.push(srv);
    }
    return servers.map((srv) => srv.address().port);
  } finally {
    await Promise.all(servers.map((srv) => new Promise((res) => srv.close(res))));
  }
}

async function startClusterOnce(opts) {
  const dataDir = opts.dataDir || tmpdir('sdk');
  const [po, pk, pr] = await freePorts(3);
  // Each node's state dir sits next to the data dir, so a daemon started
  // again on that data dir is the same two nodes (node ids, replay logs).
  const stateDir = (i) => `${dataDir}.node${i}`;
  // The test's own args come after the balancer's addresses: they win.
  const with_ = (i, more) => ({ ...opts, dataDir, args: ['--public-oss-url', `http://127.0.0.1:${po}`,
    '--public-rtmp-url', `rtmp://127.0.0.1:${pr}`, ...(opts.args || []), '--state-dir', stateDir(i), ...more] });
  // The second node joins after the first has made the root key.
  const n1 = await startNode(with_(1, []));
  let n2;
  try {
    n2 = await startNode(with_(2, ['--root-key', path.join(dataDir, 'root.key')]));
  } catch (e) { await n1.stop('SIGKILL'); throw e; }
  const hapDir = tmpdir('hap');
  const list = (f) => [n1, n2].map((n) => `127.0.0.1:${f(n)}`).join(',');
  const rtmpList = n1.rtmp && n1.rtmp !== 'off' ? [n1, n2].map((n) => n.rtmp).join(',') : '';
  try {
    execFileSync('bash', [hapScript, 'start', hapDir, list((n) => n.port), list((n) => n.kmsPort), rtmpList],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HAP_PORTS: `${po} ${pk} ${pr}` } });
  } catch (e) {
    await Promise.all([n1.stop('SIGKILL'), n2.stop('SIGKILL')]);
    e.dataDir = dataDir;
    throw e;
  }
  liveProxies.add(hapDir);
  const d = {
    ...n1,
    nodes: [n1, n2],
    port: po,
    kmsPort: pk,
    rtmp: rtmpList ? `127.0.0.1:${pr}` : n1.rtmp,
    endpoint: `http://127.0.0.1:${po}`,
    log: () => n1.log() + n2.log(),
    async stop(signal = 'SIGTERM') {
      if (liveProxies.has(hapDir)) hapStop(hapDir);
      const codes = await Promise.all([n1.stop(signal), n2.stop(signal)]);
      return codes.every((c) => c === 0) ? 0 : codes.find((c) => c !== 0);
    },
  };
  d.clockAdvance = (dur) => d.coffer('clock', 'advance', dur);
  return d;
}

// A port taken between freePorts and the balancer's bind: the nodes
// name it, so all three start again (on the same data dir).
async function startCluster(opts) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startClusterOnce(opts);
    } catch (e) {
      const bind = /cannot bind|Address already in use|did not start/.test(`${e.stderr || ''}${e.message}`);
      if (!e.dataDir || !bind || attempt === 3) throw e;
      opts = { ...opts, dataDir: e.dataDir };
    }
  }
}

const inCluster = Boolean(process.env.COFFER_TEST_CLUSTER && process.env.COFFER_TEST_PG);
async function startDaemon(opts = {}) {
  return inCluster && !opts.sqlite && !opts.database ? startCluster(opts) : startNode(opts);
}

// A keep-alive agent that resolves every name to 127.0.0.1.
let sharedLoopback;
function loopbackAgent() {
  if (!sharedLoopback) {
    sharedLoopback = new http.Agent({ keepAlive: true, lookup: (h, o, cb) => {
      if (typeof o === 'function') cb = o;
      return o && o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4);
    } });
  }
  return sharedLoopback;
}

// ali-oss clients. mode: 'ip' (virtual host via Host header on an IP
// endpoint, the SDK's default for IPs), 'path' (localhost + sldEnable).
function ossClient(d, { bucket, v4 = false, mode = 'ip', ak, sk, ...rest } = {}) {
  const OSS = require('ali-oss');
  const endpoint = mode === 'path' ? `http://localhost:${d.port}` : d.endpoint;
  // "localhost" without DNS: a bare Debian chroot may have no /etc/hosts.
  if (mode === 'path' && rest.agent === undefined) rest.agent = loopbackAgent();
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

// ---- helpers for hand-made requests and checks ----

const crypto = require('node:crypto');

// CRC-64/ECMA-182 as OSS uses it (= CRC-64/XZ: reflected polynomial
// 0xC96C5795D7870F42, init and xorout all ones), computed on two 32-bit
// halves so a 10 MiB buffer takes milliseconds, not BigInt seconds.
const CRC_LO = new Uint32Array(256);
const CRC_HI = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let lo = i >>> 0;
  let hi = 0;
  for (let k = 0; k < 8; k++) {
    const bit = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (bit) { lo = (lo ^ 0xD7870F42) >>> 0; hi = (hi ^ 0xC96C5795) >>> 0; }
  }
  CRC_LO[i] = lo; CRC_HI[i] = hi;
}
// Returns the decimal string OSS puts in x-oss-hash-crc64ecma.
function crc64ecma(buf) {
  let lo = 0xFFFFFFFF;
  let hi = 0xFFFFFFFF;
  for (let i = 0; i < buf.length; i++) {
    const idx = (lo ^ buf[i]) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ CRC_LO[idx]) >>> 0;
    hi = ((hi >>> 8) ^ CRC_HI[idx]) >>> 0;
  }
  lo = (~lo) >>> 0; hi = (~hi) >>> 0;
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

function md5hex(buf) { return crypto.createHash('md5').update(buf).digest('hex').toUpperCase(); }
function md5b64(buf) { return crypto.createHash('md5').update(buf).digest('base64'); }

// V1 sub-resources that enter the canonical resource (clients.md §1.3);
// only the ones these tests use.
const V1_SUBRES = new Set(['acl', 'uploads', 'location', 'delete', 'append', 'position',
  'objectMeta', 'bucketInfo', 'stat', 'uploadId', 'partNumber', 'tagging', 'versionId', 'restore', 'versioning', 'versions',
  'lifecycle', 'objectWorm', 'retention', 'legalHold',
  'continuation-token', 'response-content-type', 'response-content-language',
  'response-expires', 'response-cache-control', 'response-content-disposition',
  'response-content-encoding']);

// The V1 string-to-sign (spec oss-api.md §5.1). headers: lower-case names.
function v1StringToSign({ method, headers = {}, bucket, key, query = {}, date, subres = V1_SUBRES }) {
  const ossHeaders = Object.keys(headers).filter((h) => h.startsWith('x-oss-')).sort()
    .map((h) => `${h}:${String(headers[h]).trim()}\n`).join('');
  let resource = '/';
  if (bucket) resource += `${bucket}/${key || ''}`;
  const sub = Object.keys(query).filter((k) => subres.has(k)).sort()
    .map((k) => (query[k] === '' || query[k] === null ? k : `${k}=${query[k]}`));
  if (sub.length) resource += `?${sub.join('&')}`;
  return `${method}\n${headers['content-md5'] || ''}\n${headers['content-type'] || ''}\n${date}\n${ossHeaders}${resource}`;
}

function hmacSha1B64(secret, s) { return crypto.createHmac('sha1', secret).update(s, 'utf8').digest('base64'); }

// ali-oss's key encoding in the path: encodeURIComponent, '/' kept.
function encodeKey(key) { return encodeURIComponent(key).replace(/%2F/g, '/'); }

// V4 (OSS4-HMAC-SHA256, spec oss-api.md §5.2). rfc3986: encodeURIComponent
// plus !'()* encoded.
function rfc3986(x) {
  return encodeURIComponent(x).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}
function isoBasic(date) { return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''); }
// headers: lower-case names; must hold x-oss-date. Returns the pieces so a
// test can compare them with what the server reports.
// For a presigned URL pass xdate and put the x-oss-* parameters in query.
function v4Sign({ method, bucket, key, query = {}, headers, ak, sk, region = 'cn-hangzhou',
  additionalHeaders = [], xdate: xd }) {
  const xdate = xd || headers['x-oss-date'];
  const day = xdate.slice(0, 8);
  let uri = '/';
  if (bucket) uri += `${bucket}/${key || ''}`;
  uri = rfc3986(uri).replace(/%2F/g, '/');
  const cq = Object.keys(query).map((k) => [rfc3986(k), query[k] === '' || query[k] === null ? '' : rfc3986(String(query[k]))])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join('&');
  const add = additionalHeaders.map((h) => h.toLowerCase()).sort();
  const signed = Object.keys(headers).filter((h) => h === 'content-type' || h === 'content-md5'
    || h.startsWith('x-oss-') || add.includes(h)).sort();
  const ch = signed.map((h) => `${h}:${String(headers[h]).trim()}\n`).join('');
  const canonicalRequest = `${method}\n${uri}\n${cq}\n${ch}\n${add.join(';')}\n${headers['x-oss-content-sha256'] || 'UNSIGNED-PAYLOAD'}`;
  const scope = `${day}/${region}/oss/aliyun_v4_request`;
  const stringToSign = `OSS4-HMAC-SHA256\n${xdate}\n${scope}\n${crypto.createHash('sha256').update(canonicalRequest).digest('hex')}`;
  const hmac = (k, v) => crypto.createHmac('sha256', k).update(v).digest();
  const key4 = hmac(hmac(hmac(hmac(`aliyun_v4${sk}`, day), region), 'oss'), 'aliyun_v4_request');
  const signature = crypto.createHmac('sha256', key4).update(stringToSign).digest('hex');
  const authorization = `OSS4-HMAC-SHA256 Credential=${ak}/${scope},${add.length ? `AdditionalHeaders=${add.join(';')},` : ''}Signature=${signature}`;
  return { authorization, canonicalRequest, stringToSign, signature };
}

// A signed request built by hand, so a test can choose the time, break the
// digest or the signature. V1 signs the Date header; v4: true adds
// x-oss-date and x-oss-content-sha256 and signs OSS4-HMAC-SHA256.
// mode 'ip': path /key with Host bucket.oss-cn-hangzhou.aliyuncs.com;
// mode 'path': /bucket/key with Host localhost:PORT. date: a Date or an
// RFC 1123 string; sk/ak default to root; sign: false sends no
// Authorization; signature overrides the computed one; subres: the V1
// sub-resource set to sign with (default: the common ones above).
function signedRaw(d, { method = 'GET', bucket, key, query = {}, headers = {}, body,
  mode = 'ip', ak, sk, date, sign = true, signature, v4 = false, region, subres } = {}) {
  const h = {};
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = v;
  const when = date === undefined ? new Date() : date;
  if (!('date' in h)) h.date = typeof when === 'string' ? when : when.toUTCString();
  if (v4 && !('x-oss-date' in h)) h['x-oss-date'] = isoBasic(typeof when === 'string' ? new Date(when) : when);
  if (v4 && !('x-oss-content-sha256' in h)) h['x-oss-content-sha256'] = 'UNSIGNED-PAYLOAD';
  let p;
  if (mode === 'path') {
    h.host = `localhost:${d.port}`;
    p = bucket ? `/${bucket}/${key ? encodeKey(key) : ''}` : '/';
  } else {
    h.host = bucket ? `${bucket}.oss-cn-hangzhou.aliyuncs.com` : '.oss-cn-hangzhou.aliyuncs.com';
    p = `/${key ? encodeKey(key) : ''}`;
  }
  const qs = Object.entries(query).map(([k, v]) => (v === '' || v === null
    ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join('&');
  if (qs) p += `?${qs}`;
  let sts;
  let canonicalRequest;
  if (sign && v4) {
    const s4 = v4Sign({ method, bucket, key, query, headers: h, ak: ak || d.ak, sk: sk || d.sk, region });
    sts = s4.stringToSign;
    canonicalRequest = s4.canonicalRequest;
    h.authorization = signature ? s4.authorization.replace(/Signature=.*$/, `Signature=${signature}`) : s4.authorization;
  } else if (sign) {
    sts = v1StringToSign({ method, headers: h, bucket, key, query, date: h.date, subres });
    h.authorization = `OSS ${ak || d.ak}:${signature || hmacSha1B64(sk || d.sk, sts)}`;
  }
  if (body !== undefined && !('content-length' in h)) h['content-length'] = Buffer.byteLength(body);
  return raw(d, { method, path: p, headers: h, body }).then((r) => ({ ...r, stringToSign: sts, canonicalRequest }));
}

// The four ways these tests drive ali-oss: V1 and V4 signatures, each with
// the IP-endpoint virtual host (Host: bucket.oss-cn-hangzhou.aliyuncs.com)
// and true path style (localhost + sldEnable).
const COMBOS = [
  { v4: false, mode: 'ip', tag: 'v1-ip' },
  { v4: true, mode: 'ip', tag: 'v4-ip' },
  { v4: false, mode: 'path', tag: 'v1-path' },
  { v4: true, mode: 'path', tag: 'v4-path' },
];

// Every regular file under dir, recursively.
function walkFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walkFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

// A tiny parser for the flat XML documents OSS sends: text of the first
// <tag>, or all of them.
function xmlText(xml, tag) {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(String(xml));
  return m ? m[1] : undefined;
}
function xmlAll(xml, tag) {
  return [...String(xml).matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]);
}

module.exports = { startDaemon, inCluster, ossClient, raw, expectOssError, tmpdir, ROOT_AK, ROOT_SK,
  crc64ecma, md5hex, md5b64, v1StringToSign, hmacSha1B64, encodeKey, signedRaw, walkFiles,
  xmlText, xmlAll, COMBOS, v4Sign, isoBasic };
