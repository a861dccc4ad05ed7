/**
 * The review state in a run's reports (lambdas/domain/review/review-state.ts): summary.json's `review` and
 * report.html's review section, counts only, from the counts a real round of the review fixture gives.
 */
import { REVIEW_SLOT_END, REVIEW_SLOT_START } from '../../../lambdas/domain/report/html';
import { finalize, FinalizeContext } from '../../../lambdas/domain/review/finalize';
import { summaryReviewState, withReviewSection, withReviewState } from '../../../lambdas/domain/review/review-state';
import { itemOf, reviewItems } from './review-fixture';

const context: FinalizeContext = {
  runId: 'run-1', county: 'SACRAMENTO', computeAt: '2020-07-01', policyName: 'custom.json', policySha256: 'ab'.repeat(32), codeVersion: 'record-clearance@0.1.0',
};
const items = reviewItems();
const reduction = itemOf(items, 'DOE,P1', '11359 HS');
const counts = finalize(
  items,
  [{ round: 1, file: 'round1.csv', sha256: '1'.repeat(64), decisions: [{ id: reduction.id, decision: 'Deny', reason: 'a secret reason', reviewer: 'A. Reviewer', date: '2024-03-01', line: 2 }] }],
  context,
).counts;

describe('summaryReviewState', () => {
  it('holds the counts, each determination split into relief, denied, pending and decided', () => {
    const state = summaryReviewState(1, counts);
    expect(state).toMatchObject({ rounds: 1, convictions: items.length, decided: 1, denied: counts.denied, relief: counts.relief, pending: counts.pending });
    expect(state.relief + state.denied + state.pending).toBe(items.length);
    const byDetermination = Object.values(state.byDetermination);
    expect(byDetermination.reduce((sum, row) => sum + row.decided, 0)).toBe(1);
    expect(byDetermination.reduce((sum, row) => sum + row.Relief + row.Denied + row.Pending, 0)).toBe(items.length);
  });
});

describe('the reports', () => {
  const state = summaryReviewState(1, counts);

  it('summary.json gains `review` and keeps the rest as it was', () => {
    const summary = JSON.parse(withReviewState(JSON.stringify({ runId: 'run-1', people: 5 }), state)) as Record<string, unknown>;
    expect(summary).toEqual({ runId: 'run-1', people: 5, review: JSON.parse(JSON.stringify(state)) });
  });

  it('report.html gets the section in its slot, rewritten by a later round; a report without the slot is left alone', () => {
    const html = `<main>before${REVIEW_SLOT_START}${REVIEW_SLOT_END}after</main>`;
    const once = withReviewSection(html, state);
    expect(once).toMatch(/^<main>before<!--review-->\n<section id="review">[\s\S]*<\/section>\n<!--\/review-->after<\/main>$/);
    expect(once).toContain('After 1 review round: of');
    const twice = withReviewSection(once, summaryReviewState(2, counts));
    expect(twice.match(/<section id="review">/g)).toHaveLength(1);
    expect(twice).toContain('After 2 review rounds: of');
    expect(withReviewSection('<main>old</main>', state)).toBe('<main>old</main>');
  });

  it("hold counts only: no conviction id, name or reviewer's words", () => {
    const text = withReviewSection(`${REVIEW_SLOT_START}${REVIEW_SLOT_END}`, state) + withReviewState('{}', state);
    for (const item of items) expect(text).not.toContain(item.id);
    expect(text).not.toMatch(/DOE|A\. Reviewer|a secret reason/);
  });
});
