/**
 * Streaming tokenizer for DOJ research files: RFC 4180 CSV, `,` separator, `"` quoting, 95 fields a row.
 *
 * Text convention: input is latin1-decoded JS strings (`buffer.toString('latin1')`), one char per byte,
 * so every position below is a byte offset and any bytes (UTF-8 names included) round-trip untouched.
 * Only ASCII `,` `"` CR LF are interpreted.
 *
 * Framing
 * - A line ends with LF or CRLF (the CR right before LF belongs to the line end); a lone CR is data.
 * - A quoted field may hold `,`, `""` (one quote) and line breaks; a CRLF inside it is read as LF, as the
 *   reference Go tool does. Fields are never trimmed.
 * - A zero-length line is not a record: it is reported through `blankLine` so callers can count it.
 * - The last record may lack a line end; a line end at end of input does not make an empty record.
 * - A UTF-8 BOM (latin1 "ï»¿") at stream offset 0 is skipped when `stripBom` (default: when baseOffset is
 *   0); offsets stay file offsets, so the first record then starts at offset 3 (`summary.hadBom`).
 *
 * Positions: `line` = baseLine + 1 + number of LFs in the stream before the record; `offset`/`end` =
 * baseOffset + stream position of the record's first byte / of the byte after its line end. Records,
 * rejects and blank lines tile the stream: each one's `end` is the next one's `offset`.
 *
 * Field count: the tokenizer enforces it (`expectedFields`, default 95; `null` accepts any count).
 * The header row is the caller's business: with `lenientFirstRecord` the stream's first item, if it is a
 * one-line record, reaches `record()` whatever its field count (a header may carry a 96th empty field),
 * and the caller checks `info.fieldCount` itself.
 *
 * Malformed input never throws. Recovery rule (one rule for every reject, so a stray quote cannot
 * swallow the rest of the file): a malformed record rejects only its FIRST PHYSICAL LINE, i.e.
 * [record offset, first LF after it + 1), and tokenizing resumes at the start of the next physical line.
 * For a one-line record that is the whole record. It applies to
 * - FIELD_COUNT: a complete record whose field count differs from `expectedFields` (when the record spans
 *   several lines, a quote was most likely unbalanced, so its later lines are tokenized again);
 * - BARE_QUOTE: a `"` inside an unquoted field; TEXT_AFTER_QUOTE: anything but `,` or a line end after a
 *   closing quote (a CR after it counts only as part of CRLF);
 * - UNTERMINATED_QUOTE: a quoted field still open at end of input, or whose closing quote is not within
 *   the record's first `maxRecordBytes` bytes;
 * - RECORD_TOO_LONG: any other record longer than `maxRecordBytes` (line end included). If the rejected
 *   line is longer than what is buffered, its remaining bytes are discarded as they arrive, so memory
 *   stays bounded by maxRecordBytes + one chunk.
 * A reject carries the record's SUBJECT_ID when that field was complete within the rejected line.
 * Every decision depends only on the first maxRecordBytes + 2 bytes of a record, never on how the input
 * was chunked: any chunking yields the same calls to the sink.
 *
 * Hot path: no regex and no per-row allocation. The `fields` array and the `info` object passed to
 * `record()` are reused: they are valid only during the call. Only `wantedFields` are materialised.
 * Materialised values may be V8 sliced strings that keep the current chunk alive: a caller keeping a few
 * values of many rows for long should copy them.
 */
import { COL, DOJ_COLUMNS, FIELD_COUNT } from '../columns';

export type RejectCode =
  | 'FIELD_COUNT'
  | 'BARE_QUOTE'
  | 'TEXT_AFTER_QUOTE'
  | 'UNTERMINATED_QUOTE'
  | 'RECORD_TOO_LONG';

