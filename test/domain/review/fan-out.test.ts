/**
 * Finalize as a fan-out (review/fan-out.ts): a round cut into many ranges and partitions gives, byte for byte, what
 * one pass over the whole review list and decision file gives (decisions.ts parseDecisionFile, finalize.ts
 * finalize): the same problems in the same order for a bad file (and nothing written), the same final lists,
 * decision record and review state for a good one, round after round. Decision files are drawn with good and bad
 * lines, quoted line breaks, CRLF and a BOM, so that range cuts fall inside and between records.
 */
import fc from 'fast-check';
import { generateExtract } from '../../../tools/generator';
import { PartitionClassifier } from '../../../lambdas/domain/people-classifier';
import { parseIsoDate } from '../../../lambdas/domain/dates';
import { parsePolicy } from '../../../lambdas/domain/policy';
import { REVIEW_LIST_HEADER, sortEntries } from '../../../lambdas/domain/report/court-lists';
import { csvLine } from '../../../lambdas/domain/csv/writer';
import { collectBytes } from '../../../lambdas/domain/pipeline/object-store';
import { reviewKeys, ReviewReport } from '../../../lambdas/domain/review/apply';
import { DecisionRound, finalize, FinalizeContext } from '../../../lambdas/domain/review/finalize';
import { parseDecisionFile } from '../../../lambdas/domain/review/decisions';
import { summaryReviewState } from '../../../lambdas/domain/review/review-state';
import { parseReviewList, ReviewItem } from '../../../lambdas/domain/review/review-list';
import { applyDecisionFile, FanOutOptions } from '../../../lambdas/domain/review/fan-out';
import { personKeyOfConvictionId } from '../../../lambdas/domain/review/conviction-id';
import { parseCsvText } from '../../helpers/csv-compare';
import { MemoryObjectStore } from '../../helpers/memory-store';
import { ReviewStateError } from '../../../lambdas/domain/errors';

const POLICY = { baselineEligibility: { dismiss: ['11357'], reduce: ['11359', '11360'], handReview: ['11358'] } };
const context: FinalizeContext = {
  runId: 'run-1', county: 'INYO', computeAt: '2020-07-01', policyName: 'custom.json', policySha256: 'ab'.repeat(32), codeVersion: 'record-clearance@test',
};

/** The review list of a generated extract of `people`, as a run writes it. */
function reviewListOf(people: number): string {
  const [header, ...rows] = parseCsvText([...generateExtract({ county: 'INYO', people, seed: 11 })].join(''));
  expect(header[0]).toBe('RECORD_ID');
  const classifier = new PartitionClassifier({ county: 'INYO', computeAtDay: parseIsoDate(context.computeAt), policy: parsePolicy(POLICY) });
  rows.forEach((fields, index) => classifier.addRow(fields, index));
  classifier.decide();
  return [REVIEW_LIST_HEADER, ...sortEntries(classifier.courtLists().review).map((entry) => entry.line)].map((line) => `${line}\n`).join('');
}

const LIST = reviewListOf(60);
const ITEMS = parseReviewList(LIST);
const BY_ID = new Map(ITEMS.map((item) => [item.id, item]));
const FELONY = ITEMS.find((item) => item.felony)!;
const MISDEMEANOR = ITEMS.find((item) => !item.felony)!;

const HEADER = ['Conviction ID', 'Decision', 'Decision Reason', 'Reviewer', 'Decision Date'];

/** A good decision line (one per conviction in a file). */
const goodLine = fc.record({
  item: fc.constantFrom(...ITEMS),
  decision: fc.constantFrom('Dismiss', 'Deny', 'Defer', 'deny', 'Reduce'),
  reason: fc.constantFrom('Court file reviewed', 'Open case,\nsame conduct', 'Sentence "completed"'),
}).map(({ item, decision, reason }) => [item.id, decision === 'Reduce' && !item.felony ? 'Dismiss' : decision, reason, 'A. Reviewer', '2024-03-01']);

