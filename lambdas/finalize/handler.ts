/**
 * Finalize: a decision file uploaded to reviews/<COUNTY>/<runId>/<name>.csv (the "Object Created" event) is checked
 * whole against the run and, when it has no problem, applied as the run's next review round: results/<COUNTY>/
 * <runId>/final/ rebuilt, the round kept under results/<COUNTY>/<runId>/reviews/, the review report written there,
 * the counts recorded in the ledger. The round is a fan-out (lambdas/domain/review/fan-out.ts): the Finalize state
 * machine invokes this function once per step, `{ step: 'plan', event }`, then `route` per range and `apply` per
 * partition (its maps), then `commit`. Invoked with the bare event, it runs the steps in this one invocation.
 * Decision files are personal data: nothing of their content is logged or returned, only statuses and counts.
 */
import * as z from 'zod';
import { writeJson } from '../domain/pipeline/object-store';
import {
  currentReviewState, MAX_DECISION_FILE_BYTES, parseReviewUploadKey, ReviewReport, reviewKeys,
} from '../domain/review/apply';
import { ReviewCounts } from '../domain/review/finalize';
import { applyStoredDecisionFile, removeWork, roundWorkPrefix } from '../domain/review/fan-out';
import { applyPartition } from '../domain/review/round-apply';
import { commitRound } from '../domain/review/round-commit';
import { keysOf, planRound, RoundPlan, roundKeys } from '../domain/review/round-plan';
import { routeRange } from '../domain/review/round-route';
import { handlerResources } from '../adapters/aws-clients';
import { loadFinalizeConfig } from '../adapters/config';
import { instrumented, logger } from '../adapters/observability';
import { objectCreatedEventSchema, parseInput, resolveEventKey, runPrefixes, uploadOf } from '../workflow-contract';
import { readJson } from '../domain/pipeline/object-store';

const config = loadFinalizeConfig();
const { store, ledger } = handlerResources(config);
const SIZING = {
  ...(config.reviewRangeBytes === undefined ? {} : { rangeBytes: config.reviewRangeBytes }),
  ...(config.reviewPartitionBytes === undefined ? {} : { partitionBytes: config.reviewPartitionBytes }),
};
/** The version of the code applying decisions, cited by the decision record (set by the stack). */
const CODE_VERSION = process.env.CLEARANCE_CODE_VERSION || 'record-clearance@unknown';

export interface FinalizeResult {
  status: ReviewReport['status'] | 'IGNORED' | 'PLANNED';
  runId?: string;
  round?: number;
  rounds?: number;
  /** Problems of a rejected file (their lines and messages are in the review report, under results/). */
  problems?: number;
  counts?: Pick<ReviewCounts, 'relief' | 'denied' | 'pending' | 'decided'>;
  /** PLANNED: where the round's plan is, and the items of the Route and Apply maps. */
  workPrefix?: string;
  ranges?: number[];
  partitions?: number[];
}

const stepSchema = z.discriminatedUnion('step', [
  z.object({ step: z.literal('plan'), event: z.unknown() }),
  z.object({ step: z.literal('route'), workPrefix: z.string().min(1), range: z.number().int().min(0) }),
  z.object({ step: z.literal('apply'), workPrefix: z.string().min(1), partition: z.number().int().min(0) }),
  z.object({ step: z.literal('commit'), workPrefix: z.string().min(1) }),
]);

/** The report written where the reviewer finds it, the ledger following the review state; the task's result. */
async function finish(keys: ReturnType<typeof reviewKeys>, runId: string, report: ReviewReport): Promise<FinalizeResult> {
  await writeJson(store, keys.report, report);
  // A retry after a ledger failure finds the file applied and records it then.
  if (report.status !== 'REJECTED') {
    const state = report.counts === undefined ? await currentReviewState(store, keys) : { rounds: report.rounds, ...report.counts };
    if (state !== null) {
      const { rounds, relief, denied, pending, decided, overrides, impact } = state;
      await ledger.recordReview(runId, {
        rounds, relief, denied, pending, decided, overrides: { ...overrides },
        ...(impact === null ? {} : { peopleNoFelony: impact.peopleNoFelony, peopleNoConviction: impact.peopleNoConviction }),
      });
    }
  }
  const result: FinalizeResult = { status: report.status, runId, rounds: report.rounds, problems: report.problems.length };
  if (report.round !== undefined) result.round = report.round;
  if (report.counts !== undefined) {
    const { relief, denied, pending, decided } = report.counts;
    result.counts = { relief, denied, pending, decided };
  }
  return result;
}

