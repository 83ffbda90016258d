// Replayed KMS requests across restarts. A v1 request carries everything
// in its URL, so a captured DisableKey could be sent again; its
// SignatureNonce must stay refused for the 15-minute window even after the
// daemon restarts, whether it stopped cleanly (SIGTERM) or was killed
// (SIGKILL), and the key must not change. After a machine crash (another
// boot, an unclean stop: COFFER_TEST_BOOT_ID with --test-hooks pretends
// one) requests signed before the new start are refused too. Every case
// has its positive control: a fresh request goes through.
'use strict';
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDaemon, tmpdir } = require('./lib/coffer');
const { KMS, v1Client, rawV1, rawHttp, isoNow } = require('./lib/kms');

const dataDir = tmpdir('replay');
let d;
after(async () => { if (d) await d.stop('SIGKILL'); });

async function start(bootId) {
  d = await startDaemon({ dataDir, args: ['--test-hooks'], env: bootId ? { COFFER_TEST_BOOT_ID: bootId } : {} });
  return d;
}

const state = async (key) => (await v1Client(d).describeKey(new KMS.DescribeKeyRequest({ keyId: key })))
  .keyMetadata.keyState;

function assertNonceUsed(r) {
  assert.equal(r.status, 400, r.text);
  assert.equal(r.headers['content-type'], 'application/json;charset=utf-8');
  assert.equal(r.body.Code, 'SignatureNonceUsed');
  assert.equal(r.body.HttpStatus, 400);
}

// Sends DisableKey, re-enables the key with a fresh request: a replay of
// the captured one would show as Disabled.
async function captureDisable(key) {
  const cap = await rawV1(d, 'DisableKey', { KeyId: key });
  assert.equal(cap.status, 200, cap.text);
  assert.equal(await state(key), 'Disabled');
  assert.equal((await rawV1(d, 'EnableKey', { KeyId: key })).status, 200);
  assert.equal(await state(key), 'Enabled');
  return cap;
}

let key;

test('replay after a clean stop (SIGTERM): refused, key unchanged', async () => {
  await start('boot-A');
  key = (await v1Client(d).createKey(new KMS.CreateKeyRequest({}))).keyMetadata.keyId;
  const cap = await captureDisable(key);
  // the same daemon refuses it, as before this change
  assertNonceUsed(await rawHttp(d, 'POST', cap.url));
  assert.equal(await d.stop(), 0);
  await start('boot-A');
  assertNonceUsed(await rawHttp(d, 'POST', cap.url));
  assert.equal(await state(key), 'Enabled');
  // positive control: a fresh DisableKey works
  assert.equal((await rawV1(d, 'DisableKey', { KeyId: key })).status, 200);
  assert.equal(await state(key), 'Disabled');
  assert.equal((await rawV1(d, 'EnableKey', { KeyId: key })).status, 200);
});

test('replay after kill -9 (SIGKILL): refused, key unchanged', async () => {
  const cap = await captureDisable(key);
  await d.stop('SIGKILL');
  await start('boot-A');
  assertNonceUsed(await rawHttp(d, 'POST', cap.url));
  assert.equal(await state(key), 'Enabled');
  // positive control, with an old timestamp inside the window: no
  // barrier after a crash of the process alone
  const old = await rawV1(d, 'ListKeys', {}, { timestamp: isoNow(Date.now() - 5 * 60e3) });
  assert.equal(old.status, 200, old.text);
  // form-body requests are covered the same way
  const form = await rawV1(d, 'DisableKey', { KeyId: key }, { where: 'body' });
  assert.equal(form.status, 200);
  assert.equal((await rawV1(d, 'EnableKey', { KeyId: key })).status, 200);
  await d.stop('SIGKILL');
  await start('boot-A');
  const again = await rawHttp(d, 'POST', form.url, { body: form.form,
    headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assertNonceUsed(again);
  assert.equal(await state(key), 'Enabled');
});

// On PostgreSQL the used nonces are rows of the database, durable with
// its commits: nothing is lost with the machine, so no barrier.
const inDatabase = Boolean(process.env.COFFER_TEST_PG);
const assertBarrier = (r) => (inDatabase ? assert.equal(r.status, 200, r.text) : assertNonceUsed(r));

test('machine crash (another boot after an unclean stop): requests signed before the start are refused', async () => {
  const cap = await captureDisable(key);
  await d.stop('SIGKILL');
  await start('boot-B');
  assertNonceUsed(await rawHttp(d, 'POST', cap.url));
  assert.equal(await state(key), 'Enabled');
  // a never-used nonce with a timestamp before this start: refused too
  // (its record could have been lost with the machine)
  const lagging = await rawV1(d, 'ListKeys', {}, { timestamp: isoNow(Date.now() - 2 * 60e3) });
  assertBarrier(lagging);
  // positive control: signed now
  const fresh = await rawV1(d, 'ListKeys', {});
  assert.equal(fresh.status, 200, fresh.text);
  // the barrier survives a clean restart inside the window
  assert.equal(await d.stop(), 0);
  await start('boot-B');
  assertBarrier(await rawV1(d, 'ListKeys', {}, { timestamp: isoNow(Date.now() - 2 * 60e3) }));
  assert.equal((await rawV1(d, 'ListKeys', {})).status, 200);
  assert.equal(await d.stop(), 0);
  d = null;
});
