/**
 * The deployed stack as `clearance run --aws` and `status --aws` see it (bin/commands/aws-stack.ts): the region from
 * an ARN, the execution behind a ledger item, and whether the two tell the same story.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { describeRunExecution, executionAgrees, regionOfArn } from '../../../bin/commands/aws-stack';
import type { RunRecord } from '../../../lambdas/adapters/ledger';
import { UsageError } from '../../../lambdas/domain/errors';

const EXECUTION = 'arn:aws:states:us-west-2:123456789012:execution:Clearance:exec-1';
const run = (status: string, executionId?: string) => ({ runId: 'r', status, ...(executionId === undefined ? {} : { executionId }) }) as unknown as RunRecord;

describe('regionOfArn', () => {
  it("takes the region of any partition's ARN", () => {
    expect(regionOfArn(EXECUTION, 'the execution')).toBe('us-west-2');
    expect(regionOfArn('arn:aws-us-gov:states:us-gov-west-1:1:stateMachine:x', 'x')).toBe('us-gov-west-1');
  });

  it('refuses a value that is no ARN with a region, naming it', () => {
    expect(() => regionOfArn('arn:aws:s3:::bucket', '--state-machine')).toThrow(UsageError);
    expect(() => regionOfArn('Clearance', '--state-machine')).toThrow('--state-machine "Clearance" is not an ARN with a region (arn:aws:states:<region>:<account>:...)');
  });
});

describe('describeRunExecution', () => {
  const sfn = (answer: () => unknown) => ({ send: async () => answer() }) as unknown as SFNClient;

  it("gives the execution's status, end and error", async () => {
    const described = sfn(() => ({ status: 'FAILED', stopDate: new Date('2024-06-01T12:00:00Z'), error: 'States.Timeout', cause: 'slow' }));
    expect(await describeRunExecution(described, run('FAILED', EXECUTION))).toEqual({ status: 'FAILED', stopDate: '2024-06-01T12:00:00.000Z', error: 'States.Timeout', cause: 'slow' });
    expect(await describeRunExecution(sfn(() => ({ status: 'RUNNING' })), run('CLASSIFYING', EXECUTION))).toEqual({ status: 'RUNNING' });
  });

  it('is undefined for a run that names no execution or one no longer kept; other errors pass', async () => {
    expect(await describeRunExecution(sfn(() => ({ status: 'RUNNING' })), run('CLASSIFYING'))).toBeUndefined();
    const gone = sfn(() => {
      throw Object.assign(new Error('gone'), { name: 'ExecutionDoesNotExist' });
    });
    expect(await describeRunExecution(gone, run('SUCCEEDED', EXECUTION))).toBeUndefined();
    const denied = sfn(() => {
      throw Object.assign(new Error('no'), { name: 'AccessDeniedException' });
    });
    await expect(describeRunExecution(denied, run('SUCCEEDED', EXECUTION))).rejects.toThrow('no');
  });
});

describe('executionAgrees', () => {
  it.each([
    ['CLASSIFYING', 'RUNNING', true],
    ['CLASSIFYING', 'FAILED', false],
    ['SUCCEEDED', 'SUCCEEDED', true],
    ['SUCCEEDED', 'RUNNING', false],
    ['FAILED', 'TIMED_OUT', true],
    ['FAILED', 'ABORTED', true],
    ['FAILED', 'SUCCEEDED', false],
  ])('a %s run and a %s execution: %s', (status, execution, agrees) => {
    expect(executionAgrees(run(status), { status: execution })).toBe(agrees);
  });
});
