import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { COL, FIELD_COUNT } from '../../../lambdas/domain/columns';
import { DojTokenizer, tokenizeChunks, type TokenizerOptions } from '../../../lambdas/domain/csv/tokenizer';
import { tokenize, type RecordEvent, type RejectEvent, type TokenizerEvent } from '../../helpers/tokenize-events';

const FIXTURES = join(__dirname, '../../../../shared/fixtures/doj');
const readFixture = (name: string): string => readFileSync(join(FIXTURES, name), 'latin1');

type Event = TokenizerEvent;

const records = (events: Event[]): RecordEvent[] => events.filter((e): e is RecordEvent => e.kind === 'record');
const rejects = (events: Event[]): RejectEvent[] => events.filter((e): e is RejectEvent => e.kind === 'reject');

/** Every item's end is the next item's offset; the items cover the input from `from` to its end. */
function expectPartition(events: Event[], from: number, length: number): void {
  let expectedOffset = from;
  for (const event of events) {
    expect(event.offset).toBe(expectedOffset);
    expect(event.end).toBeGreaterThan(event.offset);
    expectedOffset = event.end;
  }
  expect(expectedOffset).toBe(length);
}

function csvParse(text: string): string[][] {
  return parse(text, { relax_column_count: true, record_delimiter: ['\r\n', '\n'] }) as string[][];
}

/** A 3-field-per-row tokenizer keeps the edge-case inputs readable. */
const THREE: TokenizerOptions = { expectedFields: 3 };

describe('DojTokenizer on the DOJ fixtures', () => {
  test('conformance input: header + 38 rows of 95 fields, as csv-parse reads them', () => {
    const text = readFixture('conformance/input.csv');
    const { events, summary } = tokenize(text);
    const got = records(events);
    expect(rejects(events)).toEqual([]);
    expect(got).toHaveLength(39);
    expect(got.map((r) => r.fields)).toEqual(csvParse(text));
    expect(got.map((r) => r.line)).toEqual(Array.from({ length: 39 }, (_, i) => i + 1));
    expect(got.every((r) => r.fieldCount === FIELD_COUNT && r.lineCount === 1 && !r.hasCarriageReturn)).toBe(true);
    expect(got[0].fields[0]).toBe('RECORD_ID');
    expect(got[1].fields[COL.PRI_NAME]).toBe('SKYWALKER,LUKE S'); // quoted comma kept
    expect(got[1].fields[COL.PRI_CDL]).toBe('x       '); // padding kept: fields are not trimmed
    expect(got[1].fields[COL.SUBJECT_ID]).toBe('18675309');
    expectPartition(events, 0, text.length);
    expect(got[5].raw + '\n').toBe(text.slice(got[5].offset, got[5].end));
    expect(summary).toMatchObject({ lines: 39, records: 39, rejects: 0, blankLines: 0, nextOffset: text.length, nextLine: 40, stopped: false, hadBom: false });
  });

  test('no_headers.csv: CRLF line ends and no final newline', () => {
    const text = readFixture('no_headers.csv');
    const { events, summary } = tokenize(text);
    const got = records(events);
    expect(got).toHaveLength(38);
    expect(got.map((r) => r.fields)).toEqual(csvParse(text));
    expect(got.slice(0, 37).every((r) => r.hasCarriageReturn && r.end - r.offset === r.raw.length + 2)).toBe(true);
    expect(got[37]).toMatchObject({ hasCarriageReturn: false, line: 38, end: text.length });
    expect(got.some((r) => r.fields.some((f) => f.includes('\r')))).toBe(false);
    expectPartition(events, 0, text.length);
    expect(summary).toMatchObject({ lines: 38, records: 38, nextLine: 38 });
  });

  test('extra_comma.csv: the 96-field header is a FIELD_COUNT reject unless the first record is lenient', () => {
    const text = readFixture('extra_comma.csv');
    const strict = tokenize(text);
    expect(rejects(strict.events)).toEqual([
      expect.objectContaining({ code: 'FIELD_COUNT', line: 1, offset: 0, fieldCount: 96, subjectId: 'SUBJECT_ID' }),
    ]);
    expect(records(strict.events)).toHaveLength(38);

    const lenient = records(tokenize(text, { lenientFirstRecord: true }).events);
    expect(lenient).toHaveLength(39);
    expect(lenient[0]).toMatchObject({ fieldCount: 96, line: 1, hasCarriageReturn: true });
    expect(lenient[0].fields).toHaveLength(96);
    expect(lenient[0].fields[95]).toBe('');
    expect(lenient.slice(1).every((r) => r.fieldCount === 95 && r.fields.length === 95)).toBe(true);
  });

  test('bad.csv: every line has 94 fields, so every line is a FIELD_COUNT reject with its line number', () => {
    const text = readFixture('bad.csv');
    const { events, summary } = tokenize(text);
    const got = rejects(events);
    expect(records(events)).toEqual([]);
    expect(got.map((r) => r.line)).toEqual(Array.from({ length: 38 }, (_, i) => i + 1));
    expect(got.every((r) => r.code === 'FIELD_COUNT' && r.fieldCount === 94)).toBe(true);
    expect(got.map((r) => r.subjectId)).toEqual(csvParse(text).map((row) => row[COL.SUBJECT_ID]));
    expect(got[1].message).toBe('expected 95 fields, found 94');
    expect(got[1].text).toBe(text.split('\n')[1]);
    expectPartition(events, 0, text.length);
    expect(summary).toMatchObject({ records: 0, rejects: 38, lines: 38 });
  });

  test('the fixtures tokenize identically fed one char at a time', () => {
    for (const name of ['conformance/input.csv', 'no_headers.csv', 'extra_comma.csv', 'bad.csv']) {
      const text = readFixture(name);
      expect(tokenize(text, { lenientFirstRecord: true }, [1])).toEqual(tokenize(text, { lenientFirstRecord: true }));
    }
  });
});

