/**
 * TokenizerOptions.boundFields: for each bound field the tokenizer reports where its value lies in
 * `info.source` ([fieldStarts[f], fieldEnds[f]), quotes excluded), or fieldStarts[f] = -1 with the value
 * materialised in `fields[f]` when it is not a plain substring (a quoted field holding `""` or a CRLF).
 * Fields past the record's last hold an empty range. The reference for every value is a tokenizer that
 * materialises all fields (no wantedFields).
 */
import fc from 'fast-check';
import { DojTokenizer, type RecordInfo, type TokenizerOptions } from '../../../lambdas/domain/csv/tokenizer';

/** What the sink saw of one record, copied during the call. */
interface Seen {
  offset: number;
  end: number;
  fieldCount: number;
  fields: string[];
  sourceStart: number;
  sourceEnd: number;
  /** Per bound field: start, end, the source slice when start >= 0. */
  bounds: Map<number, { start: number; end: number; slice: string | undefined }>;
}

function run(text: string, options: TokenizerOptions, pieceSizes: readonly number[], bound: readonly number[] = []): { records: Seen[]; rejects: number } {
  const records: Seen[] = [];
  let rejects = 0;
  const tokenizer = new DojTokenizer(
    {
      record(fields: string[], info: RecordInfo) {
        const bounds = new Map<number, { start: number; end: number; slice: string | undefined }>();
        for (const f of bound) {
          const start = info.fieldStarts[f];
          const end = info.fieldEnds[f];
          bounds.set(f, { start, end, slice: start >= 0 ? info.source.slice(start, end) : undefined });
        }
        records.push({
          offset: info.offset,
          end: info.end,
          fieldCount: info.fieldCount,
          fields: [...fields],
          sourceStart: info.sourceStart,
          sourceEnd: info.sourceEnd,
          bounds,
        });
      },
      reject() {
        rejects++;
      },
      blankLine() {},
    },
    options,
  );
  let at = 0;
  for (let piece = 0; at < text.length; piece++) {
    const size = pieceSizes[piece % pieceSizes.length];
    tokenizer.push(text.slice(at, at + size));
    at += size;
  }
  tokenizer.end();
  return { records, rejects };
}

// Field text: the characters CSV cares about (CRLF as a unit, so quoted values hold it), letters, latin-1.
const fieldChar = fc.oneof(
  { arbitrary: fc.constantFrom(',', '"', '""', '\n', '\r\n', '\r', ' '), weight: 3 },
  { arbitrary: fc.constantFrom('a', 'Z', '0', '-'), weight: 4 },
  { arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)), weight: 1 },
);
const fieldValue = fc.oneof(
  { arbitrary: fc.constant(''), weight: 1 },
  { arbitrary: fc.array(fieldChar, { maxLength: 6 }).map((chars) => chars.join('')), weight: 4 },
);

interface Cell {
  value: string;
  quoted: boolean;
}
interface Table {
  text: string;
  rows: Cell[][];
  expectedFields: number | null;
  maxWidth: number;
}

