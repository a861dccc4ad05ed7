/**
 * The comparison of a run with the county's register, on records the classifier makes from real rows: every
 * conviction of either side exactly once, a run compared with itself only unchanged, each kind of change and the
 * decisions carried forward or sent back to review.
 */
import fc from 'fast-check';
import {
  CHANGE_KINDS, changeOf, comparePartition, REVIEW_CARRY, ReviewedDecision,
} from '../../../lambdas/domain/register/compare';
import {
  CarriedDecision, RegisterRecord,
} from '../../../lambdas/domain/register/record';
import { DETERMINATION } from '../../../lambdas/domain/decision';
import { birthDatesArbitrary, computeAtArbitrary, fieldsOf, makeConvictionsConsistent, rowArbitrary } from '../../helpers/arbitraries';
import { registerOf } from '../../helpers/register-records';

const extractArbitrary = fc
  .tuple(fc.array(rowArbitrary, { minLength: 1, maxLength: 25 }), birthDatesArbitrary)
  .map(([rows, birthDates]) => {
    const fields = fieldsOf(rows, birthDates);
    makeConvictionsConsistent(fields);
    return fields;
  });

function record(id: string, det: string, inputs = `in-${id}`, decision?: CarriedDecision): RegisterRecord {
  return {
    id, pk: 7, det, reason: '', inputs, caseNumber: 'C1', cii: 'A1', name: 'DOE,J', dob: '01/02/1970', date: '03/04/2010', section: '11357 HS',
    ...(decision === undefined ? {} : { decision }),
  };
}

const reviewed = (decision: ReviewedDecision['decision']): ReviewedDecision => ({ decision, reason: 'why', reviewer: 'A. Reviewer', date: '2024-03-01', runId: 'r1', round: 1 });

describe('changeOf', () => {
  test.each([
    [DETERMINATION.dismissal, DETERMINATION.dismissal, 'unchanged'],
    ['', '', 'unchanged'],
    [DETERMINATION.notEligible, DETERMINATION.dismissal, 'newly eligible'],
    [DETERMINATION.handReview, DETERMINATION.reduction, 'newly eligible'],
    ['', DETERMINATION.dismissal, 'newly eligible'],
    [DETERMINATION.reduction, DETERMINATION.handReview, 'no longer eligible'],
    [DETERMINATION.dismissal, DETERMINATION.reduction, 'determination changed'],
    [DETERMINATION.handReview, DETERMINATION.notEligible, 'determination changed'],
  ])('%s -> %s: %s', (before, after, change) => {
    expect(changeOf(before, after)).toBe(change);
  });
});

test('each kind of change, and decisions carried forward, sent back to review or not carried (Defer)', () => {
  const previous = [
    record('cv-same', DETERMINATION.dismissal),
    record('cv-up', DETERMINATION.notEligible),
    record('cv-down', DETERMINATION.dismissal),
    record('cv-other', DETERMINATION.dismissal),
    record('cv-gone', DETERMINATION.reduction),
    record('cv-decided', DETERMINATION.handReview, 'in-decided', { ...reviewed('Reduce'), inputs: 'in-decided' }),
    record('cv-changed', DETERMINATION.handReview, 'in-old'),
    record('cv-deferred', DETERMINATION.handReview),
  ];
  const current = [
    record('cv-new', DETERMINATION.handReview),
    record('cv-same', DETERMINATION.dismissal),
    record('cv-up', DETERMINATION.dismissal),
    record('cv-down', DETERMINATION.handReview),
    record('cv-other', DETERMINATION.reduction),
    record('cv-decided', DETERMINATION.handReview, 'in-decided'),
    record('cv-changed', DETERMINATION.handReview, 'in-new'),
    record('cv-deferred', DETERMINATION.handReview),
  ];
  const decisions = new Map([['cv-changed', reviewed('Deny')], ['cv-deferred', reviewed('Defer')]]);
  const result = comparePartition(previous, current, decisions);
  expect(result.entries.map((e) => [e.id, e.change, e.review])).toEqual([
    ['cv-new', 'new', ''],
    ['cv-same', 'unchanged', ''],
    ['cv-up', 'newly eligible', ''],
    ['cv-down', 'no longer eligible', ''],
    ['cv-other', 'determination changed', ''],
    ['cv-decided', 'unchanged', REVIEW_CARRY.carried],
    ['cv-changed', 'unchanged', REVIEW_CARRY.changed],
    ['cv-deferred', 'unchanged', ''],
    ['cv-gone', 'gone from the extract', ''],
  ]);
  expect(result.counts).toEqual({
    changes: { new: 1, 'newly eligible': 1, 'no longer eligible': 1, 'determination changed': 1, unchanged: 4, 'gone from the extract': 1 },
    decisionsCarried: 1,
    changedSinceDecided: 1,
  });
  // The carried decision stays in the new register; the changed one goes (it is to be decided again).
  expect(result.register.find((r) => r.id === 'cv-decided')?.decision?.decision).toBe('Reduce');
  expect(result.register.find((r) => r.id === 'cv-changed')?.decision).toBeUndefined();
  expect(result.register.map((r) => r.id)).toEqual(current.map((r) => r.id));
});

