/**
 * The local Step Functions stand-in (local/sfn-stand-in.ts) through the real SDK client: DescribeExecution and
 * StopExecution of the backend's executions, ExecutionDoesNotExist for others, any other operation refused by name.
 */
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { StandInExecution, startStepFunctionsStandIn, StepFunctionsStandIn } from '../../local/sfn-stand-in';

const ARN = 'arn:aws:states:us-east-1:000000000000:execution:Clearance:run-1';

describe('the Step Functions stand-in', () => {
  const executions = new Map<string, StandInExecution>([
    [ARN, { executionArn: ARN, name: 'run-1', stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Clearance', status: 'RUNNING', input: { a: 1 }, startDate: '2024-06-01T12:00:00.000Z' }],
  ]);
  const stopped: string[] = [];
  let standIn: StepFunctionsStandIn;
  let sfn: SFNClient;

  beforeAll(async () => {
    standIn = await startStepFunctionsStandIn({
      describe: (arn) => executions.get(arn),
      stop: (arn) => {
        stopped.push(arn);
        executions.set(arn, { ...executions.get(arn)!, status: 'ABORTED', stopDate: '2024-06-01T12:05:00.000Z', error: 'Stopped', cause: 'by the operator' });
      },
    });
    sfn = new SFNClient({ endpoint: standIn.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  });

  afterAll(async () => {
    sfn.destroy();
    await standIn.stop();
  });

  it('describes an execution, stops it, and describes it stopped', async () => {
    const running = await sfn.send(new DescribeExecutionCommand({ executionArn: ARN }));
    expect(running).toMatchObject({ executionArn: ARN, name: 'run-1', status: 'RUNNING', input: '{"a":1}', startDate: new Date('2024-06-01T12:00:00.000Z') });
    expect(running.stopDate).toBeUndefined();
    await sfn.send(new StopExecutionCommand({ executionArn: ARN }));
    expect(stopped).toEqual([ARN]);
    const aborted = await sfn.send(new DescribeExecutionCommand({ executionArn: ARN }));
    expect(aborted).toMatchObject({ status: 'ABORTED', stopDate: new Date('2024-06-01T12:05:00.000Z'), error: 'Stopped', cause: 'by the operator' });
  });

  it('answers ExecutionDoesNotExist for an unknown execution, and refuses other operations by name', async () => {
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: `${ARN}-x` }))).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    await expect(sfn.send(new StopExecutionCommand({ executionArn: `${ARN}-x` }))).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    await expect(sfn.send(new ListExecutionsCommand({}))).rejects.toMatchObject({ name: 'UnknownOperationException', message: expect.stringContaining('AWSStepFunctions.ListExecutions is not served') });
  });
});
