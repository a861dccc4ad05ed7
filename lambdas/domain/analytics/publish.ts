/**
 * Writes a successful run's analytics rows (records.ts) under `analytics/`, and moves its county's `latest` pointer
 * to it unless a run that started later is already there. Every key is the run's own or its county's pointer, so
 * runs of different counties never write the same object, and a retried run writes the same objects again.
 */
import { ANALYTICS_PREFIX, countyPartitionValue, latestKey, RUN_TABLES, runTableKey, RUNS_TABLE } from './columns';
import { AnalyticsRow, jsonLines, RunAnalytics } from './records';
import { NotFoundError } from '../errors';
import { ObjectStore, readText } from '../pipeline/object-store';

/** The keys written, by table name (and `latest` when the pointer moved). */
export type PublishedAnalytics = Record<string, string>;

export async function publishAnalytics(store: ObjectStore, analytics: RunAnalytics, prefix = ANALYTICS_PREFIX): Promise<PublishedAnalytics> {
  const written: PublishedAnalytics = {};
  const run = analytics.runs[0];
  const runId = String(run.run_id);
  const rowsOf: Record<string, AnalyticsRow[]> = { runs: analytics.runs, statistics: analytics.statistics, determinations: analytics.determinations };
  await Promise.all(
    RUN_TABLES.map(async (table) => {
      const key = runTableKey(prefix, table, analytics.county, analytics.runDate, runId);
      await store.write(key, [Buffer.from(jsonLines(rowsOf[table.name]), 'utf8')]);
      written[table.name] = key;
    }),
  );
  if (await moveLatest(store, analytics.county, run, prefix)) written.latest = latestKey(prefix, analytics.county);
  return written;
}

/** Points the county's `latest` at `run` (its runs row) unless a run that started later is there. True when it moved. */
export async function moveLatest(store: ObjectStore, county: string, run: AnalyticsRow, prefix = ANALYTICS_PREFIX): Promise<boolean> {
  const pointer = latestKey(prefix, county);
  const current = await currentLatest(store, pointer);
  if (current !== null && startedBefore(run, current)) return false;
  await store.write(pointer, [Buffer.from(jsonLines([run]), 'utf8')]);
  return true;
}

/** The runs row a county's pointer holds; null when there is none (or it cannot be read as one). */
async function currentLatest(store: ObjectStore, key: string): Promise<AnalyticsRow | null> {
  try {
    const row: unknown = JSON.parse((await readText(store, key)).trim());
    return typeof row === 'object' && row !== null ? (row as AnalyticsRow) : null;
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof SyntaxError) return null;
    throw error;
  }
}

/** `run` started before `other` (ties by run id): it must not replace it as the latest. */
function startedBefore(run: AnalyticsRow, other: AnalyticsRow): boolean {
  const a = String(run.started_at);
  const b = String(other.started_at ?? '');
  return a < b || (a === b && String(run.run_id) < String(other.run_id ?? ''));
}

/** The keys of a run's rows, in every table (the run's date is not needed: its id ends each of them). */
export async function runAnalyticsKeys(store: ObjectStore, county: string, runId: string, prefix = ANALYTICS_PREFIX): Promise<string[]> {
  const keys: string[] = [];
  for (const table of RUN_TABLES) {
    for (const key of await store.list(`${prefix}${table.name}/county=${countyPartitionValue(county)}/`)) if (key.endsWith(`/${runId}.jsonl`)) keys.push(key);
  }
  return keys;
}

/**
 * Points the county's `latest` at the run that started last among those whose rows remain (after runs were removed),
 * or removes it when none remains.
 */
export async function repointLatest(store: ObjectStore, county: string, prefix = ANALYTICS_PREFIX): Promise<void> {
  let latest: AnalyticsRow | null = null;
  for (const key of await store.list(`${prefix}${RUNS_TABLE.name}/county=${countyPartitionValue(county)}/`)) {
    const row = JSON.parse((await readText(store, key)).trim()) as AnalyticsRow;
    if (latest === null || startedBefore(latest, row)) latest = row;
  }
  const pointer = latestKey(prefix, county);
  if (latest === null) await store.delete([pointer]);
  else await store.write(pointer, [Buffer.from(jsonLines([latest]), 'utf8')]);
}
