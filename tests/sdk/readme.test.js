// README.md's code blocks work as written: every ```sh and ```js block
// runs, in README order, from a directory whose var/ is a fresh daemon's
// data dir, with `coffer` on PATH and the npm clients of tests/sdk. Only
// two things are adapted: the daemon listens on free ports, so the
// documented 127.0.0.1:8420/8421 are replaced by them, and a js block runs
// inside an async function (the README says so). A block preceded by
// "<!-- not run by the README test: why -->" is skipped (make itself, the
// system install). A block that exits non-zero or throws fails the test.
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
  d = await startDaemon({ dataDir: path.join(work, 'var') });
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
    const code = b.code.replace(/127\.0\.0\.1:8420/g, `127.0.0.1:${d.port}`)
      .replace(/127\.0\.0\.1:8421/g, `127.0.0.1:${d.kmsPort}`);
    const env = { ...process.env, PATH: `${path.resolve(path.dirname(process.env.COFFER))}:${process.env.PATH}`,
      NODE_PATH: path.join(__dirname, 'node_modules') };
    let r;
    if (b.lang === 'sh') {
      r = spawnSync('bash', ['-euo', 'pipefail', '-c', code], { cwd: work, env, encoding: 'utf8', timeout: 120000 });
    } else {
      const file = path.join(work, `block-${b.line}.js`);
      fs.writeFileSync(file, `(async () => {\n${code}\n})().catch((e) => { console.error(e); process.exit(1); });\n`);
      r = spawnSync(process.execPath, [file], { cwd: work, env, encoding: 'utf8', timeout: 120000 });
    }
    assert.equal(r.status, 0, `block at README.md:${b.line} failed:\n${r.stdout}\n${r.stderr}`);
    assert.ok(!/Exception|TypeError|ReferenceError/.test(r.stderr), r.stderr);
  });
}

test('what the blocks claim is what they print', () => {
  // The quick starts print what their comments say.
  const js = all.find((b) => b.lang === 'js' && b.code.includes("require('ali-oss')"));
  const file = path.join(work, 'check.js');
  fs.writeFileSync(file, `(async () => {\n${js.code.replace(/127\.0\.0\.1:8420/g, `127.0.0.1:${d.port}`)}\n})();\n`);
  const r = spawnSync(process.execPath, [file], { cwd: work, encoding: 'utf8',
    env: { ...process.env, NODE_PATH: path.join(__dirname, 'node_modules') } });
  assert.match(r.stdout, /^hello\n409 FileAlreadyExists 0026-00000002\n$/);
});
