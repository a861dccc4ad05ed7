/**
 * Runs the split and classify phases of `clearance classify` in worker threads, so both cores work.
 * Each worker opens its own FsObjectStore on the same directory and reads the plan from the work area.
 */
import { setFlagsFromString } from 'node:v8';
import { ResourceLimits, Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { FsObjectStore } from '../../local/fs-object-store';
import { readJson } from '../../lambdas/domain/pipeline/object-store';
import { RunPlan, workKeys } from '../../lambdas/domain/pipeline/run-plan';
import type { PhaseExecutor, PhaseTaskKind } from '../../lambdas/domain/pipeline/run';
import type { ResultFile } from '../../lambdas/domain/pipeline/merge';
import { revivedError } from '../../lambdas/domain/errors';

interface Task {
  id: number;
  kind: PhaseTaskKind;
  planKey: string;
  index: number;
  files?: readonly ResultFile[];
}

/** Tells a new worker which phase it serves, so that it loads that phase's code before its first task. */
interface Preload {
  preload: PhaseTaskKind;
}

interface TaskResult {
  id: number;
  rowsPerFile?: number[];
  error?: { name: string; message: string };
}

interface WorkerSetup {
  root: string;
}

/**
 * Heap limits of a phase worker. The young generation (48 MB: 16 MB semi-spaces) is larger than Node's default
 * because the phases allocate many short-lived strings (less GC time); the old generation is capped because V8
 * otherwise lets garbage grow the heap far past the live data (a task's live data is under 70 MB at the CLI's
 * defaults). No process-wide semi-space flag may override this: it would multiply every classify worker's young
 * generation. 160 MB of old generation keeps the peak RSS low at no cost in time; 128 MB would make classify slower.
 */
const WORKER_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 48, maxOldGenerationSizeMb: 160 };
/**
 * Initial heap of a phase's workers (MB; 0: V8's default). A classify task keeps its partition's people until
 * pass 2, so a worker starting at V8's default heap grows it through many full collections; 64 MB spares them
 * (larger only adds memory). Split and merge workers gain nothing from it.
 */
const INITIAL_HEAP_MB: Record<PhaseTaskKind, number> = { split: 0, classify: 64, merge: 0 };
/**
 * How often a phase's workers collect garbage themselves (ms; 0: never). A merge's heap is small (~20 MB) but
 * it hands ~1 MiB output pieces on and reads its input in 1 MiB chunks: dead buffers that V8 frees only when a
 * full collection comes, which its small heap rarely needs (it waits for ~64 MB of external memory). Collecting
 * every 250 ms keeps them from piling up, and a collection of the small heap takes a few ms.
 */
const COLLECT_EVERY_MS: Record<PhaseTaskKind, number> = { split: 0, classify: 0, merge: 250 };

/**
 * Worker threads serving one phase at a time. A phase gets new workers: a terminated worker's heap goes back to
 * the system, while a kept one would carry the previous phase's garbage (V8 keeps the heap it grew to) into the
 * next. Starting a worker and loading its phase's code takes ~0.2-0.3 s, so the pool starts them ahead:
 * `prepare(phase)` (before planning, and when a phase has no task left to start) replaces the idle workers at
 * once, and each busy one as its last task ends, by workers of the coming phase that load its code meanwhile.
 */