/** A line with a problem of each kind a file can have. */
const badLine: fc.Arbitrary<string[]> = fc.constantFrom<string[]>(
  [MISDEMEANOR.id, 'Reduce', 'x', 'B. Reviewer', '2024-03-01'],
  ['cv-0000000000000000000f', 'Deny', 'x', 'B. Reviewer', '2024-03-01'],
  ['not-an-id', 'Deny', 'x', 'B. Reviewer', '2024-03-01'],
  [FELONY.id, 'Approve', '', '', '2015-01-01'],
  [FELONY.id, 'Deny', 'x'],
  ['', '', 'a reason without a decision', '', ''],
);

const fileArbitrary: fc.Arbitrary<FileShape> = fc.record({
  lines: fc.uniqueArray(goodLine, { minLength: 1, maxLength: 40, selector: (fields) => fields[0] }),
  blank: fc.array(fc.nat(40), { maxLength: 3 }),
  // Half the files have problems, the others none.
  problems: fc.option(fc.record({ bad: fc.array(fc.tuple(fc.nat(40), badLine), { maxLength: 3 }), twice: fc.boolean(), badQuote: fc.boolean() }), { freq: 2 }),
  crlf: fc.boolean(),
  bom: fc.boolean(),
}).map(({ problems, ...rest }) => ({ ...rest, bad: problems?.bad ?? [], twice: problems?.twice ?? false, badQuote: problems?.badQuote ?? false }));

interface FileShape {
  lines: string[][];
  blank: number[];
  bad: Array<[number, string[]]>;
  twice: boolean;
  badQuote: boolean;
  crlf: boolean;
  bom: boolean;
}

function fileText({ lines, blank, bad, twice, crlf, bom, badQuote }: FileShape): Buffer {
  const all = [...lines];
  for (const at of blank) all.splice(at % (all.length + 1), 0, ['', '', '', '', '']);
  for (const [at, fields] of bad) all.splice(at % (all.length + 1), 0, fields);
  if (twice) all.push(lines[0]);
  const eol = crlf ? '\r\n' : '\n';
  const text = [csvLine(HEADER), ...all.map((fields) => csvLine(fields)), ...(badQuote ? [`${FELONY.id},Deny,a "bad" quote,A,2024-03-01`] : [])].join(eol) + eol;
  return Buffer.concat([Buffer.from(bom ? [0xef, 0xbb, 0xbf] : []), Buffer.from(text, 'latin1')]);
}

const SUMMARY = JSON.stringify({ status: 'SUCCEEDED', runId: context.runId, county: context.county, computeAt: context.computeAt, policyName: context.policyName, policySha256: context.policySha256 });
const keys = reviewKeys('', 'summary.json');

async function text(store: MemoryObjectStore, key: string): Promise<string> {
  return (await collectBytes(store.read(key))).toString('latin1');
}

function freshStore(): MemoryObjectStore {
  const store = new MemoryObjectStore();
  store.put('review_list.csv', Buffer.from(LIST, 'latin1'));
  store.put('summary.json', SUMMARY);
  return store;
}

test('the review list spans several partitions of people', () => {
  const partitions = new Set(ITEMS.map((item) => personKeyOfConvictionId(item.id) % 7));
  expect(ITEMS.length).toBeGreaterThan(60);
  expect(partitions.size).toBe(7);
});

const outcomes = { runs: 0, applied: 0, rejected: 0 };

