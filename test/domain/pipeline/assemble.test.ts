/**
 * Assemble's publication protocol: every output is written under the work area first and copied to its final
 * key in one short step at the end, summary.json (the completion marker) last; a run stopped at any point of that
 * step has published only whole objects and no summary.json without its outputs, and running Assemble again
 * publishes the same outputs as an uninterrupted run.
 */
import { ANALYTICS_PREFIX } from '../../../lambdas/domain/analytics/columns';
import { assembleRun, OUTPUT_FILES, stagedOutputKey } from '../../../lambdas/domain/pipeline/assemble';
import { readJson } from '../../../lambdas/domain/pipeline/object-store';
import { createPlan, RunPlan, RunRequest, workKeys } from '../../../lambdas/domain/pipeline/plan';
import { runInProcess } from '../../../lambdas/domain/pipeline/run';
import { indexSlices } from '../../../lambdas/domain/pipeline/slice-index';
import { splitRange } from '../../../lambdas/domain/pipeline/split';
import { classifyPartition } from '../../../lambdas/domain/pipeline/classify-partition';
import { convictionRow, dojCsv } from '../../helpers/doj-rows';
import { MemoryObjectStore } from '../../helpers/memory-store';
import { readFixtureBytes } from '../../helpers/run-fixture';

const PREFIX = { work: 'runs/r/', results: 'results/SACRAMENTO/r/', reports: 'reports/SACRAMENTO/r/' };
const PUBLISHED_SUCCEEDED = [
  `${PREFIX.results}${OUTPUT_FILES.allResults}`,
  `${PREFIX.results}${OUTPUT_FILES.condensed}`,
  `${PREFIX.results}${OUTPUT_FILES.prop64Results}`,
  `${PREFIX.results}${OUTPUT_FILES.courtMotions}`,
  `${PREFIX.results}${OUTPUT_FILES.defenderNotices}`,
  `${PREFIX.results}${OUTPUT_FILES.cityAttorneyReferrals}`,
  `${PREFIX.results}${OUTPUT_FILES.undecided}`,
  `${PREFIX.results}${OUTPUT_FILES.reviewList}`,
  `${PREFIX.results}${OUTPUT_FILES.rejects}`,
  `${PREFIX.results}${OUTPUT_FILES.resultsSummary}`,
  `${PREFIX.reports}${OUTPUT_FILES.report}`,
  `${PREFIX.reports}${OUTPUT_FILES.statistics}`,
  `${PREFIX.reports}${OUTPUT_FILES.summary}`,
].sort();

type Operation = { op: 'write' | 'copy'; key: string; from?: string };

/** Where a published key was staged (results/summary.json is staged apart from reports/summary.json). */
function stagedOf(key: string): string {
  const name = key.startsWith(PREFIX.results) && key.endsWith(`/${OUTPUT_FILES.resultsSummary}`) ? 'resultsSummary' : undefined;
  return name === undefined ? `${PREFIX.work}output/${key.split('/').pop()}` : stagedOutputKey({ workPrefix: PREFIX.work }, name);
}

/** A memory store that records writes and copies, and can fail the n-th copy (a process killed mid-publish). */
class RecordingStore extends MemoryObjectStore {
  readonly operations: Operation[] = [];
  failCopy?: number;
  private copies = 0;

  override async write(key: string, body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): Promise<void> {
    this.operations.push({ op: 'write', key });
    await super.write(key, body);
  }

  override async copy(fromKey: string, toKey: string): Promise<void> {
    if (++this.copies === this.failCopy) throw new Error(`killed at copy ${this.copies}`);
    this.operations.push({ op: 'copy', key: toKey, from: fromKey });
    await super.copy(fromKey, toKey);
  }

  published(): string[] {
    return this.keys().filter((key) => key.startsWith('results/') || key.startsWith('reports/'));
  }
}

