/**
 * The report's charts as Vega-Lite specifications, rendered to static SVG in Node (no browser, no canvas,
 * no network): the HTML inlines them, so the page needs no script to show them.
 */
import { DETERMINATION_ORDER, determinationLabel, ReportModel } from './model';
import { DisplayedCell, SuppressedTable } from './suppression';

type Spec = Record<string, unknown>;

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

function determinationScale(present: readonly string[]): Spec {
  const domain = DETERMINATION_ORDER.map(determinationLabel).filter((label) => present.includes(label));
  for (const label of present) if (!domain.includes(label)) domain.push(label);
  return { domain, range: domain.map((label) => DETERMINATION_COLOURS[label] ?? '#7f7f7f') };
}

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
  /** Stable id, used in the page (`data-chart`) and by tests. */
  id: string;
  title: string;
  spec: Spec;
}

function sectionChart(model: ReportModel): ChartSpec {
  const values = model.bySectionAndDetermination.map((row) => ({ section: `HS ${row.section}`, determination: determinationLabel(row.determination), convictions: row.count }));
  const order = DETERMINATION_ORDER.map(determinationLabel);
  return {
    id: 'by-section',
    title: 'Convictions by section and determination',
    spec: base('Evaluated Prop 64 convictions by code section, stacked by determination', {
      width: WIDTH,
      height: { step: 28 },
      data: { values },
      transform: [{ calculate: `indexof(${JSON.stringify(order)}, datum.determination)`, as: 'order' }],
      mark: { type: 'bar' },
      encoding: {
        y: { field: 'section', type: 'nominal', title: null, sort: ['HS 11357', 'HS 11358', 'HS 11359', 'HS 11360'] },
        x: { field: 'convictions', type: 'quantitative', title: 'Convictions', stack: 'zero' },
        color: { field: 'determination', type: 'nominal', title: 'Determination', scale: determinationScale(values.map((v) => v.determination)) },
        order: { field: 'order', type: 'quantitative' },
        tooltip: [{ field: 'section' }, { field: 'determination' }, { field: 'convictions' }],
      },
    }),
  };
}

function funnelChart(model: ReportModel): ChartSpec {
  const values = model.funnel.map((step, index) => ({
    step: `${String(index + 1).padStart(2, '0')}. ${step.reason}`,
    entering: step.entering,
    decided: step.count,
    determination: determinationLabel(step.determination),
  }));
  const steps = values.map((v) => v.step);
  return {
    id: 'funnel',
    title: 'Reasons funnel',
    spec: base('Convictions still undecided when each rule is tried (grey) and decided by it (colour), in rule order', {
      // narrower: the reasons take the rest of the page's width
      width: WIDTH - 200,
      height: { step: 20 },
      data: { values },
      encoding: { y: { field: 'step', type: 'ordinal', title: null, sort: steps } },
      layer: [
        { mark: { type: 'bar', color: '#e6e6e6' }, encoding: { x: { field: 'entering', type: 'quantitative', title: 'Convictions' } } },
        {
          mark: { type: 'bar' },
          encoding: {
            x: { field: 'decided', type: 'quantitative' },
            color: { field: 'determination', type: 'nominal', title: 'Determination', scale: determinationScale(values.map((v) => v.determination)) },
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 4, fontSize: 10 },
          encoding: { x: { field: 'entering', type: 'quantitative' }, text: { field: 'decided', type: 'quantitative', format: ',' } },
        },
      ],
    }),
  };
}

function decadeChart(model: ReportModel): ChartSpec {
  const values = model.byDecadeAndDetermination.map((row) => ({ decade: row.decade, determination: determinationLabel(row.determination), convictions: row.count }));
  const order = DETERMINATION_ORDER.map(determinationLabel);
  const decades = [...new Set(values.map((v) => v.decade))];
  return {
    id: 'by-decade',
    title: 'Convictions by decade',
    spec: base('Evaluated Prop 64 convictions by decade of conviction, stacked by determination', {
      width: WIDTH,
      height: 220,
      data: { values },
      transform: [{ calculate: `indexof(${JSON.stringify(order)}, datum.determination)`, as: 'order' }],
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'decade', type: 'ordinal', title: 'Decade of conviction', sort: decades, axis: { labelAngle: 0 } },
        y: { field: 'convictions', type: 'quantitative', title: 'Convictions', stack: 'zero' },
        color: { field: 'determination', type: 'nominal', title: 'Determination', scale: determinationScale(values.map((v) => v.determination)) },
        order: { field: 'order', type: 'quantitative' },
      },
    }),
  };
}

