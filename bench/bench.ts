/**
 * `npm run bench`: generates extracts, runs `clearance classify` on them in child processes, and prints
 * wall time, rows/s, MB/s, peak RSS and the single tokenize pass floor. Not a test: it prints figures.
 *
 *   npm run bench                      500k and 5M generated rows, plus the reference-shaped 500k extract
 *   npm run bench -- --rows 500000     only these sizes (comma-separated)
 *   npm run bench -- --huge            also 20M rows
 *   npm run bench -- --no-run          only `clearance classify` (not `clearance run` on the embedded stack)
 *   npm run bench -- --run-max-rows 600000   `clearance run` only on inputs up to this size (default: up to 5M rows)
 *   npm run bench -- --repeat 5        runs per command on inputs up to 600k rows (default 3; larger inputs once)
 *   npm run bench -- --no-grid         skip the large-grid run with the cloud's limits on (bench/grid.ts)
 *   npm run bench -- --grid-people 2000 --grid-bytes 4096 --grid-slice-bytes 65536   its size: people generated, range and partition bytes, output slice bytes
 *   npm run bench -- --monthly-rows 500000,5000000   month 2 --previous month 1 at these sizes (bench/monthly.ts); 0: skip
 *   npm run bench -- --monthly-decisions 10000       convictions month 1's review decides (carried into month 2)
 *   npm run bench -- --no-small        skip the small inputs (the conformance case, a 16,000-person county)
 *   npm run bench -- --county-people 16000   the small county's size (generated with seed 7)
 *   npm run bench -- --no-init         skip the Lambda bundles' init times (bench/lambda-init.ts)
 *   npm run bench -- --rows 0 --no-reference-shaped --no-run --no-grid   the small inputs and init times only
 *   npm run bench -- --review-rows 5000000 --review-decisions 200000   the review: a decision file applied to a run
 *   npm run bench -- --only-review     only the review (bench/review.ts); --no-review skips it; --review-task-mb N sizes its ranges and partitions
 *
 * Each repeated command reports its median run (wall time, RSS and phases of that run) and the range of all its
 * runs: this machine's speed drifts by up to ~40% from hour to hour, and one run of a 500k-row input says little.
 * Repeats alternate between `classify` and `run`, so that a drift touches both alike.
 *
 * Fixed cost is the conformance case's wall time (38 rows: nearly all of it is start-up, loading and reports); each
 * input's rows/s beyond it is its rows over (wall time - fixed cost). Targets (issue 21) are checked at the end.
 *
 * Results: a Markdown table on stdout, JSON + Markdown under bench/results/ (latest.md is committed).
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, promises as fs, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import * as path from 'node:path';
import { createGunzip } from 'node:zlib';
import { Command } from 'commander';
import { generateExtract, peopleForRows } from '../tools/generator';
import { ASSEMBLE_THREADS, costTable, cpuShare, DEFAULT_DEPLOYMENT, estimateCost, Throughput } from './cost-model';
import { gridRun } from './grid';
import { monthlyBench } from './monthly';
import { bundleInitTable, measureBundleInit } from './lambda-init';
import { reviewBenchSection } from './review';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'clearance.js');
const PRELOAD = path.join(__dirname, 'rusage-preload.js');
const FLOOR = path.join(__dirname, 'tokenize-floor.js');
const CACHE = path.join(tmpdir(), 'record-clearance-bench');
const DOJ_FIXTURES = path.resolve(ROOT, '..', 'shared', 'fixtures', 'doj');
const LA50K = path.join(DOJ_FIXTURES, 'reference-run-la50k', 'input.csv.gz');
/** The conformance case: the reference tool's published results on 38 rows (shared/fixtures/doj/conformance/run.json). */
const CONFORMANCE = {
  file: path.join(DOJ_FIXTURES, 'conformance', 'input.csv'),
  args: ['--county', 'SACRAMENTO', '--policy', path.join(DOJ_FIXTURES, 'eligibility_options.json'), '--compute-at', '2019-11-11'],
};
const DEFAULT_ARGS = ['--county', 'LOS ANGELES', '--policy', 'reference-default', '--compute-at', '2020-07-01'];
/** Issue 21's targets on this machine. */
const TARGETS = { conformanceSeconds: 0.3, countySeconds: 1.3, referenceTimesFloor: 3.5, bundleInitMs: 150 };
const MB = 1024 * 1024;
/** Inputs up to this many rows are measured --repeat times (larger ones take minutes: once). */
const REPEAT_MAX_ROWS = 600_000;

