/**
 * Hand-made DOJ research-file rows (doj-research-file.md) for focused tests: name the columns that matter,
 * the rest are blank. Quoting here is plain RFC 4180, independent of the writer under test.
 */
import { COL, DOJ_COLUMNS, DojColumn, FIELD_COUNT } from '../../lambdas/domain/columns';

export type RowValues = Partial<Record<DojColumn, string>>;

/** The 95 fields of a row; unnamed columns are ''. */
export function dojFields(values: RowValues): string[] {
  const fields = new Array<string>(FIELD_COUNT).fill('');
  for (const [name, value] of Object.entries(values) as Array<[DojColumn, string | undefined]>) {
    if (!(name in COL)) throw new Error(`dojFields: no column ${name}`);
    if (value !== undefined) fields[COL[name]] = value;
  }
  return fields;
}

/** RFC 4180: quote a field holding a comma, quote, CR or LF. */
export function rfc4180Field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV line (no line end). */
export function csvRecord(fields: readonly string[]): string {
  return fields.map(rfc4180Field).join(',');
}

export const DOJ_HEADER = DOJ_COLUMNS.join(',');

export interface CsvOptions {
  /** Write the RECORD_ID header first (default true). */
  header?: boolean;
  /** Line end (default LF). */
  lineEnd?: string;
}

/** A whole extract: optional header, one line per row, each ended by `lineEnd`. */
export function dojCsv(rows: ReadonlyArray<RowValues | readonly string[]>, options: CsvOptions = {}): string {
  const lineEnd = options.lineEnd ?? '\n';
  const lines = rows.map((row) => csvRecord(Array.isArray(row) ? (row as readonly string[]) : dojFields(row as RowValues)));
  if (options.header ?? true) lines.unshift(DOJ_HEADER);
  return lines.map((line) => line + lineEnd).join('');
}

export interface ConvictionSpec {
  subjectId: string;
  /** OFFENSE_DESCR, e.g. `11359 HS-POSSESS MARIJUANA FOR SALE`. */
  offense: string;
  /** STP_EVENT_DATE, YYYYMMDD (the conviction date). */
  date: string;
  /** Default true: CONV_STAT_DESCR FELONY and OFFENSE_TOC F; else MISDEMEANOR and M. */
  felony?: boolean;
  /** STP_ORI_CNTY_NAME; default SACRAMENTO. */
  county?: string;
  /** PRI_DOB; default 19700101. */
  dob?: string;
  /** CNT_ORDER; default 101001001000. */
  countOrder?: string;
  ofn?: string;
  recordId?: string;
  /** Any other columns, applied last. */
  extra?: RowValues;
}

export const DEFAULT_COUNTY = 'SACRAMENTO';
export const DEFAULT_DOB = '19700101';

/** A convicting COURT ACTION row. */
export function convictionRow(spec: ConvictionSpec): RowValues {
  const felony = spec.felony ?? true;
  return {
    RECORD_ID: spec.recordId ?? '',
    SUBJECT_ID: spec.subjectId,
    PRI_NAME: `DOE,${spec.subjectId}`,
    PRI_DOB: spec.dob ?? DEFAULT_DOB,
    STP_EVENT_DATE: spec.date,
    STP_TYPE_DESCR: 'COURT ACTION',
    STP_ORI_CNTY_NAME: spec.county ?? DEFAULT_COUNTY,
    CNT_ORDER: spec.countOrder ?? '101001001000',
    OFN: spec.ofn ?? '',
    OFFENSE_DESCR: spec.offense,
    OFFENSE_TOC: felony ? 'F' : 'M',
    DISP_DESCR: 'CONVICTED',
    CONV_STAT_DESCR: felony ? 'FELONY' : 'MISDEMEANOR',
    ...spec.extra,
  };
}

/** A step without a conviction (arrest, registration, deceased, ...). */
export function stepRow(subjectId: string, stepType: string, extra: RowValues = {}): RowValues {
  return {
    SUBJECT_ID: subjectId,
    PRI_NAME: `DOE,${subjectId}`,
    PRI_DOB: DEFAULT_DOB,
    STP_TYPE_DESCR: stepType,
    STP_ORI_CNTY_NAME: DEFAULT_COUNTY,
    CNT_ORDER: '101001001000',
    ...extra,
  };
}
