/**
 * Crash and restart: `clearance run --keep-state DIR` is killed with SIGKILL (the whole process: S3 and DynamoDB
 * stand-ins, state machine and workers) once a run is classifying, then, run again, once it is assembling; a third
 * run of the same input completes. Proven: a killed run published nothing (no object under its results/ or
 * reports/ prefix but the error report the next start writes), the next start closes it as FAILED `Interrupted`,
 * and the completed run's outputs equal those of a clean in-process run of the same input.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fs, readdirSync, readFileSync, rmSync } from 'node:fs';
import { processAlive } from '../../bin/commands/private-files';
import * as os from 'node:os';
import * as path from 'node:path';
import { sizedTemplate } from './fixtures/template';
import { generateExtract } from '../../tools/generator';
import { runInProcess } from '../../lambdas/domain/pipeline/run';
import { FsObjectStore } from '../../local/fs-object-store';
import { COMPUTE_AT, COUNTY, normalizeOutput, readBytes, startHarness } from './fixtures/harness';

jest.setTimeout(170_000);

const ROOT = path.resolve(__dirname, '../..');
const PEOPLE = 4000; // ~17.7 MB: several ranges and partitions at these sizes (`clearance classify`'s)
const RANGE_MB = 16;
const PARTITION_MB = 8;
const INPUT_NAME = '01-extract.csv'; // what `clearance run` calls the first input in its batch
const OBJECT_SUFFIX = '._S3rver_object';

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The run directory this process created under runs/ (its run id). */
  runId?: string;
  killedWhen?: string;
}

/** Files (S3 keys, relative) of objects the S3 stand-in holds under `prefix` in the data bucket of `stateDir`. */
function objectsUnder(stateDir: string, prefix: string): string[] {
  const s3 = path.join(stateDir, 's3');
  if (!existsSync(s3)) return [];
  const found: string[] = [];
  for (const bucket of readdirSync(s3)) {
    const base = path.join(s3, bucket);
    const walk = (directory: string) => {
      if (!existsSync(directory)) return;
      for (const entry of readdirSync(directory, { withFileTypes: true })) {
        const full = path.join(directory, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith(OBJECT_SUFFIX)) found.push(path.relative(base, full).slice(0, -OBJECT_SUFFIX.length));
      }
    };
    walk(path.join(base, prefix));
  }
  return found.sort();
}

/** Run ids with a work area (runs/map-results/ holds the maps' result files, not a run). */
function runDirectories(stateDir: string): Set<string> {
  return new Set(objectsUnder(stateDir, 'runs').map((key) => key.split('/')[1]).filter((dir) => dir !== 'map-results'));
}

/**
 * `clearance run` on the input; with `killWhen`, SIGKILLed as soon as an object of the new run matches it (polled
 * in the S3 stand-in's directory: the child's ledger cannot be read while it holds the state's lock).
 */
