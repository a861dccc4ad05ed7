/**
 * The report model from hand-made people: what each table counts, that the new statistics merge (partitions in any
 * grouping give the same report), and the date the data is as of.
 */
import { DETERMINATION } from '../../../lambdas/domain/decision';
import fc from 'fast-check';
import { classifyInMemory } from '../../helpers/classify-rows';
import { convictionRow, dojFields } from '../../helpers/doj-rows';
import { parseIsoDate } from '../../../lambdas/domain/dates';
import { parsePolicy } from '../../../lambdas/domain/policy';
import { mergeAll, mergeStatistics } from '../../../lambdas/domain/statistics';
import { buildSummary } from '../../../lambdas/domain/summary';
import { NO_DETERMINATION, shareText } from '../../../lambdas/domain/report/model';
import { parseReportSettings } from '../../../lambdas/domain/report/settings';
import { statisticsCsv } from '../../../lambdas/domain/report/statistics-csv';
import { COMPUTE_AT, COUNTY, modelOf, PEOPLE, POLICY, statisticsOf } from './report-people';

describe('new statistics', () => {
  const stats = statisticsOf(PEOPLE);

  test('by section and determination, by decade and determination, by rule and reason', () => {
    expect(stats.convictionsBySectionAndDetermination).toEqual({
      '11357': { [DETERMINATION.dismissal]: 1 },
      '11359': { [DETERMINATION.reduction]: 1, [DETERMINATION.notEligible]: 1 },
      '11360': { [DETERMINATION.dismissal]: 1, [NO_DETERMINATION]: 1 },
    });
    expect(stats.convictionsByDecadeAndDetermination).toEqual({
      '1990s': { [DETERMINATION.dismissal]: 1 },
      '2000s': { [DETERMINATION.reduction]: 1, [DETERMINATION.notEligible]: 1 },
      '2010s': { [DETERMINATION.dismissal]: 1, [NO_DETERMINATION]: 1 },
    });
    expect(stats.convictionsByRuleAndReason).toEqual({
      misdemeanor: { 'Misdemeanor or Infraction': 1 },
      superstrike: { 'Prior superstrike': 1 },
      dismissSection: { 'Dismiss all HS 11357 convictions': 1 },
      reduceSection: { 'Reduce all HS 11359 convictions': 1 },
      noRule: { [NO_DETERMINATION]: 1 },
    });
  });

  test('demographics of the people relieved only (P1, P2, P4), by category', () => {
    expect(stats.relievedDemographics).toEqual({
      race: { Latino: 1, Black: 1, Unknown: 1 },
      gender: { M: 1, F: 1, Unknown: 1 },
      age: { '50': 1, '29': 1, Unknown: 1 },
      unmappedRace: 1,
    });
  });

  test('partitions merge to the same statistics, report and CSV, in any grouping', () => {
    const parts = PEOPLE.map((rows) => statisticsOf([rows]));
    const merged = mergeAll(parts);
    const regrouped = mergeStatistics(mergeAll(parts.slice(3)), mergeAll(parts.slice(0, 3).reverse()));
    expect(JSON.stringify(regrouped)).toBe(JSON.stringify(merged));
    expect(merged.relievedDemographics).toEqual(stats.relievedDemographics);
    expect(merged.convictionsBySectionAndDetermination).toEqual(stats.convictionsBySectionAndDetermination);
    expect(statisticsCsv(modelOf(merged))).toBe(statisticsCsv(modelOf(stats)));
  });
});

