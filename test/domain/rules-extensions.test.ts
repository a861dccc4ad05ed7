/**
 * The policy extensions of issue 5 (eligibility.md, "Beyond the reference"), one conviction at a time through
 * `decide`: time-aware disqualifiers with their evidence, misdemeanor routing, and the named presets, each
 * checked against the words of the issue.
 */
import { Decision, DETERMINATION } from '../../lambdas/domain/decision';
import fc from 'fast-check';
import { COL } from '../../lambdas/domain/columns';
import { parseIsoDate } from '../../lambdas/domain/dates';
import { Person, personFacts } from '../../lambdas/domain/person';
import { parsePolicy, PolicyInput, presetPolicy } from '../../lambdas/domain/policy';
import { decide } from '../../lambdas/domain/rules';
import { ArbitraryRow, birthDatesArbitrary, computeAtArbitrary, fieldsOf, makeConvictionsConsistent, policyArbitrary, rowArbitrary } from '../helpers/arbitraries';
import { convictionRow, dojFields, RowValues, stepRow } from '../helpers/doj-rows';

const COUNTY = 'LOS ANGELES';
const SUBJECT = '5001';
let count = 0;

function conviction(offense: string, date: string, options: { felony?: boolean; county?: string; dob?: string; extra?: RowValues } = {}): RowValues {
  count++;
  return convictionRow({
    subjectId: SUBJECT,
    offense,
    date,
    felony: options.felony ?? true,
    county: options.county ?? COUNTY,
    dob: options.dob ?? '19800101',
    countOrder: `${String(100 + count).padStart(3, '0')}001001000`,
    extra: options.extra,
  });
}

/** The decision on the person's conviction number `index` (input order). */
function decideOn(rows: RowValues[], policy: PolicyInput | ReturnType<typeof presetPolicy>, index: number, computeAt = '2020-07-01'): Decision {
  const person = new Person(SUBJECT);
  rows.forEach((row, position) => person.pushRow(dojFields(row), position));
  const parsed = 'dismiss' in policy && Array.isArray(policy.dismiss) ? (policy as ReturnType<typeof presetPolicy>) : parsePolicy(policy);
  return decide(person.convictions[index], person, personFacts(person), parsed, { county: COUNTY, computeAtDay: parseIsoDate(computeAt) });
}

const outcome = (decision: Decision) => [decision.determination, decision.reason];

