/**
 * Finalize as a fan-out, step 4: Commit (one task). If any Route or Apply task found a problem, the round is
 * rejected with every problem by line, and nothing is written but the report. Otherwise the round is published in
 * the order of apply.ts (the file's copy, the final lists, the review state in the reports, the rounds index last):
 * each final list a k-way merge of the partitions' parts by review-list line, so it keeps the review list's order;
 * the counts summed over partitions, their keys in the order one pass over the list gives them. Memory: one read
 * window per partition and the counts; never the review list.
 */
import { csvSafeLine as csvLine } from '../csv/writer';
import { writeText } from '../pipeline/channel';
import { mapBounded, ObjectStore, ReadOptions, READS_IN_FLIGHT, readJson, readMany } from '../pipeline/object-store';
import { mergeEntries, readEntries } from '../report/court-lists';
import { readRounds, ReviewReport, writeReviewState } from './apply';
import { NO_DECISION, orderProblems, RankedProblem } from './decisions';
import { emptyReviewCounts, FINAL_MOTION_COLUMNS, FINAL_NOTICE_COLUMNS, KEYED_COUNTS, ReviewCounts } from './finalize';
import { summaryReviewState } from './review-state';
import { PartResult, readRouteResults } from './round-apply';
import { keysOf, RoundPlan, roundKeys } from './round-plan';
import { absoluteProblem, lineBases } from './round-route';
import { ReviewStateError } from '../errors';

/** Sums partitions' counts; each keyed count's keys ordered by the first review-list line that used them. */
export function mergeCounts(parts: ReadonlyArray<{ counts: ReviewCounts; firstSeen: Record<string, number> }>): ReviewCounts {
  const total = emptyReviewCounts();
  const firstSeen: Record<string, number> = {};
  for (const { counts, firstSeen: seen } of parts) {
    for (const [key, line] of Object.entries(seen)) firstSeen[key] = Math.min(firstSeen[key] ?? line, line);
    for (const name of ['convictions', 'relief', 'denied', 'pending', 'decided'] as const) total[name] += counts[name];
    for (const name of Object.keys(total.overrides) as Array<keyof ReviewCounts['overrides']>) total.overrides[name] += counts.overrides[name];
  }
  const ordered = (name: string, maps: ReadonlyArray<Record<string, number>>): Record<string, number> => {
    const sums = new Map<string, number>();
    for (const map of maps) for (const [key, n] of Object.entries(map)) sums.set(key, (sums.get(key) ?? 0) + n);
    const keys = [...sums.keys()].sort((a, b) => (firstSeen[`${name}\u0000${a}`] ?? 0) - (firstSeen[`${name}\u0000${b}`] ?? 0));
    return Object.fromEntries(keys.map((key) => [key, sums.get(key)!]));
  };
  for (const name of KEYED_COUNTS) {
    if (name === 'byDetermination') continue;
    total[name] = ordered(name, parts.map((part) => part.counts[name]));
  }
  const determinations = ordered('byDetermination', parts.map((part) => Object.fromEntries(Object.keys(part.counts.byDetermination).map((d) => [d, 0]))));
  for (const determination of Object.keys(determinations)) {
    total.byDetermination[determination] = ordered(
      `byDetermination\u0000${determination}`,
      parts.map((part) => part.counts.byDetermination[determination] ?? {}),
    );
  }
  if (parts.every((part) => part.counts.impact !== null)) {
    const impact = { peopleNoFelony: 0, peopleNoConviction: 0, automatic: { peopleNoFelony: 0, peopleNoConviction: 0 } };
    for (const { counts } of parts) {
      impact.peopleNoFelony += counts.impact!.peopleNoFelony;
      impact.peopleNoConviction += counts.impact!.peopleNoConviction;
      impact.automatic.peopleNoFelony += counts.impact!.automatic.peopleNoFelony;
      impact.automatic.peopleNoConviction += counts.impact!.automatic.peopleNoConviction;
    }
    total.impact = impact;
  }
  return total;
}

