/**
 * Tokenizer benchmark: our DojTokenizer against udsv and papaparse on the same generated DOJ extract.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/tokenize.js [--rows N] [--runs R] [--shape conformance|la]
 *     [--csv-parse] [--keep]
 *
 * Generates (deterministically, in a temp dir) a 95-field file shaped like the DOJ fixtures: quoted
 * "LAST,FIRST M" names, padded fields, quoted runs of spaces, `""` in comments; ~800 bytes a row
 * (see unusedField for the two shapes). Each variant then runs in its own child process (so peak RSS
 * and JIT state are its own), streaming the file from disk in 1 MiB chunks. Reported time is the best of
 * R runs (default 3). Results go to stdout as a Markdown table; record them in bench/README-tokenize.md.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { tokenizeChunks, type RecordInfo, type TokenizerOptions, type TokenizerSink } from '../lambdas/domain/csv/tokenizer';
import { COL, DOJ_COLUMNS } from '../lambdas/domain/columns';
import { mulberry32 } from '../lambdas/domain/mulberry32';

const CHUNK_BYTES = 1024 * 1024;
const WINDOW_BYTES = 64 * 1024;

interface VariantResult {
  variant: string;
  rows: number;
  /** Checksum over the values each variant reads, so no variant can skip work unnoticed. */
  check: number;
  seconds: number;
  /** User + system CPU time: less sensitive than wall time to other processes sharing the cores. */
  cpuSeconds: number;
  peakRssMb: number;
}

type Variant = (file: string) => Promise<{ rows: number; check: number }>;

function fileChunks(file: string, encoding?: BufferEncoding): AsyncIterable<Buffer | string> {
  return createReadStream(file, { highWaterMark: CHUNK_BYTES, ...(encoding ? { encoding } : {}) });
}

/** What the classify phase reads of a row (the rest is copied through with rawText()). */
const RULE_FIELDS = [
  COL.SUBJECT_ID, COL.CII_NUMBER, COL.PRI_NAME, COL.GENDER, COL.PRI_DOB, COL.RACE_CODE, COL.RACE_DESCR,
  COL.CYC_DATE, COL.STP_EVENT_DATE, COL.STP_TYPE_DESCR, COL.STP_ORI_CNTY_NAME, COL.CNT_ORDER, COL.DISP_DATE,
  COL.OFN, COL.OFFENSE_DESCR, COL.OFFENSE_TOC, COL.DISP_DESCR, COL.CONV_STAT_DESCR, COL.SENT_LENGTH,
  COL.SENT_TIME_CODE, COL.COMMENT_TEXT,
];

/** Our tokenizer over the file; the checksum covers SUBJECT_ID, and END_OF_REC too when `fullCheck`. */
async function ours(file: string, options: TokenizerOptions, fullCheck: boolean): Promise<{ rows: number; check: number }> {
  let rows = 0;
  let check = 0;
  const sink: TokenizerSink = {
    record(fields: string[], info: RecordInfo) {
      rows++;
      check += fields[COL.SUBJECT_ID].length + (fullCheck ? fields[info.fieldCount - 1].length : 0);
    },
    reject() {},
    blankLine() {},
  };
  await tokenizeChunks(fileChunks(file), sink, { ...options, lenientFirstRecord: true });
  return { rows, check };
}

