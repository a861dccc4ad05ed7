/**
 * review_list.csv read back (report/court-lists.ts writes it): the convictions of a run a decision may name, with
 * what the final lists and the decision record need of each. Personal data: results/ only.
 */
import { OFFENSE_LEVEL, REVIEW_LIST_COLUMNS } from '../report/court-lists';
import { CsvProblem, headerIndices, readCsvRecords } from './csv-records';
import { ReviewListError } from '../errors';

export interface ReviewItem {
  id: string;
  /** REVIEW_MARK: Required (Hand Review) or Optional. */
  review: string;
  caseNumber: string;
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
}

/** The review list's items, in its order. */
export function parseReviewList(text: string): ReviewItem[] {
  const { records, problems } = readCsvRecords(text);
  const fail = (list: CsvProblem[]) => {
    throw new ReviewListError(`review_list.csv: ${list.map((p) => `line ${p.line}: ${p.message}`).join('; ')}`);
  };
  if (problems.length > 0) fail(problems);
  if (records.length === 0) fail([{ line: 1, message: 'no header' }]);
  const header = headerIndices(records[0], REVIEW_LIST_COLUMNS);
  if ('problems' in header) return fail(header.problems);
  const at = header.indices;
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
    });
  }
  return items;
}
