/**
 * Executes a resolved (plain) ASL definition locally with aws-local-stepfunctions, plus what that library lacks:
 * Lambda tasks routed to a local invoker, and DISTRIBUTED Map states (ItemReader, ItemSelector, ItemBatcher,
 * MaxConcurrency, failure tolerance, ResultWriter) executed here. Anything that cannot be executed faithfully is
 * refused when the definition is prepared, naming the state and the key.
 */
import './promise-polyfill';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import { MAX_TASK_TIMEOUT_SECONDS } from '../lambdas/domain/defaults';
import type { LocalFunction } from './template';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './stand-ins';

// ------------------------------------------------------------------------------------------------ public types

/** One Lambda invocation requested by a Task state. */
export interface LambdaInvocation {
  readonly fn: LocalFunction;
  readonly payload: unknown;
  /** The Task's own TimeoutSeconds, if the definition sets one (the function's timeout always applies). */
  readonly taskTimeoutSeconds?: number;
  readonly stateName: string;
  readonly executionArn: string;
}

/**
 * Runs one invocation and resolves with the function's JSON result. A failure must reject with an Error whose `name` is
 * the Lambda errorType (e.g. "PolicyError", "Sandbox.Timedout", "States.Timeout") so Retry/Catch can match it; an
 * optional `cause` string is used verbatim as the Step Functions Cause.
 */
export type LambdaInvoker = (invocation: LambdaInvocation) => Promise<unknown>;

/** What the distributed map needs from S3: the ItemReader source and the ResultWriter destination. */
export interface MapItemStore {
  getText(bucket: string, key: string): Promise<string>;
  /** Returns the stored size in bytes. */
  putText(bucket: string, key: string, body: string): Promise<number>;
}

export interface AslRuntime {
  readonly invokeLambda: LambdaInvoker;
  /** Function by name or ARN (a qualifier is ignored), e.g. LocalTemplate.findFunction. */
  readonly findFunction: (nameOrArn: string) => LocalFunction | undefined;
  readonly mapItemStore: MapItemStore;
  readonly region?: string;
  readonly accountId?: string;
  /** Start up to `instances` environments of `fn` ahead of its invocations (best effort): see PreparedStateMachine.prewarm. */
  readonly prewarm?: (fn: LocalFunction, instances: number) => void;
  /**
   * Puts events on the local bus (the `arn:aws:states:::events:putEvents` integration); returns their ids. Without
   * it, a definition with that integration is refused.
   */
  readonly putEvents?: (entries: readonly PutEventsEntry[], context: { executionArn: string }) => string[];
}

/** One entry of an `events:putEvents` task, as the integration passes it to EventBridge. */
export interface PutEventsEntry {
  readonly source: string;
  readonly detailType: string;
  /** The Detail object (the integration serializes it; a JSON string is parsed). */
  readonly detail: unknown;
  readonly eventBusName?: string;
  readonly resources?: readonly string[];
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionRecord {
  readonly executionArn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly status: ExecutionStatus;
  readonly input: unknown;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly startDate: string;
  readonly stopDate?: string;
}

/** Where an event happened inside a distributed map: the map state, its map run and the child's item/batch index. */
export interface MapChildLocation {
  readonly mapState: string;
  readonly mapRunArn: string;
  readonly index: number;
}

interface EventBase {
  /** The top-level execution this event belongs to. */
  readonly executionArn: string;
  readonly timestamp: number;
  /** Set for events from inside a distributed map's child executions (innermost map). */
  readonly parent?: MapChildLocation;
}

export type ExecutionEvent =
  | (EventBase & { readonly type: 'ExecutionStarted' })
  | (EventBase & { readonly type: 'ExecutionSucceeded' })
  | (EventBase & { readonly type: 'ExecutionFailed' | 'ExecutionTimedOut' | 'ExecutionAborted'; readonly error?: string; readonly cause?: string })
  | (EventBase & { readonly type: 'StateEntered' | 'StateExited'; readonly state: string; readonly stateType: string })
  | (EventBase & { readonly type: 'StateFailed'; readonly state: string; readonly stateType: string; readonly error: string; readonly cause?: string })
  | (EventBase & { readonly type: 'StateRetried'; readonly state: string; readonly stateType: string; readonly attempt: number })
  | (EventBase & { readonly type: 'StateCaught'; readonly state: string; readonly stateType: string; readonly next: string })
  | (EventBase & { readonly type: 'MapIterationSucceeded' | 'MapIterationFailed'; readonly state: string; readonly index: number })
  | (EventBase & {
      readonly type: 'MapRunStarted';
      readonly state: string;
      readonly mapRunArn: string;
      readonly itemCount: number;
      readonly childCount: number;
      readonly maxConcurrency: number;
    })
  | (EventBase & {
      readonly type: 'MapItemSucceeded' | 'MapItemFailed';
      readonly state: string;
      readonly mapRunArn: string;
      readonly index: number;
      readonly succeeded: number;
      readonly failed: number;
      readonly total: number;
      readonly error?: string;
    })
  | (EventBase & {
      readonly type: 'MapRunSucceeded' | 'MapRunFailed';
      readonly state: string;
      readonly mapRunArn: string;
      readonly succeeded: number;
      readonly failed: number;
      readonly total: number;
    });

export interface StartExecutionOptions {
  /** Execution name (default: a random UUID). */
  readonly name?: string;
  readonly onEvent?: (event: ExecutionEvent) => void;
  /** Replace every Retry wait with this many milliseconds (tests, fault injection). Default: the definition's backoff. */
  readonly retryDelayMs?: number;
}

export interface RunningExecution {
  readonly executionArn: string;
  readonly name: string;
  readonly startDate: string;
  /** Settles with the final record; never rejects. */
  readonly result: Promise<ExecutionRecord>;
  abort(): void;
}

export interface PreparedStateMachine {
  readonly name: string;
  readonly arn: string;
  start(input: unknown, options?: StartExecutionOptions): RunningExecution;
  /**
   * Warm (AslRuntime.prewarm) the functions an execution invokes first: those of its first Task or map states and of
   * the Task or map states after them (looking through Pass, Wait and Choice states; a map's with its MaxConcurrency).
   * For an idle runtime expecting an execution: warming ahead during an execution slows it on two cores (the next
   * phase's module loading competes with the running phase).
   */
  prewarm(): void;
}

/** A definition uses something the local runner cannot execute faithfully. Thrown by prepareStateMachine. */
export class UnsupportedDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedDefinitionError';
  }
}

// ------------------------------------------------------------------------------------------------ constants

/** Step Functions' limit on a state's input/output. */
export const STATE_PAYLOAD_LIMIT_BYTES = 256 * 1024;
/** AWS runs up to 10,000 children of a distributed map when MaxConcurrency is 0 or absent. */
const DISTRIBUTED_MAP_DEFAULT_CONCURRENCY = 10_000;
const LOCAL_MAP_RESOURCE = 'arn:aws:states:us-east-1:000000000000:activity:local-distributed-map';

