/**
 * The eligibility rules (eligibility.md "Rules, first match wins"), one conviction at a time through `decide`,
 * with the boundaries the spec names, our deliberate deviations and our extensions.
 */
import { Decision, DETERMINATION } from '../../lambdas/domain/decision';
import { parseIsoDate } from '../../lambdas/domain/dates';
import { Conviction, Person, personFacts } from '../../lambdas/domain/person';
import { parsePolicy, PolicyInput, presetPolicy, PRESETS } from '../../lambdas/domain/policy';
import { decide, isRelief } from '../../lambdas/domain/rules';
import { convictionRow, dojFields, RowValues, stepRow } from '../helpers/doj-rows';

const COUNTY = 'SACRAMENTO';
const COMPUTE_AT = '2020-07-01';
const SUBJECT = '1001';

interface Case {
  rows: RowValues[];
  policy: PolicyInput;
  computeAt?: string;
  /** Index among the person's convictions of the one decided (default 0). */
  conviction?: number;
  rejectedRows?: number;
}

function personOf(rows: readonly RowValues[], rejectedRows = 0): Person {
  const person = new Person(SUBJECT);
  rows.forEach((row, position) => person.pushRow(dojFields({ SUBJECT_ID: SUBJECT, ...row }), position));
  person.rejectedRows = rejectedRows;
  return person;
}

function decideCase({ rows, policy, computeAt = COMPUTE_AT, conviction = 0, rejectedRows = 0 }: Case): Decision {
  const person = personOf(rows, rejectedRows);
  const target: Conviction | undefined = person.convictions[conviction];
  if (target === undefined) throw new Error(`no conviction ${conviction} among ${person.convictions.length}`);
  return decide(target, person, personFacts(person), parsePolicy(policy), { county: COUNTY, computeAtDay: parseIsoDate(computeAt) });
}

/** Determination and reason only. */
function outcome(testCase: Case): [string, string] {
  const decision = decideCase(testCase);
  return [decision.determination, decision.reason];
}

const felony = (offense: string, date: string, extra: Partial<Parameters<typeof convictionRow>[0]> = {}): RowValues =>
  convictionRow({ subjectId: SUBJECT, offense, date, countOrder: `${nextCount()}`, ...extra });
const misdemeanor = (offense: string, date: string, extra: Partial<Parameters<typeof convictionRow>[0]> = {}): RowValues =>
  felony(offense, date, { felony: false, ...extra });

let countSequence = 0;
/** A distinct CNT_ORDER per conviction row (one count each). */
function nextCount(): string {
  countSequence++;
  return `${String(100 + countSequence).padStart(3, '0')}001001000`;
}

const NONE: [string, string] = ['', ''];
const dismissal = (reason: string): [string, string] => [DETERMINATION.dismissal, reason];

describe('rule 1: not a felony', () => {
  test('a misdemeanor is dismissed, whatever else the policy says', () => {
    expect(outcome({ rows: [misdemeanor('11359 HS-POSSESS FOR SALE', '20100101')], policy: { baselineEligibility: { reduce: ['11359'] } } })).toEqual(
      dismissal('Misdemeanor or Infraction'),
    );
  });
  test('an infraction (blank CONV_STAT_DESCR, OFFENSE_TOC I) is dismissed', () => {
    const row = felony('11357(B) HS-POSS 28.5 GRAMS', '20100101', { extra: { CONV_STAT_DESCR: '', OFFENSE_TOC: 'I' } });
    expect(outcome({ rows: [row], policy: {} })).toEqual(dismissal('Misdemeanor or Infraction'));
  });
  test('blank CONV_STAT_DESCR with OFFENSE_TOC F is a felony', () => {
    const row = felony('11358 HS-CULTIVATE', '20100101', { extra: { CONV_STAT_DESCR: '' } });
    expect(outcome({ rows: [row], policy: {} })).toEqual(NONE);
  });
  test('CONV_STAT_DESCR MISDEMEANOR wins over OFFENSE_TOC F', () => {
    const row = felony('11358 HS-CULTIVATE', '20100101', { extra: { CONV_STAT_DESCR: 'MISDEMEANOR' } });
    expect(outcome({ rows: [row], policy: {} })).toEqual(dismissal('Misdemeanor or Infraction'));
  });
  test('{} dismisses only misdemeanors', () => {
    expect(outcome({ rows: [misdemeanor('11360 HS-SELL', '19900101')], policy: {} })).toEqual(dismissal('Misdemeanor or Infraction'));
    expect(outcome({ rows: [felony('11360 HS-SELL', '19900101')], policy: {} })).toEqual(NONE);
  });
});

