/**
 * The lock of a --keep-state folder: taken owner-only, refused while a live process holds it (naming it), taken
 * over from a dead one, given back on release.
 */
import { spawn, ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireStateLock, lockHolder } from '../../../bin/commands/state-lock';
import { StateInUseError } from '../../../lambdas/domain/errors';

let dir: string;
let sleeper: ChildProcess;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'state-lock-'));
  sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => undefined, 60000)'], { stdio: 'ignore' });
});
afterAll(() => {
  sleeper.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

it('is created owner-only with the holder, and released', async () => {
  const state = path.join(dir, 'fresh', 'state');
  const lock = await acquireStateLock(state, 'clearance run');
  expect(statSync(state).mode & 0o777).toBe(0o700);
  expect(statSync(path.join(state, 'lock')).mode & 0o777).toBe(0o600);
  expect(JSON.parse(readFileSync(path.join(state, 'lock'), 'utf8'))).toEqual({ pid: process.pid, command: 'clearance run', since: expect.any(String) });
  await lock.publishLedger({ endpoint: 'http://127.0.0.1:1', region: 'us-east-1', tableName: 't', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  expect(JSON.parse(readFileSync(path.join(state, 'lock'), 'utf8'))).toMatchObject({ pid: process.pid, ledger: { tableName: 't' } });
  await lock.release();
  expect(existsSync(path.join(state, 'lock'))).toBe(false);
});

it('is refused while a live process holds it, naming the process and since when', async () => {
  const state = path.join(dir, 'held');
  await acquireStateLock(state, 'x').then((lock) => lock.release());
  const since = '2026-01-01T10:00:00.000Z';
  writeFileSync(path.join(state, 'lock'), JSON.stringify({ pid: sleeper.pid, command: 'clearance run', since }));
  expect(await lockHolder(state)).toEqual({ pid: sleeper.pid, command: 'clearance run', since });
  const refused = acquireStateLock(state, 'clearance run');
  await expect(refused).rejects.toBeInstanceOf(StateInUseError);
  await expect(refused).rejects.toThrow(`--keep-state ${state} is in use by process ${sleeper.pid} (clearance run) since ${since}`);
});

it('is taken over from a process that is gone, or when unreadable', async () => {
  const state = path.join(dir, 'stale');
  await acquireStateLock(state, 'x').then((lock) => lock.release());
  writeFileSync(path.join(state, 'lock'), JSON.stringify({ pid: 2 ** 22 + 17, command: 'clearance run', since: '2026-01-01T10:00:00.000Z' }));
  expect(await lockHolder(state)).toBeUndefined();
  const lock = await acquireStateLock(state, 'clearance status');
  expect(JSON.parse(readFileSync(path.join(state, 'lock'), 'utf8'))).toMatchObject({ pid: process.pid, command: 'clearance status' });
  await lock.release();
  writeFileSync(path.join(state, 'lock'), 'not json');
  await (await acquireStateLock(state, 'clearance prune')).release();
});
