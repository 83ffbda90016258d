// TLS on both listeners (README "TLS"): a throwaway CA and server
// certificate made with the openssl CLI, ali-oss with secure: true and the
// KMS client with protocol https trusting that CA; mutual TLS on KMS (no
// certificate, or one from another CA, is refused in the handshake; a
// CA-signed one works and its subject is in the audit trail); a renewed
// certificate reaches the next connection after SIGHUP while an open
// keep-alive connection carries on; TLS 1.1 is refused. The v1 KMS client,
// whose transport takes no CA option, trusts it through NODE_EXTRA_CA_CERTS.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');
const tls = require('node:tls');
const { execFileSync } = require('node:child_process');
const { startDaemon, inCluster, ossClient, tmpdir } = require('./lib/coffer');

// The cluster pass puts HAProxy, which speaks plain HTTP to the nodes, in
// front of them: the handshakes here are one process's own listener.
const skip = inCluster && 'one process: the daemon\'s own TLS listener, which the cluster pass\'s HTTP proxy stands in front of';
const { acs3 } = require('./lib/kms');

let d;
let dir;
const f = (n) => path.join(dir, n);
const read = (n) => fs.readFileSync(f(n), 'utf8');

function openssl(...args) {
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// A CA (name) and a certificate it signs (leaf), P-256 keys.
function makeCa(name) {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`);
}
function makeLeaf(ca, leaf, subj, ext) {
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', `${leaf}.key`, '-out', `${leaf}.csr`, '-subj', subj);
  fs.writeFileSync(f(`${leaf}.ext`), ext || 'basicConstraints=CA:FALSE\n');
  openssl('x509', '-req', '-in', `${leaf}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`,
    '-set_serial', `0x${require('node:crypto').randomBytes(8).toString('hex')}`,
    '-out', `${leaf}.pem`, '-days', '2', '-extfile', `${leaf}.ext`);
}
const SERVER_EXT = 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n';

// One request on a fresh connection (or through agent); resolves with the
// status, the served certificate's serial and whether the socket was reused.
function get(port, { agent = false, ...opts } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/', agent, ca: read('ca.pem'), ...opts },
      (res) => {
        const serial = res.socket.getPeerCertificate().serialNumber;
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, serial, reused: req.reusedSocket }));
      });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  if (skip) return;
  dir = tmpdir('tls');
  makeCa('ca');
  makeLeaf('ca', 'server', '/CN=localhost', SERVER_EXT);
  makeLeaf('ca', 'client', '/O=Coffer Ops/CN=deploy-bot', 'extendedKeyUsage=clientAuth\n');
  makeLeaf('ca', 'serveronly', '/CN=wrong-purpose', 'extendedKeyUsage=serverAuth\n');
  makeCa('otherca');
  makeLeaf('otherca', 'stranger', '/CN=stranger', 'extendedKeyUsage=clientAuth\n');
  d = await startDaemon({ args: ['--tls-cert', f('server.pem'), '--tls-key', f('server.key'),
    '--kms-client-ca', f('ca.pem')] });
  assert.match(d.log(), /tls: oss=https kms=https\+client-certificates/);
});
after(async () => {
  if (skip) return;
  assert.equal(await d.stop(), 0);
  assert.ok(!d.log().includes('PRIVATE KEY'), 'the key never reaches the log');
});

test('ali-oss over HTTPS (secure: true) trusting the test CA', { skip }, async () => {
  // path style on "localhost", the name the certificate carries
  const agent = new https.Agent({ keepAlive: true, ca: read('ca.pem'),
    lookup: (h, o, cb) => (o && o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) });
  const oss = ossClient(d, { mode: 'path', secure: true, endpoint: `https://localhost:${d.port}`,
    httpsAgent: agent });
  await oss.putBucket('tls-bucket');
  oss.useBucket('tls-bucket');
  const body = Buffer.alloc(4096, 7);
  await oss.put('k', body);
  const r = await oss.get('k');
  assert.ok(Buffer.compare(r.content, body) === 0);
  // URLs the daemon hands out name the scheme it serves
  const ch = await oss.putChannel('ch', { Description: 'd', Status: 'enabled',
    Target: { Type: 'HLS', FragDuration: '2', FragCount: '3', PlaylistName: 'playlist.m3u8' } });
  assert.deepEqual(ch.playUrls, [`https://127.0.0.1:${d.port}/tls-bucket/ch/playlist.m3u8`]);
  agent.destroy();
  // plain HTTP is not spoken on a TLS port
  await assert.rejects(new Promise((resolve, reject) => {
    require('node:http').get({ host: '127.0.0.1', port: d.port, path: '/', agent: false }, resolve)
      .on('error', reject);
  }));
});

test('KMS without a client certificate, with one of another CA, or one not for clients, is refused in the handshake', { skip }, async () => {
  await assert.rejects(get(d.kmsPort));
  await assert.rejects(get(d.kmsPort, { cert: read('stranger.pem'), key: read('stranger.key') }));
  // the right CA, but a certificate for servers only (no clientAuth)
  await assert.rejects(get(d.kmsPort, { cert: read('serveronly.pem'), key: read('serveronly.key') }));
  // nothing reached the request handler: no KMS access line, no audit row
  assert.ok(!/kms: .*stranger/.test(d.log()));
});

