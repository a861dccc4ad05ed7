/** A small run's review list, made by the real classifier (report/court-lists.ts), for the review tests. */
import { PartitionClassifier } from '../../../lambdas/domain/people-classifier';
import { parseIsoDate } from '../../../lambdas/domain/dates';
import { parsePolicy } from '../../../lambdas/domain/policy';
import { REVIEW_LIST_HEADER } from '../../../lambdas/domain/report/court-lists';
import { parseReviewList, ReviewItem } from '../../../lambdas/domain/review/review-list';
import { convictionRow, dojFields, RowValues } from '../../helpers/doj-rows';

export const REVIEW_POLICY = {
  baselineEligibility: { dismiss: ['11357'], reduce: ['11359', '11360'], handReview: ['11358'] },
  disqualifiers: { superstrike: 'notEligible' },
};

/**
 * Five people: P1 a felony 11359 (Eligible for Reduction) and a misdemeanor 11357 (Eligible for Dismissal);
 * P2 a superstrike then a felony 11360 (Not eligible); P3 a felony 11358 (Hand Review); P4 a misdemeanor 11358
 * with a malformed date (Hand Review); P5 an 11357 with a malformed date (Hand Review).
 */
export const REVIEW_ROWS: RowValues[] = [
  convictionRow({ subjectId: 'P1', offense: '11359 HS-POSSESS FOR SALE', date: '20100101', countOrder: '101001001000', ofn: 'CASE-1' }),
  convictionRow({ subjectId: 'P1', offense: '11357 HS-POSSESS', date: '20120303', countOrder: '102001001000', ofn: 'CASE-2', felony: false }),
  convictionRow({ subjectId: 'P2', offense: '187 PC-MURDER', date: '19900101', countOrder: '100001001000' }),
  convictionRow({ subjectId: 'P2', offense: '11360 HS-TRANSPORT', date: '20010101', countOrder: '101001001000', ofn: 'CASE-3' }),
  convictionRow({ subjectId: 'P3', offense: '11358 HS-CULTIVATE', date: '20050505', countOrder: '101001001000', ofn: 'CASE-4' }),
  convictionRow({ subjectId: 'P4', offense: '11358 HS-CULTIVATE', date: '20060000', countOrder: '101001001000', ofn: 'CASE-5', felony: false }),
  convictionRow({ subjectId: 'P5', offense: '11357 HS-POSSESS', date: '20070000', countOrder: '101001001000', ofn: 'CASE-6' }),
];

/** The review list (CSV text) of `rows` under REVIEW_POLICY. */
export function reviewListText(rows: readonly RowValues[] = REVIEW_ROWS, county = 'SACRAMENTO'): string {
  const classifier = new PartitionClassifier({ county, computeAtDay: parseIsoDate('2020-07-01'), policy: parsePolicy(REVIEW_POLICY) });
  rows.forEach((values, index) => classifier.addRow(dojFields(values), index));
  classifier.decide();
  return [REVIEW_LIST_HEADER, ...classifier.courtLists().review.map((entry) => entry.line)].map((line) => `${line}\n`).join('');
}

export function reviewItems(): ReviewItem[] {
  return parseReviewList(reviewListText());
}

/** Items by the person and section they are of (the fixture has one conviction per person and section). */
export function itemOf(items: readonly ReviewItem[], name: string, section: string): ReviewItem {
  const item = items.find((i) => i.name === name && i.codeSection === section);
  if (item === undefined) throw new Error(`no item ${name} ${section}`);
  return item;
}
