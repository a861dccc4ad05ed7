/**
 * The Finalize handler against the embedded S3 and DynamoDB through the real SDK: a run by the phase handlers, then
 * decision files uploaded to reviews/<COUNTY>/<runId>/; final/ and the review state under results/, the report, the
 * ledger's review counts; a rejected file changes nothing; the same upload again changes nothing; no content of a
 * decision file in what the handler returns or logs.
 */
import { DETERMINATION } from '../../../lambdas/domain/decision';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { RunLedger } from '../../../lambdas/adapters/ledger';
import { csvLine } from '../../../lambdas/domain/csv/writer';
import { generateExtract } from '../../../tools/generator';
import { parseCsvText } from '../../helpers/csv-compare';
import { captureStdout, Handlers, LambdaBench, loadHandlers, objectCreatedEvent, runPipeline, startBench } from '../helpers';

const HEADER = 'Conviction ID,Decision,Decision Reason,Reviewer,Decision Date';

describe('finalize handler', () => {
  let bench: LambdaBench;
  let handlers: Handlers;
  let finalize: (event: unknown) => Promise<Record<string, unknown>>;
  let ledger: RunLedger;
  let stdout: ReturnType<typeof captureStdout>;
  let runId: string;
  let review: Record<string, string>[];

  async function listed(prefix: string): Promise<Record<string, string>> {
    const response = await bench.s3.send(new ListObjectsV2Command({ Bucket: bench.bucket, Prefix: prefix }));
    const objects: Record<string, string> = {};
    for (const object of response.Contents ?? []) objects[object.Key!] = await bench.text(object.Key!);
    return objects;
  }
  const table = (text: string) => {
    const [header, ...rows] = parseCsvText(text);
    return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]])));
  };

  beforeAll(async () => {
    stdout = captureStdout();
    bench = await startBench({ MAX_PARTITIONS: '4', TARGET_RANGE_BYTES: '50000', TARGET_PARTITION_BYTES: '50000', MAX_REJECT_RATIO: '0.05', CLEARANCE_CODE_VERSION: 'record-clearance@test' });
    handlers = loadHandlers();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    finalize = require('../../../lambdas/finalize/handler').handler;
    ledger = new RunLedger(bench.documents, bench.table);
    await bench.put('policies/INYO.json', JSON.stringify({ baselineEligibility: { dismiss: ['11357'], reduce: ['11359', '11360'], handReview: ['11358'] } }));
    await bench.put('incoming/INYO/extract.csv', [...generateExtract({ county: 'INYO', people: 150, seed: 5 })].join(''));
    const run = await runPipeline(handlers, bench, objectCreatedEvent('incoming/INYO/extract.csv'));
    runId = run.plan.runId;
    review = table(await bench.text(`results/INYO/${runId}/review_list.csv`));
  });

  afterAll(async () => {
    stdout.restore();
    await bench.stop();
  });

  it('applies rounds, rejects a bad file whole, and ignores a repeated upload', async () => {
    const hand = review.filter((r) => r['Eligibility Determination'] === DETERMINATION.handReview).map((r) => r['Conviction ID']);
    const eligible = review.filter((r) => r['Eligibility Determination'] === DETERMINATION.dismissal).map((r) => r['Conviction ID']);
    expect([hand.length >= 2, eligible.length >= 1]).toEqual([true, true]);
    const secret = 'Reason-Canary-7f3a';
    await bench.put(`reviews/INYO/${runId}/round1.csv`, [HEADER, csvLine([hand[0], 'Dismiss', secret, 'A. Reviewer', '2024-03-01']), csvLine([eligible[0], 'Deny', secret, 'A. Reviewer', '2024-03-01'])].join('\n'));
    const first = await finalize(objectCreatedEvent(`reviews/INYO/${runId}/round1.csv`));
    expect(first).toMatchObject({ status: 'APPLIED', runId, round: 1, rounds: 1, problems: 0 });
    const motion = table(await bench.text(`results/INYO/${runId}/final/court_motion_list.csv`)).map((r) => r['Conviction ID']);
    expect(motion).toContain(hand[0]);
    expect(motion).not.toContain(eligible[0]);
    const records = (await bench.text(`results/INYO/${runId}/final/decisions.jsonl`)).trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(records).toHaveLength(review.length);
    expect(records.find((r) => r.convictionId === hand[0])).toMatchObject({ codeVersion: 'record-clearance@test', decisions: [{ round: 1, reviewer: 'A. Reviewer', reason: secret }] });
    const run = await ledger.getRun(runId);
    expect(run?.review).toMatchObject({ rounds: 1, decided: 2, relief: first.counts && (first.counts as { relief: number }).relief });

    // The run's reports gain the review state: counts only, the same in both summaries, the ledger and report.html.
    const reportsSummary = JSON.parse(await bench.text(`reports/INYO/${runId}/summary.json`));
    const resultsSummary = JSON.parse(await bench.text(`results/INYO/${runId}/summary.json`));
    expect(reportsSummary.review).toEqual(resultsSummary.review);
    const decidedState = reportsSummary.review;
    expect(decidedState).toMatchObject({ rounds: 1, decided: 2, relief: run?.review?.relief, denied: run?.review?.denied, pending: run?.review?.pending });
    expect(decidedState.byDetermination[DETERMINATION.handReview]).toMatchObject({ decided: 1 });
    expect(decidedState.deniedByReason['Denied by a reviewer']).toBe(1);
    expect(decidedState.overrides.reliefToDenied).toBe(1);
    expect([decidedState.impact.peopleNoFelony, decidedState.impact.peopleNoConviction]).toEqual([run?.review?.peopleNoFelony, run?.review?.peopleNoConviction]);
    expect(decidedState.impact.automatic).toEqual({
      peopleNoFelony: reportsSummary.reliefWithCurrentEligibilityChoices.CountSubjectsNoFelony,
      peopleNoConviction: reportsSummary.reliefWithCurrentEligibilityChoices.CountSubjectsNoConviction,
    });
    const html = await bench.text(`reports/INYO/${runId}/report.html`);
    expect(html).toContain('<section id="review">');
    expect(html).toMatch(/After 1 review round: of [\d,]+ convictions/);
    for (const text of [JSON.stringify(reportsSummary), html]) {
      for (const personal of [secret, hand[0], eligible[0], review[0].Name, review[0]['Case Number']]) expect(text).not.toContain(personal);
    }

    const state = await listed(`results/INYO/${runId}/`);
    await bench.put(`reviews/INYO/${runId}/bad.csv`, [HEADER, csvLine([hand[1], 'Dismiss', 'x', 'A', '2024-03-02']), csvLine(['cv-00000000000000000000', 'Deny', 'x', 'A', '2024-03-02'])].join('\n'));
    expect(await finalize(objectCreatedEvent(`reviews/INYO/${runId}/bad.csv`))).toMatchObject({ status: 'REJECTED', problems: 1 });
    const after = await listed(`results/INYO/${runId}/`);
    const report = JSON.parse(after[`results/INYO/${runId}/reviews/review_report.json`]);
    expect(report.problems).toEqual([{ line: 3, message: 'Conviction ID is not a conviction of this run' }]);
    for (const objects of [state, after]) delete objects[`results/INYO/${runId}/reviews/review_report.json`];
    expect(after).toEqual(state);

    expect(await finalize(objectCreatedEvent(`reviews/INYO/${runId}/round1.csv`))).toMatchObject({ status: 'ALREADY_APPLIED', round: 1, rounds: 1 });
    const again = await listed(`results/INYO/${runId}/`);
    delete again[`results/INYO/${runId}/reviews/review_report.json`];
    expect(again).toEqual(state);

    // Nothing of the decision file's content in what the handler returned or logged.
    expect(JSON.stringify(first)).not.toContain(secret);
    expect(stdout.lines().join('\n')).not.toContain(secret);
    expect(stdout.lines().join('\n')).not.toContain(hand[0]);
  });

  it('a decision file for a run that does not exist, and keys that are not decision files', async () => {
    await bench.put('reviews/INYO/no-such-run/x.csv', `${HEADER}\n`);
    expect(await finalize(objectCreatedEvent('reviews/INYO/no-such-run/x.csv'))).toMatchObject({ status: 'REJECTED', problems: 1 });
    expect(JSON.parse(await bench.text('results/INYO/no-such-run/reviews/review_report.json')).problems).toEqual([
      { line: null, message: 'the run has no summary.json: it has not finished' },
    ]);
    await bench.put(`reviews/INYO/${runId}/notes.txt`, 'x');
    expect(await finalize(objectCreatedEvent(`reviews/INYO/${runId}/notes.txt`))).toEqual({ status: 'IGNORED' });
  });
});
