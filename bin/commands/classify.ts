/** `clearance classify`: the whole pipeline in this process, on local files. */
import { promises as fs, existsSync } from 'node:fs';
import * as path from 'node:path';
import { FsObjectStore } from '../../local/fs-object-store';
import { repointLatest, runAnalyticsKeys } from '../../lambdas/domain/analytics/publish';
import { Progress, runInProcess } from '../../lambdas/domain/pipeline/run';
import { PreviousRun, readPreviousRun } from '../../lambdas/domain/pipeline/compare-register';
import { guardInterrupts } from './interrupts';
import { sinceLastRunLine } from './since-last-run';
import { PRIVATE_DIR_MODE, processAlive, sweepStaleTempDirs } from './private-files';
import { checkPolicy, checkRequest, type CheckedRequest } from './request';
import type { RunRequest } from '../../lambdas/domain/pipeline/plan';
import type { Summary } from '../../lambdas/domain/summary';
import { InputError, RejectRatioExceeded, UnknownCountyError, UsageError } from '../../lambdas/domain/errors';

export interface ClassifyOptions {
  /** `--input a.csv b.csv` or `--input a.csv,b.csv` (request.ts splitList). */
  input: string[];
  county: string;
  policy: string;
  computeAt?: string;
  out: string;
  scenario?: string;
  maxRejectRatio: number;
  rangeMb?: number;
  partitionMb?: number;
  concurrency: number;
  /** Neutralise spreadsheet formulas in the reference-format CSVs too. */
  excelSafe?: boolean;
  /** An earlier classify's run folder (or its results/ folder) to compare with (docs/monthly.md). */
  previous?: string;
}

const MIB = 1024 * 1024;
/**
 * Range and partition sizes on one machine. Partitions are small: a classify task holds its partition's people, so
 * peak memory follows the partition size. Ranges are larger: classify reads one routed object per range and
 * partition, so their count grows with ranges × partitions, and small ranges on a large input make many small reads.
 * The measurements behind these sizes are in bench/results/.
 */
export const LOCAL_RANGE_MB = 16;
export const LOCAL_PARTITION_MB = 8;
/**
 * Inputs up to this size run every phase in this thread. They make one classify partition, so a second thread
 * has no classify work, and starting a phase's workers (a new isolate loading its code, ~0.2-0.3 s of CPU for
 * each of up to six workers) costs more than the phases themselves take here.
 */
export const IN_THREAD_MAX_BYTES = LOCAL_PARTITION_MB * MIB;

/** A policy argument: a preset name, or a JSON file (checked as every argument is: request.ts). */
export async function loadPolicyArgument(value: string): Promise<{ policy: unknown; name: string }> {
  return checkPolicy(value, []);
}

/** Progress on a terminal only; quiet otherwise (pipes, CI, log files). */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): { update(progress: Progress): void; stop(): void } {
  if (!stream.isTTY) return { update: () => undefined, stop: () => undefined };
  // Loaded here: runs without a terminal (pipes, CI, the bench) never need it.
  const { SingleBar, Presets } = require('cli-progress') as typeof import('cli-progress');
  const bar = new SingleBar({ format: '{phase} [{bar}] {value}/{total}', stream, hideCursor: true, clearOnComplete: false }, Presets.shades_classic);
  let phase = '';
  return {
    update(progress) {
      if (progress.phase !== phase) {
        if (phase !== '') bar.stop();
        phase = progress.phase;
        bar.start(progress.total, progress.done, { phase: phase.padEnd(8) });
      } else bar.update(progress.done);
    },
    stop() {
      if (phase !== '') bar.stop();
    },
  };
}

/** `.work-<runId>-<pid>`: the work folder of a classify, in its --out folder; the pid tells whether it still runs. */
const WORK_FOLDER = /^\.work-(.+)-(\d+)$/;

/**
 * Removes what classify runs that were killed (a work folder whose process is gone) left in `outDir`: the work
 * folder, and the run's folder when it has no summary.json (its outputs are partial). Returns the run ids.
 */
