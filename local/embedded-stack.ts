/**
 * The whole synthesized stack on one machine: S3/DynamoDB stand-ins with the template's buckets and tables, uploads
 * matching the template's EventBridge rules turned into executions of its state machines, executed by the ASL runner
 * with Lambda invocations on a worker-thread pool running our compiled handlers.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { HeadObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  prepareStateMachine,
  s3MapItemStore,
  type AslRuntime,
  type ExecutionEvent,
  type ExecutionRecord,
  type PreparedStateMachine,
  type RunningExecution,
} from './asl-runner';
import { executionStatusChangeEvent, objectCreatedEvent, routeEvent, validateEventPattern } from './event-bridge';
import {
  LambdaPool,
  assertHandlerModulesExist,
  findProjectRoot,
  defaultHandlerResolver,
  type FaultOptions,
  type HandlerResolver,
  type LambdaPoolOptions,
  type LambdaPoolStats,
} from './lambda-pool';
import { localAwsConfig, localLambdaEnvironment, localS3Client, startStandIns, type S3EventRecord, type StandInEndpoints, type StandIns } from './stand-ins';
import { createLocalResources, loadTemplate, type CloudFormationTemplate, type LocalTemplate } from './template';
import type { S3RequestLimitOptions, S3RequestStats, StagedFile } from './s3-store';
import { S3_MIN_PART_BYTES_ENV } from './lambda-hooks';
import { startStepFunctionsStandIn, type StepFunctionsStandIn } from './sfn-stand-in';

export interface EmbeddedStackOptions {
  /** The synthesized CloudFormation template (e.g. app.synth().getStackByName(name).template). */
  readonly template: CloudFormationTemplate;
  /** AWS::StackName seen by the template (default "local"). */
  readonly stackName?: string;
  /** Values for template Parameters without a usable Default. */
  readonly parameters?: Record<string, unknown>;
  /** Persist S3 and DynamoDB state here (kept on stop). Default: temporary S3 directory and in-memory DynamoDB. */
  readonly keepStateDir?: string;
  /** Worker threads for Lambda invocations (default: CPU count). */
  readonly workers?: number;
  /** Handler module per function (default: dist/lambdas/<phase>/handler.js). */
  readonly handlerResolver?: HandlerResolver;
  /** Fault injection for Lambda invocations. */
  readonly faults?: FaultOptions;
  /** Replace every Retry wait with this many milliseconds (default: the definition's backoff). */
  readonly retryDelayMs?: number;
  /** Handler stdout/stderr (default 'inherit'). */
  readonly functionLogs?: LambdaPoolOptions['logs'];
  /**
   * The cloud's limits, enforced here so that tests prove the design stays inside them: S3's request rate per prefix
   * (`503 SlowDown` beyond it) and Lambda's 1,024 file descriptors per execution environment (functions' timeouts
   * always apply). Default: none enforced (requests, sockets and memory are still measured).
   */
  readonly limits?: {
    readonly s3?: S3RequestLimitOptions;
    readonly maxOpenSockets?: number;
    readonly maxInvocationBytes?: number | Readonly<Record<string, number>>;
    /** S3's least multipart part (5 MiB) scaled down, on the stand-in and the handlers alike: joins of small runs' parts. */
    readonly s3MinPartBytes?: number;
  };
}

export interface ExecutionSummary extends ExecutionRecord {
  readonly stateMachineLogicalId: string;
  /** The upload that started it, when started by an S3 event. */
  readonly trigger?: { readonly bucket: string; readonly key: string };
}