function request(input: Buffer | string): { store: RecordingStore; runRequest: RunRequest } {
  const store = new RecordingStore();
  store.put('incoming/SACRAMENTO/input.csv', input);
  return {
    store,
    runRequest: {
      runId: 'r',
      county: 'SACRAMENTO',
      policy: 'reference-default',
      computeAt: '2019-11-11',
      files: [{ key: 'incoming/SACRAMENTO/input.csv', name: 'input.csv' }],
      sizing: { targetRangeBytes: 4000, targetPartitionBytes: 4000 },
      workPrefix: PREFIX.work,
      resultsPrefix: PREFIX.results,
      reportsPrefix: PREFIX.reports,
    },
  };
}

/** Published objects, summary.json without its timings (they differ from one run to the next). */
function publishedContents(store: MemoryObjectStore): Record<string, string> {
  const contents: Record<string, string> = {};
  for (const key of store.keys().filter((k) => k.startsWith('results/') || k.startsWith('reports/'))) {
    if (key.endsWith(OUTPUT_FILES.summary)) {
      const { timings, processingTimeInSeconds, ...rest } = JSON.parse(store.text(key, 'utf8')) as Record<string, unknown>;
      void timings;
      void processingTimeInSeconds;
      contents[key] = JSON.stringify(rest);
    } else if (key.endsWith(OUTPUT_FILES.report)) {
      // report.html shows the processing time; everything else in it is compared through statistics.csv.
      contents[key] = 'report.html';
    } else {
      contents[key] = store.text(key);
    }
  }
  return contents;
}

const input = readFixtureBytes('conformance/input.csv');

describe('a successful run', () => {
  let store: RecordingStore;

  beforeAll(async () => {
    const run = request(input);
    store = run.store;
    await runInProcess(store, run.runRequest);
  });

  test('writes nothing under results/ or reports/: every output is written in the work area', () => {
    const writes = store.operations.filter((o) => o.op === 'write').map((o) => o.key);
    // The analytics rows are derived from the published reports, after them (docs/analytics.md).
    expect(writes.filter((key) => !key.startsWith(PREFIX.work) && !key.startsWith(ANALYTICS_PREFIX))).toEqual([]);
    // changes.csv is an output of a run compared with a register only (docs/monthly.md).
    expect(writes).toEqual(expect.arrayContaining(Object.keys(OUTPUT_FILES).filter((name) => name !== 'changes').map((name) => stagedOutputKey({ workPrefix: PREFIX.work }, name as keyof typeof OUTPUT_FILES))));
  });

  test('publishes each output by one copy of its staged object after the last write, summary.json last', () => {
    const firstCopy = store.operations.findIndex((o) => o.op === 'copy');
    const summaryCopy = store.operations.findIndex((o) => o.op === 'copy' && o.key === `${PREFIX.reports}${OUTPUT_FILES.summary}`);
    const publishing = store.operations.slice(firstCopy, summaryCopy + 1);
    expect(publishing.every((o) => o.op === 'copy')).toBe(true);
    // After summary.json, only the run's analytics rows and its county's latest pointer are written.
    const after = store.operations.slice(summaryCopy + 1);
    expect(after.map((o) => [o.op, o.key.startsWith(ANALYTICS_PREFIX)])).toEqual(after.map(() => ['write', true]));
    expect(after).toHaveLength(4);
    expect(publishing.map((o) => o.key).sort()).toEqual(PUBLISHED_SUCCEEDED);
    for (const copy of publishing) expect(copy.from).toBe(stagedOf(copy.key));
    expect(publishing[publishing.length - 1].key).toBe(`${PREFIX.reports}${OUTPUT_FILES.summary}`);
    for (const copy of publishing) expect(store.get(copy.key).equals(store.get(copy.from!))).toBe(true);
    expect(store.published()).toEqual(PUBLISHED_SUCCEEDED);
  });
});

