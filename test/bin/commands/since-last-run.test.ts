/** The "since the last run" line (bin/commands/since-last-run.ts): counts only, or why the run was not compared. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sinceLastRunLine, sinceLastRunOf } from '../../../bin/commands/since-last-run';
import { CHANGE_KINDS, SinceLastRun } from '../../../lambdas/domain/register/compare';

const compared: SinceLastRun = {
  previousRunId: 'sutter-1',
  changes: Object.fromEntries(CHANGE_KINDS.map((kind, i) => [kind, i * 2])) as SinceLastRun['changes'],
  decisionsCarried: 4,
  changedSinceDecided: 1,
  policyChanged: false,
};

describe('sinceLastRunLine', () => {
  it('counts each kind of change and the decisions carried, and says when the policy changed', () => {
    expect(sinceLastRunLine(compared)).toBe(
      'since sutter-1: 0 new, 2 newly eligible, 4 no longer eligible, 6 determination changed, 8 unchanged, 10 gone from the extract; ' +
        '4 decisions carried forward, 1 changed since decided',
    );
    expect(sinceLastRunLine({ ...compared, policyChanged: true })).toMatch(/ \(another policy than that run\)$/);
  });

  it('says why a run was not compared, and nothing for a first run', () => {
    expect(sinceLastRunLine({ previousRunId: null, note: 'the register expired' })).toBe('not compared with an earlier run: the register expired');
    expect(sinceLastRunLine({ previousRunId: null })).toBeUndefined();
    expect(sinceLastRunLine(undefined)).toBeUndefined();
  });
});

describe('sinceLastRunOf', () => {
  it("reads the line from a results folder's summary.json; nothing without one", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'since-last-run-'));
    try {
      expect(sinceLastRunOf(dir)).toBeUndefined();
      fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ sinceLastRun: compared }));
      expect(sinceLastRunOf(dir)).toBe(sinceLastRunLine(compared));
      fs.writeFileSync(path.join(dir, 'summary.json'), '{');
      expect(sinceLastRunOf(dir)).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
