import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LAMBDA_ESBUILD_ARGS, LAMBDA_MAIN_FIELDS, LAMBDA_NODE_TARGET, METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/domain/defaults';

/** The workflow phases; each has one function whose entry is `lambdas/<phase>/handler.ts`. */
export const CLEARANCE_PHASES = ['plan', 'split', 'classify', 'compare', 'assemble', 'mark-failed'] as const;
export type ClearancePhase = (typeof CLEARANCE_PHASES)[number];
/** Functions outside the run's workflow: Finalize applies a prosecutor's decision file (lib/review.ts). */
export const REVIEW_PHASES = ['finalize'] as const;
export type FunctionPhase = ClearancePhase | (typeof REVIEW_PHASES)[number];

/**
 * Functions beside the workflow's phases (lib/operations.ts): `reconcile` closes the ledger item of an execution that
 * ended outside the Catch path, `watch-runs` counts runs whose ledger item stopped changing; `rollup` (lib/analytics.ts)
 * writes the statewide roll-up after each successful run. Entry
 * `lambdas/<name>/handler.ts`, like a phase's.
 */
export const OPERATIONS_FUNCTIONS = ['reconcile', 'watch-runs', 'rollup'] as const;
export type OperationsFunction = (typeof OPERATIONS_FUNCTIONS)[number];
/** Every handler the stack deploys. */
export type ClearanceHandler = FunctionPhase | OperationsFunction;
const CLEARANCE_HANDLERS: readonly string[] = [...CLEARANCE_PHASES, ...REVIEW_PHASES, ...OPERATIONS_FUNCTIONS];


/** Memory and timeout of one phase's function. */
export interface PhaseSizing {
  /** Memory in MB (128-10240); CPU grows with it, one full vCPU at 1769 MB. */
  readonly memorySize: number;
  /** Function timeout (at most 15 minutes). */
  readonly timeout: Duration;
}

/**
 * Default sizing per phase. Split and Classify work on one bounded slice each (a byte range,
 * a partition) and Assemble streams, so none of them needs more than a few GB; the
 * 15-minute timeouts are the ceiling, not the expectation.
 */
export const PHASE_SIZING: Readonly<Record<ClearanceHandler, PhaseSizing>> = {
  plan: { memorySize: 1024, timeout: Duration.minutes(5) },
  split: { memorySize: 2048, timeout: Duration.minutes(15) },
  classify: { memorySize: 3008, timeout: Duration.minutes(15) },
  // Compare holds one partition of the run and of the register (docs/monthly.md): Classify's sizing.
  compare: { memorySize: 3008, timeout: Duration.minutes(15) },
  assemble: { memorySize: 3008, timeout: Duration.minutes(15) },
  'mark-failed': { memorySize: 512, timeout: Duration.minutes(2) },
  reconcile: { memorySize: 512, timeout: Duration.minutes(2) },
  'watch-runs': { memorySize: 512, timeout: Duration.minutes(5) },
  // The roll-up reads a few small analytics objects per county (58 at most) and renders one chart.
  rollup: { memorySize: 1024, timeout: Duration.minutes(5) },
  // Finalize reads a run's review list and its decision files whole (a line per conviction): small next to a run.
  finalize: { memorySize: 2048, timeout: Duration.minutes(15) },
};

export const FINALIZE_SIZING: PhaseSizing = PHASE_SIZING.finalize;

const MAX_LAMBDA_TIMEOUT = Duration.minutes(15);

export interface ClearanceFunctionProps {
  /** The phase (or operations function) this function runs; selects the entry, the sizing defaults and `CLEARANCE_PHASE`. */
  readonly phase: ClearanceHandler;

  /** Customer managed key that encrypts the function's log group. */
  readonly encryptionKey: kms.IKey;

  /**
   * Extra environment variables (the contract's `DATA_BUCKET`, `LEDGER_TABLE`, ...). The house
   * variables `CLEARANCE_PHASE`, `POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_NAMESPACE` and
   * `NODE_OPTIONS` cannot be overridden.
   *
   * @default - only the house variables
   */
  readonly environment?: Record<string, string>;

  /**
   * Memory in MB, 128-10240.
   *
   * @default PHASE_SIZING[phase].memorySize
   */
  readonly memorySize?: number;

