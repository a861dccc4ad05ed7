/**
 * The ObjectStore on the local file system: keys are paths under a root directory (absolute keys are
 * used as they are, so local input files need no copy). Writes go to a temporary file renamed into place,
 * so a reader never sees a half-written object, as with S3.
 */
import { constants as fsConstants, createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { existsBySize, ObjectStore, ReadOptions } from '../lambdas/domain/pipeline/object-store';
import { NotFoundError } from '../lambdas/domain/errors';
import { JOIN_COPY_BYTES } from '../lambdas/domain/defaults';

/** 256 KiB reads by default; readers ask for more or less (ReadOptions.chunkBytes). */
const READ_CHUNK = 256 * 1024;

export class FsObjectStore implements ObjectStore {
  constructor(readonly root: string) {}

  pathOf(key: string): string {
    if (path.isAbsolute(key)) return key;
    const resolved = path.resolve(this.root, key);
    if (resolved !== this.root && !resolved.startsWith(this.root + path.sep) && !resolved.startsWith(path.resolve(this.root) + path.sep)) {
      throw new Error(`key ${JSON.stringify(key)} leaves the store root`);
    }
    return resolved;
  }

  async size(key: string): Promise<number> {
    try {
      const stat = await fs.stat(this.pathOf(key));
      if (!stat.isFile()) throw new NotFoundError(key);
      return stat.size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(key);
      throw error;
    }
  }

  async *readRange(key: string, start: number, end?: number, options: ReadOptions = {}): AsyncIterable<Buffer> {
    if (end !== undefined && end <= start) return;
    const file = this.pathOf(key);
    try {
      // Reads of a small object allocate its size, not a whole read chunk: a merge holds hundreds of them at once.
      const last = end ?? (await fs.stat(file)).size;
      if (last <= start) return;
      const chunkBytes = Math.min(options.chunkBytes ?? READ_CHUNK, last - start);
      if (options.reuseBuffer) {
        yield* readReusingBuffer(file, start, last, chunkBytes);
        return;
      }
      const stream = createReadStream(file, { start, end: last - 1, highWaterMark: chunkBytes });
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(key);
      throw error;
    }
  }

  read(key: string, options?: ReadOptions): AsyncIterable<Buffer> {
    return this.readRange(key, 0, undefined, options);
  }

  /** Directories known to exist: the split phase writes many small objects into few directories. */
  private readonly directories = new Set<string>();

  write(key: string, body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): Promise<void> {
    return this.writeOnce(key, body, false);
  }

  private async writeOnce(key: string, body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, retried: boolean): Promise<void> {
    const target = this.pathOf(key);
    const directory = path.dirname(target);
    // Streams (large objects) always make sure of their directory; small in-memory bodies trust the cache.
    if (!this.directories.has(directory) || !Array.isArray(body)) {
      await fs.mkdir(directory, { recursive: true });
      this.directories.add(directory);
    }
    const temporary = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
    try {
      if (Array.isArray(body)) {
        // A body already in memory (small intermediates, a split range's partitions): one gathered write of its
        // pieces instead of a stream, and no joined copy of them.
        await writeGathered(temporary, body.map((chunk: Buffer | string) => (typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk)));
      } else {
        const source = Readable.from(toBuffers(body), { objectMode: false });
        await pipeline(source, createWriteStream(temporary));
      }
      await fs.rename(temporary, target);
    } catch (error) {
      // The directory may have been removed since it was cached (a work area cleaned up): forget it.
      this.directories.delete(directory);
      await fs.rm(temporary, { force: true });
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !retried && Array.isArray(body)) return this.writeOnce(key, body, true);
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const walk = async (directory: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(directory, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const full = path.join(directory, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (!entry.name.endsWith('.partial')) keys.push(path.relative(this.root, full).split(path.sep).join('/'));
      }
    };
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    await walk(this.pathOf(base || '.'));
    return keys.filter((key) => key.startsWith(prefix)).sort();
  }

  exists(key: string): Promise<boolean> {
    return existsBySize(this, key);
  }

  /**
   * Atomic like a write: the bytes go to a temporary file next to the target (a reflink where the file system
   * offers one), which is then renamed into place. A reader, or a process killed meanwhile, never sees a part.
   */
  async copy(fromKey: string, toKey: string): Promise<void> {
    const source = this.pathOf(fromKey);
    const target = this.pathOf(toKey);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
    try {
      // A hard link is a copy here: every write replaces a file by renaming a new one into place, so an object's
      // bytes never change under another name; publishing a run's outputs then copies no bytes.
      try {
        await fs.link(source, temporary);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw error;
        await fs.copyFile(source, temporary, fsConstants.COPYFILE_FICLONE); // another file system, or no links
      }
      await fs.rename(temporary, target);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !(await this.exists(fromKey))) throw new NotFoundError(fromKey);
      throw error;
    }
  }

  /**
   * Joins objects in order into `toKey` without passing their bytes through JavaScript: one source is a copy (a hard
   * link), more are a kernel copy of the first with the others written after it from one reused buffer. Atomic like
   * a write.
   */
  async join(sources: ReadonlyArray<{ key: string; size: number }>, toKey: string): Promise<void> {
    const parts = sources.filter((source) => source.size > 0);
    if (parts.length === 1) return this.copy(parts[0].key, toKey);
    if (parts.length === 0) return this.write(toKey, []);
    const target = this.pathOf(toKey);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
    try {
      await fs.copyFile(this.pathOf(parts[0].key), temporary, fsConstants.COPYFILE_FICLONE);
      await appendParts(temporary, parts[0].size, parts.slice(1).map((part) => ({ file: this.pathOf(part.key), size: part.size })));
      await fs.rename(temporary, target);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        for (const part of parts) if (!(await this.exists(part.key))) throw new NotFoundError(part.key);
      }
      throw error;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => fs.rm(this.pathOf(key), { force: true })));
  }
}

