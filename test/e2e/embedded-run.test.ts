/**
 * The whole product on one machine: the synthesized stack's state machine, rule, functions' environment and
 * compiled handlers (dist/, built by `npm test`), against the embedded S3/DynamoDB stand-ins, driven by uploads.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sizedTemplate } from './fixtures/template';
import { RunLedger } from '../../lambdas/adapters/ledger';
import { S3ObjectStore } from '../../lambdas/adapters/s3-object-store';
import { generateExtract } from '../../tools/generator';
import { readText } from '../../lambdas/domain/pipeline/object-store';
import { runInProcess } from '../../lambdas/domain/pipeline/run';
import { PRESETS } from '../../lambdas/domain/policy';
import { EmbeddedStack, startEmbeddedStack } from '../../local/embedded-stack';
import { FsObjectStore } from '../../local/fs-object-store';

jest.setTimeout(180_000);

const COUNTY = 'LOS ANGELES';
const MIB = 1024 * 1024;
const template = sizedTemplate({ workflow: { targetRangeBytes: 1 * MIB } });
const extract = Array.from(generateExtract({ county: COUNTY, people: 3000, seed: 11 })).join('');

interface Harness {
  stack: EmbeddedStack;
  store: S3ObjectStore;
  ledger: RunLedger;
}

async function start(options: Partial<Parameters<typeof startEmbeddedStack>[0]> = {}): Promise<Harness> {
  const stack = await startEmbeddedStack({ template: await template, functionLogs: 'discard', workers: 2, retryDelayMs: 10, ...options });
  const store = new S3ObjectStore(new S3Client(stack.s3Config), stack.bucketName());
  const ledger = new RunLedger(DynamoDBDocumentClient.from(new DynamoDBClient(stack.dynamoDbConfig)), stack.tableName());
  return { stack, store, ledger };
}

async function uploadRun(h: Harness, key: string, county = COUNTY) {
  await h.store.write(key, [Buffer.from(extract, 'latin1')]);
  const execution = await h.stack.executionStartedBy(key, { timeoutMs: 30_000 });
  const ended = await h.stack.waitForExecution(execution.executionArn, { timeoutMs: 150_000 });
  const runs = await h.ledger.listRuns({ county, limit: 50 });
  return { ended, run: runs.find((run) => run.triggerKey === key) };
}

describe('the embedded stack', () => {
  let h: Harness;
  let localDir: string;

  beforeAll(async () => {
    h = await start();
    await h.store.write(`policies/${COUNTY}.json`, [JSON.stringify(PRESETS['reference-default'])]);
    localDir = mkdtempSync(path.join(os.tmpdir(), 'e2e-local-'));
  });

  afterAll(async () => {
    await h.stack.stop();
    rmSync(localDir, { recursive: true, force: true });
  });

  test('an upload runs the workflow to SUCCEEDED, with the outputs of `clearance classify` on the same input', async () => {
    const key = `incoming/${COUNTY}/extract.csv`;
    // compute-at comes from a manifest in AWS; a single-file run computes at today, so compare at today too.
    const { ended, run } = await uploadRun(h, key);
    expect(ended.status).toBe('SUCCEEDED');
    expect(run).toBeDefined();
    expect(run!.status).toBe('SUCCEEDED');
    expect(run!.rowsRead).toBe(extract.split('\n').length - 2);
    expect(run!.rowsRead).toBe(run!.rowsWritten + run!.rowsRejected);
    expect(run!.rangeCount).toBeGreaterThan(1);
    expect(run!.rangesDone).toBe(run!.rangeCount);
    expect(run!.partitionsDone).toBe(run!.partitionCount);

    const input = path.join(localDir, 'extract.csv');
    await fs.writeFile(input, extract, 'latin1');
    const local = new FsObjectStore(path.join(localDir, 'out'));
    await runInProcess(local, {
      runId: 'local',
      county: COUNTY,
      policy: PRESETS['reference-default'],
      policyName: run!.policyName,
      computeAt: run!.computeAt,
      files: [{ key: input, name: 'extract.csv' }],
      workPrefix: 'work/',
      resultsPrefix: '',
      reportsPrefix: '',
    });
    for (const name of ['All_Results.csv', 'Prop64_Results.csv', 'All_Results_Condensed.csv', 'rejects.csv']) {
      const cloud = await readText(h.store, `results/${COUNTY}/${run!.runId}/${name}`, 'latin1');
      expect({ name, text: cloud }).toEqual({ name, text: await readText(local, name, 'latin1') });
    }
    // results/summary.json: the whole reference summary, as `classify` writes it in its one folder.
    const cloudSummary = JSON.parse(await readText(h.store, `results/${COUNTY}/${run!.runId}/summary.json`));
    const localSummary = JSON.parse(await readText(local, 'summary.json'));
    for (const summary of [cloudSummary, localSummary]) {
      for (const key of ['runId', 'processingTimeInSeconds', 'timings', 'policyName', 'files']) delete summary[key];
    }
    expect(cloudSummary).toEqual(localSummary);
  });

  test('the run adds its analytics rows, and its reports carry their Content-Type (report.html opens in a browser)', async () => {
    const run = (await h.ledger.listRuns({ county: COUNTY, limit: 50 })).find((r) => r.triggerKey === `incoming/${COUNTY}/extract.csv`)!;
    const keys = await h.store.list('analytics/');
    expect(keys.map((key) => key.replace(/run_date=\d{4}-\d{2}-\d{2}/, 'run_date=D'))).toEqual([
      `analytics/determinations/county=los_angeles/run_date=D/${run.runId}.jsonl`,
      'analytics/latest/county=los_angeles/latest.jsonl',
      `analytics/runs/county=los_angeles/run_date=D/${run.runId}.jsonl`,
      `analytics/statistics/county=los_angeles/run_date=D/${run.runId}.jsonl`,
    ]);
    const latest = JSON.parse(await readText(h.store, 'analytics/latest/county=los_angeles/latest.jsonl')) as Record<string, unknown>;
    expect(latest).toMatchObject({ run_id: run.runId, county_name: COUNTY, rows_read: run.rowsRead, convictions_dismissed: run.dismissals, reports_prefix: `reports/${COUNTY}/${run.runId}/` });
    const contentType = async (key: string) => (await h.store.client.send(new HeadObjectCommand({ Bucket: h.store.bucket, Key: key }))).ContentType;
    const reports = `reports/${COUNTY}/${run.runId}/`;
    expect({
      html: await contentType(`${reports}report.html`),
      json: await contentType(`${reports}summary.json`),
      csv: await contentType(`${reports}statistics.csv`),
      jsonl: await contentType(keys[0]),
    }).toEqual({ html: 'text/html; charset=utf-8', json: 'application/json', csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson' });
  });

  test('a second upload of the same object, and a repeated event, start no second run', async () => {
    const key = `incoming/${COUNTY}/again.csv`;
    const first = await uploadRun(h, key);
    expect(first.run?.status).toBe('SUCCEEDED');
    const executionsBefore = h.stack.listExecutions().length;
    await h.store.write(key, [Buffer.from(extract, 'latin1')]);
    await h.stack.waitForIdle();
    const executions = h.stack.listExecutions();
    expect(executions.length).toBe(executionsBefore + 1);
    const repeat = executions[executions.length - 1];
    expect(repeat.status).toBe('SUCCEEDED');
    expect((repeat.output as { plan: { duplicate: boolean } }).plan.duplicate).toBe(true);
    const runs = (await h.ledger.listRuns({ county: COUNTY, limit: 50 })).filter((run) => run.triggerKey === key);
    expect(runs).toHaveLength(1);
  });

  test('a policy error ends FAILED in the ledger, with the error report written', async () => {
    const county = 'SACRAMENTO';
    await h.store.write(`policies/${county}.json`, [JSON.stringify({ additionalRelief: { subjectAgeThreshold: 30 } })]);
    const key = `incoming/${county}/extract.csv`;
    const { ended, run } = await uploadRun(h, key, county);
    expect(ended.status).toBe('FAILED');
    expect(run?.status).toBe('FAILED');
    expect(run?.errorName).toBe('PolicyError');
    expect(run?.errorMessage).toContain('subjectAgeThreshold');
    expect(run?.errorMessage).toContain('30');
    const report = JSON.parse(await readText(h.store, `reports/${county}/${run!.runId}/error.json`));
    expect(report.status).toBe('FAILED');
    expect(report.error.name).toBe('PolicyError');
    expect(report.error.message).toContain('subjectAgeThreshold');
  });
});

describe('the embedded stack with a fault', () => {
  test('a handler that throws a retryable error once is retried and the run still succeeds', async () => {
    let injected = 0;
    const h = await start({
      faults: {
        decide: ({ fn }) => {
          if (fn.phase !== 'split' || injected > 0) return undefined;
          injected++;
          return { when: 'before', errorName: 'RetryableError', message: 'injected: S3 throttled' };
        },
      },
    });
    try {
      await h.store.write(`policies/${COUNTY}.json`, [JSON.stringify(PRESETS['dismiss-all'])]);
      const { ended, run } = await uploadRun(h, `incoming/${COUNTY}/faulty.csv`);
      expect(injected).toBe(1);
      expect(h.stack.lambdaStats().faultsInjected).toBe(1);
      expect(ended.status).toBe('SUCCEEDED');
      expect(run?.status).toBe('SUCCEEDED');
      expect(run?.rangesDone).toBe(run?.rangeCount);
    } finally {
      await h.stack.stop();
    }
  });
});
