// A property test of object versioning (oss-api-2.md §1.2-1.6): seeded
// random sequences of PutObject, DeleteObject (with and without versionId),
// DeleteMultipleObjects (with and without VersionId), CopyObject from a
// version or the current object to another key, GetObject and HeadObject
// ?versionId, HeadObject and PutBucketVersioning Enabled <->
// Suspended over a few keys, run against cofferd and against the small
// model below. After every step every key's GET (body, version headers)
// is compared with the model; every few steps the whole ListObjectVersions
// (order, ids, IsLatest, delete markers, paged, with a random prefix and
// delimiter) and ListObjects.
//
// The seed is printed; COFFER_PROP_SEED=N reruns one sequence,
// COFFER_PROP_STEPS=N sets its length, COFFER_PROP_RUNS=N the number of
// sequences. A failure prints the seed and the steps that led to it.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { startDaemon, signedRaw, xmlText } = require('./lib/coffer');

const SUBRES = new Set(['versions', 'versioning', 'versionId', 'delete']);
const KEYS = ['k0', 'k1', 'dir/k2'];
const STEPS = Number(process.env.COFFER_PROP_STEPS || 120);
const RUNS = Number(process.env.COFFER_PROP_RUNS || 3);
let d;

before(async () => { d = await startDaemon(); });
after(async () => {
  assert.equal(await d.stop(), 0);
  fs.rmSync(d.dataDir, { recursive: true, force: true });
});

// mulberry32: small, seedable, good enough to pick operations.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- the model: OSS versioning semantics ----
//
// state: 'none' (never versioned), 'Enabled' or 'Suspended'; per key the
// versions newest first, each { vid, dm, body }. Ids the service makes
// are opaque: the model takes them from the responses and checks that
// they are new.
class Model {
  constructor() { this.state = 'none'; this.keys = new Map(); this.seen = new Set(); }

  chain(k) { if (!this.keys.has(k)) this.keys.set(k, []); return this.keys.get(k); }

  current(k) { const c = this.chain(k); return c.length ? c[0] : null; }

  // A write (PutObject) or a delete marker, with the id the service gave.
  add(k, v) {
    const c = this.chain(k);
    if (this.state === 'none') { c.length = 0; c.push(v); return; }
    if (this.state === 'Suspended') {
      // at most one null version: the new one replaces it wherever it is
      const i = c.findIndex((x) => x.vid === 'null');
      if (i >= 0) c.splice(i, 1);
    }
    c.unshift(v);
  }

  // DeleteObject without a version id.
  del(k) {
    if (this.state === 'none') { this.chain(k).length = 0; return null; }
    return 'marker';
  }

  // DeleteObject?versionId: removes that version; the next newest (a
  // marker or not) becomes current by being first.
  delVersion(k, vid) {
    const c = this.chain(k);
    const i = c.findIndex((x) => x.vid === vid);
    if (i < 0) return null;
    return c.splice(i, 1)[0];
  }

  // What ListObjectVersions must show: [key, vid, latest, dm] in order,
  // then the common prefixes.
  versions(prefix = '', delimiter = '') {
    const out = [];
    const cps = [];
    for (const k of [...this.keys.keys()].sort(cmpBytes)) {
      if (!k.startsWith(prefix) || this.keys.get(k).length === 0) continue;
      const at = delimiter ? k.indexOf(delimiter, prefix.length) : -1;
      if (at >= 0) {
        const cp = k.slice(0, at + delimiter.length);
        if (!cps.includes(cp)) cps.push(cp);
        continue;
      }
      this.keys.get(k).forEach((v, i) => out.push([k, v.vid, i === 0, v.dm]));
    }
    return { entries: out, prefixes: cps };
  }

  // What ListObjects must show.
  objects() {
    return [...this.keys.keys()].sort(cmpBytes).filter((k) => { const c = this.current(k); return c && !c.dm; });
  }
}

function cmpBytes(a, b) { return Buffer.compare(Buffer.from(a), Buffer.from(b)); }

// ---- the requests ----

function req(bucket, opts) { return signedRaw(d, { bucket, subres: SUBRES, ...opts }); }