export async function sweepStaleWork(outDir: string): Promise<string[]> {
  const swept: string[] = [];
  const names = await fs.readdir(outDir).catch(() => [] as string[]);
  for (const name of names) {
    const match = WORK_FOLDER.exec(name);
    if (!match || Number(match[2]) === process.pid || processAlive(Number(match[2]))) continue;
    await fs.rm(path.join(outDir, name), { recursive: true, force: true });
    const runDir = path.join(outDir, match[1]);
    if (!existsSync(path.join(runDir, 'reports', 'summary.json'))) await fs.rm(runDir, { recursive: true, force: true });
    swept.push(match[1]);
  }
  return swept;
}

/** A new folder `<out>/<runId>/` (0700) for this run alone: another run's files never sit beside its outputs. */
async function createRunFolder(outDir: string): Promise<{ runId: string; runDir: string }> {
  const stamp = new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15);
  for (let attempt = 1; ; attempt++) {
    const runId = `local-${stamp}${attempt === 1 ? '' : `-${attempt}`}`;
    const runDir = path.join(outDir, runId);
    try {
      await fs.mkdir(runDir, { mode: PRIVATE_DIR_MODE });
      return { runId, runDir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** Where a run's register lies in its results folder. */
export const REGISTER_FOLDER = 'register';

/**
 * The earlier classify `--previous` names (its run folder, or its results/ folder), checked before any work: it
 * must have succeeded, be of the same county and hold a register this version reads. Its review's decision record
 * (final/decisions.jsonl), when there is one, gives the decisions to carry forward.
 */
export async function previousClassify(dir: string, county: string): Promise<PreviousRun> {
  const given = path.resolve(dir);
  const resultsDir = existsSync(path.join(given, 'results', REGISTER_FOLDER)) || existsSync(path.join(given, 'results')) ? path.join(given, 'results') : given;
  const what = `--previous ${JSON.stringify(dir)}`;
  if (!existsSync(resultsDir)) throw new UsageError(`${what}: no such folder`);
  for (const summaryPath of [path.join(resultsDir, 'summary.json'), path.join(resultsDir, '..', 'reports', 'summary.json')]) {
    const text = await fs.readFile(summaryPath, 'utf8').catch(() => null);
    if (text === null) continue;
    const status = (JSON.parse(text) as { status?: unknown }).status;
    if (status !== 'SUCCEEDED') {
      throw new UsageError(`${what} is a run that did not succeed (status ${String(status)}): compare with the county's last successful run`);
    }
    break;
  }
  let previous: PreviousRun;
  try {
    previous = await readPreviousRun(new FsObjectStore(resultsDir), `${path.join(resultsDir, REGISTER_FOLDER)}/`, path.join(resultsDir, 'final', 'decisions.jsonl'), what);
  } catch (error) {
    if (error instanceof InputError) throw new UsageError(error.message);
    throw error;
  }
  const manifest = JSON.parse(await fs.readFile(path.join(resultsDir, REGISTER_FOLDER, 'manifest.json'), 'utf8')) as { county: string };
  if (manifest.county !== county) throw new UsageError(`${what} is a run of ${JSON.stringify(manifest.county)}, not of ${JSON.stringify(county)}`);
  return previous;
}

/** The run of `clearance classify`: the checked request, with the local sizes and the work and output prefixes. */
function runRequest(
  request: CheckedRequest,
  options: ClassifyOptions,
  run: { runId: string; files: RunRequest['files']; workPrefix: string; previous: PreviousRun | undefined },
): RunRequest {
  const { runId, files, workPrefix, previous } = run;
  return {
    runId,
    county: request.county,
    policy: request.policy,
    policyName: request.policyName,
    ...(request.computeAt === undefined ? {} : { computeAt: request.computeAt }),
    files,
    scenarioPresets: request.scenarios,
    maxRejectRatio: options.maxRejectRatio,
    excelSafe: options.excelSafe === true,
    sizing: {
      targetRangeBytes: (options.rangeMb ?? LOCAL_RANGE_MB) * MIB,
      targetPartitionBytes: (options.partitionMb ?? LOCAL_PARTITION_MB) * MIB,
      // Ranges and partitions balanced over the workers (SizingOptions.lanes), and a merge for each of them.
      lanes: options.concurrency,
      minSlices: options.concurrency,
    },
    workPrefix,
    resultsPrefix: `${runId}/results/`,
    reportsPrefix: `${runId}/reports/`,
    registerPrefix: `${runId}/results/${REGISTER_FOLDER}/`,
    ...(previous === undefined ? {} : { previous }),
  };
}

/** The closing lines on stderr: rows, people, time, where the outputs are, and the changes since the previous run. */
function printClassified(s: Summary, runDir: string): void {
  process.stderr.write(
    `classified ${s.rowsRead} rows (${s.rowsRejected} rejected) of ${s.people} people in ${s.processingTimeInSeconds.toFixed(1)} s; ` +
      `results in ${path.join(runDir, 'results')}, reports in ${path.join(runDir, 'reports')}\n`,
  );
  const since = sinceLastRunLine(s.sinceLastRun);
  if (since !== undefined) process.stderr.write(`${since}\n`);
}

export async function classifyCommand(options: ClassifyOptions): Promise<void> {
  const request = await checkRequest(options);
  if (request.inputs.length === 0) throw new UsageError(`--input ${JSON.stringify(String(options.input))} names no file`);
  for (const note of request.notes) process.stderr.write(`${note}\n`);
  const outDir = request.out;
  const previous = options.previous === undefined ? undefined : await previousClassify(options.previous, request.county);
  await fs.mkdir(outDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const swept = await sweepStaleWork(outDir);
  if (swept.length > 0) process.stderr.write(`removed the work folders of ${swept.length} interrupted classify run(s) in ${outDir}: ${swept.join(', ')}\n`);
  // A `clearance run` killed outright leaves its private temporary folder (its staged extract): gone now too.
  const sweptTemp = await sweepStaleTempDirs();
  if (sweptTemp.length > 0) process.stderr.write(`removed ${sweptTemp.length} temporary folder(s) of clearance processes that ended without removing them\n`);
  const { runId, runDir } = await createRunFolder(outDir);
  const store = new FsObjectStore(outDir);
  const workPrefix = `.work-${runId}-${process.pid}/`;
  const files = request.inputs.map((input) => ({ key: input.path, name: path.basename(input.path) }));
  const progress = progressReporter();
  let phase = 'plan';
  const inputBytes = request.inputs.reduce((sum, input) => sum + input.size, 0);
  // Started now, so that the workers load the split code while this thread plans.
  const workers = inputBytes > IN_THREAD_MAX_BYTES ? new (await import('./phase-workers')).PhaseWorkerPool(outDir, options.concurrency) : undefined;
  const removeWork = () => fs.rm(path.join(outDir, workPrefix), { recursive: true, force: true });
  const guard = guardInterrupts(async () => {
    const stoppedIn = phase;
    progress.stop();
    await workers?.close();
    await removeWork();
    await fs.rm(runDir, { recursive: true, force: true });
    // Stopped after Assemble published its analytics rows: they go with the run's folder.
    const analytics = await runAnalyticsKeys(store, request.county, runId);
    if (analytics.length > 0) {
      await store.delete(analytics);
      await repointLatest(store, request.county);
    }
    return `classify of ${files.map((file) => file.name).join(', ')} stopped in ${stoppedIn}; its work folder and partial outputs (${runDir}) removed, nothing kept`;
  });
  workers?.prepare('split');
  try {
    const result = await runInProcess(
      store,
      runRequest(request, options, { runId, files, workPrefix, previous }),
      {
        onProgress: (p) => {
          phase = p.phase;
          progress.update(p);
        },
        concurrency: options.concurrency,
        // The heavy phases run in worker threads (both cores, and heap limits of their own), or in this one.
        executor: () => workers,
      },
    );
    progress.stop();
    printClassified(result.summary, runDir);
    process.stdout.write(`${runDir}\n`);
  } catch (error) {
    progress.stop();
    if (error instanceof RejectRatioExceeded || error instanceof UnknownCountyError) {
      error.message += ` (summary.json in ${path.join(runDir, 'reports')}, rejects.csv in ${path.join(runDir, 'results')})`;
    } else if (!existsSync(path.join(runDir, 'reports', 'summary.json'))) {
      // Failed before it wrote anything to read: no empty folder left behind.
      await fs.rm(runDir, { recursive: true, force: true });
    }
    throw error;
  } finally {
    await workers?.close();
    await removeWork();
    guard.dispose();
  }
}
