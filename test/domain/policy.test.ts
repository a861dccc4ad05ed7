import { parsePolicy, parsePolicyJson, Policy, presetPolicy, PRESETS } from '../../lambdas/domain/policy';
import { readFixtureText } from '../helpers/run-fixture';
import { PolicyError } from '../../lambdas/domain/errors';

/** The PolicyError thrown for `input`, or a failure when it is accepted. */
function policyError(input: unknown): PolicyError {
  try {
    parsePolicy(input);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return error as PolicyError;
  }
  throw new Error(`policy ${JSON.stringify(input)} was accepted`);
}

describe('a valid policy', () => {
  test('the fixtures\' eligibility_options.json, with every default filled in', () => {
    const policy = parsePolicyJson(readFixtureText('eligibility_options.json'));
    expect(policy).toEqual<Policy>({
      dismiss: [
        { text: '11357', sectionIndex: 0, subdivision: '' },
        { text: '11358', sectionIndex: 1, subdivision: '' },
      ],
      reduce: [
        { text: '11359', sectionIndex: 2, subdivision: '' },
        { text: '11360', sectionIndex: 3, subdivision: '' },
      ],
      handReview: [],
      subjectUnder21AtConviction: true,
      subjectAgeThreshold: 57,
      yearsSinceConvictionThreshold: 10,
      yearsCrimeFreeThreshold: 0,
      subjectHasOnlyProp64Charges: true,
      subjectIsDeceased: true,
      disqualifiers: { afterEffectiveDate: 'ignore', superstrike: 'ignore', pc290: 'ignore', pc290Registration: 'ignore', twoPriors: 'ignore', servingSentence: 'ignore' },
      relatedConvictions: 'ignore',
      flow: 'standard',
      misdemeanors: 'dismiss',
      otherwise: 'none',
    });
  });

  test('{} is valid: nothing but the misdemeanor rule is on', () => {
    expect(parsePolicy({})).toEqual<Policy>({
      dismiss: [],
      reduce: [],
      handReview: [],
      subjectUnder21AtConviction: false,
      subjectAgeThreshold: 0,
      yearsSinceConvictionThreshold: 0,
      yearsCrimeFreeThreshold: 0,
      subjectHasOnlyProp64Charges: false,
      subjectIsDeceased: false,
      disqualifiers: { afterEffectiveDate: 'ignore', superstrike: 'ignore', pc290: 'ignore', pc290Registration: 'ignore', twoPriors: 'ignore', servingSentence: 'ignore' },
      relatedConvictions: 'ignore',
      flow: 'standard',
      misdemeanors: 'dismiss',
      otherwise: 'none',
    });
  });

  test.each([0, 40, 57, 65])('subjectAgeThreshold %i is accepted', (value) => {
    expect(parsePolicy({ additionalRelief: { subjectAgeThreshold: value } }).subjectAgeThreshold).toBe(value);
  });

  test.each([0, 1, 7, 15])('year thresholds of %i are accepted', (value) => {
    const policy = parsePolicy({ additionalRelief: { yearsSinceConvictionThreshold: value, yearsCrimeFreeThreshold: value } });
    expect(policy.yearsSinceConvictionThreshold).toBe(value);
    expect(policy.yearsCrimeFreeThreshold).toBe(value);
  });

  test('list order is kept (rule 2 tries the dismiss list in order)', () => {
    const policy = parsePolicy({ baselineEligibility: { dismiss: ['11360', '11357'], reduce: [] } });
    expect(policy.dismiss.map((entry) => entry.text)).toEqual(['11360', '11357']);
  });

  test('extensions: 11357 subdivisions, hand review list, disqualifiers, misdemeanor routing, otherwise', () => {
    const policy = parsePolicy({
      baselineEligibility: { dismiss: ['11357(A)'], handReview: ['11357'] },
      disqualifiers: { superstrike: 'notEligible', pc290: 'handReview', twoPriors: 'ignore', afterEffectiveDate: 'notEligible' },
      misdemeanors: 'cityAttorney',
      otherwise: 'handReview',
    });
    expect(policy.dismiss).toEqual([{ text: '11357(A)', sectionIndex: 0, subdivision: 'A' }]);
    expect(policy.handReview).toEqual([{ text: '11357', sectionIndex: 0, subdivision: '' }]);
    expect(policy.disqualifiers).toEqual({
      superstrike: 'notEligible', pc290: 'handReview', pc290Registration: 'ignore', twoPriors: 'ignore', afterEffectiveDate: 'notEligible', servingSentence: 'ignore',
    });
    expect(policy.misdemeanors).toBe('cityAttorney');
    expect(policy.otherwise).toBe('handReview');
  });
});

