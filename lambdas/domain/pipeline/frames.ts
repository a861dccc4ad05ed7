/**
 * The work area's intermediate formats, chosen for speed: no per-row parsing beyond what is needed.
 * Text is latin-1 (one char per byte), so string lengths are byte counts and any input byte survives.
 *
 * Split output, one object per (range, partition) — "routed rows":
 *   `<rows>,<rejected>\n`, then `rows` positions as 16-digit decimals, then `rejected` SUBJECT_IDs each as
 *   6-digit length + text, then the rows' raw CSV records, each followed by LF. Classify hands that CSV text
 *   to the tokenizer in one piece and takes the k-th position for the k-th record.
 *
 * Classify output, one object per partition — "classified rows", sorted by position:
 *   per row a 39-byte header `O<position:16><flags:1><full length:10><condensed length:10>\n`, then the
 *   All_Results line + LF, then the All_Results_Condensed line + LF. Assemble merges these as bytes.
 */

const POSITION_DIGITS = 16;
const LENGTH_DIGITS = 10;
const SUBJECT_LENGTH_DIGITS = 6;

/** Output flag: the row is an evaluated conviction (it goes to Prop64_Results.csv). */
export const FLAG_EVALUATED = 1;

export class FrameFormatError extends Error {
  override readonly name = 'FrameFormatError';
}

function digits(value: number, width: number): string {
  const text = String(value);
  if (text.length > width) throw new FrameFormatError(`${value} does not fit in ${width} digits`);
  return text.padStart(width, '0');
}

/** Builds one routed-rows object, in bytes: positions as digits, records copied from the input as they are. */
export class RoutedRowsBuilder {
  private readonly positions = new ByteWriter(4096);
  private readonly records = new ByteWriter(64 * 1024);
  private readonly rejected = new ByteWriter(256);
  private rows = 0;
  private rejectedCount = 0;

  /** A row whose raw bytes are `source[start, end)` (no line end). */
  addRowBytes(position: number, source: Buffer, start: number, end: number): void {
    this.positions.digits(position, POSITION_DIGITS);
    this.records.bytes(source, start, end);
    this.records.byte(10);
    this.rows++;
  }

  /** A row given as latin-1 text (when it does not lie within one input buffer). */
  addRow(position: number, rawRecord: string): void {
    this.positions.digits(position, POSITION_DIGITS);
    this.records.text(rawRecord);
    this.records.byte(10);
    this.rows++;
  }

  addRejectedSubject(subjectId: string): void {
    this.rejected.digits(subjectId.length, SUBJECT_LENGTH_DIGITS);
    this.rejected.text(subjectId);
    this.rejectedCount++;
  }

  toBuffers(): Buffer[] {
    if (this.rows === 0 && this.rejectedCount === 0) return [];
    return [Buffer.from(`${this.rows},${this.rejectedCount}\n`, 'latin1'), this.positions.take(), this.rejected.take(), this.records.take()];
  }
}

export interface RoutedRows {
  positions: number[];
  rejectedSubjects: string[];
  /** The rows' CSV records, each followed by LF (latin-1 bytes). */
  csv: Buffer;
}

export function parseRoutedRows(bytes: Buffer): RoutedRows {
  if (bytes.length === 0) return { positions: [], rejectedSubjects: [], csv: bytes };
  const newline = bytes.indexOf(10);
  const [rowsText, rejectedText] = bytes.toString('latin1', 0, newline).split(',');
  const rows = Number(rowsText);
  const rejected = Number(rejectedText);
  if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(rejected)) throw new FrameFormatError('corrupt routed-rows header');
  let cursor = newline + 1;
  const positions = new Array<number>(rows);
  for (let i = 0; i < rows; i++) {
    positions[i] = parseBufferDigits(bytes, cursor, POSITION_DIGITS);
    cursor += POSITION_DIGITS;
  }
  const rejectedSubjects: string[] = [];
  for (let i = 0; i < rejected; i++) {
    const length = parseBufferDigits(bytes, cursor, SUBJECT_LENGTH_DIGITS);
    cursor += SUBJECT_LENGTH_DIGITS;
    rejectedSubjects.push(bytes.toString('latin1', cursor, cursor + length));
    cursor += length;
  }
  if (cursor > bytes.length) throw new FrameFormatError('routed-rows object is truncated');
  return { positions, rejectedSubjects, csv: bytes.subarray(cursor) };
}

/**
 * Latin-1 text of `bytes` in windows of 64 KiB: V8 scans such small strings faster than one large (external)
 * string, and the tokenizer takes text in any chunking.
 */
export function* latin1Windows(bytes: Buffer, window = 64 * 1024): Generator<string> {
  for (let start = 0; start < bytes.length; start += window) yield bytes.toString('latin1', start, Math.min(bytes.length, start + window));
}