/** The record being delivered. The object is reused: read it during `record()` only. */
export interface RecordInfo {
  /** Absolute offset of the record's first byte. */
  readonly offset: number;
  /** Absolute offset just after the record's line end (= the next record's offset). */
  readonly end: number;
  /** Physical line (1-based, + baseLine) where the record starts. */
  readonly line: number;
  /** Physical lines the record spans (> 1 when a quoted field holds line breaks). */
  readonly lineCount: number;
  readonly fieldCount: number;
  /**
   * The raw text holds a CRLF (as line end or inside a quoted field) that the fields read as LF.
   * When false, `rawText() + '\n'` is the record exactly as an LF-terminated writer would copy it.
   */
  readonly hasCarriageReturn: boolean;
  /** Current buffer; the record text (line end excluded) is `source.slice(sourceStart, sourceEnd)`. */
  readonly source: string;
  readonly sourceStart: number;
  readonly sourceEnd: number;
  /** The record text as in the input, without its line end. */
  rawText(): string;
  /**
   * For each of `boundFields`: where its value lies in `source` ([fieldStarts[i], fieldEnds[i]), quotes excluded),
   * or fieldStarts[i] = -1 when the value is not a plain substring (a quoted field holding `""` or a CRLF): it is
   * then materialised in `fields`. Fields past the record's last hold an empty range.
   */
  readonly fieldStarts: Int32Array;
  readonly fieldEnds: Int32Array;
}

export interface RejectInfo {
  readonly code: RejectCode;
  /** Why, naming the field by number and column; never contains field values. */
  readonly message: string;
  /** Physical line of the rejected line. */
  readonly line: number;
  /** Absolute offset of the rejected line and just after its line end. */
  readonly offset: number;
  readonly end: number;
  /** SUBJECT_ID when it was complete within the rejected line. */
  readonly subjectId?: string;
  /** Fields seen (FIELD_COUNT only). */
  readonly fieldCount?: number;
  /** The rejected line without its line end, when it is at most maxRecordBytes long. */
  readonly text?: string;
  /** Otherwise, its first 4 KiB, so that people can still tell which row it was. */
  readonly excerpt?: string;
}

export interface TokenizerSink {
  /** `fields` and `info` are reused after the call returns. */
  record(fields: string[], info: RecordInfo): void;
  reject(reject: RejectInfo): void;
  /** A zero-length line (`end` - `offset` is 1 for LF, 2 for CRLF). */
  blankLine(line: number, offset: number, end: number): void;
}

export interface TokenizerOptions {
  /** Fields every record must have; `null` accepts any count. Default 95. */
  readonly expectedFields?: number | null;
  /** Deliver the stream's first item, if a one-line record, whatever its field count. Default false. */
  readonly lenientFirstRecord?: boolean;
  /** Longest record accepted, line end included. Default 1 MiB. */
  readonly maxRecordBytes?: number;
  /**
   * Field indices to materialise; others stay '' and cost no substring. Default: all fields.
   * `fields.length` is then fixed at max(expectedFields, largest wanted index + 1).
   */
  readonly wantedFields?: readonly number[];
  /**
   * Field indices whose position in the text is reported (RecordInfo.fieldStarts/fieldEnds) instead of a string,
   * for callers that copy values without making strings. Only with `wantedFields`.
   */
  readonly boundFields?: readonly number[];
  /** Field reported as `subjectId` in rejects. Default COL.SUBJECT_ID (2). */
  readonly subjectIdField?: number;
  /** Absolute offset of the stream's first byte. Default 0. */
  readonly baseOffset?: number;
  /** Physical lines before the stream's first byte. Default 0. */
  readonly baseLine?: number;
  /** Skip a UTF-8 BOM at stream offset 0. Default: true when baseOffset is 0. */
  readonly stripBom?: boolean;
  /**
   * Emit nothing that starts at or after this absolute offset: the tokenizer stops there and `end()`
   * reports it as `nextOffset`. A record starting before it is finished even if it ends past it.
   */
  readonly stopAfterOffset?: number;
}

export interface TokenizeSummary {
  /** Physical lines consumed (LFs, + 1 for a last line without line end). */
  readonly lines: number;
  readonly records: number;
  readonly rejects: number;
  readonly blankLines: number;
  /** Absolute offset where the next unprocessed item starts (end of input unless stopped). */
  readonly nextOffset: number;
  /** Physical line number of `nextOffset`. */
  readonly nextLine: number;
  /** True when `stopAfterOffset` was reached. */
  readonly stopped: boolean;
  readonly hadBom: boolean;
}

export interface TokenizeChunksSummary extends TokenizeSummary {
  /** Bytes read from the source: past `nextOffset` when stopped, by up to one chunk. */
  readonly bytesRead: number;
}

export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
/** Length of the excerpt a reject carries when its line is too long to carry whole. */
const EXCERPT_BYTES = 4096;

