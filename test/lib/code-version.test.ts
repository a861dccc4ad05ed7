/** The code version a decision record cites: the package's own name and version, from its package.json. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { codeVersion } from '../../lib/code-version';

test('codeVersion is record-clearance@<the version in package.json>', () => {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  expect(codeVersion()).toBe(`record-clearance@${pkg.version}`);
});
