/**
 * A Lambda worker thread of the pool (lambda-pool.ts): one function's execution environment. It loads the handler as
 * soon as it starts (Lambda's init phase), keeps it for later invocations, and answers each invocation with the JSON
 * text of the result (what Lambda sends back) or the error's type, message and stack. A failed init is reported by
 * the invocation that waited for it and tried again by the next one, as Lambda does. Runs compiled from dist/local/.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import workerThreads, { type WorkerOptions } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import {
  LAMBDA_NESTED_WORKER_FILE,
  SOCKET_COUNTERS,
  SOCKETS_OPEN,
  SOCKETS_PEAK,
  SOCKETS_REFUSED,
  type InvocationUsage,
  type InvokeMessage,
  type LambdaWorkerData,
  type NestedWorkerData,
  type SerialisedError,
  type WorkerMessage,
} from './lambda-worker-protocol';
import { countSockets, resetTraffic, trafficBytes } from './lambda-worker-sockets';

const parentPort = workerThreads.parentPort!;
const workerData = workerThreads.workerData as LambdaWorkerData;

/** A handler as the runtime calls it: (event, context), its result awaited. */
type LambdaHandler = (event: unknown, context: Context) => unknown;

// The sockets of this execution environment, its threads together: a thread the handler starts (Assemble's merge
// thread) counts into the same array.
const sockets = new Int32Array(new SharedArrayBuffer(SOCKET_COUNTERS * Int32Array.BYTES_PER_ELEMENT));
const maxOpenSockets = workerData.maxOpenSockets;
countSockets(sockets, maxOpenSockets);

const OriginalWorker = workerThreads.Worker;
/** The Worker a handler sees: its thread runs lambda-nested-worker.js first, which counts that thread's sockets here. */
class CountedWorker extends OriginalWorker {
  constructor(entry: string | URL, options: WorkerOptions = {}) {
    if (options.eval) throw new Error('a worker thread started with eval is not supported in the local Lambda runtime');
    const boot: NestedWorkerData = { entry: String(entry), workerData: options.workerData, sockets, ...(maxOpenSockets === undefined ? {} : { maxOpenSockets }) };
    super(path.join(__dirname, LAMBDA_NESTED_WORKER_FILE), { ...options, workerData: boot });
  }
}
(workerThreads as { Worker: typeof OriginalWorker }).Worker = CountedWorker;

function serialise(error: unknown): SerialisedError {
  if (error && typeof error === 'object' && 'message' in error) {
    const { name, message, stack } = error as Partial<Error>;
    return { errorType: String(name || 'Error'), errorMessage: String(message), trace: String(stack || '').split('\n') };
  }
  return { errorType: typeof error === 'string' ? 'string' : 'Error', errorMessage: String(error), trace: [] };
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * import() of an ES module handler: tsc compiles an `import()` in a CommonJS module to require(), which cannot load an
 * ES module on Node 20, so the expression is built at run time.
 */
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

async function loadHandler(): Promise<LambdaHandler> {
  if (workerData.workerSetupModule !== undefined) require(workerData.workerSetupModule).prepareLambdaWorker(workerData.handlerPath);
  let mod: { handler?: unknown; default?: { handler?: unknown } } | undefined;
  try {
    mod = require(workerData.handlerPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException | undefined)?.code !== 'ERR_REQUIRE_ESM') {
      throw named('Runtime.ImportModuleError', `Error: Cannot load ${workerData.handlerPath}: ${(error as Error | undefined)?.message}`);
    }
    mod = (await importModule(pathToFileURL(workerData.handlerPath).href)) as typeof mod;
  }
  const candidate = mod && (mod.handler || (mod.default && mod.default.handler));
  if (typeof candidate !== 'function') throw named('Runtime.HandlerNotFound', `${workerData.handlerPath} does not export a function named handler`);
  return candidate as LambdaHandler;
}

// Functions may set NODE_OPTIONS=--enable-source-maps, which a worker thread does not read: honour it here.
if ((process.env.NODE_OPTIONS ?? '').includes('--enable-source-maps')) process.setSourceMapsEnabled(true);

process.on('unhandledRejection', (reason) => {
  const error = serialise(reason);
  throw named('Runtime.UnhandledPromiseRejection', `${error.errorType}: ${error.errorMessage}`);
});

