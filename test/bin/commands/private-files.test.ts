/** Owner-only folders and files, the run's private temporary folder, and the sweep of dead processes' folders. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRunTempDir, ensurePrivateDir, restrictTree, sweepStaleTempDirs } from '../../../bin/commands/private-files';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'private-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (file: string) => statSync(file).mode & 0o777;

it('makes folders 0700, also existing ones, and a tree 0700/0600', async () => {
  const existing = path.join(dir, 'state');
  mkdirSync(path.join(existing, 's3'), { recursive: true, mode: 0o755 });
  writeFileSync(path.join(existing, 's3', 'object'), 'x', { mode: 0o644 });
  await ensurePrivateDir(existing);
  expect(mode(existing)).toBe(0o700);
  await restrictTree(existing);
  expect([mode(path.join(existing, 's3')), mode(path.join(existing, 's3', 'object'))]).toEqual([0o700, 0o600]);
});

it('gives a run a private temporary folder, TMPDIR pointing into it until removed', async () => {
  const previous = process.env.TMPDIR;
  const temp = await createRunTempDir({ becomeTmpdir: true });
  try {
    expect(path.basename(temp.path)).toMatch(new RegExp(`^clearance-${process.pid}-`));
    expect(mode(temp.path)).toBe(0o700);
    expect(process.env.TMPDIR).toBe(temp.path);
  } finally {
    await temp.remove();
  }
  expect(existsSync(temp.path)).toBe(false);
  expect(process.env.TMPDIR).toBe(previous);
});

it('sweeps the folders of dead processes only', async () => {
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => undefined, 30000)'], { stdio: 'ignore' });
  try {
    const dead = path.join(dir, `clearance-${2 ** 22 + 17}-abc123`);
    const running = path.join(dir, `clearance-${live.pid}-def456`);
    const ours = path.join(dir, `clearance-${process.pid}-ghi789`);
    const other = path.join(dir, 'clearance-s3-jkl012');
    for (const folder of [dead, running, ours, other]) mkdirSync(path.join(folder, 'sub'), { recursive: true });
    writeFileSync(path.join(dead, 'sub', 'extract.csv'), 'GREEN,KEVIN 19861006');
    expect(await sweepStaleTempDirs(dir)).toEqual([dead]);
    expect(readdirSync(dir).sort()).toEqual([running, ours, other].map((folder) => path.basename(folder)).sort());
  } finally {
    live.kill('SIGKILL');
  }
});
