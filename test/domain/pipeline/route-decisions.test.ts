import fc from 'fast-check';
import { decisionsOfPartition, routeDecisions } from '../../../lambdas/domain/pipeline/route-decisions';
import type { ReviewedDecision } from '../../../lambdas/domain/register/compare';
import { personKeyOfConvictionId } from '../../../lambdas/domain/review/conviction-id';
import { MemoryObjectStore } from '../../helpers/memory-store';

const DECISIONS_KEY = 'results/X/prev/final/decisions.jsonl';
const hex = (n: number, digits: number) => n.toString(16).padStart(digits, '0');

/** One line of decisions.jsonl as Finalize writes it: the conviction and its history of decisions, oldest first. */
const lineArbitrary = fc.record({
  pk: fc.integer({ min: 0, max: 0xffffffff }),
  digest: fc.integer({ min: 0, max: 0xffffff }),
  history: fc.array(
    fc.record({
      decision: fc.constantFrom('Dismiss', 'Reduce', 'Deny', 'Defer'),
      reason: fc.string({ maxLength: 12 }),
      reviewer: fc.constantFrom('A. Reviewer', 'José Núñez'),
      date: fc.constant('2024-03-01'),
    }),
    { maxLength: 3 },
  ),
});

function plan(partitionCount: number) {
  return {
    workPrefix: 'runs/r2/',
    partitionCount,
    previous: { runId: 'r1', registerPrefix: 'results/X/register/r1/', partitionCount: 3, computeAt: '', policyName: '', policySha256: '', decisionsKey: DECISIONS_KEY },
  };
}

test('every decided conviction reaches exactly the partition of its person, with its latest decision, whatever the chunk size', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(lineArbitrary, { selector: (l) => `${l.pk}-${l.digest}`, maxLength: 40 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 600 }), async (lines, partitions, chunkBytes) => {
      const store = new MemoryObjectStore({ readChunkBytes: 7 });
      const expected = new Map<string, ReviewedDecision>();
      const text = lines.map(({ pk, digest, history }) => {
        const convictionId = `cv-${hex(pk, 8)}${hex(digest, 12)}`;
        const decisions = history.map((d, i) => ({ ...d, round: i + 1 }));
        const latest = decisions.at(-1);
        if (latest !== undefined) expected.set(convictionId, { ...latest, runId: 'r1' });
        return `${JSON.stringify({ convictionId, determination: 'Eligible for Dismissal', decisions })}\n`;
      });
      // An id of another form (an older version's) is not routed.
      store.put(DECISIONS_KEY, `${text.join('')}${JSON.stringify({ convictionId: 'cv-0123', decisions: [{ decision: 'Deny' }] })}`);
      const runPlan = plan(partitions);
      expect(await routeDecisions(store, runPlan, chunkBytes)).toBe(expected.size);
      const found = new Map<string, ReviewedDecision>();
      for (let p = 0; p < partitions; p++) {
        for (const [id, decision] of await decisionsOfPartition(store, runPlan, p)) {
          expect(personKeyOfConvictionId(id) % partitions).toBe(p);
          expect(found.has(id)).toBe(false);
          found.set(id, decision);
        }
      }
      expect(found).toEqual(expected);
    }),
    { numRuns: 60 },
  );
});

test('a previous run without a decision record (no review applied) routes no decision', async () => {
  const store = new MemoryObjectStore();
  expect(await routeDecisions(store, plan(3))).toBe(0);
  expect((await decisionsOfPartition(store, plan(3), 2)).size).toBe(0);
});
