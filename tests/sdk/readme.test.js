// README.md's code blocks work as written: every ```sh and ```js block
// runs, in README order, from a directory whose var/ is a fresh daemon's
// data dir, with `coffer` on PATH and the npm clients of tests/sdk. Only
// one thing is adapted: the daemon listens on free ports, so the
// documented 127.0.0.1:8420/8421 are replaced by them. A js block is a
// complete program, run as it is by node (a top-level await, which only
// works when pasted into an async function, is a SyntaxError). A block
// preceded by "<!-- not run by the README test: why -->" is skipped (make
// itself, the system install). A block that exits non-zero or throws
// fails the test; the quick starts' output is checked too.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { startDaemon, tmpdir } = require('./lib/coffer');

const README = path.join(__dirname, '..', '..', 'README.md');
const SKIP = /<!-- not run by the README test: .+ -->/;

// [{ lang, code, line, skip }] of the fenced blocks with a language.
function blocks(text) {
  const lines = text.split('\n');
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^```(\w+)\s*$/.exec(lines[i]);
    if (!m) {
      if (/^```/.test(lines[i])) {	// a block without a language: prose
        for (i++; i < lines.length && !/^```/.test(lines[i]); i++);
      }
      continue;
    }
    const start = i + 1;
    const body = [];
    for (i++; i < lines.length && !/^```/.test(lines[i]); i++) body.push(lines[i]);
    const prev = lines.slice(Math.max(0, start - 3), start - 1).join('\n');
    out.push({ lang: m[1], code: body.join('\n'), line: start, skip: SKIP.test(prev) });
  }
  return out;
}

let d;
let work;
before(async () => {
  work = tmpdir('readme');
  // The README's blocks show the default set-up, the data dir's meta.db
  // (coffer backup among them).
  d = await startDaemon({ dataDir: path.join(work, 'var'), sqlite: true });
});
after(async () => {
  assert.equal(await d.stop(), 0);
  fs.rmSync(work, { recursive: true, force: true });
});

const all = blocks(fs.readFileSync(README, 'utf8'));

test('README has runnable blocks of both kinds', () => {
  const run = all.filter((b) => !b.skip);
  assert.ok(run.some((b) => b.lang === 'sh'));
  assert.ok(run.some((b) => b.lang === 'js'));
  assert.ok(all.every((b) => ['sh', 'js'].includes(b.lang)), 'only sh and js blocks');
});

for (const b of all) {
  test(`README.md:${b.line} (${b.lang})${b.skip ? ' skipped as marked' : ''}`, { skip: b.skip }, () => {
    const r = run(b);
    assert.equal(r.status, 0, `block at README.md:${b.line} failed:\n${r.stdout}\n${r.stderr}`);
    assert.ok(!/Exception|TypeError|ReferenceError|SyntaxError/.test(r.stderr), r.stderr);
  });
}

// Runs block b as the README test does: sh under bash -euo pipefail, js
// as a file of its own.
function run(b) {
  const code = b.code.replace(/127\.0\.0\.1:8420/g, `127.0.0.1:${d.port}`)
    .replace(/127\.0\.0\.1:8421/g, `127.0.0.1:${d.kmsPort}`);
  const env = { ...process.env, PATH: `${path.resolve(path.dirname(process.env.COFFER))}:${process.env.PATH}`,
    NODE_PATH: path.join(__dirname, 'node_modules') };
  if (b.lang === 'sh') {
    return spawnSync('bash', ['-euo', 'pipefail', '-c', code], { cwd: work, env, encoding: 'utf8', timeout: 120000 });
  }
  const file = path.join(work, `block-${b.line}.js`);
  fs.writeFileSync(file, code + '\n');
  return spawnSync(process.execPath, [file], { cwd: work, env, encoding: 'utf8', timeout: 120000 });
}

test('every fence is closed and every skip says why', () => {
  const text = fs.readFileSync(README, 'utf8');
  const fences = text.split('\n').filter((l) => /^```/.test(l)).length;
  assert.equal(fences % 2, 0, 'an unclosed code fence');
  for (const m of text.matchAll(/<!-- not run by the README test(.*?)-->/g))
    assert.match(m[1], /^: \S.{8,}$/, `a skip without a reason: ${m[0]}`);
});

test('the js blocks are complete programs', () => {
  for (const b of all.filter((x) => x.lang === 'js')) {
    // require at the top, then an async main that is called: no
    // statement of the program outside it awaits.
    const outside = b.code.replace(/^async function main\(\) \{\n[\s\S]*?\n\}\n/m, '');
    assert.doesNotMatch(outside, /\bawait\b/, `README.md:${b.line}: await outside main()`);
    assert.match(b.code, /^main\(\)\.catch\(/m, `README.md:${b.line}: main() is not run`);
  }
});

test('what the quick starts claim is what they print', () => {
  const oss = all.find((b) => b.lang === 'js' && b.code.includes("require('ali-oss')"));
  assert.match(run(oss).stdout, /^hello\n409 FileAlreadyExists 0026-00000002\n$/);
  const kms = all.find((b) => b.lang === 'js' && b.code.includes("require('@alicloud/kms20160120')"));
  assert.equal(run(kms).stdout, 'true\n');
  // The curl helper signs what OSS signs: every request but the
  // documented BucketNotEmpty is answered, none refused.
  const curl = all.find((b) => b.lang === 'sh' && b.code.includes('oss() {'));
  const out = run(curl).stdout;
  assert.doesNotMatch(out, /SignatureDoesNotMatch|AccessDenied/);
  assert.match(out, /some notes/);
  assert.match(out, /<ListBucketResult>[\s\S]*<MaxKeys>10<\/MaxKeys>/);
  assert.match(out, /<AccessControlPolicy>/);
  assert.match(out, /<Code>BucketNotEmpty<\/Code>/);
  assert.equal((out.match(/<Error>/g) || []).length, 1, out);
});
