/**
 * Person assembly (lambdas/domain/person.ts): a person's rows, in input order, become convictions (a count's later
 * convicting rows its sentence parts), case numbers, registrations and the facts the rules read.
 */
import * as fc from 'fast-check';
import { parseDojDate } from '../../lambdas/domain/dates';
import { Person, personFacts, sentencePartDays } from '../../lambdas/domain/person';
import { convictionRow, dojFields, RowValues, stepRow } from '../helpers/doj-rows';

function personOf(rows: RowValues[]): Person {
  const person = new Person('S1');
  rows.forEach((row, position) => person.pushRow(dojFields(row), position));
  return person;
}

describe('sentencePartDays', () => {
  it('counts days, months of 30.5 days and years of 366, as the reference does', () => {
    expect(sentencePartDays('10', 'D')).toBe(10);
    expect(sentencePartDays('2', 'M')).toBe(61);
    expect(sentencePartDays('3', 'Y')).toBe(1098);
    expect(sentencePartDays('007', 'D')).toBe(7);
  });

  it('is 0 for a length that is not a whole number of at most 9 digits, or another code', () => {
    for (const [length, code] of [['', 'D'], ['1.5', 'Y'], ['-3', 'D'], [' 3', 'D'], ['1234567890', 'D'], ['3', 'W'], ['3', 'd']]) {
      expect(sentencePartDays(length, code)).toBe(0);
    }
    fc.assert(fc.property(fc.nat(999_999_999), (n) => expect(sentencePartDays(String(n), 'Y')).toBe(n * 366)), { numRuns: 50 });
  });
});

describe('Person.pushRow', () => {
  it("makes a count's first convicting row its conviction and adds its later ones as sentence parts", () => {
    const sentence = (length: string, code: string) => ({ SENT_LENGTH: length, SENT_TIME_CODE: code });
    const person = new Person('S1');
    const first = person.pushRow(dojFields(convictionRow({ subjectId: 'S1', offense: '11359 HS-POSSESS FOR SALE', date: '20100304', extra: sentence('2', 'Y') })), 0);
    const part = person.pushRow(dojFields(convictionRow({ subjectId: 'S1', offense: '11359 HS-POSSESS FOR SALE', date: '20100304', extra: sentence('6', 'M') })), 1);
    const other = person.pushRow(dojFields(convictionRow({ subjectId: 'S1', offense: '11357 HS', date: '20120101', felony: false, countOrder: '102001001000' })), 2);
    expect(part).toBeNull();
    expect(first).toMatchObject({ position: 0, codeSection: '11359 HS', isFelony: true, day: parseDojDate('20100304'), cycleStepKey: '101001', sentenceDays: 2 * 366 + 6 * 30.5 });
    expect(other).toMatchObject({ position: 2, codeSection: '11357 HS', isFelony: false, cycleStepKey: '102001' });
    expect(person.convictions).toEqual([first, other]);
  });

  it('makes each convicting row without a CNT_ORDER a conviction of its own, marked so', () => {
    const row = convictionRow({ subjectId: 'S1', offense: '11357 HS', date: '20100101', countOrder: '' });
    const person = personOf([row, row]);
    expect(person.convictions).toHaveLength(2);
    expect(person.convictions.every((conviction) => conviction.missingCountOrder)).toBe(true);
  });

  it("keeps the first row's birth date and demographics, the case numbers of each court case once, registrations and death", () => {
    const person = personOf([
      convictionRow({ subjectId: 'S1', offense: '11357 HS', date: '20100101', ofn: 'BA1', dob: '19800215', extra: { RACE_DESCR: 'WHITE', GENDER: 'F' } }),
      convictionRow({ subjectId: 'S1', offense: '11357 HS', date: '20100101', ofn: 'BA2', countOrder: '101001002000', dob: '19900101', extra: { RACE_DESCR: 'BLACK' } }),
      convictionRow({ subjectId: 'S1', offense: '11357 HS', date: '20100101', ofn: 'BA1', countOrder: '101001003000' }),
      stepRow('S1', 'REGISTRATION', { OFFENSE_DESCR: '290 PC -REGISTER', STP_EVENT_DATE: '20150101' }),
      stepRow('S1', 'REGISTRATION', { OFFENSE_DESCR: '11590 HS-REGISTER', STP_EVENT_DATE: '20150101' }),
      stepRow('S1', 'DECEASED'),
    ]);
    expect({ dob: person.dob, race: person.race, gender: person.gender }).toEqual({ dob: parseDojDate('19800215'), race: 'WHITE', gender: 'F' });
    expect([...person.caseNumbers]).toEqual([['101001', ['BA1', 'BA2']]]);
    expect(person.registrations).toEqual([{ day: parseDojDate('20150101'), section: '290 PC' }]);
    expect(person.pc290Registration).toBe(true);
    expect(person.deceased).toBe(true);
  });
});

describe('personFacts', () => {
  it('span all convictions: the latest well-formed date, malformed dates, Prop 64 counts by section, superstrikes and PC 290', () => {
    const person = personOf([
      convictionRow({ subjectId: 'S1', offense: '11357 HS', date: '20100101', countOrder: '101001001000' }),
      convictionRow({ subjectId: 'S1', offense: '11359 HS', date: '20150606', countOrder: '102001001000' }),
      convictionRow({ subjectId: 'S1', offense: '11359 HS', date: '2012XXXX', countOrder: '103001001000' }),
      convictionRow({ subjectId: 'S1', offense: '187 PC-MURDER', date: '19990101', countOrder: '104001001000' }),
      convictionRow({ subjectId: 'S1', offense: '288 PC-LEWD', date: '19980101', countOrder: '105001001000' }),
    ]);
    const facts = personFacts(person);
    expect(facts).toMatchObject({ latestDay: parseDojDate('20150606'), hasMalformedConvictionDate: true, prop64Count: 3 });
    expect(facts.countsBySection.reduce((a, b) => a + b, 0)).toBe(3);
    expect(facts.superstrikeSections).toContain('187 PC');
    expect(facts.pc290Sections).toContain('288 PC');
    expect(personFacts(new Person('S2'))).toMatchObject({ latestDay: NaN, hasMalformedConvictionDate: false, prop64Count: 0, superstrikeSections: '-', pc290Sections: '-' });
  });
});