const COMMON_FIELDS = ['Type', 'Comment'];
const FLOW_FIELDS = ['Next', 'End'];
const IO_FIELDS = ['InputPath', 'OutputPath'];
const ALLOWED_FIELDS: Record<string, readonly string[]> = {
  Task: [...COMMON_FIELDS, ...FLOW_FIELDS, ...IO_FIELDS, 'Resource', 'Parameters', 'ResultSelector', 'ResultPath', 'Retry', 'Catch', 'TimeoutSeconds', 'HeartbeatSeconds'],
  Pass: [...COMMON_FIELDS, ...FLOW_FIELDS, ...IO_FIELDS, 'Result', 'ResultPath', 'Parameters'],
  Choice: [...COMMON_FIELDS, ...IO_FIELDS, 'Choices', 'Default'],
  Wait: [...COMMON_FIELDS, ...FLOW_FIELDS, ...IO_FIELDS, 'Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'],
  Succeed: [...COMMON_FIELDS, ...IO_FIELDS],
  Fail: [...COMMON_FIELDS, 'Error', 'ErrorPath', 'Cause', 'CausePath'],
  Parallel: [...COMMON_FIELDS, ...FLOW_FIELDS, ...IO_FIELDS, 'Branches', 'Parameters', 'ResultSelector', 'ResultPath', 'Retry', 'Catch'],
  Map: [
    ...COMMON_FIELDS, ...FLOW_FIELDS, ...IO_FIELDS, 'ItemProcessor', 'Iterator', 'ItemsPath', 'ItemSelector', 'Parameters',
    'MaxConcurrency', 'MaxConcurrencyPath', 'ResultSelector', 'ResultPath', 'Retry', 'Catch',
    'ItemReader', 'ItemBatcher', 'ResultWriter', 'ToleratedFailurePercentage', 'ToleratedFailurePercentagePath',
    'ToleratedFailureCount', 'ToleratedFailureCountPath', 'Label',
  ],
};
const DISTRIBUTED_ONLY_FIELDS = ['ItemReader', 'ItemBatcher', 'ResultWriter', 'ToleratedFailurePercentage', 'ToleratedFailurePercentagePath', 'ToleratedFailureCount', 'ToleratedFailureCountPath', 'Label'];
const JSONATA_FIELDS = ['Assign', 'Arguments', 'Output', 'Items', 'QueryLanguage'];
const RETRIER_FIELDS = ['ErrorEquals', 'IntervalSeconds', 'MaxAttempts', 'BackoffRate', 'MaxDelaySeconds', 'JitterStrategy', 'Comment'];
const CATCHER_FIELDS = ['ErrorEquals', 'Next', 'ResultPath', 'Comment'];
const MACHINE_FIELDS = ['StartAt', 'States', 'Comment', 'Version', 'TimeoutSeconds', 'QueryLanguage'];
const PROCESSOR_FIELDS = ['StartAt', 'States', 'Comment', 'ProcessorConfig', 'QueryLanguage'];

// ------------------------------------------------------------------------------------------------ preparation

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type StateDefinition = Record<string, unknown>;
type MachineDefinition = { StartAt: string; States: Record<string, StateDefinition>; [key: string]: unknown };

type TaskSpec =
  | { kind: 'lambda'; stateName: string; functionRef?: string; integration: 'direct' | 'invoke'; timeoutSeconds?: number }
  | { kind: 'put-events'; stateName: string }
  | { kind: 'distributed-map'; stateName: string; map: DistributedMapSpec };

interface DistributedMapSpec {
  readonly stateName: string;
  readonly label: string;
  readonly child: CompiledMachine;
  readonly itemReader?: { parameters: Json; inputType: 'JSON' | 'JSONL'; maxItems?: number; maxItemsPath?: string };
  readonly itemsPath?: string;
  readonly itemSelector?: Json;
  readonly itemBatcher?: { maxItemsPerBatch?: number; maxItemsPerBatchPath?: string; maxInputBytesPerBatch?: number; maxInputBytesPerBatchPath?: string; batchInput?: Json };
  readonly resultWriter?: { parameters: Json };
  readonly maxConcurrency?: number;
  readonly maxConcurrencyPath?: string;
  readonly toleratedFailurePercentage?: number;
  readonly toleratedFailurePercentagePath?: string;
  readonly toleratedFailureCount?: number;
  readonly toleratedFailureCountPath?: string;
}

interface CompiledMachine {
  readonly machine: StateMachine;
  /** Names of rewritten distributed maps (the library sees them as Tasks). */
  readonly distributedMapStates: ReadonlySet<string>;
}

interface Compilation {
  readonly runtime: AslRuntime;
  readonly taskSpecs: Map<string, TaskSpec>;
  readonly retryStates: Set<string>;
  readonly seenStateNames: Set<string>;
}

/**
 * Validate and compile a definition once; refuse (UnsupportedDefinitionError naming state and key) what the local
 * runner cannot execute faithfully. `name` is the state machine name used in execution and map-run ARNs.
 */
export function prepareStateMachine(definition: Record<string, unknown>, runtime: AslRuntime, options: { name: string; arn?: string }): PreparedStateMachine {
  const region = runtime.region ?? LOCAL_REGION;
  const accountId = runtime.accountId ?? LOCAL_ACCOUNT_ID;
  const arn = options.arn ?? `arn:aws:states:${region}:${accountId}:stateMachine:${options.name}`;
  const compilation: Compilation = { runtime, taskSpecs: new Map(), retryStates: new Set(), seenStateNames: new Set() };
  checkMachineFields(definition, MACHINE_FIELDS, 'the definition');
  // The library's validator writes defaults (e.g. QueryLanguage) into the objects it is given: never let it touch the caller's.
  const root = compileMachine(copyIntoThisRealm(definition) as MachineDefinition, compilation, '', true);
  const shared: SharedRunData = { compilation, region, accountId, stateMachineName: options.name };
  const source = definition as MachineDefinition;

  return {
    name: options.name,
    arn,
    prewarm() {
      const first = firstStates(source.States, [source.StartAt]);
      const second = first.flatMap((name) => firstStates(source.States, successorsOf(source.States[name])));
      for (const target of [...first, ...second].flatMap((name) => functionsOf(source.States[name]))) {
        const fn = runtime.findFunction(target.functionRef);
        if (fn) runtime.prewarm?.(fn, target.instances);
      }
    },
    start(input, startOptions = {}) {
      const name = startOptions.name ?? randomUUID();
      const executionArn = `arn:aws:states:${region}:${accountId}:execution:${options.name}:${name}`;
      const abortController = new AbortController();
      const rootEmit = startOptions.onEvent ?? (() => undefined);
      const startDate = new Date().toISOString();
      const emit = (event: DistributiveOmit<ExecutionEvent, 'executionArn' | 'timestamp'>) =>
        safeEmit(rootEmit, { ...event, executionArn, timestamp: Date.now() } as ExecutionEvent);
      emit({ type: 'ExecutionStarted' });
      const result = runMachine(root, input, {
        shared,
        executionArn,
        executionName: name,
        stateMachineArn: arn,
        emit,
        retryDelayMs: startOptions.retryDelayMs,
        signal: abortController.signal,
      }).then((record) => {
        if (record.status === 'SUCCEEDED') emit({ type: 'ExecutionSucceeded' });
        else {
          const type = record.status === 'TIMED_OUT' ? 'ExecutionTimedOut' : record.status === 'ABORTED' ? 'ExecutionAborted' : 'ExecutionFailed';
          emit({ type, ...(record.error !== undefined ? { error: record.error } : {}), ...(record.cause !== undefined ? { cause: record.cause } : {}) });
        }
        return record;
      });
      return { executionArn, name, startDate, result, abort: () => abortController.abort() };
    },
  };
}

/**
 * A deep copy of plain JSON made of this module's objects. The library processes a payload template's nested objects
 * only when their prototype is its own realm's Object.prototype; a definition parsed in another realm (jest's test
 * sandbox, whose JSON.parse is the host's) would otherwise keep nested `"key.$"` fields unresolved, such as the Detail
 * inside an events:putEvents Entries array.
 */
function copyIntoThisRealm(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyIntoThisRealm);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) copy[key] = copyIntoThisRealm(inner);
  return copy;
}

/** Prepare, start and wait: a convenience for one-off runs and tests. */
export async function runStateMachine(
  definition: Record<string, unknown>,
  input: unknown,
  runtime: AslRuntime,
  options: StartExecutionOptions & { stateMachineName?: string } = {},
): Promise<ExecutionRecord> {
  const prepared = prepareStateMachine(definition, runtime, { name: options.stateMachineName ?? 'local' });
  return prepared.start(input, options).result;
}

/** A MapItemStore over an S3 client (e.g. one built from localAwsConfig). */
export function s3MapItemStore(client: S3Client): MapItemStore {
  return {
    async getText(bucket, key) {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!response.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      return response.Body.transformToString('utf8');
    },
    async putText(bucket, key, body) {
      const bytes = Buffer.from(body, 'utf8');
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: 'application/json' }));
      return bytes.length;
    },
  };
}

