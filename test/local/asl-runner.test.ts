import { getMaxListeners } from 'node:events';
import {
  prepareStateMachine,
  runStateMachine,
  UnsupportedDefinitionError,
  type AslRuntime,
  type ExecutionEvent,
  type LambdaInvocation,
  type MapItemStore,
} from '../../local/asl-runner';
import type { LocalFunction } from '../../local/template';

const ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

function fn(name: string, timeoutSeconds = 30): LocalFunction {
  return { logicalId: name, functionName: name, arn: ARN(name), environment: {}, timeoutSeconds, memoryMb: 128, phase: name };
}

class MemoryStore implements MapItemStore {
  readonly objects = new Map<string, string>();
  async getText(bucket: string, key: string) {
    const body = this.objects.get(`${bucket}/${key}`);
    if (body === undefined) throw Object.assign(new Error(`no such key ${key}`), { name: 'NoSuchKey' });
    return body;
  }
  async putText(bucket: string, key: string, body: string) {
    this.objects.set(`${bucket}/${key}`, body);
    return Buffer.byteLength(body);
  }
  json(bucket: string, key: string): unknown {
    return JSON.parse(this.objects.get(`${bucket}/${key}`)!);
  }
  keys(): string[] {
    return [...this.objects.keys()];
  }
}

class NamedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

type Handler = (payload: any, invocation: LambdaInvocation) => Promise<unknown> | unknown;

function runtimeWith(handlers: Record<string, Handler>, store = new MemoryStore()) {
  const functions = Object.fromEntries(Object.keys(handlers).map((name) => [name, fn(name)]));
  const invocations: LambdaInvocation[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const runtime: AslRuntime = {
    mapItemStore: store,
    findFunction: (reference) => functions[reference.includes('function:') ? reference.split('function:')[1].split(':')[0] : reference],
    invokeLambda: async (invocation) => {
      invocations.push(invocation);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        return await handlers[invocation.fn.functionName](invocation.payload, invocation);
      } finally {
        inFlight--;
      }
    },
  };
  return { runtime, store, invocations, maxInFlight: () => maxInFlight };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The shape the CDK stack synthesizes: Plan → Choice → DistributedMap (S3 JSON) → Succeed, Catch → MarkFailed → Fail. */
function workflow(mapOverrides: Record<string, unknown> = {}, childRetry: unknown[] = []) {
  return {
    StartAt: 'Plan',
    States: {
      Plan: {
        Type: 'Task',
        Resource: ARN('plan'),
        ResultPath: '$.plan',
        TimeoutSeconds: 120,
        Retry: [{ ErrorEquals: ['RetryableError'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Mark failed' }],
        Next: 'Duplicate?',
      },
      'Duplicate?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.plan.duplicate', BooleanEquals: true, Next: 'Nothing to do' }],
        Default: 'Split',
      },
      'Nothing to do': { Type: 'Succeed' },
      Split: {
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { Bucket: 'data', 'Key.$': '$.plan.rangesKey' },
        },
        ItemSelector: { 'runId.$': '$.plan.runId', 'range.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Split range',
          States: { 'Split range': { Type: 'Task', Resource: ARN('split'), Retry: childRetry, End: true } },
        },
        MaxConcurrency: 3,
        ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'data', Prefix: 'runs/map-results/split' } },
        ResultPath: '$.splitMap',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Mark failed' }],
        Next: 'Run succeeded',
        ...mapOverrides,
      },
      'Run succeeded': { Type: 'Succeed' },
      'Mark failed': { Type: 'Task', Resource: ARN('markFailed'), ResultPath: '$.marked', Next: 'Run failed' },
      'Run failed': { Type: 'Fail', Error: 'RunFailed', Cause: 'see the run ledger' },
    },
  };
}

function planReturning(count: number) {
  return (store: MemoryStore) => async () => {
    await store.putText('data', 'runs/r1/ranges.json', JSON.stringify(Array.from({ length: count }, (_, i) => ({ start: i * 100, end: i * 100 + 99 }))));
    return { runId: 'r1', duplicate: false, rangesKey: 'runs/r1/ranges.json' };
  };
}

