/**
 * The `los-angeles-2020` preset against Los Angeles' own flow (gogen_pilots, shared/fixtures/doj/reference-run-la-flow):
 * 3,000 fabricated people, LOS ANGELES at 2020-07-01, the flow's All_Results compared with ours by column name, row
 * by row, determination and reason. The flow's wording is mapped to ours (test/helpers/la-flow-compare.ts: "City
 * Attorneys" there, "City Attorney" here, and the reasons). Every remaining difference must fall under one of the
 * documented departures of docs/law.md ("los-angeles-2020: where it departs from the county's flow"), each checked
 * on the row and the person's input rows, not taken on trust; an unexplained difference fails the test.
 */
import { isMalformed, parseDojDate, parseIsoDate } from '../../lambdas/domain/dates';
import { sentencePartDays } from '../../lambdas/domain/person';
import { PRESETS } from '../../lambdas/domain/policy';
import { parseCsvText } from '../helpers/csv-compare';
import { compareWithFlow, FlowComparison, reasonKeyOf, RowDifference } from '../helpers/la-flow-compare';
import { FixtureResult, readFixtureBytes, readFixtureJson, readFixtureText, runFixture } from '../helpers/run-fixture';

const DIR = 'reference-run-la-flow';
interface RunSpec {
  county: string;
  computeAt: string;
  labels: string;
}
const spec = readFixtureJson<RunSpec>(`${DIR}/run.json`);

/** Departures from the county's flow (docs/law.md), each with the rows it explains on this extract. */
type Departure = 'malformedDate' | 'homicideWithSubdivision' | 'registrationAfterConviction' | 'sentencePartsOfTheirOwnCount';
const EXPECTED_DEPARTURES: Readonly<Record<Departure, number>> = {
  malformedDate: 14,
  homicideWithSubdivision: 5,
  registrationAfterConviction: 4,
  sentencePartsOfTheirOwnCount: 1,
};

/** The input rows of one person, by column name, in input order. */
type InputRow = Record<string, string>;

let result: FixtureResult;
let comparison: FlowComparison;
let people: Map<string, InputRow[]>;
beforeAll(async () => {
  const input = readFixtureBytes(`${DIR}/input.csv.gz`);
  result = await runFixture({ files: [{ name: 'input.csv', content: input }], county: spec.county, computeAt: spec.computeAt, policy: PRESETS['los-angeles-2020'] });
  comparison = compareWithFlow(readFixtureText(`${DIR}/expected_All_Results.csv.gz`), result.allResults);
  const rows = parseCsvText(input.toString('latin1'));
  const header = rows[0];
  people = new Map();
  for (const fields of rows.slice(1)) {
    const row = Object.fromEntries(header.map((name, i) => [name, fields[i]]));
    const list = people.get(row.SUBJECT_ID);
    if (list === undefined) people.set(row.SUBJECT_ID, [row]);
    else list.push(row);
  }
}, 120_000);

const computeAt = parseIsoDate('2020-07-01');

