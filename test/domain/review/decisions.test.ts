/**
 * Decision files: parsed with the extracts' tokenizer, columns by header name, and checked whole: each kind of
 * problem reported with its physical line, no decision returned when there is any.
 */
import { DETERMINATION } from '../../../lambdas/domain/decision';
import { parseDecisionFile } from '../../../lambdas/domain/review/decisions';
import { itemOf, reviewItems } from './review-fixture';

const items = reviewItems();
const byId = new Map(items.map((item) => [item.id, item]));
const reduction = itemOf(items, 'DOE,P1', '11359 HS');
const dismissal = itemOf(items, 'DOE,P1', '11357 HS');
const notEligible = itemOf(items, 'DOE,P2', '11360 HS');
const handFelony = itemOf(items, 'DOE,P3', '11358 HS');
const handMisdemeanor = itemOf(items, 'DOE,P4', '11358 HS');
const HEADER = 'Conviction ID,Decision,Decision Reason,Reviewer,Decision Date';

test('the fixture has the determinations the review needs', () => {
  expect([reduction, dismissal, notEligible, handFelony, handMisdemeanor].map((i) => [i.determination, i.felony])).toEqual([
    [DETERMINATION.reduction, true], [DETERMINATION.dismissal, false], [DETERMINATION.notEligible, true],
    [DETERMINATION.handReview, true], [DETERMINATION.handReview, false],
  ]);
  expect(itemOf(items, 'DOE,P5', '11357 HS').review).toBe('Required');
});

test('a valid file: every decision, values trimmed, case-insensitive, both date forms, CRLF, BOM, quotes and blank lines', () => {
  const text = [
    `\u00ef\u00bb\u00bf${HEADER}`,
    `${handFelony.id},Reduce,"Cultivation for own use, no sale",A. Reviewer,2024-03-01`,
    '',
    ` ${notEligible.id} , deny ,"Prior murder conviction; ""superstrike""",B. Reviewer,03/02/2024`,
    `${handMisdemeanor.id},Defer,Awaiting court file,A. Reviewer,2024-03-03`,
    `${reduction.id},DISMISS,"Line 1\nline 2",A. Reviewer,2024-03-04`,
  ].join('\r\n');
  const { decisions, problems } = parseDecisionFile(text, byId);
  expect(problems).toEqual([]);
  expect(decisions).toEqual([
    { id: handFelony.id, decision: 'Reduce', reason: 'Cultivation for own use, no sale', reviewer: 'A. Reviewer', date: '2024-03-01', line: 2 },
    { id: notEligible.id, decision: 'Deny', reason: 'Prior murder conviction; "superstrike"', reviewer: 'B. Reviewer', date: '2024-03-02', line: 4 },
    { id: handMisdemeanor.id, decision: 'Defer', reason: 'Awaiting court file', reviewer: 'A. Reviewer', date: '2024-03-03', line: 5 },
    { id: reduction.id, decision: 'Dismiss', reason: 'Line 1\nline 2', reviewer: 'A. Reviewer', date: '2024-03-04', line: 6 },
  ]);
});

test('a filled-in template: columns in any order, extra columns ignored, lines without a decision skipped', () => {
  const text = [
    'PRI_NAME,Decision Date,Reviewer,Decision Reason,Decision,Conviction ID',
    `"DOE,P3",2024-03-01,A. Reviewer,Own use,Dismiss,${handFelony.id}`,
    `"DOE,P4",,,,,${handMisdemeanor.id}`,
  ].join('\n');
  const { decisions, problems } = parseDecisionFile(text, byId);
  expect(problems).toEqual([]);
  expect(decisions.map((d) => [d.id, d.decision, d.line])).toEqual([[handFelony.id, 'Dismiss', 2]]);
});

describe('each problem is reported with its line, and nothing is accepted', () => {
  const good = `${handFelony.id},Dismiss,Own use,A. Reviewer,2024-03-01`;
  const cases: Array<[string, string[], Array<[number | null, string]>]> = [
    ['unknown id', [good, 'cv-00000000000000000000,Deny,x,A,2024-03-01'], [[3, 'Conviction ID is not a conviction of this run']]],
    ['decided twice', [good, `${handFelony.id},Deny,x,A,2024-03-01`], [[3, 'the conviction is already decided on line 2 of this file']]],
    ['Reduce on a misdemeanor', [good, `${handMisdemeanor.id},Reduce,x,A,2024-03-01`], [[3, 'Reduce applies to felonies only: this conviction is a misdemeanor']]],
    ['a decision that is none of the four', [good, `${handMisdemeanor.id},Approve,x,A,2024-03-01`], [[3, 'Decision must be one of Dismiss, Reduce, Deny, Defer']]],
    ['a bad date', [good, `${handMisdemeanor.id},Deny,x,A,2024-02-30`], [[3, 'Decision Date must be a date (YYYY-MM-DD or MM/DD/YYYY) on or after 2016-11-09']]],
    ['no reason, no reviewer', [`${handMisdemeanor.id},Deny,,,2024-03-01`, good], [[2, 'Decision Reason is empty: every decision says why'], [2, 'Reviewer is empty: every decision says who made it']]],
    ['a bare quote', [good, `${handMisdemeanor.id},Deny,say "no",A,2024-03-01`], [[3, 'not valid CSV: a quote (") inside an unquoted field']]],
    ['an unterminated quote', [good, `${handMisdemeanor.id},Deny,"never closed,A,2024-03-01`], [[3, 'not valid CSV: a quoted field is never closed']]],
    ['a line with too few fields', [good, `${handMisdemeanor.id},Deny,x,A`], [[3, '4 fields, the header has 5']]],
    ['a reason without a decision', [good, `${handMisdemeanor.id},,because,A,`], [[3, 'Decision is empty but Decision Reason, Reviewer or Decision Date is filled in']]],
  ];
  test.each(cases)('%s', (_, lines, expected) => {
    const { decisions, problems } = parseDecisionFile([HEADER, ...lines].join('\n'), byId);
    expect(decisions).toEqual([]);
    expect(problems.map((p) => [p.line, p.message])).toEqual(expected);
  });

  test('several problems: all of them, in line order', () => {
    const { problems } = parseDecisionFile([HEADER, `${handMisdemeanor.id},Reduce,x,A,2024-03-01`, 'bad-id,Deny,x,A,2024-03-01', good, good].join('\n'), byId);
    expect(problems.map((p) => p.line)).toEqual([2, 3, 5]);
  });

  test('a header without the decision columns', () => {
    const { problems } = parseDecisionFile('Conviction ID,Decision\nx,Deny\n', byId);
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [1, 'the header has no column "Decision Reason"'], [1, 'the header has no column "Reviewer"'], [1, 'the header has no column "Decision Date"'],
    ]);
  });

  test('an empty file, and a file that decides nothing', () => {
    expect(parseDecisionFile('', byId).problems).toEqual([{ line: null, message: 'the file is empty: a decision file starts with a header line' }]);
    expect(parseDecisionFile(`${HEADER}\n${handFelony.id},,,,\n`, byId).problems).toEqual([{ line: null, message: 'the file decides no conviction (every Decision is empty)' }]);
  });
});
