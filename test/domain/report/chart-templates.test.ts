/**
 * The charts' build-time Vega templates: fed any slots they are the spec vega-lite compiles from the same chart
 * (so they render the same SVG), and a chart of a real run renders to the same SVG through the template as through vega-lite.
 */
import fc from 'fast-check';
import { compile, TopLevelSpec } from 'vega-lite';
import { View, parse, Spec as VegaSpec } from 'vega';
import { ChartDefinition, ChartSlots, feedTemplate, markerSlots, templateOf, vegaSpecOf } from '../../../lambdas/domain/report/chart-templates';
import { ChartTemplateError } from '../../../lambdas/domain/errors';
import { chartSvg, reportCharts } from '../../../lambdas/domain/report/charts';
import { buildReportModel, ReportModel } from '../../../lambdas/domain/report/model';
import { parseReportSettings } from '../../../lambdas/domain/report/settings';
import { buildSummary } from '../../../lambdas/domain/summary';
import { parseIsoDate } from '../../../lambdas/domain/dates';
import { parsePolicy, presetPolicy } from '../../../lambdas/domain/policy';
import { CHART_DEFINITIONS } from '../../../tools/chart-templates';
import { classifyInMemory } from '../../helpers/classify-rows';
import { generatedRows } from './report-fixture';

const vegaLiteSpec = (definition: ChartDefinition, slots: ChartSlots) => compile(definition.spec(slots) as unknown as TopLevelSpec).spec;

async function svgOf(spec: unknown): Promise<string> {
  const view = new View(parse(spec as VegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

// Text vega-lite writes into expressions: quotes, backslashes, non-ASCII, and the template's own marker.
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('a"b', 'back\\slash', 'Ñandú 11357', '@@slot:values', ''));
const row = fc.dictionary(fc.constantFrom('section', 'step', 'decade', 'scenario', 'category', 'determination', 'convictions', 'share'), fc.oneof(text, fc.integer()));

function slotsArbitrary(definition: ChartDefinition): fc.Arbitrary<ChartSlots> {
  return fc.record(Object.fromEntries(definition.slotNames.map((name) => [name, name === 'values' ? fc.array(row, { maxLength: 6 }) : fc.array(text, { maxLength: 8 })])));
}

describe('chart templates', () => {
  test.each(CHART_DEFINITIONS.map((definition) => [definition.id, definition] as const))('%s fed any slots is the Vega that vega-lite compiles from the chart', (_, definition) => {
    fc.assert(
      fc.property(slotsArbitrary(definition), (slots) => {
        expect(vegaSpecOf(definition.id, slots)).toEqual(vegaLiteSpec(definition, slots));
      }),
      { numRuns: 12 },
    );
  });

  test('a marker vega-lite placed where no slot can be fed fails the build, naming the chart', () => {
    const definition = CHART_DEFINITIONS[0];
    const compiled = vegaLiteSpec(definition, markerSlots(definition)) as unknown as Record<string, unknown>;
    expect(() => templateOf({ ...compiled, title: 'by @@slot:steps' }, definition.id)).toThrow(ChartTemplateError);
    expect(() => templateOf({ ...compiled, title: 'by @@slot:steps' }, definition.id)).toThrow(/chart by-section/);
    expect(() => feedTemplate({ $slot: 'nowhere' }, {})).toThrow(/slot nowhere/);
    expect(() => vegaSpecOf('no-such-chart', {})).toThrow(ChartTemplateError);
  });
});

describe('the charts of real runs', () => {
  const policy = parsePolicy({ baselineEligibility: { dismiss: ['11357', '11360'], reduce: ['11359'] }, disqualifiers: { superstrike: 'notEligible' } });
  const settings = parseReportSettings({ suppressionThreshold: 3 });
  function modelOf(people: number, seed: number): ReportModel {
    const { statistics } = classifyInMemory(generatedRows({ county: 'SACRAMENTO', people, seed }), {
      county: 'SACRAMENTO', computeAtDay: parseIsoDate('2020-07-01'), policy, scenarioPolicies: { 'dismiss-all': presetPolicy('dismiss-all') },
    });
    const summary = buildSummary(statistics, {
      runId: 'r1', county: 'SACRAMENTO', computeAt: '2020-07-01', policy, policyName: 'custom', files: [], timings: { total: 1 }, status: 'SUCCEEDED', reportSettings: settings,
    });
    return buildReportModel(statistics, summary, policy, settings);
  }

  test.each([[40, 7]])('%i people (seed %i): every chart renders the same SVG through its template as through vega-lite', async (people, seed) => {
    const charts = reportCharts(modelOf(people, seed));
    expect(charts.length).toBeGreaterThanOrEqual(4);
    for (const chart of charts) {
      const definition = CHART_DEFINITIONS.find((candidate) => candidate.id === chart.id)!;
      const svg = await chartSvg(chart);
      expect(svg).toMatch(/^<svg /);
      expect(svg).toBe(await svgOf(vegaLiteSpec(definition, chart.slots)));
    }
  });
});
