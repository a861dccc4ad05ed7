/**
 * `clearance rollup`: the statewide roll-up (docs/analytics.md) of the latest successful run of every county found
 * under `--from` (a folder holding analytics/: the `--out` of `clearance run` / `classify`, or a copy of the
 * bucket's analytics/), written to `--out` as summary.json, statistics.csv and report.html.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ANALYTICS_PREFIX, LATEST_TABLE } from '../../lambdas/domain/analytics/columns';
import { buildRollup, readLatestRuns } from '../../lambdas/domain/analytics/rollup';
import { ROLLUP_FILES, rollupFileTexts } from '../../lambdas/domain/analytics/rollup-output';
import { UsageError } from '../../lambdas/domain/errors';
import { FsObjectStore } from '../../local/fs-object-store';

export interface RollupOptions {
  from: string;
  out?: string;
}

export { ROLLUP_FILES };

export async function rollupCommand(options: RollupOptions): Promise<void> {
  const from = path.resolve(options.from);
  if (!existsSync(path.join(from, ANALYTICS_PREFIX, LATEST_TABLE.name))) {
    throw new UsageError(`--from: ${from} holds no ${ANALYTICS_PREFIX}${LATEST_TABLE.name}/ (run \`clearance run\` or \`clearance classify\` with --out ${options.from} first)`);
  }
  const out = path.resolve(options.out ?? path.join(from, 'rollup'));
  const rollup = buildRollup(await readLatestRuns(new FsObjectStore(from)));
  await fs.mkdir(out, { recursive: true, mode: 0o700 });
  for (const [name, text] of Object.entries(await rollupFileTexts(rollup))) {
    await fs.writeFile(path.join(out, name), text, { mode: 0o600 });
  }
  process.stderr.write(`rolled up ${rollup.countiesIncluded} of ${rollup.counties.length} counties (${rollup.countiesWithoutRun.length} with no run) into ${out}\n`);
  process.stdout.write(`${out}\n`);
}
