/**
 * Runs the whole pipeline (runInProcess) on in-memory files and returns the output texts, for domain,
 * handler and end-to-end tests. Inputs go in as bytes (a string is UTF-8); outputs come back as latin1
 * strings, one char per byte, so they compare byte for byte with the input and the expected files.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { RunRequest } from '../../lambdas/domain/pipeline/plan';
import { InProcessOptions, runInProcess } from '../../lambdas/domain/pipeline/run';
import { splitRange } from '../../lambdas/domain/pipeline/split';
import { classifyPartition } from '../../lambdas/domain/pipeline/classify-partition';
import { RunPlan, SizingOptions, workKeys } from '../../lambdas/domain/pipeline/plan';
import { OUTPUT_FILES } from '../../lambdas/domain/pipeline/assemble';
import { assembleSlice } from '../../lambdas/domain/pipeline/output-slices';
import { Summary } from '../../lambdas/domain/summary';
import { MemoryObjectStore } from './memory-store';

/** The shared DOJ fixtures (read-only): /work/shared/fixtures/doj next to the repository. */
export const FIXTURES_DIR = process.env.DOJ_FIXTURES_DIR ?? path.resolve(__dirname, '../../../shared/fixtures/doj');

/** A fixture file's bytes; `.gz` files are gunzipped. */
export function readFixtureBytes(relativePath: string): Buffer {
  const bytes = readFileSync(path.join(FIXTURES_DIR, relativePath));
  return relativePath.endsWith('.gz') ? gunzipSync(bytes) : bytes;
}

/** A fixture file as latin1 text (one char per byte). */
export function readFixtureText(relativePath: string): string {
  return readFixtureBytes(relativePath).toString('latin1');
}

export function readFixtureJson<T = unknown>(relativePath: string): T {
  return JSON.parse(readFixtureBytes(relativePath).toString('utf8')) as T;
}

/** The county policy of the shared fixtures (eligibility_options.json). */
export function fixturePolicy(): unknown {
  return readFixtureJson('eligibility_options.json');
}

export interface FixtureInput {
  /** The upload's file name (as rejects.csv and summary.files show it). */
  name: string;
  /** A string is stored as UTF-8. */
  content: string | Buffer;
}

export interface FixtureRequest {
  files: FixtureInput[];
  county: string;
  /** YYYY-MM-DD; default today (as RunRequest). */
  computeAt?: string;
  /** A policy object or a preset name; default the fixtures' eligibility_options.json. */
  policy?: unknown;
  policyName?: string;
  scenarioPresets?: string[];
  maxRejectRatio?: number;
  /** Neutralise formulas in the reference-format CSVs too (RunRequest.excelSafe). */
  excelSafe?: boolean;
  sizing?: SizingOptions;
  /** Phase tasks run at once (runInProcess's concurrency). */
  concurrency?: number;
  /** Run the output slices through an executor, as `clearance classify` does with its workers. */
  parallelMerges?: boolean;
  /** Chunk size of the store's reads: small values stress chunk boundaries (default 64 KiB). */
  readChunkBytes?: number;
  runId?: string;
}

export interface FixtureResult {
  allResults: string;
  prop64Results: string;
  condensed: string;
  rejects: string;
  /** results/summary.json: every field of the reference summary (`earliestConviction` exact). */
  summary: Summary;
  /** results/summary.json exactly as written. */
  summaryText: string;
  /** reports/summary.json: the same, `earliestConviction` as a year. */
  reportSummary: Summary;
  /** The plan the run made (ranges, partition count). */
  plan: RunPlan;
  store: MemoryObjectStore;
}

export interface FixtureFailure {
  error: Error;
  /** summary.json when the run got far enough to write it (Assemble failures), else undefined. */
  summary?: Summary;
  rejects?: string;
  store: MemoryObjectStore;
}

const KEYS = {
  upload: (runId: string, name: string) => `uploads/${runId}/${name}`,
  work: (runId: string) => `work/${runId}/`,
  results: (runId: string) => `results/${runId}/`,
  reports: (runId: string) => `reports/${runId}/`,
};

