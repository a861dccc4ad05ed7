/**
 * Promise.withResolvers for the Step Functions library on a Node without it (local/promise-polyfill.ts): installed
 * when missing, resolving and rejecting as ES2024's does; a Node that has it keeps its own.
 */
type WithResolvers = <T>() => { promise: Promise<T>; resolve: (value: T) => void; reject: (reason?: unknown) => void };
const promise = Promise as unknown as { withResolvers?: WithResolvers };

describe('the Promise.withResolvers polyfill', () => {
  const own = promise.withResolvers;
  afterEach(() => {
    if (own === undefined) delete promise.withResolvers;
    else promise.withResolvers = own;
  });

  function loadPolyfill(): void {
    jest.isolateModules(() => {
      jest.requireActual('../../local/promise-polyfill');
    });
  }

  it('is installed where Node has none, and resolves and rejects', async () => {
    delete promise.withResolvers;
    loadPolyfill();
    expect(typeof promise.withResolvers).toBe('function');
    const resolved = promise.withResolvers!<number>();
    resolved.resolve(7);
    await expect(resolved.promise).resolves.toBe(7);
    const rejected = promise.withResolvers!<number>();
    rejected.reject(new Error('no'));
    await expect(rejected.promise).rejects.toThrow('no');
  });

  it("leaves Node's own in place", () => {
    const mine: WithResolvers = () => ({ promise: Promise.resolve() as never, resolve: () => undefined, reject: () => undefined });
    promise.withResolvers = mine;
    loadPolyfill();
    expect(promise.withResolvers).toBe(mine);
  });
});