export const WHAT_IF_METRICS = [
  ['subjectsWithSomeRelief', 'People with any relief'],
  ['CountSubjectsNoFelony', 'No felony left'],
  ['CountSubjectsNoConviction', 'No conviction left'],
  ['CountSubjectsNoConvictionLast7Years', 'No conviction in the last 7 years'],
] as const;

function whatIfChart(model: ReportModel): ChartSpec {
  const values = model.whatIf.flatMap((row) => WHAT_IF_METRICS.map(([key, metric]) => ({ scenario: row.label, metric, people: row[key] })));
  const scenarios = model.whatIf.map((row) => row.label);
  return {
    id: 'what-if',
    title: 'What-if comparison',
    spec: base('People relieved under the chosen policy and under each what-if scenario', {
      width: WIDTH,
      height: { step: 14 },
      data: { values },
      mark: { type: 'bar' },
      encoding: {
        y: { field: 'metric', type: 'nominal', title: null, sort: WHAT_IF_METRICS.map(([, metric]) => metric) },
        yOffset: { field: 'scenario', type: 'nominal', sort: scenarios },
        x: { field: 'people', type: 'quantitative', title: 'People' },
        color: { field: 'scenario', type: 'nominal', title: 'Policy', sort: scenarios, scale: { scheme: 'tableau10' } },
      },
    }),
  };
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

function demographicChart(id: string, title: string, table: SuppressedTable): ChartSpec {
  const values = demographicBars(table);
  return {
    id,
    title,
    spec: base(`${title}: shares of people relieved, small groups suppressed`, {
      width: WIDTH - 120,
      height: { step: 20 },
      data: { values },
      encoding: {
        y: { field: 'category', type: 'nominal', title: null, sort: values.map((v) => v.category) },
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

/** Every chart of the report, in page order. Charts with no data are left out (the page says so instead). */
export function reportCharts(model: ReportModel): ChartSpec[] {
  const charts: ChartSpec[] = [];
  if (model.bySectionAndDetermination.length > 0) charts.push(sectionChart(model));
  if (model.funnel.length > 0) charts.push(funnelChart(model));
  if (model.byDecadeAndDetermination.length > 0) charts.push(decadeChart(model));
  charts.push(whatIfChart(model));
  const demographics = model.demographics;
  if (demographics.total > 0) {
    charts.push(demographicChart('race-ethnicity', 'Race/ethnicity', demographics.raceEthnicity));
    charts.push(demographicChart('gender', 'Gender', demographics.gender));
    charts.push(demographicChart('age-band', 'Age at compute-at', demographics.ageBand));
  }
  return charts;
}

interface VegaModule {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, options: { renderer: 'none' }) => { toSVG(): Promise<string>; finalize(): void };
}
interface VegaLiteModule {
  compile(spec: unknown): { spec: unknown };
}

let libraries: Promise<{ vega: VegaModule; vegaLite: VegaLiteModule }> | undefined;

/** vega and vega-lite are loaded on first use: only assemble renders charts. */
function loadLibraries(): Promise<{ vega: VegaModule; vegaLite: VegaLiteModule }> {
  libraries ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vegaLite]) => ({
    vega: vega as unknown as VegaModule,
    vegaLite: vegaLite as unknown as VegaLiteModule,
  }));
  return libraries;
}

/** A Vega-Lite spec as a standalone SVG string (renderer `none`: no DOM, no canvas). */
export async function renderSvg(spec: Spec): Promise<string> {
  const { vega, vegaLite } = await loadLibraries();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Charts rendered ahead, by their spec's JSON: the same spec renders to the same SVG, so a chart rendered while
 * other work runs (Assemble renders them during the merges: renderChartsAhead) is taken from here when the page is
 * built, and any chart whose spec turned out different is rendered then.
 */
export type ChartCache = Map<string, Promise<string>>;

/** renderSvg through `cache`: a spec rendered before is not rendered again. */
export function cachedSvg(spec: Spec, cache: ChartCache): Promise<string> {
  const key = JSON.stringify(spec);
  let svg = cache.get(key);
  if (svg === undefined) cache.set(key, (svg = renderSvg(spec)));
  return svg;
}

/** Starts rendering the charts of `model` into `cache`; a failure surfaces when the page asks for that chart. */
export function renderChartsAhead(model: ReportModel, cache: ChartCache): void {
  for (const chart of reportCharts(model)) cachedSvg(chart.spec, cache).catch(() => undefined);
}
