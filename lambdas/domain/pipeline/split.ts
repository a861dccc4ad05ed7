/**
 * Split: one byte range of one input file → rows routed to partitions by hash(SUBJECT_ID), each row keeping
 * its input position, and bad rows rejected with their line and reason. Memory is bounded by the range.
 */
import { personKey } from '../person-key';
import { COL, FIELD_COUNT } from '../columns';
import { DEFAULT_MAX_RECORD_BYTES, DojTokenizer, RecordInfo, RejectInfo, TokenizerSink } from '../csv/tokenizer';
import { countInto, emptyStatistics, RunStatistics } from '../statistics';
import { csvLine, csvSafeLine, recordMayStartFormula } from '../csv/writer';
import { latin1Windows, ROUTED_FIELDS, RoutedRowsBuilder } from './work-area-formats';
import { ObjectStore } from './object-store';
import { ByteRange, positionOf, RunPlan, workKeys } from './run-plan';
import { InvariantError } from '../errors';

/** A rejected row, as Split records it (line relative to the range; Assemble makes it absolute). */
export interface SplitReject {
  fileIndex: number;
  /** Physical line within the range (1-based). */
  rangeLine: number;
  offset: number;
  code: string;
  message: string;
  /** The rejected line (truncated), for the prosecutors' rejects.csv: personal data, results/ only. */
  text: string;
}

export interface SplitResult {
  rangeIndex: number;
  fileIndex: number;
  startOffset: number;
  /** Where the next range must start for the ranges to tile the file. */
  nextOffset: number;
  /** Physical lines from startOffset to nextOffset. */
  lines: number;
  hadHeader: boolean;
  notes: string[];
  statistics: RunStatistics;
  /** Where each partition's slice lies in the range object: slice p is [slices[p], slices[p + 1]). */
  slices: number[];
}

/** Longest excerpt of a rejected line kept in rejects.csv. */
export const REJECT_TEXT_LIMIT = 4096;

/** The fields split reads as strings: the header check, the routing key, the county count. */
const SPLIT_FIELDS = [COL.RECORD_ID, COL.SUBJECT_ID, COL.STP_ORI_CNTY_NAME];

/**
 * A record whose raw text holds a CR (a CRLF inside a quoted field, read as LF) is written re-serialised, so
 * the outputs use LF only; with excel-safe, so is a record that may hold a cell starting a formula, its cells
 * neutralised. Rare: parsed again with every field.
 */
function reserialise(raw: string, excelSafe: boolean): string {
  let line = '';
  const tokenizer = new DojTokenizer(
    {
      record: (fields) => (line = excelSafe ? csvSafeLine(fields) : csvLine(fields)),
      reject: (reject) => {
        throw new InvariantError(`an accepted row no longer parses (${reject.code})`);
      },
      blankLine: () => undefined,
    },
    { expectedFields: FIELD_COUNT, stripBom: false },
  );
  tokenizer.push(`${raw}\n`);
  tokenizer.end();
  return line;
}

/**
 * FNV-1a (register/record.ts personKey): a stable, fast hash, so a person's rows meet in one partition whatever file
 * they come from, and a county register's records in the partition of the same person.
 */
export function partitionOf(subjectId: string, partitionCount: number): number {
  return personKey(subjectId) % partitionCount;
}

const HEADER_START = 'RECORD_ID';
/** Position, counted from the end of a line, of the SUBJECT_ID of a whole row at the end of that line. */
const GLUED_SUBJECT_FROM_END = FIELD_COUNT - COL.SUBJECT_ID;

/** The n-th field from the end (1 = the last) of one CSV line, read with the same tokenizer; undefined if absent. */
function fieldFromEnd(line: string, n: number): string | undefined {
  let value: string | undefined;
  const tokenizer = new DojTokenizer(
    {
      record: (fields, info) => {
        if (info.fieldCount >= n) value = fields[info.fieldCount - n];
      },
      reject: () => undefined,
      blankLine: () => undefined,
    },
    { expectedFields: null, stripBom: false },
  );
  tokenizer.push(`${line}\n`);
  tokenizer.end();
  return value;
}

/** The tokenizer's sink for one range: routes rows to partitions, rejects bad ones, counts statistics. */
class RangeRouter implements TokenizerSink {
  readonly routed: RoutedRowsBuilder[];
  readonly statistics = emptyStatistics();
  readonly rejects: SplitReject[] = [];
  readonly notes: string[] = [];
  hadHeader = false;
  private firstItem = true;
  private readonly isFileStart: boolean;
  private readonly excelSafe: boolean;

  constructor(
    private readonly range: ByteRange,
    private readonly partitions: number,
    excelSafe: boolean,
  ) {
    this.routed = Array.from({ length: partitions }, () => new RoutedRowsBuilder());
    this.isFileStart = range.start === 0;
    this.excelSafe = excelSafe;
  }

