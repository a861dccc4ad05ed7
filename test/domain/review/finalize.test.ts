/**
 * Finalize: the final motion, the denials and the pending list from the automatic determinations and the decision
 * rounds (latest decision per conviction wins), and the decision record; a property that every conviction of the
 * run ends on exactly one of them, as its latest decision (or its automatic determination) says.
 */
import { DETERMINATION } from '../../../lambdas/domain/decision';
import fc from 'fast-check';
import { CHALLENGE_DEADLINE, RELIEF_WORDING, STATUTORY_BASIS } from '../../../lambdas/domain/report/court-lists';
import { DECISIONS, DecisionKind, HumanDecision, parseDecisionFile } from '../../../lambdas/domain/review/decisions';
import {
  DecisionRound, FINAL_MOTION_COLUMNS, FINAL_NOTICE_COLUMNS, finalize, FinalizeContext,
} from '../../../lambdas/domain/review/finalize';
import { ReviewItem } from '../../../lambdas/domain/review/review-list';
import { csvLine } from '../../../lambdas/domain/csv/writer';
import { formatIsoDate } from '../../../lambdas/domain/dates';
import { parseCsvText } from '../../helpers/csv-compare';
import { itemOf, reviewItems } from './review-fixture';
import { PartitionClassifier } from '../../../lambdas/domain/people-classifier';
import { parseIsoDate } from '../../../lambdas/domain/dates';
import { parsePolicy } from '../../../lambdas/domain/policy';
import { REVIEW_LIST_HEADER } from '../../../lambdas/domain/report/court-lists';
import { parseReviewList } from '../../../lambdas/domain/review/review-list';
import { birthDatesArbitrary, computeAtArbitrary, fieldsOf, makeConvictionsConsistent, policyArbitrary, rowArbitrary } from '../../helpers/arbitraries';

const context: FinalizeContext = {
  runId: 'run-1', county: 'SACRAMENTO', computeAt: '2020-07-01', policyName: 'custom.json', policySha256: 'ab'.repeat(32), codeVersion: 'record-clearance@0.1.0',
};
const items = reviewItems();
const reduction = itemOf(items, 'DOE,P1', '11359 HS');
const dismissal = itemOf(items, 'DOE,P1', '11357 HS');
const notEligible = itemOf(items, 'DOE,P2', '11360 HS');
const handFelony = itemOf(items, 'DOE,P3', '11358 HS');
const handMisdemeanor = itemOf(items, 'DOE,P4', '11358 HS');
const handOther = itemOf(items, 'DOE,P5', '11357 HS');

function decision(item: ReviewItem, kind: DecisionKind, line: number, reason = `reason ${line}`): HumanDecision {
  return { id: item.id, decision: kind, reason, reviewer: 'A. Reviewer', date: '2024-03-01', line };
}
function round(n: number, decisions: HumanDecision[]): DecisionRound {
  return { round: n, file: `round${n}.csv`, sha256: String(n).repeat(64), decisions };
}
function table(csv: string): Record<string, string>[] {
  const [header, ...rows] = parseCsvText(csv);
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]])));
}

test('without decisions: the automatic eligibles are the motion, Not eligible is denied, Hand Review is pending', () => {
  const final = finalize(items, [], context);
  expect(parseCsvText(final.courtMotions)[0]).toEqual([...FINAL_MOTION_COLUMNS]);
  expect(parseCsvText(final.defenderNotices)[0]).toEqual([...FINAL_NOTICE_COLUMNS]);
  expect(table(final.courtMotions).map((l) => [l['Conviction ID'], l.Relief, l['Statutory Basis'], l['Determined By']])).toEqual([
    [reduction.id, RELIEF_WORDING.reduction, STATUTORY_BASIS, 'Automatic'],
    [dismissal.id, RELIEF_WORDING.dismissal, STATUTORY_BASIS, 'Automatic'],
  ]);
  expect(table(final.defenderNotices).map((l) => [l['Conviction ID'], l.Status, l.Reason])).toEqual([
    [notEligible.id, 'Denied', notEligible.reason],
    [handFelony.id, 'Pending', 'Awaiting prosecution review'],
    [handMisdemeanor.id, 'Pending', 'Awaiting prosecution review'],
    [handOther.id, 'Pending', 'Awaiting prosecution review'],
  ]);
  expect(final.counts).toMatchObject({ convictions: 6, relief: 2, denied: 1, pending: 3, decided: 0 });
});

