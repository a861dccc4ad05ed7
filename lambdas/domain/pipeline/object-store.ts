/**
 * The storage the pipeline phases read and write: S3 in the cloud (lambdas/adapters), the file system on
 * one machine (local/fs-object-store). Keys are S3-style paths. Everything large is streamed.
 */
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
   * partition's stream in small chunks, a fresh buffer per read: garbage that V8 collects late (5M rows: 30-110 MB
   * of dead read buffers per merge thread).
   */
  reuseBuffer?: boolean;
}

export interface ObjectStore {
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
  /** Copies an object (publishing a finished output under its final key). */
  copy(fromKey: string, toKey: string): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(readonly key: string) {
    super(`no object at ${key}`);
  }
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
