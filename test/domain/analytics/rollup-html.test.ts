/**
 * The statewide roll-up's report.html (lambdas/domain/analytics/rollup-html.ts): every county listed, those without
 * a run said so, a chart only when some county has a run, text escaped. The chart's SVG is a placeholder here
 * (vega's rendering is tested through the county report).
 */
import { runAnalytics } from '../../../lambdas/domain/analytics/records';
import { buildRollup } from '../../../lambdas/domain/analytics/rollup';
import { renderRollupHtml } from '../../../lambdas/domain/analytics/rollup-html';
import { CALIFORNIA_COUNTIES } from '../../../lambdas/domain/counties';
import { modelOf, PEOPLE, statisticsOf } from '../report/report-people';

jest.mock('../../../lambdas/domain/report/charts', () => jest.requireActual('../../helpers/chart-placeholder').chartsWithPlaceholderSvg());

function countyRun() {
  const analytics = runAnalytics(modelOf(statisticsOf(PEOPLE)), { policySha256: 'ab', people: 5 }, { startedAt: '2025-02-03T04:05:06.000Z', reportsPrefix: 'reports/x/' });
  return { run: analytics.runs[0], statistics: analytics.statistics, determinations: analytics.determinations };
}

describe('renderRollupHtml', () => {
  it('with no county run: every county listed as without one, no chart, self-contained', async () => {
    const html = await renderRollupHtml(buildRollup([]));
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script|<link|<img|data-chart/);
    expect(html.match(/<td colspan="5">no run<\/td>/g)).toHaveLength(CALIFORNIA_COUNTIES.length);
    expect(html).toContain('0 of 58 counties, no county has a run.');
  });

  it("with a county's run: its row, the relief chart, the other counties without a run", async () => {
    const html = await renderRollupHtml(buildRollup([countyRun()]));
    expect(html).toContain('<figure class="chart" data-chart="relief-by-county"><svg ');
    expect(html).toMatch(/<tr data-county="SACRAMENTO"><td>SACRAMENTO<\/td><td>2020-07-01<\/td><td class="num">\d+<\/td>/);
    expect(html.match(/no run<\/td>/g)).toHaveLength(CALIFORNIA_COUNTIES.length - 1);
    expect(html).toContain('1 of 58 counties, compute-at dates from 2020-07-01 to 2020-07-01.');
  });
});