test('two rounds: the latest decision of each conviction decides; the record keeps every decision', () => {
  const first = round(1, [
    decision(reduction, 'Deny', 2, 'Sale to a minor'), decision(handFelony, 'Reduce', 3), decision(handMisdemeanor, 'Defer', 4), decision(notEligible, 'Dismiss', 5),
  ]);
  const second = round(2, [decision(handMisdemeanor, 'Dismiss', 2, 'Court file read'), decision(reduction, 'Dismiss', 3, 'Denial withdrawn')]);
  const afterFirst = finalize(items, [first], context);
  expect(table(afterFirst.courtMotions).map((l) => [l['Conviction ID'], l.Relief, l['Determined By']])).toEqual([
    [dismissal.id, RELIEF_WORDING.dismissal, 'Automatic'],
    [notEligible.id, RELIEF_WORDING.dismissal, 'A. Reviewer (2024-03-01, round 1)'],
    [handFelony.id, RELIEF_WORDING.reduction, 'A. Reviewer (2024-03-01, round 1)'],
  ]);
  expect(table(afterFirst.defenderNotices).map((l) => [l['Conviction ID'], l.Status, l.Reason])).toEqual([
    [reduction.id, 'Denied', 'Sale to a minor'],
    [handMisdemeanor.id, 'Pending', 'reason 4'],
    [handOther.id, 'Pending', 'Awaiting prosecution review'],
  ]);
  expect(afterFirst.counts.overrides).toEqual({ reliefToDenied: 1, reliefToPending: 0, deniedToRelief: 1, deniedToPending: 0, reliefChanged: 0 });

  const afterSecond = finalize(items, [first, second], context);
  expect(table(afterSecond.courtMotions).map((l) => l['Conviction ID'])).toEqual([reduction.id, dismissal.id, notEligible.id, handFelony.id, handMisdemeanor.id]);
  expect(table(afterSecond.courtMotions)[0].Relief).toBe(RELIEF_WORDING.dismissal);
  expect(table(afterSecond.defenderNotices).map((l) => l['Conviction ID'])).toEqual([handOther.id]);
  expect(afterSecond.counts).toMatchObject({ relief: 5, denied: 0, pending: 1, decided: 4 });
  expect(afterSecond.counts.overrides).toEqual({ reliefToDenied: 0, reliefToPending: 0, deniedToRelief: 1, deniedToPending: 0, reliefChanged: 1 });

  const records = afterSecond.decisions.trimEnd().split('\n').map((line) => JSON.parse(line));
  expect(records.map((r) => r.convictionId)).toEqual(items.map((i) => i.id));
  expect(records[0]).toEqual({
    convictionId: reduction.id,
    runId: 'run-1',
    county: 'SACRAMENTO',
    review: 'Optional',
    automatic: { determination: DETERMINATION.reduction, reason: reduction.reason, rule: reduction.rule },
    policy: { name: 'custom.json', sha256: 'ab'.repeat(32) },
    computeAt: '2020-07-01',
    codeVersion: 'record-clearance@0.1.0',
    decisions: [
      { round: 1, file: 'round1.csv', fileSha256: '1'.repeat(64), line: 2, decision: 'Deny', reason: 'Sale to a minor', reviewer: 'A. Reviewer', date: '2024-03-01' },
      { round: 2, file: 'round2.csv', fileSha256: '2'.repeat(64), line: 3, decision: 'Dismiss', reason: 'Denial withdrawn', reviewer: 'A. Reviewer', date: '2024-03-01' },
    ],
    final: { status: 'Relief', relief: 'dismissal', determinedBy: 'reviewer', reason: '' },
  });
  expect(records[1].decisions).toEqual([]);
  expect(records[1].final).toEqual({ status: 'Relief', relief: 'dismissal', determinedBy: 'automatic', reason: '' });
});

test('the same rounds always give the same bytes', () => {
  const rounds = [round(1, [decision(handFelony, 'Deny', 2)])];
  expect(finalize(items, rounds, context)).toEqual(finalize(items, rounds, context));
});

test('notices after the challenge deadline say so', () => {
  const after = finalize(items, [], { ...context, computeAt: formatIsoDate(CHALLENGE_DEADLINE + 1) });
  expect(table(after.defenderNotices)[0].Notice).toContain('has passed');
  expect(table(finalize(items, [], context).defenderNotices)[0].Notice).toBe('Challenged by the prosecution (H&S 11361.9)');
});

