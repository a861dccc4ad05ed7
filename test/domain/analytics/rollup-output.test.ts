/**
 * The statewide roll-up's files (lambdas/domain/analytics/rollup-output.ts): summary.json, statistics.csv and
 * report.html from one RollupSummary, written under a prefix of a store. Chart SVGs are placeholders here.
 */
import { buildRollup, rollupStatisticsCsv } from '../../../lambdas/domain/analytics/rollup';
import { ROLLUP_FILES, rollupFileTexts, STATEWIDE_REPORTS_PREFIX, writeRollup } from '../../../lambdas/domain/analytics/rollup-output';
import { MemoryObjectStore } from '../../helpers/memory-store';

jest.mock('../../../lambdas/domain/report/charts', () => jest.requireActual('../../helpers/chart-placeholder').chartsWithPlaceholderSvg());

describe('the roll-up files', () => {
  const rollup = buildRollup([]);

  it('are the summary as JSON, the statistics CSV and the page', async () => {
    const texts = await rollupFileTexts(rollup);
    expect(Object.keys(texts)).toEqual(['summary.json', 'statistics.csv', 'report.html']);
    expect(JSON.parse(texts[ROLLUP_FILES.summary])).toEqual(JSON.parse(JSON.stringify(rollup)));
    expect(texts[ROLLUP_FILES.statistics]).toBe(rollupStatisticsCsv(rollup));
    expect(texts[ROLLUP_FILES.report]).toMatch(/^<!DOCTYPE html>/);
  });

  it('are written under the prefix, their keys returned', async () => {
    const store = new MemoryObjectStore();
    const keys = await writeRollup(store, STATEWIDE_REPORTS_PREFIX, rollup);
    expect(keys).toEqual(['reports/statewide/summary.json', 'reports/statewide/statistics.csv', 'reports/statewide/report.html']);
    const texts = await rollupFileTexts(rollup);
    for (const [name, text] of Object.entries(texts)) expect(store.text(`${STATEWIDE_REPORTS_PREFIX}${name}`, 'utf8')).toBe(text);
  });
});
