/**
 * The report's charts (lambdas/domain/report/charts.ts) as Vega-Lite specs from the report model of hand-made
 * people, and the cache that keeps a chart from being rendered twice. The SVG rendering, and the page taking the
 * charts from the cache, are tested through report.html (html.test.ts, test/browser).
 */
import { ChartCache, demographicBars, renderChartsAhead, reportCharts } from '../../../lambdas/domain/report/charts';
import { parseReportSettings } from '../../../lambdas/domain/report/settings';
import { modelOf, PEOPLE, statisticsOf } from './report-people';

describe('reportCharts', () => {
  it('gives every chart in page order, and leaves out those without data', () => {
    const model = modelOf(statisticsOf(PEOPLE), parseReportSettings({ suppressionThreshold: 1 }));
    expect(reportCharts(model).map((chart) => chart.id)).toEqual(['by-section', 'funnel', 'by-decade', 'what-if', 'race-ethnicity', 'gender', 'age-band']);
    for (const chart of reportCharts(model)) expect(chart.spec).toMatchObject({ $schema: expect.stringContaining('vega-lite') });
    expect(reportCharts(modelOf(statisticsOf([]))).map((chart) => chart.id)).toEqual(['what-if']);
  });
});

describe('demographicBars', () => {
  it('plots the shown cells, shares summing to 100, or the suppressed ones as one grey bar', () => {
    const shown = modelOf(statisticsOf(PEOPLE), parseReportSettings({ suppressionThreshold: 1 })).demographics.gender;
    const bars = demographicBars(shown);
    expect(bars.every((bar) => !bar.suppressed)).toBe(true);
    expect(bars.reduce((sum, bar) => sum + bar.share, 0)).toBeCloseTo(100, 5);
    // The default threshold (11) suppresses every cell of three people relieved.
    const hidden = modelOf(statisticsOf(PEOPLE)).demographics.gender;
    expect(demographicBars(hidden)).toEqual([{ category: `Suppressed (${hidden.suppressed!.cells} groups)`, share: 100, suppressed: true }]);
  });
});

describe('the chart cache', () => {
  it('renders ahead only the charts it does not hold', () => {
    const model = modelOf(statisticsOf(PEOPLE));
    const cache: ChartCache = new Map(reportCharts(model).map((chart) => [JSON.stringify(chart.spec), Promise.resolve(`<svg id="${chart.id}"/>`)]));
    const before = [...cache.values()];
    renderChartsAhead(model, cache);
    expect(cache.size).toBe(before.length);
    [...cache.values()].forEach((svg, i) => expect(svg).toBe(before[i]));
  });
});
