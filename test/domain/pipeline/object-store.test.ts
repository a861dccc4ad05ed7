/**
 * Reading many objects at once from a store whose reads hold connections (S3): windows of ranged reads, a bounded
 * number in flight whatever the number of readers; and mapBounded's order and bound.
 */
import fc from 'fast-check';
import { collectBytes, mapBounded, ObjectStore, readMany, WINDOW_READS_IN_FLIGHT, windowFor } from '../../../lambdas/domain/pipeline/object-store';
import { MemoryObjectStore } from '../../helpers/memory-store';

/** A memory store that says its reads hold connections, and counts the reads in flight. */
class ConnectionStore extends MemoryObjectStore {
  readonly readsHoldConnections = true;
  inFlight = 0;
  mostInFlight = 0;
  reads = 0;

  override async *readRange(key: string, start: number, end?: number): AsyncIterable<Buffer> {
    this.reads++;
    this.mostInFlight = Math.max(this.mostInFlight, ++this.inFlight);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      yield* super.readRange(key, start, end);
    } finally {
      this.inFlight--;
    }
  }
}

async function readAll(store: ObjectStore, keys: string[]): Promise<Buffer[]> {
  // Every object open at once, read a chunk at a time in turn, as a k-way merge reads them.
  const iterators = keys.map((key) => readMany(store, key, keys.length)[Symbol.asyncIterator]());
  const parts: Buffer[][] = keys.map(() => []);
  let open = iterators.map((_, i) => i);
  while (open.length > 0) {
    const still: number[] = [];
    for (const i of open) {
      const next = await iterators[i].next();
      if (!next.done) {
        parts[i].push(next.value);
        still.push(i);
      }
    }
    open = still;
  }
  return parts.map((chunks) => Buffer.concat(chunks));
}

describe('readMany', () => {
  test('300 objects read at once: the same bytes, in windows, never more than WINDOW_READS_IN_FLIGHT reads in flight', async () => {
    const store = new ConnectionStore();
    const keys = Array.from({ length: 300 }, (_, i) => `classify/p${i}`);
    const window = windowFor(keys.length);
    // 0 to 3 windows each, some a whole number of windows.
    const bodies = keys.map((_, i) => Buffer.alloc(i % 5 === 0 ? (i % 3) * window : (i * 7919) % (3 * window), i % 251));
    keys.forEach((key, i) => store.put(key, bodies[i]));
    const read = await readAll(store, keys);
    expect(read.map((body, i) => body.equals(bodies[i]))).toEqual(bodies.map(() => true));
    expect(store.mostInFlight).toBeLessThanOrEqual(WINDOW_READS_IN_FLIGHT);
    expect(store.mostInFlight).toBeGreaterThan(1);
    // One request per window, and one more for an object of a whole number of windows (or empty).
    const expected = bodies.reduce((sum, body) => sum + Math.floor(body.length / window) + 1, 0);
    expect(store.reads).toBe(expected);
  });

  test('a store whose streams are cheap is read as one stream per object', async () => {
    const store = new MemoryObjectStore();
    store.put('a', Buffer.alloc(3 * 1024 * 1024, 1));
    expect((await collectBytes(readMany(store, 'a', 1000))).length).toBe(3 * 1024 * 1024);
  });
});

describe('mapBounded', () => {
  test('results in order, at most `limit` tasks at once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(5), { maxLength: 60 }), fc.integer({ min: 1, max: 8 }), async (delays, limit) => {
        let running = 0;
        let most = 0;
        const results = await mapBounded(delays, limit, async (delay, index) => {
          most = Math.max(most, ++running);
          await new Promise((resolve) => setTimeout(resolve, delay));
          running--;
          return index * 2;
        });
        expect(results).toEqual(delays.map((_, i) => i * 2));
        expect(most).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 30 },
    );
  });

  test('a failure rejects with the first error once the tasks in flight have ended', async () => {
    let after = 0;
    await expect(
      mapBounded([1, 2, 3, 4], 2, async (n) => {
        if (n === 2) throw new Error('two');
        after++;
        return n;
      }),
    ).rejects.toThrow('two');
    expect(after).toBeLessThan(4);
  });
});