interface Measurement {
  input: string;
  rows: number;
  megabytes: number;
  command: string;
  seconds: number;
  rowsPerSecond: number;
  megabytesPerSecond: number;
  peakRssMb: number;
  floorSeconds: number;
  timesFloor: number;
  phases: Record<string, number>;
  /** Wall seconds of every run of this command on this input (the measurement is their median run). */
  runs: number[];
  /** User + system CPU seconds of the process and its children (the median run's). */
  cpuSeconds: number;
}

async function writeChunks(file: string, chunks: Iterable<string>): Promise<void> {
  const out = createWriteStream(file);
  for (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

async function generated(rows: number): Promise<string> {
  const file = path.join(CACHE, `generated-${rows}.csv`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${rows} rows...\n`);
    await writeChunks(`${file}.tmp`, generateExtract({ county: 'LOS ANGELES', people: peopleForRows(rows), seed: 2026, chunkBytes: 1 << 20 }));
    await fs.rename(`${file}.tmp`, file);
  }
  return file;
}

/** The reference tool's own 50k fixture tiled 10 times with fresh SUBJECT_IDs: ~800-byte rows, as real extracts. */
async function referenceShaped(): Promise<string | undefined> {
  const file = path.join(CACHE, 'reference-shaped-500k.csv');
  if (existsSync(file)) return file;
  if (!existsSync(LA50K)) return undefined;
  process.stderr.write('tiling the la50k fixture to 500k rows...\n');
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(LA50K).pipe(createGunzip())) chunks.push(chunk as Buffer);
  const lines = Buffer.concat(chunks).toString('latin1').split('\n');
  const header = lines[0];
  const body = lines.slice(1).filter((line) => line !== '');
  const copies: string[] = [`${header}\n`];
  for (let copy = 0; copy < 10; copy++) {
    // SUBJECT_ID is the third field and unquoted in this fixture: prefix it so each copy holds other people.
    copies.push(body.map((line) => line.replace(/^((?:"[^"]*"|[^,]*),(?:"[^"]*"|[^,]*),)/, `$1${copy}`)).join('\n') + '\n');
  }
  await writeChunks(`${file}.tmp`, copies);
  await fs.rename(`${file}.tmp`, file);
  return file;
}

function countRows(file: string): number {
  const result = spawnSync('wc', ['-l', file], { encoding: 'utf8' });
  return Number(result.stdout.trim().split(/\s+/)[0]) - 1;
}

function floor(file: string): number {
  const result = spawnSync(process.execPath, [FLOOR, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (result.status !== 0) throw new Error(`tokenize floor failed: ${result.stderr}`);
  return (JSON.parse(result.stdout.trim()) as { seconds: number }).seconds;
}

/** The 16,000-person county of issue 21: `clearance generate --county "LOS ANGELES" --people N --seed 7`. */
async function county(people: number): Promise<string> {
  const file = path.join(CACHE, `county-${people}-seed7.csv`);
  if (!existsSync(file)) {
    process.stderr.write(`generating a ${people}-person county...\n`);
    await writeChunks(`${file}.tmp`, generateExtract({ county: 'LOS ANGELES', people, seed: 7 }));
    await fs.rename(`${file}.tmp`, file);
  }
  return file;
}

/** Runs one `clearance` command in a child process and measures it; phases from its summary.json when it writes one. */
function measure(command: 'classify' | 'run', file: string, rows: number, floorSeconds: number, label: string, requestArgs: readonly string[] = DEFAULT_ARGS): Measurement {
  const out = path.join(CACHE, `${command}-out`);
  const args = ['-r', PRELOAD, CLI, command, '--input', file, ...requestArgs, '--out', out];
  // Each run writes a folder of its own: the previous ones go first (the disk holds a few of these at 5M rows).
  rmSync(out, { recursive: true, force: true });
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 16 << 20 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`clearance ${command} failed on ${file}: ${result.stderr}`);
  // One report per process (the launcher may start the CLI in a child process): the largest is the peak.
  const reports = [...result.stderr.matchAll(/BENCH_RUSAGE (.*)/g)].map((match) => JSON.parse(match[1]) as { maxRssKb: number; userMs: number; systemMs: number });
  if (reports.length === 0) throw new Error(`clearance ${command} on ${file}: no BENCH_RUSAGE report on stderr`);
  const usage = { maxRssKb: Math.max(...reports.map((report) => report.maxRssKb)), cpuMs: reports.reduce((sum, r) => sum + r.userMs + r.systemMs, 0) };
  // classify prints its run's folder (<out>/<runId>/) on stdout; reports/ holds the summary.
  const summaryFile = command === 'classify' ? path.join(result.stdout.trim().split('\n').pop() ?? out, 'reports', 'summary.json') : '';
  const phases = command === 'classify' && existsSync(summaryFile)
    ? (JSON.parse(readFileSync(summaryFile, 'utf8')) as { timings: Record<string, number> }).timings
    : {};
  const megabytes = statSync(file).size / MB;
  return {
    input: label,
    rows,
    megabytes,
    command: `clearance ${command}`,
    seconds,
    rowsPerSecond: rows / seconds,
    megabytesPerSecond: megabytes / seconds,
    peakRssMb: usage.maxRssKb / 1024,
    floorSeconds,
    timesFloor: seconds / floorSeconds,
    phases,
    runs: [seconds],
    cpuSeconds: usage.cpuMs / 1000,
  };
}

/** The median run (the lower of the two middle ones for an even count), carrying every run's wall time. */
function median(measurements: readonly Measurement[]): Measurement {
  const sorted = [...measurements].sort((a, b) => a.seconds - b.seconds);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)], runs: measurements.map((m) => m.seconds) };
}

function runRange(m: Measurement): string {
  if (m.runs.length === 1) return '1 run';
  return `${Math.min(...m.runs).toFixed(2)}-${Math.max(...m.runs).toFixed(2)} (${m.runs.length} runs)`;
}

/** The fixed cost of a command: its wall time on the conformance case, where nearly all of it is start-up and reports. */
function fixedCostOf(measurements: readonly Measurement[], command: string): number | undefined {
  return measurements.find((m) => m.input === CONFORMANCE_LABEL && m.command === command)?.seconds;
}

/** Rows per second once the fixed cost is paid: rows / (wall - fixed cost). */
function beyondFixed(m: Measurement, fixed: number | undefined): string {
  if (fixed === undefined || m.input === CONFORMANCE_LABEL || m.seconds <= fixed) return 'n/a';
  return String(Math.round(m.rows / (m.seconds - fixed)));
}

function table(measurements: Measurement[]): string {
  const lines = [
    '| input | rows | MB | command | wall s (median) | runs: min-max s | CPU s | rows/s | rows/s beyond fixed cost | MB/s | peak RSS MB | tokenize floor s | × floor | split / classify / assemble s |',
    '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const m of measurements) {
    const phases = m.command === 'clearance run' ? 'n/a' : ['split', 'classify', 'assemble'].map((p) => (m.phases[p] ?? 0).toFixed(2)).join(' / ');
    lines.push(
      `| ${m.input} | ${m.rows} | ${m.megabytes.toFixed(0)} | ${m.command} | ${m.seconds.toFixed(2)} | ${runRange(m)} | ${m.cpuSeconds.toFixed(2)} | ${Math.round(m.rowsPerSecond)} | ` +
        `${beyondFixed(m, fixedCostOf(measurements, m.command))} | ` +
        `${m.megabytesPerSecond.toFixed(1)} | ${m.peakRssMb.toFixed(0)} | ${m.floorSeconds.toFixed(2)} | ${m.timesFloor.toFixed(1)} | ${phases} |`,
    );
  }
  return lines.join('\n');
}

const CONFORMANCE_LABEL = 'conformance case';
const COUNTY_LABEL = (people: number) => `county of ${people} people (seed 7)`;

/** Issue 21's targets against this run's figures: met, or by how much not. */
function targetLines(measurements: readonly Measurement[], countyPeople: number, init: { bundles: Array<{ phase: string; initMs: number }> } | undefined): string {
  const classify = (label: string) => measurements.find((m) => m.input === label && m.command === 'clearance classify');
  const lines: string[] = [];
  const verdict = (ok: boolean) => (ok ? 'met' : 'not met');
  const conformance = classify(CONFORMANCE_LABEL);
  if (conformance) lines.push(`- conformance case, \`clearance classify\`: ${conformance.seconds.toFixed(2)} s wall (CPU ${conformance.cpuSeconds.toFixed(2)} s); target < ${TARGETS.conformanceSeconds} s: ${verdict(conformance.seconds < TARGETS.conformanceSeconds)}`);
  const small = classify(COUNTY_LABEL(countyPeople));
  if (small) lines.push(`- ${COUNTY_LABEL(countyPeople)}, \`clearance classify\`: ${small.seconds.toFixed(2)} s wall (CPU ${small.cpuSeconds.toFixed(2)} s); target < ${TARGETS.countySeconds} s: ${verdict(small.seconds < TARGETS.countySeconds)}`);
  const reference = classify('reference-shaped 500k');
  if (reference) lines.push(`- reference-shaped 500k, \`clearance classify\`: ${reference.timesFloor.toFixed(1)} × the tokenize floor (${reference.seconds.toFixed(2)} s / ${reference.floorSeconds.toFixed(2)} s); target ≤ ${TARGETS.referenceTimesFloor} ×: ${verdict(reference.timesFloor <= TARGETS.referenceTimesFloor)}`);
  for (const bundle of init?.bundles ?? []) {
    lines.push(`- ${bundle.phase} bundle init: ${bundle.initMs.toFixed(0)} ms; target < ${TARGETS.bundleInitMs} ms: ${verdict(bundle.initMs < TARGETS.bundleInitMs)}`);
  }
  return lines.length === 0 ? '' : `\n## Targets (issue 21)\n\n${lines.join('\n')}\n`;
}

/**
 * Peak RSS of each command on the smallest and the largest generated input: memory should not grow with the input
 * (the target: flat), only with chunk and partition sizes.
 */
function memoryInSize(generatedRuns: readonly Measurement[]): string {
  const lines: string[] = [];
  for (const command of ['clearance classify', 'clearance run']) {
    const runs = generatedRuns.filter((m) => m.command === command).sort((a, b) => a.rows - b.rows);
    if (runs.length < 2) continue;
    const [small, large] = [runs[0], runs[runs.length - 1]];
    lines.push(
      `- \`${command}\` peak RSS: ${small.peakRssMb.toFixed(0)} MB on ${small.input}, ${large.peakRssMb.toFixed(0)} MB on ${large.input} ` +
        `(×${(large.peakRssMb / small.peakRssMb).toFixed(2)} for ×${(large.rows / small.rows).toFixed(0)} the rows)`,
    );
  }
  return lines.length === 0 ? '' : `\n## Memory in input size\n\n${lines.join('\n')}\n`;
}

/**
 * Single-thread MB/s per phase: split, classify and the assemble slices ran on `workers` threads (Publish's short
 * work counted in with the slices').
 */
function throughputOf(m: Measurement, workers: number): Throughput {
  return {
    splitMbPerSecond: m.megabytes / ((m.phases.split ?? 1) * workers),
    classifyMbPerSecond: m.megabytes / ((m.phases.classify ?? 1) * workers),
    assembleMbPerSecond: m.megabytes / ((m.phases.assemble ?? 1) * workers),
  };
}

/** On paper: a 50M-row extract on the deployed stack, from measured throughput (DESIGN.md "Scale"). */
function scaleTable(throughput: Throughput, bytesPerRow: number): string {
  const rows = 50_000_000;
  const inputMb = (rows * bytesPerRow) / MB;
  const d = DEFAULT_DEPLOYMENT;
  const perRange = d.rangeMb / (throughput.splitMbPerSecond * cpuShare(d.memoryMb.split));
  const perPartition = d.partitionMb / (throughput.classifyMbPerSecond * cpuShare(d.memoryMb.classify));
  const perSlice = d.sliceMb / (throughput.assembleMbPerSecond * cpuShare(d.memoryMb.assemble, ASSEMBLE_THREADS));
  return [
    `| 50M rows (${(inputMb / 1024).toFixed(1)} GB) | value | limit |`,
    '|---|---:|---:|',
    `| ranges / partitions / output slices | ${Math.ceil(inputMb / d.rangeMb)} / ${Math.ceil(inputMb / d.partitionMb)} / ${Math.ceil(inputMb / d.sliceMb)} | 10,000 concurrent map children |`,
    `| one split task (${d.rangeMb} MiB) | ${perRange.toFixed(1)} s | 900 s |`,
    `| one classify task (${d.partitionMb} MiB partition) | ${perPartition.toFixed(1)} s | 900 s |`,
    `| one assemble-slice task (${d.sliceMb} MiB of input, one thread) | ${perSlice.toFixed(1)} s | 900 s |`,
  ].join('\n');
}

/** The cost per million rows and the scale on paper, from one measured run's throughput. */
function costSection(basis: Measurement): string {
  const throughput = throughputOf(basis, 2);
  const bytesPerRow = (basis.megabytes * MB) / basis.rows;
  return (
    `\n## Cost per million rows (from the ${basis.input} run: split ${throughput.splitMbPerSecond.toFixed(1)} MB/s, ` +
    `classify ${throughput.classifyMbPerSecond.toFixed(1)} MB/s, assemble ${throughput.assembleMbPerSecond.toFixed(1)} MB/s per thread, ` +
    `${bytesPerRow.toFixed(0)} bytes/row)\n\n${costTable(estimateCost(1_000_000, bytesPerRow, throughput))}\n\n` +
    `## Scale on paper\n\n${scaleTable(throughput, bytesPerRow)}\n`
  );
}

/** The bench's command line. */
function benchOptions() {
  return new Command()
    .option('--rows <list>', 'generated extract sizes, comma-separated', '500000,5000000')
    .option('--huge', 'also 20,000,000 rows')
    .option('--no-reference-shaped', 'skip the tiled reference fixture')
    .option('--no-run', 'skip `clearance run` (the embedded stack)')
    .option('--run-max-rows <n>', '`clearance run` only on inputs up to this many rows', '6000000')
    .option('--repeat <n>', `runs of each command on inputs up to ${REPEAT_MAX_ROWS} rows (the median is reported)`, '3')
    .option('--no-grid', 'skip the large-grid run with the cloud\'s limits on')
    .option('--grid-people <n>', 'people in the large-grid run\'s extract', '2000')
    .option('--grid-bytes <n>', 'range and partition bytes of the large-grid run', '4096')
    .option('--grid-slice-bytes <n>', 'input bytes per output slice of the large-grid run', '65536')
    .option('--monthly-rows <list>', 'month 2 against an N-row register at these sizes (0: skip)', '500000,5000000')
    .option('--monthly-decisions <n>', 'convictions month 1\'s review decides before month 2 (carried forward)', '10000')
    .option('--no-small', 'skip the small inputs (the conformance case and a small county)')
    .option('--county-people <n>', 'people in the small county (generated with seed 7)', '16000')
    .option('--no-init', "skip the Lambda bundles' init times")
    .option('--init-runs <n>', 'cold processes per Lambda bundle', '7')
    .option('--review-rows <n>', 'rows of the run the review bench applies a decision file to', '5000000')
    .option('--review-decisions <n>', 'lines of the review bench\'s decision file', '200000')
    .option('--review-task-mb <n>', 'MiB per range and per partition of people of the review bench\'s Finalize (default: Finalize\'s, 16)')
    .option('--no-review', 'skip the review bench')
    .option('--only-review', 'only the review bench')
    .parse(process.argv)
    .opts<{
      rows: string; huge?: boolean; referenceShaped: boolean; run: boolean; runMaxRows: string; repeat: string; grid: boolean; gridPeople: string; gridBytes: string; gridSliceBytes: string;
      monthlyRows: string; monthlyDecisions: string; small: boolean; countyPeople: string; init: boolean; initRuns: string;
      reviewRows: string; reviewDecisions: string; review: boolean; onlyReview?: boolean; reviewTaskMb?: string;
    }>();
}

async function main(): Promise<void> {
  const options = benchOptions();
  const repeat = Number(options.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat: ${JSON.stringify(options.repeat)} is not a whole number of at least 1`);
  mkdirSync(CACHE, { recursive: true });
  const review = options.review || options.onlyReview
    ? await reviewBenchSection({ rows: Number(options.reviewRows), decisions: Number(options.reviewDecisions), generated, cli: CLI, preload: PRELOAD, cache: CACHE, resultsDir: path.join(ROOT, 'bench', 'results'), only: options.onlyReview === true,
      ...(options.reviewTaskMb === undefined ? {} : { taskMb: Number(options.reviewTaskMb) }) })
    : '';
  if (options.onlyReview) return;
  const sizes = options.rows.split(',').map(Number).filter((n) => n > 0);
  if (options.huge) sizes.push(20_000_000);
  const countyPeople = Number(options.countyPeople);
  const inputs: Array<{ file: string; label: string; args?: readonly string[] }> = [];
  if (options.small) {
    inputs.push({ file: CONFORMANCE.file, label: CONFORMANCE_LABEL, args: CONFORMANCE.args });
    inputs.push({ file: await county(countyPeople), label: COUNTY_LABEL(countyPeople) });
  }
  for (const rows of sizes) inputs.push({ file: await generated(rows), label: `generated ${rows / 1e6}M` });
  if (options.referenceShaped) {
    const file = await referenceShaped();
    if (file) inputs.push({ file, label: 'reference-shaped 500k' });
  }
  const measurements: Measurement[] = [];
  for (const { file, label, args } of inputs) {
    const rows = countRows(file);
    const floorSeconds = floor(file);
    const repeated = rows <= REPEAT_MAX_ROWS;
    const commands: Array<'classify' | 'run'> = options.run && rows <= Number(options.runMaxRows) ? ['classify', 'run'] : ['classify'];
    const runs = new Map(commands.map((command) => [command, [] as Measurement[]]));
    for (let round = 0; round < (repeated ? repeat : 1); round++) {
      for (const command of commands) {
        const measurement = measure(command, file, rows, floorSeconds, label, args);
        runs.get(command)!.push(measurement);
        process.stderr.write(`${label} ${command}: ${measurement.seconds.toFixed(2)} s, ${measurement.peakRssMb.toFixed(0)} MB\n`);
      }
    }
    for (const command of commands) measurements.push(median(runs.get(command)!));
  }
  const generatedRuns = measurements.filter((m) => m.input.startsWith('generated'));
  const reference = measurements.find((m) => m.input.startsWith('reference'));
  const basis = reference ?? generatedRuns[generatedRuns.length - 1];
  const costs = basis ? costSection(basis) : '';
  let grid = '';
  if (options.run && options.grid) {
    process.stderr.write('large-grid run with the limits on...\n');
    grid = `\n## Large grid with the cloud's limits on (embedded stack, bench/grid.ts)\n\n${await gridRun({ people: Number(options.gridPeople), bytes: Number(options.gridBytes), sliceBytes: Number(options.gridSliceBytes) })}`;
  }
  const monthlySizes = options.monthlyRows.split(',').map(Number).filter((n) => n > 0);
  const monthly = monthlySizes.length === 0 ? '' : `\n## Monthly: month 2 against month 1's register (bench/monthly.ts)\n\n${await monthlyBench(monthlySizes, Number(options.monthlyDecisions))}\n`;
  const initRuns = Number(options.initRuns);
  const init = options.init ? measureBundleInit(initRuns) : undefined;
  const initSection = init ? `\n## Lambda bundles (bench/lambda-init.ts)\n\n${bundleInitTable(initRuns, init)}\n` : '';
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GB, Node ${process.version}, load ${loadavg()[0].toFixed(2)}`;
  const markdown = `# Benchmark (${new Date().toISOString().slice(0, 10)})\n\nMachine: ${machine}\n\n${table(measurements)}\n${targetLines(measurements, countyPeople, init)}${memoryInSize(generatedRuns)}${initSection}${costs}${grid}${monthly}${review}`;
  process.stdout.write(`${markdown}\n`);
  const results = path.join(ROOT, 'bench', 'results');
  mkdirSync(results, { recursive: true });
  await fs.writeFile(path.join(results, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ machine, measurements }, null, 2));
  await fs.writeFile(path.join(results, 'latest.md'), markdown);
}

main().catch((error: Error) => {
  process.stderr.write(`bench: ${error.message}\n`);
  process.exitCode = 1;
});
