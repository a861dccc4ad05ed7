/**
 * Plan: an upload under incoming/ → a claimed run in the ledger and its plan (plan.json, ranges.json,
 * partitions.json under runs/<runId>/), or `ignored` / `duplicate` when there is nothing to do.
 */
import { createHash } from 'node:crypto';
import { readText } from '../domain/pipeline/object-store';
import { classifyTaskRequests, mapConcurrencyFor, splitTaskRequests } from '../domain/pipeline/limits';
import { MAX_INPUT_FILES } from '../domain/defaults';
import { createPlan, RunRequest, workKeys } from '../domain/pipeline/plan';
import { parsePolicy, PolicyInput, PRESETS } from '../domain/policy';
import { handlerResources } from '../adapters/aws-clients';
import { loadPlanConfig } from '../adapters/config';
import { instrumented, logger } from '../adapters/observability';
import {
  manifestSchema,
  MAX_MANIFEST_BYTES,
  MANIFEST_NAME,
  objectCreatedEventSchema,
  parseInput,
  parseUploadKey,
  PlanResult,
  policyKey,
  resolveEventKey,
  runIdFor,
  runPrefixes,
  uploadOf,
  UploadKey,
  loadRunPlan,
} from '../workflow-contract';
import { comparisonMaps, planPredecessor, predecessorOf } from './predecessor';
import { InputError, NotFoundError, PolicyError, RetryableError } from '../domain/errors';

const config = loadPlanConfig();
const { store, ledger } = handlerResources(config);

const NOTHING = {
  rangesKey: '', partitionsKey: '', slicesKey: '', rangeCount: 0, partitionCount: 0, splitConcurrency: 1, classifyConcurrency: 1, compare: false, routePartsKey: '', routeCount: 0,
};

/**
 * The state machine sends `{ event, executionId }` (the execution's id lets a retried Plan recognise its own claim);
 * a bare event (a direct invocation) is accepted too.
 */
function unwrap(input: unknown): { event: unknown; executionId?: string } {
  if (input !== null && typeof input === 'object' && 'event' in input && 'executionId' in input) {
    const { event, executionId } = input as { event: unknown; executionId: unknown };
    return { event, ...(typeof executionId === 'string' && executionId !== '' ? { executionId } : {}) };
  }
  return { event: input };
}

export const handler = instrumented('plan', async (input, invocation): Promise<PlanResult> => {
  const { event, executionId } = unwrap(input);
  const announcement = parseInput(objectCreatedEventSchema, event, 'event');
  const upload = uploadOf(announcement);
  if (upload.bucket !== config.dataBucket) {
    throw new InputError(`event: the upload is in bucket ${upload.bucket}, but this stack's data bucket is ${config.dataBucket}`);
  }
  const announced = parseUploadKey(upload.key);
  if (announced.kind === 'ignored') return ignored(announced.reason);
  const key = await resolveEventKey(store, upload.key);
  const target = parseUploadKey(key);
  if (target.kind === 'ignored') return ignored(target.reason);
  const runId = runIdFor(upload, announced.county);
  invocation.tag({ runId });

  const claim = { runId, county: target.county, bucket: upload.bucket, triggerKey: key, triggerVersion: upload.version, ...(executionId ? { executionId } : {}) };
  if (!(await ledger.claimRun(claim, invocation.remainingMs()))) return answerClaimed(runId, target.county, executionId);
  try {
    return await planRun(runId, target, key, announcement.detail.object['version-id']);
  } catch (error) {
    // Let a retry of this task claim the run again (a repeated event still finds it claimed until then).
    await ledger.releaseClaim(runId).catch(() => undefined);
    throw error;
  }
});

/**
 * The answer for a run already claimed: this execution's own plan again (a retried task whose answer was lost), or
 * `duplicate` (a repeated event).
 */
async function answerClaimed(runId: string, county: string, executionId: string | undefined): Promise<PlanResult> {
  const recorded = executionId === undefined ? undefined : await ledger.getRun(runId);
  if (recorded !== undefined && recorded.executionId === executionId) {
    // Our own execution planned this run and the answer was lost (a retry of this task): answer it again.
    if (recorded.status === 'PLANNING') throw new RetryableError(`run ${runId}: an earlier attempt of this Plan still holds its lease`);
    logger.info('retried Plan: the run was already planned by this execution');
    const { workPrefix } = runPrefixes(runId, county);
    return {
      runId,
      county,
      duplicate: false,
      ignored: false,
      rangesKey: workKeys.ranges({ workPrefix }),
      partitionsKey: workKeys.partitions({ workPrefix }),
      slicesKey: workKeys.outputSlices({ workPrefix }),
      rangeCount: recorded.rangeCount,
      partitionCount: recorded.partitionCount,
      ...mapConcurrency(recorded.rangeCount, config.targetRangeBytes),
      ...(await comparisonMaps(store, await loadRunPlan(store, runId))),
    };
  }
  logger.info('repeated event: the run is already recorded');
  return { runId, county, duplicate: true, ignored: false, ...NOTHING };
}

