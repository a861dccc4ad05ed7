/**
 * Unsigned payloads for S3 clients of the local stand-in. SigV4 signs a request's body by its SHA-256 when the body
 * is in memory (our PutObject and UploadPart bodies): a full hash of every uploaded byte, ~1 ms per MB. S3 also
 * accepts `x-amz-content-sha256: UNSIGNED-PAYLOAD` (the SDK itself sends it for streamed bodies), and the local S3
 * stand-in never checks payload hashes, so there the hash is pure cost. The request is still signed (headers, path,
 * query); only the body's hash is left out. The local runtime applies it to its own clients and, in each Lambda
 * worker, to every client the handler creates (local/lambda-hooks.ts); deployed functions never load this module.
 */
import type { S3Client } from '@aws-sdk/client-s3';

const MIDDLEWARE_NAME = 'clearanceUnsignedPayload';

/** Makes `client` declare every request body UNSIGNED-PAYLOAD instead of hashing it (idempotent). Returns the client. */
export function sendUnsignedPayloads<T extends Pick<S3Client, 'middlewareStack'>>(client: T): T {
  const stack = client.middlewareStack as unknown as {
    add(middleware: unknown, options: { step: string; name: string; override?: boolean }): void;
  };
  stack.add(
    (next: (args: unknown) => Promise<unknown>) => (args: { request?: { headers?: Record<string, string> } }) => {
      // Set before signing (finalizeRequest): the signer then uses this value instead of hashing the body.
      if (args.request?.headers) args.request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: MIDDLEWARE_NAME, override: true },
  );
  return client;
}

const PATCHED = Symbol.for('record-clearance.unsignedPayloads');

/**
 * Every client of this S3Client class (one module instance of @aws-sdk/client-s3) sends its bodies unsigned from its
 * first request on, whoever created it. Idempotent.
 */
export function sendUnsignedPayloadsFromEveryClient(s3ClientClass: typeof S3Client): void {
  const prototype = s3ClientClass.prototype as S3Client & { [PATCHED]?: true };
  if (prototype[PATCHED]) return;
  const clients = new WeakSet<S3Client>();
  const send = prototype.send as (this: S3Client, ...args: unknown[]) => unknown;
  (prototype as unknown as { send: (this: S3Client, ...args: unknown[]) => unknown }).send = function (this: S3Client, ...args: unknown[]) {
    if (!clients.has(this)) {
      clients.add(this);
      sendUnsignedPayloads(this);
    }
    return send.apply(this, args);
  };
  prototype[PATCHED] = true;
}
