/**
 * Person assembly: all rows of one SUBJECT_ID, pushed in input order, become the facts the rules read
 * (doj-research-file.md, "What a row means"). Person-level facts span the whole record, every county.
 */
import { COL } from './columns';
import { DayNumber, isMalformed, parseDojDate } from './dates';
import type { Decision } from './decision';
import { codeSectionOf, isPc290, isSuperstrike, prop64SectionIndex } from './sections';

export interface Conviction {
  /** Input position of the convicting row (ordering key across files). */
  position: number;
  county: string;
  /** Text before the first `-` of OFFENSE_DESCR (or COMMENT_TEXT), untrimmed. */
  codeSection: string;
  /** Index in PROP64_SECTIONS, or -1. */
  prop64: number;
  isFelony: boolean;
  /** STP_EVENT_DATE as a day number; NaN when malformed. */
  day: DayNumber;
  /** Cycle+step prefix of CNT_ORDER: the court case whose OFNs form the Case Number. */
  cycleStepKey: string;
  superstrike: boolean;
  pc290: boolean;
  /** CNT_ORDER as extracted: with SUBJECT_ID, the count's identity (review/conviction-id.ts). */
  countOrder: string;
  /** CNT_ORDER was blank: the count cannot be identified. */
  missingCountOrder: boolean;
  /** STP_ORI_DESCR of the convicting row as extracted: the court that convicted (for the court lists). */
  court: string;
  /**
   * Length of the sentence in days (fractional: a month is 30.5 days), summed over the count's convicting rows
   * (the first and its sentence parts), as the reference computes it (eligibility.md, `servingSentence`).
   */
  sentenceDays: number;
  /** Set by classification: the decision of an evaluated conviction (run county, Prop 64 section). */
  decision?: Decision;
}

/** A PC 290 REGISTRATION step. */
export interface Registration {
  /** STP_EVENT_DATE; NaN when malformed. */
  day: DayNumber;
  /** OFFENSE_DESCR before the first `-`, trimmed (e.g. `290 PC`). */
  section: string;
}

/** Days per unit of SENT_TIME_CODE, as the reference counts them (a year of 366 days, a month of a twelfth of it). */
function daysPerUnit(timeCode: string): number {
  return timeCode === 'D' ? 1 : timeCode === 'M' ? 30.5 : timeCode === 'Y' ? 366 : 0;
}

/**
 * Days of one sentence part: SENT_LENGTH in SENT_TIME_CODE units; 0 when the length is not a whole number
 * (digits only, at most 9) or the code is not D, M or Y. Read without a regex: this runs per convicting row.
 */
export function sentencePartDays(length: string, timeCode: string): number {
  const unit = daysPerUnit(timeCode);
  if (unit === 0 || length.length === 0 || length.length > 9) return 0;
  let value = 0;
  for (let i = 0; i < length.length; i++) {
    const digit = length.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return 0;
    value = value * 10 + digit;
  }
  return value * unit;
}

export class Person {
  readonly convictions: Conviction[] = [];
  /** OFNs of COURT ACTION rows by cycle+step (first 6 characters of CNT_ORDER), first-seen order, no duplicates. */
  readonly caseNumbers = new Map<string, string[]>();
  dob: DayNumber = NaN;
  deceased = false;
  pc290Registration = false;
  /** REGISTRATION steps whose offense starts with 290: their date (NaN when malformed) and section, input order. */
  readonly registrations: Registration[] = [];
  /** Rows of this person that were rejected by the reader (the record is incomplete). */
  rejectedRows = 0;
  /** RACE_DESCR and GENDER of the first row, for demographics only (never written to reports per person). */
  race = '';
  gender = '';
  private hasFirstRow = false;
  /** The conviction of each CNT_ORDER seen: its later convicting rows are sentence parts. */
  private readonly seenCounts = new Map<string, Conviction>();

  constructor(readonly subjectId: string) {}

