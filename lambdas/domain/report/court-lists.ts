/**
 * The lists of H&S 11361.9 (results/, personal data by design). Every evaluated conviction is on exactly one:
 * `court_motion_list.csv`, one line per court case with the convictions to dismiss or reduce, for the bulk
 * motion; `defender_notice_list.csv`, one line per conviction found not eligible (challenged) or sent to hand
 * review (pending), for the public defender's notice; `city_attorney_referral_list.csv`, one line per
 * misdemeanor routed to a city attorney; `undecided_list.csv`, one line per conviction no rule decided, which the
 * court relieves unless the prosecution challenges it. `review_list.csv` lists every evaluated conviction once more,
 * for the prosecutor's review (docs/review.md): the Hand Review ones as `Required`, the others as `Optional`, with
 * empty decision columns. Every line names its convictions by conviction id (review/conviction-id.ts). The wording depends on whether compute-at is after the
 * challenge deadline (2020-07-01). Every line names its court (STP_ORI_DESCR) and the count number of each of its
 * convictions (CNT_ORDER's count part), and the lines of every list are sorted by case number (`compareEntries`):
 * each classify partition sorts its lines (a person's cases all live in one partition) and assemble merges the
 * sorted partitions (a k-way merge, memory bounded by one window per partition, never by the county).
 */
import { DETERMINATION } from '../decision';
import { csvSafeLine as csvLine, linePieces } from '../csv/writer';
import { DayNumber, dayFromCivil, formatUsDate, isMalformed, parseDojDate } from '../dates';
import { Conviction } from '../person';
import { convictionId } from '../review/conviction-id';
import { inputsDigest } from '../register/inputs-digest';
import type { RegisterRecord } from '../register/record';
import { personKey } from '../person-key';
import { sentenceEnd } from '../rules';

/** The lists, in the order they are written; `kind` names a list in CourtLists and in the work area. */
export const COURT_LIST_KINDS = ['motions', 'notices', 'referrals', 'undecided', 'review'] as const;
export type CourtListKind = (typeof COURT_LIST_KINDS)[number];

export const COURT_LIST_FILES = {
  courtMotions: 'court_motion_list.csv',
  defenderNotices: 'defender_notice_list.csv',
  cityAttorneyReferrals: 'city_attorney_referral_list.csv',
  undecided: 'undecided_list.csv',
  reviewList: 'review_list.csv',
} as const;

/** The output (OUTPUT_FILES name in assemble.ts) of each list. */
export const COURT_LIST_OUTPUTS: Readonly<Record<CourtListKind, keyof typeof COURT_LIST_FILES>> = Object.freeze({
  motions: 'courtMotions',
  notices: 'defenderNotices',
  referrals: 'cityAttorneyReferrals',
  undecided: 'undecided',
  review: 'reviewList',
});

/** H&S 11361.9: the prosecution may challenge a conviction DOJ identified until this day (AB 1793). */
export const CHALLENGE_DEADLINE: DayNumber = dayFromCivil(2020, 7, 1);

/**
 * The statutory wording (docs/law.md, "The lists"): the motion is the AB 1793 process (H&S 11361.9: DOJ identified
 * the conviction, the prosecution did not challenge it); the relief itself is that of H&S 11361.8.
 */
export const STATUTORY_BASIS = 'H&S 11361.9 (AB 1793); relief under H&S 11361.8';
export const RELIEF_WORDING = {
  dismissal: 'Dismiss and seal',
  reduction: 'Redesignate as misdemeanor',
} as const;

/** Whether the sentence is completed or being served, which decides the subdivision a motion cites. */
export const SENTENCE_WORDING = {
  completed: 'completed (H&S 11361.8(e)-(f))',
  beingServed: 'being served (H&S 11361.8(a)-(b))',
} as const;

const DEADLINE_TEXT = formatUsDate(CHALLENGE_DEADLINE);

