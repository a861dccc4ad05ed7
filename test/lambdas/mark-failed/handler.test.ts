import { generateExtract } from '../../../tools/generator';
import { Summary } from '../../../lambdas/domain/summary';
import { RunLedger } from '../../../lambdas/adapters/ledger';

import { errorOf, MarkFailedResult, PlanResult } from '../../../lambdas/workflow-contract';
import { captureStdout, Handlers, LambdaBench, loadHandlers, objectCreatedEvent, rejectionOf, runPipeline, startBench } from '../helpers';

/** What Step Functions' Catch puts at $.error for a Lambda error. */
function caught(error: Error): { Error: string; Cause: string } {
  return { Error: error.name, Cause: JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: ['at x (file.js:1:1)'] }) };
}

describe('mark-failed handler', () => {
  let bench: LambdaBench;
  let handlers: Handlers;
  let markFailed: (state: unknown) => Promise<MarkFailedResult>;
  let ledger: RunLedger;
  let stdout: ReturnType<typeof captureStdout>;

  beforeAll(async () => {
    stdout = captureStdout();
    bench = await startBench({ MAX_PARTITIONS: '4', TARGET_RANGE_BYTES: '50000', TARGET_PARTITION_BYTES: '50000', MAX_REJECT_RATIO: '0.05' });
    handlers = loadHandlers();
    markFailed = handlers.markFailed as typeof markFailed;
    ledger = new RunLedger(bench.documents, bench.table);
  });

  afterAll(async () => {
    stdout.restore();
    await bench.stop();
  });

  it('records a Plan failure: the claimed run is FAILED and error.json says why', async () => {
    await bench.put('incoming/INYO/extract.csv', [...generateExtract({ county: 'INYO', people: 10, seed: 1 })].join(''));
    const event = objectCreatedEvent('incoming/INYO/extract.csv');
    const error = await rejectionOf(handlers.plan(event));
    expect(error.name).toBe('PolicyError');
    const [claimed] = await ledger.listRuns({ county: 'INYO' });
    expect(claimed.status).toBe('PLANNING');

    const result = await markFailed({ ...event, error: caught(error) });
    expect(result).toEqual({
      recorded: true,
      runId: claimed.runId,
      county: 'INYO',
      errorName: 'PolicyError',
      errorKey: `reports/INYO/${claimed.runId}/error.json`,
      // The Clearance Run Failed detail the workflow puts on the bus.
      announcement: {
        runId: claimed.runId,
        county: 'INYO',
        status: 'FAILED',
        errorName: 'PolicyError',
        counts: { rowsRead: 0, rowsRejected: 0, rowsWritten: 0, people: 0 },
        reports: { prefix: `reports/INYO/${claimed.runId}/`, errorKey: `reports/INYO/${claimed.runId}/error.json` },
      },
    });
    expect(await ledger.getRun(claimed.runId)).toMatchObject({ status: 'FAILED', errorName: 'PolicyError', errorMessage: error.message });
    const report = JSON.parse(await bench.text(result.errorKey!, 'utf8'));
    expect(report).toEqual({
      runId: claimed.runId,
      county: 'INYO',
      status: 'FAILED',
      error: { name: 'PolicyError', message: error.message },
      failedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
  });

  it('records an Assemble failure (too many rejected rows) after summary.json says FAILED', async () => {
    const good = [...generateExtract({ county: 'MONO', people: 30, seed: 2 })].join('');
    const bad = Array.from({ length: 40 }, (_, i) => `bad,row,${i}`).join('\n');
    await bench.put('policies/MONO.json', JSON.stringify({ baselineEligibility: { dismiss: ['11357'] } }));
    await bench.put('incoming/MONO/extract.csv', `${good}${bad}\n`);
    const event = objectCreatedEvent('incoming/MONO/extract.csv');
    const failure = await rejectionOf(runPipeline(handlers, bench, event));
    expect(failure.name).toBe('RejectRatioExceeded');
    const [run] = await ledger.listRuns({ county: 'MONO' });
    const summary = JSON.parse(await bench.text(`reports/MONO/${run.runId}/summary.json`, 'utf8')) as Summary;
    expect(summary).toMatchObject({ status: 'FAILED', rowsRejected: 40 });

    const plan: PlanResult = { runId: run.runId, county: 'MONO', duplicate: false, ignored: false, rangesKey: '', partitionsKey: '', slicesKey: '', rangeCount: 1, partitionCount: 1, splitConcurrency: 1, classifyConcurrency: 1, compare: false, routePartsKey: '', routeCount: 0 };
    const result = await markFailed({ ...event, plan, error: caught(failure) });
    expect(result).toMatchObject({ recorded: true, runId: run.runId, county: 'MONO', errorName: 'RejectRatioExceeded' });
    expect(await ledger.getRun(run.runId)).toMatchObject({ status: 'FAILED', errorName: 'RejectRatioExceeded', errorMessage: failure.message });
    expect(JSON.parse(await bench.text(`reports/MONO/${run.runId}/error.json`, 'utf8')).error).toEqual({ name: 'RejectRatioExceeded', message: failure.message });
  });

  it('records a run that Plan failed before claiming, under the id Plan would have given it', async () => {
    await bench.put('incoming/LASSEN/manifest.json', '{"files":["a.csv"]}');
    const event = objectCreatedEvent('incoming/LASSEN/manifest.json');
    const error = await rejectionOf(handlers.plan(event));
    expect(error.name).toBe('InputError');
    const result = await markFailed({ ...event, error: caught(error) });
    expect(result.runId).toMatch(/^lassen-20240601-[0-9a-f]{12}$/);
    expect((await ledger.listRuns({ county: 'LASSEN' })).map((run) => [run.runId, run.status, run.errorName])).toEqual([[result.runId, 'FAILED', 'InputError']]);
    expect(JSON.parse(await bench.text(`reports/LASSEN/${result.runId}/error.json`, 'utf8')).error.name).toBe('InputError');
  });

  it("leaves alone the run of another execution of the same event when Plan failed before claiming", async () => {
    await bench.put('policies/SIERRA.json', JSON.stringify({ baselineEligibility: { dismiss: ['11357'] } }));
    await bench.put('incoming/SIERRA/extract.csv', [...generateExtract({ county: 'SIERRA', people: 10, seed: 4 })].join(''));
    const event = objectCreatedEvent('incoming/SIERRA/extract.csv');
    const planned = (await handlers.plan(event)) as PlanResult;
    const result = await markFailed({ ...event, error: { Error: 'RetryableError', Cause: 'HeadObject: SlowDown' } });
    expect(result).toEqual({ recorded: false, runId: planned.runId, errorName: 'RetryableError' });
    expect((await ledger.getRun(planned.runId))?.status).toBe('SPLITTING');
    expect(await rejectionOf(bench.text(`reports/SIERRA/${planned.runId}/error.json`))).toHaveProperty('name', 'NoSuchKey');
    // The execution that owns the run (it has the plan) does mark it.
    expect(await markFailed({ ...event, plan: planned, error: { Error: 'States.Timeout' } })).toMatchObject({ recorded: true });
    expect((await ledger.getRun(planned.runId))?.status).toBe('FAILED');
  });

  it("records a map child's timeout cause, and makes it the run's error when the map fails with its tolerance exceeded", async () => {
    await bench.put('policies/MODOC.json', JSON.stringify({ baselineEligibility: { dismiss: ['11357'] } }));
    await bench.put('incoming/MODOC/extract.csv', [...generateExtract({ county: 'MODOC', people: 10, seed: 5 })].join(''));
    const event = objectCreatedEvent('incoming/MODOC/extract.csv');
    const planned = (await handlers.plan(event)) as PlanResult;
    const cause = 'Classify partition ran past its timeout (the function\'s 900 s): lower targetPartitionBytes (TARGET_PARTITION_BYTES)';
    expect(await markFailed({ runId: planned.runId, timedOut: cause })).toEqual({ recorded: true, runId: planned.runId, errorName: 'TaskTimedOut' });
    // The status stays until the run fails.
    expect(await ledger.getRun(planned.runId)).toMatchObject({ status: 'SPLITTING', timedOutTask: cause });
    const mapFailed = { Error: 'States.ExceedToleratedFailureThreshold', Cause: 'The specified tolerated failure threshold was exceeded' };
    expect(await markFailed({ ...event, plan: planned, error: mapFailed })).toMatchObject({ recorded: true, errorName: 'TaskTimedOut' });
    expect(await ledger.getRun(planned.runId)).toMatchObject({ status: 'FAILED', errorName: 'TaskTimedOut', errorMessage: cause });
  });

  it('never throws on a partial state', async () => {
    expect(await markFailed({})).toEqual({ recorded: false, errorName: 'UnknownError' });
    expect(await markFailed(null)).toEqual({ recorded: false, errorName: 'UnknownError' });
    expect(await markFailed({ error: { Error: 'States.Timeout', Cause: 'timed out' } })).toEqual({ recorded: false, errorName: 'States.Timeout' });
    expect(await markFailed({ ...objectCreatedEvent('reports/x.json'), error: { Error: 'X' } })).toEqual({ recorded: false, errorName: 'X' });
    expect(await markFailed({ plan: { runId: 42 }, error: 'oops' })).toEqual({ recorded: false, errorName: 'UnknownError' });
    const onlyPlan = await markFailed({ plan: { runId: 'plumas-20240601-000000000000', county: 'PLUMAS' } });
    expect(onlyPlan).toMatchObject({ recorded: true, errorName: 'UnknownError', errorKey: 'reports/PLUMAS/plumas-20240601-000000000000/error.json' });
  });
});

describe('the error of a Catch', () => {
  it('reads a Lambda error Cause, a plain-text Cause and a missing one', () => {
    expect(errorOf({ Error: 'PolicyError', Cause: '{"errorType":"PolicyError","errorMessage":"invalid policy: x","trace":[]}' })).toEqual({
      name: 'PolicyError',
      message: 'invalid policy: x',
    });
    expect(errorOf({ Error: 'States.Timeout', Cause: 'Task timed out' })).toEqual({ name: 'States.Timeout', message: 'Task timed out' });
    expect(errorOf({ Cause: '{"errorType":"InputError","errorMessage":"m"}' })).toEqual({ name: 'InputError', message: 'm' });
    expect(errorOf(undefined)).toEqual({ name: 'UnknownError', message: '' });
    expect(errorOf({ Error: 'E', Cause: 'x'.repeat(5000) }).message).toHaveLength(2001);
  });
});
