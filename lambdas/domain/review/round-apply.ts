/**
 * Finalize as a fan-out, step 3: Apply (one task per partition of people). It reads its section of every routed
 * range: its people's review-list lines, their decisions of earlier rounds and of the new file. It checks the new
 * file's decisions against the run (an unknown id, a conviction decided twice in the file, Reduce on a
 * misdemeanor: a person's convictions and decisions all meet here) and, when nothing anywhere is wrong, writes its
 * candidate part of the final lists (in review-list order, keyed by the review-list line) and its counts under the
 * round's work prefix; nothing is published here. Memory: one partition.
 */
import { entryPieces, CourtListEntry } from '../report/court-lists';
import { collectBytes, mapBounded, ObjectStore, READS_IN_FLIGHT, readJson } from '../pipeline/object-store';
import { checkAgainstRun, DecisionLine, HumanDecision, RankedProblem } from './decisions';
import { FinalTally, hasPeople, RecordedDecision, ReviewCounts } from './finalize';
import { LISTED_TWICE, ReviewItem, reviewItemOf } from './review-list';
import { RoundPlan, roundKeys } from './round-plan';
import { lineBases, RoutedDecisionLine, routedDecision, RoutedListLine, RouteResult } from './round-route';
import { ReviewListError, ReviewStateError } from '../errors';

export interface PartResult {
  partition: number;
  /** The new file's problems found here (absolute lines). */
  problems: RankedProblem[];
  /** Decisions of the new file accepted here. */
  decisions: number;
  /** Present when the candidate lists were written (no problem anywhere). */
  counts?: ReviewCounts;
  firstSeen?: Record<string, number>;
}

export async function readRouteResults(store: ObjectStore, plan: RoundPlan): Promise<RouteResult[]> {
  return mapBounded(plan.ranges, READS_IN_FLIGHT, (range) => readJson<RouteResult>(store, roundKeys.routeResult(plan, range.index)));
}

/** The JSON lines of partition `p`'s section of each range of `source`, with the range's line base. */
async function* sectionLines(store: ObjectStore, plan: RoundPlan, results: readonly RouteResult[], bases: readonly number[], source: number, p: number): AsyncGenerator<[string, number]> {
  for (const range of plan.ranges) {
    if (range.source !== source) continue;
    const { slices } = results[range.index];
    if (slices[p + 1] === slices[p]) continue;
    const text = (await collectBytes(store.readRange(roundKeys.routed(plan, range.index), slices[p], slices[p + 1]))).toString('latin1');
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      yield [text.slice(start, end), bases[range.index]];
      start = end + 1;
    }
  }
}

interface PartitionItems {
  items: Array<{ item: ReviewItem; line: number }>;
  byId: Map<string, ReviewItem>;
}

async function readItems(store: ObjectStore, plan: RoundPlan, results: readonly RouteResult[], bases: readonly number[], p: number): Promise<PartitionItems> {
  const source = plan.sources[0];
  if (source.kind !== 'reviewList') throw new ReviewStateError('the plan does not start with the review list');
  const items: PartitionItems['items'] = [];
  const byId = new Map<string, ReviewItem>();
  for await (const [json, base] of sectionLines(store, plan, results, bases, 0, p)) {
    const [line, fields] = JSON.parse(json) as RoutedListLine;
    const item = reviewItemOf(fields, base + line, source.columns);
    if (byId.has(item.id)) throw new ReviewListError(`review_list.csv: line ${base + line}: ${LISTED_TWICE}`);
    byId.set(item.id, item);
    items.push({ item, line: base + line });
  }
  return { items, byId };
}

/** Partition `p`'s decisions of the earlier rounds (oldest first) and its checks of the new file. */
async function readDecisions(
  store: ObjectStore, plan: RoundPlan, results: readonly RouteResult[], bases: readonly number[], p: number, byId: ReadonlyMap<string, ReviewItem>,
): Promise<{ histories: Map<string, RecordedDecision[]>; problems: RankedProblem[]; accepted: HumanDecision[] }> {
  const histories = new Map<string, RecordedDecision[]>();
  const record = (decision: HumanDecision, round: number, file: string, fileSha256: string) => {
    const entry = { ...decision, round, file, fileSha256 };
    const history = histories.get(decision.id);
    if (history === undefined) histories.set(decision.id, [entry]);
    else history.push(entry);
  };
  const problems: RankedProblem[] = [];
  const accepted: HumanDecision[] = [];
  for (let s = 1; s < plan.sources.length; s++) {
    const source = plan.sources[s];
    const firstLineOf = new Map<string, number>();
    const found: RankedProblem[] = [];
    for await (const [json, base] of sectionLines(store, plan, results, bases, s, p)) {
      const checked: DecisionLine = routedDecision(JSON.parse(json) as RoutedDecisionLine, base);
      const decision = checkAgainstRun(checked, byId.get(checked.id), firstLineOf, found);
      if (decision === null || checked.problems.length > 0) continue;
      if (source.kind === 'round') record(decision, source.round, source.file, source.sha256);
      else accepted.push(decision);
    }
    if (source.kind === 'round' && found.length > 0) {
      throw new ReviewStateError(`review round ${source.round} (${source.file}) no longer matches its record: the review state is damaged`);
    }
    problems.push(...found);
  }
  return { histories, problems, accepted };
}

export async function applyPartition(store: ObjectStore, plan: RoundPlan, p: number): Promise<PartResult> {
  const results = await readRouteResults(store, plan);
  const bases = lineBases(plan, results);
  const { items, byId } = await readItems(store, plan, results, bases, p);
  const { histories, problems, accepted } = await readDecisions(store, plan, results, bases, p, byId);
  const fileSource = plan.sources[plan.sources.length - 1];
  const anyProblem = problems.length > 0 || results.some((r) => r.problems.length > 0) || (fileSource.kind === 'file' && fileSource.headerProblems.length > 0);
  const result: PartResult = { partition: p, problems, decisions: accepted.length };
  if (!anyProblem) {
    for (const decision of accepted) {
      const entry = { ...decision, round: plan.round, file: plan.file.name, fileSha256: plan.file.sha256 };
      const history = histories.get(decision.id);
      if (history === undefined) histories.set(decision.id, [entry]);
      else history.push(entry);
    }
    const lists: Record<'motions' | 'notices' | 'records', CourtListEntry[]> = { motions: [], notices: [], records: [] };
    let position = 0;
    const sink = {
      motion: (line: string) => lists.motions.push({ position, sortKey: '', line }),
      notice: (line: string) => lists.notices.push({ position, sortKey: '', line }),
      record: (line: string) => lists.records.push({ position, sortKey: '', line }),
    };
    const tally = new FinalTally(plan.context, hasPeople(items.map((i) => i.item)));
    for (const { item, line } of items) {
      position = line;
      tally.add(item, histories.get(item.id) ?? [], line, sink);
    }
    await Promise.all((['motions', 'notices', 'records'] as const).map((list) => store.write(roundKeys.part(plan, p, list), entryPieces(lists[list]))));
    result.counts = tally.finish();
    result.firstSeen = tally.firstSeen;
  }
  await store.write(roundKeys.partResult(plan, p), [Buffer.from(JSON.stringify(result), 'utf8')]);
  return result;
}
