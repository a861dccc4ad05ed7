/**
 * In-process S3 (s3rver) and DynamoDB (dynalite) stand-ins on 127.0.0.1, ephemeral ports.
 * See docs/local-runtime.md for the pitfalls these settings avoid.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import S3rver from 's3rver';
import S3Event from 's3rver/lib/models/event';
import S3Object from 's3rver/lib/models/object';
import dynalite from 'dynalite';
import S3Account from 's3rver/lib/models/account';
import { LocalS3Store, S3RequestLimits, uploadPartCopyMiddleware, type S3RequestLimitOptions, type S3RequestStats, type StagedFile } from './s3-store';
import { guardDynalite, guardS3rver, newLocalCredentials, type LocalCredentials } from './stand-in-guard';
import { sendUnsignedPayloads } from './s3-payload-signing';
import { FORCE_PATH_STYLE_ENV } from '../lambdas/domain/defaults';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';

export interface StandInEndpoints {
  /** e.g. http://127.0.0.1:41234 (an IP, never `localhost`: s3rver would treat the host as a bucket). */
  readonly s3: string;
  readonly dynamodb: string;
  readonly region: string;
  /**
   * The credential of this start of the stand-ins (random): they answer only requests signed with it
   * (local/stand-in-guard.ts). Handed to the embedded stack's own clients and handlers, never written anywhere.
   */
  readonly credentials: LocalCredentials;
}

export type S3EventRecord = S3rver.S3EventRecord;

export interface StandInOptions {
  /**
   * Persist S3 objects (`<dir>/s3`) and DynamoDB tables (`<dir>/dynamodb`, LevelDB) there and keep them on stop.
   * Without it, S3 lives in a temporary directory removed on stop and DynamoDB is in memory.
   */
  readonly keepStateDir?: string;
  /** S3's per-prefix request rates, enforced with `503 SlowDown` answers (local/s3-store.ts, S3RequestLimits). */
  readonly s3RequestLimits?: S3RequestLimitOptions;
  /** The least size of a multipart upload's parts but the last (default S3's 5 MiB): lowered by tests of small runs. */
  readonly s3MinPartBytes?: number;
}

export interface StandIns {
  readonly endpoints: StandInEndpoints;
  /** Directory s3rver stores objects in (temporary unless keepStateDir was given). */
  readonly s3Directory: string;
  /** Subscribe to s3rver's per-object-change records (put, multipart completion, copy, delete). Returns an unsubscribe function. */
  onObjectEvent(listener: (record: S3EventRecord) => void): () => void;
  /**
   * Puts a copy of an object's bytes at `targetPath` (a local file, replaced whole): a hard link of the stand-in's own
   * file when its S3 directory is temporary and on the same file system, else a file copy (a reflink where the file
   * system has them). The bytes never pass through this process. Throws NotFoundError when there is no such object.
   */
  exportObject(bucket: string, key: string, targetPath: string): Promise<void>;
  /**
   * Puts a local file in as an object, announced with the ObjectCreated:Put record a PutObject of its bytes gives
   * (same ETag): the embedded stack's upload of an extract, without sending its bytes through HTTP to this same
   * process (a 206 MB extract: ~1.3 s of both cores over HTTP, ~0.2 s as a file copy). A file staged earlier
   * (`stageFile`, e.g. while the stack started) is moved in.
   */
  importObject(bucket: string, key: string, source: string | StagedFile): Promise<void>;
  /** Requests the S3 stand-in answered, its SlowDown answers and the peak rate per prefix. */
  s3RequestStats(): S3RequestStats;
  stop(): Promise<void>;
}

/**
 * s3rver encrypts ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 only offers through the legacy
 * provider (`--openssl-legacy-provider`); without it a paginated listing fails with HTTP 500. Three-key DES-EDE with
 * the same key three times is exactly single DES and is in the default provider, so `des` calls are redirected there.
 * Only the `des` algorithm is touched, and only when the native call is unsupported.
 */
