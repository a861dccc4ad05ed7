/**
 * publishAnalytics: one object per table per run under its partitions, and the county's latest pointer moved only
 * to a run that started later (runs of a county may finish out of order); rows with a missing or extra column refused.
 */
import { ANALYTICS_PREFIX, RUNS_TABLE } from '../../../lambdas/domain/analytics/columns';
import { publishAnalytics, repointLatest, runAnalyticsKeys } from '../../../lambdas/domain/analytics/publish';
import { RunAnalytics, tableRow } from '../../../lambdas/domain/analytics/records';
import { InvariantError } from '../../../lambdas/domain/errors';
import { readText } from '../../../lambdas/domain/pipeline/object-store';
import { MemoryObjectStore } from '../../helpers/memory-store';

function runOf(runId: string, startedAt: string, county = 'SAN LUIS OBISPO'): RunAnalytics {
  const values = Object.fromEntries(RUNS_TABLE.columns.map((column) => [column.name, null]));
  const run = tableRow(RUNS_TABLE, { ...values, run_id: runId, county_name: county, started_at: startedAt, compute_at: startedAt.slice(0, 10) });
  return { county, runDate: startedAt.slice(0, 10), runs: [run], statistics: [], determinations: [] };
}

const latestOf = async (store: MemoryObjectStore) => JSON.parse(await readText(store, `${ANALYTICS_PREFIX}latest/county=san_luis_obispo/latest.jsonl`)).run_id as string;

test('each run its own objects under county=<slug>/run_date=<date>/, the latest pointer the run that started last', async () => {
  const store = new MemoryObjectStore();
  const later = runOf('run-later', '2025-02-01T10:00:00.000Z');
  const earlier = runOf('run-earlier', '2025-01-31T23:00:00.000Z');
  expect(await publishAnalytics(store, later)).toEqual({
    runs: 'analytics/runs/county=san_luis_obispo/run_date=2025-02-01/run-later.jsonl',
    statistics: 'analytics/statistics/county=san_luis_obispo/run_date=2025-02-01/run-later.jsonl',
    determinations: 'analytics/determinations/county=san_luis_obispo/run_date=2025-02-01/run-later.jsonl',
    latest: 'analytics/latest/county=san_luis_obispo/latest.jsonl',
  });
  // Started earlier, finished later: its rows are published, the pointer stays.
  expect((await publishAnalytics(store, earlier)).latest).toBeUndefined();
  expect(await latestOf(store)).toBe('run-later');
  expect(await store.exists('analytics/runs/county=san_luis_obispo/run_date=2025-01-31/run-earlier.jsonl')).toBe(true);
  // A retried run writes the same keys again and keeps its place.
  expect((await publishAnalytics(store, later)).latest).toBeDefined();
  await publishAnalytics(store, runOf('run-next', '2025-03-01T00:00:00.000Z'));
  expect(await latestOf(store)).toBe('run-next');
  expect((await store.list('analytics/runs/')).length).toBe(3);
});

test('a row with a missing or an unknown column is refused before anything is written', () => {
  const values = Object.fromEntries(RUNS_TABLE.columns.map((column) => [column.name, null]));
  const { people: _people, ...missing } = values;
  expect(() => tableRow(RUNS_TABLE, missing)).toThrow(new InvariantError('runs: no value for column people'));
  expect(() => tableRow(RUNS_TABLE, { ...values, first_name: 'x' })).toThrow(new InvariantError('runs: first_name not a column'));
});

test('a removed run takes its rows with it, and the latest pointer moves back to the latest run left, or goes', async () => {
  const store = new MemoryObjectStore();
  await publishAnalytics(store, runOf('run-a', '2025-01-01T00:00:00.000Z'));
  await publishAnalytics(store, runOf('run-b', '2025-02-01T00:00:00.000Z'));
  await publishAnalytics(store, runOf('run-yolo', '2025-02-02T00:00:00.000Z', 'YOLO'));
  const keysOfB = await runAnalyticsKeys(store, 'SAN LUIS OBISPO', 'run-b');
  expect(keysOfB).toHaveLength(3);
  await store.delete(keysOfB);
  await repointLatest(store, 'SAN LUIS OBISPO');
  expect(await latestOf(store)).toBe('run-a');
  await store.delete(await runAnalyticsKeys(store, 'SAN LUIS OBISPO', 'run-a'));
  await repointLatest(store, 'SAN LUIS OBISPO');
  expect(await store.list('analytics/')).toEqual([
    'analytics/determinations/county=yolo/run_date=2025-02-02/run-yolo.jsonl',
    'analytics/latest/county=yolo/latest.jsonl',
    'analytics/runs/county=yolo/run_date=2025-02-02/run-yolo.jsonl',
    'analytics/statistics/county=yolo/run_date=2025-02-02/run-yolo.jsonl',
  ]);
});
