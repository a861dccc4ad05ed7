/**
 * SIGINT and SIGTERM while a command works (bin/commands/interrupts.ts), in this process with the signal emitted and
 * process.exit caught (Node passes the signal's name to its listeners, as emitted here): the current command's cleanup runs once, its line goes to stderr, the process exits with the
 * signal's status. Real signals to `clearance classify` and `clearance run` are sent in test/bin/cli.test.ts and
 * test/e2e/cli-state.test.ts.
 */
type Interrupts = typeof import('../../../bin/commands/interrupts');

describe('interrupts', () => {
  let exits: number[];
  let stderr: string[];
  let listeners: Map<string, Function[]>;

  beforeEach(() => {
    exits = [];
    stderr = [];
    listeners = new Map(['SIGINT', 'SIGTERM'].map((signal) => [signal, process.listeners(signal as NodeJS.Signals)]));
    jest.spyOn(process, 'exit').mockImplementation(((code: number) => void exits.push(code)) as never);
    jest.spyOn(process.stderr, 'write').mockImplementation(((text: string) => stderr.push(text) > 0) as never);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    // Take off the handlers this test installed: the test process handles its own signals.
    for (const [signal, before] of listeners) {
      for (const listener of process.listeners(signal as NodeJS.Signals)) if (!before.includes(listener)) process.removeListener(signal, listener as never);
    }
  });

  /** A fresh copy of the module (its state: the signal being handled, the current cleanup). */
  function load(): Interrupts {
    let module: Interrupts | undefined;
    jest.isolateModules(() => {
      module = jest.requireActual('../../../bin/commands/interrupts') as Interrupts;
    });
    return module!;
  }

  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it("runs the command's cleanup once, prints its line and exits with the signal's status", async () => {
    const interrupts = load();
    const cleanup = jest.fn(async (signal: NodeJS.Signals) => `run r1 stopped (${signal}); its work folder removed`);
    interrupts.guardInterrupts(cleanup);
    expect(interrupts.interruptedBy()).toBeUndefined();
    await expect(interrupts.haltIfInterrupted()).resolves.toBeUndefined();
    process.emit('SIGTERM', 'SIGTERM');
    process.emit('SIGINT', 'SIGINT'); // a second signal (the launcher forwarding a terminal's Ctrl-C) changes nothing
    await settle();
    expect(cleanup.mock.calls).toEqual([['SIGTERM']]);
    expect(stderr).toEqual(['clearance: interrupted (SIGTERM): run r1 stopped (SIGTERM); its work folder removed\n']);
    expect(exits).toEqual([143]);
    expect(interrupts.interruptedBy()).toBe('SIGTERM');
    const halted = await Promise.race([interrupts.haltIfInterrupted().then(() => 'resolved'), settle().then(() => 'pending')]);
    expect(halted).toBe('pending');
  });

  it('after the command ended (guard disposed) or before it started: exits 130 saying nothing was written', async () => {
    const interrupts = load();
    const cleanup = jest.fn(async () => 'never');
    interrupts.guardInterrupts(cleanup).dispose();
    process.emit('SIGINT', 'SIGINT');
    await settle();
    expect(cleanup).not.toHaveBeenCalled();
    expect(stderr).toEqual(['clearance: interrupted (SIGINT): stopped before it wrote anything\n']);
    expect(exits).toEqual([130]);
  });

  it('a cleanup that fails is reported, and the process still exits', async () => {
    const interrupts = load();
    interrupts.guardInterrupts(async () => {
      throw new Error('the stack did not stop');
    });
    process.emit('SIGINT', 'SIGINT');
    await settle();
    expect(stderr).toEqual(['clearance: interrupted (SIGINT); cleaning up failed: the stack did not stop\n']);
    expect(exits).toEqual([130]);
  });
});
