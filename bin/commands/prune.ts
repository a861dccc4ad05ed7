/**
 * `clearance prune`: removes kept runs from a `--keep-state` folder, by id or by age. A kept run holds a full copy
 * of its extract (incoming/), its work area (runs/<runId>/), its results and reports, and its ledger item; all of
 * them go. The county's policy (policies/<COUNTY>.json) stays: later runs use it.
 */
import type { RunRecord } from '../../lambdas/adapters/ledger';
import { repointLatest, runAnalyticsKeys } from '../../lambdas/domain/analytics/publish';
import { readText } from '../../lambdas/domain/pipeline/object-store';
import { keptStateDir, openKeptState } from './status';
import { UsageError } from '../../lambdas/domain/errors';
import { registerPrefixOf } from '../../lambdas/workflow-contract';

export interface PruneOptions {
  keepState: string;
  /** Days. */
  olderThan?: number;
  all?: boolean;
  dryRun?: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MAP_RESULTS = 'runs/map-results/';

/** The key prefixes of a run's objects: its batch (or its single upload), its work area, its outputs and register. */
export function runPrefixes(run: RunRecord): string[] {
  // The run's register (docs/monthly.md) goes with it: the next run then compares with the last run still kept.
  const prefixes = [`runs/${run.runId}/`, `results/${run.county}/${run.runId}/`, registerPrefixOf(run.county, run.runId), `reports/${run.county}/${run.runId}/`];
  if (run.triggerKey?.endsWith('/manifest.json')) prefixes.push(run.triggerKey.slice(0, -'manifest.json'.length));
  else if (run.triggerKey) prefixes.push(run.triggerKey);
  for (const key of run.inputKeys ?? []) if (!prefixes.some((prefix) => key.startsWith(prefix))) prefixes.push(key);
  return prefixes;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export async function pruneCommand(runIds: string[], options: PruneOptions): Promise<void> {
  const selections = [runIds.length > 0, options.olderThan !== undefined, options.all === true].filter(Boolean).length;
  if (selections !== 1) {
    throw new UsageError('prune needs one of: run ids, --older-than <days>, or --all');
  }
  const stateDir = keptStateDir(options.keepState);
  const state = await openKeptState(stateDir, 'clearance prune');
  try {
    const runs = await state.ledger.listRuns({ limit: Number.MAX_SAFE_INTEGER });
    let chosen: RunRecord[];
    if (runIds.length > 0) {
      const unknown = runIds.filter((id) => !runs.some((run) => run.runId === id));
      if (unknown.length > 0) {
        throw new UsageError(`no run ${unknown.map((id) => JSON.stringify(id)).join(', ')} in ${stateDir} (clearance status --keep-state ${options.keepState} lists them)`);
      }
      chosen = runs.filter((run) => runIds.includes(run.runId));
    } else if (options.all) chosen = runs;
    else {
      const cutoff = Date.now() - options.olderThan! * DAY_MS;
      chosen = runs.filter((run) => Date.parse(run.startedAt) < cutoff);
    }
    let freed = 0;
    for (const run of chosen) {
      const keys = new Set<string>();
      for (const prefix of runPrefixes(run)) for (const key of await state.store.list(prefix)) keys.add(key);
      for (const key of await runAnalyticsKeys(state.store, run.county, run.runId)) keys.add(key);
      let bytes = 0;
      for (const key of keys) bytes += await state.store.size(key).catch(() => 0);
      if (!options.dryRun) {
        await state.store.delete([...keys]);
        // The county's latest pointer never names a run that is gone (docs/analytics.md).
        await repointLatest(state.store, run.county);
        await state.ledger.deleteRun(run.runId);
      }
      freed += bytes;
      process.stdout.write(`${options.dryRun ? 'would remove' : 'removed'} run ${run.runId} (${run.county}, ${run.status}, started ${run.startedAt.slice(0, 19)}): ${keys.size} objects, ${megabytes(bytes)}\n`);
    }
    // Uploads no run started from (a `clearance run` interrupted before it wrote its batch's manifest): nothing
    // reads them; no process uploads now (the lock is ours), so every one of them is such a leftover.
    const referenced = runs.flatMap((run) => runPrefixes(run).filter((prefix) => prefix.startsWith('incoming/')));
    const orphans = (await state.store.list('incoming/')).filter((key) => !referenced.some((prefix) => key.startsWith(prefix)));
    if (orphans.length > 0) {
      let bytes = 0;
      for (const key of orphans) bytes += await state.store.size(key).catch(() => 0);
      if (!options.dryRun) await state.store.delete(orphans);
      freed += bytes;
      process.stdout.write(`${options.dryRun ? 'would remove' : 'removed'} ${orphans.length} uploaded file(s) no run started from: ${megabytes(bytes)}\n`);
    }
    // The distributed maps' result files (runs/map-results/<map>/<map run>/) name their run only inside: a folder
    // that names no run kept goes with the runs pruned.
    const keptIds = runs.filter((run) => !chosen.includes(run)).map((run) => run.runId);
    const mapFolders = new Map<string, string[]>();
    for (const key of await state.store.list(MAP_RESULTS)) {
      const folder = key.split('/').slice(0, 4).join('/');
      mapFolders.set(folder, [...(mapFolders.get(folder) ?? []), key]);
    }
    let mapBytes = 0;
    const mapKeys: string[] = [];
    for (const keys of mapFolders.values()) {
      const texts = await Promise.all(keys.map((key) => readText(state.store, key).catch(() => '')));
      if (keptIds.some((id) => texts.some((text) => text.includes(id)))) continue;
      for (const text of texts) mapBytes += Buffer.byteLength(text);
      mapKeys.push(...keys);
    }
    if (mapKeys.length > 0 && !options.dryRun) await state.store.delete(mapKeys);
    freed += mapBytes;
    const left = runs.length - (options.dryRun ? 0 : chosen.length);
    process.stdout.write(
      chosen.length === 0 && orphans.length === 0
        ? `no run to remove in ${stateDir} (${runs.length} kept)\n`
        : `${options.dryRun ? 'would free' : 'freed'} ${megabytes(freed)} in ${stateDir} (${chosen.length} run(s)${orphans.length > 0 ? ', and uploads no run started from' : ''}); ${left} run(s) kept\n`,
    );
  } finally {
    await state.close();
  }
}