describe('a run stopped during publication', () => {
  let reference: Record<string, string>;

  beforeAll(async () => {
    const run = request(input);
    await runInProcess(run.store, run.runRequest);
    reference = publishedContents(run.store);
  });

  test.each(PUBLISHED_SUCCEEDED.map((_, i) => i + 1))('at copy %i: only whole objects, summary.json only with all; Assemble again publishes the same outputs', async (failAt) => {
    const { store, runRequest } = request(input);
    store.failCopy = failAt;
    await expect(runInProcess(store, runRequest)).rejects.toThrow(`killed at copy ${failAt}`);
    const published = store.published();
    expect(published).not.toContain(`${PREFIX.reports}${OUTPUT_FILES.summary}`);
    for (const key of published) expect(store.get(key).equals(store.get(stagedOf(key)))).toBe(true);

    store.failCopy = undefined;
    const plan = await readJson<RunPlan>(store, workKeys.plan(runRequest));
    await assembleRun(store, plan);
    expect(publishedContents(store)).toEqual(reference);
  });
});

describe('a failed run', () => {
  test('publishes rejects.csv and then summary.json, never a result CSV, even though it merged nothing', async () => {
    // Every row has 94 fields: 100% rejected, above the 5% allowed.
    const rows = dojCsv([1, 2, 3].map((n) => convictionRow({ subjectId: String(n), recordId: `r${n}`, offense: '11358 HS', date: '20100101' })));
    const broken = rows.split('\n').map((line, i) => (i === 0 || line === '' ? line : line.slice(0, line.lastIndexOf(',')))).join('\n');
    const { store, runRequest } = request(broken);
    await expect(runInProcess(store, runRequest)).rejects.toMatchObject({ name: 'RejectRatioExceeded' });
    const copies = store.operations.filter((o) => o.op === 'copy').map((o) => o.key);
    expect(copies.slice(0, 2).sort()).toEqual([`${PREFIX.results}${OUTPUT_FILES.rejects}`, `${PREFIX.results}${OUTPUT_FILES.resultsSummary}`]);
    expect(copies.slice(2)).toEqual([`${PREFIX.reports}${OUTPUT_FILES.summary}`]);
    expect(store.published()).toEqual(copies.sort());
    expect(JSON.parse(store.text(`${PREFIX.reports}${OUTPUT_FILES.summary}`, 'utf8')).status).toBe('FAILED');
  });
});

describe('an upload that changes between Split and Assemble', () => {
  /** Plan, Split and Classify of the conformance input; then `change` alters the upload before Assemble. */
  async function assembleAfter(change: (store: RecordingStore, key: string) => void): Promise<{ error: unknown; store: RecordingStore }> {
    const { store, runRequest } = request(input);
    const plan = await createPlan(store, runRequest);
    for (const range of plan.ranges) await splitRange(store, plan, range);
    await indexSlices(store, plan);
    for (let partition = 0; partition < plan.partitionCount; partition++) await classifyPartition(store, plan, partition);
    change(store, runRequest.files[0].key);
    const error = await assembleRun(store, plan).then(() => undefined, (e: unknown) => e);
    return { error, store };
  }

  test.each<[string, (store: RecordingStore, key: string) => void, RegExp]>([
    ['truncated', (store, key) => store.put(key, input.subarray(0, input.length - 100)), /input\.csv changed during the run \(\d+ bytes, planned \d+\); upload it again/],
    ['deleted', (store, key) => void store.delete([key]), /input\.csv changed during the run \(it is gone\)/],
  ])('%s: the run fails naming the file, publishes no result CSV, and summary.json says why', async (_, change, message) => {
    const { error, store } = await assembleAfter(change);
    expect(error).toMatchObject({ name: 'InputError', message: expect.stringMatching(message) });
    expect(store.published()).toEqual([`${PREFIX.reports}${OUTPUT_FILES.summary}`, `${PREFIX.results}${OUTPUT_FILES.rejects}`, `${PREFIX.results}${OUTPUT_FILES.resultsSummary}`]);
    const summary = JSON.parse(store.text(`${PREFIX.reports}${OUTPUT_FILES.summary}`, 'utf8'));
    expect(summary.status).toBe('FAILED');
    expect(summary.error).toMatch(message);
  });

  test('unchanged: the same phases succeed (the check is not what fails above)', async () => {
    const { error } = await assembleAfter(() => undefined);
    expect(error).toBeUndefined();
  });
});
