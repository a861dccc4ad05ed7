/**
 * The work area's intermediate formats, binary and chosen for speed: classify never tokenizes CSV, and no
 * input row is copied through the work area (Assemble copies each row straight from the input file).
 * Text is latin-1 (one char per byte), so string lengths are byte counts and any input byte survives.
 * Integers are little-endian; a position (< 2^53) is two u32 (low, high).
 *
 * Split output, one object per range — "range object": the routed rows of partition 0, of partition 1, ... one
 * after another; slice p is bytes [slices[p], slices[p + 1]) of it (SplitResult.slices, P + 1 boundaries). Each
 * slice is a "routed rows" frame (empty when the range has nothing for that partition):
 *   header `R` u32 rows u32 rejected; `rejected` SUBJECT_IDs, each u32 length + bytes; then per row:
 *   position, u32 raw length (the record's bytes in the input, line end excluded), u8 flags, then the value of
 *   each of ROUTED_FIELDS (varint length + bytes), then, with ROUTED_FULL_LINE, u32 length + the record written
 *   again (a record holding a CR, which the outputs write re-serialised with LF only).
 *
 * Slice index, one object per run, written once all ranges are split: header `I` u32 ranges u32 partitions, then
 *   for partition 0 its (start, end) in range 0, 1, ... (two positions each), then partition 1, ... Classify reads
 *   its partition's row of it with one ranged GET, then only the slices that hold something.
 *
 * Classify output, one object per partition — "classified rows", sorted by position: per row
 *   position, u8 flags, u32 raw length, u32 full-line length, u32 condensed length, u32 columns length, then
 *   the full line (CLASSIFIED_FULL_LINE only), the condensed fields (CSV, no line end) and the 18 eligibility
 *   columns (CSV). Assemble writes `<input record or full line>,<columns>` and `<condensed>,<columns>`.
 */
import { COL, CONDENSED_INDICES } from '../columns';
import { FrameFormatError, InvariantError } from '../errors';

/**
 * What Classify reads of a row, in column order: what people and rules need, what the court lists need, the
 * two fields of `Possible Other P64 Charges`, and the condensed columns.
 */
export const PERSON_FIELDS: readonly number[] = [
  COL.SUBJECT_ID, COL.PRI_DOB, COL.RACE_DESCR, COL.GENDER, COL.STP_TYPE_DESCR, COL.STP_EVENT_DATE,
  COL.STP_ORI_CNTY_NAME, COL.CNT_ORDER, COL.OFN, COL.OFFENSE_DESCR, COL.OFFENSE_TOC, COL.DISP_DESCR,
  COL.CONV_STAT_DESCR, COL.COMMENT_TEXT, COL.SENT_LENGTH, COL.SENT_TIME_CODE,
  // for the court lists (results/ only)
  COL.CII_NUMBER, COL.PRI_NAME, COL.STP_ORI_DESCR,
];
export const ROUTED_FIELDS: readonly number[] = [...new Set([...PERSON_FIELDS, COL.OFFENSE_DESCR, COL.COMMENT_TEXT, ...CONDENSED_INDICES])].sort((a, b) => a - b);
/** Slot of a column in ROUTED_FIELDS (-1: not routed). */
const SLOT_OF: Int32Array = (() => {
  const slots = new Int32Array(Math.max(...ROUTED_FIELDS) + 1).fill(-1);
  ROUTED_FIELDS.forEach((column, slot) => (slots[column] = slot));
  return slots;
})();

export function slotsOf(columns: readonly number[]): Int32Array {
  return Int32Array.from(columns, (column) => {
    const slot = SLOT_OF[column];
    if (slot === undefined || slot < 0) throw new Error(`column ${column} is not routed to classify`);
    return slot;
  });
}

/** Routed-row flag: the record is given again (re-serialised) after its fields. */
export const ROUTED_FULL_LINE = 1;
/** Classified-row flag: the row is an evaluated conviction (it goes to Prop64_Results.csv). */
export const FLAG_EVALUATED = 1;
/** Classified-row flag: the All_Results line's DOJ part is given (else Assemble copies it from the input). */
export const CLASSIFIED_FULL_LINE = 2;

const ROUTED_MAGIC = 0x52; // 'R'
const ROUTED_HEADER_BYTES = 9;
const CLASSIFIED_HEADER_BYTES = 4 + 4 + 1 + 4 * 4;
const TWO_32 = 0x100000000;
const QUOTE = 34;
const EMPTY = Buffer.alloc(0);

