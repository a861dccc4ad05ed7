/**
 * The handlers' test bench: S3 and DynamoDB stand-ins (local/stand-ins.ts) reached through the real AWS SDK,
 * a data bucket and a ledger table with the contract's key schema, and the environment a deployed function gets.
 * Handler modules read their configuration at load (cold start), so they are required only after `start()`.
 */
import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localAwsConfig, localLambdaEnvironment, startStandIns, StandIns } from '../../local/stand-ins';
import { waitUntilActive } from '../../local/template';

export interface LambdaBench {
  standIns: StandIns;
  s3: S3Client;
  dynamodb: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  bucket: string;
  table: string;
  /** The variables set in process.env for the handlers. */
  env: Record<string, string>;
  put(key: string, body: string | Buffer): Promise<void>;
  /** An object's bytes as latin1 text (one char per byte). */
  text(key: string, encoding?: BufferEncoding): Promise<string>;
  stop(): Promise<void>;
}

export const BENCH_BUCKET = 'clearance-data';
export const BENCH_TABLE = 'clearance-ledger';

/** Creates the run ledger as lib/storage.ts does: pk (S), GSI byCounty (county S, startedAt S, ALL). */
export async function createLedgerTable(dynamodb: DynamoDBClient, table: string): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'county', AttributeType: 'S' },
        { AttributeName: 'startedAt', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byCounty',
          KeySchema: [
            { AttributeName: 'county', KeyType: 'HASH' },
            { AttributeName: 'startedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  await waitUntilActive(dynamodb, table);
}

export async function startBench(extraEnv: Record<string, string> = {}): Promise<LambdaBench> {
  // Lambda runs Node 22+, where the SDK prints no Node-version warning.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const standIns = await startStandIns();
  const config = localAwsConfig(standIns.endpoints);
  const s3 = new S3Client(config.s3);
  const dynamodb = new DynamoDBClient(config.dynamodb);
  await s3.send(new CreateBucketCommand({ Bucket: BENCH_BUCKET }));
  await createLedgerTable(dynamodb, BENCH_TABLE);
  const env = {
    ...localLambdaEnvironment(standIns.endpoints),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    DATA_BUCKET: BENCH_BUCKET,
    LEDGER_TABLE: BENCH_TABLE,
    ...extraEnv,
  };
  Object.assign(process.env, env);
  return {
    standIns,
    s3,
    dynamodb,
    documents: DynamoDBDocumentClient.from(dynamodb),
    bucket: BENCH_BUCKET,
    table: BENCH_TABLE,
    env,
    async put(key, body) {
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      await s3.send(new PutObjectCommand({ Bucket: BENCH_BUCKET, Key: key, Body: bytes, ContentLength: bytes.length }));
    },
    async text(key, encoding = 'latin1') {
      const response = await s3.send(new GetObjectCommand({ Bucket: BENCH_BUCKET, Key: key }));
      const chunks: Buffer[] = [];
      for await (const chunk of response.Body as Readable) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString(encoding);
    },
    async stop() {
      s3.destroy();
      dynamodb.destroy();
      await standIns.stop();
    },
  };
}

let eventCount = 0;

/** The EventBridge "Object Created" event S3 sends for an upload (the state machine's input). */
export function objectCreatedEvent(key: string, options: { bucket?: string; etag?: string; versionId?: string; time?: string } = {}) {
  eventCount++;
  return {
    version: '0',
    id: `00000000-0000-0000-0000-${String(eventCount).padStart(12, '0')}`,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '000000000000',
    time: options.time ?? '2024-06-01T12:00:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${options.bucket ?? BENCH_BUCKET}`],
    detail: {
      version: '0',
      bucket: { name: options.bucket ?? BENCH_BUCKET },
      object: {
        key,
        size: 1,
        etag: options.etag ?? `etag-${eventCount}`,
        ...(options.versionId === undefined ? {} : { 'version-id': options.versionId }),
        sequencer: '0001',
      },
      'request-id': 'TEST',
      requester: '000000000000',
      reason: 'PutObject',
    },
  };
}

/** Captures what the handlers write to stdout (Powertools logs) while keeping the test output quiet. */
export function captureStdout(): { lines: () => string[]; restore: () => void } {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  return {
    lines: () => written.join('').split('\n').filter((line) => line.trim() !== ''),
    restore: () => spy.mockRestore(),
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

type Handler = (event: unknown) => Promise<unknown>;

export interface Handlers {
  plan: Handler;
  split: Handler;
  classify: Handler;
  compare: Handler;
  assemble: Handler;
  markFailed: Handler;
}

/** The phases' handler modules, loaded (cold-started) with the environment as it is now. */
export function loadHandlers(): Handlers {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    plan: require('../../lambdas/plan/handler').handler,
    split: require('../../lambdas/split/handler').handler,
    classify: require('../../lambdas/classify/handler').handler,
    compare: require('../../lambdas/compare/handler').handler,
    assemble: require('../../lambdas/assemble/handler').handler,
    markFailed: require('../../lambdas/mark-failed/handler').handler,
  };
}

export interface PipelineOutcome {
  plan: import('../../lambdas/workflow-contract').PlanResult;
  splits: unknown[];
  classifies: unknown[];
  /** The Compare tasks' answers, when Plan found a previous run to compare with. */
  compares?: unknown[];
  assemble?: unknown;
}

/**
 * What the state machine does with one upload event: Plan; then, unless duplicate or ignored, Split over every item
 * of the ranges manifest and Classify over every item of the partitions manifest (payloads as the maps' ItemSelectors
 * build them), the comparison when Plan says so (Route decisions, the Route map when it has items, the Compare map),
 * then Assemble. Throws what a phase throws.
 */
export async function runPipeline(handlers: Handlers, bench: LambdaBench, event: unknown): Promise<PipelineOutcome> {
  const plan = (await handlers.plan(event)) as PipelineOutcome['plan'];
  if (plan.duplicate || plan.ignored) return { plan, splits: [], classifies: [] };
  const ranges = JSON.parse(await bench.text(plan.rangesKey, 'utf8')) as unknown[];
  const splits = await Promise.all(ranges.map((range) => handlers.split({ runId: plan.runId, range })));
  // The state machine's "Index slices" task: the Split function once more, for the whole run.
  await handlers.split({ runId: plan.runId, indexSlices: true });
  const partitions = JSON.parse(await bench.text(plan.partitionsKey, 'utf8')) as Array<{ partition: number }>;
  const classifies = await Promise.all(partitions.map((item) => handlers.classify({ runId: plan.runId, partition: item.partition })));
  let compares: unknown[] | undefined;
  if (plan.compare) {
    await handlers.compare({ runId: plan.runId, routeDecisions: true });
    if (plan.routeCount > 0) {
      const parts = JSON.parse(await bench.text(plan.routePartsKey, 'utf8')) as Array<{ part: number }>;
      await Promise.all(parts.map((item) => handlers.compare({ runId: plan.runId, routePart: item.part })));
    }
    compares = await Promise.all(partitions.map((item) => handlers.compare({ runId: plan.runId, partition: item.partition })));
  }
  // The "Assemble slices" map: the Assemble function once per output slice, then once more to publish.
  const slices = JSON.parse(await bench.text(plan.slicesKey, 'utf8')) as Array<{ slice: number }>;
  await Promise.all(slices.map((item) => handlers.assemble({ runId: plan.runId, slice: item.slice })));
  const assemble = await handlers.assemble({ runId: plan.runId });
  return { plan, splits, classifies, ...(compares === undefined ? {} : { compares }), assemble };
}
