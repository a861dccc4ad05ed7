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
import { parseDecisionFile } from './decisions';
import { DecisionRound, FINAL_FILES, finalize, FinalizeContext, ReviewCounts } from './finalize';
import { parseReviewList, ReviewItem } from './review-list';
import { CsvProblem } from './csv-records';
import { SummaryReviewState, summaryReviewState, withReviewSection, withReviewState } from './review-state';
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

/** The run's items, or the problem that makes it unreviewable (not finished, failed, no review list). */
export async function loadRun(
  store: ObjectStore,
  keys: ReviewKeys,
): Promise<{ items: ReviewItem[]; summary: z.infer<typeof summarySchema> } | { problem: CsvProblem }> {
  const summaryBytes = await readOptional(store, keys.summary);
  if (summaryBytes === null) return { problem: { line: null, message: 'the run has no summary.json: it has not finished' } };
  const summary = summarySchema.parse(JSON.parse(summaryBytes.toString('utf8')));
  if (summary.status !== 'SUCCEEDED') return { problem: { line: null, message: `the run did not succeed (status ${summary.status}): it has no lists to review` } };
  const list = await readOptional(store, keys.reviewList);
  if (list === null) return { problem: { line: null, message: 'the run has no review_list.csv (it was made by a version without the review)' } };
  return { items: parseReviewList(list.toString('latin1')), summary };
}

/** Applies one decision file (its name and bytes as uploaded). */
export async function applyDecisionFile(store: ObjectStore, keys: ReviewKeys, file: { name: string; bytes: Buffer }, codeVersion: string): Promise<ReviewReport> {
  const sha256 = sha256Hex(file.bytes);
  const index = await readRounds(store, keys);
  const base = { file: file.name, sha256, rounds: index.rounds.length };
  const already = index.rounds.find((r) => r.sha256 === sha256);
  if (already !== undefined) return { ...base, status: 'ALREADY_APPLIED', round: already.round, problems: [] };
  const run = await loadRun(store, keys);
  if ('problem' in run) return { ...base, status: 'REJECTED', problems: [run.problem] };
  const byId = new Map(run.items.map((item) => [item.id, item]));
  const parsed = parseDecisionFile(file.bytes.toString('latin1'), byId);
  if (parsed.problems.length > 0) return { ...base, status: 'REJECTED', problems: parsed.problems };

  const rounds = await storedRounds(store, keys, index, byId);
  const round = index.rounds.length + 1;
  rounds.push({ round, file: file.name, sha256, decisions: parsed.decisions });
  await store.write(keys.roundFile(round), [file.bytes]);
  const final = finalize(run.items, rounds, finalizeContext(run.summary, codeVersion));
  await Promise.all([
    store.write(keys.final.courtMotions, [Buffer.from(final.courtMotions, 'latin1')]),
    store.write(keys.final.defenderNotices, [Buffer.from(final.defenderNotices, 'latin1')]),
    store.write(keys.final.decisions, [Buffer.from(final.decisions, 'latin1')]),
  ]);
  // Before the index: a crash here leaves the round unapplied, and applying the file again rewrites the reports.
  await writeReviewState(store, keys, summaryReviewState(round, final.counts));
  const next: RoundsIndex = { rounds: [...index.rounds, { round, file: file.name, sha256, decisions: parsed.decisions.length }] };
  await store.write(keys.rounds, [Buffer.from(`${JSON.stringify(next, null, 2)}\n`, 'utf8')]);
  return { ...base, status: 'APPLIED', round, rounds: round, problems: [], counts: final.counts, decisions: parsed.decisions.length };
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
export function reviewKeys(resultsPrefix: string, summaryKey: string, reports?: ReviewKeys['reports']): ReviewKeys & { report: string } {
  const state = `${resultsPrefix}${REVIEW_STATE_FOLDER}`;
  const reportsFolder = summaryKey.slice(0, summaryKey.length - 'summary.json'.length);
  const resultsSummary = `${resultsPrefix}summary.json`;
  return {
    reports: reports ?? { summaries: summaryKey === resultsSummary ? [summaryKey] : [summaryKey, resultsSummary], html: `${reportsFolder}report.html` },
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

/** Earlier rounds, read back from their stored copies: the files are the record, the index only lists them. */
async function storedRounds(store: ObjectStore, keys: ReviewKeys, index: RoundsIndex, byId: ReadonlyMap<string, ReviewItem>): Promise<DecisionRound[]> {
  const rounds: DecisionRound[] = [];
  for (const entry of index.rounds) {
    const bytes = await collectBytes(store.read(keys.roundFile(entry.round)));
    const earlier = parseDecisionFile(bytes.toString('latin1'), byId);
    if (earlier.problems.length > 0 || sha256Hex(bytes) !== entry.sha256) {
      throw new Error(`review round ${entry.round} (${entry.file}) no longer matches its record: the review state is damaged`);
    }
    rounds.push({ round: entry.round, file: entry.file, sha256: entry.sha256, decisions: earlier.decisions });
  }
  return rounds;
}

function finalizeContext(summary: z.infer<typeof summarySchema>, codeVersion: string): FinalizeContext {
  return {
    runId: summary.runId,
    county: summary.county,
    computeAt: summary.computeAt,
    policyName: summary.policyName,
    policySha256: summary.policySha256 ?? null,
    codeVersion,
  };
}

/** The review state into the run's summaries and report.html (those that exist; an older report has no slot). */
async function writeReviewState(store: ObjectStore, keys: ReviewKeys, state: SummaryReviewState): Promise<void> {
  for (const key of keys.reports.summaries) {
    const bytes = await readOptional(store, key);
    if (bytes !== null) await store.write(key, [Buffer.from(withReviewState(bytes.toString('utf8'), state), 'utf8')]);
  }
  const html = await readOptional(store, keys.reports.html);
  if (html !== null) await store.write(keys.reports.html, [Buffer.from(withReviewSection(html.toString('utf8'), state), 'utf8')]);
}

/** The counts of a run's review as it stands (its rounds applied), written nowhere: for the ledger and reports. */
export async function currentReviewCounts(store: ObjectStore, keys: ReviewKeys): Promise<{ rounds: number; counts: ReviewCounts } | null> {
  const run = await loadRun(store, keys);
  if ('problem' in run) return null;
  const index = await readRounds(store, keys);
  const rounds = await storedRounds(store, keys, index, new Map(run.items.map((item) => [item.id, item])));
  return { rounds: rounds.length, counts: finalize(run.items, rounds, finalizeContext(run.summary, '')).counts };
}
