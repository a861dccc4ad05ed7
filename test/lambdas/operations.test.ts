/**
 * What the operations functions decide (lambdas/operations.ts): the run an ended execution leaves open, with its
 * error, and the runs in progress that stopped changing.
 */
import type { RunRecord } from '../../lambdas/adapters/ledger';
import { endedExecution, executionStatusChangeSchema, ExecutionStatusChange, staleRuns } from '../../lambdas/operations';
import { objectCreatedEventSchema, runIdFor, uploadOf } from '../../lambdas/workflow-contract';

const upload = {
  version: '0', id: 'e1', 'detail-type': 'Object Created', source: 'aws.s3', account: '000000000000', time: '2024-06-01T12:00:00Z', region: 'us-east-1',
  resources: ['arn:aws:s3:::bucket'],
  detail: {
    version: '0', bucket: { name: 'bucket' }, object: { key: 'incoming/LOS ANGELES/extract.csv', size: 1, etag: 'etag-1', 'version-id': 'v1', sequencer: '01' },
    'request-id': 'R', requester: '000000000000', reason: 'PutObject',
  },
};

function change(status: string, input: unknown, error?: string, cause?: string): ExecutionStatusChange {
  return executionStatusChangeSchema.parse({
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    detail: {
      executionArn: 'arn:aws:states:us-west-2:123456789012:execution:Clearance:exec-7', stateMachineArn: 'arn:aws:states:us-west-2:123456789012:stateMachine:Clearance',
      status, input: typeof input === 'string' ? input : JSON.stringify(input), error, cause,
    },
  });
}

describe('endedExecution', () => {
  it("names the run of the upload as Plan names it, and the error of the execution's end", () => {
    const runId = runIdFor(uploadOf(objectCreatedEventSchema.parse(upload)), 'LOS ANGELES');
    expect(endedExecution(change('FAILED', upload, 'States.TaskFailed', 'boom'))).toEqual({
      runId, county: 'LOS ANGELES', executionArn: 'arn:aws:states:us-west-2:123456789012:execution:Clearance:exec-7',
      errorName: 'States.TaskFailed', errorMessage: 'execution exec-7 failed (States.TaskFailed) before recording the end of the run: boom',
    });
    expect(endedExecution(change('TIMED_OUT', upload))).toMatchObject({ runId, errorName: 'ExecutionTimedOut', errorMessage: 'execution exec-7 timed out before recording the end of the run' });
    expect(endedExecution(change('ABORTED', upload))).toMatchObject({ errorName: 'ExecutionAborted', errorMessage: 'execution exec-7 was stopped before recording the end of the run' });
    expect(endedExecution(change('FAILED', upload))).toMatchObject({ errorName: 'ExecutionFailed' });
  });

  it('ignores what leaves no run open, saying why', () => {
    expect(endedExecution(change('SUCCEEDED', upload))).toEqual({ ignored: 'status SUCCEEDED is not an end' });
    expect(endedExecution(change('FAILED', '{not json'))).toEqual({ ignored: 'the execution input is not JSON' });
    expect(endedExecution(change('FAILED', { hello: 1 }))).toEqual({ ignored: 'the execution input is not an upload event' });
    const folder = { ...upload, detail: { ...upload.detail, object: { ...upload.detail.object, key: 'incoming/LOS ANGELES/' } } };
    expect(endedExecution(change('FAILED', folder))).toEqual({ ignored: 'the upload starts no run (the key is a folder marker)' });
  });
});

describe('staleRuns', () => {
  const run = (runId: string, updatedAt: string) => ({ runId, updatedAt }) as RunRecord;

  it('keeps the runs unchanged for at least the given time, oldest change first', () => {
    const runs = [run('a', '2024-06-01T11:00:00Z'), run('b', '2024-06-01T09:00:00Z'), run('c', '2024-06-01T11:59:00Z'), run('d', '2024-06-01T10:00:00Z')];
    expect(staleRunIds(runs, 60)).toEqual(['b', 'd', 'a']);
    expect(staleRunIds(runs, 0)).toEqual(['b', 'd', 'a', 'c']);
    expect(staleRunIds([], 60)).toEqual([]);
  });

  function staleRunIds(runs: RunRecord[], minutes: number): string[] {
    return staleRuns(runs, new Date('2024-06-01T12:00:00Z'), minutes * 60_000).map((r) => r.runId);
  }
});