const enum Char {
  LF = 10,
  CR = 13,
  QUOTE = 34,
  COMMA = 44,
}

/** scanRecord results besides "next record start". */
const NEED_MORE = -1;
const SKIPPING = -2;

const BOM = '\u00EF\u00BB\u00BF';

/** What is kept of a wanted field: its string, its position in the text, or both. */
const WANT_STRING = 1;
const WANT_BOUNDS = 2;

/** Input is scanned in windows of at most this many chars (see push). */
const WINDOW_CHARS = 64 * 1024;

class ReusedRecordInfo implements RecordInfo {
  constructor(readonly fieldStarts: Int32Array, readonly fieldEnds: Int32Array) {}
  offset = 0;
  end = 0;
  line = 0;
  lineCount = 0;
  fieldCount = 0;
  hasCarriageReturn = false;
  source = '';
  sourceStart = 0;
  sourceEnd = 0;
  rawText(): string {
    return this.source.slice(this.sourceStart, this.sourceEnd);
  }
}

/** A rejected first line whose line end has not arrived yet: its bytes are discarded as they come. */
interface SkippedLine {
  readonly code: RejectCode;
  readonly message: string;
  readonly line: number;
  readonly offset: number;
  readonly subjectId: string | undefined;
  readonly fieldCount: number | undefined;
  /** Text kept while the line is short enough to be reported; undefined once it is too long. */
  parts: string[] | undefined;
  /** The line's first EXCERPT_BYTES characters, kept however long the line gets. */
  head: string;
  length: number;
}

/** What scanRecord found of a malformed item: the reject, where, and how far the scan went. */
interface RejectedScan {
  error: RejectCode;
  errorPos: number;
  /** The field the scan stopped in (0-based). */
  fieldIndex: number;
  lineCount: number;
  /** The first LF at or after the item's start (n when none is buffered). */
  firstLf: number;
  /** Where the item had to end by (start + maxRecordBytes). */
  limit: number;
  quoteOpenAtLimit: boolean;
}

function unquote(s: string, start: number, end: number, escaped: boolean, crlf: boolean): string {
  let value = s.slice(start, end);
  if (escaped) value = value.replaceAll('""', '"');
  if (crlf) value = value.replaceAll('\r\n', '\n');
  return value;
}

function describeField(index: number): string {
  const name = DOJ_COLUMNS[index];
  return name === undefined ? `field ${index + 1}` : `field ${index + 1} (${name})`;
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`tokenizer option ${name} must be an integer >= ${min}, got ${value}`);
  }
}

export class DojTokenizer {
  private readonly sink: TokenizerSink;
  private readonly expectedFields: number; // -1: any
  private readonly lenientFirstRecord: boolean;
  private readonly maxRecordBytes: number;
  private readonly allFields: boolean;
  private readonly wanted: Uint8Array; // WANT_STRING | WANT_BOUNDS at each wanted index (allFields: unused)
  private readonly wantedList: readonly number[];
  private readonly boundList: readonly number[];
  private readonly fieldStarts: Int32Array;
  private readonly fieldEnds: Int32Array;
  private readonly subjectIdField: number;
  private readonly baseOffset: number;
  private readonly baseLine: number;
  private readonly stripBom: boolean;
  private readonly stopAfterOffset: number;
  private readonly fields: string[];
  private readonly info: ReusedRecordInfo;

  /** Unprocessed text; always starts at an item boundary. */
  private buffer = '';
  /** Stream position of buffer[0]. */
  private bufferStart = 0;
  /** Chunks not yet joined to `buffer`: parsing waits until enough text is there (see resumeAtLength). */
  private pending: string[] = [];
  private pendingLength = 0;
  /** Parse again once buffer + pending reach this length: doubling keeps tiny chunks linear. */
  private resumeAtLength = 1;
  /** LFs in the stream before the next item. */
  private linesBefore = 0;
  private skipped: SkippedLine | undefined;
  /**
   * Position in `buffer` of the next comma / quote at or after the last scan position (n if none is
   * buffered; -1: unknown). Reset whenever scanning resumes before that position.
   */
  private nextComma = -1;
  private nextQuote = -1;
  private bomChecked = false;
  private seenItem = false;
  private hadBom = false;
  private isStopped = false;
  private isEnded = false;
  /** The last item ended at end of input without a line end (it still counts as a line). */
  private endedMidLine = false;
  private recordCount = 0;
  private rejectCount = 0;
  private blankCount = 0;
  /** SUBJECT_ID of the record being scanned (storeField): its text bounds, -1 until seen, and whether `""` is in it. */
  private subjectStart = -1;
  private subjectEnd = -1;
  private subjectEscaped = false;