export function ensureDesCipherAvailable(): void {
  const probeKey = Buffer.alloc(8, 1);
  try {
    crypto.createCipheriv('des', probeKey, probeKey);
    return;
  } catch {
    // fall through: patch below
  }
  const patched = crypto as unknown as { createCipheriv: unknown; createDecipheriv: unknown; __clearanceDesPatch?: true };
  if (patched.__clearanceDesPatch) return;
  const originalCipher = crypto.createCipheriv;
  const originalDecipher = crypto.createDecipheriv;
  const asTripleDes = (algorithm: string, key: crypto.CipherKey): [string, crypto.CipherKey] => {
    if (algorithm.toLowerCase() === 'des' && Buffer.isBuffer(key) && key.length === 8) {
      return ['des-ede3-cbc', Buffer.concat([key, key, key])];
    }
    return [algorithm, key];
  };
  patched.createCipheriv = (algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, options?: unknown) => {
    const [alg, k] = asTripleDes(algorithm, key);
    return (originalCipher as (...a: unknown[]) => crypto.Cipher)(alg, k, iv, options);
  };
  patched.createDecipheriv = (algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, options?: unknown) => {
    const [alg, k] = asTripleDes(algorithm, key);
    return (originalDecipher as (...a: unknown[]) => crypto.Decipher)(alg, k, iv, options);
  };
  patched.__clearanceDesPatch = true;
}