describe('rule 2: section in the dismiss list', () => {
  test.each([
    ['11357 HS-POSSESS', 'Dismiss all HS 11357 convictions'],
    ['11358(C) HS-CULTIVATE 6+ PLANTS', 'Dismiss all HS 11358 convictions'],
    ['11359HS-INTENT SELL', 'Dismiss all HS 11359 convictions'],
    ['11360(A) HS-TRANSPORT', 'Dismiss all HS 11360 convictions'],
  ])('%s → %s', (offense, reason) => {
    const policy = { baselineEligibility: { dismiss: ['11357', '11358', '11359', '11360'] } };
    expect(outcome({ rows: [felony(offense, '20150101')], policy })).toEqual(dismissal(reason));
  });
  test('a section not in the list is not dismissed by it', () => {
    expect(outcome({ rows: [felony('11359 HS-POSSESS FOR SALE', '20150101')], policy: { baselineEligibility: { dismiss: ['11357', '11358'] } } })).toEqual(NONE);
  });
  test('list order decides between a subdivision entry and the whole section', () => {
    const row = felony('11357(A) HS-POSSESS', '20150101');
    expect(outcome({ rows: [row], policy: { baselineEligibility: { dismiss: ['11357(A)', '11357'] } } })).toEqual(dismissal('Dismiss all HS 11357(A) convictions'));
    expect(outcome({ rows: [row], policy: { baselineEligibility: { dismiss: ['11357', '11357(A)'] } } })).toEqual(dismissal('Dismiss all HS 11357 convictions'));
  });
  test('an 11357 subdivision entry matches only that subdivision', () => {
    const policy = { baselineEligibility: { dismiss: ['11357(A)', '11357(B)'] } };
    expect(outcome({ rows: [felony('11357(B) HS-POSS', '20150101')], policy })).toEqual(dismissal('Dismiss all HS 11357(B) convictions'));
    expect(outcome({ rows: [felony('11357(C) HS-POSS', '20150101')], policy })).toEqual(NONE);
    expect(outcome({ rows: [felony('11357 HS-POSS', '20150101')], policy })).toEqual(NONE);
  });

  // Regression: "11359(B)" was accepted and then never matched; only 11357 subdivisions are valid entries.
  test('a subdivision entry of another section (11359(B)) is rejected by validation, naming the field and value', () => {
    expect(() => parsePolicy({ baselineEligibility: { dismiss: ['11359(B)'] } })).toThrow(/baselineEligibility\.dismiss\[0\]: "11359\(B\)"/);
  });
});

describe('rule 3: under 21 on the conviction date ("under 21" excludes the 21st birthday)', () => {
  const policy = { additionalRelief: { subjectUnder21AtConviction: true } };
  test.each([
    ['19900315', '20110314', dismissal('21 years or younger')],
    ['19900315', '20110315', NONE],
    ['19900315', '20110316', NONE],
    ['19900315', '20050101', dismissal('21 years or younger')],
    // 29 February + 21 years lands on 1 March
    ['19920229', '20130228', dismissal('21 years or younger')],
    ['19920229', '20130301', NONE],
  ])('born %s, convicted %s', (dob, date, expected) => {
    expect(outcome({ rows: [felony('11359 HS-POSSESS FOR SALE', date, { dob })], policy })).toEqual(expected);
  });
  test('off by default', () => {
    expect(outcome({ rows: [felony('11359 HS', '20050101', { dob: '19900315' })], policy: {} })).toEqual(NONE);
  });
});