  constructor(sink: TokenizerSink, options: TokenizerOptions = {}) {
    this.sink = sink;
    const expected = options.expectedFields === undefined ? FIELD_COUNT : options.expectedFields;
    if (expected !== null) checkCount('expectedFields', expected, 1);
    this.expectedFields = expected === null ? -1 : expected;
    this.lenientFirstRecord = options.lenientFirstRecord ?? false;
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    checkCount('maxRecordBytes', this.maxRecordBytes, 1);
    this.subjectIdField = options.subjectIdField ?? COL.SUBJECT_ID;
    checkCount('subjectIdField', this.subjectIdField, 0);
    this.baseOffset = options.baseOffset ?? 0;
    checkCount('baseOffset', this.baseOffset, 0);
    this.baseLine = options.baseLine ?? 0;
    checkCount('baseLine', this.baseLine, 0);
    this.stripBom = options.stripBom ?? this.baseOffset === 0;
    this.stopAfterOffset = options.stopAfterOffset ?? Number.POSITIVE_INFINITY;
    if (Number.isNaN(this.stopAfterOffset)) throw new RangeError('tokenizer option stopAfterOffset is NaN');

    const wantedList = options.wantedFields;
    this.allFields = wantedList === undefined;
    this.wantedList = wantedList ?? [];
    this.boundList = options.boundFields ?? [];
    if (this.allFields && this.boundList.length > 0) throw new RangeError('tokenizer option boundFields needs wantedFields');
    let width = Math.max(this.expectedFields, 0);
    for (const index of this.wantedList) {
      checkCount('wantedFields[]', index, 0);
      width = Math.max(width, index + 1);
    }
    for (const index of this.boundList) {
      checkCount('boundFields[]', index, 0);
      width = Math.max(width, index + 1);
    }
    this.wanted = new Uint8Array(this.allFields ? 0 : width);
    for (const index of this.wantedList) this.wanted[index] |= WANT_STRING;
    for (const index of this.boundList) this.wanted[index] |= WANT_BOUNDS;
    this.fieldStarts = new Int32Array(width);
    this.fieldEnds = new Int32Array(width);
    this.info = new ReusedRecordInfo(this.fieldStarts, this.fieldEnds);
    // Pushed one by one so the array stays packed (fast element access).
    this.fields = [];
    for (let i = 0; i < width; i++) this.fields.push('');
  }

  /** True once `stopAfterOffset` was reached: further input is ignored, the caller may stop reading. */
  get stopped(): boolean {
    return this.isStopped;
  }

  /** Feed the next chunk (latin1 text). Sink callbacks run synchronously and must not call push/end. */
  push(chunk: string): void {
    if (this.isEnded) throw new Error('DojTokenizer.push called after end()');
    if (chunk.length === 0) return;
    // Scanning cache-sized windows measured 5-15% faster than scanning MiB-sized strings.
    for (let from = 0; from < chunk.length && !this.isStopped; from += WINDOW_CHARS) {
      this.pushWindow(chunk.length <= WINDOW_CHARS ? chunk : chunk.slice(from, from + WINDOW_CHARS));
    }
  }

  private pushWindow(chunk: string): void {
    if (this.isStopped) return;
    if (this.skipped !== undefined) {
      const lineEnd = chunk.indexOf('\n');
      if (lineEnd < 0) {
        this.keepSkippedText(chunk);
        this.bufferStart += chunk.length;
        return;
      }
      this.keepSkippedText(chunk.slice(0, lineEnd + 1));
      this.bufferStart += lineEnd + 1;
      this.finishSkippedLine(this.baseOffset + this.bufferStart, true);
      this.checkStop();
      chunk = chunk.slice(lineEnd + 1);
      if (chunk.length === 0 || this.isStopped) return;
    }
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    if (this.buffer.length + this.pendingLength < this.resumeAtLength) return;
    this.joinPending();
    this.parse(false);
  }