export class PhaseWorkerPool implements PhaseExecutor {
  /** Every live worker, with the phase it serves. */
  private readonly workers = new Map<Worker, PhaseTaskKind>();
  private readonly idle: Worker[] = [];
  private readonly waiting: Array<() => void> = [];
  private readonly pending = new Map<number, { resolve: (result: TaskResult) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private phase: PhaseTaskKind | undefined;
  private readonly retired: Array<Promise<number>> = [];
  private readonly setup: WorkerSetup;
  private closed = false;

  constructor(root: string, private readonly size: number) {
    this.setup = { root };
  }

  /** A new worker for the current phase, told to load its code now. */
  private spawn(): void {
    const phase = this.phase!;
    // V8 reads these flags when an isolate is created: they set the new worker's initial heap, and whether it
    // has gc() (see COLLECT_EVERY_MS), only.
    setFlagsFromString(`--initial-heap-size=${INITIAL_HEAP_MB[phase]}`);
    setFlagsFromString(COLLECT_EVERY_MS[phase] > 0 ? '--expose-gc' : '--no-expose-gc');
    const worker = new Worker(__filename, { workerData: this.setup, resourceLimits: WORKER_LIMITS });
    worker.on('message', (result: TaskResult) => {
      const task = this.pending.get(result.id)!;
      this.pending.delete(result.id);
      this.release(worker);
      if (result.error) task.reject(revivedError(result.error));
      else task.resolve(result);
    });
    worker.on('error', (error) => {
      for (const task of this.pending.values()) task.reject(error);
      this.pending.clear();
    });
    worker.postMessage({ preload: phase } satisfies Preload);
    this.workers.set(worker, phase);
    this.idle.push(worker);
  }

  private retire(worker: Worker): void {
    this.workers.delete(worker);
    this.retired.push(worker.terminate());
  }

  /** Fills the pool up to its size with workers of the current phase. */
  private fill(): void {
    while (!this.closed && this.workers.size < this.size) this.spawn();
  }

  private release(worker: Worker): void {
    if (this.workers.get(worker) !== this.phase) {
      // A worker of a phase that has ended: replaced by one of the coming phase.
      this.retire(worker);
      this.fill();
    } else this.idle.push(worker);
    this.waiting.shift()?.();
  }

  /**
   * The next tasks will be of `phase`: idle workers of another phase are replaced now, busy ones when their
   * task ends (see release).
   */
  prepare(phase: PhaseTaskKind): void {
    if (this.phase === phase || this.closed) return;
    this.phase = phase;
    for (const worker of this.idle.splice(0)) this.retire(worker);
    this.fill();
  }

  private async run(kind: PhaseTaskKind, plan: RunPlan, index: number, files?: readonly ResultFile[]): Promise<TaskResult> {
    this.prepare(kind);
    while (this.idle.length === 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    const worker = this.idle.pop()!;
    const id = this.nextId++;
    return new Promise<TaskResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, kind, planKey: workKeys.plan(plan), index, ...(files === undefined ? {} : { files }) } satisfies Task);
    });
  }

  async split(plan: RunPlan, rangeIndex: number): Promise<void> {
    await this.run('split', plan, rangeIndex);
  }

  async classify(plan: RunPlan, partition: number): Promise<void> {
    await this.run('classify', plan, partition);
  }

  async assembleSlice(plan: RunPlan, slice: number): Promise<void> {
    await this.run('merge', plan, slice);
  }

  async close(): Promise<void> {
    this.closed = true;
    const live = [...this.workers.keys()];
    this.workers.clear();
    this.idle.length = 0;
    await Promise.all([...live.map((worker) => worker.terminate()), ...this.retired]);
  }
}

/** Each phase's code, loaded on first use: a worker loads only the phase it serves. */
const PHASE_MODULES = {
  split: () => import('../../lambdas/domain/pipeline/split'),
  classify: () => import('../../lambdas/domain/pipeline/classify-partition'),
  merge: () => import('../../lambdas/domain/pipeline/output-slices'),
} satisfies Record<PhaseTaskKind, () => Promise<unknown>>;

if (!isMainThread && parentPort) {
  const port = parentPort;
  const setup = workerData as WorkerSetup;
  const store = new FsObjectStore(setup.root);
  const plans = new Map<string, Promise<RunPlan>>();
  const planOf = (key: string): Promise<RunPlan> => {
    let plan = plans.get(key);
    if (plan === undefined) plans.set(key, (plan = readJson<RunPlan>(store, key)));
    return plan;
  };
  port.on('message', async (message: Task | Preload) => {
    if ('preload' in message) {
      // Errors surface with the first task, which imports the module again.
      PHASE_MODULES[message.preload]().catch(() => undefined);
      return;
    }
    const task = message;
    const collect = COLLECT_EVERY_MS[task.kind];
    const gc = (globalThis as { gc?: () => void }).gc;
    const collecting = collect > 0 && gc !== undefined ? setInterval(gc, collect) : undefined;
    try {
      const plan = await planOf(task.planKey);
      if (task.kind === 'split') {
        const { splitRange } = await PHASE_MODULES.split();
        await splitRange(store, plan, plan.ranges[task.index]);
      } else if (task.kind === 'classify') {
        const { classifyPartition } = await PHASE_MODULES.classify();
        await classifyPartition(store, plan, task.index);
      } else {
        const { assembleSlice } = await PHASE_MODULES.merge();
        await assembleSlice(store, plan, task.index);
      }
      port.postMessage({ id: task.id } satisfies TaskResult);
    } catch (error) {
      const err = error as Error;
      port.postMessage({ id: task.id, error: { name: err.name, message: err.message } } satisfies TaskResult);
    } finally {
      clearInterval(collecting);
    }
  });
}