/** The Notice column of each list, by determination, before and after the challenge deadline. */
export const NOTICE_WORDING = {
  beforeDeadline: {
    [DETERMINATION.notEligible]: 'Challenged by the prosecution (H&S 11361.9)',
    [DETERMINATION.handReview]: 'Pending prosecution review (H&S 11361.9)',
    [DETERMINATION.cityAttorney]: 'Referred to the city attorney for review (H&S 11361.9)',
    undecided: `No determination: unless the prosecution challenges it by ${DEADLINE_TEXT}, the court relieves it (H&S 11361.9)`,
  },
  afterDeadline: {
    [DETERMINATION.notEligible]: `Not eligible under the county policy; the challenge deadline (${DEADLINE_TEXT}, H&S 11361.9) has passed`,
    [DETERMINATION.handReview]: `Pending prosecution review; the challenge deadline (${DEADLINE_TEXT}, H&S 11361.9) has passed`,
    [DETERMINATION.cityAttorney]: `Referred to the city attorney for review; the challenge deadline (${DEADLINE_TEXT}, H&S 11361.9) has passed`,
    undecided: `No determination; the challenge deadline (${DEADLINE_TEXT}) has passed: an unchallenged conviction is relieved by the court (H&S 11361.9)`,
  },
} as const;

/** Plain headers; `Missing` flags a line a clerk cannot file as it is (no case number, no valid date). */
export const COURT_MOTION_COLUMNS = [
  'Case Number', 'Court', 'CII Number', 'Name', 'Date of Birth', 'County', 'Date of Conviction',
  'Convictions to Dismiss', 'Convictions to Reduce', 'Relief', 'Statutory Basis', 'Sentence', 'Missing', 'Conviction IDs',
] as const;

/** The columns of the defender notice, city attorney referral and undecided lists: one line per conviction. */
export const DEFENDER_NOTICE_COLUMNS = [
  'Case Number', 'Count', 'Court', 'CII Number', 'Name', 'Date of Birth', 'County', 'Date of Conviction', 'Code Section',
  'Eligibility Determination', 'Eligibility Reason', 'Notice', 'Missing', 'Conviction ID',
] as const;

/** What the `Missing` column names: the fields a court matches on that the line lacks. */
export const MISSING = {
  caseNumber: 'case number',
  countNumber: 'count number',
  convictionDate: 'date of conviction',
  birthDate: 'valid date of birth',
} as const;

function missingText(caseNumber: string, countNumberKnown: boolean, convictionDates: string, birthDateValid: boolean): string {
  const missing: string[] = [];
  if (caseNumber === '') missing.push(MISSING.caseNumber);
  if (!countNumberKnown) missing.push(MISSING.countNumber);
  if (convictionDates === '') missing.push(MISSING.convictionDate);
  if (!birthDateValid) missing.push(MISSING.birthDate);
  return missing.join('; ');
}

/** The Review column of the review list: whether the conviction needs a decision or only may get one. */
export const REVIEW_MARK = { required: 'Required', optional: 'Optional', changedSinceDecided: 'Required (changed since decided)' } as const;

/** Whether a Review mark asks for a decision (Hand Review, or decided in an earlier run and changed since). */
export function isRequiredMark(mark: string): boolean {
  return mark === REVIEW_MARK.required || mark === REVIEW_MARK.changedSinceDecided;
}

export const OFFENSE_LEVEL = { felony: 'Felony', misdemeanor: 'Misdemeanor' } as const;

/**
 * The person columns of the review list, the same on each line of a person: the person id (review/conviction-id.ts)
 * and the person's convictions (any county) that are not on the review list, felonies and all: no decision can
 * relieve those, so with them the review computes its final impact (people left with no felony / no conviction).
 */
export const REVIEW_PERSON_COLUMNS = ['Person ID', 'Other Felonies', 'Other Convictions'] as const;

/** A person's convictions (any county) that are not on the review list. */
export interface PersonOthers {
  readonly personId: string;
  readonly felonies: number;
  readonly convictions: number;
}

/**
 * The columns of the review list: the conviction, its automatic determination and the rule that made it, then
 * the decision columns a reviewer fills in (empty here; the same names as in a decision file, review/decisions.ts).
 */