  /** Flush the last record and report where tokenizing ended. Idempotent. */
  end(): TokenizeSummary {
    if (!this.isEnded) {
      this.isEnded = true;
      if (!this.isStopped) {
        if (this.skipped !== undefined) {
          this.finishSkippedLine(this.baseOffset + this.bufferStart, false);
          this.checkStop();
        } else {
          this.joinPending();
          this.parse(true);
        }
      }
    }
    return {
      lines: this.linesBefore + (this.endedMidLine ? 1 : 0),
      records: this.recordCount,
      rejects: this.rejectCount,
      blankLines: this.blankCount,
      nextOffset: this.baseOffset + this.bufferStart,
      nextLine: this.baseLine + this.linesBefore + 1,
      stopped: this.isStopped,
      hadBom: this.hadBom,
    };
  }

  /** Stop once the next item would start at or past stopAfterOffset (nothing is buffered past it). */
  private checkStop(): void {
    if (this.skipped === undefined && this.baseOffset + this.bufferStart >= this.stopAfterOffset) {
      this.isStopped = true;
      this.buffer = '';
      this.pending = [];
      this.pendingLength = 0;
    }
  }

  private joinPending(): void {
    if (this.pendingLength === 0) return;
    // join() yields a flat string, which keeps charCodeAt on the fast path.
    this.buffer = this.buffer.length === 0 && this.pending.length === 1 ? this.pending[0] : [this.buffer, ...this.pending].join('');
    this.pending = [];
    this.pendingLength = 0;
  }

  private parse(final: boolean): void {
    const s = this.buffer;
    const n = s.length;
    let p = 0;
    if (!this.bomChecked) {
      if (this.stripBom && this.bufferStart === 0) {
        if (n < BOM.length && !final && BOM.startsWith(s)) {
          this.resumeAtLength = BOM.length;
          return;
        }
        if (s.startsWith(BOM)) {
          p = BOM.length;
          this.hadBom = true;
        }
      }
      this.bomChecked = true;
    }
    this.nextComma = -1;
    this.nextQuote = -1;
    while (p < n) {
      if (this.baseOffset + this.bufferStart + p >= this.stopAfterOffset) {
        this.isStopped = true;
        break;
      }
      const next = this.scanRecord(s, p, n, final);
      if (next === NEED_MORE) break;
      if (next === SKIPPING) {
        p = n;
        break;
      }
      p = next;
    }
    this.bufferStart += p;
    if (p === n) this.checkStop();
    if (this.isStopped) {
      this.buffer = '';
      this.pending = [];
      this.pendingLength = 0;
      return;
    }
    const left = n - p;
    this.buffer = left === 0 ? '' : s.slice(p);
    // A record is decided once maxRecordBytes + 1 of its bytes are buffered (or at end of input).
    this.resumeAtLength = left === 0 ? 1 : Math.min(2 * left, this.maxRecordBytes + 1);
  }

