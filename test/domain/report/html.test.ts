/**
 * report.html (lambdas/domain/report/html.ts) from the report model of hand-made people: self-contained, a chart per
 * section (rendered ahead or when the page is built: the same page), headline numbers marked, text from the run
 * escaped, the dates the figures hold for.
 */
import { ChartCache, renderChartsAhead, reportCharts } from '../../../lambdas/domain/report/charts';
import { escapeHtml, formatCount, renderReportHtml } from '../../../lambdas/domain/report/html';
import { NO_DETERMINATION } from '../../../lambdas/domain/report/model';
import { parseReportSettings } from '../../../lambdas/domain/report/settings';
import { COMPUTE_AT, modelOf, PEOPLE, statisticsOf } from './report-people';

describe('report.html', () => {
  test('charts rendered ahead (while Assemble merges): the same page, each chart taken from the cache, none rendered twice', async () => {
    const model = modelOf(statisticsOf(PEOPLE), parseReportSettings({ suppressionThreshold: 1 }));
    const cache: ChartCache = new Map();
    renderChartsAhead(model, cache);
    const charts = reportCharts(model);
    expect(cache.size).toBe(charts.length);
    const plain = await renderReportHtml(model);
    expect(await renderReportHtml(model, cache)).toBe(plain);
    expect(cache.size).toBe(charts.length);
    // What the cache holds for a spec is what the page shows for it.
    cache.set(JSON.stringify(charts[0].spec), Promise.resolve('<svg data-from-cache="yes"></svg>'));
    const fromCache = await renderReportHtml(model, cache);
    expect(fromCache).toContain(`data-chart="${charts[0].id}">\n<svg data-from-cache="yes"></svg>`);
    expect(fromCache.match(/<svg /g)).toHaveLength(charts.length);
  });

  test('self-contained: no script, no external resource, a chart per section, headline numbers marked', async () => {
    const model = modelOf(statisticsOf(PEOPLE), parseReportSettings({ suppressionThreshold: 1 }));
    const html = await renderReportHtml(model);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(http/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    // the only URLs are SVG's XML namespaces
    expect(new Set(html.match(/https?:\/\/[^"'\s)]+/g))).toEqual(new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']));
    const charts = reportCharts(model).map((chart) => chart.id);
    expect(charts).toEqual(['by-section', 'funnel', 'by-decade', 'what-if', 'race-ethnicity', 'gender', 'age-band']);
    for (const id of charts) expect(html).toMatch(new RegExp(`<figure class="chart" data-chart="${id}">\\n<svg `));
    expect(html.match(/<svg /g)).toHaveLength(charts.length);
    expect(html).toContain('<div class="figure" data-headline="peopleWithSomeRelief"><span class="number">3</span>');
    for (const determination of model.determinations.filter((d) => d !== NO_DETERMINATION)) expect(html).toContain(`<th class="num">${determination}</th>`);
  });

  test('text from the run is escaped', async () => {
    expect(escapeHtml(`<b>"A&B's"</b>`)).toBe('&lt;b&gt;&quot;A&amp;B&#39;s&quot;&lt;/b&gt;');
    expect(formatCount(1234567)).toBe('1,234,567');
    const model = { ...modelOf(statisticsOf(PEOPLE)), county: '<script>alert(1)</script>' };
    const html = await renderReportHtml(model);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  test('states the date the data is as of beside the compute-at date, in one format', async () => {
    const html = await renderReportHtml({ ...modelOf(statisticsOf(PEOPLE)), dataAsOf: '2020-06-10' });
    expect(html).toContain('<span data-date="data-as-of">Data as of 2020-06-10</span>');
    expect(html).toContain(`<span data-date="compute-at">eligibility computed as of ${COMPUTE_AT}</span>`);
  });
});