describe('rule 4: N or older on the compute-at date (includes the anniversary)', () => {
  test.each([
    [57, '19630701', COMPUTE_AT, dismissal('57 years or older')],
    [57, '19630702', COMPUTE_AT, NONE],
    [57, '19400101', COMPUTE_AT, dismissal('57 years or older')],
    [40, '19800701', COMPUTE_AT, dismissal('40 years or older')],
    [65, '19550702', COMPUTE_AT, NONE],
    [65, '19550701', COMPUTE_AT, dismissal('65 years or older')],
    // 29 February + 57 years lands on 1 March 2017
    [57, '19600229', '2017-02-28', NONE],
    [57, '19600229', '2017-03-01', dismissal('57 years or older')],
  ])('threshold %i, born %s, computed at %s', (threshold, dob, computeAt, expected) => {
    const policy = { additionalRelief: { subjectAgeThreshold: threshold } };
    expect(outcome({ rows: [felony('11360 HS-SELL', '20150101', { dob })], policy, computeAt })).toEqual(expected);
  });
  test('the age counts at compute-at, not at conviction', () => {
    const policy = { additionalRelief: { subjectAgeThreshold: 57 } };
    const row = felony('11360 HS-SELL', '19900101', { dob: '19600101' });
    expect(outcome({ rows: [row], policy, computeAt: '2016-12-31' })).toEqual(NONE);
    expect(outcome({ rows: [row], policy, computeAt: '2017-01-01' })).toEqual(dismissal('57 years or older'));
  });
});

describe('rule 5: conviction N or more years before compute-at (includes the anniversary)', () => {
  test.each([
    [10, '20100701', COMPUTE_AT, dismissal('Conviction occurred 10 or more years ago')],
    [10, '20100702', COMPUTE_AT, NONE],
    [1, '20190701', COMPUTE_AT, dismissal('Conviction occurred 1 or more years ago')],
    [15, '20050701', COMPUTE_AT, dismissal('Conviction occurred 15 or more years ago')],
    [15, '20050702', COMPUTE_AT, NONE],
    // 29 February + 10 years lands on 1 March 2018
    [10, '20080229', '2018-02-28', NONE],
    [10, '20080229', '2018-03-01', dismissal('Conviction occurred 10 or more years ago')],
    // a conviction after compute-at
    [1, '20210101', COMPUTE_AT, NONE],
  ])('threshold %i, convicted %s, computed at %s', (threshold, date, computeAt, expected) => {
    const policy = { additionalRelief: { yearsSinceConvictionThreshold: threshold } };
    expect(outcome({ rows: [felony('11358 HS-CULTIVATE', date)], policy, computeAt })).toEqual(expected);
  });
});

describe('rule 6: latest conviction (any county, any section) more than N years before compute-at (excludes the anniversary)', () => {
  const policy = { additionalRelief: { yearsCrimeFreeThreshold: 5 } };
  test.each([
    ['20150630', dismissal('No convictions in the past 5 years')],
    ['20150701', NONE],
    ['20150702', NONE],
  ])('latest conviction %s', (latest, expected) => {
    const rows = [felony('11359 HS-POSSESS FOR SALE', '20010101'), felony('459 PC-BURGLARY', latest, { county: 'LOS ANGELES' })];
    expect(outcome({ rows, policy })).toEqual(expected);
  });
  test('29 February + 5 years lands on 1 March: crime-free only from 2 March', () => {
    const rows = [felony('11359 HS', '20000101'), felony('459 PC', '20080229')];
    const crimeFree3 = { additionalRelief: { yearsCrimeFreeThreshold: 3 } };
    expect(outcome({ rows, policy: crimeFree3, computeAt: '2011-03-01' })).toEqual(NONE);
    expect(outcome({ rows, policy: crimeFree3, computeAt: '2011-03-02' })).toEqual(dismissal('No convictions in the past 3 years'));
  });
  test('arrests and dismissed counts are not convictions', () => {
    const rows = [
      felony('11359 HS', '20010101'),
      stepRow(SUBJECT, 'ARREST/DETAINED/CITED', { STP_EVENT_DATE: '20200101', OFFENSE_DESCR: '459 PC', CNT_ORDER: '900001001000' }),
      felony('459 PC', '20200101', { extra: { DISP_DESCR: 'DISMISSED' } }),
    ];
    expect(outcome({ rows, policy })).toEqual(dismissal('No convictions in the past 5 years'));
  });
});