describe('asl-runner: Lambda tasks', () => {
  it('routes Tasks to the invoker, passes the Task timeout, and follows the Choice', async () => {
    const store = new MemoryStore();
    const { runtime, invocations } = runtimeWith({ plan: async () => ({ runId: 'r0', duplicate: true }), split: () => null, markFailed: () => null }, store);
    const events: ExecutionEvent[] = [];
    const record = await runStateMachine(workflow(), { detail: { object: { key: 'incoming/LA/a.csv' } } }, runtime, { onEvent: (event) => events.push(event) });
    expect(record.status).toBe('SUCCEEDED');
    expect(record.output).toEqual({ detail: { object: { key: 'incoming/LA/a.csv' } }, plan: { runId: 'r0', duplicate: true } });
    expect(invocations).toHaveLength(1);
    expect(invocations[0]).toMatchObject({ stateName: 'Plan', taskTimeoutSeconds: 120, payload: { detail: { object: { key: 'incoming/LA/a.csv' } } } });
    const visited = events.filter((event) => event.type === 'StateEntered').map((event) => (event as { state: string }).state);
    expect(visited).toEqual(['Plan', 'Duplicate?', 'Nothing to do']);
    expect(events[0].type).toBe('ExecutionStarted');
    expect(events[events.length - 1].type).toBe('ExecutionSucceeded');
  });

  it('delivers a Lambda error to Catch by its name, with an AWS-shaped Cause', async () => {
    const marked: unknown[] = [];
    const { runtime } = runtimeWith({
      plan: () => {
        throw new NamedError('PolicyError', 'no policy for county LA');
      },
      split: () => null,
      markFailed: (payload) => {
        marked.push(payload);
        return { ok: true };
      },
    });
    const record = await runStateMachine(workflow(), { id: 'event-1' }, runtime);
    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('RunFailed');
    expect(record.cause).toBe('see the run ledger');
    expect(marked).toHaveLength(1);
    const error = (marked[0] as { error: { Error: string; Cause: string } }).error;
    expect(error.Error).toBe('PolicyError');
    const cause = JSON.parse(error.Cause) as { errorType: string; errorMessage: string; trace: string[] };
    expect(cause.errorType).toBe('PolicyError');
    expect(cause.errorMessage).toBe('no policy for county LA');
    expect(Array.isArray(cause.trace)).toBe(true);
  });

  it('retries a named error thrown once, then succeeds', async () => {
    let attempts = 0;
    const { runtime } = runtimeWith({
      plan: () => {
        attempts++;
        if (attempts === 1) throw new NamedError('RetryableError', 'throttled');
        return { runId: 'r', duplicate: true };
      },
      split: () => null,
      markFailed: () => null,
    });
    const events: ExecutionEvent[] = [];
    const record = await runStateMachine(workflow(), {}, runtime, { retryDelayMs: 1, onEvent: (event) => events.push(event) });
    expect(record.status).toBe('SUCCEEDED');
    expect(attempts).toBe(2);
    expect(events.filter((event) => event.type === 'StateRetried')).toHaveLength(1);
  });

  it('wraps lambda:invoke results like the service integration and reads FunctionName/Payload', async () => {
    const { runtime, invocations } = runtimeWith({ echo: (payload) => ({ got: payload }) });
    const record = await runStateMachine(
      {
        StartAt: 'Invoke',
        States: {
          Invoke: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: `${ARN('echo')}:$LATEST`, 'Payload.$': '$.inner' },
            ResultSelector: { 'body.$': '$.Payload', 'status.$': '$.StatusCode' },
            End: true,
          },
        },
      },
      { inner: { a: 1 } },
      runtime,
    );
    expect(record.status).toBe('SUCCEEDED');
    expect(record.output).toEqual({ body: { got: { a: 1 } }, status: 200 });
    expect(invocations[0].payload).toEqual({ a: 1 });
  });

  it('fails a task whose result exceeds the 256 KiB state limit with States.DataLimitExceeded', async () => {
    const { runtime } = runtimeWith({ big: () => ({ blob: 'x'.repeat(300 * 1024) }) });
    const record = await runStateMachine({ StartAt: 'Big', States: { Big: { Type: 'Task', Resource: ARN('big'), End: true } } }, {}, runtime);
    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('States.DataLimitExceeded');
  });

  it('runs inline Map states through the library with local handlers', async () => {
    const { runtime } = runtimeWith({ double: (payload) => payload * 2 });
    const record = await runStateMachine(
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemsPath: '$.numbers',
            MaxConcurrency: 2,
            ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Double', States: { Double: { Type: 'Task', Resource: ARN('double'), End: true } } },
            End: true,
          },
        },
      },
      { numbers: [1, 2, 3] },
      runtime,
    );
    expect(record.output).toEqual([2, 4, 6]);
  });
});

