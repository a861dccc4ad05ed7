/**
 * The monthly bench (docs/monthly.md): a month-2 `clearance classify --previous` of N rows against the N-row
 * register of month 1, beside month 1's own classify (same size, no comparison): wall time, peak RSS and the
 * Compare phase. Two sizes, so that the comparison's memory can be seen flat in the register's size. With
 * `decisions` > 0, month 1's review first decides that many convictions (`review apply --results`), which month 2
 * routes to its partitions and carries forward (docs/monthly.md).
 *
 *   node dist/bench/monthly.js --rows 500000 [--decisions 10000]   (npm run bench: --monthly-rows, --monthly-decisions)
 */
import { spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createReadStream, createWriteStream, existsSync, mkdirSync, promises as fs, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  /** Month 2: decisions of month 1's review carried forward, and those sent back (changed since decided). */
  decisionsCarried?: number;
  changedSinceDecided?: number;
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

/** Month 1's review: a decision file deciding the first `count` convictions of its review list, applied to its results. */
async function reviewMonth1(runDir: string, count: number): Promise<void> {
  const results = path.join(runDir, 'results');
  const lines = ['Conviction ID,Decision,Decision Reason,Reviewer,Decision Date'];
  const reader = createInterface({ input: createReadStream(path.join(results, 'review_list.csv'), 'latin1'), crlfDelay: Infinity });
  for await (const line of reader) {
    if (lines.length > count) break;
    if (line.startsWith('cv-')) lines.push(`${line.slice(0, line.indexOf(','))},Deny,Open case for the same conduct,B. Bench,2024-03-01`);
  }
  reader.close();
  const file = path.join(runDir, '..', 'decisions.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const result = spawnSync(process.execPath, [CLI, 'review', 'apply', '--results', results, '--decisions', file], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (result.status !== 0) throw new Error(`clearance review apply failed: ${result.stderr}`);
}

/** Month 1 (and its review, with `decisions` > 0) then month 2 --previous month 1, at `rows`. */
export async function monthlyPair(rows: number, decisions = 0): Promise<MonthlyMeasurement[]> {
  mkdirSync(CACHE, { recursive: true });
  const [first, second] = [await extract(rows, false), await extract(rows, true)];
  const out = path.join(CACHE, `monthly-out-${rows}`);
  rmSync(out, { recursive: true, force: true });
  const policy = path.join(CACHE, 'monthly-policy.json');
  writeFileSync(policy, JSON.stringify(POLICY));
  const month1 = classify(first, out, policy);
  if (decisions > 0) await reviewMonth1(month1.runDir, decisions);
  const month2 = classify(second, out, policy, month1.runDir);
  const summary = JSON.parse(readFileSync(path.join(month2.runDir, 'reports', 'summary.json'), 'utf8')) as {
    timings: Record<string, number>; sinceLastRun: { changes: Record<string, number>; decisionsCarried: number; changedSinceDecided: number };
  };
  rmSync(out, { recursive: true, force: true });
  return [
    { rows, month: 1, seconds: month1.seconds, peakRssMb: month1.peakRssMb, compareSeconds: 0, changes: {} },
    {
      rows, month: 2, seconds: month2.seconds, peakRssMb: month2.peakRssMb, compareSeconds: summary.timings.compare ?? 0, changes: summary.sinceLastRun.changes,
      decisionsCarried: summary.sinceLastRun.decisionsCarried, changedSinceDecided: summary.sinceLastRun.changedSinceDecided,
    },
  ];
}

/** The Markdown section: a line per run, sizes in order. */
export async function monthlyBench(sizes: readonly number[], decisions = 0): Promise<string> {
  const lines = ['| rows | run | wall s | Compare s | peak RSS MB | changes | decisions carried / changed since decided |', '|---|---|---|---|---|---|---|'];
  for (const rows of sizes) {
    for (const m of await monthlyPair(rows, decisions)) {
      process.stderr.write(`monthly ${rows} month ${m.month}: ${m.seconds.toFixed(2)} s, ${m.peakRssMb.toFixed(0)} MB\n`);
      const changes = Object.entries(m.changes).map(([kind, count]) => `${kind} ${count}`).join(', ');
      const carried = m.decisionsCarried === undefined ? '–' : `${m.decisionsCarried} / ${m.changedSinceDecided}`;
      const run = m.month === 1 ? `month 1 (register written${decisions > 0 ? `, ${decisions} decided` : ''})` : 'month 2 --previous month 1';
      lines.push(`| ${rows.toLocaleString('en-US')} | ${run} | ${m.seconds.toFixed(2)} | ${m.compareSeconds.toFixed(2)} | ${m.peakRssMb.toFixed(0)} | ${changes || '–'} | ${carried} |`);
    }
  }
  return lines.join('\n');
}

if (require.main === module) {
  const at = process.argv.indexOf('--rows');
  const sizes = (at > 0 ? process.argv[at + 1] : '500000').split(',').map(Number).filter((n) => n > 0);
  const decisionsAt = process.argv.indexOf('--decisions');
  monthlyBench(sizes, decisionsAt > 0 ? Number(process.argv[decisionsAt + 1]) : 0)
    .then((markdown) => process.stdout.write(`${markdown}\n`))
    .catch((error: Error) => {
      process.stderr.write(`bench monthly: ${error.message}\n`);
      process.exitCode = 1;
    });
}
