/**
 * How runs end, on the embedded stack. Completion events: a subscriber on the default bus gets `Clearance Run
 * Succeeded` / `Clearance Run Failed` (docs/events.md) for every run, however it ended. Reconciliation: the workflow's
 * executions put the same "Step Functions Execution Status Change" events Step Functions puts, the stack's rule starts
 * the reconciler with them, and the reconcile handler closes the runs Mark failed never recorded. `clearance status
 * --aws`, aimed at the embedded stack as if it were the deployed one, shows an execution that disagrees with the ledger.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { statusCommand } from '../../bin/commands/status';
import { sizedTemplate } from './fixtures/template';
import { RunLedger } from '../../lambdas/adapters/ledger';
import { S3ObjectStore } from '../../lambdas/adapters/s3-object-store';
import { generateExtract } from '../../tools/generator';
import { readText } from '../../lambdas/domain/pipeline/object-store';
import { PRESETS } from '../../lambdas/domain/policy';
import { executionStatusChangeSchema } from '../../lambdas/operations';
import { ClearanceRunEvent, clearanceRunEventSchema, RUN_EVENT_SOURCE } from '../../lambdas/run-events';
import { EmbeddedStack, ExecutionSummary, startEmbeddedStack } from '../../local/embedded-stack';

jest.setTimeout(180_000);

const COUNTY = 'LOS ANGELES';
const template = sizedTemplate({ workflow: { targetRangeBytes: 1024 * 1024 } });
const extract = Buffer.from(Array.from(generateExtract({ county: COUNTY, people: 1500, seed: 7 })).join(''), 'latin1');

describe('reconciling ended executions on the embedded stack', () => {
  let stack: EmbeddedStack;
  let store: S3ObjectStore;
  let ledger: RunLedger;
  /** Phases whose invocations fail (before the handler runs) while listed. */
  const failing = new Set<string>();
  const busEvents: Array<Record<string, unknown>> = [];

  const reconcilerRuns = (): ExecutionSummary[] => stack.listExecutions().filter((e) => e.stateMachineLogicalId.startsWith('OperationsReconcile'));
  const workflowArn = () => Object.values(stack.template.stateMachines).find((machine) => machine.logicalId.startsWith('WorkflowStateMachine'))!.arn;
  /** The completion events of a run received so far, validated against the contract. */
  const completionEvents = (runId: string): ClearanceRunEvent[] =>
    busEvents
      .filter((event) => event.source === RUN_EVENT_SOURCE)
      .map((event) => clearanceRunEventSchema.parse(event))
      .filter((event) => event.detail.runId === runId);
  const runOf = async (key: string, county = COUNTY) => (await ledger.listRuns({ county, limit: 50 })).find((run) => run.triggerKey === key);

  beforeAll(async () => {
    stack = await startEmbeddedStack({
      template: await template,
      functionLogs: 'discard',
      workers: 2,
      retryDelayMs: 10,
      faults: { decide: ({ fn }) => (fn.phase && failing.has(fn.phase) ? { when: 'before', errorName: 'InjectedFault', message: `${fn.phase} is down` } : undefined) },
    });
    stack.onEvent((event) => busEvents.push(event as Record<string, unknown>));
    store = new S3ObjectStore(new S3Client(stack.s3Config), stack.bucketName());
    ledger = new RunLedger(DynamoDBDocumentClient.from(new DynamoDBClient(stack.dynamoDbConfig)), stack.tableName());
    await store.write(`policies/${COUNTY}.json`, [JSON.stringify(PRESETS['reference-default'])]);
  });

  afterEach(() => failing.clear());
  afterAll(() => stack.stop());

  test('a finished run puts Clearance Run Succeeded: ids, county, counts and keys as the ledger has them, nothing personal', async () => {
    const key = `incoming/${COUNTY}/complete.csv`;
    await store.write(key, [extract]);
    const ended = await stack.waitForExecution((await stack.executionStartedBy(key)).executionArn);
    expect(ended.status).toBe('SUCCEEDED');
    const run = (await runOf(key))!;
    const [event, ...more] = completionEvents(run.runId);
    expect(more).toEqual([]);
    expect(event).toMatchObject({ 'detail-type': 'Clearance Run Succeeded', account: stack.template.accountId, region: stack.template.region });
    expect(event.detail).toEqual({
      runId: run.runId,
      county: COUNTY,
      status: 'SUCCEEDED',
      counts: { rowsRead: run.rowsRead, rowsRejected: run.rowsRejected, rowsWritten: run.rowsWritten, people: run.people },
      reports: { prefix: `reports/${COUNTY}/${run.runId}/`, summaryKey: run.summaryKey },
      resultsPrefix: `results/${COUNTY}/${run.runId}/`,
    });
    expect(await store.exists(run.summaryKey!)).toBe(true);
    // No value of the extract but its county (names, CII, case numbers...) appears in the event.
    const text = JSON.stringify(event);
    const firstRow = extract.toString('latin1').split('\n')[1].split(',');
    const personal = firstRow.filter((cell) => cell.length >= 6 && !/^\d+$/.test(cell) && cell !== COUNTY);
    expect(personal.length).toBeGreaterThan(0);
    for (const value of personal) expect(text).not.toContain(value);
  });

  test('a stopped execution: its run, left in CLASSIFYING, is marked FAILED with an error.json from the status-change event', async () => {
    const key = `incoming/${COUNTY}/stopped.csv`;
    const stopAtClassify = stack.onExecutionEvent((event) => {
      if (event.type === 'StateEntered' && event.state === 'Classify' && !event.parent) stack.stopExecution(event.executionArn);
    });
    const reconcilersBefore = reconcilerRuns().length;
    await store.write(key, [extract]);
    const execution = await stack.executionStartedBy(key);
    const ended = await stack.waitForExecution(execution.executionArn);
    stopAtClassify();
    expect(ended.status).toBe('ABORTED');
    await stack.waitForIdle();

    const change = busEvents.find((event) => (event.detail as { executionArn?: string; status?: string }).executionArn === execution.executionArn && (event.detail as { status: string }).status === 'ABORTED');
    expect(executionStatusChangeSchema.parse(change)).toMatchObject({ detail: { stateMachineArn: workflowArn(), status: 'ABORTED' } });
    const reconcilers = reconcilerRuns().slice(reconcilersBefore);
    expect(reconcilers.map((e) => e.status)).toEqual(['SUCCEEDED']);
    expect(reconcilers[0].input).toEqual(change);

    const run = await runOf(key);
    expect(run).toMatchObject({ status: 'FAILED', errorName: 'ExecutionAborted', executionId: execution.executionArn });
    expect(run!.errorMessage).toMatch(/^execution [0-9a-f-]+ was stopped before recording the end of the run$/);
    const report = JSON.parse(await readText(store, `reports/${COUNTY}/${run!.runId}/error.json`));
    expect(report).toEqual({ runId: run!.runId, county: COUNTY, status: 'FAILED', error: { name: 'ExecutionAborted', message: run!.errorMessage }, failedAt: run!.endedAt });
    // The reconciler announces the failure, as Mark failed would have.
    expect(completionEvents(run!.runId).map((event) => [event['detail-type'], event.detail])).toEqual([
      [
        'Clearance Run Failed',
        {
          runId: run!.runId,
          county: COUNTY,
          status: 'FAILED',
          errorName: 'ExecutionAborted',
          counts: { rowsRead: run!.rowsRead, rowsRejected: run!.rowsRejected, rowsWritten: run!.rowsWritten, people: run!.people },
          reports: { prefix: `reports/${COUNTY}/${run!.runId}/`, errorKey: `reports/${COUNTY}/${run!.runId}/error.json` },
        },
      ],
    ]);
  });

  test('a failure Mark failed could not record (outside the Catch path) is recorded by the reconciler', async () => {
    const county = 'ALPINE'; // no policy: Plan fails, and Mark failed is down
    failing.add('mark-failed');
    const key = `incoming/${county}/extract.csv`;
    await store.write(key, [extract]);
    const ended = await stack.waitForExecution((await stack.executionStartedBy(key)).executionArn);
    expect(ended).toMatchObject({ status: 'FAILED', error: 'RunFailed' });
    await stack.waitForIdle();
    const run = await runOf(key, county);
    expect(run).toMatchObject({ status: 'FAILED', errorName: 'RunFailed', executionId: ended.executionArn });
    expect(JSON.parse(await readText(store, `reports/${county}/${run!.runId}/error.json`)).error.name).toBe('RunFailed');
  });

  test('a failure Mark failed recorded is left as Mark failed wrote it', async () => {
    const county = 'MODOC'; // no policy: Plan fails, Mark failed records the PolicyError
    const key = `incoming/${county}/extract.csv`;
    const reconcilersBefore = reconcilerRuns().length;
    await store.write(key, [extract]);
    const ended = await stack.waitForExecution((await stack.executionStartedBy(key)).executionArn);
    expect(ended.status).toBe('FAILED');
    await stack.waitForIdle();
    const reconcilers = reconcilerRuns().slice(reconcilersBefore);
    expect(reconcilers).toHaveLength(1);
    expect(reconcilers[0].output).toMatchObject({ reconcile: { reconciled: false, reason: 'the run has already ended FAILED' } });
    const run = await runOf(key, county);
    expect(run).toMatchObject({ status: 'FAILED', errorName: 'PolicyError' });
    // One completion event, from Mark failed: the reconciler, finding the run ended, puts none.
    expect(completionEvents(run!.runId).map((event) => [event['detail-type'], event.detail.status, (event.detail as { errorName: string }).errorName])).toEqual([
      ['Clearance Run Failed', 'FAILED', 'PolicyError'],
    ]);
  });

  test('clearance status --aws shows the execution status of a run the ledger still has in progress', async () => {
    failing.add('reconcile'); // the reconciler is down: the ledger keeps the stopped run open
    const key = `incoming/${COUNTY}/left-open.csv`;
    const stopAtClassify = stack.onExecutionEvent((event) => {
      if (event.type === 'StateEntered' && event.state === 'Classify' && !event.parent) stack.stopExecution(event.executionArn);
    });
    await store.write(key, [extract]);
    const ended = await stack.waitForExecution((await stack.executionStartedBy(key)).executionArn);
    stopAtClassify();
    await stack.waitForIdle();
    expect(reconcilerRuns().at(-1)?.status).toBe('FAILED');
    const run = (await runOf(key))!;
    expect(run.status).toBe('CLASSIFYING');

    const saved = { ...process.env };
    // The stand-ins answer only the embedded stack's own credential (stack.env).
    Object.assign(process.env, stack.env, {
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoDbConfig.endpoint as string,
      AWS_ENDPOINT_URL_SFN: stack.stepFunctionsEndpoint,
      AWS_REGION: 'eu-west-3', // the profile's region: the command must take the stack's from the ARN
    });
    const out: string[] = [];
    const err: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
    try {
      const options = { aws: true, table: stack.tableName(), stateMachineArn: workflowArn(), keepState: '', limit: 50 };
      await statusCommand(undefined, { ...options, county: COUNTY });
      const lines = out.join('').split('\n').filter((text) => text !== '');
      expect(lines[0]).toMatch(/ DURATION +EXECUTION$/);
      expect(lines.find((text) => text.startsWith(run.runId))).toMatch(/ CLASSIFYING .* ABORTED$/);
      // The run the reconciler closed in the first test agrees with its execution: no EXECUTION value.
      const others = lines.slice(1).filter((text) => !text.startsWith(run.runId));
      expect(others.length).toBeGreaterThan(0);
      for (const other of others) expect(other).toMatch(/ s$|-$/);
      out.length = 0;
      await statusCommand(run.runId, options);
      expect(JSON.parse(out.join(''))).toMatchObject({ runId: run.runId, status: 'CLASSIFYING', execution: { status: 'ABORTED' } });
      expect(err.join('')).toContain(`the ledger says CLASSIFYING but execution ${ended.executionArn} is ABORTED`);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      process.env = saved;
    }
  });
});
