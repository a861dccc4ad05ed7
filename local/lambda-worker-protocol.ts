/**
 * What the Lambda pool (lambda-pool.ts) and its worker threads (lambda-worker.ts, lambda-nested-worker.ts) exchange:
 * the workers' workerData and messages. Workers run compiled from dist/local/ (`npm run build`).
 */

/** The file names of the compiled worker entry points, in dist/local/. */
export const LAMBDA_WORKER_FILE = 'lambda-worker.js';
export const LAMBDA_NESTED_WORKER_FILE = 'lambda-nested-worker.js';

/** A Lambda worker's workerData: the one function it serves. */
export interface LambdaWorkerData {
  readonly handlerPath: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly memoryMb: number;
  readonly workerId: number;
  readonly maxOpenSockets?: number;
  readonly maxInvocationBytes?: number | Readonly<Record<string, number>>;
  readonly workerSetupModule?: string;
}

/**
 * Sockets of an execution environment, its threads together (an Int32Array over a SharedArrayBuffer): open now, most
 * open since the invocation began, refused beyond the cap.
 */
export const SOCKETS_OPEN = 0;
export const SOCKETS_PEAK = 1;
export const SOCKETS_REFUSED = 2;
export const SOCKET_COUNTERS = 3;

/** workerData of a thread a handler starts: its module, its own workerData, and its environment's socket counters. */
export interface NestedWorkerData {
  readonly entry: string;
  readonly workerData: unknown;
  readonly sockets: Int32Array;
  readonly maxOpenSockets?: number;
}

/** The pool's request to run one invocation. */
export interface InvokeMessage {
  readonly type: 'invoke';
  readonly requestId: string;
  readonly event: unknown;
  readonly timeoutMs: number;
}

/** What one invocation needed at most, as its worker measured it. */
export interface InvocationUsage {
  openSockets: number;
  heapBytes: number;
  seconds: number;
  networkBytes: number;
}

/** A handler error as Lambda reports it. */
export interface SerialisedError {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

export type WorkerMessage =
  | { type: 'result'; requestId: string; payload?: string; usage?: InvocationUsage }
  | { type: 'error'; requestId: string; error: SerialisedError; usage?: InvocationUsage };