describe('asl-runner: distributed map', () => {
  it('reads the S3 JSON array, applies ItemSelector, bounds concurrency and writes AWS-shaped result files', async () => {
    const store = new MemoryStore();
    const seen: unknown[] = [];
    const { runtime, maxInFlight } = runtimeWith(
      {
        plan: planReturning(10)(store),
        split: async (payload) => {
          seen.push(payload);
          await sleep(15);
          return { rows: payload.index * 10 };
        },
        markFailed: () => null,
      },
      store,
    );
    const events: ExecutionEvent[] = [];
    const record = await runStateMachine(workflow(), { source: 'aws.s3' }, runtime, { onEvent: (event) => events.push(event), stateMachineName: 'Workflow' });
    expect(record.status).toBe('SUCCEEDED');
    expect(maxInFlight()).toBe(3);
    expect(seen).toHaveLength(10);
    expect(seen).toContainEqual({ runId: 'r1', range: { start: 700, end: 799 }, index: 7 });

    const output = record.output as { splitMap: { MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } } };
    expect(output.splitMap.MapRunArn).toMatch(/^arn:aws:states:us-east-1:000000000000:mapRun:Workflow\/Split:[0-9a-f-]{36}$/);
    const mapRunId = output.splitMap.MapRunArn.split(':').pop();
    expect(output.splitMap.ResultWriterDetails).toEqual({ Bucket: 'data', Key: `runs/map-results/split/${mapRunId}/manifest.json` });

    const manifest = store.json('data', output.splitMap.ResultWriterDetails.Key) as any;
    expect(manifest.DestinationBucket).toBe('data');
    expect(manifest.MapRunArn).toBe(output.splitMap.MapRunArn);
    expect(manifest.ResultFiles.FAILED).toEqual([]);
    expect(manifest.ResultFiles.SUCCEEDED).toEqual([{ Key: `runs/map-results/split/${mapRunId}/SUCCEEDED_0.json`, Size: expect.any(Number) }]);
    const succeeded = store.json('data', manifest.ResultFiles.SUCCEEDED[0].Key) as any[];
    expect(succeeded).toHaveLength(10);
    expect(succeeded[3]).toMatchObject({ Status: 'SUCCEEDED', InputDetails: { Included: true }, OutputDetails: { Included: true } });
    expect(JSON.parse(succeeded[3].Input)).toEqual({ runId: 'r1', range: { start: 300, end: 399 }, index: 3 });
    expect(JSON.parse(succeeded[3].Output)).toEqual({ rows: 30 });
    expect(succeeded[3].ExecutionArn).toMatch(/^arn:aws:states:us-east-1:000000000000:execution:Workflow\/Split:/);

    const itemEvents = events.filter((event) => event.type === 'MapItemSucceeded');
    expect(itemEvents).toHaveLength(10);
    expect(events.find((event) => event.type === 'MapRunStarted')).toMatchObject({ state: 'Split', itemCount: 10, childCount: 10, maxConcurrency: 3 });
    expect(events.filter((event) => event.type === 'StateEntered' && event.parent?.mapState === 'Split')).toHaveLength(10);
    // The rewritten map still reports itself as a Map.
    expect(events.find((event) => event.type === 'StateEntered' && event.state === 'Split')).toMatchObject({ stateType: 'Map' });
  });

  it('runs more than ten children at once without piling abort listeners on one signal (Node warns past ten)', async () => {
    const store = new MemoryStore();
    const { runtime, maxInFlight } = runtimeWith({ plan: planReturning(40)(store), split: async () => sleep(10), markFailed: () => null }, store);
    // Counts the abort listeners each AbortSignal holds at once against its limit, as Node's leak warning does.
    const listeners = new Map<EventTarget, number>();
    let most = 0;
    const overLimit: number[] = [];
    const add = jest.spyOn(AbortSignal.prototype, 'addEventListener').mockImplementation(function (this: AbortSignal, ...args: Parameters<AbortSignal['addEventListener']>) {
      if (args[0] === 'abort') {
        const count = (listeners.get(this) ?? 0) + 1;
        listeners.set(this, count);
        most = Math.max(most, count);
        const limit = getMaxListeners(this);
        if (limit > 0 && count > limit) overLimit.push(count);
      }
      return EventTarget.prototype.addEventListener.apply(this, args as Parameters<EventTarget['addEventListener']>);
    });
    const remove = jest.spyOn(AbortSignal.prototype, 'removeEventListener').mockImplementation(function (this: AbortSignal, ...args: Parameters<AbortSignal['removeEventListener']>) {
      if (args[0] === 'abort') listeners.set(this, (listeners.get(this) ?? 1) - 1);
      return EventTarget.prototype.removeEventListener.apply(this, args as Parameters<EventTarget['removeEventListener']>);
    });
    try {
      const record = await runStateMachine(workflow({ MaxConcurrency: 25 }), {}, runtime);
      expect(record.status).toBe('SUCCEEDED');
      expect(maxInFlight()).toBe(25);
    } finally {
      add.mockRestore();
      remove.mockRestore();
    }
    expect(most).toBeGreaterThanOrEqual(25); // the counting saw every running child's listener
    expect(overLimit).toEqual([]);
  });

  it('tolerates failures up to ToleratedFailurePercentage and reports them in FAILED_0.json', async () => {
    const store = new MemoryStore();
    const { runtime } = runtimeWith(
      {
        plan: planReturning(10)(store),
        split: (payload) => {
          if (payload.index === 2 || payload.index === 5) throw new NamedError('InputError', `bad range ${payload.index}`);
          return { ok: payload.index };
        },
        markFailed: () => null,
      },
      store,
    );
    const record = await runStateMachine(workflow({ ToleratedFailurePercentage: 20 }), {}, runtime);
    expect(record.status).toBe('SUCCEEDED');
    const details = (record.output as any).splitMap.ResultWriterDetails;
    const manifest = store.json('data', details.Key) as any;
    const failed = store.json('data', manifest.ResultFiles.FAILED[0].Key) as any[];
    expect(failed.map((entry) => JSON.parse(entry.Input).index).sort()).toEqual([2, 5]);
    expect(failed[0]).toMatchObject({ Status: 'FAILED', Error: 'InputError' });
    expect(JSON.parse(failed[0].Cause).errorMessage).toMatch(/^bad range/);
    expect((store.json('data', manifest.ResultFiles.SUCCEEDED[0].Key) as unknown[]).length).toBe(8);
  });

  it('fails with States.ExceedToleratedFailureThreshold past the tolerance and follows the map Catch', async () => {
    const store = new MemoryStore();
    const marked: any[] = [];
    const { runtime } = runtimeWith(
      {
        plan: planReturning(10)(store),
        split: (payload) => {
          if (payload.index === 2 || payload.index === 5) throw new NamedError('InputError', 'bad range');
          return {};
        },
        markFailed: (payload) => {
          marked.push(payload);
          return {};
        },
      },
      store,
    );
    const record = await runStateMachine(workflow({ ToleratedFailurePercentage: 10 }), { id: 'e' }, runtime);
    expect(record.status).toBe('FAILED');
    expect(marked).toHaveLength(1);
    expect(marked[0].error.Error).toBe('States.ExceedToleratedFailureThreshold');
    expect(marked[0].plan.runId).toBe('r1');
    expect(marked[0].id).toBe('e');
    // Result files are still written for a failed map run.
    expect(store.keys().some((key) => key.endsWith('/FAILED_0.json'))).toBe(true);
  });

  it('fails on the first child failure when no tolerance is set (AWS default 0)', async () => {
    const store = new MemoryStore();
    const { runtime } = runtimeWith(
      {
        plan: planReturning(3)(store),
        split: (payload) => {
          if (payload.index === 0) throw new NamedError('InputError', 'bad');
          return {};
        },
        markFailed: () => ({}),
      },
      store,
    );
    const events: ExecutionEvent[] = [];
    const record = await runStateMachine(workflow({ MaxConcurrency: 1 }), {}, runtime, { onEvent: (event) => events.push(event) });
    expect(record.status).toBe('FAILED');
    expect(events.find((event) => event.type === 'StateCaught')).toMatchObject({ state: 'Split', next: 'Mark failed' });
    // With MaxConcurrency 1 the run stops before starting the remaining items.
    expect(events.filter((event) => event.type === 'MapItemSucceeded' || event.type === 'MapItemFailed')).toHaveLength(1);
  });

  it('retries a named error thrown once inside a child execution', async () => {
    const store = new MemoryStore();
    const attemptsByIndex = new Map<number, number>();
    const { runtime } = runtimeWith(
      {
        plan: planReturning(4)(store),
        split: (payload) => {
          const attempts = (attemptsByIndex.get(payload.index) ?? 0) + 1;
          attemptsByIndex.set(payload.index, attempts);
          if (payload.index === 1 && attempts === 1) throw new NamedError('RetryableError', 'transient');
          return { index: payload.index, attempts };
        },
        markFailed: () => ({}),
      },
      store,
    );
    const record = await runStateMachine(
      workflow({ ResultWriter: undefined }, [{ ErrorEquals: ['RetryableError'], IntervalSeconds: 1, MaxAttempts: 3 }]),
      {},
      runtime,
      { retryDelayMs: 1 },
    );
    expect(record.status).toBe('SUCCEEDED');
    expect([...attemptsByIndex.entries()].sort()).toEqual([[0, 1], [1, 2], [2, 1], [3, 1]]);
    // Without a ResultWriter the map returns the children's outputs in item order.
    expect((record.output as any).splitMap).toEqual([
      { index: 0, attempts: 1 },
      { index: 1, attempts: 2 },
      { index: 2, attempts: 1 },
      { index: 3, attempts: 1 },
    ]);
  });

  it('batches items with ItemBatcher and BatchInput', async () => {
    const store = new MemoryStore();
    const batches: any[] = [];
    const { runtime } = runtimeWith(
      {
        plan: planReturning(10)(store),
        split: (payload) => {
          batches.push(payload);
          return payload.Items.length;
        },
        markFailed: () => ({}),
      },
      store,
    );
    const record = await runStateMachine(
      workflow({ ResultWriter: undefined, ItemBatcher: { MaxItemsPerBatch: 4, BatchInput: { 'runId.$': '$.plan.runId' } }, ItemSelector: { 'i.$': '$$.Map.Item.Index' } }),
      {},
      runtime,
    );
    expect(record.status).toBe('SUCCEEDED');
    expect((record.output as any).splitMap).toEqual([4, 4, 2]);
    expect(batches.find((batch) => batch.Items[0].i === 0)).toEqual({ BatchInput: { runId: 'r1' }, Items: [{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }] });
  });

  it('reports an unreadable ItemReader object as States.ItemReaderFailed', async () => {
    const { runtime } = runtimeWith({ plan: () => ({ runId: 'r', duplicate: false, rangesKey: 'missing.json' }), split: () => null, markFailed: () => ({}) });
    const marked: any[] = [];
    const record = await runStateMachine(workflow(), {}, {
      ...runtime,
      invokeLambda: async (invocation) => {
        if (invocation.fn.functionName === 'markFailed') marked.push(invocation.payload);
        return runtime.invokeLambda(invocation);
      },
    });
    expect(record.status).toBe('FAILED');
    expect(marked[0].error.Error).toBe('States.ItemReaderFailed');
    expect(marked[0].error.Cause).toContain('missing.json');
  });
});

