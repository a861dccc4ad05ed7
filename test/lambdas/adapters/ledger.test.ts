import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { RunLedger } from '../../../lambdas/adapters/ledger';
import { localAwsConfig, startStandIns, StandIns } from '../../../local/stand-ins';
import { createLedgerTable, rejectionOf } from '../helpers';
import { LedgerError } from '../../../lambdas/domain/errors';

describe('RunLedger against the DynamoDB stand-in', () => {
  let standIns: StandIns;
  let dynamodb: DynamoDBClient;
  let documents: DynamoDBDocumentClient;
  let clock = new Date('2024-06-01T12:00:00.000Z');
  let ledger: RunLedger;
  const table = 'ledger-test';

  const newRun = (runId: string, county = 'LOS ANGELES') => ({
    runId,
    county,
    bucket: 'data',
    triggerKey: `incoming/${county}/extract.csv`,
    triggerVersion: 'etag-1',
  });
  const tick = (ms: number) => (clock = new Date(clock.getTime() + ms));

  beforeAll(async () => {
    standIns = await startStandIns();
    dynamodb = new DynamoDBClient(localAwsConfig(standIns.endpoints).dynamodb);
    documents = DynamoDBDocumentClient.from(dynamodb);
    await createLedgerTable(dynamodb, table);
    ledger = new RunLedger(documents, table, () => clock);
  });

  afterAll(async () => {
    dynamodb.destroy();
    await standIns.stop();
  });

  it('claims a run once: a repeated event finds it claimed', async () => {
    expect(await ledger.claimRun(newRun('dup-1'), 300_000)).toBe(true);
    expect(await ledger.claimRun(newRun('dup-1'), 300_000)).toBe(false);
    const run = await ledger.getRun('dup-1');
    expect(run).toMatchObject({ runId: 'dup-1', county: 'LOS ANGELES', status: 'PLANNING', startedAt: clock.toISOString(), rowsRead: 0, rangesDone: 0 });
    expect(run).not.toHaveProperty('pk');
    expect(run).not.toHaveProperty('planLeaseUntil');
  });

  it('lets a retried Plan claim the run again once the failed attempt released it or its lease ran out', async () => {
    expect(await ledger.claimRun(newRun('retry-1'), 60_000)).toBe(true);
    await ledger.releaseClaim('retry-1');
    expect(await ledger.claimRun(newRun('retry-1'), 60_000)).toBe(true);
    tick(30_000);
    expect(await ledger.claimRun(newRun('retry-1'), 60_000)).toBe(false);
    tick(31_000);
    expect(await ledger.claimRun(newRun('retry-1'), 60_000)).toBe(true);
    // Once planned, the run is never claimed again, lease or not.
    await ledger.updateRun('retry-1', 'SPLITTING', { rangeCount: 1 });
    await ledger.releaseClaim('retry-1');
    tick(120_000);
    expect(await ledger.claimRun(newRun('retry-1'), 60_000)).toBe(false);
    expect((await ledger.getRun('retry-1'))?.status).toBe('SPLITTING');
  });

  it('updates status and fields, and refuses to create a run by updating it', async () => {
    await ledger.claimRun(newRun('update-1'), 1000);
    await ledger.updateRun('update-1', 'SPLITTING', { rangeCount: 3, partitionCount: 2, inputKeys: ['incoming/LOS ANGELES/extract.csv'], policyName: 'dismiss-all' });
    expect(await ledger.getRun('update-1')).toMatchObject({ status: 'SPLITTING', rangeCount: 3, partitionCount: 2, policyName: 'dismiss-all' });
    const error = await rejectionOf(ledger.updateRun('no-such-run', 'SPLITTING'));
    expect(error).toBeInstanceOf(LedgerError);
    expect(error.message).toContain('no-such-run');
    expect(await ledger.getRun('no-such-run')).toBeUndefined();
  });

  it('counts each range and partition once, and moves the status on when the last one is done', async () => {
    await ledger.claimRun(newRun('count-1'), 1000);
    await ledger.updateRun('count-1', 'SPLITTING', { rangeCount: 2, partitionCount: 2 });
    expect(await ledger.recordRangeDone('count-1', 0, { rowsRead: 10, rowsRejected: 1 })).toEqual({ counted: true, done: 1, total: 2 });
    expect(await ledger.recordRangeDone('count-1', 0, { rowsRead: 10, rowsRejected: 1 })).toEqual({ counted: false });
    expect((await ledger.getRun('count-1'))?.status).toBe('SPLITTING');
    expect(await ledger.recordRangeDone('count-1', 1, { rowsRead: 5, rowsRejected: 0 })).toEqual({ counted: true, done: 2, total: 2 });
    expect(await ledger.getRun('count-1')).toMatchObject({ status: 'CLASSIFYING', rangesDone: 2, rowsRead: 15, rowsRejected: 1 });

    const counts = { rowsWritten: 7, people: 2, dismissals: 1, reductions: 0 };
    await ledger.recordPartitionDone('count-1', 1, counts);
    await ledger.recordPartitionDone('count-1', 1, counts);
    expect((await ledger.getRun('count-1'))?.status).toBe('CLASSIFYING');
    await ledger.recordPartitionDone('count-1', 0, { rowsWritten: 7, people: 1, dismissals: 2, reductions: 1 });
    const run = await ledger.getRun('count-1');
    expect(run).toMatchObject({ status: 'ASSEMBLING', partitionsDone: 2, rowsWritten: 14, people: 3, dismissals: 3, reductions: 1 });
    expect(run?.splitEndedAt).toBe(clock.toISOString());
    expect(run?.classifyEndedAt).toBe(clock.toISOString());
    expect(run).not.toHaveProperty('rangesCompleted');
  });

  it('does not count progress for a run it does not know, nor revive a failed one', async () => {
    expect(await ledger.recordRangeDone('ghost', 0, { rowsRead: 1, rowsRejected: 0 })).toEqual({ counted: false });
    expect(await ledger.getRun('ghost')).toBeUndefined();
    await ledger.claimRun(newRun('failed-1'), 1000);
    await ledger.updateRun('failed-1', 'SPLITTING', { rangeCount: 1 });
    await ledger.markFailed('failed-1', { errorName: 'States.ExceedToleratedFailureThreshold', errorMessage: 'map failed' });
    await ledger.recordRangeDone('failed-1', 0, { rowsRead: 4, rowsRejected: 0 });
    expect(await ledger.getRun('failed-1')).toMatchObject({ status: 'FAILED', rangesDone: 1, errorName: 'States.ExceedToleratedFailureThreshold' });
  });

  it('marks a run failed, creating its item when Plan failed before claiming it', async () => {
    await ledger.markFailed('never-claimed', { county: 'ALAMEDA', errorName: 'InputError', errorMessage: 'event: bad' });
    const run = await ledger.getRun('never-claimed');
    expect(run).toMatchObject({ runId: 'never-claimed', county: 'ALAMEDA', status: 'FAILED', errorName: 'InputError', errorMessage: 'event: bad' });
    expect(run?.startedAt).toBe(run?.endedAt);

    const startedAt = clock.toISOString();
    await ledger.claimRun(newRun('claimed-then-failed', 'KERN'), 1000);
    tick(5000);
    await ledger.markFailed('claimed-then-failed', { county: 'kern (from the key)', errorName: 'PolicyError', errorMessage: 'x' });
    expect(await ledger.getRun('claimed-then-failed')).toMatchObject({ county: 'KERN', startedAt, endedAt: clock.toISOString(), status: 'FAILED' });
  });

  it("marks a run failed only when no other execution may own it, if asked", async () => {
    const failure = { county: 'NAPA', errorName: 'RetryableError', errorMessage: 'x' };
    expect(await ledger.markFailed('napa-free', failure, { unlessOwnedElsewhere: true })).toBe(true);
    expect(await ledger.markFailed('napa-free', failure, { unlessOwnedElsewhere: true })).toBe(true);
    await ledger.claimRun(newRun('napa-live', 'NAPA'), 60_000);
    expect(await ledger.markFailed('napa-live', failure, { unlessOwnedElsewhere: true })).toBe(false);
    await ledger.releaseClaim('napa-live');
    expect(await ledger.markFailed('napa-live', failure, { unlessOwnedElsewhere: true })).toBe(true);
    await ledger.claimRun(newRun('napa-planned', 'NAPA'), 1);
    await ledger.updateRun('napa-planned', 'SPLITTING');
    tick(10);
    expect(await ledger.markFailed('napa-planned', failure, { unlessOwnedElsewhere: true })).toBe(false);
    expect((await ledger.getRun('napa-planned'))?.status).toBe('SPLITTING');
    expect(await ledger.markFailed('napa-planned', failure)).toBe(true);
    expect((await ledger.getRun('napa-planned'))?.status).toBe('FAILED');
  });

  it('lists the runs of a county, most recent first, through the byCounty index', async () => {
    for (const [runId, county] of [['fresno-a', 'FRESNO'], ['fresno-b', 'FRESNO'], ['tulare-a', 'TULARE'], ['fresno-c', 'FRESNO']]) {
      tick(1000);
      await ledger.claimRun(newRun(runId, county), 1000);
    }
    expect((await ledger.listRuns({ county: 'FRESNO' })).map((run) => run.runId)).toEqual(['fresno-c', 'fresno-b', 'fresno-a']);
    expect((await ledger.listRuns({ county: 'FRESNO', limit: 2 })).map((run) => run.runId)).toEqual(['fresno-c', 'fresno-b']);
    expect(await ledger.listRuns({ county: 'NOWHERE' })).toEqual([]);
    const all = await ledger.listRuns({ limit: 3 });
    expect(all.map((run) => run.runId)).toEqual(['fresno-c', 'tulare-a', 'fresno-b']);
  });

  it("finds a county's most recent run that succeeded, past any number of later failed or running ones", async () => {
    const run = async (runId: string, status: 'SUCCEEDED' | 'FAILED' | 'CLASSIFYING', county = 'MODOC') => {
      tick(1000);
      await ledger.claimRun(newRun(runId, county), 1000);
      await ledger.updateRun(runId, status);
    };
    expect(await ledger.latestSucceededRun('MODOC')).toBeUndefined();
    await run('modoc-1', 'SUCCEEDED');
    await run('modoc-2', 'SUCCEEDED');
    await run('sierra-1', 'SUCCEEDED', 'SIERRA');
    // More than a page (50) of later runs that did not succeed.
    for (let i = 0; i < 52; i++) await run(`modoc-failed-${i}`, i === 51 ? 'CLASSIFYING' : 'FAILED');
    expect((await ledger.latestSucceededRun('MODOC'))?.runId).toBe('modoc-2');
    expect((await ledger.latestSucceededRun('SIERRA'))?.runId).toBe('sierra-1');
  });

  it('stores only the non-personal fields it is given, under pk RUN#<runId>', async () => {
    const item = await documents.send(new GetCommand({ TableName: table, Key: { pk: 'RUN#count-1' } }));
    expect(Object.keys(item.Item ?? {}).sort()).toEqual(
      [
        'bucket', 'classifyEndedAt', 'county', 'dismissals', 'partitionCount', 'partitionsCompleted', 'partitionsDone', 'people', 'pk',
        'planLeaseUntil', 'rangeCount', 'rangesCompleted', 'rangesDone', 'reductions', 'rowsRead', 'rowsRejected', 'rowsWritten', 'runId',
        'splitEndedAt', 'startedAt', 'status', 'triggerKey', 'triggerVersion', 'updatedAt',
      ].sort(),
    );
  });

  it('lists the runs in progress, least recently changed first, leaving ended runs out', async () => {
    const fresh = new RunLedger(documents, table, () => clock);
    const before = new Set((await fresh.listRunsInProgress()).map((run) => run.runId));
    await fresh.claimRun(newRun('progress-a', 'TULARE'), 60_000);
    tick(1000);
    await fresh.claimRun(newRun('progress-b', 'TULARE'), 60_000);
    await fresh.updateRun('progress-b', 'CLASSIFYING');
    tick(1000);
    await fresh.updateRun('progress-a', 'ASSEMBLING');
    await fresh.claimRun(newRun('progress-done', 'TULARE'), 60_000);
    await fresh.updateRun('progress-done', 'SUCCEEDED');
    const listed = (await fresh.listRunsInProgress()).filter((run) => !before.has(run.runId));
    expect(listed.map((run) => [run.runId, run.status])).toEqual([
      ['progress-b', 'CLASSIFYING'],
      ['progress-a', 'ASSEMBLING'],
    ]);
  });

  it('marks a run FAILED for an ended execution only when that execution claimed it and it is still in progress', async () => {
    const mine = 'arn:aws:states:us-west-2:1:execution:m:mine';
    await ledger.claimRun({ ...newRun('ended-1', 'SIERRA'), executionId: mine }, 60_000);
    await ledger.updateRun('ended-1', 'CLASSIFYING');
    const failure = { errorName: 'ExecutionAborted', errorMessage: 'the execution was aborted before the run ended' };
    expect(await ledger.markExecutionEnded('ended-1', 'arn:aws:states:us-west-2:1:execution:m:other', failure)).toBeUndefined();
    expect((await ledger.getRun('ended-1'))?.status).toBe('CLASSIFYING');
    const marked = await ledger.markExecutionEnded('ended-1', mine, failure);
    expect(marked).toMatchObject({ runId: 'ended-1', status: 'FAILED', errorName: 'ExecutionAborted', endedAt: clock.toISOString() });
    expect(marked).not.toHaveProperty('pk');
    // Already ended: a second event (or Mark failed first) changes nothing.
    expect(await ledger.markExecutionEnded('ended-1', mine, { errorName: 'ExecutionTimedOut', errorMessage: 'x' })).toBeUndefined();
    expect((await ledger.getRun('ended-1'))?.errorName).toBe('ExecutionAborted');
    // No item: nothing is created.
    expect(await ledger.markExecutionEnded('ended-none', mine, failure)).toBeUndefined();
    expect(await ledger.getRun('ended-none')).toBeUndefined();
    // A succeeded run stays succeeded.
    await ledger.claimRun({ ...newRun('ended-2', 'SIERRA'), executionId: mine }, 60_000);
    await ledger.updateRun('ended-2', 'SUCCEEDED');
    expect(await ledger.markExecutionEnded('ended-2', mine, failure)).toBeUndefined();
  });
});