describe('disqualifiers count only when the disqualifying conviction precedes the Prop 64 one', () => {
  const prop64 = () => conviction('11360 HS-TRANSPORT MARIJUANA', '20050315');
  test.each<[string, 'superstrike' | 'pc290', string, string]>([
    ['a superstrike', 'superstrike', '187 PC-MURDER', 'Prior superstrike'],
    ['a PC 290 offense', 'pc290', '288(A) PC-LEWD ACT WITH CHILD', 'Prior PC 290 offense'],
  ])('%s before disqualifies with its section and date; the same one after does not', (_, kind, section, label) => {
    const code = section.slice(0, section.indexOf('-'));
    for (const handling of ['notEligible', 'handReview'] as const) {
      const policy: PolicyInput = { disqualifiers: { [kind]: handling }, otherwise: 'handReview' };
      const before = decideOn([conviction(section, '19990101', { county: 'ORANGE' }), prop64()], policy, 1);
      expect(outcome(before)).toEqual([handling === 'notEligible' ? DETERMINATION.notEligible : DETERMINATION.handReview, `${label}: ${code} on 1999-01-01`]);
      expect(before.reasonKey).toBe(label);
      expect(before.rule).toBe(kind);
      // after the Prop 64 conviction (the example), and on the same day: no disqualification, the next rule decides
      const after = decideOn([prop64(), conviction(section, '20100101')], policy, 0);
      expect(outcome(after)).toEqual([DETERMINATION.handReview, 'No relief rule applies']);
      const sameDay = decideOn([conviction(section, '20050315'), prop64()], policy, 1);
      expect(outcome(sameDay)).toEqual([DETERMINATION.handReview, 'No relief rule applies']);
    }
  });

  test('a superstrike after the Prop 64 conviction leaves the Los Angeles age rule free to dismiss it', () => {
    const rows = [conviction('11359 HS-POSSESS FOR SALE', '19950101', { dob: '19600101' }), conviction('187 PC-MURDER', '20000101', { dob: '19600101' })];
    expect(outcome(decideOn(rows, presetPolicy('los-angeles-2020'), 0))).toEqual([DETERMINATION.dismissal, '50 years or older']);
    const swapped = [conviction('187 PC-MURDER', '19900101', { dob: '19600101' }), conviction('11359 HS-POSSESS FOR SALE', '19950101', { dob: '19600101' })];
    expect(outcome(decideOn(swapped, presetPolicy('los-angeles-2020'), 1))).toEqual([DETERMINATION.notEligible, 'Prior superstrike: 187 PC on 1990-01-01']);
  });

  test('two priors under the same section: both must precede; other sections and later ones do not count', () => {
    const policy: PolicyInput = { disqualifiers: { twoPriors: 'notEligible' } };
    const twoBefore = decideOn([conviction('11358 HS', '19900101'), conviction('11358(C) HS', '19950101', { county: 'KERN' }), conviction('11358 HS', '20000101')], policy, 2);
    expect(outcome(twoBefore)).toEqual([DETERMINATION.notEligible, 'Two prior HS 11358 convictions: 1990-01-01, 1995-01-01']);
    expect(twoBefore.reasonKey).toBe('Two prior same-section convictions');
    const oneBeforeOneAfter = decideOn([conviction('11358 HS', '19900101'), conviction('11358 HS', '20000101'), conviction('11358 HS', '20050101')], policy, 1);
    expect(outcome(oneBeforeOneAfter)).toEqual(['', '']);
    const otherSection = decideOn([conviction('11357 HS', '19900101'), conviction('11359 HS', '19950101'), conviction('11358 HS', '20000101')], policy, 2);
    expect(outcome(otherSection)).toEqual(['', '']);
    expect(outcome(decideOn([conviction('11358 HS', '19900101'), conviction('11358 HS', '19950101'), conviction('11358 HS', '20000101')], { disqualifiers: { twoPriors: 'handReview' } }, 2))).toEqual([
      DETERMINATION.handReview,
      'Two prior HS 11358 convictions: 1990-01-01, 1995-01-01',
    ]);
  });

  test('conviction after 11/9/2016: strictly after, felonies only, notEligible or handReview', () => {
    expect(outcome(decideOn([conviction('11359 HS', '20161110')], { disqualifiers: { afterEffectiveDate: 'handReview' } }, 0))).toEqual([
      DETERMINATION.handReview,
      'Occurred after 11/9/2016',
    ]);
    expect(outcome(decideOn([conviction('11359 HS', '20161109')], { disqualifiers: { afterEffectiveDate: 'notEligible' } }, 0))).toEqual(['', '']);
    expect(outcome(decideOn([conviction('11359 HS', '20170101', { felony: false })], { disqualifiers: { afterEffectiveDate: 'notEligible' } }, 0))).toEqual([
      DETERMINATION.dismissal,
      'Misdemeanor or Infraction',
    ]);
  });

  test('a prior with a malformed date cannot be placed in time: hand review, naming the section', () => {
    const decision = decideOn([conviction('288(A) PC', '19990200'), conviction('11360 HS', '20050101')], { disqualifiers: { pc290: 'notEligible' } }, 1);
    expect(outcome(decision)).toEqual([DETERMINATION.handReview, 'Prior PC 290 offense with a malformed STP_EVENT_DATE: 288(A) PC']);
  });
});

