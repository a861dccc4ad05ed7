/**
 * InputCursor: forward-only reading of an input file by byte ranges (Assemble copies each record from the input).
 * One streamed read per file, restarted only to skip more than 16 MiB; memory is one chunk, or one record plus
 * one chunk when a record spans chunks.
 */
import fc from 'fast-check';
import { InputCursor } from '../../../lambdas/domain/pipeline/input-cursor';
import { MemoryObjectStore } from '../../helpers/memory-store';
import { FrameFormatError } from '../../../lambdas/domain/errors';

const KEY = 'incoming/COUNTY/input.csv';

/**
 * A memory store whose reads yield chunks of the given sizes (cycled; 0 yields an empty chunk), and which records
 * each read and counts the reads still open (started and neither finished nor returned).
 */
class ChunkingStore extends MemoryObjectStore {
  open = 0;
  readonly reads: Array<{ start: number; end: number | undefined }> = [];

  constructor(private readonly sizes: readonly number[]) {
    super();
    if (!sizes.some((size) => size > 0)) throw new RangeError('some chunk size must be positive');
  }

  override async *readRange(key: string, start: number, end?: number): AsyncGenerator<Buffer> {
    const object = this.get(key);
    this.reads.push({ start, end });
    this.open++;
    try {
      const stop = Math.min(object.length, end ?? object.length);
      let piece = 0;
      for (let offset = start; offset < stop; piece++) {
        const size = this.sizes[piece % this.sizes.length];
        yield Buffer.from(object.subarray(offset, Math.min(stop, offset + size)));
        offset += size;
      }
    } finally {
      this.open--;
    }
  }
}

/** Reads a record as Assemble does, and checks its bytes against the file. */
async function readRecord(cursor: InputCursor, file: Buffer, offset: number, length: number): Promise<void> {
  let index = cursor.indexOf(offset, length);
  if (index < 0) index = await cursor.load(offset, length);
  expect(index).toBeGreaterThanOrEqual(0);
  expect(cursor.chunkStart + index).toBe(offset);
  expect(index + length).toBeLessThanOrEqual(cursor.chunk.length);
  expect(cursor.chunk.subarray(index, index + length).equals(file.subarray(offset, offset + length))).toBe(true);
}

/** A file and an increasing sequence of non-overlapping records in it (with gaps, some records empty). */
const fileAndRecords = fc
  .record({
    file: fc.uint8Array({ minLength: 1, maxLength: 400 }).map((a) => Buffer.from(a)),
    steps: fc.array(fc.record({ gap: fc.oneof(fc.constant(0), fc.nat({ max: 60 })), length: fc.nat({ max: 50 }) }), { maxLength: 25 }),
  })
  .map(({ file, steps }) => {
    const records: Array<{ offset: number; length: number }> = [];
    let at = 0;
    for (const { gap, length } of steps) {
      const offset = at + gap;
      if (offset + length > file.length) break;
      records.push({ offset, length });
      at = offset + length;
    }
    return { file, records };
  });

const chunkSizes = fc.tuple(fc.integer({ min: 1, max: 40 }), fc.array(fc.nat({ max: 40 }), { maxLength: 5 })).map(([first, rest]) => [first, ...rest]);