/** The flow's superstrike patterns for the homicide sections (gogen_pilots data/code_section_matchers.go). */
const FLOW_HOMICIDE = [/187 PC/, /188 PC/, /189(\.[15])? PC/, /190(\.\d{1,2})?(\(.*\))? PC/, /191(\.5)? PC/];
const HOMICIDE_WITH_SUBDIVISION_OR_ATTEMPT = /^(?:664\s*\/\s*.*|(?:187|188|189(?:\.[15])?|191(?:\.5)?)\(.*)$/;

/**
 * The flow adds every sentence part (a later convicting row of a count) to the last conviction read, whatever its
 * count (data/subject.go PushRow); we add it to its own count. True when that alone makes the flow see a sentence
 * running past compute-at that we do not.
 */
function servingOnlyByTheFlowsReading(rows: readonly InputRow[]): boolean {
  const flowEnds: number[] = [];
  const ourEnds = new Map<string, number>();
  const seen = new Set<string>();
  for (const row of rows) {
    if (!row.DISP_DESCR.startsWith('CONVICTED')) continue;
    const days = sentencePartDays(row.SENT_LENGTH, row.SENT_TIME_CODE);
    if (seen.has(row.CNT_ORDER)) {
      flowEnds[flowEnds.length - 1] += days;
      ourEnds.set(row.CNT_ORDER, ourEnds.get(row.CNT_ORDER)! + days);
    } else {
      seen.add(row.CNT_ORDER);
      const start = parseDojDate(row.STP_EVENT_DATE);
      flowEnds.push(start + days);
      ourEnds.set(row.CNT_ORDER, start + days);
    }
  }
  return flowEnds.some((end) => end > computeAt) && ![...ourEnds.values()].some((end) => end > computeAt);
}

/** The documented departure a difference falls under, checked on the row and the person's rows; null if none. */
function departureOf(difference: RowDifference): Departure | null {
  const ours = difference.ours;
  const reason = ours['Eligibility Reason'];
  const rows = people.get(ours.SUBJECT_ID) ?? [];
  if (ours['Eligibility Determination'] === 'Hand Review' && reason.startsWith('Malformed date in ')) {
    if (reason === 'Malformed date in STP_EVENT_DATE') return isMalformed(parseDojDate(ours.STP_EVENT_DATE)) ? 'malformedDate' : null;
    if (reason === 'Malformed date in PRI_DOB') return isMalformed(parseDojDate(ours.PRI_DOB)) ? 'malformedDate' : null;
    const otherMalformed = rows.some((row) => row.DISP_DESCR.startsWith('CONVICTED') && isMalformed(parseDojDate(row.STP_EVENT_DATE)));
    return otherMalformed ? 'malformedDate' : null;
  }
  if (reasonKeyOf(reason) === 'Prior superstrike') {
    const section = reason.slice('Prior superstrike: '.length, reason.lastIndexOf(' on '));
    const flowSeesIt = FLOW_HOMICIDE.some((pattern) => pattern.test(section));
    return HOMICIDE_WITH_SUBDIVISION_OR_ATTEMPT.test(section) && !flowSeesIt ? 'homicideWithSubdivision' : null;
  }
  // Our PC 290 rules did not fire, so no PC 290 offense precedes the conviction; the flow counted a registration.
  if (difference.flow.reason === 'PC 290' && ours['PC290 Registration'] === 'Yes' && !reasonKeyOf(reason).startsWith('Prior PC 290')) {
    const convictionDay = parseDojDate(ours.STP_EVENT_DATE);
    const registrations = rows.filter((row) => row.STP_TYPE_DESCR === 'REGISTRATION' && row.OFFENSE_DESCR.startsWith('290'));
    const noneBefore = registrations.length > 0 && registrations.every((row) => !(parseDojDate(row.STP_EVENT_DATE) < convictionDay));
    return noneBefore ? 'registrationAfterConviction' : null;
  }
  if (difference.flow.reason === 'Currently serving sentence' && reasonKeyOf(reason) !== 'Currently serving sentence') {
    return servingOnlyByTheFlowsReading(rows) ? 'sentencePartsOfTheirOwnCount' : null;
  }
  return null;
}

test('run.json describes the run this test makes', () => {
  expect(spec).toMatchObject({ county: 'LOS ANGELES', computeAt: '2020-07-01' });
  expect(spec.labels).toContain('To be reviewed by City Attorneys');
  expect(result.summary.rowsRejected).toBe(0);
});

test('every evaluated conviction is compared: the same 3,923 on both sides', () => {
  expect(comparison.evaluated).toBe(3923);
  expect(result.summary.prop64ConvictionsCountInCountyByCodeSection).toEqual(
    readFixtureJson<{ prop64ConvictionsCountInCountyByCodeSection: unknown }>(`${DIR}/gogen_pilots_summary.json`).prop64ConvictionsCountInCountyByCodeSection,
  );
});

test('every difference falls under a documented departure from the flow', () => {
  const unexplained = comparison.differences.filter((difference) => departureOf(difference) === null);
  const describe = (d: RowDifference) =>
    `row ${d.row + 2}: flow ${d.flow.determination} | ${d.flow.reason}; ours ${d.ours['Eligibility Determination']} | ${d.ours['Eligibility Reason']}`;
  expect(unexplained.map(describe)).toEqual([]);
});

test('the departures, counted: agreement 3,899 of 3,923 evaluated convictions (99.4%), determinations 3,903 (99.5%)', () => {
  const counts: Record<string, number> = {};
  for (const difference of comparison.differences) {
    const departure = departureOf(difference) ?? 'unexplained';
    counts[departure] = (counts[departure] ?? 0) + 1;
  }
  expect(counts).toEqual(EXPECTED_DEPARTURES);
  expect(comparison.agreeing).toBe(3899);
  expect(comparison.differences.filter((d) => !d.reasonOnly)).toHaveLength(20);
});