export interface EmbeddedStack {
  readonly template: LocalTemplate;
  readonly endpoints: StandInEndpoints;
  /** Client configuration for @aws-sdk/client-s3 against the S3 stand-in. */
  readonly s3Config: S3ClientConfig;
  /** A new S3 client of the stand-in, set up as the handlers' are (s3Config, and request bodies sent unsigned). */
  newS3Client(): S3Client;
  /** Client configuration for @aws-sdk/client-dynamodb against the DynamoDB stand-in. */
  readonly dynamoDbConfig: DynamoDBClientConfig;
  /**
   * Endpoint of the Step Functions stand-in (DescribeExecution and StopExecution of this stack's executions), for
   * tools that talk to a deployed stack: set it as AWS_ENDPOINT_URL_SFN.
   */
  readonly stepFunctionsEndpoint: string;
  /** The environment every handler gets on top of its function's variables (endpoints, credentials, checksum mode...). */
  readonly env: Readonly<Record<string, string>>;
  /** Local bucket name of a bucket logical ID; without argument, the data bucket (the one bucket sending events to EventBridge). */
  bucketName(logicalId?: string): string;
  /** Local table name of a table logical ID; without argument, the template's only table. */
  tableName(logicalId?: string): string;
  /**
   * The logical ID of the state machine of a construct of the stack (STATE_MACHINES: the run's workflow, Finalize),
   * for startExecution and prewarm: a template with several state machines needs its callers to name theirs.
   */
  stateMachineLogicalId(construct: string): string;
  /** Start an execution directly (without an upload). Default state machine: the template's only one (else name it). */
  startExecution(input: unknown, options?: { stateMachine?: string; name?: string }): ExecutionSummary;
  /**
   * Start the environments of the functions an execution of the state machine (default: the only one; else name it) invokes first,
   * before any upload: the local counterpart of provisioned concurrency (an upload expected soon starts warm). See
   * PreparedStateMachine.prewarm for which functions, and why only before an execution.
   */
  prewarm(options?: { stateMachine?: string }): void;
  /** Route an event through the template's rules as EventBridge would (e.g. a duplicate delivery); returns the executions started. */
  publishEvent(event: unknown): ExecutionSummary[];
  /**
   * Every event on the local default bus, as it is put: S3 "Object Created", Step Functions "Execution Status Change"
   * (at each start and end) and the events the state machines put (events:putEvents). Returns an unsubscribe function.
   */
  onEvent(listener: (event: unknown) => void): () => void;
  /** Stop a running execution (StopExecution): it ends ABORTED. Throws for an unknown execution. */
  stopExecution(executionArnOrName: string): void;
  /** Resolves when the execution (ARN or name) has ended. */
  waitForExecution(executionArnOrName: string, options?: { timeoutMs?: number }): Promise<ExecutionSummary>;
  /**
   * The latest execution started by an upload of `key`, waiting (default 10 s) if none has started yet. A PutObject's
   * execution is registered before the upload call returns, so call this after the upload resolves.
   */
  executionStartedBy(key: string, options?: { bucket?: string; timeoutMs?: number }): Promise<ExecutionSummary>;
  /**
   * Copies an object (default bucket: the data bucket) to a local file without reading it through S3: see
   * StandIns.exportObject. Throws NotFoundError when there is no such object.
   */
  exportObject(key: string, targetPath: string, options?: { bucket?: string }): Promise<void>;
  /** A local file put in as the object `key` (the data bucket unless told), announced as a PutObject: StandIns.importObject. */
  importObject(key: string, source: string | StagedFile, options?: { bucket?: string }): Promise<void>;
  /** Every execution so far, oldest first, with its current status. */
  listExecutions(): ExecutionSummary[];
  /** Progress of every execution (states entered/exited, map items done, retries...). Returns an unsubscribe function. */
  onExecutionEvent(listener: (event: ExecutionEvent) => void): () => void;
  /** Resolves when no execution is running and no upload event is being turned into one. */
  waitForIdle(): Promise<void>;
  lambdaStats(): LambdaPoolStats;
  /** Requests the S3 stand-in answered, its SlowDown answers and the peak request rate per prefix. */
  s3RequestStats(): S3RequestStats;
  /** Abort running executions, stop the workers and the stand-ins. Idempotent. */
  stop(): Promise<void>;
}

/** The ClearanceStack's state machines, by the construct path CDK derives their logical IDs from. */
export const STATE_MACHINES = {
  /** The run: started by a batch manifest or an extract uploaded under incoming/. */
  run: 'WorkflowStateMachine',
  /** The prosecutor's review: started by a decision file uploaded under reviews/. */
  finalize: 'ReviewStateMachine',
} as const;

/** The logical ID of the one state machine whose ID is `construct` followed by CDK's 8-character hash. */
export function stateMachineLogicalIdOf(template: LocalTemplate, construct: string): string {
  const ids = Object.keys(template.stateMachines).filter((id) => id.startsWith(construct) && /^[0-9A-F]{8}$/.test(id.slice(construct.length)));
  if (ids.length !== 1) {
    throw new Error(`the template has ${ids.length} state machines of ${construct} (have: ${Object.keys(template.stateMachines).join(', ')})`);
  }
  return ids[0];
}

/** The local default event bus, set up once the rules can be evaluated. */
interface LocalBus {
  publish: ((event: unknown) => void) | undefined;
}