describe('property: every conviction of the run is exactly once on the motion, the denials or the pending list', () => {
  const determinations = [DETERMINATION.dismissal, DETERMINATION.reduction, DETERMINATION.notEligible, DETERMINATION.handReview, DETERMINATION.cityAttorney, ''];
  const itemArbitrary = fc.record({ determination: fc.constantFrom(...determinations), felony: fc.boolean() });
  test('arbitrary runs and rounds of decisions, written as decision files and parsed back', () => {
    fc.assert(
      fc.property(
        fc.array(itemArbitrary, { minLength: 1, maxLength: 30 }).chain((specs) =>
          fc.tuple(
            fc.constant(specs),
            fc.array(fc.uniqueArray(fc.tuple(fc.nat({ max: specs.length - 1 }), fc.constantFrom(...DECISIONS)), { selector: ([i]) => i, maxLength: specs.length }), { maxLength: 4 }),
          ),
        ),
        ([specs, roundSpecs]) => {
          const runItems: ReviewItem[] = specs.map((spec, i) => ({
            ...handFelony, id: `cv-${i.toString(16).padStart(20, '0')}`, determination: spec.determination, felony: spec.felony,
            review: spec.determination === DETERMINATION.handReview ? 'Required' : 'Optional',
          }));
          const byId = new Map(runItems.map((item) => [item.id, item]));
          const rounds: DecisionRound[] = [];
          for (const decided of roundSpecs) {
            // Reduce is only valid on felonies: a misdemeanor gets Dismiss instead.
            const lines = decided.map(([i, kind]) => csvLine([runItems[i].id, kind === 'Reduce' && !runItems[i].felony ? 'Dismiss' : kind, 'why, "quoted"', 'R', '2024-01-02']));
            if (lines.length === 0) continue;
            const parsed = parseDecisionFile(['Conviction ID,Decision,Decision Reason,Reviewer,Decision Date', ...lines].join('\n'), byId);
            expect(parsed.problems).toEqual([]);
            rounds.push(round(rounds.length + 1, parsed.decisions));
          }
          const final = finalize(runItems, rounds, context);
          const motion = table(final.courtMotions).map((l) => l['Conviction ID']);
          const notices = table(final.defenderNotices);
          const denied = notices.filter((l) => l.Status === 'Denied').map((l) => l['Conviction ID']);
          const pending = notices.filter((l) => l.Status === 'Pending').map((l) => l['Conviction ID']);
          expect([...motion, ...denied, ...pending].sort()).toEqual(runItems.map((i) => i.id).sort());
          // each where its latest decision, or its automatic determination, puts it
          for (const item of runItems) {
            let latest: HumanDecision | undefined;
            for (const r of rounds) latest = r.decisions.find((d) => d.id === item.id) ?? latest;
            const expected = latest
              ? latest.decision === 'Deny' ? denied : latest.decision === 'Defer' ? pending : motion
              : item.determination === DETERMINATION.dismissal || item.determination === DETERMINATION.reduction ? motion
                : item.determination === DETERMINATION.notEligible ? denied : pending;
            expect(expected).toContain(item.id);
          }
          expect(final.counts.relief + final.counts.denied + final.counts.pending).toBe(runItems.length);
          expect(final.decisions.trimEnd().split('\n')).toHaveLength(runItems.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('review state: decided and pending by determination and reason, final impact on people', () => {
  test('denying the reduction of P1 leaves P1 a felony; approving the hand-review felony of P3 clears P3\'s', () => {
    const automatic = finalize(items, [], context).counts;
    // P1's felony reduced and misdemeanor dismissed: no felony left, a conviction left (the reduced felony)
    expect(automatic.impact).toEqual({ peopleNoFelony: 1, peopleNoConviction: 0, automatic: { peopleNoFelony: 1, peopleNoConviction: 0 } });
    expect(automatic.pendingByReason).toEqual({ 'Awaiting prosecution review': 3 });
    expect(automatic.decidedByDetermination).toEqual({});
    const decided = finalize(items, [round(1, [decision(reduction, 'Deny', 2), decision(handFelony, 'Dismiss', 3), decision(handMisdemeanor, 'Defer', 4)])], context).counts;
    expect(decided.impact).toEqual({ peopleNoFelony: 1, peopleNoConviction: 1, automatic: { peopleNoFelony: 1, peopleNoConviction: 0 } });
    expect(decided.pendingByReason).toEqual({ 'Awaiting prosecution review': 1, 'Deferred by a reviewer': 1 });
    expect(decided.deniedByReason).toEqual({ [notEligible.rule]: 1, 'Denied by a reviewer': 1 });
    expect(decided.decidedByDetermination).toEqual({ [DETERMINATION.reduction]: 1, [DETERMINATION.handReview]: 2 });
    expect(decided.overrides).toMatchObject({ reliefToDenied: 1, reliefToPending: 0, deniedToRelief: 0 });
  });

  test('property: without decisions the final impact is the run summary\'s (people left with no felony / no conviction)', () => {
    fc.assert(
      fc.property(fc.array(rowArbitrary, { minLength: 1, maxLength: 25 }), birthDatesArbitrary, policyArbitrary, computeAtArbitrary, (rows, birthDates, policy, computeAt) => {
        const fields = fieldsOf(rows, birthDates);
        makeConvictionsConsistent(fields);
        const classifier = new PartitionClassifier({ county: 'SACRAMENTO', computeAtDay: parseIsoDate(computeAt), policy: parsePolicy(policy) });
        fields.forEach((row, index) => classifier.addRow(row, index));
        const statistics = classifier.decide();
        const text = [REVIEW_LIST_HEADER, ...classifier.courtLists().review.map((entry) => entry.line)].map((line) => `${line}\n`).join('');
        const impact = finalize(parseReviewList(text), [], { ...context, computeAt }).counts.impact;
        const expected = { peopleNoFelony: statistics.reliefWithCurrentEligibilityChoices.CountSubjectsNoFelony, peopleNoConviction: statistics.reliefWithCurrentEligibilityChoices.CountSubjectsNoConviction };
        expect(impact).toEqual({ ...expected, automatic: expected });
      }),
      { numRuns: 300 },
    );
  });
});
