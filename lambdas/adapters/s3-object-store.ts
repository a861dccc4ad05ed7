/**
 * The pipeline's ObjectStore on S3. Reads are streamed (ranged GETs, the body consumed chunk by chunk, never a
 * whole object in memory); a write whose body fits in one part is a single PutObject, a larger one a multipart
 * upload (lib-storage) fed from the body as it is produced. Transient S3 failures become RetryableError so that
 * Step Functions retries the task; a missing object is NotFoundError.
 */
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { CopyOptions, ObjectStore, Slots, collectBytes, existsBySize } from '../domain/pipeline/object-store';
import { JoinPart, planJoin, S3_MIN_PART_BYTES } from '../domain/pipeline/join';
import { contentTypeOf } from './content-type';
import { retryableOrOriginal } from './errors';
import { hasErrorName, NotFoundError } from '../domain/errors';

export interface S3ObjectStoreOptions {
  /** Bytes per multipart part, and the largest body sent as one PutObject (default 16 MiB, at least 5 MiB). */
  partSize?: number;
  /** Parts of one upload in flight at once (default 2). */
  queueSize?: number;
  /** Keys per ListObjectsV2 page (default 1000, the S3 maximum). */
  pageSize?: number;
  /** Single-request writes in flight at once across this store (default 32, below the SDK's 50 sockets). */
  maxConcurrentPuts?: number;
  /** Objects larger than this are copied part by part (UploadPartCopy); default 5 GiB, CopyObject's limit. */
  multipartCopyThreshold?: number;
  /** Bytes per UploadPartCopy part (default 512 MiB; raised when the object would need more than 10,000 parts). */
  copyPartSize?: number;
  /** UploadPartCopy requests of one copy in flight at once (default 8). */
  copyConcurrency?: number;
  /**
   * S3's least part size but the last (default 5 MiB): what `join` plans its parts with. Lower only against a store
   * that allows smaller parts (the embedded stack's scaled S3 stand-in, local/lambda-hooks.ts).
   */
  minPartBytes?: number;
}

export const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
const MIN_PART_SIZE = 5 * 1024 * 1024;
/** CopyObject's limit, and the largest part of a multipart upload; larger objects are copied part by part. */
const MAX_COPY_OBJECT_BYTES = 5 * 1024 ** 3;
const DEFAULT_COPY_PART_SIZE = 512 * 1024 * 1024;
const MAX_PARTS = 10_000;
const DELETE_BATCH = 1000;