// What one function's network moves within its timeout, scaled down (LambdaPoolOptions.maxInvocationBytes): an
// invocation beyond it would have timed out in the cloud.
const networkBudget =
  typeof workerData.maxInvocationBytes === 'object' ? workerData.maxInvocationBytes[process.env.CLEARANCE_PHASE || ''] : workerData.maxInvocationBytes;

function networkBudgetError(): Error {
  return named(
    'Sandbox.Timedout',
    `Task timed out: the invocation moved ${trafficBytes()} network bytes, above the ${networkBudget} one invocation can move within its timeout (the local network budget)`,
  );
}

function overNetworkBudget(): boolean {
  return networkBudget !== undefined && trafficBytes() > networkBudget;
}

function tooManyOpenFiles(refused: number, detail: string): Error {
  return named('Runtime.TooManyOpenFiles', `EMFILE: ${refused} socket(s) refused: more than ${maxOpenSockets} open at once (${detail})`);
}

/** A handler's result, or the error the invocation reports: the network budget and the socket cap come first. */
function checkLimits(): void {
  if (overNetworkBudget()) throw networkBudgetError();
  const refused = Atomics.load(sockets, SOCKETS_REFUSED);
  if (refused > 0) throw tooManyOpenFiles(refused, 'Lambda allows 1,024 file descriptors per execution environment');
}

/** The error an invocation reports when its handler failed: an exceeded budget or cap explains the failure. */
function reportedError(error: unknown): unknown {
  const name = (error as Error | undefined)?.name;
  if (overNetworkBudget() && name !== 'Sandbox.Timedout') return networkBudgetError();
  const refused = Atomics.load(sockets, SOCKETS_REFUSED);
  if (refused > 0 && name !== 'Runtime.TooManyOpenFiles') return tooManyOpenFiles(refused, String((error as Error | undefined)?.message));
  return error;
}

let init: Promise<LambdaHandler>;
function startInit(): void {
  init = loadHandler();
  init.catch(() => undefined); // reported by the invocation that awaits it
}

let handler: LambdaHandler | undefined;
async function loadedHandler(): Promise<LambdaHandler> {
  if (handler) return handler;
  try {
    handler = await init;
    return handler;
  } catch (error) {
    startInit();
    throw error;
  }
}

/** Measure an invocation from now: its peak heap (sampled), sockets, network bytes and seconds. */
function measureUsage(started: number): () => InvocationUsage {
  Atomics.store(sockets, SOCKETS_PEAK, Atomics.load(sockets, SOCKETS_OPEN));
  Atomics.store(sockets, SOCKETS_REFUSED, 0);
  resetTraffic();
  let heapBytes = v8.getHeapStatistics().used_heap_size;
  const sampler = setInterval(() => {
    heapBytes = Math.max(heapBytes, v8.getHeapStatistics().used_heap_size);
  }, 50);
  return () => {
    clearInterval(sampler);
    heapBytes = Math.max(heapBytes, v8.getHeapStatistics().used_heap_size);
    return { openSockets: Atomics.load(sockets, SOCKETS_PEAK), heapBytes, seconds: (Date.now() - started) / 1000, networkBytes: trafficBytes() };
  };
}

function lambdaContext(requestId: string, deadline: number): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: workerData.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: workerData.functionArn,
    memoryLimitInMB: String(workerData.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${workerData.functionName}`,
    logStreamName: `local/[$LATEST]worker-${workerData.workerId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
}

async function invoke(message: InvokeMessage): Promise<WorkerMessage> {
  const started = Date.now();
  const usage = measureUsage(started);
  try {
    const run = await loadedHandler();
    const result: unknown = await run(message.event, lambdaContext(message.requestId, started + message.timeoutMs));
    checkLimits();
    const payload = result === undefined ? undefined : JSON.stringify(result);
    return { type: 'result', requestId: message.requestId, ...(payload === undefined ? {} : { payload }), usage: usage() };
  } catch (error) {
    return { type: 'error', requestId: message.requestId, error: serialise(reportedError(error)), usage: usage() };
  }
}

parentPort.on('message', (message: InvokeMessage) => {
  if (message.type !== 'invoke') return;
  void invoke(message).then((reply) => parentPort.postMessage(reply));
});

startInit();
