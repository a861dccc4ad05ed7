/**
 * review_list.csv read back (report/court-lists.ts writes it): the convictions of a run a decision may name, with
 * what the final lists and the decision record need of each. Personal data: results/ only.
 */
import { OFFENSE_LEVEL, REVIEW_LIST_COLUMNS, REVIEW_PERSON_COLUMNS } from '../report/court-lists';
import { CsvProblem, headerIndices, readCsvRecords } from './csv-records';
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

/** The review list's items, in its order. */
export function parseReviewList(text: string): ReviewItem[] {
  const { records, problems } = readCsvRecords(text);
  const fail = (list: CsvProblem[]) => {
    throw new ReviewListError(`review_list.csv: ${list.map((p) => `line ${p.line}: ${p.message}`).join('; ')}`);
  };
  if (problems.length > 0) fail(problems);
  if (records.length === 0) fail([{ line: 1, message: 'no header' }]);
  const header = headerIndices(records[0], REQUIRED_COLUMNS);
  if ('problems' in header) return fail(header.problems);
  const at = header.indices;
  const later = headerIndices(records[0], LATER_COLUMNS);
  const optional = (column: (typeof LATER_COLUMNS)[number], fields: readonly string[]) => ('indices' in later ? fields[later.indices[column]] : '');
  const personHeader = headerIndices(records[0], REVIEW_PERSON_COLUMNS);
  const person = 'indices' in personHeader ? personHeader.indices : null;
  const count = (text: string, line: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) fail([{ line, message: 'a person count is not a whole number' }]);
    return n;
  };
  const items: ReviewItem[] = [];
  const seen = new Set<string>();
  for (let r = 1; r < records.length; r++) {
    const { fields, line } = records[r];
    if (fields.length !== records[0].fields.length) fail([{ line, message: `${fields.length} fields, the header has ${records[0].fields.length}` }]);
    const id = fields[at['Conviction ID']];
    if (seen.has(id)) fail([{ line, message: 'a conviction id listed twice' }]);
    seen.add(id);
    items.push({
      id,
      review: fields[at.Review],
      caseNumber: fields[at['Case Number']],
      count: optional('Count', fields),
      court: optional('Court', fields),
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
        otherFelonies: count(fields[person['Other Felonies']], line),
        otherConvictions: count(fields[person['Other Convictions']], line),
      },
    });
  }
  return items;
}
