/**
 * "Next month's" extract (docs/monthly.md): the same people as the seed's extract, with changes planted person by
 * person from the same seed, so that two consecutive runs of a county can be shown and tested end to end.
 *
 * Each person of the first month gets at most one change, drawn from their own stream:
 * - `sealed`: every row gone (the conviction sealed or corrected at the DOJ);
 * - `new conviction`: a new in-county Prop 64 conviction (a copy of their first one in a new cycle, in 2020);
 * - `corrected date`: the date of one in-county Prop 64 conviction a day later (its conviction id changes);
 * - `felony to misdemeanor` / `misdemeanor to felony`: the level of one in-county Prop 64 conviction corrected;
 * and new people are added after the last one (`new person`).
 * A person with no conviction the drawn change applies to keeps their rows and is not listed.
 */
import { COL, FIELD_COUNT } from '../lambdas/domain/columns';
import { isMalformed, parseDojDate } from '../lambdas/domain/dates';
import { codeSectionOf, prop64SectionIndex } from '../lambdas/domain/sections';
import { Prng } from './prng';

export const PLANTED_CHANGES = ['sealed', 'new conviction', 'corrected date', 'felony to misdemeanor', 'misdemeanor to felony', 'new person'] as const;
export type PlantedChangeKind = (typeof PLANTED_CHANGES)[number];

export interface PlantedChange {
  subjectId: string;
  change: PlantedChangeKind;
  /** CNT_ORDER of the conviction changed (or added); absent for a whole person. */
  countOrder?: string;
  /** HS section of that conviction (11357-11360). */
  section?: string;
}

/** Share of people given each change (cumulative draw), and of new people. */
export const NEXT_MONTH_RATES = {
  sealed: 0.03,
  newConviction: 0.03,
  correctedDate: 0.03,
  felonyToMisdemeanor: 0.03,
  misdemeanorToFelony: 0.03,
  newPeople: 0.03,
} as const;

/** The new conviction's cycle (CNT_ORDER prefix, beyond any a person has) and date. */
const NEW_CYCLE = '190';
const NEW_CONVICTION_DATE = '20200115';
const SECTIONS = ['11357', '11358', '11359', '11360'];

/** A generated row's fields (RFC 4180: quoted fields hold commas and doubled quotes; no line breaks). */
export function splitRow(row: string): string[] {
  const text = row.endsWith('\n') ? row.slice(0, -1) : row;
  const fields: string[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text.charAt(i) === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (text.charAt(quote + 1) === '"') {
          value += text.slice(i, quote + 1);
          i = quote + 2;
        } else {
          value += text.slice(i, quote);
          i = quote + 1;
          break;
        }
      }
      fields.push(value);
      i++;
    } else {
      let end = text.indexOf(',', i);
      if (end < 0) end = text.length;
      fields.push(text.slice(i, end));
      i = end + 1;
    }
  }
  if (fields.length !== FIELD_COUNT) throw new Error(`next month: a generated row has ${fields.length} fields, not ${FIELD_COUNT}`);
  return fields;
}

function joinRow(fields: readonly string[]): string {
  return `${fields.map((value) => (value.includes(',') || value.includes('"') ? `"${value.split('"').join('""')}"` : value)).join(',')}\n`;
}

/** The day after a YYYYMMDD date; another value (a malformed date of a sentence part) is left as it is. */
function nextDay(yyyymmdd: string): string {
  if (!/^\d{8}$/.test(yyyymmdd)) return yyyymmdd;
  const date = new Date(Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8)) + 1));
  return date.toISOString().slice(0, 10).replace(/-/g, '');
}

interface Count {
  countOrder: string;
  section: string;
  level: string;
  /** Indices of the count's convicting rows (the first and its sentence parts). */
  rows: number[];
}

