/**
 * Two consecutive months of a county through the cloud workflow on the embedded stack (`clearance run --keep-state`,
 * docs/monthly.md): the second run finds the first in the kept ledger and compares itself with its register (the
 * Compare map), giving exactly the changes the generator planted; a decision of month 1's review (`review apply
 * --run`, the Finalize workflow) is carried forward or sent back as "changed since decided".
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHANGE_KINDS, ChangeKind } from '../../lambdas/domain/register/compare';
import { personKey } from '../../lambdas/domain/register/record';
import { personKeyOfConvictionId } from '../../lambdas/domain/review/conviction-id';
import { generateExtract, plantedChanges } from '../../tools/generator';
import { runClearance } from '../helpers/cli-process';
import { csvRecords, expectedChanges, MONTH, MONTHLY_COUNTY, MONTHLY_POLICY } from '../helpers/monthly';

jest.setTimeout(120_000);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'monthly-run-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('month 2 after month 1 on the kept embedded stack: exactly the planted changes, decisions carried forward or back to review', () => {
  const state = path.join(dir, 'state');
  const out = path.join(dir, 'out');
  const policy = path.join(dir, 'policy.json');
  writeFileSync(policy, JSON.stringify(MONTHLY_POLICY));
  const clearance = (...args: string[]) => {
    const result = runClearance(dir, args);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    return result.stdout;
  };
  const run = (month: 1 | 2) => {
    const input = path.join(dir, `month${month}.csv`);
    writeFileSync(input, [...generateExtract({ ...MONTH, nextMonth: month === 2 })].join(''), 'latin1');
    // One worker: a small extract, and the fewest isolates to start (this test's time is the stacks' start-up).
    const stdout = clearance('run', '--keep-state', state, '--out', out, '--input', input, '--county', MONTHLY_COUNTY, '--policy', policy, '--compute-at', '2020-07-01', '--workers', '1');
    const runId = /^run (\S+) SUCCEEDED/m.exec(stdout)![1];
    return { runId, results: path.join(out, runId, 'results') };
  };
  const month1 = run(1);
  const review1 = csvRecords(path.join(month1.results, 'review_list.csv'));

  const planted = plantedChanges(MONTH);
  const plantedBy = new Map(planted.map((change) => [personKey(change.subjectId), change]));
  const pkOf = (line: Record<string, string>) => personKeyOfConvictionId(line['Conviction ID']);
  // Decisions of month 1's review: one on a person the next month leaves alone, one on a conviction it corrects.
  const dismissed = review1.filter((line) => line['Eligibility Determination'] === 'Eligible for Dismissal');
  const untouched = dismissed.find((line) => !plantedBy.has(pkOf(line)))!['Conviction ID'];
  const corrected = dismissed.find((line) => plantedBy.get(pkOf(line))?.change === 'misdemeanor to felony')!['Conviction ID'];
  const decisions = path.join(dir, 'decisions.csv');
  writeFileSync(decisions, [
    'Conviction ID,Decision,Decision Reason,Reviewer,Decision Date',
    `${untouched},Deny,Open case for the same conduct,A. Reviewer,2024-03-01`,
    `${corrected},Dismiss,Sentence completed,A. Reviewer,2024-03-01`,
  ].join('\n'));
  clearance('review', 'apply', '--run', month1.runId, '--keep-state', state, '--out', out, '--decisions', decisions);

  const month2 = run(2);
  const review2 = csvRecords(path.join(month2.results, 'review_list.csv'));
  const changes = csvRecords(path.join(month2.results, 'changes.csv'));
  const found = new Map<number, ChangeKind[]>();
  for (const line of changes) found.set(pkOf(line), [...(found.get(pkOf(line)) ?? []), line.Change as ChangeKind].sort());
  // Every conviction of month 2 is on its review list but the one whose decision is carried (checked below).
  const convictions = (pk: number, month: 1 | 2) => (month === 1 ? review1 : review2).filter((line) => pkOf(line) === pk).length;
  expect(found).toEqual(expectedChanges(planted, convictions));

  const summary = JSON.parse(readFileSync(path.join(month2.results, 'summary.json'), 'utf8'));
  const counted = Object.fromEntries(CHANGE_KINDS.map((kind) => [kind, changes.filter((line) => line.Change === kind).length]));
  expect(summary.sinceLastRun).toEqual({
    previousRunId: month1.runId,
    previousComputeAt: '2020-07-01',
    previousPolicyName: `policies/${MONTHLY_COUNTY}.json`,
    policyChanged: false,
    changes: { ...counted, unchanged: review2.length + 1 - counted.new - counted['newly eligible'] - counted['no longer eligible'] - counted['determination changed'] },
    decisionsCarried: 1,
    changedSinceDecided: 1,
  });
  for (const kind of CHANGE_KINDS) expect(summary.sinceLastRun.changes[kind]).toBeGreaterThan(0);

  // The decision on unchanged inputs is kept and off the review list; the corrected one is back on it.
  const marks = new Map(review2.map((line) => [line['Conviction ID'], line.Review]));
  expect(marks.has(untouched)).toBe(false);
  expect(marks.get(corrected)).toBe('Required (changed since decided)');
  expect(changes.find((line) => line['Conviction ID'] === corrected)?.Review).toBe('changed since decided');
});