function compileMachine(definition: MachineDefinition, compilation: Compilation, path: string, validate: boolean): CompiledMachine {
  const where = path || 'the definition';
  if (definition.QueryLanguage !== undefined && definition.QueryLanguage !== 'JSONPath') {
    throw new UnsupportedDefinitionError(`${where}: QueryLanguage ${JSON.stringify(definition.QueryLanguage)} is not supported locally (JSONPath only)`);
  }
  if (typeof definition.StartAt !== 'string' || !definition.States || typeof definition.States !== 'object') {
    throw new UnsupportedDefinitionError(`${where}: StartAt and States are required`);
  }
  const distributedMapStates = new Set<string>();
  const states: Record<string, StateDefinition> = {};
  for (const [stateName, state] of Object.entries(definition.States)) {
    states[stateName] = compileState(stateName, state, compilation, distributedMapStates);
  }
  const libraryDefinition: Record<string, unknown> = { StartAt: definition.StartAt, States: states };
  if (definition.TimeoutSeconds !== undefined) libraryDefinition.TimeoutSeconds = definition.TimeoutSeconds;
  let machine: StateMachine;
  try {
    machine = new StateMachine(libraryDefinition as never, {
      validationOptions: validate ? { checkArn: false, checkPaths: true } : { noValidate: true },
    });
  } catch (error) {
    throw new UnsupportedDefinitionError(`${where}: ${(error as Error).message}`);
  }
  return { machine, distributedMapStates };
}

// ------------------------------------------------------------------------------------------------ warming ahead

/** States reached from `state` by Next, or a Choice's rules and Default (not Catch: a failure path is not warmed). */
function successorsOf(state: StateDefinition): string[] {
  if (state.Type === 'Choice') {
    const rules = (state.Choices as { Next?: unknown }[] | undefined) ?? [];
    return [...rules.map((rule) => rule.Next), state.Default].filter((next): next is string => typeof next === 'string');
  }
  return typeof state.Next === 'string' ? [state.Next] : [];
}

/** How far warming looks through Pass, Wait and Choice states for the next Task or map. */
const WARM_LOOKAHEAD_STATES = 4;

/** The first Task or Map states reached from `names`, looking through Pass, Wait and Choice states. */
function firstStates(states: Record<string, StateDefinition>, names: readonly string[], depth = 0): string[] {
  return names.flatMap((name) => {
    const state = states[name];
    if (!state) return [];
    if (state.Type === 'Task' || state.Type === 'Map') return [name];
    if (depth < WARM_LOOKAHEAD_STATES && (state.Type === 'Pass' || state.Type === 'Wait' || state.Type === 'Choice')) {
      return firstStates(states, successorsOf(state), depth + 1);
    }
    return [];
  });
}

/** The function a Task invokes (when named statically), or those a distributed map's children invoke first. */
function functionsOf(state: StateDefinition, instances = 1): { functionRef: string; instances: number }[] {
  if (state.Type === 'Task') {
    const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
    const functionRef = typeof parameters.FunctionName === 'string' ? parameters.FunctionName : state.Resource;
    return typeof functionRef === 'string' ? [{ functionRef, instances }] : [];
  }
  const processor = (state.ItemProcessor ?? state.Iterator) as (MachineDefinition & { ProcessorConfig?: { Mode?: unknown } }) | undefined;
  if (state.Type !== 'Map' || processor?.ProcessorConfig?.Mode !== 'DISTRIBUTED') return [];
  // Children run MaxConcurrency at once (unbounded when it is a path or 0): the runtime caps the count.
  const concurrency = typeof state.MaxConcurrency === 'number' && state.MaxConcurrency > 0 ? state.MaxConcurrency : Infinity;
  return firstStates(processor.States, [processor.StartAt]).flatMap((name) => functionsOf(processor.States[name], concurrency));
}

function compileState(stateName: string, state: StateDefinition, compilation: Compilation, distributedMapStates: Set<string>): StateDefinition {
  const where = `state "${stateName}"`;
  if (compilation.seenStateNames.has(stateName)) {
    throw new UnsupportedDefinitionError(`${where}: the name is used more than once; local task handlers are keyed by state name`);
  }
  compilation.seenStateNames.add(stateName);
  const type = String(state.Type);
  const allowed = ALLOWED_FIELDS[type];
  if (!allowed) throw new UnsupportedDefinitionError(`${where}: unknown Type ${JSON.stringify(state.Type)}`);
  for (const key of Object.keys(state)) {
    if (key === 'QueryLanguage' && state.QueryLanguage === 'JSONPath') continue;
    if (JSONATA_FIELDS.includes(key)) {
      throw new UnsupportedDefinitionError(`${where}: field ${key} (JSONata / variables) is not supported locally; use JSONPath`);
    }
    if (!allowed.includes(key)) throw new UnsupportedDefinitionError(`${where}: field ${key} is not supported on a ${type} state locally`);
  }
  checkRetryAndCatch(state, where);
  if (Array.isArray(state.Retry) && state.Retry.length > 0) compilation.retryStates.add(stateName);
  if (type === 'Choice') {
    for (const [index, rule] of ((state.Choices as Record<string, unknown>[] | undefined) ?? []).entries()) {
      if ('Condition' in rule || 'Assign' in rule || 'Output' in rule) {
        throw new UnsupportedDefinitionError(`${where}: Choices[${index}] uses Condition/Assign/Output (JSONata); use JSONPath rules`);
      }
    }
  }

  switch (type) {
    case 'Task':
      return compileTask(stateName, state, compilation, where);
    case 'Parallel':
      return {
        ...state,
        Branches: ((state.Branches as MachineDefinition[] | undefined) ?? []).map((branch, index) => {
          checkMachineFields(branch, MACHINE_FIELDS, `${where}.Branches[${index}]`);
          return compileMachineDefinitionOnly(branch, compilation, `${where}.Branches[${index}]`);
        }),
      };
    case 'Map':
      return compileMap(stateName, state, compilation, distributedMapStates, where);
    default:
      return state;
  }
}

/** Inline children (Parallel branches, inline Map processors) are run by the library from the rewritten definition. */
function compileMachineDefinitionOnly(definition: MachineDefinition, compilation: Compilation, where: string): MachineDefinition {
  if (definition.QueryLanguage !== undefined && definition.QueryLanguage !== 'JSONPath') {
    throw new UnsupportedDefinitionError(`${where}: QueryLanguage ${JSON.stringify(definition.QueryLanguage)} is not supported locally (JSONPath only)`);
  }
  const nestedDistributed = new Set<string>();
  const states: Record<string, StateDefinition> = {};
  for (const [stateName, state] of Object.entries(definition.States ?? {})) {
    states[stateName] = compileState(stateName, state, compilation, nestedDistributed);
  }
  if (nestedDistributed.size > 0) {
    throw new UnsupportedDefinitionError(`${where}: a DISTRIBUTED Map inside an inline Map or Parallel branch is not supported locally`);
  }
  const { QueryLanguage: _ignored, ...rest } = definition;
  return { ...rest, States: states } as MachineDefinition;
}

