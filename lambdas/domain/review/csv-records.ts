/**
 * A small CSV file (a decision file, a review list) read with the extracts' tokenizer: the same quoting, line ends,
 * BOM and recovery rules, each malformed line reported with its physical line number and never its content.
 */
import { DojTokenizer, RecordInfo, RejectCode, RejectInfo } from '../csv/tokenizer';

export interface CsvProblem {
  /** Physical line (1-based); null for a problem of the whole file. */
  line: number | null;
  message: string;
}

export interface CsvRecord {
  fields: string[];
  /** Physical line where the record starts. */
  line: number;
}

export const REJECT_WORDING: Readonly<Record<RejectCode, string>> = {
  FIELD_COUNT: 'wrong number of fields',
  BARE_QUOTE: 'a quote (") inside an unquoted field',
  TEXT_AFTER_QUOTE: 'text after the closing quote of a field',
  UNTERMINATED_QUOTE: 'a quoted field is never closed',
  RECORD_TOO_LONG: 'the line is too long',
};

/** Every record of `text` (latin-1 decoded, one char per byte), blank lines skipped, and every malformed line. */
export function readCsvRecords(text: string, maxRecordBytes = 64 * 1024): { records: CsvRecord[]; problems: CsvProblem[] } {
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  const tokenizer = new DojTokenizer(
    {
      record(fields: string[], info: RecordInfo) {
        records.push({ fields: fields.slice(0, info.fieldCount), line: info.line });
      },
      reject(reject: RejectInfo) {
        problems.push({ line: reject.line, message: `not valid CSV: ${REJECT_WORDING[reject.code]}` });
      },
      blankLine() {},
    },
    { expectedFields: null, maxRecordBytes },
  );
  tokenizer.push(text);
  tokenizer.end();
  return { records, problems };
}

/** The index of each of `wanted` in a header (names compared trimmed, case-insensitive), or the problems. */
export function headerIndices<const T extends string>(header: CsvRecord, wanted: readonly T[]): { indices: Record<T, number> } | { problems: CsvProblem[] } {
  const names = header.fields.map((name) => name.trim().toLowerCase());
  const problems: CsvProblem[] = [];
  const indices = {} as Record<T, number>;
  for (const column of wanted) {
    const first = names.indexOf(column.toLowerCase());
    if (first < 0) problems.push({ line: header.line, message: `the header has no column ${JSON.stringify(column)}` });
    else if (names.indexOf(column.toLowerCase(), first + 1) >= 0) problems.push({ line: header.line, message: `the header has column ${JSON.stringify(column)} twice` });
    else indices[column] = first;
  }
  return problems.length > 0 ? { problems } : { indices };
}