describe('validation errors name the field and the bad value', () => {
  test.each<[string, unknown, string]>([
    // unknown keys: a misspelt option must never be silently ignored
    ['unknown top-level key', { baselineEligibilty: {} }, 'baselineEligibilty: unknown option (value {})'],
    ['unknown nested key', { additionalRelief: { subjectAgeTreshold: 57 } }, 'additionalRelief.subjectAgeTreshold: unknown option (value 57)'],
    ['unknown baseline key', { baselineEligibility: { dismis: ['11357'] } }, 'baselineEligibility.dismis: unknown option (value ["11357"])'],
    ['unknown disqualifier', { disqualifiers: { superstrikes: 'ignore' } }, 'disqualifiers.superstrikes: unknown option (value "ignore")'],
    // wrong types and null
    ['a string threshold', { additionalRelief: { subjectAgeThreshold: '57' } }, 'additionalRelief.subjectAgeThreshold: "57" must be number'],
    ['a string boolean', { additionalRelief: { subjectIsDeceased: 'true' } }, 'additionalRelief.subjectIsDeceased: "true" must be boolean'],
    ['a null boolean', { additionalRelief: { subjectUnder21AtConviction: null } }, 'additionalRelief.subjectUnder21AtConviction: null must be boolean'],
    ['a null threshold', { additionalRelief: { yearsCrimeFreeThreshold: null } }, 'additionalRelief.yearsCrimeFreeThreshold: null must be number'],
    ['a null group', { additionalRelief: null }, 'additionalRelief: null must be object'],
    ['a null list', { baselineEligibility: { reduce: null } }, 'baselineEligibility.reduce: null must be array'],
    ['a string list', { baselineEligibility: { dismiss: '11357' } }, 'baselineEligibility.dismiss: "11357" must be array'],
    ['a number in a list', { baselineEligibility: { dismiss: [11357] } }, 'baselineEligibility.dismiss[0]: 11357 must be string'],
    ['a null policy', null, '(policy): null must be object'],
    ['an array policy', [], '(policy): [] must be object'],
    ['a string policy', 'dismiss-all', '(policy): "dismiss-all" must be object'],
    // out-of-range thresholds
    ['age 39', { additionalRelief: { subjectAgeThreshold: 39 } }, 'additionalRelief.subjectAgeThreshold: 39 must be 0 (off) or 40-65'],
    ['age 66', { additionalRelief: { subjectAgeThreshold: 66 } }, 'additionalRelief.subjectAgeThreshold: 66 must be 0 (off) or 40-65'],
    ['age -1', { additionalRelief: { subjectAgeThreshold: -1 } }, 'additionalRelief.subjectAgeThreshold: -1 must be 0 (off) or 40-65'],
    ['16 years', { additionalRelief: { yearsSinceConvictionThreshold: 16 } }, 'additionalRelief.yearsSinceConvictionThreshold: 16 must be 0 (off) or 1-15'],
    ['-1 crime-free years', { additionalRelief: { yearsCrimeFreeThreshold: -1 } }, 'additionalRelief.yearsCrimeFreeThreshold: -1 must be 0 (off) or 1-15'],
    // sections
    ['an unknown section', { baselineEligibility: { dismiss: ['11357', '11361'] } }, 'baselineEligibility.dismiss[1]: "11361"'],
    ['a section with text', { baselineEligibility: { reduce: ['11359 HS'] } }, 'baselineEligibility.reduce[0]: "11359 HS"'],
    ['a section in both lists', { baselineEligibility: { dismiss: ['11357', '11358'], reduce: ['11358'] } }, 'baselineEligibility: "11358" is in both dismiss and reduce'],
    ['a section listed twice', { baselineEligibility: { reduce: ['11360', '11360'] } }, 'baselineEligibility.reduce: "11360" is listed twice'],
    ['a disqualifier handling', { disqualifiers: { pc290: 'skip' } }, 'disqualifiers.pc290: "skip" must be one of ignore, notEligible, handReview'],
    ['a registration handling', { disqualifiers: { pc290Registration: true } }, 'disqualifiers.pc290Registration: true must be one of ignore, notEligible, handReview'],
    ['a serving-sentence handling', { disqualifiers: { servingSentence: 'review' } }, 'disqualifiers.servingSentence: "review" must be one of ignore, notEligible, handReview'],
    ['an effective-date handling', { disqualifiers: { afterEffectiveDate: null } }, 'disqualifiers.afterEffectiveDate: null must be one of ignore, notEligible, handReview'],
    ['a misspelt disqualifier', { disqualifiers: { servingSentences: 'handReview' } }, 'disqualifiers.servingSentences: unknown option (value "handReview")'],
    ['related convictions', { relatedConvictions: 'notEligible' }, 'relatedConvictions: "notEligible" must be ignore or handReview'],
    ['a flow', { flow: 'sacramento' }, 'flow: "sacramento" must be one of standard, los-angeles-2020'],
    ['misdemeanor routing', { misdemeanors: 'reduce' }, 'misdemeanors: "reduce" must be dismiss or cityAttorney'],
    ['otherwise', { otherwise: 'dismiss' }, 'otherwise: "dismiss" must be none or handReview'],
  ])('%s', (_, input, expected) => {
    const error = policyError(input);
    expect(error.name).toBe('PolicyError');
    expect(error.problems.join('\n')).toContain(expected);
    expect(error.message).toContain(expected);
  });

  test.each([57.5, 2.5])('a fractional threshold (%d) names the field and value', (value) => {
    const error = policyError({ additionalRelief: { subjectAgeThreshold: value, yearsSinceConvictionThreshold: value } });
    expect(error.problems).toEqual([
      expect.stringMatching(new RegExp(`^additionalRelief\\.subjectAgeThreshold: ${value} must be`)),
      expect.stringMatching(new RegExp(`^additionalRelief\\.yearsSinceConvictionThreshold: ${value} must be`)),
    ]);
  });

  test('every problem is reported at once', () => {
    const error = policyError({ foo: 1, additionalRelief: { subjectAgeThreshold: 30, subjectIsDeceased: 'yes' } });
    expect(error.problems).toHaveLength(3);
  });

  test('JSON syntax errors are PolicyErrors too', () => {
    expect(() => parsePolicyJson('{"baselineEligibility": ')).toThrow(PolicyError);
    expect(() => parsePolicyJson('{"baselineEligibility": ')).toThrow(/not valid JSON/);
  });

  // A policy given as an object (not JSON) can hold NaN; the message must show it, not "null".
  test('a NaN threshold is shown as NaN, not as null', () => {
    const error = policyError({ additionalRelief: { subjectAgeThreshold: NaN } });
    expect(error.problems[0]).toContain('NaN');
  });
});

