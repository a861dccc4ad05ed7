import {
  addYears,
  civilFromDay,
  dayFromCivil,
  formatIsoDate,
  formatRfc3339,
  formatUsDate,
  formatYearsBetween,
  isMalformed,
  parseDojDate,
  parseIsoDate,
  PROP64_EFFECTIVE_DAY,
  todayUtc,
} from '../../lambdas/domain/dates';

/** Day number of an ISO date through the platform's Date, independent of dates.ts. */
function utcDay(iso: string): number {
  return Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
}

describe('parseDojDate', () => {
  test.each([
    ['19700101', '1970-01-01'],
    ['20161109', '2016-11-09'],
    ['20000229', '2000-02-29'],
    ['19960229', '1996-02-29'],
    ['18000101', '1800-01-01'],
    ['20991231', '2099-12-31'],
  ])('%s is %s', (text, iso) => {
    expect(parseDojDate(text)).toBe(utcDay(iso));
  });

  test.each([
    ['19790000', 'month and day 00 (the reference tool made it year 1)'],
    ['19790500', 'day 00'],
    ['19791300', 'month 13'],
    ['19790231', '31 February'],
    ['19000229', '29 February of a non-leap century'],
    ['20190229', '29 February of a non-leap year'],
    ['19790431', '31 April'],
    ['', 'empty'],
    ['1979051', 'seven digits'],
    ['197905011', 'nine digits'],
    [' 19790501', 'leading space'],
    ['19790501 ', 'trailing space'],
    ['5/1/1979', 'US form'],
    ['1979-05-01', 'ISO form'],
    ['00000000', 'zeros'],
    ['17991231', 'before 1800'],
    ['1979O501', 'a letter O'],
  ])('%j is malformed (%s)', (text) => {
    const day = parseDojDate(text);
    expect(isMalformed(day)).toBe(true);
    expect(Number.isNaN(day)).toBe(true);
  });
});

describe('parseIsoDate', () => {
  test('reads YYYY-MM-DD', () => {
    expect(parseIsoDate('2019-11-11')).toBe(utcDay('2019-11-11'));
  });
  test.each(['2019-11-1', '20191111', '2019/11/11', '2019-02-30', '2019-11-11T00:00:00Z', ''])('%j is malformed', (text) => {
    expect(isMalformed(parseIsoDate(text))).toBe(true);
  });
});

describe('day numbers', () => {
  test('dayFromCivil and civilFromDay agree with Date over two centuries', () => {
    const mismatches: string[] = [];
    for (let day = utcDay('1900-01-01'); day <= utcDay('2100-12-31'); day += 1) {
      const date = new Date(day * 86_400_000);
      const year = date.getUTCFullYear();
      const month = date.getUTCMonth() + 1;
      const dayOfMonth = date.getUTCDate();
      const civil = civilFromDay(day);
      if (dayFromCivil(year, month, dayOfMonth) !== day || civil.year !== year || civil.month !== month || civil.day !== dayOfMonth) {
        mismatches.push(date.toISOString());
      }
    }
    expect(mismatches).toEqual([]);
  });

  test('Prop 64 took effect on 2016-11-09', () => {
    expect(formatIsoDate(PROP64_EFFECTIVE_DAY)).toBe('2016-11-09');
  });

  test('todayUtc is the UTC calendar date, whatever the hour', () => {
    expect(formatIsoDate(todayUtc(new Date('2020-07-01T23:59:59Z')))).toBe('2020-07-01');
    expect(formatIsoDate(todayUtc(new Date('2020-07-01T00:00:00Z')))).toBe('2020-07-01');
  });
});

describe('addYears', () => {
  test('keeps month and day', () => {
    expect(formatIsoDate(addYears(parseDojDate('19700315'), 21))).toBe('1991-03-15');
    expect(formatIsoDate(addYears(parseDojDate('20190101'), -7))).toBe('2012-01-01');
  });
  test('29 February + N years lands on 1 March when the target year has none', () => {
    expect(formatIsoDate(addYears(parseDojDate('20000229'), 21))).toBe('2021-03-01');
    expect(formatIsoDate(addYears(parseDojDate('20000229'), 1))).toBe('2001-03-01');
    expect(formatIsoDate(addYears(parseDojDate('20000229'), 100))).toBe('2100-03-01');
  });
  test('29 February + N years stays 29 February in a leap year', () => {
    expect(formatIsoDate(addYears(parseDojDate('19960229'), 4))).toBe('2000-02-29');
    expect(formatIsoDate(addYears(parseDojDate('20000229'), 400))).toBe('2400-02-29');
  });
  test('subtracting from 29 February works the same way', () => {
    expect(formatIsoDate(addYears(parseDojDate('20200229'), -7))).toBe('2013-03-01');
  });
  test('a malformed date stays malformed', () => {
    expect(isMalformed(addYears(NaN, 5))).toBe(true);
  });
});

describe('formatting', () => {
  test('Date of Conviction is MM/DD/YYYY, empty when malformed', () => {
    expect(formatUsDate(parseDojDate('19790601'))).toBe('06/01/1979');
    expect(formatUsDate(parseDojDate('20121231'))).toBe('12/31/2012');
    expect(formatUsDate(NaN)).toBe('');
  });
  test('earliestConviction is an RFC 3339 UTC midnight', () => {
    expect(formatRfc3339(parseDojDate('19790601'))).toBe('1979-06-01T00:00:00Z');
  });
  test('years between are days / 365.25 with one decimal, negative for later dates', () => {
    const computeAt = parseIsoDate('2019-11-11');
    expect(formatYearsBetween(parseDojDate('19790601'), computeAt)).toBe(((computeAt - parseDojDate('19790601')) / 365.25).toFixed(1));
    expect(formatYearsBetween(parseDojDate('20091111'), computeAt)).toBe('10.0');
    expect(formatYearsBetween(computeAt, computeAt)).toBe('0.0');
    expect(formatYearsBetween(parseDojDate('20201111'), computeAt)).toBe('-1.0');
    expect(formatYearsBetween(NaN, computeAt)).toBe('');
    expect(formatYearsBetween(computeAt, NaN)).toBe('');
  });
});