describe('report model', () => {
  const stats = statisticsOf(PEOPLE);
  const model = modelOf(stats, parseReportSettings({ suppressionThreshold: 1 }));

  test('headline', () => {
    expect(model.headline).toEqual({
      peopleWithProp64Conviction: 5,
      peopleWithSomeRelief: 3,
      peopleNoFelony: 2, // P1, P2 (P4 has no felony)
      peopleNoConviction: 2, // P1, P4
      peopleNoConvictionLast7Years: 1, // P4: 2015 is within 7 years of 2020-07-01
      convictionsEvaluated: 5,
      felonies: 4,
      nonFelonies: 1,
      convictionsDismissed: 2,
      convictionsReduced: 1,
      determinations: expect.any(Array),
      peopleWithSomeReliefShare: '60%',
    });
    expect(model.determinations).toEqual([DETERMINATION.dismissal, DETERMINATION.reduction, DETERMINATION.notEligible, NO_DETERMINATION]);
    // Every determination, zeros included, with its share of the convictions and what happens next.
    expect(model.headline.determinations.map((row) => [row.determination, row.count, row.share])).toEqual([
      [DETERMINATION.dismissal, 2, '40%'],
      [DETERMINATION.reduction, 1, '20%'],
      [DETERMINATION.cityAttorney, 0, '0%'],
      [DETERMINATION.handReview, 0, '0%'],
      [DETERMINATION.notEligible, 1, '20%'],
      [NO_DETERMINATION, 1, '20%'],
    ]);
    const nextSteps = model.headline.determinations.map((row) => row.next);
    expect(new Set(nextSteps).size).toBe(6); // each its own
    expect(nextSteps.every((text) => text.length > 40)).toBe(true);
  });

  test('a share never reads 100% or 0% unless exact', () => {
    expect(shareText(9983, 10000)).toBe('99.8%');
    expect(shareText(99_999, 100_000)).toBe('more than 99.9%');
    expect(shareText(1, 100_000)).toBe('less than 0.1%');
    expect(shareText(4, 1000)).toBe('0.4%');
    expect(shareText(10000, 10000)).toBe('100%');
    expect(shareText(0, 10000)).toBe('0%');
    expect(shareText(0, 0)).toBe('–');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 }), (whole, n) => {
        const part = n % (whole + 1);
        const text = shareText(part, whole);
        if (part !== whole) expect(text).not.toBe('100%');
        if (part !== 0) expect(text).not.toBe('0%');
        const value = parseFloat(text.replace(/^(more|less) than /, ''));
        expect(Math.abs(value - (part * 100) / whole)).toBeLessThanOrEqual(0.5);
      }),
    );
  });

  test('the funnel follows the order in which the rules are tried, counting what each leaves undecided', () => {
    expect(model.funnel.map((step) => [step.rule, step.determination, step.entering, step.count])).toEqual([
      ['misdemeanor', DETERMINATION.dismissal, 5, 1],
      ['superstrike', DETERMINATION.notEligible, 4, 1],
      ['dismissSection', DETERMINATION.dismissal, 3, 1],
      ['reduceSection', DETERMINATION.reduction, 2, 1],
      ['noRule', NO_DETERMINATION, 1, 1],
    ]);
  });

  test('what-if: the chosen policy first, then dismiss all, dismiss all and related, then extra presets', () => {
    expect(model.whatIf.map((row) => [row.key, row.subjectsWithSomeRelief, row.convictionsDismissed, row.convictionsReduced])).toEqual([
      ['chosen', 3, 2, 1],
      ['dismissAllProp64', 5, 5, 0],
      ['dismissAllProp64AndRelated', 5, 5, 0],
      ['dismiss-all', 5, 5, 0],
    ]);
    expect(model.whatIf[0].label).toBe('Chosen policy (custom)');
    expect(model.whatIf[3].label).toBe('Preset dismiss-all');
  });

  test('demographic tables: every category shown, shares sum to 100', () => {
    const d = model.demographics;
    expect(d.total).toBe(3);
    expect(d.raceEthnicity.cells.map((c) => [c.label, c.count])).toEqual([
      ['Latino', 1], ['Black', 1], ['White', 0], ['Asian / Pacific Islander', 0], ['Native American', 0], ['Other', 0], ['Unknown', 1],
    ]);
    expect(d.raceEthnicity.cells.map((c) => c.share)).toEqual([34, 33, 0, 0, 0, 0, 33]);
    expect(d.gender.cells.map((c) => [c.label, c.count])).toEqual([['Male', 1], ['Female', 1], ['Unknown', 1]]);
    expect(d.ageBand.cells.map((c) => [c.label, c.count])).toEqual([['<21', 0], ['21-29', 1], ['30-39', 0], ['40-49', 0], ['50-64', 1], ['65+', 0], ['Unknown', 1]]);
    expect(d.unmappedRaceDescriptions).toBe(1);
  });

  test('with the default threshold (11), three people are all suppressed, zeros included', () => {
    const suppressed = modelOf(stats).demographics;
    for (const table of [suppressed.raceEthnicity, suppressed.gender, suppressed.ageBand]) {
      expect(table.cells.every((c) => c.suppressed && c.count === null && c.share === null)).toBe(true);
      expect(table.suppressed).toEqual({ cells: table.cells.length, count: 3, share: 100 });
    }
    expect(suppressed.unmappedRaceDescriptions).toBeNull();
  });

  test('summary.json carries the what-if rows and the suppressed demographics, never raw demographic counts', () => {
    const summary = buildSummary(stats, {
      runId: 'r1', county: COUNTY, computeAt: COMPUTE_AT, policy: parsePolicy(POLICY), policyName: 'custom', files: [], timings: {}, status: 'SUCCEEDED',
    });
    expect(summary.whatIf?.map((row) => row.key)).toEqual(['chosen', 'dismissAllProp64', 'dismissAllProp64AndRelated', 'dismiss-all']);
    expect(summary.demographics?.raceEthnicity.cells.every((c) => c.suppressed)).toBe(true);
    expect(JSON.stringify(summary)).not.toMatch(/relievedDemographics|"age":/);
    expect(summary.convictionsByDecadeAndDetermination).toEqual(stats.convictionsByDecadeAndDetermination);
  });
});

