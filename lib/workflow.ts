import { Arn, ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  DEFAULT_MAP_CONCURRENCY, DEFAULT_MAX_PARTITIONS, DEFAULT_MAX_REJECT_RATIO, DEFAULT_PARTITION_BYTES, DEFAULT_PREFIX_REQUEST_BUDGET, DEFAULT_RANGE_BYTES, DEFAULT_SLICE_BYTES,
  LEDGER_COUNTY_INDEX, MAX_TASK_TIMEOUT_SECONDS,
} from '../lambdas/domain/defaults';
import { LAMBDA_SERVICE_ERRORS, RunFailed, TaskTimedOut, TIMEOUT_ERRORS, TRANSIENT_ERRORS } from '../lambdas/domain/errors';
import { CLEARANCE_PHASES, ClearanceFunction, ClearancePhase, PhaseSizing } from './clearance-function';
import { acknowledgeWildcardResources } from './nag';
import { announceRun, RUN_FAILED, RUN_SUCCEEDED, runSucceededDetail } from './run-events';
import { DataPrefix } from './storage';

/** What one phase may do: object reads and writes per data-bucket prefix, and ledger access. */
export interface PhaseAccess {
  /** Prefixes it may read (s3:GetObject/GetObjectVersion on `<prefix>*`, s3:ListBucket limited to them). */
  readonly read: readonly string[];
  /** Prefixes it may write (s3:PutObject and s3:AbortMultipartUpload on `<prefix>*`), read or not. */
  readonly write: readonly string[];
  /** Ledger access: `write` = PutItem/UpdateItem; `read-write` adds GetItem/Query (table and byCounty). */
  readonly ledger: 'write' | 'read-write';
}

/**
 * What of results/ the comparison with the county's previous run reads (docs/monthly.md): the registers'
 * manifests (Plan), their parts and the previous runs' decision records (Compare). Nothing else of results/.
 */
export const RegisterAccess = {
  manifests: `${DataPrefix.results}*/register/*/manifest.json`,
  registers: `${DataPrefix.results}*/register/`,
  decisionRecords: `${DataPrefix.results}*/final/decisions.jsonl`,
} as const;

/** Least privilege per phase, exactly as the workflow contract distributes the prefixes. */
export const PHASE_ACCESS: Readonly<Record<ClearancePhase, PhaseAccess>> = {
  plan: { read: [DataPrefix.incoming, DataPrefix.policies, RegisterAccess.manifests], write: [DataPrefix.runs], ledger: 'read-write' },
  // Plan copies the upload's version into runs/<runId>/input/: the later phases never read incoming/.
  split: { read: [DataPrefix.runs], write: [DataPrefix.runs], ledger: 'write' },
  classify: { read: [DataPrefix.runs], write: [DataPrefix.runs], ledger: 'write' },
  // Compare writes only the work area: Assemble publishes the changes and the new register.
  compare: { read: [DataPrefix.runs, RegisterAccess.registers, RegisterAccess.decisionRecords], write: [DataPrefix.runs], ledger: 'write' },
  // Assemble copies each record from the run's copy of the upload into results/, and never reads results/ back.
  // It reads analytics/ for its county's latest pointer only (docs/analytics.md).
  assemble: { read: [DataPrefix.runs, DataPrefix.analytics], write: [DataPrefix.runs, DataPrefix.results, DataPrefix.reports, DataPrefix.analytics], ledger: 'read-write' },
  'mark-failed': { read: [DataPrefix.runs], write: [DataPrefix.reports], ledger: 'read-write' },
};

/** What to change when a task times out, by state name. */
const TIMEOUT_ADVICE: Record<string, string> = {
  Plan: 'raise the Plan function\'s timeout (functionSizing.plan)',
  'Split range': 'lower targetRangeBytes (TARGET_RANGE_BYTES) or raise the Split function\'s memory (functionSizing.split)',
  'Index slices': 'raise targetRangeBytes (fewer ranges) or the Split function\'s memory (functionSizing.split)',
  'Classify partition': 'lower targetPartitionBytes (TARGET_PARTITION_BYTES) or raise the Classify function\'s memory (functionSizing.classify)',
  'Route decisions': 'raise the Compare function\'s timeout (functionSizing.compare); it streams the previous run\'s decision record once',
  'Route register part': 'raise the Compare function\'s memory (functionSizing.compare); one part of the previous run\'s register is held at once',
  'Compare partition': 'lower targetPartitionBytes (TARGET_PARTITION_BYTES) or raise the Compare function\'s memory (functionSizing.compare)',
  'Assemble slice': 'lower targetSliceBytes (TARGET_SLICE_BYTES) or raise the Assemble function\'s memory (functionSizing.assemble)',
  Assemble: 'raise targetSliceBytes (TARGET_SLICE_BYTES: fewer slices to join) or the Assemble function\'s memory (functionSizing.assemble)',
};