function compileTask(stateName: string, state: StateDefinition, compilation: Compilation, where: string): StateDefinition {
  const resource = state.Resource;
  if (typeof resource !== 'string') throw new UnsupportedDefinitionError(`${where}: Resource must be a string`);
  if (state.TimeoutSeconds !== undefined && (typeof state.TimeoutSeconds !== 'number' || state.TimeoutSeconds <= 0 || state.TimeoutSeconds > MAX_TASK_TIMEOUT_SECONDS)) {
    throw new UnsupportedDefinitionError(`${where}: TimeoutSeconds ${JSON.stringify(state.TimeoutSeconds)} must be a number in 1..${MAX_TASK_TIMEOUT_SECONDS}`);
  }
  const timeoutSeconds = state.TimeoutSeconds as number | undefined;
  let spec: TaskSpec;
  if (/^arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+(:[^:]+)?$/.test(resource)) {
    if (!compilation.runtime.findFunction(resource)) {
      throw new UnsupportedDefinitionError(`${where}: Resource ${resource} is not a function of this template`);
    }
    spec = { kind: 'lambda', stateName, functionRef: resource, integration: 'direct', ...(timeoutSeconds ? { timeoutSeconds } : {}) };
  } else if (/^arn:[^:]+:states:::lambda:invoke$/.test(resource)) {
    const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
    const staticName = parameters.FunctionName;
    if (typeof staticName === 'string' && !compilation.runtime.findFunction(staticName)) {
      throw new UnsupportedDefinitionError(`${where}: Parameters.FunctionName ${staticName} is not a function of this template`);
    }
    if (staticName === undefined && parameters['FunctionName.$'] === undefined) {
      throw new UnsupportedDefinitionError(`${where}: lambda:invoke needs Parameters.FunctionName`);
    }
    for (const key of Object.keys(parameters)) {
      const bare = key.endsWith('.$') ? key.slice(0, -2) : key;
      if (!['FunctionName', 'Payload'].includes(bare)) {
        throw new UnsupportedDefinitionError(`${where}: lambda:invoke parameter ${key} is not supported locally`);
      }
    }
    spec = { kind: 'lambda', stateName, integration: 'invoke', ...(timeoutSeconds ? { timeoutSeconds } : {}) };
  } else if (/^arn:[^:]+:states:::events:putEvents$/.test(resource)) {
    if (!compilation.runtime.putEvents) throw new UnsupportedDefinitionError(`${where}: events:putEvents needs a runtime with putEvents`);
    const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(parameters)) {
      if (key !== 'Entries' && key !== 'Entries.$') throw new UnsupportedDefinitionError(`${where}: events:putEvents parameter ${key} is not supported locally`);
    }
    spec = { kind: 'put-events', stateName };
  } else {
    throw new UnsupportedDefinitionError(
      `${where}: Resource ${resource} is not supported locally (only Lambda function ARNs, arn:aws:states:::lambda:invoke and events:putEvents)`,
    );
  }
  compilation.taskSpecs.set(stateName, spec);
  // The Task timeout is enforced by the invoker from when the function actually starts, so waiting for a free worker
  // does not count against it; the library's own timer is pushed out of the way.
  const { HeartbeatSeconds: _heartbeat, ...rest } = state;
  return { ...rest, TimeoutSeconds: MAX_TASK_TIMEOUT_SECONDS };
}

function compileMap(stateName: string, state: StateDefinition, compilation: Compilation, distributedMapStates: Set<string>, where: string): StateDefinition {
  const processor = (state.ItemProcessor ?? state.Iterator) as (MachineDefinition & { ProcessorConfig?: Record<string, unknown> }) | undefined;
  if (!processor) throw new UnsupportedDefinitionError(`${where}: ItemProcessor is required`);
  checkMachineFields(processor, PROCESSOR_FIELDS, `${where}.ItemProcessor`);
  const mode = processor.ProcessorConfig?.Mode ?? 'INLINE';
  for (const key of Object.keys(processor.ProcessorConfig ?? {})) {
    if (key !== 'Mode' && key !== 'ExecutionType') {
      throw new UnsupportedDefinitionError(`${where}: ItemProcessor.ProcessorConfig.${key} is not supported locally`);
    }
  }

  if (mode === 'INLINE') {
    for (const key of DISTRIBUTED_ONLY_FIELDS) {
      if (key in state) throw new UnsupportedDefinitionError(`${where}: ${key} is only valid on a DISTRIBUTED Map`);
    }
    const { ProcessorConfig: _config, ...processorRest } = processor;
    const compiled = compileMachineDefinitionOnly(processorRest as MachineDefinition, compilation, `${where}.ItemProcessor`);
    const { Iterator: _iterator, ...rest } = state;
    return { ...rest, ItemProcessor: compiled };
  }
  if (mode !== 'DISTRIBUTED') {
    throw new UnsupportedDefinitionError(`${where}: ItemProcessor.ProcessorConfig.Mode ${JSON.stringify(mode)} is not supported locally`);
  }
  const executionType = processor.ProcessorConfig?.ExecutionType ?? 'STANDARD';
  if (executionType !== 'STANDARD' && executionType !== 'EXPRESS') {
    throw new UnsupportedDefinitionError(`${where}: ItemProcessor.ProcessorConfig.ExecutionType ${JSON.stringify(executionType)} is not supported`);
  }

  const { ProcessorConfig: _config, ...processorDefinition } = processor;
  const child = compileMachine(processorDefinition as MachineDefinition, compilation, `${where}.ItemProcessor`, false);
  const map: DistributedMapSpec = {
    stateName,
    label: typeof state.Label === 'string' ? state.Label : stateName,
    child,
    ...(state.ItemReader !== undefined ? { itemReader: compileItemReader(state.ItemReader as Record<string, unknown>, where) } : {}),
    ...(typeof state.ItemsPath === 'string' ? { itemsPath: state.ItemsPath } : {}),
    ...((state.ItemSelector ?? state.Parameters) !== undefined ? { itemSelector: (state.ItemSelector ?? state.Parameters) as Json } : {}),
    ...(state.ItemBatcher !== undefined ? { itemBatcher: compileItemBatcher(state.ItemBatcher as Record<string, unknown>, where) } : {}),
    ...(state.ResultWriter !== undefined ? { resultWriter: compileResultWriter(state.ResultWriter as Record<string, unknown>, where) } : {}),
    ...numberField(state, 'MaxConcurrency', 'maxConcurrency', where),
    ...stringField(state, 'MaxConcurrencyPath', 'maxConcurrencyPath'),
    ...numberField(state, 'ToleratedFailurePercentage', 'toleratedFailurePercentage', where),
    ...stringField(state, 'ToleratedFailurePercentagePath', 'toleratedFailurePercentagePath'),
    ...numberField(state, 'ToleratedFailureCount', 'toleratedFailureCount', where),
    ...stringField(state, 'ToleratedFailureCountPath', 'toleratedFailureCountPath'),
  };
  if (map.itemReader && map.itemsPath) throw new UnsupportedDefinitionError(`${where}: ItemsPath cannot be combined with ItemReader`);
  compilation.taskSpecs.set(stateName, { kind: 'distributed-map', stateName, map });
  distributedMapStates.add(stateName);

  // The library has no distributed map: it sees a Task whose local handler runs the map run. Map-level
  // InputPath/ResultSelector/ResultPath/OutputPath and Retry/Catch/Next/End keep their meaning on a Task.
  const task: StateDefinition = { Type: 'Task', Resource: LOCAL_MAP_RESOURCE, TimeoutSeconds: MAX_TASK_TIMEOUT_SECONDS };
  for (const key of ['Comment', 'InputPath', 'OutputPath', 'ResultSelector', 'ResultPath', 'Retry', 'Catch', 'Next', 'End']) {
    if (key in state) task[key] = state[key];
  }
  return task;
}

