import { RunLedger } from '../../../lambdas/adapters/ledger';
import { runIdFor, uploadOf } from '../../../lambdas/workflow-contract';
import { ReconcileResult } from '../../../lambdas/operations';
import { executionStatusChangeEvent } from '../../../local/event-bridge';
import { captureStdout, LambdaBench, objectCreatedEvent, startBench } from '../helpers';

describe('reconcile handler', () => {
  let bench: LambdaBench;
  let reconcile: (event: unknown) => Promise<ReconcileResult>;
  let ledger: RunLedger;
  let stdout: ReturnType<typeof captureStdout>;
  const machine = 'arn:aws:states:us-west-2:123456789012:stateMachine:Workflow';

  /** The status-change event of an execution started with `input`, built as the embedded stack builds it. */
  const ended = (executionName: string, input: unknown, status: string, extra: { error?: string; cause?: string } = {}) =>
    executionStatusChangeEvent({
      executionArn: `arn:aws:states:us-west-2:123456789012:execution:Workflow:${executionName}`,
      stateMachineArn: machine,
      name: executionName,
      status,
      input,
      startDate: '2024-06-01T12:00:00.000Z',
      stopDate: '2024-06-02T12:00:00.000Z',
      ...extra,
    });
  const claimed = async (key: string, executionName: string, status: 'SPLITTING' | 'ASSEMBLING' = 'SPLITTING') => {
    const upload = objectCreatedEvent(key);
    const runId = runIdFor(uploadOf(upload), 'PLUMAS');
    await ledger.claimRun({ runId, county: 'PLUMAS', bucket: bench.bucket, triggerKey: key, triggerVersion: upload.detail.object.etag, executionId: `arn:aws:states:us-west-2:123456789012:execution:Workflow:${executionName}` }, 60_000);
    await ledger.updateRun(runId, status);
    return { upload, runId };
  };

  beforeAll(async () => {
    stdout = captureStdout();
    bench = await startBench();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    reconcile = require('../../../lambdas/reconcile/handler').handler;
    ledger = new RunLedger(bench.documents, bench.table);
  });

  afterAll(async () => {
    stdout.restore();
    await bench.stop();
  });

  it('marks the run of a timed-out execution FAILED and writes error.json; a repeated event rewrites the same', async () => {
    const { upload, runId } = await claimed('incoming/PLUMAS/big.csv', 'exec-timeout', 'ASSEMBLING');
    const event = ended('exec-timeout', upload, 'TIMED_OUT', { error: 'States.Timeout' });
    const result = await reconcile(event);
    expect(result).toEqual({
      reconciled: true,
      runId,
      county: 'PLUMAS',
      errorName: 'ExecutionTimedOut',
      errorKey: `reports/PLUMAS/${runId}/error.json`,
      announcement: {
        runId,
        county: 'PLUMAS',
        status: 'FAILED',
        errorName: 'ExecutionTimedOut',
        counts: { rowsRead: 0, rowsRejected: 0, rowsWritten: 0, people: 0 },
        reports: { prefix: `reports/PLUMAS/${runId}/`, errorKey: `reports/PLUMAS/${runId}/error.json` },
      },
    });
    const run = await ledger.getRun(runId);
    expect(run).toMatchObject({ status: 'FAILED', errorName: 'ExecutionTimedOut', errorMessage: 'execution exec-timeout timed out before recording the end of the run' });
    const report = JSON.parse(await bench.text(result.errorKey!, 'utf8'));
    expect(report).toEqual({ runId, county: 'PLUMAS', status: 'FAILED', error: { name: 'ExecutionTimedOut', message: run!.errorMessage }, failedAt: run!.endedAt });
    expect(await reconcile(event)).toEqual(result);
    expect((await ledger.getRun(runId))?.endedAt).toBe(run!.endedAt);
  });

  it('keeps the error of a failure outside the Catch path', async () => {
    const { upload, runId } = await claimed('incoming/PLUMAS/runtime.csv', 'exec-runtime');
    const result = await reconcile(ended('exec-runtime', upload, 'FAILED', { error: 'States.Runtime', cause: 'An error occurred while executing the state \'Assemble\'' }));
    expect(result).toMatchObject({ reconciled: true, runId, errorName: 'States.Runtime' });
    expect((await ledger.getRun(runId))?.errorMessage).toBe("execution exec-runtime failed (States.Runtime) before recording the end of the run: An error occurred while executing the state 'Assemble'");
  });

  it('leaves alone a run another execution of the same upload owns, and uploads that start no run', async () => {
    const { upload, runId } = await claimed('incoming/PLUMAS/twice.csv', 'exec-owner');
    expect(await reconcile(ended('exec-duplicate', upload, 'ABORTED'))).toEqual({ reconciled: false, runId, reason: 'the run belongs to another execution of the same upload' });
    expect((await ledger.getRun(runId))?.status).toBe('SPLITTING');
    expect(await reconcile(ended('exec-ignored', objectCreatedEvent('incoming/PLUMAS/batch/part1.csv'), 'FAILED'))).toMatchObject({ reconciled: false, reason: expect.stringContaining('starts no run') });
    expect(await reconcile(ended('exec-nothing', objectCreatedEvent('incoming/PLUMAS/never-claimed.csv'), 'ABORTED'))).toMatchObject({ reconciled: false, reason: 'the run has no ledger item' });
    await expect(reconcile({ source: 'aws.states', detail: {} })).rejects.toMatchObject({ name: 'InputError' });
  });
});