/** Distributed Map runs at most 10,000 child executions at a time. */
const MAX_MAP_CONCURRENCY = 10_000;

export interface ClearanceWorkflowProps {
  /** The data bucket of the contract (`incoming/`, `policies/`, `runs/`, `results/`, `reports/`). */
  readonly dataBucket: s3.IBucket;
  /** The run ledger (partition key `pk`, GSI `byCounty`). */
  readonly ledger: dynamodb.ITable;
  /** The customer managed key of the bucket and ledger; also encrypts every log group here. */
  readonly encryptionKey: kms.IKey;

  /**
   * Most Split children (one byte range each) running at once, 1-10000: the ceiling of the concurrency Plan derives
   * from the request budget (prefixRequestBudget).
   *
   * @default 100
   */
  readonly splitConcurrency?: number;

  /**
   * Most Classify children (one partition each) running at once, 1-10000: the ceiling of the concurrency Plan
   * derives from the request budget (prefixRequestBudget).
   *
   * @default 100
   */
  readonly classifyConcurrency?: number;

  /**
   * S3 requests per second per prefix the maps may cause (`PREFIX_REQUEST_BUDGET`): Plan derives each map's
   * MaxConcurrency from it and the run's range and partition counts, up to splitConcurrency / classifyConcurrency.
   *
   * @default 2000
   */
  readonly prefixRequestBudget?: number;

  /**
   * Percentage of failed map items tolerated by Split and Classify, 0-100. Any failed item
   * loses rows, so the default fails the run instead.
   *
   * @default 0
   */
  readonly failureTolerancePercent?: number;

  /**
   * Upper bound on the partition count Plan may choose (`MAX_PARTITIONS`), a positive integer.
   *
   * @default 1000
   */
  readonly maxPartitions?: number;

  /**
   * Size Plan aims for when cutting inputs into byte ranges (`TARGET_RANGE_BYTES`), at least 1 MiB.
   *
   * @default 67108864 (64 MiB)
   */
  readonly targetRangeBytes?: number;

  /**
   * Input bytes Plan aims to put in one classify partition (`TARGET_PARTITION_BYTES`), at least 1 MiB.
   *
   * @default 67108864 (64 MiB)
   */
  readonly targetPartitionBytes?: number;

  /**
   * Input bytes Plan puts in one output slice (`TARGET_SLICE_BYTES`), at least 1 MiB: Assemble's fan-out runs one
   * task per slice, and Publish joins their parts (docs/limits.md).
   *
   * @default 268435456 (256 MiB)
   */
  readonly targetSliceBytes?: number;

  /**
   * Split and Classify tasks that run at once (`TASK_LANES`): with more ranges or partitions than that, Plan rounds
   * their count up to a multiple of it and evens their size, so that no wave of tasks runs part-empty. The embedded
   * stack sets its worker count; in the cloud the maps' concurrency is far above the task counts of most runs.
   *
   * @default - none (counts are not rounded)
   */
  readonly taskLanes?: number;

  /**
   * Rejected / read rows above which a run fails with `RejectRatioExceeded` (`MAX_REJECT_RATIO`), 0-1.
   *
   * @default 0.05
   */
  readonly maxRejectRatio?: number;

  /**
   * Neutralise spreadsheet formulas (a leading `'` on cells starting with `=` `+` `-` `@` TAB CR) in the three
   * reference-format CSVs too (`EXCEL_SAFE=true`, docs/security.md). The court and defender lists and rejects.csv
   * are always neutralised; these three otherwise stay cell for cell those of the reference tool.
   *
   * @default false
   */
  readonly excelSafe?: boolean;

  /**
   * Memory and timeout overrides per phase.
   *
   * @default - PHASE_SIZING (plan 1024 MB/5 min, split 2048 MB/15 min, classify and assemble
   * 3008 MB/15 min, mark-failed 512 MB/2 min)
   */
  readonly functionSizing?: Partial<Record<ClearancePhase, Partial<PhaseSizing>>>;

  /**
   * How much longer than its function's timeout a task waits (TimeoutSeconds) before it gives up.
   *
   * @default Duration.minutes(1)
   */
  readonly taskTimeoutMargin?: Duration;

  /**
   * Timeout of a whole execution.
   *
   * @default Duration.hours(24)
   */
  readonly executionTimeout?: Duration;

