// Bucket access logs (spec oss-api-2.md §5.3) through ali-oss: logging
// enabled with putBucketLogging (the bucket logs into itself) and with a
// hand-written body naming another bucket; requests that succeed and fail;
// the test clock moved past the flush interval; the log objects listed,
// read back and every line checked field by field against what the client
// saw (method, key, status, x-oss-request-id, operation, error code).
// A clean restart loses no line, a crash none the database holds, and the
// writer's own PUTs are never logged. Lifecycle work is logged too.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { startDaemon, ossClient, raw, tmpdir } = require('./lib/coffer');

const INTERVAL_S = 60;
const KEY_RE = (prefix, src) => new RegExp(`^${prefix}${src}\\d{4}-\\d\\d-\\d\\d-\\d\\d-\\d\\d-\\d\\d-\\d{4}$`);
const FIELDS = ['RemoteIP', '-1', '-2', 'Time', 'Request', 'Status', 'SentBytes', 'RequestTime',
  'Referer', 'UserAgent', 'HostName', 'RequestID', 'LoggingFlag', 'RequesterAliyunID', 'Operation',
  'BucketName', 'ObjectName', 'ObjectSize', 'ServerCostTime', 'ErrorCode', 'RequestLength', 'UserID',
  'DeltaDataSize', 'SyncRequest', 'StorageClass', 'TargetStorageClass',
  'TransmissionAccelerationAccessPoint', 'AccessKeyID'];

let d;
let c;
let owner;
const dataDir = tmpdir('alog');

