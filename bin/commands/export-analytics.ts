/**
 * `clearance run` on the embedded stack: a successful run's analytics rows copied from the embedded bucket to
 * `<out>/analytics/`, and the county's `latest` pointer there moved to it unless a later run is already there; so
 * runs made with the same `--out` can be queried together (docs/analytics.md).
 */
import { ANALYTICS_PREFIX, countyPartitionValue, RUN_TABLES, RUNS_TABLE } from '../../lambdas/domain/analytics/columns';
import { moveLatest } from '../../lambdas/domain/analytics/publish';
import { AnalyticsRow } from '../../lambdas/domain/analytics/records';
import { ObjectStore, readText } from '../../lambdas/domain/pipeline/object-store';
import { FsObjectStore } from '../../local/fs-object-store';

/** Copies the run's objects; returns the keys copied (none when the run wrote no analytics). */
export async function exportRunAnalytics(bucket: ObjectStore, runId: string, county: string, outDir: string): Promise<string[]> {
  const local = new FsObjectStore(outDir);
  const copied: string[] = [];
  let runRow: AnalyticsRow | undefined;
  for (const table of RUN_TABLES) {
    const keys = (await bucket.list(`${ANALYTICS_PREFIX}${table.name}/county=${countyPartitionValue(county)}/`)).filter((key) => key.endsWith(`/${runId}.jsonl`));
    for (const key of keys) {
      const text = await readText(bucket, key);
      await local.write(key, [Buffer.from(text, 'utf8')]);
      copied.push(key);
      if (table === RUNS_TABLE) runRow = JSON.parse(text.trim()) as AnalyticsRow;
    }
  }
  if (runRow !== undefined) await moveLatest(local, county, runRow);
  return copied;
}
