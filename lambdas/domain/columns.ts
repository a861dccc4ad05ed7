/**
 * The DOJ research file layout (95 columns) and the columns we append.
 * See ../shared/docs/doj-research-file.md and eligibility.md.
 */

export const DOJ_COLUMNS = [
  'RECORD_ID', 'SUBJECT_STATUS', 'SUBJECT_ID', 'REQ_SEG_SEP', 'REQ_CII_NUMBER', 'REQ_NAME',
  'REQ_GENDER', 'REQ_DOB', 'REQ_CDL', 'REQ_SSN', 'PII_SEG_SEP', 'CII_NUMBER', 'PRI_NAME',
  'GENDER', 'PRI_DOB', 'PRI_SSN', 'PRI_CDL', 'PRI_IDN', 'PRI_INN', 'FBI_NUMBER',
  'PDR_SEG_SEP', 'RACE_CODE', 'RACE_DESCR', 'EYE_COLOR_CODE', 'EYE_COLOR_DESCR',
  'HAIR_COLOR_CODE', 'HAIR_COLOR_DESCR', 'HEIGHT', 'WEIGHT', 'SINGLE_SOURCE', 'MULTI_SOURCE',
  'POB_CODE', 'POB_NAME', 'POB_TYPE', 'CITIZENSHIP_LIST', 'CYC_SEG_SEP', 'CYC_ORDER',
  'CYC_DATE', 'STP_SEG_SEP', 'STP_ORDER', 'STP_EVENT_DATE', 'STP_TYPE_CODE', 'STP_TYPE_DESCR',
  'STP_ORI_TYPE', 'STP_ORI_TYPE_DESCR', 'STP_ORI_CODE', 'STP_ORI_DESCR', 'STP_ORI_CNTY_CODE',
  'STP_ORI_CNTY_NAME', 'CNT_SEG_SEP', 'CNT_ORDER', 'DISP_DATE', 'OFN', 'OFFENSE_CODE',
  'OFFENSE_DESCR', 'OFFENSE_TOC', 'OFFENSE_QUAL_LST', 'DISP_OFFENSE_CODE', 'DISP_OFFENSE_DESCR',
  'DISP_OFFENSE_TOC', 'DISP_OFFENSE_QUAL_LST', 'CONV_OFFENSE_ORDER', 'CONV_OFFENSE_CODE',
  'CONV_OFFENSE_DESCR', 'CONV_OFFENSE_TOC', 'CONV_OFFENSE_QUAL_LST', 'FE_NUM_ORDER',
  'FE_NUM_ARR_AGY', 'FE_NUM_BNCH_WARR', 'FE_NUM_CITE', 'FE_NUM_DOCKET', 'FE_NUM_INCIDENT',
  'FE_NUM_BOOKING', 'FE_NUM_NUMBER', 'FE_NUM_REMAND', 'FE_NUM_OOS_INN', 'FE_NUM_CRT_CASE',
  'FE_NUM_WARRANT', 'DISP_ORDER', 'DISP_CODE', 'DISP_DESCR', 'CONV_STAT_CODE',
  'CONV_STAT_DESCR', 'SENT_SEG_SEP', 'SENT_ORDER', 'SENT_LOC_CODE', 'SENT_LOC_DESCR',
  'SENT_LENGTH', 'SENT_TIME_CODE', 'SENT_TIME_DESCR', 'CYC_AGE', 'CII_TYPE', 'CII_TYPE_ALPHA',
  'COMMENT_TEXT', 'END_OF_REC',
] as const;

export type DojColumn = (typeof DOJ_COLUMNS)[number];

/** Every DOJ row has exactly this many fields. */
export const FIELD_COUNT = DOJ_COLUMNS.length; // 95

/** 0-based index of each column, e.g. `COL.SUBJECT_ID === 2`. */
export const COL = Object.freeze(
  Object.fromEntries(DOJ_COLUMNS.map((name, index) => [name, index])) as { [K in DojColumn]: number },
);

/** The 18 columns appended to every output row, in order. */
export const ELIGIBILITY_COLUMNS = [
  'Case Number',
  '# of convictions on record',
  'Possible Other P64 Charges',
  'Occurred after 11/9/2016',
  'Superstrike Code Section(s)',
  'PC290 Code Section(s)',
  'PC290 Registration',
  'Date of Conviction',
  'Years Since This Conviction',
  'Years Since Any Conviction',
  '# of Prop 64 convictions',
  '# of HS 11357 convictions',
  '# of HS 11358 convictions',
  '# of HS 11359 convictions',
  '# of HS 11360 convictions',
  'Deceased',
  'Eligibility Determination',
  'Eligibility Reason',
] as const;

/** Index of `Possible Other P64 Charges` within ELIGIBILITY_COLUMNS: the one filled on every row. */
export const POSSIBLE_OTHER_P64_INDEX = 2;

/** The 20 DOJ columns kept in All_Results_Condensed.csv, in order. */
export const CONDENSED_COLUMNS: readonly DojColumn[] = [
  'CII_NUMBER', 'PRI_NAME', 'GENDER', 'PRI_DOB', 'RACE_DESCR', 'CYC_DATE', 'STP_EVENT_DATE',
  'STP_ORI_DESCR', 'STP_ORI_CNTY_NAME', 'DISP_DATE', 'OFN', 'OFFENSE_DESCR', 'DISP_DESCR',
  'CONV_STAT_DESCR', 'SENT_LOC_DESCR', 'SENT_LENGTH', 'SENT_TIME_CODE', 'CYC_AGE', 'COMMENT_TEXT',
  'END_OF_REC',
];

export const CONDENSED_INDICES: readonly number[] = CONDENSED_COLUMNS.map((name) => COL[name]);

/** Columns that identify a person. They never leave `results/` (no logs, ledger or reports). */
export const PERSONAL_COLUMNS: readonly DojColumn[] = [
  'SUBJECT_ID', 'REQ_CII_NUMBER', 'REQ_NAME', 'REQ_DOB', 'REQ_CDL', 'REQ_SSN', 'CII_NUMBER',
  'PRI_NAME', 'PRI_DOB', 'PRI_SSN', 'PRI_CDL', 'PRI_IDN', 'PRI_INN', 'FBI_NUMBER', 'OFN',
  'FE_NUM_DOCKET', 'FE_NUM_CRT_CASE', 'FE_NUM_BOOKING', 'FE_NUM_NUMBER', 'COMMENT_TEXT',
];
