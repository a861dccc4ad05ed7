/**
 * s3rver's file-system store with cheaper writes, multipart completions and copies; same layout on disk, same API.
 *
 * s3rver's own store writes an object in place, hashes a multipart object a second time while concatenating its
 * parts into a new file, and copies the bytes of CopyObject: a large share of the S3 stand-in's CPU and file I/O on
 * a large run. Here:
 * - every object is written to a temporary file beside it and renamed into place, so a reader sees the old or the
 *   new object, never a part (as on S3), and an object file, once in place, is never modified;
 * - which makes CopyObject a hard link of the object file (its ETag and metadata copied as before); where links are
 *   not possible, a copy of the file;
 * - parts are written into one assembly file per upload at their offsets, so that a completion (parts 1..n of one
 *   size but the last) renames that file into place: no copy, no second hash (s3rver concatenated the parts into a
 *   new file, hashing it all again). The ETag is S3's multipart ETag, MD5 of the parts' MD5s and the part count
 *   (`<hex>-<n>`), where s3rver gave the MD5 of the whole object;
 * - incoming bodies are written in batches of up to 1 MiB (one writev per batch) and objects are read in 512 KiB
 *   chunks (64 KiB in s3rver).
 * - a body's ETag is not its MD5 but its SHA-1 cut to 32 hex digits (bodyHash): the same bytes give the same ETag,
 *   other bytes another, as with S3, and nothing here reads an ETag as an MD5. SHA-1 is several times faster than
 *   MD5 on CPUs with SHA extensions, and the stand-in hashes every byte written. A multipart ETag is S3's form over
 *   those digests.
 * Unchanged: the files (`<key>._S3rver_object`, `.md5`, `._S3rver_metadata.json`), what every other request does,
 * events.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import FilesystemStore from 's3rver/lib/stores/filesystem';
import S3Object from 's3rver/lib/models/object';
import S3Error from 's3rver/lib/models/error';
import { assertInsideRoot } from './stand-in-guard';
import { NotFoundError } from '../lambdas/domain/errors';
import { S3_MIN_PART_BYTES } from '../lambdas/domain/pipeline/join';

/** The hash behind a body's ETag (see the module comment); `bodyEtag` gives its 32 hex digits. */
export function bodyHash(): crypto.Hash {
  return crypto.createHash('sha1');
}

export function bodyEtag(hash: crypto.Hash): string {
  return hash.digest('hex').slice(0, 32);
}

/** Bytes gathered from a request body before one write. */
const WRITE_BATCH = 1024 * 1024;
/**
 * Chunk size of object reads (GetObject bodies): 512 KiB while few are open, less as more are, down to 64 KiB, so
 * that the read buffers of all open bodies stay within about READ_BUDGET. Each open body holds up to two chunks (one
 * read ahead, one in its socket's buffer). Many bodies can be open at once (the Assemble-slice tasks' window reads,
 * several tasks at once): with fixed 512 KiB chunks the stand-in's memory would grow with their number.
 */
const READ_CHUNK_MAX = 512 * 1024;
const READ_CHUNK_MIN = 64 * 1024;
const READ_BUDGET = 4 * 1024 * 1024;
/** Chunk size of the read that hashes a staged file (stageFile). */
const HASH_CHUNK = 4 * 1024 * 1024;
/** Buffer of one part copy, and part copies at once, when completing a multipart upload. */
const COPY_CHUNK = 4 * 1024 * 1024;
const PARALLEL_COPIES = 3;

interface StoredObject {
  bucket: string;
  key: string;
  content: Buffer | Readable | null;
  metadata: Record<string, string>;
}

interface Part {
  number: number;
  etag: string;
}

/** Where an uploaded part's bytes are: in the upload's assembly file at `offset`, or in `file`. */
interface PartRecord {
  md5: string;
  size: number;
  offset?: number;
  file?: string;
}

const ASSEMBLY = 'assembly';

function partRecordPath(uploadDir: string, number: number): string {
  return path.join(uploadDir, `part-${number}.json`);
}

