/**
 * The work area's binary formats (lambdas/domain/pipeline/work-area-formats.ts): ByteWriter, routed rows (split → classify)
 * and classified rows (classify → assemble) round-trip every field, whatever the chunking, and a truncated object
 * is a FrameFormatError.
 */
import fc from 'fast-check';
import { FIELD_COUNT } from '../../../lambdas/domain/columns';
import { ByteWriter, ClassifiedRowReader, finishClassifiedRow, ROUTED_FIELDS, RoutedRowsBuilder, RoutedRowsReader, slotsOf, startClassifiedRow } from '../../../lambdas/domain/pipeline/work-area-formats';
import { POSITION_FILE_FACTOR } from '../../../lambdas/domain/pipeline/plan';
import { FrameFormatError } from '../../../lambdas/domain/errors';
import { csvField, fieldNeedsQuotes } from '../../../lambdas/domain/csv/writer';

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

// Latin-1 text of lengths that take every path of ByteWriter.text/textRange (< 24, < 48, longer) and of the
// varint (one byte below 128, two above).
const latin1Char = fc.oneof(
  { arbitrary: fc.constantFrom('a', 'Z', '0', ' ', ',', '"', '\n', '\r'), weight: 3 },
  { arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 0xff }).map((code) => String.fromCharCode(code)), weight: 1 },
);
const shortText = fc.array(latin1Char, { maxLength: 12 }).map((chars) => chars.join(''));
const anyText = fc.oneof(
  { arbitrary: shortText, weight: 6 },
  { arbitrary: fc.array(latin1Char, { minLength: 20, maxLength: 60 }).map((chars) => chars.join('')), weight: 2 },
  { arbitrary: fc.tuple(latin1Char, fc.integer({ min: 120, max: 300 })).map(([c, n]) => c.repeat(n) + 'end'), weight: 1 },
);

/** A position as split makes it: file index * 2^40 + offset, above 2^32 whenever the file index is > 0. */
const position = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 2 ** 40 - 1 })).map(([file, offset]) => file * POSITION_FILE_FACTOR + offset),
  fc.constantFrom(0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 50 * POSITION_FILE_FACTOR + 2 ** 32 + 7, Number.MAX_SAFE_INTEGER),
);
const u32 = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(0, 255, 256, 2 ** 24, 2 ** 31, 2 ** 32 - 1));

// ---------------------------------------------------------------------------------------------------------------
// Routed rows

interface RoutedRow {
  position: number;
  rawLength: number;
  /** Value of each ROUTED_FIELDS column, by slot. */
  values: string[];
  /** Per slot: given as a range of the source (true) or in fields[] with starts = -1 (false). */
  asRange: boolean[];
  fullLine: string | undefined;
  /** Text before the first value in the source (so ranges do not start at 0). */
  sourcePrefix: string;
}

const routedRow: fc.Arbitrary<RoutedRow> = fc.record({
  position,
  rawLength: u32,
  values: fc.array(anyText, { minLength: ROUTED_FIELDS.length, maxLength: ROUTED_FIELDS.length }),
  asRange: fc.array(fc.boolean(), { minLength: ROUTED_FIELDS.length, maxLength: ROUTED_FIELDS.length }),
  fullLine: fc.option(anyText, { nil: undefined }),
  sourcePrefix: shortText,
});

/** Adds a row as split does: values as ranges of one source text, or (starts = -1) as strings in fields. */
function addRoutedRow(builder: RoutedRowsBuilder, row: RoutedRow): void {
  const fields = new Array<string>(FIELD_COUNT).fill('NOT THIS');
  const starts = new Int32Array(FIELD_COUNT).fill(-7); // only routed columns may be read
  const ends = new Int32Array(FIELD_COUNT).fill(-7);
  let source = row.sourcePrefix;
  ROUTED_FIELDS.forEach((column, slot) => {
    const value = row.values[slot];
    if (row.asRange[slot]) {
      starts[column] = source.length;
      source += value;
      ends[column] = source.length;
      source += '|"'; // a separator that is not part of the value
    } else {
      starts[column] = -1;
      ends[column] = 12345; // ignored when starts is -1
      fields[column] = value;
    }
  });
  builder.addRow(row.position, row.rawLength, fields, source + 'tail', starts, ends, row.fullLine);
}