export const REVIEW_LIST_COLUMNS = [
  'Conviction ID', 'Review', 'Case Number', 'Count', 'Court', 'CII Number', 'Name', 'Date of Birth', 'County', 'Date of Conviction',
  'Code Section', 'Offense Level', 'Sentence', 'Eligibility Determination', 'Eligibility Reason', 'Rule',
  ...REVIEW_PERSON_COLUMNS,
  'Decision', 'Decision Reason', 'Reviewer', 'Decision Date',
] as const;
export const REVIEW_LIST_HEADER = csvLine(REVIEW_LIST_COLUMNS);

export const COURT_MOTION_HEADER = csvLine(COURT_MOTION_COLUMNS);
export const DEFENDER_NOTICE_HEADER = csvLine(DEFENDER_NOTICE_COLUMNS);

export const COURT_LIST_HEADERS: Readonly<Record<CourtListKind, string>> = Object.freeze({
  motions: COURT_MOTION_HEADER,
  notices: DEFENDER_NOTICE_HEADER,
  referrals: DEFENDER_NOTICE_HEADER,
  undecided: DEFENDER_NOTICE_HEADER,
  review: REVIEW_LIST_HEADER,
});

/** One line of a list and what orders it (`compareEntries`). */
export interface CourtListEntry {
  /** The input position of the line's first conviction: the last tie-break, unique within a list. */
  position: number;
  /** `sortKeyOf` the line's case number, CII number and first CNT_ORDER. */
  sortKey: string;
  /** The CSV line, without line end. */
  line: string;
}

/**
 * The order of every list: by case number (code-unit order; lines without one last), then CII number (two people
 * may share a court case), then CNT_ORDER (cycle, step, count), then input position. Position is unique within a
 * list (a line's first conviction is on no other line of it), so the order is total: the same lines come out in
 * the same order however the run is partitioned. One string per line, built once, so a comparison allocates nothing.
 */
export function sortKeyOf(caseNumber: string, cii: string, countOrder: string): string {
  return `${caseNumber === '' ? '1' : '0'}${caseNumber}\u0000${cii}\u0000${countOrder}`;
}

export function compareEntries(a: CourtListEntry, b: CourtListEntry): number {
  if (a.sortKey !== b.sortKey) return a.sortKey < b.sortKey ? -1 : 1;
  return a.position - b.position;
}

/**
 * The count number of a CNT_ORDER (cycle 3 + step 3 + count 3 + `000` digits: characters 7-9), without leading
 * zeros, e.g. `101001002000` → `2`; '' when those characters are missing or not digits (dirty data).
 */
export function countNumberOf(countOrder: string): string {
  if (countOrder.length < 9) return '';
  let value = 0;
  for (let i = 6; i < 9; i++) {
    const digit = countOrder.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return '';
    value = value * 10 + digit;
  }
  return String(value);
}

export type CourtLists = Record<CourtListKind, CourtListEntry[]>;

export function emptyCourtLists(): CourtLists {
  return { motions: [], notices: [], referrals: [], undecided: [], review: [] };
}

/** What a court matches a person on, from the person's first row (as the rules take PRI_DOB). */
export interface PersonIdentity {
  /** SUBJECT_ID: with CNT_ORDER, what a conviction id is derived from (never written to a list). */
  subjectId: string;
  cii: string;
  name: string;
  /** PRI_DOB as extracted (YYYYMMDD). */
  dob: string;
}

/** PRI_DOB as MM/DD/YYYY when well-formed; otherwise as extracted, so a court still sees what DOJ sent. */
export function courtDate(dojDate: string): string {
  const day = parseDojDate(dojDate);
  return isMalformed(day) ? dojDate : formatUsDate(day);
}

/** `Count 2: 11359 HS (05/05/1989)`: the count number tells apart two counts of one section on one day. */
function convictionText(conviction: Conviction): string {
  const date = formatUsDate(conviction.day);
  const count = countNumberOf(conviction.countOrder);
  const section = date === '' ? conviction.codeSection.trim() : `${conviction.codeSection.trim()} (${date})`;
  return count === '' ? section : `Count ${count}: ${section}`;
}