  /**
   * Tokenize the item starting at `start` and deliver it to the sink. Returns where the next item starts,
   * NEED_MORE when the buffer ends before the item is decided, or SKIPPING when the rejected line's end
   * is not buffered yet.
   */
  private scanRecord(s: string, start: number, n: number, final: boolean): number {
    // The record must end (line end included) at or before `limit`.
    const limit = start + this.maxRecordBytes;
    // Next LF / comma / quote at or after the scan position, or n when none is buffered. Jumping with
    // indexOf (memchr) is about twice as fast as testing every char on comma- and quote-dense DOJ rows.
    let lf = s.indexOf('\n', start);
    if (lf < 0) lf = n;
    let nextComma = this.nextComma;
    let nextQuote = this.nextQuote;
    const firstLf = lf;

    if (lf < n && (lf === start || (lf === start + 1 && s.charCodeAt(start) === Char.CR))) {
      this.blankCount++;
      const absoluteStart = this.baseOffset + this.bufferStart;
      this.sink.blankLine(this.baseLine + this.linesBefore + 1, absoluteStart + start, absoluteStart + lf + 1);
      this.linesBefore++;
      return lf + 1;
    }

    let fieldIndex = 0;
    let pos = start;
    let lineCount = 1;
    let crlf = false;
    this.subjectEnd = -1;
    let contentEnd = 0;
    let recordEnd = 0;
    let error: RejectCode | undefined;
    let errorPos = 0;
    let quoteOpenAtLimit = false;

    scan: for (;;) {
      // `pos` is at the start of field `fieldIndex`.
      const first = pos < n ? s.charCodeAt(pos) : -1;
      if (first === Char.COMMA) {
        // Empty field (frequent in DOJ rows): no search needed.
        this.storeField(s, fieldIndex, pos, pos, false, false);
        fieldIndex++;
        pos++;
        continue;
      }
      if (first === Char.QUOTE) {
        if (pos >= limit) {
          error = 'RECORD_TOO_LONG';
          break;
        }
        let closing = pos + 1;
        let escaped = false;
        for (;;) {
          closing = s.indexOf('"', closing);
          if (closing < 0) {
            if (final || n > limit) {
              error = 'UNTERMINATED_QUOTE';
              errorPos = pos;
              quoteOpenAtLimit = n > limit;
              break scan;
            }
            return NEED_MORE;
          }
          if (closing >= limit) {
            error = 'UNTERMINATED_QUOTE';
            errorPos = pos;
            quoteOpenAtLimit = true;
            break scan;
          }
          if (closing + 1 >= n) {
            if (!final) return NEED_MORE; // `"` or `""`?
            break;
          }
          if (s.charCodeAt(closing + 1) !== Char.QUOTE) break;
          escaped = true;
          closing += 2;
        }
        let fieldCrlf = false;
        while (lf < closing) {
          lineCount++;
          if (s.charCodeAt(lf - 1) === Char.CR) fieldCrlf = true;
          lf = s.indexOf('\n', lf + 1);
          if (lf < 0) lf = n;
        }
        this.storeField(s, fieldIndex, pos + 1, closing, escaped, fieldCrlf);
        if (fieldCrlf) crlf = true;
        pos = closing + 1;
        if (pos >= n) {
          if (!final) return NEED_MORE;
          contentEnd = recordEnd = n;
          break;
        }
        if (pos >= limit) {
          error = 'RECORD_TOO_LONG';
          break;
        }
        const next = s.charCodeAt(pos);
        if (next === Char.COMMA) {
          fieldIndex++;
          pos++;
          continue;
        }
        if (next === Char.LF) {
          contentEnd = pos;
          recordEnd = pos + 1;
          break;
        }
        if (next === Char.CR) {
          if (pos + 1 >= n) {
            if (!final) return NEED_MORE;
          } else if (s.charCodeAt(pos + 1) === Char.LF) {
            contentEnd = pos;
            recordEnd = pos + 2;
            crlf = true;
            if (recordEnd > limit) error = 'RECORD_TOO_LONG';
            break;
          }
        }
        error = 'TEXT_AFTER_QUOTE';
        errorPos = pos;
        break;
      }

      // Unquoted field: runs to the next comma or line end; a quote in it is an error.
      if (nextComma < pos) {
        nextComma = s.indexOf(',', pos);
        if (nextComma < 0) nextComma = n;
      }
      if (nextQuote < pos) {
        nextQuote = s.indexOf('"', pos);
        if (nextQuote < 0) nextQuote = n;
      }
      const fieldStart = pos;
      pos = nextComma < lf ? nextComma : lf;
      if (nextQuote < pos) {
        error = nextQuote >= limit ? 'RECORD_TOO_LONG' : 'BARE_QUOTE';
        errorPos = nextQuote;
        break;
      }
      if (pos < lf) {
        this.storeField(s, fieldIndex, fieldStart, pos, false, false);
        fieldIndex++;
        pos++;
        continue;
      }
      if (lf < n) {
        contentEnd = lf > fieldStart && s.charCodeAt(lf - 1) === Char.CR ? lf - 1 : lf;
        if (contentEnd < lf) crlf = true;
        recordEnd = lf + 1;
      } else if (n > limit) {
        error = 'RECORD_TOO_LONG';
        break;
      } else if (final) {
        contentEnd = recordEnd = n;
      } else {
        return NEED_MORE;
      }
      this.storeField(s, fieldIndex, fieldStart, contentEnd, false, false);
      if (recordEnd > limit) error = 'RECORD_TOO_LONG';
      break;
    }
    // Valid for the next record only if it starts at or after the scan start (true unless rejected).
    this.nextComma = nextComma;
    this.nextQuote = nextQuote;

    const fieldCount = fieldIndex + 1;
    if (error === undefined) {
      const expected = this.expectedFields;
      if (
        expected < 0 ||
        fieldCount === expected ||
        (this.lenientFirstRecord && !this.seenItem && lineCount === 1)
      ) {
        this.deliverRecord(s, start, contentEnd, recordEnd, lineCount, fieldCount, crlf);
        return recordEnd;
      }
      error = 'FIELD_COUNT';
    }

    return this.rejectFirstLine(s, start, n, final, { error, errorPos, fieldIndex, lineCount, firstLf, limit, quoteOpenAtLimit });
  }

