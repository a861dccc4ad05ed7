/**
 * Lambda invocations on a pool of worker threads (default: one per CPU) with Lambda-like isolation: a worker serves one
 * function (its own module registry and its own copy of process.env: function environment + stand-in environment),
 * stays warm between invocations of that function, and is terminated and replaced when an invocation times out.
 * Like a Lambda execution environment, a worker runs its function's init (loads the handler module) as soon as it
 * starts, so a worker started ahead (`prewarm`, the local counterpart of provisioned concurrency) takes its first
 * invocation warm.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { mulberry32 } from '../lambdas/domain/mulberry32';
import type { LocalFunction } from './template';
import { LAMBDA_WORKER_FILE, type InvocationUsage, type LambdaWorkerData, type WorkerMessage } from './lambda-worker-protocol';

/** LambdaPoolOptions.initialHeapMb's default. */
const DEFAULT_INITIAL_HEAP_MB = 64;

export type HandlerResolver = (fn: LocalFunction) => string;

export interface FunctionLogLine {
  readonly functionName: string;
  readonly stream: 'stdout' | 'stderr';
  readonly line: string;
}

export interface FaultContext {
  readonly fn: LocalFunction;
  readonly payload: unknown;
  /** 0-based count of invocations requested from this pool. */
  readonly sequence: number;
}

export interface FaultDecision {
  /** 'before': the handler does not run. 'after': it runs (side effects happen) and its result is replaced by the error. */
  readonly when: 'before' | 'after';
  readonly errorName?: string;
  readonly message?: string;
}

export interface FaultOptions {
  /** Probability (0..1) that an invocation fails with an injected error. */
  readonly probability?: number;
  /** Seed of the deterministic generator behind `probability` (default 1). */
  readonly seed?: number;
  /** Name of the injected error (default "Lambda.ServiceException", which the contract's Retry covers). */
  readonly errorName?: string;
  /** When a probabilistic fault strikes (default 'before'). */
  readonly when?: 'before' | 'after';
  /** Restrict probabilistic faults to these phases. */
  readonly phases?: readonly string[];
  /** Decide per invocation instead of (or before) the probability: return a decision to inject, undefined to pass. */
  readonly decide?: (context: FaultContext) => FaultDecision | undefined;
}

export interface LambdaPoolOptions {
  /** Number of worker threads (default: os.availableParallelism()). */
  readonly size?: number;
  /** Absolute path of the CommonJS (or ES) module exporting `handler` for a function (default: dist/lambdas/<phase>/handler.js). */
  readonly handlerResolver?: HandlerResolver;
  /** Variables set over each function's own environment (the stand-in endpoints and credentials). */
  readonly environment?: Readonly<Record<string, string>>;
  readonly faults?: FaultOptions;
  /** Handler stdout/stderr: 'inherit' (default: this process's streams), 'discard', or a per-line callback. */
  readonly logs?: 'inherit' | 'discard' | ((line: FunctionLogLine) => void);
  /** Cap each worker's V8 heap at the function's MemorySize, like Lambda (default true). */
  readonly enforceMemoryLimit?: boolean;
  /**
   * Initial V8 heap of a worker in MB (default 64; at most half the function's MemorySize). V8 starts a heap small
   * and grows it through full collections, and a Classify invocation holds a whole partition's people: starting at
   * 64 MB spares those collections (bench/results/).
   */
  readonly initialHeapMb?: number;
  /**
   * Lambda's 1,024 file descriptors: the most sockets one execution environment (its threads together) may hold open.
   * A socket beyond it is refused with EMFILE and the invocation fails with Runtime.TooManyOpenFiles. Default: no cap
   * (sockets are still counted, see LambdaPoolStats.peakOpenSockets).
   */
  readonly maxOpenSockets?: number;
  /**
   * The most network bytes (read and written over its thread's sockets) one invocation may move: one function's
   * network within its timeout (~150 MB/s x 900 s in the cloud), scaled down by tests so that a design whose one
   * invocation moves the whole output fails on a small run. Beyond it the invocation fails as timed out
   * (Sandbox.Timedout). One number for every function, or one per phase (the function's CLEARANCE_PHASE, e.g.
   * `{ assemble: ... }`). Default: no budget (bytes are still counted, see InvocationPeaks.networkBytes).
   */
  readonly maxInvocationBytes?: number | Readonly<Record<string, number>>;
  /**
   * A compiled module each worker runs before its handler module loads: its `prepareLambdaWorker(handlerPath)` sets
   * up what the runtime changes around the handler (the embedded stack's: local/lambda-hooks.ts). Default: none.
   */
  readonly workerSetupModule?: string;
}

