/**
 * Finalize: a decision file uploaded to reviews/<COUNTY>/<runId>/<name>.csv (the "Object Created" event) is checked
 * whole against the run and, when it has no problem, applied as the run's next review round
 * (lambdas/domain/review/apply.ts): results/<COUNTY>/<runId>/final/ rebuilt, the round kept under
 * results/<COUNTY>/<runId>/reviews/, the review report written there, the counts recorded in the ledger.
 * Decision files are personal data: nothing of their content is logged or returned, only statuses and counts.
 */
import { collectBytes, writeJson } from '../domain/pipeline/object-store';
import {
  applyDecisionFile, currentReviewCounts, MAX_DECISION_FILE_BYTES, parseReviewUploadKey, ReviewReport, reviewKeys,
} from '../domain/review/apply';
import { ReviewCounts } from '../domain/review/finalize';
import { handlerResources } from '../adapters/aws-clients';
import { loadHandlerConfig } from '../adapters/config';
import { instrumented, logger } from '../adapters/observability';
import { objectCreatedEventSchema, parseInput, resolveEventKey, runPrefixes, uploadOf } from '../workflow-contract';

const { store, ledger } = handlerResources(loadHandlerConfig());
/** The version of the code applying decisions, cited by the decision record (set by the stack). */
const CODE_VERSION = process.env.CLEARANCE_CODE_VERSION || 'record-clearance@unknown';

export interface FinalizeResult {
  status: ReviewReport['status'] | 'IGNORED';
  runId?: string;
  round?: number;
  rounds?: number;
  /** Problems of a rejected file (their lines and messages are in the review report, under results/). */
  problems?: number;
  counts?: Pick<ReviewCounts, 'relief' | 'denied' | 'pending' | 'decided'>;
}

export const handler = instrumented('finalize', async (event, invocation): Promise<FinalizeResult> => {
  const upload = uploadOf(parseInput(objectCreatedEventSchema, event, 'event'));
  const key = await resolveEventKey(store, upload.key);
  const target = parseReviewUploadKey(key);
  if (target.kind === 'ignored') {
    logger.info('not a decision file; ignored', { reason: target.reason });
    return { status: 'IGNORED' };
  }
  invocation.tag({ runId: target.runId });
  const { resultsPrefix, reportsPrefix } = runPrefixes(target.runId, target.county);
  const keys = reviewKeys(resultsPrefix, `${reportsPrefix}summary.json`);
  const size = await store.size(key);
  let report: ReviewReport;
  if (size > MAX_DECISION_FILE_BYTES) {
    report = {
      file: target.fileName, sha256: '', status: 'REJECTED', rounds: 0,
      problems: [{ line: null, message: `the file has ${size} bytes, more than the ${MAX_DECISION_FILE_BYTES} a decision file may have` }],
    };
  } else {
    report = await applyDecisionFile(store, keys, { name: target.fileName, bytes: await collectBytes(store.read(key)) }, CODE_VERSION);
  }
  await writeJson(store, keys.report, report);
  // The ledger follows the review state; a retry after a ledger failure finds the file applied and records it then.
  if (report.status !== 'REJECTED') {
    const current = report.counts === undefined ? await currentReviewCounts(store, keys) : { rounds: report.rounds, counts: report.counts };
    if (current !== null) {
      const { relief, denied, pending, decided, overrides, impact } = current.counts;
      await ledger.recordReview(target.runId, {
        rounds: current.rounds, relief, denied, pending, decided, overrides: { ...overrides },
        ...(impact === null ? {} : { peopleNoFelony: impact.peopleNoFelony, peopleNoConviction: impact.peopleNoConviction }),
      });
    }
  }
  const result: FinalizeResult = { status: report.status, runId: target.runId, rounds: report.rounds, problems: report.problems.length };
  if (report.round !== undefined) result.round = report.round;
  if (report.counts !== undefined) {
    const { relief, denied, pending, decided } = report.counts;
    result.counts = { relief, denied, pending, decided };
  }
  return result;
});
