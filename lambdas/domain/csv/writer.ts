/**
 * CSV field writing with the quoting rules of Go's encoding/csv (the reference tool's writer), so our
 * files look like the ones county staff already know: a field is quoted only when it holds a comma,
 * a quote, CR or LF, starts with a space or tab, or is exactly `\.`. Lines end with LF.
 */

function needsQuotes(field: string): boolean {
  if (field.length === 0) return false;
  if (field === '\\.') return true;
  const first = field.charCodeAt(0);
  // Go's unicode.IsSpace on the first rune (ASCII space, \t-\r, NEL, NBSP).
  if (first === 32 || (first >= 9 && first <= 13) || first === 0x85 || first === 0xa0) return true;
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
  if (end === start) return false;
  const first = bytes[start];
  if (first === 32 || (first >= 9 && first <= 13) || first === 0x85 || first === 0xa0) return true;
  if (end - start === 2 && first === BACKSLASH && bytes[start + 1] === DOT) return true;
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
