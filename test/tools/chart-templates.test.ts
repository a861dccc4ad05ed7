/** The build step that compiles the chart definitions to Vega templates: the committed file is its output today. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CHART_DEFINITIONS, chartTemplatesText, compileChartTemplates } from '../../tools/chart-templates';

test('the committed templates are what the chart definitions compile to with this vega-lite (npm run build rewrites them)', () => {
  const committed = readFileSync(path.join(__dirname, '../../lambdas/domain/report/chart-templates.json'), 'utf8');
  expect(committed).toBe(chartTemplatesText(compileChartTemplates()));
  expect(Object.keys(JSON.parse(committed))).toEqual(CHART_DEFINITIONS.map((definition) => definition.id));
});

test('the file holds one chart per line, so that a diff names the chart that changed', () => {
  const text = chartTemplatesText(compileChartTemplates());
  const lines = text.trimEnd().split('\n');
  expect(lines[0]).toBe('{');
  expect(lines[lines.length - 1]).toBe('}');
  expect(lines.slice(1, -1).map((line) => JSON.parse(`{${line.replace(/,$/, '')}}`)).map((entry) => Object.keys(entry)[0])).toEqual(CHART_DEFINITIONS.map((definition) => definition.id));
});
