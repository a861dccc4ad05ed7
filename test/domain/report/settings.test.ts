/**
 * Report settings (lambdas/domain/report/settings.ts): the defaults, configured values, a run plan's settings, and
 * each bad value refused naming the field and the value.
 */
import { ReportSettingsError } from '../../../lambdas/domain/errors';
import { DEFAULT_RACE_CATEGORIES } from '../../../lambdas/domain/report/demographics';
import { DEFAULT_SUPPRESSION_THRESHOLD, parseReportSettings, reportSettingsOf } from '../../../lambdas/domain/report/settings';

describe('report settings', () => {
  test('defaults', () => {
    const settings = parseReportSettings();
    expect(settings.suppressionThreshold).toBe(DEFAULT_SUPPRESSION_THRESHOLD);
    expect(settings.suppressionThreshold).toBe(11);
    expect(settings.ageBands).toEqual([21, 30, 40, 50, 65]);
    expect(settings.raceCategories).toBe(DEFAULT_RACE_CATEGORIES);
  });

  test('configured values', () => {
    const settings = parseReportSettings({ raceCategories: { HISPANIC: 'Latinx' }, ageBands: [25], suppressionThreshold: 20 });
    expect(settings).toEqual({ raceCategories: { HISPANIC: 'Latinx' }, ageBands: [25], suppressionThreshold: 20 });
  });

  test.each<[unknown, RegExp]>([
    [{ suppressionThreshold: 0 }, /suppressionThreshold: 0 must be 1-1000/],
    [{ suppressionThreshold: 2.5 }, /suppressionThreshold: 2.5 must be a whole number/],
    [{ ageBands: [30, 21] }, /ageBands: \[30,21\] must be strictly increasing/],
    [{ ageBands: [] }, /ageBands: \[\] must name at least one bound/],
    [{ raceCategories: { HISPANIC: '' } }, /raceCategories.HISPANIC: "" must not be empty/],
    [{ raceCategories: 'default' }, /raceCategories: "default" must be (record|object)/],
    [{ supressionThreshold: 5 }, /supressionThreshold: unknown option/],
  ])('%j is rejected, naming the field and value', (input, message) => {
    expect(() => parseReportSettings(input)).toThrow(ReportSettingsError);
    expect(() => parseReportSettings(input)).toThrow(message);
  });

  test("a run plan's settings: its report field, else the defaults", () => {
    expect(reportSettingsOf({ report: { suppressionThreshold: 1 } }).suppressionThreshold).toBe(1);
    expect(reportSettingsOf({ runId: 'r1' })).toEqual(parseReportSettings());
    expect(() => reportSettingsOf({ report: { ageBands: [200] } })).toThrow('ageBands[0]: 200 must be 1-120');
  });
});