interface TrackedExecution {
  summary: ExecutionSummary;
  readonly running: RunningExecution;
  readonly done: Promise<ExecutionSummary>;
}

export async function startEmbeddedStack(options: EmbeddedStackOptions): Promise<EmbeddedStack> {
  const template = loadTemplate(options.template, {
    ...(options.stackName ? { stackName: options.stackName } : {}),
    ...(options.parameters ? { parameters: options.parameters } : {}),
  });
  const rules = checkRules(template);
  assertHandlerModulesExist(
    Object.values(template.functions).filter((fn) => fn.phase),
    options.handlerResolver ?? defaultHandlerResolver(),
  );

  let s3Client: S3Client | undefined;
  let runtimePool: LambdaPool | undefined;
  const standIns: StandIns = await startStandIns({
    ...(options.keepStateDir ? { keepStateDir: options.keepStateDir } : {}),
    ...(options.limits?.s3 ? { s3RequestLimits: options.limits.s3 } : {}),
    ...(options.limits?.s3MinPartBytes !== undefined ? { s3MinPartBytes: options.limits.s3MinPartBytes } : {}),
  });
  try {
    const config = localAwsConfig(standIns.endpoints);
    const env = {
      ...localLambdaEnvironment(standIns.endpoints),
      ...(options.limits?.s3MinPartBytes !== undefined ? { [S3_MIN_PART_BYTES_ENV]: String(options.limits.s3MinPartBytes) } : {}),
    };
    s3Client = localS3Client(standIns.endpoints);
    const dynamodb = new DynamoDBClient(config.dynamodb);
    try {
      await createLocalResources(template, { s3: s3Client, dynamodb });
    } finally {
      dynamodb.destroy();
    }
    runtimePool = createLambdaPool(options, env);
    const lambdas = runtimePool;
    // The local default bus: events the state machines put go through the rules like any other (wired in assemble).
    const bus: LocalBus = { publish: undefined };
    const runtime: AslRuntime = {
      invokeLambda: ({ fn, payload, taskTimeoutSeconds }) =>
        lambdas.invoke(fn, payload, taskTimeoutSeconds !== undefined ? { taskTimeoutSeconds } : {}),
      findFunction: (reference) => template.findFunction(reference),
      mapItemStore: s3MapItemStore(s3Client),
      prewarm: (fn, instances) => lambdas.prewarm(fn, instances),
      region: template.region,
      accountId: template.accountId,
      putEvents: (entries) =>
        entries.map((entry) => {
          if (entry.eventBusName !== undefined && entry.eventBusName !== 'default') {
            throw Object.assign(new Error(`only the default event bus exists locally, not ${entry.eventBusName}`), { name: 'EventBridge.ResourceNotFoundException' });
          }
          const id = randomUUID();
          bus.publish?.({
            version: '0',
            id,
            'detail-type': entry.detailType,
            source: entry.source,
            account: template.accountId,
            time: `${new Date().toISOString().slice(0, 19)}Z`,
            region: template.region,
            resources: entry.resources ?? [],
            detail: entry.detail,
          });
          return id;
        }),
    };
    const machines = new Map<string, PreparedStateMachine>();
    for (const machine of Object.values(template.stateMachines)) {
      machines.set(machine.logicalId, prepareStateMachine(machine.definition, runtime, { name: machine.name, arn: machine.arn }));
    }
    return await assemble({ options, template, rules, standIns, s3Client, pool: lambdas, machines, config, env, bus });
  } catch (error) {
    s3Client?.destroy();
    await runtimePool?.close();
    await standIns.stop();
    throw error;
  }
}

/** The Lambda pool of the stack's functions, with the options' workers, faults, logs and limits. */
function createLambdaPool(options: EmbeddedStackOptions, environment: Record<string, string>): LambdaPool {
  return new LambdaPool({
    ...(options.workers ? { size: options.workers } : {}),
    ...(options.handlerResolver ? { handlerResolver: options.handlerResolver } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.functionLogs ? { logs: options.functionLogs } : {}),
    ...(options.limits?.maxOpenSockets !== undefined ? { maxOpenSockets: options.limits.maxOpenSockets } : {}),
    ...(options.limits?.maxInvocationBytes !== undefined ? { maxInvocationBytes: options.limits.maxInvocationBytes } : {}),
    // Unsigned S3 bodies, an off Tracer and the scaled least S3 part in every worker, without the handlers' adapters knowing (lambda-hooks.ts).
    workerSetupModule: path.join(findProjectRoot(), 'dist', 'local', 'lambda-hooks.js'),
    environment,
  });
}

