import { readChunkFor } from '../../local/s3-store';

const KIB = 1024;

describe('readChunkFor: the read chunk of a GetObject body, by bodies open at once', () => {
  it('reads 512 KiB while few bodies are open, less as more are, never under 64 KiB', () => {
    expect([1, 2, 8, 9, 16, 32, 64, 128, 1000].map((open) => readChunkFor(open) / KIB)).toEqual([512, 512, 512, 455, 256, 128, 64, 64, 64]);
  });

  it('keeps the chunks of all open bodies within 4 MiB down to the floor, whole KiB', () => {
    for (let open = 1; open <= 64; open++) {
      expect(open * readChunkFor(open)).toBeLessThanOrEqual(4096 * KIB);
      expect(readChunkFor(open) % KIB).toBe(0);
    }
  });
});
