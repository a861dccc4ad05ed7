/**
 * Demographic categories: RACE_DESCR mapping, gender, age at compute-at and its bands, decades.
 */
import { dayFromCivil, parseDojDate, parseIsoDate } from '../../../lambdas/domain/dates';
import {
  ageBandLabels, ageBandOf, ageInYears, decadeOf, DEFAULT_RACE_CATEGORIES, genderCategory, normalizeRaceDescription, RaceMapper, UNKNOWN,
} from '../../../lambdas/domain/report/demographics';

describe('race/ethnicity mapping', () => {
  const mapper = new RaceMapper();

  test('the default mapping groups DOJ race descriptions as county press releases did', () => {
    expect(['HISPANIC', 'BLACK', 'WHITE', 'ASIAN', 'VIETNAMESE', 'AMERICAN INDIAN', 'OTHER', 'UNKNOWN'].map((d) => mapper.categoryOf(d).category)).toEqual([
      'Latino', 'Black', 'White', 'Asian / Pacific Islander', 'Asian / Pacific Islander', 'Native American', 'Other', UNKNOWN,
    ]);
  });

  test('matching ignores case, padding and repeated spaces', () => {
    expect(normalizeRaceDescription('  american   Indian ')).toBe('AMERICAN INDIAN');
    expect(mapper.categoryOf(' hispanic ').category).toBe('Latino');
  });

  test('blank is Unknown; an unlisted value is Unknown and flagged as unmapped', () => {
    expect(mapper.categoryOf('   ')).toEqual({ category: UNKNOWN, unmapped: false });
    expect(mapper.categoryOf('MARTIAN')).toEqual({ category: UNKNOWN, unmapped: true });
    expect(mapper.categoryOf('UNKNOWN')).toEqual({ category: UNKNOWN, unmapped: false });
  });

  test('a configured mapping replaces the default, and its categories keep their order with Unknown last', () => {
    const custom = new RaceMapper({ hispanic: 'Hispanic/Latino', 'Black ': 'African American', WHITE: 'White' });
    expect(custom.categoryOf('HISPANIC').category).toBe('Hispanic/Latino');
    expect(custom.categoryOf('ASIAN')).toEqual({ category: UNKNOWN, unmapped: true });
    expect(custom.categories()).toEqual(['Hispanic/Latino', 'African American', 'White', UNKNOWN]);
    expect(new RaceMapper().categories()).toEqual(['Latino', 'Black', 'White', 'Asian / Pacific Islander', 'Native American', 'Other', UNKNOWN]);
  });

  test('every default category value is a non-empty label', () => {
    for (const category of Object.values(DEFAULT_RACE_CATEGORIES)) expect(category.trim()).not.toBe('');
  });
});

test('gender: M, F, else Unknown', () => {
  expect(['M', 'F', ' f', '', 'X', 'U'].map(genderCategory)).toEqual(['M', 'F', 'F', UNKNOWN, UNKNOWN, UNKNOWN]);
});

describe('age at compute-at', () => {
  const at = parseIsoDate('2020-07-01');
  test('whole years, the birthday itself counting', () => {
    expect(ageInYears(parseDojDate('19700701'), at)).toBe(50);
    expect(ageInYears(parseDojDate('19700702'), at)).toBe(49);
    expect(ageInYears(parseDojDate('20200701'), at)).toBe(0);
  });

  test('29 February: the birthday falls on 1 March in other years, as the rules count it', () => {
    expect(ageInYears(dayFromCivil(2000, 2, 29), dayFromCivil(2021, 2, 28))).toBe(20);
    expect(ageInYears(dayFromCivil(2000, 2, 29), dayFromCivil(2021, 3, 1))).toBe(21);
  });

  test('malformed or future birth dates have no age', () => {
    expect(ageInYears(parseDojDate('19790000'), at)).toBeNull();
    expect(ageInYears(parseDojDate('20210101'), at)).toBeNull();
  });

  test('default bands: <21, 21-29, 30-39, 40-49, 50-64, 65+, Unknown', () => {
    expect(ageBandLabels()).toEqual(['<21', '21-29', '30-39', '40-49', '50-64', '65+', UNKNOWN]);
    expect(['0', '20', '21', '29', '30', '49', '50', '64', '65', '101', UNKNOWN, 'x'].map((age) => ageBandOf(age))).toEqual([
      '<21', '<21', '21-29', '21-29', '30-39', '40-49', '50-64', '50-64', '65+', '65+', UNKNOWN, UNKNOWN,
    ]);
  });

  test('configured bands', () => {
    expect(ageBandLabels([25, 50])).toEqual(['<25', '25-49', '50+', UNKNOWN]);
    expect(ageBandOf('24', [25, 50])).toBe('<25');
    expect(ageBandOf('50', [25, 50])).toBe('50+');
  });
});

test('decades of conviction dates; malformed is Unknown', () => {
  expect([parseDojDate('19591231'), parseDojDate('19600101'), parseDojDate('20191231'), parseDojDate('20200101'), NaN].map(decadeOf)).toEqual([
    '1950s', '1960s', '2010s', '2020s', UNKNOWN,
  ]);
});