function compileItemReader(reader: Record<string, unknown>, where: string): NonNullable<DistributedMapSpec['itemReader']> {
  const resource = String(reader.Resource);
  for (const key of Object.keys(reader)) {
    if (!['Resource', 'ReaderConfig', 'Parameters'].includes(key)) throw new UnsupportedDefinitionError(`${where}: ItemReader.${key} is not supported locally`);
  }
  if (!/^arn:[^:]+:states:::s3:getObject$/.test(resource)) {
    throw new UnsupportedDefinitionError(`${where}: ItemReader.Resource ${resource} is not supported locally (only s3:getObject with a JSON or JSONL array)`);
  }
  const config = (reader.ReaderConfig ?? {}) as Record<string, unknown>;
  const inputType = config.InputType;
  if (inputType !== 'JSON' && inputType !== 'JSONL') {
    throw new UnsupportedDefinitionError(`${where}: ItemReader.ReaderConfig.InputType ${JSON.stringify(inputType)} is not supported locally (JSON, JSONL)`);
  }
  for (const key of Object.keys(config)) {
    if (!['InputType', 'MaxItems', 'MaxItemsPath'].includes(key)) {
      throw new UnsupportedDefinitionError(`${where}: ItemReader.ReaderConfig.${key} is not supported locally`);
    }
  }
  const parameters = (reader.Parameters ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(parameters)) {
    if (!['Bucket', 'Bucket.$', 'Key', 'Key.$'].includes(key)) {
      throw new UnsupportedDefinitionError(`${where}: ItemReader.Parameters.${key} is not supported locally`);
    }
  }
  return {
    parameters: parameters as Json,
    inputType,
    ...(typeof config.MaxItems === 'number' ? { maxItems: config.MaxItems } : {}),
    ...(typeof config.MaxItemsPath === 'string' ? { maxItemsPath: config.MaxItemsPath } : {}),
  };
}

function compileItemBatcher(batcher: Record<string, unknown>, where: string): NonNullable<DistributedMapSpec['itemBatcher']> {
  const known = ['MaxItemsPerBatch', 'MaxItemsPerBatchPath', 'MaxInputBytesPerBatch', 'MaxInputBytesPerBatchPath', 'BatchInput'];
  for (const key of Object.keys(batcher)) {
    if (!known.includes(key)) throw new UnsupportedDefinitionError(`${where}: ItemBatcher.${key} is not supported locally`);
  }
  if (['MaxItemsPerBatch', 'MaxItemsPerBatchPath', 'MaxInputBytesPerBatch', 'MaxInputBytesPerBatchPath'].every((key) => batcher[key] === undefined)) {
    throw new UnsupportedDefinitionError(`${where}: ItemBatcher needs MaxItemsPerBatch or MaxInputBytesPerBatch`);
  }
  return {
    ...(typeof batcher.MaxItemsPerBatch === 'number' ? { maxItemsPerBatch: batcher.MaxItemsPerBatch } : {}),
    ...(typeof batcher.MaxItemsPerBatchPath === 'string' ? { maxItemsPerBatchPath: batcher.MaxItemsPerBatchPath } : {}),
    ...(typeof batcher.MaxInputBytesPerBatch === 'number' ? { maxInputBytesPerBatch: batcher.MaxInputBytesPerBatch } : {}),
    ...(typeof batcher.MaxInputBytesPerBatchPath === 'string' ? { maxInputBytesPerBatchPath: batcher.MaxInputBytesPerBatchPath } : {}),
    ...(batcher.BatchInput !== undefined ? { batchInput: batcher.BatchInput as Json } : {}),
  };
}

function compileResultWriter(writer: Record<string, unknown>, where: string): NonNullable<DistributedMapSpec['resultWriter']> {
  for (const key of Object.keys(writer)) {
    if (!['Resource', 'Parameters', 'WriterConfig'].includes(key)) throw new UnsupportedDefinitionError(`${where}: ResultWriter.${key} is not supported locally`);
  }
  if (writer.Resource !== undefined && !/^arn:[^:]+:states:::s3:putObject$/.test(String(writer.Resource))) {
    throw new UnsupportedDefinitionError(`${where}: ResultWriter.Resource ${String(writer.Resource)} is not supported locally (only s3:putObject)`);
  }
  const config = (writer.WriterConfig ?? {}) as Record<string, unknown>;
  if ((config.Transformation ?? 'NONE') !== 'NONE' || (config.OutputType ?? 'JSON') !== 'JSON') {
    throw new UnsupportedDefinitionError(
      `${where}: ResultWriter.WriterConfig ${JSON.stringify(config)} is not supported locally (only Transformation NONE, OutputType JSON)`,
    );
  }
  const parameters = (writer.Parameters ?? {}) as Record<string, unknown>;
  if (parameters.Bucket === undefined && parameters['Bucket.$'] === undefined) {
    throw new UnsupportedDefinitionError(`${where}: ResultWriter.Parameters.Bucket is required`);
  }
  return { parameters: parameters as Json };
}

function checkMachineFields(definition: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(definition)) {
    if (key === 'QueryLanguage' && definition.QueryLanguage !== 'JSONPath') {
      throw new UnsupportedDefinitionError(`${where}: QueryLanguage ${JSON.stringify(definition.QueryLanguage)} is not supported locally (JSONPath only)`);
    }
    if (!allowed.includes(key)) throw new UnsupportedDefinitionError(`${where}: field ${key} is not supported locally`);
  }
}

function checkRetryAndCatch(state: StateDefinition, where: string): void {
  for (const [index, retrier] of ((state.Retry as Record<string, unknown>[] | undefined) ?? []).entries()) {
    for (const key of Object.keys(retrier)) {
      if (!RETRIER_FIELDS.includes(key)) throw new UnsupportedDefinitionError(`${where}: Retry[${index}].${key} is not supported locally`);
    }
  }
  for (const [index, catcher] of ((state.Catch as Record<string, unknown>[] | undefined) ?? []).entries()) {
    for (const key of Object.keys(catcher)) {
      if (!CATCHER_FIELDS.includes(key)) throw new UnsupportedDefinitionError(`${where}: Catch[${index}].${key} is not supported locally`);
    }
  }
}

function numberField<K extends string>(state: StateDefinition, field: string, key: K, where: string): Partial<Record<K, number>> {
  const value = state[field];
  if (value === undefined) return {};
  if (typeof value !== 'number' || value < 0) throw new UnsupportedDefinitionError(`${where}: ${field} must be a non-negative number`);
  return { [key]: value } as Partial<Record<K, number>>;
}

function stringField<K extends string>(state: StateDefinition, field: string, key: K): Partial<Record<K, string>> {
  return typeof state[field] === 'string' ? ({ [key]: state[field] } as Partial<Record<K, string>>) : {};
}

// ------------------------------------------------------------------------------------------------ execution

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Emit = (event: DistributiveOmit<ExecutionEvent, 'executionArn' | 'timestamp'>) => void;

interface SharedRunData {
  readonly compilation: Compilation;
  readonly region: string;
  readonly accountId: string;
  readonly stateMachineName: string;
}

interface ExecutionContext {
  readonly shared: SharedRunData;
  readonly executionArn: string;
  readonly executionName: string;
  readonly stateMachineArn: string;
  readonly emit: Emit;
  readonly retryDelayMs?: number;
  readonly signal: AbortSignal;
}

class TaskFailure extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }

  // Read by the library's Retry/Catch matching: like on AWS, States.Runtime can be neither retried nor caught.
  get isRetryable(): boolean {
    return this.name !== 'States.Runtime';
  }

  get isCatchable(): boolean {
    return this.name !== 'States.Runtime';
  }
}

async function runMachine(compiled: CompiledMachine, input: unknown, context: ExecutionContext): Promise<ExecutionRecord> {
  const startDate = new Date().toISOString();
  const base = { executionArn: context.executionArn, name: context.executionName, stateMachineArn: context.stateMachineArn, input, startDate };
  if (context.signal.aborted) return { ...base, status: 'ABORTED', stopDate: new Date().toISOString() };
  const taskResourceLocalHandlers: Record<string, (input: Json) => Promise<Json>> = {};
  for (const [stateName, spec] of context.shared.compilation.taskSpecs) {
    taskResourceLocalHandlers[stateName] =
      spec.kind === 'lambda'
        ? (taskInput) => runLambdaTask(spec, taskInput, context)
        : spec.kind === 'put-events'
          ? async (taskInput) => runPutEvents(spec.stateName, taskInput, context)
          : (taskInput) => runDistributedMap(spec.map, taskInput, context);
  }
  const retryIntervalOverrides: Record<string, number> = {};
  if (context.retryDelayMs !== undefined) {
    for (const stateName of context.shared.compilation.retryStates) retryIntervalOverrides[stateName] = context.retryDelayMs;
  }
  const execution = compiled.machine.run(input as Json, {
    overrides: { taskResourceLocalHandlers, retryIntervalOverrides },
    context: {
      Execution: { Id: context.executionArn, Name: context.executionName },
      StateMachine: { Id: context.stateMachineArn, Name: context.stateMachineArn.split(':').pop() },
    },
  });
  const onAbort = () => execution.abort();
  context.signal.addEventListener('abort', onAbort, { once: true });
  const forwarding = forwardLibraryEvents(execution.eventLogs, compiled, context.emit);
  try {
    const output = await execution.result;
    return { ...base, status: 'SUCCEEDED', output, stopDate: new Date().toISOString() };
  } catch (error) {
    return { ...base, ...describeFailure(error), stopDate: new Date().toISOString() };
  } finally {
    context.signal.removeEventListener('abort', onAbort);
    await forwarding;
  }
}

