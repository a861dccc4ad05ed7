import * as net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LambdaInvocationError, LambdaPool, defaultHandlerResolver, findProjectRoot } from '../../local/lambda-pool';
import type { LocalFunction } from '../../local/template';

const fixtures = path.join(__dirname, 'fixtures');
const byPhase = (fn: LocalFunction) => path.join(fixtures, `${fn.phase}.js`);

function fn(logicalId: string, phase: string, options: Partial<LocalFunction> = {}): LocalFunction {
  return {
    logicalId,
    functionName: logicalId,
    arn: `arn:aws:lambda:us-east-1:000000000000:function:${logicalId}`,
    environment: { CLEARANCE_PHASE: phase, ...(options.environment ?? {}) },
    timeoutSeconds: options.timeoutSeconds ?? 10,
    memoryMb: options.memoryMb ?? 256,
    phase,
  };
}

async function rejection(promise: Promise<unknown>): Promise<LambdaInvocationError> {
  try {
    await promise;
  } catch (error) {
    return error as LambdaInvocationError;
  }
  throw new Error('expected the invocation to fail');
}

describe('LambdaPool', () => {
  const pools: LambdaPool[] = [];
  const pool = (options: ConstructorParameters<typeof LambdaPool>[0] = {}) => {
    const created = new LambdaPool({ handlerResolver: byPhase, size: 2, ...options });
    pools.push(created);
    return created;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((created) => created.close()));
  });

  it('gives each function its own environment: function variables + pool variables, nothing else of this process', async () => {
    process.env.CLEARANCE_TEST_PARENT_ONLY = 'parent';
    try {
      const lambdas = pool({ environment: { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1', DATA_BUCKET: 'overridden-by-pool' } });
      const a = fn('PlanFn', 'env-probe', { environment: { DATA_BUCKET: 'bucket-a', LEDGER_TABLE: 'table-a' } });
      const b = fn('SplitFn', 'env-probe', { environment: { LEDGER_TABLE: 'table-b' } });
      const names = ['DATA_BUCKET', 'LEDGER_TABLE', 'AWS_ENDPOINT_URL_S3', 'CLEARANCE_TEST_PARENT_ONLY', 'LEAKED_BY_HANDLER', 'AWS_LAMBDA_FUNCTION_NAME', 'CLEARANCE_PHASE'];
      const [fromA, fromB] = (await Promise.all([
        lambdas.invoke(a, { names, setEnv: 'from-a' }),
        lambdas.invoke(b, { names }),
      ])) as { env: Record<string, string | undefined>; threadId: number }[];
      expect(fromA.env).toEqual({
        DATA_BUCKET: 'overridden-by-pool',
        LEDGER_TABLE: 'table-a',
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1',
        CLEARANCE_TEST_PARENT_ONLY: undefined,
        LEAKED_BY_HANDLER: 'from-a',
        AWS_LAMBDA_FUNCTION_NAME: 'PlanFn',
        CLEARANCE_PHASE: 'env-probe',
      });
      expect(fromB.env.LEDGER_TABLE).toBe('table-b');
      expect(fromB.env.LEAKED_BY_HANDLER).toBeUndefined();
      expect(fromA.threadId).not.toBe(fromB.threadId);
      expect(process.env.LEAKED_BY_HANDLER).toBeUndefined();
    } finally {
      delete process.env.CLEARANCE_TEST_PARENT_ONLY;
    }
  });

  it('keeps a worker warm for its function and passes a Lambda-like context', async () => {
    const lambdas = pool();
    const probe = fn('ProbeFn', 'env-probe', { timeoutSeconds: 30, memoryMb: 512 });
    const first = (await lambdas.invoke(probe, {})) as any;
    const second = (await lambdas.invoke(probe, {})) as any;
    expect(second.threadId).toBe(first.threadId);
    expect(second.loads).toBe(1);
    expect(second.invocations).toBe(2);
    expect(first.context).toMatchObject({ functionName: 'ProbeFn', invokedFunctionArn: probe.arn, memoryLimitInMB: '512' });
    expect(first.context.remaining).toBeGreaterThan(29_000);
    expect(first.context.remaining).toBeLessThanOrEqual(30_000);
    expect(first.context.awsRequestId).not.toBe(second.context.awsRequestId);
    expect(lambdas.stats()).toMatchObject({ coldStarts: 1, invocations: 2, workers: 1 });
  });

  it('runs at most `size` invocations at once and queues the rest', async () => {
    const lambdas = pool({ size: 2 });
    const sleeper = fn('SleepFn', 'sleeper');
    const results = (await Promise.all(Array.from({ length: 6 }, () => lambdas.invoke(sleeper, { ms: 150 })))) as { startedAt: number; endedAt: number; threadId: number }[];
    const overlapAt = (time: number) => results.filter((run) => run.startedAt <= time && time < run.endedAt).length;
    const maxOverlap = Math.max(...results.map((run) => overlapAt(run.startedAt)));
    expect(maxOverlap).toBe(2);
    expect(new Set(results.map((run) => run.threadId)).size).toBe(2);
    expect(lambdas.stats().coldStarts).toBe(2);
  });

  it('prewarm loads the handler ahead: the invocation finds it loaded and takes the prewarmed worker', async () => {
    const lambdas = pool({ size: 2 });
    const probe = fn('ProbeFn', 'env-probe');
    lambdas.prewarm(probe, 5);
    expect(lambdas.stats()).toMatchObject({ workers: 2, prewarmed: 2, invocations: 0 }); // capped at size
    lambdas.prewarm(probe, 1); // enough live already
    expect(lambdas.stats().prewarmed).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const askedAt = Date.now();
    const result = (await lambdas.invoke(probe, {})) as { loadedAt: number; loads: number };
    expect(result.loadedAt).toBeLessThan(askedAt);
    expect(result.loads).toBe(1);
    expect(lambdas.stats()).toMatchObject({ coldStarts: 2, invocations: 1, workers: 2 });
  });

  it('prewarmed workers never let more than `size` invocations run; idle workers of other functions make room', async () => {
    const lambdas = pool({ size: 2 });
    const sleeper = fn('SleepFn', 'sleeper');
    const probe = fn('ProbeFn', 'env-probe');
    await Promise.all([lambdas.invoke(sleeper, { ms: 1 }), lambdas.invoke(sleeper, { ms: 1 })]);
    expect(lambdas.stats().workers).toBe(2);
    const running = Array.from({ length: 4 }, () => lambdas.invoke(sleeper, { ms: 150 }));
    lambdas.prewarm(probe, 2); // both sleepers busy: two more workers, warm for what comes next
    expect(lambdas.stats()).toMatchObject({ workers: 4, busy: 2, queued: 2 });
    const results = (await Promise.all(running)) as { startedAt: number; endedAt: number }[];
    const overlapAt = (time: number) => results.filter((run) => run.startedAt <= time && time < run.endedAt).length;
    expect(Math.max(...results.map((run) => overlapAt(run.startedAt)))).toBe(2);
    // The probe's first invocation runs on a prewarmed worker; the idle sleepers (used, another function) are retired.
    await lambdas.invoke(probe, {});
    expect(lambdas.stats()).toMatchObject({ workers: 2, coldStarts: 4, prewarmed: 2 });
  });

  it("a worker's first invocation (the next phase) retires the idle workers of other functions", async () => {
    const lambdas = pool({ size: 3 });
    const classify = fn('ClassifyFn', 'sleeper');
    const assemble = fn('AssembleFn', 'sleeper');
    // A phase of two ClassifyFn invocations at once leaves two idle warm workers, with room for a third.
    await Promise.all([lambdas.invoke(classify, { ms: 30 }), lambdas.invoke(classify, { ms: 30 })]);
    expect(lambdas.stats()).toMatchObject({ workers: 2, busy: 0 });
    // Warm invocations keep them.
    await lambdas.invoke(classify, { ms: 1 });
    expect(lambdas.stats()).toMatchObject({ workers: 2, coldStarts: 2 });
    // The next phase's first invocation gives their memory back, though the pool had room for it beside them.
    await lambdas.invoke(assemble, { ms: 1 });
    expect(lambdas.stats()).toMatchObject({ workers: 1, coldStarts: 3 });
  });

  it('serves a queued request that can reuse a warm worker before one that needs a cold start', async () => {
    const lambdas = pool({ size: 1 });
    const a = fn('AFn', 'sleeper');
    const b = fn('BFn', 'sleeper');
    const finished: string[] = [];
    const track = (label: string, promise: Promise<unknown>) => promise.then(() => finished.push(label));
    await Promise.all([track('a1', lambdas.invoke(a, { ms: 50 })), track('b1', lambdas.invoke(b, { ms: 1 })), track('a2', lambdas.invoke(a, { ms: 1 }))]);
    expect(finished).toEqual(['a1', 'a2', 'b1']);
    expect(lambdas.stats().coldStarts).toBe(2);
  });

  it('times out with Sandbox.Timedout, terminates the worker and replaces it', async () => {
    const lambdas = pool({ size: 1 });
    const slow = fn('SlowFn', 'sleeper', { timeoutSeconds: 0.3 });
    const started = Date.now();
    const error = await rejection(lambdas.invoke(slow, { ms: 5_000 }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(LambdaInvocationError);
    expect(error.name).toBe('Sandbox.Timedout');
    expect(error.message).toMatch(/Task timed out after 0\.30 seconds/);
    const after = (await lambdas.invoke(slow, { ms: 10 })) as { threadId: number };
    expect(after.threadId).toBeGreaterThan(0);
    expect(lambdas.stats()).toMatchObject({ timeouts: 1, coldStarts: 2, workers: 1 });
  });

  describe('the socket cap (Lambda\'s 1,024 file descriptors per execution environment)', () => {
    let server: net.Server;
    let port: number;
    beforeAll(async () => {
      server = net.createServer((socket) => socket.on('error', () => undefined));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as net.AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it.each([false, true])('counts the sockets of the invocation, its threads too (in a thread: %s), and refuses those beyond the cap', async (inThread) => {
      const lambdas = pool({ size: 1, maxOpenSockets: 30 });
      const sockets = fn('SocketsFn', 'sockets');
      await expect(lambdas.invoke(sockets, { port, count: 25, inThread })).resolves.toEqual({ opened: 25 });
      expect(lambdas.stats().peakOpenSockets).toBe(25);
      expect(lambdas.stats().peaks.SocketsFn).toMatchObject({ invocations: 1, openSockets: 25 });
      const error = await rejection(lambdas.invoke(sockets, { port, count: 40, inThread }));
      expect(error.name).toBe('Runtime.TooManyOpenFiles');
      expect(error.message).toMatch(/more than 30 open at once/);
    });
  });

  it('counts the network bytes of each invocation and times out one that moves more than its phase\'s budget', async () => {
    const server = net.createServer((socket) => socket.on('data', () => undefined).on('error', () => undefined));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const lambdas = pool({ size: 1, maxInvocationBytes: { assemble: 100_000 } });
      const sender = fn('SenderFn', 'sender', { environment: { CLEARANCE_PHASE: 'assemble' } });
      await expect(lambdas.invoke(sender, { port, bytes: 60_000 })).resolves.toEqual({ sent: 60_000 });
      expect(lambdas.stats().peaks.SenderFn.networkBytes).toBeGreaterThanOrEqual(60_000);
      const error = await rejection(lambdas.invoke(sender, { port, bytes: 150_000 }));
      expect(error.name).toBe('Sandbox.Timedout');
      expect(error.message).toMatch(/moved \d+ network bytes, above the 100000/);
      expect(lambdas.stats().peakInvocationBytes).toBeGreaterThanOrEqual(150_000);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reports a shorter Task timeout as States.Timeout', async () => {
    const lambdas = pool({ size: 1 });
    const error = await rejection(lambdas.invoke(fn('SleepFn', 'sleeper'), { ms: 2_000 }, { taskTimeoutSeconds: 0.2 }));
    expect(error.name).toBe('States.Timeout');
  });

  it('caps the heap at MemorySize and reports Runtime.OutOfMemory', async () => {
    const lambdas = pool({ size: 1 });
    const error = await rejection(lambdas.invoke(fn('HogFn', 'hog', { memoryMb: 48 }), {}));
    expect(error.name).toBe('Runtime.OutOfMemory');
    await expect(lambdas.invoke(fn('PlanFn', 'thrower'), {})).resolves.toEqual({ ok: true });
  });

  it('round-trips a handler error: name, message and stack', async () => {
    const lambdas = pool();
    const error = await rejection(lambdas.invoke(fn('PlanFn', 'thrower'), { errorName: 'PolicyError', message: 'no policy for county LA' }));
    expect(error).toBeInstanceOf(LambdaInvocationError);
    expect(error.name).toBe('PolicyError');
    expect(error.errorType).toBe('PolicyError');
    expect(error.message).toBe('no policy for county LA');
    expect(error.trace.join('\n')).toContain(path.join(fixtures, 'thrower.js'));
    expect(JSON.parse(error.cause)).toMatchObject({ errorType: 'PolicyError', errorMessage: 'no policy for county LA' });
  });

  it('loads an ES module handler', async () => {
    const lambdas = pool({ handlerResolver: () => path.join(fixtures, 'es-module.mjs') });
    await expect(lambdas.invoke(fn('EsmFn', 'esm'), { n: 1 })).resolves.toEqual({ loadedAs: 'es module', event: { n: 1 } });
  });

  it('returns null for a handler that returns undefined (as Lambda serialises it)', async () => {
    await expect(pool().invoke(fn('PlanFn', 'thrower'), { returnUndefined: true })).resolves.toBeNull();
  });

  it('injects faults before (handler not run) or after (handler ran) an invocation', async () => {
    const markerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clearance-faults-'));
    try {
      const lambdas = pool({
        faults: {
          decide: ({ payload }) => {
            const when = (payload as { when?: 'before' | 'after' }).when;
            return when ? { when, errorName: 'RetryableError', message: `injected ${when}` } : undefined;
          },
        },
      });
      const thrower = fn('PlanFn', 'thrower');
      const before = path.join(markerDir, 'before');
      const after = path.join(markerDir, 'after');
      const beforeError = await rejection(lambdas.invoke(thrower, { when: 'before', marker: before }));
      const afterError = await rejection(lambdas.invoke(thrower, { when: 'after', marker: after }));
      expect([beforeError.name, beforeError.message]).toEqual(['RetryableError', 'injected before']);
      expect([afterError.name, afterError.message]).toEqual(['RetryableError', 'injected after']);
      expect(fs.existsSync(before)).toBe(false);
      expect(fs.existsSync(after)).toBe(true);
      expect(lambdas.stats().faultsInjected).toBe(2);
    } finally {
      fs.rmSync(markerDir, { recursive: true, force: true });
    }
  });

  it('injects probabilistic faults deterministically for a seed', async () => {
    const pattern = async (seed: number) => {
      const lambdas = pool({ faults: { probability: 0.5, seed } });
      const outcomes = [];
      for (let i = 0; i < 16; i++) {
        outcomes.push(await lambdas.invoke(fn('PlanFn', 'thrower'), {}).then(() => 'ok', (error: Error) => error.name));
      }
      return outcomes;
    };
    const first = await pattern(7);
    expect(await pattern(7)).toEqual(first);
    expect(first).toContain('ok');
    expect(first).toContain('Lambda.ServiceException');
  });

  it('fails with Runtime.ImportModuleError when the handler module is missing, and says how to build it', async () => {
    const lambdas = new LambdaPool({ handlerResolver: defaultHandlerResolver(fs.mkdtempSync(path.join(os.tmpdir(), 'clearance-root-'))), size: 1 });
    pools.push(lambdas);
    const missing = fn('PlanFn', 'plan');
    expect(() => lambdas.assertHandlersExist([missing])).toThrow(/dist\/lambdas\/plan\/handler\.js: run `npm run build` first/);
    const error = await rejection(lambdas.invoke(missing, {}));
    expect(error.name).toBe('Runtime.ImportModuleError');
  });

  it('finds the project root from its own directory', () => {
    expect(fs.existsSync(path.join(findProjectRoot(), 'package.json'))).toBe(true);
  });
});
