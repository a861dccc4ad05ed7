/** `clearance run`'s downloads: an object key never writes outside the run's folder under --out. */
import fc from 'fast-check';
import * as path from 'node:path';
import { downloadPath } from '../../../bin/commands/run';

const target = path.resolve('/tmp/out/run-1/results');
const prefix = 'results/LOS ANGELES/run-1/';

it('puts a key under the prefix at its relative path', () => {
  expect(downloadPath(target, prefix, `${prefix}All_Results.csv`)).toBe(path.join(target, 'All_Results.csv'));
  expect(downloadPath(target, prefix, `${prefix}sub/part.csv`)).toBe(path.join(target, 'sub', 'part.csv'));
});

it.each([
  `${prefix}../../../../etc/cron.d/x`,
  `${prefix}..`,
  `${prefix}/etc/passwd`,
  `${prefix}a/../../escape.csv`,
  `${prefix}`,
  'reports/LOS ANGELES/run-1/summary.json',
])('refuses %j, which resolves outside the folder', (key) => {
  expect(() => downloadPath(target, prefix, key)).toThrow(/resolves outside .*: not downloaded/);
});

it('never returns a path outside the folder, whatever the key (property)', () => {
  const segment = fc.constantFrom('..', '.', 'a', 'b.csv', '', '/', '%2e%2e');
  fc.assert(
    fc.property(fc.array(segment, { maxLength: 8 }), (segments) => {
      const key = prefix + segments.join('/');
      let file: string | undefined;
      try {
        file = downloadPath(target, prefix, key);
      } catch {
        return;
      }
      expect(file.startsWith(target + path.sep)).toBe(true);
    }),
  );
});