/** The distinct courts (STP_ORI_DESCR, trimmed) of a case's convictions, `; `-joined. */
function courtsOf(convictions: readonly Conviction[]): string {
  const courts: string[] = [];
  for (const conviction of convictions) {
    const court = conviction.court.trim();
    if (court !== '' && !courts.includes(court)) courts.push(court);
  }
  return courts.join('; ');
}

function distinctDates(days: readonly DayNumber[]): string {
  const dates: string[] = [];
  for (const day of days) {
    const date = formatUsDate(day);
    if (date !== '' && !dates.includes(date)) dates.push(date);
  }
  return dates.join('; ');
}

/**
 * The id of each evaluated conviction (review/conviction-id.ts); convictions without a CNT_ORDER are told apart by
 * their order among the person's convictions with the same section and date.
 */
export function convictionIds(evaluated: readonly Conviction[], subjectId: string): Map<Conviction, string> {
  const ids = new Map<Conviction, string>();
  let blanks: Map<string, number> | undefined;
  for (const conviction of evaluated) {
    let occurrence = 0;
    if (conviction.missingCountOrder) {
      blanks ??= new Map();
      const key = `${conviction.countOrder}\n${conviction.codeSection.trim()}\n${conviction.day}`;
      occurrence = blanks.get(key) ?? 0;
      blanks.set(key, occurrence + 1);
    }
    ids.set(conviction, convictionId(subjectId, conviction.countOrder, conviction.codeSection, conviction.day, occurrence));
  }
  return ids;
}

function sentenceText(conviction: Conviction, computeAtDay: DayNumber): string {
  return sentenceEnd(conviction) > computeAtDay ? SENTENCE_WORDING.beingServed : SENTENCE_WORDING.completed;
}

/** The list an evaluated conviction belongs on, by its determination: exactly one for every determination. */
export function listOf(determination: string): CourtListKind {
  switch (determination) {
    case DETERMINATION.dismissal:
    case DETERMINATION.reduction:
      return 'motions';
    case DETERMINATION.notEligible:
    case DETERMINATION.handReview:
      return 'notices';
    case DETERMINATION.cityAttorney:
      return 'referrals';
    default:
      return 'undecided';
  }
}

/**
 * The list lines of one person: a motion line per case (cycle+step) holding convictions to dismiss or reduce, and
 * a line per conviction on the notice, referral or undecided list. `evaluated` in input order.
 */
