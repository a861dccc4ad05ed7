/**
 * A review round's storage (lambdas/domain/review/apply.ts): the keys of a run's review in the bucket and in a
 * local results folder, the upload keys a decision file may have, whether a run can be reviewed, and the review
 * state written into its reports and read back. On an in-memory ObjectStore.
 */
import { REVIEW_SLOT_END, REVIEW_SLOT_START } from '../../../lambdas/domain/report/html';
import {
  currentReviewState, loadRun, parseReviewUploadKey, readRounds, reviewKeys, sha256Hex, writeReviewState,
} from '../../../lambdas/domain/review/apply';
import { finalize } from '../../../lambdas/domain/review/finalize';
import { summaryReviewState } from '../../../lambdas/domain/review/review-state';
import { MemoryObjectStore } from '../../helpers/memory-store';
import { reviewItems, reviewListText } from './review-fixture';

const SUMMARY = { status: 'SUCCEEDED', runId: 'run-1', county: 'SACRAMENTO', computeAt: '2020-07-01', policyName: 'custom.json', policySha256: 'ab' };
const state = summaryReviewState(
  1,
  finalize(reviewItems(), [], { runId: 'run-1', county: 'SACRAMENTO', computeAt: '2020-07-01', policyName: 'custom.json', policySha256: 'ab', codeVersion: 'v' }).counts,
);

describe('reviewKeys', () => {
  it('in the bucket: the review state under the results, the review in both summaries and the report beside the summary', () => {
    const keys = reviewKeys('results/SUTTER/run-1/', 'reports/SUTTER/run-1/summary.json');
    expect(keys).toMatchObject({
      reviewList: 'results/SUTTER/run-1/review_list.csv',
      summary: 'reports/SUTTER/run-1/summary.json',
      rounds: 'results/SUTTER/run-1/reviews/rounds.json',
      report: 'results/SUTTER/run-1/reviews/review_report.json',
      reports: { summaries: ['reports/SUTTER/run-1/summary.json', 'results/SUTTER/run-1/summary.json'], html: 'reports/SUTTER/run-1/report.html' },
      final: { decisions: 'results/SUTTER/run-1/final/decisions.jsonl' },
    });
    expect(keys.roundFile(12)).toBe('results/SUTTER/run-1/reviews/round-0012.csv');
  });

  it('in a local results folder: the same layout, one summary; rebuilt from their inputs (as Finalize passes them on)', () => {
    const keys = reviewKeys('', 'summary.json');
    expect(keys.reports).toEqual({ summaries: ['summary.json'], html: 'report.html' });
    expect(keys.rounds).toBe('reviews/rounds.json');
    const { resultsPrefix, summaryKey, reports } = keys.inputs;
    expect(JSON.stringify(reviewKeys(resultsPrefix, summaryKey, reports))).toBe(JSON.stringify(keys));
  });
});

describe('parseReviewUploadKey', () => {
  it('reads reviews/<COUNTY>/<runId>/<name>.csv', () => {
    expect(parseReviewUploadKey('reviews/LOS ANGELES/run-1/Round 1.CSV')).toEqual({ kind: 'decisions', county: 'LOS ANGELES', runId: 'run-1', fileName: 'Round 1.CSV' });
  });

  it.each([
    ['incoming/SUTTER/x.csv', 'the key is not under reviews/'],
    ['reviews/SUTTER/x.csv', 'the key is not reviews/<COUNTY>/<runId>/<name>.csv'],
    ['reviews/SUTTER/../x.csv', 'the key is not reviews/<COUNTY>/<runId>/<name>.csv'],
    ['reviews/SUTTER/run-1/a/b.csv', 'the key is not reviews/<COUNTY>/<runId>/<name>.csv'],
    ['reviews/SUTTER/run-1/notes.txt', 'a decision file is a .csv file'],
  ])('ignores %s, saying why', (key, reason) => {
    expect(parseReviewUploadKey(key)).toEqual({ kind: 'ignored', reason });
  });
});

describe('a run to review', () => {
  const keys = reviewKeys('', 'summary.json');

  it('is refused while it has no summary, when it failed, and when it has no review list', async () => {
    const store = new MemoryObjectStore();
    expect(await loadRun(store, keys)).toEqual({ problem: { line: null, message: 'the run has no summary.json: it has not finished' } });
    store.put('summary.json', JSON.stringify({ ...SUMMARY, status: 'FAILED' }));
    expect(await loadRun(store, keys)).toEqual({ problem: { line: null, message: 'the run did not succeed (status FAILED): it has no lists to review' } });
    store.put('summary.json', JSON.stringify(SUMMARY));
    expect(await loadRun(store, keys)).toMatchObject({ problem: { message: expect.stringContaining('has no review_list.csv') } });
  });

  it('gives its items and summary, and no rounds before the first', async () => {
    const store = new MemoryObjectStore();
    store.put('summary.json', JSON.stringify(SUMMARY));
    store.put('review_list.csv', reviewListText());
    const run = await loadRun(store, keys);
    expect(run).toMatchObject({ summary: SUMMARY });
    expect('items' in run && run.items.map((item) => item.id)).toEqual(reviewItems().map((item) => item.id));
    expect(await readRounds(store, keys)).toEqual({ rounds: [] });
    expect(await currentReviewState(store, keys)).toBeNull();
  });

  it('gets the review state in its summary and report; the state is current while the index ends with its round', async () => {
    const store = new MemoryObjectStore();
    store.put('summary.json', JSON.stringify(SUMMARY));
    store.put('report.html', `<p>${REVIEW_SLOT_START}${REVIEW_SLOT_END}</p>`);
    await writeReviewState(store, keys, state);
    expect(JSON.parse(store.text('summary.json', 'utf8'))).toMatchObject({ ...SUMMARY, review: { rounds: 1 } });
    expect(store.text('report.html', 'utf8')).toContain('<section id="review">');
    const round = { round: 1, file: 'round-0001.csv', sha256: sha256Hex(Buffer.from('x')), decisions: 1 };
    store.put(keys.rounds, JSON.stringify({ rounds: [round] }));
    expect(await currentReviewState(store, keys)).toEqual(JSON.parse(JSON.stringify(state)));
    store.put(keys.rounds, JSON.stringify({ rounds: [round, { ...round, round: 2 }] }));
    expect(await currentReviewState(store, keys)).toBeNull();
  });
});
