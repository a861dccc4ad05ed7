/**
 * The conviction id (docs/review.md, "The conviction id"): what a reviewer's decision names, in every list that
 * lists convictions. It is derived from the count's identity in the DOJ extract, so the same conviction in a later
 * extract of the same county gets the same id, and hashed, so the id names no person, case or count:
 *
 *   cv- + the person key (FNV-1a of SUBJECT_ID, 8 hex digits) + the first 12 hex digits (48 bits) of
 *         SHA-256("prop64-conviction/v2" LF SUBJECT_ID LF CNT_ORDER LF code section LF conviction date LF occurrence)
 *
 * - The person key leads so that a decision naming only the id reaches the partition of its person (the partition
 *   is `personKey % partitionCount`, for any count) without looking the id up: Finalize and Compare route decisions
 *   as Split routes rows.
 *
 * - SUBJECT_ID (DOJ's statewide person id) and CNT_ORDER (cycle, step, count) identify the count.
 * - The code section (trimmed) and the conviction date (STP_EVENT_DATE, YYYY-MM-DD, empty when malformed) are the
 *   check: if DOJ renumbers a count, or a count number comes to hold another conviction, the id changes, so a
 *   decision never passes silently to a different conviction (it is then reported as an unknown id).
 * - occurrence is 0, except for convictions without a CNT_ORDER (which cannot be told apart otherwise): their
 *   order among the person's convictions with the same blank CNT_ORDER, section and date.
 * No secret and nothing of the county enters the hash: any office, any run, any extract computes the same id.
 * The hash hides the identity from a reader of a list, not from someone holding the extract (who can recompute
 * it): ids stay with the rest of the personal data, under results/ and reviews/.
 */
import { createHash } from 'node:crypto';
import { DayNumber, formatIsoDate, isMalformed } from '../dates';
import { personKey } from '../person-key';

export const CONVICTION_ID_SCHEME = 'prop64-conviction/v2';
/** `cv-` and 20 lowercase hex digits: 8 of the person key, 12 of the digest. */
export const CONVICTION_ID_LENGTH = 23;

export function convictionId(subjectId: string, countOrder: string, codeSection: string, day: DayNumber, occurrence = 0): string {
  const date = isMalformed(day) ? '' : formatIsoDate(day);
  const digest = createHash('sha256')
    .update(`${CONVICTION_ID_SCHEME}\n${subjectId}\n${countOrder}\n${codeSection.trim()}\n${date}\n${occurrence}`, 'latin1')
    .digest('hex');
  return `cv-${personKey(subjectId).toString(16).padStart(8, '0')}${digest.slice(0, 12)}`;
}

/** The person key a conviction id carries (its first 8 hex digits); the id must have the form of one. */
export function personKeyOfConvictionId(id: string): number {
  return Number.parseInt(id.slice(3, 11), 16);
}

export const PERSON_ID_SCHEME = 'prop64-person/v1';

/**
 * The person id of the review list: `ps-` and the first 20 hex digits of SHA-256("prop64-person/v1" LF SUBJECT_ID).
 * It groups a person's convictions for the review's final impact (people left with no felony / no conviction)
 * without naming the person; stable across extracts as SUBJECT_ID is.
 */
export function personId(subjectId: string): string {
  return `ps-${createHash('sha256').update(`${PERSON_ID_SCHEME}\n${subjectId}`, 'latin1').digest('hex').slice(0, 20)}`;
}

/** Whether `text` has the form of a conviction id (a cheap check before looking it up). */
export function looksLikeConvictionId(text: string): boolean {
  if (text.length !== CONVICTION_ID_LENGTH || !text.startsWith('cv-')) return false;
  for (let i = 3; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}
