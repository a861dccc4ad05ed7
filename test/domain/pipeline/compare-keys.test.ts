/** Compare's work keys: in the run's work area, one per partition (or routed part) and kind, none shared. */
import { compareKeys } from '../../../lambdas/domain/pipeline/compare-keys';
import { compareKeys as registerCompareKeys } from '../../../lambdas/domain/pipeline/compare-register';
import { workKeys } from '../../../lambdas/domain/pipeline/run-plan';

describe('compareKeys', () => {
  const plan = { workPrefix: 'runs/LOS ANGELES/r1/work/' };

  it("lie under the work prefix, distinct for every kind and partition; the current register beside the partition's classified rows", () => {
    const keys = [0, 1, 2, 999, 1000].flatMap((p) => Object.values(compareKeys).map((key) => key(plan, p)));
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(key.startsWith(plan.workPrefix)).toBe(true);
    expect(compareKeys.current(plan, 7)).toBe(`${workKeys.classified(plan, 7)}.register.jsonl`);
    expect(compareKeys.changes(plan, 7)).toMatch(/\/p000007\.changes\.csv$/);
  });

  it('are the keys compare-register.ts uses', () => {
    expect(registerCompareKeys).toBe(compareKeys);
  });
});
