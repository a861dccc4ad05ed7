/**
 * The state machine's completion-event task (lib/run-events.ts): a PutEvents on the default bus with the contract's
 * source and detail type, retried with backoff, the state passed on unchanged; the Succeeded detail built from the
 * state after Assemble with exactly the contract's fields.
 */
import { Stack } from 'aws-cdk-lib';
import { announceRun, runSucceededDetail } from '../../lib/run-events';
import { RUN_EVENT_SOURCE, RUN_SUCCEEDED, runSucceededDetailSchema } from '../../lambdas/run-events';

describe('announceRun', () => {
  const stack = new Stack();
  const state = stack.resolve(announceRun(stack, 'Announce', 'Announce success', RUN_SUCCEEDED, runSucceededDetail()).toStateJson()) as {
    Type: string; Resource: string; ResultPath: null; Retry: Array<Record<string, unknown>>; Parameters: { Entries: Array<Record<string, unknown>> };
  };

  it('puts one event of the source and detail type on the default bus, leaving the state as it was, retried with backoff', () => {
    expect(state.Type).toBe('Task');
    expect(JSON.stringify(state.Resource)).toContain('events:putEvents');
    expect(state.ResultPath).toBeNull();
    expect(state.Parameters.Entries).toHaveLength(1);
    expect(state.Parameters.Entries[0]).toMatchObject({ Source: RUN_EVENT_SOURCE, DetailType: RUN_SUCCEEDED });
    expect(state.Retry).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], MaxAttempts: 4, BackoffRate: 2, JitterStrategy: 'FULL' })]);
  });

  it("builds the Succeeded detail from Plan's and Assemble's results, with exactly the contract's fields", () => {
    const detail = state.Parameters.Entries[0].Detail as Record<string, unknown>;
    const fieldsOf = (value: Record<string, unknown>) => Object.keys(value).map((key) => key.replace(/\.\$$/, '')).sort();
    expect(fieldsOf(detail)).toEqual(Object.keys(runSucceededDetailSchema.shape).sort());
    expect(detail).toMatchObject({ 'runId.$': '$.plan.runId', 'county.$': '$.plan.county', status: 'SUCCEEDED', 'resultsPrefix.$': "States.Format('results/{}/{}/', $.plan.county, $.plan.runId)" });
    expect(fieldsOf(detail.counts as Record<string, unknown>)).toEqual(Object.keys(runSucceededDetailSchema.shape.counts.shape).sort());
    expect(fieldsOf(detail.reports as Record<string, unknown>)).toEqual(['prefix', 'summaryKey']);
  });
});