describe('presets', () => {
  test('every preset is a valid policy', () => {
    for (const name of Object.keys(PRESETS)) expect(() => parsePolicy(PRESETS[name])).not.toThrow();
    expect(Object.keys(PRESETS)).toEqual(expect.arrayContaining(['reference-default', 'dismiss-all', 'los-angeles-2020', 'statute-conservative']));
  });

  test('reference-default: dismiss all four, 5 years since conviction, 5 crime-free years, only Prop 64', () => {
    const policy = presetPolicy('reference-default');
    expect(policy.dismiss.map((e) => e.text)).toEqual(['11357', '11358', '11359', '11360']);
    expect(policy.reduce).toEqual([]);
    expect(policy.yearsSinceConvictionThreshold).toBe(5);
    expect(policy.yearsCrimeFreeThreshold).toBe(5);
    expect(policy.subjectHasOnlyProp64Charges).toBe(true);
    expect(policy.subjectUnder21AtConviction).toBe(false);
    expect(policy.subjectAgeThreshold).toBe(0);
    expect(policy.subjectIsDeceased).toBe(false);
  });

  test('dismiss-all dismisses every section and nothing else is on', () => {
    const policy = presetPolicy('dismiss-all');
    expect(policy).toEqual({ ...parsePolicy({}), dismiss: parsePolicy({ baselineEligibility: { dismiss: ['11357', '11358', '11359', '11360'] } }).dismiss });
  });

  test('los-angeles-2020', () => {
    const policy = presetPolicy('los-angeles-2020');
    expect(policy.dismiss.map((e) => e.text)).toEqual(['11357(A)', '11357(B)']);
    expect(policy.handReview.map((e) => e.text)).toEqual(['11357']);
    expect(policy.reduce).toEqual([]);
    expect(policy).toMatchObject({
      subjectUnder21AtConviction: true,
      subjectAgeThreshold: 50,
      yearsSinceConvictionThreshold: 0,
      yearsCrimeFreeThreshold: 10,
      subjectHasOnlyProp64Charges: true,
      subjectIsDeceased: true,
      disqualifiers: {
        superstrike: 'notEligible', pc290: 'notEligible', pc290Registration: 'notEligible', twoPriors: 'notEligible', afterEffectiveDate: 'notEligible',
        servingSentence: 'handReview',
      },
      misdemeanors: 'cityAttorney',
      otherwise: 'handReview',
      flow: 'los-angeles-2020',
    });
  });

  test('statute-conservative: misdemeanors dismissed, felonies reduced, every disqualifier and related conviction to hand review', () => {
    const policy = presetPolicy('statute-conservative');
    expect(policy.dismiss).toEqual([]);
    expect(policy.reduce.map((e) => e.text)).toEqual(['11357', '11358', '11359', '11360']);
    expect(Object.values(policy.disqualifiers)).toEqual(Array(6).fill('handReview'));
    expect(policy).toMatchObject({ misdemeanors: 'dismiss', relatedConvictions: 'handReview', flow: 'standard', otherwise: 'handReview' });
    expect([policy.subjectUnder21AtConviction, policy.subjectAgeThreshold, policy.yearsSinceConvictionThreshold, policy.yearsCrimeFreeThreshold]).toEqual([false, 0, 0, 0]);
  });

  test('an unknown preset is a PolicyError listing the known ones', () => {
    expect(() => presetPolicy('los-angeles')).toThrow(PolicyError);
    expect(() => presetPolicy('los-angeles')).toThrow(/preset: "los-angeles" is not a known preset \(.*reference-default.*dismiss-all.*los-angeles-2020.*\)/);
    expect(() => presetPolicy('toString')).toThrow(PolicyError);
  });

  test('presets are frozen', () => {
    expect(Object.isFrozen(PRESETS)).toBe(true);
  });
});