test('misdemeanor routing: dismiss (reference) or to the city attorney, before any disqualifier', () => {
  const rows = [conviction('187 PC', '19900101'), conviction('11357(A) HS', '20000101', { felony: false })];
  const all = { superstrike: 'notEligible', pc290: 'notEligible', twoPriors: 'notEligible', afterEffectiveDate: 'notEligible' } as const;
  expect(outcome(decideOn(rows, { misdemeanors: 'cityAttorney', disqualifiers: all }, 1))).toEqual([DETERMINATION.cityAttorney, 'Misdemeanor or Infraction']);
  expect(outcome(decideOn(rows, { misdemeanors: 'dismiss', disqualifiers: all }, 1))).toEqual([DETERMINATION.dismissal, 'Misdemeanor or Infraction']);
});

describe('presets', () => {
  test('reference-default: every section dismissed, no disqualifier, the reference relief options', () => {
    const policy = presetPolicy('reference-default');
    expect(outcome(decideOn([conviction('187 PC', '19900101'), conviction('11359 HS', '20100101')], policy, 1))).toEqual([DETERMINATION.dismissal, 'Dismiss all HS 11359 convictions']);
    expect(policy.disqualifiers).toEqual({
      afterEffectiveDate: 'ignore', superstrike: 'ignore', pc290: 'ignore', pc290Registration: 'ignore', twoPriors: 'ignore', servingSentence: 'ignore',
    });
    expect([policy.relatedConvictions, policy.flow]).toEqual(['ignore', 'standard']);
    expect([policy.yearsSinceConvictionThreshold, policy.yearsCrimeFreeThreshold, policy.subjectHasOnlyProp64Charges, policy.misdemeanors, policy.otherwise]).toEqual([5, 5, true, 'dismiss', 'none']);
  });

  test('dismiss-all: every Prop 64 conviction, felony or not, any date, is dismissed', () => {
    const policy = presetPolicy('dismiss-all');
    for (const [section, date, felony] of [['11357(C) HS', '19800101', true], ['11358 HS', '20190101', true], ['11360(A) HS', '20000101', false]] as const) {
      expect(decideOn([conviction(section, date, { felony })], policy, 0).determination).toBe(DETERMINATION.dismissal);
    }
  });

  test('los-angeles-2020 is what the issue says', () => {
    const policy = presetPolicy('los-angeles-2020');
    expect(policy.misdemeanors).toBe('cityAttorney');
    expect(policy.disqualifiers).toEqual({
      afterEffectiveDate: 'notEligible', superstrike: 'notEligible', pc290: 'notEligible', pc290Registration: 'notEligible', twoPriors: 'notEligible',
      servingSentence: 'handReview',
    });
    expect(policy.flow).toBe('los-angeles-2020');
    expect(policy.dismiss.map((e) => e.text)).toEqual(['11357(A)', '11357(B)']);
    expect(policy.handReview.map((e) => e.text)).toEqual(['11357']);
    expect(policy.reduce).toEqual([]);
    expect([policy.subjectAgeThreshold, policy.subjectUnder21AtConviction, policy.subjectHasOnlyProp64Charges, policy.yearsCrimeFreeThreshold, policy.subjectIsDeceased]).toEqual([
      50, true, true, 10, true,
    ]);
    expect(policy.yearsSinceConvictionThreshold).toBe(0);
    expect(policy.otherwise).toBe('handReview');
  });

  test('los-angeles-2020 produces each of its determinations, and never a reduction', () => {
    const la = presetPolicy('los-angeles-2020');
    const cases: Array<[RowValues[], number, string, string]> = [
      [[conviction('11357 HS', '20100101', { felony: false })], 0, DETERMINATION.cityAttorney, 'Misdemeanor or Infraction'],
      [[conviction('11359 HS', '20170101'), conviction('459 PC', '20180101')], 0, DETERMINATION.notEligible, 'Occurred after 11/9/2016'],
      [[conviction('11357(B) HS', '20100101'), conviction('459 PC', '20180101')], 0, DETERMINATION.dismissal, 'Dismiss all HS 11357(B) convictions'],
      [[conviction('11357(C) HS', '20100101'), conviction('459 PC', '20180101')], 0, DETERMINATION.handReview, 'Hand review all HS 11357 convictions'],
      [[conviction('11360 HS', '20100101', { dob: '19850101' }), conviction('459 PC', '20180101')], 0, DETERMINATION.handReview, 'No relief rule applies'],
      [[conviction('11360 HS', '20100101'), conviction('459 PC', '20180101'), stepRow(SUBJECT, 'DECEASED', { CNT_ORDER: '999001001000', STP_ORI_CNTY_NAME: COUNTY })], 0, DETERMINATION.dismissal, 'Individual is deceased'],
    ];
    for (const [rows, index, determination, reason] of cases) expect(outcome(decideOn(rows, la, index))).toEqual([determination, reason]);
  });
});

