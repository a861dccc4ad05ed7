/**
 * The request budget of the cloud split (docs/limits.md): how many map children may run at once so that no S3
 * prefix is asked for more than a budget of requests per second, from what each child asks for. Pure arithmetic.
 */
import { DEFAULT_PREFIX_REQUEST_BUDGET } from '../defaults';
import { WORK_SHARDS } from './plan';

/**
 * The least time one Split or Classify child takes, over which its requests are spread (a 64 MiB range or partition
 * takes tens of seconds; a small one seconds, with few requests). The budget assumes no child goes faster.
 */
export const MIN_TASK_SECONDS = 5;
/** The multipart part size of the adapters' writes (S3ObjectStore's default). */
const WRITE_PART_BYTES = 16 * 1024 * 1024;

/**
 * Requests of one Split child: the plan (1 GET), its range of the input (1 GET), the range object (1 PUT, or a
 * multipart upload: create, parts, complete), rejects and result (2 PUTs).
 */
export function splitTaskRequests(rangeBytes: number): number {
  const parts = Math.ceil(rangeBytes / WRITE_PART_BYTES);
  return 2 + (parts <= 1 ? 1 : parts + 2) + 2;
}

/** Requests of one Classify child: the plan, its slice index row, at most one slice per range, four outputs. */
export function classifyTaskRequests(ranges: number): number {
  return 2 + ranges + 4;
}

export interface ConcurrencyBudget {
  /** Requests per second per prefix (default DEFAULT_PREFIX_REQUEST_BUDGET). */
  perPrefixPerSecond?: number;
  /** Prefixes a phase's requests are spread over (default WORK_SHARDS). */
  prefixes?: number;
  /** The map's own ceiling (its MaxConcurrency setting). */
  max: number;
}

/**
 * Children that may run at once: `concurrency x requestsPerTask / MIN_TASK_SECONDS / prefixes <= budget`, at least 1
 * and at most `max`. The peak rate per prefix is then at most the budget (peakRatePerPrefix).
 */
export function mapConcurrencyFor(requestsPerTask: number, budget: ConcurrencyBudget): number {
  const perPrefix = budget.perPrefixPerSecond ?? DEFAULT_PREFIX_REQUEST_BUDGET;
  const prefixes = budget.prefixes ?? WORK_SHARDS;
  const allowed = Math.floor((perPrefix * prefixes * MIN_TASK_SECONDS) / Math.max(1, requestsPerTask));
  return Math.max(1, Math.min(budget.max, allowed));
}

/** The most requests per second one prefix sees with `concurrency` children of `requestsPerTask` requests each. */
export function peakRatePerPrefix(concurrency: number, requestsPerTask: number, prefixes = WORK_SHARDS): number {
  return (concurrency * requestsPerTask) / MIN_TASK_SECONDS / prefixes;
}
