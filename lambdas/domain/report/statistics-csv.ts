/**
 * statistics.csv: the report's numbers in tidy form, one count per line (`dimension,value,count`), for
 * spreadsheets and downstream reporting. Compound values join their parts with ` | `. A suppressed
 * demographic cell has an empty count; its group's suppressed cells appear combined as `Suppressed groups combined`.
 */
import { csvSafeLine as csvLine } from '../csv/writer';
import { WHAT_IF_METRICS } from './charts';
import { determinationLabel, ReportModel } from './model';
import { SuppressedTable } from './suppression';
import { CHANGE_KINDS } from '../register/compare';

export const STATISTICS_CSV_HEADER = 'dimension,value,count';
export const SUPPRESSED_COMBINED = 'Suppressed groups combined';

export interface StatisticsLine {
  dimension: string;
  value: string;
  /** null for a suppressed cell. */
  count: number | null;
}

function demographicLines(dimension: string, table: SuppressedTable): StatisticsLine[] {
  const lines: StatisticsLine[] = table.cells.map((cell) => ({ dimension, value: cell.label, count: cell.count }));
  if (table.suppressed !== null) lines.push({ dimension, value: SUPPRESSED_COMBINED, count: table.suppressed.count });
  lines.push({ dimension, value: 'Total', count: table.total });
  return lines;
}

export function statisticsLines(model: ReportModel): StatisticsLine[] {
  const h = model.headline;
  const q = model.dataQuality;
  const lines: StatisticsLine[] = [
    { dimension: 'rows', value: 'read', count: q.rowsRead },
    { dimension: 'rows', value: 'rejected', count: q.rowsRejected },
    { dimension: 'rows', value: 'written', count: q.rowsWritten },
    { dimension: 'rows', value: 'blank lines', count: q.blankLines },
    { dimension: 'people', value: 'with a Prop 64 conviction in the county', count: h.peopleWithProp64Conviction },
    { dimension: 'people', value: 'with any relief', count: h.peopleWithSomeRelief },
    { dimension: 'people', value: 'no felony left', count: h.peopleNoFelony },
    { dimension: 'people', value: 'no conviction left', count: h.peopleNoConviction },
    { dimension: 'people', value: 'no conviction in the last 7 years', count: h.peopleNoConvictionLast7Years },
    { dimension: 'people', value: 'with rejected rows', count: q.peopleWithRejectedRows },
    { dimension: 'convictions', value: 'evaluated', count: h.convictionsEvaluated },
    { dimension: 'convictions', value: 'felony', count: h.felonies },
    { dimension: 'convictions', value: 'misdemeanor or infraction', count: h.nonFelonies },
  ];
  for (const row of model.byDetermination) lines.push({ dimension: 'convictions by determination', value: determinationLabel(row.determination), count: row.count });
  for (const row of model.bySectionAndDetermination) {
    lines.push({ dimension: 'convictions by section and determination', value: `${row.section} | ${determinationLabel(row.determination)}`, count: row.count });
  }
  for (const row of model.byDecadeAndDetermination) {
    lines.push({ dimension: 'convictions by decade and determination', value: `${row.decade} | ${determinationLabel(row.determination)}`, count: row.count });
  }
  for (const step of model.funnel) lines.push({ dimension: 'convictions by rule and reason', value: `${step.rule} | ${step.reason}`, count: step.count });
  for (const row of model.whatIf) {
    for (const [key, metric] of WHAT_IF_METRICS) lines.push({ dimension: 'what-if people', value: `${row.key} | ${metric}`, count: row[key] });
    lines.push({ dimension: 'what-if convictions', value: `${row.key} | dismissed`, count: row.convictionsDismissed });
    lines.push({ dimension: 'what-if convictions', value: `${row.key} | reduced`, count: row.convictionsReduced });
  }
  for (const row of q.rejectsByCode) lines.push({ dimension: 'rejected rows by code', value: row.code, count: row.count });
  for (const row of q.malformedDates) lines.push({ dimension: 'malformed dates by field', value: row.field, count: row.count });
  const d = model.demographics;
  lines.push(...demographicLines('people relieved by race/ethnicity', d.raceEthnicity));
  lines.push(...demographicLines('people relieved by gender', d.gender));
  lines.push(...demographicLines('people relieved by age band', d.ageBand));
  // null (suppressed) when small: it would bound a suppressed Unknown cell
  lines.push({ dimension: 'people relieved', value: 'RACE_DESCR not in the mapping (counted as Unknown)', count: d.unmappedRaceDescriptions });
  const since = model.sinceLastRun;
  if (since?.changes !== undefined) {
    for (const kind of CHANGE_KINDS) lines.push({ dimension: 'convictions since the last run', value: kind, count: since.changes[kind] });
    lines.push({ dimension: 'decisions since the last run', value: 'carried forward', count: since.decisionsCarried ?? 0 });
    lines.push({ dimension: 'decisions since the last run', value: 'changed since decided', count: since.changedSinceDecided ?? 0 });
  }
  return lines;
}

/** The file's text: header, then one line per count, LF line ends. */
export function statisticsCsv(model: ReportModel): string {
  const body = statisticsLines(model).map((line) => csvLine([line.dimension, line.value, line.count === null ? '' : String(line.count)]));
  return `${[STATISTICS_CSV_HEADER, ...body].join('\n')}\n`;
}
