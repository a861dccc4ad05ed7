/**
 * report.html of the statewide roll-up: one self-contained page (no script, charts inlined as SVG): the totals,
 * relief by county on a chart and in a table (counties with no run listed), determinations, and the demographics of
 * people relieved, suppressed again on the aggregated counts.
 */
import { chartOf, chartSvg } from '../report/charts';
import { ChartDefinition } from '../report/chart-templates';
import { escapeHtml, formatCount, htmlHead } from '../report/html';
import { SuppressedTable } from '../report/suppression';
import { RollupSummary } from './rollup';

const STYLE = `
body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 960px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.75em; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.sample { background: #fff3cd; padding: 0.5em 1em; }
.meta { color: #555; }
`;

/** The roll-up's one chart (compiled with the report's: tools/chart-templates.ts). */
export const ROLLUP_RELIEF_CHART: ChartDefinition = {
  id: 'rollup-relief',
  title: 'People with some relief, by county',
  slotNames: ['values'],
  spec: (slots) => ({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    description: 'People with some relief, by county (latest run of each county)',
    background: 'white',
    config: { font: 'Helvetica, Arial, sans-serif', view: { stroke: null } },
    width: 560,
    height: { step: 20 },
    data: { values: slots.values },
    mark: { type: 'bar', color: '#1a9850' },
    encoding: {
      y: { field: 'county', type: 'nominal', sort: '-x', title: null },
      x: { field: 'people', type: 'quantitative', title: 'People with some relief' },
      tooltip: [{ field: 'county' }, { field: 'people' }],
    },
  }),
};

function reliefChartSvg(rollup: RollupSummary): Promise<string> {
  const values = rollup.counties
    .filter((county) => county.counts !== undefined)
    .map((county) => ({ county: county.county, people: county.counts!.people_with_some_relief }));
  return chartSvg(chartOf(ROLLUP_RELIEF_CHART, { values }));
}

function numberCell(n: number | null | undefined): string {
  return `<td class="num">${n === null || n === undefined ? '–' : formatCount(n)}</td>`;
}

function demographicTable(title: string, table: SuppressedTable): string {
  const rows = table.cells.map((cell) => `<tr><td>${escapeHtml(cell.label)}</td>${cell.suppressed ? '<td class="num">suppressed</td>' : numberCell(cell.count)}</tr>`);
  if (table.suppressed !== null) rows.push(`<tr><td>Suppressed groups combined</td>${numberCell(table.suppressed.count)}</tr>`);
  rows.push(`<tr><th>Total</th>${numberCell(table.total)}</tr>`);
  return `<h3>${escapeHtml(title)}</h3>\n<table><tr><th>Category</th><th class="num">People</th></tr>\n${rows.join('\n')}\n</table>`;
}

export async function renderRollupHtml(rollup: RollupSummary): Promise<string> {
  const t = rollup.totals;
  const chart = rollup.countiesIncluded > 0 ? await reliefChartSvg(rollup) : '';
  const countyRows = rollup.counties.map((county) =>
    county.counts === undefined
      ? `<tr data-county="${escapeHtml(county.county)}"><td>${escapeHtml(county.county)}</td><td colspan="5">no run</td></tr>`
      : `<tr data-county="${escapeHtml(county.county)}"><td>${escapeHtml(county.county)}</td><td>${escapeHtml(county.computeAt ?? '')}</td>` +
        `${numberCell(county.counts.people_with_prop64_conviction)}${numberCell(county.counts.people_with_some_relief)}` +
        `${numberCell(county.counts.convictions_dismissed)}${numberCell(county.counts.convictions_reduced)}</tr>`,
  );
  const determinations = Object.entries(rollup.convictionsByDetermination).map(([determination, count]) => `<tr><td>${escapeHtml(determination)}</td>${numberCell(count)}</tr>`);
  const range = rollup.computeAtRange === null ? 'no county has a run' : `compute-at dates from ${rollup.computeAtRange.earliest} to ${rollup.computeAtRange.latest}`;
  return `${htmlHead('Prop 64 relief in California', STYLE)}
<body>
<h1>Prop 64 relief in California</h1>
${rollup.includesGeneratedSamples ? '<p class="sample" data-notice="generated-sample">Some counties\' runs are of the generated sample: these figures include fabricated people. Do not quote them.</p>\n' : ''}<p class="meta">The latest successful run of each county: ${rollup.countiesIncluded} of ${rollup.counties.length} counties, ${escapeHtml(range)}. Aggregates only; demographic cells below ${rollup.demographics.suppressionThreshold} people are suppressed.</p>
<section id="headline">
<h2>Statewide</h2>
<table>
<tr><td>People with a Prop 64 conviction</td>${numberCell(t.people_with_prop64_conviction)}</tr>
<tr><td>People with some relief</td>${numberCell(t.people_with_some_relief)}</tr>
<tr><td>People left with no felony</td>${numberCell(t.people_no_felony)}</tr>
<tr><td>People left with no conviction</td>${numberCell(t.people_no_conviction)}</tr>
<tr><td>Convictions evaluated</td>${numberCell(t.convictions_evaluated)}</tr>
<tr><td>Convictions eligible for dismissal</td>${numberCell(t.convictions_dismissed)}</tr>
<tr><td>Convictions eligible for reduction</td>${numberCell(t.convictions_reduced)}</tr>
</table>
</section>
<section id="by-county">
<h2>Relief by county</h2>
${chart === '' ? '' : `<figure class="chart" data-chart="relief-by-county">${chart}<figcaption>People with some relief, by county</figcaption></figure>`}
<table><tr><th>County</th><th>Compute-at</th><th class="num">People with a Prop 64 conviction</th><th class="num">People relieved</th><th class="num">Dismissed</th><th class="num">Reduced</th></tr>
${countyRows.join('\n')}
</table>
<p>Counties with no run: ${rollup.countiesWithoutRun.length === 0 ? 'none' : escapeHtml(rollup.countiesWithoutRun.join(', '))}.</p>
</section>
<section id="determinations">
<h2>Convictions by determination</h2>
<table><tr><th>Determination</th><th class="num">Convictions</th></tr>
${determinations.join('\n')}
</table>
</section>
<section id="demographics">
<h2>People relieved</h2>
<p>Summed from the county reports: a county's suppressed cells count as one line, "Suppressed in county reports", and the statewide table is suppressed again.</p>
${demographicTable('By race/ethnicity', rollup.demographics.raceEthnicity)}
${demographicTable('By gender', rollup.demographics.gender)}
${demographicTable('By age band', rollup.demographics.ageBand)}
</section>
</body>
</html>
`;
}