describe('rule 7: every conviction of the person is a Prop 64 one', () => {
  const policy = { additionalRelief: { subjectHasOnlyProp64Charges: true } };
  test('only Prop 64 convictions, in any county', () => {
    const rows = [felony('11359 HS', '20150101'), misdemeanor('11357 HS', '20160101', { county: 'LOS ANGELES' })];
    expect(outcome({ rows, policy })).toEqual(dismissal('Only has 11357-60 charges'));
  });
  test('one other conviction anywhere stops it', () => {
    const rows = [felony('11359 HS', '20150101'), misdemeanor('23152(A) VC-DUI', '19900101', { county: 'LOS ANGELES' })];
    expect(outcome({ rows, policy })).toEqual(NONE);
  });
  test('a non-convicting row of another offense does not stop it', () => {
    const rows = [felony('11359 HS', '20150101'), felony('459 PC-BURGLARY', '20160101', { extra: { DISP_DESCR: 'DISMISSED' } })];
    expect(outcome({ rows, policy })).toEqual(dismissal('Only has 11357-60 charges'));
  });
});

describe('rule 8: the person is deceased', () => {
  const policy = { additionalRelief: { subjectIsDeceased: true } };
  test('a DECEASED step', () => {
    const rows = [felony('11360 HS', '20150101'), felony('459 PC', '20160101'), stepRow(SUBJECT, 'DECEASED', { CNT_ORDER: '900001001000' })];
    expect(outcome({ rows, policy })).toEqual(dismissal('Individual is deceased'));
    expect(outcome({ rows: rows.slice(0, 2), policy })).toEqual(NONE);
  });
});

describe('rule 9: section in the reduce list', () => {
  test.each(['11357', '11358', '11359', '11360'])('%s', (section) => {
    const policy = { baselineEligibility: { reduce: [section] } };
    expect(outcome({ rows: [felony(`${section} HS-X`, '20150101')], policy })).toEqual([DETERMINATION.reduction, `Reduce all HS ${section} convictions`]);
  });
});

describe('first match wins, in the order of eligibility.md', () => {
  // One felony 11359 conviction that every rule 2-9 would relieve: born 1950-01-01 (under 21 at a 1969 conviction,
  // 70 at compute-at), convicted 1969-06-01 (51 years ago, the latest conviction), only Prop 64, deceased.
  const rows = [felony('11359 HS-POSSESS FOR SALE', '19690601', { dob: '19500101' }), stepRow(SUBJECT, 'DECEASED', { CNT_ORDER: '900001001000' })];
  const all: Required<Pick<PolicyInput, 'baselineEligibility' | 'additionalRelief'>> = {
    baselineEligibility: { dismiss: ['11359'], reduce: [] },
    additionalRelief: {
      subjectUnder21AtConviction: true,
      subjectAgeThreshold: 57,
      yearsSinceConvictionThreshold: 10,
      yearsCrimeFreeThreshold: 10,
      subjectHasOnlyProp64Charges: true,
      subjectIsDeceased: true,
    },
  };
  const steps: Array<[string, (p: typeof all) => void, [string, string]]> = [
    ['everything on', () => undefined, dismissal('Dismiss all HS 11359 convictions')],
    ['11359 reduced, not dismissed', (p) => (p.baselineEligibility = { dismiss: [], reduce: ['11359'] }), dismissal('21 years or younger')],
    ['under 21 off', (p) => (p.additionalRelief.subjectUnder21AtConviction = false), dismissal('57 years or older')],
    ['age off', (p) => (p.additionalRelief.subjectAgeThreshold = 0), dismissal('Conviction occurred 10 or more years ago')],
    ['years since off', (p) => (p.additionalRelief.yearsSinceConvictionThreshold = 0), dismissal('No convictions in the past 10 years')],
    ['crime-free off', (p) => (p.additionalRelief.yearsCrimeFreeThreshold = 0), dismissal('Only has 11357-60 charges')],
    ['only Prop 64 off', (p) => (p.additionalRelief.subjectHasOnlyProp64Charges = false), dismissal('Individual is deceased')],
    ['deceased off', (p) => (p.additionalRelief.subjectIsDeceased = false), [DETERMINATION.reduction, 'Reduce all HS 11359 convictions']],
    ['reduce off', (p) => (p.baselineEligibility = { dismiss: [], reduce: [] }), NONE],
  ];
  test('switching rules off one by one walks down the list', () => {
    const policy = structuredClone(all);
    const seen: Array<[string, [string, string]]> = [];
    for (const [name, change] of steps) {
      change(policy);
      seen.push([name, outcome({ rows, policy })]);
    }
    expect(seen).toEqual(steps.map(([name, , expected]) => [name, expected]));
  });
  test('the decision names the rule that fired', () => {
    expect(decideCase({ rows, policy: all }).rule).toBe('dismissSection');
    expect(decideCase({ rows: [misdemeanor('11359 HS', '20150101')], policy: all }).rule).toBe('misdemeanor');
  });
});

