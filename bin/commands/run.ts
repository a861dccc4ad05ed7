/**
 * `clearance run`: the real workflow on one machine (the embedded default), or against a deployed stack (--aws).
 * Uploads the extract the way a county does (a batch folder and its manifest under incoming/<COUNTY>/), follows the
 * run through the ledger's progress counters, prints the summary and copies results and reports to <out>/<runId>/.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SingleBar, Presets } from 'cli-progress';
import { once } from 'node:events';
import { createWriteStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunLedger, RunRecord } from '../../lambdas/adapters/ledger';
import { S3ObjectStore } from '../../lambdas/adapters/s3-object-store';
import { generateExtract } from '../../tools/generator';
import { ObjectStore } from '../../lambdas/domain/pipeline/object-store';
import { PRESETS } from '../../lambdas/domain/policy';
import { markInterruptedRuns } from './interrupted-runs';
import { guardInterrupts, haltIfInterrupted, interruptedBy } from './interrupts';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, createRunTempDir, restrictTree, RunTempDir, sweepStaleTempDirs } from './private-files';
import { CheckedRequest } from './request';
import type { LedgerAccess, StateLock } from './state-lock';
import { synthEmbeddedTemplate } from './embedded-synth';
import { deployedStackClients, describeRunExecution, regionOfArn } from './aws-stack';
import type { StagedFile } from '../../local/s3-store';

export interface RunOptions {
  /** `--input a.csv b.csv` or `--input a.csv,b.csv` (request.ts splitList). */
  input?: string[];
  county: string;
  policy: string;
  computeAt?: string;
  out: string;
  keepState?: string;
  aws?: boolean;
  bucket?: string;
  table?: string;
  stateMachineArn?: string;
  samplePeople: number;
  /** --aws: upload the generated sample on purpose (it is refused otherwise). */
  sample?: boolean;
  /** --aws: replace the deployed county policy (policies/<COUNTY>.json) with --policy's file. */
  replacePolicy?: boolean;
  scenario?: string;
  workers?: number;
  /** Embedded stack only (a deployed stack's sizes are set at deploy). */
  rangeMb?: number;
  partitionMb?: number;
  /** Embedded stack only: neutralise formulas in the reference-format CSVs too (a deployed stack's: context excelSafe). */
  excelSafe?: boolean;
}

/** The sample `npm start` classifies when no input is given. */
import { SAMPLE } from './sample';
import { sinceLastRunOf } from './since-last-run';
import { RunFailed, UsageError } from '../../lambdas/domain/errors';

export { SAMPLE };
const MIB = 1024 * 1024;
const POLL_MS = 250;

interface Target {
  s3: S3Client;
  bucket: string;
  ledger: RunLedger;
  /** Resolves with the run's final ledger record once the workflow has ended. */
  waitForEnd(manifestKey: string, runId: () => string | undefined): Promise<void>;
  stop(): Promise<void>;
  describe: string;
  /** Copies an object to a local file without reading it through S3 (the embedded stack's own files). */
  exportObject?(key: string, file: string): Promise<void>;
  /**
   * Puts a local file in as an object, announced as a PutObject, without sending it through S3 (the embedded
   * stack); `staged` is the file's copy made meanwhile (stageFile), moved in.
   */
  importObject?(key: string, file: string, staged?: Promise<StagedFile>): Promise<void>;
  /** How another process reads this stack's ledger while it runs (`clearance status` during a run). */
  ledgerAccess?: LedgerAccess;
}

