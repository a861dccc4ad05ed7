/**
 * Assemble's two merge threads: the same result files as one merge in one thread, and a failure in either thread
 * fails the merge only after both have ended.
 */
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateExtract } from '../../../tools/generator';
import { mergeResultFiles, RESULT_FILE_NAMES, RESULT_FILES, stagedKey } from '../../../lambdas/domain/pipeline/merge';
import { readJson } from '../../../lambdas/domain/pipeline/object-store';
import { RunPlan, workKeys } from '../../../lambdas/domain/pipeline/plan';
import { runInProcess } from '../../../lambdas/domain/pipeline/run';
import { mergeOnTwoThreads, startMergeThread } from '../../../lambdas/assemble/merge-threads';
import { FsObjectStore } from '../../../local/fs-object-store';

const ENTRY = path.join(__dirname, 'fixtures', 'merge-thread-entry.js');

describe('mergeOnTwoThreads', () => {
  let root: string;
  let store: FsObjectStore;
  let plan: RunPlan;
  const previousRoot = process.env.MERGE_STORE_ROOT;

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'merge-threads-'));
    process.env.MERGE_STORE_ROOT = root;
    store = new FsObjectStore(root);
    await store.write('uploads/x.csv', [[...generateExtract({ county: 'KERN', people: 120, seed: 21 })].join('')]);
    // A whole run leaves its work area (classified partitions, plan) in place: the merges are run again below.
    await runInProcess(store, {
      runId: 'kern-test',
      county: 'KERN',
      policy: 'reference-default',
      computeAt: '2024-06-01',
      files: [{ key: 'uploads/x.csv', name: 'x.csv' }],
      sizing: { targetRangeBytes: 20_000, targetPartitionBytes: 20_000 },
      workPrefix: 'work/',
      resultsPrefix: 'results/',
      reportsPrefix: 'reports/',
    });
    plan = await readJson<RunPlan>(store, workKeys.plan({ workPrefix: 'work/' }));
    expect(plan.partitionCount).toBeGreaterThan(1);
  });

  afterAll(() => {
    if (previousRoot === undefined) delete process.env.MERGE_STORE_ROOT;
    else process.env.MERGE_STORE_ROOT = previousRoot;
    rmSync(root, { recursive: true, force: true });
  });

  async function stagedFiles(): Promise<Record<string, Buffer>> {
    const files: Record<string, Buffer> = {};
    for (const file of RESULT_FILES) files[file] = await fs.readFile(path.join(root, stagedKey(plan, RESULT_FILE_NAMES[file])));
    return files;
  }

  it('writes the three result files as one merge in one thread does, and returns the rows per input file', async () => {
    const rowsInOneThread = await mergeResultFiles(store, plan, RESULT_FILES);
    const oneThread = await stagedFiles();
    await store.delete(RESULT_FILES.map((file) => stagedKey(plan, RESULT_FILE_NAMES[file])));
    const rows = await mergeOnTwoThreads(startMergeThread(ENTRY), store, plan);
    expect(rows).toEqual(rowsInOneThread);
    expect(rows[0]).toBeGreaterThan(0);
    const twoThreads = await stagedFiles();
    for (const file of RESULT_FILES) expect(twoThreads[file].equals(oneThread[file])).toBe(true);
  });

  it("fails with the thread's error when only the thread's merge fails", async () => {
    // The thread's store is an empty directory: its merge finds no partition, while this thread's merge succeeds.
    const empty = mkdtempSync(path.join(os.tmpdir(), 'merge-threads-empty-'));
    process.env.MERGE_STORE_ROOT = empty;
    try {
      const error = await mergeOnTwoThreads(startMergeThread(ENTRY), store, plan).then(() => undefined, (e: Error) => e);
      expect(error?.name).toBe('NotFoundError');
      expect(error?.message).toBe(`no object at ${workKeys.classified(plan, 0)}`);
    } finally {
      process.env.MERGE_STORE_ROOT = root;
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("fails with this thread's error when both merges fail", async () => {
    // A plan naming a partition that does not exist: both merges fail to read it.
    const broken: RunPlan = { ...plan, partitionCount: plan.partitionCount + 1 };
    await expect(mergeOnTwoThreads(startMergeThread(ENTRY), store, broken)).rejects.toThrow(`no object at ${workKeys.classified(plan, plan.partitionCount)}`);
  });

  it('fails when the thread cannot start its merge (an entry that never serves it)', async () => {
    const silent = path.join(root, 'silent-entry.js');
    await fs.writeFile(silent, '// loads, serves nothing, and exits\n');
    await expect(mergeOnTwoThreads(startMergeThread(silent), store, plan)).rejects.toThrow(/merge thread exited \(code 0\) before it finished/);
  });
});
