/**
 * aws-local-stepfunctions 3.0.0 declares Node >= 22 and calls Promise.withResolvers (ES2024) in every Task; on Node 20
 * each Task would fail with "Promise.withResolvers is not a function". Import this module before the library.
 */
interface PromiseWithResolversShape<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const promiseConstructor = Promise as unknown as { withResolvers?: <T>() => PromiseWithResolversShape<T> };

if (typeof promiseConstructor.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(): PromiseWithResolversShape<T> {
      let resolve!: PromiseWithResolversShape<T>['resolve'];
      let reject!: PromiseWithResolversShape<T>['reject'];
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export {};
