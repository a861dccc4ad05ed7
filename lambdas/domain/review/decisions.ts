/**
 * A decision file (docs/review.md, "Decision files"): one line per conviction a reviewer decides, by conviction id.
 * The whole file is checked before any of it counts: every problem is reported with its physical line, and a file
 * with any problem is not applied at all. Columns are found by header name, so a filled-in template (the review
 * list with the decision columns first) is itself a decision file; a line whose Decision is empty decides nothing.
 */
import { csvSafeLine as csvLine } from '../csv/writer';
import { dayFromCivil, formatIsoDate, isMalformed, parseDojDate, parseIsoDate } from '../dates';
import { CsvProblem, headerIndices, readCsvRecords } from './csv-records';
import { isRequiredMark, OFFENSE_LEVEL } from '../report/court-lists';
import { ReviewItem } from './review-list';

export const DECISION_COLUMNS = ['Conviction ID', 'Decision', 'Decision Reason', 'Reviewer', 'Decision Date'] as const;

export const DECISIONS = ['Dismiss', 'Reduce', 'Deny', 'Defer'] as const;
export type DecisionKind = (typeof DECISIONS)[number];

/** One accepted line of a decision file. */
export interface HumanDecision {
  id: string;
  decision: DecisionKind;
  reason: string;
  reviewer: string;
  /** YYYY-MM-DD. */
  date: string;
  /** Physical line in its file. */
  line: number;
}

export type DecisionProblem = CsvProblem;

/** Longest field value accepted (a reason is a sentence, not a document). */
export const MAX_FIELD_CHARS = 2000;

const DECISION_BY_NAME: ReadonlyMap<string, DecisionKind> = new Map(DECISIONS.map((d) => [d.toLowerCase(), d]));
/** Dates a reviewer types: ISO, or the US form the lists use. Not before the 2016 law. */
const EARLIEST_DECISION_DAY = dayFromCivil(2016, 11, 9);

function decisionDate(text: string): string | null {
  let day = parseIsoDate(text);
  if (isMalformed(day) && text.length === 10 && text.charAt(2) === '/' && text.charAt(5) === '/') {
    day = parseDojDate(text.slice(6, 10) + text.slice(0, 2) + text.slice(3, 5));
  }
  return isMalformed(day) || day < EARLIEST_DECISION_DAY ? null : formatIsoDate(day);
}

/**
 * Where a problem of a line stands among the line's problems: a file's problems are listed by line, and within a
 * line in this order, however the checks are spread (review/fan-out checks the id against the run elsewhere).
 */
export const PROBLEM_RANK = { line: 0, decision: 1, id: 2, reason: 3, reviewer: 4, date: 5, length: 6 } as const;

export interface RankedProblem extends CsvProblem {
  rank: number;
}

/** A decision line checked on its own (without the run): its values, and its problems other than the id's. */
export interface DecisionLine {
  line: number;
  /** Trimmed Conviction ID. */
  id: string;
  /** undefined when the Decision is not one of DECISIONS; null when it is empty (the line decides nothing). */
  decision: DecisionKind | undefined | null;
  reason: string;
  reviewer: string;
  /** YYYY-MM-DD, or null when not a valid date. */
  date: string | null;
  problems: RankedProblem[];
}

export type DecisionColumns = Record<(typeof DECISION_COLUMNS)[number], number>;

/** The checks of one record of a decision file that need no run (`width`: the header's field count). */
export function checkDecisionLine(fields: readonly string[], line: number, at: DecisionColumns, width: number): DecisionLine {
  const problems: RankedProblem[] = [];
  const problem = (rank: number, message: string) => problems.push({ line, rank, message });
  if (fields.length !== width) {
    problem(PROBLEM_RANK.line, `${fields.length} fields, the header has ${width}`);
    return { line, id: '', decision: null, reason: '', reviewer: '', date: null, problems };
  }
  const value = (column: (typeof DECISION_COLUMNS)[number]) => fields[at[column]].trim();
  const decisionText = value('Decision');
  const id = value('Conviction ID');
  const reason = value('Decision Reason');
  const reviewer = value('Reviewer');
  const dateText = value('Decision Date');
  if (decisionText === '') {
    if (reason !== '' || reviewer !== '' || dateText !== '') problem(PROBLEM_RANK.line, 'Decision is empty but Decision Reason, Reviewer or Decision Date is filled in');
    return { line, id, decision: null, reason, reviewer, date: null, problems };
  }
  const decision = DECISION_BY_NAME.get(decisionText.toLowerCase());
  if (decision === undefined) problem(PROBLEM_RANK.decision, `Decision must be one of ${DECISIONS.join(', ')}`);
  if (id === '') problem(PROBLEM_RANK.id, 'Conviction ID is empty');
  if (reason === '') problem(PROBLEM_RANK.reason, 'Decision Reason is empty: every decision says why');
  if (reviewer === '') problem(PROBLEM_RANK.reviewer, 'Reviewer is empty: every decision says who made it');
  const date = decisionDate(dateText);
  if (date === null) problem(PROBLEM_RANK.date, 'Decision Date must be a date (YYYY-MM-DD or MM/DD/YYYY) on or after 2016-11-09');
  if (reason.length > MAX_FIELD_CHARS || reviewer.length > MAX_FIELD_CHARS) problem(PROBLEM_RANK.length, `Decision Reason and Reviewer hold at most ${MAX_FIELD_CHARS} characters`);
  return { line, id, decision, reason, reviewer, date, problems };
}

