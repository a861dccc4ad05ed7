/**
 * Runs the split and classify phases of `clearance classify` in worker threads, so both cores work.
 * Each worker opens its own FsObjectStore on the same directory and reads the plan from the work area.
 */
import { ResourceLimits, Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { FsObjectStore } from '../../local/fs-object-store';
import { readJson } from '../../lambdas/domain/pipeline/object-store';
import { RunPlan, workKeys } from '../../lambdas/domain/pipeline/plan';
import { PhaseExecutor } from '../../lambdas/domain/pipeline/run';
import type { ResultFile } from '../../lambdas/domain/pipeline/merge';

interface Task {
  id: number;
  kind: 'split' | 'classify' | 'merge';
  index: number;
  files?: readonly ResultFile[];
}

interface TaskResult {
  id: number;
  rowsPerFile?: number[];
  error?: { name: string; message: string };
}

interface WorkerSetup {
  root: string;
  planKey: string;
}

/**
 * Heap limits of a phase worker. The young generation (48 MB: 16 MB semi-spaces) is larger than Node's default
 * because the phases allocate many short-lived strings (less GC time); the old generation is capped because V8
 * otherwise lets garbage grow the heap far past the live data (a task's live data is under 70 MB at the CLI's
 * defaults). No process-wide semi-space flag may override this: the launcher's former 64 MB flag gave each
 * classify worker 128 MB of young generation (5M rows: classify phase 470-550 MB RSS, 380-395 MB without it, in
 * the same time). Old generation 256 → 160 MB: 517 → 470 MB in the same time; 128 MB doubled the classify time.
 */
const WORKER_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 48, maxOldGenerationSizeMb: 160 };

export class PhaseWorkerPool implements PhaseExecutor {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: Array<() => void> = [];
  private readonly pending = new Map<number, { resolve: (result: TaskResult) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private phase: Task['kind'] | undefined;
  private readonly retired: Array<Promise<number>> = [];
  private readonly setup: WorkerSetup;

  constructor(root: string, plan: RunPlan, private readonly size: number) {
    this.setup = { root, planKey: workKeys.plan(plan) };
  }

  /** A new worker (the pool starts them as tasks need them, up to its size). */
  private spawn(): void {
    const worker = new Worker(__filename, { workerData: this.setup, resourceLimits: WORKER_LIMITS });
    worker.on('message', (result: TaskResult) => {
      const task = this.pending.get(result.id)!;
      this.pending.delete(result.id);
      this.release(worker);
      if (result.error) task.reject(Object.assign(new Error(result.error.message), { name: result.error.name }));
      else task.resolve(result);
    });
    worker.on('error', (error) => {
      for (const task of this.pending.values()) task.reject(error);
      this.pending.clear();
    });
    this.workers.push(worker);
    this.idle.push(worker);
  }

  private release(worker: Worker): void {
    this.idle.push(worker);
    this.waiting.shift()?.();
  }

  /**
   * A new phase gets new workers: a terminated worker's heap goes back to the system, while a kept one would
   * carry the previous phase's garbage (V8 keeps the heap it grew to) into the next.
   */
  private enterPhase(kind: Task['kind']): void {
    if (this.phase === kind) return;
    this.phase = kind;
    for (const worker of this.workers.splice(0)) this.retired.push(worker.terminate());
    this.idle.length = 0;
  }

  private async run(kind: Task['kind'], index: number, files?: readonly ResultFile[]): Promise<TaskResult> {
    // Phases do not overlap (each ends before the next starts), so every worker is idle here at a phase change.
    if (this.pending.size === 0) this.enterPhase(kind);
    if (this.idle.length === 0 && this.workers.length < this.size) this.spawn();
    while (this.idle.length === 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    const worker = this.idle.pop()!;
    const id = this.nextId++;
    return new Promise<TaskResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, kind, index, ...(files === undefined ? {} : { files }) } satisfies Task);
    });
  }

  async split(_plan: RunPlan, rangeIndex: number): Promise<void> {
    await this.run('split', rangeIndex);
  }

  async classify(_plan: RunPlan, partition: number): Promise<void> {
    await this.run('classify', partition);
  }

  async merge(_plan: RunPlan, files: readonly ResultFile[]): Promise<number[]> {
    return (await this.run('merge', 0, files)).rowsPerFile!;
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers.map((worker) => worker.terminate()), ...this.retired]);
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const setup = workerData as WorkerSetup;
  const store = new FsObjectStore(setup.root);
  const planPromise = readJson<RunPlan>(store, setup.planKey);
  port.on('message', async (task: Task) => {
    try {
      const plan = await planPromise;
      // Each worker serves one phase and loads only that phase's code (a classify worker's policy schema alone
      // took ~0.1 s to load; the workers of all three phases loaded everything).
      if (task.kind === 'split') {
        const { splitRange } = await import('../../lambdas/domain/pipeline/split');
        await splitRange(store, plan, plan.ranges[task.index]);
      } else if (task.kind === 'classify') {
        const { classifyPartition } = await import('../../lambdas/domain/pipeline/classify-partition');
        await classifyPartition(store, plan, task.index);
      } else {
        const { mergeResultFiles } = await import('../../lambdas/domain/pipeline/merge');
        port.postMessage({ id: task.id, rowsPerFile: await mergeResultFiles(store, plan, task.files!) } satisfies TaskResult);
        return;
      }
      port.postMessage({ id: task.id } satisfies TaskResult);
    } catch (error) {
      const err = error as Error;
      port.postMessage({ id: task.id, error: { name: err.name, message: err.message } } satisfies TaskResult);
    }
  });
}
