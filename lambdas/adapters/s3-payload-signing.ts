/**
 * Unsigned payloads for S3 clients of the local stand-in. SigV4 signs a request's body by its SHA-256 when the body
 * is in memory (our PutObject and UploadPart bodies): a full hash of every uploaded byte, ~1 ms per MB. S3 also
 * accepts `x-amz-content-sha256: UNSIGNED-PAYLOAD` (the SDK itself sends it for streamed bodies), and the local S3
 * stand-in never checks payload hashes, so there the hash is pure cost. The request is still signed (headers, path,
 * query); only the body's hash is left out. Deployed functions keep the SDK's default (the variable is not set).
 */
import type { S3Client } from '@aws-sdk/client-s3';

/** Set to `true` (by the local runtime) to send S3 request bodies unsigned. */
export const UNSIGNED_PAYLOAD_ENV = 'CLEARANCE_S3_UNSIGNED_PAYLOAD';

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