/**
 * Event rules that can start our state machines (scheduled rules never fire locally and are left out); refuse patterns
 * we cannot evaluate and buckets that never send events.
 */
function checkRules(template: LocalTemplate) {
  const rules = Object.values(template.rules).filter(
    (rule) => rule.enabled && rule.eventPattern && rule.targets.some((target) => target.stateMachineLogicalId),
  );
  const bucketsByName = new Map(Object.values(template.buckets).map((bucket) => [bucket.name, bucket]));
  for (const rule of rules) {
    if (!rule.eventPattern) continue;
    validateEventPattern(rule.eventPattern, `rule ${rule.logicalId} EventPattern`);
    const detail = rule.eventPattern.detail as { bucket?: { name?: unknown[] } } | undefined;
    for (const name of detail?.bucket?.name ?? []) {
      const bucket = typeof name === 'string' ? bucketsByName.get(name) : undefined;
      if (bucket && !bucket.eventBridgeEnabled) {
        throw new Error(
          `rule ${rule.logicalId} waits for S3 events from bucket ${bucket.logicalId}, but that bucket does not send events to ` +
            `EventBridge (set eventBridgeEnabled: true); the workflow would never start, on AWS either`,
        );
      }
    }
  }
  return rules;
}

/** The stack's executions, the local bus's subscribers, and whether the stack is idle or stopping. */
class ExecutionRegistry {
  readonly executions = new Map<string, TrackedExecution>();
  readonly listeners = new Set<(event: ExecutionEvent) => void>();
  readonly startListeners = new Set<(summary: ExecutionSummary) => void>();
  readonly busListeners = new Set<(event: unknown) => void>();
  private readonly idleWaiters = new Set<() => void>();
  /** Upload events still being turned into executions (their ETag is being read). */
  pendingEvents = 0;
  stopping: Promise<void> | undefined;

  constructor(
    private readonly template: LocalTemplate,
    private readonly rules: ReturnType<typeof checkRules>,
    private readonly machines: Map<string, PreparedStateMachine>,
    private readonly retryDelayMs: number | undefined,
  ) {}

  isIdle(): boolean {
    return this.pendingEvents === 0 && [...this.executions.values()].every((tracked) => tracked.summary.status !== 'RUNNING');
  }