  /**
   * Retention of the state machine's and functions' log groups.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log groups when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * The five phase functions, the Standard state machine of the contract and the EventBridge rule
 * that starts it for every object created under `incoming/`.
 */
export class ClearanceWorkflow extends Construct {
  public readonly functions: Readonly<Record<ClearancePhase, ClearanceFunction>>;
  public readonly stateMachine: sfn.StateMachine;
  public readonly stateMachineLogGroup: logs.LogGroup;
  public readonly uploadRule: events.Rule;
  /** Upload events EventBridge could not deliver to the state machine (after its retries). */
  public readonly uploadDeadLetterQueue: sqs.Queue;
  /** Labels of the Distributed Maps: their child executions' metrics carry the state machine ARN `<arn>/<label>`. */
  public readonly mapRunLabels: readonly string[] = ['Split', 'Classify', 'Route', 'Compare', 'AssembleSlices'];

  constructor(scope: Construct, id: string, props: ClearanceWorkflowProps) {
    super(scope, id);
    const settings = workflowSettings(props);
    this.functions = this.createFunctions(props, settings);
    const definition = this.defineStates(props, settings);
    this.stateMachineLogGroup = new logs.LogGroup(this, 'StateMachineLogGroup', {
      encryptionKey: props.encryptionKey,
      retention: settings.logRetention,
      removalPolicy: settings.logRemovalPolicy,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: props.executionTimeout ?? Duration.hours(24),
      tracingEnabled: true,
      // Every event is logged, but without state input/output: those would carry file names and counts today
      // and could carry personal data tomorrow.
      logs: { destination: this.stateMachineLogGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    this.grantStateMachineAccess(props);
    this.uploadDeadLetterQueue = this.createUploadDeadLetterQueue();
    this.uploadRule = this.createUploadRule(props.dataBucket, this.uploadDeadLetterQueue);
  }

  /** The phase functions, each with its environment and its phase's access (PHASE_ACCESS). */
  private createFunctions(props: ClearanceWorkflowProps, settings: WorkflowSettings): Record<ClearancePhase, ClearanceFunction> {
    const commonEnvironment = { DATA_BUCKET: props.dataBucket.bucketName, LEDGER_TABLE: props.ledger.tableName };
    const phaseEnvironment: Partial<Record<ClearancePhase, Record<string, string>>> = {
      plan: {
        MAX_PARTITIONS: String(settings.maxPartitions),
        TARGET_RANGE_BYTES: String(settings.targetRangeBytes),
        TARGET_PARTITION_BYTES: String(settings.targetPartitionBytes),
        TARGET_SLICE_BYTES: String(settings.targetSliceBytes),
        ...(props.taskLanes === undefined ? {} : { TASK_LANES: String(props.taskLanes) }),
        MAX_REJECT_RATIO: String(settings.maxRejectRatio),
        EXCEL_SAFE: String(props.excelSafe === true),
        // Plan sets each map's concurrency within the S3 request budget, up to these ceilings (docs/limits.md).
        MAX_SPLIT_CONCURRENCY: String(settings.splitConcurrency),
        MAX_CLASSIFY_CONCURRENCY: String(settings.classifyConcurrency),
        PREFIX_REQUEST_BUDGET: String(settings.prefixRequestBudget),
      },
    };
    const makeFunction = (phase: ClearancePhase, id: string): ClearanceFunction => {
      const fn = new ClearanceFunction(this, id, {
        phase,
        encryptionKey: props.encryptionKey,
        environment: { ...commonEnvironment, ...phaseEnvironment[phase] },
        memorySize: props.functionSizing?.[phase]?.memorySize,
        timeout: props.functionSizing?.[phase]?.timeout,
        logRetention: settings.logRetention,
        logRemovalPolicy: settings.logRemovalPolicy,
      });
      this.grantPhaseAccess(fn, PHASE_ACCESS[phase], props);
      return fn;
    };
    return {
      plan: makeFunction('plan', 'PlanFunction'),
      split: makeFunction('split', 'SplitFunction'),
      classify: makeFunction('classify', 'ClassifyFunction'),
      compare: makeFunction('compare', 'CompareFunction'),
      assemble: makeFunction('assemble', 'AssembleFunction'),
      'mark-failed': makeFunction('mark-failed', 'MarkFailedFunction'),
    };
  }

  /** The state graph: Plan, the Split map, Index slices, the Classify map, the comparison, the Assemble slices map, Assemble, and the failure path. */
  private defineStates(props: ClearanceWorkflowProps, settings: WorkflowSettings): sfn.IChainable {
    const markFailed = this.failurePath(settings);

    // Plan gets the event and the execution's id: a retried Plan recognises the run its own execution claimed.
    const plan = this.invoke('Plan', 'Plan', this.functions.plan, settings, {
      onTimeout: markFailed,
      resultPath: '$.plan',
      payload: sfn.TaskInput.fromObject({ event: sfn.JsonPath.entirePayload, executionId: sfn.JsonPath.stringAt('$$.Execution.Id') }),
    });
    const split = this.distributedMap('Split', props.dataBucket, settings, {
      itemsKeyPath: '$.plan.rangesKey',
      itemSelector: { runId: sfn.JsonPath.stringAt('$.plan.runId'), range: sfn.JsonPath.objectAt('$$.Map.Item.Value') },
      maxConcurrencyPath: '$.plan.splitConcurrency',
      resultPath: '$.splitMap',
      itemProcessor: () => this.invoke('SplitRange', 'Split range', this.functions.split, settings, { onTimeout: 'fail' }),
    });
    // One short task of the Split function: the ranges' slice boundaries into one slice index, so that each
    // Classify task finds its slices with one GET (R + P requests, not R x P; see docs/limits.md).
    const indexSlices = this.invoke('IndexSlices', 'Index slices', this.functions.split, settings, {
      payload: sfn.TaskInput.fromObject({ runId: sfn.JsonPath.stringAt('$.plan.runId'), indexSlices: true }),
      resultPath: sfn.JsonPath.DISCARD,
      onTimeout: markFailed,
    });
    const classify = this.distributedMap('Classify', props.dataBucket, settings, {
      itemsKeyPath: '$.plan.partitionsKey',
      itemSelector: { runId: sfn.JsonPath.stringAt('$.plan.runId'), partition: sfn.JsonPath.numberAt('$$.Map.Item.Value.partition') },
      maxConcurrencyPath: '$.plan.classifyConcurrency',
      resultPath: '$.classifyMap',
      itemProcessor: () => this.invoke('ClassifyPartition', 'Classify partition', this.functions.classify, settings, { onTimeout: 'fail' }),
    });
    // Assemble as a fan-out: one task per output slice (a slice's requests are at most a Classify task's), then
    // Publish (the Assemble task) joins their parts and merges the sorted lists.
    const assembleSlices = this.distributedMap('AssembleSlices', props.dataBucket, settings, {
      stateName: 'Assemble slices',
      resultsFolder: 'assemble',
      itemsKeyPath: '$.plan.slicesKey',
      itemSelector: { runId: sfn.JsonPath.stringAt('$.plan.runId'), slice: sfn.JsonPath.numberAt('$$.Map.Item.Value.slice') },
      maxConcurrencyPath: '$.plan.classifyConcurrency',
      resultPath: sfn.JsonPath.DISCARD,
      itemProcessor: () => this.invoke('AssembleSlice', 'Assemble slice', this.functions.assemble, settings, { onTimeout: 'fail' }),
    });
    const assemble = this.invoke('Assemble', 'Assemble', this.functions.assemble, settings, {
      payload: sfn.TaskInput.fromObject({ runId: sfn.JsonPath.stringAt('$.plan.runId') }),
      resultPath: '$.assemble',
      onTimeout: markFailed,
    });
    for (const state of [plan, split, indexSlices, classify, assembleSlices, assemble]) {
      state.addCatch(markFailed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    }
    assembleSlices.next(assemble);
    const compared = this.comparisonStates(props, settings, markFailed, assembleSlices, assemble);

    const nothingToDo = new sfn.Succeed(this, 'NothingToDo', { stateName: 'Nothing to do' });
    return plan.next(
      new sfn.Choice(this, 'DuplicateOrIgnored', { stateName: 'Duplicate or ignored?' })
        .when(
          sfn.Condition.or(
            sfn.Condition.booleanEquals('$.plan.duplicate', true),
            sfn.Condition.booleanEquals('$.plan.ignored', true),
          ),
          nothingToDo,
        )
        .otherwise(split.next(indexSlices).next(classify).next(compared)),
    );
  }

  /**
   * After Classify (docs/monthly.md): a run with a previous run to compare with routes that run's review decisions
   * to its partitions, routes the register's parts when their count is not the run's (the Route map), and compares
   * each partition (the Compare map); then, as a run without one, the Assemble slices map, Assemble and what follows.
   */
  private comparisonStates(props: ClearanceWorkflowProps, settings: WorkflowSettings, markFailed: tasks.LambdaInvoke, assembleSlices: sfn.DistributedMap, assemble: tasks.LambdaInvoke): sfn.Choice {
    const runId = sfn.JsonPath.stringAt('$.plan.runId');
    const routeDecisions = this.invoke('RouteDecisions', 'Route decisions', this.functions.compare, settings, {
      payload: sfn.TaskInput.fromObject({ runId, routeDecisions: true }),
      resultPath: sfn.JsonPath.DISCARD,
      onTimeout: markFailed,
    });
    const route = this.distributedMap('Route', props.dataBucket, settings, {
      itemsKeyPath: '$.plan.routePartsKey',
      itemSelector: { runId, routePart: sfn.JsonPath.numberAt('$$.Map.Item.Value.part') },
      maxConcurrencyPath: '$.plan.classifyConcurrency',
      resultPath: sfn.JsonPath.DISCARD,
      itemProcessor: () => this.invoke('RouteRegisterPart', 'Route register part', this.functions.compare, settings, { onTimeout: 'fail' }),
    });
    const compare = this.distributedMap('Compare', props.dataBucket, settings, {
      itemsKeyPath: '$.plan.partitionsKey',
      itemSelector: { runId, partition: sfn.JsonPath.numberAt('$$.Map.Item.Value.partition') },
      maxConcurrencyPath: '$.plan.classifyConcurrency',
      resultPath: sfn.JsonPath.DISCARD,
      itemProcessor: () => this.invoke('ComparePartition', 'Compare partition', this.functions.compare, settings, { onTimeout: 'fail' }),
    });
    for (const state of [routeDecisions, route, compare]) state.addCatch(markFailed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    const runSucceeded = new sfn.Succeed(this, 'RunSucceeded', { stateName: 'Run succeeded' });
    // Not caught: when the event cannot be put, the execution fails (ExecutionsFailed) while the ledger says SUCCEEDED.
    assemble.next(announceRun(this, 'AnnounceRunSucceeded', 'Announce run succeeded', RUN_SUCCEEDED, runSucceededDetail())).next(runSucceeded);
    compare.next(assembleSlices);
    return new sfn.Choice(this, 'ComparedWithPreviousRun', { stateName: 'Compared with a previous run?' })
      .when(
        sfn.Condition.booleanEquals('$.plan.compare', true),
        routeDecisions.next(
          new sfn.Choice(this, 'RegisterToRoute', { stateName: 'Register to route?' })
            .when(sfn.Condition.numberGreaterThan('$.plan.routeCount', 0), route.next(compare))
            .otherwise(compare),
        ),
      )
      .otherwise(assembleSlices);
  }

  /**
   * Mark failed and what follows it: the whole state ($: the event, `plan` if Plan got that far, `error`) is
   * recorded, the failure announced, and the execution ends in `Run failed` whatever of that fails. Returns the
   * state every Catch goes to.
   */
  private failurePath(settings: WorkflowSettings): tasks.LambdaInvoke {
    const runFailed = new sfn.Fail(this, 'RunFailed', {
      stateName: 'Run failed',
      error: RunFailed.errorName,
      cause: 'The run failed; Mark failed recorded the error in the ledger and in the error report.',
    });
    const markFailed = this.invoke('MarkFailed', 'Mark failed', this.functions['mark-failed'], settings, { resultPath: '$.markFailed' });
    // Even when recording the failure fails, the execution must still end in `Run failed`.
    markFailed.addCatch(runFailed, { errors: [sfn.Errors.ALL], resultPath: '$.markFailedError' });
    // Completion events (docs/events.md): Mark failed builds the failure's detail; a lost event does not hide the failure.
    const announceFailed = announceRun(this, 'AnnounceRunFailed', 'Announce run failed', RUN_FAILED, sfn.TaskInput.fromJsonPathAt('$.markFailed.announcement'));
    announceFailed.addCatch(runFailed, { errors: [sfn.Errors.ALL], resultPath: '$.announceError' });
    markFailed.next(
      new sfn.Choice(this, 'FailureRecorded', { stateName: 'Failure recorded?' })
        .when(sfn.Condition.isPresent('$.markFailed.announcement'), announceFailed.next(runFailed))
        .otherwise(runFailed),
    );
    return markFailed;
  }

  /** A task invoking `fn`'s version, with the contract's retries and, with `onTimeout`, its own timeout Catch. */
  private invoke(id: string, stateName: string, fn: ClearanceFunction, settings: WorkflowSettings, options: InvokeOptions = {}): tasks.LambdaInvoke {
    const timeoutSeconds = fn.timeout.plus(settings.taskTimeoutMargin).toSeconds();
    if (timeoutSeconds > MAX_TASK_TIMEOUT_SECONDS) {
      throw new Error(`taskTimeoutMargin makes the ${stateName} timeout ${timeoutSeconds} s, above ${MAX_TASK_TIMEOUT_SECONDS} s`);
    }
    const task = new tasks.LambdaInvoke(this, id, {
      stateName,
      // This deploy's version: an execution runs one code version throughout, even across a deploy.
      lambdaFunction: fn.version,
      payload: options.payload, // none = the whole state input
      payloadResponseOnly: true,
      // Replaced by the contract's own retry on Lambda service errors below (with jitter and TooManyRequests).
      retryOnServiceExceptions: false,
      resultPath: options.resultPath,
      taskTimeout: sfn.Timeout.duration(Duration.seconds(timeoutSeconds)),
    });
    task.addRetry({
      errors: [...LAMBDA_SERVICE_ERRORS],
      interval: Duration.seconds(2),
      maxAttempts: 6,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    task.addRetry({ errors: [...TRANSIENT_ERRORS], interval: Duration.seconds(1), maxAttempts: 3, backoffRate: 2 });
    if (options.onTimeout !== undefined) {
      const cause = `${stateName} ran past its timeout (the function's ${fn.timeout.toSeconds()} s): ${TIMEOUT_ADVICE[stateName] ?? 'raise its timeout'}`;
      const timedOut =
        options.onTimeout === 'fail'
          ? this.recordTimeout(id, stateName, cause, settings, new sfn.Fail(this, `${id}TimedOut`, { stateName: `${stateName} timed out`, error: TaskTimedOut.errorName, cause }))
          : new sfn.Pass(this, `${id}TimedOut`, {
              stateName: `${stateName} timed out`,
              result: sfn.Result.fromObject({ Error: TaskTimedOut.errorName, Cause: cause }),
              resultPath: '$.error',
            }).next(options.onTimeout);
      task.addCatch(timedOut, { errors: [...TIMEOUT_ERRORS], resultPath: sfn.JsonPath.DISCARD });
    }
    return task;
  }

  /**
   * A map child's timeout: its cause goes to the run's ledger item before the child fails, since the map's own
   * failure (ExceedToleratedFailureThreshold) does not say which task timed out; Mark failed records it as the error.
   */
  private recordTimeout(id: string, stateName: string, cause: string, settings: WorkflowSettings, fail: sfn.Fail): sfn.IChainable {
    const record = this.invoke(`${id}RecordTimeout`, `Record ${stateName} timeout`, this.functions['mark-failed'], settings, {
      payload: sfn.TaskInput.fromObject({ runId: sfn.JsonPath.stringAt('$.runId'), timedOut: cause }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    // Whether or not the cause could be recorded, the child fails with TaskTimedOut.
    record.addCatch(fail, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
    return record.next(fail);
  }

  /**
   * A Distributed Map named `label` over the JSON array at the data-bucket key `itemsKeyPath` (under runs/), its
   * results written under map-results/<resultsFolder, default the label in lower case>; `itemProcessor` is created after the map.
   */
  private distributedMap(label: string, dataBucket: s3.IBucket, settings: WorkflowSettings, options: DistributedMapOptions): sfn.DistributedMap {
    const map = new sfn.DistributedMap(this, label, {
      stateName: options.stateName ?? label,
      label,
      itemReader: new PrefixScopedJsonItemReader(DataPrefix.runs, { bucket: dataBucket, key: sfn.JsonPath.stringAt(options.itemsKeyPath) }),
      itemSelector: options.itemSelector,
      maxConcurrencyPath: options.maxConcurrencyPath,
      toleratedFailurePercentage: settings.failureTolerancePercent,
      mapExecutionType: sfn.StateMachineType.STANDARD,
      resultWriterV2: new PrefixScopedResultWriterV2(DataPrefix.mapResults, { bucket: dataBucket, prefix: `${DataPrefix.mapResults}${options.resultsFolder ?? label.toLowerCase()}` }),
      resultPath: options.resultPath,
    });
    map.itemProcessor(options.itemProcessor());
    return map;
  }

  /** Where upload events go that EventBridge could not deliver to the state machine. */
  private createUploadDeadLetterQueue(): sqs.Queue {
    const queue = new sqs.Queue(this, 'UploadDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the upload rule target; it has no consumer to fail.',
    });
    return queue;
  }

  /** The rule that starts an execution for every object created under incoming/ in the data bucket. */
  private createUploadRule(dataBucket: s3.IBucket, deadLetterQueue: sqs.Queue): events.Rule {
    const rule = new events.Rule(this, 'UploadRule', {
      description: 'Starts a record-clearance run for each object created under incoming/ in the data bucket',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [dataBucket.bucketName] },
          object: { key: events.Match.prefix(DataPrefix.incoming) },
        },
      },
    });
    rule.addTarget(
      new targets.SfnStateMachine(this.stateMachine, {
        deadLetterQueue,
        maxEventAge: Duration.hours(24),
        retryAttempts: 185,
      }),
    );
    return rule;
  }

  /** Per-prefix S3, ledger and KMS permissions of one phase function. */
  private grantPhaseAccess(fn: ClearanceFunction, access: PhaseAccess, props: ClearanceWorkflowProps): void {
    const { dataBucket, ledger, encryptionKey } = props;
    const region = Stack.of(this).region;
    const wildcardResources: string[] = [];
    if (access.read.length > 0) {
      const objects = access.read.map((prefix) => dataBucket.arnForObjects(`${prefix}*`));
      wildcardResources.push(...objects);
      // GetObjectVersion: Plan reads the exact uploaded version named in the event.
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: objects }),
      );
      // Listing, limited to the readable prefixes, makes a missing object a 404 instead of a 403.
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [dataBucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': access.read.map((prefix) => `${prefix}*`) } },
        }),
      );
    }
    if (access.write.length > 0) {
      const objects = access.write.map((prefix) => dataBucket.arnForObjects(`${prefix}*`));
      wildcardResources.push(...objects);
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: objects }),
      );
    }
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: [ledger.tableArn] }),
    );
    if (access.ledger === 'read-write') {
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:Query'],
          resources: [ledger.tableArn, `${ledger.tableArn}/index/${LEDGER_COUNTY_INDEX}`],
        }),
      );
    }
    // S3 (SSE-KMS with a bucket key) and DynamoDB use the key on the function's behalf only.
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [encryptionKey.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': [`s3.${region}.amazonaws.com`, `dynamodb.${region}.amazonaws.com`] },
        },
      }),
    );
    acknowledgeWildcardResources(
      fn.role,
      wildcardResources,
      `Objects are addressed per run and county under fixed prefixes; the ${fn.phase} role reaches only the prefixes the workflow contract gives it.`,
    );
  }

  /** KMS for the map item readers and result writers, and the nag acknowledgements of what CDK grants. */
  private grantStateMachineAccess(props: ClearanceWorkflowProps): void {
    const region = Stack.of(this).region;
    const role = this.stateMachine.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
      }),
    );
    acknowledgeWildcardResources(
      role,
      Object.values(this.functions).map((fn) => `${fn.versionArn}:*`),
      'LambdaInvoke grants the published version of each phase function and its qualifiers (<version arn>:*); the functions are this workflow\'s own.',
    );
    acknowledgeWildcardResources(
      role,
      [props.dataBucket.arnForObjects(`${DataPrefix.runs}*`)],
      'The Distributed Map item readers read the range and partition manifests that Plan writes under runs/<runId>/.',
    );
    acknowledgeWildcardResources(
      role,
      [props.dataBucket.arnForObjects(`${DataPrefix.mapResults}*`)],
      'The Distributed Map result writers write one folder per map run under runs/map-results/.',
    );
    // CDK's policy for the Distributed Map child executions: StartExecution on this state machine, and
    // Describe/Stop/RedriveExecution on its executions (<execution arn prefix>:* and .../<map label>:* for map runs).
    const executionArnPrefix = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: Arn.split(this.stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    acknowledgeWildcardResources(
      this.stateMachine.node.findChild('DistributedMapPolicy'),
      [`${executionArnPrefix}:*`, ...this.mapRunLabels.map((label) => `${executionArnPrefix}/${label}:*`)],
      'The Distributed Map runs each item as a child execution of this same state machine; the wildcard is the execution id, under this state machine only.',
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by CDK for log delivery (logs:*LogDelivery, Put/DescribeResourcePolicies, DescribeLogGroups) and X-Ray; these actions support no resource-level permissions.',
    });
  }
}

