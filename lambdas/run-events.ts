/**
 * The completion events a run puts on the account's default EventBridge bus: `Clearance Run Succeeded` and
 * `Clearance Run Failed`, source `record-clearance`. The contract downstream systems subscribe to (docs/events.md):
 * ids, county, status, counts and object keys, never personal data. The strict schemas refuse any other field, so
 * nothing can slip in unnoticed.
 */
import * as z from 'zod';

export const RUN_EVENT_SOURCE = 'record-clearance';
export const RUN_SUCCEEDED = 'Clearance Run Succeeded';
export const RUN_FAILED = 'Clearance Run Failed';

const count = z.number().int().min(0);
const runId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,127}$/);
const key = z.string().min(1);

/** Rows read, rejected and written, and people, as the ledger counts them (so far, for a failed run). */
export const runCountsSchema = z.strictObject({ rowsRead: count, rowsRejected: count, rowsWritten: count, people: count });

export const runSucceededDetailSchema = z.strictObject({
  runId,
  county: z.string().min(1),
  status: z.literal('SUCCEEDED'),
  counts: runCountsSchema,
  /** reports/<COUNTY>/<runId>/ (summary, statistics, report, rejects: no personal data) and its summary.json. */
  reports: z.strictObject({ prefix: key, summaryKey: key }),
  /** results/<COUNTY>/<runId>/: the personal-data outputs, for systems entitled to read them. */
  resultsPrefix: key,
});
export type RunSucceededDetail = z.output<typeof runSucceededDetailSchema>;

export const runFailedDetailSchema = z.strictObject({
  runId,
  county: z.string().min(1),
  status: z.literal('FAILED'),
  /** The error's name (PolicyError, RejectRatioExceeded, ExecutionTimedOut...); its message is in error.json. */
  errorName: z.string().min(1),
  counts: runCountsSchema,
  reports: z.strictObject({ prefix: key, errorKey: key }),
});
export type RunFailedDetail = z.output<typeof runFailedDetailSchema>;

const envelope = { version: z.string(), id: z.string(), account: z.string(), time: z.string(), region: z.string(), resources: z.array(z.string()) };

/** A completion event as a subscriber receives it (rule pattern: `source: ["record-clearance"]`). */
export const clearanceRunEventSchema = z.discriminatedUnion('detail-type', [
  z.object({ ...envelope, source: z.literal(RUN_EVENT_SOURCE), 'detail-type': z.literal(RUN_SUCCEEDED), detail: runSucceededDetailSchema }),
  z.object({ ...envelope, source: z.literal(RUN_EVENT_SOURCE), 'detail-type': z.literal(RUN_FAILED), detail: runFailedDetailSchema }),
]);
export type ClearanceRunEvent = z.output<typeof clearanceRunEventSchema>;
