/**
 * Finalize's fan-out, step 3 (lambdas/domain/review/round-apply.ts): each partition checks its people's decisions
 * against the run and, only when neither it nor any range found a problem, writes its candidate part of the lists
 * and its counts (Commit rejects a round any partition found a problem in).
 */
import { roundKeys } from '../../../lambdas/domain/review/round-plan';
import { appliedRound, decisionFile, ITEMS, onePass, runStore } from './round-fixture';

describe('applyPartition', () => {
  it('accepts every decision of a good file in the partition of its person and writes the parts and counts', async () => {
    const file = decisionFile();
    const store = runStore(file);
    const { plan, parts } = await appliedRound(store);
    expect(parts.map((part) => part.partition)).toEqual(Array.from({ length: plan.partitionCount }, (_, p) => p));
    expect(parts.reduce((sum, part) => sum + part.decisions, 0)).toBe(onePass(file).decisions.length);
    expect(parts.reduce((sum, part) => sum + part.counts!.convictions, 0)).toBe(ITEMS.length);
    for (const part of parts) {
      expect(part.problems).toEqual([]);
      expect(JSON.parse(store.text(roundKeys.partResult(plan, part.partition), 'utf8'))).toEqual(JSON.parse(JSON.stringify(part)));
      expect(await store.exists(roundKeys.part(plan, part.partition, 'records'))).toBe(true);
    }
  });

  it("finds the problems only a person's partition can see, with their lines; a partition with a problem writes no part", async () => {
    const misdemeanor = ITEMS.find((item) => !item.felony)!;
    const file = decisionFile([[misdemeanor.id, 'Reduce', 'x', 'B', '2024-03-01'], [ITEMS[0].id.replace(/.$/, (c) => (c === '0' ? '1' : '0')), 'Deny', 'x', 'B', '2024-03-01']]);
    const store = runStore(file);
    const { plan, parts } = await appliedRound(store);
    const problems = parts.flatMap((part) => part.problems);
    expect(problems.map((problem) => problem.line).sort()).toEqual(onePass(file).problems.map((problem) => problem.line).sort());
    expect(problems.map((problem) => problem.line).sort()).toEqual([5, 6]);
    const withProblems = parts.filter((part) => part.problems.length > 0);
    expect(withProblems.length).toBeGreaterThan(0);
    for (const part of withProblems) {
      expect(part.counts).toBeUndefined();
      expect(await store.exists(roundKeys.part(plan, part.partition, 'records'))).toBe(false);
    }
  });
});
