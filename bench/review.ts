/**
 * The review at scale (`npm run bench -- --review-rows N --review-decisions K`): classifies a generated extract of N
 * rows under los-angeles-2020, writes a decision file of K lines from its review list (Dismiss, Reduce on felonies,
 * Deny, Defer in turn) and measures `clearance review apply --results` on it in a child process: wall time and
 * peak RSS. The apply is the one Finalize runs (lambdas/domain/review/apply.ts).
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, promises as fs, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { once } from 'node:events';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { csvLine } from '../lambdas/domain/csv/writer';
import { headerIndices, readCsvRecords } from '../lambdas/domain/review/csv-records';

export interface ReviewBenchOptions {
  /** The generated extract (bench.ts `generated`) and its row count. */
  file: string;
  rows: number;
  decisions: number;
  cli: string;
  preload: string;
  cache: string;
}

export interface ReviewMeasurement {
  rows: number;
  reviewListLines: number;
  decisionLines: number;
  decisionFileMb: number;
  classifySeconds: number;
  seconds: number;
  peakRssMb: number;
}

const MB = 1024 * 1024;
const DECISIONS = ['Dismiss', 'Reduce', 'Deny', 'Defer'] as const;

function run(args: string[], what: string): { stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (result.status !== 0) throw new Error(`${what} failed: ${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr };
}

/** The first `count` convictions of the review list as a decision file; returns the lines written and the list's size. */
async function writeDecisionFile(reviewList: string, count: number, file: string): Promise<{ written: number; listLines: number }> {
  const out = createWriteStream(file);
  out.write('Conviction ID,Decision,Decision Reason,Reviewer,Decision Date\n');
  let at: Record<'Conviction ID' | 'Offense Level', number> | undefined;
  let written = 0;
  let listLines = 0;
  for await (const line of createInterface({ input: createReadStream(reviewList, { encoding: 'latin1' }), crlfDelay: Infinity })) {
    const record = readCsvRecords(line).records[0];
    if (at === undefined) {
      const header = headerIndices(record, ['Conviction ID', 'Offense Level'] as const);
      if ('problems' in header) throw new Error(`review_list.csv: ${header.problems[0].message}`);
      at = header.indices;
      continue;
    }
    listLines++;
    if (written >= count) continue;
    let decision: string = DECISIONS[written % DECISIONS.length];
    if (decision === 'Reduce' && record.fields[at['Offense Level']] !== 'Felony') decision = 'Dismiss';
    if (!out.write(`${csvLine([record.fields[at['Conviction ID']], decision, 'Bench decision', 'Bench Reviewer', '2024-03-01'])}\n`)) await once(out, 'drain');
    written++;
  }
  out.end();
  await once(out, 'finish');
  return { written, listLines };
}

export async function reviewBench(options: ReviewBenchOptions): Promise<ReviewMeasurement> {
  const out = path.join(options.cache, 'review-out');
  rmSync(out, { recursive: true, force: true });
  process.stderr.write(`review bench: classifying ${options.rows} rows (los-angeles-2020)...\n`);
  const classifyStarted = process.hrtime.bigint();
  const classified = run([options.cli, 'classify', '--input', options.file, '--county', 'LOS ANGELES', '--policy', 'los-angeles-2020',
    '--compute-at', '2020-07-01', '--out', out], 'clearance classify');
  const classifySeconds = Number(process.hrtime.bigint() - classifyStarted) / 1e9;
  const results = path.join(classified.stdout.trim().split('\n').pop() ?? out, 'results');
  const reviewList = path.join(results, 'review_list.csv');
  if (!existsSync(reviewList)) throw new Error(`no review list in ${results}`);
  const decisionFile = path.join(options.cache, `review-decisions-${options.decisions}.csv`);
  const { written, listLines } = await writeDecisionFile(reviewList, options.decisions, decisionFile);
  process.stderr.write(`review bench: applying ${written} decisions to a review list of ${listLines} convictions...\n`);
  const started = process.hrtime.bigint();
  const applied = run(['-r', options.preload, options.cli, 'review', 'apply', '--results', results, '--decisions', decisionFile], 'clearance review apply');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const reports = [...applied.stderr.matchAll(/BENCH_RUSAGE (.*)/g)].map((match) => JSON.parse(match[1]) as { maxRssKb: number });
  if (reports.length === 0) throw new Error('clearance review apply: no BENCH_RUSAGE report on stderr');
  const report = JSON.parse(readFileSync(path.join(results, 'reviews', 'review_report.json'), 'utf8')) as { status: string };
  if (report.status !== 'APPLIED') throw new Error(`clearance review apply: ${report.status}`);
  const measurement = {
    rows: options.rows,
    reviewListLines: listLines,
    decisionLines: written,
    decisionFileMb: statSync(decisionFile).size / MB,
    classifySeconds,
    seconds,
    peakRssMb: Math.max(...reports.map((r) => r.maxRssKb)) / 1024,
  };
  rmSync(out, { recursive: true, force: true });
  return measurement;
}

export function reviewTable(m: ReviewMeasurement): string {
  return [
    '| extract rows | review list (convictions) | decision lines | decision file | `review apply` wall | peak RSS |',
    '|---:|---:|---:|---:|---:|---:|',
    `| ${m.rows.toLocaleString('en-US')} | ${m.reviewListLines.toLocaleString('en-US')} | ${m.decisionLines.toLocaleString('en-US')} | ${m.decisionFileMb.toFixed(1)} MB | ${m.seconds.toFixed(2)} s | ${m.peakRssMb.toFixed(0)} MB |`,
  ].join('\n');
}

/**
 * The review bench as a Markdown section of the bench's report; with `only`, also printed on stdout and saved as
 * bench/results/review-<time>.json (the rest of the bench is skipped).
 */
export async function reviewBenchSection(options: {
  rows: number; decisions: number; generated: (rows: number) => Promise<string>; cli: string; preload: string; cache: string; resultsDir: string; only: boolean;
}): Promise<string> {
  const measured = await reviewBench({ file: await options.generated(options.rows), rows: options.rows, decisions: options.decisions, cli: options.cli, preload: options.preload, cache: options.cache });
  const section = `\n## The review: \`clearance review apply\` (one process, as one Finalize invocation)\n\n${reviewTable(measured)}\n`;
  process.stderr.write(`${section}\n`);
  if (options.only) {
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GB, Node ${process.version}, load ${loadavg()[0].toFixed(2)}`;
    mkdirSync(options.resultsDir, { recursive: true });
    await fs.writeFile(path.join(options.resultsDir, `review-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ machine, review: measured }, null, 2));
    process.stdout.write(`# Review benchmark (${new Date().toISOString().slice(0, 10)})\n\nMachine: ${machine}\n${section}`);
  }
  return section;
}