async function cliRun(stateDir: string, input: string, outDir: string, killWhen?: { label: string; under: string }): Promise<CliRun> {
  const before = runDirectories(stateDir);
  const child: ChildProcess = spawn(
    process.execPath,
    ['bin/clearance.js', 'run', '--keep-state', stateDir, '--input', input, '--county', COUNTY, '--policy', 'reference-default',
      '--compute-at', COMPUTE_AT, '--out', outDir, '--workers', '2', '--range-mb', String(RANGE_MB), '--partition-mb', String(PARTITION_MB)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let killedWhen: string | undefined;
  let runId: string | undefined;
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    runId ??= [...runDirectories(stateDir)].find((dir) => !before.has(dir));
    if (killWhen && runId && objectsUnder(stateDir, `runs/${runId}/${killWhen.under}`).length > 0) {
      child.kill('SIGKILL');
      killedWhen = killWhen.label;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const { code, signal } = await exited;
  if (killedWhen) await lockHolderGone(stateDir);
  runId ??= [...runDirectories(stateDir)].find((dir) => !before.has(dir));
  return { code, signal, stdout, stderr, ...(runId ? { runId } : {}), ...(killedWhen ? { killedWhen } : {}) };
}

/**
 * A launcher killed with SIGKILL leaves its child (which holds the state's lock) to notice and kill itself; the
 * next run of an operator comes later than that, and would be refused while the child still lives.
 */
async function lockHolderGone(stateDir: string): Promise<void> {
  let pid: number | undefined;
  try {
    pid = (JSON.parse(readFileSync(path.join(stateDir, 'lock'), 'utf8')) as { pid: number }).pid;
  } catch {
    return;
  }
  for (let attempt = 0; attempt < 500; attempt++) {
    if (!processAlive(pid)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`the killed run's process ${pid} still runs after 5 s`);
}

/** What a killed run may have left published: nothing, or whole objects equal to the reference's; never its summary alone. */
function expectNothingPartialPublished(stateDir: string, runId: string, reference: Record<string, Buffer>) {
  const results = objectsUnder(stateDir, `results/${COUNTY}/${runId}`);
  const reports = objectsUnder(stateDir, `reports/${COUNTY}/${runId}`).filter((key) => !key.endsWith('/error.json'));
  const bucketDir = path.join(stateDir, 's3', readdirSync(path.join(stateDir, 's3')).find((b) => existsSync(path.join(stateDir, 's3', b, 'runs')))!);
  for (const key of [...results, ...reports]) {
    const name = key.split('/').pop()!;
    const bytes = readFileSync(path.join(bucketDir, `${key}${OBJECT_SUFFIX}`));
    expect({ key, whole: normalizeOutput(name, bytes.toString('latin1'), runId) === normalizeOutput(name, reference[name].toString('latin1'), 'local') }).toEqual({ key, whole: true });
  }
  if (reports.some((key) => key.endsWith('/summary.json'))) {
    expect(results.map((key) => key.split('/').pop()).sort()).toEqual(Object.keys(reference).filter((name) => !['statistics.csv', 'report.html'].includes(name)).sort());
  }
  return { results, reports };
}

describe('a local run killed mid-way, and run again', () => {
  let dir: string;
  let stateDir: string;
  let input: string;
  let reference: Record<string, Buffer>;
  const runs: CliRun[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'e2e-crash-'));
    stateDir = path.join(dir, 'state');
    input = path.join(dir, 'extract.csv');
    await fs.writeFile(input, Array.from(generateExtract({ county: COUNTY, people: PEOPLE, seed: 5 })).join(''), 'latin1');
    // The clean run: every phase in this process, on the file system.
    const local = new FsObjectStore(path.join(dir, 'reference'));
    await runInProcess(local, {
      runId: 'local',
      county: COUNTY,
      policy: 'reference-default',
      computeAt: COMPUTE_AT,
      files: [{ key: input, name: INPUT_NAME }],
      workPrefix: 'work/',
      resultsPrefix: 'out/',
      reportsPrefix: 'out/',
    });
    reference = {};
    for (const key of await local.list('out/')) reference[key.slice('out/'.length)] = await readBytes(local, key);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('killed once classifying: nothing published', async () => {
    const run = await cliRun(stateDir, input, path.join(dir, 'out'), { label: 'classifying', under: 'classify' });
    expect(run).toMatchObject({ signal: 'SIGKILL', killedWhen: 'classifying' });
    expect(run.runId).toBeDefined();
    runs.push(run);
    expect(expectNothingPartialPublished(stateDir, run.runId!, reference)).toEqual({ results: [], reports: [] });
  });

  test('run again and killed once assembling: the first run is closed as interrupted, nothing of the second published', async () => {
    const run = await cliRun(stateDir, input, path.join(dir, 'out'), { label: 'assembling', under: 'output' });
    expect(run).toMatchObject({ signal: 'SIGKILL', killedWhen: 'assembling' });
    expect(run.stderr).toContain(`run ${runs[0].runId} was interrupted in`);
    expect(run.runId).not.toBe(runs[0].runId);
    runs.push(run);
    // Assemble had started writing its outputs in the work area...
    expect(objectsUnder(stateDir, `runs/${run.runId}/output`).length).toBeGreaterThan(0);
    // ...and published none of them.
    expect(expectNothingPartialPublished(stateDir, run.runId!, reference)).toEqual({ results: [], reports: [] });
  });

  test('run a third time: it completes with the outputs of a clean run, and the ledger shows the two interrupted runs FAILED', async () => {
    const outDir = path.join(dir, 'out');
    const run = await cliRun(stateDir, input, outDir);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.stringContaining(`run ${runs[1].runId} was interrupted in ASSEMBLING`) });
    expect(run.stdout).toContain(`run ${run.runId} SUCCEEDED`);
    runs.push(run);

    // What `clearance run` downloaded equals the clean run, byte for byte (summary.json without run id and timings).
    // Results (personal data) and reports (none) apart, as in the bucket.
    const runDir = path.join(outDir, run.runId!);
    const folderOf: Record<string, string> = {};
    for (const folder of ['results', 'reports']) for (const name of await fs.readdir(path.join(runDir, folder))) folderOf[name] = folder;
    const downloaded = Object.keys(folderOf).sort();
    expect(downloaded).toEqual(Object.keys(reference).sort());
    expect(Object.keys(folderOf).filter((name) => folderOf[name] === 'reports').sort()).toEqual(['report.html', 'statistics.csv', 'summary.json']);
    for (const name of downloaded) {
      const text = (await fs.readFile(path.join(runDir, folderOf[name], name))).toString('latin1');
      expect({ name, text: normalizeOutput(name, text, run.runId!) }).toEqual({ name, text: normalizeOutput(name, reference[name].toString('latin1'), 'local') });
    }

    // Each run published only its own outputs: the interrupted ones nothing but the error report of the next start.
    const h = await startHarness({ template: await sizedTemplate({}), keepStateDir: stateDir, workers: 1 });
    try {
      for (const interrupted of runs.slice(0, 2)) {
        expect(await h.store.list(`results/${COUNTY}/${interrupted.runId}/`)).toEqual([]);
        expect(await h.store.list(`reports/${COUNTY}/${interrupted.runId}/`)).toEqual([`reports/${COUNTY}/${interrupted.runId}/error.json`]);
        const report = JSON.parse((await readBytes(h.store, `reports/${COUNTY}/${interrupted.runId}/error.json`)).toString());
        expect(report).toMatchObject({ runId: interrupted.runId, county: COUNTY, status: 'FAILED', error: { name: 'Interrupted' } });
        const record = await h.ledger.getRun(interrupted.runId!);
        expect(record).toMatchObject({ status: 'FAILED', errorName: 'Interrupted', errorMessage: expect.stringMatching(/^interrupted in (CLASSIFYING|ASSEMBLING):/) });
        expect(record?.endedAt).toBeDefined();
      }
      expect((await h.ledger.getRun(runs[1].runId!))?.errorMessage).toMatch(/^interrupted in ASSEMBLING/);
      const completed = await h.ledger.getRun(run.runId!);
      expect(completed).toMatchObject({ status: 'SUCCEEDED', rangesDone: completed!.rangeCount, partitionsDone: completed!.partitionCount });
      expect(completed!.rangeCount).toBeGreaterThan(1);
      expect(completed?.rowsRead).toBe(completed!.rowsWritten + completed!.rowsRejected);
      const summary = JSON.parse(reference['summary.json'].toString()) as { rowsRead: number; people: number };
      expect(completed).toMatchObject({ rowsRead: summary.rowsRead, people: summary.people });
      expect((await h.ledger.listRuns({ county: COUNTY })).map((r) => r.status).sort()).toEqual(['FAILED', 'FAILED', 'SUCCEEDED']);
    } finally {
      await h.stop();
    }
  });
});