interface InvokeOptions {
  /**
   * Where a timeout goes: 'fail' ends the (child) execution with TaskTimedOut; a state gets the whole state with
   * `error` set to TaskTimedOut and a cause naming the task and what to change. @default - no Catch of its own
   */
  readonly onTimeout?: 'fail' | sfn.IChainable;
  /** The Lambda payload. @default - the whole state input */
  readonly payload?: sfn.TaskInput;
  /** Where the result goes. @default '$' */
  readonly resultPath?: string;
}

/** The workflow's props with their defaults, validated: a bad value fails the synth, naming the prop and value. */
interface WorkflowSettings {
  readonly splitConcurrency: number;
  readonly classifyConcurrency: number;
  readonly prefixRequestBudget: number;
  readonly failureTolerancePercent: number;
  readonly maxPartitions: number;
  readonly targetRangeBytes: number;
  readonly targetPartitionBytes: number;
  readonly targetSliceBytes: number;
  readonly maxRejectRatio: number;
  readonly taskTimeoutMargin: Duration;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

function workflowSettings(props: ClearanceWorkflowProps): WorkflowSettings {
  const splitConcurrency = mapConcurrency('splitConcurrency', props.splitConcurrency ?? DEFAULT_MAP_CONCURRENCY);
  const classifyConcurrency = mapConcurrency('classifyConcurrency', props.classifyConcurrency ?? DEFAULT_MAP_CONCURRENCY);
  const prefixRequestBudget = props.prefixRequestBudget ?? DEFAULT_PREFIX_REQUEST_BUDGET;
  if (!Number.isInteger(prefixRequestBudget) || prefixRequestBudget < 1 || prefixRequestBudget > 5500) {
    throw new Error(`prefixRequestBudget must be an integer from 1 to 5500 (S3's GET rate per prefix), got ${prefixRequestBudget}`);
  }
  const failureTolerancePercent = props.failureTolerancePercent ?? 0;
  if (!Number.isFinite(failureTolerancePercent) || failureTolerancePercent < 0 || failureTolerancePercent > 100) {
    throw new Error(`failureTolerancePercent must be from 0 to 100, got ${failureTolerancePercent}`);
  }
  const maxPartitions = props.maxPartitions ?? DEFAULT_MAX_PARTITIONS;
  if (!Number.isInteger(maxPartitions) || maxPartitions < 1) {
    throw new Error(`maxPartitions must be a positive integer, got ${maxPartitions}`);
  }
  const targetRangeBytes = props.targetRangeBytes ?? DEFAULT_RANGE_BYTES;
  if (!Number.isInteger(targetRangeBytes) || targetRangeBytes < 1024 * 1024) {
    throw new Error(`targetRangeBytes must be an integer of at least 1048576 (1 MiB), got ${targetRangeBytes}`);
  }
  const targetPartitionBytes = props.targetPartitionBytes ?? DEFAULT_PARTITION_BYTES;
  if (!Number.isInteger(targetPartitionBytes) || targetPartitionBytes < 1024 * 1024) {
    throw new Error(`targetPartitionBytes must be an integer of at least 1048576 (1 MiB), got ${targetPartitionBytes}`);
  }
  const targetSliceBytes = props.targetSliceBytes ?? DEFAULT_SLICE_BYTES;
  if (!Number.isInteger(targetSliceBytes) || targetSliceBytes < 1024 * 1024) {
    throw new Error(`targetSliceBytes must be an integer of at least 1048576 (1 MiB), got ${targetSliceBytes}`);
  }
  if (props.taskLanes !== undefined && (!Number.isInteger(props.taskLanes) || props.taskLanes < 1)) {
    throw new Error(`taskLanes must be a whole number >= 1, got ${props.taskLanes}`);
  }
  const maxRejectRatio = props.maxRejectRatio ?? DEFAULT_MAX_REJECT_RATIO;
  if (!Number.isFinite(maxRejectRatio) || maxRejectRatio < 0 || maxRejectRatio > 1) {
    throw new Error(`maxRejectRatio must be from 0 to 1, got ${maxRejectRatio}`);
  }
  for (const phase of Object.keys(props.functionSizing ?? {})) {
    if (!(CLEARANCE_PHASES as readonly string[]).includes(phase)) {
      throw new Error(`functionSizing has an unknown phase ${JSON.stringify(phase)}: expected ${CLEARANCE_PHASES.join(', ')}`);
    }
  }
  return {
    splitConcurrency,
    classifyConcurrency,
    prefixRequestBudget,
    failureTolerancePercent,
    maxPartitions,
    targetRangeBytes,
    targetPartitionBytes,
    targetSliceBytes,
    maxRejectRatio,
    taskTimeoutMargin: props.taskTimeoutMargin ?? Duration.minutes(1),
    logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    logRemovalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
  };
}

/** One of the workflow's three Distributed Maps (ClearanceWorkflow.distributedMap). */
interface DistributedMapOptions {
  /** The state's name. @default the map's label */
  readonly stateName?: string;
  /** The folder of its results under map-results/. @default the label in lower case */
  readonly resultsFolder?: string;
  /** JSONPath of the items' object key in the data bucket. */
  readonly itemsKeyPath: string;
  readonly itemSelector: Record<string, unknown>;
  readonly maxConcurrencyPath: string;
  readonly resultPath: string;
  /** Creates the task each item runs. */
  readonly itemProcessor: () => sfn.IChainable;
}

function mapConcurrency(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_MAP_CONCURRENCY) {
    throw new Error(`${name} must be an integer from 1 to ${MAX_MAP_CONCURRENCY}, got ${value}`);
  }
  return value;
}

