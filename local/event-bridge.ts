/**
 * The local stand-in for S3 → EventBridge → Step Functions: turns an s3rver object record into the "Object Created"
 * event AWS delivers, matches it against the template's rules (the EventPattern subset we can evaluate exactly) and
 * says which state machine targets to start with which input.
 */
import { randomUUID } from 'node:crypto';
import type { S3EventRecord } from './stand-ins';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './stand-ins';
import type { LocalRule, LocalRuleTarget } from './template';
import type { ExecutionRecord } from './asl-runner';
import { EXECUTION_STATUS_CHANGE } from '../lambdas/domain/defaults';

export interface S3ObjectCreatedEvent {
  version: '0';
  id: string;
  'detail-type': 'Object Created';
  source: 'aws.s3';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    version: '0';
    bucket: { name: string };
    object: { key: string; size: number; etag: string; 'version-id'?: string; sequencer: string };
    'request-id': string;
    requester: string;
    'source-ip-address': string;
    reason: 'PutObject' | 'CopyObject' | 'CompleteMultipartUpload';
  };
}

export class UnsupportedEventPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedEventPatternError';
  }
}

export interface ObjectCreatedOptions {
  readonly region?: string;
  readonly accountId?: string;
  /** ETag (without quotes) to use when the record has none (s3rver omits it on copies). */
  readonly etag?: string;
  readonly versionId?: string;
}

/** s3rver event names → EventBridge reasons. s3rver reports multipart completions (and browser form POSTs) as Post. */
const REASONS: Record<string, S3ObjectCreatedEvent['detail']['reason']> = {
  'ObjectCreated:Put': 'PutObject',
  'ObjectCreated:Copy': 'CopyObject',
  'ObjectCreated:Post': 'CompleteMultipartUpload',
};

