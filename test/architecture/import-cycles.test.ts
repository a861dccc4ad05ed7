/**
 * No import cycles in the project's modules (lambdas/, lib/, local/, bin/, bench/): a cycle makes load order matter
 * (a constant read before its module has run is undefined) and ties layers that should depend one way.
 */
import { importCycles, importGraph } from '../helpers/import-graph';

describe('the import graph', () => {
  it('finds a cycle when there is one (the check can fail)', () => {
    const graph = new Map([
      ['lambdas/domain/person.ts', ['lambdas/domain/rules.ts']],
      ['lambdas/domain/rules.ts', ['lambdas/domain/decision.ts', 'lambdas/domain/person.ts']],
      ['lambdas/domain/decision.ts', []],
    ]);
    expect(importCycles(graph)).toEqual([['lambdas/domain/person.ts', 'lambdas/domain/rules.ts']]);
    expect(importCycles(new Map([['a.ts', ['a.ts']]]))).toEqual([['a.ts']]);
  });

  it('of the project has no cycle', () => {
    const graph = importGraph();
    expect(graph.get('lambdas/domain/rules.ts')).toContain('lambdas/domain/person.ts');
    expect(importCycles(graph)).toEqual([]);
  });
});
