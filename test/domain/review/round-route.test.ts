/**
 * Finalize's fan-out, step 2 (lambdas/domain/review/round-route.ts): each range's records sent to the partition of
 * their person by the key their conviction id leads with, the physical lines before each range, and a cut that does
 * not tile its source refused.
 */
import { personKeyOfConvictionId } from '../../../lambdas/domain/review/conviction-id';
import { roundKeys } from '../../../lambdas/domain/review/round-plan';
import { absoluteProblem, lineBases, routedDecision, RoutedDecisionLine, RoutedListLine } from '../../../lambdas/domain/review/round-route';
import { decisionFile, ITEMS, LIST, routedRound, runStore } from './round-fixture';

describe('routeRange', () => {
  it("sends every review-list line and decision to its person's partition, once, with its line in the range", async () => {
    const file = decisionFile();
    const store = runStore(file);
    const { plan, routes } = await routedRound(store);
    expect(plan.partitionCount).toBeGreaterThan(1);
    const listIds: string[] = [];
    const decisionIds: string[] = [];
    for (const range of plan.ranges) {
      const { slices } = routes[range.index];
      const body = store.text(roundKeys.routed(plan, range.index));
      for (let p = 0; p < plan.partitionCount; p++) {
        for (const json of body.slice(slices[p], slices[p + 1]).split('\n').filter((line) => line !== '')) {
          const entry = JSON.parse(json) as RoutedListLine | RoutedDecisionLine;
          const id = range.source === 0 ? (entry as RoutedListLine)[1][0] : (entry as RoutedDecisionLine)[1];
          expect(personKeyOfConvictionId(id) % plan.partitionCount).toBe(p);
          (range.source === 0 ? listIds : decisionIds).push(id);
        }
      }
    }
    expect(listIds.sort()).toEqual(ITEMS.map((item) => item.id).sort());
    expect(decisionIds).toHaveLength(3);
    const bases = lineBases(plan, routes);
    const listLines = plan.ranges.filter((range) => range.source === 0).reduce((sum, range) => sum + routes[range.index].lines, 0);
    expect(listLines).toBe(LIST.split('\n').length - 1);
    expect(bases[plan.ranges.findIndex((range) => range.source === 1)]).toBe(0);
  });

  it('reports a decision line with a problem of its own by its line in the range', async () => {
    const file = decisionFile([['not-an-id', 'Deny', 'x', 'B', '2024-03-01'], [ITEMS[0].id, 'Approve', 'x', 'B', '2024-03-01']]);
    const { plan, routes } = await routedRound(runStore(file));
    const bases = lineBases(plan, routes);
    const problems = plan.ranges.flatMap((range) => routes[range.index].problems.map((problem) => absoluteProblem(problem, bases[range.index])));
    expect(problems.map((problem) => problem.line).sort()).toEqual([5, 6]);
  });
});

describe('lineBases', () => {
  it('refuses ranges that do not tile their source, naming the file', async () => {
    const { plan, routes } = await routedRound(runStore(decisionFile()));
    const broken = routes.map((route, r) => (r === 0 ? { ...route, nextOffset: route.nextOffset + 1 } : route));
    expect(() => lineBases(plan, broken)).toThrow(/^review_list\.csv could not be cut at record starts \(range 0 ended at \d+, not \d+\)/);
  });
});

describe('a routed line', () => {
  it('gets its absolute line; a problem without a line keeps none', () => {
    const entry: RoutedDecisionLine = [3, 'cv-1', 'Deny', 'why', 'A', '2024-03-01', true];
    expect(routedDecision(entry, 10)).toEqual({ line: 13, id: 'cv-1', decision: 'Deny', reason: 'why', reviewer: 'A', date: '2024-03-01', problems: [] });
    expect(routedDecision([3, 'cv-1', null, '', '', null, false], 0).problems).toHaveLength(1);
    expect(absoluteProblem({ line: 2, rank: 1, message: 'm' }, 40)).toEqual({ line: 42, rank: 1, message: 'm' });
    expect(absoluteProblem({ line: null, rank: 1, message: 'm' }, 40)).toEqual({ line: null, rank: 1, message: 'm' });
  });
});
