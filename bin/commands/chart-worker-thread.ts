/** The chart worker's thread (chart-worker.ts): loads vega at once, then draws each Vega spec it is sent as SVG. */
import { parentPort } from 'node:worker_threads';
import { loadVega, renderSvg } from '../../lambdas/domain/report/vega-render';

export interface ChartTask {
  id: number;
  spec: Record<string, unknown>;
}

export interface ChartResult {
  id: number;
  svg?: string;
  error?: string;
}

if (parentPort) {
  const port = parentPort;
  void loadVega();
  port.on('message', (task: ChartTask) => {
    renderSvg(task.spec).then(
      (svg) => port.postMessage({ id: task.id, svg } satisfies ChartResult),
      (error: unknown) => port.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error) } satisfies ChartResult),
    );
  });
}
