/**
 * `clearance run --keep-state` as operators use it, through bin/clearance.js (launcher and child): a second run on
 * the same state is refused at once while the first goes on unharmed, `status` reads the running process's ledger,
 * everything written is owner-only, Ctrl-C stops the stack and leaves no personal data outside --out and
 * --keep-state, and `prune` removes kept runs with what it freed.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateExtract } from '../../tools/generator';
import { CLI, CliResult, cliEnv, ROOT, runClearance } from '../helpers/cli-process';

const COUNTY = 'LOS ANGELES';

let dir: string;
let tmp: string;
let state: string;
let out: string;
let input: string;

function env(): NodeJS.ProcessEnv {
  return cliEnv(tmp);
}

function clearance(...args: string[]): CliResult {
  return runClearance(tmp, args);
}

function start(...args: string[]): { child: ChildProcess; ended: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, ended };
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function lockOf(): { pid: number; ledger?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(path.join(state, 'lock'), 'utf8')) as { pid: number; ledger?: unknown };
  } catch {
    return undefined;
  }
}

/** Run ids with a work area in the kept S3 state. */
function keptRuns(): string[] {
  const s3 = path.join(state, 's3');
  if (!existsSync(s3)) return [];
  return readdirSync(s3).flatMap((bucket) => {
    const runs = path.join(s3, bucket, 'runs');
    return existsSync(runs) ? readdirSync(runs).filter((name) => name !== 'map-results') : [];
  });
}

function entriesUnder(root: string): string[] {
  return [root, ...readdirSync(root, { recursive: true, withFileTypes: true }).map((entry) => path.join(entry.parentPath, entry.name))];
}

function expectOwnerOnly(root: string): void {
  for (const entry of entriesUnder(root)) {
    const stat = statSync(entry);
    expect({ entry, mode: stat.mode & 0o777 }).toEqual({ entry, mode: stat.isDirectory() ? 0o700 : 0o600 });
  }
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'e2e-cli-state-'));
  tmp = path.join(dir, 'tmp');
  mkdirSync(tmp);
  state = path.join(dir, 'state');
  out = path.join(dir, 'out');
  input = path.join(dir, 'extract.csv');
  writeFileSync(input, Array.from(generateExtract({ county: COUNTY, people: 3000, seed: 21 })).join(''), 'latin1');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runArgs = () => ['run', '--keep-state', state, '--out', out, '--input', input, '--county', COUNTY, '--compute-at', '2020-07-01', '--workers', '2'];
let firstRunId: string;
let interruptedRunId: string;

test('a second run on the same state is refused at once, status reads the running one, and the first run is unharmed', async () => {
  const first = start(...runArgs());
  await until(() => lockOf()?.ledger !== undefined, 'the first run publishes its ledger');
  const holder = lockOf()!.pid;

  let firstEnded = false;
  void first.ended.then(() => (firstEnded = true));
  try {
    const second = clearance(...runArgs());
    expect({ code: second.code, stderr: second.stderr }).toEqual({
      code: 2,
      stderr: expect.stringMatching(new RegExp(`^clearance: --keep-state ${state} is in use by process ${holder} \\(clearance run\\) since 20`)),
    });
    // At once (about 1 s on an idle machine: two node processes start and read the lock before loading the rest),
    // never by waiting for the first run to end: that one still runs and holds the lock.
    expect({ firstEnded, holder: lockOf()?.pid }).toEqual({ firstEnded: false, holder });

    const status = clearance('status', '--keep-state', state);
    expect(status.code).toBe(0);
    expect(status.stderr).toContain(`is in use by process ${holder} (clearance run)`);
    expect(status.stderr).not.toMatch(/Database is closed|\n\s+at /);
    expect(status.stdout.split('\n')[0]).toMatch(/^RUN\s+COUNTY\s+STATUS/);
  } finally {
    // The first run goes on whatever the checks found: the next tests need its state free.
    await first.ended;
  }

  const ended = await first.ended;
  expect({ code: ended.code, stderr: ended.stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/Error|\n\s+at /) });
  firstRunId = /run (\S+) SUCCEEDED/.exec(ended.stdout)![1];
  const runDir = path.join(out, firstRunId);
  expect(readdirSync(runDir).sort()).toEqual(['reports', 'results']);
  expect(readdirSync(path.join(runDir, 'results'))).toContain('All_Results.csv');
  expect(readdirSync(path.join(runDir, 'reports'))).toContain('summary.json');
  // Its analytics rows beside the run folders, the county's latest pointing at it (docs/analytics.md).
  expect(readdirSync(path.join(out, 'analytics')).sort()).toEqual(['determinations', 'latest', 'runs', 'statistics']);
  const latest = JSON.parse(readFileSync(path.join(out, 'analytics', 'latest', 'county=los_angeles', 'latest.jsonl'), 'utf8')) as Record<string, unknown>;
  expect(latest).toMatchObject({ run_id: firstRunId, county_name: COUNTY, compute_at: '2020-07-01' });
  expectOwnerOnly(path.join(out, 'analytics'));
  expectOwnerOnly(runDir);
  expectOwnerOnly(state);
  expect(existsSync(path.join(state, 'lock'))).toBe(false);
  expect(readdirSync(tmp)).toEqual([]);
});

