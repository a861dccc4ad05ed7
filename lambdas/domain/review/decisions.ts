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
 * Parses and checks a decision file (latin-1 text) against the run's convictions. Returns the decisions only when
 * there is no problem; otherwise every problem, in line order.
 */
export function parseDecisionFile(text: string, items: ReadonlyMap<string, ReviewItem>): { decisions: HumanDecision[]; problems: DecisionProblem[] } {
  const { records, problems } = readCsvRecords(text);
  const decisions: HumanDecision[] = [];
  if (records.length === 0) {
    problems.push({ line: null, message: 'the file is empty: a decision file starts with a header line' });
    return { decisions: [], problems: sortProblems(problems) };
  }
  const header = headerIndices(records[0], DECISION_COLUMNS);
  if ('problems' in header) return { decisions: [], problems: sortProblems([...problems, ...header.problems]) };
  const at = header.indices;
  const width = records[0].fields.length;
  const firstLineOf = new Map<string, number>();
  for (let r = 1; r < records.length; r++) {
    const { fields, line } = records[r];
    const problem = (message: string) => problems.push({ line, message });
    if (fields.length !== width) {
      problem(`${fields.length} fields, the header has ${width}`);
      continue;
    }
    const value = (column: (typeof DECISION_COLUMNS)[number]) => fields[at[column]].trim();
    const decisionText = value('Decision');
    const id = value('Conviction ID');
    const reason = value('Decision Reason');
    const reviewer = value('Reviewer');
    const dateText = value('Decision Date');
    if (decisionText === '') {
      if (reason !== '' || reviewer !== '' || dateText !== '') problem('Decision is empty but Decision Reason, Reviewer or Decision Date is filled in');
      continue;
    }
    const decision = DECISION_BY_NAME.get(decisionText.toLowerCase());
    if (decision === undefined) problem(`Decision must be one of ${DECISIONS.join(', ')}`);
    const item = items.get(id);
    if (id === '') problem('Conviction ID is empty');
    else if (item === undefined) problem('Conviction ID is not a conviction of this run');
    else {
      const first = firstLineOf.get(id);
      if (first !== undefined) problem(`the conviction is already decided on line ${first} of this file`);
      else firstLineOf.set(id, line);
      if (decision === 'Reduce' && !item.felony) problem('Reduce applies to felonies only: this conviction is a misdemeanor');
    }
    if (reason === '') problem('Decision Reason is empty: every decision says why');
    if (reviewer === '') problem('Reviewer is empty: every decision says who made it');
    const date = decisionDate(dateText);
    if (date === null) problem('Decision Date must be a date (YYYY-MM-DD or MM/DD/YYYY) on or after 2016-11-09');
    if (reason.length > MAX_FIELD_CHARS || reviewer.length > MAX_FIELD_CHARS) problem(`Decision Reason and Reviewer hold at most ${MAX_FIELD_CHARS} characters`);
    if (decision !== undefined && item !== undefined && date !== null) decisions.push({ id, decision, reason, reviewer, date, line });
  }
  if (problems.length === 0 && decisions.length === 0) problems.push({ line: null, message: 'the file decides no conviction (every Decision is empty)' });
  if (problems.length > 0) return { decisions: [], problems: sortProblems(problems) };
  return { decisions, problems };
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