  /**
   * Adds one row. Returns the new conviction when the row is the first convicting row of its count
   * (later convicting rows of the same count are sentence parts), else null.
   */
  pushRow(fields: readonly string[], position: number): Conviction | null {
    if (!this.hasFirstRow) {
      this.hasFirstRow = true;
      this.dob = parseDojDate(fields[COL.PRI_DOB]);
      this.race = fields[COL.RACE_DESCR];
      this.gender = fields[COL.GENDER];
    }
    const stepType = fields[COL.STP_TYPE_DESCR];
    const countOrder = fields[COL.CNT_ORDER];
    // A short CNT_ORDER (dirty data) uses the prefix it has: slice never throws.
    const cycleStepKey = countOrder.slice(0, 6);
    if (stepType === 'DECEASED') this.deceased = true;
    else if (stepType === 'COURT ACTION') {
      const ofn = fields[COL.OFN];
      if (ofn !== '') {
        const numbers = this.caseNumbers.get(cycleStepKey);
        if (numbers === undefined) this.caseNumbers.set(cycleStepKey, [ofn]);
        else if (!numbers.includes(ofn)) numbers.push(ofn);
      }
    } else if (stepType === 'REGISTRATION' && fields[COL.OFFENSE_DESCR].startsWith('290')) {
      this.pc290Registration = true;
      const offense = fields[COL.OFFENSE_DESCR];
      const dash = offense.indexOf('-');
      this.registrations.push({ day: parseDojDate(fields[COL.STP_EVENT_DATE]), section: (dash < 0 ? offense : offense.slice(0, dash)).trim() });
    }
    if (!fields[COL.DISP_DESCR].startsWith('CONVICTED')) return null;
    // Without a CNT_ORDER a later convicting row cannot be told apart from a sentence part of an earlier one:
    // each becomes a conviction of its own, and the rules send it to Hand Review.
    const missingCountOrder = countOrder.trim() === '';
    const sentenceDays = sentencePartDays(fields[COL.SENT_LENGTH], fields[COL.SENT_TIME_CODE]);
    if (!missingCountOrder) {
      const seen = this.seenCounts.get(countOrder);
      if (seen !== undefined) {
        seen.sentenceDays += sentenceDays;
        return null;
      }
    }
    const codeSection = codeSectionOf(fields[COL.OFFENSE_DESCR], fields[COL.COMMENT_TEXT]);
    const convictionStatus = fields[COL.CONV_STAT_DESCR];
    const conviction: Conviction = {
      position,
      county: fields[COL.STP_ORI_CNTY_NAME],
      codeSection,
      prop64: prop64SectionIndex(codeSection),
      isFelony: convictionStatus === 'FELONY' || (convictionStatus === '' && fields[COL.OFFENSE_TOC] === 'F'),
      day: parseDojDate(fields[COL.STP_EVENT_DATE]),
      cycleStepKey,
      countOrder,
      superstrike: isSuperstrike(codeSection),
      pc290: isPc290(codeSection),
      missingCountOrder,
      court: fields[COL.STP_ORI_DESCR],
      sentenceDays,
    };
    if (!missingCountOrder) this.seenCounts.set(countOrder, conviction);
    this.convictions.push(conviction);
    return conviction;
  }
}

/** Facts derived once per person after all rows are in, shared by every conviction's evaluation. */
export interface PersonFacts {
  /** Latest well-formed conviction date (any county); NaN when none. */
  latestDay: DayNumber;
  /** True when some conviction of the person has a malformed date. */
  hasMalformedConvictionDate: boolean;
  prop64Count: number;
  countsBySection: [number, number, number, number];
  superstrikeSections: string;
  pc290Sections: string;
}

export function personFacts(person: Person): PersonFacts {
  let latestDay = NaN;
  let hasMalformedConvictionDate = false;
  const countsBySection: [number, number, number, number] = [0, 0, 0, 0];
  const superstrikes: string[] = [];
  const pc290s: string[] = [];
  for (const conviction of person.convictions) {
    if (isMalformed(conviction.day)) hasMalformedConvictionDate = true;
    else if (!(conviction.day <= latestDay)) latestDay = conviction.day;
    if (conviction.prop64 >= 0) countsBySection[conviction.prop64]++;
    if (conviction.superstrike) superstrikes.push(conviction.codeSection);
    if (conviction.pc290) pc290s.push(conviction.codeSection);
  }
  return {
    latestDay,
    hasMalformedConvictionDate,
    prop64Count: countsBySection[0] + countsBySection[1] + countsBySection[2] + countsBySection[3],
    countsBySection,
    superstrikeSections: superstrikes.length > 0 ? superstrikes.join(';') : '-',
    pc290Sections: pc290s.length > 0 ? pc290s.join(';') : '-',
  };
}