  /**
   * Rejects the first physical line of the malformed item at `start` (see the recovery rule above) and returns
   * where the next item starts, or SKIPPING when that line's end is not buffered yet.
   */
  private rejectFirstLine(s: string, start: number, n: number, final: boolean, scan: RejectedScan): number {
    const { error, errorPos, fieldIndex, lineCount, firstLf, limit, quoteOpenAtLimit } = scan;
    const fieldCount = fieldIndex + 1;
    // Rescanning starts before the cached positions.
    this.nextComma = -1;
    this.nextQuote = -1;
    let message: string;
    switch (error) {
      case 'FIELD_COUNT':
        message = `expected ${this.expectedFields} fields, found ${fieldCount}`;
        break;
      case 'BARE_QUOTE':
        message = `quote inside unquoted ${describeField(fieldIndex)}`;
        break;
      case 'TEXT_AFTER_QUOTE':
        message = `characters after the closing quote of ${describeField(fieldIndex)}`;
        break;
      case 'UNTERMINATED_QUOTE':
        message = quoteOpenAtLimit
          ? `quoted ${describeField(fieldIndex)} still open after ${this.maxRecordBytes} bytes`
          : `quoted ${describeField(fieldIndex)} still open at end of input`;
        break;
      default:
        message = `record longer than ${this.maxRecordBytes} bytes`;
    }
    if (error === 'UNTERMINATED_QUOTE' || lineCount > 1 || errorPos > firstLf) {
      message += '; only its first line is rejected, tokenizing resumes on the next line';
    }
    // Only a SUBJECT_ID read within the first line and the first maxRecordBytes is reported: how far
    // the scan went past those depends on the chunking.
    const subjectEnd = this.subjectEnd;
    const subjectId =
      subjectEnd >= 0 && subjectEnd <= firstLf && subjectEnd < limit
        ? unquote(s, this.subjectStart, subjectEnd, this.subjectEscaped, false)
        : undefined;
    this.seenItem = true;
    this.skipped = {
      code: error,
      message,
      line: this.baseLine + this.linesBefore + 1,
      offset: this.baseOffset + this.bufferStart + start,
      subjectId,
      fieldCount: error === 'FIELD_COUNT' ? fieldCount : undefined,
      parts: [],
      head: '',
      length: 0,
    };
    if (firstLf < n) {
      this.keepSkippedText(s.slice(start, firstLf + 1));
      this.finishSkippedLine(this.baseOffset + this.bufferStart + firstLf + 1, true);
      return firstLf + 1;
    }
    this.keepSkippedText(s.slice(start, n));
    if (final) {
      this.finishSkippedLine(this.baseOffset + this.bufferStart + n, false);
      return n;
    }
    return SKIPPING; // push() discards the rest of the line as it arrives
  }

  /**
   * Keeps field `index` of the record being scanned, s[start, end): for a quoted field the text between its quotes,
   * `escaped` when it holds `""` and `crlf` when it holds a CRLF (both unquoted to `"` and LF). The one place a
   * field becomes a string (all fields, or the wanted ones), bounds (boundFields: -1 as start when the text is not
   * the value) or the SUBJECT_ID a reject reports.
   */
  private storeField(s: string, index: number, start: number, end: number, escaped: boolean, crlf: boolean): void {
    const plain = !escaped && !crlf;
    if (this.allFields) this.fields[index] = plain ? s.slice(start, end) : unquote(s, start, end, escaped, crlf);
    else if (index < this.wanted.length) {
      const want = this.wanted[index];
      if (want & WANT_STRING || (want & WANT_BOUNDS && !plain)) this.fields[index] = plain ? s.slice(start, end) : unquote(s, start, end, escaped, crlf);
      if (want & WANT_BOUNDS) {
        this.fieldStarts[index] = plain ? start : -1;
        this.fieldEnds[index] = end;
      }
    }
    if (index === this.subjectIdField) {
      this.subjectStart = start;
      this.subjectEnd = end;
      this.subjectEscaped = escaped;
    }
  }