  record(fields: string[], info: RecordInfo): void {
    const first = this.firstItem;
    this.firstItem = false;
    // The header's first field is RECORD_ID, quoted or not (a re-saved export quotes every field).
    const isHeader = fields[COL.RECORD_ID].startsWith(HEADER_START);
    if (first && this.isFileStart && isHeader) {
      this.hadHeader = true;
      const trailingEmpty = info.fieldCount === FIELD_COUNT + 1 && info.rawText().endsWith(',');
      if (info.fieldCount !== FIELD_COUNT && !trailingEmpty) {
        this.notes.push(`header row has ${info.fieldCount} fields, expected ${FIELD_COUNT}`);
      }
      return;
    }
    if (info.fieldCount !== FIELD_COUNT) {
      // Only the lenient first record can get here with another count; worded as the tokenizer words it.
      this.rejectRow('FIELD_COUNT', `expected ${FIELD_COUNT} fields, found ${info.fieldCount}`, info.line, info.offset, info.rawText(), fields[COL.SUBJECT_ID]);
      return;
    }
    if (isHeader && fields[COL.SUBJECT_ID] === 'SUBJECT_ID') {
      // Files joined by hand repeat their header: not a person's row (and no person to mark incomplete).
      this.rejectRow('REPEATED_HEADER', 'a header row inside the file (were two extracts joined?)', info.line, info.offset, info.rawText(), undefined);
      return;
    }
    this.statistics.rowsRead++;
    countInto(this.statistics.rowsByCounty, fields[COL.STP_ORI_CNTY_NAME]);
    const subjectId = fields[COL.SUBJECT_ID];
    const builder = this.routed[partitionOf(subjectId, this.partitions)];
    // Classify gets the values it reads; Assemble copies the record itself from the input (rawLength bytes).
    builder.addRow(
      positionOf(this.range.fileIndex, info.offset),
      info.sourceEnd - info.sourceStart,
      fields,
      info.source,
      info.fieldStarts,
      info.fieldEnds,
      info.hasCarriageReturn || (this.excelSafe && recordMayStartFormula(info.source, info.sourceStart, info.sourceEnd))
        ? reserialise(info.rawText(), this.excelSafe)
        : undefined,
    );
  }

  reject(item: RejectInfo): void {
    const first = this.firstItem;
    this.firstItem = false;
    const text = item.text ?? item.excerpt ?? '';
    if (first && this.isFileStart && text.startsWith(HEADER_START)) {
      this.hadHeader = true;
      this.notes.push(`header row is malformed (${item.message})`);
      return;
    }
    this.rejectRow(item.code, item.message, item.line, item.offset, text, item.subjectId);
    // A line with too many fields is usually a row glued to the next one (a lost line end, a truncated row):
    // the last row is then whole from its second field on, so its SUBJECT_ID is the 93rd field from the end.
    // That person's record is incomplete too.
    if (item.code === 'FIELD_COUNT' && (item.fieldCount ?? 0) > FIELD_COUNT && item.text !== undefined) {
      const gluedSubject = fieldFromEnd(item.text, GLUED_SUBJECT_FROM_END);
      if (gluedSubject !== undefined && gluedSubject !== '' && gluedSubject !== item.subjectId) {
        this.routed[partitionOf(gluedSubject, this.partitions)].addRejectedSubject(gluedSubject);
      }
    }
  }

  blankLine(): void {
    // Blank lines do not count as the first item: a header after them is still the header.
    this.statistics.blankLines++;
  }

  private rejectRow(code: string, message: string, line: number, offset: number, text: string, subjectId: string | undefined): void {
    const { statistics } = this;
    statistics.rowsRead++;
    statistics.rowsRejected++;
    countInto(statistics.rejectsByCode, code);
    this.rejects.push({ fileIndex: this.range.fileIndex, rangeLine: line, offset, code, message, text: text.slice(0, REJECT_TEXT_LIMIT) });
    if (subjectId !== undefined && subjectId !== '') this.routed[partitionOf(subjectId, this.partitions)].addRejectedSubject(subjectId);
  }

  /** One object for the range, its partitions' rows one after another (one PUT per range), and where each slice lies. */
  rangeObject(): { body: Buffer[]; slices: number[] } {
    const body: Buffer[] = [];
    const slices = [0];
    for (let partition = 0; partition < this.partitions; partition++) {
      let end = slices[partition];
      for (const buffer of this.routed[partition].toBuffers()) {
        body.push(buffer);
        end += buffer.length;
      }
      slices.push(end);
    }
    return { body, slices };
  }
}

export async function splitRange(store: ObjectStore, plan: RunPlan, range: ByteRange): Promise<SplitResult> {
  const file = plan.files[range.fileIndex];
  const router = new RangeRouter(range, plan.partitionCount, plan.excelSafe === true);
  const isFileStart = range.start === 0;
  const tokenizer = new DojTokenizer(router, {
    expectedFields: FIELD_COUNT,
    lenientFirstRecord: isFileStart,
    wantedFields: SPLIT_FIELDS,
    // What classify reads is copied from the text as bytes, without strings.
    boundFields: ROUTED_FIELDS,
    baseOffset: range.start,
    stripBom: isFileStart,
    stopAfterOffset: range.end,
  });
  // Read a little past the range end: the last record may run over it (bounded by the record size cap).
  const readEnd = Math.min(file.size, range.end + DEFAULT_MAX_RECORD_BYTES + 2);
  reading: for await (const bytes of store.readRange(file.key, range.start, readEnd)) {
    for (const window of latin1Windows(bytes)) {
      tokenizer.push(window);
      if (tokenizer.stopped) break reading;
    }
  }
  const summary = tokenizer.end();
  const { notes, statistics, rejects, hadHeader } = router;
  if (summary.hadBom) notes.push('file starts with a UTF-8 byte-order mark');

  const { body, slices } = router.rangeObject();
  await Promise.all([
    store.write(workKeys.splitRange(plan, range.index), body),
    store.write(workKeys.splitRejects(plan, range.index), rejects.map((r) => `${JSON.stringify(r)}\n`)),
  ]);
  const result: SplitResult = {
    rangeIndex: range.index,
    fileIndex: range.fileIndex,
    startOffset: range.start,
    nextOffset: summary.nextOffset,
    lines: summary.nextLine - 1,
    hadHeader,
    notes,
    statistics,
    slices,
  };
  await store.write(workKeys.splitResult(plan, range.index), [JSON.stringify(result)]);
  return result;
}
