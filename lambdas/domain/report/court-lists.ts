/**
 * The lists of H&S 11361.9 (results/, personal data by design). Every evaluated conviction is on exactly one:
 * `court_motion_list.csv`, one line per court case with the convictions to dismiss or reduce, for the bulk
 * motion; `defender_notice_list.csv`, one line per conviction found not eligible (challenged) or sent to hand
 * review (pending), for the public defender's notice; `city_attorney_referral_list.csv`, one line per
 * misdemeanor routed to a city attorney; `undecided_list.csv`, one line per conviction no rule decided, which the
 * court relieves unless the prosecution challenges it. `review_list.csv` lists every evaluated conviction once more,
 * for the prosecutor's review (docs/review.md): the Hand Review ones as `Required`, the others as `Optional`, with
 * empty decision columns. Every line names its convictions by conviction id (review/conviction-id.ts). The wording depends on whether compute-at is after the
 * challenge deadline (2020-07-01). Each classify partition builds its lines (a person's cases all live in one
 * partition); assemble merges the partitions by the input position of each line's first conviction.
 */
import { DETERMINATION } from '../decision';
import { csvSafeLine as csvLine } from '../csv/writer';
import { DayNumber, dayFromCivil, formatUsDate, isMalformed, parseDojDate } from '../dates';
import { Conviction } from '../person';
import { convictionId } from '../review/conviction-id';
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
  'Case Number', 'CII Number', 'Name', 'Date of Birth', 'County', 'Date of Conviction',
  'Convictions to Dismiss', 'Convictions to Reduce', 'Relief', 'Statutory Basis', 'Sentence', 'Missing', 'Conviction IDs',
] as const;

/** The columns of the defender notice, city attorney referral and undecided lists: one line per conviction. */
export const DEFENDER_NOTICE_COLUMNS = [
  'Case Number', 'CII Number', 'Name', 'Date of Birth', 'County', 'Date of Conviction', 'Code Section',
  'Eligibility Determination', 'Eligibility Reason', 'Notice', 'Missing', 'Conviction ID',
] as const;

/** What the `Missing` column names: the fields a court matches on that the line lacks. */
export const MISSING = {
  caseNumber: 'case number',
  convictionDate: 'date of conviction',
  birthDate: 'valid date of birth',
} as const;

function missingText(caseNumber: string, convictionDates: string, birthDateValid: boolean): string {
  const missing: string[] = [];
  if (caseNumber === '') missing.push(MISSING.caseNumber);
  if (convictionDates === '') missing.push(MISSING.convictionDate);
  if (!birthDateValid) missing.push(MISSING.birthDate);
  return missing.join('; ');
}

/** The Review column of the review list: whether the conviction needs a decision or only may get one. */
export const REVIEW_MARK = { required: 'Required', optional: 'Optional' } as const;

export const OFFENSE_LEVEL = { felony: 'Felony', misdemeanor: 'Misdemeanor' } as const;

/**
 * The columns of the review list: the conviction, its automatic determination and the rule that made it, then
 * the decision columns a reviewer fills in (empty here; the same names as in a decision file, review/decisions.ts).
 */