export const UNKNOWN_ID = 'Conviction ID is not a conviction of this run';

/**
 * The checks of a decided line (non-empty id) against the run: the id is one of its convictions, not decided on an
 * earlier line of the file (`firstLineOf`, updated), and Reduce only for a felony. Returns the decision when the
 * line is whole (its own problems aside).
 */
export function checkAgainstRun(
  checked: DecisionLine,
  item: ReviewItem | undefined,
  firstLineOf: Map<string, number>,
  problems: RankedProblem[],
): HumanDecision | null {
  const { line, id, decision } = checked;
  if (item === undefined) {
    problems.push({ line, rank: PROBLEM_RANK.id, message: UNKNOWN_ID });
    return null;
  }
  const first = firstLineOf.get(id);
  if (first !== undefined) problems.push({ line, rank: PROBLEM_RANK.id, message: `the conviction is already decided on line ${first} of this file` });
  else firstLineOf.set(id, line);
  if (decision === 'Reduce' && !item.felony) problems.push({ line, rank: PROBLEM_RANK.id, message: 'Reduce applies to felonies only: this conviction is a misdemeanor' });
  if (decision === undefined || decision === null || checked.date === null) return null;
  return { id, decision, reason: checked.reason, reviewer: checked.reviewer, date: checked.date, line };
}

/** A file's problems in report order: by line (whole-file problems first), then by rank within a line. */
export function orderProblems(problems: readonly (CsvProblem & { rank?: number })[]): CsvProblem[] {
  return [...problems]
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.rank ?? 0) - (b.rank ?? 0))
    .map(({ line, message }) => ({ line, message }));
}

export const NO_DECISION = 'the file decides no conviction (every Decision is empty)';
export const EMPTY_FILE = 'the file is empty: a decision file starts with a header line';

/**
 * Parses and checks a decision file (latin-1 text) against the run's convictions. Returns the decisions only when
 * there is no problem; otherwise every problem, in line order.
 */
export function parseDecisionFile(text: string, items: ReadonlyMap<string, ReviewItem>): { decisions: HumanDecision[]; problems: DecisionProblem[] } {
  const { records, problems } = readCsvRecords(text);
  const decisions: HumanDecision[] = [];
  if (records.length === 0) {
    problems.push({ line: null, message: EMPTY_FILE });
    return { decisions: [], problems: sortProblems(problems) };
  }
  const header = headerIndices(records[0], DECISION_COLUMNS);
  if ('problems' in header) return { decisions: [], problems: sortProblems([...problems, ...header.problems]) };
  const width = records[0].fields.length;
  const firstLineOf = new Map<string, number>();
  const ranked: RankedProblem[] = [];
  for (let r = 1; r < records.length; r++) {
    const checked = checkDecisionLine(records[r].fields, records[r].line, header.indices, width);
    ranked.push(...checked.problems);
    if (checked.decision === null || checked.id === '') continue;
    const decision = checkAgainstRun(checked, items.get(checked.id), firstLineOf, ranked);
    if (decision !== null && checked.problems.length === 0) decisions.push(decision);
  }
  const all = orderProblems([...problems, ...ranked]);
  if (all.length === 0 && decisions.length === 0) all.push({ line: null, message: NO_DECISION });
  if (all.length > 0) return { decisions: [], problems: all };
  return { decisions, problems: all };
}

function sortProblems(problems: DecisionProblem[]): DecisionProblem[] {
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** The columns of a decision template: the decision columns first, then what a reviewer decides on. */
export const TEMPLATE_COLUMNS = [
  ...DECISION_COLUMNS, 'Review', 'Case Number', 'CII Number', 'Name', 'Date of Birth', 'County', 'Date of Conviction', 'Code Section',
  'Offense Level', 'Eligibility Determination', 'Eligibility Reason',
] as const;

/**
 * The review list as a decision file to fill in (CSV text): the Required convictions (Hand Review) first, then the
 * Optional ones, each group in the review list's order; the decision columns empty.
 */
export function decisionTemplate(items: readonly ReviewItem[]): string {
  const lines = [csvLine(TEMPLATE_COLUMNS)];
  for (const required of [true, false]) {
    for (const item of items) {
      if (isRequiredMark(item.review) !== required) continue;
      lines.push(csvLine([
        item.id, '', '', '', '', item.review, item.caseNumber, item.cii, item.name, item.dob, item.county, item.date, item.codeSection,
        item.felony ? OFFENSE_LEVEL.felony : OFFENSE_LEVEL.misdemeanor, item.determination, item.reason,
      ]));
    }
  }
  return `${lines.join('\n')}\n`;
}