function readU32(buffer: Buffer, at: number): number {
  return (buffer[at] | (buffer[at + 1] << 8) | (buffer[at + 2] << 16)) + buffer[at + 3] * 0x1000000;
}

/**
 * A growable byte buffer for building intermediate files without per-row strings: text is written as latin-1,
 * raw bytes are copied as they are, numbers in binary (also into a place reserved earlier).
 */
export class ByteWriter {
  buffer: Buffer;
  length = 0;

  constructor(capacity = 1 << 20) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  /** Latin-1 text. */
  text(text: string): void {
    this.textRange(text, 0, text.length);
  }

  /** Latin-1 text `source[start, end)`; short ranges are copied char by char (cheaper than a call into the Buffer binding). */
  textRange(source: string, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    if (n < 48) {
      const buffer = this.buffer;
      let at = this.length;
      for (let i = start; i < end; i++) buffer[at++] = source.charCodeAt(i);
      this.length = at;
    } else this.length += this.buffer.write(source.slice(start, end), this.length, 'latin1');
  }

  byte(value: number): void {
    this.ensure(1);
    this.buffer[this.length++] = value;
  }

  bytes(source: Buffer, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    if (n < 32) {
      const buffer = this.buffer;
      let at = this.length;
      for (let i = start; i < end; i++) buffer[at++] = source[i];
      this.length = at;
    } else this.length += source.copy(this.buffer, this.length, start, end);
  }

  /**
   * Latin-1 bytes `source[start, end)` as a quoted CSV field: in quotes, each quote doubled (csv/writer.ts csvField's
   * quoting, without decoding the field to a string and back).
   */
  quotedBytes(source: Buffer, start: number, end: number): void {
    this.ensure(2 * (end - start) + 2);
    const buffer = this.buffer;
    let at = this.length;
    buffer[at++] = QUOTE;
    for (let i = start; i < end; i++) {
      const byte = source[i];
      buffer[at++] = byte;
      if (byte === QUOTE) buffer[at++] = QUOTE;
    }
    buffer[at++] = QUOTE;
    this.length = at;
  }

  /** An unsigned 32-bit integer at the end, or at `at` (a place reserved earlier). */
  u32(value: number, at?: number): void {
    if (!(value >= 0 && value < TWO_32)) throw new FrameFormatError(`${value} does not fit in 32 bits`);
    if (at === undefined) {
      this.ensure(4);
      at = this.length;
      this.length += 4;
    }
    const buffer = this.buffer;
    buffer[at] = value & 0xff;
    buffer[at + 1] = (value >>> 8) & 0xff;
    buffer[at + 2] = (value >>> 16) & 0xff;
    buffer[at + 3] = (value >>> 24) & 0xff;
  }

  position(value: number): void {
    this.u32(value % TWO_32);
    this.u32(Math.floor(value / TWO_32));
  }

