/**
 * What the handlers receive and return (the workflow contract's payloads), validated with zod, and the naming
 * they share: which uploads start a run, the run id, and where a run's objects live.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { ObjectStore, readJson } from './domain/pipeline/object-store';
import { RunPlan, workKeys } from './domain/pipeline/plan';
import { MAX_INPUT_FILES } from './domain/defaults';
import { InputError, NotFoundError } from './domain/errors';
import type { RunRecord } from './adapters/ledger';
import { RunFailedDetail, runFailedDetailSchema } from './run-events';

export const INCOMING_PREFIX = 'incoming/';
export const POLICIES_PREFIX = 'policies/';
export const MANIFEST_NAME = 'manifest.json';

// ---------------------------------------------------------------------------------------------------------------
// Validation

function pathOf(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : `${text ? '.' : ''}${String(key)}`;
  return text;
}

/** Parses `value` or throws InputError naming `what`, each bad field and the problem. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${pathOf([...issue.path, key])}: unknown field`).join('; ');
    const field = pathOf(issue.path);
    const message = issue.code === 'invalid_type' ? `must be ${issue.expected}` : issue.message;
    return field === '' ? message : `${field}: ${message}`;
  });
  throw new InputError(`${what}: ${problems.join('; ')}`);
}

const wholeNumber = z.number().int().min(0);

// ---------------------------------------------------------------------------------------------------------------
// Plan: the EventBridge "Object Created" event (the state machine's input)

export const objectCreatedEventSchema = z.object({
  time: z.string().regex(/^\d{4}-\d{2}-\d{2}T/, { message: 'must be an ISO timestamp' }),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      etag: z.string().optional(),
      'version-id': z.string().optional(),
      size: z.number().optional(),
    }),
  }),
});
export type ObjectCreatedEvent = z.output<typeof objectCreatedEventSchema>;

/** The upload an event announces. `key` is as the event gives it. */
export interface Upload {
  bucket: string;
  key: string;
  /** The object's version id, or its ETag when the bucket is unversioned. */
  version: string;
  /** The event's time (ISO). */
  time: string;
}

export function uploadOf(event: ObjectCreatedEvent): Upload {
  const object = event.detail.object;
  const version = object['version-id'] || object.etag;
  if (!version) throw new InputError(`event: detail.object has neither version-id nor etag for ${object.key}`);
  return { bucket: event.detail.bucket.name, key: object.key, version, time: event.time };
}

/** What an object key under incoming/ means. */
export type UploadKey =
  /** `incoming/<COUNTY>/<file>`: a single-file run. */
  | { kind: 'file'; county: string; fileName: string }
  /** `incoming/<COUNTY>/<batch>/manifest.json`: a multi-file run of the files the manifest lists. */
  | { kind: 'manifest'; county: string; batchPrefix: string }
  | { kind: 'ignored'; reason: string };

/** The county is the folder name as written (not upper-cased): it must match STP_ORI_CNTY_NAME, e.g. `LOS ANGELES`. */
export function parseUploadKey(key: string): UploadKey {
  if (!key.startsWith(INCOMING_PREFIX)) return { kind: 'ignored', reason: `the key is not under ${INCOMING_PREFIX}` };
  const [county, ...rest] = key.slice(INCOMING_PREFIX.length).split('/');
  if (county.trim() === '' || county === '.' || county === '..' || rest.length === 0) return { kind: 'ignored', reason: `the key is not in a county folder ${INCOMING_PREFIX}<COUNTY>/` };
  if (rest[rest.length - 1] === '') return { kind: 'ignored', reason: 'the key is a folder marker' };
  if (rest.length === 1) return { kind: 'file', county, fileName: rest[0] };
  if (rest.length === 2 && rest[1] === MANIFEST_NAME) {
    return { kind: 'manifest', county, batchPrefix: `${INCOMING_PREFIX}${county}/${rest[0]}/` };
  }
  return { kind: 'ignored', reason: `the key is inside a batch folder; only its ${MANIFEST_NAME} starts a run` };
}

/** A county name as it may appear in a run id: lower case, runs of other characters as one hyphen. */
export function countySlug(county: string): string {
  const slug = county.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  return slug || 'county';
}

/**
 * `<county-slug>-<yyyymmdd>-<hash12>`: the same object version (bucket, key, version id or ETag) announced by the
 * same event always gives the same run id, so a repeated event finds its run in the ledger.
 */
export function runIdFor(upload: Upload, county: string): string {
  const hash = createHash('sha256').update(`${upload.bucket}\n${upload.key}\n${upload.version}`).digest('hex').slice(0, 12);
  return `${countySlug(county)}-${upload.time.slice(0, 10).replace(/-/g, '')}-${hash}`;
}

/**
 * Object keys in S3 notifications are URL-encoded (`+` for a space); an EventBridge key may or may not be. The key
 * is used as given when that object exists, else its decoded form when that one does.
 */