/** The person's in-county Prop 64 convictions with a well-formed date, first row first. */
function prop64Counts(fields: readonly string[][], county: string): Count[] {
  const counts = new Map<string, Count>();
  fields.forEach((row, index) => {
    if (!row[COL.DISP_DESCR].startsWith('CONVICTED')) return;
    const countOrder = row[COL.CNT_ORDER];
    const known = counts.get(countOrder);
    if (known !== undefined) {
      known.rows.push(index);
      return;
    }
    const section = prop64SectionIndex(codeSectionOf(row[COL.OFFENSE_DESCR], row[COL.COMMENT_TEXT]));
    if (section < 0 || row[COL.STP_ORI_CNTY_NAME] !== county || isMalformed(parseDojDate(row[COL.STP_EVENT_DATE])) || countOrder.trim() === '') return;
    counts.set(countOrder, { countOrder, section: SECTIONS[section], level: row[COL.CONV_STAT_DESCR], rows: [index] });
  });
  return [...counts.values()];
}

/**
 * One person's rows next month, and the change planted (null: none). `rng` is the person's own stream for next
 * month; `rows` their rows of the first month.
 */
export function nextMonthRows(rng: Prng, subjectId: string, rows: readonly string[], county: string): { rows: string[]; change: PlantedChange | null } {
  const roll = rng.float();
  const r = NEXT_MONTH_RATES;
  let bound = r.sealed;
  if (roll < bound) return { rows: [], change: { subjectId, change: 'sealed' } };
  const fields = rows.map(splitRow);
  const counts = prop64Counts(fields, county);
  const changed = (kind: PlantedChangeKind, count: Count, edit: (row: string[]) => void) => {
    const out = [...rows];
    for (const index of count.rows) {
      edit(fields[index]);
      out[index] = joinRow(fields[index]);
    }
    return { rows: out, change: { subjectId, change: kind, countOrder: count.countOrder, section: count.section } };
  };
  if (roll < (bound += r.newConviction) && counts.length > 0) {
    const first = [...fields[counts[0].rows[0]]];
    const countOrder = `${NEW_CYCLE}${first[COL.CNT_ORDER].slice(3)}`;
    first[COL.CNT_ORDER] = countOrder;
    first[COL.CYC_ORDER] = String(Number(NEW_CYCLE) - 100);
    first[COL.CYC_DATE] = NEW_CONVICTION_DATE;
    first[COL.STP_EVENT_DATE] = NEW_CONVICTION_DATE;
    first[COL.DISP_DATE] = NEW_CONVICTION_DATE;
    first[COL.OFN] = `NM${String(rng.below(1_000_000)).padStart(6, '0')}`;
    return { rows: [...rows, joinRow(first)], change: { subjectId, change: 'new conviction', countOrder, section: counts[0].section } };
  }
  if (roll < bound) return { rows: [...rows], change: null };
  if (roll < (bound += r.correctedDate)) {
    if (counts.length === 0) return { rows: [...rows], change: null };
    return changed('corrected date', counts[0], (row) => {
      row[COL.STP_EVENT_DATE] = nextDay(row[COL.STP_EVENT_DATE]);
    });
  }
  if (roll < (bound += r.felonyToMisdemeanor)) {
    const felony = counts.find((count) => count.level === 'FELONY');
    if (felony === undefined) return { rows: [...rows], change: null };
    return changed('felony to misdemeanor', felony, (row) => {
      row[COL.CONV_STAT_DESCR] = 'MISDEMEANOR';
      row[COL.OFFENSE_TOC] = 'M';
    });
  }
  if (roll < (bound += r.misdemeanorToFelony)) {
    const misdemeanor = counts.find((count) => count.level === 'MISDEMEANOR');
    if (misdemeanor === undefined) return { rows: [...rows], change: null };
    return changed('misdemeanor to felony', misdemeanor, (row) => {
      row[COL.CONV_STAT_DESCR] = 'FELONY';
      row[COL.OFFENSE_TOC] = 'F';
    });
  }
  return { rows: [...rows], change: null };
}

/** People added next month to a month of `people`. */
export function newPeopleCount(people: number): number {
  return people === 0 ? 0 : Math.max(1, Math.round(people * NEXT_MONTH_RATES.newPeople));
}
