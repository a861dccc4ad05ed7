/**
 * The report's charts, defined in Vega-Lite and rendered from their Vega form (compiled at build time:
 * chart-templates.ts) to static SVG in Node (no browser, no canvas, no network): the HTML inlines them, so the page
 * needs no script to show them.
 */
import { DETERMINATION_ORDER, determinationLabel, ReportModel } from './model';
import { DisplayedCell, SuppressedTable } from './suppression';
import { ChartDefinition, ChartSlots, Spec, vegaSpecOf } from './chart-templates';
import { renderSvg } from './vega-render';

const WIDTH = 560;
const FONT = 'Helvetica, Arial, sans-serif';

/** One colour per determination, fixed so that every chart and every run reads the same way (colour-blind safe). */
const DETERMINATION_COLOURS: Readonly<Record<string, string>> = {
  'Eligible for Dismissal': '#1a9850',
  'Eligible for Reduction': '#91cf60',
  'To be reviewed by City Attorney': '#4575b4',
  'Hand Review': '#fdae61',
  'Not eligible': '#d73027',
  'No determination': '#bdbdbd',
};

function base(description: string, spec: Spec): Spec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    description,
    background: 'white',
    config: {
      font: FONT,
      view: { stroke: null },
      axis: { labelFontSize: 11, titleFontSize: 11, labelLimit: 500 },
      legend: { labelFontSize: 11, titleFontSize: 11, orient: 'bottom', columns: 2, labelLimit: 500 },
    },
    ...spec,
  };
}

export interface ChartSpec {
  id: string;
  title: string;
  slots: ChartSlots;
  /** The chart in Vega-Lite: its definition, what the build-time template is compiled from. */
  spec: Spec;
}

export function chartOf(definition: ChartDefinition, slots: ChartSlots): ChartSpec {
  return { id: definition.id, title: definition.title, slots, spec: definition.spec(slots) };
}

const DETERMINATION_ORDER_EXPRESSION = `indexof(${JSON.stringify(DETERMINATION_ORDER.map(determinationLabel))}, datum.determination)`;

/** The colour scale of the determinations present, as slots `colourDomain` and `colourRange`. */
function determinationColourSlots(present: readonly string[]): { colourDomain: string[]; colourRange: string[] } {
  const domain = DETERMINATION_ORDER.map(determinationLabel).filter((label) => present.includes(label));
  for (const label of present) if (!domain.includes(label)) domain.push(label);
  return { colourDomain: domain, colourRange: domain.map((label) => DETERMINATION_COLOURS[label] ?? '#7f7f7f') };
}

const SECTION_CHART: ChartDefinition = {
  id: 'by-section',
  title: 'Convictions by section and determination',
  slotNames: ['values', 'colourDomain', 'colourRange'],
  spec: (slots) =>
    base('Evaluated Prop 64 convictions by code section, stacked by determination', {
      width: WIDTH,
      height: { step: 28 },
      data: { values: slots.values },
      transform: [{ calculate: DETERMINATION_ORDER_EXPRESSION, as: 'order' }],
      mark: { type: 'bar' },
      encoding: {
        y: { field: 'section', type: 'nominal', title: null, sort: ['HS 11357', 'HS 11358', 'HS 11359', 'HS 11360'] },
        x: { field: 'convictions', type: 'quantitative', title: 'Convictions', stack: 'zero' },
        color: { field: 'determination', type: 'nominal', title: 'Determination', scale: { domain: slots.colourDomain, range: slots.colourRange } },
        order: { field: 'order', type: 'quantitative' },
        tooltip: [{ field: 'section' }, { field: 'determination' }, { field: 'convictions' }],
      },
    }),
};

function sectionChart(model: ReportModel): ChartSpec {
  const values = model.bySectionAndDetermination.map((row) => ({ section: `HS ${row.section}`, determination: determinationLabel(row.determination), convictions: row.count }));
  return chartOf(SECTION_CHART, { values, ...determinationColourSlots(values.map((v) => v.determination)) });
}