function buildRouted(rows: readonly RoutedRow[], rejected: readonly string[]): Buffer {
  const builder = new RoutedRowsBuilder();
  // Rejected subjects and rows interleaved: the object keeps them apart.
  const mixed = Math.max(rows.length, rejected.length);
  for (let i = 0; i < mixed; i++) {
    if (i < rejected.length) builder.addRejectedSubject(rejected[i]);
    if (i < rows.length) addRoutedRow(builder, rows[i]);
  }
  return Buffer.concat(builder.toBuffers());
}

/** Reads every row as (position, rawLength, fullLine, values read as text and as bytes). */
function readRouted(reader: RoutedRowsReader): unknown[] {
  const rows: unknown[] = [];
  while (reader.next()) {
    const values: string[] = [];
    const bytes: string[] = [];
    for (let slot = 0; slot < ROUTED_FIELDS.length; slot++) {
      values.push(reader.text.slice(reader.starts[slot], reader.ends[slot]));
      bytes.push(reader.bytes.subarray(reader.starts[slot], reader.ends[slot]).toString('hex'));
    }
    rows.push({ position: reader.position, rawLength: reader.rawLength, fullLine: reader.fullLine, values, bytes });
  }
  expect(reader.next()).toBe(false);
  return rows;
}

const expectedRouted = (rows: readonly RoutedRow[]): unknown[] =>
  rows.map((row) => ({
    position: row.position,
    rawLength: row.rawLength,
    fullLine: row.fullLine,
    values: row.values,
    bytes: row.values.map((value) => latin1(value).toString('hex')),
  }));

