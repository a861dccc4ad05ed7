/**
 * Vega specs drawn as static SVG in Node (renderer `none`: no DOM, no canvas, no network). This module loads nothing
 * until asked: vega comes in on the first render, so a run that draws no chart (a failed run, a run of no rows)
 * never loads it.
 */
type Spec = Record<string, unknown>;

interface VegaModule {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, options: { renderer: 'none' }) => { toSVG(): Promise<string>; finalize(): void };
}

let vegaModule: Promise<VegaModule> | undefined;

/** vega, loaded once. */
function loadVega(): Promise<VegaModule> {
  vegaModule ??= import('vega').then((vega) => vega as unknown as VegaModule);
  return vegaModule;
}

/** A Vega spec as a standalone SVG string. */
export async function renderSvg(vegaSpec: Spec): Promise<string> {
  const vega = await loadVega();
  const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