describe('data as of: the latest valid event date of the extract, not after the day the run started', () => {
  const ceiling = parseIsoDate('2021-03-01');
  const rows = (dates: string[]) =>
    dates.map((date, i) =>
      dojFields({ ...convictionRow({ subjectId: `D${i}`, offense: '11357 HS', date: '20000101' }), STP_TYPE_DESCR: 'ARREST/DETAINED/CITED', DISP_DESCR: '', STP_EVENT_DATE: date }),
    );
  const latestOf = (dates: string[]) =>
    classifyInMemory(rows(dates), { county: COUNTY, computeAtDay: parseIsoDate(COMPUTE_AT), policy: parsePolicy(POLICY), eventDayCeiling: ceiling }).statistics.latestEventDay;

  test('any step counts; malformed dates and dates after the run started do not', () => {
    expect(latestOf(['20190105', '20210228', '20201231'])).toBe(parseIsoDate('2021-02-28'));
    expect(latestOf(['20190105', '20990101', '20211301', '2021ABCD', '20210229', '20210302'])).toBe(parseIsoDate('2019-01-05'));
    expect(latestOf(['', '0000', '20210301'])).toBe(ceiling);
    expect(latestOf(['', 'X'])).toBeNull();
  });

  test('partitions merge to the latest, and the model states it (report.html shows it: html.test.ts)', () => {
    const parts = [latestOf(['20190105']), latestOf(['20200610', '20180101']), latestOf([])].map((latestEventDay) => ({ ...statisticsOf(PEOPLE), latestEventDay }));
    const merged = mergeAll(parts);
    expect(merged.latestEventDay).toBe(parseIsoDate('2020-06-10'));
    const model = modelOf(merged);
    expect(model.dataAsOf).toBe('2020-06-10');
    expect(modelOf(mergeAll([{ ...statisticsOf(PEOPLE), latestEventDay: null }])).dataAsOf).toBeNull();
  });
});
