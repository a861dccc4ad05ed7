/**
 * `clearance status` (bin/commands/status.ts): the runs table, with the execution where it disagrees with the ledger,
 * and the kept state folder checked. Reading a live process's ledger runs end to end in test/e2e/cli-state.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatRuns, keptStateDir } from '../../../bin/commands/status';
import type { RunRecord } from '../../../lambdas/adapters/ledger';
import { UsageError } from '../../../lambdas/domain/errors';

const run = (runId: string, status: string, endedAt?: string) =>
  ({ runId, county: 'LOS ANGELES', status, startedAt: '2024-06-01T12:00:00.000Z', rowsRead: 1234, rowsRejected: 5, dismissals: 60, reductions: 7, ...(endedAt ? { endedAt } : {}) }) as unknown as RunRecord;

describe('formatRuns', () => {
  it('lines the runs up under a header, the duration of ended runs in seconds', () => {
    expect(formatRuns([run('la-1', 'SUCCEEDED', '2024-06-01T12:00:42.500Z'), run('la-22', 'CLASSIFYING')]).split('\n')).toEqual([
      'RUN    COUNTY       STATUS       STARTED              ROWS  REJECTED  DISMISSALS  REDUCTIONS  DURATION',
      'la-1   LOS ANGELES  SUCCEEDED    2024-06-01T12:00:00  1234  5         60          7           42.5 s',
      'la-22  LOS ANGELES  CLASSIFYING  2024-06-01T12:00:00  1234  5         60          7           -',
    ]);
  });

  it("adds the execution's status where it disagrees with the ledger", () => {
    const [header, open, agreed] = formatRuns([run('la-22', 'CLASSIFYING'), run('la-1', 'SUCCEEDED')], new Map([['la-22', { status: 'ABORTED' }]])).split('\n');
    expect(header).toMatch(/ DURATION  EXECUTION$/);
    expect(open).toMatch(/ -         ABORTED$/);
    expect(agreed).toMatch(/ -$/);
  });
});

describe('keptStateDir', () => {
  it('is the absolute folder, or a UsageError saying how state is kept', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'status-'));
    try {
      expect(keptStateDir(path.relative(process.cwd(), dir))).toBe(dir);
      expect(() => keptStateDir(path.join(dir, 'none'))).toThrow(UsageError);
      expect(() => keptStateDir(path.join(dir, 'none'))).toThrow(`no embedded state at ${path.join(dir, 'none')}: runs are kept only with \`clearance run --keep-state ${path.join(dir, 'none')}\``);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