/** Lambda's file descriptor limit per execution environment. */
export const LAMBDA_MAX_FILE_DESCRIPTORS = 1024;

/** What one function's invocations needed at most (LambdaPoolStats.peaks). */
export interface InvocationPeaks {
  readonly invocations: number;
  /** Sockets open at once in one invocation (its threads together). */
  readonly openSockets: number;
  /** V8 heap in use in one invocation (the invocation's own isolate, its merge thread's not included), bytes. */
  readonly heapBytes: number;
  /** The longest invocation, seconds. */
  readonly seconds: number;
  /** Network bytes one invocation moved (its own thread's sockets, read and written). */
  readonly networkBytes: number;
}

export interface InvokeOptions {
  /** The calling Task's TimeoutSeconds, counted from when the function starts (waiting for a worker does not count). */
  readonly taskTimeoutSeconds?: number;
}

export interface LambdaPoolStats {
  readonly size: number;
  /** Live workers: running an invocation, idle and warm, or started ahead by `prewarm`. */
  readonly workers: number;
  readonly busy: number;
  readonly queued: number;
  readonly invocations: number;
  readonly coldStarts: number;
  /** Workers started by `prewarm` (also counted in coldStarts). */
  readonly prewarmed: number;
  readonly timeouts: number;
  readonly faultsInjected: number;
  /** The most sockets any one invocation held open at once. */
  readonly peakOpenSockets: number;
  /** The most network bytes any one invocation moved. */
  readonly peakInvocationBytes: number;
  /** Per function name: the most any one of its invocations needed. */
  readonly peaks: Readonly<Record<string, InvocationPeaks>>;
}

/** A failed invocation. `name` is the Lambda errorType; `cause` is the JSON Step Functions reports as Cause. */
export class LambdaInvocationError extends Error {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: string[];
  override readonly cause: string;

  constructor(errorType: string, errorMessage: string, trace: string[] = []) {
    super(errorMessage);
    this.name = errorType;
    this.errorType = errorType;
    this.errorMessage = errorMessage;
    this.trace = trace;
    this.cause = JSON.stringify({ errorType, errorMessage, trace });
  }
}

/** Walk up from `from` to the directory holding package.json (works from local/ and from dist/local/). */
export function findProjectRoot(from: string = __dirname): string {
  let directory = from;
  for (;;) {
    if (fs.existsSync(path.join(directory, 'package.json'))) return directory;
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error(`no package.json above ${from}`);
    directory = parent;
  }
}

/** dist/lambdas/<phase>/handler.js under the project root (compiled by `npm run build`). */
export function defaultHandlerResolver(projectRoot: string = findProjectRoot()): HandlerResolver {
  return (fn) => {
    if (!fn.phase) throw new LambdaInvocationError('Runtime.ImportModuleError', `function ${fn.functionName} has no CLEARANCE_PHASE environment variable`);
    return path.join(projectRoot, 'dist', 'lambdas', fn.phase, 'handler.js');
  };
}

/** Throw, naming the function and the path, if a function's handler module does not exist (e.g. before `npm run build`). */
export function assertHandlerModulesExist(functions: Iterable<LocalFunction>, handlerResolver: HandlerResolver = defaultHandlerResolver()): void {
  for (const fn of functions) {
    const handlerPath = handlerResolver(fn);
    if (!fs.existsSync(handlerPath)) {
      throw new Error(`handler module for function ${fn.functionName} (phase ${fn.phase ?? '?'}) not found at ${handlerPath}: run \`npm run build\` first`);
    }
  }
}

/** How far down the queue dispatch looks for a request that can use a warm worker. */
const DISPATCH_LOOKAHEAD = 64;

