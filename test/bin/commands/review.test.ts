/**
 * `clearance review` end to end, through the built CLI (`npm run build` first, as `npm test` does): a real run of
 * `classify`, the template, a first round of approvals, denials and deferrals, a second round changing some of them;
 * the final lists and decisions.jsonl exactly as decided; each kind of bad file changes nothing and names its line;
 * the same file again changes nothing; a run that did not succeed cannot be reviewed.
 */
import { DETERMINATION } from '../../../lambdas/domain/decision';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { csvLine } from '../../../lambdas/domain/csv/writer';
import { parseCsvText } from '../../helpers/csv-compare';

const CLI = path.resolve(__dirname, '../../../bin/clearance.js');
const HEADER = 'Conviction ID,Decision,Decision Reason,Reviewer,Decision Date';

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function table(file: string): Record<string, string>[] {
  const [header, ...rows] = parseCsvText(readFileSync(file, 'latin1'));
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]])));
}

/** Every file under dir (relative path → bytes), to tell that nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const entry of readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.join(sub, entry.name);
      if (entry.isDirectory()) walk(rel);
      else files[rel] = readFileSync(path.join(dir, rel), 'latin1');
    }
  };
  walk('');
  return files;
}

type Row = [id: string, decision: string, reason: string, reviewer: string, date: string];
function decisionFile(file: string, rows: Row[]): string {
  writeFileSync(file, [HEADER, ...rows.map((row) => csvLine(row))].join('\n') + '\n', 'latin1');
  return file;
}

describe('clearance review on a classify output folder', () => {
  let tmp: string;
  let results: string;
  let review: Record<string, string>[];
  const byDetermination = (determination: string, felony?: boolean) =>
    review.filter((r) => r['Eligibility Determination'] === determination && (felony === undefined || (r['Offense Level'] === 'Felony') === felony)).map((r) => r['Conviction ID']);

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'review-cli-'));
    results = path.join(tmp, 'out');
    expect(cli('generate', '--county', 'LOS ANGELES', '--people', '400', '--seed', '3', '--out', path.join(tmp, 'extract.csv')).code).toBe(0);
    const run = cli('classify', '--input', path.join(tmp, 'extract.csv'), '--county', 'LOS ANGELES', '--policy', 'los-angeles-2020',
      '--compute-at', '2020-07-01', '--out', results, '--concurrency', '1');
    expect(run.stderr).toContain('classified');
    // classify writes each run into a folder of its own, printed on stdout: <out>/<runId>/results/
    results = path.join(run.stdout.trim(), 'results');
    review = table(path.join(results, 'review_list.csv'));
  });

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test('the review list holds every evaluated conviction once; the template lists the required ones first', () => {
    const prop64 = table(path.join(results, 'Prop64_Results.csv'));
    expect(review).toHaveLength(prop64.length);
    expect(new Set(review.map((r) => r['Conviction ID'])).size).toBe(review.length);
    expect(byDetermination(DETERMINATION.handReview).length).toBeGreaterThan(3);
    expect(review.filter((r) => r.Review === 'Required').map((r) => r['Conviction ID'])).toEqual(byDetermination(DETERMINATION.handReview));
    const template = path.join(tmp, 'template.csv');
    expect(cli('review', 'template', '--results', results, '--out', template).code).toBe(0);
    const rows = table(template);
    expect(rows.map((r) => r['Conviction ID']).sort()).toEqual(review.map((r) => r['Conviction ID']).sort());
    expect(rows.slice(0, byDetermination(DETERMINATION.handReview).length).every((r) => r.Review === 'Required')).toBe(true);
    // An untouched template decides nothing: rejected, nothing written.
    const before = snapshot(results);
    const applied = cli('review', 'apply', '--results', results, '--decisions', template);
    expect(applied.code).toBe(2);
    expect(applied.stderr).toContain('template.csv: the file decides no conviction');
    const after = snapshot(results);
    delete after[path.join('reviews', 'review_report.json')];
    expect(after).toEqual(before);
  });

  test('two rounds, bad files and a rerun: the final lists and the record are exactly what was decided', () => {
    const hand = byDetermination(DETERMINATION.handReview, true);
    const handMisdemeanors = byDetermination(DETERMINATION.handReview, false);
    const eligible = [...byDetermination(DETERMINATION.dismissal), ...byDetermination(DETERMINATION.reduction)];
    const notEligible = byDetermination(DETERMINATION.notEligible);
    expect([hand.length >= 3, eligible.length >= 2, notEligible.length >= 1]).toEqual([true, true, true]);

    const round1 = decisionFile(path.join(tmp, 'round1.csv'), [
      [hand[0], 'Dismiss', 'Sentence completed; court file read', 'A. Reviewer', '2024-03-01'],
      [hand[1], 'Reduce', 'Sale, but no aggravating facts', 'A. Reviewer', '2024-03-01'],
      [hand[2], 'Defer', 'Waiting for the court file', 'B. Reviewer', '03/02/2024'],
      [eligible[0], 'Deny', 'Open case for the same conduct', 'B. Reviewer', '2024-03-02'],
      [notEligible[0], 'Dismiss', 'The prior was dismissed on appeal', 'A. Reviewer', '2024-03-03'],
    ]);
    expect(cli('review', 'apply', '--results', results, '--decisions', round1).code).toBe(0);
    const expectFinal = (decided: Map<string, string>) => {
      const motion = table(path.join(results, 'final', 'court_motion_list.csv'));
      const notices = table(path.join(results, 'final', 'defender_notice_list.csv'));
      const outcome = (id: string, determination: string) => {
        const d = decided.get(id);
        if (d !== undefined) return d === 'Deny' ? 'Denied' : d === 'Defer' ? 'Pending' : 'Relief';
        return determination === DETERMINATION.dismissal || determination === DETERMINATION.reduction ? 'Relief'
          : determination === DETERMINATION.notEligible ? 'Denied' : 'Pending';
      };
      const expected = review.map((r) => [r['Conviction ID'], outcome(r['Conviction ID'], r['Eligibility Determination'])]);
      const actual = [...motion.map((r) => [r['Conviction ID'], 'Relief']), ...notices.map((r) => [r['Conviction ID'], r.Status])];
      expect(actual.sort()).toEqual(expected.sort());
      for (const line of motion) expect(line['Statutory Basis']).toBe('H&S 11361.9 (AB 1793); relief under H&S 11361.8');
      return { motion, notices };
    };
    let { motion, notices } = expectFinal(new Map([[hand[0], 'Dismiss'], [hand[1], 'Reduce'], [hand[2], 'Defer'], [eligible[0], 'Deny'], [notEligible[0], 'Dismiss']]));
    expect(motion.find((r) => r['Conviction ID'] === hand[1])).toMatchObject({ Relief: 'Redesignate as misdemeanor', 'Determined By': 'A. Reviewer (2024-03-01, round 1)' });
    expect(notices.find((r) => r['Conviction ID'] === eligible[0])).toMatchObject({ Status: 'Denied', Reason: 'Open case for the same conduct' });
    expect(notices.find((r) => r['Conviction ID'] === hand[2])).toMatchObject({ Status: 'Pending', Reason: 'Waiting for the court file' });

    // Each kind of bad file: rejected whole, its line named, nothing changed.
    const before = snapshot(results);
    const bad: Array<[string, Row[] | string, string]> = [
      ['unknown-id', [[hand[2], 'Dismiss', 'x', 'A', '2024-03-05'], ['cv-0000000000000000dead', 'Deny', 'x', 'A', '2024-03-05']], ':3: Conviction ID is not a conviction of this run'],
      ['twice', [[hand[2], 'Dismiss', 'x', 'A', '2024-03-05'], [hand[2], 'Deny', 'x', 'A', '2024-03-05']], ':3: the conviction is already decided on line 2 of this file'],
      ['bad-csv', `${HEADER}\n${hand[2]},Dismiss,x,A,2024-03-05\n${hand[0]},Deny,"unclosed,A,2024-03-05\n`, ':3: not valid CSV: a quoted field is never closed'],
      ['bad-value', [[hand[2], 'Approve', 'x', 'A', '2024-03-05']], ':2: Decision must be one of Dismiss, Reduce, Deny, Defer'],
    ];
    if (handMisdemeanors.length > 0) bad.push(['reduce-misdemeanor', [[hand[2], 'Dismiss', 'x', 'A', '2024-03-05'], [handMisdemeanors[0], 'Reduce', 'x', 'A', '2024-03-05']], ':3: Reduce applies to felonies only']);
    for (const [name, rows, message] of bad) {
      const file = path.join(tmp, `${name}.csv`);
      if (typeof rows === 'string') writeFileSync(file, rows, 'latin1');
      else decisionFile(file, rows);
      const result = cli('review', 'apply', '--results', results, '--decisions', file);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${name}.csv${message}`);
      const after = snapshot(results);
      const report = JSON.parse(after[path.join('reviews', 'review_report.json')]);
      expect(report).toMatchObject({ file: `${name}.csv`, status: 'REJECTED', rounds: 1 });
      delete after[path.join('reviews', 'review_report.json')];
      delete before[path.join('reviews', 'review_report.json')];
      expect(after).toEqual(before);
    }

    // The second round changes some: the deferral is decided, a denial withdrawn, an approval denied.
    const round2 = decisionFile(path.join(tmp, 'round2.csv'), [
      [hand[2], 'Dismiss', 'Court file read', 'B. Reviewer', '2024-04-01'],
      [eligible[0], 'Dismiss', 'The open case was dismissed', 'B. Reviewer', '2024-04-01'],
      [hand[0], 'Deny', 'Sale to a minor found in the court file', 'A. Reviewer', '2024-04-02'],
    ]);
    expect(cli('review', 'apply', '--results', results, '--decisions', round2).code).toBe(0);
    ({ motion, notices } = expectFinal(new Map([[hand[0], 'Deny'], [hand[1], 'Reduce'], [hand[2], 'Dismiss'], [eligible[0], 'Dismiss'], [notEligible[0], 'Dismiss']])));
    expect(notices.find((r) => r['Conviction ID'] === hand[0])).toMatchObject({ Status: 'Denied', Reason: 'Sale to a minor found in the court file', 'Determined By': 'A. Reviewer (2024-04-02, round 2)' });

    const records = readFileSync(path.join(results, 'final', 'decisions.jsonl'), 'latin1').trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(records.map((r) => r.convictionId)).toEqual(review.map((r) => r['Conviction ID']));
    const summary = JSON.parse(readFileSync(path.join(results, 'summary.json'), 'utf8'));
    const record = records.find((r) => r.convictionId === hand[0]);
    expect(record).toMatchObject({
      runId: summary.runId,
      automatic: { determination: DETERMINATION.handReview },
      policy: { name: 'los-angeles-2020', sha256: summary.policySha256 },
      computeAt: '2020-07-01',
      codeVersion: expect.stringMatching(/^record-clearance@/),
      final: { status: 'Denied', determinedBy: 'reviewer' },
    });
    expect(summary.policySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(record.automatic.rule).not.toBe('');
    expect(record.decisions.map((d: { round: number; decision: string; reviewer: string; date: string; reason: string; line: number }) => [d.round, d.line, d.decision, d.reviewer, d.date, d.reason])).toEqual([
      [1, 2, 'Dismiss', 'A. Reviewer', '2024-03-01', 'Sentence completed; court file read'],
      [2, 4, 'Deny', 'A. Reviewer', '2024-04-02', 'Sale to a minor found in the court file'],
    ]);
    expect(records.filter((r) => r.decisions.length > 0)).toHaveLength(5);

    // The same file again, or the first again: nothing changes.
    const settled = snapshot(results);
    for (const file of [round2, round1]) {
      const again = cli('review', 'apply', '--results', results, '--decisions', file);
      expect(again.code).toBe(0);
      expect(again.stderr).toContain('is already applied as round');
      const after = snapshot(results);
      delete after[path.join('reviews', 'review_report.json')];
      delete settled[path.join('reviews', 'review_report.json')];
      expect(after).toEqual(settled);
    }
    expect(JSON.parse(readFileSync(path.join(results, 'reviews', 'rounds.json'), 'utf8')).rounds.map((r: { file: string }) => r.file)).toEqual(['round1.csv', 'round2.csv']);
  });

  test('a run that did not succeed cannot be reviewed', () => {
    const failed = path.join(tmp, 'failed');
    // One malformed line and no rejects allowed: the run fails (exit 1) and keeps its summary and rejects.
    const withBadLine = path.join(tmp, 'with-bad-line.csv');
    writeFileSync(withBadLine, readFileSync(path.join(tmp, 'extract.csv'), 'latin1') + 'not,a,record\n', 'latin1');
    const run = cli('classify', '--input', withBadLine, '--county', 'LOS ANGELES', '--policy', 'los-angeles-2020', '--max-reject-ratio', '0',
      '--out', failed, '--concurrency', '1');
    expect(run.code).toBe(1);
    const [runDir] = readdirSync(failed);
    const failedResults = path.join(failed, runDir, 'results');
    // Even with a review list copied in, a failed run has nothing to review.
    cpSync(path.join(results, 'review_list.csv'), path.join(failedResults, 'review_list.csv'));
    const file = decisionFile(path.join(tmp, 'late.csv'), [[review[0]['Conviction ID'], 'Deny', 'x', 'A', '2024-03-05']]);
    const result = cli('review', 'apply', '--results', failedResults, '--decisions', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('late.csv: the run did not succeed (status FAILED)');
    expect(existsSync(path.join(failedResults, 'final'))).toBe(false);
  });
});

describe('localReviewKeys', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { localReviewKeys } = require('../../../bin/commands/review') as typeof import('../../../bin/commands/review');
  test('summary.json beside the results (classify), or in ../reports (a run copied out as results/ and reports/)', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'review-keys-'));
    try {
      const together = path.join(root, 'together');
      const apart = path.join(root, 'run-1');
      for (const dir of [together, path.join(apart, 'results'), path.join(apart, 'reports')]) mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(together, 'summary.json'), '{}');
      writeFileSync(path.join(apart, 'reports', 'summary.json'), '{}');
      expect(localReviewKeys(together)).toMatchObject({ summary: 'summary.json', reviewList: 'review_list.csv', rounds: 'reviews/rounds.json', report: 'reviews/review_report.json' });
      expect(localReviewKeys(path.join(apart, 'results')).summary).toBe(path.join(apart, 'reports', 'summary.json'));
      expect(localReviewKeys(path.join(apart, 'results')).final.courtMotions).toBe('final/court_motion_list.csv');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
