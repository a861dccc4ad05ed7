/**
 * Fabricated CA DOJ research-file extracts (doj-research-file.md) for tests, demos and benchmarks.
 *
 * Every value is made up: names are random combinations of common words, SSNs use the never-issued
 * 9xx area, CII/CDL/FBI/case numbers are random digits. The values still look like personal data so
 * that tests proving "no personal data in logs/reports" have something real-looking to catch.
 *
 * Deterministic: the same options give byte-identical text whatever the chunk size. Each person is drawn
 * from a PRNG seeded by (seed, SUBJECT_ID), so a person's rows do not depend on who comes before them;
 * only the interleaving of neighbours uses a run-wide stream.
 *
 * Output is ASCII, so a chunk's string length is its byte length.
 */
import { COL, DOJ_COLUMNS, FIELD_COUNT } from '../lambdas/domain/columns';
// DOJ county codes are the counties' alphabetical positions in this list.
import { CALIFORNIA_COUNTIES } from '../lambdas/domain/counties';
import { Prng } from './prng';
import { newPeopleCount, nextMonthRows, PlantedChange } from './next-month';

export interface GenerateOptions {
  /** County the extract was made for, upper case (e.g. `LOS ANGELES`). Every person has a Prop 64 conviction there. */
  county: string;
  /** Number of people, i.e. distinct SUBJECT_IDs. */
  people: number;
  /** Any safe integer. */
  seed: number;
  /** Write the `RECORD_ID,...` header row first. Default true. */
  header?: boolean;
  /** Share of rows with a malformed STP_EVENT_DATE, and of people with a malformed PRI_DOB. Default 0.002. */
  malformedDateRate?: number;
  /** SUBJECT_ID of the first person; the others follow consecutively. Default 10000001. */
  startSubjectId?: number;
  /** A chunk is yielded once it holds at least this many bytes; chunks always end at a row end. Default 65536. */
  chunkBytes?: number;
  /**
   * "Next month's" extract of the same options (next-month.ts): some people sealed, some with a new conviction, a
   * corrected date or level, and new people after the last one. Default false.
   */
  nextMonth?: boolean;
}

export const DEFAULT_MALFORMED_DATE_RATE = 0.002;
export const DEFAULT_START_SUBJECT_ID = 10000001;
export const DEFAULT_CHUNK_BYTES = 64 * 1024;

/**
 * Mean data rows per person, measured on 200,000 people (seed 1); samples of 2,000 people stay within ±5%.
 * Recalibrate when the distributions below change (the generator test checks it).
 */
const MEASURED_ROWS_PER_PERSON = 10.3;

export function estimateRowsPerPerson(): number {
  return MEASURED_ROWS_PER_PERSON;
}

/** How many people to ask for to get about `rows` data rows. */
export function peopleForRows(rows: number): number {
  if (!Number.isFinite(rows) || rows < 0) throw new Error(`peopleForRows: rows must be a number >= 0, got ${rows}`);
  return Math.round(rows / MEASURED_ROWS_PER_PERSON);
}

// ---------------------------------------------------------------------------------------------------------------
// Randomness

/** Items drawn in proportion to their weights. */
class WeightedTable<T> {
  private readonly items: T[];
  private readonly cumulative: number[];

  constructor(entries: ReadonlyArray<readonly [T, number]>) {
    this.items = entries.map(([item]) => item);
    let total = 0;
    this.cumulative = entries.map(([, weight]) => (total += weight));
    this.cumulative = this.cumulative.map((sum) => sum / total);
  }

  pick(rng: Prng): T {
    const roll = rng.float();
    const last = this.items.length - 1;
    for (let i = 0; i < last; i++) if (roll < this.cumulative[i]) return this.items[i];
    return this.items[last];
  }
}

function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit seed from two safe integers and a salt (murmur3 finalizer over their 32-bit halves). */
function deriveSeed(a: number, b: number, salt: number): number {
  let h = fmix32(salt ^ 0x9e3779b9);
  h = fmix32(h ^ (a >>> 0));
  h = fmix32(h ^ (Math.floor(a / 4294967296) >>> 0));
  h = fmix32(h ^ (b >>> 0));
  return fmix32(h ^ (Math.floor(b / 4294967296) >>> 0));
}

const PERSON_SALT = 0x50455253; // "PERS"
const NEXT_MONTH_SALT = 0x4e584d4f; // "NXMO"
const INTERLEAVE_SALT = 0x494e544c; // "INTL"

// ---------------------------------------------------------------------------------------------------------------
// Dates: day numbers since 1900-01-01, formatted through a table built once (no Date in the per-row loop).

const TABLE_FIRST_YEAR = 1900;
const TABLE_LAST_YEAR = 2039;
let dateText: string[] = [];
let dateNumber: Int32Array = new Int32Array(0);

function ensureDateTable(): void {
  if (dateText.length > 0) return;
  const origin = Date.UTC(TABLE_FIRST_YEAR, 0, 1);
  const days = Math.round((Date.UTC(TABLE_LAST_YEAR + 1, 0, 1) - origin) / 86400000);
  dateText = new Array<string>(days);
  dateNumber = new Int32Array(days);
  for (let day = 0; day < days; day++) {
    const date = new Date(origin + day * 86400000);
    const yyyymmdd = date.getUTCFullYear() * 10000 + (date.getUTCMonth() + 1) * 100 + date.getUTCDate();
    dateNumber[day] = yyyymmdd;
    dateText[day] = String(yyyymmdd);
  }
}

function dayOf(year: number, month: number, day: number): number {
  return Math.round((Date.UTC(year, month - 1, day) - Date.UTC(TABLE_FIRST_YEAR, 0, 1)) / 86400000);
}

const OLD_BIRTH_FIRST = dayOf(1940, 1, 1);
const OLD_BIRTH_LAST = dayOf(1964, 12, 31);
const YOUNG_BIRTH_FIRST = dayOf(1965, 1, 1);
const YOUNG_BIRTH_LAST = dayOf(2001, 6, 30);
/** Last event date of the history; real extracts were cut in 2019. */
const HISTORY_END = dayOf(2019, 12, 31);
const LAST_TABLE_DAY = dayOf(TABLE_LAST_YEAR, 12, 31);
const DAYS_TO_18TH_BIRTHDAY = 6575;
const THREE_YEARS = 1096;

/** Whole years from birth to event (YYYYMMDD arithmetic: exact for birthdays, 29 Feb included). */
function ageAt(birthDay: number, eventDay: number): number {
  return Math.floor((dateNumber[eventDay] - dateNumber[birthDay]) / 10000);
}

const PAD2: string[] = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const PAD3: string[] = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));