async function embeddedTarget(options: RunOptions, keepState: string | undefined, synth?: Promise<Record<string, unknown>>): Promise<Target> {
  // Synthesized on a worker thread (started by the CLI already, when it could) while this one loads the embedded
  // runtime (not needed by --aws runs).
  const [template, { startEmbeddedStack, STATE_MACHINES }] = await Promise.all([synth ?? synthEmbeddedTemplate(options), import('../../local/embedded-stack')]);
  const stack = await startEmbeddedStack({
    template,
    ...(keepState ? { keepStateDir: keepState } : {}),
    ...(options.workers ? { workers: options.workers } : {}),
    functionLogs: 'discard',
  });
  // The upload follows at once: the first functions load their handlers meanwhile, on the core the stack leaves idle.
  stack.prewarm({ stateMachine: stack.stateMachineLogicalId(STATE_MACHINES.run) });
  const s3 = stack.newS3Client();
  const ledger = new RunLedger(DynamoDBDocumentClient.from(new DynamoDBClient(stack.dynamoDbConfig)), stack.tableName());
  if (keepState) {
    // Runs an earlier process left unfinished (killed, crashed) can never finish now: close them first.
    const interrupted = await markInterruptedRuns(ledger, new S3ObjectStore(s3, stack.bucketName())).catch(async (error: unknown) => {
      await stack.stop();
      throw error;
    });
    for (const run of interrupted) {
      process.stderr.write(`run ${run.runId} was interrupted in ${run.status} when an earlier process ended: marked FAILED\n`);
    }
  }
  const config = stack.dynamoDbConfig;
  const credentials = config.credentials as { accessKeyId?: unknown; secretAccessKey?: unknown } | undefined;
  const ledgerAccess: LedgerAccess | undefined =
    typeof config.endpoint === 'string' && typeof credentials?.accessKeyId === 'string' && typeof credentials.secretAccessKey === 'string'
      ? {
          endpoint: config.endpoint,
          region: String(config.region ?? ''),
          tableName: stack.tableName(),
          credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
        }
      : undefined;
  return {
    s3,
    bucket: stack.bucketName(),
    ledger,
    ...(ledgerAccess ? { ledgerAccess } : {}),
    describe: 'the embedded stack (S3 and DynamoDB stand-ins on 127.0.0.1)',
    async waitForEnd(manifestKey) {
      const execution = await stack.executionStartedBy(manifestKey, { timeoutMs: 60_000 });
      const ended = await stack.waitForExecution(execution.executionArn);
      if (ended.status !== 'SUCCEEDED') {
        const cause = describeCause(ended.cause);
        throw new RunFailed(`the workflow ended ${ended.status}${cause ? `: ${cause}` : ''}`);
      }
    },
    stop: () => stack.stop(),
    // The stand-in's objects are files on this machine: the extract is copied in and results are linked or copied
    // out, not sent through HTTP to this same process (the upload is announced exactly as a PutObject).
    exportObject: (key, file) => stack.exportObject(key, file),
    importObject: async (key, file, staged) => stack.importObject(key, staged ? await staged : file),
  };
}

function describeCause(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string; errorType?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
}

/** Ledger statuses of a run that has not ended. */
const OPEN_STATUSES = new Set(['PLANNING', 'SPLITTING', 'CLASSIFYING', 'ASSEMBLING']);
/** How long `--aws` waits for Plan to record the run after the manifest is uploaded. */
const AWS_RUN_START_TIMEOUT_MS = 120_000;
const AWS_POLL_MS = 2000;

/** Whether a ledger trigger key (as the event gave it: possibly URL-encoded, `+` for a space) names `key`. */
export function triggerKeyNames(triggerKey: string | undefined, key: string): boolean {
  if (triggerKey === undefined) return false;
  if (triggerKey === key) return true;
  try {
    return decodeURIComponent(triggerKey.replace(/\+/g, ' ')) === key;
  } catch {
    return false;
  }
}