function describeFailure(error: unknown): { status: ExecutionStatus; error?: string; cause?: string } {
  if (error instanceof ExecutionAbortedError) return { status: 'ABORTED' };
  if (error instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT', error: 'States.Timeout' };
  const failure = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : (error as Error);
  // The library's placeholder message for a Fail state without Cause: AWS reports no cause at all.
  const cause = failure.message === 'Execution failed because of a Fail state' ? undefined : failure.message;
  return { status: 'FAILED', error: failure.name, ...(cause ? { cause } : {}) };
}

async function forwardLibraryEvents(eventLogs: AsyncGenerator<unknown>, compiled: CompiledMachine, emit: Emit): Promise<void> {
  const stateType = (state: { name: string; type: string }) => (compiled.distributedMapStates.has(state.name) ? 'Map' : state.type);
  for await (const raw of eventLogs) {
    const event = raw as { type: string; state?: { name: string; type: string }; parentState?: { name: string }; index?: number; Error?: string; Cause?: unknown; retry?: { attempt: number }; catch?: { catcher: { Next: string } } };
    switch (event.type) {
      case 'StateEntered':
      case 'StateExited':
        emit({ type: event.type, state: event.state!.name, stateType: stateType(event.state!) });
        break;
      case 'StateFailed':
        emit({ type: 'StateFailed', state: event.state!.name, stateType: stateType(event.state!), error: String(event.Error), ...(event.Cause !== undefined ? { cause: causeText(event.Cause) } : {}) });
        break;
      case 'StateRetried':
        emit({ type: 'StateRetried', state: event.state!.name, stateType: stateType(event.state!), attempt: event.retry?.attempt ?? 0 });
        break;
      case 'StateCaught':
        emit({ type: 'StateCaught', state: event.state!.name, stateType: stateType(event.state!), next: event.catch?.catcher.Next ?? '' });
        break;
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        emit({ type: event.type, state: event.parentState?.name ?? '', index: event.index ?? -1 });
        break;
      default:
        break;
    }
  }
}

function causeText(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause);
}

function safeEmit(listener: (event: ExecutionEvent) => void, event: ExecutionEvent): void {
  try {
    listener(event);
  } catch {
    // A progress listener must never break an execution.
  }
}

// ------------------------------------------------------------------------------------------------ EventBridge tasks

/** An `events:putEvents` task: its resolved Entries go to the runtime's bus; the result is PutEvents' response. */
function runPutEvents(stateName: string, taskInput: Json, context: ExecutionContext): Json {
  const entries = (taskInput as { Entries?: unknown } | null)?.Entries;
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > 10) {
    throw new TaskFailure('EventBridge.ValidationException', `state "${stateName}": Entries must hold 1 to 10 entries`);
  }
  const parsed = entries.map((entry: unknown, index) => {
    const { Source, DetailType, Detail, EventBusName, Resources } = (entry ?? {}) as Record<string, unknown>;
    if (typeof Source !== 'string' || typeof DetailType !== 'string' || Detail === undefined) {
      throw new TaskFailure('EventBridge.ValidationException', `state "${stateName}": Entries[${index}] needs Source, DetailType and Detail`);
    }
    return {
      source: Source,
      detailType: DetailType,
      detail: typeof Detail === 'string' ? (JSON.parse(Detail) as unknown) : Detail,
      ...(typeof EventBusName === 'string' ? { eventBusName: EventBusName } : {}),
      ...(Array.isArray(Resources) ? { resources: Resources.map(String) } : {}),
    };
  });
  const ids = context.shared.compilation.runtime.putEvents!(parsed, { executionArn: context.executionArn });
  return { Entries: ids.map((id) => ({ EventId: id })), FailedEntryCount: 0 };
}

// ------------------------------------------------------------------------------------------------ Lambda tasks