/** The header of one classified row (a latin-1 string of 39 chars). */
export function classifiedHeader(position: number, flags: number, fullLength: number, condensedLength: number): string {
  return `O${digits(position, POSITION_DIGITS)}${flags}${digits(fullLength, LENGTH_DIGITS)}${digits(condensedLength, LENGTH_DIGITS)}\n`;
}

const HEADER_BYTES = 1 + POSITION_DIGITS + 1 + LENGTH_DIGITS + LENGTH_DIGITS + 1;
const LETTER_O = 79;

function parseBufferDigits(buffer: Buffer, start: number, width: number): number {
  let value = 0;
  for (let i = start; i < start + width; i++) {
    const digit = buffer[i] - 48;
    if (digit < 0 || digit > 9) throw new FrameFormatError(`corrupt number at byte ${i}`);
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Reads classified rows from a stream of Buffers without decoding them: `full` and `condensed` are views
 * (subarrays, LF included) into the current chunk, valid until the next call.
 */
export class ClassifiedRowReader {
  position = 0;
  flags = 0;
  full: Buffer = Buffer.alloc(0);
  condensed: Buffer = Buffer.alloc(0);
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;
  private finished = false;

  constructor(private readonly chunks: AsyncIterator<Buffer>) {}

  /** Advances to the next row; false at the end of the stream. */
  async next(): Promise<boolean> {
    for (;;) {
      const available = this.buffer.length - this.offset;
      if (available >= HEADER_BYTES) {
        const start = this.offset;
        if (this.buffer[start] !== LETTER_O) throw new FrameFormatError(`corrupt classified row at byte ${start}`);
        const fullLength = parseBufferDigits(this.buffer, start + 18, LENGTH_DIGITS);
        const condensedLength = parseBufferDigits(this.buffer, start + 28, LENGTH_DIGITS);
        const fullStart = start + HEADER_BYTES;
        const condensedStart = fullStart + fullLength + 1;
        const end = condensedStart + condensedLength + 1;
        if (end <= this.buffer.length) {
          this.position = parseBufferDigits(this.buffer, start + 1, POSITION_DIGITS);
          this.flags = this.buffer[start + 17] - 48;
          this.full = this.buffer.subarray(fullStart, condensedStart);
          this.condensed = this.buffer.subarray(condensedStart, end);
          this.offset = end;
          return true;
        }
      }
      if (this.finished) {
        if (available > 0) throw new FrameFormatError('classified rows end inside a row');
        return false;
      }
      const next = await this.chunks.next();
      if (next.done) {
        this.finished = true;
        continue;
      }
      this.buffer = available > 0 ? Buffer.concat([this.buffer.subarray(this.offset), next.value]) : next.value;
      this.offset = 0;
    }
  }
}

/**
 * A growable byte buffer for building intermediate files without per-row strings: text is written as latin-1,
 * raw input bytes are copied as they are, numbers as fixed-width digits (also into a reserved place).
 */
export class ByteWriter {
  buffer: Buffer;
  length = 0;

  constructor(capacity = 1 << 20) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  text(text: string): void {
    this.ensure(text.length);
    this.length += this.buffer.write(text, this.length, 'latin1');
  }

  byte(value: number): void {
    this.ensure(1);
    this.buffer[this.length++] = value;
  }

  bytes(source: Buffer, start: number, end: number): void {
    this.ensure(end - start);
    this.length += source.copy(this.buffer, this.length, start, end);
  }

  /** Writes `value` as `width` decimal digits at `at` (a place reserved earlier), or at the end when omitted. */
  digits(value: number, width: number, at?: number): void {
    if (at === undefined) {
      this.ensure(width);
      at = this.length;
      this.length += width;
    }
    for (let i = at + width - 1; i >= at; i--) {
      this.buffer[i] = 48 + (value % 10);
      value = Math.floor(value / 10);
    }
    if (value > 0) throw new FrameFormatError(`number does not fit in ${width} digits`);
  }

  /** Hands out the bytes written so far and starts afresh. */
  take(): Buffer {
    const taken = this.buffer.subarray(0, this.length);
    this.buffer = Buffer.allocUnsafe(this.buffer.length);
    this.length = 0;
    return taken;
  }
}

/** Writes one classified row: header, the All_Results line and the condensed line, each line written by a callback. */
export function writeClassifiedRow(out: ByteWriter, position: number, flags: number, writeFull: () => void, writeCondensed: () => void): void {
  out.byte(LETTER_O);
  out.digits(position, POSITION_DIGITS);
  out.byte(48 + flags);
  const lengths = out.length;
  out.digits(0, LENGTH_DIGITS);
  out.digits(0, LENGTH_DIGITS);
  out.byte(10);
  const fullStart = out.length;
  writeFull();
  const fullLength = out.length - fullStart;
  out.byte(10);
  const condensedStart = out.length;
  writeCondensed();
  const condensedLength = out.length - condensedStart;
  out.byte(10);
  out.digits(fullLength, LENGTH_DIGITS, lengths);
  out.digits(condensedLength, LENGTH_DIGITS, lengths + LENGTH_DIGITS);
}
