/**
 * FsObjectStore.copy publishes like a write: the target appears whole (temporary file + rename) or not at all,
 * and is independent of its source (a hard link is safe because every write renames a new file into place).
 */
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { collectBytes, readText } from '../../lambdas/domain/pipeline/object-store';
import { FsObjectStore } from '../../local/fs-object-store';
import { NotFoundError } from '../../lambdas/domain/errors';
import { JOIN_COPY_BYTES } from '../../lambdas/domain/defaults';

describe('FsObjectStore.copy', () => {
  let root: string;
  let store: FsObjectStore;

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'fs-store-'));
    store = new FsObjectStore(root);
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('copies the bytes to a new key in a new folder, replacing an older object, leaving no temporary file', async () => {
    const bytes = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 7 }, (_, i) => i % 251));
    await store.write('runs/r/output/All_Results.csv', [bytes]);
    await store.write('results/X/r/All_Results.csv', ['an older run']);
    await store.copy('runs/r/output/All_Results.csv', 'results/X/r/All_Results.csv');
    expect((await fs.readFile(path.join(root, 'results/X/r/All_Results.csv'))).equals(bytes)).toBe(true);
    expect(await fs.readdir(path.join(root, 'results/X/r'))).toEqual(['All_Results.csv']);
    expect(await readText(store, 'runs/r/output/All_Results.csv', 'latin1')).toBe(bytes.toString('latin1'));
  });

  test('a missing source is NotFoundError and leaves the target as it was', async () => {
    await store.write('results/X/r/summary.json', ['{}']);
    const error = await store.copy('runs/r/output/summary.json', 'results/X/r/summary.json').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).key).toBe('runs/r/output/summary.json');
    expect(await readText(store, 'results/X/r/summary.json')).toBe('{}');
    expect(await fs.readdir(path.join(root, 'results/X/r'))).toEqual(['summary.json']);
  });

  test('a reader sees the old object or the new one, never a part: the target is replaced by a rename', async () => {
    await store.write('runs/r/output/a.csv', [Buffer.alloc(8 * 1024 * 1024, 'a')]);
    await store.write('results/X/r/a.csv', [Buffer.alloc(16, 'o')]);
    const target = path.join(root, 'results/X/r/a.csv');
    const before = (await fs.stat(target)).ino;
    const sizes = new Set<number>();
    let copying = true;
    const watching = (async () => {
      while (copying) {
        sizes.add((await fs.stat(target)).size);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await store.copy('runs/r/output/a.csv', 'results/X/r/a.csv');
    copying = false;
    await watching;
    sizes.add((await fs.stat(target)).size);
    expect([...sizes].every((size) => size === 16 || size === 8 * 1024 * 1024)).toBe(true);
    expect((await fs.stat(target)).ino).not.toBe(before);
  });

  test('a copy is independent of its source: writing or deleting the source afterwards leaves the copy as it was', async () => {
    await store.write('runs/r/output/b.csv', ['first']);
    await store.copy('runs/r/output/b.csv', 'results/X/r/b.csv');
    await store.write('runs/r/output/b.csv', ['second, longer']);
    expect(await readText(store, 'results/X/r/b.csv')).toBe('first');
    await store.delete(['runs/r/output/b.csv']);
    expect(await readText(store, 'results/X/r/b.csv')).toBe('first');
  });

  test('a body given as an array is written as its pieces joined: many pieces (more than one writev takes), empty ones and text', async () => {
    const pieces: Array<Buffer | string> = Array.from({ length: 2500 }, (_, i) => (i % 7 === 0 ? '' : i % 5 === 0 ? `t${i}\u00e9` : Buffer.alloc(i % 300, i % 251)));
    await store.write('many/pieces', pieces);
    const expected = Buffer.concat(pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece)));
    expect((await fs.readFile(path.join(root, 'many', 'pieces'))).equals(expected)).toBe(true);
    expect(await fs.readdir(path.join(root, 'many'))).toEqual(['pieces']);
  });

  test('reads come in chunks of the size asked for', async () => {
    const small = new FsObjectStore(root);
    await small.write('x/data', [Buffer.alloc(4500, 1)]);
    const sizes: number[] = [];
    for await (const chunk of small.read('x/data', { chunkBytes: 1000 })) sizes.push(chunk.length);
    expect(sizes).toEqual([1000, 1000, 1000, 1000, 500]);
  });

  test('a read asks for its own chunk size, and a small object comes in one chunk of its size', async () => {
    const store = new FsObjectStore(root);
    await store.write('x/data', [Buffer.alloc(4500, 1)]);
    const sizes: number[] = [];
    for await (const chunk of store.read('x/data', { chunkBytes: 2000 })) sizes.push(chunk.length);
    expect(sizes).toEqual([2000, 2000, 500]);
    const ranged: Buffer[] = [];
    for await (const chunk of store.readRange('x/data', 4000, undefined, { chunkBytes: 300 })) ranged.push(chunk);
    expect(ranged.map((chunk) => chunk.length)).toEqual([300, 200]);
    // The chunk of a small object is its size: a merge holding hundreds of them holds no more than their bytes.
    await store.write('x/small', [Buffer.from('abc')]);
    const small: Buffer[] = [];
    for await (const chunk of new FsObjectStore(root).read('x/small')) small.push(chunk);
    expect(small.map((chunk) => [chunk.length, chunk.buffer.byteLength])).toEqual([[3, 3]]);
  });

  test('reuseBuffer: chunks come in two buffers in turn, each intact until the next is asked for', async () => {
    const store = new FsObjectStore(root);
    const bytes = Buffer.from(Array.from({ length: 4500 }, (_, i) => i % 251));
    await store.write('x/data', [bytes]);
    const copies: Buffer[] = [];
    const memory = new Set<ArrayBufferLike>();
    for await (const chunk of store.readRange('x/data', 100, 4321, { chunkBytes: 1000, reuseBuffer: true })) {
      const copy = Buffer.from(chunk);
      copies.push(copy);
      memory.add(chunk.buffer);
      // The next chunk is read meanwhile, into the other buffer: this one is left as it was.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(chunk.equals(copy)).toBe(true);
    }
    expect(copies.map((chunk) => chunk.length)).toEqual([1000, 1000, 1000, 1000, 221]);
    expect(Buffer.concat(copies)).toEqual(bytes.subarray(100, 4321));
    expect(memory.size).toBe(2);
    // A reader that stops early: the read in flight ends, the file is closed, nothing throws.
    for await (const chunk of store.read('x/data', { chunkBytes: 1000, reuseBuffer: true })) {
      expect(chunk.length).toBe(1000);
      break;
    }
    // Without it, each chunk is new memory (a reader may keep it).
    const fresh = new Set<ArrayBufferLike>();
    for await (const chunk of store.read('x/data', { chunkBytes: 1000 })) fresh.add(chunk.buffer);
    expect(fresh.size).toBe(5);
    await expect(collectBytes(store.read('x/missing', { reuseBuffer: true }))).rejects.toThrow(NotFoundError);
  });
});