test('a decision of the previous review is checked against the inputs that review saw (its register record)', () => {
  const result = comparePartition([record('cv-a', DETERMINATION.handReview, 'x')], [record('cv-a', DETERMINATION.handReview, 'x')], new Map([['cv-a', reviewed('Dismiss')]]));
  expect(result.entries[0].review).toBe(REVIEW_CARRY.carried);
  expect(result.register[0].decision).toEqual({ ...reviewed('Dismiss'), inputs: 'x' });
});

/** Two extracts of the same people, as consecutive months are: rows dropped, rows added, the rest kept. */
const extractPairArbitrary = fc
  .tuple(fc.array(fc.tuple(rowArbitrary, fc.boolean()), { minLength: 1, maxLength: 25 }), fc.array(rowArbitrary, { maxLength: 8 }), birthDatesArbitrary)
  .map(([rows, added, birthDates]) => {
    const before = fieldsOf(rows.map(([row]) => row), birthDates);
    const after = fieldsOf([...rows.filter(([, kept]) => kept).map(([row]) => row), ...added], birthDates);
    makeConvictionsConsistent(before);
    makeConvictionsConsistent(after);
    return [before, after] as const;
  });

test('property: for any two extracts, every conviction of either appears exactly once, with the sides it is on', () => {
  let matched = 0;
  fc.assert(
    fc.property(fc.oneof(extractPairArbitrary, fc.tuple(extractArbitrary, extractArbitrary)), computeAtArbitrary, ([before, after], computeAt) => {
      const previous = registerOf(before, computeAt);
      const current = registerOf(after, computeAt);
      const { entries, counts, register } = comparePartition(previous, current);
      const ids = entries.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(ids)).toEqual(new Set([...previous.map((r) => r.id), ...current.map((r) => r.id)]));
      const previousIds = new Set(previous.map((r) => r.id));
      const currentIds = new Set(current.map((r) => r.id));
      for (const entry of entries) {
        expect(entry.previous !== undefined).toBe(previousIds.has(entry.id));
        expect(entry.current !== undefined).toBe(currentIds.has(entry.id));
        expect(entry.change === 'new').toBe(!previousIds.has(entry.id));
        expect(entry.change === 'gone from the extract').toBe(!currentIds.has(entry.id));
      }
      expect(CHANGE_KINDS.reduce((sum, kind) => sum + counts.changes[kind], 0)).toBe(entries.length);
      expect(register.map((r) => r.id)).toEqual(current.map((r) => r.id));
      matched += entries.filter((e) => e.previous !== undefined && e.current !== undefined).length;
    }),
    { numRuns: 150 },
  );
  // The extracts share people and counts, so convictions on both sides occur, not only new and gone.
  expect(matched).toBeGreaterThan(10);
});

test('property: a run compared with itself gives only unchanged, and carries every decision', () => {
  let total = 0;
  fc.assert(
    fc.property(extractArbitrary, computeAtArbitrary, fc.constantFrom('los-angeles-2020', 'statute-conservative', 'reference-default'), (rows, computeAt, policy) => {
      const records = registerOf(rows, computeAt, policy);
      const again = registerOf(rows, computeAt, policy);
      const decided = new Map(records.map((r) => [r.id, reviewed('Deny')]));
      const { entries, counts } = comparePartition(records, again, decided);
      expect(entries.every((e) => e.change === 'unchanged')).toBe(true);
      expect(counts.changes.unchanged).toBe(records.length);
      expect(counts.decisionsCarried).toBe(records.length);
      total += records.length;
    }),
    { numRuns: 100 },
  );
  expect(total).toBeGreaterThan(50);
});