describe('deliberate deviations', () => {
  test('a malformed conviction date goes to Hand Review naming the field, before any other rule', () => {
    for (const date of ['19790000', '', '2015010', '20150230']) {
      const decision = decideCase({ rows: [felony('11357 HS', date)], policy: presetPolicyInput('dismiss-all') });
      expect([decision.determination, decision.reason]).toEqual([DETERMINATION.handReview, 'Malformed date in STP_EVENT_DATE']);
    }
    expect(outcome({ rows: [misdemeanor('11357 HS', '19790000')], policy: {} })).toEqual([DETERMINATION.handReview, 'Malformed date in STP_EVENT_DATE']);
  });

  test('a malformed conviction date never fires an age or time rule', () => {
    const policy = { additionalRelief: { subjectUnder21AtConviction: true, subjectAgeThreshold: 40, yearsSinceConvictionThreshold: 1, yearsCrimeFreeThreshold: 1 } };
    expect(outcome({ rows: [felony('11359 HS', '19790000', { dob: '19300101' })], policy })).toEqual([DETERMINATION.handReview, 'Malformed date in STP_EVENT_DATE']);
  });

  test('a malformed birth date goes to Hand Review when an age rule is on, naming PRI_DOB', () => {
    const row = felony('11359 HS', '20000101', { dob: '19700000' });
    expect(outcome({ rows: [row], policy: { additionalRelief: { subjectUnder21AtConviction: true } } })).toEqual([DETERMINATION.handReview, 'Malformed date in PRI_DOB']);
    expect(outcome({ rows: [row], policy: { additionalRelief: { subjectAgeThreshold: 50 } } })).toEqual([DETERMINATION.handReview, 'Malformed date in PRI_DOB']);
    // no age rule: the birth date is not needed
    expect(outcome({ rows: [row], policy: { additionalRelief: { yearsSinceConvictionThreshold: 10 } } })).toEqual(dismissal('Conviction occurred 10 or more years ago'));
    // a dismiss-list match comes first
    expect(outcome({ rows: [row], policy: { baselineEligibility: { dismiss: ['11359'] }, additionalRelief: { subjectAgeThreshold: 50 } } })).toEqual(
      dismissal('Dismiss all HS 11359 convictions'),
    );
  });

  test('a malformed date of another conviction goes to Hand Review when the crime-free rule is reached', () => {
    const rows = [felony('11359 HS', '20000101'), felony('459 PC', '19990000')];
    expect(outcome({ rows, policy: { additionalRelief: { yearsCrimeFreeThreshold: 5 } } })).toEqual([
      DETERMINATION.handReview,
      'Malformed date in STP_EVENT_DATE of another conviction',
    ]);
    expect(outcome({ rows, policy: { additionalRelief: { yearsSinceConvictionThreshold: 5, yearsCrimeFreeThreshold: 5 } } })).toEqual(
      dismissal('Conviction occurred 5 or more years ago'),
    );
    expect(outcome({ rows, policy: { baselineEligibility: { reduce: ['11359'] } } })).toEqual([DETERMINATION.reduction, 'Reduce all HS 11359 convictions']);
  });

  test('a person with rejected rows: every evaluated conviction goes to Hand Review, misdemeanors included', () => {
    const rows = [felony('11357 HS', '20000101'), misdemeanor('11358 HS', '20010101')];
    const policy = presetPolicyInput('dismiss-all');
    expect(outcome({ rows, policy, rejectedRows: 2 })).toEqual([DETERMINATION.handReview, 'Incomplete record: 2 rejected rows']);
    expect(outcome({ rows, policy, rejectedRows: 1, conviction: 1 })).toEqual([DETERMINATION.handReview, 'Incomplete record: 1 rejected rows']);
    expect(decideCase({ rows, policy, rejectedRows: 3 }).reasonKey).toBe('Incomplete record');
  });

  test('PC 288(A) counts as a PC 290 offense for the pc290 disqualifier', () => {
    const rows = [felony('288(A) PC-LEWD ACT W/CHILD', '19950101'), felony('11359 HS', '20000101')];
    expect(outcome({ rows, policy: { disqualifiers: { pc290: 'notEligible' } }, conviction: 1 })).toEqual([
      DETERMINATION.notEligible,
      'Prior PC 290 offense: 288(A) PC on 1995-01-01',
    ]);
  });
});

