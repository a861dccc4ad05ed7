/** Vega specs drawn as standalone SVG in Node. */
import { renderSvg } from '../../../lambdas/domain/report/vega-render';

test('a bar per datum, drawn as SVG paths of the heights the data give, at the spec\'s size', async () => {
  const spec = {
    width: 120,
    height: 60,
    data: [{ name: 'table', values: [{ x: 'a', y: 1 }, { x: 'b', y: 3 }, { x: 'c', y: 2 }] }],
    scales: [
      { name: 'x', type: 'band', domain: { data: 'table', field: 'x' }, range: 'width' },
      { name: 'y', type: 'linear', domain: { data: 'table', field: 'y' }, range: 'height' },
    ],
    marks: [{ type: 'rect', from: { data: 'table' }, encode: { enter: { x: { scale: 'x', field: 'x' }, width: { scale: 'x', band: 1 }, y: { scale: 'y', field: 'y' }, y2: { scale: 'y', value: 0 } } } }],
  };
  const svg = await renderSvg(spec);
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect(svg).toContain('width="120"');
  const bars = /<g class="mark-rect role-mark"[^>]*>(.*?)<\/g>/.exec(svg)![1];
  // Heights 20, 60 and 40 of a 60-pixel plot: y = 1, 3 and 2 on a 0-3 scale.
  expect(bars.match(/h40v[0-9.]+/g)!.map((part) => Math.round(Number(part.slice(4))))).toEqual([20, 60, 40]);
});

test('a spec vega refuses fails with its message', async () => {
  await expect(renderSvg({ scales: [{ name: 'x', type: 'no-such-scale' }] })).rejects.toThrow(/no-such-scale/);
});