const FUNNEL_CHART: ChartDefinition = {
  id: 'funnel',
  title: 'Reasons funnel',
  slotNames: ['values', 'steps', 'colourDomain', 'colourRange'],
  spec: (slots) =>
    base('Convictions still undecided when each rule is tried (grey) and decided by it (colour), in rule order', {
      // narrower: the reasons take the rest of the page's width
      width: WIDTH - 200,
      height: { step: 20 },
      data: { values: slots.values },
      encoding: { y: { field: 'step', type: 'ordinal', title: null, sort: slots.steps } },
      layer: [
        { mark: { type: 'bar', color: '#e6e6e6' }, encoding: { x: { field: 'entering', type: 'quantitative', title: 'Convictions' } } },
        {
          mark: { type: 'bar' },
          encoding: {
            x: { field: 'decided', type: 'quantitative' },
            color: { field: 'determination', type: 'nominal', title: 'Determination', scale: { domain: slots.colourDomain, range: slots.colourRange } },
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 4, fontSize: 10 },
          encoding: { x: { field: 'entering', type: 'quantitative' }, text: { field: 'decided', type: 'quantitative', format: ',' } },
        },
      ],
    }),
};

function funnelChart(model: ReportModel): ChartSpec {
  const values = model.funnel.map((step, index) => ({
    step: `${String(index + 1).padStart(2, '0')}. ${step.reason}`,
    entering: step.entering,
    decided: step.count,
    determination: determinationLabel(step.determination),
  }));
  return chartOf(FUNNEL_CHART, { values, steps: values.map((v) => v.step), ...determinationColourSlots(values.map((v) => v.determination)) });
}

const DECADE_CHART: ChartDefinition = {
  id: 'by-decade',
  title: 'Convictions by decade',
  slotNames: ['values', 'decades', 'colourDomain', 'colourRange'],
  spec: (slots) =>
    base('Evaluated Prop 64 convictions by decade of conviction, stacked by determination', {
      width: WIDTH,
      height: 220,
      data: { values: slots.values },
      transform: [{ calculate: DETERMINATION_ORDER_EXPRESSION, as: 'order' }],
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'decade', type: 'ordinal', title: 'Decade of conviction', sort: slots.decades, axis: { labelAngle: 0 } },
        y: { field: 'convictions', type: 'quantitative', title: 'Convictions', stack: 'zero' },
        color: { field: 'determination', type: 'nominal', title: 'Determination', scale: { domain: slots.colourDomain, range: slots.colourRange } },
        order: { field: 'order', type: 'quantitative' },
      },
    }),
};

function decadeChart(model: ReportModel): ChartSpec {
  const values = model.byDecadeAndDetermination.map((row) => ({ decade: row.decade, determination: determinationLabel(row.determination), convictions: row.count }));
  return chartOf(DECADE_CHART, { values, decades: [...new Set(values.map((v) => v.decade))], ...determinationColourSlots(values.map((v) => v.determination)) });
}

export const WHAT_IF_METRICS = [
  ['subjectsWithSomeRelief', 'People with any relief'],
  ['CountSubjectsNoFelony', 'No felony left'],
  ['CountSubjectsNoConviction', 'No conviction left'],
  ['CountSubjectsNoConvictionLast7Years', 'No conviction in the last 7 years'],
] as const;

const WHAT_IF_CHART: ChartDefinition = {
  id: 'what-if',
  title: 'What-if comparison',
  slotNames: ['values', 'scenarios'],
  spec: (slots) =>
    base('People relieved under the chosen policy and under each what-if scenario', {
      width: WIDTH,
      height: { step: 14 },
      data: { values: slots.values },
      mark: { type: 'bar' },
      encoding: {
        y: { field: 'metric', type: 'nominal', title: null, sort: WHAT_IF_METRICS.map(([, metric]) => metric) },
        yOffset: { field: 'scenario', type: 'nominal', sort: slots.scenarios },
        x: { field: 'people', type: 'quantitative', title: 'People' },
        color: { field: 'scenario', type: 'nominal', title: 'Policy', sort: slots.scenarios, scale: { scheme: 'tableau10' } },
      },
    }),
};

function whatIfChart(model: ReportModel): ChartSpec {
  const values = model.whatIf.flatMap((row) => WHAT_IF_METRICS.map(([key, metric]) => ({ scenario: row.label, metric, people: row[key] })));
  return chartOf(WHAT_IF_CHART, { values, scenarios: model.whatIf.map((row) => row.label) });
}

