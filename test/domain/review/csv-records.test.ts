/**
 * Small CSV files read with the extracts' tokenizer (lambdas/domain/review/csv-records.ts): records with their
 * physical lines, blank lines skipped, each malformed line named by its line and never its content; header columns
 * found by name.
 */
import { headerIndices, readCsvRecords } from '../../../lambdas/domain/review/csv-records';

describe('readCsvRecords', () => {
  it('gives each record with the physical line it starts on: quotes, CRLF, a UTF-8 BOM (latin-1 text), line breaks inside quotes, blank lines', () => {
    const text = '\u00ef\u00bb\u00bfa,b\r\n\r\n"x, y","multi\nline"\n3,"say ""hi"""\n';
    expect(readCsvRecords(text)).toEqual({
      records: [
        { fields: ['a', 'b'], line: 1 },
        { fields: ['x, y', 'multi\nline'], line: 3 },
        { fields: ['3', 'say "hi"'], line: 5 },
      ],
      problems: [],
    });
  });

  it('reports each malformed line by its line, in words, without its content, and reads on', () => {
    const { records, problems } = readCsvRecords('a,b\nsecret"name,1\nok,2\n"x"y,3\n"never closed\n');
    expect(records.map((r) => r.fields[0])).toEqual(['a', 'ok']);
    expect(problems).toEqual([
      { line: 2, message: 'not valid CSV: a quote (") inside an unquoted field' },
      { line: 4, message: 'not valid CSV: text after the closing quote of a field' },
      { line: 5, message: 'not valid CSV: a quoted field is never closed' },
    ]);
    expect(JSON.stringify(problems)).not.toContain('secret');
  });

  it('refuses a record longer than its limit', () => {
    expect(readCsvRecords(`a\n${'x'.repeat(200)}\nb\n`, 100).problems).toEqual([{ line: 2, message: 'not valid CSV: the line is too long' }]);
  });
});

describe('headerIndices', () => {
  const header = { fields: [' Conviction ID ', 'DECISION', 'Reviewer', 'reviewer'], line: 1 };

  it('finds each wanted column by its name, trimmed and in any case', () => {
    expect(headerIndices(header, ['Conviction ID', 'Decision'])).toEqual({ indices: { 'Conviction ID': 0, Decision: 1 } });
  });

  it('names every column missing or there twice', () => {
    expect(headerIndices(header, ['Decision Date', 'Reviewer', 'Conviction ID'])).toEqual({
      problems: [
        { line: 1, message: 'the header has no column "Decision Date"' },
        { line: 1, message: 'the header has column "Reviewer" twice' },
      ],
    });
  });
});