describe('InputCursor', () => {
  test('indexOf, else load, gives each record’s bytes, in one read, whatever the chunk sizes', async () => {
    await fc.assert(
      fc.asyncProperty(fileAndRecords, chunkSizes, async ({ file, records }, sizes) => {
        const store = new ChunkingStore(sizes);
        store.put(KEY, file);
        const cursor = new InputCursor(store, KEY, file.length);
        const maxChunk = Math.max(...sizes);
        let largest = 0;
        for (const { offset, length } of records) {
          await readRecord(cursor, file, offset, length);
          // Memory: one chunk, or a record plus one chunk (a record already held needs no read, so the chunk may
          // still be the one an earlier, larger record needed).
          largest = Math.max(largest, length);
          expect(cursor.chunk.length).toBeLessThanOrEqual(largest + maxChunk);
          expect(store.open).toBeLessThanOrEqual(1);
          // Asking again for the same record (offsets may repeat) needs no read.
          expect(cursor.chunkStart + cursor.indexOf(offset, length)).toBe(offset);
        }
        // One read, from the first record asked for with load (an empty record at offset 0 needs none), and only
        // once some bytes are needed.
        const firstLoaded = records.find((r) => r.offset > 0 || r.length > 0);
        if (records.some((r) => r.length > 0)) expect(store.reads).toEqual([{ start: firstLoaded!.offset, end: file.length }]);
        else expect(store.reads).toEqual([]);

        // Going back before what the cursor holds is an error; so is a record past the end of the file.
        if (cursor.chunkStart > 0) {
          await expect(cursor.load(cursor.chunkStart - 1, 1)).rejects.toThrow(FrameFormatError);
        }
        const last = records[records.length - 1];
        const from = last === undefined ? 0 : last.offset + last.length;
        await expect(cursor.load(from, file.length - from + 1)).rejects.toThrow(FrameFormatError);

        await cursor.close();
        expect(store.open).toBe(0);
        await cursor.close(); // idempotent
        expect(store.open).toBe(0);
      }),
      {
        numRuns: 400,
        // Rare cases that a per-record bound (record + one chunk) got wrong: a record already held by the chunk a
        // larger earlier one needed. And an empty record alone, which needs no read.
        examples: [
          [{ file: Buffer.from([0, 0]), records: [{ offset: 0, length: 2 }, { offset: 2, length: 0 }] }, [1]],
          [{ file: Buffer.alloc(12, 7), records: [{ offset: 0, length: 7 }, { offset: 7, length: 2 }] }, [5]],
          [{ file: Buffer.alloc(10, 1), records: [{ offset: 3, length: 0 }] }, [5]],
        ],
      },
    );
  });

  test('offsets going backwards throw FrameFormatError', async () => {
    const file = Buffer.from('0123456789'.repeat(20), 'latin1');
    const store = new ChunkingStore([16]);
    store.put(KEY, file);
    const cursor = new InputCursor(store, KEY, file.length);
    await readRecord(cursor, file, 0, 10);
    await readRecord(cursor, file, 150, 20);
    expect(cursor.chunkStart).toBeGreaterThan(10);
    await expect(cursor.load(5, 3)).rejects.toThrow(FrameFormatError);
    await expect(cursor.load(5, 3)).rejects.toThrow(/out of order/);
    await cursor.close();
    expect(store.open).toBe(0);
  });

  test('a record past the end of the file throws, and so does an input shorter than its declared size', async () => {
    const file = Buffer.from('a,b,c\nd,e,f\n', 'latin1');
    const store = new ChunkingStore([4]);
    store.put(KEY, file);
    const cursor = new InputCursor(store, KEY, file.length);
    await expect(cursor.load(6, 7)).rejects.toThrow(FrameFormatError);
    await expect(cursor.load(file.length, 1)).rejects.toThrow(/past the end/);
    await readRecord(cursor, file, 6, 6); // the last record, ending at the end of the file
    await readRecord(cursor, file, file.length, 0);
    await cursor.close();

    // The size the plan recorded is larger than the object: the read ends early.
    const short = new InputCursor(store, KEY, file.length + 10);
    await expect(short.load(8, 10)).rejects.toThrow(/ended before/);
    await short.close();
    expect(store.open).toBe(0);
  });

  test('close() ends the underlying read, and a load after it reads again from its offset', async () => {
    const file = Buffer.from('x'.repeat(50) + 'y'.repeat(50), 'latin1');
    const store = new ChunkingStore([10]);
    store.put(KEY, file);
    const cursor = new InputCursor(store, KEY, file.length);
    expect(store.open).toBe(0);
    await readRecord(cursor, file, 3, 4);
    expect(store.open).toBe(1);
    await cursor.close();
    expect(store.open).toBe(0);
    await readRecord(cursor, file, 60, 20);
    expect(store.open).toBe(1);
    expect(store.reads).toEqual([
      { start: 3, end: 100 },
      { start: 60, end: 100 },
    ]);
    await cursor.close();
    expect(store.open).toBe(0);
  });

  test('a gap of more than 16 MiB restarts the read where the record starts; a smaller gap reads on', async () => {
    const size = 17 * 1024 * 1024;
    // A pattern of period 65521 (prime, not a multiple of the chunk size), so a wrong offset shows.
    const block = Buffer.allocUnsafe(65521);
    for (let i = 0; i < block.length; i++) block[i] = (Math.imul(i, 2654435761) >>> 13) & 0xff;
    const file = Buffer.allocUnsafe(size).fill(block);
    const store = new ChunkingStore([64 * 1024]);
    store.put(KEY, file);

    const cursor = new InputCursor(store, KEY, size);
    await readRecord(cursor, file, 100, 50);
    expect(store.reads).toHaveLength(1);
    const nearEnd = size - 1000;
    await readRecord(cursor, file, nearEnd, 500);
    expect(store.reads).toEqual([
      { start: 100, end: size },
      { start: nearEnd, end: size },
    ]);
    expect(store.open).toBe(1); // the first read was ended
    await readRecord(cursor, file, size - 400, 400); // reads on: no third read
    expect(store.reads).toHaveLength(2);
    await cursor.close();
    expect(store.open).toBe(0);

    // 15 MiB further on: streamed through, in the same read.
    const onward = new InputCursor(store, KEY, size);
    await readRecord(onward, file, 100, 50);
    await readRecord(onward, file, 100 + 15 * 1024 * 1024, 70_000); // spans two chunks
    expect(store.reads).toHaveLength(3);
    await onward.close();
    expect(store.open).toBe(0);
  });
});
