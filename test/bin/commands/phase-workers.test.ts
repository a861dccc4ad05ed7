/**
 * The CLI's worker pool (compiled: its workers load dist/, as `clearance classify` runs them): the same outputs as
 * running every phase in this thread, a process that ends by itself once the run is done (no worker thread left
 * running), and a phase's failure in a worker surfacing with its name and message.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { generateExtract } from '../../../tools/generator';
import { createPlan, type RunRequest } from '../../../lambdas/domain/pipeline/plan';
import { runInProcess } from '../../../lambdas/domain/pipeline/run';
import { FsObjectStore } from '../../../local/fs-object-store';

const { PhaseWorkerPool } = require('../../../dist/bin/commands/phase-workers') as typeof import('../../../bin/commands/phase-workers');
const dist = path.resolve(__dirname, '..', '..', '..', 'dist');

const OUTPUTS = ['All_Results.csv', 'Prop64_Results.csv', 'All_Results_Condensed.csv', 'court_motion_list.csv', 'defender_notice_list.csv', 'rejects.csv'];

describe('PhaseWorkerPool', () => {
  let root: string;

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'phase-workers-'));
    // A few malformed rows too, so that rejects travel through the workers.
    const rows = [...generateExtract({ county: 'KERN', people: 300, seed: 5 })].join('');
    await fs.writeFile(path.join(root, 'extract.csv'), `${rows}not,a,row\n`);
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function request(name: string, file = 'extract.csv'): RunRequest {
    return {
      runId: name,
      county: 'KERN',
      policy: 'reference-default',
      computeAt: '2024-06-01',
      files: [{ key: path.join(root, file), name: file }],
      maxRejectRatio: 0.5,
      sizing: { targetRangeBytes: 40_000, targetPartitionBytes: 40_000 },
      workPrefix: `${name}/work/`,
      resultsPrefix: `${name}/`,
      reportsPrefix: `${name}/`,
    };
  }

  /**
   * The pooled run in a process of its own, as `clearance classify` runs it, which must end by itself once the run is
   * done: a worker thread left running would keep it alive until the timeout kills it.
   */
  async function pooledRunInOwnProcess(name: string): Promise<{ rowsRead: number; rowsRejected: number; people: number }> {
    const script = `const { PhaseWorkerPool } = require(${JSON.stringify(path.join(dist, 'bin/commands/phase-workers.js'))});
      const { runInProcess } = require(${JSON.stringify(path.join(dist, 'lambdas/domain/pipeline/run.js'))});
      const { FsObjectStore } = require(${JSON.stringify(path.join(dist, 'local/fs-object-store.js'))});
      const root = ${JSON.stringify(root)};
      runInProcess(new FsObjectStore(root), ${JSON.stringify(request(name))}, { executor: () => new PhaseWorkerPool(root, 2) }).then(
        ({ summary }) => process.stdout.write(JSON.stringify(summary)),
        (error) => { console.error(error); process.exitCode = 1; });`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { timeout: 30_000, killSignal: 'SIGKILL' });
    return JSON.parse(stdout) as { rowsRead: number; rowsRejected: number; people: number };
  }

  it('gives the outputs of the in-thread run, and its process ends by itself when the run is done', async () => {
    const store = new FsObjectStore(root);
    const [inThread, pooled] = await Promise.all([runInProcess(store, request('in-thread')), pooledRunInOwnProcess('pooled')]);
    expect(pooled.rowsRead).toBe(inThread.summary.rowsRead);
    expect(pooled.rowsRejected).toBe(1);
    expect(pooled.people).toBe(inThread.summary.people);
    for (const name of OUTPUTS) {
      const [a, b] = await Promise.all([fs.readFile(path.join(root, 'in-thread', name)), fs.readFile(path.join(root, 'pooled', name))]);
      expect([name, b.equals(a)]).toEqual([name, true]);
    }
  });

  it("rejects a task with the error its worker raised: the phase's name and message", async () => {
    await fs.copyFile(path.join(root, 'extract.csv'), path.join(root, 'vanishing.csv'));
    const store = new FsObjectStore(root);
    const plan = await createPlan(store, request('vanishing', 'vanishing.csv'));
    await fs.rm(path.join(root, 'vanishing.csv'));
    const pool = new PhaseWorkerPool(root, 1);
    try {
      await expect(pool.split(plan, 0)).rejects.toMatchObject({ name: 'NotFoundError', message: `no object at ${path.join(root, 'vanishing.csv')}` });
    } finally {
      await pool.close();
    }
  });

  /** The node_modules packages a fresh process has loaded after requiring these compiled modules (relative to dist/). */
  function packagesLoadedBy(modules: readonly string[]): string[] {
    const script = `for (const m of ${JSON.stringify(modules)}) require(${JSON.stringify(dist)} + '/' + m);
      const names = Object.keys(require.cache).map((k) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(k)?.[1]).filter(Boolean);
      process.stdout.write(JSON.stringify([...new Set(names)]));`;
    return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
  }

  it('loads no schema library in a split or merge worker: only what those phases run', () => {
    // The check can fail: the policy module loads zod.
    expect(packagesLoadedBy(['lambdas/domain/policy.js'])).toContain('zod');
    const worker = ['bin/commands/phase-workers.js'];
    expect(packagesLoadedBy([...worker, 'lambdas/domain/pipeline/split.js'])).toEqual([]);
    expect(packagesLoadedBy([...worker, 'lambdas/domain/pipeline/output-slices.js'])).toEqual([]);
  });
});