export class S3ObjectStore implements ObjectStore {
  /** A GetObject holds its socket until the body is read: merges of many objects read in windows (readMany). */
  readonly readsHoldConnections = true;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly pageSize: number;
  private readonly putSlots: Slots;
  private readonly multipartCopyThreshold: number;
  private readonly copyPartSize: number;
  private readonly copyConcurrency: number;

  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    options: S3ObjectStoreOptions = {},
  ) {
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    if (!(this.partSize >= MIN_PART_SIZE)) throw new RangeError(`partSize must be at least ${MIN_PART_SIZE} bytes (S3's minimum part), got ${this.partSize}`);
    this.queueSize = options.queueSize ?? 2;
    this.pageSize = options.pageSize ?? 1000;
    this.putSlots = new Slots(options.maxConcurrentPuts ?? 32);
    this.multipartCopyThreshold = options.multipartCopyThreshold ?? MAX_COPY_OBJECT_BYTES;
    if (!(this.multipartCopyThreshold >= 0 && this.multipartCopyThreshold <= MAX_COPY_OBJECT_BYTES)) {
      throw new RangeError(`multipartCopyThreshold must be from 0 to ${MAX_COPY_OBJECT_BYTES} bytes (CopyObject's limit), got ${this.multipartCopyThreshold}`);
    }
    this.copyPartSize = options.copyPartSize ?? DEFAULT_COPY_PART_SIZE;
    if (!(this.copyPartSize >= MIN_PART_SIZE && this.copyPartSize <= MAX_COPY_OBJECT_BYTES)) {
      throw new RangeError(`copyPartSize must be from ${MIN_PART_SIZE} to ${MAX_COPY_OBJECT_BYTES} bytes (S3's part limits), got ${this.copyPartSize}`);
    }
    this.copyConcurrency = options.copyConcurrency ?? 8;
    this.minPartBytes = options.minPartBytes ?? S3_MIN_PART_BYTES;
  }

  private readonly minPartBytes: number;

  /**
   * Joins objects in order into `toKey` (Publish joining the output slices' parts): a multipart upload whose parts
   * are UploadPartCopy ranges of the sources, the small sources gathered into uploaded parts (planJoin). The bytes
   * through this process are only the small sources' and less than a part per large one; memory: the uploaded parts
   * in flight (copyConcurrency x under 3 x minPartBytes).
   */
  async join(sources: ReadonlyArray<{ key: string; size: number }>, toKey: string): Promise<void> {
    const parts = planJoin(sources, this.minPartBytes);
    const gather = async (part: Extract<JoinPart, { bytes: unknown }>) =>
      Buffer.concat(await Promise.all(part.bytes.map((piece) => collectBytes(this.readRange(piece.key, piece.start, piece.end)))));
    if (parts.length === 0) return this.write(toKey, []);
    const only = parts[0];
    if (parts.length === 1 && 'bytes' in only) return this.write(toKey, [await gather(only)]);
    await this.multipartUpload(toKey, parts.length, 'join', async (index, uploadId) => {
      const part = parts[index];
      if ('copy' in part) {
        const { key, start, end } = part.copy;
        const copied = await this.client.send(
          new UploadPartCopyCommand({
            Bucket: this.bucket, Key: toKey, UploadId: uploadId, PartNumber: index + 1,
            CopySource: `${this.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
            CopySourceRange: `bytes=${start}-${end - 1}`,
          }),
        );
        return copied.CopyPartResult?.ETag;
      }
      const body = await gather(part);
      const uploaded = await this.client.send(
        new UploadPartCommand({ Bucket: this.bucket, Key: toKey, UploadId: uploadId, PartNumber: index + 1, Body: body, ContentLength: body.length }),
      );
      return uploaded.ETag;
    }, async (error) => retryableOrOriginal(error, `join ${toKey}`));
  }

  /**
   * One multipart upload of `parts` parts to `toKey`: `sendPart(index, uploadId)` sends part index + 1 and returns its
   * ETag, copyConcurrency parts at once. The first failure stops the other workers from starting parts; the upload is
   * aborted only once no part is in flight, so none lands after the abort (parts left behind are billed until a
   * lifecycle rule removes them). Throws the error as `toError` makes it; `label` names the operation in its message.
   */
  private async multipartUpload(
    toKey: string,
    parts: number,
    label: string,
    sendPart: (index: number, uploadId: string) => Promise<string | undefined>,
    toError: (error: unknown) => Promise<unknown>,
  ): Promise<void> {
    let uploadId: string | undefined;
    try {
      const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: toKey, ContentType: contentTypeOf(toKey) }));
      const upload = created.UploadId;
      uploadId = upload;
      if (upload === undefined) throw new Error(`CreateMultipartUpload ${toKey}: no UploadId in the response`);
      const etags: string[] = new Array(parts);
      let next = 0;
      let failed = false;
      const sendParts = async () => {
        while (next < parts && !failed) {
          const index = next++;
          const etag = await sendPart(index, upload);
          if (etag === undefined) throw new Error(`${label} ${toKey} part ${index + 1}: no ETag in the response`);
          etags[index] = etag;
        }
      };
      const worker = () => sendParts().catch((error) => {
        failed = true;
        throw error;
      });
      const settled = await Promise.allSettled(Array.from({ length: Math.min(this.copyConcurrency, parts) }, worker));
      const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failure) throw failure.reason;
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: toKey,
          UploadId: upload,
          MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
        }),
      );
    } catch (error) {
      if (uploadId !== undefined) {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: toKey, UploadId: uploadId })).catch(() => undefined);
      }
      throw await toError(error);
    }
  }

  async size(key: string, versionId?: string): Promise<number> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, ...(versionId === undefined ? {} : { VersionId: versionId }) }));
      return head.ContentLength ?? 0;
    } catch (error) {
      throw await this.keyFailure(error, 'HeadObject', key);
    }
  }

  async *readRange(key: string, start: number, end?: number): AsyncIterable<Buffer> {
    if (end !== undefined && end <= start) return;
    // No Range header for a whole object: S3 answers 416 to `bytes=0-` on an empty one.
    const range = start === 0 && end === undefined ? undefined : `bytes=${start}-${end === undefined ? '' : end - 1}`;
    let body: Readable;
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range }));
      body = response.Body as Readable;
      if (response.ContentLength === 0 || /\/0$/.test(response.ContentRange ?? '')) {
        // Nothing to read. (S3 answers a range of an empty object with 416; the stand-in with `bytes 0-0/0` and a
        // body it never sends.)
        body.destroy();
        return;
      }
    } catch (error) {
      if (statusOf(error) === 416 || hasErrorName(error, 'InvalidRange')) return; // the range starts at or past the end
      throw await this.keyFailure(error, 'GetObject', key);
    }
    try {
      for await (const chunk of body) yield chunk as Buffer;
    } catch (error) {
      throw retryableOrOriginal(error, `GetObject ${key}`);
    } finally {
      // A consumer that stops early (split stops at its range end) must not leave the socket busy.
      if (!body.destroyed) body.destroy();
    }
  }

  read(key: string): AsyncIterable<Buffer> {
    return this.readRange(key, 0);
  }

  async write(key: string, body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): Promise<void> {
    const chunks = toBuffers(body)[Symbol.asyncIterator]();
    const head: Buffer[] = [];
    let headBytes = 0;
    while (headBytes < this.partSize) {
      const next = await chunks.next();
      if (next.done) {
        await this.putObject(key, Buffer.concat(head, headBytes));
        return;
      }
      head.push(next.value);
      headBytes += next.value.length;
    }
    const source = new BodySource(head, chunks);
    const stream = Readable.from(source.chunks());
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: stream, ContentType: contentTypeOf(key) },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      stream.destroy();
      // When the body failed, that is the error (the upload's own, e.g. from aborting it, would hide it).
      if (source.failure !== undefined) throw source.failure;
      throw retryableOrOriginal(error, `Upload ${key}`);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: this.pageSize }),
        );
      } catch (error) {
        throw retryableOrOriginal(error, `ListObjectsV2 ${prefix}`);
      }
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    // S3 orders by UTF-8 bytes; sort as the file-system store does so both agree on every key.
    return keys.sort();
  }

  exists(key: string): Promise<boolean> {
    return existsBySize(this, key);
  }

  /**
   * A server-side copy: CopyObject up to 5 GiB, above that a multipart upload of UploadPartCopy ranges (the bytes
   * never pass through this process). Either way the target appears whole or not at all.
   */
  async copy(fromKey: string, toKey: string, options: CopyOptions = {}): Promise<void> {
    const version = options.sourceVersionId;
    const size = await this.size(fromKey, version);
    const source =
      `${this.bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}` + (version === undefined ? '' : `?versionId=${encodeURIComponent(version)}`);
    if (size > this.multipartCopyThreshold) {
      await this.multipartCopy(source, fromKey, toKey, size);
      return;
    }
    try {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: toKey, CopySource: source }));
    } catch (error) {
      throw await this.keyFailure(error, 'CopyObject', fromKey);
    }
  }

  private async multipartCopy(source: string, fromKey: string, toKey: string, size: number): Promise<void> {
    // Large enough parts (in whole MiB) to stay within S3's 10,000 per upload: a 5 TiB object needs about 525 MiB.
    const mib = 1024 * 1024;
    const partSize = Math.max(this.copyPartSize, Math.ceil(size / MAX_PARTS / mib) * mib);
    const parts = Math.ceil(size / partSize);
    await this.multipartUpload(toKey, parts, 'UploadPartCopy', async (index, uploadId) => {
      const start = index * partSize;
      const end = Math.min(size, start + partSize) - 1;
      const copied = await this.client.send(
        new UploadPartCopyCommand({
          Bucket: this.bucket,
          Key: toKey,
          UploadId: uploadId,
          PartNumber: index + 1,
          CopySource: source,
          CopySourceRange: `bytes=${start}-${end}`,
        }),
      );
      return copied.CopyPartResult?.ETag;
    }, (error) => this.keyFailure(error, 'UploadPartCopy', fromKey));
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      let response;
      try {
        response = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
      } catch (error) {
        throw retryableOrOriginal(error, `DeleteObjects ${batch[0]}`);
      }
      const failed = response.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        const error = new Error(`DeleteObjects: ${failed.length} of ${batch.length} keys not deleted, e.g. ${first.Key}: ${first.Code} ${first.Message ?? ''}`.trim());
        error.name = first.Code ?? 'DeleteObjectsError';
        throw retryableOrOriginal(error, `DeleteObjects ${first.Key}`);
      }
    }
  }

  private async putObject(key: string, body: Buffer): Promise<void> {
    await this.putSlots.run(async () => {
      try {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length, ContentType: contentTypeOf(key) }));
      } catch (error) {
        throw retryableOrOriginal(error, `PutObject ${key}`);
      }
    });
  }

  /**
   * The error for a failed call on one key. A missing object is a 404, or a 403 when the caller may not list the
   * bucket at that key (IAM grants listing by prefix only): then a listing of the key itself tells the two apart.
   */
  private async keyFailure(error: unknown, operation: string, key: string): Promise<unknown> {
    const status = statusOf(error);
    if (status === 404 || hasErrorName(error, 'NotFound') || hasErrorName(error, 'NoSuchKey')) return new NotFoundError(key);
    if (status === 403) {
      const listed = await this.isListed(key).catch(() => true);
      if (!listed) return new NotFoundError(key);
    }
    return retryableOrOriginal(error, `${operation} ${key}`);
  }

  private async isListed(key: string): Promise<boolean> {
    // The key sorts before every other key it prefixes, so it is the first result when it exists.
    const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key, MaxKeys: 1 }));
    return page.Contents?.[0]?.Key === key;
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

async function* toBuffers(body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): AsyncIterable<Buffer> {
  for await (const chunk of body) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (buffer.length > 0) yield buffer;
  }
}

/** The chunks already read ahead, then the rest; remembers an error of the body's producer. */
class BodySource {
  failure: unknown;

  constructor(
    private readonly head: Buffer[],
    private readonly rest: AsyncIterator<Buffer>,
  ) {}

  async *chunks(): AsyncIterable<Buffer> {
    let finished = false;
    try {
      yield* this.head;
      for (;;) {
        let next: IteratorResult<Buffer>;
        try {
          next = await this.rest.next();
        } catch (error) {
          this.failure = error;
          throw error;
        }
        if (next.done) {
          finished = true;
          return;
        }
        yield next.value;
      }
    } finally {
      // An upload that stops early releases the producer's iterator too.
      if (!finished && this.failure === undefined) await this.rest.return?.();
    }
  }
}