/**
 * An S3 JSON item reader whose IAM grant is the manifests' prefix only: the stock reader grants
 * s3:GetObject on the whole bucket, which would include personal data under results/.
 */
class PrefixScopedJsonItemReader extends sfn.S3JsonItemReader {
  constructor(
    private readonly readablePrefix: string,
    props: sfn.S3FileItemReaderProps,
  ) {
    super(props);
  }

  public providePolicyStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects(`${this.readablePrefix}*`)] }),
    ];
  }
}

/**
 * A result writer whose IAM grant is one prefix of the work area only: the stock writer grants
 * s3:PutObject and s3:GetObject on the whole bucket, which would include personal data under results/.
 */
class PrefixScopedResultWriterV2 extends sfn.ResultWriterV2 {
  private readonly scopedBucket: s3.IBucket;

  constructor(
    private readonly writablePrefix: string,
    props: { readonly bucket: s3.IBucket; readonly prefix: string },
  ) {
    super(props);
    if (!props.prefix.startsWith(writablePrefix)) {
      throw new Error(`result writer prefix ${props.prefix} must lie under ${writablePrefix}`);
    }
    this.scopedBucket = props.bucket;
  }

  public providePolicyStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        resources: [this.scopedBucket.arnForObjects(`${this.writablePrefix}*`)],
      }),
    ];
  }
}