  checkIdle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters) resolve();
    this.idleWaiters.clear();
  }

  waitForIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.add(resolve));
  }

  private readonly emit = (event: ExecutionEvent): void => {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // Listeners observe; they never break an execution.
      }
    }
  };

  machineOf(stateMachineLogicalId: string): PreparedStateMachine {
    const machine = this.machines.get(stateMachineLogicalId);
    if (!machine) throw new Error(`unknown state machine ${stateMachineLogicalId} (have: ${[...this.machines.keys()].join(', ')})`);
    return machine;
  }

  /**
   * A caller names its state machine unless the template has only one: the stack holds the run's workflow, the
   * reconciler and Finalize, and two of them are started by uploads.
   */
  defaultStateMachine(): string {
    if (this.machines.size === 1) return [...this.machines.keys()][0];
    throw new Error(`the template has ${this.machines.size} state machines; name one (${[...this.machines.keys()].join(', ')})`);
  }

  start(stateMachineLogicalId: string, input: unknown, name?: string, trigger?: ExecutionSummary['trigger']): ExecutionSummary {
    if (this.stopping) throw new Error('the embedded stack is stopping');
    const machine = this.machineOf(stateMachineLogicalId);
    const running = machine.start(input, {
      ...(name ? { name } : {}),
      onEvent: this.emit,
      ...(this.retryDelayMs !== undefined ? { retryDelayMs: this.retryDelayMs } : {}),
    });
    const summary: ExecutionSummary = {
      executionArn: running.executionArn,
      name: running.name,
      stateMachineArn: machine.arn,
      stateMachineLogicalId,
      status: 'RUNNING',
      input,
      startDate: running.startDate,
      ...(trigger ? { trigger } : {}),
    };
    const tracked: TrackedExecution = {
      summary,
      running,
      done: running.result.then((record) => {
        tracked.summary = { ...record, stateMachineLogicalId, ...(trigger ? { trigger } : {}) };
        // Before checkIdle: an execution this event starts (the reconciler) keeps the stack busy.
        this.publishStatusChange(tracked.summary);
        this.checkIdle();
        return tracked.summary;
      }),
    };
    this.executions.set(running.executionArn, tracked);
    for (const listener of this.startListeners) listener(summary);
    this.publishStatusChange(summary);
    return summary;
  }

  publish(event: unknown, trigger?: ExecutionSummary['trigger']): ExecutionSummary[] {
    for (const listener of this.busListeners) {
      try {
        listener(event);
      } catch {
        // Subscribers observe; they never break delivery.
      }
    }
    return routeEvent(this.rules, event).map(({ target, input }) => this.start(target.stateMachineLogicalId!, input, undefined, trigger));
  }

  /** Step Functions' status-change event, routed like any other (the reconciler's rule listens for the ends). */
  private publishStatusChange(summary: ExecutionSummary): void {
    if (this.stopping) return;
    this.publish(executionStatusChangeEvent(summary, { region: this.template.region, accountId: this.template.accountId }));
  }

  /** The execution of an ARN or a name; throws for an unknown one. */
  find(executionArnOrName: string): TrackedExecution {
    const tracked = this.executions.get(executionArnOrName) ?? [...this.executions.values()].find((candidate) => candidate.summary.name === executionArnOrName);
    if (!tracked) throw new Error(`no execution ${executionArnOrName}`);
    return tracked;
  }

  prewarm(stateMachine: string | undefined): void {
    const machine = this.machineOf(stateMachine ?? this.defaultStateMachine());
    if (!this.stopping) machine.prewarm();
  }

  executionStartedBy(key: string, waitOptions: { bucket?: string; timeoutMs?: number }): Promise<ExecutionSummary> {
    const matches = (summary: ExecutionSummary) =>
      summary.trigger?.key === key && (waitOptions.bucket === undefined || summary.trigger.bucket === waitOptions.bucket);
    const existing = [...this.executions.values()].reverse().find((tracked) => matches(tracked.summary));
    if (existing) return Promise.resolve(existing.summary);
    let listener: ((summary: ExecutionSummary) => void) | undefined;
    const started = new Promise<ExecutionSummary>((resolve) => {
      listener = (summary) => {
        if (matches(summary)) resolve(summary);
      };
      this.startListeners.add(listener);
    });
    return withTimeout(started, waitOptions.timeoutMs ?? 10_000, `no execution started for an upload of ${key}`).finally(() => this.startListeners.delete(listener!));
  }
}

/** S3 "Object Created" records of the buckets that send events to EventBridge, published on the local bus. */
function uploadEventPublisher(registry: ExecutionRegistry, template: LocalTemplate, s3Client: S3Client): (record: S3EventRecord) => void {
  const eventBridgeBuckets = new Set(Object.values(template.buckets).filter((bucket) => bucket.eventBridgeEnabled).map((bucket) => bucket.name));
  return (record) => {
    if (registry.stopping || !eventBridgeBuckets.has(record.s3.bucket.name) || !record.eventName.startsWith('ObjectCreated:')) return;
    const trigger = { bucket: record.s3.bucket.name, key: record.s3.object.key };
    if (record.s3.object.eTag !== undefined) {
      // Synchronous on purpose: s3rver emits before answering the PUT, so the execution exists when the upload returns.
      const event = objectCreatedEvent(record, { region: template.region, accountId: template.accountId });
      if (event) registry.publish(event, trigger);
      return;
    }
    registry.pendingEvents++;
    s3Client
      .send(new HeadObjectCommand({ Bucket: trigger.bucket, Key: trigger.key }))
      .then((head) => {
        const event = objectCreatedEvent(record, { region: template.region, accountId: template.accountId, etag: head.ETag ?? '' });
        if (event && !registry.stopping) registry.publish(event, trigger);
      })
      .catch(() => undefined)
      .finally(() => {
        registry.pendingEvents--;
        registry.checkIdle();
      });
  };
}

/** Local bucket name of a bucket logical ID (or name); without one, the data bucket (the one sending events to EventBridge). */
function bucketNameOf(template: LocalTemplate, logicalId?: string): string {
  const buckets = Object.values(template.buckets);
  if (logicalId !== undefined) {
    const bucket = template.buckets[logicalId] ?? buckets.find((candidate) => candidate.name === logicalId);
    if (!bucket) throw new Error(`no bucket ${logicalId} in the template (have: ${Object.keys(template.buckets).join(', ')})`);
    return bucket.name;
  }
  const withEvents = buckets.filter((bucket) => bucket.eventBridgeEnabled);
  if (withEvents.length === 1) return withEvents[0].name;
  if (buckets.length === 1) return buckets[0].name;
  throw new Error(`cannot tell which bucket is the data bucket; pass a logical ID (${Object.keys(template.buckets).join(', ')})`);
}