test('property: rounds fanned out over any cut give the bytes of one pass, and a bad file changes nothing', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fileArbitrary, { minLength: 1, maxLength: 3 }),
      fc.record({ rangeBytes: fc.integer({ min: 60, max: 3000 }), partitionBytes: fc.integer({ min: 500, max: 40000 }), concurrency: fc.integer({ min: 1, max: 4 }) }),
      async (files, options: FanOutOptions) => {
        outcomes.runs++;
        const store = freshStore();
        const rounds: DecisionRound[] = [];
        for (const [n, file] of files.entries()) {
          const bytes = fileText(file);
          const before = await Promise.all(['final/court_motion_list.csv', 'final/decisions.jsonl', 'summary.json'].map((key) => store.exists(key).then((e) => (e ? text(store, key) : null))));
          const report: ReviewReport = await applyDecisionFile(store, keys, { name: `round${n}.csv`, bytes }, context.codeVersion, options);
          const expected = parseDecisionFile(bytes.toString('latin1'), BY_ID as ReadonlyMap<string, ReviewItem>);
          expect(report.problems).toEqual(expected.problems);
          if (expected.problems.length > 0) {
            expect(report.status).toBe('REJECTED');
            const after = await Promise.all(['final/court_motion_list.csv', 'final/decisions.jsonl', 'summary.json'].map((key) => store.exists(key).then((e) => (e ? text(store, key) : null))));
            expect(after).toEqual(before);
            outcomes.rejected++;
            continue;
          }
          rounds.push({ round: rounds.length + 1, file: `round${n}.csv`, sha256: report.sha256, decisions: expected.decisions });
          const final = finalize(ITEMS, rounds, context);
          expect(report).toMatchObject({ status: 'APPLIED', round: rounds.length, counts: final.counts });
          expect(await text(store, 'final/court_motion_list.csv')).toBe(final.courtMotions);
          expect(await text(store, 'final/defender_notice_list.csv')).toBe(final.defenderNotices);
          expect(await text(store, 'final/decisions.jsonl')).toBe(final.decisions);
          expect(JSON.stringify(JSON.parse(await text(store, 'summary.json')).review)).toBe(JSON.stringify(summaryReviewState(rounds.length, final.counts)));
          expect((await store.list('reviews/work/')).length).toBe(0);
          outcomes.applied++;
        }
      },
    ),
    { numRuns: 16 },
  );
  // Both sides of the property were exercised.
  expect(outcomes.applied).toBeGreaterThan(3);
  expect(outcomes.rejected).toBeGreaterThan(3);
});

test('a review list that does not read, or a stored round whose bytes changed, stops the round before anything is written', async () => {
  const good = Buffer.from(`${csvLine(HEADER)}\n${csvLine([FELONY.id, 'Deny', 'x', 'A', '2024-03-01'])}\n`, 'latin1');
  const broken = freshStore();
  const lines = LIST.split('\n');
  lines[5] = `${lines[5]},"unclosed`;
  broken.put('review_list.csv', Buffer.from(lines.join('\n'), 'latin1'));
  await expect(applyDecisionFile(broken, keys, { name: 'a.csv', bytes: good }, 'v', { rangeBytes: 500, partitionBytes: 2000 })).rejects.toThrow(/review_list\.csv/);
  expect(await broken.exists('final/decisions.jsonl')).toBe(false);
  expect(await broken.list('reviews/')).toEqual([]);

  const store = freshStore();
  expect((await applyDecisionFile(store, keys, { name: 'a.csv', bytes: good }, 'v', { rangeBytes: 500, partitionBytes: 2000 })).status).toBe('APPLIED');
  const decisionsBefore = await text(store, 'final/decisions.jsonl');
  store.put('reviews/round-0001.csv', Buffer.from(good.toString('latin1').replace('Deny', 'Defer'), 'latin1'));
  const second = Buffer.from(`${csvLine(HEADER)}\n${csvLine([FELONY.id, 'Defer', 'y', 'B', '2024-03-02'])}\n`, 'latin1');
  const damaged = applyDecisionFile(store, keys, { name: 'b.csv', bytes: second }, 'v');
  await expect(damaged).rejects.toThrow(/review state is damaged/);
  await expect(damaged).rejects.toBeInstanceOf(ReviewStateError);
  expect(await text(store, 'final/decisions.jsonl')).toBe(decisionsBefore);
});

test('a cut that falls inside a quoted field (a line of it reads as a record) fails the round loudly, never misreads it', async () => {
  const store = freshStore();
  const fake = csvLine([MISDEMEANOR.id, 'Deny', 'x', 'A', '2024-03-01']);
  const bytes = Buffer.from(`${csvLine(HEADER)}\n${csvLine([FELONY.id, 'Deny', `see below\n${fake}\nend`, 'A', '2024-03-01'])}\n`, 'latin1');
  await expect(applyDecisionFile(store, keys, { name: 'a.csv', bytes }, 'v', { rangeBytes: 60 })).rejects.toThrow(/could not be cut at record starts/);
  expect(await store.exists('final/decisions.jsonl')).toBe(false);
  // Cut elsewhere, the same file is one decision.
  expect(await applyDecisionFile(store, keys, { name: 'a.csv', bytes }, 'v')).toMatchObject({ status: 'APPLIED', decisions: 1 });
});
