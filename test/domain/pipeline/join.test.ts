import fc from 'fast-check';
import { planJoin } from '../../../lambdas/domain/pipeline/join';

const MIN = 100;
const MAX = 1000;

/** The byte intervals a plan produces in order (adjacent ones of a source coalesced), and what passes through the joiner. */
function replay(parts: ReturnType<typeof planJoin>): { bytes: Array<[string, number, number]>; uploaded: number; sizes: number[] } {
  const bytes: Array<[string, number, number]> = [];
  let uploaded = 0;
  const sizes: number[] = [];
  for (const part of parts) {
    const pieces = 'copy' in part ? [part.copy] : part.bytes;
    let size = 0;
    for (const { key, start, end } of pieces) {
      const last = bytes[bytes.length - 1];
      if (last !== undefined && last[0] === key && last[2] === start) last[2] = end;
      else bytes.push([key, start, end]);
      size += end - start;
    }
    if ('bytes' in part) uploaded += size;
    sizes.push(size);
  }
  return { bytes, uploaded, sizes };
}

describe('planJoin: the parts of a multipart join', () => {
  test('tile the sources in order, every part but the last within S3\'s part sizes, few bytes through the joiner', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2500 }), { maxLength: 12 }), (sizes) => {
        const sources = sizes.map((size, i) => ({ key: `s${i}`, size }));
        const parts = planJoin(sources, MIN, MAX);
        const { bytes, uploaded, sizes: partSizes } = replay(parts);
        expect(bytes).toEqual(sources.filter(({ size }) => size > 0).map(({ key, size }) => [key, 0, size]));
        partSizes.slice(0, -1).forEach((size) => expect(size).toBeGreaterThanOrEqual(MIN));
        partSizes.forEach((size) => expect(size).toBeLessThanOrEqual(MAX));
        // Through the joiner: the small sources whole, under MIN bytes per large source (a part's missing bytes or
        // one too short to stand alone: under 2 x MIN).
        const small = sizes.filter((size) => size < MIN).reduce((sum, size) => sum + size, 0);
        const large = sizes.filter((size) => size >= MIN).length;
        expect(uploaded).toBeLessThan(small + 2 * MIN * large + 1);
      }),
      { numRuns: 200 },
    );
  });

  test('large sources alone are copied whole, no byte through the joiner', () => {
    const parts = planJoin([{ key: 'a', size: 500 }, { key: 'b', size: 100 }, { key: 'c', size: 30 }], MIN, MAX);
    expect(parts).toEqual([{ copy: { key: 'a', start: 0, end: 500 } }, { copy: { key: 'b', start: 0, end: 100 } }, { bytes: [{ key: 'c', start: 0, end: 30 }] }]);
  });

  test('more parts than S3 allows is refused, naming what to change', () => {
    expect(() => planJoin(Array.from({ length: 10_001 }, (_, i) => ({ key: `k${i}`, size: 5 * 1024 * 1024 })))).toThrow(/10000.*TARGET_SLICE_BYTES/);
  });
});
