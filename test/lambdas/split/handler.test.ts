import { generateExtract } from '../../../tools/generator';
import { ByteRange } from '../../../lambdas/domain/pipeline/plan';
import { RunLedger } from '../../../lambdas/adapters/ledger';
import { PlanResult, SplitTaskResult } from '../../../lambdas/workflow-contract';
import { captureStdout, Handlers, LambdaBench, loadHandlers, objectCreatedEvent, rejectionOf, startBench } from '../helpers';

describe('split handler', () => {
  let bench: LambdaBench;
  let handlers: Handlers;
  let ledger: RunLedger;
  let stdout: ReturnType<typeof captureStdout>;
  let plan: PlanResult;
  let ranges: ByteRange[];

  beforeAll(async () => {
    stdout = captureStdout();
    // Metrics on, as in Lambda: they are printed as CloudWatch embedded-metric JSON.
    bench = await startBench({ MAX_PARTITIONS: '2', TARGET_RANGE_BYTES: '15000', MAX_REJECT_RATIO: '0.05', POWERTOOLS_METRICS_DISABLED: 'false' });
    handlers = loadHandlers();
    ledger = new RunLedger(bench.documents, bench.table);
    await bench.put('policies/YOLO.json', JSON.stringify({ baselineEligibility: { dismiss: ['11357'] } }));
    await bench.put('incoming/YOLO/extract.csv', `${[...generateExtract({ county: 'YOLO', people: 20, seed: 5 })].join('')}bad,row\n`);
    plan = (await handlers.plan(objectCreatedEvent('incoming/YOLO/extract.csv'))) as PlanResult;
    ranges = JSON.parse(await bench.text(plan.rangesKey, 'utf8')) as ByteRange[];
  });

  afterAll(async () => {
    stdout.restore();
    await bench.stop();
  });

  /** The embedded-metric documents printed so far, as { metric name: value }. */
  function metricsPrinted(): Array<Record<string, unknown>> {
    return stdout
      .lines()
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry._aws !== undefined);
  }

  it('splits a range, counts it in the ledger and the metrics once, even when the task is retried', async () => {
    expect(ranges.length).toBeGreaterThanOrEqual(3);
    const last = ranges[ranges.length - 1];
    const first = (await handlers.split({ runId: plan.runId, range: last })) as SplitTaskResult;
    expect(first).toEqual({ rangeIndex: last.index, rowsRead: expect.any(Number), rowsRejected: 1 });
    const retried = await handlers.split({ runId: plan.runId, range: last });
    expect(retried).toEqual(first);
    expect(await ledger.getRun(plan.runId)).toMatchObject({ status: 'SPLITTING', rangesDone: 1, rowsRead: first.rowsRead, rowsRejected: 1 });

    const metrics = metricsPrinted();
    expect(metrics).toHaveLength(1);
    expect(metrics[0]).toMatchObject({ service: 'record-clearance', RowsRead: first.rowsRead, RowsRejected: 1 });
    expect((metrics[0]._aws as { CloudWatchMetrics: unknown[] }).CloudWatchMetrics).toEqual([
      {
        Namespace: 'RecordClearance',
        Dimensions: [['service']],
        Metrics: expect.arrayContaining([
          { Name: 'RowsRead', Unit: 'Count' },
          { Name: 'RowsRejected', Unit: 'Count' },
        ]),
      },
    ]);
  });

  it('moves the run to CLASSIFYING once every range is split', async () => {
    await Promise.all(ranges.slice(0, -1).map((range) => handlers.split({ runId: plan.runId, range })));
    expect(await ledger.getRun(plan.runId)).toMatchObject({ status: 'CLASSIFYING', rangesDone: ranges.length });
  });

  it('refuses a range that is not the plan\'s, a run without a plan and a malformed payload', async () => {
    const shifted = await rejectionOf(handlers.split({ runId: plan.runId, range: { ...ranges[0], end: ranges[0].end + 1 } }));
    expect([shifted.name, shifted.message]).toEqual(['InputError', expect.stringContaining(`is not range 0 of run ${plan.runId}'s plan`)]);
    const missing = await rejectionOf(handlers.split({ runId: 'yolo-20240601-000000000000', range: ranges[0] }));
    expect([missing.name, missing.message]).toEqual(['InputError', 'run yolo-20240601-000000000000: no plan at runs/yolo-20240601-000000000000/plan.json']);
    const malformed = await rejectionOf(handlers.split({ runId: '../etc', range: { index: -1, fileIndex: 0, start: 'x' } }));
    expect(malformed.name).toBe('InputError');
    expect(malformed.message).toMatch(/^split event: runId: must be a run id.*; range\.index: .*; range\.start: .*; range\.end: /);
  });
});