/** `fullCheck`: the checksum covers SUBJECT_ID and END_OF_REC lengths, comparable across parsers. */
const VARIANTS: Record<string, { label: string; fullCheck: boolean; run: Variant }> = {
  read: {
    label: 'read + latin1 decode only (floor)',
    fullCheck: false,
    run: async (file) => {
      let check = 0;
      for await (const chunk of fileChunks(file, 'latin1')) check += (chunk as string).length;
      return { rows: 0, check };
    },
  },
  'ours-subject': {
    label: 'ours: boundaries + SUBJECT_ID',
    fullCheck: false,
    run: (file) => ours(file, { wantedFields: [COL.SUBJECT_ID] }, false),
  },
  'ours-all': {
    label: 'ours: all 95 fields',
    fullCheck: true,
    run: (file) => ours(file, {}, true),
  },
  'ours-rules': {
    label: 'ours: 21 rule fields (classify phase)',
    fullCheck: false,
    run: (file) => ours(file, { wantedFields: RULE_FIELDS }, false),
  },
  udsv: {
    label: 'udsv 0.7.3 (chunk API, 64 KiB strings, all fields)',
    fullCheck: true,
    run: async (file) => {
      const { inferSchema, initParser } = require('udsv') as typeof import('udsv');
      let rows = 0;
      let check = 0;
      let parser: ReturnType<typeof initParser> | undefined;
      const onRow = (row: string[]): void => {
        rows++;
        check += row[COL.SUBJECT_ID].length + row[row.length - 1].length;
      };
      for await (const chunk of fileChunks(file)) {
        // Decoded in the same 64 KiB windows as ours (strings of ~1 MB and more scan slower in V8).
        const bytes = chunk as Buffer;
        for (let from = 0; from < bytes.length; from += WINDOW_BYTES) {
          const text = bytes.toString('latin1', from, Math.min(from + WINDOW_BYTES, bytes.length));
          // The header row is consumed by the schema, so the data rows are counted (+1 below).
          parser ??= initParser(inferSchema(text, { col: ',', row: '\n', encl: '"' }));
          parser.chunk<string[]>(text, parser.stringArrs, onRow);
        }
      }
      parser?.end();
      return { rows: rows + 1, check: check + 'SUBJECT_ID'.length + 'END_OF_REC'.length };
    },
  },
  papaparse: {
    label: 'papaparse 5.7.1 (stream, step)',
    fullCheck: true,
    run: async (file) => {
      const Papa = require('papaparse') as typeof import('papaparse');
      let rows = 0;
      let check = 0;
      await new Promise<void>((resolve, reject) => {
        Papa.parse<string[]>(createReadStream(file, { highWaterMark: CHUNK_BYTES, encoding: 'latin1' }), {
          delimiter: ',',
          newline: '\n',
          quoteChar: '"',
          step: (result) => {
            rows++;
            const row = result.data;
            check += row[COL.SUBJECT_ID].length + row[row.length - 1].length;
          },
          complete: () => resolve(),
          error: (error: Error) => reject(error),
        });
      });
      return { rows, check };
    },
  },
  'csv-parse': {
    label: 'csv-parse 6.2.1 (stream)',
    fullCheck: true,
    run: async (file) => {
      const { parse } = require('csv-parse') as typeof import('csv-parse');
      let rows = 0;
      let check = 0;
      const parser = createReadStream(file, { highWaterMark: CHUNK_BYTES, encoding: 'latin1' }).pipe(
        parse({ relax_column_count: true }),
      );
      for await (const row of parser as AsyncIterable<string[]>) {
        rows++;
        check += row[COL.SUBJECT_ID].length + row[row.length - 1].length;
      }
      return { rows, check };
    },
  },
};

const LAST_NAMES = ['SKYWALKER', 'ORGANA', 'SOLO', 'KENOBI', 'DIAZ', 'HALL', 'RUSSELL', 'RODRIGUEZ', 'NGUYEN', 'MÜLLER'];
const FIRST_NAMES = ['LUKE', 'LEIA', 'HAN', 'BEN', 'CARSON', 'KELLY', 'XAVIER', 'JEREMY', 'ANH', 'JOSÉ'];
const OFFENSES = [
  '11357(A) HS-POSSESS CANNABIS',
  '11358 HS-CULTIVATE CANNABIS',
  '11359 HS-POSSESS CANNABIS FOR SALE',
  '11360(A) HS-GIVE/ETC MARIJ OVER 1 OZ/28.5 GRM',
  '459 PC-BURGLARY:SECOND DEGREE',
  '503 VC-TAKE CAR W/OUT OWNERS CONSENT',
  '148.9(A) PC-FALSE ID TO SPECIFIC PEACE OFICERS',
  '853.7 PC-FAIL TO APPEAR AFTER WRITTEN PROMISE',
];
const DISPOSITIONS = ['CONVICTED', 'DISMISSED', 'CONVICTED-JAIL', 'DISMISSED/CHARGE DROPPED', ''];
const COUNTIES = ['LOS ANGELES', 'SACRAMENTO', 'SAN JOAQUIN', 'ALAMEDA'];
const FILLED = new Set<number>([
  COL.SUBJECT_ID, COL.CII_NUMBER, COL.PRI_NAME, COL.PRI_DOB, COL.PRI_SSN, COL.PRI_CDL, COL.GENDER,
  COL.RACE_DESCR, COL.CYC_DATE, COL.STP_EVENT_DATE, COL.STP_TYPE_DESCR, COL.STP_ORI_DESCR,
  COL.STP_ORI_CNTY_NAME, COL.CNT_ORDER, COL.DISP_DATE, COL.OFN, COL.OFFENSE_DESCR, COL.OFFENSE_TOC,
  COL.DISP_DESCR, COL.CONV_STAT_DESCR, COL.SENT_LENGTH, COL.SENT_TIME_CODE, COL.CYC_AGE, COL.COMMENT_TEXT,
]);