/** The upload's slot size: the first caller's `length`, recorded once (O_EXCL) for every part after it. */
async function slotSize(uploadDir: string, length: number): Promise<number> {
  const file = path.join(uploadDir, 'slot');
  try {
    await fs.promises.writeFile(file, String(length), { flag: 'wx' });
    return length;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    for (let attempt = 0; ; attempt++) {
      // The first writer may not have written its number yet.
      const text = await fs.promises.readFile(file, 'utf8');
      if (text !== '') return Number(text);
      if (attempt > 100) throw new Error(`${file} stays empty`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
}

export class LocalS3Store extends FilesystemStore {
  /** GetObject bodies being read (their files open). */
  private openReads = 0;
  /** Completing an upload with a part but the last below this fails with EntityTooSmall, as on S3. */
  minPartBytes = S3_MIN_PART_BYTES;

  // Every file of the store comes from these two: none may lie outside its folder (docs/security.md).
  override getResourcePath(bucket: string, key: string | undefined, resource: string): string {
    return insideRoot(this.rootDirectory, super.getResourcePath(bucket, key, resource));
  }

  override getBucketPath(bucket: string): string {
    return insideRoot(this.rootDirectory, super.getBucketPath(bucket));
  }

  override async putObject(object: StoredObject): Promise<{ size: number; md5: string }> {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
    const { size, md5 } = await writeAtomically(objectPath, (handle) => writeBody(handle, object.content ?? Buffer.alloc(0)));
    await this.putMetadata(object.bucket, object.key, object.metadata, md5);
    return { size, md5 };
  }

  /**
   * Parts go into one assembly file per upload, each at (number - 1) x the upload's slot size: the Content-Length of
   * the first part that arrives (a client's parts all have one size but the last). A part longer than the slot, or
   * of unknown length, goes to a file of its own instead. When the completed parts are 1..n, all but the last exactly
   * one slot long and all in the assembly file, that file is the object as it stands (truncated after the last part):
   * no byte is copied. Any other list of parts is copied together from where they are.
   */
  override async putPart(bucket: string, uploadId: string, partNumber: number | string, content: Readable): Promise<{ size: number; md5: string }> {
    const uploadDir = path.join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId);
    const number = Number(partNumber);
    await fs.promises.mkdir(uploadDir, { recursive: true });
    const record = partRecordPath(uploadDir, number);
    // Until this part is whole again, it is missing (a failed upload of it leaves no stale record over new bytes).
    await fs.promises.rm(record, { force: true });
    const length = Number((content as Readable & { headers?: Record<string, string> }).headers?.['content-length']);
    const slot = Number.isSafeInteger(length) && length > 0 ? await slotSize(uploadDir, length) : undefined;
    let stored: PartRecord;
    if (slot !== undefined && length <= slot) {
      const offset = (number - 1) * slot;
      const handle = await fs.promises.open(path.join(uploadDir, ASSEMBLY), fs.constants.O_WRONLY | fs.constants.O_CREAT);
      try {
        const { size, md5 } = await writeBody(handle, content, offset, length);
        if (size !== length) throw new Error(`part ${number} of upload ${uploadId}: ${size} bytes received, Content-Length ${length}`);
        stored = { md5, size, offset };
      } finally {
        await handle.close();
      }
    } else {
      const file = path.join(uploadDir, `part-${number}`);
      const { size, md5 } = await writeAtomically(file, (handle) => writeBody(handle, content));
      stored = { md5, size, file };
    }
    await fs.promises.writeFile(record, JSON.stringify(stored));
    return { size: stored.size, md5: stored.md5 };
  }

  override async putObjectMultipart(bucket: string, uploadId: string, parts: Part[]): Promise<{ size: number; md5: string }> {
    const uploadDir = path.join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId);
    const [key, metadata] = await Promise.all([
      fs.promises.readFile(path.join(uploadDir, 'key'), 'utf8'),
      fs.promises.readFile(path.join(uploadDir, 'metadata'), 'utf8').then((text) => JSON.parse(text) as Record<string, string>),
    ]);
    const numbers = [...new Set(parts.map((part) => part.number))].sort((a, b) => a - b);
    const records = await Promise.all(
      numbers.map((number) =>
        fs.promises.readFile(partRecordPath(uploadDir, number), 'utf8').then(
          (text) => JSON.parse(text) as PartRecord,
          () => {
            throw new S3Error('InvalidPart', 'One or more of the specified parts could not be found.', { PartNumber: number, UploadId: uploadId });
          },
        ),
      ),
    );
    // S3's rule: every part but the last at least 5 MiB.
    const small = records.findIndex((record, index) => index < records.length - 1 && record.size < this.minPartBytes);
    if (small >= 0) {
      throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', {
        ProposedSize: records[small].size,
        MinSizeAllowed: this.minPartBytes,
        PartNumber: numbers[small],
      });
    }
    const etag = `${crypto.createHash('md5').update(Buffer.concat(records.map((record) => Buffer.from(record.md5, 'hex')))).digest('hex')}-${records.length}`;
    const size = records.reduce((sum, record) => sum + record.size, 0);

    const objectPath = this.getResourcePath(bucket, key, 'object');
    await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
    const assembly = path.join(uploadDir, ASSEMBLY);
    const slot = records[0]?.size;
    const inPlace =
      records.length > 0 &&
      records.every((record, index) => record.offset === index * slot && (index === records.length - 1 || record.size === slot)) &&
      numbers.every((number, index) => number === index + 1);
    if (inPlace) {
      // The parts already lie at their offsets in the assembly file: it becomes the object by one rename.
      await fs.promises.truncate(assembly, size);
      await fs.promises.rename(assembly, objectPath);
    } else {
      const starts: number[] = [];
      records.reduce((at, record) => (starts.push(at), at + record.size), 0);
      await writeAtomically(objectPath, async (target) => {
        let next = 0;
        const copier = async () => {
          const buffer = Buffer.allocUnsafe(COPY_CHUNK);
          while (next < records.length) {
            const index = next++;
            const record = records[index];
            await copyInto(target, starts[index], record.file ?? assembly, record.offset ?? 0, record.size, buffer);
          }
        };
        await Promise.all(Array.from({ length: Math.min(PARALLEL_COPIES, records.length) }, copier));
      });
    }
    await this.putMetadata(bucket, key, new S3Object(bucket, key, null, metadata).metadata, etag);
    await fs.promises.rm(uploadDir, { recursive: true, force: true });
    return { size, md5: etag };
  }

  override async copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    replacementMetadata: Record<string, string> | null,
  ): Promise<Record<string, string>> {
    const source = this.getResourcePath(srcBucket, srcKey, 'object');
    const target = this.getResourcePath(destBucket, destKey, 'object');
    if (source !== target) {
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      const temporary = temporaryPath(target);
      try {
        // Safe because no object file is ever modified once in place (every write renames a new file in).
        await fs.promises.link(source, temporary).catch(async (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') throw error;
          await fs.promises.copyFile(source, temporary);
        });
        await fs.promises.rename(temporary, target);
      } catch (error) {
        await fs.promises.rm(temporary, { force: true });
        throw error;
      }
    }
    if (replacementMetadata) {
      await this.putMetadata(destBucket, destKey, replacementMetadata);
    } else if (source !== target) {
      await Promise.all([
        fs.promises.copyFile(this.getResourcePath(srcBucket, srcKey, 'metadata.json'), this.getResourcePath(destBucket, destKey, 'metadata.json')),
        fs.promises.copyFile(this.getResourcePath(srcBucket, srcKey, 'object.md5'), this.getResourcePath(destBucket, destKey, 'object.md5')),
      ]);
    }
    return this.getMetadata(destBucket, destKey);
  }

  /**
   * A file of this machine put in as the object `key` (the embedded stack's upload of a local extract), with the
   * metadata a PutObject without headers gets: a file staged by `stageFile` is renamed into place (copied where it
   * is on another file system); a path is staged beside the object first. Never a link to the user's file: it may
   * change later, while an object file is never modified once in place.
   */
  async importObject(bucket: string, key: string, source: string | StagedFile): Promise<{ size: number; md5: string }> {
    const objectPath = this.getResourcePath(bucket, key, 'object');
    await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
    const staged = typeof source === 'string' ? await stageFile(source, path.dirname(objectPath)) : source;
    try {
      await fs.promises.rename(staged.path, objectPath).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EXDEV') throw error;
        const temporary = temporaryPath(objectPath);
        await fs.promises.copyFile(staged.path, temporary, fs.constants.COPYFILE_FICLONE);
        await fs.promises.rename(temporary, objectPath);
      });
    } finally {
      await fs.promises.rm(staged.path, { force: true });
    }
    await this.putMetadata(bucket, key, { 'content-type': 'binary/octet-stream' }, staged.etag);
    return { size: staged.size, md5: staged.etag };
  }

  /**
   * A copy of an object's bytes at `targetPath`, replacing any file there whole: a hard link when `link` is set and
   * the file system allows it (safe: no object file is modified once in place), else a copy (a reflink where offered).
   */
  async exportObject(bucket: string, key: string, targetPath: string, options: { link: boolean }): Promise<void> {
    const source = this.getResourcePath(bucket, key, 'object');
    const temporary = temporaryPath(targetPath);
    try {
      let linked = false;
      if (options.link) {
        linked = await fs.promises.link(source, temporary).then(
          () => true,
          (error: NodeJS.ErrnoException) => {
            if (error.code === 'ENOENT') throw error;
            return false; // another file system, or links not allowed: copy
          },
        );
      }
      if (!linked) await fs.promises.copyFile(source, temporary, fs.constants.COPYFILE_FICLONE);
      await fs.promises.rename(temporary, targetPath);
    } catch (error) {
      await fs.promises.rm(temporary, { force: true });
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !fs.existsSync(source)) throw new NotFoundError(key);
      throw error;
    }
  }

  override async getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<S3Object | null> {
    try {
      const metadata = await this.getMetadata(bucket, key);
      const lastByte = Math.max(0, Number(metadata['content-length']) - 1);
      const range = { start: options?.start || 0, end: Math.min(options?.end || Infinity, lastByte) };
      const ranged = options !== undefined && (options.start !== undefined || Boolean(options.end));
      if (range.start < 0 || Math.min(range.end, lastByte) < range.start) {
        // Not satisfiable: no content (the controller answers InvalidRange).
        const object = new S3Object(bucket, key, null, metadata);
        if (ranged) object.range = range;
        return object;
      }
      const highWaterMark = readChunkFor(this.openReads + 1);
      const content = await new Promise<fs.ReadStream>((resolve, reject) => {
        const stream = fs
          .createReadStream(this.getResourcePath(bucket, key, 'object'), { ...range, highWaterMark })
          .on('error', reject)
          .on('open', () => resolve(stream));
      });
      this.openReads++;
      content.once('close', () => this.openReads--);
      const object = new S3Object(bucket, key, content, metadata);
      if (ranged) object.range = range;
      return object;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }
}