/** Environment variables copied from this process: only what a runtime needs to find its tools and temp space. */
const INHERITED_VARIABLES = ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LC_ALL'];

interface Request {
  readonly fn: LocalFunction;
  readonly key: string;
  readonly handlerPath: string;
  readonly payload: unknown;
  readonly taskTimeoutSeconds?: number;
  readonly fault?: FaultDecision;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  settled: boolean;
}

interface Slot {
  readonly id: number;
  readonly key: string;
  readonly worker: Worker;
  current?: { request: Request; requestId: string; timers: NodeJS.Timeout[] };
  /** Invocations started on this worker (0: started ahead by `prewarm` and not used yet). */
  invocations: number;
  dead: boolean;
  exited: Promise<void>;
}

export class LambdaPool {
  /** Invocations running at once. */
  readonly size: number;
  /** Live workers at most: `size` running, as many again warm (see `prewarm`). */
  readonly maxWorkers: number;
  private readonly handlerResolver: HandlerResolver;
  private readonly environment: Readonly<Record<string, string>>;
  private readonly faults?: FaultOptions;
  private readonly logs: NonNullable<LambdaPoolOptions['logs']>;
  private readonly enforceMemoryLimit: boolean;
  private readonly initialHeapMb: number;
  private readonly random: () => number;
  private readonly queue: Request[] = [];
  private readonly slots: Slot[] = [];
  private nextSlotId = 0;
  private sequence = 0;
  private closed = false;
  private counters = { invocations: 0, coldStarts: 0, prewarmed: 0, timeouts: 0, faultsInjected: 0 };
  private readonly maxOpenSockets?: number;
  private readonly peaks = new Map<string, { invocations: number; openSockets: number; heapBytes: number; seconds: number; networkBytes: number }>();
  private readonly maxInvocationBytes?: number | Readonly<Record<string, number>>;
  private readonly workerSetupModule?: string;
  /** The worker threads' entry point, compiled by `npm run build` (local/lambda-worker.ts). */
  private readonly workerModule = path.join(findProjectRoot(), 'dist', 'local', LAMBDA_WORKER_FILE);