/** Plans a claimed run: the plan written, the ledger item moved to SPLITTING, the maps' inputs and concurrency. */
async function planRun(runId: string, target: Exclude<UploadKey, { kind: 'ignored' }>, key: string, eventVersion: string | undefined): Promise<PlanResult> {
  const request = await runRequestFor(target, key);
  // The object version whose upload started the run: Plan copies exactly that one into the run's work area and
  // every phase reads the copy (a re-upload under the same key during the run changes nothing here).
  if (target.kind === 'file' && eventVersion) request.files = request.files.map((file) => ({ ...file, versionId: eventVersion }));
  // The county's last successful run, to compare with (docs/monthly.md); checked before any heavy work.
  const predecessor = await predecessorOf(ledger, store, target.county);
  const plan = await createPlan(store, {
    ...request,
    ...planPredecessor(predecessor),
    pinInputs: true,
    runId,
    county: target.county,
    maxRejectRatio: config.maxRejectRatio,
    excelSafe: config.excelSafe,
    sizing: {
      targetRangeBytes: config.targetRangeBytes,
      maxPartitions: config.maxPartitions,
      ...(config.targetPartitionBytes === undefined ? {} : { targetPartitionBytes: config.targetPartitionBytes }),
      ...(config.targetSliceBytes === undefined ? {} : { targetSliceBytes: config.targetSliceBytes }),
      ...(config.taskLanes === undefined ? {} : { lanes: config.taskLanes }),
    },
    ...runPrefixes(runId, target.county),
  });
  await ledger.updateRun(runId, 'SPLITTING', {
    rangeCount: plan.ranges.length,
    partitionCount: plan.partitionCount,
    inputKeys: plan.files.map((file) => file.uploadKey ?? file.key),
    policyName: plan.policyName,
    policyHash: policyHash(plan.policy),
    computeAt: plan.computeAt,
    scenarioPresets: plan.scenarioPresets,
    planEndedAt: new Date().toISOString(),
    ...('previous' in predecessor ? { previousRunId: predecessor.previous.runId } : { previousNote: predecessor.previousNote }),
  });
  const comparison = await comparisonMaps(store, plan);
  return {
    runId,
    county: target.county,
    duplicate: false,
    ignored: false,
    rangesKey: workKeys.ranges(plan),
    partitionsKey: workKeys.partitions(plan),
    slicesKey: workKeys.outputSlices(plan),
    rangeCount: plan.ranges.length,
    partitionCount: plan.partitionCount,
    ...mapConcurrency(plan.ranges.length, Math.max(...plan.ranges.map((range) => range.end - range.start))),
    ...comparison,
  };
}

/** The maps' concurrency within the S3 request budget per prefix (docs/limits.md). */
function mapConcurrency(ranges: number, largestRangeBytes: number): Pick<PlanResult, 'splitConcurrency' | 'classifyConcurrency'> {
  const budget = { perPrefixPerSecond: config.prefixRequestBudget };
  return {
    splitConcurrency: mapConcurrencyFor(splitTaskRequests(largestRangeBytes), { ...budget, max: config.maxSplitConcurrency }),
    classifyConcurrency: mapConcurrencyFor(classifyTaskRequests(ranges), { ...budget, max: config.maxClassifyConcurrency }),
  };
}

function ignored(reason: string): PlanResult {
  logger.info('upload ignored', { reason });
  return { runId: '', county: '', duplicate: false, ignored: true, ...NOTHING };
}

type RequestParts = Pick<RunRequest, 'files' | 'policy' | 'policyName' | 'computeAt' | 'scenarioPresets'>;

async function runRequestFor(target: Exclude<UploadKey, { kind: 'ignored' }>, key: string): Promise<RequestParts> {
  if (target.kind === 'file') {
    if (target.fileName === MANIFEST_NAME) {
      throw new InputError(`${key}: a manifest starts a run only inside a batch folder, incoming/<COUNTY>/<batch>/${MANIFEST_NAME}`);
    }
    return { files: [{ key, name: target.fileName }], ...(await countyPolicy(target.county)) };
  }
  let manifestInput: unknown;
  try {
    const size = await store.size(key);
    if (size > MAX_MANIFEST_BYTES) {
      throw new InputError(`${key}: ${size} bytes; a manifest may have at most ${MAX_MANIFEST_BYTES} (${MAX_INPUT_FILES} files)`);
    }
    manifestInput = JSON.parse(await readText(store, key));
  } catch (error) {
    if (error instanceof SyntaxError) throw new InputError(`${key}: not valid JSON (${error.message})`);
    if (error instanceof NotFoundError) throw new InputError( `${key}: the manifest is gone`);
    throw error;
  }
  const manifest = parseInput(manifestSchema, manifestInput, key);
  const policy = manifest.policy === undefined ? await countyPolicy(target.county) : { policy: manifest.policy, policyName: manifest.policy };
  return {
    files: manifest.files.map((file) => ({ key: `${target.batchPrefix}${file}`, name: file })),
    ...policy,
    ...(manifest.computeAt === undefined ? {} : { computeAt: manifest.computeAt }),
    ...(manifest.scenarios === undefined ? {} : { scenarioPresets: manifest.scenarios }),
  };
}

/** policies/<COUNTY>.json, validated here so that errors name the object as well as the field and value. */
async function countyPolicy(county: string): Promise<{ policy: unknown; policyName: string }> {
  const key = policyKey(county);
  let text: string;
  try {
    text = await readText(store, key);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    // No policy, no run: legal decisions never fall back to a default.
    const problem = `no policy for county ${JSON.stringify(county)} at ${key}: upload one, or name a preset (${Object.keys(PRESETS).join(', ')}) in a batch manifest`;
    throw new PolicyError([problem], problem);
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new PolicyError([`${key}: not valid JSON (${(error as Error).message})`]);
  }
  try {
    parsePolicy(input);
  } catch (error) {
    if (error instanceof PolicyError) throw new PolicyError(error.problems.map((problem) => `${key}: ${problem}`));
    throw error;
  }
  return { policy: input, policyName: key };
}

/** SHA-256 of the policy with its keys sorted, so the same options always give the same hash. */
function policyHash(policy: PolicyInput): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]))
        : value;
  return createHash('sha256').update(JSON.stringify(canonical(policy))).digest('hex');
}
