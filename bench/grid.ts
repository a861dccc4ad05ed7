/**
 * The large-grid run of `npm run bench`: `clearance run`'s embedded stack with the cloud's limits on (Lambda's 1,024
 * sockets per execution environment, S3's per-prefix request rates answered with SlowDown), a generated extract cut
 * into tiny ranges and partitions so that the grid is hundreds by hundreds, and what the run needed: requests, the
 * peak request rate per prefix, the most sockets one invocation held, the most heap one invocation used.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { synthTemplate } from '../bin/commands/synth-template';
import { backoffRetryStrategy } from '../lambdas/adapters/aws-clients';
import { RunLedger } from '../lambdas/adapters/ledger';
import { S3ObjectStore } from '../lambdas/adapters/s3-object-store';
import { generateExtract } from '../tools/generator';
import { PRESETS } from '../lambdas/domain/policy';
import { startEmbeddedStack } from '../local/embedded-stack';
import { LAMBDA_MAX_FILE_DESCRIPTORS } from '../local/lambda-pool';

export interface GridOptions {
  people: number;
  /** Plan's TARGET_RANGE_BYTES and TARGET_PARTITION_BYTES. */
  bytes: number;
  /** Plan's TARGET_SLICE_BYTES (input bytes per output slice); default the stack's 256 MiB. */
  sliceBytes?: number;
}

export async function gridRun(options: GridOptions): Promise<string> {
  const county = 'LOS ANGELES';
  const template = synthTemplate({ workflow: { targetRangeBytes: 1024 * 1024, targetPartitionBytes: 1024 * 1024 } });
  const resources = template.Resources as Record<string, { Type: string; Properties: { Environment?: { Variables?: Record<string, unknown> } } }>;
  for (const resource of Object.values(resources)) {
    const variables = resource.Properties.Environment?.Variables;
    if (resource.Type === 'AWS::Lambda::Function' && variables?.MAX_PARTITIONS !== undefined) {
      Object.assign(variables, { TARGET_RANGE_BYTES: String(options.bytes), TARGET_PARTITION_BYTES: String(options.bytes), MAX_PARTITIONS: '10000' });
      if (options.sliceBytes !== undefined) variables.TARGET_SLICE_BYTES = String(options.sliceBytes);
    }
  }
  const stack = await startEmbeddedStack({
    template,
    functionLogs: 'discard',
    workers: 2,
    limits: { maxOpenSockets: LAMBDA_MAX_FILE_DESCRIPTORS, s3: { perPrefixPerSecond: { read: 5_500, write: 3_500 } } },
  });
  const s3 = new S3Client({ ...stack.s3Config, retryStrategy: backoffRetryStrategy() });
  const dynamodb = new DynamoDBClient(stack.dynamoDbConfig);
  try {
    const store = new S3ObjectStore(s3, stack.bucketName());
    const ledger = new RunLedger(DynamoDBDocumentClient.from(dynamodb), stack.tableName());
    const extract = Array.from(generateExtract({ county, people: options.people, seed: 5 })).join('');
    await store.write(`policies/${county}.json`, [JSON.stringify(PRESETS['reference-default'])]);
    await store.write(`incoming/${county}/grid/extract.csv`, [Buffer.from(extract, 'latin1')]);
    const before = stack.s3RequestStats();
    const started = Date.now();
    const key = `incoming/${county}/grid/manifest.json`;
    await store.write(key, [JSON.stringify({ files: ['extract.csv'], policy: 'reference-default' })]);
    const execution = await stack.executionStartedBy(key, { timeoutMs: 60_000 });
    const ended = await stack.waitForExecution(execution.executionArn, { timeoutMs: 3_600_000 });
    const seconds = (Date.now() - started) / 1000;
    const run = (await ledger.listRuns({ county, limit: 10 })).find((r) => r.triggerKey === key);
    const after = stack.s3RequestStats();
    const lambda = stack.lambdaStats();
    const peaks = Object.entries(lambda.peaks);
    const heaviest = peaks.reduce((best, entry) => (entry[1].heapBytes > best[1].heapBytes ? entry : best), peaks[0]);
    const longest = peaks.reduce((best, entry) => (entry[1].seconds > best[1].seconds ? entry : best), peaks[0]);
    const phase = (name: string) => name.replace(/^.*?(Plan|Split|Classify|Assemble|MarkFailed).*$/, '$1');
    const rows = [
      ['status', ended.status],
      ['input', `${(Buffer.byteLength(extract, 'latin1') / 1e6).toFixed(1)} MB, ${run?.rowsRead ?? '?'} rows`],
      ['grid', `${run?.rangeCount ?? '?'} ranges × ${run?.partitionCount ?? '?'} partitions (${options.bytes} B each)`],
      ['output slices', `${Math.max(0, (peaks.find(([name]) => phase(name) === 'Assemble')?.[1].invocations ?? 1) - 1)} (Assemble invocations but Publish; ${options.sliceBytes ?? 'default'} B each)`],
      ['wall time', `${seconds.toFixed(1)} s`],
      ['S3 requests', `${after.requests.write - before.requests.write} PUT/COPY/POST/DELETE, ${after.requests.read - before.requests.read} GET/HEAD`],
      ['SlowDown answers', String(after.slowDowns - before.slowDowns)],
      ['peak requests per prefix in one second', `${after.peakPerPrefix.write} writes (${after.peakPerPrefix.writePrefix}), ${after.peakPerPrefix.read} reads (${after.peakPerPrefix.readPrefix})`],
      ['most sockets open in one invocation', `${lambda.peakOpenSockets} (cap ${LAMBDA_MAX_FILE_DESCRIPTORS})`],
      ['most heap in one invocation', heaviest ? `${(heaviest[1].heapBytes / 1e6).toFixed(0)} MB (${phase(heaviest[0])})` : '-'],
      ['most network bytes one invocation moved', `${(lambda.peakInvocationBytes / 1e6).toFixed(1)} MB`],
      ['longest invocation', longest ? `${longest[1].seconds.toFixed(1)} s (${phase(longest[0])})` : '-'],
    ];
    return `| measure | value |\n|---|---|\n${rows.map(([name, value]) => `| ${name} | ${value} |`).join('\n')}\n`;
  } finally {
    s3.destroy();
    dynamodb.destroy();
    await stack.stop();
  }
}
