/**
 * CSV field writing with the quoting rules of Go's encoding/csv (the reference tool's writer), so our
 * files look like the ones county staff already know: a field is quoted only when it holds a comma,
 * a quote, CR or LF, starts with a Unicode space (decoded as UTF-8, as Go does), or is exactly `\.`.
 * Lines end with LF.
 *
 * Spreadsheet formulas are neutralised in every file we derive (docs/security.md, "Formula injection"): a cell of two
 * or more characters whose first character is `=` `+` `-` `@` TAB or CR (OWASP's CSV injection list) is written with
 * a leading single quote, so Excel, LibreOffice and Sheets read it as text. The reference-format files do the same
 * only when asked (excel-safe); otherwise they stay cell for cell those of the reference tool.
 */

/**
 * Go's `unicode.IsSpace` of the first rune, decoded as UTF-8 from the field's bytes (text here is latin-1, one
 * char per byte, so `at(i)` is byte i): ASCII \t-\r and space, U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028,
 * U+2029, U+202F, U+205F, U+3000. A byte that does not start valid UTF-8 decodes to U+FFFD, not a space.
 */
function startsWithGoSpace(b0: number, b1: number, b2: number): boolean {
  if (b0 < 0x80) return b0 === 32 || (b0 >= 9 && b0 <= 13);
  if (b0 === 0xc2) return b1 === 0x85 || b1 === 0xa0;
  if (b0 === 0xe1) return b1 === 0x9a && b2 === 0x80;
  if (b0 === 0xe2) {
    if (b1 === 0x80) return (b2 >= 0x80 && b2 <= 0x8a) || b2 === 0xa8 || b2 === 0xa9 || b2 === 0xaf;
    return b1 === 0x81 && b2 === 0x9f;
  }
  if (b0 === 0xe3) return b1 === 0x80 && b2 === 0x80;
  return false;
}

function needsQuotes(field: string): boolean {
  if (field.length === 0) return false;
  if (field === '\\.') return true;
  // charCodeAt past the end is NaN, which matches no byte.
  if (startsWithGoSpace(field.charCodeAt(0), field.charCodeAt(1), field.charCodeAt(2))) return true;
  for (let i = 0; i < field.length; i++) {
    const c = field.charCodeAt(i);
    if (c === 44 || c === 34 || c === 10 || c === 13) return true;
  }
  return false;
}

const BACKSLASH = 92;
const DOT = 46;

/** needsQuotes for a field given as latin-1 bytes `bytes[start, end)` (no string made). */
export function fieldNeedsQuotes(bytes: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  if (length === 0) return false;
  const first = bytes[start];
  if (length === 2 && first === BACKSLASH && bytes[start + 1] === DOT) return true;
  if (startsWithGoSpace(first, length > 1 ? bytes[start + 1] : -1, length > 2 ? bytes[start + 2] : -1)) return true;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c === 44 || c === 34 || c === 10 || c === 13) return true;
  }
  return false;
}

const QUOTE_PATTERN = /"/g;

/** One field, quoted when needed. */
export function csvField(field: string): string {
  return needsQuotes(field) ? `"${field.replace(QUOTE_PATTERN, '""')}"` : field;
}

/** One line (without the line end) from fields. */
export function csvLine(fields: readonly string[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) line += ',';
    line += csvField(fields[i]);
  }
  return line;
}

/** The selected fields of a row, as one line (without the line end). */
export function csvLineOf(fields: readonly string[], indices: readonly number[]): string {
  let line = '';
  for (let i = 0; i < indices.length; i++) {
    if (i > 0) line += ',';
    line += csvField(fields[indices[i]]);
  }
  return line;
}

/** The cell prefix that makes a spreadsheet read a cell as text (OWASP, CSV injection). */
export const FORMULA_NEUTRALISER = "'";

/**
 * True for a first character a spreadsheet may start a formula with: `=` `+` `-` `@` TAB CR (OWASP's list; a
 * quoted CR or TAB still starts the cell). A one-character cell is no formula (a lone `-` stays, as the reference
 * tool writes it).
 */
function startsFormula(first: number, length: number): boolean {
  return length > 1 && (first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13);
}

/** Whether `field` would be written with the neutralising quote (one charCode check). */
export function fieldStartsFormula(field: string): boolean {
  return startsFormula(field.charCodeAt(0), field.length);
}

/** fieldStartsFormula for a field given as latin-1 bytes `bytes[start, end)`. */
export function bytesStartFormula(bytes: Uint8Array, start: number, end: number): boolean {
  return startsFormula(bytes[start], end - start);
}

/** One field, neutralised (a leading quote when it could start a formula), then quoted when needed. */
export function csvSafeField(field: string): string {
  return csvField(startsFormula(field.charCodeAt(0), field.length) ? FORMULA_NEUTRALISER + field : field);
}

/** One line of neutralised fields (without the line end): the writer of every file we derive. */
export function csvSafeLine(fields: readonly string[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) line += ',';
    line += csvSafeField(fields[i]);
  }
  return line;
}

/**
 * Whether a raw CSV record (latin-1 text `text[start, end)`, one line as read) may hold a cell that starts a
 * formula: its first character, and the one after each comma (after an opening quote too), checked without
 * parsing. A comma inside a quoted field can give a false positive, never a false negative; the caller then
 * parses the record and neutralises its actual cells.
 */
export function recordMayStartFormula(text: string, start: number, end: number): boolean {
  let at = start;
  while (at < end) {
    let c = text.charCodeAt(at);
    if (c === 34 && at + 1 < end) c = text.charCodeAt(at + 1);
    if (c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13) return true;
    const comma = text.indexOf(',', at);
    if (comma < 0 || comma >= end) return false;
    at = comma + 1;
  }
  return false;
}

/** Lines of text (one per item, each ending in LF) grouped into latin-1 pieces of about `pieceChars` for a store write. */
export function* linePieces<T>(items: readonly T[], lineOf: (item: T) => string, pieceChars = 1 << 20): Iterable<Buffer> {
  let parts: string[] = [];
  let length = 0;
  for (const item of items) {
    const text = `${lineOf(item)}\n`;
    parts.push(text);
    length += text.length;
    if (length >= pieceChars) {
      yield Buffer.from(parts.join(''), 'latin1');
      parts = [];
      length = 0;
    }
  }
  if (parts.length > 0) yield Buffer.from(parts.join(''), 'latin1');
}