export async function startStandIns(options: StandInOptions = {}): Promise<StandIns> {
  ensureDesCipherAvailable();
  const keepStateDir = options.keepStateDir ? path.resolve(options.keepStateDir) : undefined;
  const s3Directory = keepStateDir
    ? path.join(keepStateDir, 's3')
    : fs.mkdtempSync(path.join(os.tmpdir(), 'clearance-s3-'));
  fs.mkdirSync(s3Directory, { recursive: true });
  const dynamoDirectory = keepStateDir ? path.join(keepStateDir, 'dynamodb') : undefined;
  if (dynamoDirectory) fs.mkdirSync(dynamoDirectory, { recursive: true });

  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: s3Directory,
    // Path-style only: with an IP endpoint there is no host to carry a bucket name.
    vhostBuckets: false,
  });
  const credentials = newLocalCredentials();
  // s3rver's own check (past the guard) takes a Signature Version 4 request from any key it knows: it must know this one.
  S3Account.DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
  const revokeKey = () => S3Account.DUMMY_ACCOUNT.revokeAccessKey(credentials.accessKeyId);
  // Same files, cheaper writes, multipart completions and copies (local/s3-store.ts).
  const store = new LocalS3Store(s3Directory);
  if (options.s3MinPartBytes !== undefined) store.minPartBytes = options.s3MinPartBytes;
  const internals = s3 as unknown as { store: unknown; context: { store: unknown } };
  internals.store = internals.context.store = store;
  // UploadPartCopy (Publish joining the output slices' parts), which s3rver lacks: just before its router.
  const middleware = (s3 as unknown as { middleware: unknown[] }).middleware;
  middleware.splice(middleware.length - 1, 0, uploadPartCopyMiddleware(store));
  // Counted (and limited, when asked) before s3rver's own middleware sees a request.
  const requestLimits = new S3RequestLimits(options.s3RequestLimits);
  (s3 as unknown as { middleware: unknown[] }).middleware.unshift(requestLimits.middleware());
  // The signature check comes first of all: a request is verified as it was signed, then counted.
  guardS3rver(s3, credentials, LOCAL_REGION);
  let s3Address: AddressInfo;
  try {
    s3Address = await s3.run();
  } catch (error) {
    revokeKey();
    if (!keepStateDir) fs.rmSync(s3Directory, { recursive: true, force: true });
    throw error;
  }

  const dynamo = dynalite({ path: dynamoDirectory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  guardDynalite(dynamo, credentials, LOCAL_REGION);
  let dynamoAddress: AddressInfo;
  try {
    dynamoAddress = await listen(dynamo);
  } catch (error) {
    await closeS3rver(s3);
    revokeKey();
    if (!keepStateDir) fs.rmSync(s3Directory, { recursive: true, force: true });
    throw error;
  }

  const endpoints: StandInEndpoints = {
    s3: `http://127.0.0.1:${s3Address.port}`,
    dynamodb: `http://127.0.0.1:${dynamoAddress.port}`,
    region: LOCAL_REGION,
    credentials,
  };

  return standInsOf({ endpoints, s3Directory, keepStateDir, s3, s3Port: s3Address.port, dynamo, store, requestLimits, revokeKey });
}

/** The running stand-ins' interface: object events, export and import, request statistics, stop. */
function standInsOf(parts: {
  endpoints: StandInEndpoints;
  s3Directory: string;
  keepStateDir: string | undefined;
  s3: S3rver;
  s3Port: number;
  dynamo: ReturnType<typeof dynalite>;
  store: LocalS3Store;
  requestLimits: S3RequestLimits;
  revokeKey: () => void;
}): StandIns {
  const { endpoints, s3Directory, keepStateDir, s3, s3Port, dynamo, store, requestLimits, revokeKey } = parts;
  const listeners = new Set<(record: S3EventRecord) => void>();
  s3.on('event', (event) => {
    for (const record of event.Records) {
      for (const listener of listeners) listener(record);
    }
  });

  let stopped: Promise<void> | undefined;
  return {
    endpoints,
    s3Directory,
    onObjectEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    // A kept state directory outlives this process: a link would let an edit of the exported file change the object.
    exportObject: (bucket, key, targetPath) => store.exportObject(bucket, key, targetPath, { link: !keepStateDir }),
    async importObject(bucket, key, source) {
      const { size, md5 } = await store.importObject(bucket, key, source);
      const item = new S3Object(bucket, key, null, { 'content-length': String(size), etag: JSON.stringify(md5) });
      const host = `127.0.0.1:${s3Port}`;
      s3.emit('event', new S3Event({ bucket, eventType: 'Put', S3Item: item }, { reqHeaders: { host }, sourceIp: '127.0.0.1' }));
    },
    s3RequestStats: () => requestLimits.stats(),
    stop() {
      stopped ??= (async () => {
        listeners.clear();
        await Promise.all([closeS3rver(s3), closeServer(dynamo)]);
        revokeKey();
        if (!keepStateDir) fs.rmSync(s3Directory, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** Client configuration for @aws-sdk/client-s3 and @aws-sdk/client-dynamodb talking to the stand-ins. */
export function localAwsConfig(endpoints: StandInEndpoints): { s3: S3ClientConfig; dynamodb: DynamoDBClientConfig } {
  const credentials = { accessKeyId: endpoints.credentials.accessKeyId, secretAccessKey: endpoints.credentials.secretAccessKey };
  return {
    s3: {
      endpoint: endpoints.s3,
      region: endpoints.region,
      forcePathStyle: true,
      credentials,
      // With the default (WHEN_SUPPORTED) a streamed PutObject is sent aws-chunked and s3rver stores the trailer verbatim.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    },
    dynamodb: { endpoint: endpoints.dynamodb, region: endpoints.region, credentials },
  };
}

/**
 * Environment a handler needs so that SDK clients created with default configuration reach the stand-ins.
 * The SDK reads every variable here except CLEARANCE_S3_FORCE_PATH_STYLE, which our S3 adapter must honour.
 */
export function localLambdaEnvironment(endpoints: StandInEndpoints): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ACCESS_KEY_ID: endpoints.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: endpoints.credentials.secretAccessKey,
    AWS_REGION: endpoints.region,
    AWS_DEFAULT_REGION: endpoints.region,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    [FORCE_PATH_STYLE_ENV]: 'true',
  };
}

/** An S3 client of the stand-in, configured as the handlers' (localAwsConfig, and bodies sent unsigned). */
export function localS3Client(endpoints: StandInEndpoints): S3Client {
  return sendUnsignedPayloads(new S3Client(localAwsConfig(endpoints).s3));
}

function listen(server: Server): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

async function closeS3rver(s3: S3rver): Promise<void> {
  s3.httpServer?.closeIdleConnections();
  await s3.close();
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Keep-alive sockets of SDK clients would otherwise hold the close open.
    server.closeIdleConnections();
  });
}
