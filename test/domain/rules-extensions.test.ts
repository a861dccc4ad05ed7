/**
 * The policy extensions of issue 5 (eligibility.md, "Beyond the reference"), one conviction at a time through
 * `decide`: time-aware disqualifiers with their evidence, misdemeanor routing, and the named presets, each
 * checked against the words of the issue.
 */
import { parseIsoDate } from '../../lambdas/domain/dates';
import { Person, personFacts } from '../../lambdas/domain/person';
import { parsePolicy, PolicyInput, presetPolicy } from '../../lambdas/domain/policy';
import { decide, Decision, DETERMINATION } from '../../lambdas/domain/rules';
import { convictionRow, dojFields, RowValues, stepRow } from '../helpers/doj-rows';

const COUNTY = 'LOS ANGELES';
const SUBJECT = '5001';
let count = 0;

function conviction(offense: string, date: string, options: { felony?: boolean; county?: string; dob?: string } = {}): RowValues {
  count++;
  return convictionRow({
    subjectId: SUBJECT,
    offense,
    date,
    felony: options.felony ?? true,
    county: options.county ?? COUNTY,
    dob: options.dob ?? '19800101',
    countOrder: `${String(100 + count).padStart(3, '0')}001001000`,
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
    expect(policy.disqualifiers).toEqual({ afterEffectiveDate: 'ignore', superstrike: 'ignore', pc290: 'ignore', twoPriors: 'ignore' });
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
    expect(policy.disqualifiers).toEqual({ afterEffectiveDate: 'notEligible', superstrike: 'notEligible', pc290: 'notEligible', twoPriors: 'notEligible' });
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
