/**
 * What a run costs on AWS, from measured per-phase throughput: Lambda GB-seconds, Step Functions state
 * transitions (the Distributed Map children are Standard child executions), S3 requests and storage, DynamoDB
 * writes. `npm run bench` prints it for the figures it measures; docs/cost.md explains each term.
 * Prices: us-east-1 list prices (2026), arm64 Lambda.
 */


export const PRICES = {
  lambdaGbSecond: 0.0000133334, // arm64
  lambdaRequest: 0.2 / 1e6,
  stateTransition: 0.025 / 1000, // Standard workflows, map child executions included
  s3Put: 0.005 / 1000, // PUT, COPY, POST, LIST, multipart parts
  s3Get: 0.0004 / 1000,
  s3GbMonth: 0.023,
  dynamoWriteRequestUnit: 1.25 / 1e6, // on demand
  dynamoReadRequestUnit: 0.25 / 1e6,
};

export interface Throughput {
  /** Single-thread MB/s of each phase over input bytes, as measured (split and classify per task, assemble for the run). */
  splitMbPerSecond: number;
  classifyMbPerSecond: number;
  assembleMbPerSecond: number;
}

export interface Deployment {
  rangeMb: number;
  partitionMb: number;
  /** Input per output slice (TARGET_SLICE_BYTES): one Assemble-slice task each. */
  sliceMb: number;
  memoryMb: { plan: number; split: number; classify: number; assemble: number; markFailed: number };
  /** Days the work area (runs/) is kept before the lifecycle rule deletes it. */
  workRetentionDays: number;
  /** Output bytes per input byte (All_Results + condensed + Prop64 results), measured. */
  outputRatio: number;
  /** Multipart part size of the S3 adapter. */
  partMb: number;
  /**
   * Work-area bytes per input byte: routed rows (the values classify reads, ~0.50) plus classified rows (condensed
   * fields and eligibility columns, ~0.55); rows themselves are copied from the input by Assemble.
   */
  workRatio: number;
}

export const DEFAULT_DEPLOYMENT: Deployment = {
  rangeMb: 64,
  partitionMb: 64,
  sliceMb: 256,
  memoryMb: { plan: 1024, split: 2048, classify: 3008, assemble: 3008, markFailed: 512 },
  workRetentionDays: 7,
  outputRatio: 1.6,
  partMb: 16,
  // Measured on the 500k-row generated extract (216 MB): split/ 108 MB, classify/ 118 MB.
  workRatio: 1.05,
};

export interface CostBreakdown {
  rows: number;
  inputMb: number;
  ranges: number;
  partitions: number;
  lambdaGbSeconds: number;
  lambda: number;
  stateTransitions: number;
  stepFunctions: number;
  s3Requests: number;
  s3RequestsCost: number;
  s3WorkStorage: number;
  dynamoWrites: number;
  dynamo: number;
  total: number;
  /** Results kept in S3, per month (not in `total`: it is the county's retention choice). */
  resultsStoragePerMonth: number;
}

/**
 * Lambda on AWS gets vCPUs in proportion to memory (1 vCPU at 1769 MB). Split, classify and each Assemble-slice
 * task run one thread.
 */
export function cpuShare(memoryMb: number, threads = 1): number {
  return Math.min(threads, memoryMb / 1769);
}
/** Threads of one Assemble-slice task (the map of slices is the parallelism). */
export const ASSEMBLE_THREADS = 1;
/** List entries' work-area bytes per input byte where every person has a Prop 64 conviction (docs/limits.md). */
export const LIST_RATIO = 0.19;

