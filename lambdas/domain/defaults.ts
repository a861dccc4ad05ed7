/**
 * Defaults and limits shared by the stack (lib/), the handlers, the CLI and the local runtime: each is defined once
 * here so that the construct props, the functions' environment, the CLI's options and the emulator agree.
 */

/** Powertools service name: the `service` of every log line and the `service` dimension of every custom metric. */
export const SERVICE_NAME = 'record-clearance';
/** CloudWatch namespace of the custom metrics. */
export const METRICS_NAMESPACE = 'RecordClearance';

/** The stack's name when none is given (`cdk deploy`'s stackName context; the embedded stack's, always). */
export const DEFAULT_STACK_NAME = 'RecordClearance';

/** Nominal bytes per Split range (TARGET_RANGE_BYTES): 64 MiB. */
export const DEFAULT_RANGE_BYTES = 64 * 1024 * 1024;
/** Nominal input bytes per Classify partition (TARGET_PARTITION_BYTES): 64 MiB. */
export const DEFAULT_PARTITION_BYTES = 64 * 1024 * 1024;
/** Nominal input bytes per output slice, one Assemble-slice task each (TARGET_SLICE_BYTES): 256 MiB. */
export const DEFAULT_SLICE_BYTES = 256 * 1024 * 1024;
/** Bytes of a sorted list file between two entries its sparse key index samples (list-merge.ts). */
export const LIST_KEY_BYTES = 256 * 1024;
/** Upper bound on Classify partitions (MAX_PARTITIONS). */
export const DEFAULT_MAX_PARTITIONS = 1000;
/** Rejected / read rows above which a run fails with RejectRatioExceeded (MAX_REJECT_RATIO). */
export const DEFAULT_MAX_REJECT_RATIO = 0.05;
/** Most Split or Classify children of a Distributed Map running at once (MAX_SPLIT/CLASSIFY_CONCURRENCY). */
export const DEFAULT_MAP_CONCURRENCY = 100;
/**
 * S3 requests per second per prefix the maps may cause (PREFIX_REQUEST_BUDGET): below S3's ~3,500
 * PUT/COPY/POST/DELETE and ~5,500 GET/HEAD per partitioned prefix, with room for a prefix S3 has not partitioned yet
 * (SlowDown answers there are retried with backoff by the adapters' adaptive retry mode).
 */
export const DEFAULT_PREFIX_REQUEST_BUDGET = 2000;

/**
 * Most input files of one run (docs/handlers.md, "Limits"): every file's key is kept in the run's ledger item, whose
 * size DynamoDB caps at 400 KB, and a county's extract comes in a handful of files.
 */
export const MAX_INPUT_FILES = 200;

/** The ledger table's index of runs by county (newest first): a county's latest runs, its last successful one. */
export const LEDGER_COUNTY_INDEX = 'byCounty';

/** The EventBridge detail-type of Step Functions' execution status changes (the reconciler's rule). */
export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';
/** Execution statuses after which a run must have ended; the reconciler is sent these. */
export const ENDED_EXECUTION_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/** Set in every handler environment by the local runtime; the S3 adapter turns it into `forcePathStyle: true`. */
export const FORCE_PATH_STYLE_ENV = 'CLEARANCE_S3_FORCE_PATH_STYLE';

/** Step Functions' ceiling on a task's TimeoutSeconds that the local executor can also honour (setTimeout's limit). */
export const MAX_TASK_TIMEOUT_SECONDS = 2_147_483;

/**
 * Finalize's fan-out (docs/review.md, "At scale"): nominal bytes per routed range of the review list or a decision
 * file, and review-list bytes per Apply partition (a partition's convictions, their decisions and final lines are
 * what one task holds).
 */
export const DEFAULT_REVIEW_RANGE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_REVIEW_PARTITION_BYTES = 16 * 1024 * 1024;
/** Upper bound on Finalize's partitions (one Apply task each). */
export const DEFAULT_REVIEW_MAX_PARTITIONS = 1000;
/** Most Route or Apply tasks of one Finalize execution running at once. */
export const DEFAULT_REVIEW_MAP_CONCURRENCY = 40;
/** The Node.js version the Lambda bundles are built for (esbuild's target; the functions' runtime is the same major). */
export const LAMBDA_NODE_TARGET = 'node24';
/** Where esbuild looks first in a package for the Lambda bundles: ES module builds, which it can tree-shake. */
export const LAMBDA_MAIN_FIELDS = ['module', 'main'];
/**
 * esbuild arguments of the Lambda bundles besides those CDK names: the SDK's ES module builds load some Node
 * built-ins with `import()` (node:http when the first request is sent); as require() they load as every other
 * module of a CommonJS bundle does.
 */
export const LAMBDA_ESBUILD_ARGS: Readonly<Record<string, string>> = { '--supported:dynamic-import': 'false' };
/**
 * Bytes of routed review decisions per chunk (docs/monthly.md): the previous run's decisions are routed to the run's
 * partitions one chunk at a time, so routing holds at most a chunk (a decided conviction is ~150 bytes).
 */
export const DECISION_CHUNK_BYTES = 16 * 1024 * 1024;
/** Bytes per read and write when the local store joins an output's slice parts (fs-object-store.ts join). */
export const JOIN_COPY_BYTES = 4 * 1024 * 1024;