export function personCourtLists(
  evaluated: readonly Conviction[],
  identity: PersonIdentity,
  caseNumbers: ReadonlyMap<string, readonly string[]>,
  county: string,
  computeAtDay: DayNumber,
  into: CourtLists,
  others: PersonOthers = { personId: '', felonies: 0, convictions: 0 },
  register?: RegisterRecord[],
): void {
  const otherFelonies = String(others.felonies);
  const otherConvictions = String(others.convictions);
  const dob = courtDate(identity.dob);
  const wording = computeAtDay > CHALLENGE_DEADLINE ? NOTICE_WORDING.afterDeadline : NOTICE_WORDING.beforeDeadline;
  const dobValid = !isMalformed(parseDojDate(identity.dob));
  const cases = new Map<string, Conviction[]>();
  const ids = convictionIds(evaluated, identity.subjectId);
  const pk = register === undefined ? 0 : personKey(identity.subjectId);
  for (const conviction of evaluated) {
    const determination = conviction.decision?.determination ?? '';
    const kind = listOf(determination);
    const id = ids.get(conviction)!;
    const caseNumber = (caseNumbers.get(conviction.cycleStepKey) ?? []).join('; ');
    const count = countNumberOf(conviction.countOrder);
    const court = conviction.court.trim();
    const sortKey = sortKeyOf(caseNumber, identity.cii, conviction.countOrder);
    const reviewLine = csvLine([
      id, determination === DETERMINATION.handReview ? REVIEW_MARK.required : REVIEW_MARK.optional,
      caseNumber, count, court, identity.cii, identity.name, dob, county,
      formatUsDate(conviction.day), conviction.codeSection.trim(), conviction.isFelony ? OFFENSE_LEVEL.felony : OFFENSE_LEVEL.misdemeanor,
      sentenceText(conviction, computeAtDay), determination, conviction.decision?.reason ?? '', conviction.decision?.rule ?? '',
      others.personId, otherFelonies, otherConvictions,
      '', '', '', '',
    ]);
    into.review.push({ position: conviction.position, sortKey, line: reviewLine });
    if (register !== undefined) {
      register.push({
        id, pk, det: determination, reason: conviction.decision?.reason ?? '', inputs: inputsDigest(reviewLine),
        caseNumber, cii: identity.cii, name: identity.name, dob,
        date: formatUsDate(conviction.day), section: conviction.codeSection.trim(),
      });
    }
    if (kind === 'motions') {
      const list = cases.get(conviction.cycleStepKey);
      if (list === undefined) cases.set(conviction.cycleStepKey, [conviction]);
      else list.push(conviction);
      continue;
    }
    const notice = kind === 'undecided' ? wording.undecided : wording[determination as keyof typeof wording];
    const date = formatUsDate(conviction.day);
    into[kind].push({
      position: conviction.position,
      sortKey,
      line: csvLine([
        caseNumber, count, court, identity.cii, identity.name, dob, county, date, conviction.codeSection.trim(),
        determination, conviction.decision?.reason ?? '', notice, missingText(caseNumber, count !== '', date, dobValid), id,
      ]),
    });
  }
  for (const [cycleStepKey, convictions] of cases) {
    const dismiss = convictions.filter((c) => c.decision!.determination === DETERMINATION.dismissal);
    const reduce = convictions.filter((c) => c.decision!.determination === DETERMINATION.reduction);
    const relief = [dismiss.length > 0 ? RELIEF_WORDING.dismissal : '', reduce.length > 0 ? RELIEF_WORDING.reduction : ''].filter(Boolean);
    const relieved = [...dismiss, ...reduce];
    const sentences = relieved.map((c) => `${convictionText(c)}: ${sentenceText(c, computeAtDay)}`);
    const caseNumber = (caseNumbers.get(cycleStepKey) ?? []).join('; ');
    const dates = distinctDates(convictions.map((c) => c.day));
    const countsKnown = relieved.every((c) => countNumberOf(c.countOrder) !== '');
    into.motions.push({
      position: convictions[0].position,
      sortKey: sortKeyOf(caseNumber, identity.cii, convictions[0].countOrder),
      line: csvLine([
        caseNumber, courtsOf(convictions), identity.cii, identity.name, dob, county,
        dates, dismiss.map(convictionText).join('; '), reduce.map(convictionText).join('; '),
        relief.join('; '), STATUTORY_BASIS, sentences.join('; '), missingText(caseNumber, countsKnown, dates, dobValid), relieved.map((c) => ids.get(c)!).join('; '),
      ]),
    });
  }
}

/** Sorts a partition's entries into list order (`compareEntries`): the sorted run assemble merges. */
export function sortEntries(entries: CourtListEntry[]): CourtListEntry[] {
  return entries.sort(compareEntries);
}

/**
 * The work-area form of a partition's entries, latin-1 like the rows: per entry a header line
 * `<position> <sortKey length> <line length>` LF, then the sort key and the line as they are (lengths in
 * characters, one byte each in latin-1), so nothing is escaped on the way out or parsed on the way back.
 */
export function entryPieces(entries: readonly CourtListEntry[], pieceChars = 1 << 20): Iterable<Buffer> {
  return linePieces(entries, entryText, pieceChars);
}

/** One entry's work-area form without its closing LF (entryPieces). */
export function entryText(entry: CourtListEntry): string {
  return `${entry.position} ${entry.sortKey.length} ${entry.line.length}\n${entry.sortKey}${entry.line}`;
}

const SPACE = 32;
const LF = 10;

