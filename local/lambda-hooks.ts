/**
 * What the local runtime sets up in a Lambda worker before the handler module loads, so that the production adapters
 * run unchanged and never know the emulator exists:
 * - S3 request bodies go unsigned (the stand-in never checks their hash; local/s3-payload-signing.ts);
 * - the Powertools Tracer is an off one. Outside Lambda the Tracer is never enabled, yet loading it loads the X-Ray
 *   SDK, which (with LAMBDA_TASK_ROOT set, as a Lambda worker has it) starts its CLS context tracking: an async hook
 *   on every promise, a third of Assemble's CPU on a 500k-row local run.
 * Both act on the module instances the handler resolves (from its own path), before it loads them.
 */
import Module, { createRequire } from 'node:module';
import type { S3Client } from '@aws-sdk/client-s3';
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
}
