import { generateExtract } from '../../../tools/generator';
import { Summary } from '../../../lambdas/domain/summary';
import { RunLedger, RunRecord } from '../../../lambdas/adapters/ledger';
import { captureStdout, Handlers, LambdaBench, loadHandlers, objectCreatedEvent, rejectionOf, runPipeline, startBench } from '../helpers';

describe('assemble handler', () => {
  let bench: LambdaBench;
  let handlers: Handlers;
  let ledger: RunLedger;
  let stdout: ReturnType<typeof captureStdout>;
  let phaseTimings: (run: RunRecord | undefined, assembleStartedAt: Date) => Record<string, number>;

  beforeAll(async () => {
    stdout = captureStdout();
    bench = await startBench({ MAX_PARTITIONS: '2', TARGET_RANGE_BYTES: '20000', TARGET_PARTITION_BYTES: '20000', MAX_REJECT_RATIO: '0.05' });
    handlers = loadHandlers();
    phaseTimings = require('../../../lambdas/assemble/handler').phaseTimings;
    ledger = new RunLedger(bench.documents, bench.table);
  });

  afterAll(async () => {
    stdout.restore();
    await bench.stop();
  });

  it('times each phase from the ledger timestamps', () => {
    const run = {
      startedAt: '2024-06-01T12:00:00.000Z',
      planEndedAt: '2024-06-01T12:00:02.000Z',
      splitEndedAt: '2024-06-01T12:00:12.500Z',
      classifyEndedAt: '2024-06-01T12:00:20.000Z',
    } as RunRecord;
    expect(phaseTimings(run, new Date('2024-06-01T12:00:21.000Z'))).toEqual({ plan: 2, split: 10.5, classify: 7.5 });
    // No range to split (an empty file): Classify starts after Plan.
    const noRanges = { startedAt: run.startedAt, planEndedAt: run.planEndedAt } as RunRecord;
    expect(phaseTimings(noRanges, new Date('2024-06-01T12:00:05.000Z'))).toEqual({ plan: 2, classify: 3 });
    expect(phaseTimings(undefined, new Date())).toEqual({});
  });

  it('fails with UnknownCountyError when the county folder is not the county of the extract, after writing summary.json', async () => {
    // The folder name is the county as written: "Los Angeles" is not the extract's "LOS ANGELES".
    await bench.put('incoming/Los Angeles/b/manifest.json', JSON.stringify({ files: ['x.csv'], policy: 'dismiss-all' }));
    await bench.put('incoming/Los Angeles/b/x.csv', [...generateExtract({ county: 'LOS ANGELES', people: 15, seed: 8 })].join(''));
    const event = objectCreatedEvent('incoming/Los Angeles/b/manifest.json');
    const error = await rejectionOf(runPipeline(handlers, bench, event));
    expect(error.name).toBe('UnknownCountyError');
    expect(error.message).toContain('county "Los Angeles" does not appear in the extract; counties present: "LOS ANGELES"');
    const [run] = await ledger.listRuns({ county: 'Los Angeles' });
    expect(run).toMatchObject({ status: 'ASSEMBLING', runId: expect.stringMatching(/^los-angeles-/) });
    const summary = JSON.parse(await bench.text(`reports/Los Angeles/${run.runId}/summary.json`, 'utf8')) as Summary;
    expect(summary).toMatchObject({ status: 'FAILED', error: error.message });
  });

  it('refuses a run without a plan', async () => {
    const error = await rejectionOf(handlers.assemble({ runId: 'kern-20240601-000000000000' }));
    expect([error.name, error.message]).toEqual(['InputError', 'run kern-20240601-000000000000: no plan at runs/kern-20240601-000000000000/plan.json']);
  });
});
