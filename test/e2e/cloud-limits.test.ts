/**
 * The cloud's limits, enforced by the embedded stack: Lambda's file descriptors per execution environment and S3's
 * per-prefix request rate (`503 SlowDown` beyond it). The descriptor limit is scaled down with the grid (SOCKET_LIMIT
 * for a 60+ x 60+ grid, as 1,024 is for a 340+ x 340+ one): a design holding a socket per partition in one invocation
 * (3 x P) fails it, one object per range, the slice index and windowed merge reads do not. A run whose S3 answers
 * SlowDown to a share of its requests succeeds with the outputs of a run in one process.
 */
import { generateExtract } from '../../tools/generator';
import { PRESETS } from '../../lambdas/domain/policy';
import { OUTPUT_FILES } from '../../lambdas/domain/pipeline/assemble';
import { runFixture } from '../helpers/run-fixture';
import { COMPUTE_AT, COUNTY, Harness, MIB, normalizeOutput, publishedOutputs, runBatch, runOf, SLICED_OUTPUTS, startHarness } from './fixtures/harness';
import { sizedTemplate as cachedSizedTemplate } from './fixtures/template';

/** The synthesized stack with Plan's sizing set in its environment (below the stack props' 1 MiB floor). */
function sizedTemplate(sizing: Record<string, string>): Promise<Record<string, unknown>> {
  return cachedSizedTemplate({ workflow: { targetRangeBytes: MIB, targetPartitionBytes: MIB } }, sizing);
}

jest.setTimeout(480_000);

/** The descriptor limit of the grid test: 1,024 scaled to its 60-odd partitions, below the 3 x P of a socket per partition per merge. */
const SOCKET_LIMIT = 160;
const GRID = 60;

describe('a 60 x 60 grid under a scaled descriptor limit and S3\'s request rates', () => {
  let h: Harness;
  // 4 KiB ranges and partitions make 60-odd of each.
  const extract = Array.from(generateExtract({ county: COUNTY, people: 66, seed: 31 })).join('');

  beforeAll(async () => {
    h = await startHarness({
      template: await sizedTemplate({ TARGET_RANGE_BYTES: '4096', TARGET_PARTITION_BYTES: '4096', MAX_PARTITIONS: '1000' }),
      limits: { maxOpenSockets: SOCKET_LIMIT, s3: { perPrefixPerSecond: { read: 5_500, write: 3_500 } } },
    });
    await h.store.write(`policies/${COUNTY}.json`, [JSON.stringify(PRESETS['reference-default'])]);
  });

  afterAll(async () => {
    await h.stop();
  });

  test('succeeds, every invocation within the descriptor limit, every prefix within S3\'s rates', async () => {
    const prefix = `incoming/${COUNTY}/grid/`;
    await h.store.write(`${prefix}extract.csv`, [Buffer.from(extract, 'latin1')]);
    await h.store.write(`${prefix}manifest.json`, [JSON.stringify({ files: ['extract.csv'], policy: 'reference-default' })]);
    const execution = await h.stack.executionStartedBy(`${prefix}manifest.json`, { timeoutMs: 30_000 });
    const ended = await h.stack.waitForExecution(execution.executionArn, { timeoutMs: 400_000 });
    const run = await runOf(h, `${prefix}manifest.json`);
    expect(ended.status).toBe('SUCCEEDED');
    expect(run?.rangeCount).toBeGreaterThanOrEqual(GRID);
    expect(run?.partitionCount).toBeGreaterThanOrEqual(GRID);
    expect(3 * run!.partitionCount).toBeGreaterThan(SOCKET_LIMIT);
    expect(run?.rowsRead).toBe(extract.split('\n').length - 2);
    expect(run?.rowsRead).toBe(run!.rowsWritten + run!.rowsRejected);
    const lambda = h.stack.lambdaStats();
    expect(lambda.peakOpenSockets).toBeGreaterThan(0);
    expect(lambda.peakOpenSockets).toBeLessThanOrEqual(SOCKET_LIMIT);
    const s3 = h.stack.s3RequestStats();
    expect(s3.peakPerPrefix.read).toBeLessThanOrEqual(5_500);
    expect(s3.peakPerPrefix.write).toBeLessThanOrEqual(3_500);
    // O(R + P) writes: a few per range and per partition, never one per (range, partition).
    expect(s3.requests.write).toBeLessThan(10 * (run!.rangeCount + run!.partitionCount));
  });
});

describe('a run under injected SlowDown answers', () => {
  const extract = Array.from(generateExtract({ county: COUNTY, people: 250, seed: 41 })).join('');
  const RANGE_BYTES = 256 * 1024;

  test('succeeds with the outputs of a run in one process, byte for byte', async () => {
    const expected = await runFixture({
      files: [{ name: 'extract.csv', content: Buffer.from(extract, 'latin1') }],
      county: COUNTY,
      computeAt: COMPUTE_AT,
      policy: 'reference-default',
      sizing: { targetRangeBytes: RANGE_BYTES, targetPartitionBytes: RANGE_BYTES },
    });
    // Every 11th request of any kind answered 503 SlowDown (the test's own requests too).
    const h = await startHarness({
      template: await sizedTemplate({ TARGET_RANGE_BYTES: String(RANGE_BYTES), TARGET_PARTITION_BYTES: String(RANGE_BYTES) }),
      limits: { s3: { slowDownEvery: 11 } },
    });
    try {
      await h.store.write(`policies/${COUNTY}.json`, [JSON.stringify(PRESETS['reference-default'])]);
      const { ended, run } = await runBatch(h, 'throttled', { 'extract.csv': extract }, { policy: 'reference-default' });
      expect(ended.status).toBe('SUCCEEDED');
      expect(h.stack.s3RequestStats().slowDowns).toBeGreaterThan(20);
      expect(run!.partitionCount).toBe(expected.plan.partitionCount);
      const published = await publishedOutputs(h.store, run!.runId);
      for (const name of SLICED_OUTPUTS) {
        const file = `results/${OUTPUT_FILES[name]}`;
        const inProcess = normalizeOutput(file, expected.store.text(`results/test-run/${OUTPUT_FILES[name]}`), 'test-run');
        expect({ file, text: published[file] }).toEqual({ file, text: inProcess });
      }
      const { rowsRead, rowsRejected, rowsWritten, people } = run!;
      expect({ rowsRead, rowsRejected, rowsWritten, people }).toEqual({
        rowsRead: expected.summary.rowsRead,
        rowsRejected: expected.summary.rowsRejected,
        rowsWritten: expected.summary.rowsWritten,
        people: expected.summary.people,
      });
    } finally {
      await h.stop();
    }
  });
});
