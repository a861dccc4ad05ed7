/**
 * review_list.csv read back (report/court-lists.ts writes it): the convictions of a run a decision may name, with
 * what the final lists and the decision record need of each. Personal data: results/ only.
 */
import { OFFENSE_LEVEL, REVIEW_LIST_COLUMNS, REVIEW_PERSON_COLUMNS } from '../report/court-lists';
import { CsvProblem, CsvRecord, headerIndices, readCsvRecords } from './csv-records';
import { ReviewListError } from '../errors';

export interface ReviewItem {
  id: string;
  /** REVIEW_MARK: Required (Hand Review) or Optional. */
  review: string;
  caseNumber: string;
  /** The count number ('' when CNT_ORDER has none, or in a review list written before the column). */
  count: string;
  /** STP_ORI_DESCR ('' in a review list written before the column). */
  court: string;
  cii: string;
  name: string;
  dob: string;
  county: string;
  date: string;
  codeSection: string;
  felony: boolean;
  sentence: string;
  determination: string;
  reason: string;
  rule: string;
  /**
   * The person (review list's person columns): the person id and the person's convictions off the list; null for
   * a review list made before those columns, whose final impact cannot be computed.
   */
  person: { id: string; otherFelonies: number; otherConvictions: number } | null;
}

/** Columns a review list of an earlier version lacks: read when present. */
const LATER_COLUMNS = ['Count', 'Court'] as const;
const OPTIONAL_COLUMNS: readonly string[] = [...LATER_COLUMNS, ...REVIEW_PERSON_COLUMNS];
const REQUIRED_COLUMNS = REVIEW_LIST_COLUMNS.filter((column) => !OPTIONAL_COLUMNS.includes(column));

/** Where each column of a review list lies (from its header), and the header's width. */
export interface ReviewListColumns {
  width: number;
  at: Record<(typeof REQUIRED_COLUMNS)[number], number>;
  later: Record<(typeof LATER_COLUMNS)[number], number> | null;
  person: Record<(typeof REVIEW_PERSON_COLUMNS)[number], number> | null;
}

function failList(list: CsvProblem[]): never {
  throw new ReviewListError(`review_list.csv: ${list.map((p) => `line ${p.line}: ${p.message}`).join('; ')}`);
}

/** The columns of a review list by its header record; ReviewListError when one is missing. */
export function reviewListColumns(header: CsvRecord): ReviewListColumns {
  const required = headerIndices(header, REQUIRED_COLUMNS);
  if ('problems' in required) return failList(required.problems);
  const later = headerIndices(header, LATER_COLUMNS);
  const person = headerIndices(header, REVIEW_PERSON_COLUMNS);
  return {
    width: header.fields.length,
    at: required.indices,
    later: 'indices' in later ? later.indices : null,
    person: 'indices' in person ? person.indices : null,
  };
}

function personCount(text: string, line: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) failList([{ line, message: 'a person count is not a whole number' }]);
  return n;
}

/** One line of a review list as an item; ReviewListError when it does not fit the header. */
export function reviewItemOf(fields: readonly string[], line: number, columns: ReviewListColumns): ReviewItem {
  if (fields.length !== columns.width) failList([{ line, message: `${fields.length} fields, the header has ${columns.width}` }]);
  const { at, later, person } = columns;
  return {
    id: fields[at['Conviction ID']],
    review: fields[at.Review],
    caseNumber: fields[at['Case Number']],
    count: later === null ? '' : fields[later.Count],
    court: later === null ? '' : fields[later.Court],
    cii: fields[at['CII Number']],
    name: fields[at.Name],
    dob: fields[at['Date of Birth']],
    county: fields[at.County],
    date: fields[at['Date of Conviction']],
    codeSection: fields[at['Code Section']],
    felony: fields[at['Offense Level']] === OFFENSE_LEVEL.felony,
    sentence: fields[at.Sentence],
    determination: fields[at['Eligibility Determination']],
    reason: fields[at['Eligibility Reason']],
    rule: fields[at.Rule],
    person: person === null ? null : {
      id: fields[person['Person ID']],
      otherFelonies: personCount(fields[person['Other Felonies']], line),
      otherConvictions: personCount(fields[person['Other Convictions']], line),
    },
  };
}

/** The message of a review list that lists a conviction twice. */
export const LISTED_TWICE = 'a conviction id listed twice';

/** The review list's items, in its order. */
export function parseReviewList(text: string): ReviewItem[] {
  const { records, problems } = readCsvRecords(text);
  if (problems.length > 0) failList(problems);
  if (records.length === 0) failList([{ line: 1, message: 'no header' }]);
  const columns = reviewListColumns(records[0]);
  const items: ReviewItem[] = [];
  const seen = new Set<string>();
  for (let r = 1; r < records.length; r++) {
    const { fields, line } = records[r];
    const item = reviewItemOf(fields, line, columns);
    if (seen.has(item.id)) failList([{ line, message: LISTED_TWICE }]);
    seen.add(item.id);
    items.push(item);
  }
  return items;
}
