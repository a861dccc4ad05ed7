/**
 * `clearance run`'s analytics export (bin/commands/export-analytics.ts): a run's rows copied from the embedded bucket
 * to `<out>/analytics/`, the county's latest pointer moved to it unless a later run is there.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportRunAnalytics } from '../../../bin/commands/export-analytics';
import { latestKey, RUN_TABLES, RUNS_TABLE, runTableKey } from '../../../lambdas/domain/analytics/columns';
import { jsonLines, tableRow } from '../../../lambdas/domain/analytics/records';
import { MemoryObjectStore } from '../../helpers/memory-store';

function runsRow(runId: string, startedAt: string) {
  const values = Object.fromEntries(RUNS_TABLE.columns.map((column) => [column.name, null]));
  return tableRow(RUNS_TABLE, { ...values, run_id: runId, county_name: 'SAN DIEGO', started_at: startedAt });
}

function bucketWith(runs: Array<[string, string]>): MemoryObjectStore {
  const bucket = new MemoryObjectStore();
  for (const [runId, startedAt] of runs) {
    for (const table of RUN_TABLES) {
      const rows = table === RUNS_TABLE ? [runsRow(runId, startedAt)] : [];
      bucket.put(runTableKey('analytics/', table, 'SAN DIEGO', startedAt.slice(0, 10), runId), jsonLines(rows));
    }
  }
  return bucket;
}

describe('exportRunAnalytics', () => {
  let out: string;
  beforeEach(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'export-analytics-'));
  });
  afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

  const latestRunId = () => JSON.parse(fs.readFileSync(path.join(out, latestKey('analytics/', 'SAN DIEGO')), 'utf8')).run_id as string;

  it("copies the run's objects of every table, only its own, and points latest at it", async () => {
    const bucket = bucketWith([['run-1', '2025-01-01T00:00:00Z'], ['run-2', '2025-02-01T00:00:00Z']]);
    const copied = await exportRunAnalytics(bucket, 'run-1', 'SAN DIEGO', out);
    expect(copied).toEqual(RUN_TABLES.map((table) => runTableKey('analytics/', table, 'SAN DIEGO', '2025-01-01', 'run-1')));
    for (const key of copied) expect(fs.readFileSync(path.join(out, key), 'utf8')).toBe(bucket.text(key, 'utf8'));
    expect(latestRunId()).toBe('run-1');
  });

  it('leaves latest at a run that started later, and copies nothing for a run without analytics', async () => {
    const bucket = bucketWith([['run-1', '2025-01-01T00:00:00Z'], ['run-2', '2025-02-01T00:00:00Z']]);
    await exportRunAnalytics(bucket, 'run-2', 'SAN DIEGO', out);
    await exportRunAnalytics(bucket, 'run-1', 'SAN DIEGO', out);
    expect(latestRunId()).toBe('run-2');
    expect(await exportRunAnalytics(bucket, 'run-3', 'SAN DIEGO', out)).toEqual([]);
  });
});
