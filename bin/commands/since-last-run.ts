/** The "since the last run" line of `clearance classify` and `clearance run` (docs/monthly.md): counts only. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SinceLastRun } from '../../lambdas/domain/register/compare';

export function sinceLastRunLine(since: SinceLastRun | undefined): string | undefined {
  if (since === undefined) return undefined;
  if (since.changes === undefined) return since.note === undefined ? undefined : `not compared with an earlier run: ${since.note}`;
  const kinds = Object.entries(since.changes).map(([kind, count]) => `${count} ${kind}`).join(', ');
  return (
    `since ${since.previousRunId}: ${kinds}; ${since.decisionsCarried} decisions carried forward, ${since.changedSinceDecided} changed since decided` +
    `${since.policyChanged ? ' (another policy than that run)' : ''}`
  );
}

/** The line from a run's copied results/summary.json, when there is one. */
export function sinceLastRunOf(resultsDir: string): string | undefined {
  try {
    return sinceLastRunLine((JSON.parse(readFileSync(path.join(resultsDir, 'summary.json'), 'utf8')) as { sinceLastRun?: SinceLastRun }).sinceLastRun);
  } catch {
    return undefined;
  }
}