export const REVIEW_LIST_COLUMNS = [
  'Conviction ID', 'Review', 'Case Number', 'CII Number', 'Name', 'Date of Birth', 'County', 'Date of Conviction',
  'Code Section', 'Offense Level', 'Sentence', 'Eligibility Determination', 'Eligibility Reason', 'Rule',
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

/** One line of a list and the input position that orders it (its first conviction's row). */
export interface CourtListEntry {
  position: number;
  /** The CSV line, without line end. */
  line: string;
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

function convictionText(conviction: Conviction): string {
  const date = formatUsDate(conviction.day);
  return date === '' ? conviction.codeSection.trim() : `${conviction.codeSection.trim()} (${date})`;
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
): void {
  const dob = courtDate(identity.dob);
  const wording = computeAtDay > CHALLENGE_DEADLINE ? NOTICE_WORDING.afterDeadline : NOTICE_WORDING.beforeDeadline;
  const dobValid = !isMalformed(parseDojDate(identity.dob));
  const cases = new Map<string, Conviction[]>();
  const ids = convictionIds(evaluated, identity.subjectId);
  for (const conviction of evaluated) {
    const determination = conviction.decision?.determination ?? '';
    const kind = listOf(determination);
    const id = ids.get(conviction)!;
    into.review.push({
      position: conviction.position,
      line: csvLine([
        id, determination === DETERMINATION.handReview ? REVIEW_MARK.required : REVIEW_MARK.optional,
        (caseNumbers.get(conviction.cycleStepKey) ?? []).join('; '), identity.cii, identity.name, dob, county,
        formatUsDate(conviction.day), conviction.codeSection.trim(), conviction.isFelony ? OFFENSE_LEVEL.felony : OFFENSE_LEVEL.misdemeanor,
        sentenceText(conviction, computeAtDay), determination, conviction.decision?.reason ?? '', conviction.decision?.rule ?? '',
        '', '', '', '',
      ]),
    });
    if (kind === 'motions') {
      const list = cases.get(conviction.cycleStepKey);
      if (list === undefined) cases.set(conviction.cycleStepKey, [conviction]);
      else list.push(conviction);
      continue;
    }
    const caseNumber = (caseNumbers.get(conviction.cycleStepKey) ?? []).join('; ');
    const notice = kind === 'undecided' ? wording.undecided : wording[determination as keyof typeof wording];
    const date = formatUsDate(conviction.day);
    into[kind].push({
      position: conviction.position,
      line: csvLine([
        caseNumber, identity.cii, identity.name, dob, county, date, conviction.codeSection.trim(),
        determination, conviction.decision?.reason ?? '', notice, missingText(caseNumber, date, dobValid), id,
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
    into.motions.push({
      position: convictions[0].position,
      line: csvLine([
        caseNumber, identity.cii, identity.name, dob, county,
        dates, dismiss.map(convictionText).join('; '), reduce.map(convictionText).join('; '),
        relief.join('; '), STATUTORY_BASIS, sentences.join('; '), missingText(caseNumber, dates, dobValid), relieved.map((c) => ids.get(c)!).join('; '),
      ]),
    });
  }
}

/** Sorts a partition's entries by position (people are decided in map order, not input order). */
export function sortEntries(entries: CourtListEntry[]): CourtListEntry[] {
  return entries.sort((a, b) => a.position - b.position);
}

/** The work-area form of a partition's entries: one JSON `[position, line]` per line, latin-1 like the rows. */
export function* entryPieces(entries: readonly CourtListEntry[], pieceChars = 1 << 20, offsets?: SliceMarks): Iterable<Buffer> {
  let parts: string[] = [];
  let length = 0;
  let written = 0;
  for (const entry of entries) {
    const text = `${JSON.stringify([entry.position, entry.line])}\n`;
    offsets?.mark(entry.position, written + length);
    parts.push(text);
    length += text.length;
    if (length >= pieceChars) {
      yield Buffer.from(parts.join(''), 'latin1');
      parts = [];
      written += length;
      length = 0;
    }
  }
  if (parts.length > 0) yield Buffer.from(parts.join(''), 'latin1');
  offsets?.finish(written + length);
}

/** Where output slices begin in a stream of position-ordered records (output-slices.ts, SliceOffsets). */
export interface SliceMarks {
  mark(position: number, offset: number): void;
  finish(size: number): void;
}

/** Reads the work-area form back, entry by entry. */
export async function* readEntries(chunks: AsyncIterable<Buffer>): AsyncGenerator<CourtListEntry> {
  let carry = '';
  for await (const chunk of chunks) {
    const text = carry + chunk.toString('latin1');
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      const [position, line] = JSON.parse(text.slice(start, end)) as [number, string];
      yield { position, line };
      start = end + 1;
    }
    carry = text.slice(start);
  }
  if (carry !== '') throw new Error(`court list work file ends inside an entry (${carry.length} characters left)`);
}

/** Merges position-sorted entry streams into one position-sorted stream (ties: lower source index first). */
export async function* mergeByPosition(sources: ReadonlyArray<AsyncIterable<CourtListEntry>>): AsyncGenerator<CourtListEntry> {
  interface Head {
    entry: CourtListEntry;
    source: number;
    iterator: AsyncIterator<CourtListEntry>;
  }
  const heap: Head[] = [];
  const less = (a: Head, b: Head) => a.entry.position < b.entry.position || (a.entry.position === b.entry.position && a.source < b.source);
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
  motions: (classifiedKey: string) => `${classifiedKey}.court-motions.jsonl`,
  notices: (classifiedKey: string) => `${classifiedKey}.defender-notices.jsonl`,
  referrals: (classifiedKey: string) => `${classifiedKey}.city-attorney-referrals.jsonl`,
  undecided: (classifiedKey: string) => `${classifiedKey}.undecided.jsonl`,
  review: (classifiedKey: string) => `${classifiedKey}.review.jsonl`,
});
