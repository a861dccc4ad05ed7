/** The person key (lambdas/domain/person-key.ts): 32-bit FNV-1a over SUBJECT_ID's UTF-16 code units. */
import * as fc from 'fast-check';
import { personKey } from '../../lambdas/domain/person-key';

describe('personKey', () => {
  it('is FNV-1a: the offset basis for the empty id, the published values for short ids', () => {
    expect(personKey('')).toBe(0x811c9dc5);
    expect(personKey('a')).toBe(0xe40c292c);
    expect(personKey('foobar')).toBe(0xbf9cf968);
  });

  it('is an unsigned 32-bit integer that depends on every character and its order', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 2, maxLength: 20 }), (id) => {
        const key = personKey(id);
        expect(Number.isInteger(key) && key >= 0 && key <= 0xffffffff).toBe(true);
        expect(personKey(id)).toBe(key);
        expect(personKey(`${id}0`)).not.toBe(key);
      }),
      { numRuns: 100 },
    );
    expect(personKey('A1234567')).not.toBe(personKey('A1234576'));
  });
});
