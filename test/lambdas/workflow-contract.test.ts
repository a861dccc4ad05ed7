import { countySlug, manifestSchema, parseInput, parseUploadKey, resolveEventKey, runIdFor, Upload } from '../../lambdas/workflow-contract';
import { MemoryObjectStore } from '../helpers/memory-store';

describe('upload keys', () => {
  it('reads single files, batch manifests and everything else', () => {
    expect(parseUploadKey('incoming/LOS ANGELES/extract.csv')).toEqual({ kind: 'file', county: 'LOS ANGELES', fileName: 'extract.csv' });
    expect(parseUploadKey('incoming/Kern/2024-06/manifest.json')).toEqual({ kind: 'manifest', county: 'Kern', batchPrefix: 'incoming/Kern/2024-06/' });
    for (const key of ['incoming/KERN/2024-06/a.csv', 'incoming/KERN/', 'incoming/x.csv', 'incoming//x.csv', 'incoming/../x.csv', 'results/KERN/x.csv', 'incoming/KERN/b/c/manifest.json']) {
      expect(parseUploadKey(key)).toEqual({ kind: 'ignored', reason: expect.any(String) });
    }
  });

  it('derives the run id from the bucket, key and version only, with a readable prefix', () => {
    const upload: Upload = { bucket: 'data', key: 'incoming/LOS ANGELES/extract.csv', version: 'v1', time: '2024-06-01T23:59:59Z' };
    const runId = runIdFor(upload, 'LOS ANGELES');
    expect(runId).toMatch(/^los-angeles-20240601-[0-9a-f]{12}$/);
    expect(runIdFor({ ...upload }, 'LOS ANGELES')).toBe(runId);
    for (const change of [{ bucket: 'other' }, { key: 'incoming/LOS ANGELES/extract2.csv' }, { version: 'v2' }]) {
      expect(runIdFor({ ...upload, ...change }, 'LOS ANGELES').slice(-12)).not.toBe(runId.slice(-12));
    }
    expect(countySlug('San Luis Obispo')).toBe('san-luis-obispo');
    expect(countySlug('  ***  ')).toBe('county');
  });

  it('finds the object an encoded event key names', async () => {
    const store = new MemoryObjectStore();
    store.put('incoming/SAN DIEGO/a+b.csv', 'x');
    store.put('incoming/SAN DIEGO/june 1.csv', 'x');
    expect(await resolveEventKey(store, 'incoming/SAN DIEGO/a+b.csv')).toBe('incoming/SAN DIEGO/a+b.csv');
    expect(await resolveEventKey(store, 'incoming/SAN+DIEGO/june+1.csv')).toBe('incoming/SAN DIEGO/june 1.csv');
    expect(await resolveEventKey(store, 'incoming/SAN%20DIEGO/june%201.csv')).toBe('incoming/SAN DIEGO/june 1.csv');
    expect(await resolveEventKey(store, 'incoming/SAN+DIEGO/gone.csv')).toBe('incoming/SAN+DIEGO/gone.csv');
    expect(await resolveEventKey(store, 'incoming/X/100%.csv')).toBe('incoming/X/100%.csv');
  });
});

describe('batch manifests', () => {
  it('accepts files, a preset, a date and scenarios', () => {
    const manifest = { files: ['a.csv', 'sub/b.csv'], policy: 'dismiss-all', computeAt: '2024-01-15', scenarios: ['reference-default'] };
    expect(parseInput(manifestSchema, manifest, 'manifest.json')).toEqual(manifest);
  });

  it('names every bad field', () => {
    expect(() => parseInput(manifestSchema, { files: ['a.csv', 'a.csv', '/abs.csv'], computeAt: 20240115, extra: 1 }, 'm.json')).toThrow(
      /^m\.json: files\[2\]: must be a path relative to the batch folder.*; files: lists a file twice; computeAt: must be string; extra: unknown field$/,
    );
  });
});
