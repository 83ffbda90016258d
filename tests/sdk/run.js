// run.js FILE: runs one SDK test file with node's built-in test runner.
// Exits 77 (CTest "skipped") when the npm packages are not installed, so a
// bare `ctest` without `make node-deps` reports skips instead of failures.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const file = process.argv[2];
if (!fs.existsSync(path.join(__dirname, 'node_modules', 'ali-oss'))) {
  console.log('skipped: npm packages missing (run `make node-deps`)');
  process.exit(77);
}
if (!process.env.COFFERD) {
  console.log('skipped: COFFERD is not set (run through ctest)');
  process.exit(77);
}
const r = spawnSync(process.execPath, ['--test', file], { stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
