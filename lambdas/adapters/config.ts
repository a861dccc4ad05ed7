/**
 * Function configuration from the environment the stack sets (docs/infrastructure.md), validated once at cold
 * start. A missing or bad variable fails the cold start with a ConfigError naming the variable and its value.
 */
import * as z from 'zod';
import { DEFAULT_MAP_CONCURRENCY, DEFAULT_PREFIX_REQUEST_BUDGET } from '../domain/defaults';
import { ConfigError } from '../domain/errors';

export interface HandlerConfig {
  /** DATA_BUCKET: the one data bucket (incoming/, policies/, runs/, results/, reports/). */
  dataBucket: string;
  /** LEDGER_TABLE: the run ledger table. */
  ledgerTable: string;
}

export interface PlanConfig extends HandlerConfig {
  /** MAX_PARTITIONS: upper bound on Classify partitions. */
  maxPartitions: number;
  /** TARGET_RANGE_BYTES: nominal bytes per Split range. */
  targetRangeBytes: number;
  /** TARGET_PARTITION_BYTES (optional, default 64 MiB): nominal input bytes per Classify partition. */
  targetPartitionBytes?: number;
  /** TARGET_SLICE_BYTES (optional, default 256 MiB): nominal input bytes per output slice (Assemble's fan-out). */
  targetSliceBytes?: number;
  /** MAX_REJECT_RATIO: above this share of rejected rows the run fails (0-1). */
  maxRejectRatio: number;
  /** TASK_LANES (optional, default 1): map tasks that run at once; range and partition counts are balanced over it. */
  taskLanes?: number;
  /** EXCEL_SAFE (optional, default false): neutralise spreadsheet formulas in the reference-format CSVs too. */
  excelSafe: boolean;
  /** MAX_SPLIT_CONCURRENCY / MAX_CLASSIFY_CONCURRENCY (optional, default 100): the maps' ceilings. */
  maxSplitConcurrency: number;
  maxClassifyConcurrency: number;
  /** PREFIX_REQUEST_BUDGET (optional, default 2000): S3 requests per second per prefix the maps may cause. */
  prefixRequestBudget: number;
}

const name = z.string({ message: 'is missing' }).trim().min(1, { message: 'is empty' });
const wholeNumber = z
  .string({ message: 'is missing' })
  .trim()
  .regex(/^\d+$/, { message: 'must be a whole number' })
  .transform(Number)
  .refine((n) => Number.isSafeInteger(n) && n >= 1, { message: 'must be a whole number >= 1' });
const ratio = z
  .string({ message: 'is missing' })
  .trim()
  .regex(/^(?:0|1|0?\.\d+|1\.0*)$/, { message: 'must be a number from 0 to 1' })
  .transform(Number);

const flag = z
  .string()
  .trim()
  .regex(/^(?:true|false)$/, { message: 'must be true or false' })
  .transform((text) => text === 'true');

const handlerSchema = z.object({ DATA_BUCKET: name, LEDGER_TABLE: name });
const planSchema = handlerSchema.extend({
  MAX_PARTITIONS: wholeNumber,
  TARGET_RANGE_BYTES: wholeNumber,
  TARGET_PARTITION_BYTES: wholeNumber.optional(),
  TARGET_SLICE_BYTES: wholeNumber.optional(),
  MAX_REJECT_RATIO: ratio,
  TASK_LANES: wholeNumber.optional(),
  EXCEL_SAFE: flag.optional(),
  MAX_SPLIT_CONCURRENCY: wholeNumber.optional(),
  MAX_CLASSIFY_CONCURRENCY: wholeNumber.optional(),
  PREFIX_REQUEST_BUDGET: wholeNumber.optional(),
});

function parse<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.output<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = String(issue.path[0]);
    const value = env[key];
    return value === undefined ? `${key} ${issue.message}` : `${key}: ${JSON.stringify(value)} ${issue.message}`;
  });
  throw new ConfigError(`configuration: ${problems.join('; ')}`);
}

