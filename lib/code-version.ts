/**
 * The code version a review's decision record cites: `record-clearance@<version>` from the package's package.json,
 * found walking up from this module (lib/ or dist/lib/). Read by the stack (the Finalize function's environment)
 * and by the CLI's review command.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const PACKAGE_NAME = 'record-clearance';

export function codeVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === PACKAGE_NAME) return `${pkg.name}@${pkg.version}`;
    }
    if (path.dirname(dir) === dir) return `${PACKAGE_NAME}@unknown`;
  }
}
