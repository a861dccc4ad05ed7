/**
 * Hand-made people for the report tests: five people whose convictions reach each determination, their statistics
 * as a partition classifies them, and the report model built from them.
 */
import { classifyInMemory } from '../../helpers/classify-rows';
import { convictionRow, dojFields, RowValues } from '../../helpers/doj-rows';
import { parseIsoDate } from '../../../lambdas/domain/dates';
import { parsePolicy, PolicyInput, presetPolicy } from '../../../lambdas/domain/policy';
import { RunStatistics } from '../../../lambdas/domain/statistics';
import { buildSummary } from '../../../lambdas/domain/summary';
import { buildReportModel, ReportModel } from '../../../lambdas/domain/report/model';
import { parseReportSettings, ReportSettings } from '../../../lambdas/domain/report/settings';

export const COUNTY = 'SACRAMENTO';
export const COMPUTE_AT = '2020-07-01';
export const POLICY: PolicyInput = {
  baselineEligibility: { dismiss: ['11357'], reduce: ['11359'] },
  disqualifiers: { superstrike: 'notEligible' },
};

let counter = 0;
function person(subjectId: string, race: string, gender: string, dob: string, convictions: Array<[string, string, boolean]>): RowValues[] {
  return convictions.map(([offense, date, felony]) => {
    counter++;
    return convictionRow({
      subjectId,
      offense,
      date,
      felony,
      dob,
      countOrder: `${String(100 + counter).padStart(3, '0')}001001000`,
      ofn: `OFN${counter}`,
      extra: { RACE_DESCR: race, GENDER: gender, CII_NUMBER: `CII${subjectId}` },
    });
  });
}

// P1 dismissed (section), P2 reduced, P3 not eligible (prior superstrike), P4 misdemeanor dismissed, P5 no rule.
export const PEOPLE: RowValues[][] = [
  person('P1', 'HISPANIC', 'M', '19700101', [['11357 HS', '19950101', true]]),
  person('P2', 'BLACK', 'F', '19900801', [['11359 HS', '20000101', true]]),
  person('P3', 'WHITE', 'M', '19600101', [['187 PC', '19900101', true], ['11359 HS', '20050101', true]]),
  person('P4', 'MARTIAN', '', '19790000', [['11360 HS', '20150101', false]]),
  person('P5', 'WHITE', 'M', '19600101', [['11360 HS', '20100101', true]]),
];

export function statisticsOf(people: RowValues[][], policy: PolicyInput = POLICY): RunStatistics {
  const rows = people.flat().map((values) => dojFields(values));
  return classifyInMemory(rows, { county: COUNTY, computeAtDay: parseIsoDate(COMPUTE_AT), policy: parsePolicy(policy), scenarioPolicies: { 'dismiss-all': presetPolicy('dismiss-all') } }).statistics;
}

export function modelOf(stats: RunStatistics, settings: ReportSettings = parseReportSettings()): ReportModel {
  const policy = parsePolicy(POLICY);
  const summary = buildSummary(stats, {
    runId: 'r1', county: COUNTY, computeAt: COMPUTE_AT, policy, policyName: 'custom', files: [], timings: { total: 1 }, status: 'SUCCEEDED', reportSettings: settings,
  });
  return buildReportModel(stats, summary, policy, settings);
}
