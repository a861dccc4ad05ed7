/**
 * Compare (lambdas/domain/pipeline/compare-register.ts): a run's register published, read back as the run a later
 * run compares with, routed when the partition counts differ, and compared partition by partition: a run against
 * the register of the same extract finds every conviction unchanged. Registers that cannot be compared with are
 * refused naming why.
 */
import { InputError } from '../../../lambdas/domain/errors';
import {
  compareKeys, compareRunPartition, needsRouting, publishRegister, readPreviousRun, registerSourceKey, routeRegisterPart,
} from '../../../lambdas/domain/pipeline/compare-register';
import { routeDecisions } from '../../../lambdas/domain/pipeline/route-decisions';
import { REGISTER_FORMAT, REGISTER_MANIFEST } from '../../../lambdas/domain/register/record';
import { MemoryObjectStore } from '../../helpers/memory-store';
import { classifiedRun, PhasedRun } from '../../helpers/pipeline-phases';

const REGISTER = 'results/SUTTER/register/r1/';

/** Run 1 (its register published), then run 2 of the same extract compared with it in ranges of `rangeBytes`. */
async function secondRun(rangeBytes: number): Promise<{ first: PhasedRun; second: PhasedRun }> {
  const first = await classifiedRun(40, 40_000, { runId: 'r1', registerPrefix: REGISTER });
  await publishRegister(first.store, first.plan, 'ab', 0);
  const previous = await readPreviousRun(first.store, REGISTER, undefined, 'run r1');
  const second = await classifiedRun(40, rangeBytes, { runId: 'r2', workPrefix: 'work/r2/', previous }, first.store);
  return { first, second };
}

describe('a run compared with the register of the same extract', () => {
  it('reads the register as published: its run, partition count and policy', async () => {
    const first = await classifiedRun(40, 40_000, { runId: 'r1', registerPrefix: REGISTER });
    await publishRegister(first.store, first.plan, 'ab', 42);
    expect(JSON.parse(first.store.text(`${REGISTER}${REGISTER_MANIFEST}`, 'utf8'))).toMatchObject({ format: REGISTER_FORMAT, runId: 'r1', partitionCount: first.plan.partitionCount, convictions: 42 });
    expect(await readPreviousRun(first.store, REGISTER, 'results/SUTTER/r1/final/decisions.jsonl', 'run r1')).toEqual({
      runId: 'r1', registerPrefix: REGISTER, partitionCount: first.plan.partitionCount, computeAt: '2020-07-01', policyName: first.plan.policyName, policySha256: 'ab',
    });
    expect(registerSourceKey(first.plan, 0)).toBe(compareKeys.current(first.plan, 0));
  });

  it.each([
    ['the same partitions', 40_000, false],
    ['other partitions (the register routed first)', 20_000, true],
  ])('finds every conviction unchanged, with %s', async (_, rangeBytes, routed) => {
    const { first, second } = await secondRun(rangeBytes);
    expect(needsRouting(second.plan)).toBe(routed);
    expect(second.plan.partitionCount !== first.plan.partitionCount).toBe(routed);
    // As the workflow runs it: the previous run's decisions routed (it has none), its register routed when needed.
    await routeDecisions(second.store, second.plan);
    if (routed) for (let part = 0; part < first.plan.partitionCount; part++) await routeRegisterPart(second.store, second.plan, part);
    let unchanged = 0;
    for (let partition = 0; partition < second.plan.partitionCount; partition++) {
      const counts = await compareRunPartition(second.store, second.plan, partition);
      unchanged += counts.changes.unchanged;
      expect(Object.entries(counts.changes).filter(([kind, n]) => kind !== 'unchanged' && n > 0)).toEqual([]);
      expect(second.store.text(compareKeys.changes(second.plan, partition))).toBe('');
      expect(registerSourceKey(second.plan, partition)).toBe(compareKeys.register(second.plan, partition));
    }
    const convictions = first.store.keys().filter((key) => key.startsWith(REGISTER) && key.endsWith('.jsonl')).reduce((sum, key) => sum + first.store.text(key).split('\n').filter(Boolean).length, 0);
    expect(convictions).toBeGreaterThan(20);
    expect(unchanged).toBe(convictions);
  });
});

describe('readPreviousRun', () => {
  it('refuses a run without a register, a manifest that is not JSON or of another version', async () => {
    const store = new MemoryObjectStore();
    await expect(readPreviousRun(store, REGISTER, undefined, 'run r1')).rejects.toThrow(new InputError("run r1 has no register (manifest.json): only a run that succeeded writes one; compare with the county's last successful run"));
    store.put(`${REGISTER}${REGISTER_MANIFEST}`, '{');
    await expect(readPreviousRun(store, REGISTER, undefined, 'run r1')).rejects.toThrow("run r1: its register's manifest.json is not JSON");
    store.put(`${REGISTER}${REGISTER_MANIFEST}`, JSON.stringify({ format: 'clearance-register/v0' }));
    await expect(readPreviousRun(store, REGISTER, undefined, 'run r1')).rejects.toThrow(/^run r1 cannot be compared with: it was written by another version/);
  });
});