describe('disqualifiers (extension): felonies only, only when the disqualifying conviction precedes', () => {
  const prop64 = (date: string) => felony('11359 HS-POSSESS FOR SALE', date);
  test.each<[string, RowValues, 'superstrike' | 'pc290', string, string]>([
    ['superstrike', felony('187 PC-MURDER', '19900101', { county: 'LOS ANGELES' }), 'superstrike', 'Prior superstrike: 187 PC on 1990-01-01', 'Prior superstrike'],
    ['PC 290', felony('261(A)(2) PC-RAPE', '19900101'), 'pc290', 'Prior PC 290 offense: 261(A)(2) PC on 1990-01-01', 'Prior PC 290 offense'],
  ])('a prior %s: notEligible / handReview with evidence, ignore by default', (_, prior, kind, reason, reasonKey) => {
    const rows = [prior, prop64('20000101')];
    const notEligible = decideCase({ rows, policy: { disqualifiers: { [kind]: 'notEligible' } }, conviction: 1 });
    expect([notEligible.determination, notEligible.reason, notEligible.reasonKey, notEligible.rule]).toEqual([DETERMINATION.notEligible, reason, reasonKey, kind]);
    const review = decideCase({ rows, policy: { disqualifiers: { [kind]: 'handReview' } }, conviction: 1 });
    expect([review.determination, review.reason]).toEqual([DETERMINATION.handReview, reason]);
    expect(outcome({ rows, policy: { disqualifiers: { [kind]: 'ignore' } }, conviction: 1 })).toEqual(NONE);
    expect(outcome({ rows, policy: {}, conviction: 1 })).toEqual(NONE);
  });

  test('a disqualifier on the same date or later does not count', () => {
    const policy = { disqualifiers: { superstrike: 'notEligible' as const } };
    expect(outcome({ rows: [felony('187 PC', '20000101'), prop64('20000101')], policy, conviction: 1 })).toEqual(NONE);
    expect(outcome({ rows: [prop64('20000101'), felony('187 PC', '20000102')], policy })).toEqual(NONE);
  });

  test('a disqualifier with a malformed date sends the conviction to Hand Review', () => {
    const decision = decideCase({ rows: [felony('187 PC', '19900000'), prop64('20000101')], policy: { disqualifiers: { superstrike: 'notEligible' } }, conviction: 1 });
    expect([decision.determination, decision.reason, decision.reasonKey]).toEqual([
      DETERMINATION.handReview,
      'Prior superstrike with a malformed STP_EVENT_DATE: 187 PC',
      'Prior superstrike with a malformed STP_EVENT_DATE',
    ]);
  });

  test('a dated prior wins over an undated one', () => {
    const rows = [felony('187 PC', '19900000'), felony('220 PC', '19950101'), prop64('20000101')];
    expect(outcome({ rows, policy: { disqualifiers: { superstrike: 'notEligible' } }, conviction: 2 })).toEqual([
      DETERMINATION.notEligible,
      'Prior superstrike: 220 PC on 1995-01-01',
    ]);
  });

  test('misdemeanors are never disqualified', () => {
    const rows = [felony('187 PC', '19900101'), misdemeanor('11359 HS', '20000101')];
    expect(outcome({ rows, policy: presetPolicyInput('los-angeles-2020'), conviction: 1 })).toEqual([DETERMINATION.cityAttorney, 'Misdemeanor or Infraction']);
    expect(outcome({ rows, policy: { disqualifiers: { superstrike: 'notEligible' } }, conviction: 1 })).toEqual(dismissal('Misdemeanor or Infraction'));
  });

  test('disqualifiers come before the dismiss list', () => {
    const rows = [felony('187 PC', '19900101'), prop64('20000101')];
    expect(outcome({ rows, policy: { baselineEligibility: { dismiss: ['11359'] }, disqualifiers: { superstrike: 'notEligible' } }, conviction: 1 })).toEqual([
      DETERMINATION.notEligible,
      'Prior superstrike: 187 PC on 1990-01-01',
    ]);
  });

  test('two prior convictions under the same section (any county, any level), dated strictly before', () => {
    const policy = { disqualifiers: { twoPriors: 'notEligible' as const } };
    const rows = [misdemeanor('11359 HS', '19900101', { county: 'LOS ANGELES' }), felony('11359(B) HS', '19950101'), prop64('20000101')];
    const decision = decideCase({ rows, policy, conviction: 2 });
    expect([decision.determination, decision.reason, decision.reasonKey]).toEqual([
      DETERMINATION.notEligible,
      'Two prior HS 11359 convictions: 1990-01-01, 1995-01-01',
      'Two prior same-section convictions',
    ]);
    // one prior only, or the second on the same date, or another section
    expect(outcome({ rows: [rows[0], rows[2]], policy, conviction: 1 })).toEqual(NONE);
    expect(outcome({ rows: [rows[0], felony('11359 HS', '20000101'), prop64('20000101')], policy, conviction: 2 })).toEqual(NONE);
    expect(outcome({ rows: [rows[0], felony('11360 HS', '19950101'), prop64('20000101')], policy, conviction: 2 })).toEqual(NONE);
  });

  test('after the effective date: strictly after 2016-11-09', () => {
    const policy = { disqualifiers: { afterEffectiveDate: 'notEligible' as const } };
    expect(outcome({ rows: [prop64('20161110')], policy })).toEqual([DETERMINATION.notEligible, 'Occurred after 11/9/2016']);
    expect(outcome({ rows: [prop64('20161109')], policy })).toEqual(NONE);
  });

  test('order among disqualifiers: after effective date, superstrike, PC 290, two priors', () => {
    const rows = [felony('11359 HS', '19800101'), felony('11359 HS', '19810101'), felony('314(1) PC', '19820101'), felony('187 PC', '19830101'), prop64('20170101')];
    const on = { afterEffectiveDate: 'notEligible', superstrike: 'notEligible', pc290: 'notEligible', twoPriors: 'notEligible' } as const;
    const reasons = [
      outcome({ rows, policy: { disqualifiers: on }, conviction: 4 })[1],
      outcome({ rows, policy: { disqualifiers: { ...on, afterEffectiveDate: 'ignore' } }, conviction: 4 })[1],
      outcome({ rows, policy: { disqualifiers: { ...on, afterEffectiveDate: 'ignore', superstrike: 'ignore' } }, conviction: 4 })[1],
      outcome({ rows, policy: { disqualifiers: { twoPriors: 'notEligible' } }, conviction: 4 })[1],
    ];
    expect(reasons).toEqual([
      'Occurred after 11/9/2016',
      'Prior superstrike: 187 PC on 1983-01-01',
      'Prior PC 290 offense: 314(1) PC on 1982-01-01',
      'Two prior HS 11359 convictions: 1980-01-01, 1981-01-01',
    ]);
  });
});

