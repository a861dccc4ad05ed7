/**
 * The CLI's chart worker (compiled: it runs dist/, as `clearance classify` does): the same SVG as drawing in this
 * thread, a bad spec's failure named by its chart, and a process that ends once the worker is closed.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { chartOf, chartSvg, REPORT_CHART_DEFINITIONS } from '../../../lambdas/domain/report/charts';

const { startChartWorker } = require('../../../dist/bin/commands/chart-worker') as typeof import('../../../bin/commands/chart-worker');
const dist = path.resolve(__dirname, '..', '..', '..', 'dist');

const funnel = REPORT_CHART_DEFINITIONS.find((definition) => definition.id === 'funnel')!;
const chart = chartOf(funnel, {
  values: [
    { step: '01. Prior superstrike', entering: 12, decided: 2, determination: 'Not eligible' },
    { step: '02. Dismiss 11357', entering: 10, decided: 10, determination: 'Eligible for Dismissal' },
  ],
  steps: ['01. Prior superstrike', '02. Dismiss 11357'],
  colourDomain: ['Eligible for Dismissal', 'Not eligible'],
  colourRange: ['#1a9850', '#d73027'],
});

describe('chart worker', () => {
  test('draws a chart as this thread does; a chart vega cannot draw fails naming it', async () => {
    const worker = startChartWorker()!;
    try {
      const [fromWorker, inThread] = await Promise.all([worker.render(chart), chartSvg(chart)]);
      expect(fromWorker).toMatch(/^<svg /);
      expect(fromWorker).toBe(inThread);
      await expect(worker.render({ ...chart, id: 'funnel', slots: { ...chart.slots, values: 'not rows' as unknown as unknown[] } })).rejects.toThrow(/^chart funnel: /);
    } finally {
      await worker.close();
    }
  });

  test('a process that started one and drew nothing ends by itself', () => {
    const script = `require(${JSON.stringify(path.join(dist, 'bin', 'commands', 'chart-worker.js'))}).startChartWorker(); console.log('started');`;
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 })).toBe('started\n');
  });
});
