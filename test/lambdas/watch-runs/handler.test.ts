import { RunLedger } from '../../../lambdas/adapters/ledger';
import type { WatchRunsResult } from '../../../lambdas/watch-runs/handler';
import { captureStdout, LambdaBench, startBench } from '../helpers';

describe('watch-runs handler', () => {
  let bench: LambdaBench;
  let stdout: ReturnType<typeof captureStdout>;
  const stderr: string[] = [];
  let stderrSpy: jest.SpyInstance;
  let watch: (event: unknown) => Promise<WatchRunsResult>;
  const HOUR = 3_600_000;

  /** A ledger whose clock reads `hoursAgo` hours before now: its writes look that old. */
  const ledgerAt = (hoursAgo: number) => new RunLedger(bench.documents, bench.table, () => new Date(Date.now() - hoursAgo * HOUR));
  const claim = async (runId: string, hoursAgo: number) => {
    const ledger = ledgerAt(hoursAgo);
    await ledger.claimRun({ runId, county: 'KERN', bucket: bench.bucket, triggerKey: `incoming/KERN/${runId}.csv`, triggerVersion: 'v1' }, 60_000);
    return ledger;
  };
  const metricsPrinted = () =>
    stdout
      .lines()
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry._aws !== undefined);

  beforeAll(async () => {
    stdout = captureStdout();
    stderrSpy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(...String(chunk).split('\n').filter((line) => line.trim() !== ''));
      return true;
    });
    // Metrics on, as in Lambda: printed as CloudWatch embedded-metric JSON.
    bench = await startBench({ STALE_AFTER_MINUTES: '180', POWERTOOLS_METRICS_DISABLED: 'false' });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    watch = require('../../../lambdas/watch-runs/handler').handler;
  });

  afterAll(async () => {
    stdout.restore();
    stderrSpy.mockRestore();
    await bench.stop();
  });

  it('publishes StaleRuns 0 when nothing is in progress', async () => {
    expect(await watch({})).toEqual({ inProgress: 0, stale: [] });
    expect(metricsPrinted().at(-1)).toMatchObject({ service: 'record-clearance', StaleRuns: 0 });
  });

  it('counts runs in progress whose ledger item has not changed for STALE_AFTER_MINUTES, and logs each one', async () => {
    await (await claim('kern-stuck-splitting', 5)).updateRun('kern-stuck-splitting', 'SPLITTING', { rangeCount: 2 });
    await claim('kern-stuck-planning', 4);
    await (await claim('kern-moving', 6)).updateRun('kern-moving', 'SPLITTING', { rangeCount: 2 });
    await ledgerAt(0.5).recordRangeDone('kern-moving', 0, { rowsRead: 10, rowsRejected: 0 }); // changed half an hour ago
    await (await claim('kern-done', 8)).updateRun('kern-done', 'SUCCEEDED');
    await (await claim('kern-failed', 8)).markFailed('kern-failed', { errorName: 'PolicyError', errorMessage: 'no policy' });

    const result = await watch({});
    expect(result).toEqual({ inProgress: 3, stale: ['kern-stuck-splitting', 'kern-stuck-planning'] });
    expect(metricsPrinted().at(-1)).toMatchObject({ service: 'record-clearance', StaleRuns: 2 });
    // Powertools writes warnings to stderr outside Lambda.
    const logged = [...stdout.lines(), ...stderr]
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.message === 'stale run');
    expect(logged.map((entry) => [entry.runId, entry.status, entry.county])).toEqual([
      ['kern-stuck-splitting', 'SPLITTING', 'KERN'],
      ['kern-stuck-planning', 'PLANNING', 'KERN'],
    ]);
  });
});