async function listVersionsAll(bucket, max, prefix, delimiter) {
  const out = [];
  const prefixes = [];
  let km; let vm;
  for (let page = 0; page < 1000; page++) {
    const q = { versions: '', 'max-keys': String(max), prefix, delimiter };
    if (km !== undefined) { q['key-marker'] = km; q['version-id-marker'] = vm; }
    const r = await req(bucket, { query: q });
    assert.equal(r.status, 200, `ListObjectVersions: ${r.body}`);
    const xml = r.body.toString();
    for (const m of xml.matchAll(/<(Version|DeleteMarker)>([\s\S]*?)<\/\1>/g)) {
      out.push([xmlText(m[2], 'Key'), xmlText(m[2], 'VersionId'), xmlText(m[2], 'IsLatest') === 'true',
        m[1] === 'DeleteMarker']);
    }
    for (const cp of xml.matchAll(/<CommonPrefixes><Prefix>([^<]*)<\/Prefix><\/CommonPrefixes>/g)) prefixes.push(cp[1]);
    if (xmlText(xml, 'IsTruncated') !== 'true') return { entries: out, prefixes };
    km = xmlText(xml, 'NextKeyMarker');
    vm = xmlText(xml, 'NextVersionIdMarker');
  }
  throw new Error('ListObjectVersions did not end');
}

async function listObjects(bucket) {
  const r = await req(bucket, { query: { 'max-keys': '1000' } });
  assert.equal(r.status, 200);
  return [...r.body.toString().matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)].map((m) => xmlText(m[1], 'Key'));
}

// ---- one sequence ----