async function awsTarget(options: RunOptions): Promise<Target> {
  if (!options.bucket || !options.table || !options.stateMachineArn) {
    throw new UsageError('--aws needs --bucket, --table and --state-machine-arn (the stack outputs DataBucketName, LedgerTableName, StateMachineArn)');
  }
  if (options.rangeMb !== undefined || options.partitionMb !== undefined) {
    throw new UsageError('--range-mb and --partition-mb size the embedded stack; a deployed stack\'s sizes are set when it is deployed (cdk context targetRangeBytes)');
  }
  if (options.excelSafe === true) {
    throw new UsageError('--excel-safe configures the embedded stack; a deployed stack\'s is set when it is deployed (cdk context excelSafe=true)');
  }
  // The stack's region is the state machine's, whatever the profile says.
  const region = regionOfArn(options.stateMachineArn, '--state-machine-arn');
  const clients = deployedStackClients(region, options.table);
  const { ledger, sfn } = clients;
  return {
    s3: clients.s3,
    bucket: options.bucket,
    ledger,
    describe: `the deployed stack in ${region} (bucket ${options.bucket})`,
    // The run is found in the ledger (Plan records the trigger key and its execution), not by listing executions.
    async waitForEnd(manifestKey) {
      const deadline = Date.now() + AWS_RUN_START_TIMEOUT_MS;
      let run: RunRecord | undefined;
      while (!run) {
        const runs = await ledger.listRuns({ county: options.county, limit: 20 });
        run = runs.find((candidate) => triggerKeyNames(candidate.triggerKey, manifestKey));
        if (run) break;
        if (Date.now() > deadline) {
          throw new Error(`no run recorded for ${manifestKey} within ${AWS_RUN_START_TIMEOUT_MS / 1000} s: is the upload rule enabled (see docs/operations.md)?`);
        }
        await sleep(AWS_POLL_MS);
      }
      process.stderr.write(`run ${run.runId}, execution ${run.executionId ?? '(unknown)'}\n`);
      for (;;) {
        run = (await ledger.getRun(run.runId)) ?? run;
        if (run.status === 'SUCCEEDED') return;
        if (run.status === 'FAILED') throw new RunFailed(`the run failed: ${run.errorName}: ${run.errorMessage ?? ''}`);
        // An execution that ended without the ledger knowing (stopped, timed out): the reconciler closes the run; say so now.
        const execution = OPEN_STATUSES.has(run.status) ? await describeRunExecution(sfn, run) : undefined;
        if (execution && execution.status !== 'RUNNING' && execution.status !== 'SUCCEEDED') {
          throw new RunFailed(`execution ${run.executionId} ended ${execution.status} while the run was ${run.status}`);
        }
        await sleep(AWS_POLL_MS);
      }
    },
    stop: async () => clients.destroy(),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function writeSample(county: string, people: number): Promise<string> {
  const file = path.join(os.tmpdir(), `clearance-sample-${people}-${SAMPLE.seed}-${county.replace(/[^A-Za-z0-9]+/g, '_')}.csv`);
  const out = createWriteStream(file);
  for (const chunk of generateExtract({ county, people, seed: SAMPLE.seed, chunkBytes: MIB })) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return file;
}

async function upload(store: ObjectStore, target: Target, key: string, file: string, staged?: Promise<StagedFile>): Promise<void> {
  if (target.importObject) return target.importObject(key, file, staged);
  const { createReadStream } = await import('node:fs');
  await store.write(key, createReadStream(file, { highWaterMark: 8 * MIB }) as AsyncIterable<Buffer>);
}

/** A progress bar fed by the ledger's counters (on a terminal only). */
function follow(ledger: RunLedger, runIdOf: () => Promise<string | undefined>): { stop(): Promise<RunRecord | undefined> } {
  const tty = process.stderr.isTTY;
  const bar = tty
    ? new SingleBar({ format: '{phase} [{bar}] {value}/{total} {unit} | {rows} rows read, {rejected} rejected', stream: process.stderr, hideCursor: true }, Presets.shades_classic)
    : undefined;
  let stopped = false;
  let started = false;
  let last: RunRecord | undefined;
  // stop() cuts the pause between polls short (the run has ended: nobody should wait up to POLL_MS for the summary).
  let wake: (() => void) | undefined;
  const pause = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, POLL_MS);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const loop = (async () => {
    while (!stopped) {
      const runId = await runIdOf();
      if (runId) {
        const run = await ledger.getRun(runId).catch(() => undefined);
        if (run) {
          last = run;
          const splitting = run.rangesDone < run.rangeCount || run.status === 'SPLITTING' || run.status === 'PLANNING';
          const [value, total, unit, phase] = splitting
            ? [run.rangesDone, run.rangeCount, 'ranges', 'split   ']
            : run.status === 'CLASSIFYING' || run.partitionsDone < run.partitionCount
              ? [run.partitionsDone, run.partitionCount, 'partitions', 'classify']
              : [1, 1, 'steps', run.status === 'ASSEMBLING' ? 'assemble' : 'done    '];
          const payload = { phase, unit, rows: run.rowsRead, rejected: run.rowsRejected };
          if (bar && !started) {
            bar.start(Math.max(total, 1), value, payload);
            started = true;
          } else if (bar) {
            bar.setTotal(Math.max(total, 1));
            bar.update(value, payload);
          }
        }
      }
      if (!stopped) await pause();
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      if (bar && started) bar.stop();
      return last;
    },
  };
}

/** Objects downloaded at once. */
const DOWNLOAD_CONCURRENCY = 4;

/**
 * Where an object under `prefix` goes in `targetDir`; refuses a key that would resolve outside it (`..`
 * segments, an absolute remainder): a bucket's keys are not to be trusted with the operator's file system.
 */
export function downloadPath(targetDir: string, prefix: string, key: string): string {
  const relative = key.slice(prefix.length);
  const file = path.resolve(targetDir, relative);
  if (!key.startsWith(prefix) || relative === '' || path.isAbsolute(relative) || !file.startsWith(path.resolve(targetDir) + path.sep)) {
    throw new RunFailed(`object key ${JSON.stringify(key)} resolves outside ${targetDir}: not downloaded`);
  }
  return file;
}

async function download(store: ObjectStore, target: Target, prefix: string, targetDir: string): Promise<string[]> {
  const keys = await store.list(prefix);
  const files = keys.map((key) => downloadPath(targetDir, prefix, key));
  await fs.mkdir(targetDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const index = next++;
      const file = files[index];
      await fs.mkdir(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
      if (target.exportObject) await target.exportObject(keys[index], file);
      else await streamToFile(store, keys[index], file);
      // A copy keeps its source's mode, which an older kept state may have made readable to all.
      await fs.chmod(file, PRIVATE_FILE_MODE);
    }
  };
  await Promise.all(Array.from({ length: Math.min(DOWNLOAD_CONCURRENCY, keys.length) }, worker));
  return keys;
}

async function streamToFile(store: ObjectStore, key: string, file: string): Promise<void> {
  const out = createWriteStream(file);
  try {
    for await (const chunk of store.read(key)) if (!out.write(chunk)) await once(out, 'drain');
    out.end();
    await once(out, 'finish');
  } catch (error) {
    out.destroy();
    throw error;
  }
}

/**
 * Runs the checked request (checkRequest, checkAwsOptions). `synth`: the embedded stack's template, when the caller
 * started its synth already (synthEmbeddedTemplate).
 */
export async function runCommand(options: RunOptions, request: CheckedRequest, synth?: Promise<Record<string, unknown>>, lock?: StateLock): Promise<void> {
  const county = request.county;
  const embedded = !options.aws;
  /** Created once stale folders are swept; a promise, so that an interrupt while it is made still removes it. */
  let temp: Promise<RunTempDir> | undefined;
  let staging: Staging | undefined;
  let target: Target | undefined;
  let runId: string | undefined;
  let downloadingTo: string | undefined;
  /** The batch uploaded so far while no run has started from it (its manifest not yet written). */
  let uploading: { store: ObjectStore; prefix: string } | undefined;
  let stage = 'starting the embedded stack';
  const releaseAll = async () => {
    await staging?.discard();
    await target?.stop();
    await temp?.then((dir) => dir.remove(), () => undefined);
    await lock?.release();
  };
  const guard = embedded
    ? guardInterrupts(() => stopInterruptedRun({ stage, lock, uploading, target, runId, downloadingTo, releaseAll }))
    : undefined;
  try {
    // Temporary files of this run (the S3 stand-in's folder, staged inputs, the sample) go into its private folder.
    const swept = embedded ? await sweepStaleTempDirs() : [];
    if (swept.length > 0) process.stderr.write(`removed ${swept.length} temporary folder(s) of clearance processes that ended without removing them\n`);
    temp = embedded ? createRunTempDir({ becomeTmpdir: true }) : undefined;
    const tempDir = await temp;
    if (lock) await restrictTree(lock.dir);
    const inputs = request.inputs.length > 0 ? request.inputs.map((input) => input.path) : [await writeSample(county, options.samplePeople)];
    // On the embedded stack the extracts are copied and hashed for the S3 stand-in while it starts (stageFile).
    staging = tempDir ? await stageInputs(inputs, tempDir.path) : undefined;
    target = embedded ? await embeddedTarget(options, request.keepState, synth) : await awsTarget(options);
    if (lock && target.ledgerAccess) await lock.publishLedger(target.ledgerAccess);
    const store = new S3ObjectStore(target.s3, target.bucket);
    const batchPrefix = `incoming/${county}/batch-${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${process.pid}/`;
    stage = 'uploading the extract';
    uploading = { store, prefix: batchPrefix };
    const manifestKey = await uploadBatch(store, target, options, request, inputs, staging, batchPrefix);
    uploading = undefined;
    stage = 'running the workflow';
    if (options.aws) process.stderr.write(`uploaded the batch manifest to s3://${target.bucket}/${manifestKey}: it starts the run\n`);

    const ledger = target.ledger;
    const findRunId = async () => (runId ??= await runIdOf(ledger, county, manifestKey));
    const progress = follow(ledger, findRunId);
    let failure: Error | undefined;
    try {
      await target.waitForEnd(manifestKey, () => runId);
    } catch (error) {
      failure = error as Error;
    }
    const final = await progress.stop();
    await haltIfInterrupted();
    const id = runId ?? (await findRunId());
    if (!id) throw failure ?? new Error('the run finished but left no ledger record');
    stage = 'copying the outputs';
    const outDir = path.join(request.out, id);
    await fs.mkdir(request.out, { recursive: true, mode: PRIVATE_DIR_MODE });
    await fs.mkdir(outDir, { mode: PRIVATE_DIR_MODE });
    downloadingTo = outDir;
    await download(store, target, `reports/${county}/${id}/`, path.join(outDir, 'reports'));
    if (failure) {
      downloadingTo = undefined;
      const run = await ledger.getRun(id);
      const reason = run?.errorMessage ?? failure.message;
      throw new RunFailed(`run ${id} failed: ${reason} (reports in ${path.join(outDir, 'reports')})`);
    }
    await download(store, target, `results/${county}/${id}/`, path.join(outDir, 'results'));
    // The embedded bucket goes with this process: its analytics rows join those of earlier runs in --out.
    if (!options.aws) await (await import('./export-analytics')).exportRunAnalytics(store, id, county, request.out);
    downloadingTo = undefined;
    const run = final?.status === 'SUCCEEDED' ? final : await ledger.getRun(id);
    printSummary(id, run, outDir);
  } finally {
    if (!interruptedBy()) {
      await releaseAll();
      guard?.dispose();
    }
  }
}

/** What an interrupt (SIGINT, SIGTERM) of an embedded run cleans up, and the line that says what it left. */
async function stopInterruptedRun(at: {
  stage: string;
  lock: StateLock | undefined;
  uploading: { store: ObjectStore; prefix: string } | undefined;
  target: Target | undefined;
  runId: string | undefined;
  downloadingTo: string | undefined;
  releaseAll: () => Promise<void>;
}): Promise<string> {
  const { stage: stoppedWhile, lock, uploading, target, downloadingTo, releaseAll } = at;
  let runId = at.runId;
  let marked = false;
  if (lock && uploading) {
    // An upload no run started from: nothing would ever read it, nor prune find it.
    const { store, prefix } = uploading;
    await store.list(prefix).then((keys) => store.delete(keys)).catch(() => undefined);
  }
  if (lock && target && !uploading && stoppedWhile !== 'starting the embedded stack') {
    // Closed now, as the next start would close it: FAILED Interrupted, with its error report. The run may
    // have started before the progress poll saw it: the ledger names it.
    const closed = await markInterruptedRuns(target.ledger, new S3ObjectStore(target.s3, target.bucket)).catch(() => []);
    runId ??= closed[0]?.runId;
    marked = closed.length > 0;
  }
  const what = `${runId ? `run ${runId}` : 'clearance run'} stopped while ${stoppedWhile}`;
  await releaseAll();
  if (downloadingTo) await fs.rm(downloadingTo, { recursive: true, force: true });
  const kept = lock
    ? `kept: the state in ${lock.dir}${runId ? ` (run ${marked ? 'marked' : 'to be marked'} FAILED Interrupted)` : ''}`
    : 'nothing kept';
  return `${what}; the embedded stack stopped, its temporary files and the staged extract removed${downloadingTo ? `, the partial copy in ${downloadingTo} removed` : ''}; ${kept}`;
}

/** Uploads the policy (unless a preset), the extracts, and last the manifest that starts the run; returns its key. */
async function uploadBatch(
  store: ObjectStore,
  target: Target,
  options: RunOptions,
  request: CheckedRequest,
  inputs: string[],
  staging: Staging | undefined,
  batchPrefix: string,
): Promise<string> {
  const { county, policy, policyName: name } = request;
  const usesPreset = typeof policy === 'string' && Object.prototype.hasOwnProperty.call(PRESETS, policy);
  const policyKey = `policies/${county}.json`;
  // Every later upload of the county uses policies/<COUNTY>.json: on a deployed stack it is replaced only on request.
  if (!usesPreset && options.aws && !options.replacePolicy && (await store.exists(policyKey))) {
    throw new UsageError(`s3://${target.bucket}/${policyKey} exists: every upload of ${county} uses it. Pass --replace-policy to replace it, or name a preset with --policy`);
  }
  if (!usesPreset) {
    await store.write(policyKey, [JSON.stringify(policy, null, 2)]);
    if (options.aws) process.stderr.write(`uploaded policy ${name} to s3://${target.bucket}/${policyKey}\n`);
  }
  const names = inputs.map((file, index) => `${String(index + 1).padStart(2, '0')}-${path.basename(file)}`);
  for (let i = 0; i < inputs.length; i++) {
    await upload(store, target, `${batchPrefix}${names[i]}`, inputs[i], staging?.files[i]);
    if (options.aws) process.stderr.write(`uploaded ${inputs[i]} to s3://${target.bucket}/${batchPrefix}${names[i]}\n`);
  }
  const manifest = {
    files: names,
    ...(usesPreset ? { policy } : {}),
    ...(request.computeAt ? { computeAt: request.computeAt } : {}),
    ...(request.scenarios.length > 0 ? { scenarios: request.scenarios } : {}),
  };
  const manifestKey = `${batchPrefix}manifest.json`;
  process.stderr.write(`uploading ${inputs.length} file(s) to ${target.describe}, policy ${name}\n`);
  await store.write(manifestKey, [JSON.stringify(manifest, null, 2)]);
  return manifestKey;
}

/** The run the manifest started, once the ledger has it. */
async function runIdOf(ledger: RunLedger, county: string, manifestKey: string): Promise<string | undefined> {
  const runs = await ledger.listRuns({ county, limit: 10 }).catch(() => []);
  return runs.find((run) => triggerKeyNames(run.triggerKey, manifestKey))?.runId;
}

interface Staging {
  files: Array<Promise<StagedFile>>;
  discard(): Promise<void>;
}

/** Copies of the inputs made (and hashed) in the background, in the run's private folder, until discarded. */
async function stageInputs(inputs: readonly string[], dir: string): Promise<Staging> {
  const { stageFile } = await import('../../local/s3-store');
  // A copy keeps the source's mode: the staged extract is made owner-only before anything else reads it.
  const files = inputs.map((file) => stageFile(file, dir).then(async (staged) => (await fs.chmod(staged.path, PRIVATE_FILE_MODE), staged)));
  for (const file of files) file.catch(() => undefined); // awaited by the upload, which reports the error
  return {
    files,
    // A staged file the upload moved in is gone already; the others are removed.
    async discard() {
      await Promise.all(files.map((file) => file.then((staged) => fs.rm(staged.path, { force: true }), () => undefined)));
    },
  };
}

function printSummary(runId: string, run: RunRecord | undefined, outDir: string): void {
  const lines = [`run ${runId} ${run?.status ?? 'SUCCEEDED'}`];
  if (run) {
    lines.push(
      `  rows read ${run.rowsRead}, rejected ${run.rowsRejected}, written ${run.rowsWritten}; people ${run.people}`,
      `  convictions eligible for dismissal ${run.dismissals}, for reduction ${run.reductions}`,
    );
  }
  const since = sinceLastRunOf(path.join(outDir, 'results'));
  if (since !== undefined) lines.push(`  ${since}`);
  lines.push(`  results (personal data): ${path.join(outDir, 'results')}`, `  reports (no personal data): ${path.join(outDir, 'reports')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