describe('chunk boundaries', () => {
  test('splitting at every position (inside BOM, CRLF, "" and quoted line breaks) changes nothing', () => {
    const text = '\u00EF\u00BB\u00BFh1,h2,h3\r\n1,"a ""q"" \r\nb",c\r\n\r\n2,b"x,c\n3,"open\n4,"",\r\n5,"x"y,z\n6,7,"8"\n7,"tail';
    const options = { ...THREE, maxRecordBytes: 20 };
    const whole = tokenize(text, options);
    expect(whole.events.map((e) => (e.kind === 'reject' ? e.code : e.kind))).toEqual([
      'record', 'record', 'blank', 'BARE_QUOTE',
      'TEXT_AFTER_QUOTE', // `"open\n4,"",\r\n5,"` is one quoted field, then `x`: line 3 only is rejected
      'record', 'TEXT_AFTER_QUOTE', 'record', 'UNTERMINATED_QUOTE',
    ]);
    expect(whole.events.map((e) => e.line)).toEqual([1, 2, 4, 5, 6, 7, 8, 9, 10]);
    for (let cut = 1; cut < text.length; cut++) {
      expect(tokenize(text, options, [cut, text.length]).events).toEqual(whole.events);
    }
    expect(tokenize(text, options, [1])).toEqual(whole);
    expect(tokenize(text, options, [2, 3])).toEqual(whole);
  });
});

