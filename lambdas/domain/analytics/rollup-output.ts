/**
 * The statewide roll-up's three files, as `clearance rollup` writes them to a folder and the stack's `rollup` function
 * writes them to `reports/statewide/` of the bucket: one text per file name, from the same RollupSummary.
 */
import { ObjectStore } from '../pipeline/object-store';
import { RollupSummary, rollupStatisticsCsv } from './rollup';
import { renderRollupHtml } from './rollup-html';

export const ROLLUP_FILES = { summary: 'summary.json', statistics: 'statistics.csv', report: 'report.html' } as const;

/** Where the stack's roll-up goes: beside the county folders of reports/ (no county is named so: they are upper case). */
export const STATEWIDE_REPORTS_PREFIX = 'reports/statewide/';

/** The text of each roll-up file, by file name. */
export async function rollupFileTexts(rollup: RollupSummary): Promise<Record<string, string>> {
  return {
    [ROLLUP_FILES.summary]: `${JSON.stringify(rollup, null, 2)}\n`,
    [ROLLUP_FILES.statistics]: rollupStatisticsCsv(rollup),
    [ROLLUP_FILES.report]: await renderRollupHtml(rollup),
  };
}

/** Writes the roll-up's files under `prefix` of the store; returns their keys. */
export async function writeRollup(store: ObjectStore, prefix: string, rollup: RollupSummary): Promise<string[]> {
  const keys: string[] = [];
  for (const [name, text] of Object.entries(await rollupFileTexts(rollup))) {
    const key = `${prefix}${name}`;
    await store.write(key, [Buffer.from(text, 'utf8')]);
    keys.push(key);
  }
  return keys;
}
