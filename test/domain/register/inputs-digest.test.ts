/** inputsDigest: what a carried decision is checked against, a digest of the conviction's review-list line. */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { inputsDigest } from '../../../lambdas/domain/register/inputs-digest';
import { inputsDigest as recordInputsDigest } from '../../../lambdas/domain/register/record';

describe('inputsDigest', () => {
  it('is the first 16 hex digits of the SHA-256 of the line as latin-1 bytes, the same through record.ts', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((code) => String.fromCharCode(code)) }), (line) => {
        const digest = inputsDigest(line);
        expect(digest).toBe(createHash('sha256').update(Buffer.from(line, 'latin1')).digest('hex').slice(0, 16));
        expect(recordInputsDigest(line)).toBe(digest);
      }),
      { numRuns: 100 },
    );
  });

  it('changes when any input of the determination on the line changes', () => {
    const line = 'c0ffee,Required,BA123,2,LA SUPERIOR,A1,"DOE,JOHN",01/02/1970,LOS ANGELES,05/05/1989,11359 HS,Felony,Completed,Hand Review,reason,rule';
    expect(inputsDigest(line)).toMatch(/^[0-9a-f]{16}$/);
    expect(inputsDigest(line.replace('Hand Review', 'Dismissed'))).not.toBe(inputsDigest(line));
  });
});