async function* toBuffers(body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): AsyncIterable<Buffer> {
  for await (const chunk of body) yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

/**
 * Bytes [start, end) of a file in chunks read into two buffers in turn (ReadOptions.reuseBuffer): while the reader
 * works on one chunk, the next is read into the other buffer, which is not handed out before the reader asks for
 * it, so a buffer is read into again only once the reader is done with it. The read ahead keeps a merge from
 * waiting on every read.
 */
async function* readReusingBuffer(file: string, start: number, end: number, chunkBytes: number): AsyncIterable<Buffer> {
  const handle = await fs.open(file, 'r');
  const buffers = [Buffer.allocUnsafeSlow(chunkBytes), Buffer.allocUnsafeSlow(chunkBytes)];
  let position = start;
  const readInto = (buffer: Buffer): Promise<Buffer> | undefined => {
    if (position >= end) return undefined;
    const at = position;
    const length = Math.min(chunkBytes, end - at);
    position += length;
    return handle.read(buffer, 0, length, at).then(({ bytesRead }) => {
      if (bytesRead !== length) throw new Error(`${file} ended at ${at + bytesRead} bytes, before ${end}`);
      return buffer.subarray(0, length);
    });
  };
  let pending = readInto(buffers[0]);
  let next = 1;
  try {
    while (pending !== undefined) {
      const chunk = await pending;
      pending = readInto(buffers[next]);
      next ^= 1;
      yield chunk;
    }
  } finally {
    // A reader that stopped early leaves a read in flight: it ends before the file is closed.
    await pending?.catch(() => undefined);
    await handle.close();
  }
}

/** Appends `parts` to `file` from byte `at` on, JOIN_COPY_BYTES at a time through one buffer. */
async function appendParts(file: string, at: number, parts: ReadonlyArray<{ file: string; size: number }>): Promise<void> {
  const target = await fs.open(file, 'r+');
  const buffer = Buffer.allocUnsafeSlow(JOIN_COPY_BYTES);
  let position = at;
  try {
    for (const part of parts) {
      const source = await fs.open(part.file, 'r');
      try {
        for (let offset = 0; offset < part.size; ) {
          const { bytesRead } = await source.read(buffer, 0, Math.min(buffer.length, part.size - offset), offset);
          if (bytesRead === 0) throw new Error(`${part.file} ended at ${offset} bytes, before ${part.size}`);
          await writeAllAt(target, buffer.subarray(0, bytesRead), position);
          offset += bytesRead;
          position += bytesRead;
        }
      } finally {
        await source.close();
      }
    }
  } finally {
    await target.close();
  }
}

async function writeAllAt(handle: fs.FileHandle, bytes: Buffer, position: number): Promise<void> {
  for (let written = 0; written < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, position + written);
    written += bytesWritten;
  }
}

/** Writes `pieces` one after another to a new file (writev: the kernel gathers them, nothing is joined here). */
async function writeGathered(file: string, pieces: readonly Buffer[]): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    const total = pieces.reduce((sum, piece) => sum + piece.length, 0);
    let written = 0;
    let rest = pieces.filter((piece) => piece.length > 0);
    while (written < total) {
      const { bytesWritten } = await handle.writev(rest);
      written += bytesWritten;
      if (written < total) rest = remainingAfter(rest, bytesWritten);
    }
  } finally {
    await handle.close();
  }
}

/** The pieces left after the first `count` bytes of `pieces` were written (a short writev). */
function remainingAfter(pieces: readonly Buffer[], count: number): Buffer[] {
  let index = 0;
  while (index < pieces.length && count >= pieces[index].length) count -= pieces[index++].length;
  const rest = pieces.slice(index);
  if (rest.length > 0 && count > 0) rest[0] = rest[0].subarray(count);
  return rest;
}
