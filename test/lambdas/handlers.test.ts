/**
 * The five handlers end to end, as the state machine chains them, against S3 and DynamoDB stand-ins through the
 * real SDK: the outputs must be byte-identical to runInProcess on the same input and policy.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { COL } from '../../lambdas/domain/columns';
import { generateExtract } from '../../tools/generator';
import { OUTPUT_FILES } from '../../lambdas/domain/pipeline/assemble';
import { runInProcess } from '../../lambdas/domain/pipeline/run';
import { Summary } from '../../lambdas/domain/summary';
import { RunLedger } from '../../lambdas/adapters/ledger';
import { FsObjectStore } from '../../local/fs-object-store';
import { fixturePolicy } from '../helpers/run-fixture';
import { captureStdout, Handlers, LambdaBench, loadHandlers, objectCreatedEvent, runPipeline, startBench } from './helpers';

const COUNTY = 'LOS ANGELES';
const KiB = 1024;
const RESULT_FILES = [OUTPUT_FILES.allResults, OUTPUT_FILES.prop64Results, OUTPUT_FILES.condensed];

/** A generated extract with two malformed lines, so that rejects.csv has rows. */
function extractText(): string {
  const text = [...generateExtract({ county: COUNTY, people: 300, seed: 7 })].join('');
  const lines = text.split('\n');
  lines.splice(700, 0, 'not,a,doj,row');
  lines.splice(1900, 0, '"unterminated,quote');
  return lines.join('\n');
}

/** Splits an extract into two files in the middle of one person's rows (the second file repeats the header). */
function splitAcrossPerson(text: string): { first: string; second: string; subjectId: string } {
  const lines = text.split('\n');
  const rows = lines.map((line) => line.split(','));
  for (let i = lines.length / 2; i < lines.length - 1; i++) {
    if (rows[i].length > 10 && rows[i][COL.SUBJECT_ID] === rows[i + 1][COL.SUBJECT_ID]) {
      return { first: `${lines.slice(0, i + 1).join('\n')}\n`, second: `${lines[0]}\n${lines.slice(i + 1).join('\n')}`, subjectId: rows[i][COL.SUBJECT_ID] };
    }
  }
  throw new Error('no person with two consecutive rows');
}

function withoutTimings(summary: Summary): Partial<Summary> {
  const { timings, processingTimeInSeconds, ...rest } = summary;
  expect(Object.keys(timings)).toEqual(expect.arrayContaining(['plan', 'split', 'classify', 'assemble', 'total']));
  expect(processingTimeInSeconds).toBeGreaterThanOrEqual(0);
  return rest;
}

