/**
 * Faults: the same extract runs through the embedded stack clean, then with a share of the Lambda invocations
 * failing before the handler runs, after it ran (its side effects done, its result replaced by the error), and in
 * the middle of its writes (S3 or the ledger throttling after earlier writes went through). Each faulty run must
 * end SUCCEEDED with outputs byte-identical to the clean run's (summary.json without run id and timings), the
 * ledger's counters equal to the clean run's (before Assemble sets its final values, and after), and each fault
 * visible as one retry in the execution's events.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { RunRecord } from '../../lambdas/adapters/ledger';
import { generateExtract } from '../../tools/generator';
import { PRESETS } from '../../lambdas/domain/policy';
import { readText } from '../../lambdas/domain/pipeline/object-store';
import type { ExecutionEvent } from '../../local/asl-runner';
import type { FaultDecision } from '../../local/lambda-pool';
import { BatchRun, COUNTY, Harness, ledgerCounts, MIB, publishedOutputs, runBatch, runOf, startHarness } from './fixtures/harness';
import { sizedTemplate } from './fixtures/template';

jest.setTimeout(120_000);

/** ~2.2 MB: five ranges and five partitions of 400 KiB, more than the three of each the faults below name. */
const PEOPLE = 500;
const TASK_BYTES = String(400 * 1024);
const extract = Array.from(generateExtract({ county: COUNTY, people: PEOPLE, seed: 11 })).join('');
const FILES = { 'extract.csv': extract };
const MIDWRITE_HANDLER = path.join(__dirname, 'fixtures', 'midwrite-faults.js');

/** The synthesized stack, small ranges and partitions, every function told where the mid-write faults are set. */
async function faultTemplate(faultDir: string): Promise<Record<string, unknown>> {
  const template = await sizedTemplate({ workflow: { targetRangeBytes: MIB, targetPartitionBytes: MIB } }, { TARGET_RANGE_BYTES: TASK_BYTES, TARGET_PARTITION_BYTES: TASK_BYTES });
  const resources = template.Resources as Record<string, { Type: string; Properties: { Environment?: { Variables?: Record<string, unknown> } } }>;
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const environment = (resource.Properties.Environment ??= {});
    environment.Variables = { ...environment.Variables, TEST_MIDWRITE_FAULTS_DIR: faultDir };
  }
  return template;
}

/** A number in [0, 1) from the parts: the same task gets the same fate whatever the order invocations come in. */
function unit(...parts: Array<string | number>): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUInt32BE(0) / 2 ** 32;
}

/** A task is its phase and range or partition; the run id (which changes with the date) plays no part. */
function taskOf(phase: string, payload: unknown): string {
  const event = payload as { range?: { index: number }; partition?: number; indexSlices?: boolean };
  if (phase === 'split') return event.indexSlices ? 'index' : `split-${event.range?.index}`;
  if (phase === 'classify') return `classify-${event.partition}`;
  // Compare (docs/monthly.md): its decisions, a register part routed, or a partition compared.
  if (phase === 'compare') {
    const task = payload as { routeDecisions?: boolean; routePart?: number; partition?: number };
    return task.routeDecisions ? 'compare-decisions' : task.routePart !== undefined ? `route-${task.routePart}` : `compare-${task.partition}`;
  }
  // Plan runs for the data file too (and ignores it), then for the manifest.
  if (phase === 'plan') {
    const event = (payload as { event?: unknown }).event ?? payload; // the state machine wraps the event with the execution id
    return `plan-${String((event as { detail?: { object?: { key?: string } } }).detail?.object?.key).split('/').pop()}`;
  }
  return phase;
}

interface PoolFaults {
  when: 'before' | 'after';
  errorName: string;
  probability: number;
  phases: string[];
  /** Faults per task at most, below the Retry's MaxAttempts so that every task eventually succeeds. */
  perTask: number;
  seed: string;
}

/** The first task of each phase fails on every attempt it may (`perTask`), so every phase is covered whatever the seed. */
const ALWAYS_FAULTY = new Set(['plan-manifest.json', 'split-0', 'classify-0', 'compare-0', 'assemble']);

type MidwriteFault = { at: number | 'ledger' | 'copy'; nth?: number; kind: 'refused' | 'lost-response' };

