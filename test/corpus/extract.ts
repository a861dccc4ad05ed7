/**
 * Inputs of the bad-input corpus: a clean generated extract (tools/generator.ts) or the shared
 * conformance input, and the line- and field-level edits that turn them into the bad inputs of issue 6.
 * Edits work on the raw text (latin1 strings, one char per byte), so every byte not edited stays as it was.
 */
import { COL, DOJ_COLUMNS } from '../../lambdas/domain/columns';
import { generateExtract } from '../../tools/generator';
import { readFixtureText } from '../helpers/run-fixture';

export const CORPUS_COUNTY = 'SACRAMENTO';
export const CORPUS_COMPUTE_AT = '2020-07-01';

/** About 2,000 rows of 200 fabricated people, no malformed dates, no line break inside a field: one row per line. */
export function generatedExtract(options: { people?: number; seed?: number; header?: boolean } = {}): string {
  return [
    ...generateExtract({
      county: CORPUS_COUNTY,
      people: options.people ?? 200,
      seed: options.seed ?? 7,
      header: options.header ?? true,
      malformedDateRate: 0,
    }),
  ].join('');
}

/** The conformance input (38 rows, county SACRAMENTO, one row per line). */
export function conformanceExtract(): string {
  return readFixtureText('conformance/input.csv');
}

/** Physical lines without their LF; a final LF does not make an empty last line. */
export function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** LF-terminated text from lines. */
export function textOf(lines: readonly string[], lineEnd = '\n'): string {
  return lines.map((line) => line + lineEnd).join('');
}

/**
 * [start, end) of every raw field of one RFC 4180 line (quotes included), found independently of the
 * tokenizer under test. The line must be well formed (the clean inputs are).
 */
export function fieldSpans(line: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let start = 0;
  for (;;) {
    let end: number;
    if (line.charCodeAt(start) === 34) {
      let close = start + 1;
      for (;;) {
        close = line.indexOf('"', close);
        if (close < 0) throw new Error(`fieldSpans: unterminated quote at ${start}`);
        if (line.charCodeAt(close + 1) === 34) close += 2;
        else break;
      }
      end = close + 1;
    } else {
      end = line.indexOf(',', start);
      if (end < 0) end = line.length;
    }
    spans.push([start, end]);
    if (end >= line.length) return spans;
    start = end + 1;
  }
}

/** The raw text of field `column` of a line. */
export function rawField(line: string, column: number): string {
  const [start, end] = fieldSpans(line)[column];
  return line.slice(start, end);
}

/** The value of field `column` (quotes removed). */
export function fieldValue(line: string, column: number): string {
  const raw = rawField(line, column);
  return raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw;
}

/** The line with field `column` replaced by `raw` (written as given: quote it yourself when needed). */
export function withRawField(line: string, column: number, raw: string): string {
  const [start, end] = fieldSpans(line)[column];
  return line.slice(0, start) + raw + line.slice(end);
}

/** RFC 4180 quoting of a value that needs it. */
export function quoted(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

/** Every field quoted, as a spreadsheet's "quote all text" export writes it. */
export function quoteEveryField(line: string): string {
  return fieldSpans(line)
    .map(([start, end]) => {
      const raw = line.slice(start, end);
      return raw.startsWith('"') ? raw : quoted(raw);
    })
    .join(',');
}

/** The 95 values of a line, by column name (for picking rows). */
export function rowOf(line: string): Record<(typeof DOJ_COLUMNS)[number], string> {
  const spans = fieldSpans(line);
  const row = {} as Record<(typeof DOJ_COLUMNS)[number], string>;
  DOJ_COLUMNS.forEach((name, index) => {
    const [start, end] = spans[index];
    const raw = line.slice(start, end);
    row[name] = raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw;
  });
  return row;
}

export function subjectOf(line: string): string {
  return fieldValue(line, COL.SUBJECT_ID);
}
