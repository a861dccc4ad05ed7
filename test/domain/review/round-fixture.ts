/**
 * For the suites of Finalize's fan-out steps (round-plan, round-route, round-apply, round-commit): the review
 * fixture's run in an in-memory store, a decision file for it, and the steps run in order up to the one tested, with
 * ranges and partitions small enough that the run's seven convictions span several of each.
 */
import { csvLine } from '../../../lambdas/domain/csv/writer';
import { parseDecisionFile } from '../../../lambdas/domain/review/decisions';
import { FinalizeContext } from '../../../lambdas/domain/review/finalize';
import { reviewKeys } from '../../../lambdas/domain/review/apply';
import { PartResult, applyPartition } from '../../../lambdas/domain/review/round-apply';
import { planRound, PlanOptions, RoundPlan } from '../../../lambdas/domain/review/round-plan';
import { routeRange, RouteResult } from '../../../lambdas/domain/review/round-route';
import { MemoryObjectStore } from '../../helpers/memory-store';
import { itemOf, reviewItems, reviewListText } from './review-fixture';

export const CONTEXT: FinalizeContext = {
  runId: 'run-1', county: 'SACRAMENTO', computeAt: '2020-07-01', policyName: 'custom.json', policySha256: 'ab'.repeat(32), codeVersion: 'record-clearance@test',
};
export const KEYS = reviewKeys('', 'summary.json');
export const ITEMS = reviewItems();
export const LIST = reviewListText();
export const SMALL: PlanOptions = { rangeBytes: 200, partitionBytes: 400 };

const HEADER = ['Conviction ID', 'Decision', 'Decision Reason', 'Reviewer', 'Decision Date'];

/** A decision file: Deny P1's reduction, Dismiss P3's hand-review felony, Defer P4's; `extra` lines after them. */
export function decisionFile(extra: string[][] = []): string {
  const lines = [
    [itemOf(ITEMS, 'DOE,P1', '11359 HS').id, 'Deny', 'Open case', 'A. Reviewer', '2024-03-01'],
    [itemOf(ITEMS, 'DOE,P3', '11358 HS').id, 'Dismiss', 'Court file reviewed', 'A. Reviewer', '2024-03-01'],
    [itemOf(ITEMS, 'DOE,P4', '11358 HS').id, 'Defer', 'Ask the court', 'A. Reviewer', '2024-03-02'],
    ...extra,
  ];
  return [HEADER, ...lines].map((fields) => `${csvLine(fields)}\n`).join('');
}

/** The decisions and problems one pass over the file finds (decisions.ts), for comparison. */
export function onePass(file: string): ReturnType<typeof parseDecisionFile> {
  return parseDecisionFile(file, new Map(ITEMS.map((item) => [item.id, item])));
}

/** A store holding the run (summary.json, review_list.csv) and the file at `upload.csv`. */
export function runStore(file: string): MemoryObjectStore {
  const store = new MemoryObjectStore();
  store.put('summary.json', JSON.stringify({ status: 'SUCCEEDED', runId: CONTEXT.runId, county: CONTEXT.county, computeAt: CONTEXT.computeAt, policyName: CONTEXT.policyName, policySha256: CONTEXT.policySha256 }));
  store.put('review_list.csv', Buffer.from(LIST, 'latin1'));
  store.put('upload.csv', Buffer.from(file, 'latin1'));
  return store;
}

export async function plannedRound(store: MemoryObjectStore, options: PlanOptions = SMALL): Promise<RoundPlan> {
  const outcome = await planRound(store, KEYS.inputs, { name: 'round1.csv', key: 'upload.csv' }, (sha256) => `reviews/work/${sha256.slice(0, 16)}/`, CONTEXT.codeVersion, options);
  if (!('plan' in outcome)) throw new Error(`not planned: ${JSON.stringify(outcome.report)}`);
  return outcome.plan;
}

export async function routedRound(store: MemoryObjectStore): Promise<{ plan: RoundPlan; routes: RouteResult[] }> {
  const plan = await plannedRound(store);
  const routes: RouteResult[] = [];
  for (const range of plan.ranges) routes.push(await routeRange(store, plan, range.index));
  return { plan, routes };
}

export async function appliedRound(store: MemoryObjectStore): Promise<{ plan: RoundPlan; routes: RouteResult[]; parts: PartResult[] }> {
  const { plan, routes } = await routedRound(store);
  const parts: PartResult[] = [];
  for (let p = 0; p < plan.partitionCount; p++) parts.push(await applyPartition(store, plan, p));
  return { plan, routes, parts };
}
