/**
 * Finalize as a fan-out, step 2: Route (one task per range of the plan). A range of the review list, of an earlier
 * round's file or of the new decision file is read with the extracts' tokenizer (quoted fields, CRLF, BOM, physical
 * lines), each record checked on its own (decisions.ts checkDecisionLine) and sent to the partition of its person
 * by the key its conviction id leads with. One object per range: the partitions' lines one after another, and a
 * result with where each partition's section lies (the Split layout). Memory: one range.
 */
import { DojTokenizer } from '../csv/tokenizer';
import { linePieces } from '../csv/writer';
import { ObjectStore } from '../pipeline/object-store';
import { latin1Windows } from '../pipeline/work-area-formats';
import { CsvProblem } from './csv-records';
import { looksLikeConvictionId, personKeyOfConvictionId } from './conviction-id';
import { checkDecisionLine, DecisionLine, PROBLEM_RANK, RankedProblem, UNKNOWN_ID } from './decisions';
import { REJECT_WORDING } from './csv-records';
import { ReviewListError, ReviewStateError } from '../errors';
import { REVIEW_MAX_RECORD_BYTES, RoundPlan, roundKeys } from './round-plan';

export interface RouteResult {
  range: number;
  /** Where the next range must start for the ranges to tile the source. */
  nextOffset: number;
  /** Physical lines from the range's start to nextOffset. */
  lines: number;
  /** Section p of the routed object is [slices[p], slices[p + 1]). */
  slices: number[];
  /** Problems of the new file's lines (lines relative to the range), or of an earlier round's (the state is damaged). */
  problems: RankedProblem[];
}

/** A routed review-list line: its line in the range and its fields. */
export type RoutedListLine = [line: number, fields: string[]];
/** A routed decision line: what Apply checks against the run, `ok` when the line has no problem of its own. */
export type RoutedDecisionLine = [line: number, id: string, decision: string | null, reason: string, reviewer: string, date: string | null, ok: boolean];

export function routedDecision(entry: RoutedDecisionLine, lineBase: number): DecisionLine {
  const [line, id, decision, reason, reviewer, date, ok] = entry;
  // Apply needs only whether the line had a problem of its own, not which.
  return { line: lineBase + line, id, decision: decision as DecisionLine['decision'], reason, reviewer, date, problems: ok ? [] : [{ line: null, rank: 0, message: '' }] };
}

export async function routeRange(store: ObjectStore, plan: RoundPlan, rangeIndex: number): Promise<RouteResult> {
  const range = plan.ranges[rangeIndex];
  const source = plan.sources[range.source];
  const partitions: string[][] = Array.from({ length: plan.partitionCount }, () => []);
  const problems: RankedProblem[] = [];
  const isFileStart = range.start === 0;
  let first = isFileStart;
  const route = (id: string, json: string) => partitions[personKeyOfConvictionId(id) % plan.partitionCount].push(json);
  const tokenizer = new DojTokenizer(
    {
      record(fields, info) {
        const values = fields.slice(0, info.fieldCount);
        // The file's first record is its header (Plan read it).
        if (first) {
          first = false;
          return;
        }
        if (source.kind === 'reviewList') {
          const id = values[source.columns.at['Conviction ID']] ?? '';
          if (!looksLikeConvictionId(id)) throw new ReviewListError(`review_list.csv: the record at byte ${info.offset} has no conviction id of this version (one leading with its person key)`);
          route(id, JSON.stringify([info.line, values]));
          return;
        }
        if (source.columns === null) return;
        const checked = checkDecisionLine(values, info.line, source.columns, source.width);
        problems.push(...checked.problems);
        if (checked.decision === null || checked.id === '') return;
        if (!looksLikeConvictionId(checked.id)) {
          problems.push({ line: info.line, rank: PROBLEM_RANK.id, message: UNKNOWN_ID });
          return;
        }
        const routed: RoutedDecisionLine = [info.line, checked.id, checked.decision ?? '?', checked.reason, checked.reviewer, checked.date, checked.problems.length === 0];
        route(checked.id, JSON.stringify(routed));
      },
      reject(reject) {
        if (source.kind === 'reviewList') throw new ReviewListError(`review_list.csv: the record at byte ${reject.offset} is not valid CSV (${REJECT_WORDING[reject.code]})`);
        if (source.kind === 'round') throw new ReviewStateError(`review round ${source.round} (${source.file}) no longer matches its record: the review state is damaged`);
        problems.push({ line: reject.line, rank: PROBLEM_RANK.line, message: `not valid CSV: ${REJECT_WORDING[reject.code]}` });
      },
      blankLine() {},
    },
    { expectedFields: null, maxRecordBytes: REVIEW_MAX_RECORD_BYTES, stripBom: isFileStart, stopAfterOffset: range.end, baseOffset: range.start },
  );
  const readEnd = Math.min(source.size, range.end + REVIEW_MAX_RECORD_BYTES + 2);
  reading: for await (const bytes of store.readRange(source.key, range.start, readEnd)) {
    for (const window of latin1Windows(bytes)) {
      tokenizer.push(window);
      if (tokenizer.stopped) break reading;
    }
  }
  const summary = tokenizer.end();
  const body: Buffer[] = [];
  const slices = [0];
  for (const lines of partitions) {
    let end = slices[slices.length - 1];
    for (const piece of linePieces(lines, (line) => line)) {
      body.push(piece);
      end += piece.length;
    }
    slices.push(end);
  }
  await store.write(roundKeys.routed(plan, rangeIndex), body);
  const result: RouteResult = { range: rangeIndex, nextOffset: summary.nextOffset, lines: summary.nextLine - 1, slices, problems };
  await store.write(roundKeys.routeResult(plan, rangeIndex), [Buffer.from(JSON.stringify(result), 'latin1')]);
  return result;
}

/** The physical line before each range (lines of the earlier ranges of its source), checking that the ranges tile their sources. */
export function lineBases(plan: RoundPlan, results: readonly RouteResult[]): number[] {
  const bases: number[] = [];
  let line = 0;
  for (let r = 0; r < plan.ranges.length; r++) {
    const range = plan.ranges[r];
    const next = plan.ranges[r + 1];
    if (r === 0 || plan.ranges[r - 1].source !== range.source) line = 0;
    bases.push(line);
    line += results[r].lines;
    const expected = next !== undefined && next.source === range.source ? next.start : plan.sources[range.source].size;
    if (results[r].nextOffset !== expected) {
      throw new Error(
        `${plan.sources[range.source].kind === 'reviewList' ? 'review_list.csv' : 'a decision file'} could not be cut at record starts ` +
          `(range ${r} ended at ${results[r].nextOffset}, not ${expected}): a quoted field holds a line that reads as a record`,
      );
    }
  }
  return bases;
}

/** A problem with its line made absolute. */
export function absoluteProblem(problem: RankedProblem, lineBase: number): RankedProblem {
  return { ...problem, line: problem.line === null ? null : problem.line + lineBase };
}

export type { CsvProblem };
