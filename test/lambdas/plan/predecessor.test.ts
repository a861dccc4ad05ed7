/**
 * The run a county's run is compared with (lambdas/plan/predecessor.ts): the county's last successful run when its
 * register is one this version reads, else why not; and the Route map's items when its partition count differs.
 */
import type { RunPlan } from '../../../lambdas/domain/pipeline/plan';
import { REGISTER_FORMAT } from '../../../lambdas/domain/register/record';
import { comparisonMaps, planPredecessor, predecessorOf, routePartsKey } from '../../../lambdas/plan/predecessor';
import { MemoryObjectStore } from '../../helpers/memory-store';

const MANIFEST = {
  format: REGISTER_FORMAT, runId: 'sutter-1', county: 'SUTTER', computeAt: '2024-01-01', policyName: 'reference-default', policySha256: 'ab',
  partitionCount: 3, convictions: 10, writtenAt: '2024-01-01T00:00:00Z',
};
const ledger = (runId?: string) => ({ latestSucceededRun: async () => (runId === undefined ? undefined : ({ runId } as never)) });
const registerKey = 'results/SUTTER/register/sutter-1/manifest.json';

describe('predecessorOf', () => {
  it("is the county's last successful run, its register and its review's decisions", async () => {
    const store = new MemoryObjectStore();
    store.put(registerKey, JSON.stringify(MANIFEST));
    expect(await predecessorOf(ledger('sutter-1'), store, 'SUTTER')).toEqual({
      previous: {
        runId: 'sutter-1', registerPrefix: 'results/SUTTER/register/sutter-1/', partitionCount: 3, computeAt: '2024-01-01', policyName: 'reference-default',
        policySha256: 'ab', decisionsKey: 'results/SUTTER/sutter-1/final/decisions.jsonl',
      },
    });
  });

  it('says why there is none: a first run, no register, a manifest that is not JSON or of another version', async () => {
    const store = new MemoryObjectStore();
    expect(await predecessorOf(ledger(), store, 'SUTTER')).toEqual({ previousNote: 'the first run of the county: no earlier run of it succeeded', firstRun: true });
    expect(await predecessorOf(ledger('sutter-1'), store, 'SUTTER')).toEqual({ previousNote: expect.stringMatching(/^not compared: the county's last successful run sutter-1 has no register/) });
    store.put(registerKey, '{');
    expect(await predecessorOf(ledger('sutter-1'), store, 'SUTTER')).toEqual({ previousNote: 'not compared: the register manifest of sutter-1 is not JSON' });
    store.put(registerKey, JSON.stringify({ ...MANIFEST, format: 'clearance-register/v0' }));
    expect(await predecessorOf(ledger('sutter-1'), store, 'SUTTER')).toEqual({ previousNote: expect.stringMatching(/^not compared with the county's last successful run sutter-1: it was written by another version/) });
  });
});

describe('planPredecessor', () => {
  it('puts the run to compare with, or the note, into the plan; a first run says nothing', () => {
    const previous = { runId: 'r', registerPrefix: 'p/', partitionCount: 1, computeAt: 'c', policyName: 'n', policySha256: 's' };
    expect(planPredecessor({ previous })).toEqual({ previous });
    expect(planPredecessor({ previousNote: 'why' })).toEqual({ previousNote: 'why' });
    expect(planPredecessor({ previousNote: 'first', firstRun: true })).toEqual({});
  });
});

describe('comparisonMaps', () => {
  const plan = (partitionCount: number, previousPartitions?: number) =>
    ({ workPrefix: 'runs/r2/', partitionCount, ...(previousPartitions === undefined ? {} : { previous: { ...MANIFEST, registerPrefix: 'x/', partitionCount: previousPartitions } }) }) as unknown as RunPlan;

  it('compares only with a predecessor, and routes its register only when the partition counts differ', async () => {
    const store = new MemoryObjectStore();
    expect(await comparisonMaps(store, plan(3))).toEqual({ compare: false, routePartsKey: '', routeCount: 0 });
    expect(await comparisonMaps(store, plan(3, 3))).toEqual({ compare: true, routePartsKey: '', routeCount: 0 });
    expect(await store.list('runs/')).toEqual([]);
    expect(await comparisonMaps(store, plan(3, 2))).toEqual({ compare: true, routePartsKey: 'runs/r2/compare/route-parts.json', routeCount: 2 });
    expect(JSON.parse(store.text(routePartsKey(plan(3)), 'utf8'))).toEqual([{ part: 0 }, { part: 1 }]);
  });
});