/** What a demographic chart plots: the shown cells and the suppressed ones as one bar. */
export function demographicBars(table: SuppressedTable): Array<{ category: string; share: number; suppressed: boolean }> {
  const bars = table.cells
    .filter((cell: DisplayedCell) => !cell.suppressed && cell.share !== null)
    .map((cell) => ({ category: cell.label, share: cell.share!, suppressed: false }));
  if (table.suppressed !== null && table.suppressed.share !== null) {
    bars.push({ category: `Suppressed (${table.suppressed.cells} groups)`, share: table.suppressed.share, suppressed: true });
  }
  return bars;
}

function demographicDefinition(id: string, title: string): ChartDefinition {
  return {
    id,
    title,
    slotNames: ['values', 'categories'],
    spec: (slots) =>
      base(`${title}: shares of people relieved, small groups suppressed`, {
        width: WIDTH - 120,
        height: { step: 20 },
        data: { values: slots.values },
        encoding: {
          y: { field: 'category', type: 'nominal', title: null, sort: slots.categories },
          x: { field: 'share', type: 'quantitative', title: 'Share of people relieved (%)', scale: { domain: [0, 100] } },
        },
        layer: [
          {
            mark: { type: 'bar' },
            encoding: {
              color: { field: 'suppressed', type: 'nominal', legend: null, scale: { domain: [false, true], range: ['#4575b4', '#bdbdbd'] } },
            },
          },
          { mark: { type: 'text', align: 'left', dx: 4, fontSize: 10 }, encoding: { text: { field: 'share', type: 'quantitative', format: 'd' } } },
        ],
      }),
  };
}

const RACE_ETHNICITY_CHART = demographicDefinition('race-ethnicity', 'Race/ethnicity');
const GENDER_CHART = demographicDefinition('gender', 'Gender');
const AGE_BAND_CHART = demographicDefinition('age-band', 'Age at compute-at');

function demographicChart(definition: ChartDefinition, table: SuppressedTable): ChartSpec {
  const values = demographicBars(table);
  return chartOf(definition, { values, categories: values.map((v) => v.category) });
}

/** Every chart the report can hold: what the build-time templates are compiled from (tools/chart-templates.ts). */
export const REPORT_CHART_DEFINITIONS: readonly ChartDefinition[] = [
  SECTION_CHART, FUNNEL_CHART, DECADE_CHART, WHAT_IF_CHART, RACE_ETHNICITY_CHART, GENDER_CHART, AGE_BAND_CHART,
];

/** Every chart of the report, in page order. Charts with no data are left out (the page says so instead). */
export function reportCharts(model: ReportModel): ChartSpec[] {
  const charts: ChartSpec[] = [];
  if (model.bySectionAndDetermination.length > 0) charts.push(sectionChart(model));
  if (model.funnel.length > 0) charts.push(funnelChart(model));
  if (model.byDecadeAndDetermination.length > 0) charts.push(decadeChart(model));
  charts.push(whatIfChart(model));
  const demographics = model.demographics;
  if (demographics.total > 0) {
    charts.push(demographicChart(RACE_ETHNICITY_CHART, demographics.raceEthnicity));
    charts.push(demographicChart(GENDER_CHART, demographics.gender));
    charts.push(demographicChart(AGE_BAND_CHART, demographics.ageBand));
  }
  return charts;
}

export { renderSvg } from './vega-render';

/** A chart as SVG: its definition's build-time Vega template fed the chart's slots, rendered. */
export function chartSvg(chart: ChartSpec): Promise<string> {
  return renderSvg(vegaSpecOf(chart.id, chart.slots));
}

/**
 * Charts rendered ahead, by their spec's JSON: the same spec renders to the same SVG, so a chart rendered while
 * other work runs (Assemble renders them during the merges: renderChartsAhead) is taken from here when the page is
 * built, and any chart whose spec turned out different is rendered then.
 */
export type ChartCache = Map<string, Promise<string>>;

/** chartSvg through `cache`: a chart rendered before is not rendered again. */
export function cachedSvg(chart: ChartSpec, cache: ChartCache): Promise<string> {
  const key = JSON.stringify(chart.spec);
  let svg = cache.get(key);
  if (svg === undefined) cache.set(key, (svg = chartSvg(chart)));
  return svg;
}

/** Starts rendering the charts of `model` into `cache`; a failure surfaces when the page asks for that chart. */
export function renderChartsAhead(model: ReportModel, cache: ChartCache): void {
  for (const chart of reportCharts(model)) cachedSvg(chart, cache).catch(() => undefined);
}
