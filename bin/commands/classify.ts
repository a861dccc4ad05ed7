/** `clearance classify`: the whole pipeline in this process, on local files. */
import { SingleBar, Presets } from 'cli-progress';
import { promises as fs, existsSync } from 'node:fs';
import * as path from 'node:path';
import { FsObjectStore } from '../../local/fs-object-store';
import { PRESETS, PolicyError } from '../../lambdas/domain/policy';
import { Progress, runInProcess } from '../../lambdas/domain/pipeline/run';
import { RunError } from '../../lambdas/domain/pipeline/errors';
import { PhaseWorkerPool } from './phase-workers';

export interface ClassifyOptions {
  input: string;
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
}

const MIB = 1024 * 1024;
/**
 * Range and partition sizes on one machine. Partitions are small (memory: the 500k-row extract peaked at 515-533 MB
 * RSS with 16 MiB partitions, 376-379 MB with 8 MiB); ranges are larger, because classify reads one routed object
 * per range and partition: 8 MiB ranges made 257 × 257 objects for 5M rows and classify took 124 s; 16 MiB ranges halve that count
 * (at 540 MB peak on the 500k-row extract, where 8 MiB ranges gave 476 MB).
 */
export const LOCAL_RANGE_MB = 16;
export const LOCAL_PARTITION_MB = 8;

/** A policy argument: a preset name, or a JSON file. */
export async function loadPolicyArgument(value: string): Promise<{ policy: unknown; name: string }> {
  if (Object.prototype.hasOwnProperty.call(PRESETS, value)) return { policy: value, name: value };
  if (!existsSync(value)) {
    throw new PolicyError([`policy: ${JSON.stringify(value)} is neither a file nor a preset (${Object.keys(PRESETS).join(', ')})`]);
  }
  const text = await fs.readFile(value, 'utf8');
  try {
    return { policy: JSON.parse(text), name: path.basename(value) };
  } catch (error) {
    throw new PolicyError([`${value}: not valid JSON (${(error as Error).message})`]);
  }
}

/** Progress on a terminal only; quiet otherwise (pipes, CI, log files). */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): { update(progress: Progress): void; stop(): void } {
  if (!stream.isTTY) return { update: () => undefined, stop: () => undefined };
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

export async function classifyCommand(options: ClassifyOptions): Promise<void> {
  const { policy, name } = await loadPolicyArgument(options.policy);
  const outDir = path.resolve(options.out);
  await fs.mkdir(outDir, { recursive: true });
  const store = new FsObjectStore(outDir);
  const runId = `local-${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}`;
  const workPrefix = `.work-${runId}-${process.pid}/`;
  const files = options.input
    .split(',')
    .map((file) => file.trim())
    .filter((file) => file !== '')
    .map((file) => ({ key: path.resolve(file), name: path.basename(file) }));
  const progress = progressReporter();
  // Started now, so that the workers load the split code while this thread plans.
  const workers = new PhaseWorkerPool(outDir, options.concurrency);
  workers.prepare('split');
  try {
    const result = await runInProcess(
      store,
      {
        runId,
        county: options.county,
        policy,
        policyName: name,
        ...(options.computeAt === undefined ? {} : { computeAt: options.computeAt }),
        files,
        scenarioPresets: options.scenario ? options.scenario.split(',').map((s) => s.trim()).filter(Boolean) : [],
        maxRejectRatio: options.maxRejectRatio,
        excelSafe: options.excelSafe === true,
        sizing: {
          targetRangeBytes: (options.rangeMb ?? LOCAL_RANGE_MB) * MIB,
          targetPartitionBytes: (options.partitionMb ?? LOCAL_PARTITION_MB) * MIB,
          // Ranges and partitions balanced over the workers (SizingOptions.lanes).
          lanes: options.concurrency,
        },
        workPrefix,
        resultsPrefix: '',
        reportsPrefix: '',
      },
      {
        onProgress: (p) => progress.update(p),
        concurrency: options.concurrency,
        // The heavy phases run in worker threads (both cores, and heap limits of their own).
        executor: () => workers,
      },
    );
    progress.stop();
    const s = result.summary;
    process.stderr.write(
      `classified ${s.rowsRead} rows (${s.rowsRejected} rejected) of ${s.people} people in ${s.processingTimeInSeconds.toFixed(1)} s; ` +
        `results in ${outDir}\n`,
    );
  } catch (error) {
    progress.stop();
    if (error instanceof RunError && (error.name === 'RejectRatioExceeded' || error.name === 'UnknownCountyError')) error.message += ` (summary.json and rejects.csv are in ${outDir})`;
    throw error;
  } finally {
    await workers.close();
    await fs.rm(path.join(outDir, workPrefix), { recursive: true, force: true });
  }
}