/** Reads the work-area form back, entry by entry. */
export async function* readEntries(chunks: AsyncIterable<Buffer>): AsyncGenerator<CourtListEntry> {
  let carry = '';
  for await (const chunk of chunks) {
    const text = carry + chunk.toString('latin1');
    let start = 0;
    for (;;) {
      const headerEnd = text.indexOf('\n', start);
      if (headerEnd < 0) break;
      // Three decimal numbers separated by single spaces (entryPieces); a position is below 2^53.
      let position = 0;
      let keyLength = 0;
      let lineLength = 0;
      let field = 0;
      for (let i = start; i < headerEnd; i++) {
        const digit = text.charCodeAt(i) - 48;
        if (digit >= 0 && digit <= 9) {
          if (field === 0) position = position * 10 + digit;
          else if (field === 1) keyLength = keyLength * 10 + digit;
          else lineLength = lineLength * 10 + digit;
        } else if (digit + 48 === SPACE && field < 2) field++;
        else throw new Error(`court list work file: a malformed entry header ${JSON.stringify(text.slice(start, Math.min(headerEnd, start + 40)))}`);
      }
      if (field !== 2) throw new Error('court list work file: an entry header without its three numbers');
      const keyStart = headerEnd + 1;
      const lineStart = keyStart + keyLength;
      const end = lineStart + lineLength;
      // The entry ends with the LF linePieces puts after it: wait for more when it is not here yet.
      if (end >= text.length) break;
      if (text.charCodeAt(end) !== LF) throw new Error('court list work file: an entry does not end where its header says');
      yield { position, sortKey: text.slice(keyStart, lineStart), line: text.slice(lineStart, end) };
      start = end + 1;
    }
    carry = text.slice(start);
  }
  if (carry !== '') throw new Error(`court list work file ends inside an entry (${carry.length} characters left)`);
}

/** Merges streams each in list order (`compareEntries`) into one stream in list order: a k-way merge on a heap. */
export async function* mergeEntries(sources: ReadonlyArray<AsyncIterable<CourtListEntry>>): AsyncGenerator<CourtListEntry> {
  interface Head {
    entry: CourtListEntry;
    source: number;
    iterator: AsyncIterator<CourtListEntry>;
  }
  const heap: Head[] = [];
  // Ties (equal entries, which one list never holds) go to the lower source index, so the merge is stable.
  const less = (a: Head, b: Head) => {
    const order = compareEntries(a.entry, b.entry);
    return order < 0 || (order === 0 && a.source < b.source);
  };
  const push = (head: Head) => {
    heap.push(head);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  };
  const siftDown = () => {
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      let smallest = i;
      if (left < heap.length && less(heap[left], heap[smallest])) smallest = left;
      if (left + 1 < heap.length && less(heap[left + 1], heap[smallest])) smallest = left + 1;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
      i = smallest;
    }
  };
  for (let source = 0; source < sources.length; source++) {
    const iterator = sources[source][Symbol.asyncIterator]();
    const first = await iterator.next();
    if (!first.done) push({ entry: first.value, source, iterator });
  }
  while (heap.length > 0) {
    const head = heap[0];
    yield head.entry;
    const next = await head.iterator.next();
    if (next.done) {
      const last = heap.pop()!;
      if (heap.length > 0) heap[0] = last;
    } else head.entry = next.value;
    siftDown();
  }
}

/** Work-area keys of a partition's list entries, next to its classified rows. */
export const courtListWorkKeys: Readonly<Record<CourtListKind, (classifiedKey: string) => string>> = Object.freeze({
  motions: (classifiedKey: string) => `${classifiedKey}.court-motions.entries`,
  notices: (classifiedKey: string) => `${classifiedKey}.defender-notices.entries`,
  referrals: (classifiedKey: string) => `${classifiedKey}.city-attorney-referrals.entries`,
  undecided: (classifiedKey: string) => `${classifiedKey}.undecided.entries`,
  review: (classifiedKey: string) => `${classifiedKey}.review.entries`,
});