/**
 * The law as written (issue 23, eligibility.md "Beyond the reference"): homicide with any subdivision and attempts
 * recognised, disqualifiers on 11358-11360 felonies only, registration, a sentence still being served, related
 * convictions. Crafted people, one conviction decided at a time.
 */
describe('the law as written', () => {
  const everyDisqualifier = (handling: 'notEligible' | 'handReview'): PolicyInput => ({
    baselineEligibility: { dismiss: ['11357', '11358', '11359', '11360'] },
    disqualifiers: {
      superstrike: handling, pc290: handling, pc290Registration: handling, twoPriors: handling, afterEffectiveDate: handling, servingSentence: handling,
    },
  });

  test.each([
    ['murder', '187(A) PC-MURDER:SECOND DEGREE', 'Prior superstrike: 187(A) PC on 1995-06-01'],
    ['attempted murder', '664/187(A) PC-ATTEMPTED MURDER', 'Prior superstrike: 664/187(A) PC on 1995-06-01'],
    ['attempted rape', '664/261(A)(2) PC-ATTEMPTED RAPE', 'Prior superstrike: 664/261(A)(2) PC on 1995-06-01'],
    ['vehicular manslaughter', '191.5(A) PC-GROSS VEH MANSL WHILE INTOX', 'Prior superstrike: 191.5(A) PC on 1995-06-01'],
  ])('%s before an 11359 felony disqualifies it, with the section and date', (_, prior, reason) => {
    const rows = [conviction(prior, '19950601', { county: 'KERN' }), conviction('11359 HS-POSSESS FOR SALE', '20050101')];
    expect(outcome(decideOn(rows, everyDisqualifier('notEligible'), 1))).toEqual([DETERMINATION.notEligible, reason]);
    expect(outcome(decideOn(rows, everyDisqualifier('handReview'), 1))).toEqual([DETERMINATION.handReview, reason]);
    // the reference default ignores disqualifiers: the conviction is dismissed as before
    expect(decideOn(rows, presetPolicy('reference-default'), 1).determination).toBe(DETERMINATION.dismissal);
  });

  test('attempted rape is a PC 290 offense too (PC 290(c) covers attempts)', () => {
    const rows = [conviction('664/261 PC-ATTEMPTED RAPE', '19950601'), conviction('11359 HS-POSSESS FOR SALE', '20050101')];
    const policy: PolicyInput = { disqualifiers: { pc290: 'notEligible' } };
    expect(outcome(decideOn(rows, policy, 1))).toEqual([DETERMINATION.notEligible, 'Prior PC 290 offense: 664/261 PC on 1995-06-01']);
  });

  test('a superstrike, PC 290 offense, registration or two priors before an 11357 felony: no felony path, no disqualification', () => {
    const rows = [
      conviction('187 PC-MURDER', '19900101'),
      conviction('288(A) PC-LEWD ACT', '19910101'),
      stepRow(SUBJECT, 'REGISTRATION', { OFFENSE_DESCR: '290 PC-REGISTRATION OF SEX OFFENDER', STP_EVENT_DATE: '19920101', STP_ORI_CNTY_NAME: COUNTY, CNT_ORDER: '950001001000' }),
      conviction('11357 HS-POSSESS', '19930101'),
      conviction('11357(C) HS-POSSESS', '19940101'),
      conviction('11357(A) HS-POSSESS', '20000101'),
    ];
    expect(outcome(decideOn(rows, everyDisqualifier('notEligible'), 4))).toEqual([DETERMINATION.dismissal, 'Dismiss all HS 11357 convictions']);
    // the same history before an 11358 felony disqualifies it
    const rows11358 = [...rows.slice(0, 5), conviction('11358 HS-CULTIVATE', '20000101')];
    expect(outcome(decideOn(rows11358, everyDisqualifier('notEligible'), 4))).toEqual([DETERMINATION.notEligible, 'Prior superstrike: 187 PC on 1990-01-01']);
  });

  test('a PC 290 registration counts only before the conviction, and names the step and its date', () => {
    const registration = (date: string) =>
      stepRow(SUBJECT, 'REGISTRATION', { OFFENSE_DESCR: '290 PC-REGISTRATION OF SEX OFFENDER', STP_EVENT_DATE: date, STP_ORI_CNTY_NAME: COUNTY, CNT_ORDER: '950001001000' });
    const policy: PolicyInput = { disqualifiers: { pc290Registration: 'notEligible' } };
    expect(outcome(decideOn([registration('20010506'), conviction('11360 HS', '20050101')], policy, 0))).toEqual([
      DETERMINATION.notEligible,
      'Prior PC 290 registration: 290 PC on 2001-05-06',
    ]);
    expect(outcome(decideOn([conviction('11360 HS', '20050101'), registration('20100101')], policy, 0))).toEqual(['', '']);
    expect(outcome(decideOn([registration('2001XX06'), conviction('11360 HS', '20050101')], policy, 0))).toEqual([
      DETERMINATION.handReview,
      'Prior PC 290 registration with a malformed STP_EVENT_DATE: 290 PC',
    ]);
    // the pc290 disqualifier alone does not read registrations
    expect(outcome(decideOn([registration('20010506'), conviction('11360 HS', '20050101')], { disqualifiers: { pc290: 'notEligible' } }, 0))).toEqual(['', '']);
  });

  describe('a sentence still being served', () => {
    const sentenced = (length: string, code: string, date = '20190101') =>
      conviction('11359 HS-POSSESS FOR SALE', date, { extra: { SENT_LENGTH: length, SENT_TIME_CODE: code } });
    const policy: PolicyInput = { baselineEligibility: { dismiss: ['11359'] }, disqualifiers: { servingSentence: 'handReview' } };

    test('ending after compute-at: hand review with the end date; ending on or before it: the next rule decides', () => {
      // 2019-01-01 + 2 years of 366 days = 2021-01-02, after 2020-07-01
      expect(outcome(decideOn([sentenced('2', 'Y')], policy, 0))).toEqual([DETERMINATION.handReview, 'Currently serving sentence: until 2021-01-02']);
      // 547 days end on 2020-07-01 itself: completed
      expect(outcome(decideOn([sentenced('547', 'D')], policy, 0))).toEqual([DETERMINATION.dismissal, 'Dismiss all HS 11359 convictions']);
      expect(outcome(decideOn([sentenced('548', 'D')], policy, 0))).toEqual([DETERMINATION.handReview, 'Currently serving sentence: until 2020-07-02']);
      // months are 30.5 days; an unknown code or a length that is not a whole number counts 0
      expect(outcome(decideOn([sentenced('18', 'M')], policy, 0)).at(0)).toBe(DETERMINATION.handReview);
      for (const [length, code] of [['2', 'L'], ['2.5', 'Y'], ['', 'Y'], ['-2', 'Y'], ['2 ', 'Y']]) {
        expect(outcome(decideOn([sentenced(length, code)], policy, 0))).toEqual([DETERMINATION.dismissal, 'Dismiss all HS 11359 convictions']);
      }
    });

    test("sentence parts (later convicting rows of the same count) add up; another count's sentence does not count", () => {
      const first = sentenced('300', 'D');
      const part = { ...first, SENT_LENGTH: '300', SENT_TIME_CODE: 'D', RECORD_ID: 'part' };
      expect(outcome(decideOn([first], policy, 0)).at(0)).toBe(DETERMINATION.dismissal);
      expect(outcome(decideOn([first, part], policy, 0))).toEqual([DETERMINATION.handReview, 'Currently serving sentence: until 2020-08-23']);
      const other = conviction('459 PC-BURGLARY', '20190101', { extra: { SENT_LENGTH: '5', SENT_TIME_CODE: 'Y' } });
      expect(outcome(decideOn([first, other], policy, 0)).at(0)).toBe(DETERMINATION.dismissal);
    });

    test('a misdemeanor is decided first; an 11357 felony is held too (the sentence is its own)', () => {
      const misdemeanor = conviction('11359 HS', '20190101', { felony: false, extra: { SENT_LENGTH: '5', SENT_TIME_CODE: 'Y' } });
      expect(outcome(decideOn([misdemeanor], policy, 0))).toEqual([DETERMINATION.dismissal, 'Misdemeanor or Infraction']);
      const felony11357 = conviction('11357 HS', '20150101', { extra: { SENT_LENGTH: '6', SENT_TIME_CODE: 'Y' } });
      expect(decideOn([felony11357], policy, 0).reason).toBe('Currently serving sentence: until 2021-01-05');
    });
  });

  test('statute-conservative never decides "Not eligible": every disqualifier goes to hand review with its evidence', () => {
    const policy = presetPolicy('statute-conservative');
    const cases: Array<[RowValues[], number, string]> = [
      [[conviction('664/187(A) PC', '19950101'), conviction('11360 HS', '20050101')], 1, 'Prior superstrike: 664/187(A) PC on 1995-01-01'],
      [[conviction('11359 HS', '20170101')], 0, 'Occurred after 11/9/2016'],
      [[conviction('11358 HS', '19900101'), conviction('11358 HS', '19950101'), conviction('11358 HS', '20000101')], 2, 'Two prior HS 11358 convictions: 1990-01-01, 1995-01-01'],
    ];
    for (const [rows, index, reason] of cases) expect(outcome(decideOn(rows, policy, index))).toEqual([DETERMINATION.handReview, reason]);
    expect(outcome(decideOn([conviction('11359 HS', '20100101')], policy, 0))).toEqual([DETERMINATION.reduction, 'Reduce all HS 11359 convictions']);
    expect(outcome(decideOn([conviction('11357 HS', '20100101', { felony: false })], policy, 0))).toEqual([DETERMINATION.dismissal, 'Misdemeanor or Infraction']);
  });
});