/** Rows serialised per RFC 4180 with LF or CRLF line ends; a fixed width, or any width with expectedFields null. */
const table: fc.Arbitrary<Table> = fc
  .record({
    fixedWidth: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
    rows: fc.array(
      fc.record({
        cells: fc.array(fc.record({ value: fieldValue, quoteAnyway: fc.boolean() }), { minLength: 1, maxLength: 5 }),
        crlf: fc.boolean(),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    finalLineEnd: fc.boolean(),
  })
  .map(({ fixedWidth, rows, finalLineEnd }) => {
    const cellsOf = rows.map(({ cells }) => {
      if (fixedWidth === null) return cells;
      const padded = cells.slice(0, fixedWidth);
      while (padded.length < fixedWidth) padded.push({ value: '', quoteAnyway: false });
      return padded;
    });
    const table: Cell[][] = cellsOf.map((cells) =>
      cells.map(({ value, quoteAnyway }) => ({
        value,
        // A lone empty field would be a blank line, not a record: it must be quoted.
        quoted: quoteAnyway || /[",\r\n]/.test(value) || (cells.length === 1 && value === ''),
      })),
    );
    const text = table
      .map((cells, index) => {
        const line = cells.map(({ value, quoted }) => (quoted ? `"${value.replaceAll('"', '""')}"` : value)).join(',');
        const lineEnd = index < rows.length - 1 || finalLineEnd ? (rows[index].crlf ? '\r\n' : '\n') : '';
        return line + lineEnd;
      })
      .join('');
    return { text, rows: table, expectedFields: fixedWidth, maxWidth: Math.max(...table.map((cells) => cells.length)) };
  });

const pieceSizes = fc.array(fc.integer({ min: 1, max: 11 }), { minLength: 1, maxLength: 5 });

/** Field indices up to two past the widest row (so past-the-end fields are asked for too). */
const indices = (maxWidth: number): fc.Arbitrary<number[]> => fc.uniqueArray(fc.integer({ min: 0, max: maxWidth + 1 }), { maxLength: maxWidth + 2 });

describe('DojTokenizer boundFields', () => {
  test('every bound field is a source range equal to the materialised value, or -1 with the value in fields', () => {
    let ranges = 0;
    let materialised = 0;
    let pastEnd = 0;
    fc.assert(
      fc.property(
        table.chain((t) => fc.record({ t: fc.constant(t), bound: indices(t.maxWidth), wanted: indices(t.maxWidth), sizes: pieceSizes })),
        ({ t, bound, wanted, sizes }) => {
          const base: TokenizerOptions = { expectedFields: t.expectedFields, stripBom: false };
          const reference = run(t.text, base, [t.text.length || 1]);
          // Sanity of the generator: every row is a record, as written.
          expect(reference.rejects).toBe(0);
          expect(reference.records.map((r) => r.fields)).toEqual(t.rows.map((cells) => cells.map((c) => c.value.replaceAll('\r\n', '\n'))));

          const got = run(t.text, { ...base, wantedFields: wanted, boundFields: bound }, sizes, bound);
          expect(got.rejects).toBe(0);
          expect(got.records.map((r) => [r.offset, r.end, r.fieldCount])).toEqual(reference.records.map((r) => [r.offset, r.end, r.fieldCount]));

          got.records.forEach((record, r) => {
            const expectedFields = reference.records[r].fields;
            const cells = t.rows[r];
            for (const f of bound) {
              const expected = f < expectedFields.length ? expectedFields[f] : '';
              const { start, end, slice } = record.bounds.get(f)!;
              if (f >= record.fieldCount) {
                // Past the record's last field: an empty range.
                expect(start).toBeGreaterThanOrEqual(0);
                expect(end).toBe(start);
                pastEnd++;
                continue;
              }
              // -1 exactly when the value is not a plain substring of the text.
              const cell = cells[f];
              const notPlain = cell.quoted && (cell.value.includes('"') || cell.value.includes('\r\n'));
              expect(start === -1).toBe(notPlain);
              if (start >= 0) {
                expect(slice).toBe(expected);
                expect(start).toBeGreaterThanOrEqual(record.sourceStart);
                expect(end).toBeLessThanOrEqual(record.sourceEnd);
                ranges++;
              } else {
                expect(record.fields[f]).toBe(expected);
                materialised++;
              }
            }
            for (const f of wanted) {
              expect(record.fields[f]).toBe(f < expectedFields.length ? expectedFields[f] : '');
            }
          });
        },
      ),
      { numRuns: 1000 },
    );
    // The generator reaches every case.
    expect(ranges).toBeGreaterThan(100);
    expect(materialised).toBeGreaterThan(20);
    expect(pastEnd).toBeGreaterThan(20);
  });

  test('a field both wanted and bound gives its string and its range', () => {
    // Fields: plain, `""`-escaped, CRLF inside quotes, quoted plain with a comma and an LF, empty, unquoted.
    const text = 'zero,"b""c","d\r\ne","x,\ny",,last\r\n';
    const all = [0, 1, 2, 3, 4, 5, 6];
    const { records } = run(text, { expectedFields: null, wantedFields: all, boundFields: all }, [text.length], all);
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record.fieldCount).toBe(6);
    expect(record.fields).toEqual(['zero', 'b"c', 'd\ne', 'x,\ny', '', 'last', '']);
    const b = (f: number) => record.bounds.get(f)!;
    expect(b(0)).toEqual({ start: 0, end: 4, slice: 'zero' });
    expect(b(1).start).toBe(-1);
    expect(b(2).start).toBe(-1);
    const x = text.indexOf('x,');
    expect(b(3)).toEqual({ start: x, end: x + 4, slice: 'x,\ny' });
    expect(b(4)).toEqual({ start: x + 6, end: x + 6, slice: '' }); // between the commas of `",,`
    expect(b(5)).toEqual({ start: x + 7, end: x + 11, slice: 'last' });
    // Past the last field: an empty range at the end of the record text (CRLF excluded).
    expect(b(6)).toEqual({ start: x + 11, end: x + 11, slice: '' });
    expect(record.sourceEnd).toBe(x + 11);
  });

  test('a bound-only field is materialised only when it is not a plain substring', () => {
    const text = '"p""q",plain\n';
    const { records } = run(text, { expectedFields: 2, wantedFields: [], boundFields: [0, 1] }, [3], [0, 1]);
    expect(records).toHaveLength(1);
    expect(records[0].bounds.get(0)!.start).toBe(-1);
    expect(records[0].fields[0]).toBe('p"q');
    expect(records[0].bounds.get(1)!.slice).toBe('plain');
    expect(records[0].fields[1]).toBe(''); // not wanted: no string made
  });

  test('boundFields without wantedFields is a RangeError', () => {
    const sink = { record() {}, reject() {}, blankLine() {} };
    expect(() => new DojTokenizer(sink, { boundFields: [2] })).toThrow(RangeError);
    expect(() => new DojTokenizer(sink, { wantedFields: [], boundFields: [-1] })).toThrow(RangeError);
    expect(() => new DojTokenizer(sink, { wantedFields: [], boundFields: [2] })).not.toThrow();
  });
});