function date(random: () => number): string {
  const year = 1970 + Math.floor(random() * 50);
  const month = 1 + Math.floor(random() * 12);
  const day = 1 + Math.floor(random() * 28);
  return `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
}

function digits(random: () => number, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += Math.floor(random() * 10);
  return out;
}

function quote(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

/**
 * Unused fields, as the fixtures carry them. `conformance`: blanks, `x`, space-padded values and quoted
 * runs of spaces (conformance/input.csv, padded to ~800 bytes a row). `la`: mostly quoted `"  -  "`
 * placeholders (reference-run-la50k/input.csv): far more quotes per row.
 */
function unusedField(random: () => number, shape: Shape): string {
  const pick = random();
  if (shape === 'la') return pick < 0.7 ? '"  -  "' : pick < 0.85 ? '' : pick < 0.95 ? 'x       ' : quote('        x');
  if (pick < 0.3) return '';
  if (pick < 0.55) return 'x';
  if (pick < 0.75) return 'x'.padEnd(5 + Math.floor(random() * 12), ' ');
  if (pick < 0.95) return quote(' '.repeat(8 + Math.floor(random() * 17)));
  return '"  -  "';
}

type Shape = 'conformance' | 'la';

/** One person's rows share identity fields, as in real extracts. */
function* generateRows(random: () => number, rowCount: number, shape: Shape): Generator<string> {
  let produced = 0;
  let subject = 10_000_000;
  while (produced < rowCount) {
    subject += 1 + Math.floor(random() * 3);
    const name = `${LAST_NAMES[Math.floor(random() * LAST_NAMES.length)]},${FIRST_NAMES[Math.floor(random() * FIRST_NAMES.length)]} ${String.fromCharCode(65 + Math.floor(random() * 26))}`;
    const identity = { cii: digits(random, 10), dob: date(random), ssn: digits(random, 9), cdl: `T${digits(random, 7)}` };
    const personRows = 1 + Math.floor(random() * 20);
    for (let r = 0; r < personRows && produced < rowCount; r++, produced++) {
      const fields: string[] = [];
      for (let i = 0; i < DOJ_COLUMNS.length; i++) {
        if (!FILLED.has(i)) {
          fields.push(unusedField(random, shape));
          continue;
        }
        switch (i) {
          case COL.SUBJECT_ID: fields.push(String(subject)); break;
          case COL.CII_NUMBER: fields.push(identity.cii); break;
          case COL.PRI_NAME: fields.push(quote(name)); break;
          case COL.PRI_DOB: fields.push(identity.dob); break;
          case COL.PRI_SSN: fields.push(identity.ssn); break;
          case COL.PRI_CDL: fields.push(identity.cdl); break;
          case COL.GENDER: fields.push(random() < 0.5 ? 'M' : 'F'); break;
          case COL.RACE_DESCR: fields.push('HISPANIC'); break;
          case COL.STP_TYPE_DESCR: fields.push(random() < 0.5 ? 'COURT ACTION' : 'ARREST/DETAINED/CITED'); break;
          case COL.STP_ORI_DESCR: fields.push('CASCSACRAMENTO'); break;
          case COL.STP_ORI_CNTY_NAME: fields.push(COUNTIES[Math.floor(random() * COUNTIES.length)]); break;
          case COL.CNT_ORDER: fields.push(`10${1 + Math.floor(random() * 9)}00${1 + Math.floor(random() * 9)}001000`); break;
          case COL.OFN: fields.push(random() < 0.5 ? '' : digits(random, 8)); break;
          case COL.OFFENSE_DESCR: fields.push(OFFENSES[Math.floor(random() * OFFENSES.length)]); break;
          case COL.OFFENSE_TOC: fields.push(random() < 0.5 ? 'F' : 'M'); break;
          case COL.DISP_DESCR: fields.push(DISPOSITIONS[Math.floor(random() * DISPOSITIONS.length)]); break;
          case COL.CONV_STAT_DESCR: fields.push(random() < 0.5 ? 'FELONY' : 'MISDEMEANOR'); break;
          case COL.SENT_LENGTH: fields.push(random() < 0.8 ? '' : String(1 + Math.floor(random() * 99))); break;
          case COL.SENT_TIME_CODE: fields.push(random() < 0.8 ? '' : 'DMY'[Math.floor(random() * 3)]); break;
          case COL.CYC_AGE: fields.push(String(18 + Math.floor(random() * 50))); break;
          case COL.COMMENT_TEXT:
            fields.push(random() < 0.1 ? quote('SEE "ORIGINAL" DOCKET, PAGE 2') : 'THIS IS A COMMENT                                   ');
            break;
          default: fields.push(date(random)); // the date columns
        }
      }
      yield fields.join(',') + '\n';
    }
  }
}

async function generateFile(file: string, rows: number, shape: Shape): Promise<void> {
  const out = createWriteStream(file, { encoding: 'latin1' });
  const random = mulberry32(20191111);
  let batch = DOJ_COLUMNS.join(',') + '\n';
  for (const row of generateRows(random, rows, shape)) {
    batch += row;
    if (batch.length > CHUNK_BYTES) {
      if (!out.write(batch, 'latin1')) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch, 'latin1');
  await once(out, 'finish');
}

function argValue(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

async function child(variantName: string, file: string): Promise<void> {
  const variant = VARIANTS[variantName];
  if (variant === undefined) throw new Error(`unknown variant ${variantName}`);
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  const { rows, check } = await variant.run(file);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStarted);
  const result: VariantResult = {
    variant: variantName,
    rows,
    check,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(result));
}

function runChild(variant: string, file: string): VariantResult {
  const run = spawnSync(process.execPath, [__filename, '--child', variant, '--file', file], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`variant ${variant} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as VariantResult;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const childVariant = argValue(args, '--child');
  if (childVariant !== undefined) {
    await child(childVariant, argValue(args, '--file')!);
    return;
  }
  const rows = Number(argValue(args, '--rows') ?? 500_000);
  const runs = Number(argValue(args, '--runs') ?? 3);
  if (!Number.isSafeInteger(rows) || rows < 1) throw new Error(`--rows must be a positive integer, got ${argValue(args, '--rows')}`);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${argValue(args, '--runs')}`);
  const shape = argValue(args, '--shape') ?? 'conformance';
  if (shape !== 'conformance' && shape !== 'la') throw new Error(`--shape must be conformance or la, got ${shape}`);
  const variants = ['read', 'ours-all', 'ours-subject', 'ours-rules', 'udsv', 'papaparse', ...(args.includes('--csv-parse') ? ['csv-parse'] : [])];

  const dir = mkdtempSync(join(tmpdir(), 'tokenize-bench-'));
  const file = join(dir, 'extract.csv');
  try {
    const generated = Date.now();
    await generateFile(file, rows, shape);
    const bytes = statSync(file).size;
    const mb = bytes / (1024 * 1024);
    console.log(`generated ${rows} rows + header, shape ${shape}, ${mb.toFixed(1)} MiB (${(bytes / (rows + 1)).toFixed(0)} bytes/row) in ${((Date.now() - generated) / 1000).toFixed(1)} s: ${file}`);
    console.log(`node ${process.version}, best of ${runs} runs (by wall time), each variant in its own process, 1 MiB chunks, load average ${loadavg()[0].toFixed(1)}\n`);
    console.log('| variant | rows | MiB | seconds | CPU s | MiB/s | rows/s | peak RSS MiB |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    const reference = new Map<string, number>();
    for (const variant of variants) {
      let best: VariantResult | undefined;
      for (let run = 0; run < runs; run++) {
        const result = runChild(variant, file);
        if (best === undefined || result.seconds < best.seconds) best = result;
      }
      const result = best!;
      // Every parser must see the same rows (header included) and the same SUBJECT_ID/END_OF_REC lengths.
      if (variant === 'ours-all') {
        reference.set('rows', result.rows);
        reference.set('check', result.check);
      } else if (variant !== 'read') {
        const rowsDiffer = reference.get('rows') !== result.rows;
        if (rowsDiffer || (VARIANTS[variant].fullCheck && reference.get('check') !== result.check)) {
          console.log(`WARNING: ${variant} read ${result.rows} rows (check ${result.check}); ours-all read ${reference.get('rows')} (check ${reference.get('check')})`);
        }
      }
      console.log(
        `| ${VARIANTS[variant].label} | ${result.rows} | ${mb.toFixed(0)} | ${result.seconds.toFixed(2)} | ${result.cpuSeconds.toFixed(2)} | ${(mb / result.seconds).toFixed(0)} | ${Math.round(result.rows / result.seconds)} | ${result.peakRssMb.toFixed(0)} |`,
      );
    }
  } finally {
    if (args.includes('--keep')) console.log(`kept ${file}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
