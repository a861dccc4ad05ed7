/**
 * The charts' Vega specs without vega-lite at run time: each chart definition (charts.ts) is compiled from Vega-Lite
 * to Vega once, at build time, with a marker in place of each slot (tools/chart-templates.ts writes
 * chart-templates.json); a run feeds its slots into the compiled template. Loading and running vega-lite was most of
 * a small run's report time. test/domain/report/chart-templates.test.ts holds the fed spec equal to vega-lite's own
 * compile of the same chart, and the JSON equal to a fresh compile.
 */
import { ChartTemplateError } from '../errors';
import COMPILED_TEMPLATES from './chart-templates.json';

export type Spec = Record<string, unknown>;

/**
 * A chart's data-dependent parts, by name: `values` (its rows) and the orders and colour domains derived from them.
 * A chart's spec places them and takes nothing else from the run, which is what lets its Vega form be compiled once.
 */
export type ChartSlots = Record<string, readonly unknown[]>;

/** A chart's Vega-Lite spec as a function of its slots alone. */
export interface ChartDefinition {
  /** Stable id, used in the page (`data-chart`), by tests and as the name of its compiled template. */
  id: string;
  title: string;
  slotNames: readonly string[];
  spec(slots: ChartSlots): Spec;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A compiled template: Vega JSON in which a slot's place is `{ "$slot": name }` and a sort array's index
 * expression `{ "$sortIndex": { "field": 'datum["f"]', "slot": name } }`. */
export type ChartTemplate = Json;

const SLOT_MARK = '@@slot:';
const ROW_MARK = '@@slot';

/** The slots a definition is compiled with: one marker element per slot, a row object for `values`. */
export function markerSlots(definition: ChartDefinition): ChartSlots {
  return Object.fromEntries(definition.slotNames.map((name) => [name, name === 'values' ? [{ [ROW_MARK]: name }] : [`${SLOT_MARK}${name}`]]));
}

function markedSlot(value: Json[]): string | undefined {
  if (value.length !== 1) return undefined;
  const only = value[0];
  if (typeof only === 'string' && only.startsWith(SLOT_MARK)) return only.slice(SLOT_MARK.length);
  if (only !== null && typeof only === 'object' && !Array.isArray(only)) {
    const keys = Object.keys(only);
    if (keys.length === 1 && keys[0] === ROW_MARK) return String(only[ROW_MARK]);
  }
  return undefined;
}

// vega-lite's expression for a sort array (compile/data/calculate.ts): `F===v0 ? 0 : F===v1 ? 1 : ... n`.
const MARKED_SORT_INDEX = /^(datum\["(?:[^"\\]|\\.)*"\])==="@@slot:([A-Za-z]+)" \? 0 : 1$/;

/** vega-lite's output for the marker slots, with every marker turned into a hole; a marker left anywhere else fails. */
export function templateOf(compiled: Json, chartId: string): ChartTemplate {
  if (Array.isArray(compiled)) {
    const slot = markedSlot(compiled);
    return slot !== undefined ? { $slot: slot } : compiled.map((item) => templateOf(item, chartId));
  }
  if (typeof compiled === 'string') {
    const sort = MARKED_SORT_INDEX.exec(compiled);
    if (sort) return { $sortIndex: { field: sort[1], slot: sort[2] } };
    if (compiled.includes(ROW_MARK)) throw new ChartTemplateError(`chart ${chartId}: vega-lite placed a slot where it cannot be fed: ${compiled}`);
    return compiled;
  }
  if (compiled === null || typeof compiled !== 'object') return compiled;
  if (ROW_MARK in compiled) throw new ChartTemplateError(`chart ${chartId}: vega-lite copied a row of the values slot`);
  return Object.fromEntries(Object.entries(compiled).map(([key, value]) => [key, templateOf(value, chartId)]));
}

/** A primitive in a Vega expression, as vega-lite writes it (util.ts stringify). */
function expressionValue(value: unknown): string {
  return typeof value === 'number' ? (Number.isFinite(value) ? String(value) : 'null') : JSON.stringify(value);
}

function slotOf(slots: ChartSlots, name: string): readonly unknown[] {
  const slot = slots[name];
  if (slot === undefined) throw new ChartTemplateError(`chart template needs slot ${name}`);
  return slot;
}

/** The template with `slots` in its holes: the Vega spec vega-lite would have compiled from the same chart. */
export function feedTemplate(template: ChartTemplate, slots: ChartSlots): unknown {
  if (Array.isArray(template)) return template.map((item) => feedTemplate(item, slots));
  if (template === null || typeof template !== 'object') return template;
  const slot = template.$slot;
  if (typeof slot === 'string') return slotOf(slots, slot);
  const sortIndex = template.$sortIndex as { field: string; slot: string } | undefined;
  if (sortIndex !== undefined) {
    const order = slotOf(slots, sortIndex.slot);
    let expression = '';
    for (let i = 0; i < order.length; i++) expression += `${sortIndex.field}===${expressionValue(order[i])} ? ${i} : `;
    return expression + order.length;
  }
  const fed: Record<string, unknown> = {};
  for (const key of Object.keys(template)) fed[key] = feedTemplate(template[key], slots);
  return fed;
}

const TEMPLATES = COMPILED_TEMPLATES as unknown as Record<string, ChartTemplate>;

/** The Vega spec of chart `id` fed `slots`, from the templates compiled at build time. */
export function vegaSpecOf(id: string, slots: ChartSlots): Spec {
  const template = TEMPLATES[id];
  if (template === undefined) throw new ChartTemplateError(`no compiled template for chart ${id}: run npm run build`);
  return feedTemplate(template, slots) as Spec;
}