describe('FsObjectStore.join', () => {
  let root: string;
  let store: FsObjectStore;

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'fs-store-join-'));
    store = new FsObjectStore(root);
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const bytesOf = (length: number, seed: number) => {
    const bytes = Buffer.alloc(length);
    for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) % 251;
    return bytes;
  };

  test('joins parts in order (one longer than a copy buffer, an empty one skipped) into a new folder, leaving no temporary file', async () => {
    const parts = [bytesOf(1000, 1), Buffer.alloc(0), bytesOf(JOIN_COPY_BYTES + 3, 2), bytesOf(1, 3)];
    const keys = parts.map((_, i) => `work/s${i}/All_Results.csv`);
    for (const [i, part] of parts.entries()) await store.write(keys[i], [part]);
    await store.join(keys.map((key, i) => ({ key, size: parts[i].length })), 'staged/out/All_Results.csv');
    expect((await fs.readFile(path.join(root, 'staged/out/All_Results.csv'))).equals(Buffer.concat(parts))).toBe(true);
    expect(await fs.readdir(path.join(root, 'staged/out'))).toEqual(['All_Results.csv']);
    // The parts are unchanged (the first was copied, not appended to).
    expect((await collectBytes(store.read(keys[0]))).equals(parts[0])).toBe(true);
  });

  test('one part is the object itself; none is an empty object', async () => {
    await store.write('work/a', ['only part']);
    await store.join([{ key: 'work/empty', size: 0 }, { key: 'work/a', size: 9 }], 'out/one');
    expect(await readText(store, 'out/one', 'latin1')).toBe('only part');
    await store.join([], 'out/none');
    expect(await store.size('out/none')).toBe(0);
  });

  test('a missing part fails with NotFoundError naming it, and leaves no object and no temporary file', async () => {
    await store.write('work/a', ['first']);
    await expect(store.join([{ key: 'work/a', size: 5 }, { key: 'work/gone', size: 4 }], 'out/joined')).rejects.toThrow(NotFoundError);
    await expect(store.join([{ key: 'work/a', size: 5 }, { key: 'work/gone', size: 4 }], 'out/joined')).rejects.toThrow('work/gone');
    expect(await fs.readdir(path.join(root, 'out'))).toEqual([]);
  });
});
