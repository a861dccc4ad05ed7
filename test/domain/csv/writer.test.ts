/**
 * The CSV writer quotes as Go's encoding/csv does: a field is quoted when it holds `,` `"` CR or LF, starts with
 * a space (Go's unicode.IsSpace on the first rune, decoded as UTF-8 from the bytes; text here is latin-1, one
 * char per byte), or is exactly `\.`; never when empty.
 * `fieldNeedsQuotes` decides the same on latin-1 bytes, without making a string.
 */
import fc from 'fast-check';
import {
  bytesStartFormula, csvField, csvLine, csvLineOf, csvSafeField, csvSafeLine, fieldNeedsQuotes, fieldStartsFormula, linePieces, recordMayStartFormula,
} from '../../../lambdas/domain/csv/writer';
import { parseCsvText } from '../../helpers/csv-compare';

const quoted = (s: string): boolean => csvField(s) !== s;

const latin1Char = fc.oneof(
  { arbitrary: fc.constantFrom(',', '"', '\n', '\r', ' ', '\t', '\\', '.', '\u0085', '\u00a0', '\u000b', '\u000c', '\u00c2', '\u00e2', '\u0080'), weight: 4 },
  { arbitrary: fc.constantFrom('a', 'Z', '0', '-', 'é'), weight: 3 },
  { arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 0xff }).map((code) => String.fromCharCode(code)), weight: 1 },
);
const latin1String = fc.oneof(
  fc.array(latin1Char, { maxLength: 8 }).map((chars) => chars.join('')),
  fc.constantFrom('', '\\.', '\\', '.', '\\..', ' \\.', '\\.\\.'),
);

describe('fieldNeedsQuotes (bytes)', () => {
  test('agrees with whether csvField quotes the same latin-1 text, at any offset in a larger buffer', () => {
    fc.assert(
      fc.property(latin1String, fc.uint8Array({ maxLength: 6 }), fc.uint8Array({ maxLength: 6 }), (s, before, after) => {
        const bytes = Buffer.from(s, 'latin1');
        expect(bytes.length).toBe(s.length);
        // Surrounded by bytes that would need quoting themselves: only [start, end) may count.
        const prefix = Buffer.concat([Buffer.from(' ,"\r\n'), before]);
        const suffix = Buffer.concat([Buffer.from(after), Buffer.from(',"\n')]);
        const buffer = Buffer.concat([prefix, bytes, suffix]);
        const start = prefix.length;
        expect(fieldNeedsQuotes(buffer, start, start + bytes.length)).toBe(quoted(s));
        // The same from a plain Uint8Array view that does not start at the buffer's first byte.
        const view = new Uint8Array(buffer.buffer, buffer.byteOffset + 1, buffer.length - 1);
        expect(fieldNeedsQuotes(view, start - 1, start - 1 + bytes.length)).toBe(quoted(s));
      }),
      { numRuns: 3000 },
    );
  });

  test('examples on bytes', () => {
    const b = Buffer.from('xx,\\.a b\u00a0 \u00c2\u00a0x', 'latin1');
    expect(fieldNeedsQuotes(b, 0, 2)).toBe(false); // xx
    expect(fieldNeedsQuotes(b, 1, 3)).toBe(true); // x,
    expect(fieldNeedsQuotes(b, 3, 5)).toBe(true); // \.
    expect(fieldNeedsQuotes(b, 3, 6)).toBe(false); // \.a
    expect(fieldNeedsQuotes(b, 4, 5)).toBe(false); // .
    expect(fieldNeedsQuotes(b, 5, 8)).toBe(false); // a b
    expect(fieldNeedsQuotes(b, 6, 8)).toBe(true); // ' b'
    expect(fieldNeedsQuotes(b, 8, 9)).toBe(false); // a lone 0xA0 byte: not UTF-8, U+FFFD to Go
    expect(fieldNeedsQuotes(b, 10, 13)).toBe(true); // UTF-8 NBSP (C2 A0) then x
    expect(fieldNeedsQuotes(b, 10, 11)).toBe(false); // C2 alone (the field ends before its second byte)
    expect(fieldNeedsQuotes(b, 2, 2)).toBe(false); // empty, even at a comma
  });
});

