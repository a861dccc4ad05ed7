/**
 * Finalize's fan-out, step 4 (lambdas/domain/review/round-commit.ts): the partitions' counts summed in the order one
 * pass over the list gives them, and the round published as one pass would write it, or rejected with every
 * problem by line and nothing written (the caller stores the report).
 */
import { finalize } from '../../../lambdas/domain/review/finalize';
import { commitRound, mergeCounts } from '../../../lambdas/domain/review/round-commit';
import { appliedRound, CONTEXT, decisionFile, ITEMS, KEYS, onePass, runStore } from './round-fixture';

describe('commitRound', () => {
  it('publishes the lists and counts of one pass over the list, the rounds index last', async () => {
    const file = decisionFile();
    const store = runStore(file);
    const { plan, parts } = await appliedRound(store);
    const expected = finalize(ITEMS, [{ round: 1, file: 'round1.csv', sha256: plan.file.sha256, decisions: onePass(file).decisions }], CONTEXT);
    expect(JSON.stringify(mergeCounts(parts.map((part) => ({ counts: part.counts!, firstSeen: part.firstSeen! }))))).toBe(JSON.stringify(expected.counts));
    const report = await commitRound(store, plan);
    expect(report).toMatchObject({ status: 'APPLIED', round: 1, counts: expected.counts, problems: [] });
    expect(store.text(KEYS.final.courtMotions)).toBe(expected.courtMotions);
    expect(store.text(KEYS.final.defenderNotices)).toBe(expected.defenderNotices);
    expect(store.text(KEYS.final.decisions)).toBe(expected.decisions);
    expect(JSON.parse(store.text(KEYS.rounds, 'utf8')).rounds).toEqual([expect.objectContaining({ round: 1, file: 'round1.csv', decisions: 3 })]);
    expect(store.text(KEYS.roundFile(1))).toBe(file);
  });

  it('rejects a round with a problem anywhere, every problem by line, and writes nothing', async () => {
    const file = decisionFile([['not-an-id', 'Deny', 'x', 'B', '2024-03-01']]);
    const store = runStore(file);
    const { plan } = await appliedRound(store);
    const report = await commitRound(store, plan);
    expect(report.status).toBe('REJECTED');
    expect(report.problems).toEqual(onePass(file).problems);
    const summary = store.text(KEYS.summary);
    for (const key of [KEYS.final.decisions, KEYS.rounds, KEYS.roundFile(1)]) expect(await store.exists(key)).toBe(false);
    expect(store.text(KEYS.summary)).toBe(summary);
  });
});

describe('mergeCounts', () => {
  it('sums no parts to empty counts', () => {
    expect(mergeCounts([])).toMatchObject({ convictions: 0, relief: 0, denied: 0, pending: 0, decided: 0, byDetermination: {} });
  });
});