const start = async (logLevel) => {
  d = await startDaemon({ dataDir, logLevel, args: ['--bucket-log-interval', String(INTERVAL_S)] });
  c = ossClient(d, {});
};
before(async () => {
  await start();
  await c.putBucket('alog-src');
  owner = (await c.getBucketInfo('alog-src')).bucket.Owner.ID;
});
after(async () => {
  if (d) assert.equal(await d.stop(), 0);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// One line into its fields: "quoted", [bracketed] or bare.
function fields(line) {
  const out = [];
  const re = /"([^"]*)"|\[([^\]]*)\]|(\S+)/g;
  let m;
  while ((m = re.exec(line)) !== null) out.push(m[1] ?? m[2] ?? m[3]);
  assert.equal(out.length, FIELDS.length, `field count of ${line}`);
  return Object.fromEntries([...FIELDS.map((f, i) => [f, out[i]]), ['line', line]]);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The log objects of bucket under prefix, once at least want are there
// (the daemon writes them within a tick or two of the interval's end).
async function logObjects(bucket, prefix, want, modified) {
  for (let i = 0; i < 300; i++) {
    c.useBucket(bucket);
    const r = await c.listV2({ prefix, 'max-keys': 1000 });
    const keys = (r.objects || []).map((o) => o.name);
    if (modified) for (const o of r.objects || []) modified.set(o.name, Date.parse(o.lastModified));
    if (keys.length >= want) return keys;
    await sleep(100);
  }
  assert.fail(`fewer than ${want} log object(s) in ${bucket}/${prefix}`);
}

// The log objects under prefix (but those in skip) and their lines, once
// the lines of every request id in ids are there: an interval's files
// are written one after the other.
async function untilLines(bucket, prefix, ids, skip = new Set(), modified) {
  for (let i = 0; ; i++) {
    const keys = (await logObjects(bucket, prefix, 0, modified)).filter((k) => !skip.has(k));
    const lines = await logLines(bucket, keys);
    if (ids.every((id) => lines.has(id))) return { keys, lines };
    if (i > 150) assert.fail(`no line for ${ids.filter((id) => !lines.has(id))} in ${bucket}/${prefix}`);
    await sleep(200);
  }
}

// The start of the interval a log object is named after (UTC).
function intervalStart(key) {
  const m = /(\d{4})-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-\d{4}$/.exec(key);
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

// Every line of the log objects, parsed, by request id.
async function logLines(bucket, keys) {
  const byId = new Map();
  for (const k of keys) {
    c.useBucket(bucket);
    const body = String((await c.get(k)).content);
    assert.ok(body.endsWith('\n'), 'each line ends with a newline');
    for (const line of body.split('\n').slice(0, -1)) {
      const f = fields(line);
      byId.set(f.RequestID, f);
    }
  }
  return byId;
}

test('self-logging bucket: success and error lines, fields as the client saw them', async () => {
  await c.putBucketLogging('alog-src', 'MyLog-');
  c.useBucket('alog-src');
  const seen = [];
  const put = await c.put('dir/a b.txt', Buffer.from('hello'));
  seen.push({ id: put.res.headers['x-oss-request-id'], method: 'PUT', status: 200, op: 'PutObject', key: 'dir/a%20b.txt', size: '5' });
  const get = await c.get('dir/a b.txt');
  seen.push({ id: get.res.headers['x-oss-request-id'], method: 'GET', status: 200, op: 'GetObject', key: 'dir/a%20b.txt', size: '5' });
  const miss = await c.get('missing.txt').catch((e) => e);
  assert.equal(miss.status, 404);
  seen.push({ id: miss.requestId, method: 'GET', status: 404, op: 'GetObject', key: 'missing.txt', code: 'NoSuchKey' });
  const head = await c.head('dir/a b.txt');
  seen.push({ id: head.res.headers['x-oss-request-id'], method: 'HEAD', status: 200, op: 'HeadObject', key: 'dir/a%20b.txt', size: '5' });
  // A signature that does not verify is still a request to the bucket.
  const bad = ossClient(d, { bucket: 'alog-src', sk: 'not-the-secret' });
  const denied = await bad.get('dir/a b.txt').catch((e) => e);
  assert.equal(denied.status, 403);
  seen.push({ id: denied.requestId, method: 'GET', status: 403, op: 'GetObject', key: 'dir/a%20b.txt', code: 'SignatureDoesNotMatch', anonymous: true });
  // Anonymous, refused by the private ACL: no requester, no access key.
  // Client bytes are escaped in quotes (node sends é as the one byte 0xE9).
  const anon = await raw(d, { path: '/dir/x.txt', headers: { host: 'alog-src.oss-cn-hangzhou.aliyuncs.com', referer: 'http://r.example/"q"', 'user-agent': 'alog-test/1 (\\é)' } });
  assert.equal(anon.status, 403);
  seen.push({ id: anon.headers['x-oss-request-id'], method: 'GET', status: 403, op: 'GetObject', key: 'dir/x.txt', code: 'AccessDenied', anonymous: true, referer: 'http://r.example/\\x22q\\x22', ua: 'alog-test/1 (\\x5C\\xE9)' });
  const del = await c.delete('dir/a b.txt');
  seen.push({ id: del.res.headers['x-oss-request-id'], method: 'DELETE', status: 204, op: 'DeleteObject', key: 'dir/a%20b.txt' });
  const list = await c.list({ prefix: 'dir/' });
  seen.push({ id: list.res.headers['x-oss-request-id'], method: 'GET', status: 200, op: 'ListObjects', key: '-' });

  d.clockAdvance(`${INTERVAL_S}s`);
  const modified = new Map();
  const { keys, lines } = await untilLines('alog-src', 'MyLog-', seen.map((x) => x.id), new Set(), modified);
  for (const k of keys) {
    assert.match(k, KEY_RE('MyLog-', 'alog-src'));
    // Written once its interval had ended (business time), not before.
    assert.ok(modified.get(k) >= intervalStart(k) + INTERVAL_S * 1000, `${k} written early`);
  }
  for (const s of seen) {
    const f = lines.get(s.id);
    assert.ok(f, `a line for ${s.op} ${s.status} (${s.id})`);
    assert.match(f.RemoteIP, /^127\.0\.0\.1$/);
    assert.match(f.Time, /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    assert.equal(f.Request.split(' ')[0], s.method);
    assert.match(f.Request, / HTTP\/1\.1$/);
    assert.equal(Number(f.Status), s.status);
    assert.match(f.SentBytes, /^\d+$/);
    assert.match(f.RequestTime, /^\d+$/);
    assert.equal(f.Operation, s.op);
    assert.equal(f.BucketName, 'alog-src');
    assert.equal(f.ObjectName, s.key);
    assert.equal(f.ObjectSize, s.size || '-', `ObjectSize of ${s.op} ${s.status}: ${f.line}`);
    assert.equal(f.ErrorCode, s.code || '-');
    assert.equal(f.LoggingFlag, 'true');
    assert.equal(f.UserID, owner);
    assert.equal(f.RequesterAliyunID, s.anonymous ? '-' : owner);
    assert.equal(f.AccessKeyID, s.anonymous ? '-' : d.ak);
    assert.match(f.RequestLength, /^\d+$/);
    assert.equal(f.HostName, 'alog-src.oss-cn-hangzhou.aliyuncs.com');
    assert.equal(f.Referer, s.referer || '-');
    if (s.ua) assert.equal(f.UserAgent, s.ua);
    else assert.match(f.UserAgent, /^aliyun-sdk-nodejs\//);
  }
  // The log object is written by the daemon, not by a request: no line
  // is about it, though the bucket logs into itself.
  for (const f of lines.values()) assert.ok(!f.ObjectName.startsWith('MyLog-') || f.Operation !== 'PutObject', 'writer PUT logged');

  // The next interval: a new file, never the old one again.
  const m2 = await c.get('missing-2.txt').catch((e) => e);
  assert.equal(m2.status, 404);
  d.clockAdvance(`${INTERVAL_S}s`);
  const { lines: lines2 } = await untilLines('alog-src', 'MyLog-', [m2.requestId], new Set(keys));
  for (const id of lines.keys()) assert.ok(!lines2.has(id), 'a line is written once');
  assert.ok([...lines2.values()].some((f) => f.ObjectName === 'missing-2.txt' && f.ErrorCode === 'NoSuchKey'));
  // Listing and reading the logs are requests too; none is a PUT of a log.
  for (const f of lines2.values()) assert.ok(!(f.Operation === 'PutObject' && f.ObjectName.startsWith('MyLog-')));
});

test('another target bucket: lines land there, named after the source', async () => {
  await c.putBucket('alog-dst');
  const p = c._bucketRequestParams('PUT', 'alog-src', 'logging');
  p.mime = 'xml';
  p.content = '<?xml version="1.0" encoding="UTF-8"?>\n<BucketLoggingStatus><LoggingEnabled>'
    + '<TargetBucket>alog-dst</TargetBucket><TargetPrefix>logs/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>';
  p.successStatuses = [200];
  await c.request(p);
  c.useBucket('alog-src');
  const r = await c.put('x.txt', Buffer.from('x'));
  d.clockAdvance(`${INTERVAL_S}s`);
  const { keys, lines } = await untilLines('alog-dst', 'logs/', [r.res.headers['x-oss-request-id']]);
  for (const k of keys) assert.match(k, KEY_RE('logs/', 'alog-src'));
  const f = lines.get(r.res.headers['x-oss-request-id']);
  assert.equal(f.Operation, 'PutObject');
  assert.equal(f.ObjectName, 'x.txt');
  assert.equal(f.BucketName, 'alog-src');
  // The target's own requests (the listing, the GETs) are not logged: it
  // has no logging configuration of its own.
  for (const g of lines.values()) assert.equal(g.BucketName, 'alog-src');
});

test('a clean restart loses no line: the stop writes the interval so far', async () => {
  const before = new Set(await logObjects('alog-dst', 'logs/', 0));
  c.useBucket('alog-src');
  const r = await c.put('restart.txt', Buffer.from('r'));
  const id = r.res.headers['x-oss-request-id'];
  assert.equal(await d.stop(), 0);
  d = null;
  await start();
  // No clock move: the file was written at the stop (or, had the minute
  // ended meanwhile, before it), never left for later.
  const keys = await logObjects('alog-dst', 'logs/', 0);
  const fresh = keys.filter((k) => !before.has(k));
  assert.ok(fresh.length >= 1, 'a file written at the stop');
  const lines = await logLines('alog-dst', fresh);
  assert.equal(lines.get(id).ObjectName, 'restart.txt');
  // Lines after the restart get a file of their own.
  c.useBucket('alog-src');
  const r2 = await c.put('after.txt', Buffer.from('a'));
  d.clockAdvance(`${INTERVAL_S}s`);
  const { lines: lines2 } = await untilLines('alog-dst', 'logs/', [r2.res.headers['x-oss-request-id']], new Set(keys));
  assert.equal(lines2.get(r2.res.headers['x-oss-request-id']).ObjectName, 'after.txt');
  assert.equal(lines2.has(id), false);
});

test('a crash loses no line the database already holds', async () => {
  assert.equal(await d.stop(), 0);
  await start('debug');
  const stored = () => (d.log().match(/access log: \d+ line\(s\) stored/g) || []).length;
  const before = stored();
  c.useBucket('alog-src');
  const r = await c.put('crash.txt', Buffer.from('c'));
  const id = r.res.headers['x-oss-request-id'];
  for (let i = 0; stored() === before; i++) {
    if (i > 300) assert.fail('the line was never stored');
    await sleep(100);
  }
  await d.stop('SIGKILL');
  await start();
  d.clockAdvance(`${INTERVAL_S}s`);
  const { lines } = await untilLines('alog-dst', 'logs/', [id]);
  assert.equal(lines.get(id).ObjectName, 'crash.txt');
});

test('lifecycle work is logged as ExpireObject and CommitTransition, SyncRequest lifecycle', async () => {
  await c.putBucket('alog-lc');
  const p = c._bucketRequestParams('PUT', 'alog-lc', 'logging');
  p.mime = 'xml';
  p.content = '<?xml version="1.0" encoding="UTF-8"?>\n<BucketLoggingStatus><LoggingEnabled>'
    + '<TargetBucket>alog-dst</TargetBucket><TargetPrefix>lc/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>';
  p.successStatuses = [200];
  await c.request(p);
  await c.putBucketLifecycle('alog-lc', [
    { id: 'exp', prefix: 'e/', status: 'Enabled', expiration: { days: 1 } },
    { id: 'ia', prefix: 't/', status: 'Enabled', transition: { days: 1, storageClass: 'IA' } },
  ]);
  c.useBucket('alog-lc');
  await c.put('e/x', Buffer.from('expire me'));
  await c.put('t/y', Buffer.from('move'));
  d.clockAdvance('3d');
  for (let i = 0; ; i++) {
    c.useBucket('alog-lc');
    const gone = await c.head('e/x').then(() => false, (e) => e.status === 404);
    if (gone && (await c.head('t/y')).res.headers['x-oss-storage-class'] === 'IA') break;
    if (i > 300) assert.fail('the lifecycle run did not happen');
    await sleep(100);
  }
  d.clockAdvance(`${INTERVAL_S}s`);
  let ops;
  for (let i = 0; ; i++) {
    const lines = await logLines('alog-dst', await logObjects('alog-dst', 'lc/', 0));
    ops = [...lines.values()].filter((f) => f.SyncRequest === 'lifecycle');
    if (ops.length >= 2) break;
    if (i > 100) assert.fail(`lifecycle lines: ${JSON.stringify(ops)}`);
    await sleep(200);
  }
  const exp = ops.find((f) => f.Operation === 'ExpireObject');
  assert.equal(exp.ObjectName, 'e/x');
  assert.equal(exp.BucketName, 'alog-lc');
  assert.equal(exp.ObjectSize, '9');
  assert.equal(exp.StorageClass, 'Standard');
  assert.equal(exp.UserID, owner);
  assert.equal(exp.RequesterAliyunID, '-');
  const tr = ops.find((f) => f.Operation === 'CommitTransition');
  assert.equal(tr.ObjectName, 't/y');
  assert.equal(tr.StorageClass, 'Standard');
  assert.equal(tr.TargetStorageClass, 'IA');
  assert.equal(ops.length, 2);
});