/**
 * Mid-write faults: these always (a write refused, or done with its answer lost, at chosen points: the first
 * object, the ledger's progress update, Assemble's publication), plus `share` of the other tasks at a seeded write.
 * Plan's final ledger update is only ever refused: when it is done and its answer lost, see the failing test below.
 */
function midwriteFaults(ranges: number, partitions: number, share: number, seed: string): Record<string, MidwriteFault> {
  const faults: Record<string, MidwriteFault> = {
    'plan-manifest.json': { at: 'ledger', kind: 'refused' },
    'split-0': { at: 1, kind: 'refused' },
    'split-1': { at: 'ledger', kind: 'lost-response' },
    'split-2': { at: 'ledger', kind: 'refused' },
    'classify-0': { at: 'ledger', kind: 'lost-response' },
    'classify-1': { at: 1, kind: 'refused' },
    'classify-2': { at: 2, kind: 'lost-response' },
    assemble: { at: 'copy', nth: 4, kind: 'refused' },
  };
  const others = [...Array.from({ length: ranges }, (_, i) => `split-${i}`), ...Array.from({ length: partitions }, (_, i) => `classify-${i}`)];
  for (const task of others) {
    if (faults[task] || unit(seed, task) >= share) continue;
    // A Split task writes 3 objects (its range object, rejects, result), a Classify task 4.
    const writes = task.startsWith('split') ? 3 : 4;
    faults[task] = { at: 1 + Math.floor(unit(seed, task, 'at') * writes), kind: unit(seed, task, 'kind') < 0.5 ? 'refused' : 'lost-response' };
  }
  return faults;
}

