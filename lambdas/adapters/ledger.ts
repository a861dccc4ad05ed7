/**
 * The run ledger in DynamoDB: one item per run (pk `RUN#<runId>`), found per county through the `byCounty` index
 * (county, startedAt). It holds what operators and the CLI need to follow a run and nothing personal: ids, county,
 * input keys, the policy's name and hash, status, progress counters, phase timestamps, the error and the summary's
 * counts. Only conditional writes and atomic counters (no transactions: the local stand-in lacks them).
 *
 * Progress counters are exactly-once per range and partition: each completion adds its index to a number set in
 * the same conditional update that adds its counts, so a retried task (Step Functions retries on RetryableError and
 * timeouts) is not counted twice.
 */
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { retryableOrOriginal } from './errors';
import { hasErrorName, LedgerError } from '../domain/errors';
import { LEDGER_COUNTY_INDEX } from '../domain/defaults';

/** Where a Query or Scan resumes: the last page's LastEvaluatedKey (none for the first page). */
type PageKey = Record<string, unknown> | undefined;

export const RUN_STATUSES = ['PLANNING', 'SPLITTING', 'CLASSIFYING', 'ASSEMBLING', 'SUCCEEDED', 'FAILED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** Statuses of a run that has not ended. */
export const IN_PROGRESS_STATUSES: readonly RunStatus[] = ['PLANNING', 'SPLITTING', 'CLASSIFYING', 'ASSEMBLING'];

/** Progress and result counters, all present (0) from the moment a run is claimed. */
export interface RunCounters {
  rangeCount: number;
  rangesDone: number;
  partitionCount: number;
  partitionsDone: number;
  rowsRead: number;
  rowsRejected: number;
  rowsWritten: number;
  people: number;
  /** Convictions eligible for dismissal / reduction. */
  dismissals: number;
  reductions: number;
}

/** Counts from summary.json that the ledger keeps once a run has succeeded. */
export interface RunStatisticsCounts {
  convictions: number;
  blankLines: number;
  peopleWithRejectedRows: number;
  subjectsWithProp64Conviction: number;
  subjectsWithSomeRelief: number;
  prop64FelonyConvictions: number;
  prop64NonFelonyConvictions: number;
  /** Convictions per determination label (e.g. "Eligible for Dismissal"). */
  convictionsByDetermination: Record<string, number>;
}

export interface RunRecord extends RunCounters {
  runId: string;
  county: string;
  status: RunStatus;
  /** ISO timestamps. */
  startedAt: string;
  updatedAt: string;
  /** The upload that started the run: bucket, key as in the event, and its version id (or ETag when unversioned). */
  bucket?: string;
  triggerKey?: string;
  triggerVersion?: string;
  /** Object keys of the input files. */
  inputKeys?: string[];
  policyName?: string;
  /** SHA-256 of the policy's canonical JSON. */
  policyHash?: string;
  computeAt?: string;
  scenarioPresets?: string[];
  planEndedAt?: string;
  /** Time the last range / partition was recorded. */
  splitEndedAt?: string;
  classifyEndedAt?: string;
  assembleStartedAt?: string;
  /** When the run succeeded or failed. */
  endedAt?: string;
  errorName?: string;
  errorMessage?: string;
  /**
   * The cause of a map child that ran past its timeout (which task, which item, what to change): the map's own
   * failure says only that its tolerance was exceeded, so Mark failed records this one instead.
   */
  timedOutTask?: string;
  /** The execution that claimed the run (absent when Plan was invoked without one). */
  executionId?: string;
  /** reports/<COUNTY>/<runId>/summary.json once written. */
  summaryKey?: string;
  statistics?: RunStatisticsCounts;
  /** The prosecutor's review (Finalize), once a decision file was applied: counts only, never ids or names. */
  review?: RunReviewState;
  /** The county's run this one is compared with (docs/monthly.md), or why none (first run, no register, ...). */
  previousRunId?: string;
  previousNote?: string;
}

/** What the ledger keeps of a run's review: rounds applied and the final counts after the latest. */
export interface RunReviewState {
  rounds: number;
  relief: number;
  denied: number;
  pending: number;
  decided: number;
  /** Human decisions that changed an automatic outcome, by direction. */
  overrides: Record<string, number>;
  /** People left with no felony / no conviction on the final decisions (absent: the review list has no person columns). */
  peopleNoFelony?: number;
  peopleNoConviction?: number;
  /** ISO time of the latest applied round. */
  updatedAt: string;
}

export interface NewRun {
  runId: string;
  county: string;
  bucket: string;
  triggerKey: string;
  triggerVersion: string;
  /** The Step Functions execution that claimed the run: its retried Plan must find its own plan, not a duplicate. */
  executionId?: string;
}

/** Fields `updateRun` may set (counters included: Assemble sets the final values). */
export type RunUpdate = Partial<Omit<RunRecord, 'runId' | 'status' | 'startedAt' | 'updatedAt'>>;

export interface ProgressUpdate {
  /** False when this range/partition was already counted (a retried task) or the run has no ledger item. */
  counted: boolean;
  /** Ranges (or partitions) done and planned, after this update (when counted). */
  done?: number;
  total?: number;
}

export interface ListRunsOptions {
  /** Runs of this county (the byCounty index); without it every run is scanned (the CLI's operator role only). */
  county?: string;
  /** Most recent first; default 20. */
  limit?: number;
}

const PK_PREFIX = 'RUN#';
/** Bookkeeping attributes that are not part of a RunRecord. */
const INTERNAL_ATTRIBUTES = ['pk', 'rangesCompleted', 'partitionsCompleted', 'planLeaseUntil'] as const;
const COUNTER_NAMES: ReadonlyArray<keyof RunCounters> = [
  'rangeCount', 'rangesDone', 'partitionCount', 'partitionsDone', 'rowsRead', 'rowsRejected', 'rowsWritten', 'people', 'dismissals', 'reductions',
];

export function runKey(runId: string): { pk: string } {
  return { pk: `${PK_PREFIX}${runId}` };
}

export class RunLedger {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Records a new run in PLANNING. Returns false when the run already exists (a repeated event), unless it is still
   * PLANNING with an expired or released planning lease: that is a retry of a Plan attempt that died, which may
   * go on. `leaseMs` is how long this attempt may plan (its remaining Lambda time).
   */
  async claimRun(run: NewRun, leaseMs: number): Promise<boolean> {
    const now = this.now();
    const zeros = Object.fromEntries(COUNTER_NAMES.map((name) => [name, 0]));
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...runKey(run.runId),
            ...zeros,
            ...run,
            status: 'PLANNING',
            startedAt: now.toISOString(),
            updatedAt: now.toISOString(),
            planLeaseUntil: now.getTime() + leaseMs,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR (#status = :planning AND #lease < :now)',
          ExpressionAttributeNames: { '#status': 'status', '#lease': 'planLeaseUntil' },
          ExpressionAttributeValues: { ':planning': 'PLANNING', ':now': now.getTime() },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw retryableOrOriginal(error, `PutItem ${PK_PREFIX}${run.runId}`);
    }
  }

  /** Ends this Plan attempt's lease early (it failed), so that a retry may claim the run again. */
  async releaseClaim(runId: string): Promise<void> {
    const e = new Expression();
    await this.update(runId, e, {
      update: `SET ${e.name('planLeaseUntil')} = ${e.value(0)}`,
      condition: `${e.name('status')} = ${e.value('PLANNING')}`,
    }).catch((error) => {
      if (!isConditionFailure(error)) throw error;
    });
  }

  /** Sets the status and the given fields. Throws LedgerError when the run has no item. */
  async updateRun(runId: string, status: RunStatus, fields: RunUpdate = {}): Promise<void> {
    const e = new Expression();
    const sets = [e.set('status', status), e.set('updatedAt', this.now().toISOString())];
    for (const [name, value] of Object.entries(fields)) if (value !== undefined) sets.push(e.set(name, value));
    try {
      await this.update(runId, e, { update: `SET ${sets.join(', ')}`, condition: `attribute_exists(${e.name('pk')})` });
    } catch (error) {
      if (isConditionFailure(error)) throw new LedgerError(`run ${runId} has no ledger item (${PK_PREFIX}${runId})`);
      throw error;
    }
  }

  /** Records a map child's timeout cause (RunRecord.timedOutTask); the status stays. No-op when the run has no item. */
  async recordTimedOutTask(runId: string, cause: string): Promise<void> {
    const e = new Expression();
    try {
      await this.update(runId, e, {
        update: `SET ${e.set('timedOutTask', cause)}, ${e.set('updatedAt', this.now().toISOString())}`,
        condition: `attribute_exists(${e.name('pk')})`,
      });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Sets the run's review state (Finalize); the status stays. Throws LedgerError when the run has no item. */
  async recordReview(runId: string, review: Omit<RunReviewState, 'updatedAt'>): Promise<void> {
    const e = new Expression();
    const now = this.now().toISOString();
    try {
      await this.update(runId, e, {
        update: `SET ${e.set('review', { ...review, updatedAt: now })}, ${e.set('updatedAt', now)}`,
        condition: `attribute_exists(${e.name('pk')})`,
      });
    } catch (error) {
      if (isConditionFailure(error)) throw new LedgerError(`run ${runId} has no ledger item (${PK_PREFIX}${runId})`);
      throw error;
    }
  }

  /** Counts one finished Split range; the last one moves the run to CLASSIFYING. */
  async recordRangeDone(runId: string, rangeIndex: number, counts: { rowsRead: number; rowsRejected: number }): Promise<ProgressUpdate> {
    return this.recordProgress(runId, 'range', rangeIndex, counts);
  }

  /** Counts one finished Classify partition; the last one moves the run to ASSEMBLING. */
  async recordPartitionDone(
    runId: string,
    partition: number,
    counts: { rowsWritten: number; people: number; dismissals: number; reductions: number },
  ): Promise<ProgressUpdate> {
    return this.recordProgress(runId, 'partition', partition, counts);
  }

  /**
   * FAILED with the error; creates the item when Plan failed before claiming it. With `unlessOwnedElsewhere`
   * (the failed execution never got a plan, so the run may belong to another execution of the same event) the run
   * is marked only when it has no item, is already FAILED, or is PLANNING with no live lease. Returns whether it
   * was marked.
   */
  async markFailed(
    runId: string,
    failure: { county?: string; errorName: string; errorMessage: string },
    options: { unlessOwnedElsewhere?: boolean } = {},
  ): Promise<boolean> {
    const now = this.now();
    const e = new Expression();
    const sets = [
      e.set('status', 'FAILED'),
      e.set('updatedAt', now.toISOString()),
      e.set('endedAt', now.toISOString()),
      e.set('errorName', failure.errorName),
      e.set('errorMessage', failure.errorMessage),
      e.setIfMissing('runId', runId),
      e.setIfMissing('startedAt', now.toISOString()),
    ];
    if (failure.county !== undefined && failure.county !== '') sets.push(e.setIfMissing('county', failure.county));
    const status = e.name('status');
    const condition = options.unlessOwnedElsewhere
      ? `attribute_not_exists(${e.name('pk')}) OR ${status} = ${e.value('FAILED')} OR ` +
        `(${status} = ${e.value('PLANNING')} AND ${e.name('planLeaseUntil')} < ${e.value(now.getTime())})`
      : undefined;
    try {
      await this.update(runId, e, { update: `SET ${sets.join(', ')}`, ...(condition === undefined ? {} : { condition }) });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Removes a run's item (`clearance prune` of a kept local state; a deployed ledger keeps every run). */
  async deleteRun(runId: string): Promise<void> {
    try {
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: runKey(runId) }));
    } catch (error) {
      throw retryableOrOriginal(error, `DeleteItem ${PK_PREFIX}${runId}`);
    }
  }

  /**
   * FAILED with the error, for an execution that ended without Mark failed (aborted, timed out, failed outside the
   * Catch path): only when `executionId` is the execution that claimed the run and the run is still in progress, so
   * a run another execution owns, or one that has already ended, is left as it is. Returns the run as marked, or
   * undefined when it was not.
   */
  async markExecutionEnded(
    runId: string,
    executionId: string,
    failure: { errorName: string; errorMessage: string },
  ): Promise<RunRecord | undefined> {
    const now = this.now().toISOString();
    const e = new Expression();
    const sets = [
      e.set('status', 'FAILED'),
      e.set('updatedAt', now),
      e.set('endedAt', now),
      e.set('errorName', failure.errorName),
      e.set('errorMessage', failure.errorMessage),
    ];
    const inProgress = IN_PROGRESS_STATUSES.map((status) => e.value(status)).join(', ');
    try {
      const item = await this.update(runId, e, {
        update: `SET ${sets.join(', ')}`,
        condition: `${e.name('executionId')} = ${e.value(executionId)} AND ${e.name('status')} IN (${inProgress})`,
        returnNew: true,
      });
      return item === undefined ? undefined : toRecord(item);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * Every run still in progress (PLANNING to ASSEMBLING), oldest change first. A Scan of the whole table (one small
   * item per run): for the watch-runs function, which is granted it, and the CLI.
   */
  async listRunsInProgress(): Promise<RunRecord[]> {
    const e = new Expression();
    const filter = `${e.name('status')} IN (${IN_PROGRESS_STATUSES.map((status) => e.value(status)).join(', ')})`;
    const runs: RunRecord[] = [];
    const scan = (start: PageKey) =>
      new ScanCommand({ TableName: this.tableName, FilterExpression: filter, ExpressionAttributeNames: e.names, ExpressionAttributeValues: e.values, ExclusiveStartKey: start });
    for await (const items of this.pages('Scan', scan)) for (const item of items) runs.push(toRecord(item));
    return runs.sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : a.updatedAt > b.updatedAt ? 1 : 0));
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    try {
      const response = await this.client.send(new GetCommand({ TableName: this.tableName, Key: runKey(runId), ConsistentRead: true }));
      return response.Item === undefined ? undefined : toRecord(response.Item);
    } catch (error) {
      throw retryableOrOriginal(error, `GetItem ${PK_PREFIX}${runId}`);
    }
  }

  /**
   * The county's most recent run that succeeded (docs/monthly.md: what a run compares itself with), or undefined.
   * Pages through the county's runs, newest first, past any that failed or are still running.
   */
  async latestSucceededRun(county: string): Promise<RunRecord | undefined> {
    const query = (start: PageKey) =>
      new QueryCommand({
        TableName: this.tableName,
        IndexName: LEDGER_COUNTY_INDEX,
        KeyConditionExpression: '#county = :county',
        FilterExpression: '#status = :succeeded',
        ExpressionAttributeNames: { '#county': 'county', '#status': 'status' },
        ExpressionAttributeValues: { ':county': county, ':succeeded': 'SUCCEEDED' satisfies RunStatus },
        ScanIndexForward: false,
        Limit: 50,
        ExclusiveStartKey: start,
      });
    for await (const items of this.pages(`Query ${LEDGER_COUNTY_INDEX}`, query)) if (items[0] !== undefined) return toRecord(items[0]);
    return undefined;
  }

  /** Most recent runs first. */
  async listRuns(options: ListRunsOptions = {}): Promise<RunRecord[]> {
    const limit = options.limit ?? 20;
    if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`limit must be a whole number >= 1, got ${limit}`);
    const runs: RunRecord[] = [];
    const county = options.county;
    if (county !== undefined) {
      const query = (start: PageKey) =>
        new QueryCommand({
          TableName: this.tableName,
          IndexName: LEDGER_COUNTY_INDEX,
          KeyConditionExpression: '#county = :county',
          ExpressionAttributeNames: { '#county': 'county' },
          ExpressionAttributeValues: { ':county': county },
          ScanIndexForward: false,
          Limit: limit - runs.length,
          ExclusiveStartKey: start,
        });
      for await (const items of this.pages(`Query ${LEDGER_COUNTY_INDEX}`, query)) {
        for (const item of items) runs.push(toRecord(item));
        if (runs.length >= limit) break;
      }
      return runs;
    }
    // A Scan reads the whole table (one small item per run). The stack grants it to no function: only an
    // operator's credentials (the CLI's `clearance status` without a county) use this path.
    const scan = (start: PageKey) =>
      new ScanCommand({ TableName: this.tableName, FilterExpression: 'begins_with(pk, :prefix)', ExpressionAttributeValues: { ':prefix': PK_PREFIX }, ExclusiveStartKey: start });
    for await (const items of this.pages('Scan', scan)) for (const item of items) runs.push(toRecord(item));
    return runs.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0)).slice(0, limit);
  }

  /**
   * The items of a Query or Scan, a page at a time, following LastEvaluatedKey to the last page (or until the caller
   * stops); a failed request is thrown as retryableOrOriginal names it (`operation`).
   */
  private async *pages(operation: string, command: (start: PageKey) => QueryCommand | ScanCommand): AsyncGenerator<Array<Record<string, unknown>>> {
    let start: PageKey;
    do {
      let page: { Items?: Array<Record<string, unknown>>; LastEvaluatedKey?: Record<string, unknown> };
      try {
        // send takes one command type at a time; both answer with Items and LastEvaluatedKey.
        page = await this.client.send(command(start) as QueryCommand);
      } catch (error) {
        throw retryableOrOriginal(error, operation);
      }
      start = page.LastEvaluatedKey;
      yield page.Items ?? [];
    } while (start !== undefined);
  }

  private async recordProgress(runId: string, unit: 'range' | 'partition', index: number, counts: Record<string, number>): Promise<ProgressUpdate> {
    const [doneName, setName, totalName, endedAtName] =
      unit === 'range'
        ? (['rangesDone', 'rangesCompleted', 'rangeCount', 'splitEndedAt'] as const)
        : (['partitionsDone', 'partitionsCompleted', 'partitionCount', 'classifyEndedAt'] as const);
    const now = this.now().toISOString();
    const e = new Expression();
    const completed = e.name(setName);
    const adds = [`${e.name(doneName)} ${e.value(1)}`, `${completed} ${e.value(new Set([index]))}`];
    for (const [name, value] of Object.entries(counts)) adds.push(`${e.name(name)} ${e.value(value)}`);
    let item: Record<string, unknown> | undefined;
    try {
      item = await this.update(runId, e, {
        update: `ADD ${adds.join(', ')} SET ${e.set('updatedAt', now)}, ${e.set(endedAtName, now)}`,
        condition: `attribute_exists(${e.name('pk')}) AND NOT contains(${completed}, ${e.value(index)})`,
        returnNew: true,
      });
    } catch (error) {
      if (isConditionFailure(error)) return { counted: false };
      throw error;
    }
    const done = Number(item?.[doneName] ?? 0);
    const total = Number(item?.[totalName] ?? 0);
    if (done >= total) {
      // This completion was the last one: the phase is over (unless the run has failed meanwhile).
      const [from, to]: [RunStatus[], RunStatus] = unit === 'range' ? [['SPLITTING'], 'CLASSIFYING'] : [['SPLITTING', 'CLASSIFYING'], 'ASSEMBLING'];
      const t = new Expression();
      const status = t.name('status');
      await this.update(runId, t, {
        update: `SET ${status} = ${t.value(to)}`,
        condition: `${status} IN (${from.map((s) => t.value(s)).join(', ')})`,
      }).catch((error) => {
        if (!isConditionFailure(error)) throw error;
      });
    }
    return { counted: true, done, total };
  }

  private async update(
    runId: string,
    expression: Expression,
    request: { update: string; condition?: string; returnNew?: boolean },
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const response = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKey(runId),
          UpdateExpression: request.update,
          ...(request.condition === undefined ? {} : { ConditionExpression: request.condition }),
          ExpressionAttributeNames: expression.names,
          ExpressionAttributeValues: expression.values,
          ...(request.returnNew ? { ReturnValues: 'ALL_NEW' as const } : {}),
        }),
      );
      return response.Attributes;
    } catch (error) {
      if (isConditionFailure(error)) throw error;
      throw retryableOrOriginal(error, `UpdateItem ${PK_PREFIX}${runId}`);
    }
  }
}

/** Placeholders for attribute names and values, so no reserved word (status, ...) can break an expression. */
class Expression {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private count = 0;

  name(attribute: string): string {
    const existing = Object.keys(this.names).find((key) => this.names[key] === attribute);
    if (existing !== undefined) return existing;
    const placeholder = `#n${this.count++}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  value(value: unknown): string {
    const placeholder = `:v${this.count++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  set(attribute: string, value: unknown): string {
    return `${this.name(attribute)} = ${this.value(value)}`;
  }

  setIfMissing(attribute: string, value: unknown): string {
    const name = this.name(attribute);
    return `${name} = if_not_exists(${name}, ${this.value(value)})`;
  }
}

function isConditionFailure(error: unknown): boolean {
  return hasErrorName(error, 'ConditionalCheckFailedException');
}

function toRecord(item: Record<string, unknown>): RunRecord {
  const record: Record<string, unknown> = { ...item };
  for (const name of INTERNAL_ATTRIBUTES) delete record[name];
  return record as unknown as RunRecord;
}