describe('framing', () => {
  test('a UTF-8 BOM at offset 0 is skipped, even split across chunks; offsets stay file offsets', () => {
    const text = '\u00EF\u00BB\u00BFa,b,c\nd,e,f\n';
    const whole = tokenize(text, THREE);
    expect(records(whole.events)[0]).toMatchObject({ fields: ['a', 'b', 'c'], offset: 3, line: 1 });
    expect(whole.summary.hadBom).toBe(true);
    expectPartition(whole.events, 3, text.length);
    expect(tokenize(text, THREE, [1])).toEqual(whole);
    expect(tokenize(text, THREE, [2, 5])).toEqual(whole);
  });

  test('the BOM is data when stripBom is off, and by default when the stream starts mid-file', () => {
    const text = '\u00EF\u00BB\u00BFa,b,c\n';
    expect(records(tokenize(text, { ...THREE, stripBom: false }).events)[0].fields[0]).toBe('\u00EF\u00BB\u00BFa');
    expect(records(tokenize(text, { ...THREE, baseOffset: 100 }).events)[0]).toMatchObject({ fields: ['\u00EF\u00BB\u00BFa', 'b', 'c'], offset: 100 });
    expect(tokenize('\u00EF\u00BB', THREE).summary.hadBom).toBe(false); // a BOM prefix is not a BOM
  });

  test('LF and CRLF mix; a lone CR is data; CR before LF is part of the line end', () => {
    const text = 'a,b,c\r\nd,e\rx,f\ng,h,i\r\n';
    const got = records(tokenize(text, THREE).events);
    expect(got.map((r) => r.fields)).toEqual([['a', 'b', 'c'], ['d', 'e\rx', 'f'], ['g', 'h', 'i']]);
    expect(got.map((r) => r.hasCarriageReturn)).toEqual([true, false, true]);
    expect(got.map((r) => r.raw)).toEqual(['a,b,c', 'd,e\rx,f', 'g,h,i']);
  });

  test('quoted fields hold commas, quotes and line breaks; CRLF inside quotes reads as LF; lines are physical', () => {
    const text = 'a,"x,""y""\r\nz\nw",c\nd,e,f\n';
    const { events } = tokenize(text, THREE);
    const got = records(events);
    expect(got[0]).toMatchObject({ fields: ['a', 'x,"y"\nz\nw', 'c'], line: 1, lineCount: 3, hasCarriageReturn: true });
    expect(got[0].raw).toBe('a,"x,""y""\r\nz\nw",c'); // raw text is untouched
    expect(got[1]).toMatchObject({ fields: ['d', 'e', 'f'], line: 4, lineCount: 1, hasCarriageReturn: false });
  });

  test('empty and fully quoted fields', () => {
    const got = records(tokenize('"",,""""\n,"a",\n', THREE).events);
    expect(got.map((r) => r.fields)).toEqual([['', '', '"'], ['', 'a', '']]);
  });

  test('blank lines are reported, never records; a final newline makes no empty record', () => {
    const text = '\n\r\na,b,c\n\nd,e,f\n';
    const { events, summary } = tokenize(text, THREE);
    expect(events.map((e) => [e.kind, e.line, e.offset, e.end])).toEqual([
      ['blank', 1, 0, 1],
      ['blank', 2, 1, 3],
      ['record', 3, 3, 9],
      ['blank', 4, 9, 10],
      ['record', 5, 10, 16],
    ]);
    expect(summary).toMatchObject({ blankLines: 3, records: 2, lines: 5, nextLine: 6 });
  });

  test('the last record may lack a newline, quoted or not', () => {
    expect(records(tokenize('a,b,c\nd,e,f', THREE).events)[1]).toMatchObject({ fields: ['d', 'e', 'f'], end: 11, raw: 'd,e,f' });
    expect(records(tokenize('a,b,"c"', THREE).events)[0]).toMatchObject({ fields: ['a', 'b', 'c'], end: 7 });
    expect(tokenize('a,b,"c"', THREE, [1]).events).toEqual(tokenize('a,b,"c"', THREE).events);
    expect(tokenize('a,b,c\r', THREE).events[0]).toMatchObject({ fields: ['a', 'b', 'c\r'] }); // lone CR at EOF: data
  });

  test('baseOffset and baseLine shift every position', () => {
    const { events, summary } = tokenize('a,b,c\n\nx\n', { ...THREE, baseOffset: 1000, baseLine: 41 });
    expect(events.map((e) => [e.kind, e.line, e.offset, e.end])).toEqual([
      ['record', 42, 1000, 1006],
      ['blank', 43, 1006, 1007],
      ['reject', 44, 1007, 1009],
    ]);
    expect(summary).toMatchObject({ nextOffset: 1009, nextLine: 45 });
  });

  test('an empty input yields nothing', () => {
    expect(tokenize('')).toEqual({
      events: [],
      summary: { lines: 0, records: 0, rejects: 0, blankLines: 0, nextOffset: 0, nextLine: 1, stopped: false, hadBom: false },
    });
  });
});