export async function resolveEventKey(store: ObjectStore, key: string): Promise<string> {
  if (!/[+%]/.test(key) || (await store.exists(key))) return key;
  let decoded: string;
  try {
    decoded = decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
  return decoded !== key && (await store.exists(decoded)) ? decoded : key;
}

/** Longest file path a manifest may name (relative to its batch folder). */
export const MAX_BATCH_FILE_LENGTH = 256;
/** Largest manifest read: MAX_INPUT_FILES names of MAX_BATCH_FILE_LENGTH, and room for the rest. */
export const MAX_MANIFEST_BYTES = 128 * 1024;

/**
 * A batch manifest, `incoming/<COUNTY>/<batch>/manifest.json`. Unknown fields are errors (a typo must not pass).
 * At most MAX_INPUT_FILES files of at most MAX_BATCH_FILE_LENGTH characters: the run's ledger item lists every key.
 */
const batchFile = z
  .string()
  .min(1, { message: 'must be a file name' })
  .max(MAX_BATCH_FILE_LENGTH, { message: `must be at most ${MAX_BATCH_FILE_LENGTH} characters` })
  .refine((file) => !file.startsWith('/') && file.split('/').every((part) => part !== '' && part !== '.' && part !== '..'), {
    message: 'must be a path relative to the batch folder, without empty, "." or ".." parts',
  })
  .refine((file) => file !== MANIFEST_NAME, { message: `cannot be the manifest itself` });

export const manifestSchema = z.strictObject({
  files: z
    .array(batchFile)
    .min(1, { message: 'must list at least one file' })
    .max(MAX_INPUT_FILES, { message: `lists more than ${MAX_INPUT_FILES} files, the most one run takes (join the extract into fewer files)` })
    .refine((files) => new Set(files).size === files.length, { message: 'lists a file twice' }),
  /** A preset name; without it the county's policies/<COUNTY>.json applies. */
  policy: z.string().min(1).optional(),
  computeAt: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD' }).optional(),
  /** Preset names reported side by side as what-if scenarios. */
  scenarios: z.array(z.string().min(1)).optional(),
});
export type BatchManifest = z.output<typeof manifestSchema>;

export interface PlanResult {
  /** '' when ignored. */
  runId: string;
  /** The county folder ('' when ignored). */
  county: string;
  duplicate: boolean;
  ignored: boolean;
  /** S3 keys of the JSON arrays the Split and Classify maps read ('' when nothing runs). */
  rangesKey: string;
  partitionsKey: string;
  /** The output slices, the Assemble map's items (output-slices.ts). */
  slicesKey: string;
  rangeCount: number;
  partitionCount: number;
  /** The maps' MaxConcurrency, from the S3 request budget (domain/pipeline/limits.ts); 1 when nothing runs. */
  splitConcurrency: number;
  classifyConcurrency: number;
  /** Whether the run is compared with the county's previous run (docs/monthly.md); false when nothing runs. */
  compare: boolean;
  /** The JSON array of register parts the Route map reads ('' when the register needs no routing), and their count. */
  routePartsKey: string;
  routeCount: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Split, Classify, Assemble: what the map item selectors and the Assemble task pass

const runIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,127}$/, { message: 'must be a run id (lower-case letters, digits, hyphens)' });

export const byteRangeSchema = z.object({ index: wholeNumber, fileIndex: wholeNumber, start: wholeNumber, end: wholeNumber });
export const splitEventSchema = z.object({ runId: runIdSchema, range: byteRangeSchema });
/** The Split function's second task: gather the ranges' slice boundaries into the slice index. */
export const indexEventSchema = z.object({ runId: runIdSchema, indexSlices: z.literal(true) });
export const classifyEventSchema = z.object({ runId: runIdSchema, partition: wholeNumber });
/** The Compare function's three tasks (docs/monthly.md): route the decisions, route one register part, compare one partition. */
export const compareEventSchema = z
  .object({ runId: runIdSchema, routeDecisions: z.literal(true).optional(), routePart: wholeNumber.optional(), partition: wholeNumber.optional() })
  .strict()
  .refine((task) => [task.routeDecisions, task.routePart, task.partition].filter((field) => field !== undefined).length === 1, {
    message: 'needs exactly one of routeDecisions, routePart, partition',
  });
/** Publish (no slice), or one output slice's task of the Assemble map. */
export const assembleEventSchema = z.object({ runId: runIdSchema, slice: wholeNumber.optional() });

export interface AssembleSliceTaskResult {
  slice: number;
  rowsWritten: number;
}

/** What a Compare task answers: counts only (the changes themselves are personal data, under runs/). */
export type CompareTaskResult = { decided: number } | { routePart: number } | { partition: number; decisionsCarried: number; changedSinceDecided: number };

export interface SplitTaskResult {
  rangeIndex: number;
  rowsRead: number;
  rowsRejected: number;
}

export interface IndexTaskResult {
  rangesIndexed: number;
}

export interface ClassifyTaskResult {
  partition: number;
  /** Rows classified (written to the partition's output). */
  rowsClassified: number;
  people: number;
}