describe('routed rows', () => {
  test('RoutedRowsBuilder → RoutedRowsReader round-trips positions, lengths, values, full lines and rejected subjects', () => {
    fc.assert(
      fc.property(fc.array(routedRow, { maxLength: 6 }), fc.array(shortText, { maxLength: 4 }), (rows, rejected) => {
        const bytes = buildRouted(rows, rejected);
        if (rows.length === 0 && rejected.length === 0) {
          expect(bytes.length).toBe(0);
        }
        const reader = new RoutedRowsReader(bytes);
        expect(reader.rejectedSubjects).toEqual(rejected);
        expect(reader.rows).toBe(rows.length);
        const expected = expectedRouted(rows);
        expect(readRouted(reader)).toEqual(expected);
        // rewind() reads the same rows again.
        reader.rewind();
        expect(readRouted(reader)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  test('materialise sets exactly the requested columns to the current row values', () => {
    fc.assert(
      fc.property(
        fc.array(routedRow, { minLength: 1, maxLength: 3 }),
        fc.uniqueArray(fc.constantFrom(...ROUTED_FIELDS), { minLength: 1, maxLength: ROUTED_FIELDS.length }),
        (rows, columns) => {
          const reader = new RoutedRowsReader(buildRouted(rows, []));
          const slots = slotsOf(columns);
          for (const row of rows) {
            expect(reader.next()).toBe(true);
            const fields = new Array<string>(FIELD_COUNT).fill('untouched');
            reader.materialise(fields, columns, slots);
            const expected = Array.from({ length: FIELD_COUNT }, (_, column) =>
              columns.includes(column) ? row.values[ROUTED_FIELDS.indexOf(column)] : 'untouched',
            );
            expect(fields).toEqual(expected);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  test('slotsOf rejects a column that is not routed', () => {
    const notRouted = [...Array(FIELD_COUNT).keys()].find((column) => !ROUTED_FIELDS.includes(column))!;
    expect(notRouted).toBeDefined();
    expect(() => slotsOf([ROUTED_FIELDS[0], notRouted])).toThrow(/not routed/);
    expect(() => slotsOf([FIELD_COUNT + 10])).toThrow(/not routed/);
    expect(Array.from(slotsOf([ROUTED_FIELDS[3], ROUTED_FIELDS[0]]))).toEqual([3, 0]);
  });

  test('an empty builder gives no buffers, and a reader over no bytes has no rows', () => {
    expect(new RoutedRowsBuilder().toBuffers()).toEqual([]);
    const reader = new RoutedRowsReader(Buffer.alloc(0));
    expect(reader.rows).toBe(0);
    expect(reader.rejectedSubjects).toEqual([]);
    expect(reader.next()).toBe(false);
    reader.rewind();
    expect(reader.next()).toBe(false);
  });

  test('only rejected subjects: no rows, the subjects are read', () => {
    const builder = new RoutedRowsBuilder();
    builder.addRejectedSubject('S1');
    builder.addRejectedSubject('');
    builder.addRejectedSubject('Ünïcode\u00ff');
    const reader = new RoutedRowsReader(Buffer.concat(builder.toBuffers()));
    expect(reader.rows).toBe(0);
    expect(reader.rejectedSubjects).toEqual(['S1', '', 'Ünïcode\u00ff']);
    expect(reader.next()).toBe(false);
  });

  test('a corrupt header or trailing bytes are FrameFormatErrors', () => {
    expect(() => new RoutedRowsReader(Buffer.from('X\0\0\0\0\0\0\0\0', 'latin1'))).toThrow(FrameFormatError);
    expect(() => new RoutedRowsReader(Buffer.from('R\0\0', 'latin1'))).toThrow(FrameFormatError);
    const builder = new RoutedRowsBuilder();
    builder.addRejectedSubject('S');
    const extra = new RoutedRowsReader(Buffer.concat([...builder.toBuffers(), Buffer.from('junk')]));
    expect(() => extra.next()).toThrow(FrameFormatError);
  });

  test('a truncated object is a FrameFormatError, wherever it is cut', () => {
    fc.assert(
      fc.property(fc.array(routedRow, { minLength: 1, maxLength: 3 }), fc.array(shortText, { maxLength: 2 }), fc.double({ min: 0, max: 1, noNaN: true }), (rows, rejected, at) => {
        const bytes = buildRouted(rows, rejected);
        const cut = Math.min(bytes.length - 1, 1 + Math.floor(at * (bytes.length - 1))); // 0 bytes is an empty object
        expect(() => {
          const reader = new RoutedRowsReader(bytes.subarray(0, cut));
          while (reader.next());
        }).toThrow(FrameFormatError);
      }),
      { numRuns: 500 },
    );
  });

  // Regression: a cut inside a row's values once read a length past the end as NaN and delivered the row.
  test('a row cut inside its values is not delivered when it carries a full line', () => {
    const row: RoutedRow = {
      position: 7,
      rawLength: 20,
      values: ROUTED_FIELDS.map((_, slot) => `value ${slot}`),
      asRange: ROUTED_FIELDS.map(() => false),
      fullLine: 'a,"b\r\nc"',
      sourcePrefix: '',
    };
    const bytes = buildRouted([row, { ...row, position: 8 }], []);
    const reader = new RoutedRowsReader(bytes.subarray(0, 40)); // header 9 + row head 13: cut in the values
    expect(() => reader.next()).toThrow(FrameFormatError);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// ByteWriter

type Op =
  | { kind: 'text'; text: string }
  | { kind: 'textRange'; source: string; start: number; end: number }
  | { kind: 'bytes'; source: Buffer; start: number; end: number }
  | { kind: 'byte'; value: number }
  | { kind: 'u32'; value: number }
  | { kind: 'varint'; value: number }
  | { kind: 'position'; value: number };

const sliceOf = <T extends { length: number }>(source: fc.Arbitrary<T>) =>
  source.chain((s) =>
    fc
      .tuple(fc.nat({ max: s.length }), fc.nat({ max: s.length }))
      .map(([a, b]) => ({ source: s, start: Math.min(a, b), end: Math.max(a, b) })),
  );

const op: fc.Arbitrary<Op> = fc.oneof(
  anyText.map((text) => ({ kind: 'text' as const, text })),
  sliceOf(anyText).map((r) => ({ kind: 'textRange' as const, ...r })),
  sliceOf(fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a))).map((r) => ({ kind: 'bytes' as const, ...r })),
  fc.integer({ min: 0, max: 255 }).map((value) => ({ kind: 'byte' as const, value })),
  u32.map((value) => ({ kind: 'u32' as const, value })),
  u32.map((value) => ({ kind: 'varint' as const, value })),
  position.map((value) => ({ kind: 'position' as const, value })),
);

/** The bytes an op must append, computed independently of ByteWriter. */
function expectedBytes(o: Op): Buffer {
  switch (o.kind) {
    case 'text':
      return latin1(o.text);
    case 'textRange':
      return latin1(o.source.slice(o.start, o.end));
    case 'bytes':
      return Buffer.from(o.source.subarray(o.start, o.end));
    case 'byte':
      return Buffer.from([o.value]);
    case 'u32': {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(o.value);
      return b;
    }
    case 'varint': {
      const out: number[] = [];
      let v = BigInt(o.value);
      do {
        const low = Number(v & 0x7fn);
        v >>= 7n;
        out.push(v > 0n ? low | 0x80 : low);
      } while (v > 0n);
      return Buffer.from(out);
    }
    case 'position': {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(o.value));
      return b;
    }
  }
}

function apply(writer: ByteWriter, o: Op): void {
  switch (o.kind) {
    case 'text':
      return writer.text(o.text);
    case 'textRange':
      return writer.textRange(o.source, o.start, o.end);
    case 'bytes':
      return writer.bytes(o.source, o.start, o.end);
    case 'byte':
      return writer.byte(o.value);
    case 'u32':
      return writer.u32(o.value);
    case 'varint':
      return writer.varint(o.value);
    case 'position':
      return writer.position(o.value);
  }
}

describe('ByteWriter', () => {
  test('quotedBytes writes what csvField writes for a field that needs quotes, after other bytes and across growth', () => {
    fc.assert(
      fc.property(anyText, anyText, fc.integer({ min: 1, max: 8 }), (before, field, capacity) => {
        const bytes = latin1(`${before}${field}`);
        fc.pre(fieldNeedsQuotes(bytes, before.length, bytes.length));
        const writer = new ByteWriter(capacity);
        writer.text(before);
        writer.quotedBytes(bytes, before.length, bytes.length);
        expect(writer.take().toString('latin1')).toBe(`${before}${csvField(field)}`);
      }),
      { numRuns: 300 },
    );
    // The check can fail: a quote in the field is doubled, as csvField doubles it.
    const writer = new ByteWriter(4);
    writer.quotedBytes(latin1('a"b'), 0, 3);
    expect(writer.take().toString('latin1')).toBe('"a""b"');
  });

  test('text, textRange, bytes, byte, u32, varint and position append the expected bytes across growth', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), fc.integer({ min: 1, max: 8 }), (ops, capacity) => {
        const writer = new ByteWriter(capacity);
        const expected: Buffer[] = [];
        for (const o of ops) {
          apply(writer, o);
          expected.push(expectedBytes(o));
          expect(writer.length).toBe(expected.reduce((n, b) => n + b.length, 0));
        }
        const taken = writer.take();
        expect(taken.equals(Buffer.concat(expected))).toBe(true);
        // take() starts afresh and the taken bytes stay as they were.
        expect(writer.length).toBe(0);
        const copy = Buffer.from(taken);
        writer.text('overwrite?'.repeat(3));
        writer.u32(0xdeadbeef);
        expect(taken.equals(copy)).toBe(true);
        expect(writer.take().equals(Buffer.concat([latin1('overwrite?'.repeat(3)), Buffer.from([0xef, 0xbe, 0xad, 0xde])]))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('u32 into a place reserved earlier, after the buffer grew', () => {
    const writer = new ByteWriter(2);
    writer.byte(0xaa);
    const at = writer.length;
    writer.ensure(4);
    writer.length += 4;
    writer.text('x'.repeat(100)); // grows past the reserved place
    writer.u32(0x01020304, at);
    const bytes = writer.take();
    expect(bytes.length).toBe(105);
    expect([...bytes.subarray(0, 5)]).toEqual([0xaa, 4, 3, 2, 1]);
    expect(bytes.toString('latin1', 5)).toBe('x'.repeat(100));
  });

  test('examples: varint and position encodings', () => {
    const writer = new ByteWriter(1);
    writer.varint(0);
    writer.varint(127);
    writer.varint(128);
    writer.varint(300);
    writer.position(2 ** 32 + 5);
    writer.position(50 * POSITION_FILE_FACTOR + 3);
    expect([...writer.take()]).toEqual([0, 127, 0x80, 1, 0xac, 2, 5, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0x00, 0x32, 0, 0]);
  });

  test('u32 out of range throws FrameFormatError', () => {
    const writer = new ByteWriter(4);
    for (const value of [-1, 2 ** 32, 2 ** 40, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => writer.u32(value)).toThrow(FrameFormatError);
    }
    expect(() => writer.position(-1)).toThrow(FrameFormatError);
    expect(writer.length).toBe(0);
    writer.u32(2 ** 32 - 1);
    expect([...writer.take()]).toEqual([255, 255, 255, 255]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Classified rows

interface ClassifiedRow {
  position: number;
  flags: number;
  rawLength: number;
  full: string;
  condensed: string;
  columns: string;
}

const classifiedRow: fc.Arbitrary<ClassifiedRow> = fc.record({
  position,
  flags: fc.integer({ min: 0, max: 255 }),
  rawLength: u32,
  full: fc.oneof(fc.constant(''), anyText),
  condensed: anyText,
  columns: anyText,
});

/** Writes rows as classify does, handing out pieces with take() after some rows. */
function writeClassified(rows: readonly ClassifiedRow[], takeAfter: readonly boolean[]): Buffer {
  const out = new ByteWriter(3);
  const pieces: Buffer[] = [];
  rows.forEach((row, i) => {
    const lengths = startClassifiedRow(out, row.position, row.flags, row.rawLength);
    let mark = out.length;
    out.text(row.full);
    const fullLength = out.length - mark;
    mark = out.length;
    // The condensed section copied as bytes, the columns as text (both ways classify writes).
    const condensed = latin1(`..${row.condensed}..`);
    out.bytes(condensed, 2, condensed.length - 2);
    const condensedLength = out.length - mark;
    mark = out.length;
    out.text(row.columns);
    finishClassifiedRow(out, lengths, fullLength, condensedLength, out.length - mark);
    if (takeAfter[i % takeAfter.length]) pieces.push(out.take());
  });
  pieces.push(out.take());
  return Buffer.concat(pieces);
}

/** `bytes` cut at the given points (sorted, duplicates give empty chunks). */
function chunksOf(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

async function* streamOf(chunks: readonly Buffer[]): AsyncGenerator<Buffer> {
  for (const chunk of chunks) yield chunk;
}

/**
 * The chunks as a store hands them out with ReadOptions.reuseBuffer: each one in the same buffer, which is
 * overwritten (first with junk) as soon as the next is asked for.
 */
async function* reusedBufferStreamOf(chunks: readonly Buffer[]): AsyncGenerator<Buffer> {
  const buffer = Buffer.alloc(Math.max(1, ...chunks.map((chunk) => chunk.length)));
  for (const chunk of chunks) {
    buffer.fill(0xee);
    chunk.copy(buffer);
    yield buffer.subarray(0, chunk.length);
  }
  buffer.fill(0xee);
}

async function readClassified(chunks: readonly Buffer[], reuse = false): Promise<ClassifiedRow[]> {
  const reader = new ClassifiedRowReader(reuse ? reusedBufferStreamOf(chunks) : streamOf(chunks));
  const rows: ClassifiedRow[] = [];
  while (await reader.next()) {
    const b = reader.buffer;
    expect(reader.fullStart).toBeLessThanOrEqual(reader.condensedStart);
    expect(reader.condensedStart).toBeLessThanOrEqual(reader.columnsStart);
    expect(reader.columnsStart).toBeLessThanOrEqual(reader.columnsEnd);
    expect(reader.columnsEnd).toBeLessThanOrEqual(b.length);
    rows.push({
      position: reader.position,
      flags: reader.flags,
      rawLength: reader.rawLength,
      full: b.toString('latin1', reader.fullStart, reader.condensedStart),
      condensed: b.toString('latin1', reader.condensedStart, reader.columnsStart),
      columns: b.toString('latin1', reader.columnsStart, reader.columnsEnd),
    });
  }
  return rows;
}

/** Byte offsets where each row starts, and the total. */
function rowBoundaries(rows: readonly ClassifiedRow[]): number[] {
  const boundaries = [0];
  for (const row of rows) boundaries.push(boundaries[boundaries.length - 1] + 25 + row.full.length + row.condensed.length + row.columns.length);
  return boundaries;
}

describe('classified rows', () => {
  test('every field and section round-trips through any chunking of the stream', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(classifiedRow, { maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (rows, takeAfter, cuts) => {
          const bytes = writeClassified(rows, takeAfter);
          expect(bytes.length).toBe(rowBoundaries(rows)[rows.length]);
          expect(await readClassified(chunksOf(bytes, cuts))).toEqual(rows);
          expect(await readClassified(chunksOf(bytes, cuts), true)).toEqual(rows);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a stream cut inside a row is a FrameFormatError; cut between rows, it reads the rows before', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(classifiedRow, { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (rows, at, cuts) => {
          const bytes = writeClassified(rows, [false]);
          const boundaries = rowBoundaries(rows);
          const end = at % bytes.length; // strictly before the end
          const truncated = bytes.subarray(0, end);
          const whole = boundaries.indexOf(end);
          if (whole >= 0) {
            expect(await readClassified(chunksOf(truncated, cuts))).toEqual(rows.slice(0, whole));
          } else {
            await expect(readClassified(chunksOf(truncated, cuts))).rejects.toThrow(FrameFormatError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('cut one byte into the next row, or inside its header', async () => {
    const rows: ClassifiedRow[] = [
      { position: 2 * POSITION_FILE_FACTOR + 17, flags: 3, rawLength: 40, full: 'a,"b\nc"', condensed: 'x,y', columns: 'Yes,No' },
      { position: 2 * POSITION_FILE_FACTOR + 60, flags: 0, rawLength: 9, full: '', condensed: '', columns: '' },
    ];
    const bytes = writeClassified(rows, [true]);
    const first = rowBoundaries(rows)[1];
    expect(await readClassified([bytes])).toEqual(rows);
    expect(await readClassified([bytes.subarray(0, first)])).toEqual(rows.slice(0, 1));
    for (const end of [first + 1, first + 12, first + 24]) {
      await expect(readClassified([bytes.subarray(0, end)])).rejects.toThrow(FrameFormatError);
    }
    // An empty row (25 header bytes, no sections) is whole.
    expect(bytes.length - first).toBe(25);
    expect(await readClassified([])).toEqual([]);
  });
});
