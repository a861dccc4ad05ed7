import fc from 'fast-check';
import { parseIsoDate } from '../../../lambdas/domain/dates';
import { personKey } from '../../../lambdas/domain/person-key';
import { partitionOf } from '../../../lambdas/domain/pipeline/split';
import { convictionId, looksLikeConvictionId, personKeyOfConvictionId } from '../../../lambdas/domain/review/conviction-id';

describe('conviction id', () => {
  it('leads with the person key of SUBJECT_ID, as 8 hex digits', () => {
    const id = convictionId('A1234567', '101001001000', '11357 HS', parseIsoDate('1989-05-05'));
    expect(id).toMatch(/^cv-[0-9a-f]{20}$/);
    expect(id.slice(3, 11)).toBe(personKey('A1234567').toString(16).padStart(8, '0'));
    expect(looksLikeConvictionId(id)).toBe(true);
  });

  it('routes a decision to the partition of its person for any partition count (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 12 }), fc.integer({ min: 1, max: 5000 }), (subject, countOrder, partitions) => {
        const id = convictionId(subject, countOrder, '11358 HS', parseIsoDate('2001-02-03'));
        expect(personKeyOfConvictionId(id)).toBe(personKey(subject));
        expect(personKeyOfConvictionId(id) % partitions).toBe(partitionOf(subject, partitions));
      }),
    );
  });

  it('tells apart two counts of one person by the digest', () => {
    const first = convictionId('S1', '101001001000', '11357 HS', parseIsoDate('1989-05-05'));
    const second = convictionId('S1', '101001002000', '11357 HS', parseIsoDate('1989-05-05'));
    expect(first.slice(0, 11)).toBe(second.slice(0, 11));
    expect(first).not.toBe(second);
  });
});
