/**
 * An in-memory ObjectStore (lambdas/domain/pipeline/object-store.ts) for fast tests. It behaves like the
 * S3 and file-system stores on every point the pipeline relies on: NotFoundError for missing keys, ranges
 * clamped to the object, lexicographic listings, a write replacing an object only once its whole body was
 * read (a failed write leaves the old object), and string chunks written as UTF-8 (as FsObjectStore does).
 * `readChunkBytes` cuts every read into small chunks, so tests also exercise chunk-boundary handling.
 */
import { ObjectStore, ReadOptions } from '../../lambdas/domain/pipeline/object-store';
import { NotFoundError } from '../../lambdas/domain/errors';

export interface MemoryStoreOptions {
  /** Bytes per chunk yielded by read/readRange (default 64 KiB). Small values stress chunk boundaries. */
  readChunkBytes?: number;
}

export class MemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, Buffer>();
  private readonly readChunkBytes: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.readChunkBytes = options.readChunkBytes ?? 64 * 1024;
    if (!(this.readChunkBytes >= 1)) throw new RangeError(`readChunkBytes must be at least 1, got ${this.readChunkBytes}`);
  }

  /** Stores an object directly (test setup). Strings are UTF-8, as in `write`. */
  put(key: string, body: Buffer | string): void {
    this.objects.set(key, typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body));
  }

  /** The object's bytes (a copy); throws NotFoundError when missing. */
  get(key: string): Buffer {
    return Buffer.from(this.object(key));
  }

  /** The object as text; latin1 by default, which keeps every byte as one char. */
  text(key: string, encoding: BufferEncoding = 'latin1'): string {
    return this.object(key).toString(encoding);
  }

  /** Every key held, sorted. */
  keys(): string[] {
    return [...this.objects.keys()].sort();
  }

  private object(key: string): Buffer {
    const object = this.objects.get(key);
    if (object === undefined) throw new NotFoundError(key);
    return object;
  }

  async size(key: string): Promise<number> {
    return this.object(key).length;
  }

  async *readRange(key: string, start: number, end?: number, options: ReadOptions = {}): AsyncIterable<Buffer> {
    const object = this.object(key);
    const stop = Math.min(object.length, end ?? object.length);
    const chunk = Math.min(this.readChunkBytes, options.chunkBytes ?? Infinity);
    for (let offset = Math.max(0, start); offset < stop; offset += chunk) {
      yield Buffer.from(object.subarray(offset, Math.min(stop, offset + chunk)));
    }
  }

  read(key: string): AsyncIterable<Buffer> {
    return this.readRange(key, 0);
  }

  async write(key: string, body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
    this.objects.set(key, Buffer.concat(chunks));
  }

  async list(prefix: string): Promise<string[]> {
    return this.keys().filter((key) => key.startsWith(prefix));
  }

  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    this.objects.set(toKey, Buffer.from(this.object(fromKey)));
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.objects.delete(key);
  }
}
