/**
 * review_list.csv read back (lambdas/domain/review/review-list.ts): the items in the list's order with the columns
 * the final lists need; a list that does not fit its header, lacks a column or lists a conviction twice is refused
 * naming the line.
 */
import { csvLine } from '../../../lambdas/domain/csv/writer';
import { ReviewListError } from '../../../lambdas/domain/errors';
import { parseReviewList, ReviewItem } from '../../../lambdas/domain/review/review-list';
import { parseCsvText } from '../../helpers/csv-compare';
import { itemOf, reviewItems, reviewListText } from './review-fixture';

test('review items keep the columns the final lists need', () => {
  const item: ReviewItem = itemOf(reviewItems(), 'DOE,P3', '11358 HS');
  expect(item).toMatchObject({ caseNumber: 'CASE-4', name: 'DOE,P3', county: 'SACRAMENTO', date: '05/05/2005', codeSection: '11358 HS', felony: true });
  expect(item.rule).not.toBe('');
});

test('a list of an earlier version, without the Count, Court and person columns, still reads', () => {
  const records = parseCsvText(reviewListText());
  const dropped = ['Count', 'Court', 'Person ID', 'Other Felonies', 'Other Convictions'];
  const keep = records[0].map((name, i) => (dropped.includes(name) ? -1 : i)).filter((i) => i >= 0);
  expect(keep).toHaveLength(records[0].length - dropped.length);
  const old = parseReviewList(records.map((fields) => `${csvLine(keep.map((i) => fields[i]))}\n`).join(''));
  const current = parseReviewList(reviewListText());
  expect(old.map((item) => item.id)).toEqual(current.map((item) => item.id));
  expect(old.every((item) => item.person === null && item.count === '' && item.court === '')).toBe(true);
  expect(current.every((item) => item.person !== null)).toBe(true);
});

test.each<[string, (lines: string[]) => string[], RegExp]>([
  ['no header', () => [], /review_list\.csv: line 1: no header/],
  ['a missing column', ([header, ...rest]) => [header.replace('Conviction ID', 'Conviction'), ...rest], /line 1: the header has no column "Conviction ID"/],
  ['a line of another width', ([header, first, ...rest]) => [header, `${first},extra`, ...rest], /line 2: \d+ fields, the header has \d+/],
  ['a conviction listed twice', ([header, first, ...rest]) => [header, first, ...rest, first], /line \d+: a conviction id listed twice/],
  ['a line that is not CSV', ([header, first, ...rest]) => [header, `${first}"x`, ...rest], /line 2: not valid CSV/],
])('%s is refused naming the line', (_, change, message) => {
  const lines = reviewListText().trimEnd().split('\n');
  const text = change(lines).map((line) => `${line}\n`).join('');
  expect(() => parseReviewList(text)).toThrow(ReviewListError);
  expect(() => parseReviewList(text)).toThrow(message);
});
