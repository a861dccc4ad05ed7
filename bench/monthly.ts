/**
 * The monthly bench (docs/monthly.md): a month-2 `clearance classify --previous` of N rows against the N-row
 * register of month 1, beside month 1's own classify (same size, no comparison): wall time, peak RSS and the
 * Compare phase. Two sizes, so that the comparison's memory can be seen flat in the register's size.
 *
 *   node dist/bench/monthly.js --rows 500000        (npm run bench runs it with --monthly-rows)
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, promises as fs, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { generateExtract, peopleForRows } from '../tools/generator';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'clearance.js');
const PRELOAD = path.join(__dirname, 'rusage-preload.js');
const CACHE = path.join(tmpdir(), 'record-clearance-bench');
const POLICY = { baselineEligibility: { reduce: ['11359', '11360'] } };

export interface MonthlyMeasurement {
  rows: number;
  month: 1 | 2;
  seconds: number;
  peakRssMb: number;
  compareSeconds: number;
  changes: Record<string, number>;
}

async function extract(rows: number, nextMonth: boolean): Promise<string> {
  const file = path.join(CACHE, `monthly-${rows}-${nextMonth ? 'm2' : 'm1'}.csv`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${rows} rows (${nextMonth ? 'next month' : 'month 1'})...\n`);
    const out = createWriteStream(`${file}.tmp`);
    for (const chunk of generateExtract({ county: 'LOS ANGELES', people: peopleForRows(rows), seed: 2026, chunkBytes: 1 << 20, nextMonth })) {
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    await fs.rename(`${file}.tmp`, file);
  }
  return file;
}

function classify(input: string, out: string, policy: string, previous?: string): { runDir: string; seconds: number; peakRssMb: number } {
  const args = ['-r', PRELOAD, CLI, 'classify', '--input', input, '--county', 'LOS ANGELES', '--policy', policy, '--compute-at', '2020-07-01', '--out', out,
    ...(previous === undefined ? [] : ['--previous', previous])];
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 16 << 20 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`clearance classify failed on ${input}: ${result.stderr}`);
  const reports = [...result.stderr.matchAll(/BENCH_RUSAGE (.*)/g)].map((match) => JSON.parse(match[1]) as { maxRssKb: number });
  return { runDir: result.stdout.trim().split('\n').pop()!, seconds, peakRssMb: Math.max(...reports.map((r) => r.maxRssKb)) / 1024 };
}

/** Month 1 then month 2 --previous month 1, at `rows`. */
export async function monthlyPair(rows: number): Promise<MonthlyMeasurement[]> {
  mkdirSync(CACHE, { recursive: true });
  const [first, second] = [await extract(rows, false), await extract(rows, true)];
  const out = path.join(CACHE, `monthly-out-${rows}`);
  rmSync(out, { recursive: true, force: true });
  const policy = path.join(CACHE, 'monthly-policy.json');
  writeFileSync(policy, JSON.stringify(POLICY));
  const month1 = classify(first, out, policy);
  const month2 = classify(second, out, policy, month1.runDir);
  const summary = JSON.parse(readFileSync(path.join(month2.runDir, 'reports', 'summary.json'), 'utf8')) as {
    timings: Record<string, number>; sinceLastRun: { changes: Record<string, number> };
  };
  rmSync(out, { recursive: true, force: true });
  return [
    { rows, month: 1, seconds: month1.seconds, peakRssMb: month1.peakRssMb, compareSeconds: 0, changes: {} },
    { rows, month: 2, seconds: month2.seconds, peakRssMb: month2.peakRssMb, compareSeconds: summary.timings.compare ?? 0, changes: summary.sinceLastRun.changes },
  ];
}

/** The Markdown section: a line per run, sizes in order. */
export async function monthlyBench(sizes: readonly number[]): Promise<string> {
  const lines = ['| rows | run | wall s | Compare s | peak RSS MB | changes |', '|---|---|---|---|---|---|'];
  for (const rows of sizes) {
    for (const m of await monthlyPair(rows)) {
      process.stderr.write(`monthly ${rows} month ${m.month}: ${m.seconds.toFixed(2)} s, ${m.peakRssMb.toFixed(0)} MB\n`);
      const changes = Object.entries(m.changes).map(([kind, count]) => `${kind} ${count}`).join(', ');
      lines.push(`| ${rows.toLocaleString('en-US')} | ${m.month === 1 ? 'month 1 (register written)' : 'month 2 --previous month 1'} | ${m.seconds.toFixed(2)} | ${m.compareSeconds.toFixed(2)} | ${m.peakRssMb.toFixed(0)} | ${changes || '–'} |`);
    }
  }
  return lines.join('\n');
}

if (require.main === module) {
  const at = process.argv.indexOf('--rows');
  const sizes = (at > 0 ? process.argv[at + 1] : '500000').split(',').map(Number).filter((n) => n > 0);
  monthlyBench(sizes)
    .then((markdown) => process.stdout.write(`${markdown}\n`))
    .catch((error: Error) => {
      process.stderr.write(`bench monthly: ${error.message}\n`);
      process.exitCode = 1;
    });
}
