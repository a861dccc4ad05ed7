/**
 * Two consecutive months of a county through `clearance classify` (docs/monthly.md): the generator's month-2
 * extract of the same seed, compared with month 1 by `--previous`, gives exactly the changes the generator planted
 * (each kind), and a decision of month 1's review is carried forward or sent back as "changed since decided".
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { previousClassify } from '../../bin/commands/classify';
import { CHANGE_KINDS, ChangeKind } from '../../lambdas/domain/register/compare';
import { parseRecord, personKey, RegisterRecord } from '../../lambdas/domain/register/record';
import { generateExtract, plantedChanges } from '../../tools/generator';
import { expectedChanges, MONTH, MONTHLY_COUNTY, MONTHLY_POLICY } from '../helpers/monthly';
import { runClearance } from '../helpers/cli-process';

const COUNTY = MONTHLY_COUNTY;
const POLICY = MONTHLY_POLICY;

function csvLines(file: string): string[][] {
  // The lines compared here hold no quoted comma in the columns read (id, change, review mark).
  return readFileSync(file, 'latin1').trim().split('\n').slice(1).map((line) => line.split(','));
}

function register(runDir: string): RegisterRecord[] {
  const folder = path.join(runDir, 'results', 'register');
  return readdirSync(folder)
    .filter((name) => name.startsWith('part-'))
    .flatMap((name) => readFileSync(path.join(folder, name), 'latin1').split('\n').filter(Boolean).map((line) => parseRecord(line, name)));
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'monthly-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('month 2 against month 1: exactly the planted changes, decisions carried forward or back to review', () => {
  const write = (name: string, nextMonth: boolean) => {
    writeFileSync(path.join(dir, name), [...generateExtract({ ...MONTH, nextMonth })].join(''));
    return path.join(dir, name);
  };
  const policy = path.join(dir, 'policy.json');
  writeFileSync(policy, JSON.stringify(POLICY));
  const out = path.join(dir, 'out');
  const classify = (input: string, ...extra: string[]) => {
    const result = runClearance(dir, ['classify', '--input', input, '--county', COUNTY, '--policy', policy, '--compute-at', '2020-07-01', '--out', out, ...extra]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    return result.stdout.trim();
  };
  const month1 = classify(write('month1.csv', false));
  const before = register(month1);

  const planted = plantedChanges(MONTH);
  const plantedBy = new Map(planted.map((change) => [personKey(change.subjectId), change]));
  // Decisions of month 1's review: one on a person the next month leaves alone, one on a conviction it corrects.
  const untouched = before.find((record) => !plantedBy.has(record.pk) && record.det === 'Eligible for Dismissal')!;
  const corrected = before.find((record) => {
    const change = plantedBy.get(record.pk);
    return change?.change === 'misdemeanor to felony' && record.det === 'Eligible for Dismissal';
  })!;
  const decisions = path.join(dir, 'decisions.csv');
  writeFileSync(decisions, [
    'Conviction ID,Decision,Decision Reason,Reviewer,Decision Date',
    `${untouched.id},Deny,Open case for the same conduct,A. Reviewer,2024-03-01`,
    `${corrected.id},Dismiss,Sentence completed,A. Reviewer,2024-03-01`,
  ].join('\n'));
  expect(runClearance(dir, ['review', 'apply', '--results', path.join(month1, 'results'), '--decisions', decisions]).code).toBe(0);

  const month2 = classify(write('month2.csv', true), '--previous', month1);
  const after = register(month2);
  const pkOf = new Map([...before, ...after].map((record) => [record.id, record.pk]));
  const changes = csvLines(path.join(month2, 'results', 'changes.csv'));
  const found = new Map<number, ChangeKind[]>();
  for (const [id, kind] of changes) {
    const pk = pkOf.get(id)!;
    found.set(pk, [...(found.get(pk) ?? []), kind as ChangeKind].sort());
  }
  const expected = expectedChanges(planted, (pk, month) => (month === 1 ? before : after).filter((r) => r.pk === pk).length);
  expect(found).toEqual(expected);
  // Every kind was planted and found; the summary counts what changes.csv lists.
  const summary = JSON.parse(readFileSync(path.join(month2, 'results', 'summary.json'), 'utf8'));
  const counted = Object.fromEntries(CHANGE_KINDS.map((kind) => [kind, changes.filter((line) => line[1] === kind).length]));
  expect(summary.sinceLastRun).toEqual({
    previousRunId: path.basename(month1),
    previousComputeAt: '2020-07-01',
    previousPolicyName: 'policy.json',
    policyChanged: false,
    changes: { ...counted, unchanged: after.length - counted.new - counted['newly eligible'] - counted['no longer eligible'] - counted['determination changed'] },
    decisionsCarried: 1,
    changedSinceDecided: 1,
  });
  for (const kind of CHANGE_KINDS) expect(summary.sinceLastRun.changes[kind]).toBeGreaterThan(0);

  // The decision on unchanged inputs is kept (register) and off the review list; the corrected one is back on it.
  const review = new Map(csvLines(path.join(month2, 'results', 'review_list.csv')).map((line) => [line[0], line[1]]));
  expect(review.has(untouched.id)).toBe(false);
  expect(review.get(corrected.id)).toBe('Required (changed since decided)');
  expect(after.find((r) => r.id === untouched.id)?.decision).toMatchObject({ decision: 'Deny', runId: path.basename(month1), round: 1 });
  expect(after.find((r) => r.id === corrected.id)?.decision).toBeUndefined();
  expect(changes.find((line) => line[0] === corrected.id)?.at(-1)).toBe('changed since decided');

  const reports = path.join(month2, 'reports');
  expect(readFileSync(path.join(reports, 'report.html'), 'utf8')).toContain('<h2>Since the last run</h2>');
  expect(readFileSync(path.join(reports, 'statistics.csv'), 'utf8')).toContain(`convictions since the last run,gone from the extract,${counted['gone from the extract']}`);
});

test('--previous refuses, before any work, a folder without a run, a run that failed and a register of another version', async () => {
  const runDir = readdirSync(path.join(dir, 'out')).map((name) => path.join(dir, 'out', name)).find((name) => existsSync(path.join(name, 'results', 'register')))!;
  await expect(previousClassify(path.join(dir, 'nowhere'), COUNTY)).rejects.toThrow(/--previous ".*nowhere": no such folder/);
  await expect(previousClassify(runDir, 'SACRAMENTO')).rejects.toThrow(/is a run of "LOS ANGELES", not of "SACRAMENTO"/);
  const manifestPath = path.join(runDir, 'results', 'register', 'manifest.json');
  const manifest = readFileSync(manifestPath, 'utf8');
  writeFileSync(manifestPath, JSON.stringify({ ...JSON.parse(manifest), format: 'clearance-register/v0' }));
  await expect(previousClassify(runDir, COUNTY)).rejects.toThrow(/written by another version \(format "clearance-register\/v0"/);
  rmSync(path.join(runDir, 'results', 'register'), { recursive: true });
  await expect(previousClassify(runDir, COUNTY)).rejects.toThrow(/has no register .*only a run that succeeded writes one/);
  const summaryPath = path.join(runDir, 'results', 'summary.json');
  writeFileSync(summaryPath, JSON.stringify({ ...JSON.parse(readFileSync(summaryPath, 'utf8')), status: 'FAILED' }));
  await expect(previousClassify(runDir, COUNTY)).rejects.toThrow(/is a run that did not succeed \(status FAILED\)/);
});
