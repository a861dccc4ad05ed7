#!/usr/bin/env node
// Thin launcher: the CLI is TypeScript compiled to dist/ by `npm ci` (the prepare script).
'use strict';
// The AWS SDK warns on every start that its 2027 releases will need Node 22; it is noise to a county operator
// (the project pins the SDK and deploys on Node 24), so this one warning is dropped and all others kept.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0] && rest[0].type;
  const text = typeof warning === 'string' ? warning : (warning && warning.name) || type;
  if (String(text).startsWith('NodeVersionSupportWarning') || type === 'NodeVersionSupportWarning') return;
  return emitWarning.call(process, warning, ...rest);
};
const path = require('node:path');
const fs = require('node:fs');
const dist = path.join(__dirname, '..', 'dist', 'bin');
const entry = path.join(dist, 'cli.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('clearance: the CLI is not built; run `npm ci` or `npm run build` in the project root first\n');
  process.exit(2);
}
// `run` starts in a child process with glibc tuned to give freed buffers back (dist/bin/launcher.js).
require(path.join(dist, 'launcher.js')).launch(__filename, () => {
  require(entry)
    .main(process.argv)
    .then((code) => {
      process.exitCode = code;
    });
});