describe('csvField (Go encoding/csv rules)', () => {
  test.each([
    ['', ''],
    ['plain', 'plain'],
    ['a b', 'a b'],
    ['a\tb', 'a\tb'],
    ['trailing ', 'trailing '],
    ['\\.', '"\\."'],
    ['\\.x', '\\.x'],
    ['x\\.', 'x\\.'],
    ['\\', '\\'],
    [' lead', '" lead"'],
    ['\tlead', '"\tlead"'],
    ['\u000bv', '"\u000bv"'],
    // UTF-8 spaces as latin-1 text: U+0085, U+00A0, U+2000, U+200A, U+202F, U+3000 are quoted
    ['\u00c2\u0085nel', '"\u00c2\u0085nel"'],
    ['\u00c2\u00a0nbsp', '"\u00c2\u00a0nbsp"'],
    ['\u00e2\u0080\u0080x', '"\u00e2\u0080\u0080x"'],
    ['\u00e2\u0080\u008ax', '"\u00e2\u0080\u008ax"'],
    ['\u00e2\u0080\u00afx', '"\u00e2\u0080\u00afx"'],
    ['\u00e3\u0080\u0080x', '"\u00e3\u0080\u0080x"'],
    // U+200B (zero width space) is not White_Space; a lone 0x85 / 0xA0 byte is not UTF-8 (U+FFFD to Go)
    ['\u00e2\u0080\u008bx', '\u00e2\u0080\u008bx'],
    ['\u0085nel', '\u0085nel'],
    ['\u00a0nbsp', '\u00a0nbsp'],
    ['\u00c2', '\u00c2'],
    ['x\u00a0', 'x\u00a0'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['"', '""""'],
    ['cr\rhere', '"cr\rhere"'],
    ['lf\nhere', '"lf\nhere"'],
    ['crlf\r\n', '"crlf\r\n"'],
    ['naïve', 'naïve'],
  ])('csvField(%j) is %j', (field, expected) => {
    expect(csvField(field)).toBe(expected);
  });

  test('a quoted field reads back as the original (quotes doubled, nothing else changed)', () => {
    fc.assert(
      fc.property(latin1String, (s) => {
        const out = csvField(s);
        if (out === s) return;
        expect(out.startsWith('"') && out.endsWith('"')).toBe(true);
        expect(out.slice(1, -1).replaceAll('""', '"')).toBe(s);
        expect(out.slice(1, -1).replaceAll('""', '').includes('"')).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('csvLine / csvLineOf', () => {
  test('csvLine joins the fields with commas, each quoted as csvField quotes it', () => {
    expect(csvLine([])).toBe('');
    expect(csvLine([''])).toBe('');
    expect(csvLine(['', ''])).toBe(',');
    expect(csvLine(['a', 'b,c', ' d', '\\.', 'e"f', ''])).toBe('a,"b,c"," d","\\.","e""f",');
    expect(csvLine(['multi\nline', 'x'])).toBe('"multi\nline",x');
  });

  test('csvLineOf writes the selected fields in the order given', () => {
    const row = ['zero', 'one,1', 'two', ' three', ''];
    expect(csvLineOf(row, [])).toBe('');
    expect(csvLineOf(row, [2])).toBe('two');
    expect(csvLineOf(row, [3, 0, 1])).toBe('" three",zero,"one,1"');
    expect(csvLineOf(row, [4, 2, 4])).toBe(',two,');
    expect(csvLineOf(row, [0, 0])).toBe('zero,zero');
  });

  test('csvLineOf(row, indices) equals csvLine of the picked fields', () => {
    fc.assert(
      fc.property(
        fc.array(latin1String, { minLength: 1, maxLength: 6 }).chain((row) =>
          fc.record({ row: fc.constant(row), indices: fc.array(fc.nat({ max: row.length - 1 }), { maxLength: 8 }) }),
        ),
        ({ row, indices }) => {
          expect(csvLineOf(row, indices)).toBe(csvLine(indices.map((i) => row[i])));
        },
      ),
      { numRuns: 500 },
    );
  });
});

/**
 * Formula neutralisation (docs/security.md): a cell of two or more characters starting with = + - @ TAB or CR gets a
 * leading single quote; every other cell is written exactly as csvField writes it.
 */
describe('csvSafeField / csvSafeLine (formula neutralisation)', () => {
  const DANGEROUS = ['=', '+', '-', '@', '\t', '\r'];
  const dangerousCell = fc.tuple(fc.constantFrom(...DANGEROUS), latin1String.filter((rest) => rest.length > 0)).map(([first, rest]) => first + rest);
  const safeFirst = latin1Char.filter((c) => !DANGEROUS.includes(c));
  const harmlessCell = fc.oneof(
    fc.tuple(safeFirst, latin1String).map(([first, rest]) => first + rest),
    fc.constantFrom('', ...DANGEROUS),
  );
  /** What a spreadsheet reads back: the parsed cell. */
  const readBack = (line: string): string[] => parseCsvText(`${line}\n`)[0];

  test('a cell starting with a dangerous character reads back as the same text behind a single quote', () => {
    fc.assert(
      fc.property(dangerousCell, (cell) => {
        expect(fieldStartsFormula(cell)).toBe(true);
        expect(readBack(csvSafeField(cell))).toEqual([`'${cell}`]);
      }),
      { numRuns: 3000 },
    );
  });

  test('any other cell (and a lone dangerous character) is written as csvField writes it', () => {
    fc.assert(
      fc.property(harmlessCell, (cell) => {
        expect(fieldStartsFormula(cell)).toBe(false);
        expect(csvSafeField(cell)).toBe(csvField(cell));
      }),
      { numRuns: 3000 },
    );
  });

  test('a line: no cell of it reads back starting with a dangerous character, and the text is kept', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(dangerousCell, harmlessCell), { minLength: 1, maxLength: 8 }), (cells) => {
        const back = readBack(csvSafeLine(cells));
        expect(back).toHaveLength(cells.length);
        back.forEach((cell, i) => {
          expect(fieldStartsFormula(cell)).toBe(false);
          expect(cell).toBe(fieldStartsFormula(cells[i]) ? `'${cells[i]}` : cells[i]);
        });
      }),
      { numRuns: 2000 },
    );
  });

  test('the attacks of issue 17 come out as text', () => {
    const line = csvSafeLine(['=2+5+cmd|\' /C calc\'!A0', '=HYPERLINK("http://x","y")', '@SUM(A1)', '+1', '-2+3', '\t=1', '\r=1', 'CASE-7']);
    expect(readBack(line)).toEqual([
      "'=2+5+cmd|' /C calc'!A0", '\'=HYPERLINK("http://x","y")', "'@SUM(A1)", "'+1", "'-2+3", "'\t=1", "'\r=1", 'CASE-7',
    ]);
  });

  test('bytesStartFormula agrees with fieldStartsFormula on the same latin-1 text', () => {
    fc.assert(
      fc.property(fc.oneof(dangerousCell, harmlessCell), fc.uint8Array({ maxLength: 4 }), (cell, before) => {
        const buffer = Buffer.concat([Buffer.from(before), Buffer.from(cell, 'latin1'), Buffer.from('=x')]);
        expect(bytesStartFormula(buffer, before.length, before.length + cell.length)).toBe(fieldStartsFormula(cell));
      }),
    );
  });

  test('recordMayStartFormula never misses a cell that starts a formula (false positives allowed)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(dangerousCell, harmlessCell), { minLength: 1, maxLength: 8 }), fc.constantFrom('', 'xx,'), (cells, before) => {
        const line = csvLine(cells);
        const text = `${before}${line}\n`;
        if (cells.some(fieldStartsFormula)) expect(recordMayStartFormula(text, before.length, before.length + line.length)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(recordMayStartFormula('a,b,"c,d",e', 0, 11)).toBe(false);
    expect(recordMayStartFormula('a,"=b"', 0, 6)).toBe(true);
    expect(recordMayStartFormula('=a,b', 2, 4)).toBe(false); // only [start, end) counts
  });
});

describe('linePieces', () => {
  test('the lines, each with LF, as latin-1 bytes; a piece ends after the line that brings it to pieceChars or more', () => {
    const line = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((code) => String.fromCharCode(code)), maxLength: 40 });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.integer({ min: 1, max: 64 }), (lines, pieceChars) => {
        const pieces = [...linePieces(lines, (text) => text, pieceChars)];
        expect(Buffer.concat(pieces).equals(Buffer.from(lines.map((text) => `${text}\n`).join(''), 'latin1'))).toBe(true);
        // Cut where the lines say: every piece but the last reaches pieceChars, and only with its last line.
        let next = 0;
        for (const [index, piece] of pieces.entries()) {
          let length = 0;
          while (length < pieceChars && next < lines.length) length += lines[next++].length + 1;
          expect([index, piece.length]).toEqual([index, length]);
        }
        expect(next).toBe(lines.length);
      }),
      { numRuns: 300 },
    );
  });
});
