import { generateExtract } from '../../../tools/generator';
import { ByteRange } from '../../../lambdas/domain/pipeline/plan';
import { RunLedger } from '../../../lambdas/adapters/ledger';
import { ClassifyTaskResult, PlanResult } from '../../../lambdas/workflow-contract';
import { captureStdout, Handlers, LambdaBench, loadHandlers, objectCreatedEvent, rejectionOf, startBench } from '../helpers';

describe('classify handler', () => {
  let bench: LambdaBench;
  let handlers: Handlers;
  let ledger: RunLedger;
  let stdout: ReturnType<typeof captureStdout>;
  let plan: PlanResult;

  beforeAll(async () => {
    stdout = captureStdout();
    bench = await startBench({ MAX_PARTITIONS: '3', TARGET_RANGE_BYTES: '30000', TARGET_PARTITION_BYTES: '1', MAX_REJECT_RATIO: '0.05' });
    handlers = loadHandlers();
    ledger = new RunLedger(bench.documents, bench.table);
    await bench.put('incoming/NEVADA/b/manifest.json', JSON.stringify({ files: ['x.csv'], policy: 'dismiss-all' }));
    await bench.put('incoming/NEVADA/b/x.csv', [...generateExtract({ county: 'NEVADA', people: 25, seed: 6 })].join(''));
    plan = (await handlers.plan(objectCreatedEvent('incoming/NEVADA/b/manifest.json'))) as PlanResult;
    const ranges = JSON.parse(await bench.text(plan.rangesKey, 'utf8')) as ByteRange[];
    await Promise.all(ranges.map((range) => handlers.split({ runId: plan.runId, range })));
    await handlers.split({ runId: plan.runId, indexSlices: true });
  });

  afterAll(async () => {
    stdout.restore();
    await bench.stop();
  });

  it('classifies each partition, counting people and rows once, and hands over to Assemble after the last', async () => {
    expect(plan.partitionCount).toBe(3);
    const results: ClassifyTaskResult[] = [];
    for (const partition of [0, 1, 2]) {
      results.push((await handlers.classify({ runId: plan.runId, partition })) as ClassifyTaskResult);
      await handlers.classify({ runId: plan.runId, partition }); // a retried task
    }
    const rows = results.reduce((sum, r) => sum + r.rowsClassified, 0);
    const people = results.reduce((sum, r) => sum + r.people, 0);
    expect(people).toBe(25);
    expect(results.every((r, partition) => r.partition === partition && r.rowsClassified > 0)).toBe(true);
    const run = await ledger.getRun(plan.runId);
    expect(run).toMatchObject({ status: 'ASSEMBLING', partitionsDone: 3, people: 25, rowsWritten: rows, rowsRead: rows });
    expect(run!.dismissals).toBeGreaterThan(0);
  });

  it('refuses a partition the plan does not have', async () => {
    const error = await rejectionOf(handlers.classify({ runId: plan.runId, partition: 3 }));
    expect([error.name, error.message]).toEqual(['InputError', `classify event: partition 3 is out of range; run ${plan.runId} has 3`]);
    expect((await rejectionOf(handlers.classify({ runId: plan.runId }))).message).toMatch(/^classify event: partition: /);
  });
});