describe('handlers end to end', () => {
  let bench: LambdaBench;
  let handlers: Handlers;
  let ledger: RunLedger;
  let stdout: ReturnType<typeof captureStdout>;
  let scratch: string;
  const extract = extractText();

  /** The same request through runInProcess on the file system: the reference outputs. */
  async function reference(runId: string, files: Array<{ name: string; content: string }>, policy: unknown, policyName: string) {
    const root = fs.mkdtempSync(path.join(scratch, 'ref-'));
    const store = new FsObjectStore(root);
    for (const file of files) await store.write(`in/${file.name}`, [file.content]);
    await runInProcess(store, {
      runId,
      county: COUNTY,
      policy,
      policyName,
      files: files.map((file) => ({ key: `in/${file.name}`, name: file.name })),
      workPrefix: 'work/',
      resultsPrefix: 'results/',
      reportsPrefix: 'reports/',
    });
    const read = (key: string) => fs.readFileSync(path.join(root, key)).toString('latin1');
    return {
      results: Object.fromEntries([...RESULT_FILES, OUTPUT_FILES.rejects].map((name) => [name, read(`results/${name}`)])),
      summary: JSON.parse(read(`reports/${OUTPUT_FILES.summary}`)) as Summary,
    };
  }

  beforeAll(async () => {
    stdout = captureStdout();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'clearance-handlers-'));
    bench = await startBench({
      MAX_PARTITIONS: '50',
      TARGET_RANGE_BYTES: String(256 * KiB),
      TARGET_PARTITION_BYTES: String(256 * KiB),
      MAX_REJECT_RATIO: '0.05',
    });
    handlers = loadHandlers();
    ledger = new RunLedger(bench.documents, bench.table);
    await bench.put(`policies/${COUNTY}.json`, JSON.stringify(fixturePolicy()));
  });

  afterAll(async () => {
    stdout.restore();
    await bench.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('runs a single-file upload through every phase to the outputs runInProcess gives, byte for byte', async () => {
    await bench.put(`incoming/${COUNTY}/extract.csv`, extract);
    const event = objectCreatedEvent(`incoming/${COUNTY}/extract.csv`, { versionId: 'v1' });
    const outcome = await runPipeline(handlers, bench, event);
    const { plan } = outcome;
    expect(plan).toEqual({
      runId: expect.stringMatching(/^los-angeles-20240601-[0-9a-f]{12}$/),
      county: COUNTY,
      duplicate: false,
      ignored: false,
      rangesKey: `runs/${plan.runId}/ranges.json`,
      partitionsKey: `runs/${plan.runId}/partitions.json`,
      slicesKey: `runs/${plan.runId}/output-slices.json`,
      rangeCount: expect.any(Number),
      partitionCount: expect.any(Number),
      // Small runs stay far below the request budget: the maps' ceilings apply (domain/pipeline/limits.ts).
      splitConcurrency: 100,
      classifyConcurrency: 100,
      // The county's first run: nothing to compare with (docs/monthly.md).
      compare: false,
      routePartsKey: '',
      routeCount: 0,
    });
    expect(plan.rangeCount).toBeGreaterThanOrEqual(4);
    expect(plan.partitionCount).toBeGreaterThanOrEqual(4);
    expect(outcome.splits).toHaveLength(plan.rangeCount);
    expect(outcome.classifies).toHaveLength(plan.partitionCount);

    const expected = await reference(plan.runId, [{ name: 'extract.csv', content: extract }], fixturePolicy(), `policies/${COUNTY}.json`);
    for (const name of [...RESULT_FILES, OUTPUT_FILES.rejects]) {
      expect(await bench.text(`results/${COUNTY}/${plan.runId}/${name}`)).toBe(expected.results[name]);
    }
    expect(expected.results[OUTPUT_FILES.rejects].split('\n').length).toBeGreaterThan(3);
    const summary = JSON.parse(await bench.text(`reports/${COUNTY}/${plan.runId}/summary.json`, 'utf8')) as Summary;
    expect(withoutTimings(summary)).toEqual(withoutTimings(expected.summary));

    expect(outcome.assemble).toEqual({
      runId: plan.runId,
      county: COUNTY,
      status: 'SUCCEEDED',
      rowsRead: summary.rowsRead,
      rowsRejected: summary.rowsRejected,
      rowsWritten: summary.rowsWritten,
      people: summary.people,
      summaryKey: `reports/${COUNTY}/${plan.runId}/summary.json`,
    });
    const splitRows = (outcome.splits as Array<{ rowsRead: number; rowsRejected: number }>).reduce((sum, s) => sum + s.rowsRead, 0);
    expect(splitRows).toBe(summary.rowsRead);

    const run = await ledger.getRun(plan.runId);
    expect(run).toMatchObject({
      runId: plan.runId,
      county: COUNTY,
      status: 'SUCCEEDED',
      triggerKey: `incoming/${COUNTY}/extract.csv`,
      triggerVersion: 'v1',
      inputKeys: [`incoming/${COUNTY}/extract.csv`],
      policyName: `policies/${COUNTY}.json`,
      policyHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      rangeCount: plan.rangeCount,
      rangesDone: plan.rangeCount,
      partitionCount: plan.partitionCount,
      partitionsDone: plan.partitionCount,
      rowsRead: summary.rowsRead,
      rowsRejected: summary.rowsRejected,
      rowsWritten: summary.rowsWritten,
      people: summary.people,
      dismissals: summary.convictionsByDetermination['Eligible for Dismissal'] ?? 0,
      summaryKey: `reports/${COUNTY}/${plan.runId}/summary.json`,
      statistics: expect.objectContaining({ convictions: summary.convictions }),
    });
    for (const stamp of ['startedAt', 'planEndedAt', 'splitEndedAt', 'classifyEndedAt', 'assembleStartedAt', 'endedAt'] as const) {
      expect(Date.parse(run![stamp]!)).not.toBeNaN();
    }
    expect(summary.rowsRejected).toBe(2);
    expect(run!.rowsRead).toBe(run!.rowsWritten + run!.rowsRejected);
  });

  it('ignores a repeated event for the same object version', async () => {
    const event = objectCreatedEvent(`incoming/${COUNTY}/extract.csv`, { versionId: 'v1' });
    const before = await ledger.listRuns({ county: COUNTY });
    const outcome = await runPipeline(handlers, bench, event);
    expect(outcome.plan).toMatchObject({ duplicate: true, ignored: false, runId: before[0].runId, rangeCount: 0, partitionCount: 0 });
    expect(await ledger.listRuns({ county: COUNTY })).toEqual(before);
  });

  it('runs a multi-file manifest whose person is split across the files to the same results as the single file', async () => {
    const { first, second, subjectId } = splitAcrossPerson(extract);
    await bench.put(`incoming/${COUNTY}/2024-06/part 1.csv`, first);
    await bench.put(`incoming/${COUNTY}/2024-06/part 2.csv`, second);
    await bench.put(`incoming/${COUNTY}/2024-06/manifest.json`, JSON.stringify({ files: ['part 1.csv', 'part 2.csv'] }));
    const outcome = await runPipeline(handlers, bench, objectCreatedEvent(`incoming/${COUNTY}/2024-06/manifest.json`));
    const { runId } = outcome.plan;
    const single = (await ledger.listRuns({ county: COUNTY })).find((run) => run.triggerKey === `incoming/${COUNTY}/extract.csv`)!;
    for (const name of RESULT_FILES) {
      const multi = await bench.text(`results/${COUNTY}/${runId}/${name}`);
      expect(multi).toBe(await bench.text(`results/${COUNTY}/${single.runId}/${name}`));
      if (name === OUTPUT_FILES.allResults) expect(multi.split(`,${subjectId},`).length - 1).toBeGreaterThanOrEqual(2);
    }
    const expected = await reference(runId, [{ name: 'part 1.csv', content: first }, { name: 'part 2.csv', content: second }], fixturePolicy(), `policies/${COUNTY}.json`);
    expect(await bench.text(`results/${COUNTY}/${runId}/${OUTPUT_FILES.rejects}`)).toBe(expected.results[OUTPUT_FILES.rejects]);
    const summary = JSON.parse(await bench.text(`reports/${COUNTY}/${runId}/summary.json`, 'utf8')) as Summary;
    expect(summary.files.map((file) => [file.name, file.header])).toEqual([['part 1.csv', 'present'], ['part 2.csv', 'present']]);
    expect(await ledger.getRun(runId)).toMatchObject({
      status: 'SUCCEEDED',
      inputKeys: [`incoming/${COUNTY}/2024-06/part 1.csv`, `incoming/${COUNTY}/2024-06/part 2.csv`],
    });
  });

  it('logs structured JSON with the run id and no personal data', () => {
    const records = parse(extract, { relax_column_count: true, relax_quotes: true, skip_records_with_error: true }) as string[][];
    const personal = new Set<string>();
    for (const row of records.slice(1)) {
      for (const column of [COL.SUBJECT_ID, COL.PRI_NAME, COL.PRI_DOB, COL.PRI_SSN, COL.CII_NUMBER, COL.FE_NUM_CRT_CASE]) {
        const value = row[column];
        if (value !== undefined && value.length >= 6) personal.add(value);
      }
    }
    expect(personal.size).toBeGreaterThan(500);
    const lines = stdout.lines();
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry).toMatchObject({ service: 'record-clearance', phase: expect.any(String) });
      for (const value of personal) if (line.includes(value)) throw new Error(`log line holds personal data ${JSON.stringify(value)}: ${line}`);
    }
    expect(lines.filter((line) => line.includes('"split finished"') && line.includes('"runId"')).length).toBeGreaterThan(0);
  });
});
