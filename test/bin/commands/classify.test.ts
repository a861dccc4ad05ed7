/**
 * `clearance classify` as a county analyst meets it, in child processes: several inputs either way, each run in its
 * own owner-only folder (a failed run never beside another's results), and Ctrl-C leaving no work folder and no
 * partial run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateExtract } from '../../../tools/generator';
import { CLI, CliResult, cliEnv, ROOT, runClearance } from '../../helpers/cli-process';

let dir: string;
let tmp: string;
let extract: string;
let extract2: string;
/** One row in five cannot be read: the run fails (more than 5% rejected). */
let ragged: string;

function env(): NodeJS.ProcessEnv {
  return cliEnv(tmp);
}

function clearance(...args: string[]): CliResult {
  return runClearance(tmp, args);
}

function mode(file: string): number {
  return statSync(file).mode & 0o777;
}

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true }).map((entry) => path.join(entry.parentPath, entry.name));
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cli-classify-'));
  tmp = path.join(dir, 'tmp');
  mkdirSync(tmp);
  extract = path.join(dir, 'extract.csv');
  writeFileSync(extract, Array.from(generateExtract({ county: 'LOS ANGELES', people: 300, seed: 11 })).join(''), 'latin1');
  extract2 = path.join(dir, 'extract2.csv');
  writeFileSync(extract2, Array.from(generateExtract({ county: 'LOS ANGELES', people: 200, seed: 12 })).join(''), 'latin1');
  ragged = path.join(dir, 'ragged.csv');
  const lines = readFileSync(extract, 'latin1').split('\n');
  writeFileSync(ragged, lines.map((line, i) => (i > 0 && i % 5 === 0 ? 'not,a,row' : line)).join('\n'), 'latin1');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('clearance classify', () => {
  const base = ['--county', 'LOS ANGELES', '--policy', 'reference-default', '--compute-at', '2020-07-01'];

  function summaryOf(runDir: string): Record<string, unknown> {
    return JSON.parse(readFileSync(path.join(runDir, 'reports', 'summary.json'), 'utf8')) as Record<string, unknown>;
  }

  it('takes several inputs either way, each run in its own owner-only folder', () => {
    const out = path.join(dir, 'lists');
    const spaced = clearance('classify', '--input', extract, extract2, ...base, '--out', out);
    const commas = clearance('classify', ...base, '--input', `${extract},${extract2}`, '--out', out);
    expect([spaced.code, commas.code]).toEqual([0, 0]);
    const [first, second] = [spaced.stdout.trim(), commas.stdout.trim()];
    expect(first).not.toBe(second);
    expect(path.dirname(first)).toBe(out);
    const counts = (runDir: string) => {
      const summary = summaryOf(runDir);
      return { files: summary.files, rowsRead: summary.rowsRead, people: summary.people };
    };
    expect(counts(first)).toEqual(counts(second));
    expect((summaryOf(first).files as unknown[]).length).toBe(2);
    for (const runDir of [first, second]) {
      expect(readdirSync(runDir).sort()).toEqual(['reports', 'results']);
      expect(readdirSync(path.join(runDir, 'results'))).toContain('court_motion_list.csv');
      expect(readdirSync(path.join(runDir, 'reports')).sort()).toEqual(['report.html', 'statistics.csv', 'summary.json']);
      for (const entry of [runDir, ...filesUnder(runDir)]) {
        expect({ entry, mode: mode(entry) }).toEqual({ entry, mode: statSync(entry).isDirectory() ? 0o700 : 0o600 });
      }
    }
    expect(readdirSync(out).filter((name) => name.startsWith('.'))).toEqual([]); // no work folder left
    // Both runs' analytics rows in the shared <out>/analytics/ (docs/analytics.md), owner-only too.
    const analytics = path.join(out, 'analytics');
    const runRows = readdirSync(path.join(analytics, 'runs'), { recursive: true }).map(String).filter((name) => name.endsWith('.jsonl'));
    expect(runRows.map((name) => path.basename(name)).sort()).toEqual([first, second].map((runDir) => `${path.basename(runDir)}.jsonl`).sort());
    for (const entry of [analytics, ...filesUnder(analytics)]) {
      expect({ entry, mode: mode(entry) }).toEqual({ entry, mode: statSync(entry).isDirectory() ? 0o700 : 0o600 });
    }
  });

  it('a failed run into a used folder never sits beside the other run\'s results', () => {
    const out = path.join(dir, 'used');
    const good = clearance('classify', '--input', extract, ...base, '--out', out);
    expect(good.code).toBe(0);
    const goodDir = good.stdout.trim();
    const before = Object.fromEntries(filesUnder(goodDir).map((file) => [file, statSync(file).isFile() ? readFileSync(file, 'latin1') : '']));
    const failed = clearance('classify', '--input', ragged, ...base, '--out', out);
    expect(failed.code).toBe(1);
    const runs = readdirSync(out).filter((name) => !name.startsWith('.') && name !== 'analytics');
    expect(runs).toHaveLength(2);
    // A failed run adds no analytics rows.
    const runRows = readdirSync(path.join(out, 'analytics', 'runs'), { recursive: true }).map(String).filter((name) => name.endsWith('.jsonl'));
    expect(runRows.map((name) => path.basename(name))).toEqual([`${path.basename(goodDir)}.jsonl`]);
    const failedDir = path.join(out, runs.find((name) => path.join(out, name) !== goodDir)!);
    expect(failed.stderr).toContain(`summary.json in ${path.join(failedDir, 'reports')}`);
    expect(summaryOf(failedDir)).toMatchObject({ status: 'FAILED' });
    expect(readdirSync(path.join(failedDir, 'results'))).not.toContain('All_Results.csv');
    // The earlier run's folder is exactly as it was.
    expect(Object.fromEntries(filesUnder(goodDir).map((file) => [file, statSync(file).isFile() ? readFileSync(file, 'latin1') : '']))).toEqual(before);
    expect(summaryOf(goodDir)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('Ctrl-C leaves no work folder and no partial run; stale work folders of dead processes are swept', async () => {
    const big = path.join(dir, 'big.csv');
    writeFileSync(big, Array.from(generateExtract({ county: 'LOS ANGELES', people: 15_000, seed: 13 })).join(''), 'latin1');
    const out = path.join(dir, 'interrupted');
    // What a classify killed with SIGKILL leaves: a work folder of a dead process, a run folder without summary.
    const deadPid = 2 ** 22 + 17;
    mkdirSync(path.join(out, `.work-local-20200101T000000-${deadPid}`, 'split'), { recursive: true });
    writeFileSync(path.join(out, `.work-local-20200101T000000-${deadPid}`, 'split', 'part'), 'GREEN,KEVIN 19861006');
    mkdirSync(path.join(out, 'local-20200101T000000', 'results'), { recursive: true });
    // ...and what a `clearance run` killed outright leaves in the temporary folder.
    mkdirSync(path.join(tmp, `clearance-${deadPid}-Zz9Yy8`, 'staged'), { recursive: true });
    const child = spawn(process.execPath, [CLI, 'classify', '--input', big, ...base, '--out', out], { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Interrupted once its work folder holds split output.
    const workOf = () => readdirSync(out).find((name) => name.startsWith('.work-') && name.endsWith(`-${child.pid}`));
    for (let i = 0; i < 600; i++) {
      const work = workOf();
      if (work && existsSync(path.join(out, work)) && filesUnder(path.join(out, work)).length > 3) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(workOf()).toBeDefined();
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/clearance: interrupted \(SIGINT\): classify of big\.csv stopped in (plan|split|classify|assemble); its work folder and partial outputs .* removed, nothing kept/);
    expect(stderr).toContain('removed the work folders of 1 interrupted classify run(s)');
    expect(stderr).toContain('removed 1 temporary folder(s) of clearance processes');
    expect(readdirSync(out)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
