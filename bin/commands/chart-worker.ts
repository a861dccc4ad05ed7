/**
 * The report's charts drawn in a worker thread that `classify` starts with the run: the thread loads vega while this
 * one checks the request and runs the pipeline, then draws each chart Assemble asks for. A small run's wall time is
 * then its pipeline's, not its pipeline's plus vega's start. The thread (chart-worker-thread.ts) loads vega only.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ChartRenderer, ChartSpec } from '../../lambdas/domain/report/charts';
import { vegaSpecOf } from '../../lambdas/domain/report/chart-templates';
import type { ChartResult, ChartTask } from './chart-worker-thread';

export interface ChartWorker {
  render: ChartRenderer;
  close(): Promise<void>;
}

/**
 * A worker drawing charts, or undefined where this file cannot run as a worker (TypeScript sources under the test
 * runner): charts are then drawn in this thread. A worker that fails hands its charts back to this thread.
 */
/** Draws in this thread, for a worker that failed: charts.ts (and the report model) loaded only then. */
function chartSvg(chart: ChartSpec): Promise<string> {
  return (require('../../lambdas/domain/report/charts') as typeof import('../../lambdas/domain/report/charts')).chartSvg(chart);
}

export function startChartWorker(): ChartWorker | undefined {
  if (!__filename.endsWith('.js')) return undefined;
  const worker = new Worker(path.join(__dirname, 'chart-worker-thread.js'));
  const pending = new Map<number, { chart: ChartSpec; resolve(svg: string | Promise<string>): void; reject(error: Error): void }>();
  let failed = false;
  let nextId = 0;
  worker.on('message', (result: ChartResult) => {
    const task = pending.get(result.id);
    if (task === undefined) return;
    pending.delete(result.id);
    if (pending.size === 0) worker.unref();
    if (result.svg !== undefined) task.resolve(result.svg);
    else task.reject(new Error(`chart ${task.chart.id}: ${result.error}`));
  });
  worker.on('error', () => {
    failed = true;
    for (const task of pending.values()) task.resolve(chartSvg(task.chart));
    pending.clear();
  });
  // Idle, it must not keep the process alive (a run that fails before Assemble never asks it for anything); with a
  // chart pending, it must (nothing else may be left to wait on).
  worker.unref();
  const render: ChartRenderer = (chart) => {
    if (failed) return chartSvg(chart);
    const id = nextId++;
    return new Promise<string>((resolve, reject) => {
      pending.set(id, { chart, resolve, reject });
      worker.ref();
      worker.postMessage({ id, spec: vegaSpecOf(chart.id, chart.slots) } satisfies ChartTask);
    });
  };
  // Closed twice when classify closes the worker it was handed: terminate() is idempotent.
  return { render, close: async () => void (await worker.terminate()) };
}