/** The read chunk of a body opened while `open` bodies (itself included) are being read: see READ_CHUNK_MAX. */
export function readChunkFor(open: number): number {
  const share = Math.floor(READ_BUDGET / Math.max(1, open) / 1024) * 1024;
  return Math.max(READ_CHUNK_MIN, Math.min(READ_CHUNK_MAX, share));
}

/** A private copy of a local file, hashed, ready to become an object (LocalS3Store.importObject). */
export interface StagedFile {
  path: string;
  size: number;
  /** The ETag its bytes get (bodyEtag). */
  etag: string;
}

/**
 * Copies a local file into `dir` (a clone where the file system has them) and hashes the copy: the slow half of an
 * import, which needs no store yet (`clearance run` stages the extract while the embedded stack starts). The bytes
 * hashed are the copy's, so the ETag is that of the object even if the source changes meanwhile.
 */
export async function stageFile(sourcePath: string, dir: string): Promise<StagedFile> {
  const staged = temporaryPath(path.join(dir, path.basename(sourcePath)));
  try {
    await fs.promises.copyFile(sourcePath, staged, fs.constants.COPYFILE_FICLONE);
    const hash = bodyHash();
    let size = 0;
    for await (const chunk of fs.createReadStream(staged, { highWaterMark: HASH_CHUNK }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
    return { path: staged, size, etag: bodyEtag(hash) };
  } catch (error) {
    await fs.promises.rm(staged, { force: true });
    throw error;
  }
}

/** A name beside `target` that no listing takes for an object (it does not end in `._S3rver_object`). */
function temporaryPath(target: string): string {
  return `${target}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.partial`;
}

/** Writes `target` through a temporary file renamed into place; the temporary file is removed on failure. */
async function writeAtomically<T>(target: string, write: (handle: fs.promises.FileHandle) => Promise<T>): Promise<T> {
  const temporary = temporaryPath(target);
  let result: T;
  try {
    const handle = await fs.promises.open(temporary, 'w');
    try {
      result = await write(handle);
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temporary, target);
  } catch (error) {
    await fs.promises.rm(temporary, { force: true });
    throw error;
  }
  return result;
}

/** Writes a request body (or a buffer) to `handle`, returning its size and ETag digest (`md5`, as s3rver names it). */
async function writeBody(
  handle: fs.promises.FileHandle,
  content: Buffer | Readable,
  start?: number,
  maxBytes = Infinity,
): Promise<{ size: number; md5: string }> {
  const md5 = bodyHash();
  // At `start` when given (positional writes), else at the file position.
  let position = start;
  const write = async (buffers: Buffer[], bytes: number) => {
    await writeAll(handle, buffers, position);
    if (position !== undefined) position += bytes;
  };
  if (Buffer.isBuffer(content)) {
    md5.update(content);
    await write([content], content.length);
    return { size: content.length, md5: bodyEtag(md5) };
  }
  let size = 0;
  let batch: Buffer[] = [];
  let batchBytes = 0;
  for await (const chunk of content as AsyncIterable<Buffer>) {
    // Never past the room given (a part's slot in an assembly file).
    if (size + chunk.length > maxBytes) throw new Error(`the body is longer than its Content-Length (${maxBytes} bytes)`);
    md5.update(chunk);
    size += chunk.length;
    batch.push(chunk);
    batchBytes += chunk.length;
    if (batchBytes >= WRITE_BATCH) {
      await write(batch, batchBytes);
      batch = [];
      batchBytes = 0;
    }
  }
  if (batch.length > 0) await write(batch, batchBytes);
  return { size, md5: bodyEtag(md5) };
}

/** writev until every byte is written (a write may be partial); at `position` when given, else at the file position. */
async function writeAll(handle: fs.promises.FileHandle, buffers: Buffer[], position?: number): Promise<void> {
  let pending = buffers.filter((buffer) => buffer.length > 0);
  while (pending.length > 0) {
    let { bytesWritten } = position === undefined ? await handle.writev(pending) : await handle.writev(pending, position);
    if (position !== undefined) position += bytesWritten;
    const rest: Buffer[] = [];
    for (const buffer of pending) {
      if (bytesWritten >= buffer.length) bytesWritten -= buffer.length;
      else {
        rest.push(bytesWritten > 0 ? buffer.subarray(bytesWritten) : buffer);
        bytesWritten = 0;
      }
    }
    pending = rest;
  }
}

/** Copies `size` bytes of the file at `source` from `from` into `target` at `offset`. */
async function copyInto(target: fs.promises.FileHandle, offset: number, source: string, from: number, size: number, buffer: Buffer): Promise<void> {
  const input = await fs.promises.open(source, 'r');
  try {
    let copied = 0;
    while (copied < size) {
      const { bytesRead } = await input.read(buffer, 0, Math.min(buffer.length, size - copied), from + copied);
      if (bytesRead === 0) throw new Error(`${source}: ended at ${copied} of ${size} bytes`);
      let written = 0;
      while (written < bytesRead) {
        const result = await target.write(buffer, written, bytesRead - written, offset + copied + written);
        written += result.bytesWritten;
      }
      copied += bytesRead;
    }
  } finally {
    await input.close();
  }
}

function insideRoot(root: string, target: string): string {
  try {
    assertInsideRoot(root, target);
  } catch {
    throw new S3Error('InvalidArgument', 'the object key leads outside the store', {});
  }
  return target;
}

interface PartCopyContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
  set(field: string, value: string): void;
}

/**
 * UploadPartCopy, which s3rver does not implement: a part of a multipart upload copied from (a byte range of) an
 * object on the server. A Koa middleware placed just before s3rver's router; the part is stored as an uploaded
 * part is (LocalS3Store.putPart). Versions are not kept here: a copy source's versionId is ignored.
 */
export function uploadPartCopyMiddleware(store: LocalS3Store): (ctx: PartCopyContext, next: () => Promise<unknown>) => Promise<unknown> {
  return async (ctx, next) => {
    const source = ctx.headers['x-amz-copy-source'];
    const uploadId = ctx.query.uploadId;
    const partNumber = ctx.query.partNumber;
    if (ctx.method !== 'PUT' || typeof source !== 'string' || typeof uploadId !== 'string' || typeof partNumber !== 'string') return next();
    const [bucket] = ctx.path.slice(1).split('/');
    const decoded = decodeURIComponent(source.replace(/^\//, '').split('?')[0]);
    const slash = decoded.indexOf('/');
    const [sourceBucket, sourceKey] = [decoded.slice(0, slash), decoded.slice(slash + 1)];
    const rangeHeader = ctx.headers['x-amz-copy-source-range'];
    const match = typeof rangeHeader === 'string' ? /^bytes=(\d+)-(\d+)$/.exec(rangeHeader) : null;
    if (typeof rangeHeader === 'string' && match === null) throw new S3Error('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last.', {});
    const object = await store.getObject(sourceBucket, sourceKey, match ? { start: Number(match[1]), end: Number(match[2]) } : undefined);
    if (object === null) throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: sourceKey });
    const size = Number(object.metadata['content-length']);
    const length = match ? Number(match[2]) - Number(match[1]) + 1 : size;
    if (match && (Number(match[2]) >= size || length < 1)) throw new S3Error('InvalidRange', 'The requested range is not satisfiable', { RangeRequested: rangeHeader as string });
    const content = (object.content ?? Readable.from([])) as Readable & { headers?: Record<string, string> };
    content.headers = { 'content-length': String(length) };
    const { md5 } = await store.putPart(bucket, uploadId, partNumber, content);
    ctx.status = 200;
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<CopyPartResult><ETag>"${md5}"</ETag><LastModified>${new Date().toISOString()}</LastModified></CopyPartResult>`;
    return undefined;
  };
}

/** S3's request classes as its per-prefix rates count them. */
export type RequestClass = 'read' | 'write';

export interface S3RequestLimitOptions {
  /**
   * Requests per second per prefix (the key up to its last `/`) above which the stand-in answers `503 SlowDown` as
   * S3 does: S3 serves about 5,500 GET/HEAD and 3,500 PUT/COPY/POST/DELETE per second per partitioned prefix.
   * Default: no limit (the requests are still counted).
   */
  readonly perPrefixPerSecond?: Readonly<Partial<Record<RequestClass, number>>>;
  /** Answer every n-th request (of any prefix) with `503 SlowDown` too, whatever the rate: injected throttling. */
  readonly slowDownEvery?: number;
}

export interface S3RequestStats {
  /** Requests answered, by class (SlowDown answers not counted). */
  readonly requests: Readonly<Record<RequestClass, number>>;
  /** `503 SlowDown` answers given. */
  readonly slowDowns: number;
  /** The most requests of one class one prefix received within one second, and which. */
  readonly peakPerPrefix: { readonly read: number; readonly write: number; readonly readPrefix: string; readonly writePrefix: string };
}

const SLOW_DOWN_BODY =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>' +
  '<RequestId>LOCAL</RequestId><HostId>LOCAL</HostId></Error>';

interface RequestContext {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  req: NodeJS.ReadableStream;
  status: number;
  body: unknown;
  type: string;
  set(field: string, value: string): void;
}

/**
 * S3's per-prefix request rates on the stand-in: counts every request by prefix and class in one-second windows,
 * answers `503 SlowDown` (S3's XML error) beyond the configured rate or every n-th request, and keeps the peaks for
 * the bench. A Koa middleware placed before s3rver's own.
 *
 * It also takes the `versionId` off a copy source: the stand-in keeps one version per key, so a copy of "the
 * version that started the run" (Plan pinning an upload) copies the object as it is, as S3 does while no newer
 * version exists.
 */
export class S3RequestLimits {
  private readonly windows = new Map<string, { second: number; count: number }>();
  private counts: Record<RequestClass, number> = { read: 0, write: 0 };
  private slowDowns = 0;
  private seen = 0;
  private peak = { read: 0, write: 0, readPrefix: '', writePrefix: '' };

  constructor(private readonly options: S3RequestLimitOptions = {}) {
    for (const [name, value] of Object.entries(options.perPrefixPerSecond ?? {})) {
      if (!(Number.isInteger(value) && value >= 1)) throw new RangeError(`perPrefixPerSecond.${name} must be a whole number >= 1, got ${value}`);
    }
    if (options.slowDownEvery !== undefined && !(Number.isInteger(options.slowDownEvery) && options.slowDownEvery >= 2)) {
      throw new RangeError(`slowDownEvery must be a whole number >= 2, got ${options.slowDownEvery}`);
    }
  }

  stats(): S3RequestStats {
    return { requests: { ...this.counts }, slowDowns: this.slowDowns, peakPerPrefix: { ...this.peak } };
  }

  middleware(): (ctx: RequestContext, next: () => Promise<unknown>) => Promise<unknown> {
    return async (ctx, next) => {
      const copySource = ctx.headers['x-amz-copy-source'];
      if (typeof copySource === 'string' && copySource.includes('?versionId=')) ctx.headers['x-amz-copy-source'] = copySource.slice(0, copySource.indexOf('?versionId='));
      const kind: RequestClass = ctx.method === 'GET' || ctx.method === 'HEAD' ? 'read' : 'write';
      const prefix = ctx.path.slice(0, ctx.path.lastIndexOf('/') + 1);
      const second = Math.floor(Date.now() / 1000);
      const windowKey = `${kind} ${prefix}`;
      let window = this.windows.get(windowKey);
      if (window === undefined || window.second !== second) {
        if (this.windows.size > 10_000) this.forgetBefore(second);
        window = { second, count: 0 };
        this.windows.set(windowKey, window);
      }
      const limit = this.options.perPrefixPerSecond?.[kind];
      const every = this.options.slowDownEvery;
      this.seen++;
      if ((limit !== undefined && window.count >= limit) || (every !== undefined && this.seen % every === 0)) {
        this.slowDowns++;
        await drain(ctx.req);
        ctx.status = 503;
        ctx.set('Retry-After', '1');
        if (ctx.method !== 'HEAD') {
          ctx.type = 'application/xml';
          ctx.body = SLOW_DOWN_BODY;
        }
        return undefined;
      }
      window.count++;
      this.counts[kind]++;
      if (window.count > this.peak[kind]) {
        this.peak[kind] = window.count;
        this.peak[kind === 'read' ? 'readPrefix' : 'writePrefix'] = prefix;
      }
      return next();
    };
  }

  private forgetBefore(second: number): void {
    for (const [key, window] of this.windows) if (window.second < second) this.windows.delete(key);
  }
}

/** Reads a request body to its end (a refused PUT's body), so that the connection stays usable. */
function drain(request: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => {
    request.once('end', resolve);
    request.once('error', () => resolve());
    request.resume();
    if ((request as unknown as { readableEnded?: boolean }).readableEnded) resolve();
  });
}
