/**
 * The launcher: which commands run in a child process with glibc's mmap threshold fixed, and that the child ends
 * with its launcher (exit code, forwarded signals, SIGKILL of the launcher).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { childEnvironment, LAUNCHED_VARIABLE, MMAP_THRESHOLD_TUNABLE } from '../../bin/launcher';

const ROOT = path.resolve(__dirname, '../..');
const argv = (...args: string[]) => ['/usr/bin/node', '/repo/bin/clearance.js', ...args];

describe('childEnvironment', () => {
  it('runs `clearance run` on Linux in a child with the threshold fixed, keeping the rest of the environment', () => {
    const env = childEnvironment(argv('run', '--input', 'x.csv'), { PATH: '/bin', AWS_REGION: 'us-west-2' }, 'linux');
    expect(env).toEqual({ PATH: '/bin', AWS_REGION: 'us-west-2', GLIBC_TUNABLES: MMAP_THRESHOLD_TUNABLE, [LAUNCHED_VARIABLE]: '1' });
  });

  it("adds the threshold to the operator's other tunables", () => {
    const env = childEnvironment(argv('run'), { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, 'linux');
    expect(env?.GLIBC_TUNABLES).toBe(`glibc.malloc.arena_max=2:${MMAP_THRESHOLD_TUNABLE}`);
  });

  it.each([
    ['another command', argv('classify', '--input', 'x.csv'), {}, 'linux'],
    ['no command', argv('--help'), {}, 'linux'],
    ['`run` on a deployed stack (no embedded stack)', argv('run', '--aws', '--bucket', 'b'), {}, 'linux'],
    ["`run`'s help", argv('run', '--help'), {}, 'linux'],
    ["`run`'s help, short", argv('run', '-h'), {}, 'linux'],
    ['a threshold the operator chose', argv('run'), { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=65536' }, 'linux'],
    ['the launched child itself', argv('run'), { [LAUNCHED_VARIABLE]: '1' }, 'linux'],
    ['macOS (no glibc)', argv('run'), {}, 'darwin'],
  ] as const)('runs in this process for %s', (_, args, env, platform) => {
    expect(childEnvironment(args, env, platform)).toBeUndefined();
  });
});

const onLinux = process.platform === 'linux' ? describe : describe.skip;

onLinux('bin/clearance.js run through the launcher', () => {
  let outDir: string;
  beforeEach(() => {
    outDir = mkdtempSync(path.join(os.tmpdir(), 'launcher-'));
  });
  afterEach(() => rmSync(outDir, { recursive: true, force: true }));

  function start(args: string[]): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
    // The run's private temporary folder shows when it has started its work (working()).
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: outDir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    delete env.GLIBC_TUNABLES;
    delete env[LAUNCHED_VARIABLE];
    const child = spawn(process.execPath, ['bin/clearance.js', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
      // 'close': exited, and its stderr (shared with the launcher's child) closed.
      child.once('close', (code, signal) => resolve({ code, signal, stderr })),
    );
    return { child, exited };
  }

  /** The launcher's child process once it has started (Linux: /proc lists a process's children). */
  async function childOf(pid: number): Promise<number> {
    const file = `/proc/${pid}/task/${pid}/children`;
    for (let attempt = 0; attempt < 500; attempt++) {
      const children = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
      // Once it runs the CLI: before its exec, a new child still shows the launcher's own environment.
      const child = children === '' ? undefined : Number(children.split(/\s+/)[0]);
      if (child !== undefined && launched(child)) return child;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no child process of ${pid} after 5 s`);
  }

  /** The child's run has started its work: its private temporary folder exists. */
  async function working(pid: number): Promise<void> {
    for (let attempt = 0; attempt < 1000; attempt++) {
      if (readdirSync(outDir).some((name) => name.startsWith(`clearance-${pid}-`))) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`process ${pid} did not start its run within 10 s`);
  }

  function launched(pid: number): boolean {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${LAUNCHED_VARIABLE}=1`);
    } catch {
      return false;
    }
  }

  /** Running: it exists and is not a zombie (an orphan's exit is reaped by init, which may take a while). */
  function alive(pid: number): boolean {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  }

  async function ended(pid: number): Promise<boolean> {
    for (let attempt = 0; attempt < 500 && alive(pid); attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
    return !alive(pid);
  }

  it('passes the child its exit code and its error message', async () => {
    const missing = path.join(outDir, 'missing.csv');
    const { code, stderr } = await start(['run', '--input', missing, '--out', outDir]).exited;
    expect(code).toBe(2);
    expect(stderr).toContain(`${missing}: no such input file`);
  });

  it('runs the child with the threshold fixed, and the child dies with a launcher killed by SIGKILL', async () => {
    const { child, exited } = start(['run', '--out', outDir]);
    const pid = await childOf(child.pid!);
    const environment = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    expect(environment).toContain(`GLIBC_TUNABLES=${MMAP_THRESHOLD_TUNABLE}`);
    await working(pid);
    child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await ended(pid)).toBe(true);
    expect(Date.now() - killedAt).toBeLessThan(1000);
    expect((await exited).signal).toBe('SIGKILL');
  });

  it("forwards SIGTERM to the child, which cleans up and exits with the signal's status; the launcher with it", async () => {
    const { child, exited } = start(['run', '--out', outDir]);
    const pid = await childOf(child.pid!);
    await working(pid);
    child.kill('SIGTERM');
    const { code, stderr } = await exited;
    expect(code).toBe(143);
    expect(stderr).toMatch(/clearance: interrupted \(SIGTERM\): clearance run stopped while/);
    expect(await ended(pid)).toBe(true);
    expect(readdirSync(outDir)).toEqual([]); // its temporary folder removed
  });
});
