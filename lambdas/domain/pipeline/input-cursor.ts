/**
 * Forward-only reading of an input file by byte ranges: Assemble copies each accepted record from the input
 * (rows come in input order), so no record travels through the work area. One streamed read per file; memory is
 * one chunk, and one record more when a record spans chunks.
 */
import { ObjectStore, ReadOptions } from './object-store';
import { FrameFormatError } from '../errors';

const EMPTY = Buffer.alloc(0);
/**
 * Large reads: a read call costs far more than its copy, so larger chunks read a file in less time, and a merge
 * holds only one input stream.
 */
const INPUT_READ: ReadOptions = { chunkBytes: 1 << 20 };

export class InputCursor {
  /** The bytes read and not yet passed, and the file offset of chunk[0]. */
  chunk: Buffer = EMPTY;
  chunkStart = 0;
  /** What a read gave beyond the record that spanned into it: the bytes that follow `chunk`. */
  private pending: Buffer | undefined;
  private iterator: AsyncIterator<Buffer> | undefined;

  constructor(private readonly store: ObjectStore, private readonly key: string, private readonly size: number) {}

  /**
   * Index in `chunk` of file offset `offset` when `chunk` holds [offset, offset + length), else -1 (then call
   * `load`). Offsets must not decrease from call to call.
   */
  indexOf(offset: number, length: number): number {
    const index = offset - this.chunkStart;
    return index >= 0 && index + length <= this.chunk.length ? index : -1;
  }

  /**
   * Reads on until `chunk` holds [offset, offset + length); returns the index of `offset` in it. A record that spans
   * two reads is copied alone into a buffer of its own (the rest of the later read waits in `pending`), so each input
   * byte is copied here at most once per record that spans, never once per read.
   */
  async load(offset: number, length: number): Promise<number> {
    if (offset < this.chunkStart) throw new FrameFormatError(`input offsets out of order (${offset} after ${this.chunkStart})`);
    if (offset + length > this.size) throw new FrameFormatError(`a record at offset ${offset} runs past the end of the input (${this.size} bytes)`);
    if (this.iterator === undefined || offset >= this.chunkStart + this.chunk.length + (1 << 24)) {
      // First read, or a long stretch of rejected rows to skip: start a new read where the record starts.
      await this.close();
      this.iterator = this.store.readRange(this.key, offset, this.size, INPUT_READ)[Symbol.asyncIterator]();
      this.chunk = EMPTY;
      this.chunkStart = offset;
    }
    const iterator = this.iterator;
    for (;;) {
      const index = this.indexOf(offset, length);
      if (index >= 0) return index;
      let next = this.pending;
      this.pending = undefined;
      if (next === undefined) {
        const read = await iterator.next();
        if (read.done) throw new FrameFormatError(`the input ended before offset ${offset + length}`);
        next = read.value;
      }
      // Keep only the bytes from `offset` on: those before it are passed.
      const keepFrom = offset - this.chunkStart;
      if (keepFrom >= this.chunk.length) {
        this.chunkStart += this.chunk.length;
        this.chunk = next;
      } else {
        const missing = length - (this.chunk.length - keepFrom);
        const taken = missing < next.length ? next.subarray(0, missing) : next;
        if (taken !== next) this.pending = next.subarray(missing);
        this.chunk = Buffer.concat([this.chunk.subarray(keepFrom), taken]);
        this.chunkStart = offset;
      }
    }
  }

  async close(): Promise<void> {
    const iterator = this.iterator;
    this.iterator = undefined;
    this.pending = undefined;
    await iterator?.return?.();
  }
}
