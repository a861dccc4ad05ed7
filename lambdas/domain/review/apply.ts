/**
 * One review round (docs/review.md): a decision file checked whole against a finished run, then, only if it has no
 * problem, stored as the run's next round and the final lists rebuilt from the review list and every round.
 * Storage goes through an ObjectStore (S3 in the cloud, a folder locally); the keys are the caller's.
 *
 * Order of writes: the round's copy, the final outputs, the round index last. A round is applied once it is in the
 * index; a crash before that leaves the index as it was, and applying the same file again finishes the job. A file
 * whose SHA-256 is already in the index changes nothing.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { ObjectStore, collectBytes } from '../pipeline/object-store';
import { FINAL_FILES, ReviewCounts } from './finalize';
import { parseReviewList, ReviewItem } from './review-list';
import { CsvProblem } from './csv-records';
import { SummaryReviewState, withReviewSection, withReviewState } from './review-state';
import { NotFoundError } from '../errors';

export interface ReviewKeys {
  /** The run's review_list.csv. */
  reviewList: string;
  /** The run's summary.json. */
  summary: string;
  /** The index of applied rounds (JSON). */
  rounds: string;
  /** Where the accepted file of round n is kept. */
  roundFile(round: number): string;
  /** The final outputs. */
  final: Record<keyof typeof FINAL_FILES, string>;
  /** The run's reports that carry the review state (review-state.ts): each summary.json and report.html that exists. */
  reports: { summaries: string[]; html: string };
}

/** What reviewKeys() is built from: Finalize's tasks pass it on as JSON. */
export interface ReviewKeyInputs {
  resultsPrefix: string;
  summaryKey: string;
  reports: ReviewKeys['reports'];
}

export interface ReviewReport {
  file: string;
  sha256: string;
  status: 'APPLIED' | 'REJECTED' | 'ALREADY_APPLIED';
  /** The round the file is (APPLIED, ALREADY_APPLIED). */
  round?: number;
  /** Rounds applied to the run, this one included. */
  rounds: number;
  /** Every problem of a rejected file, line-numbered; no field values. */
  problems: CsvProblem[];
  /** After an applied round: the final counts (no personal data). */
  counts?: ReviewCounts;
  /** Accepted decisions in the file. */
  decisions?: number;
}

const roundsIndexSchema = z.strictObject({
  rounds: z.array(z.strictObject({ round: z.number().int().min(1), file: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), decisions: z.number().int().min(0) })),
});
type RoundsIndex = z.infer<typeof roundsIndexSchema>;

