/**
 * Cell-by-cell comparison of CSV texts, parsed with csv-parse (an independent RFC 4180 reader, not ours).
 * Texts are latin1 strings (one char per byte), as the pipeline's outputs are read in tests.
 */
import { parse } from 'csv-parse/sync';

/** Rows of a CSV text, header included; rows may have any number of fields. */
export function parseCsvText(text: string): string[][] {
  return parse(text, { relax_column_count: true, bom: false, skip_empty_lines: false }) as string[][];
}

export interface CellDifference {
  /** 0 = the first row of the file (the header, when there is one); rows are matched by position or key. */
  row: number;
  /** Key of the row when compared by key. */
  key?: string;
  column: number;
  /** Header name of the column (from the expected text's first row), or `#<index>`. */
  columnName: string;
  /** undefined when the row or cell is missing on that side. */
  expected: string | undefined;
  actual: string | undefined;
}

export interface CompareOptions {
  /** Columns (by header name) whose `;`-separated items are compared as multisets, items trimmed. */
  multisetColumns?: readonly string[];
  /** Columns (by header name) left out of the comparison. */
  ignoreColumns?: readonly string[];
  /** Match data rows by this column's value (which must be unique on each side) instead of by position. */
  keyColumn?: string;
}

function multiset(cell: string): string {
  return cell
    .split(';')
    .map((item) => item.trim())
    .sort()
    .join(';');
}

function compareRows(
  header: readonly string[],
  expected: readonly string[] | undefined,
  actual: readonly string[] | undefined,
  row: number,
  key: string | undefined,
  multisetIndices: ReadonlySet<number>,
  ignoredIndices: ReadonlySet<number>,
  differences: CellDifference[],
): void {
  const width = Math.max(expected?.length ?? 0, actual?.length ?? 0);
  for (let column = 0; column < width; column++) {
    if (ignoredIndices.has(column)) continue;
    const want = expected?.[column];
    const got = actual?.[column];
    const same = multisetIndices.has(column) && want !== undefined && got !== undefined ? multiset(want) === multiset(got) : want === got;
    if (!same) {
      differences.push({ row, ...(key === undefined ? {} : { key }), column, columnName: header[column] ?? `#${column}`, expected: want, actual: got });
    }
  }
}

function indexBy(rows: readonly string[][], column: number, side: string): Map<string, { row: number; cells: string[] }> {
  const byKey = new Map<string, { row: number; cells: string[] }>();
  for (let row = 1; row < rows.length; row++) {
    const key = rows[row][column];
    if (byKey.has(key)) throw new Error(`compareCsv: key ${JSON.stringify(key)} appears twice in the ${side} text`);
    byKey.set(key, { row, cells: rows[row] });
  }
  return byKey;
}

/**
 * The records of a CSV text as raw strings (line end excluded), split at LFs outside quoted fields: in
 * RFC 4180 a record ends at a LF exactly when it has seen an even number of quotes. A CR before the LF
 * stays in the record (and so makes a difference visible). Cheap: one pass, no field splitting.
 */
export function splitCsvRecords(text: string): string[] {
  const records: string[] = [];
  let start = 0;
  let quotes = 0;
  let scanned = 0;
  for (;;) {
    const newline = text.indexOf('\n', scanned);
    const stop = newline < 0 ? text.length : newline;
    for (let i = scanned; i < stop; i++) if (text.charCodeAt(i) === 34) quotes++;
    if (newline < 0) {
      if (start < text.length) records.push(text.slice(start));
      return records;
    }
    scanned = newline + 1;
    if (quotes % 2 === 0) {
      records.push(text.slice(start, newline));
      start = scanned;
      quotes = 0;
    }
  }
}

function parseRecord(record: string | undefined): string[] | undefined {
  if (record === undefined) return undefined;
  return parseCsvText(`${record}\n`)[0] ?? [''];
}

/**
 * Every cell that differs between two CSV texts (header row included), in row then column order.
 * Rows are matched by position (identical records are skipped unparsed, so large files compare fast),
 * or by `keyColumn`.
 */
export function compareCsv(expectedText: string, actualText: string, options: CompareOptions = {}): CellDifference[] {
  if (expectedText === actualText) return [];
  const expectedRecords = splitCsvRecords(expectedText);
  const actualRecords = splitCsvRecords(actualText);
  const header = parseRecord(expectedRecords[0] ?? actualRecords[0]) ?? [];
  const indicesOf = (names: readonly string[] | undefined): Set<number> => {
    const indices = new Set<number>();
    for (const name of names ?? []) {
      const index = header.indexOf(name);
      if (index < 0) throw new Error(`compareCsv: no column ${JSON.stringify(name)} in the header`);
      indices.add(index);
    }
    return indices;
  };
  const multisetIndices = indicesOf(options.multisetColumns);
  const ignoredIndices = indicesOf(options.ignoreColumns);
  const differences: CellDifference[] = [];
  if (options.keyColumn === undefined) {
    for (let row = 0; row < Math.max(expectedRecords.length, actualRecords.length); row++) {
      const want = expectedRecords[row];
      const got = actualRecords[row];
      if (want === got) continue;
      compareRows(header, parseRecord(want), parseRecord(got), row, undefined, multisetIndices, ignoredIndices, differences);
    }
    return differences;
  }
  const expected = parseCsvText(expectedText);
  const actual = parseCsvText(actualText);
  compareRows(header, expected[0], actual[0], 0, undefined, new Set(), ignoredIndices, differences);
  const keyIndex = [...indicesOf([options.keyColumn])][0];
  const expectedByKey = indexBy(expected, keyIndex, 'expected');
  const actualByKey = indexBy(actual, keyIndex, 'actual');
  for (const [key, want] of expectedByKey) {
    compareRows(header, want.cells, actualByKey.get(key)?.cells, want.row, key, multisetIndices, ignoredIndices, differences);
  }
  for (const [key, got] of actualByKey) {
    if (!expectedByKey.has(key)) compareRows(header, undefined, got.cells, got.row, key, multisetIndices, ignoredIndices, differences);
  }
  return differences;
}

/** A readable list of the first `limit` differences, for assertion messages. */
export function describeDifferences(differences: readonly CellDifference[], limit = 20): string {
  const lines = differences
    .slice(0, limit)
    .map((d) => `row ${d.row}${d.key === undefined ? '' : ` (${d.key})`}, ${d.columnName}: expected ${JSON.stringify(d.expected)}, got ${JSON.stringify(d.actual)}`);
  if (differences.length > limit) lines.push(`... and ${differences.length - limit} more`);
  return lines.join('\n');
}

/** Fails with the differences listed when the two CSV texts differ in any cell. */
export function expectSameCsv(expectedText: string, actualText: string, options: CompareOptions = {}): void {
  const differences = compareCsv(expectedText, actualText, options);
  if (differences.length > 0) {
    throw new Error(`${differences.length} cell(s) differ:\n${describeDifferences(differences)}`);
  }
}
