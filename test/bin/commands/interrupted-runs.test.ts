/**
 * markInterruptedRuns: runs a dead local process left in progress are closed FAILED `Interrupted` with an error
 * report; finished runs are left as they are.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { INTERRUPTED_ERROR, markInterruptedRuns } from '../../../bin/commands/interrupted-runs';
import { RunLedger, RunStatus } from '../../../lambdas/adapters/ledger';
import { S3ObjectStore } from '../../../lambdas/adapters/s3-object-store';
import { localAwsConfig } from '../../../local/stand-ins';
import { LambdaBench, startBench } from '../../lambdas/helpers';

describe('markInterruptedRuns', () => {
  let bench: LambdaBench;
  let ledger: RunLedger;
  let store: S3ObjectStore;
  let s3: S3Client;

  beforeAll(async () => {
    bench = await startBench();
    ledger = new RunLedger(bench.documents, bench.table, () => new Date('2024-06-01T12:00:00Z'));
    s3 = new S3Client(localAwsConfig(bench.standIns.endpoints).s3);
    store = new S3ObjectStore(s3, bench.bucket);
  });

  afterAll(async () => {
    s3.destroy();
    await bench.stop();
  });

  test('closes every unfinished run, writes its error report, and leaves finished runs alone', async () => {
    const statuses: RunStatus[] = ['PLANNING', 'SPLITTING', 'CLASSIFYING', 'ASSEMBLING', 'SUCCEEDED', 'FAILED'];
    for (const status of statuses) {
      const runId = `run-${status.toLowerCase()}`;
      await ledger.claimRun({ runId, county: 'LOS ANGELES', bucket: bench.bucket, triggerKey: `incoming/LOS ANGELES/${runId}/manifest.json`, triggerVersion: 'v' }, 60_000);
      if (status === 'FAILED') await ledger.markFailed(runId, { errorName: 'PolicyError', errorMessage: 'bad policy' });
      else if (status !== 'PLANNING') await ledger.updateRun(runId, status);
    }

    const closed = await markInterruptedRuns(ledger, store, () => new Date('2024-06-01T13:00:00Z'));
    expect(closed.map((run) => run.runId).sort()).toEqual(['run-assembling', 'run-classifying', 'run-planning', 'run-splitting']);
    for (const run of closed) {
      const record = await ledger.getRun(run.runId);
      expect(record).toMatchObject({ status: 'FAILED', errorName: INTERRUPTED_ERROR, errorMessage: expect.stringContaining(`interrupted in ${run.status}:`) });
      const report = JSON.parse(await bench.text(`reports/LOS ANGELES/${run.runId}/error.json`));
      expect(report).toEqual({
        runId: run.runId,
        county: 'LOS ANGELES',
        status: 'FAILED',
        error: { name: INTERRUPTED_ERROR, message: record!.errorMessage },
        failedAt: '2024-06-01T13:00:00.000Z',
      });
    }
    expect(await ledger.getRun('run-succeeded')).toMatchObject({ status: 'SUCCEEDED' });
    expect(await ledger.getRun('run-failed')).toMatchObject({ status: 'FAILED', errorName: 'PolicyError' });
    expect(await store.exists('reports/LOS ANGELES/run-failed/error.json')).toBe(false);

    // Nothing is left to close.
    expect(await markInterruptedRuns(ledger, store)).toEqual([]);
  });
});
