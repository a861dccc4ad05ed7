/** sha256Latin1Hex: the digest of the text's latin-1 bytes, as createHash gives it, for any latin-1 text. */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sha256Latin1Hex } from '../../lambdas/domain/sha256';

describe('sha256Latin1Hex', () => {
  it('is SHA-256 of the latin-1 bytes (not of UTF-8: é is one byte)', () => {
    expect(sha256Latin1Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Latin1Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Latin1Hex('JOSÉ')).toBe(createHash('sha256').update(Buffer.from([0x4a, 0x4f, 0x53, 0xc9])).digest('hex'));
    expect(sha256Latin1Hex('JOSÉ')).not.toBe(createHash('sha256').update('JOSÉ', 'utf8').digest('hex'));
  });

  it('equals createHash over latin-1 for any latin-1 text', () => {
    const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((code) => String.fromCharCode(code)), maxLength: 300 });
    fc.assert(fc.property(latin1, (text) => sha256Latin1Hex(text) === createHash('sha256').update(text, 'latin1').digest('hex')));
  });
});