export function estimateCost(rows: number, bytesPerRow: number, throughput: Throughput, deployment: Deployment = DEFAULT_DEPLOYMENT): CostBreakdown {
  const inputMb = (rows * bytesPerRow) / (1024 * 1024);
  const ranges = Math.max(1, Math.ceil(inputMb / deployment.rangeMb));
  const partitions = Math.max(1, Math.ceil(inputMb / deployment.partitionMb));
  const slices = Math.max(1, Math.ceil(inputMb / deployment.sliceMb));
  const memory = deployment.memoryMb;
  const splitSeconds = inputMb / (throughput.splitMbPerSecond * cpuShare(memory.split));
  const classifySeconds = inputMb / (throughput.classifyMbPerSecond * cpuShare(memory.classify));
  const assembleSeconds = inputMb / (throughput.assembleMbPerSecond * cpuShare(memory.assemble, ASSEMBLE_THREADS));
  const planSeconds = 2 + ranges * 0.05; // a ranged read or two per cut
  const gbSeconds =
    (planSeconds * memory.plan + splitSeconds * memory.split + classifySeconds * memory.classify + assembleSeconds * memory.assemble) / 1024;
  const invocations = 2 + ranges + partitions + slices; // plan, publish, the map children
  const lambda = gbSeconds * PRICES.lambdaGbSecond + invocations * PRICES.lambdaRequest;
  // Top level: ~14 transitions; each map child execution: start, the task, end.
  const stateTransitions = 14 + 3 * (ranges + partitions + slices);
  const stepFunctions = stateTransitions * PRICES.stateTransition;
  const outputMb = inputMb * deployment.outputRatio;
  const parts = (mb: number, objects: number) => objects * Math.max(1, Math.ceil(mb / objects / deployment.partMb));
  const puts =
    5 + // plan files and the pinned copy of the upload
    parts(inputMb * 0.5, ranges) + 2 * ranges + // split: one range object per range (in parts), rejects, result
    1 + // the slice index
    parts(inputMb * 0.55, partitions) + 8 * partitions + // classify: classified rows (in parts), 5 sorted list files, position index, list key index, statistics
    parts(outputMb, 3 * slices) + parts(inputMb * LIST_RATIO, 5 * slices) + 2 * slices + // slices: parts of the result files and lists (in parts), rejects, result
    9 * (2 * slices + 2) + 8 + // publish: 9 joins, reports
    (ranges + partitions) * 2 / 1000 + 2; // map result writer files
  // Classify: its index row and one ranged GET per range; Assemble slices: per partition 2 position entries, a list key
  // index and windows (64 KiB at hundreds of partitions) of its rows and 5 list ranges, the input; Publish: results, statistics.
  const mergeWindows = Math.ceil((inputMb * 0.55 * 1024) / 64) + Math.ceil((inputMb * LIST_RATIO * 1024) / 64) + 8 * partitions * slices;
  const gets = 2 * ranges + ranges * partitions + partitions * 2 + 3 * ranges + partitions + mergeWindows + 10;
  const s3RequestsCost = puts * PRICES.s3Put + gets * PRICES.s3Get;
  const workGb = (inputMb * deployment.workRatio + outputMb) / 1024; // routed and classified rows, and the staged outputs, kept workRetentionDays
  const s3WorkStorage = workGb * PRICES.s3GbMonth * (deployment.workRetentionDays / 30);
  const dynamoWrites = (3 + ranges + partitions + 3) * 2; // items ~1-2 KB: 2 WRU each
  const dynamo = dynamoWrites * PRICES.dynamoWriteRequestUnit + (ranges + partitions) * PRICES.dynamoReadRequestUnit;
  const total = lambda + stepFunctions + s3RequestsCost + s3WorkStorage + dynamo;
  return {
    rows,
    inputMb,
    ranges,
    partitions,
    lambdaGbSeconds: gbSeconds,
    lambda,
    stateTransitions,
    stepFunctions,
    s3Requests: puts + gets,
    s3RequestsCost,
    s3WorkStorage,
    dynamoWrites,
    dynamo,
    total,
    resultsStoragePerMonth: (outputMb / 1024) * PRICES.s3GbMonth,
  };
}

export function costTable(breakdown: CostBreakdown): string {
  const perMillion = 1e6 / breakdown.rows;
  const money = (value: number) => `$${(value * perMillion).toFixed(4)}`;
  return [
    `| per million rows (${(breakdown.inputMb * perMillion).toFixed(0)} MB) | |`,
    '|---|---:|',
    `| Lambda (${(breakdown.lambdaGbSeconds * perMillion).toFixed(0)} GB-s) | ${money(breakdown.lambda)} |`,
    `| Step Functions (${Math.round(breakdown.stateTransitions * perMillion)} transitions) | ${money(breakdown.stepFunctions)} |`,
    `| S3 requests (${Math.round(breakdown.s3Requests * perMillion)}) | ${money(breakdown.s3RequestsCost)} |`,
    `| S3 work area storage | ${money(breakdown.s3WorkStorage)} |`,
    `| DynamoDB | ${money(breakdown.dynamo)} |`,
    `| **total per run** | **${money(breakdown.total)}** |`,
    `| results kept in S3, per month | ${money(breakdown.resultsStoragePerMonth)} |`,
  ].join('\n');
}
