/**
 * The storage the pipeline phases read and write: S3 in the cloud (lambdas/adapters), the file system on
 * one machine (local/fs-object-store). Keys are S3-style paths. Everything large is streamed.
 */
import { NotFoundError } from '../errors';
/** How a reader wants an object's bytes handed to it. */
export interface ReadOptions {
  /**
   * The most bytes it wants in one chunk: a merge that holds hundreds of objects open at once asks for small
   * chunks, so its memory stays flat in their number. A hint: S3 bodies already arrive in network-sized chunks.
   */
  chunkBytes?: number;
  /**
   * The reader is done with a chunk once it asks for the next, so the store may hand out the same memory again
   * (the file store reads into one buffer per stream; S3 ignores it). Spares a merge, which reads every
   * partition's stream in small chunks, a fresh buffer per read: garbage that V8 collects late.
   */
  reuseBuffer?: boolean;
}

export interface CopyOptions {
  sourceVersionId?: string;
}

export interface ObjectStore {
  /**
   * True when an open read holds a network connection until its body is consumed (S3): a reader of many objects at
   * once (Assemble's merges) then reads them in windows (openWindowed) instead, so that its open connections stay
   * few whatever their number (Lambda allows 1,024 file descriptors). Absent: streams are cheap (local files).
   */
  readonly readsHoldConnections?: boolean;
  /** Size in bytes; throws NotFoundError when missing. */
  size(key: string): Promise<number>;
  /** Streams bytes [start, end) (end exclusive; omitted = to the end of the object). */
  readRange(key: string, start: number, end?: number, options?: ReadOptions): AsyncIterable<Buffer>;
  /** Streams the whole object. */
  read(key: string, options?: ReadOptions): AsyncIterable<Buffer>;
  /** Writes an object from a stream of chunks (multipart for large objects), replacing any previous one. */
  write(key: string, body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): Promise<void>;
  /** Keys under a prefix, in lexicographic order. */
  list(prefix: string): Promise<string[]>;
  exists(key: string): Promise<boolean>;
  /**
   * Copies an object (publishing a finished output under its final key; pinning an upload). With
   * `sourceVersionId`, that version of the source (S3 with a versioned bucket; stores without versions ignore it).
   */
  copy(fromKey: string, toKey: string, options?: CopyOptions): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
  /**
   * Joins objects, in order, into `toKey` without passing their bytes through this process where the store can
   * (S3: a multipart upload of UploadPartCopy parts, output-slices.ts planJoin). Absent: joinObjects streams them.
   */
  join?(sources: ReadonlyArray<{ key: string; size: number }>, toKey: string): Promise<void>;
}

/** `exists` for any store that throws NotFoundError from `size`. */
export async function existsBySize(store: Pick<ObjectStore, 'size'>, key: string): Promise<boolean> {
  try {
    await store.size(key);
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

/** All bytes of a stream of chunks in one Buffer (a single chunk as it is). */
export async function collectBytes(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const collected: Buffer[] = [];
  for await (const chunk of chunks) collected.push(chunk);
  return collected.length === 1 ? collected[0] : Buffer.concat(collected);
}

/** Reads a whole (small) object as text. Latin-1 keeps every byte: one char per byte. */
export async function readText(store: ObjectStore, key: string, encoding: BufferEncoding = 'utf8'): Promise<string> {
  return (await collectBytes(store.read(key))).toString(encoding);
}

export async function readJson<T = unknown>(store: ObjectStore, key: string): Promise<T> {
  return JSON.parse(await readText(store, key)) as T;
}

export async function writeJson(store: ObjectStore, key: string, value: unknown): Promise<void> {
  await store.write(key, [Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8')]);
}

/**
 * `task(item)` for every item, at most `limit` at once, results in the items' order: a phase that reads many small
 * objects keeps its open requests (sockets, file descriptors) bounded whatever their number.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        results[index] = await task(items[index], index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, lane));
  const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
  return results;
}

/** Requests a phase keeps in flight at once when it reads many small objects or slices (mapBounded). */
export const READS_IN_FLIGHT = 16;

/** Window of one ranged read when many objects are merged at once: their memory stays within a budget. */
const WINDOW_BUDGET = 32 * 1024 * 1024;
const WINDOW_MIN = 64 * 1024;
const WINDOW_MAX = 1024 * 1024;

/** The read window for a merge of `objects` objects at once: 1 MiB down to 64 KiB, about 32 MiB in all. */
export function windowFor(objects: number): number {
  return Math.max(WINDOW_MIN, Math.min(WINDOW_MAX, Math.floor(WINDOW_BUDGET / Math.max(1, objects))));
}

/**
 * An object's bytes, one of many read at once: on a store whose reads hold connections, in windows of ranged reads
 * (one request each, no connection held between them: a merge of P objects holds at most one request per reader
 * in flight); elsewhere as a stream with `options`.
 */
export function readMany(store: ObjectStore, key: string, objects: number, options?: ReadOptions): AsyncIterable<Buffer> {
  return store.readsHoldConnections ? windowedRead(store, key, windowFor(objects)) : store.read(key, options);
}

/** Bytes [start, end) of an object, one of many read at once (readMany for a part of an object). */
export function readManyRange(store: ObjectStore, key: string, start: number, end: number, objects: number, options?: ReadOptions): AsyncIterable<Buffer> {
  return store.readsHoldConnections ? windowedRead(store, key, windowFor(objects), start, end) : store.readRange(key, start, end, options);
}

/** Window reads in flight at once per store (all readers of a merge together): the sockets they hold. */
export const WINDOW_READS_IN_FLIGHT = 64;
const windowSlots = new WeakMap<ObjectStore, Slots>();

/**
 * An object in windows of ranged reads, the next window read ahead while the current one is used (S3's latency
 * hidden), at most WINDOW_READS_IN_FLIGHT requests in flight per store whatever the number of readers.
 */
async function* windowedRead(store: ObjectStore, key: string, window: number, from = 0, to = Infinity): AsyncIterable<Buffer> {
  let slots = windowSlots.get(store);
  if (slots === undefined) windowSlots.set(store, (slots = new Slots(WINDOW_READS_IN_FLIGHT)));
  const limiter = slots;
  const fetch = (at: number) => {
    const read = limiter.run(() => collectBytes(store.readRange(key, at, Math.min(to, at + window))));
    read.catch(() => undefined); // awaited below; a reader stopped early leaves it unobserved
    return read;
  };
  if (from >= to) return;
  let next = fetch(from);
  for (let at = from; ; at += window) {
    const bytes = await next;
    const full = bytes.length === window && at + window < to;
    if (full) next = fetch(at + window);
    if (bytes.length > 0) yield bytes;
    if (!full) return;
  }
}

/** At most `limit` tasks at once; the others wait in order. */
export class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the finishing task hands its slot over
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
