/**
 * What the local runtime sets up in a Lambda worker before the handler module loads, so that the production adapters
 * run unchanged and never know the emulator exists:
 * - S3 request bodies go unsigned (the stand-in never checks their hash; local/s3-payload-signing.ts);
 * - the Powertools Tracer is an off one. Outside Lambda the Tracer is never enabled, yet loading it loads the X-Ray
 *   SDK, which (with LAMBDA_TASK_ROOT set, as a Lambda worker has it) starts its CLS context tracking: an async hook
 *   on every promise, a large share of Assemble's CPU on one machine.
 * - with S3_MIN_PART_BYTES_ENV set (the embedded stack's limits.s3MinPartBytes), the adapter's S3ObjectStore plans
 *   its joins with S3's least part scaled down as the stand-in's is, so that small runs' joins copy parts too.
 * They act on the module instances the handler resolves (from its own path, and the compiled adapters next to this
 * module), before it loads them.
 */
import Module, { createRequire } from 'node:module';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3ObjectStore, S3ObjectStoreOptions } from '../lambdas/adapters/s3-object-store';
import { sendUnsignedPayloadsFromEveryClient } from './s3-payload-signing';

/** The Powertools Tracer as it is outside Lambda: never enabled, every call a no-op, clients left as they are. */
export class OffTracer {
  isTracingEnabled(): boolean {
    return false;
  }
  getSegment(): undefined {
    return undefined;
  }
  setSegment(): void {}
  annotateColdStart(): void {}
  addServiceNameAnnotation(): void {}
  putAnnotation(): void {}
  captureAWSv3Client<T>(client: T): T {
    return client;
  }
}

/** S3's least multipart part for the handlers' S3ObjectStore, as the stand-in's (whole bytes); unset: S3's 5 MiB. */
export const S3_MIN_PART_BYTES_ENV = 'CLEARANCE_LOCAL_S3_MIN_PART_BYTES';

/**
 * Makes every S3ObjectStore of the compiled adapter (the module the handlers load) default to `minPartBytes`, by
 * replacing the module's export with a subclass; options given explicitly still win.
 */
export function scaleS3MinimumPart(minPartBytes: number): void {
  const adapter = require('../lambdas/adapters/s3-object-store') as { S3ObjectStore: typeof S3ObjectStore };
  const ProductionStore = adapter.S3ObjectStore;
  adapter.S3ObjectStore = class ScaledPartS3ObjectStore extends ProductionStore {
    constructor(client: S3Client, bucket: string, options: S3ObjectStoreOptions = {}) {
      super(client, bucket, { minPartBytes, ...options });
    }
  };
}

/** S3_MIN_PART_BYTES_ENV's value, if set; anything but a whole number of at least 1 is an error naming it. */
export function scaledMinimumPart(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = env[S3_MIN_PART_BYTES_ENV];
  if (value === undefined || value === '') return undefined;
  const bytes = Number(value);
  if (!(Number.isSafeInteger(bytes) && bytes >= 1)) throw new RangeError(`${S3_MIN_PART_BYTES_ENV}: ${JSON.stringify(value)} must be a whole number >= 1`);
  return bytes;
}

/** Sets up the worker for the handler at `handlerPath` (the pool calls it once per worker, before loading it). */
export function prepareLambdaWorker(handlerPath: string): void {
  const requireFromHandler = createRequire(handlerPath);
  const s3 = requireFromHandler('@aws-sdk/client-s3') as { S3Client: typeof S3Client };
  sendUnsignedPayloadsFromEveryClient(s3.S3Client);
  const tracerPath = requireFromHandler.resolve('@aws-lambda-powertools/tracer');
  const stand = new Module(tracerPath);
  stand.filename = tracerPath;
  stand.loaded = true;
  stand.exports = { Tracer: OffTracer };
  requireFromHandler.cache[tracerPath] = stand;
  const minPartBytes = scaledMinimumPart();
  if (minPartBytes !== undefined) scaleS3MinimumPart(minPartBytes);
}