export function loadHandlerConfig(env: NodeJS.ProcessEnv = process.env): HandlerConfig {
  const parsed = parse(handlerSchema, env);
  return { dataBucket: parsed.DATA_BUCKET, ledgerTable: parsed.LEDGER_TABLE };
}

export function loadPlanConfig(env: NodeJS.ProcessEnv = process.env): PlanConfig {
  const parsed = parse(planSchema, env);
  return {
    dataBucket: parsed.DATA_BUCKET,
    ledgerTable: parsed.LEDGER_TABLE,
    maxPartitions: parsed.MAX_PARTITIONS,
    targetRangeBytes: parsed.TARGET_RANGE_BYTES,
    ...(parsed.TARGET_PARTITION_BYTES === undefined ? {} : { targetPartitionBytes: parsed.TARGET_PARTITION_BYTES }),
    ...(parsed.TARGET_SLICE_BYTES === undefined ? {} : { targetSliceBytes: parsed.TARGET_SLICE_BYTES }),
    maxRejectRatio: parsed.MAX_REJECT_RATIO,
    ...(parsed.TASK_LANES === undefined ? {} : { taskLanes: parsed.TASK_LANES }),
    excelSafe: parsed.EXCEL_SAFE ?? false,
    maxSplitConcurrency: parsed.MAX_SPLIT_CONCURRENCY ?? DEFAULT_MAP_CONCURRENCY,
    maxClassifyConcurrency: parsed.MAX_CLASSIFY_CONCURRENCY ?? DEFAULT_MAP_CONCURRENCY,
    prefixRequestBudget: parsed.PREFIX_REQUEST_BUDGET ?? DEFAULT_PREFIX_REQUEST_BUDGET,
  };
}

export interface FinalizeConfig extends HandlerConfig {
  /** REVIEW_RANGE_BYTES / REVIEW_PARTITION_BYTES (optional; defaults.ts): the sizes of Finalize's fan-out. */
  reviewRangeBytes?: number;
  reviewPartitionBytes?: number;
}

const finalizeSchema = handlerSchema.extend({ REVIEW_RANGE_BYTES: wholeNumber.optional(), REVIEW_PARTITION_BYTES: wholeNumber.optional() });

export function loadFinalizeConfig(env: NodeJS.ProcessEnv = process.env): FinalizeConfig {
  const parsed = parse(finalizeSchema, env);
  return {
    dataBucket: parsed.DATA_BUCKET,
    ledgerTable: parsed.LEDGER_TABLE,
    ...(parsed.REVIEW_RANGE_BYTES === undefined ? {} : { reviewRangeBytes: parsed.REVIEW_RANGE_BYTES }),
    ...(parsed.REVIEW_PARTITION_BYTES === undefined ? {} : { reviewPartitionBytes: parsed.REVIEW_PARTITION_BYTES }),
  };
}

export interface WatchRunsConfig extends HandlerConfig {
  /** STALE_AFTER_MINUTES: a run in progress whose ledger item has not changed for this long is stale. */
  staleAfterMinutes: number;
}

const watchRunsSchema = handlerSchema.extend({ STALE_AFTER_MINUTES: wholeNumber });

export function loadWatchRunsConfig(env: NodeJS.ProcessEnv = process.env): WatchRunsConfig {
  const parsed = parse(watchRunsSchema, env);
  return { dataBucket: parsed.DATA_BUCKET, ledgerTable: parsed.LEDGER_TABLE, staleAfterMinutes: parsed.STALE_AFTER_MINUTES };
}

export interface RollupConfig {
  /** DATA_BUCKET: read analytics/, write reports/statewide/. The roll-up needs no ledger. */
  dataBucket: string;
}

const rollupSchema = z.object({ DATA_BUCKET: name });

export function loadRollupConfig(env: NodeJS.ProcessEnv = process.env): RollupConfig {
  return { dataBucket: parse(rollupSchema, env).DATA_BUCKET };
}