async function runSequence(seed, steps) {
  const rand = rng(seed);
  const pick = (a) => a[Math.floor(rand() * a.length)];
  const bucket = `prop-${seed.toString(36)}`.slice(0, 40).toLowerCase();
  const m = new Model();
  const log = [];
  const fail = (msg) => {
    throw new Error(`seed ${seed} (COFFER_PROP_SEED=${seed}), after ${log.length} steps:\n  ` +
      `${log.slice(-12).join('\n  ')}\n${msg}`);
  };
  const check = (cond, msg) => { if (!cond) fail(msg()); };

  let r = await req(bucket, { method: 'PUT' });
  assert.equal(r.status, 200);

  for (let step = 0; step < steps; step++) {
    const k = pick(KEYS);
    const roll = rand();
    if (roll < 0.06) {
      // PutBucketVersioning
      const to = m.state === 'Enabled' ? 'Suspended' : 'Enabled';
      log.push(`PutBucketVersioning ${to}`);
      r = await req(bucket, { method: 'PUT', query: { versioning: '' }, headers: { 'content-type': 'application/xml' },
        body: `<VersioningConfiguration><Status>${to}</Status></VersioningConfiguration>` });
      check(r.status === 200, () => `PutBucketVersioning: ${r.status} ${r.body}`);
      m.state = to;
    } else if (roll < 0.12) {
      // CopyObject to another key, from a named version or the current one
      const chain = m.chain(k);
      const src = chain.length > 0 && rand() < 0.6 ? pick(chain) : null;
      const dst = pick(KEYS.filter((x) => x !== k));
      const cs = `/${bucket}/${encodeURIComponent(k).replace(/%2F/g, '/')}${src ? `?versionId=${src.vid}` : ''}`;
      log.push(`CopyObject ${k}${src ? `@${src.vid}` : ''} -> ${dst} (${m.state})`);
      r = await req(bucket, { method: 'PUT', key: dst, headers: { 'x-oss-copy-source': cs } });
      const from = src || m.current(k);
      if (!from || from.dm) {
        check(r.status === 404, () => `CopyObject from ${src ? 'a marker version' : 'a key without a current object'}: ${r.status} ${r.body}`);
      } else {
        check(r.status === 200, () => `CopyObject: ${r.status} ${r.body}`);
        const vid = r.headers['x-oss-version-id'];
        if (m.state === 'none') {
          check(vid === undefined, () => `CopyObject (never versioned): x-oss-version-id ${vid}`);
          m.add(dst, { vid: 'null', dm: false, body: from.body });
        } else {
          check(r.headers['x-oss-copy-source-version-id'] === from.vid,
            () => `CopyObject: x-oss-copy-source-version-id ${r.headers['x-oss-copy-source-version-id']}, want ${from.vid}`);
          if (m.state === 'Suspended') {
            check(vid === 'null', () => `CopyObject (Suspended): x-oss-version-id ${vid}, want null`);
          } else {
            check(typeof vid === 'string' && vid !== 'null' && !m.seen.has(vid), () => `CopyObject (Enabled): x-oss-version-id ${vid}, want a new id`);
            m.seen.add(vid);
          }
          m.add(dst, { vid: m.state === 'Suspended' ? 'null' : vid, dm: false, body: from.body });
        }
        log[log.length - 1] += ` -> ${vid}`;
      }
    } else if (roll < 0.42) {
      // PutObject
      const body = crypto.randomBytes(1 + Math.floor(rand() * 24)).toString('hex');
      log.push(`PutObject ${k} (${m.state})`);
      r = await req(bucket, { method: 'PUT', key: k, body });
      check(r.status === 200, () => `PutObject: ${r.status} ${r.body}`);
      const vid = r.headers['x-oss-version-id'];
      if (m.state === 'none') {
        check(vid === undefined, () => `PutObject on a never-versioned bucket sent x-oss-version-id ${vid}`);
        m.add(k, { vid: 'null', dm: false, body });
      } else if (m.state === 'Suspended') {
        check(vid === 'null', () => `PutObject (Suspended): x-oss-version-id ${vid}, want null`);
        m.add(k, { vid: 'null', dm: false, body });
      } else {
        check(typeof vid === 'string' && /^CAEQ[A-Za-z0-9._-]+$/.test(vid) && !m.seen.has(vid),
          () => `PutObject (Enabled): x-oss-version-id ${vid}, want a new id`);
        m.seen.add(vid);
        m.add(k, { vid, dm: false, body });
      }
      log[log.length - 1] += ` -> ${vid}`;
    } else if (roll < 0.6) {
      // DeleteObject
      log.push(`DeleteObject ${k} (${m.state})`);
      r = await req(bucket, { method: 'DELETE', key: k });
      check(r.status === 204, () => `DeleteObject: ${r.status} ${r.body}`);
      const vid = r.headers['x-oss-version-id'];
      if (m.del(k) === 'marker') {
        check(r.headers['x-oss-delete-marker'] === 'true', () => 'DeleteObject (versioned): no x-oss-delete-marker: true');
        if (m.state === 'Suspended') {
          check(vid === 'null', () => `DeleteObject (Suspended): marker id ${vid}, want null`);
        } else {
          check(typeof vid === 'string' && vid !== 'null' && !m.seen.has(vid),
            () => `DeleteObject (Enabled): marker id ${vid}, want a new id`);
          m.seen.add(vid);
        }
        m.add(k, { vid, dm: true });
        log[log.length - 1] += ` -> marker ${vid}`;
      } else {
        check(vid === undefined && r.headers['x-oss-delete-marker'] === undefined,
          () => 'DeleteObject (never versioned): version headers sent');
      }
    } else if (roll < 0.66) {
      // DeleteObject?versionId: an existing version mostly, else an unknown id
      const chain = m.chain(k);
      const known = chain.length > 0 && rand() < 0.85;
      const vid = known ? pick(chain).vid : `CAEQ${crypto.randomBytes(9).toString('base64url')}`;
      log.push(`DeleteObject ${k}?versionId=${vid}`);
      r = await req(bucket, { method: 'DELETE', key: k, query: { versionId: vid } });
      const gone = m.delVersion(k, vid);
      if (gone) {
        check(r.status === 204, () => `DeleteObject?versionId: ${r.status} ${r.body}`);
        check(r.headers['x-oss-version-id'] === vid || m.state === 'none',
          () => `DeleteObject?versionId: x-oss-version-id ${r.headers['x-oss-version-id']}, want ${vid}`);
        check((r.headers['x-oss-delete-marker'] === 'true') === gone.dm,
          () => `DeleteObject?versionId of ${gone.dm ? 'a marker' : 'a version'}: x-oss-delete-marker ${r.headers['x-oss-delete-marker']}`);
      } else {
        // the spec leaves 204 or 404 open (oss-api-2.md §8); nothing changes
        check(r.status === 204 || (r.status === 404 && xmlText(r.body, 'Code') === 'NoSuchVersion'),
          () => `DeleteObject of an unknown version: ${r.status} ${r.body}`);
      }
    } else if (roll < 0.74) {
      // GetObject?versionId
      const chain = m.chain(k);
      const known = chain.length > 0 && rand() < 0.85;
      const v = known ? pick(chain) : null;
      const vid = v ? v.vid : `CAEQ${crypto.randomBytes(9).toString('base64url')}`;
      log.push(`GetObject ${k}?versionId=${vid}`);
      r = await req(bucket, { key: k, query: { versionId: vid } });
      if (!v) {
        check(r.status === 404 && xmlText(r.body, 'Code') === 'NoSuchVersion',
          () => `GetObject of an unknown version: ${r.status} ${r.body}`);
      } else if (v.dm) {
        check(r.status === 405 && xmlText(r.body, 'Code') === 'MethodNotAllowed',
          () => `GetObject?versionId of a marker: ${r.status} ${r.body}`);
        check(r.headers['x-oss-delete-marker'] === 'true', () => 'GetObject?versionId of a marker: no x-oss-delete-marker');
      } else {
        check(r.status === 200 && r.body.toString() === v.body,
          () => `GetObject?versionId: ${r.status} "${r.body}", want "${v.body}"`);
        check(m.state === 'none' || r.headers['x-oss-version-id'] === vid,
          () => `GetObject?versionId: x-oss-version-id ${r.headers['x-oss-version-id']}, want ${vid}`);
      }
    } else if (roll < 0.8) {
      // DeleteMultipleObjects over distinct keys, some with a VersionId
      const keys = KEYS.filter(() => rand() < 0.6);
      if (keys.length === 0) keys.push(k);
      const items = keys.map((key) => {
        const chain = m.chain(key);
        const vid = chain.length > 0 && rand() < 0.5 ? pick(chain).vid : undefined;
        return { key, vid };
      });
      log.push(`DeleteMultipleObjects ${items.map((i) => (i.vid ? `${i.key}@${i.vid}` : i.key)).join(' ')} (${m.state})`);
      const body = `<Delete><Quiet>false</Quiet>${items.map((i) => `<Object><Key>${i.key}</Key>`
        + `${i.vid ? `<VersionId>${i.vid}</VersionId>` : ''}</Object>`).join('')}</Delete>`;
      r = await req(bucket, { method: 'POST', query: { delete: '' }, body, headers: {
        'content-type': 'application/xml', 'content-md5': crypto.createHash('md5').update(body).digest('base64') } });
      check(r.status === 200, () => `DeleteMultipleObjects: ${r.status} ${r.body}`);
      const deleted = [...r.body.toString().matchAll(/<Deleted>([\s\S]*?)<\/Deleted>/g)].map((x) => x[1]);
      check(deleted.length === items.length, () => `DeleteMultipleObjects: ${deleted.length} Deleted entries for ${items.length}: ${r.body}`);
      for (const it of items) {
        const e = deleted.find((x) => xmlText(x, 'Key') === it.key);
        check(e !== undefined, () => `DeleteMultipleObjects: no entry for ${it.key}: ${r.body}`);
        if (it.vid) {
          m.delVersion(it.key, it.vid);
          check(xmlText(e, 'VersionId') === it.vid, () => `DeleteMultipleObjects ${it.key}@${it.vid}: entry ${e}`);
        } else if (m.del(it.key) === 'marker') {
          const dmid = xmlText(e, 'DeleteMarkerVersionId');
          check(xmlText(e, 'DeleteMarker') === 'true' && xmlText(e, 'VersionId') === undefined,
            () => `DeleteMultipleObjects ${it.key} (${m.state}): entry ${e}`);
          if (m.state === 'Suspended') {
            check(dmid === 'null', () => `DeleteMultipleObjects ${it.key} (Suspended): marker id ${dmid}`);
          } else {
            check(typeof dmid === 'string' && dmid !== 'null' && !m.seen.has(dmid),
              () => `DeleteMultipleObjects ${it.key} (Enabled): marker id ${dmid}, want a new id`);
            m.seen.add(dmid);
          }
          m.add(it.key, { vid: dmid, dm: true });
        } else {
          check(e === `<Key>${it.key}</Key>`, () => `DeleteMultipleObjects ${it.key} (never versioned): entry ${e}`);
        }
      }
    } else if (roll < 0.86) {
      // HeadObject?versionId
      const chain = m.chain(k);
      if (chain.length === 0) continue;
      const v = pick(chain);
      log.push(`HeadObject ${k}?versionId=${v.vid}`);
      r = await req(bucket, { method: 'HEAD', key: k, query: { versionId: v.vid } });
      if (v.dm) {
        check(r.status === 405 && r.headers['x-oss-delete-marker'] === 'true',
          () => `HeadObject?versionId of a marker: ${r.status} marker=${r.headers['x-oss-delete-marker']}`);
      } else {
        check(r.status === 200 && Number(r.headers['content-length']) === Buffer.byteLength(v.body)
          && (m.state === 'none' || r.headers['x-oss-version-id'] === v.vid),
        () => `HeadObject?versionId: ${r.status} length ${r.headers['content-length']} id ${r.headers['x-oss-version-id']}`);
      }
    } else {
      // HeadObject
      log.push(`HeadObject ${k}`);
      r = await req(bucket, { method: 'HEAD', key: k });
      const cur = m.current(k);
      if (!cur) {
        check(r.status === 404, () => `HeadObject of a missing key: ${r.status}`);
      } else if (cur.dm) {
        check(r.status === 404 && r.headers['x-oss-delete-marker'] === 'true'
          && r.headers['x-oss-version-id'] === cur.vid,
        () => `HeadObject on a marker: ${r.status} marker=${r.headers['x-oss-delete-marker']} id=${r.headers['x-oss-version-id']}, want 404 true ${cur.vid}`);
      } else {
        check(r.status === 200 && Number(r.headers['content-length']) === Buffer.byteLength(cur.body),
          () => `HeadObject: ${r.status} length ${r.headers['content-length']}`);
        check(m.state === 'none' || r.headers['x-oss-version-id'] === cur.vid,
          () => `HeadObject: x-oss-version-id ${r.headers['x-oss-version-id']}, want ${cur.vid}`);
      }
    }

    // every key's GET against the model
    for (const key of KEYS) {
      const g = await req(bucket, { key });
      const cur = m.current(key);
      if (!cur || cur.dm) {
        check(g.status === 404 && xmlText(g.body, 'Code') === 'NoSuchKey',
          () => `GET ${key}: ${g.status} ${g.body}, want 404 NoSuchKey`);
        if (cur && cur.dm) {
          check(g.headers['x-oss-delete-marker'] === 'true' && g.headers['x-oss-version-id'] === cur.vid,
            () => `GET ${key} (current is a marker): x-oss-delete-marker ${g.headers['x-oss-delete-marker']}, `
              + `x-oss-version-id ${g.headers['x-oss-version-id']}, want true ${cur.vid}`);
        }
      } else {
        check(g.status === 200 && g.body.toString() === cur.body,
          () => `GET ${key}: ${g.status} "${g.body}", want "${cur.body}"`);
        // never versioned: no version header; else the current id
        const want = m.state === 'none' ? undefined : cur.vid;
        check(g.headers['x-oss-version-id'] === want,
          () => `GET ${key}: x-oss-version-id ${g.headers['x-oss-version-id']}, want ${want}`);
      }
    }

    if (step % 5 === 4 || step === steps - 1) {
      const max = 1 + Math.floor(rand() * 4);
      const [prefix, delimiter] = pick([['', ''], ['', ''], ['', '/'], ['dir/', ''], ['k', ''], ['d', '/']]);
      const got = await listVersionsAll(bucket, max, prefix, delimiter);
      const want = m.versions(prefix, delimiter);
      check(JSON.stringify(got) === JSON.stringify(want),
        () => `ListObjectVersions (max-keys ${max} prefix "${prefix}" delimiter "${delimiter}"):\n`
          + `    got  ${JSON.stringify(got)}\n    want ${JSON.stringify(want)}`);
      const objs = await listObjects(bucket);
      check(JSON.stringify(objs) === JSON.stringify(m.objects()),
        () => `ListObjects: got ${JSON.stringify(objs)}, want ${JSON.stringify(m.objects())}`);
    }
  }
}

const seeds = process.env.COFFER_PROP_SEED
  ? [Number(process.env.COFFER_PROP_SEED)]
  : Array.from({ length: RUNS }, () => crypto.randomInt(1, 2 ** 31));

for (const seed of seeds) {
  test(`versioning against the model, seed ${seed}`, async () => {
    console.log(`# versioning_property: seed ${seed} (rerun with COFFER_PROP_SEED=${seed})`);
    await runSequence(seed, STEPS);
  });
}