  private deliverRecord(
    s: string,
    start: number,
    contentEnd: number,
    recordEnd: number,
    lineCount: number,
    fieldCount: number,
    crlf: boolean,
  ): void {
    const fields = this.fields;
    if (this.allFields) {
      if (fields.length !== fieldCount) fields.length = fieldCount;
    } else if (fieldCount < fields.length) {
      for (const index of this.wantedList) if (index >= fieldCount) fields[index] = '';
      for (const index of this.boundList) if (index >= fieldCount) this.fieldStarts[index] = this.fieldEnds[index] = contentEnd;
    }
    const info = this.info;
    const absoluteStart = this.baseOffset + this.bufferStart;
    info.offset = absoluteStart + start;
    info.end = absoluteStart + recordEnd;
    info.line = this.baseLine + this.linesBefore + 1;
    info.lineCount = lineCount;
    info.fieldCount = fieldCount;
    info.hasCarriageReturn = crlf;
    info.source = s;
    info.sourceStart = start;
    info.sourceEnd = contentEnd;
    this.seenItem = true;
    this.recordCount++;
    if (recordEnd > contentEnd) this.linesBefore += lineCount;
    else this.endedMidLine = true;
    this.sink.record(fields, info);
    info.source = ''; // do not pin the chunk between calls
  }

  /** Keep the rejected line's text while it may still be short enough to report (bounded memory). */
  private keepSkippedText(text: string): void {
    const skipped = this.skipped!;
    skipped.length += text.length;
    if (skipped.head.length < EXCERPT_BYTES) skipped.head += text.slice(0, EXCERPT_BYTES - skipped.head.length);
    if (skipped.parts === undefined) return;
    if (skipped.length > this.maxRecordBytes + 2) skipped.parts = undefined; // + CRLF
    else skipped.parts.push(text);
  }

  /** Emit the rejected line, which ends at absolute offset `end`. */
  private finishSkippedLine(end: number, endsWithLf: boolean): void {
    const skipped = this.skipped!;
    this.skipped = undefined;
    let text: string | undefined;
    if (skipped.parts !== undefined) {
      text = skipped.parts.join('');
      if (endsWithLf) text = text.slice(0, text.length - (text.endsWith('\r\n') ? 2 : 1));
      if (text.length > this.maxRecordBytes) text = undefined;
    }
    const reject: RejectInfo = {
      code: skipped.code,
      message: skipped.message,
      line: skipped.line,
      offset: skipped.offset,
      end,
      ...(skipped.subjectId !== undefined ? { subjectId: skipped.subjectId } : {}),
      ...(skipped.fieldCount !== undefined ? { fieldCount: skipped.fieldCount } : {}),
      ...(text !== undefined ? { text } : { excerpt: skipped.head.replace(/\r?\n$/, '') }),
    };
    if (endsWithLf) this.linesBefore++;
    else this.endedMidLine = true;
    this.rejectCount++;
    this.sink.reject(reject);
  }
}

/**
 * Tokenize a stream of chunks (latin1 strings, or bytes decoded here as latin1). Stops reading as soon as
 * `stopAfterOffset` is reached (the source iterator is closed).
 */
export async function tokenizeChunks(
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  sink: TokenizerSink,
  options?: TokenizerOptions,
): Promise<TokenizeChunksSummary> {
  const tokenizer = new DojTokenizer(sink, options);
  let bytesRead = 0;
  for await (const chunk of chunks) {
    bytesRead += typeof chunk === 'string' ? chunk.length : chunk.byteLength;
    if (typeof chunk === 'string') {
      tokenizer.push(chunk);
    } else {
      // Decoded window by window: Buffer#toString makes strings of ~1 MB and more "external", which
      // V8 scans markedly slower.
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      for (let from = 0; from < bytes.length && !tokenizer.stopped; from += WINDOW_CHARS) {
        tokenizer.push(bytes.toString('latin1', from, Math.min(from + WINDOW_CHARS, bytes.length)));
      }
    }
    if (tokenizer.stopped) break;
  }
  return { ...tokenizer.end(), bytesRead };
}