function prepare(request: FixtureRequest): { store: MemoryObjectStore; runRequest: RunRequest } {
  const runId = request.runId ?? 'test-run';
  const store = new MemoryObjectStore(request.readChunkBytes === undefined ? {} : { readChunkBytes: request.readChunkBytes });
  for (const file of request.files) store.put(KEYS.upload(runId, file.name), file.content);
  const runRequest: RunRequest = {
    runId,
    county: request.county,
    policy: request.policy === undefined ? fixturePolicy() : request.policy,
    ...(request.policyName === undefined ? {} : { policyName: request.policyName }),
    ...(request.computeAt === undefined ? {} : { computeAt: request.computeAt }),
    files: request.files.map((file) => ({ key: KEYS.upload(runId, file.name), name: file.name })),
    ...(request.scenarioPresets === undefined ? {} : { scenarioPresets: request.scenarioPresets }),
    ...(request.maxRejectRatio === undefined ? {} : { maxRejectRatio: request.maxRejectRatio }),
    ...(request.sizing === undefined ? {} : { sizing: request.sizing }),
    ...(request.excelSafe === undefined ? {} : { excelSafe: request.excelSafe }),
    workPrefix: KEYS.work(runId),
    resultsPrefix: KEYS.results(runId),
    reportsPrefix: KEYS.reports(runId),
  };
  return { store, runRequest };
}

/** runInProcess options of a fixture request. */
function processOptions(request: FixtureRequest, store: MemoryObjectStore): InProcessOptions {
  return {
    ...(request.concurrency === undefined ? {} : { concurrency: request.concurrency }),
    ...(request.parallelMerges
      ? {
          executor: () => ({
            split: async (plan, rangeIndex) => void (await splitRange(store, plan, plan.ranges[rangeIndex])),
            classify: async (plan, partition) => void (await classifyPartition(store, plan, partition)),
            assembleSlice: async (plan, slice) => void (await assembleSlice(store, plan, slice)),
          }),
        }
      : {}),
  };
}

function optionalText(store: MemoryObjectStore, key: string): string | undefined {
  return store.keys().includes(key) ? store.text(key) : undefined;
}

/** Runs every phase; throws what runInProcess throws. */
export async function runFixture(request: FixtureRequest): Promise<FixtureResult> {
  const { store, runRequest } = prepare(request);
  await runInProcess(store, runRequest, processOptions(request, store));
  const results = runRequest.resultsPrefix;
  const summaryText = store.text(`${results}${OUTPUT_FILES.resultsSummary}`, 'utf8');
  return {
    allResults: store.text(`${results}${OUTPUT_FILES.allResults}`),
    prop64Results: store.text(`${results}${OUTPUT_FILES.prop64Results}`),
    condensed: store.text(`${results}${OUTPUT_FILES.condensed}`),
    rejects: store.text(`${results}${OUTPUT_FILES.rejects}`),
    summary: JSON.parse(summaryText) as Summary,
    summaryText,
    reportSummary: JSON.parse(store.text(`${runRequest.reportsPrefix}${OUTPUT_FILES.summary}`, 'utf8')) as Summary,
    plan: JSON.parse(store.text(workKeys.plan(runRequest), 'utf8')) as RunPlan,
    store,
  };
}

/** Runs a request that must fail; returns the error and whatever summary.json / rejects.csv were written. */
export async function runFixtureExpectingFailure(request: FixtureRequest): Promise<FixtureFailure> {
  const { store, runRequest } = prepare(request);
  try {
    await runInProcess(store, runRequest, processOptions(request, store));
  } catch (error) {
    const summaryText = optionalText(store, `${runRequest.reportsPrefix}${OUTPUT_FILES.summary}`);
    const rejects = optionalText(store, `${runRequest.resultsPrefix}${OUTPUT_FILES.rejects}`);
    return {
      error: error as Error,
      ...(summaryText === undefined ? {} : { summary: JSON.parse(summaryText) as Summary }),
      ...(rejects === undefined ? {} : { rejects }),
      store,
    };
  }
  throw new Error('the run was expected to fail but succeeded');
}