async function runLambdaTask(spec: Extract<TaskSpec, { kind: 'lambda' }>, taskInput: Json, context: ExecutionContext): Promise<Json> {
  const { runtime } = context.shared.compilation;
  let reference: unknown;
  let payload: unknown;
  if (spec.integration === 'direct') {
    reference = spec.functionRef;
    payload = taskInput;
  } else {
    const parameters = (taskInput ?? {}) as Record<string, unknown>;
    reference = parameters.FunctionName;
    payload = 'Payload' in parameters ? parameters.Payload : {};
  }
  const fn = typeof reference === 'string' ? runtime.findFunction(reference) : undefined;
  if (!fn) {
    throw new TaskFailure('Lambda.ResourceNotFoundException', `Function not found: ${String(reference)} (state "${spec.stateName}")`);
  }
  let result: unknown;
  try {
    result = await runtime.invokeLambda({
      fn,
      payload,
      stateName: spec.stateName,
      executionArn: context.executionArn,
      ...(spec.timeoutSeconds ? { taskTimeoutSeconds: spec.timeoutSeconds } : {}),
    });
  } catch (error) {
    throw toTaskFailure(error);
  }
  const json = JSON.stringify(result ?? null);
  if (Buffer.byteLength(json, 'utf8') > STATE_PAYLOAD_LIMIT_BYTES) {
    throw new TaskFailure(
      'States.DataLimitExceeded',
      `The state/task '${spec.stateName}' returned a result with a size exceeding the maximum number of bytes service limit (${STATE_PAYLOAD_LIMIT_BYTES}).`,
    );
  }
  const value = JSON.parse(json) as Json;
  if (spec.integration === 'direct') return value;
  const requestId = randomUUID();
  return {
    ExecutedVersion: '$LATEST',
    Payload: value,
    SdkHttpMetadata: { AllHttpHeaders: {}, HttpHeaders: { 'x-amzn-RequestId': requestId }, HttpStatusCode: 200 },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}

/** Keep the error's name (Retry/Catch match on it); the Cause is shaped like AWS's for a Lambda error. */
function toTaskFailure(error: unknown): TaskFailure {
  if (!(error instanceof Error)) {
    return new TaskFailure('Error', JSON.stringify({ errorType: 'Error', errorMessage: String(error), trace: [] }));
  }
  const explicitCause = (error as { cause?: unknown }).cause;
  if (typeof explicitCause === 'string') return new TaskFailure(error.name, explicitCause);
  if (error.name.startsWith('States.')) return new TaskFailure(error.name, error.message);
  const trace = (error.stack ?? '').split('\n');
  return new TaskFailure(error.name, JSON.stringify({ errorType: error.name, errorMessage: error.message, trace }));
}

// ------------------------------------------------------------------------------------------------ distributed map

/** Evaluates payload templates and paths exactly as the library does, by running them through a one-state Pass machine. */
async function evaluateTemplate(template: Json, input: unknown, context: Record<string, unknown>, where: string): Promise<Json> {
  const machine = new StateMachine(
    { StartAt: 'Evaluate', States: { Evaluate: { Type: 'Pass', Parameters: template, End: true } } } as never,
    { validationOptions: { noValidate: true } },
  );
  try {
    return (await machine.run(input as Json, { context }).result) as Json;
  } catch (error) {
    const failure = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : (error as Error);
    failure.message = `${where}: ${failure.message}`;
    throw failure;
  }
}

async function evaluatePath(path: string, input: unknown, context: Record<string, unknown>, where: string): Promise<unknown> {
  const result = (await evaluateTemplate({ 'value.$': path }, input, context, where)) as { value: unknown };
  return result.value;
}

interface MapChildResult {
  readonly index: number;
  readonly record: ExecutionRecord;
  readonly itemCount: number;
}

/** What a map run resolves from its state input before it starts: its concurrency and failure tolerance. */
interface MapRunLimits {
  readonly maxConcurrency: number;
  /** Failed items above which the map run fails: a share (percent) and a count, each only when set. */
  readonly toleratedPercentage: number | undefined;
  readonly toleratedCount: number | undefined;
}

/** Counts of a map run so far. */
interface MapRunProgress {
  succeeded: number;
  failedChildren: number;
  failedItems: number;
}

/** A Distributed Map: resolve its limits and items, run its children, write (or return) their results. */
async function runDistributedMap(map: DistributedMapSpec, stateInput: Json, context: ExecutionContext): Promise<Json> {
  const { shared } = context;
  const where = `state "${map.stateName}"`;
  const pathContext = {
    Execution: { Id: context.executionArn, Name: context.executionName },
    StateMachine: { Id: context.stateMachineArn, Name: shared.stateMachineName },
  };
  const limits = await resolveMapRunLimits(map, stateInput, pathContext, where);
  const items = await readItems(map, stateInput, pathContext, context, where);
  const children = await batchItems(map, await selectItems(map, items, stateInput, pathContext, where), stateInput, pathContext, where);

  const mapRunId = randomUUID();
  const mapRunArn = `arn:aws:states:${shared.region}:${shared.accountId}:mapRun:${shared.stateMachineName}/${map.label}:${mapRunId}`;
  context.emit({ type: 'MapRunStarted', state: map.stateName, mapRunArn, itemCount: items.length, childCount: children.length, maxConcurrency: limits.maxConcurrency });
  const progress: MapRunProgress = { succeeded: 0, failedChildren: 0, failedItems: 0 };
  const exceeded = () => toleranceExceeded(limits, progress.failedItems, items.length);
  const results = await runMapChildren(map, children, context, { mapRunArn, maxConcurrency: limits.maxConcurrency, progress, exceeded });
  if (context.signal.aborted) throw new TaskFailure('States.Runtime', `${where}: execution aborted`);
  results.sort((a, b) => a.index - b.index);

  const output: Json = map.resultWriter
    ? await writeResults(map, results, stateInput, pathContext, context, mapRunArn, mapRunId, where)
    : results.map(({ record }) =>
        record.status === 'SUCCEEDED' ? (record.output as Json) : ({ Error: record.error ?? null, Cause: record.cause ?? null } as Json),
      );
  const failedRun = exceeded();
  const { succeeded, failedChildren, failedItems } = progress;
  context.emit({ type: failedRun ? 'MapRunFailed' : 'MapRunSucceeded', state: map.stateName, mapRunArn, succeeded, failed: failedChildren, total: children.length });
  if (failedRun) {
    throw new TaskFailure(
      'States.ExceedToleratedFailureThreshold',
      `The specified tolerated failure threshold was exceeded: ${failedItems} of ${items.length} items failed ` +
        `(ToleratedFailureCount ${limits.toleratedCount ?? 'unset'}, ToleratedFailurePercentage ${limits.toleratedPercentage ?? 'unset'}). Map run ${mapRunArn}`,
    );
  }
  return output;
}

async function resolveMapRunLimits(map: DistributedMapSpec, stateInput: Json, pathContext: Record<string, unknown>, where: string): Promise<MapRunLimits> {
  const resolveNumber = async (value: number | undefined, path: string | undefined, field: string, fallback: number) => {
    if (path === undefined) return value ?? fallback;
    const resolved = await evaluatePath(path, stateInput, pathContext, `${where}.${field}`);
    if (typeof resolved !== 'number' || resolved < 0) throw new TaskFailure('States.Runtime', `${where}: ${field} ${path} did not resolve to a non-negative number`);
    return resolved;
  };
  const maxConcurrency = (await resolveNumber(map.maxConcurrency, map.maxConcurrencyPath, 'MaxConcurrencyPath', 0)) || DISTRIBUTED_MAP_DEFAULT_CONCURRENCY;
  // Each threshold applies only when set; with neither set the tolerance is zero failed items (AWS default).
  const percentageSet = map.toleratedFailurePercentage !== undefined || map.toleratedFailurePercentagePath !== undefined;
  const countSet = map.toleratedFailureCount !== undefined || map.toleratedFailureCountPath !== undefined;
  const toleratedPercentage = percentageSet
    ? await resolveNumber(map.toleratedFailurePercentage, map.toleratedFailurePercentagePath, 'ToleratedFailurePercentagePath', 0)
    : undefined;
  const toleratedCount = countSet || !percentageSet
    ? await resolveNumber(map.toleratedFailureCount, map.toleratedFailureCountPath, 'ToleratedFailureCountPath', 0)
    : undefined;
  return { maxConcurrency, toleratedPercentage, toleratedCount };
}

function toleranceExceeded(limits: MapRunLimits, failedItems: number, itemTotal: number): boolean {
  return (
    (limits.toleratedCount !== undefined && failedItems > limits.toleratedCount) ||
    (limits.toleratedPercentage !== undefined && itemTotal > 0 && (failedItems / itemTotal) * 100 > limits.toleratedPercentage)
  );
}

/** The items as the children get them: through ItemSelector when the map has one. */
async function selectItems(map: DistributedMapSpec, items: readonly unknown[], stateInput: Json, pathContext: Record<string, unknown>, where: string): Promise<unknown[]> {
  const selected: unknown[] = [];
  for (const [index, value] of items.entries()) {
    selected.push(
      map.itemSelector === undefined
        ? value
        : await evaluateTemplate(map.itemSelector, stateInput, { ...pathContext, Map: { Item: { Index: index, Value: value } } }, `${where}.ItemSelector`),
    );
  }
  return selected;
}

/**
 * Runs the child executions, `maxConcurrency` at once, until all ran, the failure tolerance is exceeded or the
 * execution is aborted; reports each child's end. Results in the order the children ended.
 */
async function runMapChildren(
  map: DistributedMapSpec,
  children: ReadonlyArray<{ input: unknown; itemCount: number }>,
  context: ExecutionContext,
  run: { mapRunArn: string; maxConcurrency: number; progress: MapRunProgress; exceeded: () => boolean },
): Promise<MapChildResult[]> {
  const { shared } = context;
  const { mapRunArn, progress, exceeded } = run;
  const childStateMachineArn = `arn:aws:states:${shared.region}:${shared.accountId}:stateMachine:${shared.stateMachineName}/${map.label}`;
  const results: MapChildResult[] = [];
  let next = 0;
  const workers = Math.min(run.maxConcurrency, Math.max(children.length, 1));
  // The children listen on the map run's own signal (one listener each, as many as run at once), which follows the
  // execution's: the execution's signal keeps one listener per map run, so Node sees no listener leak.
  const mapAbort = new AbortController();
  setMaxListeners(workers + 1, mapAbort.signal);
  const abortMap = () => mapAbort.abort();
  if (context.signal.aborted) abortMap();
  else context.signal.addEventListener('abort', abortMap, { once: true });
  const runWorker = async () => {
    while (next < children.length && !exceeded() && !context.signal.aborted) {
      const index = next++;
      const child = children[index];
      const childName = randomUUID();
      const childArn = `arn:aws:states:${shared.region}:${shared.accountId}:execution:${shared.stateMachineName}/${map.label}:${childName}`;
      const parent: MapChildLocation = { mapState: map.stateName, mapRunArn, index };
      const record = await runMachine(map.child, child.input, {
        shared,
        executionArn: childArn,
        executionName: childName,
        stateMachineArn: childStateMachineArn,
        emit: (event) => context.emit({ ...event, parent: event.parent ?? parent } as never),
        ...(context.retryDelayMs !== undefined ? { retryDelayMs: context.retryDelayMs } : {}),
        signal: mapAbort.signal,
      });
      results.push({ index, record, itemCount: child.itemCount });
      if (record.status === 'SUCCEEDED') progress.succeeded++;
      else {
        progress.failedChildren++;
        progress.failedItems += child.itemCount;
      }
      context.emit({
        type: record.status === 'SUCCEEDED' ? 'MapItemSucceeded' : 'MapItemFailed',
        state: map.stateName,
        mapRunArn,
        index,
        succeeded: progress.succeeded,
        failed: progress.failedChildren,
        total: children.length,
        ...(record.error !== undefined ? { error: record.error } : {}),
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, runWorker));
  } finally {
    context.signal.removeEventListener('abort', abortMap);
  }
  return results;
}

async function readItems(map: DistributedMapSpec, stateInput: Json, pathContext: Record<string, unknown>, context: ExecutionContext, where: string): Promise<unknown[]> {
  if (!map.itemReader) {
    const items = map.itemsPath ? await evaluatePath(map.itemsPath, stateInput, pathContext, `${where}.ItemsPath`) : stateInput;
    if (!Array.isArray(items)) throw new TaskFailure('States.Runtime', `${where}: the items to iterate over are not an array`);
    return items;
  }
  const reader = map.itemReader;
  const parameters = (await evaluateTemplate(reader.parameters, stateInput, pathContext, `${where}.ItemReader.Parameters`)) as Record<string, unknown>;
  const bucket = parameters.Bucket;
  const key = parameters.Key;
  if (typeof bucket !== 'string' || typeof key !== 'string') {
    throw new TaskFailure('States.ItemReaderFailed', `${where}: ItemReader.Parameters must resolve Bucket and Key to strings`);
  }
  let text: string;
  try {
    text = await context.shared.compilation.runtime.mapItemStore.getText(bucket, key);
  } catch (error) {
    throw new TaskFailure('States.ItemReaderFailed', `${where}: cannot read s3://${bucket}/${key}: ${(error as Error).name}: ${(error as Error).message}`);
  }
  let items: unknown[];
  try {
    items =
      reader.inputType === 'JSON'
        ? (JSON.parse(text) as unknown[])
        : text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as unknown);
  } catch (error) {
    throw new TaskFailure('States.ItemReaderFailed', `${where}: s3://${bucket}/${key} is not valid ${reader.inputType}: ${(error as Error).message}`);
  }
  if (!Array.isArray(items)) throw new TaskFailure('States.ItemReaderFailed', `${where}: s3://${bucket}/${key} does not hold a JSON array`);
  const maxItems = reader.maxItemsPath ? await evaluatePath(reader.maxItemsPath, stateInput, pathContext, `${where}.ItemReader.ReaderConfig.MaxItemsPath`) : reader.maxItems;
  return typeof maxItems === 'number' && maxItems > 0 ? items.slice(0, maxItems) : items;
}

async function batchItems(
  map: DistributedMapSpec,
  selected: unknown[],
  stateInput: Json,
  pathContext: Record<string, unknown>,
  where: string,
): Promise<{ input: unknown; itemCount: number }[]> {
  const batcher = map.itemBatcher;
  if (!batcher) return selected.map((input) => ({ input, itemCount: 1 }));
  const numberFrom = async (value: number | undefined, path: string | undefined, field: string) => {
    if (path === undefined) return value;
    const resolved = await evaluatePath(path, stateInput, pathContext, `${where}.ItemBatcher.${field}`);
    if (typeof resolved !== 'number' || resolved <= 0) throw new TaskFailure('States.Runtime', `${where}: ItemBatcher.${field} did not resolve to a positive number`);
    return resolved;
  };
  const maxItems = (await numberFrom(batcher.maxItemsPerBatch, batcher.maxItemsPerBatchPath, 'MaxItemsPerBatchPath')) ?? Infinity;
  const maxBytes = (await numberFrom(batcher.maxInputBytesPerBatch, batcher.maxInputBytesPerBatchPath, 'MaxInputBytesPerBatchPath')) ?? STATE_PAYLOAD_LIMIT_BYTES;
  const batchInput =
    batcher.batchInput === undefined ? undefined : await evaluateTemplate(batcher.batchInput, stateInput, pathContext, `${where}.ItemBatcher.BatchInput`);
  const envelope = (items: unknown[]) => (batchInput === undefined ? { Items: items } : { BatchInput: batchInput, Items: items });
  const batches: { input: unknown; itemCount: number }[] = [];
  let current: unknown[] = [];
  for (const item of selected) {
    const candidate = [...current, item];
    const tooBig = Buffer.byteLength(JSON.stringify(envelope(candidate))) > maxBytes;
    if (current.length > 0 && (current.length >= maxItems || tooBig)) {
      batches.push({ input: envelope(current), itemCount: current.length });
      current = [item];
    } else {
      current = candidate;
    }
  }
  if (current.length > 0) batches.push({ input: envelope(current), itemCount: current.length });
  return batches;
}

async function writeResults(
  map: DistributedMapSpec,
  results: MapChildResult[],
  stateInput: Json,
  pathContext: Record<string, unknown>,
  context: ExecutionContext,
  mapRunArn: string,
  mapRunId: string,
  where: string,
): Promise<Json> {
  const parameters = (await evaluateTemplate(map.resultWriter!.parameters, stateInput, pathContext, `${where}.ResultWriter.Parameters`)) as Record<string, unknown>;
  const bucket = parameters.Bucket;
  const prefix = typeof parameters.Prefix === 'string' ? parameters.Prefix.replace(/\/+$/, '') : '';
  if (typeof bucket !== 'string') throw new TaskFailure('States.ResultWriterFailed', `${where}: ResultWriter.Parameters.Bucket did not resolve to a string`);
  const base = prefix ? `${prefix}/${mapRunId}` : mapRunId;
  const toRecord = ({ record }: MapChildResult) => ({
    ExecutionArn: record.executionArn,
    Input: JSON.stringify(record.input),
    InputDetails: { Included: true },
    Name: record.name,
    ...(record.status === 'SUCCEEDED'
      ? { Output: JSON.stringify(record.output ?? null), OutputDetails: { Included: true } }
      : { ...(record.error !== undefined ? { Error: record.error } : {}), ...(record.cause !== undefined ? { Cause: record.cause } : {}) }),
    RedriveCount: 0,
    RedriveStatus: record.status === 'SUCCEEDED' ? 'NOT_REDRIVABLE' : 'REDRIVABLE_BY_MAP_RUN',
    StartDate: record.startDate,
    StateMachineArn: record.stateMachineArn,
    Status: record.status,
    StopDate: record.stopDate ?? null,
  });
  const store = context.shared.compilation.runtime.mapItemStore;
  const files: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', { Key: string; Size: number }[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  try {
    for (const status of ['SUCCEEDED', 'FAILED'] as const) {
      const records = results.filter(({ record }) => (status === 'SUCCEEDED' ? record.status === 'SUCCEEDED' : record.status !== 'SUCCEEDED')).map(toRecord);
      if (records.length === 0) continue;
      const key = `${base}/${status}_0.json`;
      const size = await store.putText(bucket, key, JSON.stringify(records));
      files[status].push({ Key: key, Size: size });
    }
    const manifestKey = `${base}/manifest.json`;
    await store.putText(bucket, manifestKey, JSON.stringify({ DestinationBucket: bucket, MapRunArn: mapRunArn, ResultFiles: files }));
    return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: bucket, Key: manifestKey } };
  } catch (error) {
    if (error instanceof TaskFailure) throw error;
    throw new TaskFailure('States.ResultWriterFailed', `${where}: cannot write results to s3://${bucket}/${base}/: ${(error as Error).message}`);
  }
}
