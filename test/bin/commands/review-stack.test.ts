/**
 * `clearance review apply --run <runId> --keep-state DIR` end to end, through the built CLI (`npm run build` first):
 * a run kept by `clearance run --keep-state`, a decision file of approvals, denials and deferrals, a second round
 * changing some of them and a bad file, each uploaded to reviews/<COUNTY>/<runId>/ on the embedded stack
 * and applied by the Finalize state machine. The final lists and the decision record are byte for byte what
 * `clearance review apply --results` makes of the same files on the run's copied results; a bad file changes
 * nothing.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { csvLine } from '../../../lambdas/domain/csv/writer';
import { DETERMINATION } from '../../../lambdas/domain/decision';
import { CliResult, runClearance } from '../../helpers/cli-process';
import { parseCsvText } from '../../helpers/csv-compare';

const HEADER = 'Conviction ID,Decision,Decision Reason,Reviewer,Decision Date';
const FINAL = ['court_motion_list.csv', 'defender_notice_list.csv', 'decisions.jsonl'];

let tmp: string;
let state: string;
let out: string;
let runId: string;
let results: string;
/** The run's results as copied by `clearance run`, before any review: the local path's input. */
let pristine: string;
let review: Record<string, string>[];

function clearance(...args: string[]): CliResult {
  return runClearance(tmp, args);
}

function table(file: string): Record<string, string>[] {
  const [header, ...rows] = parseCsvText(readFileSync(file, 'latin1'));
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]])));
}

function decisionFile(name: string, rows: string[][]): string {
  const file = path.join(tmp, name);
  writeFileSync(file, [HEADER, ...rows.map((row) => csvLine(row))].join('\n') + '\n', 'latin1');
  return file;
}

function finalFiles(dir: string): Record<string, string> {
  return Object.fromEntries(FINAL.map((name) => [name, readFileSync(path.join(dir, 'final', name), 'latin1')]));
}

const applyOnStack = (file: string) => clearance('review', 'apply', '--run', runId, '--keep-state', state, '--out', out, '--decisions', file);

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'review-stack-'));
  state = path.join(tmp, 'state');
  out = path.join(tmp, 'out');
  const extract = path.join(tmp, 'extract.csv');
  expect(clearance('generate', '--county', 'LOS ANGELES', '--people', '200', '--seed', '3', '--out', extract).code).toBe(0);
  const run = clearance('run', '--input', extract, '--county', 'LOS ANGELES', '--policy', 'los-angeles-2020', '--compute-at', '2020-07-01',
    '--keep-state', state, '--out', out, '--workers', '1');
  expect([run.code, run.stderr]).toEqual([0, expect.any(String)]);
  // The run's folder (out/ also holds analytics/, docs/analytics.md).
  [runId] = readdirSync(out).filter((name) => name !== 'analytics');
  results = path.join(out, runId, 'results');
  pristine = path.join(tmp, 'pristine');
  cpSync(results, pristine, { recursive: true });
  review = table(path.join(results, 'review_list.csv'));
}, 300_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('rounds applied by Finalize on the embedded stack are what the local path makes of the same files; a bad file changes nothing', () => {
  const required = review.filter((r) => r['Eligibility Determination'] === DETERMINATION.handReview).map((r) => r['Conviction ID']);
  const eligible = review.filter((r) => r['Eligibility Determination'] === DETERMINATION.dismissal).map((r) => r['Conviction ID']);
  expect([required.length >= 3, eligible.length >= 1]).toEqual([true, true]);
  const decided = (id: string, decision: string, reason: string): string[] => [id, decision, reason, 'A. Reviewer', '2024-03-01'];
  const round1 = decisionFile('round1.csv', [
    decided(required[0], 'Dismiss', 'Sentence completed'),
    decided(required[1], 'Deny', 'Open case for the same conduct'),
    decided(required[2], 'Defer', 'Waiting for the court file'),
    decided(eligible[0], 'Deny', 'Victim impact'),
  ]);
  const first = applyOnStack(round1);
  expect([first.code, first.stderr]).toEqual([0, expect.stringContaining('round1.csv: round 1, 4 decisions applied')]);
  const motion1 = table(path.join(results, 'final', 'court_motion_list.csv'));
  const notices1 = table(path.join(results, 'final', 'defender_notice_list.csv'));
  expect(motion1.find((r) => r['Conviction ID'] === required[0])?.['Determined By']).toBe('A. Reviewer (2024-03-01, round 1)');
  expect(notices1.filter((r) => [required[1], required[2], eligible[0]].includes(r['Conviction ID'])).map((r) => [r['Conviction ID'], r.Status, r.Reason])).toEqual(
    expect.arrayContaining([[required[1], 'Denied', 'Open case for the same conduct'], [required[2], 'Pending', 'Waiting for the court file'], [eligible[0], 'Denied', 'Victim impact']]),
  );

  const round2 = decisionFile('round2.csv', [decided(required[2], 'Dismiss', 'Court file received'), decided(eligible[0], 'Defer', 'Second look')]);
  expect(applyOnStack(round2).code).toBe(0);
  const afterRound2 = finalFiles(results);
  const record = afterRound2['decisions.jsonl'].trim().split('\n').map((line) => JSON.parse(line) as { convictionId: string; decisions: { round: number; decision: string }[] });
  expect(record.find((r) => r.convictionId === eligible[0])?.decisions.map((d) => [d.round, d.decision])).toEqual([[1, 'Deny'], [2, 'Defer']]);

  // The local path on the run's copied results, the same two files: the same final outputs, byte for byte.
  expect(clearance('review', 'apply', '--results', pristine, '--decisions', round1).code).toBe(0);
  expect(clearance('review', 'apply', '--results', pristine, '--decisions', round2).code).toBe(0);
  expect(afterRound2).toEqual(finalFiles(pristine));

  // A bad file (here an unknown id and a conviction decided twice) ends Finalize in `Decision file rejected` and
  // changes nothing. (A rerun of an applied file is proved on the handler, test/lambdas/finalize.)
  const bad = applyOnStack(decisionFile('bad.csv', [decided('cv-00000000000000000000', 'Dismiss', 'x'), decided(required[0], 'Deny', 'x'), decided(required[0], 'Defer', 'x')]));
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('bad.csv:2: Conviction ID is not a conviction of this run');
  expect(bad.stderr).toContain('bad.csv:4: the conviction is already decided on line 3 of this file');
  expect(finalFiles(results)).toEqual(afterRound2);
  const rounds = JSON.parse(readFileSync(path.join(results, 'reviews', 'rounds.json'), 'utf8')) as { rounds: { file: string }[] };
  expect(rounds.rounds.map((r) => r.file)).toEqual(['round1.csv', 'round2.csv']);
}, 600_000);
