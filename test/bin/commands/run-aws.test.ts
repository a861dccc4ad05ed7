/**
 * `clearance run --aws` against the embedded stack as the "deployed" one: the SDK's endpoint variables aim the
 * command's S3, DynamoDB and Step Functions clients at the stand-ins, the profile's region is a different one.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../../bin/cli';
import { checkRequest } from '../../../bin/commands/request';
import { runCommand, RunOptions, triggerKeyNames } from '../../../bin/commands/run';
import { sizedTemplate } from '../../e2e/fixtures/template';
import { RunLedger } from '../../../lambdas/adapters/ledger';
import { S3ObjectStore } from '../../../lambdas/adapters/s3-object-store';
import { generateExtract } from '../../../tools/generator';
import { readText } from '../../../lambdas/domain/pipeline/object-store';
import { EmbeddedStack, startEmbeddedStack } from '../../../local/embedded-stack';

jest.setTimeout(180_000);

const COUNTY = 'LOS ANGELES';

describe('clearance run --aws', () => {
  let stack: EmbeddedStack;
  let store: S3ObjectStore;
  let ledger: RunLedger;
  let dir: string;
  let input: string;
  let savedEnv: NodeJS.ProcessEnv;
  const stderr: string[] = [];
  let spies: jest.SpyInstance[] = [];

  const options = (extra: Partial<RunOptions> = {}): RunOptions => ({
    county: COUNTY,
    policy: 'reference-default',
    out: path.join(dir, 'out'),
    samplePeople: 10,
    aws: true,
    bucket: stack.bucketName(),
    table: stack.tableName(),
    stateMachineArn: Object.values(stack.template.stateMachines).find((machine) => machine.logicalId.startsWith('WorkflowStateMachine'))!.arn,
    ...extra,
  });
  /** The command as the CLI runs it: the request checked first (bin/commands/request.ts). */
  const runAws = async (opts: RunOptions) => runCommand(opts, await checkRequest(opts));
  const incomingKeys = async () => (await store.list('incoming/')).filter((key) => key.startsWith('incoming/'));

  beforeAll(async () => {
    stack = await startEmbeddedStack({ template: await sizedTemplate({}), functionLogs: 'discard', workers: 2, retryDelayMs: 10 });
    store = new S3ObjectStore(new S3Client(stack.s3Config), stack.bucketName());
    ledger = new RunLedger(DynamoDBDocumentClient.from(new DynamoDBClient(stack.dynamoDbConfig)), stack.tableName());
    dir = mkdtempSync(path.join(os.tmpdir(), 'run-aws-'));
    input = path.join(dir, 'extract.csv');
    await fs.writeFile(input, Array.from(generateExtract({ county: COUNTY, people: 200, seed: 3 })).join(''), 'latin1');
    savedEnv = { ...process.env };
    // The handlers' environment: stand-in endpoints, their credentials, path-style S3. The profile's region is elsewhere.
    Object.assign(process.env, stack.env, { AWS_ENDPOINT_URL_SFN: stack.stepFunctionsEndpoint, AWS_REGION: 'eu-west-3' });
    spies = [
      jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => stderr.push(String(chunk)) > 0),
      jest.spyOn(process.stdout, 'write').mockImplementation(() => true),
    ];
  });

  afterAll(async () => {
    for (const spy of spies) spy.mockRestore();
    process.env = savedEnv;
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    stderr.length = 0;
  });

  test('refuses to upload a generated sample unless --sample', async () => {
    const o = options();
    const code = await main(['node', 'clearance', 'run', '--aws', '--bucket', o.bucket!, '--table', o.table!, '--state-machine-arn', o.stateMachineArn!, '--out', o.out]);
    expect(code).toBe(2);
    expect(stderr.join('')).toContain('pass --input <files>, or --sample');
    expect(await incomingKeys()).toEqual([]);
  });

  test('refuses to replace the county policy of the deployed stack unless --replace-policy', async () => {
    const live = JSON.stringify({ baselineEligibility: { dismiss: ['11357'] } });
    await store.write(`policies/${COUNTY}.json`, [live]);
    const policyFile = path.join(dir, 'policy.json');
    await fs.writeFile(policyFile, JSON.stringify({ baselineEligibility: { dismiss: ['11357', '11358'] } }));
    await expect(runAws(options({ input: [input], policy: policyFile }))).rejects.toMatchObject({
      name: 'UsageError',
      message: expect.stringContaining(`policies/${COUNTY}.json exists: every upload of ${COUNTY} uses it. Pass --replace-policy`),
    });
    expect(await readText(store, `policies/${COUNTY}.json`)).toBe(live);
    expect(await incomingKeys()).toEqual([]);
  });

  test('uploads the input, finds its run through the ledger, says what went where, and copies the results', async () => {
    await runAws(options({ input: [input] }));
    const text = stderr.join('');
    expect(text).toContain('the deployed stack in us-east-1'); // the ARN's region, not the profile's eu-west-3
    const uploaded = /uploaded .*extract\.csv to s3:\/\/([^/]+)\/(incoming\/LOS ANGELES\/batch-[^/]+\/01-extract\.csv)/.exec(text);
    expect(uploaded?.[1]).toBe(stack.bucketName());
    const manifestKey = uploaded![2].replace(/01-extract\.csv$/, 'manifest.json');
    expect(text).toContain(`uploaded the batch manifest to s3://${stack.bucketName()}/${manifestKey}`);
    const run = (await ledger.listRuns({ county: COUNTY })).find((candidate) => candidate.triggerKey === manifestKey)!;
    expect(run.status).toBe('SUCCEEDED');
    expect(text).toContain(`run ${run.runId}, execution ${run.executionId}`);
    expect(await fs.readdir(path.join(dir, 'out', run.runId, 'results'))).toEqual(expect.arrayContaining(['summary.json', 'All_Results.csv']));
    expect(await fs.readdir(path.join(dir, 'out', run.runId, 'reports'))).toEqual(expect.arrayContaining(['summary.json', 'report.html']));
  });

  test('replaces the policy with --replace-policy, and says so', async () => {
    const policyFile = path.join(dir, 'policy.json');
    await runAws(options({ input: [input], policy: policyFile, replacePolicy: true }));
    expect(JSON.parse(await readText(store, `policies/${COUNTY}.json`))).toEqual({ baselineEligibility: { dismiss: ['11357', '11358'] } });
    expect(stderr.join('')).toContain(`uploaded policy policy.json to s3://${stack.bucketName()}/policies/${COUNTY}.json`);
  });

  test('needs the stack outputs, and a state machine ARN with a region', async () => {
    await expect(runAws(options({ input: [input], stateMachineArn: 'RecordClearance' }))).rejects.toMatchObject({
      name: 'UsageError',
      message: expect.stringContaining('--state-machine-arn "RecordClearance" is not an ARN with a region'),
    });
  });
});

describe('triggerKeyNames', () => {
  test('matches the key as given or URL-encoded (S3 notifications encode a space as +)', () => {
    expect(triggerKeyNames('incoming/LOS ANGELES/b/manifest.json', 'incoming/LOS ANGELES/b/manifest.json')).toBe(true);
    expect(triggerKeyNames('incoming/LOS+ANGELES/b/manifest.json', 'incoming/LOS ANGELES/b/manifest.json')).toBe(true);
    expect(triggerKeyNames('incoming/LOS%20ANGELES/b%2Bc/manifest.json', 'incoming/LOS ANGELES/b+c/manifest.json')).toBe(true);
    expect(triggerKeyNames('incoming/LOS ANGELES/other/manifest.json', 'incoming/LOS ANGELES/b/manifest.json')).toBe(false);
    expect(triggerKeyNames('incoming/%E0%A4%A/x', 'incoming/x')).toBe(false);
    expect(triggerKeyNames(undefined, 'incoming/x')).toBe(false);
  });
});