describe('other extensions', () => {
  test('misdemeanors: cityAttorney routes them to the city attorney with the same reason', () => {
    expect(outcome({ rows: [misdemeanor('11357 HS', '20100101')], policy: { misdemeanors: 'cityAttorney' } })).toEqual([
      DETERMINATION.cityAttorney,
      'Misdemeanor or Infraction',
    ]);
    expect(isRelief(DETERMINATION.cityAttorney)).toBe(false);
  });

  test('the hand review list comes after the dismiss list and before the age and time rules', () => {
    const policy = { baselineEligibility: { dismiss: ['11357(A)'], handReview: ['11357'] }, additionalRelief: { yearsSinceConvictionThreshold: 1 } };
    expect(outcome({ rows: [felony('11357(A) HS', '20000101')], policy })).toEqual(dismissal('Dismiss all HS 11357(A) convictions'));
    expect(outcome({ rows: [felony('11357(C) HS', '20000101')], policy })).toEqual([DETERMINATION.handReview, 'Hand review all HS 11357 convictions']);
    expect(outcome({ rows: [felony('11358 HS', '20000101')], policy })).toEqual(dismissal('Conviction occurred 1 or more years ago'));
  });

  test('otherwise: handReview when no rule applies', () => {
    expect(outcome({ rows: [felony('11360 HS', '20150101')], policy: { otherwise: 'handReview' } })).toEqual([DETERMINATION.handReview, 'No relief rule applies']);
    expect(outcome({ rows: [felony('11360 HS', '20150101')], policy: { otherwise: 'none' } })).toEqual(NONE);
  });

  test('isRelief: dismissal and reduction only', () => {
    expect(Object.values(DETERMINATION).filter(isRelief)).toEqual([DETERMINATION.dismissal, DETERMINATION.reduction]);
    expect(isRelief('')).toBe(false);
  });
});