test('Ctrl-C stops the stack, closes the run as interrupted, and leaves no personal data outside --out and --keep-state', async () => {
  const before = new Set(keptRuns());
  const run = start(...runArgs());
  await until(() => keptRuns().some((id) => !before.has(id)), 'the run starts');
  interruptedRunId = keptRuns().find((id) => !before.has(id))!;
  expect(readdirSync(tmp)).toHaveLength(1); // the run's private folder, with the stand-in's files and the staged extract
  run.child.kill('SIGINT');
  const ended = await run.ended;
  expect(ended.code).toBe(130);
  expect(ended.stderr).toMatch(
    new RegExp(`clearance: interrupted \\(SIGINT\\): run ${interruptedRunId} stopped while (running the workflow|copying the outputs); .*kept: the state in ${state} \\(run marked FAILED Interrupted\\)`),
  );
  expect(readdirSync(tmp)).toEqual([]);
  expect(existsSync(path.join(out, interruptedRunId))).toBe(false);
  expect(existsSync(path.join(state, 'lock'))).toBe(false);

  const status = clearance('status', '--keep-state', state, interruptedRunId);
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({ runId: interruptedRunId, status: 'FAILED', errorName: 'Interrupted' });
});

test('prune removes kept runs by id and by age, saying what it freed', () => {
  const byId = clearance('prune', '--keep-state', state, firstRunId);
  expect(byId.code).toBe(0);
  expect(byId.stdout).toMatch(new RegExp(`^removed run ${firstRunId} \\(LOS ANGELES, SUCCEEDED, started [^)]+\\): \\d+ objects, \\d+\\.\\d MB$`, 'm'));
  expect(byId.stdout).toMatch(/^freed \d+\.\d MB in .* \(1 run\(s\)\); 1 run\(s\) kept$/m);
  expect(keptRuns()).not.toContain(firstRunId);
  const listed = clearance('status', '--keep-state', state).stdout;
  expect(listed).not.toContain(firstRunId);
  expect(listed).toContain(interruptedRunId);

  const byAge = clearance('prune', '--keep-state', state, '--older-than', '0');
  expect(byAge.code).toBe(0);
  expect(byAge.stdout).toContain(`removed run ${interruptedRunId}`);
  expect(clearance('status', '--keep-state', state).stdout.trim()).toBe('no runs');
  const objects = entriesUnder(path.join(state, 's3')).filter((entry) => entry.endsWith('._S3rver_object'));
  expect(objects.filter((entry) => !entry.includes(`${path.sep}policies${path.sep}`))).toEqual([]);
});
