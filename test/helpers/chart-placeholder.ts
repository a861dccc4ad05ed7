/**
 * A stand-in for the report's chart drawing (lambdas/domain/report/charts.ts), for suites that run the whole pipeline
 * many times and compare everything but report.html: vega's parse and SVG rendering are most of such a run's time.
 * Each chart's Vega-Lite spec is still built from the run's model and serialised; report.html with real charts is
 * tested in test/domain/report and test/browser.
 *
 *   jest.mock('../../lambdas/domain/report/charts', () => jest.requireActual('../helpers/chart-placeholder').chartsWithPlaceholderSvg());
 */
import type { ChartSpec } from '../../lambdas/domain/report/charts';

type Spec = Record<string, unknown>;

/** A small SVG naming the chart and the size of its spec, the same for the same spec. */
export async function placeholderSvg(spec: Spec): Promise<string> {
  const serialised = JSON.stringify(spec);
  const description = String(spec.description ?? '').replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><desc>${description} (${serialised.length} bytes of spec)</desc></svg>`;
}

/** The charts module with its drawing (`renderSvg`, `chartSvg`, `cachedSvg`; none rendered ahead) replaced by `placeholderSvg`, everything else as it is. */
export function chartsWithPlaceholderSvg(): Record<string, unknown> {
  const chartSvg = (chart: ChartSpec) => placeholderSvg(chart.spec);
  return { ...jest.requireActual('../../lambdas/domain/report/charts'), renderSvg: placeholderSvg, chartSvg, cachedSvg: chartSvg, renderChartsAhead: () => undefined };
}