let sequencerCounter = 0;
/** Increasing 16-hex-digit sequencers (s3rver's are Date.now() in hex, equal for two writes in the same millisecond). */
function nextSequencer(): string {
  sequencerCounter = (sequencerCounter + 1) % 0x10000;
  return `${Date.now().toString(16).toUpperCase().padStart(12, '0')}${sequencerCounter.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The EventBridge "Object Created" event for an s3rver record, or undefined for records that are not object creations.
 * The key is passed through as stored (EventBridge, unlike S3 notifications to SQS/SNS/Lambda, does not URL-encode it).
 */
export function objectCreatedEvent(record: S3EventRecord, options: ObjectCreatedOptions = {}): S3ObjectCreatedEvent | undefined {
  const reason = REASONS[record.eventName];
  if (!reason) return undefined;
  const etag = record.s3.object.eTag ?? options.etag;
  if (etag === undefined) throw new Error(`the ${record.eventName} record for ${record.s3.object.key} has no ETag; pass options.etag`);
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const bucket = record.s3.bucket.name;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: accountId,
    time: `${record.eventTime.slice(0, 19)}Z`,
    region: options.region ?? LOCAL_REGION,
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: {
        key: record.s3.object.key,
        size: Number(record.s3.object.size ?? 0),
        etag: etag.replace(/"/g, ''),
        ...(options.versionId ? { 'version-id': options.versionId } : {}),
        sequencer: nextSequencer(),
      },
      'request-id': record.responseElements['x-amz-request-id'] ?? randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase(),
      requester: accountId,
      'source-ip-address': record.requestParameters.sourceIPAddress.replace(/^::ffff:/, ''),
      reason,
    },
  };
}

/** What the status-change event needs of an execution (ExecutionRecord / the embedded stack's summary). */
export type ExecutionStatusSource = Omit<ExecutionRecord, 'status'> & { readonly status: string };

/**
 * The "Step Functions Execution Status Change" event Step Functions puts on the default bus when an execution starts
 * or ends (the shape AWS documents: dates in epoch milliseconds, input and output as JSON text, null when absent).
 */
export function executionStatusChangeEvent(execution: ExecutionStatusSource, options: { region?: string; accountId?: string } = {}) {
  const ended = execution.stopDate !== undefined;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': EXECUTION_STATUS_CHANGE,
    source: 'aws.states',
    account: options.accountId ?? LOCAL_ACCOUNT_ID,
    time: `${(execution.stopDate ?? execution.startDate).slice(0, 19)}Z`,
    region: options.region ?? LOCAL_REGION,
    resources: [execution.executionArn],
    detail: {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: Date.parse(execution.startDate),
      stopDate: ended ? Date.parse(execution.stopDate!) : null,
      input: JSON.stringify(execution.input ?? null),
      output: ended && execution.status === 'SUCCEEDED' ? JSON.stringify(execution.output ?? null) : null,
      inputDetails: { included: true },
      outputDetails: ended && execution.status === 'SUCCEEDED' ? { included: true } : null,
      error: execution.error ?? null,
      cause: execution.cause ?? null,
    },
  };
}

const OPERATORS = new Set(['prefix', 'suffix', 'anything-but', 'exists', 'equals-ignore-case', 'wildcard']);

/** Throw UnsupportedEventPatternError if the pattern uses anything matchesEventPattern cannot evaluate exactly. */
export function validateEventPattern(pattern: unknown, where = 'EventPattern'): void {
  if (!isPlainObject(pattern)) throw new UnsupportedEventPatternError(`${where}: a pattern must be an object`);
  for (const [key, rule] of Object.entries(pattern)) {
    const at = `${where}.${key}`;
    if (key === '$or') throw new UnsupportedEventPatternError(`${at}: $or is not supported locally`);
    if (Array.isArray(rule)) {
      if (rule.length === 0) throw new UnsupportedEventPatternError(`${at}: an empty match list matches nothing`);
      rule.forEach((condition, index) => validateCondition(condition, `${at}[${index}]`));
    } else if (isPlainObject(rule)) {
      validateEventPattern(rule, at);
    } else {
      throw new UnsupportedEventPatternError(`${at}: leaf values must be arrays, got ${JSON.stringify(rule)}`);
    }
  }
}

function validateCondition(condition: unknown, where: string): void {
  if (condition === null || ['string', 'number', 'boolean'].includes(typeof condition)) return;
  if (!isPlainObject(condition)) throw new UnsupportedEventPatternError(`${where}: unsupported condition ${JSON.stringify(condition)}`);
  const keys = Object.keys(condition);
  if (keys.length !== 1 || !OPERATORS.has(keys[0])) {
    throw new UnsupportedEventPatternError(`${where}: operator ${JSON.stringify(keys)} is not supported locally (${[...OPERATORS].join(', ')})`);
  }
  const [operator] = keys;
  const operand = condition[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      if (typeof operand === 'string') return;
      if (isPlainObject(operand) && typeof operand['equals-ignore-case'] === 'string' && Object.keys(operand).length === 1) return;
      break;
    case 'equals-ignore-case':
    case 'wildcard':
      if (typeof operand === 'string') return;
      break;
    case 'exists':
      if (typeof operand === 'boolean') return;
      break;
    case 'anything-but':
      if (typeof operand === 'string' || typeof operand === 'number') return;
      if (Array.isArray(operand) && operand.every((item) => typeof item === 'string' || typeof item === 'number')) return;
      if (isPlainObject(operand) && Object.keys(operand).length === 1 && (typeof operand.prefix === 'string' || typeof operand.suffix === 'string')) return;
      break;
    default:
      break;
  }
  throw new UnsupportedEventPatternError(`${where}: unsupported ${operator} operand ${JSON.stringify(operand)}`);
}

/** EventBridge matching for the validated subset: every pattern field must match; a list matches if any condition does. */
export function matchesEventPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  for (const [key, rule] of Object.entries(pattern)) {
    const value = isPlainObject(event) ? event[key] : undefined;
    if (Array.isArray(rule)) {
      if (!rule.some((condition) => matchesCondition(condition, value))) return false;
    } else if (isPlainObject(rule)) {
      if (!isPlainObject(value) || !matchesEventPattern(rule, value)) return false;
    } else {
      throw new UnsupportedEventPatternError(`pattern field ${key}: leaf values must be arrays`);
    }
  }
  return true;
}

function matchesCondition(condition: unknown, value: unknown): boolean {
  const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
  if (!isPlainObject(condition)) return values.some((candidate) => candidate === condition);
  const [operator] = Object.keys(condition);
  const operand = condition[operator];
  const strings = values.filter((candidate): candidate is string => typeof candidate === 'string');
  switch (operator) {
    case 'exists':
      return operand === (value !== undefined);
    case 'prefix':
      return typeof operand === 'string'
        ? strings.some((candidate) => candidate.startsWith(operand))
        : strings.some((candidate) => candidate.toLowerCase().startsWith(String((operand as Record<string, unknown>)['equals-ignore-case']).toLowerCase()));
    case 'suffix':
      return typeof operand === 'string'
        ? strings.some((candidate) => candidate.endsWith(operand))
        : strings.some((candidate) => candidate.toLowerCase().endsWith(String((operand as Record<string, unknown>)['equals-ignore-case']).toLowerCase()));
    case 'equals-ignore-case':
      return strings.some((candidate) => candidate.toLowerCase() === String(operand).toLowerCase());
    case 'wildcard':
      return strings.some((candidate) => wildcardToRegExp(String(operand)).test(candidate));
    case 'anything-but': {
      if (values.length === 0) return false;
      if (isPlainObject(operand)) {
        if (typeof operand.prefix === 'string') return strings.length === values.length && strings.some((candidate) => !candidate.startsWith(operand.prefix as string));
        return strings.length === values.length && strings.some((candidate) => !candidate.endsWith(operand.suffix as string));
      }
      const excluded = Array.isArray(operand) ? operand : [operand];
      return values.some((candidate) => !excluded.includes(candidate as string | number));
    }
    default:
      throw new UnsupportedEventPatternError(`operator ${operator} is not supported locally`);
  }
}

const wildcardCache = new Map<string, RegExp>();
function wildcardToRegExp(pattern: string): RegExp {
  let compiled = wildcardCache.get(pattern);
  if (!compiled) {
    const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
    compiled = new RegExp(`^${escaped.join('.*')}$`, 's');
    wildcardCache.set(pattern, compiled);
  }
  return compiled;
}

export interface RoutedTarget {
  readonly rule: LocalRule;
  readonly target: LocalRuleTarget;
  /** The execution input: the event, or the target's Input / InputPath selection. */
  readonly input: unknown;
}

/** The enabled rules' state-machine targets an event should start, with their inputs. */
export function routeEvent(rules: Iterable<LocalRule>, event: unknown): RoutedTarget[] {
  const routed: RoutedTarget[] = [];
  for (const rule of rules) {
    if (!rule.enabled || !rule.eventPattern || !matchesEventPattern(rule.eventPattern, event)) continue;
    for (const target of rule.targets) {
      if (!target.stateMachineLogicalId) continue;
      const input = target.input !== undefined ? target.input : target.inputPath ? selectPath(event, target.inputPath) : event;
      routed.push({ rule, target, input });
    }
  }
  return routed;
}

/** InputPath for targets: "$" or a dotted path such as "$.detail". */
function selectPath(event: unknown, inputPath: string): unknown {
  if (inputPath === '$') return event;
  if (!/^\$(\.[A-Za-z0-9_-]+)+$/.test(inputPath)) throw new UnsupportedEventPatternError(`target InputPath ${inputPath} is not supported locally (use $.a.b)`);
  return inputPath
    .slice(2)
    .split('.')
    .reduce<unknown>((current, key) => (isPlainObject(current) ? current[key] : undefined), event);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
