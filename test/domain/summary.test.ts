import { DETERMINATION } from '../../lambdas/domain/decision';
import { dayFromCivil } from '../../lambdas/domain/dates';
import { parsePolicy } from '../../lambdas/domain/policy';
import { emptyStatistics, RunStatistics } from '../../lambdas/domain/statistics';
import { buildSummary, SummaryContext } from '../../lambdas/domain/summary';
import { fixturePolicy, readFixtureJson } from '../helpers/run-fixture';

function context(overrides: Partial<SummaryContext> = {}): SummaryContext {
  return {
    runId: 'run-1',
    county: 'SACRAMENTO',
    computeAt: '2019-11-11',
    policy: parsePolicy(fixturePolicy()),
    policyName: 'custom',
    files: [],
    timings: { total: 1.5 },
    status: 'SUCCEEDED',
    ...overrides,
  };
}

function statistics(): RunStatistics {
  const stats = emptyStatistics();
  stats.rowsRead = 40;
  stats.rowsRejected = 2;
  stats.rowsWritten = 38;
  stats.prop64ConvictionsBySection = { '11357': 3, '11359': 8, '11360': 0 };
  stats.convictionsByDeterminationAndReason = {
    [DETERMINATION.dismissal]: {
      'Dismiss all HS 11357 convictions': 2,
      'Misdemeanor or Infraction': 3,
      '57 years or older': 2,
      'Individual is deceased': 1,
    },
    [DETERMINATION.reduction]: { 'Reduce all HS 11359 convictions': 1 },
    [DETERMINATION.handReview]: { 'Malformed date in STP_EVENT_DATE': 4 },
  };
  stats.earliestConvictionDay = dayFromCivil(1979, 6, 1);
  return stats;
}

describe('buildSummary', () => {
  test('starts with the reference fields, in the reference order', () => {
    const reference = readFixtureJson<Record<string, unknown>>('conformance/gogen_summary.json');
    const summary = buildSummary(statistics(), context());
    expect(Object.keys(summary).slice(0, Object.keys(reference).length)).toEqual(Object.keys(reference));
    expect(Object.keys(summary.reliefWithCurrentEligibilityChoices)).toEqual(Object.keys(reference.reliefWithCurrentEligibilityChoices as object));
  });

  test('reference fields', () => {
    const summary = buildSummary(statistics(), context());
    expect(summary).toMatchObject({
      county: 'SACRAMENTO',
      earliestConviction: '1979-06-01T00:00:00Z',
      lineCount: 40,
      processingTimeInSeconds: 1.5,
      // sections without convictions are left out
      prop64ConvictionsCountInCountyByCodeSection: { '11357': 3, '11359': 8 },
      // a key per section of the policy's lists, zero included
      convictionDismissalCountByCodeSection: { '11357': 2, '11358': 0 },
      convictionReductionCountByCodeSection: { '11359': 1, '11360': 0 },
      // dismissals by reason without the "Dismiss all HS" and misdemeanor reasons
      convictionDismissalCountByAdditionalRelief: { '57 years or older': 2, 'Individual is deceased': 1 },
    });
    expect(Object.keys(summary.prop64ConvictionsCountInCountyByCodeSection)).toEqual(['11357', '11359']);
  });

  test('our fields', () => {
    const summary = buildSummary(statistics(), context({ status: 'FAILED', error: 'too many rejects' }));
    expect(summary).toMatchObject({
      status: 'FAILED',
      error: 'too many rejects',
      runId: 'run-1',
      computeAt: '2019-11-11',
      policyName: 'custom',
      rowsRead: 40,
      rowsRejected: 2,
      rowsWritten: 38,
      convictionsByDetermination: { [DETERMINATION.dismissal]: 8, [DETERMINATION.handReview]: 4, [DETERMINATION.reduction]: 1 },
    });
    expect(buildSummary(statistics(), context())).not.toHaveProperty('error');
  });

  test('earliestConviction is null when the county has no Prop 64 conviction', () => {
    expect(buildSummary(emptyStatistics(), context()).earliestConviction).toBeNull();
  });

  test('a section list with a subdivision entry is reported under that entry', () => {
    const stats = emptyStatistics();
    stats.convictionsByDeterminationAndReason = { [DETERMINATION.dismissal]: { 'Dismiss all HS 11357(A) convictions': 5 } };
    const summary = buildSummary(stats, context({ policy: parsePolicy({ baselineEligibility: { dismiss: ['11357(A)', '11357(B)'] } }) }));
    expect(summary.convictionDismissalCountByCodeSection).toEqual({ '11357(A)': 5, '11357(B)': 0 });
    expect(summary.convictionReductionCountByCodeSection).toEqual({});
  });

  test('the summary is JSON with no personal-data field', () => {
    const summary = buildSummary(statistics(), context());
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
    const text = JSON.stringify(summary);
    for (const column of ['SUBJECT_ID', 'PRI_NAME', 'PRI_DOB', 'CII_NUMBER', 'OFN', 'PRI_SSN']) expect(text).not.toContain(column);
  });
});