/** The event's decision file and its run's review keys, or null when the key is not a decision file. */
async function targetOf(event: unknown) {
  const upload = uploadOf(parseInput(objectCreatedEventSchema, event, 'event'));
  const key = await resolveEventKey(store, upload.key);
  const target = parseReviewUploadKey(key);
  if (target.kind === 'ignored') {
    logger.info('not a decision file; ignored', { reason: target.reason });
    return null;
  }
  const { resultsPrefix, reportsPrefix } = runPrefixes(target.runId, target.county);
  return { key, target, keys: reviewKeys(resultsPrefix, `${reportsPrefix}summary.json`) };
}

async function tooLarge(key: string, fileName: string): Promise<ReviewReport | null> {
  const size = await store.size(key);
  if (size <= MAX_DECISION_FILE_BYTES) return null;
  return {
    file: fileName, sha256: '', status: 'REJECTED', rounds: 0,
    problems: [{ line: null, message: `the file has ${size} bytes, more than the ${MAX_DECISION_FILE_BYTES} a decision file may have` }],
  };
}

/** The bare event: every step in this invocation. */
async function wholeRound(event: unknown, tag: (runId: string) => void): Promise<FinalizeResult> {
  const found = await targetOf(event);
  if (found === null) return { status: 'IGNORED' };
  const { key, target, keys } = found;
  tag(target.runId);
  const report = (await tooLarge(key, target.fileName)) ?? (await applyStoredDecisionFile(store, keys, { name: target.fileName, key }, CODE_VERSION, SIZING));
  return finish(keys, target.runId, report);
}

async function planStep(event: unknown, tag: (runId: string) => void): Promise<FinalizeResult> {
  const found = await targetOf(event);
  if (found === null) return { status: 'IGNORED' };
  const { key, target, keys } = found;
  tag(target.runId);
  const refused = await tooLarge(key, target.fileName);
  if (refused !== null) return finish(keys, target.runId, refused);
  const outcome = await planRound(store, keys.inputs, { name: target.fileName, key }, (sha256) => roundWorkPrefix(keys.inputs.resultsPrefix, sha256), CODE_VERSION, SIZING);
  if ('report' in outcome) return finish(keys, target.runId, outcome.report);
  const { plan } = outcome;
  return {
    status: 'PLANNED', runId: target.runId, workPrefix: plan.workPrefix,
    ranges: plan.ranges.map((range) => range.index), partitions: Array.from({ length: plan.partitionCount }, (_, p) => p),
  };
}

export const handler = instrumented('finalize', async (event, invocation): Promise<FinalizeResult | { step: string; done: number }> => {
  const tag = (runId: string) => invocation.tag({ runId });
  if (typeof event !== 'object' || event === null || !('step' in event)) return wholeRound(event, tag);
  const step = parseInput(stepSchema, event, 'finalize step');
  if (step.step === 'plan') return planStep(step.event, tag);
  const plan = await readJson<RoundPlan>(store, roundKeys.plan(step.workPrefix));
  tag(plan.context.runId);
  switch (step.step) {
    case 'route':
      await routeRange(store, plan, step.range);
      return { step: 'route', done: step.range };
    case 'apply':
      await applyPartition(store, plan, step.partition);
      return { step: 'apply', done: step.partition };
    case 'commit': {
      const report = await commitRound(store, plan);
      const result = await finish(keysOf(plan), plan.context.runId, report);
      await removeWork(store, plan.workPrefix);
      return result;
    }
  }
});
