/**
 * Statewide roll-up (on each `Clearance Run Succeeded` event): reads the latest successful run of every county from
 * analytics/ and writes the state-level summary.json, statistics.csv and report.html under reports/statewide/
 * (docs/analytics.md, "Statewide roll-up"). analytics/ holds no personal data, so the roll-up holds none; the log
 * lines carry counts and keys only.
 */
import { S3ObjectStore } from '../adapters/s3-object-store';
import { s3Client } from '../adapters/aws-clients';
import { loadRollupConfig } from '../adapters/config';
import { instrumented } from '../adapters/observability';
import { buildRollup, readLatestRuns } from '../domain/analytics/rollup';
import { STATEWIDE_REPORTS_PREFIX, writeRollup } from '../domain/analytics/rollup-output';

const config = loadRollupConfig();
const store = new S3ObjectStore(s3Client(), config.dataBucket);

export interface RollupResult {
  countiesIncluded: number;
  countiesWithoutRun: number;
  /** The keys written under reports/statewide/. */
  keys: string[];
}

// The event only says that a run finished: the roll-up is of every county, whichever run triggered it.
export const handler = instrumented('rollup', async (): Promise<RollupResult> => {
  const rollup = buildRollup(await readLatestRuns(store));
  const keys = await writeRollup(store, STATEWIDE_REPORTS_PREFIX, rollup);
  // The closing log line carries this result: counts and keys, nothing personal.
  return { countiesIncluded: rollup.countiesIncluded, countiesWithoutRun: rollup.countiesWithoutRun.length, keys };
});
