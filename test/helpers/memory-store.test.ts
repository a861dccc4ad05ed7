/**
 * The in-memory store and the file-system store honour the same ObjectStore contract, so tests that use
 * the memory store say something about the real ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ObjectStore, readText } from '../../lambdas/domain/pipeline/object-store';
import { FsObjectStore } from '../../local/fs-object-store';
import { MemoryObjectStore } from './memory-store';
import { NotFoundError } from '../../lambdas/domain/errors';

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

const stores: Array<[string, () => ObjectStore]> = [
  ['MemoryObjectStore', () => new MemoryObjectStore()],
  ['MemoryObjectStore with 3-byte reads', () => new MemoryObjectStore({ readChunkBytes: 3 })],
  [
    'FsObjectStore',
    () => {
      const root = mkdtempSync(path.join(tmpdir(), 'store-contract-'));
      roots.push(root);
      return new FsObjectStore(root);
    },
  ],
];

describe.each(stores)('%s', (_, makeStore) => {
  let store: ObjectStore;
  beforeEach(() => {
    store = makeStore();
  });

  test('write then read, size, exists; strings are UTF-8, bytes are kept', async () => {
    await store.write('a/b.txt', ['héllo ', Buffer.from([0xff, 0x00]), ' world']);
    const expected = Buffer.concat([Buffer.from('héllo ', 'utf8'), Buffer.from([0xff, 0x00]), Buffer.from(' world')]);
    expect(await collect(store.read('a/b.txt'))).toEqual(expected);
    expect(await store.size('a/b.txt')).toBe(expected.length);
    expect(await store.exists('a/b.txt')).toBe(true);
    expect(await store.exists('a/c.txt')).toBe(false);
  });

  test('writes accept async iterables and replace the object', async () => {
    async function* body() {
      yield Buffer.from('one');
      yield 'two';
    }
    await store.write('k', body());
    await store.write('k', ['three']);
    expect(await readText(store, 'k')).toBe('three');
  });

  test('readRange is [start, end), clamped to the object', async () => {
    await store.write('r', ['0123456789']);
    expect((await collect(store.readRange('r', 2, 5))).toString()).toBe('234');
    expect((await collect(store.readRange('r', 7))).toString()).toBe('789');
    expect((await collect(store.readRange('r', 8, 100))).toString()).toBe('89');
    expect((await collect(store.readRange('r', 5, 5))).toString()).toBe('');
  });

  test('missing keys are NotFoundError', async () => {
    await expect(store.size('missing')).rejects.toBeInstanceOf(NotFoundError);
    await expect(collect(store.read('missing'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.size('missing')).rejects.toMatchObject({ name: 'NotFoundError', key: 'missing' });
  });

  test('list is lexicographic under a prefix; copy and delete', async () => {
    for (const key of ['w/split/000001/p000000', 'w/split/000000/p000001', 'w/split/000000/p000000', 'w/plan.json', 'x/other']) await store.write(key, [key]);
    expect(await store.list('w/split/')).toEqual(['w/split/000000/p000000', 'w/split/000000/p000001', 'w/split/000001/p000000']);
    expect(await store.list('w/')).toHaveLength(4);
    await store.copy('w/plan.json', 'x/plan-copy.json');
    expect(await readText(store, 'x/plan-copy.json')).toBe('w/plan.json');
    await store.delete(['w/plan.json', 'never-there']);
    expect(await store.exists('w/plan.json')).toBe(false);
    expect(await store.list('x/')).toEqual(['x/other', 'x/plan-copy.json']);
  });

  test('a failed write leaves the previous object', async () => {
    await store.write('f', ['before']);
    async function* failing() {
      yield Buffer.from('partial');
      throw new Error('upload interrupted');
    }
    await expect(store.write('f', failing())).rejects.toThrow('upload interrupted');
    expect(await readText(store, 'f')).toBe('before');
  });
});