/** The shapes of bad dates found in real extracts; none of them is a valid YYYYMMDD. */
function malformedDate(rng: Prng, day: number): string {
  const yyyymmdd = dateNumber[day];
  const year = Math.floor(yyyymmdd / 10000);
  const month = Math.floor(yyyymmdd / 100) % 100;
  const dayOfMonth = yyyymmdd % 100;
  switch (rng.below(5)) {
    case 0:
      return `${year}0000`;
    case 1:
      return `${month}/${dayOfMonth}/${year}`;
    case 2:
      return '';
    case 3:
      return `${year}${PAD2[month]}00`;
    default:
      return `${year}${PAD2[month]}${PAD2[dayOfMonth]}`.slice(0, 7);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// CSV text

/** RFC 4180: quote only when the value holds a comma, quote or line break. */
function csvField(value: string): string {
  if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
    return value;
  }
  return `"${value.split('"').join('""')}"`;
}

/** Already-encoded fields of a contiguous column range, joined. */
function joinFields(...encoded: string[]): string {
  return encoded.join(',');
}

/** Padding as the fixtures show it: quoted blanks (legal RFC 4180, and parsers must keep the spaces). */
function quotedBlanks(width: number): string {
  return `"${' '.repeat(Math.max(1, width))}"`;
}

/**
 * A row as constant text around the column ranges filled per row: built once from the column layout so the
 * per-row work is one string concatenation.
 */
class RowTemplate {
  private readonly between: string[] = [];

  constructor(filler: readonly string[], slots: ReadonlyArray<readonly [number, number]>) {
    let text = '';
    let column = 0;
    for (const [first, last] of slots) {
      if (first < column || last < first || last >= FIELD_COUNT) {
        throw new Error(`row template: bad column range ${first}-${last} after column ${column - 1}`);
      }
      for (; column < first; column++) text += `${filler[column]},`;
      this.between.push(text);
      column = last + 1;
      text = column < FIELD_COUNT ? ',' : '';
    }
    for (; column < FIELD_COUNT; column++) text += filler[column] + (column < FIELD_COUNT - 1 ? ',' : '');
    this.between.push(`${text}\n`);
  }

  get slotCount(): number {
    return this.between.length - 1;
  }

  render(values: readonly string[]): string {
    const between = this.between;
    let row = between[0];
    for (let i = 0; i < values.length; i++) row += values[i] + between[i + 1];
    return row;
  }
}

/** Filler of the columns nobody fills, as the fixtures show them (segment separators `#`, placeholders). */
const FILLER: string[] = new Array<string>(FIELD_COUNT).fill('');
for (const separator of ['REQ_SEG_SEP', 'PII_SEG_SEP', 'PDR_SEG_SEP', 'CYC_SEG_SEP', 'STP_SEG_SEP', 'CNT_SEG_SEP',
  'SENT_SEG_SEP', 'END_OF_REC'] as const) {
  FILLER[COL[separator]] = '#';
}
FILLER[COL.RECORD_ID] = 'x';
FILLER[COL.SUBJECT_STATUS] = 'x';
FILLER[COL.PRI_IDN] = 'x';
FILLER[COL.PRI_INN] = 'x       ';
FILLER[COL.SINGLE_SOURCE] = 'x';
FILLER[COL.MULTI_SOURCE] = 'x';

/** Column ranges filled per row, in order; the values array of a row follows this order. */
const SLOT = {
  personHead: 0,
  cycleOrder: 1,
  cycleDate: 2,
  stepOrder: 3,
  eventDate: 4,
  stepOrigin: 5,
  countOrder: 6,
  dispositionDate: 7,
  caseNumber: 8,
  offense: 9,
  disposition: 10,
  convictionStatusCode: 11,
  convictionStatus: 12,
  sentence: 13,
  cycleAge: 14,
  comment: 15,
} as const;

const ROW_TEMPLATE = new RowTemplate(FILLER, [
  [COL.RECORD_ID, COL.CYC_SEG_SEP],
  [COL.CYC_ORDER, COL.CYC_ORDER],
  [COL.CYC_DATE, COL.CYC_DATE],
  [COL.STP_ORDER, COL.STP_ORDER],
  [COL.STP_EVENT_DATE, COL.STP_EVENT_DATE],
  [COL.STP_TYPE_CODE, COL.STP_ORI_CNTY_NAME],
  [COL.CNT_ORDER, COL.CNT_ORDER],
  [COL.DISP_DATE, COL.DISP_DATE],
  [COL.OFN, COL.OFN],
  [COL.OFFENSE_CODE, COL.OFFENSE_QUAL_LST],
  [COL.DISP_DESCR, COL.DISP_DESCR],
  [COL.CONV_STAT_CODE, COL.CONV_STAT_CODE],
  [COL.CONV_STAT_DESCR, COL.CONV_STAT_DESCR],
  [COL.SENT_LOC_CODE, COL.SENT_TIME_DESCR],
  [COL.CYC_AGE, COL.CYC_AGE],
  [COL.COMMENT_TEXT, COL.COMMENT_TEXT],
]);

/** A step with no court disposition (registration, death): one count, no case number, sentence or comment. */
function renderStepOnlyRow(values: string[], countOrder: string, offense: string): string {
  values[SLOT.countOrder] = countOrder;
  values[SLOT.dispositionDate] = '';
  values[SLOT.caseNumber] = '';
  values[SLOT.offense] = offense;
  values[SLOT.disposition] = '';
  values[SLOT.convictionStatusCode] = '';
  values[SLOT.convictionStatus] = '';
  values[SLOT.sentence] = NO_SENTENCE;
  values[SLOT.comment] = '';
  return ROW_TEMPLATE.render(values);
}
if (ROW_TEMPLATE.slotCount !== Object.keys(SLOT).length) throw new Error('row template: slot list and SLOT differ');

const HEADER_LINE = `${DOJ_COLUMNS.join(',')}\n`;

// ---------------------------------------------------------------------------------------------------------------
// Vocabulary (all fabricated)

const SURNAMES = [
  'GARCIA', 'HERNANDEZ', 'LOPEZ', 'MARTINEZ', 'GONZALEZ', 'RODRIGUEZ', 'PEREZ', 'SANCHEZ', 'RAMIREZ', 'FLORES',
  'TORRES', 'RIVERA', 'GOMEZ', 'DIAZ', 'REYES', 'MORALES', 'CRUZ', 'ORTIZ', 'GUTIERREZ', 'CHAVEZ', 'RAMOS', 'RUIZ',
  'MENDOZA', 'ALVAREZ', 'CASTILLO', 'JIMENEZ', 'VASQUEZ', 'MORENO', 'ROMERO', 'HERRERA', 'MEDINA', 'AGUILAR',
  'SMITH', 'JOHNSON', 'WILLIAMS', 'BROWN', 'JONES', 'MILLER', 'DAVIS', 'WILSON', 'ANDERSON', 'TAYLOR', 'THOMAS',
  'MOORE', 'JACKSON', 'MARTIN', 'LEE', 'THOMPSON', 'WHITE', 'HARRIS', 'CLARK', 'LEWIS', 'ROBINSON', 'WALKER',
  'YOUNG', 'ALLEN', 'KING', 'WRIGHT', 'SCOTT', 'GREEN', 'BAKER', 'ADAMS', 'NELSON', 'HILL', 'CAMPBELL', 'MITCHELL',
  'CARTER', 'ROBERTS', 'PHILLIPS', 'EVANS', 'TURNER', 'PARKER', 'COLLINS', 'EDWARDS', 'STEWART', 'MORRIS',
  'NGUYEN', 'TRAN', 'KIM', 'PARK', 'CHEN', 'WONG', 'PATEL', 'SINGH', 'NAKAMURA', 'TANAKA', 'OKAFOR', 'BEGAY',
];
const MALE_NAMES = [
  'JAMES', 'JOHN', 'ROBERT', 'MICHAEL', 'DAVID', 'JOSE', 'JUAN', 'CARLOS', 'LUIS', 'JESUS', 'MIGUEL', 'ANTONIO',
  'DANIEL', 'CHRISTOPHER', 'ANTHONY', 'JOSEPH', 'RICHARD', 'CHARLES', 'THOMAS', 'MARK', 'STEVEN', 'PAUL', 'KEVIN',
  'BRIAN', 'JASON', 'ERIC', 'MARIO', 'FRANCISCO', 'RICARDO', 'OSCAR', 'EDGAR', 'RAFAEL', 'ANDRE', 'MARCUS',
  'DARNELL', 'TYRONE', 'KENNETH', 'RAYMOND', 'GREGORY', 'JONATHAN', 'MATTHEW', 'JOSHUA', 'BRANDON', 'ADRIAN',
  'VICTOR', 'HECTOR', 'RUBEN', 'ALEJANDRO', 'MANUEL', 'DEVON', 'MALIK', 'TREVOR', 'DUSTIN', 'CODY',
];
const FEMALE_NAMES = [
  'MARIA', 'JENNIFER', 'LISA', 'PATRICIA', 'ELIZABETH', 'LINDA', 'SUSAN', 'JESSICA', 'ANGELA', 'MELISSA', 'ANA',
  'ROSA', 'CARMEN', 'GUADALUPE', 'VERONICA', 'MONICA', 'SANDRA', 'LAURA', 'TERESA', 'DIANA', 'NICOLE', 'STEPHANIE',
  'TIFFANY', 'KIMBERLY', 'AMANDA', 'CRYSTAL', 'KEISHA', 'TANYA', 'YOLANDA', 'DENISE',
];
const ANY_NAMES = [...MALE_NAMES, ...FEMALE_NAMES];
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

const GENDERS = new WeightedTable<string>([['M', 80], ['F', 17], ['', 3]]);
/** [RACE_CODE, RACE_DESCR], pre-encoded. */
const RACES = new WeightedTable<readonly [string, string]>([
  [['H', 'HISPANIC'], 38], [['W', 'WHITE'], 26], [['B', 'BLACK'], 21], [['A', 'ASIAN'], 4],
  [['I', 'AMERICAN INDIAN'], 1], [['O', 'OTHER'], 4], [['X', 'UNKNOWN'], 3], [['', ''], 3],
]);
const EYES: ReadonlyArray<readonly [string, string]> = [
  ['BRO', 'BROWN'], ['BRO', 'BROWN'], ['BRO', 'BROWN'], ['BLK', 'BLACK'], ['BLU', 'BLUE'], ['HAZ', 'HAZEL'],
  ['GRN', 'GREEN'],
];
const HAIRS: ReadonlyArray<readonly [string, string]> = [
  ['BLK', 'BLACK'], ['BLK', 'BLACK'], ['BRO', 'BROWN'], ['BRO', 'BROWN'], ['BLN', 'BLOND'], ['RED', 'RED'],
  ['GRY', 'GRAY'], ['BAL', 'BALD'],
];
/** [POB_CODE, POB_NAME, POB_TYPE, CITIZENSHIP_LIST]. */
const BIRTH_PLACES = new WeightedTable<readonly [string, string, string, string]>([
  [['CA', 'CALIFORNIA', 'S', 'US'], 62], [['MX', 'MEXICO', 'C', 'MX'], 12], [['MX', 'MEXICO', 'C', 'US'], 4],
  [['TX', 'TEXAS', 'S', 'US'], 5], [['AZ', 'ARIZONA', 'S', 'US'], 3], [['NV', 'NEVADA', 'S', 'US'], 2],
  [['NY', 'NEW YORK', 'S', 'US'], 3], [['IL', 'ILLINOIS', 'S', 'US'], 2], [['SV', 'EL SALVADOR', 'C', 'SV'], 2],
  [['GT', 'GUATEMALA', 'C', 'GT'], 1], [['PH', 'PHILIPPINES', 'C', 'US'], 1], [['', '', '', ''], 3],
]);


/** Where a person's out-of-county history happened: roughly by population, cannabis counties overweighted. */
const COUNTY_WEIGHTS: Readonly<Record<string, number>> = {
  'LOS ANGELES': 10, 'SAN DIEGO': 4, ORANGE: 4, RIVERSIDE: 3, 'SAN BERNARDINO': 3, 'SANTA CLARA': 2, ALAMEDA: 2,
  SACRAMENTO: 2, 'CONTRA COSTA': 1.5, FRESNO: 1.5, KERN: 1.5, 'SAN FRANCISCO': 1.2, VENTURA: 1, 'SAN JOAQUIN': 1,
  'SAN MATEO': 1, STANISLAUS: 0.7, SONOMA: 0.7, TULARE: 0.6, SOLANO: 0.6, MONTEREY: 0.6, 'SANTA BARBARA': 0.6,
  HUMBOLDT: 0.6, MENDOCINO: 0.6, PLACER: 0.5, 'SAN LUIS OBISPO': 0.4, 'SANTA CRUZ': 0.4, MERCED: 0.4, MARIN: 0.4,
  BUTTE: 0.3, YOLO: 0.3, 'EL DORADO': 0.3, SHASTA: 0.3, IMPERIAL: 0.3, TRINITY: 0.3,
};
const OTHER_COUNTY_WEIGHT = 0.1;

const CITIES: Readonly<Record<string, readonly string[]>> = {
  'LOS ANGELES': ['LOS ANGELES', 'LONG BEACH', 'PASADENA', 'POMONA', 'INGLEWOOD', 'TORRANCE'],
  'SAN DIEGO': ['SAN DIEGO', 'CHULA VISTA', 'OCEANSIDE', 'ESCONDIDO'],
  ORANGE: ['SANTA ANA', 'ANAHEIM', 'HUNTINGTON BEACH', 'IRVINE'],
  RIVERSIDE: ['RIVERSIDE', 'CORONA', 'MORENO VALLEY'],
  'SAN BERNARDINO': ['SAN BERNARDINO', 'FONTANA', 'ONTARIO'],
  SACRAMENTO: ['SACRAMENTO', 'ELK GROVE', 'CITRUS HEIGHTS'],
  ALAMEDA: ['OAKLAND', 'BERKELEY', 'FREMONT', 'HAYWARD'],
  'SANTA CLARA': ['SAN JOSE', 'SANTA CLARA', 'SUNNYVALE'],
  FRESNO: ['FRESNO', 'CLOVIS'],
  KERN: ['BAKERSFIELD', 'DELANO'],
  'SAN FRANCISCO': ['SAN FRANCISCO'],
  HUMBOLDT: ['EUREKA', 'ARCATA'],
  MENDOCINO: ['UKIAH', 'FORT BRAGG'],
};

interface Offense {
  prop64: boolean;
  /** OFFENSE_CODE..OFFENSE_QUAL_LST (4 fields) per OFFENSE_TOC letter. */
  segments: Readonly<Record<string, string>>;
  /** OFFENSE_TOC letters to draw from; repeats weight them. */
  tocs: string;
  /** What COMMENT_TEXT says when the charge is only in the comment. */
  commentText: string;
}

/** Width the fixtures pad OFFENSE_DESCR + OFFENSE_QUAL_LST to. */
const OFFENSE_PADDED_WIDTH = 50;
let nextOffenseCode = 1;

function offense(description: string, tocs: string, options: { prop64?: boolean; comment?: string } = {}): Offense {
  const code = String(10000 + nextOffenseCode++ * 37);
  const qualifier = quotedBlanks(OFFENSE_PADDED_WIDTH - description.length);
  const segments: Record<string, string> = {};
  for (const toc of tocs) segments[toc] = joinFields(code, csvField(description), toc, qualifier);
  return { prop64: options.prop64 ?? false, segments, tocs, commentText: csvField(options.comment ?? description) };
}

const PROP64_OFFENSES = new WeightedTable<Offense>([
  [offense('11357 HS-POSSESSION OF MARIJUANA', 'MMMF', { prop64: true, comment: '11357 HS-POSSESS CANNABIS' }), 3],
  [offense('11357(A) HS-POSSESS MARIJUANA', 'MMF', { prop64: true, comment: '11357(A) HS-POSSESS CANNABIS' }), 2],
  [offense('11357(A) HS-POSSESS CONCENTRATED CANNABIS', 'FMM', { prop64: true }), 1],
  [offense('11357(B) HS-POSS 28.5 GRAMS OR LESS MARIJUANA', 'MMI', { prop64: true, comment: '11357(B) HS-POSSESS CANNABIS' }), 3],
  [offense('11357(C) HS-POSS MARIJUANA OVER 1 OZ/28.5 GRAM', 'M', { prop64: true }), 2],
  [offense('11357(C)HS-POSSESS MARIJUANA', 'MF', { prop64: true }), 1],
  [offense('11357(D) HS-POSS MARIJUANA ON SCHOOL GROUNDS', 'M', { prop64: true }), 0.5],
  [offense('11358 HS-CULTIVATE MARIJUANA', 'FFM', { prop64: true, comment: '11358 HS-CULTIVATE CANNABIS' }), 2],
  [offense('11358 HS-PLANT/CULTIVATE/ETC MARIJUANA/HASH', 'FFM', { prop64: true, comment: '11358 HS-CULTIVATE CANNABIS' }), 1],
  [offense('11358(C) HS-CULTIVATE MARIJUANA 6+ PLANTS', 'FM', { prop64: true }), 0.5],
  [offense('11359 HS-POSSESS MARIJUANA FOR SALE', 'FFFM', { prop64: true, comment: '11359 HS-POSSESS CANNABIS FOR SALE' }), 3],
  [offense('11359(B) HS-POSSESS MARIJUANA FOR SALE', 'FM', { prop64: true }), 1],
  [offense('11359HS-INTENT SELL CANNABIS', 'F', { prop64: true, comment: '11359 HS-INTENT SELL CANNABIS' }), 0.5],
  [offense('11360(A) HS-TRANSPORT MARIJUANA', 'FFM', { prop64: true, comment: '11360(A) HS-TRANSPORT CANNABIS' }), 2],
  [offense('11360(A) HS-SELL/FURNISH/ETC MARIJUANA/HASH', 'FFM', { prop64: true }), 1],
  [offense('11360(B) HS-GIVE/TRANSPORT/ETC 28.5 GRAMS MARIJ', 'MI', { prop64: true }), 1],
  [offense('11360 HS-SELL/TRANSPORT/ETC MARIJUANA/HASH', 'FM', { prop64: true, comment: '11360 HS-SELL CANNABIS' }), 1],
]);

const OTHER_OFFENSES = new WeightedTable<Offense>([
  [offense('459 PC-BURGLARY', 'FFM'), 2], [offense('459 PC-BURGLARY:SECOND DEGREE', 'FM'), 2],
  [offense('23152(A) VC-DUI ALCOHOL', 'M'), 3], [offense('23152(B) VC-DUI ALCOHOL/0.08 PERCENT', 'M'), 3],
  [offense('11350(A) HS-POSSESS NARCOTIC', 'FFM'), 3], [offense('11377(A) HS-POSSESS CONTROLLED SUBSTANCE', 'FM'), 3],
  [offense('11378 HS-POSSESS CONTROL SUBSTANCE FOR SALE', 'F'), 1],
  [offense('11351 HS-POSS/PURCHASE FOR SALE NARC/CNTL SUB', 'F'), 1],
  [offense('11364 HS-POSSESS CONTROL SUBSTANCE PARAPHERNA', 'M'), 2],
  [offense('11550(A) HS-USE/UNDER INFL CONTRLD SUBSTANCE', 'M'), 2], [offense('647(F) PC-DRUNK IN PUBLIC', 'M'), 3],
  [offense('647(B) PC-DISORDERLY CONDUCT:PROSTITUTION', 'M'), 1], [offense('602 PC-TRESPASS', 'M'), 2],
  [offense('602(L) PC-TRESPASS:OCCUPY PROPERTY W/O CONSENT', 'M'), 1],
  [offense('148(A)(1) PC-OBSTRUCT OFFICER', 'M'), 3], [offense('148.9(A) PC-FALSE ID TO PEACE OFFICER', 'M'), 1],
  [offense('484(A) PC-THEFT', 'M'), 2], [offense('488 PC-PETTY THEFT', 'M'), 2],
  [offense('496(A) PC-RECEIVE KNOWN STOLEN PROPERTY', 'FM'), 2],
  [offense('10851(A) VC-TAKE VEH W/O OWNER CONSENT', 'FM'), 1], [offense('12500(A) VC-DRIVE W/O LICENSE', 'M'), 2],
  [offense('14601.1(A) VC-DRIVE WHILE LIC SUSPENDED', 'M'), 2], [offense('242 PC-BATTERY', 'M'), 2],
  [offense('243(E)(1) PC-BATTERY ON SPOUSE/DATE/ETC', 'M'), 1],
  [offense('245(A)(1) PC-ASSAULT W/DEADLY WEAPON', 'F'), 1],
  [offense('273.5(A) PC-CORPORAL INJURY ON SPOUSE/COHAB', 'FM'), 1], [offense('211 PC-ROBBERY', 'F'), 1],
  [offense('422 PC-CRIMINAL THREATS', 'FM'), 1], [offense('466 PC-POSSESS BURGLARY TOOLS', 'M'), 1],
  [offense('4140 BP-POSSESS HYPODERMIC NEEDLE', 'M'), 1], [offense('4060 BP-POSSESS CONTROLLED SUBSTANCE W/O RX', 'M'), 1],
  [offense('40508(A) VC-FAIL TO APPEAR:WRITTEN PROMISE', 'M'), 2],
  [offense('853.7 PC-FAIL TO APPEAR AFTER WRITTEN PROMISE', 'M'), 1],
  [offense('1203.2(A) PC-PROBATION VIOL:REARREST/REVOKE', 'FM'), 1], [offense('3056 PC-VIOLATION OF PAROLE:FELONY', 'F'), 1],
  [offense('166(A)(4) PC-CONTEMPT:DISOBEY COURT ORDER', 'M'), 1],
  [offense('12025(A)(1) PC-CARRY CONCEALED WEAPON IN VEH', 'FM'), 1],
  [offense('25620 BP-OPEN CONTAINER OF ALCOHOL IN PUBLIC', 'I'), 1], [offense('4000(A) VC-NO CURRENT REGISTRATION', 'I'), 1],
  [offense('32 PC-ACCESSORY', 'FM'), 1], [offense('182(A)(1) PC-CONSPIRACY:COMMIT CRIME', 'F'), 1],
]);

/** PC 667(e)(2)(C)(iv) offenses (eligibility.md appendix); 288(A) and 261(A)(2) are PC 290 offenses too. */
const SUPERSTRIKE_OFFENSES = new WeightedTable<Offense>([
  [offense('187 PC-MURDER', 'F'), 2], [offense('187(A) PC-MURDER:SECOND DEGREE', 'F'), 1],
  [offense('220 PC-ASSAULT W/INTENT', 'F'), 2], [offense('245(D)(3) PC-ASSAULT W/MACHINE GUN ON PEACE OFFICER', 'F'), 1],
  [offense('207(A) PC-KIDNAPPING', 'F'), 1], [offense('191.5(A) PC-GROSS VEH MANSLAUGHTER WHILE INTOX', 'F'), 1],
]);
const PC290_OFFENSES = new WeightedTable<Offense>([
  [offense('288(A) PC-LEWD ACT W/CHILD', 'F'), 2], [offense('314(1) PC-INDECENT EXPOSURE', 'MMF'), 2],
  [offense('261(A)(2) PC-RAPE', 'F'), 1], [offense('243.4(A) PC-SEXUAL BATTERY', 'FM'), 1],
  [offense('647.6(A)(1) PC-ANNOY/MOLEST CHILD', 'M'), 1],
]);
/** OFFENSE_CODE..OFFENSE_QUAL_LST of a REGISTRATION step; no OFFENSE_TOC, tab padding as in the fixtures. */
const SEX_OFFENDER_REGISTRATIONS = ['290 PC-REGISTRATION OF SEX OFF', '290 PC-REGISTRATION OF SEX OFFENDER']
  .map((description) => joinFields('', csvField(description), '', '"\t\t\t\t\t\t\t\t"'));
/** A registration that is not PC 290: must not count as one. */
const NARCOTIC_REGISTRATION = joinFields('', csvField('11590 HS-REGISTRATION OF NARCOTIC OFFENDER'), '', quotedBlanks(8));
const NO_OFFENSE = joinFields('', '', '', '');

const COMMENT_ONLY_DESCRIPTIONS = ['SEE COMMENT FOR CHARGE', 'SEE COMMENT FOR CHARGE', 'SEE COMMENT FOR CHARGE', ''];
const GENERIC_COMMENTS = ['AMENDED COMPLAINT', 'PROBATION MODIFIED', 'CASE CONSOLIDATED', 'BENCH WARRANT RECALLED'];

const ARREST_DISPOSITIONS = new WeightedTable<string>([
  ['', 85], ['REL/TOT OTHER JURIS/AUTH', 5], ['RELEASED/DETENTION ONLY', 5], ['PROSECUTION REJECTED', 5],
]);
const NOT_CONVICTED_DISPOSITIONS = new WeightedTable<string>([
  ['DISMISSED', 50], ['DISMISSED/FURTHERANCE OF JUSTICE', 15], ['DISMISSED/CHARGE DROPPED', 15], ['ACQUITTED', 8],
  ['DIVERSION SUCCESSFULLY COMPLETED', 7], ['PROSECUTION REJECTED', 5],
]);

type SentenceKind = 'jail' | 'probation' | 'prison' | 'fine' | 'none';
const FELONY_SENTENCES = new WeightedTable<readonly [string, SentenceKind]>([
  [['CONVICTED-PRISON', 'prison'], 20], [['CONVICTED-PROBATION', 'probation'], 45], [['CONVICTED-JAIL', 'jail'], 30],
  [['CONVICTED', 'none'], 5],
]);
const MISDEMEANOR_SENTENCES = new WeightedTable<readonly [string, SentenceKind]>([
  [['CONVICTED-JAIL', 'jail'], 35], [['CONVICTED-PROBATION', 'probation'], 40], [['CONVICTED-FINE', 'fine'], 15],
  [['CONVICTED', 'none'], 10],
]);
const INFRACTION_SENTENCES = new WeightedTable<readonly [string, SentenceKind]>([
  [['CONVICTED-FINE', 'fine'], 80], [['CONVICTED', 'none'], 20],
]);
const DAYS = 'D,DAYS      ';
const MONTHS = 'M,MONTHS    ';
const YEARS = 'Y,YEARS     ';
const NO_SENTENCE = joinFields('', '', '', '', '');

function sentenceFor(rng: Prng, kind: SentenceKind): string {
  switch (kind) {
    case 'jail':
      return rng.chance(0.7) ? `J,JAIL,${rng.between(1, 365)},${DAYS}` : `J,JAIL,${rng.between(1, 12)},${MONTHS}`;
    case 'probation':
      return rng.chance(0.6)
        ? `P,PROBATION,${rng.pick([12, 18, 24, 36, 60])},${MONTHS}`
        : `P,PROBATION,${rng.between(1, 5)},${YEARS}`;
    case 'prison':
      return rng.chance(0.2) ? `S,STATE PRISON,16,${MONTHS}` : `S,STATE PRISON,${rng.between(2, 8)},${YEARS}`;
    case 'fine':
      return 'F,FINE,,,';
    default:
      return rng.chance(0.5) ? NO_SENTENCE : `J,JAIL,${rng.between(1, 90)},${DAYS}`;
  }
}

/** An extra sentence part: always a length and unit, which is what marks the row (doj-research-file.md). */
function extraSentencePart(rng: Prng): string {
  return rng.chance(0.6) ? `J,JAIL,${rng.between(2, 180)},${DAYS}` : `P,PROBATION,${rng.between(12, 36)},${MONTHS}`;
}

const CYCLE_COUNTS = new WeightedTable<number>([[1, 22], [2, 22], [3, 20], [4, 14], [5, 10], [6, 7], [7, 5]]);
const COUNTS_PER_STEP = new WeightedTable<number>([[1, 50], [2, 30], [3, 15], [4, 5]]);
const CASE_NUMBER_PREFIXES = ['BA', 'MA', 'YA', 'LA', 'SC', 'CR', 'F', 'M'];

// Rates, per person unless said otherwise.
const TARGET_COUNTY_SHARE = 0.52; // of cycles not forced into the target county; ~70% of rows overall
const SUPERSTRIKE_RATE = 0.015;
const PC290_RATE = 0.015;
const REGISTRATION_AFTER_PC290_RATE = 0.7;
const REGISTRATION_RATE = 0.004;
const NARCOTIC_REGISTRATION_RATE = 0.004;
const DECEASED_RATE = 0.015;
const PROP64_COUNT_RATE = 0.22; // per count of an ordinary cycle
const CONVICTION_RATE = 0.58; // per court count not forced to a conviction
const SENTENCE_PART_RATE = 0.12; // per conviction
const COMMENT_ONLY_PROP64_RATE = 0.05; // per Prop 64 court count
const COMMENT_ONLY_OTHER_RATE = 0.01;
const OTHER_PROP64_COMMENT_RATE = 0.03; // COMMENT_TEXT naming a Prop 64 section on a Prop 64 court row
const GENERIC_COMMENT_RATE = 0.01;
const BLANK_CONVICTION_STATUS_RATE = 0.08;
const YOUNG_FIRST_CYCLE_RATE = 0.3;
const INTERLEAVE_PAIR_RATE = 0.065;
const INTERLEAVE_TRIPLE_RATE = 0.035;

// ---------------------------------------------------------------------------------------------------------------
// Step origins (STP_TYPE_CODE..STP_ORI_CNTY_NAME), pre-encoded per county

interface CountyOrigins {
  arrests: string[];
  court: string;
  registration: string;
  deceased: string;
}

function originsOf(county: string): CountyOrigins {
  const position = (CALIFORNIA_COUNTIES as readonly string[]).indexOf(county);
  const countyCode = position < 0 ? '99' : PAD2[position + 1];
  const name = csvField(county);
  const origin = (typeCode: string, type: string, oriType: string, oriTypeDescr: string, ori: string, oriDescr: string) =>
    joinFields(typeCode, type, `"${oriType.padStart(10)}"`, oriTypeDescr, ori, csvField(oriDescr), countyCode, name);
  const sheriff = origin('10', 'ARREST/DETAINED/CITED', 'SO', 'SHERIFF', `CA0${countyCode}0000`, `CASO ${county}`);
  const arrests = [sheriff, sheriff,
    origin('10', 'ARREST/DETAINED/CITED', 'HP', 'HIGHWAY PATROL', `CA0${countyCode}9900`, `CAHP ${county}`)];
  (CITIES[county] ?? [county]).forEach((city, index) => {
    const police = origin('10', 'ARREST/DETAINED/CITED', 'PD', 'POLICE DEPARTMENT', `CA0${countyCode}${PAD2[index + 1]}00`,
      `CAPD ${city}`);
    arrests.push(police, police);
  });
  return {
    arrests,
    court: origin('20', 'COURT ACTION', 'SC', 'SUPERIOR COURT', `CA0${countyCode}015J`, `CASC ${county}`),
    registration: origin('30', 'REGISTRATION', 'SO', 'SHERIFF', `CA0${countyCode}0000`, `CASO ${county}`),
    deceased: origin('90', 'DECEASED', 'CO', 'CORONER', `CA0${countyCode}0030`, `CACO ${county}`),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// People

type CycleKind = 'ordinary' | 'prop64' | 'superstrike' | 'pc290' | 'registration' | 'narcoticRegistration';

interface RunContext {
  county: string;
  malformedDateRate: number;
  seed: number;
  origins: Map<string, CountyOrigins>;
  otherCounties: WeightedTable<string>;
  values: string[];
}

function originsFor(context: RunContext, county: string): CountyOrigins {
  let origins = context.origins.get(county);
  if (origins === undefined) {
    origins = originsOf(county);
    context.origins.set(county, origins);
  }
  return origins;
}

function digits(rng: Prng, length: number): string {
  let text = String(rng.between(1, 9));
  for (let i = 1; i < length; i++) text += String(rng.below(10));
  return text;
}

function caseNumber(rng: Prng): string {
  return rng.chance(0.3) ? digits(rng, 8) : rng.pick(CASE_NUMBER_PREFIXES) + PAD3[rng.below(1000)] + PAD3[rng.below(1000)];
}

/** PRI_* and the other person columns (RECORD_ID..CYC_SEG_SEP), encoded and joined. */
function personHead(rng: Prng, subjectId: number, birthDay: number, malformedDateRate: number): string {
  const fields = FILLER.slice(COL.RECORD_ID, COL.CYC_SEG_SEP + 1);
  const gender = GENDERS.pick(rng);
  const firstName = rng.pick(gender === 'M' ? MALE_NAMES : gender === 'F' ? FEMALE_NAMES : ANY_NAMES);
  const middle = rng.chance(0.75) ? ` ${LETTERS[rng.below(26)]}` : '';
  const cii = rng.chance(0.15) ? `A${digits(rng, 9)}` : digits(rng, 10);
  const [raceCode, raceDescription] = RACES.pick(rng);
  const [eyeCode, eyeDescription] = rng.pick(EYES);
  const [hairCode, hairDescription] = rng.pick(HAIRS);
  const [birthPlaceCode, birthPlaceName, birthPlaceType, citizenship] = BIRTH_PLACES.pick(rng);
  const feet = gender === 'F' ? rng.between(4, 5) : rng.between(5, 6);
  fields[COL.SUBJECT_ID] = String(subjectId);
  fields[COL.REQ_CII_NUMBER] = cii;
  fields[COL.CII_NUMBER] = cii;
  fields[COL.PRI_NAME] = csvField(`${rng.pick(SURNAMES)},${firstName}${middle}`);
  fields[COL.GENDER] = gender;
  fields[COL.PRI_DOB] = rng.chance(malformedDateRate) ? malformedDate(rng, birthDay) : dateText[birthDay];
  // 9xx is an area the SSA never issues: SSN-shaped, provably nobody's.
  fields[COL.PRI_SSN] = rng.chance(0.2) ? '' : `9${digits(rng, 8)}`;
  fields[COL.PRI_CDL] = rng.chance(0.55) ? LETTERS[rng.below(26)] + digits(rng, 7) : 'x       ';
  fields[COL.FBI_NUMBER] = rng.chance(0.4) ? `${digits(rng, 6)}${LETTERS[rng.below(26)]}${LETTERS[rng.below(26)]}${rng.below(10)}` : '';
  fields[COL.RACE_CODE] = raceCode;
  fields[COL.RACE_DESCR] = raceDescription;
  fields[COL.EYE_COLOR_CODE] = eyeCode;
  fields[COL.EYE_COLOR_DESCR] = eyeDescription;
  fields[COL.HAIR_COLOR_CODE] = hairCode;
  fields[COL.HAIR_COLOR_DESCR] = hairDescription;
  fields[COL.HEIGHT] = `${feet}${PAD2[rng.below(12)]}`;
  fields[COL.WEIGHT] = String(rng.between(feet * 20 + 10, feet * 40 + 40));
  fields[COL.POB_CODE] = birthPlaceCode;
  fields[COL.POB_NAME] = birthPlaceName;
  fields[COL.POB_TYPE] = birthPlaceType;
  fields[COL.CITIZENSHIP_LIST] = citizenship;
  return fields.join(',');
}

function shuffle<T>(rng: Prng, items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const swap = items[i];
    items[i] = items[j];
    items[j] = swap;
  }
}

/** Cycle kinds in chronological order: one guaranteed Prop 64 conviction, registrations after PC 290 ones. */
function planCycles(rng: Prng): CycleKind[] {
  const kinds: CycleKind[] = ['prop64'];
  for (let i = CYCLE_COUNTS.pick(rng); i > 1; i--) kinds.push('ordinary');
  const pc290 = rng.chance(PC290_RATE);
  if (rng.chance(SUPERSTRIKE_RATE)) kinds.push('superstrike');
  if (pc290) kinds.push('pc290');
  if (rng.chance(NARCOTIC_REGISTRATION_RATE)) kinds.push('narcoticRegistration');
  shuffle(rng, kinds);
  if (pc290 && rng.chance(REGISTRATION_AFTER_PC290_RATE)) {
    const after = kinds.indexOf('pc290') + 1;
    kinds.splice(rng.between(after, kinds.length), 0, 'registration');
  } else if (rng.chance(REGISTRATION_RATE)) {
    kinds.splice(rng.between(0, kinds.length), 0, 'registration');
  }
  return kinds;
}

/** Cycle dates, ascending, all on or after the 18th birthday and within the history. */
function cycleDays(rng: Prng, birthDay: number, count: number): number[] {
  const adult = birthDay + DAYS_TO_18TH_BIRTHDAY;
  const span = HISTORY_END - adult;
  const days: number[] = [];
  for (let i = 0; i < count; i++) days.push(adult + rng.below(span + 1));
  if (rng.chance(YOUNG_FIRST_CYCLE_RATE)) days[0] = adult + rng.below(Math.min(span, THREE_YEARS) + 1);
  return days.sort((a, b) => a - b);
}

/** What the rows of one person draw from: their stream, the shared row values and the malformed-date rate. */
interface PersonDraw {
  rng: Prng;
  values: string[];
  rate: number;
  rows: string[];
}

/** An event date of the person's rows: a malformed one at the run's rate. */
function eventDateOf(draw: PersonDraw, day: number): string {
  return draw.rng.float() < draw.rate ? malformedDate(draw.rng, day) : dateText[day];
}

/** One person's rows, in the order a DOJ file lists them: a cycle after another, then a death when there is one. */
function personRows(context: RunContext, subjectId: number): string[] {
  const rng = new Prng(deriveSeed(context.seed, subjectId, PERSON_SALT));
  const birthDay = rng.chance(0.25) ? rng.between(OLD_BIRTH_FIRST, OLD_BIRTH_LAST) : rng.between(YOUNG_BIRTH_FIRST, YOUNG_BIRTH_LAST);
  const values = context.values;
  values[SLOT.personHead] = personHead(rng, subjectId, birthDay, context.malformedDateRate);
  const elsewhere = [context.otherCounties.pick(rng), context.otherCounties.pick(rng)];
  const kinds = planCycles(rng);
  const days = cycleDays(rng, birthDay, kinds.length);
  const draw: PersonDraw = { rng, values, rate: context.malformedDateRate, rows: [] };
  for (let cycle = 0; cycle < kinds.length; cycle++) cycleRows(context, draw, kinds[cycle], cycle, days[cycle], birthDay, elsewhere);
  if (rng.chance(DECEASED_RATE)) deceasedRow(context, draw, kinds.length, days[kinds.length - 1], birthDay);
  return draw.rows;
}

/** The rows of one cycle: a registration step, or an arrest and court step over the cycle's counts. */
function cycleRows(context: RunContext, draw: PersonDraw, kind: CycleKind, cycle: number, cycleDay: number, birthDay: number, elsewhere: readonly string[]): void {
  const { rng, values } = draw;
  const forcedToTarget = kind === 'prop64' || rng.chance(TARGET_COUNTY_SHARE);
  const origins = originsFor(context, forcedToTarget ? context.county : rng.pick(elsewhere));
  const cyclePrefix = String(101 + cycle);
  values[SLOT.cycleOrder] = String(cycle + 1);
  values[SLOT.cycleDate] = dateText[cycleDay];
  values[SLOT.cycleAge] = String(ageAt(birthDay, cycleDay));

  if (kind === 'registration' || kind === 'narcoticRegistration') {
    values[SLOT.stepOrder] = '1';
    values[SLOT.eventDate] = eventDateOf(draw, cycleDay);
    values[SLOT.stepOrigin] = origins.registration;
    draw.rows.push(renderStepOnlyRow(values, `${cyclePrefix}001001000`, kind === 'registration' ? rng.pick(SEX_OFFENDER_REGISTRATIONS) : NARCOTIC_REGISTRATION));
    return;
  }

  const countTotal = COUNTS_PER_STEP.pick(rng);
  const offenses: Offense[] = [];
  const tocs: string[] = [];
  for (let count = 0; count < countTotal; count++) {
    let charge: Offense;
    if (count === 0 && kind === 'prop64') charge = PROP64_OFFENSES.pick(rng);
    else if (count === 0 && kind === 'superstrike') charge = SUPERSTRIKE_OFFENSES.pick(rng);
    else if (count === 0 && kind === 'pc290') charge = PC290_OFFENSES.pick(rng);
    else charge = rng.chance(PROP64_COUNT_RATE) ? PROP64_OFFENSES.pick(rng) : OTHER_OFFENSES.pick(rng);
    offenses.push(charge);
    tocs.push(charge.tocs[rng.below(charge.tocs.length)]);
  }
  const hasArrest = rng.chance(0.9);
  const hasCourt = !hasArrest || kind !== 'ordinary' || rng.chance(0.82);
  let step = 0;
  if (hasArrest) arrestRows(draw, origins, cyclePrefix, ++step, cycleDay, offenses, tocs);
  if (hasCourt) courtRows(draw, origins, kind, cyclePrefix, ++step, cycleDay, offenses, tocs);
}

/** The arrest step: a row per count, one disposition for all. */
function arrestRows(draw: PersonDraw, origins: CountyOrigins, cyclePrefix: string, step: number, cycleDay: number, offenses: readonly Offense[], tocs: readonly string[]): void {
  const { rng, values } = draw;
  values[SLOT.stepOrder] = String(step);
  values[SLOT.stepOrigin] = rng.pick(origins.arrests);
  values[SLOT.dispositionDate] = '';
  values[SLOT.caseNumber] = '';
  values[SLOT.convictionStatusCode] = '';
  values[SLOT.convictionStatus] = '';
  values[SLOT.sentence] = NO_SENTENCE;
  values[SLOT.comment] = '';
  const disposition = csvField(ARREST_DISPOSITIONS.pick(rng));
  for (let count = 0; count < offenses.length; count++) {
    values[SLOT.eventDate] = eventDateOf(draw, cycleDay);
    values[SLOT.countOrder] = `${cyclePrefix}${PAD3[step]}${PAD3[count + 1]}000`;
    values[SLOT.offense] = offenses[count].segments[tocs[count]];
    values[SLOT.disposition] = disposition;
    draw.rows.push(ROW_TEMPLATE.render(values));
  }
}

/** The court step: a row per count (convicted or not), then the extra sentence parts of the convicted ones. */
function courtRows(
  draw: PersonDraw, origins: CountyOrigins, kind: CycleKind, cyclePrefix: string, step: number, cycleDay: number, offenses: readonly Offense[], tocs: readonly string[],
): void {
  const { rng, values } = draw;
  const courtDay = Math.min(cycleDay + rng.between(1, 120), LAST_TABLE_DAY);
  const countOrderPrefix = `${cyclePrefix}${PAD3[step]}`;
  const caseMode = rng.float(); // one shared case number (most), none, or a second case for later counts
  const firstCase = caseMode < 0.08 ? '' : caseNumber(rng);
  const laterCase = caseMode >= 0.08 && caseMode < 0.14 ? caseNumber(rng) : firstCase;
  const sentenceParts: string[] = [];
  values[SLOT.stepOrder] = String(step);
  values[SLOT.stepOrigin] = origins.court;
  for (let count = 0; count < offenses.length; count++) {
    values[SLOT.eventDate] = eventDateOf(draw, courtDay);
    values[SLOT.countOrder] = `${countOrderPrefix}${PAD3[count + 1]}000`;
    values[SLOT.dispositionDate] = rng.chance(0.95) ? dateText[courtDay] : '';
    values[SLOT.caseNumber] = count === 0 ? firstCase : rng.chance(0.03) ? '' : laterCase;
    chargeText(rng, values, offenses[count], tocs[count]);
    const convicted = (count === 0 && kind !== 'ordinary') || rng.chance(CONVICTION_RATE);
    if (!convicted) {
      values[SLOT.disposition] = csvField(NOT_CONVICTED_DISPOSITIONS.pick(rng));
      values[SLOT.convictionStatusCode] = '';
      values[SLOT.convictionStatus] = '';
      values[SLOT.sentence] = NO_SENTENCE;
      draw.rows.push(ROW_TEMPLATE.render(values));
      continue;
    }
    convictedCount(draw, kind, tocs[count], courtDay, sentenceParts);
  }
  for (const part of sentenceParts) draw.rows.push(part);
}

/** A court count's offense and comment: the charge, a comment-only charge, or a charge with a comment. */
function chargeText(rng: Prng, values: string[], charge: Offense, toc: string): void {
  values[SLOT.comment] = '';
  values[SLOT.offense] = charge.segments[toc];
  if (rng.chance(charge.prop64 ? COMMENT_ONLY_PROP64_RATE : COMMENT_ONLY_OTHER_RATE)) {
    values[SLOT.offense] = joinFields('', rng.pick(COMMENT_ONLY_DESCRIPTIONS), toc, quotedBlanks(28));
    values[SLOT.comment] = charge.commentText;
  } else if (charge.prop64 && rng.chance(OTHER_PROP64_COMMENT_RATE)) {
    values[SLOT.comment] = PROP64_OFFENSES.pick(rng).commentText;
  } else if (rng.chance(GENERIC_COMMENT_RATE)) {
    values[SLOT.comment] = rng.pick(GENERIC_COMMENTS);
  }
}

/** A convicted count's row (level, disposition, sentence), and its extra sentence parts into `sentenceParts`. */
function convictedCount(draw: PersonDraw, kind: CycleKind, toc: string, courtDay: number, sentenceParts: string[]): void {
  const { rng, values } = draw;
  // A felony charge may end in a misdemeanor conviction (wobbler); superstrikes and PC 290 counts stay felonies.
  const felony = toc === 'F' && (kind === 'superstrike' || kind === 'pc290' || rng.chance(0.8));
  const level = felony ? 'FELONY' : toc === 'I' ? '' : 'MISDEMEANOR';
  const levelMatchesToc = felony === (toc === 'F');
  const [disposition, sentenceKind] = (felony ? FELONY_SENTENCES : toc === 'I' ? INFRACTION_SENTENCES : MISDEMEANOR_SENTENCES).pick(rng);
  values[SLOT.disposition] = disposition;
  values[SLOT.convictionStatusCode] = quotedBlanks(disposition.length - 9);
  values[SLOT.convictionStatus] = levelMatchesToc && rng.chance(BLANK_CONVICTION_STATUS_RATE) ? '' : level;
  values[SLOT.sentence] = sentenceFor(rng, sentenceKind);
  draw.rows.push(ROW_TEMPLATE.render(values));
  if (rng.chance(SENTENCE_PART_RATE)) {
    // Extra sentence parts come after the step's other counts, so rows of one count are not always adjacent.
    for (let part = rng.chance(0.2) ? 2 : 1; part > 0; part--) {
      values[SLOT.eventDate] = eventDateOf(draw, courtDay);
      values[SLOT.sentence] = extraSentencePart(rng);
      values[SLOT.comment] = '';
      sentenceParts.push(ROW_TEMPLATE.render(values));
    }
  }
}

/** The death, a cycle after the last one. */
function deceasedRow(context: RunContext, draw: PersonDraw, cycle: number, lastCycleDay: number, birthDay: number): void {
  const { rng, values } = draw;
  const deathDay = Math.min(lastCycleDay + rng.between(30, 3000), LAST_TABLE_DAY);
  values[SLOT.cycleOrder] = String(cycle + 1);
  values[SLOT.cycleDate] = dateText[deathDay];
  values[SLOT.cycleAge] = String(ageAt(birthDay, deathDay));
  values[SLOT.stepOrder] = '1';
  values[SLOT.eventDate] = eventDateOf(draw, deathDay);
  values[SLOT.stepOrigin] = originsFor(context, context.county).deceased;
  draw.rows.push(renderStepOnlyRow(values, `${101 + cycle}001001000`, NO_OFFENSE));
}

/** Rows of 2-3 people shuffled together, each person's own order kept (runs of 1-3 rows). */
function interleave(rng: Prng, people: string[][]): string[] {
  const merged: string[] = [];
  const next = people.map(() => 0);
  let remaining = people.reduce((sum, rows) => sum + rows.length, 0);
  while (remaining > 0) {
    let person = rng.below(people.length);
    while (next[person] >= people[person].length) person = (person + 1) % people.length;
    for (let run = 1 + rng.below(3); run > 0 && next[person] < people[person].length; run--) {
      merged.push(people[person][next[person]++]);
      remaining--;
    }
  }
  return merged;
}

// ---------------------------------------------------------------------------------------------------------------
// Entry point

function validate(options: GenerateOptions): Required<GenerateOptions> {
  const {
    county, people, seed, header = true, malformedDateRate = DEFAULT_MALFORMED_DATE_RATE,
    startSubjectId = DEFAULT_START_SUBJECT_ID, chunkBytes = DEFAULT_CHUNK_BYTES, nextMonth = false,
  } = options;
  if (typeof county !== 'string' || county.trim() === '' || county !== county.toUpperCase() || county.trim() !== county) {
    throw new Error(`generateExtract: county must be an upper-case name like 'LOS ANGELES', got ${JSON.stringify(county)}`);
  }
  if (!Number.isSafeInteger(people) || people < 0) {
    throw new Error(`generateExtract: people must be a whole number >= 0, got ${people}`);
  }
  if (!Number.isSafeInteger(seed)) throw new Error(`generateExtract: seed must be a safe integer, got ${seed}`);
  if (typeof header !== 'boolean') throw new Error(`generateExtract: header must be true or false, got ${String(header)}`);
  if (typeof malformedDateRate !== 'number' || !(malformedDateRate >= 0 && malformedDateRate <= 1)) {
    throw new Error(`generateExtract: malformedDateRate must be between 0 and 1, got ${malformedDateRate}`);
  }
  if (!Number.isSafeInteger(startSubjectId) || startSubjectId < 1 || !Number.isSafeInteger(startSubjectId + people)) {
    throw new Error(`generateExtract: startSubjectId must be a whole number >= 1, got ${startSubjectId}`);
  }
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) {
    throw new Error(`generateExtract: chunkBytes must be a whole number >= 1, got ${chunkBytes}`);
  }
  if (typeof nextMonth !== 'boolean') throw new Error(`generateExtract: nextMonth must be true or false, got ${String(nextMonth)}`);
  return { county, people, seed, header, malformedDateRate, startSubjectId, chunkBytes, nextMonth };
}

/**
 * A fabricated DOJ extract for `county` as CSV text (LF line ends), in chunks of at least `chunkBytes`
 * (the last may be smaller) that always end at a row end. Bad options throw here, before any text.
 */
export function generateExtract(options: GenerateOptions): Generator<string, void, undefined> {
  return extractChunks(validate(options), []);
}

/**
 * The changes planted in the `nextMonth` extract of these options, person by person (next-month.ts), in
 * SUBJECT_ID order: what a comparison of the two months must find.
 */
export function plantedChanges(options: Omit<GenerateOptions, 'nextMonth' | 'header' | 'chunkBytes'>): PlantedChange[] {
  const changes: PlantedChange[] = [];
  for (const chunk of extractChunks({ ...validate(options), nextMonth: true, header: false }, changes)) void chunk;
  return changes;
}

function* extractChunks(options: Required<GenerateOptions>, planted: PlantedChange[]): Generator<string, void, undefined> {
  const { county, people: firstMonthPeople, seed, header, malformedDateRate, startSubjectId, chunkBytes, nextMonth } = options;
  const people = firstMonthPeople + (nextMonth ? newPeopleCount(firstMonthPeople) : 0);
  /** A person's rows, next month's when asked for (the changes planted recorded). */
  const rowsOf = (subjectId: number): string[] => {
    const rows = personRows(context, subjectId);
    if (!nextMonth) return rows;
    if (subjectId >= startSubjectId + firstMonthPeople) {
      planted.push({ subjectId: String(subjectId), change: 'new person' });
      return rows;
    }
    const next = nextMonthRows(new Prng(deriveSeed(seed, subjectId, NEXT_MONTH_SALT)), String(subjectId), rows, county);
    if (next.change !== null) planted.push(next.change);
    return next.rows;
  };
  ensureDateTable();
  const context: RunContext = {
    county,
    malformedDateRate,
    seed,
    origins: new Map(),
    otherCounties: new WeightedTable(
      CALIFORNIA_COUNTIES.filter((name) => name !== county).map((name) => [name, COUNTY_WEIGHTS[name] ?? OTHER_COUNTY_WEIGHT] as const),
    ),
    values: new Array<string>(ROW_TEMPLATE.slotCount).fill(''),
  };
  const groups = new Prng(deriveSeed(seed, startSubjectId, INTERLEAVE_SALT));
  let parts: string[] = header ? [HEADER_LINE] : [];
  let pending = header ? HEADER_LINE.length : 0;

  for (let index = 0; index < people;) {
    const roll = groups.float();
    const wanted = roll < INTERLEAVE_TRIPLE_RATE ? 3 : roll < INTERLEAVE_TRIPLE_RATE + INTERLEAVE_PAIR_RATE ? 2 : 1;
    const size = Math.min(wanted, people - index);
    let rows: string[];
    if (size === 1) {
      rows = rowsOf(startSubjectId + index);
    } else {
      const group: string[][] = [];
      for (let member = 0; member < size; member++) group.push(rowsOf(startSubjectId + index + member));
      rows = interleave(groups, group);
    }
    index += size;
    for (const row of rows) {
      parts.push(row);
      pending += row.length;
      if (pending >= chunkBytes) {
        yield parts.join('');
        parts = [];
        pending = 0;
      }
    }
  }
  if (pending > 0) yield parts.join('');
}
