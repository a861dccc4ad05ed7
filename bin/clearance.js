#!/usr/bin/env node
// Thin launcher: the CLI is TypeScript compiled to dist/ by `npm ci` (the prepare script).
'use strict';
// The per-row phases allocate many short-lived strings; a larger young generation cuts GC time (measured ~35%).
require('node:v8').setFlagsFromString('--max-semi-space-size=64');
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'bin', 'cli.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('clearance: the CLI is not built; run `npm ci` or `npm run build` in the project root first\n');
  process.exit(2);
}
require(entry)
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