/** Local table name of a table logical ID; without one, the template's only table. */
function tableNameOf(template: LocalTemplate, logicalId?: string): string {
  if (logicalId !== undefined) {
    const table = template.tables[logicalId];
    if (!table) throw new Error(`no table ${logicalId} in the template (have: ${Object.keys(template.tables).join(', ')})`);
    return table.name;
  }
  const tables = Object.values(template.tables);
  if (tables.length !== 1) throw new Error(`the template has ${tables.length} tables; pass a logical ID`);
  return tables[0].name;
}

async function assemble(parts: {
  options: EmbeddedStackOptions;
  template: LocalTemplate;
  rules: ReturnType<typeof checkRules>;
  standIns: StandIns;
  s3Client: S3Client;
  pool: LambdaPool;
  machines: Map<string, PreparedStateMachine>;
  config: ReturnType<typeof localAwsConfig>;
  env: Record<string, string>;
  bus: LocalBus;
}): Promise<EmbeddedStack> {
  const { options, template, rules, standIns, s3Client, pool, machines, config, env, bus } = parts;
  const registry = new ExecutionRegistry(template, rules, machines, options.retryDelayMs);
  const { executions } = registry;
  bus.publish = (event) => {
    if (!registry.stopping) registry.publish(event);
  };
  const unsubscribe = standIns.onObjectEvent(uploadEventPublisher(registry, template, s3Client));

  let stepFunctions: StepFunctionsStandIn;
  try {
    stepFunctions = await startStepFunctionsStandIn({
      describe: (arn) => executions.get(arn)?.summary,
      stop: (arn) => executions.get(arn)?.running.abort(),
    });
  } catch (error) {
    unsubscribe();
    throw error;
  }

  const api: EmbeddedStack = {
    template,
    endpoints: standIns.endpoints,
    stepFunctionsEndpoint: stepFunctions.endpoint,
    s3Config: config.s3,
    newS3Client: () => localS3Client(standIns.endpoints),
    dynamoDbConfig: config.dynamodb,
    env,
    bucketName: (logicalId?: string) => bucketNameOf(template, logicalId),
    tableName: (logicalId?: string) => tableNameOf(template, logicalId),
    stateMachineLogicalId: (construct) => stateMachineLogicalIdOf(template, construct),
    startExecution: (input, startOptions = {}) => registry.start(startOptions.stateMachine ?? registry.defaultStateMachine(), input, startOptions.name),
    prewarm: (prewarmOptions = {}) => registry.prewarm(prewarmOptions.stateMachine),
    publishEvent: (event) => registry.publish(event),
    onEvent(listener) {
      registry.busListeners.add(listener);
      return () => registry.busListeners.delete(listener);
    },
    stopExecution: (executionArnOrName) => registry.find(executionArnOrName).running.abort(),
    waitForExecution: async (executionArnOrName, waitOptions = {}) =>
      withTimeout(registry.find(executionArnOrName).done, waitOptions.timeoutMs, `execution ${executionArnOrName} did not end`),
    executionStartedBy: (key, waitOptions = {}) => registry.executionStartedBy(key, waitOptions),
    exportObject: (key, targetPath, exportOptions = {}) => standIns.exportObject(exportOptions.bucket ?? api.bucketName(), key, targetPath),
    importObject: (key, source, importOptions = {}) => standIns.importObject(importOptions.bucket ?? api.bucketName(), key, source),
    listExecutions: () => [...executions.values()].map((tracked) => tracked.summary),
    onExecutionEvent(listener) {
      registry.listeners.add(listener);
      return () => registry.listeners.delete(listener);
    },
    waitForIdle: () => registry.waitForIdle(),
    s3RequestStats: () => standIns.s3RequestStats(),
    lambdaStats: () => pool.stats(),
    stop() {
      registry.stopping ??= (async () => {
        unsubscribe();
        const running = [...executions.values()].filter((tracked) => tracked.summary.status === 'RUNNING');
        for (const tracked of running) tracked.running.abort();
        await Promise.all(running.map((tracked) => tracked.done));
        await pool.close();
        await stepFunctions.stop();
        s3Client.destroy();
        await standIns.stop();
      })();
      return registry.stopping;
    },
  };
  return api;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number | undefined, message: string): Promise<T> {
  if (timeoutMs === undefined) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
