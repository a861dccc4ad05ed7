import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { type TokenizerOptions } from '../../../lambdas/domain/csv/tokenizer';
import { tokenize } from '../../helpers/tokenize-events';

const countLf = (text: string, from: number, to: number): number => {
  let count = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) count++;
  return count;
};

// Field text: mostly the characters CSV cares about, plus any latin1 char (as bytes decode to).
const fieldChar = fc.oneof(
  { arbitrary: fc.constantFrom(',', '"', '\r', '\n', ' '), weight: 3 },
  { arbitrary: fc.constantFrom('a', 'Z', '0', '-', 'x'), weight: 4 },
  { arbitrary: fc.integer({ min: 0, max: 255 }).map((code) => String.fromCharCode(code)), weight: 2 },
);
const fieldText = fc.array(fieldChar, { maxLength: 10 }).map((chars) => chars.join(''));

interface Table {
  rows: string[][];
  text: string;
}

/** Rows of `width` fields serialised per RFC 4180, with LF or CRLF per row and optional quoting. */
const table = (width: number): fc.Arbitrary<Table> =>
  fc
    .record({
      rows: fc.array(
        fc.record({
          fields: fc.array(fc.record({ value: fieldText, quoteAnyway: fc.boolean() }), { minLength: width, maxLength: width }),
          crlf: fc.boolean(),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      finalNewline: fc.boolean(),
    })
    .map(({ rows, finalNewline }) => {
      const lines = rows.map(({ fields, crlf }, index) => {
        const cells = fields.map(({ value, quoteAnyway }) => {
          // A lone empty field must be quoted, or the row would be a blank line.
          const mustQuote = /[",\r\n]/.test(value) || (width === 1 && value === '');
          return mustQuote || quoteAnyway ? `"${value.replaceAll('"', '""')}"` : value;
        });
        const lineEnd = index < rows.length - 1 || finalNewline ? (crlf ? '\r\n' : '\n') : '';
        return cells.join(',') + lineEnd;
      });
      return { rows: rows.map((row) => row.fields.map((f) => f.value)), text: lines.join('') };
    });

const anyTable = fc.integer({ min: 1, max: 6 }).chain(table);

/** Valid tables damaged by stray quotes, commas and line breaks, to exercise every reject path. */
const damagedText = fc
  .record({
    base: anyTable,
    edits: fc.array(
      fc.record({ at: fc.nat(), insert: fc.constantFrom('"', ',', '\n', '\r', '\r\n', 'x', '""', '\n\n'), remove: fc.nat({ max: 2 }) }),
      { maxLength: 5 },
    ),
    bom: fc.boolean(),
  })
  .map(({ base, edits, bom }) => {
    let text = base.text;
    for (const { at, insert, remove } of edits) {
      const position = text.length === 0 ? 0 : at % (text.length + 1);
      text = text.slice(0, position) + insert + text.slice(position + remove);
    }
    return (bom ? '\u00EF\u00BB\u00BF' : '') + text;
  });

const tokenizerOptions: fc.Arbitrary<TokenizerOptions> = fc
  .record(
  {
    expectedFields: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }),
    maxRecordBytes: fc.constantFrom(4, 9, 17, 40, 1024 * 1024),
    wantedFields: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }),
    lenientFirstRecord: fc.boolean(),
    stopAfterOffset: fc.nat({ max: 200 }),
    baseOffset: fc.constantFrom(0, 5000),
    baseLine: fc.constantFrom(0, 70),
  },
  { requiredKeys: ['expectedFields', 'maxRecordBytes'] },
  )
  .map((options) =>
    options.stopAfterOffset === undefined ? options : { ...options, stopAfterOffset: options.stopAfterOffset + (options.baseOffset ?? 0) },
  );

const pieceSizes = fc.array(fc.integer({ min: 1, max: 13 }), { minLength: 1, maxLength: 6 });

describe('DojTokenizer properties', () => {
  test('(1) on RFC 4180 input our fields equal csv-parse fields (CRLF inside quotes read as LF)', () => {
    fc.assert(
      fc.property(anyTable, ({ rows, text }) => {
        const width = rows[0].length;
        const { events } = tokenize(text, { expectedFields: width, stripBom: false });
        const expected = (parse(text, { relax_column_count: true, record_delimiter: ['\r\n', '\n'] }) as string[][]).map((row) =>
          row.map((field) => field.replaceAll('\r\n', '\n')),
        );
        expect(events.every((e) => e.kind === 'record')).toBe(true);
        expect(events.map((e) => (e.kind === 'record' ? e.fields : []))).toEqual(expected);
        expect(expected).toEqual(rows.map((row) => row.map((field) => field.replaceAll('\r\n', '\n'))));
      }),
      { numRuns: 1500 },
    );
  });

  test('(2) any chunking gives the same output, on valid and damaged input', () => {
    fc.assert(
      fc.property(damagedText, tokenizerOptions, pieceSizes, (text, options, sizes) => {
        expect(tokenize(text, options, sizes)).toEqual(tokenize(text, options));
      }),
      { numRuns: 1500 },
    );
  });

  test('(3) every item starts on line 1 + LFs before it, and a record spans 1 + its inner LFs', () => {
    fc.assert(
      fc.property(damagedText, tokenizerOptions, (text, options) => {
        const { events } = tokenize(text, options);
        const baseOffset = options.baseOffset ?? 0;
        const baseLine = options.baseLine ?? 0;
        for (const event of events) {
          const start = event.offset - baseOffset;
          expect(event.line).toBe(baseLine + 1 + countLf(text, 0, start));
          if (event.kind === 'record') {
            expect(event.lineCount).toBe(1 + countLf(event.raw, 0, event.raw.length));
            expect(text.slice(start, event.end - baseOffset).startsWith(event.raw)).toBe(true);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('(4) records, rejects and blank lines partition the input up to where tokenizing stopped', () => {
    fc.assert(
      fc.property(damagedText, tokenizerOptions, (text, options) => {
        const { events, summary } = tokenize(text, options);
        const baseOffset = options.baseOffset ?? 0;
        let offset = baseOffset + (summary.hadBom ? 3 : 0);
        for (const event of events) {
          expect(event.offset).toBe(offset);
          expect(event.end).toBeGreaterThan(event.offset);
          offset = event.end;
        }
        expect(summary.nextOffset).toBe(offset);
        if (summary.stopped) expect(offset).toBeGreaterThanOrEqual(options.stopAfterOffset!);
        else expect(offset).toBe(baseOffset + text.length);
        expect(summary.records + summary.rejects + summary.blankLines).toBe(events.length);
      }),
      { numRuns: 1000 },
    );
  });
});