export interface AssembleTaskResult {
  runId: string;
  county: string;
  status: 'SUCCEEDED';
  rowsRead: number;
  rowsRejected: number;
  rowsWritten: number;
  people: number;
  /** reports/<COUNTY>/<runId>/summary.json */
  summaryKey: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Mark failed: the whole state (the event, `plan` when Plan returned, `error` from Catch). Every part is optional.

const optionalText = z.string().optional().catch(undefined);

/** A map child's timeout branch: the cause to record in the run's ledger item (RunRecord.timedOutTask). */
export const timedOutTaskSchema = z.object({ runId: runIdSchema, timedOut: z.string().min(1).max(2000) });

export const markFailedStateSchema = z
  .object({
    plan: z.object({ runId: optionalText, county: optionalText }).optional().catch(undefined),
    error: z.object({ Error: optionalText, Cause: optionalText }).optional().catch(undefined),
  })
  .catch({});

/** Error messages are kept to this many characters in the ledger and error.json. */
const ERROR_MESSAGE_LIMIT = 2000;

/** Catch gives `{ Error, Cause }`; a Lambda error's Cause is the JSON `{ errorType, errorMessage, trace }`. */
export function errorOf(error: { Error?: string; Cause?: string } | undefined): { name: string; message: string } {
  let name = error?.Error || 'UnknownError';
  let message = error?.Cause ?? '';
  try {
    const cause = JSON.parse(message) as { errorType?: unknown; errorMessage?: unknown } | null;
    if (cause !== null && typeof cause === 'object') {
      if (typeof cause.errorMessage === 'string') message = cause.errorMessage;
      if (!error?.Error && typeof cause.errorType === 'string') name = cause.errorType;
    }
  } catch {
    // a plain-text Cause (States.Timeout, a map's failure) is the message itself
  }
  return { name, message: message.length > ERROR_MESSAGE_LIMIT ? `${message.slice(0, ERROR_MESSAGE_LIMIT)}…` : message };
}

export interface MarkFailedResult {
  /** False when the state names no run (nothing could be recorded). */
  recorded: boolean;
  runId?: string;
  county?: string;
  errorName: string;
  /** reports/<COUNTY>/<runId>/error.json, when the county is known. */
  errorKey?: string;
  /** The `Clearance Run Failed` event detail the workflow puts on the bus (lambdas/run-events.ts), when recorded with a county. */
  announcement?: RunFailedDetail;
}

// ---------------------------------------------------------------------------------------------------------------
// Where a run's objects live

export function runPrefixes(runId: string, county: string): { workPrefix: string; resultsPrefix: string; reportsPrefix: string; registerPrefix: string } {
  return {
    workPrefix: `runs/${runId}/`,
    resultsPrefix: `results/${county}/${runId}/`,
    reportsPrefix: `reports/${county}/${runId}/`,
    // The county register of the run (docs/monthly.md): personal data, under results/ with the same protection.
    registerPrefix: registerPrefixOf(county, runId),
  };
}

/** `results/<COUNTY>/register/<runId>/`: where a run's register lies once it succeeded. */
export function registerPrefixOf(county: string, runId: string): string {
  return `results/${county}/register/${runId}/`;
}

export function policyKey(county: string): string {
  return `${POLICIES_PREFIX}${county}.json`;
}

export function errorReportKey(county: string, runId: string): string {
  return `${runPrefixes(runId, county).reportsPrefix}error.json`;
}

/** The `Clearance Run Failed` detail of a run marked FAILED (Mark failed, the reconciler), from its ledger item. */
export function runFailedDetail(run: Pick<RunRecord, 'runId' | 'rowsRead' | 'rowsRejected' | 'rowsWritten' | 'people'>, county: string, errorName: string): RunFailedDetail {
  return runFailedDetailSchema.parse({
    runId: run.runId,
    county,
    status: 'FAILED',
    errorName,
    counts: { rowsRead: run.rowsRead ?? 0, rowsRejected: run.rowsRejected ?? 0, rowsWritten: run.rowsWritten ?? 0, people: run.people ?? 0 },
    reports: { prefix: runPrefixes(run.runId, county).reportsPrefix, errorKey: errorReportKey(county, run.runId) },
  });
}

let cachedPlan: RunPlan | undefined;

/** The run's plan.json (kept for the next invocation of a warm container: a plan never changes). */
export async function loadRunPlan(store: ObjectStore, runId: string): Promise<RunPlan> {
  if (cachedPlan?.runId === runId) return cachedPlan;
  const key = workKeys.plan(runPrefixes(runId, ''));
  let plan: RunPlan;
  try {
    plan = await readJson<RunPlan>(store, key);
  } catch (error) {
    if (error instanceof NotFoundError) throw new InputError(`run ${runId}: no plan at ${key}`);
    throw error;
  }
  if (plan.runId !== runId) throw new InputError(`${key} belongs to run ${plan.runId}, not ${runId}`);
  cachedPlan = plan;
  return plan;
}