describe('the los-angeles-2020 preset produces each of its determinations', () => {
  const policy = presetPolicyInput('los-angeles-2020');
  const la = (offense: string, date: string, extra: Partial<Parameters<typeof convictionRow>[0]> = {}) => felony(offense, date, { dob: '19800101', ...extra });
  test.each<[string, RowValues[], number, [string, string]]>([
    ['a misdemeanor', [misdemeanor('11357 HS', '20100101')], 0, [DETERMINATION.cityAttorney, 'Misdemeanor or Infraction']],
    ['after the effective date', [la('11359 HS', '20170101'), la('459 PC', '20180101')], 0, [DETERMINATION.notEligible, 'Occurred after 11/9/2016']],
    ['a prior superstrike', [la('187 PC', '19990101'), la('11359 HS', '20100101')], 1, [DETERMINATION.notEligible, 'Prior superstrike: 187 PC on 1999-01-01']],
    ['a prior PC 290 offense', [la('314(1) PC', '19990101'), la('11359 HS', '20100101')], 1, [DETERMINATION.notEligible, 'Prior PC 290 offense: 314(1) PC on 1999-01-01']],
    ['two priors', [la('11360 HS', '19990101'), la('11360(A) HS', '20000101'), la('11360 HS', '20100101')], 2, [DETERMINATION.notEligible, 'Two prior HS 11360 convictions: 1999-01-01, 2000-01-01']],
    ['11357(A)', [la('11357(A) HS', '20100101')], 0, dismissal('Dismiss all HS 11357(A) convictions')],
    ['11357(B)', [la('11357(B) HS', '20100101')], 0, dismissal('Dismiss all HS 11357(B) convictions')],
    ['another 11357', [la('11357(C) HS', '20100101')], 0, [DETERMINATION.handReview, 'Hand review all HS 11357 convictions']],
    // Los Angeles reads "21 or younger" on the compute-at date (2020-07-01), in years of 365.25 days
    ['21 or younger on the compute-at date', [la('11359 HS', '20150101', { dob: '19990702' }), la('459 PC', '20150101', { dob: '19990702' })], 0, dismissal('21 years or younger')],
    ['under 21 at conviction but not on the compute-at date', [la('11359 HS', '19990101'), la('459 PC', '20150101')], 0, [DETERMINATION.handReview, 'No relief rule applies']],
    ['50 or older', [la('11359 HS', '20100101', { dob: '19700701' }), la('459 PC', '20150101')], 0, dismissal('50 years or older')],
    ['10 crime-free years (the anniversary counts as free)', [la('11359 HS', '20050101'), la('459 PC', '20100701')], 0, dismissal('No convictions in past 10 years')],
    ['only Prop 64, sentences completed', [la('11359 HS', '20150101', { extra: { SENT_LENGTH: '5', SENT_TIME_CODE: 'Y' } })], 0, dismissal('Only has 11357-60 charges and completed sentence')],
    ['only Prop 64, a sentence still served', [la('11359 HS', '20150101', { extra: { SENT_LENGTH: '6', SENT_TIME_CODE: 'Y' } })], 0, [DETERMINATION.handReview, 'Currently serving sentence: 11359 HS until 2021-01-05']],
    ['another conviction\'s sentence still served', [la('11359 HS', '20150101'), la('459 PC', '20150101', { extra: { SENT_LENGTH: '70', SENT_TIME_CODE: 'M' } })], 0, [DETERMINATION.handReview, 'Currently serving sentence: 459 PC until 2020-11-05']],
    ['deceased', [la('11359 HS', '20150101'), la('459 PC', '20150101'), stepRow(SUBJECT, 'DECEASED', { CNT_ORDER: '900001001000' })], 0, dismissal('Individual is deceased')],
    ['no rule', [la('11359 HS', '20150101'), la('459 PC', '20150101')], 0, [DETERMINATION.handReview, 'No relief rule applies']],
  ])('%s', (_, rows, conviction, expected) => {
    expect(outcome({ rows, policy, conviction })).toEqual(expected);
  });
});

/** A preset in its JSON form, as a county would copy it into its policy file. */
function presetPolicyInput(name: string): PolicyInput {
  presetPolicy(name);
  return JSON.parse(JSON.stringify(PRESETS[name])) as PolicyInput;
}
