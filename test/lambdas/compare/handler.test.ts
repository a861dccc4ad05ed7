/**
 * The comparison in the cloud workflow (docs/monthly.md), its handlers against the S3 and DynamoDB stand-ins through
 * the SDK: Plan finds the county's last successful run in the ledger, the Compare tasks compare with its register
 * (routed when the partition counts differ), Assemble publishes the new register under results/<COUNTY>/register/.
 * (Runs that failed or still run are passed over: RunLedger.latestSucceededRun, test/lambdas/adapters/ledger.test.ts.)
 */
import { RunLedger } from '../../../lambdas/adapters/ledger';
import { generateExtract } from '../../../tools/generator';
import { captureStdout, Handlers, LambdaBench, loadHandlers, objectCreatedEvent, rejectionOf, runPipeline, startBench } from '../helpers';

const COUNTY = 'KERN';
const EXTRACT = [...generateExtract({ county: COUNTY, people: 30, seed: 5, malformedDateRate: 0 })].join('');

describe('compare handler', () => {
  let bench: LambdaBench;
  let handlers: Handlers;
  let ledger: RunLedger;
  let stdout: ReturnType<typeof captureStdout>;

  beforeAll(async () => {
    stdout = captureStdout();
    bench = await startBench({ MAX_PARTITIONS: '3', TARGET_RANGE_BYTES: '1048576', TARGET_PARTITION_BYTES: '1', MAX_REJECT_RATIO: '0.05' });
    handlers = loadHandlers();
    ledger = new RunLedger(bench.documents, bench.table);
    await bench.put(`policies/${COUNTY}.json`, JSON.stringify({ baselineEligibility: { reduce: ['11359', '11360'] } }));
  });

  afterAll(async () => {
    stdout.restore();
    await bench.stop();
  });

  const upload = async (name: string, body = EXTRACT) => {
    await bench.put(`incoming/${COUNTY}/${name}`, body);
    return objectCreatedEvent(`incoming/${COUNTY}/${name}`);
  };
  const summaryOf = async (runId: string) => JSON.parse(await bench.text(`results/${COUNTY}/${runId}/summary.json`, 'utf8'));
  const manifestKey = (runId: string) => `results/${COUNTY}/register/${runId}/manifest.json`;

  it('compares a run with the county\'s last successful one, routing its register when the partition counts differ, and records which', async () => {
    const first = await runPipeline(handlers, bench, await upload('month1.csv'));
    expect(first.plan).toMatchObject({ compare: false, partitionCount: 3 });
    expect(first.compares).toBeUndefined();
    expect(await ledger.getRun(first.plan.runId)).toMatchObject({ status: 'SUCCEEDED', previousNote: expect.stringContaining('the first run of the county') });
    expect(JSON.parse(await bench.text(manifestKey(first.plan.runId), 'utf8'))).toMatchObject({ format: 'clearance-register/v1', runId: first.plan.runId, partitionCount: 3 });

    // The same extract with two partitions: the register (three parts) is routed; a run compared with the same
    // extract sees every conviction unchanged.
    let planTwo: Handlers['plan'] = handlers.plan;
    jest.isolateModules(() => {
      process.env.MAX_PARTITIONS = '2';
      planTwo = require('../../../lambdas/plan/handler').handler;
      process.env.MAX_PARTITIONS = '3';
    });
    const second = await runPipeline({ ...handlers, plan: planTwo }, bench, await upload('month2.csv'));
    expect(second.plan).toMatchObject({ compare: true, partitionCount: 2, routeCount: 3, routePartsKey: `runs/${second.plan.runId}/compare/route-parts.json` });
    expect(await ledger.getRun(second.plan.runId)).toMatchObject({ status: 'SUCCEEDED', previousRunId: first.plan.runId });
    const since = (await summaryOf(second.plan.runId)).sinceLastRun;
    const parts = await Promise.all([0, 1, 2].map((p) => bench.text(`results/${COUNTY}/register/${first.plan.runId}/part-00000${p}.jsonl`)));
    const registered = parts.join('').split('\n').length - 1;
    expect(since).toMatchObject({
      previousRunId: first.plan.runId,
      policyChanged: false,
      changes: { new: 0, 'newly eligible': 0, 'no longer eligible': 0, 'determination changed': 0, 'gone from the extract': 0, unchanged: expect.any(Number) },
    });
    expect(since.changes.unchanged).toBe(registered);
    expect(second.compares).toEqual([0, 1].map((partition) => ({ partition, decisionsCarried: 0, changedSinceDecided: 0 })));
    expect(JSON.parse(await bench.text(manifestKey(second.plan.runId), 'utf8'))).toMatchObject({ partitionCount: 2 });
  });

  it('does not compare with a register of another version, and says so in the ledger and the summary', async () => {
    const [latest] = (await ledger.listRuns({ county: COUNTY })).filter((run) => run.status === 'SUCCEEDED');
    const manifest = JSON.parse(await bench.text(manifestKey(latest.runId), 'utf8'));
    await bench.put(manifestKey(latest.runId), JSON.stringify({ ...manifest, format: 'clearance-register/v0' }));
    const run = await runPipeline(handlers, bench, await upload('month3.csv'));
    expect(run.plan.compare).toBe(false);
    const note = `not compared with the county's last successful run ${latest.runId}: it was written by another version (format "clearance-register/v0", this version reads "clearance-register/v1")`;
    expect(await ledger.getRun(run.plan.runId)).toMatchObject({ previousNote: note });
    expect((await summaryOf(run.plan.runId)).sinceLastRun).toEqual({ previousRunId: null, note });
  });

  it('refuses a task the run does not have, naming it', async () => {
    const [latest] = await ledger.listRuns({ county: COUNTY });
    const compared = (await ledger.listRuns({ county: COUNTY })).find((run) => run.previousRunId !== undefined)!;
    expect((await rejectionOf(handlers.compare({ runId: latest.runId, partition: 0 }))).message).toMatch(/is compared with no previous run/);
    expect((await rejectionOf(handlers.compare({ runId: compared.runId, partition: 7 })))).toMatchObject({ name: 'InputError', message: expect.stringMatching(/partition 7 is out of range; run .* has 2/) });
    expect((await rejectionOf(handlers.compare({ runId: compared.runId, routePart: 3 }))).message).toMatch(/register part 3 is not to be routed/);
    expect((await rejectionOf(handlers.compare({ runId: compared.runId, partition: 0, routePart: 1 })))).toMatchObject({
      name: 'InputError',
      message: expect.stringContaining('needs exactly one of routeDecisions, routePart, partition'),
    });
  });
});