/** What is read of summary.json: the run's identity, its status and the policy it applied. */
const summarySchema = z.object({
  status: z.enum(['SUCCEEDED', 'FAILED']),
  runId: z.string(),
  county: z.string(),
  computeAt: z.string(),
  policyName: z.string(),
  policySha256: z.string().optional(),
});

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readOptional(store: ObjectStore, key: string): Promise<Buffer | null> {
  try {
    if (!(await store.exists(key))) return null;
    return await collectBytes(store.read(key));
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

export async function readRounds(store: ObjectStore, keys: ReviewKeys): Promise<RoundsIndex> {
  const bytes = await readOptional(store, keys.rounds);
  if (bytes === null) return { rounds: [] };
  return roundsIndexSchema.parse(JSON.parse(bytes.toString('utf8')));
}

/** The run's summary, or the problem that makes it unreviewable (not finished, failed, no review list). */
export async function loadRunSummary(
  store: ObjectStore,
  keys: ReviewKeys,
): Promise<{ summary: z.infer<typeof summarySchema> } | { problem: CsvProblem }> {
  const summaryBytes = await readOptional(store, keys.summary);
  if (summaryBytes === null) return { problem: { line: null, message: 'the run has no summary.json: it has not finished' } };
  const summary = summarySchema.parse(JSON.parse(summaryBytes.toString('utf8')));
  if (summary.status !== 'SUCCEEDED') return { problem: { line: null, message: `the run did not succeed (status ${summary.status}): it has no lists to review` } };
  if (!(await store.exists(keys.reviewList))) return { problem: { line: null, message: 'the run has no review_list.csv (it was made by a version without the review)' } };
  return { summary };
}

/** The run's items, or the problem that makes it unreviewable (not finished, failed, no review list). */
export async function loadRun(
  store: ObjectStore,
  keys: ReviewKeys,
): Promise<{ items: ReviewItem[]; summary: z.infer<typeof summarySchema> } | { problem: CsvProblem }> {
  const run = await loadRunSummary(store, keys);
  if ('problem' in run) return run;
  const list = await readOptional(store, keys.reviewList);
  if (list === null) return { problem: { line: null, message: 'the run has no review_list.csv (it was made by a version without the review)' } };
  return { items: parseReviewList(list.toString('latin1')), summary: run.summary };
}

/** Where reviewers upload decision files: `reviews/<COUNTY>/<runId>/<name>.csv` (personal data). */
export const REVIEW_UPLOAD_PREFIX = 'reviews/';
/** The review state of a run, under its results: the accepted rounds, their index and the latest report. */
export const REVIEW_STATE_FOLDER = 'reviews/';
export const REVIEW_REPORT_NAME = 'review_report.json';
/** Decision files are small (a line per decided conviction): a bigger upload is refused before it is read. */
export const MAX_DECISION_FILE_BYTES = 64 * 1024 * 1024;

/**
 * The review keys of a run whose results are under `resultsPrefix` (`results/<COUNTY>/<runId>/` in the bucket, ''
 * in a local results folder): the same layout in both places.
 */
export function reviewKeys(resultsPrefix: string, summaryKey: string, reports?: ReviewKeys['reports']): ReviewKeys & { report: string; inputs: ReviewKeyInputs } {
  const state = `${resultsPrefix}${REVIEW_STATE_FOLDER}`;
  const reportsFolder = summaryKey.slice(0, summaryKey.length - 'summary.json'.length);
  const resultsSummary = `${resultsPrefix}summary.json`;
  const reportKeys = reports ?? { summaries: summaryKey === resultsSummary ? [summaryKey] : [summaryKey, resultsSummary], html: `${reportsFolder}report.html` };
  return {
    inputs: { resultsPrefix, summaryKey, reports: reportKeys },
    reports: reportKeys,
    reviewList: `${resultsPrefix}review_list.csv`,
    summary: summaryKey,
    rounds: `${state}rounds.json`,
    roundFile: (round) => `${state}round-${String(round).padStart(4, '0')}.csv`,
    report: `${state}${REVIEW_REPORT_NAME}`,
    final: {
      courtMotions: `${resultsPrefix}final/${FINAL_FILES.courtMotions}`,
      defenderNotices: `${resultsPrefix}final/${FINAL_FILES.defenderNotices}`,
      decisions: `${resultsPrefix}final/${FINAL_FILES.decisions}`,
    },
  };
}

export type ReviewUploadKey = { kind: 'decisions'; county: string; runId: string; fileName: string } | { kind: 'ignored'; reason: string };

/** `reviews/<COUNTY>/<runId>/<name>.csv`, or why the key is not a decision file. */
export function parseReviewUploadKey(key: string): ReviewUploadKey {
  if (!key.startsWith(REVIEW_UPLOAD_PREFIX)) return { kind: 'ignored', reason: `the key is not under ${REVIEW_UPLOAD_PREFIX}` };
  const parts = key.slice(REVIEW_UPLOAD_PREFIX.length).split('/');
  if (parts.length !== 3 || parts.some((part) => part.trim() === '' || part === '.' || part === '..')) {
    return { kind: 'ignored', reason: `the key is not ${REVIEW_UPLOAD_PREFIX}<COUNTY>/<runId>/<name>.csv` };
  }
  const [county, runId, fileName] = parts;
  if (!fileName.toLowerCase().endsWith('.csv')) return { kind: 'ignored', reason: 'a decision file is a .csv file' };
  return { kind: 'decisions', county, runId, fileName };
}

/** The review state into the run's summaries and report.html (those that exist; an older report has no slot). */
export async function writeReviewState(store: ObjectStore, keys: ReviewKeys, state: SummaryReviewState): Promise<void> {
  for (const key of keys.reports.summaries) {
    const bytes = await readOptional(store, key);
    if (bytes !== null) await store.write(key, [Buffer.from(withReviewState(bytes.toString('utf8'), state), 'utf8')]);
  }
  const html = await readOptional(store, keys.reports.html);
  if (html !== null) await store.write(keys.reports.html, [Buffer.from(withReviewSection(html.toString('utf8'), state), 'utf8')]);
}

/**
 * The review state of a run as its latest applied round left it (summary.json's `review`), when that round is the
 * last in the index: for the ledger when a file is applied again. Null when the run has no applied round.
 */
export async function currentReviewState(store: ObjectStore, keys: ReviewKeys): Promise<SummaryReviewState | null> {
  const index = await readRounds(store, keys);
  const bytes = await readOptional(store, keys.summary);
  if (bytes === null || index.rounds.length === 0) return null;
  const review = (JSON.parse(bytes.toString('utf8')) as { review?: SummaryReviewState }).review;
  return review !== undefined && review.rounds === index.rounds.length ? review : null;
}