  /**
   * Function timeout, at most 15 minutes.
   *
   * @default PHASE_SIZING[phase].timeout
   */
  readonly timeout?: Duration;

  /**
   * Retention of the function's log group.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log group when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * The handler source file.
   *
   * @default `<project root>/lambdas/<phase>/handler.ts`
   */
  readonly entry?: string;
}

/** How every function is bundled (tools/lambda-bundles.ts builds the same for the bundle test and bench:init). */
const LAMBDA_BUNDLING: BundlingOptions = {
  format: OutputFormat.CJS,
  target: LAMBDA_NODE_TARGET,
  minify: true,
  // ES module builds first: esbuild drops what is not imported (a third of the AWS SDK's bytes), so each cold start
  // compiles less.
  mainFields: LAMBDA_MAIN_FIELDS,
  esbuildArgs: { ...LAMBDA_ESBUILD_ARGS },
  sourceMap: true,
  sourcesContent: false,
  // Bundle the AWS SDK: the pinned, tested version ships instead of whatever the runtime carries.
  externalModules: [],
};

/**
 * The house Lambda function: NodejsFunction on Node.js 24 / arm64, X-Ray active, a KMS-encrypted
 * log group with retention, esbuild bundling (minified, source maps, AWS SDK bundled), and a
 * role that starts empty except for writing its own logs: each phase's data access is granted
 * by the caller, per prefix.
 */
export class ClearanceFunction extends Construct implements iam.IGrantable {
  public readonly phase: ClearanceHandler;
  /** The function timeout; a task calling it should wait a little longer. */
  public readonly timeout: Duration;
  public readonly function: NodejsFunction;
  /**
   * The version published by this deploy (code and configuration frozen). The state machines invoke it, so an
   * execution keeps the code it started with even when a deploy happens mid-run; earlier versions are retained.
   */
  public readonly version: lambda.IVersion;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  public readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: ClearanceFunctionProps) {
    super(scope, id);
    if (!CLEARANCE_HANDLERS.includes(props.phase)) {
      throw new Error(`phase must be one of ${CLEARANCE_HANDLERS.join(', ')}, got ${JSON.stringify(props.phase)}`);
    }
    this.phase = props.phase;
    const sizing = props.phase === 'finalize' ? FINALIZE_SIZING : PHASE_SIZING[props.phase];
    const memorySize = props.memorySize ?? sizing.memorySize;
    const timeout = props.timeout ?? sizing.timeout;
    this.timeout = timeout;
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10_240) {
      throw new Error(`memorySize of ${props.phase} must be an integer from 128 to 10240 MB, got ${memorySize}`);
    }
    if (timeout.toSeconds() < 1 || timeout.toSeconds() > MAX_LAMBDA_TIMEOUT.toSeconds()) {
      throw new Error(`timeout of ${props.phase} must be from 1 second to 15 minutes, got ${timeout.toHumanString()}`);
    }
    const projectRoot = findProjectRoot();
    const entry = props.entry ?? path.join(projectRoot, 'lambdas', props.phase, 'handler.ts');

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      encryptionKey: props.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    // No AWSLambdaBasicExecutionRole: its logs:* on every log group is more than a function needs.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `record-clearance ${props.phase} function`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.grantPrincipal = this.role;

    this.function = new NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      timeout,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      role: this.role,
      // A version replaced by the next deploy is kept: executions started before it still invoke it.
      currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
      description: `record-clearance ${props.phase} phase`,
      environment: {
        ...props.environment,
        CLEARANCE_PHASE: props.phase,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        // Stack traces point into the TypeScript sources through the bundled source maps.
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: LAMBDA_BUNDLING,
    });
    this.version = this.function.currentVersion;
    // Tracing ACTIVE adds xray:PutTraceSegments/PutTelemetryRecords on "*" to the role.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions; nothing else in this role uses "*".',
    });
  }

  /** The function's unqualified ARN. */
  public get functionArn(): string {
    return this.function.functionArn;
  }

  /** The ARN of this deploy's version: what the state machines invoke. */
  public get versionArn(): string {
    return this.version.functionArn;
  }
}

/** The directory holding package.json: `lib/` when run by ts-jest, `dist/lib/` when compiled. */
function findProjectRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'lambdas'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the project root (package.json next to lambdas/) above ${__dirname}`);
    dir = parent;
  }
}