describe('rule order with disqualifiers (eligibility.md)', () => {
  const every: PolicyInput = {
    baselineEligibility: { dismiss: ['11357', '11358', '11359', '11360'] },
    disqualifiers: { superstrike: 'notEligible', pc290: 'notEligible', twoPriors: 'notEligible', afterEffectiveDate: 'handReview', servingSentence: 'handReview' },
  };

  test('standard: misdemeanors first, then the effective date, the priors, the sentence, then the dismiss list', () => {
    const after2016 = conviction('11359 HS', '20170101', { extra: { SENT_LENGTH: '9', SENT_TIME_CODE: 'Y' } });
    expect(decideOn([conviction('187 PC', '19900101'), after2016], every, 1).rule).toBe('afterEffectiveDate');
    expect(decideOn([conviction('187 PC', '19900101'), conviction('11359 HS', '20150101', { extra: { SENT_LENGTH: '9', SENT_TIME_CODE: 'Y' } })], every, 1).rule).toBe('superstrike');
    expect(decideOn([conviction('11359 HS', '20150101', { extra: { SENT_LENGTH: '9', SENT_TIME_CODE: 'Y' } })], every, 0).rule).toBe('servingSentence');
    expect(decideOn([conviction('11359 HS', '20170101', { felony: false })], every, 0).rule).toBe('misdemeanor');
  });

  test('los-angeles-2020: the effective date before the 11357 rule, which comes before the disqualifiers', () => {
    const la = presetPolicy('los-angeles-2020');
    expect(outcome(decideOn([conviction('187 PC', '19900101'), conviction('11357(C) HS', '20170101')], la, 1))).toEqual([DETERMINATION.notEligible, 'Occurred after 11/9/2016']);
    expect(outcome(decideOn([conviction('187 PC', '19900101'), conviction('11357(A) HS', '20100101')], la, 1))).toEqual([DETERMINATION.dismissal, 'Dismiss all HS 11357(A) convictions']);
    // 50 or older comes before 21 or younger (a 70-year-old... cannot be both; order shown with the serving rule after both)
    expect(decideOn([conviction('11359 HS', '20150101', { dob: '19600101', extra: { SENT_LENGTH: '9', SENT_TIME_CODE: 'Y' } }), conviction('459 PC', '20150101', { dob: '19600101' })], la, 0).rule).toBe('ageThreshold');
  });
});

