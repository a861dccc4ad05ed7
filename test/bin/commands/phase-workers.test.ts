/**
 * The CLI's worker pool (compiled: its workers load dist/, as `clearance classify` runs them): the same outputs as
 * running every phase in this thread, and workers started ahead of each phase.
 */
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateExtract } from '../../../tools/generator';
import { RunRequest } from '../../../lambdas/domain/pipeline/plan';
import { runInProcess } from '../../../lambdas/domain/pipeline/run';
import { FsObjectStore } from '../../../local/fs-object-store';

type Pool = import('../../../bin/commands/phase-workers').PhaseWorkerPool;
const { PhaseWorkerPool } = require('../../../dist/bin/commands/phase-workers') as typeof import('../../../bin/commands/phase-workers');

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

  function request(name: string): RunRequest {
    return {
      runId: name,
      county: 'KERN',
      policy: 'reference-default',
      computeAt: '2024-06-01',
      files: [{ key: path.join(root, 'extract.csv'), name: 'extract.csv' }],
      maxRejectRatio: 0.5,
      sizing: { targetRangeBytes: 40_000, targetPartitionBytes: 40_000 },
      workPrefix: `${name}/work/`,
      resultsPrefix: `${name}/`,
      reportsPrefix: `${name}/`,
    };
  }

  it('gives the outputs of the in-thread run, with workers started ahead of every phase', async () => {
    const store = new FsObjectStore(root);
    const inThread = await runInProcess(store, request('in-thread'));
    const pool: Pool = new PhaseWorkerPool(root, 2);
    // What the pool is asked, in order: `prepare <phase>` and `<phase> done`.
    const events: string[] = [];
    const prepare = pool.prepare.bind(pool);
    pool.prepare = (phase) => {
      if (events[events.length - 1] !== `prepare ${phase}`) events.push(`prepare ${phase}`);
      prepare(phase);
    };
    const split = pool.split.bind(pool);
    pool.split = async (plan, index) => {
      await split(plan, index);
      events.push('split done');
    };
    const classify = pool.classify.bind(pool);
    pool.classify = async (plan, index) => {
      await classify(plan, index);
      events.push('classify done');
    };
    pool.prepare('split');
    const pooled = await runInProcess(store, request('pooled'), { executor: () => pool });
    expect(pooled.summary.rowsRead).toBe(inThread.summary.rowsRead);
    expect(pooled.summary.rowsRejected).toBe(1);
    expect(pooled.summary.people).toBe(inThread.summary.people);
    for (const name of OUTPUTS) {
      const [a, b] = await Promise.all([fs.readFile(path.join(root, 'in-thread', name)), fs.readFile(path.join(root, 'pooled', name))]);
      expect([name, b.equals(a)]).toEqual([name, true]);
    }
    // The next phase's workers are asked for while the last task of a phase still runs (a lane has none left).
    const lastSplit = events.lastIndexOf('split done');
    const lastClassify = events.lastIndexOf('classify done');
    expect(events.filter((event) => event === 'split done').length).toBeGreaterThan(2);
    expect(events.indexOf('prepare classify')).toBeLessThan(lastSplit);
    expect(events.indexOf('prepare merge')).toBeLessThan(lastClassify);
    expect(events.indexOf('prepare merge')).toBeGreaterThan(events.indexOf('classify done'));
  });
});