describe('rejects and recovery', () => {
  test('a quote inside an unquoted field rejects the line; the next line is read normally', () => {
    const text = 'a,b"c,d\ne,f,g\n';
    const { events } = tokenize(text, THREE);
    expect(events[0]).toMatchObject({ kind: 'reject', code: 'BARE_QUOTE', line: 1, offset: 0, end: 8, text: 'a,b"c,d' });
    expect(events[0]).not.toHaveProperty('subjectId'); // field 3 was never complete
    expect(events[1]).toMatchObject({ kind: 'record', fields: ['e', 'f', 'g'], line: 2 });
  });

  test('characters after a closing quote are rejected (a CR there only as part of CRLF)', () => {
    expect(tokenize('a,"b"x,c\n', THREE).events[0]).toMatchObject({ code: 'TEXT_AFTER_QUOTE', line: 1, end: 9 });
    expect(tokenize('a,b,"c"\rx\n', THREE).events[0]).toMatchObject({ code: 'TEXT_AFTER_QUOTE' });
    expect(tokenize('a,b,"c"\r\n', THREE).events[0]).toMatchObject({ kind: 'record', fields: ['a', 'b', 'c'] });
  });

  test('a quote left open to the end of input rejects only its first line; tokenizing resumes on the next', () => {
    const text = '1,a,b\n2,"oops,c\n3,d,e\n4,f,g\n';
    const { events } = tokenize(text, THREE);
    expect(events.map((e) => [e.kind, e.line])).toEqual([['record', 1], ['reject', 2], ['record', 3], ['record', 4]]);
    expect(events[1]).toMatchObject({ code: 'UNTERMINATED_QUOTE', offset: 6, end: 16, text: '2,"oops,c' });
    expect((events[1] as RejectEvent).message).toContain('still open at end of input');
  });

  test('a multi-line quoted record with the wrong field count rejects its first line, then re-reads the next', () => {
    const text = '1,a,b\n2,"oops,c\n3,d,e"\n4,f,g\n';
    const { events } = tokenize(text, THREE);
    expect(events.map((e) => [e.kind, e.line, e.kind === 'reject' ? e.code : ''])).toEqual([
      ['record', 1, ''],
      ['reject', 2, 'FIELD_COUNT'],
      ['reject', 3, 'BARE_QUOTE'],
      ['record', 4, ''],
    ]);
    expect(events[1]).toMatchObject({ fieldCount: 2, offset: 6, end: 16 });
    expectPartition(events, 0, text.length);
  });

  test('a multi-line quoted record with the right field count is a record', () => {
    expect(records(tokenize('2,"two\nlines",c\n', THREE).events)[0]).toMatchObject({ fields: ['2', 'two\nlines', 'c'], lineCount: 2 });
  });

  test('input truncated inside a quoted field', () => {
    const text = 'a,b,c,d\n1,2,3,"abc';
    const { events } = tokenize(text, { expectedFields: 4 });
    expect(events[1]).toMatchObject({ kind: 'reject', code: 'UNTERMINATED_QUOTE', line: 2, offset: 8, end: text.length, subjectId: '3', text: '1,2,3,"abc' });
    expect(tokenize(text, { expectedFields: 4 }, [1]).events).toEqual(events);
  });

  test('a DOJ row with a stray quote names SUBJECT_ID but no personal value in its message', () => {
    const good = readFixture('conformance/input.csv').split('\n')[1];
    const broken = good.replace('"SKYWALKER,LUKE S"', '"SKYWALKER,LUKE S" ');
    const reject = rejects(tokenize(`${broken}\n${good}\n`).events)[0];
    expect(reject).toMatchObject({ code: 'TEXT_AFTER_QUOTE', subjectId: '18675309', line: 1 });
    expect(reject.message).toBe('characters after the closing quote of field 13 (PRI_NAME)');
    expect(reject.message).not.toMatch(/SKYWALKER|18675309/);
    const unbalanced = good.replace('"SKYWALKER,LUKE S"', '"SKYWALKER,LUKE S');
    const recovered = tokenize(`${unbalanced}\n${good}\n${good}\n`);
    expect(recovered.events.map((e) => [e.kind, e.line])).toEqual([['reject', 1], ['record', 2], ['record', 3]]);
    expect(recovered.events[0]).toMatchObject({ subjectId: '18675309' });
  });

  test('a record longer than maxRecordBytes is rejected as one line and skipped, whatever the chunking', () => {
    const long = 'x'.repeat(100);
    const text = `a,b,c\n${long},y,z\nd,e,f\n`;
    const options = { ...THREE, maxRecordBytes: 50 };
    const { events } = tokenize(text, options);
    expect(events.map((e) => [e.kind, e.line])).toEqual([['record', 1], ['reject', 2], ['record', 3]]);
    expect(events[1]).toMatchObject({ code: 'RECORD_TOO_LONG', offset: 6, end: 111, message: 'record longer than 50 bytes' });
    expect(events[1]).not.toHaveProperty('text'); // longer than maxRecordBytes: not kept
    for (const sizes of [[1], [7], [49, 3], [60]]) expect(tokenize(text, options, sizes).events).toEqual(events);
  });

  test('maxRecordBytes counts the line end and admits a record of exactly that length', () => {
    const options = { ...THREE, maxRecordBytes: 6 };
    for (const sizes of [[100], [1], [5, 1]]) {
      expect(tokenize('a,b,c\n', options, sizes).events[0]).toMatchObject({ kind: 'record', end: 6 });
      expect(tokenize('a,b,cd', options, sizes).events[0]).toMatchObject({ kind: 'record', end: 6 });
      expect(tokenize('a,b,cd\n', options, sizes).events[0]).toMatchObject({ kind: 'reject', code: 'RECORD_TOO_LONG', end: 7 });
      // The closing quote is byte 7: the first 6 bytes end inside the quoted field.
      expect(tokenize('a,b,"c"\n', options, sizes).events[0]).toMatchObject({ kind: 'reject', code: 'UNTERMINATED_QUOTE' });
      expect(tokenize('a,"b",cd\n', options, sizes).events[0]).toMatchObject({ kind: 'reject', code: 'RECORD_TOO_LONG' });
      // CRLF after a closing quote counts too.
      expect(tokenize('a,b,"c"\r\n', { ...THREE, maxRecordBytes: 9 }, sizes).events[0]).toMatchObject({ kind: 'record', end: 9 });
      expect(tokenize('a,b,"c"\r\n', { ...THREE, maxRecordBytes: 8 }, sizes).events[0]).toMatchObject({ kind: 'reject', code: 'RECORD_TOO_LONG' });
    }
  });

  test('a quote still open at maxRecordBytes rejects the first line only', () => {
    const text = `1,"${'q\n'.repeat(40)}\n2,b,c\n`;
    const { events } = tokenize(text, { ...THREE, maxRecordBytes: 30 });
    expect(events[0]).toMatchObject({ kind: 'reject', code: 'UNTERMINATED_QUOTE', line: 1, end: 5 });
    expect((events[0] as RejectEvent).message).toContain('still open after 30 bytes');
    // Each following `q` line is then read on its own (one field: FIELD_COUNT), and the file recovers.
    expect(rejects(events).map((r) => r.line)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(events.slice(40).map((e) => [e.kind, e.line])).toEqual([['blank', 41], ['record', 42]]);
  });

  test('a 10 MB field is read whole under a large limit and skipped in bounded steps under the default', () => {
    const big = 'A'.repeat(10 * 1024 * 1024);
    const text = `1,"${big}",3\n4,5,6\n`;
    const chunks = [64 * 1024];
    const large = tokenize(text, { ...THREE, maxRecordBytes: 16 * 1024 * 1024 }, chunks);
    expect(records(large.events).map((r) => r.fields[1].length)).toEqual([big.length, 1]);

    const bounded = tokenize(text, THREE, chunks);
    expect(bounded.events[0]).toMatchObject({ kind: 'reject', code: 'UNTERMINATED_QUOTE', end: big.length + 7 });
    expect(bounded.events[1]).toMatchObject({ kind: 'record', fields: ['4', '5', '6'], line: 2 });

    const unquoted = tokenize(`1,${big},3\n4,5,6\n`, THREE, chunks);
    expect(unquoted.events.map((e) => (e.kind === 'reject' ? e.code : e.kind))).toEqual(['RECORD_TOO_LONG', 'record']);
  });
});

describe('caller controls', () => {
  test('wantedFields materialises only those fields; the others stay empty', () => {
    const text = readFixture('conformance/input.csv');
    const got = records(tokenize(text, { wantedFields: [COL.SUBJECT_ID, COL.PRI_NAME] }).events);
    expect(got[1].fields).toHaveLength(FIELD_COUNT);
    expect(got[1].fields[COL.SUBJECT_ID]).toBe('18675309');
    expect(got[1].fields[COL.PRI_NAME]).toBe('SKYWALKER,LUKE S');
    expect(got[1].fields.filter((f) => f !== '')).toHaveLength(2);
  });

  test('a wanted field beyond a short lenient header is empty, not stale', () => {
    const got = records(tokenize('h1,h2\na,b,c\n', { expectedFields: 3, lenientFirstRecord: true, wantedFields: [2] }).events);
    expect(got.map((r) => r.fields)).toEqual([['', '', ''], ['', '', 'c']]);
    expect(got.map((r) => r.fieldCount)).toEqual([2, 3]);
  });

  test('expectedFields null accepts any field count', () => {
    expect(records(tokenize('a\nb,c\n', { expectedFields: null }).events).map((r) => r.fields)).toEqual([['a'], ['b', 'c']]);
  });

  test('lenientFirstRecord applies to the first item only', () => {
    const { events } = tokenize('a,b\nc,d\n', { ...THREE, lenientFirstRecord: true });
    expect(events.map((e) => e.kind)).toEqual(['record', 'reject']);
  });

  test('stopAfterOffset: records starting before it are finished, the rest is left for the next range', () => {
    const text = 'a,b,c\nd,"e\nf",g\nh,i,j\n';
    const { events, summary } = tokenize(text, { ...THREE, stopAfterOffset: 8 });
    expect(records(events).map((r) => [r.offset, r.end])).toEqual([[0, 6], [6, 16]]);
    expect(summary).toMatchObject({ stopped: true, nextOffset: 16, nextLine: 4, lines: 3 });
    expect(tokenize(text, { ...THREE, stopAfterOffset: 6 }).summary).toMatchObject({ nextOffset: 6, records: 1 });
    expect(tokenize(text, { ...THREE, stopAfterOffset: 8 }, [1])).toEqual({ events, summary });
  });

  test('tokenizeChunks reads bytes as latin1 and stops pulling chunks once stopped', async () => {
    const pulled: number[] = [];
    async function* source(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 10; i++) {
        pulled.push(i);
        yield Buffer.from(`${i},\u00e9,\xff\n`, 'latin1');
      }
    }
    const seen: string[][] = [];
    const sink = { record: (fields: string[]) => seen.push([...fields]), reject: () => {}, blankLine: () => {} };
    const summary = await tokenizeChunks(source(), sink, { ...THREE, stopAfterOffset: 12 });
    expect(seen).toEqual([['0', '\u00e9', '\xff'], ['1', '\u00e9', '\xff']]);
    expect(summary).toMatchObject({ stopped: true, nextOffset: 12, bytesRead: 12 });
    expect(pulled).toEqual([0, 1]); // the second chunk ends exactly where the range stops
  });

  test('tokenizeChunks keeps UTF-8 bytes as latin1 chars so they round-trip', async () => {
    const utf8 = Buffer.from('1,José Müller,3\n', 'utf8');
    const seen: string[] = [];
    const sink = { record: (fields: string[]) => seen.push(fields[1]), reject: () => {}, blankLine: () => {} };
    await tokenizeChunks([utf8.subarray(0, 6), utf8.subarray(6)], sink, THREE);
    expect(Buffer.from(seen[0], 'latin1').toString('utf8')).toBe('José Müller');
  });

  test('the record info and fields are reused between calls', () => {
    const infos = new Set<object>();
    const arrays = new Set<object>();
    const tokenizer = new DojTokenizer({ record: (f, i) => (arrays.add(f), infos.add(i)), reject: () => {}, blankLine: () => {} }, THREE);
    tokenizer.push('a,b,c\nd,e,f\n');
    tokenizer.end();
    expect([infos.size, arrays.size]).toEqual([1, 1]);
  });

  test('bad options and misuse fail loudly', () => {
    const sink = { record: () => {}, reject: () => {}, blankLine: () => {} };
    expect(() => new DojTokenizer(sink, { maxRecordBytes: 0 })).toThrow('tokenizer option maxRecordBytes must be an integer >= 1, got 0');
    expect(() => new DojTokenizer(sink, { wantedFields: [-1] })).toThrow('wantedFields');
    expect(() => new DojTokenizer(sink, { expectedFields: 0 })).toThrow('expectedFields');
    const tokenizer = new DojTokenizer(sink);
    tokenizer.end();
    expect(() => tokenizer.push('x')).toThrow('push called after end()');
  });
});