/** Each partition's part is read as text, its chunk held until its entries are merged: small chunks (as Assemble's court lists). */
const PART_READ: ReadOptions = { chunkBytes: 16 * 1024 };

/** One final list: its header (if any), then the partitions' parts merged by review-list line. */
async function writeMerged(store: ObjectStore, plan: RoundPlan, list: 'motions' | 'notices' | 'records', key: string, header: string | null): Promise<void> {
  const sources = Array.from({ length: plan.partitionCount }, (_, p) => readEntries(readMany(store, roundKeys.part(plan, p, list), plan.partitionCount, PART_READ)));
  await writeText(store, key, (chunks) => chunks, async (writer) => {
    if (header !== null) await writer.write(`${header}\n`);
    for await (const entry of mergeEntries(sources)) await writer.write(`${entry.line}\n`);
  });
}

/** Every problem of the round, by line: the header's, Route's (lines made absolute) and Apply's. */
async function roundProblems(store: ObjectStore, plan: RoundPlan, parts: readonly PartResult[]): Promise<RankedProblem[]> {
  const results = await readRouteResults(store, plan);
  const bases = lineBases(plan, results);
  const fileSource = plan.sources[plan.sources.length - 1];
  const problems: RankedProblem[] = [];
  for (const range of plan.ranges) {
    if (range.source !== plan.sources.length - 1) continue;
    for (const problem of results[range.index].problems) problems.push(absoluteProblem(problem, bases[range.index]));
  }
  if (fileSource.kind === 'file' && fileSource.headerProblems.length > 0) {
    // A file without a usable header: its CSV problems and the header's, as one pass reports them.
    return [...problems, ...fileSource.headerProblems.map((p) => ({ ...p, rank: 0 }))];
  }
  for (const part of parts) problems.push(...part.problems);
  return problems;
}

export async function commitRound(store: ObjectStore, plan: RoundPlan): Promise<ReviewReport> {
  const keys = keysOf(plan);
  const parts = await mapBounded(Array.from({ length: plan.partitionCount }, (_, p) => p), READS_IN_FLIGHT, (p) => readJson<PartResult>(store, roundKeys.partResult(plan, p)));
  const index = await readRounds(store, keys);
  const base = { file: plan.file.name, sha256: plan.file.sha256, rounds: index.rounds.length };
  const problems = orderProblems(await roundProblems(store, plan, parts));
  const decisions = parts.reduce((sum, part) => sum + part.decisions, 0);
  if (problems.length === 0 && decisions === 0) problems.push({ line: null, message: NO_DECISION });
  if (problems.length > 0) return { ...base, status: 'REJECTED', problems };
  if (index.rounds.length + 1 !== plan.round) throw new ReviewStateError(`another round was applied to the run while round ${plan.round} was checked: upload the file again`);

  await store.copy(plan.file.key, keys.roundFile(plan.round));
  // One list after the other: one read window per partition at a time.
  await writeMerged(store, plan, 'motions', keys.final.courtMotions, csvLine(FINAL_MOTION_COLUMNS));
  await writeMerged(store, plan, 'notices', keys.final.defenderNotices, csvLine(FINAL_NOTICE_COLUMNS));
  await writeMerged(store, plan, 'records', keys.final.decisions, null);
  const counts = mergeCounts(parts.map((part) => ({ counts: part.counts!, firstSeen: part.firstSeen! })));
  await writeReviewState(store, keys, summaryReviewState(plan.round, counts));
  const next = { rounds: [...index.rounds, { round: plan.round, file: plan.file.name, sha256: plan.file.sha256, decisions }] };
  await store.write(keys.rounds, [Buffer.from(`${JSON.stringify(next, null, 2)}\n`, 'utf8')]);
  return { ...base, status: 'APPLIED', round: plan.round, rounds: plan.round, problems: [], counts, decisions };
}