describe('properties of the law as written', () => {
  /** Every evaluated conviction's decision, with its Prop 64 section index, on arbitrary people. */
  function decisions(rows: ArbitraryRow[], birthDates: string[], policy: ReturnType<typeof presetPolicy>, computeAt: string) {
    const people = new Map<string, Person>();
    const fields = fieldsOf(rows, birthDates);
    makeConvictionsConsistent(fields);
    fields.forEach((f, position) => {
      const id = f[COL.SUBJECT_ID];
      if (!people.has(id)) people.set(id, new Person(id));
      people.get(id)!.pushRow(f, position);
    });
    const out: Array<{ prop64: number; isFelony: boolean; decision: Decision }> = [];
    for (const person of people.values()) {
      const facts = personFacts(person);
      for (const c of person.convictions) {
        if (c.county !== 'SACRAMENTO' || c.prop64 < 0) continue;
        out.push({ prop64: c.prop64, isFelony: c.isFelony, decision: decide(c, person, facts, policy, { county: 'SACRAMENTO', computeAtDay: parseIsoDate(computeAt) }) });
      }
    }
    return out;
  }

  test('a prior-reading disqualifier never decides an 11357 conviction, under any policy', () => {
    fc.assert(
      fc.property(fc.array(rowArbitrary, { minLength: 1, maxLength: 25 }), birthDatesArbitrary, policyArbitrary, computeAtArbitrary, (rows, birthDates, policy, computeAt) => {
        for (const { prop64, decision } of decisions(rows, birthDates, parsePolicy(policy), computeAt)) {
          if (prop64 === 0) expect(['superstrike', 'pc290', 'pc290Registration', 'twoPriors']).not.toContain(decision.rule);
        }
      }),
      { numRuns: 400 },
    );
  });

  test('statute-conservative never decides "Not eligible", and relieves every misdemeanor and every felony it does not send to a person', () => {
    const conservative = presetPolicy('statute-conservative');
    fc.assert(
      fc.property(fc.array(rowArbitrary, { minLength: 1, maxLength: 25 }), birthDatesArbitrary, computeAtArbitrary, (rows, birthDates, computeAt) => {
        for (const { isFelony, decision } of decisions(rows, birthDates, conservative, computeAt)) {
          expect(decision.determination).not.toBe(DETERMINATION.notEligible);
          if (decision.determination !== DETERMINATION.handReview) {
            expect(decision.determination).toBe(isFelony ? DETERMINATION.reduction : DETERMINATION.dismissal);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