  constructor(options: LambdaPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? os.availableParallelism());
    this.maxWorkers = 2 * this.size;
    this.handlerResolver = options.handlerResolver ?? defaultHandlerResolver();
    this.workerSetupModule = options.workerSetupModule;
    this.environment = options.environment ?? {};
    this.faults = options.faults;
    this.logs = options.logs ?? 'inherit';
    this.enforceMemoryLimit = options.enforceMemoryLimit ?? true;
    this.initialHeapMb = options.initialHeapMb ?? DEFAULT_INITIAL_HEAP_MB;
    this.random = mulberry32(options.faults?.seed ?? 1);
    if (options.maxOpenSockets !== undefined && !(Number.isInteger(options.maxOpenSockets) && options.maxOpenSockets >= 1)) {
      throw new RangeError(`maxOpenSockets must be a whole number >= 1, got ${options.maxOpenSockets}`);
    }
    this.maxOpenSockets = options.maxOpenSockets;
    const budgets = typeof options.maxInvocationBytes === 'object' ? Object.values(options.maxInvocationBytes) : [options.maxInvocationBytes];
    for (const budget of budgets) {
      if (budget !== undefined && !(Number.isSafeInteger(budget) && budget >= 1)) throw new RangeError(`maxInvocationBytes must be whole numbers >= 1, got ${budget}`);
    }
    this.maxInvocationBytes = options.maxInvocationBytes;
  }

  /** Fail fast (before any execution) when a function's handler module is missing, e.g. before `npm run build`. */
  assertHandlersExist(functions: Iterable<LocalFunction>): void {
    if (!fs.existsSync(this.workerModule)) throw new Error(`the Lambda worker module is not found at ${this.workerModule}: run \`npm run build\` first`);
    assertHandlerModulesExist(functions, this.handlerResolver);
  }

  /** Invoke `fn` with `payload`; resolves with its JSON result or rejects with a LambdaInvocationError. */
  invoke(fn: LocalFunction, payload: unknown, options: InvokeOptions = {}): Promise<unknown> {
    if (this.closed) return Promise.reject(new LambdaInvocationError('Lambda.ServiceException', 'the Lambda pool is closed'));
    const sequence = this.sequence++;
    const fault = this.decideFault({ fn, payload, sequence });
    if (fault?.when === 'before') {
      this.counters.faultsInjected++;
      return Promise.reject(new LambdaInvocationError(fault.errorName ?? this.defaultFaultName(), fault.message ?? `injected fault before invocation ${sequence}`));
    }
    let handlerPath: string;
    try {
      handlerPath = this.handlerResolver(fn);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({
        fn,
        key: slotKey(fn, handlerPath),
        handlerPath,
        payload,
        ...(options.taskTimeoutSeconds !== undefined ? { taskTimeoutSeconds: options.taskTimeoutSeconds } : {}),
        ...(fault ? { fault } : {}),
        resolve,
        reject,
        settled: false,
      });
      this.dispatch();
    });
  }

  stats(): LambdaPoolStats {
    return {
      size: this.size,
      workers: this.slots.length,
      busy: this.slots.filter((slot) => slot.current).length,
      queued: this.queue.length,
      ...this.counters,
      peakOpenSockets: Math.max(0, ...[...this.peaks.values()].map((peak) => peak.openSockets)),
      peakInvocationBytes: Math.max(0, ...[...this.peaks.values()].map((peak) => peak.networkBytes)),
      peaks: Object.fromEntries([...this.peaks].map(([name, peak]) => [name, { ...peak }])),
    };
  }

  /** Reject queued invocations, terminate every worker (in-flight invocations reject) and wait for them to exit. */
  async close(): Promise<void> {
    this.closed = true;
    for (const request of this.queue.splice(0)) this.settle(request, new LambdaInvocationError('Lambda.ServiceException', 'the Lambda pool was closed'));
    const exits = [...this.slots].map((slot) => {
      this.retire(slot, new LambdaInvocationError('Lambda.ServiceException', 'the Lambda pool was closed'));
      return slot.exited;
    });
    await Promise.all(exits);
  }

  private defaultFaultName(): string {
    return this.faults?.errorName ?? 'Lambda.ServiceException';
  }

  private decideFault(context: FaultContext): FaultDecision | undefined {
    const faults = this.faults;
    if (!faults) return undefined;
    const decided = faults.decide?.(context);
    if (decided) return decided;
    if (!faults.probability) return undefined;
    if (faults.phases && !faults.phases.includes(context.fn.phase ?? '')) return undefined;
    return this.random() < faults.probability ? { when: faults.when ?? 'before', errorName: this.defaultFaultName() } : undefined;
  }

  /**
   * Start up to `instances` workers of `fn` ahead of its invocations (at most `size`, counting its live workers), so
   * that they load its handler while the work before them finishes: the local counterpart of provisioned concurrency.
   * Idle workers of other functions that have served invocations make room first; a prewarmed worker never displaces
   * a running invocation, and `size` still bounds the invocations running at once. Best effort: a function whose
   * handler cannot be resolved is left cold (its invocation reports why).
   */
  prewarm(fn: LocalFunction, instances: number): void {
    if (this.closed) return;
    let handlerPath: string;
    try {
      handlerPath = this.handlerResolver(fn);
    } catch {
      return;
    }
    const key = slotKey(fn, handlerPath);
    const live = () => this.slots.filter((slot) => !slot.dead);
    let missing = Math.min(instances, this.size) - live().filter((slot) => slot.key === key).length;
    if (missing <= 0) return;
    this.retireIdleOthers(key);
    while (missing-- > 0 && live().length < this.maxWorkers) {
      this.spawn(fn, key, handlerPath);
      this.counters.prewarmed++;
    }
  }

  /**
   * Start queued invocations while fewer than `size` run. Mostly first-come first-served, but a request whose function
   * has a warm idle worker (within the next DISPATCH_LOOKAHEAD) goes first: fewer cold starts when executions interleave.
   */
  private dispatch(): void {
    while (!this.closed && this.queue.length > 0) {
      const live = this.slots.filter((slot) => !slot.dead);
      const idle = live.filter((slot) => !slot.current);
      if (live.length - idle.length >= this.size) return;
      const lookahead = Math.min(this.queue.length, DISPATCH_LOOKAHEAD);
      let index = 0;
      let slot: Slot | undefined;
      for (let candidate = 0; candidate < lookahead && !slot; candidate++) {
        slot = idle.find((warm) => warm.key === this.queue[candidate].key);
        if (slot) index = candidate;
      }
      const [request] = this.queue.splice(index, 1);
      if (!slot) {
        // A cold start: its first invocation retires the idle workers of other functions that have served
        // invocations (start). Only at the worker limit must one go first: such a worker, else one started ahead.
        if (live.length >= this.maxWorkers) this.retire(idle.find((other) => other.invocations > 0) ?? idle[0], undefined, false);
        slot = this.spawn(request.fn, request.key, request.handlerPath);
      }
      this.start(slot, request);
    }
  }

  private spawn(fn: LocalFunction, key: string, handlerPath: string): Slot {
    const id = this.nextSlotId++;
    const capture = this.logs !== 'inherit';
    // V8 reads its heap flags when an isolate is created: this sets the new worker's initial heap only.
    setFlagsFromString(`--initial-heap-size=${Math.min(this.initialHeapMb, Math.floor(fn.memoryMb / 2))}`);
    const workerData: LambdaWorkerData = {
      handlerPath,
      functionName: fn.functionName,
      functionArn: fn.arn,
      memoryMb: fn.memoryMb,
      workerId: id,
      ...(this.maxOpenSockets === undefined ? {} : { maxOpenSockets: this.maxOpenSockets }),
      ...(this.maxInvocationBytes === undefined ? {} : { maxInvocationBytes: this.maxInvocationBytes }),
      ...(this.workerSetupModule === undefined ? {} : { workerSetupModule: this.workerSetupModule }),
    };
    const worker = new Worker(this.workerModule, {
      env: this.environmentFor(fn, handlerPath),
      workerData,
      stdout: capture,
      stderr: capture,
      ...(this.enforceMemoryLimit ? { resourceLimits: { maxOldGenerationSizeMb: fn.memoryMb } } : {}),
    });
    worker.unref();
    if (capture) this.captureLogs(worker, fn.functionName);
    const slot: Slot = { id, key, worker, invocations: 0, dead: false, exited: Promise.resolve() };
    slot.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (message: WorkerMessage) => this.onMessage(slot, message));
    worker.on('error', (error: Error & { code?: string }) => {
      const trace = (error.stack ?? '').split('\n');
      const failure =
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new LambdaInvocationError('Runtime.OutOfMemory', `Runtime exited with error: JavaScript heap out of memory (MemorySize ${fn.memoryMb} MB)`)
          : error.name?.startsWith('Runtime.')
            ? new LambdaInvocationError(error.name, error.message, trace)
            : new LambdaInvocationError('Runtime.ExitError', `Runtime exited with error: ${error.name}: ${error.message}`, trace);
      this.retire(slot, failure);
    });
    worker.on('exit', (code) => {
      this.retire(slot, new LambdaInvocationError('Runtime.ExitError', `Runtime exited with status ${code}`));
    });
    this.slots.push(slot);
    this.counters.coldStarts++;
    return slot;
  }

  private environmentFor(fn: LocalFunction, handlerPath: string): Record<string, string> {
    const inherited: Record<string, string> = {};
    for (const name of INHERITED_VARIABLES) {
      const value = process.env[name];
      if (value !== undefined) inherited[name] = value;
    }
    return {
      ...inherited,
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
      LAMBDA_TASK_ROOT: path.dirname(handlerPath),
      // Lambda runs Node 22+, where the SDK never prints its Node-version warning; one per cold worker would be noise.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...fn.environment,
      ...this.environment,
    };
  }

  private captureLogs(worker: Worker, functionName: string): void {
    const sink = this.logs;
    for (const stream of ['stdout', 'stderr'] as const) {
      const readable = worker[stream];
      if (sink === 'discard') {
        readable.resume();
        continue;
      }
      if (typeof sink !== 'function') continue;
      let pending = '';
      readable.setEncoding('utf8');
      readable.on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) sink({ functionName, stream, line });
      });
      readable.on('end', () => {
        if (pending) sink({ functionName, stream, line: pending });
      });
    }
  }

  private start(slot: Slot, request: Request): void {
    const requestId = randomUUID();
    const timers: NodeJS.Timeout[] = [];
    const functionTimeoutMs = request.fn.timeoutSeconds * 1000;
    timers.push(
      setTimeout(() => {
        this.counters.timeouts++;
        const seconds = request.fn.timeoutSeconds.toFixed(2);
        this.retire(slot, new LambdaInvocationError('Sandbox.Timedout', `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds`));
      }, functionTimeoutMs),
    );
    if (request.taskTimeoutSeconds !== undefined && request.taskTimeoutSeconds < request.fn.timeoutSeconds) {
      // The Task gives up first; like on AWS the function keeps running (and keeps its worker) until it ends.
      timers.push(
        setTimeout(() => {
          const timeout = new Error(`Task timed out after ${request.taskTimeoutSeconds} seconds`);
          timeout.name = 'States.Timeout';
          this.settle(request, timeout);
        }, request.taskTimeoutSeconds * 1000),
      );
    }
    const firstInvocation = slot.invocations === 0;
    slot.current = { request, requestId, timers };
    slot.invocations++;
    this.counters.invocations++;
    // A worker's first invocation means the work has moved on to its function (the next phase of a run): idle
    // workers of other functions that have served invocations give their memory back. On AWS an idle environment
    // costs nothing; here it holds its heap (an idle Classify worker holds its grown heap through Assemble).
    if (firstInvocation) this.retireIdleOthers(slot.key);
    slot.worker.postMessage({ type: 'invoke', requestId, event: request.payload, timeoutMs: functionTimeoutMs });
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    const current = slot.current;
    if (!current || message.requestId !== current.requestId) return;
    for (const timer of current.timers) clearTimeout(timer);
    slot.current = undefined;
    const { request } = current;
    if (message.usage) this.recordPeaks(request.fn.functionName, message.usage);
    if (message.type === 'result') {
      if (request.fault?.when === 'after') {
        this.counters.faultsInjected++;
        this.settle(request, new LambdaInvocationError(request.fault.errorName ?? this.defaultFaultName(), request.fault.message ?? 'injected fault after the handler ran'));
      } else {
        this.settle(request, undefined, message.payload === undefined ? null : JSON.parse(message.payload));
      }
    } else {
      this.settle(request, new LambdaInvocationError(message.error.errorType, message.error.errorMessage, message.error.trace));
    }
    this.dispatch();
  }

  private recordPeaks(functionName: string, usage: InvocationUsage): void {
    const peak = this.peaks.get(functionName) ?? { invocations: 0, openSockets: 0, heapBytes: 0, seconds: 0, networkBytes: 0 };
    peak.networkBytes = Math.max(peak.networkBytes, usage.networkBytes);
    peak.invocations++;
    peak.openSockets = Math.max(peak.openSockets, usage.openSockets);
    peak.heapBytes = Math.max(peak.heapBytes, usage.heapBytes);
    peak.seconds = Math.max(peak.seconds, usage.seconds);
    this.peaks.set(functionName, peak);
  }

  /** Retire the idle workers of functions other than `key` that have served invocations. */
  private retireIdleOthers(key: string): void {
    for (const other of [...this.slots]) {
      if (!other.dead && !other.current && other.invocations > 0 && other.key !== key) this.retire(other, undefined, false);
    }
  }

  /** Terminate a worker; its in-flight invocation (if any) fails with `failure`. */
  private retire(slot: Slot, failure?: Error, redispatch = true): void {
    if (slot.dead) return;
    slot.dead = true;
    const current = slot.current;
    slot.current = undefined;
    if (current) {
      for (const timer of current.timers) clearTimeout(timer);
      this.settle(current.request, failure ?? new LambdaInvocationError('Runtime.ExitError', 'worker retired'));
    }
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    void slot.worker.terminate();
    if (redispatch) this.dispatch();
  }

  private settle(request: Request, error?: Error, value?: unknown): void {
    if (request.settled) return;
    request.settled = true;
    if (error) request.reject(error);
    else request.resolve(value);
  }
}

function slotKey(fn: LocalFunction, handlerPath: string): string {
  return `${fn.logicalId}\u0000${handlerPath}`;
}
