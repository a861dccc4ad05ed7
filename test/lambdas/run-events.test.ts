/**
 * The completion events' contract (lambdas/run-events.ts): what a subscriber receives, and nothing else: a field
 * more (personal data slipping in) or a malformed run id is refused.
 */
import { clearanceRunEventSchema, RUN_EVENT_SOURCE, RUN_FAILED, RUN_SUCCEEDED, runFailedDetailSchema, runSucceededDetailSchema } from '../../lambdas/run-events';

const counts = { rowsRead: 10, rowsRejected: 1, rowsWritten: 9, people: 4 };
const succeeded = {
  runId: 'sutter-20240601-0123456789ab', county: 'SUTTER', status: 'SUCCEEDED', counts,
  reports: { prefix: 'reports/SUTTER/sutter-20240601-0123456789ab/', summaryKey: 'reports/SUTTER/sutter-20240601-0123456789ab/summary.json' },
  resultsPrefix: 'results/SUTTER/sutter-20240601-0123456789ab/',
};
const failed = {
  runId: 'sutter-20240601-0123456789ab', county: 'SUTTER', status: 'FAILED', errorName: 'RejectRatioExceeded', counts,
  reports: { prefix: 'reports/SUTTER/x/', errorKey: 'reports/SUTTER/x/error.json' },
};
const envelope = { version: '0', id: 'e', account: '1', time: '2024-06-01T12:00:00Z', region: 'us-west-2', resources: [], source: RUN_EVENT_SOURCE };

describe('the completion events', () => {
  it('read as a subscriber receives them, by detail type', () => {
    expect(clearanceRunEventSchema.parse({ ...envelope, 'detail-type': RUN_SUCCEEDED, detail: succeeded }).detail).toEqual(succeeded);
    expect(clearanceRunEventSchema.parse({ ...envelope, 'detail-type': RUN_FAILED, detail: failed }).detail).toEqual(failed);
    expect(clearanceRunEventSchema.safeParse({ ...envelope, 'detail-type': RUN_FAILED, detail: succeeded }).success).toBe(false);
    expect(clearanceRunEventSchema.safeParse({ ...envelope, source: 'other', 'detail-type': RUN_SUCCEEDED, detail: succeeded }).success).toBe(false);
  });

  it('refuse any other field, at any depth, a bad run id and a negative count', () => {
    expect(runSucceededDetailSchema.safeParse({ ...succeeded, name: 'DOE,JOHN' }).success).toBe(false);
    expect(runSucceededDetailSchema.safeParse({ ...succeeded, counts: { ...counts, ssn: 1 } }).success).toBe(false);
    expect(runFailedDetailSchema.safeParse({ ...failed, reports: { ...failed.reports, caseNumber: 'BA1' } }).success).toBe(false);
    expect(runSucceededDetailSchema.safeParse({ ...succeeded, runId: 'Sutter/../x' }).success).toBe(false);
    expect(runSucceededDetailSchema.safeParse({ ...succeeded, counts: { ...counts, people: -1 } }).success).toBe(false);
  });
});
