/**
 * Compiles the report's and the roll-up's chart definitions from Vega-Lite to Vega templates
 * (lambdas/domain/report/chart-templates.ts), so that runs render charts without loading vega-lite. `npm run build`
 * runs it after tsc: it rewrites lambdas/domain/report/chart-templates.json (and its copy in dist/) when a definition
 * or vega-lite changed, and says so.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { compile, TopLevelSpec } from 'vega-lite';
import { ChartDefinition, ChartTemplate, markerSlots, templateOf } from '../lambdas/domain/report/chart-templates';
import { REPORT_CHART_DEFINITIONS } from '../lambdas/domain/report/charts';
import { ROLLUP_RELIEF_CHART } from '../lambdas/domain/analytics/rollup-html';

const IN_DIST = __dirname.includes(`${path.sep}dist${path.sep}`);
const ROOT = path.resolve(__dirname, '..', IN_DIST ? '..' : '.');
const TEMPLATES_FILE = path.join('lambdas', 'domain', 'report', 'chart-templates.json');

export const CHART_DEFINITIONS: readonly ChartDefinition[] = [...REPORT_CHART_DEFINITIONS, ROLLUP_RELIEF_CHART];

/** Every chart definition compiled by vega-lite with marker slots, the markers turned into holes. */
export function compileChartTemplates(): Record<string, ChartTemplate> {
  return Object.fromEntries(
    CHART_DEFINITIONS.map((definition) => [definition.id, templateOf(compile(definition.spec(markerSlots(definition)) as unknown as TopLevelSpec).spec as unknown as ChartTemplate, definition.id)]),
  );
}

/** The templates file's text: one template per line, so a diff shows which chart changed. */
export function chartTemplatesText(templates: Record<string, ChartTemplate>): string {
  return `{\n${Object.entries(templates).map(([id, template]) => `${JSON.stringify(id)}: ${JSON.stringify(template)}`).join(',\n')}\n}\n`;
}

function main(): void {
  const text = chartTemplatesText(compileChartTemplates());
  const source = path.join(ROOT, TEMPLATES_FILE);
  const current = (() => { try { return readFileSync(source, 'utf8'); } catch { return ''; } })();
  if (current === text) return;
  writeFileSync(source, text);
  if (IN_DIST) writeFileSync(path.join(ROOT, 'dist', TEMPLATES_FILE), text);
  process.stdout.write(`chart templates recompiled: ${TEMPLATES_FILE}\n`);
}

if (require.main === module) main();