test('KMS SDK over HTTPS with a CA-signed client certificate; its subject is audited', { skip }, async () => {
  // The v1 client's transport (rpc-client) takes no CA; the ACS3 one does.
  const kms = acs3(d, { tls: { ca: read('ca.pem'), cert: read('client.pem'), key: read('client.key') } });
  const k = await kms('CreateKey', { Description: 'over mtls' });
  const id = k.KeyMetadata.KeyId;
  const e = await kms('Encrypt', { KeyId: id, Plaintext: 'aGVsbG8=' });
  const p = await kms('Decrypt', { CiphertextBlob: e.CiphertextBlob });
  assert.equal(p.Plaintext, 'aGVsbG8=');
  // the request's own row (action kms.CreateKey) names the certificate
  const rows = JSON.parse(d.coffer('audit', '--json', '--limit', '1000'));
  const row = rows.find((r) => r.Action === 'kms.CreateKey');
  assert.ok(row, JSON.stringify(rows));
  assert.match(row.Detail, /^request=[0-9A-Fa-f-]+ client_cert=.*CN=deploy-bot/);
  assert.match(row.Detail, /O=Coffer Ops/);
  // so do the crypto calls' rows, written in batches a moment later
  let crypto;
  for (let i = 0; i < 40 && !crypto; i++) {
    await new Promise((r) => setTimeout(r, 100));
    crypto = JSON.parse(d.coffer('audit', '--json', '--limit', '1000'))
      .filter((r) => ['Encrypt', 'Decrypt'].includes(r.Action));
    if (crypto.length < 2) crypto = undefined;
  }
  assert.ok(crypto, 'Encrypt and Decrypt rows');
  for (const r of crypto) assert.match(r.Detail, /client_cert=.*CN=deploy-bot/, JSON.stringify(r));
});

test('KMS v1 client (protocol https) trusting the CA through NODE_EXTRA_CA_CERTS', { skip }, async () => {
  // Its transport takes no CA option, so the variable, read at node's
  // start: a child process. No client certificate either: a daemon
  // without mutual TLS.
  const d2 = await startDaemon({ args: ['--tls-cert', f('server.pem'), '--tls-key', f('server.key')] });
  try {
    const script = `
      const { Kms, KMS } = require(${JSON.stringify(path.join(__dirname, 'lib', 'kms'))});
      const c = new Kms({ accessKeyId: ${JSON.stringify(d2.ak)}, accessKeySecret: ${JSON.stringify(d2.sk)},
        endpoint: '127.0.0.1:${d2.kmsPort}', protocol: 'https', readTimeout: 30000, connectTimeout: 30000 });
      c.createKey(new KMS.CreateKeyRequest({ description: 'v1 over https' }))
        .then((r) => console.log(r.keyMetadata.keyId), (e) => { console.error(e.message); process.exit(1); });`;
    const out = await new Promise((resolve, reject) => {
      require('node:child_process').execFile(process.execPath, ['-e', script],
        { env: { ...process.env, NODE_EXTRA_CA_CERTS: f('ca.pem') }, cwd: __dirname },
        (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)));
    });
    assert.match(out.trim(), /^[0-9a-f-]{36}$/);
  } finally {
    assert.equal(await d2.stop(), 0);
  }
});

test('TLS 1.1 is refused, TLS 1.2 and 1.3 are served', { skip }, async () => {
  const hello = (opts) => new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: d.port, ca: read('ca.pem'), ...opts }, () => {
      const v = s.getProtocol();
      s.end();
      resolve(v);
    });
    s.on('error', reject);
  });
  // SECLEVEL=0 lets this client offer TLS 1.1 at all: the refusal is the server's.
  await assert.rejects(hello({ minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
    (err) => /protocol version|unsupported protocol|alert|ECONNRESET/i.test(`${err.code} ${err.message}`));
  assert.equal(await hello({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }), 'TLSv1.2');
  assert.equal(await hello({}), 'TLSv1.3');
});

test('SIGHUP: the next connection gets the renewed certificate, an open one keeps working', { skip }, async () => {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: read('ca.pem') });
  const first = await get(d.port, { agent });
  assert.equal(first.status, 403);
  // renew: same name, new key and serial, swapped in with a rename
  makeLeaf('ca', 'renewed', '/CN=localhost', SERVER_EXT);
  fs.copyFileSync(f('renewed.key'), f('server.key.new'));
  fs.copyFileSync(f('renewed.pem'), f('server.pem.new'));
  fs.renameSync(f('server.key.new'), f('server.key'));
  fs.renameSync(f('server.pem.new'), f('server.pem'));
  const before = (d.log().match(/oss TLS certificate re-read/g) || []).length;
  d.proc.kill('SIGHUP');
  for (let i = 0; i < 100 && (d.log().match(/oss TLS certificate re-read/g) || []).length === before; i++)
    await new Promise((r) => setTimeout(r, 50));
  const fresh = await get(d.port);
  assert.notEqual(fresh.serial, first.serial);
  const renewedSerial = openssl('x509', '-in', 'renewed.pem', '-noout', '-serial').trim().split('=')[1];
  assert.equal(fresh.serial.toUpperCase(), renewedSerial.toUpperCase());
  const again = await get(d.port, { agent });
  assert.ok(again.reused, 'the keep-alive connection was kept');
  assert.equal(again.serial, first.serial);
  assert.equal(again.status, 403);
  agent.destroy();
  // a broken file keeps the certificate in use
  fs.writeFileSync(f('server.key'), 'not a key\n');
  d.proc.kill('SIGHUP');
  for (let i = 0; i < 100 && !/oss TLS certificate kept/.test(d.log()); i++)
    await new Promise((r) => setTimeout(r, 50));
  assert.match(d.log(), /oss TLS certificate kept/);
  assert.equal((await get(d.port)).serial, fresh.serial);
});
