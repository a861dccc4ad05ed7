/**
 * `clearance prune` (bin/commands/prune.ts): the objects that make up a kept run, and a selection refused before the
 * state is opened. Removing kept runs by id and by age runs end to end in test/e2e/cli-state.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pruneCommand, runPrefixes } from '../../../bin/commands/prune';
import type { RunRecord } from '../../../lambdas/adapters/ledger';
import { UsageError } from '../../../lambdas/domain/errors';

const run = (fields: Partial<RunRecord>) => ({ runId: 'la-1', county: 'LOS ANGELES', ...fields }) as RunRecord;
const OWN = ['runs/la-1/', 'results/LOS ANGELES/la-1/', 'results/LOS ANGELES/register/la-1/', 'reports/LOS ANGELES/la-1/'];

describe('runPrefixes', () => {
  it("are the run's work area, outputs, register and reports, and its single upload", () => {
    expect(runPrefixes(run({ triggerKey: 'incoming/LOS ANGELES/x.csv', inputKeys: ['incoming/LOS ANGELES/x.csv'] }))).toEqual([...OWN, 'incoming/LOS ANGELES/x.csv']);
  });

  it("take a batch's whole folder, and an input outside it on its own", () => {
    const batch = run({ triggerKey: 'incoming/LOS ANGELES/b1/manifest.json', inputKeys: ['incoming/LOS ANGELES/b1/a.csv', 'incoming/LOS ANGELES/other.csv'] });
    expect(runPrefixes(batch)).toEqual([...OWN, 'incoming/LOS ANGELES/b1/', 'incoming/LOS ANGELES/other.csv']);
    expect(runPrefixes(run({}))).toEqual(OWN);
  });
});

describe('pruneCommand', () => {
  it('needs exactly one selection, refused before the state is read', async () => {
    const keepState = path.join(os.tmpdir(), 'prune-no-such-state');
    expect(fs.existsSync(keepState)).toBe(false);
    for (const [ids, options] of [[[], {}], [['la-1'], { all: true }], [[], { olderThan: 3, all: true }]] as const) {
      await expect(pruneCommand([...ids], { keepState, ...options })).rejects.toThrow(new UsageError('prune needs one of: run ids, --older-than <days>, or --all'));
    }
    await expect(pruneCommand(['la-1'], { keepState })).rejects.toThrow(/^no embedded state at /);
  });
});
