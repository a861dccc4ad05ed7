/**
 * Calendar dates as whole UTC day numbers (days since 1970-01-01): cheap to compare and
 * subtract in the per-row loop, no Date objects. A malformed date is NaN and stays NaN:
 * it never becomes year 1 (the reference tool's defect), and every comparison with NaN is false.
 */

export type DayNumber = number;

/** True for NaN: the value came from a malformed or empty date. */
export function isMalformed(day: DayNumber): boolean {
  return day !== day;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function dayFromCivil(year: number, month: number, day: number): DayNumber {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export interface Civil {
  year: number;
  month: number;
  day: number;
}

/** The inverse of dayFromCivil. */
export function civilFromDay(dayNumber: DayNumber): Civil {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

function digitAt(text: string, index: number): number {
  const code = text.charCodeAt(index) - 48;
  return code >= 0 && code <= 9 ? code : -1;
}

/**
 * Parses the DOJ `YYYYMMDD` form. Anything else (wrong length, non-digits, month 00, day 00,
 * 31 February, surrounding spaces) is malformed: NaN. Years before 1800 are malformed too:
 * no living person's record holds them, and they are how broken exports show zeros.
 */
export function parseDojDate(text: string): DayNumber {
  if (text.length !== 8) return NaN;
  let year = 0;
  for (let i = 0; i < 4; i++) {
    const d = digitAt(text, i);
    if (d < 0) return NaN;
    year = year * 10 + d;
  }
  const m1 = digitAt(text, 4);
  const m2 = digitAt(text, 5);
  const d1 = digitAt(text, 6);
  const d2 = digitAt(text, 7);
  if (m1 < 0 || m2 < 0 || d1 < 0 || d2 < 0) return NaN;
  const month = m1 * 10 + m2;
  const day = d1 * 10 + d2;
  if (year < 1800 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  return dayFromCivil(year, month, day);
}

/** Parses an ISO `YYYY-MM-DD` date (the CLI's --compute-at); NaN when malformed. */
export function parseIsoDate(text: string): DayNumber {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return NaN;
  return parseDojDate(text.slice(0, 4) + text.slice(5, 7) + text.slice(8, 10));
}

/**
 * Adds whole years. 29 February lands on 1 March when the target year has none,
 * as eligibility.md specifies (and as Go's AddDate normalises).
 */
export function addYears(dayNumber: DayNumber, years: number): DayNumber {
  if (isMalformed(dayNumber)) return NaN;
  const { year, month, day } = civilFromDay(dayNumber);
  const targetYear = year + years;
  if (month === 2 && day === 29 && !isLeapYear(targetYear)) return dayFromCivil(targetYear, 3, 1);
  return dayFromCivil(targetYear, month, day);
}

/** `MM/DD/YYYY`, the reference tool's Date of Conviction format; '' for a malformed date. */
export function formatUsDate(dayNumber: DayNumber): string {
  if (isMalformed(dayNumber)) return '';
  const { year, month, day } = civilFromDay(dayNumber);
  return `${month < 10 ? '0' : ''}${month}/${day < 10 ? '0' : ''}${day}/${String(year).padStart(4, '0')}`;
}

/** `YYYY-MM-DD`. */
export function formatIsoDate(dayNumber: DayNumber): string {
  const { year, month, day } = civilFromDay(dayNumber);
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

/** RFC 3339 UTC midnight, as the reference summary writes `earliestConviction`. */
export function formatRfc3339(dayNumber: DayNumber): string {
  return `${formatIsoDate(dayNumber)}T00:00:00Z`;
}

const HOURS_PER_YEAR = 24 * 365.25;

/**
 * Years between two dates with one decimal, as the reference computes them
 * (hours / (24 × 365.25), formatted like Go's %.1f; negative for later dates).
 */
export function formatYearsBetween(fromDay: DayNumber, toDay: DayNumber): string {
  if (isMalformed(fromDay) || isMalformed(toDay)) return '';
  return (((toDay - fromDay) * 24) / HOURS_PER_YEAR).toFixed(1);
}

/** Today's date (UTC) as a day number. */
export function todayUtc(now: Date = new Date()): DayNumber {
  return dayFromCivil(now.getUTCFullYear(), now.getUTCMonth() + 1, now.getUTCDate());
}

/** Prop 64 took effect on 2016-11-09. */
export const PROP64_EFFECTIVE_DAY: DayNumber = dayFromCivil(2016, 11, 9);