describe('a run with faults gives the clean run outputs, and the ledger counts each range and partition once', () => {
  let h: Harness;
  let faultDir: string;
  let poolFaults: PoolFaults | undefined;
  const attempts = new Map<string, number>();
  const injected: Array<{ task: string; when: string; errorName: string }> = [];
  const events: ExecutionEvent[] = [];
  /** Ledger counts read when the Classify map ends, before Assemble sets the summary's values: by execution. */
  const beforeAssemble = new Map<string, Promise<RunRecord | undefined>>();
  let clean: { run: RunRecord; outputs: Record<string, string>; beforeAssemble: Record<string, unknown> };

  function decide({ fn, payload }: { fn: { phase?: string }; payload: unknown }): FaultDecision | undefined {
    const faults = poolFaults;
    if (faults === undefined || fn.phase === undefined || !faults.phases.includes(fn.phase)) return undefined;
    const task = taskOf(fn.phase, payload);
    const attempt = attempts.get(task) ?? 0;
    attempts.set(task, attempt + 1);
    if (attempt >= faults.perTask || (!ALWAYS_FAULTY.has(task) && unit(faults.seed, task, attempt) >= faults.probability)) return undefined;
    injected.push({ task, when: faults.when, errorName: faults.errorName });
    return { when: faults.when, errorName: faults.errorName, message: `injected ${faults.errorName} ${faults.when} ${task}` };
  }

  /** Runs the extract once in batch `batch` with the faults set, and collects what the assertions need. */
  async function faultyRun(batch: string, faults: PoolFaults | undefined, midwrite: Record<string, MidwriteFault> = {}) {
    poolFaults = faults;
    attempts.clear();
    injected.length = 0;
    writeFileSync(path.join(faultDir, 'config.json'), JSON.stringify({ faults: midwrite }));
    for (const file of readdirSync(faultDir)) if (file !== 'config.json') rmSync(path.join(faultDir, file));
    const faultsBefore = h.stack.lambdaStats().faultsInjected;
    const eventsBefore = events.length;
    const result: BatchRun = await runBatch(h, batch, FILES, { policy: 'reference-default' });
    // The upload of extract.csv started an execution too (Plan ignores it): its retries count with the run's.
    await h.stack.waitForIdle();
    poolFaults = undefined;
    const midwriteFaults = readdirSync(faultDir).filter((file) => file !== 'config.json').map((file) => JSON.parse(readFileSync(path.join(faultDir, file), 'utf8')) as { task: string; kind: string; command: string });
    const retried = events.slice(eventsBefore).filter((event) => event.type === 'StateRetried');
    return {
      ...result,
      poolFaults: [...injected],
      poolFaultsCounted: h.stack.lambdaStats().faultsInjected - faultsBefore,
      midwriteFaults,
      retried,
      beforeAssemble: ledgerCounts(await beforeAssemble.get(result.ended.executionArn)),
      outputs: result.run ? await publishedOutputs(h.store, result.run.runId) : {},
    };
  }

  beforeAll(async () => {
    faultDir = mkdtempSync(path.join(os.tmpdir(), 'e2e-faults-'));
    writeFileSync(path.join(faultDir, 'config.json'), JSON.stringify({ faults: {} }));
    h = await startHarness({ template: await faultTemplate(faultDir), handlerResolver: () => MIDWRITE_HANDLER, faults: { decide } });
    h.stack.onExecutionEvent((event) => {
      events.push(event);
      // The last Classify partition has been counted; Assemble, which overwrites the counters, has not finished.
      if (event.type === 'MapRunSucceeded' && event.state === 'Classify') {
        const trigger = h.stack.listExecutions().find((e) => e.executionArn === event.executionArn)?.trigger?.key;
        beforeAssemble.set(event.executionArn, runOf(h, trigger ?? ''));
      }
    });
    await h.store.write(`policies/${COUNTY}.json`, [JSON.stringify(PRESETS['reference-default'])]);

    const run = await faultyRun('clean', undefined);
    expect(run.ended.status).toBe('SUCCEEDED');
    expect(run.retried).toEqual([]);
    clean = { run: run.run!, outputs: run.outputs, beforeAssemble: run.beforeAssemble };
    expect(clean.run.rangeCount).toBeGreaterThan(3);
    expect(clean.run.partitionCount).toBeGreaterThan(3);
    expect(clean.run.rowsRead).toBe(extract.split('\n').length - 2);
    expect(Object.keys(clean.outputs).sort()).toEqual([
      'reports/report.html', 'reports/statistics.csv', 'reports/summary.json',
      'results/All_Results.csv', 'results/All_Results_Condensed.csv', 'results/Prop64_Results.csv',
      'results/court_motion_list.csv', 'results/defender_notice_list.csv', 'results/rejects.csv',
      'results/city_attorney_referral_list.csv', 'results/undecided_list.csv', 'results/summary.json', 'results/review_list.csv',
    ].sort());
    expect(clean.beforeAssemble).toMatchObject({ status: 'ASSEMBLING', rangesDone: clean.run.rangeCount, partitionsDone: clean.run.partitionCount });
  });

  afterAll(async () => {
    await h?.stop();
    rmSync(faultDir, { recursive: true, force: true });
  });

  async function expectLikeClean(run: Awaited<ReturnType<typeof faultyRun>>) {
    expect(run.ended.status).toBe('SUCCEEDED');
    expect(run.run?.status).toBe('SUCCEEDED');
    expect(run.run!.runId).not.toBe(clean.run.runId);
    expect(run.outputs).toEqual(clean.outputs);
    // Compared with the run before it (the same extract): every conviction unchanged, whatever the faults.
    const { changes } = JSON.parse(await readText(h.store, `reports/${COUNTY}/${run.run!.runId}/summary.json`)).sinceLastRun;
    expect(Object.entries(changes).filter(([, count]) => count !== 0).map(([kind]) => kind)).toEqual(['unchanged']);
    expect(ledgerCounts(run.run)).toEqual(ledgerCounts(clean.run));
    expect(run.beforeAssemble).toEqual(clean.beforeAssemble);
  }

  test('30% of invocations fail before the handler runs (RetryableError): retried, same outputs and counts', async () => {
    const run = await faultyRun('before', { when: 'before', errorName: 'RetryableError', probability: 0.3, phases: ['plan', 'split', 'classify', 'assemble'], perTask: 2, seed: 'before-21' });
    expect(new Set(run.poolFaults.map((f) => f.task.split('-')[0]))).toEqual(new Set(['plan', 'split', 'classify', 'assemble']));
    // Some tasks failed twice in a row.
    expect(new Set(run.poolFaults.map((f) => f.task)).size).toBeLessThan(run.poolFaults.length);
    expect(run.poolFaultsCounted).toBe(run.poolFaults.length);
    expect(run.retried).toHaveLength(run.poolFaults.length);
    await expectLikeClean(run);
  });

  test('30% of invocations fail after the handler ran, its writes and ledger updates done (RetryableError): same outputs, nothing counted twice', async () => {
    const run = await faultyRun('after', { when: 'after', errorName: 'RetryableError', probability: 0.3, phases: ['split', 'classify', 'compare', 'assemble'], perTask: 2, seed: 'after-5' });
    expect(new Set(run.poolFaults.map((f) => f.task.split('-')[0]))).toEqual(new Set(['split', 'classify', 'compare', 'assemble']));
    expect(run.poolFaults.length).toBeGreaterThanOrEqual(4);
    expect(run.retried).toHaveLength(run.poolFaults.length);
    await expectLikeClean(run);
  });

  test('Lambda service errors after the handler ran (Lambda.ServiceException, retried up to 6 times): same outputs', async () => {
    const run = await faultyRun('service', { when: 'after', errorName: 'Lambda.ServiceException', probability: 0.3, phases: ['split', 'classify'], perTask: 3, seed: 'service-1' });
    expect(run.poolFaults.length).toBeGreaterThanOrEqual(3);
    expect(run.retried).toHaveLength(run.poolFaults.length);
    await expectLikeClean(run);
  });

  // A function timeout reaches Step Functions as Sandbox.Timedout (Lambda.Unknown on older runtimes). The same
  // partition would take as long again: no retry, the run fails at once (lambdas/domain/errors.ts TIMEOUT_ERRORS).
  test('a function timeout (Sandbox.Timedout) is not retried: the child fails with TaskTimedOut naming the task, the run fails', async () => {
    const eventsBefore = events.length;
    const run = await faultyRun('timeout', { when: 'after', errorName: 'Sandbox.Timedout', probability: 0, phases: ['classify'], perTask: 1, seed: 'timeout' });
    expect(run.poolFaults.map((f) => f.task)).toEqual(['classify-0']);
    expect(run.ended.status).toBe('FAILED');
    expect(run.run?.status).toBe('FAILED');
    expect(run.retried.filter((event) => event.type === 'StateRetried' && event.state === 'Classify partition')).toEqual([]);
    const timedOut = events.slice(eventsBefore).filter((event) => event.type === 'StateEntered' && event.state === 'Classify partition timed out');
    expect(timedOut).toHaveLength(1);
    const failed = events.slice(eventsBefore).find((event) => event.type === 'MapItemFailed' && event.state === 'Classify');
    expect(failed).toMatchObject({ error: 'TaskTimedOut' });
    // The map's own failure says only that its tolerance was exceeded: the ledger names the task and what to change.
    expect(run.run).toMatchObject({ errorName: 'TaskTimedOut', errorMessage: expect.stringContaining('Classify partition ran past its timeout') });
    expect(run.run?.errorMessage).toContain('TARGET_PARTITION_BYTES');
  });

  // Regression: when Plan's work was done but its answer lost, the retried Plan found its own claim and answered
  // `duplicate: true`, ending the execution at "Nothing to do". Plan now gets `$$.Execution.Id` and recognises its claim.
  test('Plan whose answer is lost after it planned (Lambda.ServiceException after the handler) is retried: same outputs', async () => {
    const run = await faultyRun('plan-after', { when: 'after', errorName: 'Lambda.ServiceException', probability: 1, phases: ['plan'], perTask: 1, seed: 'plan-after' });
    expect(run.poolFaults.map((f) => f.task)).toContain('plan-manifest.json');
    await expectLikeClean(run);
  });

  test('30% of the tasks fail in the middle of their writes (S3 or the ledger answers 503 after earlier writes went through), Assemble while publishing: same outputs and counts', async () => {
    const planned = midwriteFaults(clean.run.rangeCount, clean.run.partitionCount, 0.3, 'midwrite-1');
    const run = await faultyRun('midwrite', undefined, planned);
    // Every planned fault happened: the write it names was reached.
    expect(run.midwriteFaults.map((f) => f.task).sort()).toEqual(Object.keys(planned).sort());
    const byTask = Object.fromEntries(run.midwriteFaults.map((f) => [f.task, f]));
    expect(byTask['split-1']).toMatchObject({ command: 'UpdateCommand', kind: 'lost-response' }); // counted, answer lost
    expect(byTask['classify-0']).toMatchObject({ command: 'UpdateCommand', kind: 'lost-response' });
    expect(byTask.assemble).toMatchObject({ command: 'CopyObjectCommand', kind: 'refused' }); // three outputs published
    expect(run.retried).toHaveLength(run.midwriteFaults.length);
    await expectLikeClean(run);
  });
});
