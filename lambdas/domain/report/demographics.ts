/**
 * Demographic categories of the people relieved (docs/reports.md, "Demographics"): race/ethnicity from
 * RACE_DESCR through a configurable mapping, gender from GENDER, and age at compute-at. Classification counts
 * people by category (never by person); the report bands ages and suppresses small cells.
 */
import { addYears, civilFromDay, DayNumber, isMalformed } from '../dates';

export const UNKNOWN = 'Unknown';

/**
 * The default RACE_DESCR → category mapping: CA DOJ's race descriptions grouped the way county press
 * releases reported them in 2019-20. Keys are compared after trimming, upper-casing and collapsing spaces;
 * a blank or unlisted RACE_DESCR counts as Unknown.
 */
export const DEFAULT_RACE_CATEGORIES: Readonly<Record<string, string>> = Object.freeze({
  HISPANIC: 'Latino',
  MEXICAN: 'Latino',
  LATINO: 'Latino',
  BLACK: 'Black',
  WHITE: 'White',
  ASIAN: 'Asian / Pacific Islander',
  'OTHER ASIAN': 'Asian / Pacific Islander',
  'ASIAN INDIAN': 'Asian / Pacific Islander',
  CAMBODIAN: 'Asian / Pacific Islander',
  CHINESE: 'Asian / Pacific Islander',
  FILIPINO: 'Asian / Pacific Islander',
  GUAMANIAN: 'Asian / Pacific Islander',
  HAWAIIAN: 'Asian / Pacific Islander',
  JAPANESE: 'Asian / Pacific Islander',
  KOREAN: 'Asian / Pacific Islander',
  LAOTIAN: 'Asian / Pacific Islander',
  'PACIFIC ISLANDER': 'Asian / Pacific Islander',
  SAMOAN: 'Asian / Pacific Islander',
  VIETNAMESE: 'Asian / Pacific Islander',
  'AMERICAN INDIAN': 'Native American',
  'ALASKAN NATIVE': 'Native American',
  OTHER: 'Other',
  UNKNOWN: UNKNOWN,
});

const WHITESPACE = /\s+/g;

/** RACE_DESCR as the mapping compares it: trimmed, upper case, single spaces. */
export function normalizeRaceDescription(text: string): string {
  return text.trim().replace(WHITESPACE, ' ').toUpperCase();
}

/** Maps RACE_DESCR to a category; built once per run, so the per-person cost is one lookup. */
export class RaceMapper {
  private readonly table = new Map<string, string>();
  /** Cache of raw text → category, so that a value is normalised once per partition, not once per person. */
  private readonly cache = new Map<string, { category: string; unmapped: boolean }>();

  constructor(mapping: Readonly<Record<string, string>> = DEFAULT_RACE_CATEGORIES) {
    for (const [description, category] of Object.entries(mapping)) this.table.set(normalizeRaceDescription(description), category);
  }

  /** The category, and whether a non-blank value was missing from the mapping (it then counts as Unknown). */
  categoryOf(raceDescription: string): { category: string; unmapped: boolean } {
    let found = this.cache.get(raceDescription);
    if (found === undefined) {
      const key = normalizeRaceDescription(raceDescription);
      const category = this.table.get(key);
      found = category === undefined ? { category: UNKNOWN, unmapped: key !== '' } : { category, unmapped: false };
      // Dirty data could hold many distinct values; the cache stays small either way.
      if (this.cache.size < 1000) this.cache.set(raceDescription, found);
    }
    return found;
  }

  /** The categories the mapping can produce, in first-seen order, with Unknown last. */
  categories(): string[] {
    const categories = [...new Set(this.table.values())].filter((category) => category !== UNKNOWN);
    return [...categories, UNKNOWN];
  }
}

/** GENDER as `M`, `F` or `Unknown`. */
export function genderCategory(gender: string): string {
  const value = gender.trim().toUpperCase();
  return value === 'M' || value === 'F' ? value : UNKNOWN;
}

export const GENDER_LABELS: Readonly<Record<string, string>> = Object.freeze({ M: 'Male', F: 'Female', [UNKNOWN]: UNKNOWN });

/**
 * Age in whole years on `computeAtDay` (a birthday on 29 February falls on 1 March in other years, as the
 * rules count it); null when the birth date is malformed or after compute-at.
 */
export function ageInYears(birthDay: DayNumber, computeAtDay: DayNumber): number | null {
  if (isMalformed(birthDay) || isMalformed(computeAtDay) || birthDay > computeAtDay) return null;
  let age = civilFromDay(computeAtDay).year - civilFromDay(birthDay).year;
  if (addYears(birthDay, age) > computeAtDay) age--;
  return age;
}

/** Lower bounds of the age bands after the first: <21, 21-29, 30-39, 40-49, 50-64, 65+. */
export const DEFAULT_AGE_BANDS: readonly number[] = Object.freeze([21, 30, 40, 50, 65]);

/** Band labels for the bounds, youngest first, then Unknown. */
export function ageBandLabels(bounds: readonly number[] = DEFAULT_AGE_BANDS): string[] {
  const labels = [`<${bounds[0]}`];
  for (let i = 0; i + 1 < bounds.length; i++) labels.push(`${bounds[i]}-${bounds[i + 1] - 1}`);
  labels.push(`${bounds[bounds.length - 1]}+`);
  labels.push(UNKNOWN);
  return labels;
}

/** The band label of an age count key (whole years, or Unknown). */
export function ageBandOf(ageKey: string, bounds: readonly number[] = DEFAULT_AGE_BANDS): string {
  const labels = ageBandLabels(bounds);
  if (ageKey === UNKNOWN) return UNKNOWN;
  const age = Number(ageKey);
  if (!Number.isInteger(age) || age < 0) return UNKNOWN;
  let band = 0;
  while (band < bounds.length && age >= bounds[band]) band++;
  return labels[band];
}

/** The decade of a conviction date (`1990s`), or Unknown when the date is malformed. */
export function decadeOf(day: DayNumber): string {
  if (isMalformed(day)) return UNKNOWN;
  return `${Math.floor(civilFromDay(day).year / 10) * 10}s`;
}