  /** LEB128: one byte below 128. */
  varint(value: number): void {
    this.ensure(5);
    const buffer = this.buffer;
    while (value >= 0x80) {
      buffer[this.length++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buffer[this.length++] = value;
  }

  /** Hands out the bytes written so far and starts afresh (`last`: nothing more will be written). */
  take(last = false): Buffer {
    const taken = this.buffer.subarray(0, this.length);
    this.buffer = last ? EMPTY : Buffer.allocUnsafe(this.buffer.length);
    this.length = 0;
    return taken;
  }
}

/** Builds one routed-rows object: per row its position, raw length and the values classify reads. */
export class RoutedRowsBuilder {
  private readonly rows = new ByteWriter(64 * 1024);
  private readonly rejected = new ByteWriter(256);
  private rowCount = 0;
  private rejectedCount = 0;

  /**
   * A row as the tokenizer gives it: each ROUTED_FIELDS value is `source[starts[c], ends[c])`, or `fields[c]` where
   * starts[c] is -1 (latin-1 text). `fullLine` is given for a record that must be written re-serialised (it
   * holds a CR).
   */
  addRow(
    position: number,
    rawLength: number,
    fields: readonly string[],
    source: string,
    starts: Int32Array,
    ends: Int32Array,
    fullLine: string | undefined,
  ): void {
    const out = this.rows;
    out.position(position);
    out.u32(rawLength);
    out.byte(fullLine === undefined ? 0 : ROUTED_FULL_LINE);
    for (let i = 0; i < ROUTED_FIELDS.length; i++) {
      const column = ROUTED_FIELDS[i];
      const start = starts[column];
      if (start >= 0) {
        const end = ends[column];
        out.varint(end - start);
        out.textRange(source, start, end);
      } else {
        const value = fields[column];
        out.varint(value.length);
        out.text(value);
      }
    }
    if (fullLine !== undefined) {
      out.u32(fullLine.length);
      out.text(fullLine);
    }
    this.rowCount++;
  }

  addRejectedSubject(subjectId: string): void {
    this.rejected.u32(subjectId.length);
    this.rejected.text(subjectId);
    this.rejectedCount++;
  }

  toBuffers(): Buffer[] {
    if (this.rowCount === 0 && this.rejectedCount === 0) return [];
    const header = new ByteWriter(ROUTED_HEADER_BYTES);
    header.byte(ROUTED_MAGIC);
    header.u32(this.rowCount);
    header.u32(this.rejectedCount);
    return [header.take(true), this.rejected.take(true), this.rows.take(true)];
  }
}

/**
 * Reads one routed-rows object row by row. Field values are slices of one latin-1 string of the object (cheap
 * V8 substrings that keep it alive while the values are kept: a partition's objects are kept anyway).
 */
export class RoutedRowsReader {
  readonly rows: number;
  readonly rejectedSubjects: string[] = [];
  position = 0;
  rawLength = 0;
  /** The re-serialised record, when the row carries one (ROUTED_FULL_LINE). */
  fullLine: string | undefined;
  /** Where each ROUTED_FIELDS value of the current row lies in `bytes` / `text`. */
  readonly starts = new Int32Array(ROUTED_FIELDS.length);
  readonly ends = new Int32Array(ROUTED_FIELDS.length);
  readonly text: string;
  private cursor: number;
  private readonly rowsStart: number;
  private delivered = 0;

  constructor(readonly bytes: Buffer) {
    if (bytes.length === 0) {
      this.rows = 0;
      this.text = '';
      this.cursor = 0;
      this.rowsStart = 0;
      return;
    }
    if (bytes.length < ROUTED_HEADER_BYTES || bytes[0] !== ROUTED_MAGIC) throw new FrameFormatError('corrupt routed-rows header');
    this.rows = readU32(bytes, 1);
    const rejected = readU32(bytes, 5);
    let cursor = ROUTED_HEADER_BYTES;
    for (let i = 0; i < rejected; i++) {
      const length = readU32(bytes, cursor);
      cursor += 4;
      if (cursor + length > bytes.length) throw new FrameFormatError('routed-rows object is truncated');
      this.rejectedSubjects.push(bytes.toString('latin1', cursor, cursor + length));
      cursor += length;
    }
    this.cursor = cursor;
    this.rowsStart = cursor;
    this.text = bytes.toString('latin1');
  }

  /** Reads the rows again from the first. */
  rewind(): void {
    this.cursor = this.rowsStart;
    this.delivered = 0;
  }

  /** Advances to the next row; false after the last. */
  next(): boolean {
    if (this.delivered === this.rows) {
      if (this.cursor !== this.bytes.length) throw new FrameFormatError('routed-rows object has bytes after its last row');
      return false;
    }
    const bytes = this.bytes;
    let at = this.cursor;
    if (at + 13 > bytes.length) throw new FrameFormatError('routed-rows object is truncated');
    this.position = readU32(bytes, at) + readU32(bytes, at + 4) * TWO_32;
    this.rawLength = readU32(bytes, at + 8);
    const flags = bytes[at + 12];
    at += 13;
    const starts = this.starts;
    const ends = this.ends;
    const n = bytes.length;
    for (let slot = 0; slot < starts.length; slot++) {
      let length = 0;
      let shift = 0;
      let byte: number;
      do {
        if (at >= n) throw new FrameFormatError('routed-rows object is truncated');
        byte = bytes[at++];
        length |= (byte & 0x7f) << shift;
        shift += 7;
      } while (byte & 0x80);
      starts[slot] = at;
      at += length;
      ends[slot] = at;
    }
    if (flags & ROUTED_FULL_LINE) {
      if (at + 4 > n) throw new FrameFormatError('routed-rows object is truncated');
      const length = readU32(bytes, at);
      at += 4;
      this.fullLine = this.text.slice(at, at + length);
      at += length;
    } else this.fullLine = undefined;
    if (at > n) throw new FrameFormatError('routed-rows object is truncated');
    this.cursor = at;
    this.delivered++;
    return true;
  }

  /** Sets `fields[column]` for each column of `slots` (from slotsOf) to the current row's value. */
  materialise(fields: string[], columns: readonly number[], slots: Int32Array): void {
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      fields[columns[i]] = this.text.slice(this.starts[slot], this.ends[slot]);
    }
  }
}

const SLICE_INDEX_MAGIC = 0x49; // 'I'
export const SLICE_INDEX_HEADER_BYTES = 9;
const SLICE_ENTRY_BYTES = 16;

/** Where partition `partition`'s row starts and ends in a slice index of `ranges` ranges. */
export function sliceIndexRow(ranges: number, partition: number): { start: number; end: number } {
  const start = SLICE_INDEX_HEADER_BYTES + partition * ranges * SLICE_ENTRY_BYTES;
  return { start, end: start + ranges * SLICE_ENTRY_BYTES };
}

/**
 * The slice index of a run, from each range's slice boundaries (`slicesByRange[r]`: P + 1 offsets), in pieces of
 * about `piece` bytes (partition after partition).
 */
export function* sliceIndexPieces(slicesByRange: readonly (readonly number[])[], partitions: number, piece = 1 << 20): Generator<Buffer> {
  const ranges = slicesByRange.length;
  for (const slices of slicesByRange) {
    if (slices.length !== partitions + 1) throw new InvariantError(`a range has ${slices.length - 1} slices, the run ${partitions} partitions`);
  }
  const out = new ByteWriter(Math.min(piece + SLICE_ENTRY_BYTES * ranges, SLICE_INDEX_HEADER_BYTES + partitions * ranges * SLICE_ENTRY_BYTES));
  out.byte(SLICE_INDEX_MAGIC);
  out.u32(ranges);
  out.u32(partitions);
  for (let p = 0; p < partitions; p++) {
    for (let r = 0; r < ranges; r++) {
      out.position(slicesByRange[r][p]);
      out.position(slicesByRange[r][p + 1]);
    }
    if (out.length >= piece) yield out.take();
  }
  if (out.length > 0) yield out.take(true);
}

/** One partition's row of a slice index (bytes sliceIndexRow(ranges, p)): per range, its slice [start, end). */
export function parseSliceIndexRow(bytes: Buffer, ranges: number): Array<{ start: number; end: number }> {
  if (bytes.length !== ranges * SLICE_ENTRY_BYTES) throw new FrameFormatError(`a slice index row of ${ranges} ranges has ${bytes.length} bytes`);
  const row: Array<{ start: number; end: number }> = [];
  for (let at = 0; at < bytes.length; at += SLICE_ENTRY_BYTES) {
    const start = readU32(bytes, at) + readU32(bytes, at + 4) * TWO_32;
    const end = readU32(bytes, at + 8) + readU32(bytes, at + 12) * TWO_32;
    if (end < start) throw new FrameFormatError(`a slice ends (${end}) before it starts (${start})`);
    row.push({ start, end });
  }
  return row;
}

/** Checks a slice index's header against the run's plan. */
export function checkSliceIndexHeader(bytes: Buffer, ranges: number, partitions: number): void {
  if (bytes.length < SLICE_INDEX_HEADER_BYTES || bytes[0] !== SLICE_INDEX_MAGIC) throw new FrameFormatError('corrupt slice index header');
  const found = [readU32(bytes, 1), readU32(bytes, 5)];
  if (found[0] !== ranges || found[1] !== partitions) {
    throw new FrameFormatError(`the slice index is of ${found[0]} ranges x ${found[1]} partitions, the plan of ${ranges} x ${partitions}`);
  }
}

/** Reserved header of a classified row being written; `finishClassifiedRow` fills in the lengths. */
export function startClassifiedRow(out: ByteWriter, position: number, flags: number, rawLength: number): number {
  out.position(position);
  out.byte(flags);
  out.u32(rawLength);
  const lengths = out.length;
  out.ensure(12);
  out.length += 12;
  return lengths;
}

/** Writes the three section lengths of a classified row whose sections were written after `startClassifiedRow`. */
export function finishClassifiedRow(out: ByteWriter, lengths: number, fullLength: number, condensedLength: number, columnsLength: number): void {
  out.u32(fullLength, lengths);
  out.u32(condensedLength, lengths + 4);
  out.u32(columnsLength, lengths + 8);
}

/** Carry buffers are allocated in steps of this many bytes (a merge holds one per partition). */
const CARRY_STEP = 8 * 1024;

function carrySize(length: number): number {
  return Math.ceil(length / CARRY_STEP) * CARRY_STEP;
}

/** A larger buffer with the first `keep` bytes of `buffer`. */
function growTo(buffer: Buffer, keep: number, length: number): Buffer {
  const grown = Buffer.allocUnsafeSlow(carrySize(length));
  buffer.copy(grown, 0, 0, keep);
  return grown;
}

/**
 * Reads classified rows from a stream of Buffers without decoding them: the sections are ranges of `buffer`
 * (the current chunk), valid until the next call. `advance()` is synchronous and fails only when the next row
 * is not buffered yet; `fill()` then reads on.
 */
export class ClassifiedRowReader {
  position = 0;
  flags = 0;
  rawLength = 0;
  buffer: Buffer = Buffer.alloc(0);
  fullStart = 0;
  condensedStart = 0;
  columnsStart = 0;
  columnsEnd = 0;
  private offset = 0;
  private finished = false;
  /** A row split across chunks, gathered here (reused, grown as rows need). */
  private carry: Buffer = Buffer.alloc(0);
  private carryLength = 0;

