/**
 * The SDK clients, created once per container (on first use) and wrapped once by the Tracer.
 *
 * Configuration comes from the environment. The SDK itself reads AWS_REGION, the credentials,
 * AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_DYNAMODB (service endpoints, used by the local runtime) and
 * AWS_REQUEST_CHECKSUM_CALCULATION / AWS_RESPONSE_CHECKSUM_VALIDATION; we add CLEARANCE_S3_FORCE_PATH_STYLE=true →
 * path-style S3 addressing (the local S3 stand-in has no virtual hosts).
 */
import { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { HandlerConfig } from './config';
import { RunLedger } from './ledger';
import { tracer } from './observability';
import { S3ObjectStore } from './s3-object-store';
import { ConfigError } from '../domain/errors';
import { FORCE_PATH_STYLE_ENV } from '../domain/defaults';

function regionOf(env: NodeJS.ProcessEnv): { region?: string } {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  return region ? { region } : {};
}

/** A true/false variable (unset or empty: false); anything else is a ConfigError naming it. */
function booleanFlag(env: NodeJS.ProcessEnv, name: string): boolean {
  const flag = env[name]?.trim().toLowerCase();
  if (flag !== undefined && flag !== '' && flag !== 'true' && flag !== 'false') {
    throw new ConfigError(`configuration: ${name}: ${JSON.stringify(env[name])} must be true or false`);
  }
  return flag === 'true';
}

export function s3ClientConfig(env: NodeJS.ProcessEnv = process.env): S3ClientConfig {
  return { ...regionOf(env), forcePathStyle: booleanFlag(env, FORCE_PATH_STYLE_ENV) };
}

/**
 * Sockets per S3 client. A read holds its socket until its body is consumed, and a task that reads many objects at
 * once (a merge over the partitions) would, with the SDK's default of 50 sockets, wait forever for one past the
 * 50th. Partitions are capped by MAX_PARTITIONS (1000 by default), so this leaves room for that many reads and the
 * writes beside them.
 */
export const S3_MAX_SOCKETS = 1100;

/** The classes of error the SDK's retry middleware tells a retry strategy about. */
type RetryErrorType = 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR' | 'CLIENT_ERROR';

export interface BackoffOptions {
  /** Attempts of one request, the first included (default 12). */
  maxAttempts?: number;
  /** First wait's ceiling in ms (default 200); doubles per retry (full jitter: a random wait below the ceiling). */
  baseDelayMs?: number;
  /** Largest wait in ms (default 20,000, the SDK's own cap). */
  maxDelayMs?: number;
  /** A number in [0, 1) (default Math.random), for tests. */
  random?: () => number;
}

/**
 * Back-pressure: S3 answers `503 SlowDown` beyond ~3,500 writes / 5,500 reads per second per prefix (and sooner
 * while it partitions a new prefix). This retry strategy retries throttling, transient and server errors with
 * exponential backoff and full jitter, up to 12 attempts (about a minute of waiting), so that a burst of map
 * children settles under the limit instead of failing the run. Unlike the SDK's standard and adaptive modes it keeps
 * no retry quota: in those, each retry spends 5 of 500 tokens that only successes without a retry give back, so a
 * long invocation under sustained throttling (a Classify task's hundreds of ranged GETs) ran out of retries and
 * failed; and adaptive mode's client-side rate limiter fell to about one request per second under a steady 25%
 * of SlowDown answers (100 PUTs: 60 s, against 9 s here).
 */
export function backoffRetryStrategy(options: BackoffOptions = {}) {
  const maxAttempts = options.maxAttempts ?? 12;
  const baseDelayMs = options.baseDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 20_000;
  const random = options.random ?? Math.random;
  const token = (retryCount: number, retryDelay: number) => ({ getRetryCount: () => retryCount, getRetryDelay: () => retryDelay });
  return {
    mode: 'standard' as const,
    async acquireInitialRetryToken(_scope: string) {
      return token(0, 0);
    },
    async refreshRetryTokenForRetry(previous: { getRetryCount(): number }, errorInfo: { errorType: RetryErrorType; error?: unknown; retryAfterHint?: Date }) {
      const retries = previous.getRetryCount() + 1;
      if (errorInfo.errorType === 'CLIENT_ERROR' || retries >= maxAttempts) throw errorInfo.error ?? new Error('no more retries');
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (retries - 1));
      const hinted = errorInfo.retryAfterHint === undefined ? 0 : Math.max(0, errorInfo.retryAfterHint.getTime() - Date.now());
      return token(retries, Math.min(maxDelayMs, Math.max(hinted, Math.floor(random() * ceiling))));
    },
    recordSuccess(_token: unknown) {},
  };
}

/** An S3 client configured from the environment (see the module comment). */
export function createS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  return new S3Client({
    ...s3ClientConfig(env),
    retryStrategy: backoffRetryStrategy(),
    requestHandler: { httpAgent: { maxSockets: S3_MAX_SOCKETS }, httpsAgent: { maxSockets: S3_MAX_SOCKETS } },
  });
}

export function dynamoDbClientConfig(env: NodeJS.ProcessEnv = process.env): DynamoDBClientConfig {
  return regionOf(env);
}

let s3: S3Client | undefined;
let documents: DynamoDBDocumentClient | undefined;

export function s3Client(): S3Client {
  s3 ??= tracer.captureAWSv3Client(createS3Client());
  return s3;
}

export function documentClient(): DynamoDBDocumentClient {
  documents ??= DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient(dynamoDbClientConfig())), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documents;
}

/** The data bucket as the pipeline's ObjectStore, and the run ledger, for a handler's configuration. */
export function handlerResources(config: HandlerConfig): { store: S3ObjectStore; ledger: RunLedger } {
  return {
    store: new S3ObjectStore(s3Client(), config.dataBucket),
    ledger: new RunLedger(documentClient(), config.ledgerTable),
  };
}
