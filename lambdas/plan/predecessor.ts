/**
 * The run a county's run is compared with (docs/monthly.md): the county's most recent run that succeeded, found in
 * the ledger, when its register is one this version reads. Otherwise the run is not compared, and says why.
 */
import type { RunLedger } from '../adapters/ledger';
import { needsRouting } from '../domain/pipeline/compare-register';
import { hasErrorName, NotFoundError } from '../domain/errors';
import { ObjectStore, readJson, writeJson } from '../domain/pipeline/object-store';
import type { RunPlan } from '../domain/pipeline/plan';
import { PreviousRun, REGISTER_MANIFEST, RegisterManifest, registerManifestProblem } from '../domain/register/record';
import { PlanResult, registerPrefixOf, runPrefixes } from '../workflow-contract';

/**
 * The run to compare with (RunPlan.previous), or why there is none: `previousNote` for the ledger, and for the
 * plan (summary.json's sinceLastRun) unless `firstRun`: a county's first run says nothing of a comparison, as
 * `clearance classify` without `--previous` does.
 */
export type Predecessor = { previous: PreviousRun } | { previousNote: string; firstRun?: true };

/** What of a Predecessor goes into the run's plan. */
export function planPredecessor(predecessor: Predecessor): { previous?: PreviousRun; previousNote?: string } {
  if ('previous' in predecessor) return { previous: predecessor.previous };
  return predecessor.firstRun ? {} : { previousNote: predecessor.previousNote };
}

export async function predecessorOf(ledger: Pick<RunLedger, 'latestSucceededRun'>, store: ObjectStore, county: string): Promise<Predecessor> {
  const last = await ledger.latestSucceededRun(county);
  if (last === undefined) return { previousNote: 'the first run of the county: no earlier run of it succeeded', firstRun: true };
  const registerPrefix = registerPrefixOf(county, last.runId);
  let manifest: unknown;
  try {
    manifest = await readJson(store, `${registerPrefix}${REGISTER_MANIFEST}`);
  } catch (error) {
    if (hasErrorName(error, NotFoundError.errorName)) {
      return { previousNote: `not compared: the county's last successful run ${last.runId} has no register (expired with its results after resultsRetention, or a run of a version before registers)` };
    }
    if (error instanceof SyntaxError) return { previousNote: `not compared: the register manifest of ${last.runId} is not JSON` };
    throw error;
  }
  const problem = registerManifestProblem(manifest);
  if (problem !== null) return { previousNote: `not compared with the county's last successful run ${last.runId}: ${problem}` };
  const m = manifest as RegisterManifest;
  return {
    previous: {
      runId: m.runId,
      registerPrefix,
      partitionCount: m.partitionCount,
      computeAt: m.computeAt,
      policyName: m.policyName,
      policySha256: m.policySha256,
      // Read when Compare starts: a review applied to that run until then still counts. Absent: no decision.
      decisionsKey: `${runPrefixes(last.runId, county).resultsPrefix}final/decisions.jsonl`,
    },
  };
}

/** The Route map's items: one per part of the register, when its partition count is not the run's. */
export function routePartsKey(plan: Pick<RunPlan, 'workPrefix'>): string {
  return `${plan.workPrefix}compare/route-parts.json`;
}

/** The comparison's part of Plan's answer; writes the Route map's items when the register needs routing. */
export async function comparisonMaps(store: ObjectStore, plan: RunPlan): Promise<Pick<PlanResult, 'compare' | 'routePartsKey' | 'routeCount'>> {
  if (plan.previous === undefined) return { compare: false, routePartsKey: '', routeCount: 0 };
  if (!needsRouting(plan)) return { compare: true, routePartsKey: '', routeCount: 0 };
  const parts = Array.from({ length: plan.previous.partitionCount }, (_, part) => ({ part }));
  await writeJson(store, routePartsKey(plan), parts);
  return { compare: true, routePartsKey: routePartsKey(plan), routeCount: parts.length };
}