  constructor(private readonly chunks: AsyncIterator<Buffer>) {}

  /** Moves to the next row if it is wholly buffered. */
  advance(): boolean {
    const buffer = this.buffer;
    const start = this.offset;
    if (buffer.length - start < CLASSIFIED_HEADER_BYTES) return false;
    const fullLength = readU32(buffer, start + 13);
    const condensedLength = readU32(buffer, start + 17);
    const columnsLength = readU32(buffer, start + 21);
    const fullStart = start + CLASSIFIED_HEADER_BYTES;
    const end = fullStart + fullLength + condensedLength + columnsLength;
    if (end > buffer.length) return false;
    this.position = readU32(buffer, start) + readU32(buffer, start + 4) * TWO_32;
    this.flags = buffer[start + 8];
    this.rawLength = readU32(buffer, start + 9);
    this.fullStart = fullStart;
    this.condensedStart = fullStart + fullLength;
    this.columnsStart = this.condensedStart + condensedLength;
    this.columnsEnd = end;
    this.offset = end;
    return true;
  }

  /** Reads until the next row is buffered; false at the end of the stream. */
  async fill(): Promise<boolean> {
    for (;;) {
      if (this.advance()) return true;
      const available = this.buffer.length - this.offset;
      if (this.finished) {
        if (available > 0) throw new FrameFormatError('classified rows end inside a row');
        return false;
      }
      // The part of a row already read is copied to the front of `carry` before the next read: the chunk
      // holding it may be overwritten by that read (ReadOptions.reuseBuffer).
      if (available > 0) this.carryLength = this.keep(this.buffer, this.offset, available);
      const next = await this.chunks.next();
      if (next.done) {
        this.finished = true;
        if (available > 0) {
          this.buffer = this.carry.subarray(0, this.carryLength);
          this.offset = 0;
        }
        continue;
      }
      const chunk = next.value;
      if (available > 0) {
        const length = this.carryLength + chunk.length;
        if (length > this.carry.length) this.carry = growTo(this.carry, this.carryLength, length);
        chunk.copy(this.carry, this.carryLength);
        this.buffer = this.carry.subarray(0, length);
      } else this.buffer = chunk;
      this.offset = 0;
    }
  }

  /** Copies `bytes[start, start + length)` to the front of `carry` (which may be `bytes` itself); returns length. */
  private keep(bytes: Buffer, start: number, length: number): number {
    if (bytes.buffer === this.carry.buffer && bytes.byteOffset === this.carry.byteOffset) {
      this.carry.copyWithin(0, start, start + length);
    } else {
      if (length > this.carry.length) this.carry = Buffer.allocUnsafeSlow(carrySize(length));
      bytes.copy(this.carry, 0, start, start + length);
    }
    return length;
  }

  /** The next row, reading on when needed; false at the end. */
  next(): boolean | Promise<boolean> {
    return this.advance() || this.fill();
  }
}

/**
 * Latin-1 text of `bytes` in windows of 64 KiB: V8 scans such small strings faster than one large (external)
 * string, and the tokenizer takes text in any chunking.
 */
export function* latin1Windows(bytes: Buffer, window = 64 * 1024): Generator<string> {
  for (let start = 0; start < bytes.length; start += window) yield bytes.toString('latin1', start, Math.min(bytes.length, start + window));
}
