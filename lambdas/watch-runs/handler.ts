/**
 * Watch runs (scheduled): counts the runs in progress whose ledger item has not changed for STALE_AFTER_MINUTES and
 * publishes the count as the StaleRuns metric (0 included), which the StaleRuns alarm watches. Each stale run is
 * logged with its id, county, status and last change (nothing personal).
 */
import { handlerResources } from '../adapters/aws-clients';
import { loadWatchRunsConfig } from '../adapters/config';
import { addCount, instrumented, logger } from '../adapters/observability';
import { staleRuns } from '../operations';

const config = loadWatchRunsConfig();
const { ledger } = handlerResources(config);

export interface WatchRunsResult {
  inProgress: number;
  /** Run ids of the stale runs, oldest change first. */
  stale: string[];
}

export const handler = instrumented('watch-runs', async (): Promise<WatchRunsResult> => {
  const runs = await ledger.listRunsInProgress();
  const stale = staleRuns(runs, new Date(), config.staleAfterMinutes * 60_000);
  for (const run of stale) {
    logger.warn('stale run', { runId: run.runId, county: run.county, status: run.status, updatedAt: run.updatedAt });
  }
  addCount('StaleRuns', stale.length);
  return { inProgress: runs.length, stale: stale.map((run) => run.runId) };
});