describe('asl-runner: preparation', () => {
  it('leaves the caller\'s definition untouched, so it can be prepared again', () => {
    const { runtime } = runtimeWith({ plan: () => null, split: () => null, markFailed: () => null });
    const definition = workflow();
    const before = JSON.parse(JSON.stringify(definition));
    prepareStateMachine(definition, runtime, { name: 'x' });
    expect(definition).toEqual(before);
    expect(() => prepareStateMachine(definition, runtime, { name: 'x' })).not.toThrow();
  });

  it('accepts an explicit JSONPath query language', () => {
    const { runtime } = runtimeWith({ plan: () => null, split: () => null, markFailed: () => null });
    const definition = { ...workflow(), QueryLanguage: 'JSONPath' };
    (definition.States['Run succeeded'] as Record<string, unknown>).QueryLanguage = 'JSONPath';
    expect(() => prepareStateMachine(definition, runtime, { name: 'x' })).not.toThrow();
  });

  it('warms the first Task and, through the Choice, the map after it with its MaxConcurrency; not the Catch path', () => {
    const { runtime } = runtimeWith({ plan: () => null, split: () => null, markFailed: () => null });
    const warmed: [string, number][] = [];
    const prepared = prepareStateMachine(workflow(), { ...runtime, prewarm: (fn, instances) => warmed.push([fn.functionName, instances]) }, { name: 'x' });
    expect(warmed).toEqual([]); // preparing warms nothing
    prepared.prewarm();
    expect(warmed).toEqual([['plan', 1], ['split', 3]]);
  });

  it('warms through a leading Pass state, and a map without MaxConcurrency for as many as the runtime runs', () => {
    const { runtime } = runtimeWith({ plan: () => null, split: () => null, markFailed: () => null });
    const warmed: [string, number][] = [];
    const definition = workflow({ MaxConcurrency: undefined });
    const withPass = { ...definition, StartAt: 'Begin', States: { Begin: { Type: 'Pass', Next: 'Plan' }, ...definition.States } };
    prepareStateMachine(withPass, { ...runtime, prewarm: (fn, instances) => warmed.push([fn.functionName, instances]) }, { name: 'x' }).prewarm();
    expect(warmed).toEqual([['plan', 1], ['split', Infinity]]);
    // A runtime without prewarm ignores the call.
    expect(() => prepareStateMachine(withPass, runtime, { name: 'y' }).prewarm()).not.toThrow();
  });
});

describe('asl-runner: refusals', () => {
  const { runtime } = runtimeWith({ plan: () => null, split: () => null, markFailed: () => null });
  const refuse = (definition: Record<string, unknown>) => () => prepareStateMachine(definition, runtime, { name: 'x' });

  it('refuses JSONata anywhere', () => {
    expect(refuse({ ...workflow(), QueryLanguage: 'JSONata' })).toThrow(/QueryLanguage "JSONata"/);
    const definition = workflow();
    (definition.States.Plan as Record<string, unknown>).QueryLanguage = 'JSONata';
    expect(refuse(definition)).toThrow(UnsupportedDefinitionError);
    expect(refuse(definition)).toThrow(/state "Plan": field QueryLanguage/);
  });

  it.each(['Assign', 'Arguments', 'Output'])('refuses %s, naming the state and the key', (field) => {
    const definition = workflow();
    (definition.States['Run succeeded'] as Record<string, unknown>)[field] = { x: 1 };
    expect(refuse(definition)).toThrow(new RegExp(`state "Run succeeded": field ${field}`));
  });

  it('refuses Assign inside a distributed map child and JSONata Choice rules', () => {
    const definition = workflow();
    (definition.States.Split.ItemProcessor.States['Split range'] as Record<string, unknown>).Assign = { a: 1 };
    expect(refuse(definition)).toThrow(/state "Split range": field Assign/);
    const choice = workflow();
    (choice.States['Duplicate?'].Choices[0] as Record<string, unknown>) = { Condition: '{% true %}', Next: 'Nothing to do' };
    expect(refuse(choice)).toThrow(/state "Duplicate\?": Choices\[0\]/);
  });

  it('refuses unknown processor modes and item readers it cannot read', () => {
    const mode = workflow({ ItemProcessor: { ...workflow().States.Split.ItemProcessor, ProcessorConfig: { Mode: 'SOMETHING' } } });
    expect(refuse(mode)).toThrow(/state "Split": ItemProcessor.ProcessorConfig.Mode "SOMETHING"/);
    const csv = workflow({ ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' }, Parameters: { Bucket: 'b', Key: 'k' } } });
    expect(refuse(csv)).toThrow(/state "Split": ItemReader.ReaderConfig.InputType "CSV"/);
    const listing = workflow({ ItemReader: { Resource: 'arn:aws:states:::s3:listObjectsV2', Parameters: { Bucket: 'b' } } });
    expect(refuse(listing)).toThrow(/ItemReader.Resource arn:aws:states:::s3:listObjectsV2/);
  });

  it('refuses service integrations other than Lambda and unknown functions', () => {
    const dynamo = workflow();
    (dynamo.States.Plan as Record<string, unknown>).Resource = 'arn:aws:states:::dynamodb:putItem';
    expect(refuse(dynamo)).toThrow(/state "Plan": Resource arn:aws:states:::dynamodb:putItem is not supported/);
    const unknown = workflow();
    (unknown.States.Plan as Record<string, unknown>).Resource = ARN('nope');
    expect(refuse(unknown)).toThrow(/not a function of this template/);
  });
});
