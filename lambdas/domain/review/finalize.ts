/**
 * The final lists of a run after review (docs/review.md): every conviction of the review list ends on exactly one
 * of the final court motion (relief), the denials or the pending list, by its latest human decision (later rounds
 * supersede earlier ones per conviction) or, without one, by its automatic determination. The decision record
 * (decisions.jsonl) keeps, per conviction, the automatic determination with its rule and every human decision of
 * every round, so that each line of the motion can be explained later.
 */
import { DETERMINATION } from '../decision';
import { csvSafeLine as csvLine } from '../csv/writer';
import { parseIsoDate } from '../dates';
import { CHALLENGE_DEADLINE, NOTICE_WORDING, RELIEF_WORDING, STATUTORY_BASIS } from '../report/court-lists';
import { DecisionKind, HumanDecision } from './decisions';
import { ReviewItem } from './review-list';

/** An accepted decision file, in the order it was applied. */
export interface DecisionRound {
  /** 1, 2, ... */
  round: number;
  /** The file's name as uploaded. */
  file: string;
  /** SHA-256 (hex) of the file's bytes. */
  sha256: string;
  decisions: readonly HumanDecision[];
}

/** What the decision record cites of the run and of the code that finalised it. */
export interface FinalizeContext {
  runId: string;
  county: string;
  computeAt: string;
  policyName: string;
  /** null for a run whose summary predates policySha256. */
  policySha256: string | null;
  codeVersion: string;
}

export const FINAL_FILES = {
  courtMotions: 'court_motion_list.csv',
  defenderNotices: 'defender_notice_list.csv',
  decisions: 'decisions.jsonl',
} as const;

export const FINAL_MOTION_COLUMNS = [
  'Conviction ID', 'Case Number', 'Count', 'Court', 'CII Number', 'Name', 'Date of Birth', 'County', 'Date of Conviction', 'Code Section',
  'Relief', 'Statutory Basis', 'Sentence', 'Determined By',
] as const;

export const FINAL_NOTICE_COLUMNS = [
  'Conviction ID', 'Case Number', 'Count', 'Court', 'CII Number', 'Name', 'Date of Birth', 'County', 'Date of Conviction', 'Code Section',
  'Status', 'Reason', 'Determined By', 'Eligibility Determination', 'Eligibility Reason', 'Notice',
] as const;

export const FINAL_STATUS = { relief: 'Relief', denied: 'Denied', pending: 'Pending' } as const;
export type FinalStatus = (typeof FINAL_STATUS)[keyof typeof FINAL_STATUS];

export const AUTOMATIC = 'Automatic';

/** Why a conviction without a human decision is pending, by its automatic determination. */
const PENDING_REASON: Readonly<Record<string, string>> = {
  [DETERMINATION.handReview]: 'Awaiting prosecution review',
  [DETERMINATION.cityAttorney]: 'Referred to the city attorney',
  '': 'No determination: awaiting prosecution review',
};

export interface FinalOutcome {
  status: FinalStatus;
  relief: 'dismissal' | 'reduction' | null;
  /** The deciding human decision, with its round; null when the automatic determination stands. */
  decidedBy: (HumanDecision & { round: number }) | null;
  /** Denial or pending reason; '' for relief. */
  reason: string;
}

/** The outcome of one conviction given its decisions, oldest first. */
export function outcomeOf(item: ReviewItem, history: ReadonlyArray<HumanDecision & { round: number }>): FinalOutcome {
  const latest = history.length > 0 ? history[history.length - 1] : null;
  if (latest !== null) return { ...byDecision(latest.decision), decidedBy: latest, reason: latest.decision === 'Dismiss' || latest.decision === 'Reduce' ? '' : latest.reason };
  switch (item.determination) {
    case DETERMINATION.dismissal:
      return { status: FINAL_STATUS.relief, relief: 'dismissal', decidedBy: null, reason: '' };
    case DETERMINATION.reduction:
      return { status: FINAL_STATUS.relief, relief: 'reduction', decidedBy: null, reason: '' };
    case DETERMINATION.notEligible:
      return { status: FINAL_STATUS.denied, relief: null, decidedBy: null, reason: item.reason };
    default:
      return { status: FINAL_STATUS.pending, relief: null, decidedBy: null, reason: PENDING_REASON[item.determination] ?? PENDING_REASON[''] };
  }
}

function byDecision(decision: DecisionKind): Pick<FinalOutcome, 'status' | 'relief'> {
  switch (decision) {
    case 'Dismiss':
      return { status: FINAL_STATUS.relief, relief: 'dismissal' };
    case 'Reduce':
      return { status: FINAL_STATUS.relief, relief: 'reduction' };
    case 'Deny':
      return { status: FINAL_STATUS.denied, relief: null };
    case 'Defer':
      return { status: FINAL_STATUS.pending, relief: null };
  }
}

/** Counts without personal data: for the review report, the ledger and logs. */
export interface ReviewCounts {
  convictions: number;
  relief: number;
  denied: number;
  pending: number;
  /** Convictions with at least one human decision. */
  decided: number;
  /** Human decisions that changed the automatic outcome, by direction. */
  overrides: { reliefToDenied: number; reliefToPending: number; deniedToRelief: number; deniedToPending: number; reliefChanged: number };
  /** Automatic determination → final status → convictions. */
  byDetermination: Record<string, Record<string, number>>;
  /** Automatic determination → convictions with a human decision. */
  decidedByDetermination: Record<string, number>;
  /** Why convictions are pending (fixed wording: a reviewer's deferral, or why the automatic result awaits review). */
  pendingByReason: Record<string, number>;
  /** Why convictions are denied: DENIED_BY_REVIEWER, or the rule id of the automatic Not eligible. */
  deniedByReason: Record<string, number>;
  /**
   * People left with no felony / no conviction on the final decisions (the run's summary definitions), and the
   * same on the automatic determinations alone; null when the review list has no person columns.
   */
  impact: { peopleNoFelony: number; peopleNoConviction: number; automatic: { peopleNoFelony: number; peopleNoConviction: number } } | null;
}

export const DEFERRED_BY_REVIEWER = 'Deferred by a reviewer';
export const DENIED_BY_REVIEWER = 'Denied by a reviewer';

/** One person's tally for the final impact. */
interface PersonTally {
  felonies: number;
  convictions: number;
  feloniesRelieved: number;
  dismissed: number;
  automaticFeloniesRelieved: number;
  automaticDismissed: number;
}

export interface FinalLists {
  /** CSV text of each final file, header first, lines ending LF. */
  courtMotions: string;
  defenderNotices: string;
  decisions: string;
  counts: ReviewCounts;
}

/** The final lists of the review list `items` after `rounds` (in applied order). */
export function finalize(items: readonly ReviewItem[], rounds: readonly DecisionRound[], context: FinalizeContext): FinalLists {
  const histories = new Map<string, (HumanDecision & { round: number; file: string; fileSha256: string })[]>();
  for (const round of rounds) {
    for (const decision of round.decisions) {
      const entry = { ...decision, round: round.round, file: round.file, fileSha256: round.sha256 };
      const history = histories.get(decision.id);
      if (history === undefined) histories.set(decision.id, [entry]);
      else history.push(entry);
    }
  }
  const motions: string[] = [csvLine(FINAL_MOTION_COLUMNS)];
  const notices: string[] = [csvLine(FINAL_NOTICE_COLUMNS)];
  const records: string[] = [];
  const counts: ReviewCounts = {
    convictions: 0, relief: 0, denied: 0, pending: 0, decided: 0,
    overrides: { reliefToDenied: 0, reliefToPending: 0, deniedToRelief: 0, deniedToPending: 0, reliefChanged: 0 },
    byDetermination: {}, decidedByDetermination: {}, pendingByReason: {}, deniedByReason: {}, impact: null,
  };
  const people: Map<string, PersonTally> | null = items.every((item) => item.person !== null && item.person.id !== '') ? new Map() : null;
  // Worded as the run's lists are: before or after the challenge deadline, by compute-at.
  const wording = parseIsoDate(context.computeAt) > CHALLENGE_DEADLINE ? NOTICE_WORDING.afterDeadline : NOTICE_WORDING.beforeDeadline;
  for (const item of items) {
    const history = histories.get(item.id) ?? [];
    const outcome = outcomeOf(item, history);
    const automatic = outcomeOf(item, []);
    const determinedBy = outcome.decidedBy === null ? AUTOMATIC : `${outcome.decidedBy.reviewer} (${outcome.decidedBy.date}, round ${outcome.decidedBy.round})`;
    const person = [item.id, item.caseNumber, item.count, item.court, item.cii, item.name, item.dob, item.county, item.date, item.codeSection];
    counts.convictions++;
    const determinationKey = item.determination || '(none)';
    if (history.length > 0) {
      counts.decided++;
      counts.decidedByDetermination[determinationKey] = (counts.decidedByDetermination[determinationKey] ?? 0) + 1;
    }
    const byStatus = (counts.byDetermination[determinationKey] ??= {});
    byStatus[outcome.status] = (byStatus[outcome.status] ?? 0) + 1;
    if (outcome.status === FINAL_STATUS.pending) {
      const why = outcome.decidedBy === null ? outcome.reason : DEFERRED_BY_REVIEWER;
      counts.pendingByReason[why] = (counts.pendingByReason[why] ?? 0) + 1;
    } else if (outcome.status === FINAL_STATUS.denied) {
      const why = outcome.decidedBy === null ? item.rule || '(none)' : DENIED_BY_REVIEWER;
      counts.deniedByReason[why] = (counts.deniedByReason[why] ?? 0) + 1;
    }
    if (people !== null) tallyPerson(people, item, outcome, automatic);
    if (outcome.status === FINAL_STATUS.relief) {
      counts.relief++;
      const relief = outcome.relief === 'dismissal' ? RELIEF_WORDING.dismissal : RELIEF_WORDING.reduction;
      motions.push(csvLine([...person, relief, STATUTORY_BASIS, item.sentence, determinedBy]));
    } else {
      if (outcome.status === FINAL_STATUS.denied) counts.denied++;
      else counts.pending++;
      const notice = outcome.status === FINAL_STATUS.denied ? wording[DETERMINATION.notEligible] : wording[DETERMINATION.handReview];
      notices.push(csvLine([...person, outcome.status, outcome.reason, determinedBy, item.determination, item.reason, notice]));
    }
    if (outcome.decidedBy !== null) countOverride(counts, automatic, outcome);
    records.push(
      JSON.stringify({
        convictionId: item.id,
        runId: context.runId,
        county: context.county,
        review: item.review,
        automatic: { determination: item.determination, reason: item.reason, rule: item.rule },
        policy: { name: context.policyName, sha256: context.policySha256 },
        computeAt: context.computeAt,
        codeVersion: context.codeVersion,
        decisions: history.map((d) => ({
          round: d.round, file: d.file, fileSha256: d.fileSha256, line: d.line, decision: d.decision, reason: d.reason, reviewer: d.reviewer, date: d.date,
        })),
        final: { status: outcome.status, relief: outcome.relief, determinedBy: outcome.decidedBy === null ? 'automatic' : 'reviewer', reason: outcome.reason },
      }),
    );
  }
  if (people !== null) counts.impact = impactOf(people);
  return {
    courtMotions: `${motions.join('\n')}\n`,
    defenderNotices: `${notices.join('\n')}\n`,
    decisions: records.length === 0 ? '' : `${records.join('\n')}\n`,
    counts,
  };
}

function tallyPerson(people: Map<string, PersonTally>, item: ReviewItem, outcome: FinalOutcome, automatic: FinalOutcome): void {
  const person = item.person!;
  let tally = people.get(person.id);
  if (tally === undefined) {
    // Convictions off the review list are never relieved: they count as felonies and convictions left.
    tally = {
      felonies: person.otherFelonies, convictions: person.otherConvictions,
      feloniesRelieved: 0, dismissed: 0, automaticFeloniesRelieved: 0, automaticDismissed: 0,
    };
    people.set(person.id, tally);
  }
  tally.convictions++;
  if (item.felony) {
    tally.felonies++;
    if (outcome.status === FINAL_STATUS.relief) tally.feloniesRelieved++;
    if (automatic.status === FINAL_STATUS.relief) tally.automaticFeloniesRelieved++;
  }
  if (outcome.relief === 'dismissal') tally.dismissed++;
  if (automatic.relief === 'dismissal') tally.automaticDismissed++;
}

/** The run summary's person-level relief (classify.ts addRelief): no felony left, no conviction left. */
function impactOf(people: ReadonlyMap<string, PersonTally>): NonNullable<ReviewCounts['impact']> {
  const impact = { peopleNoFelony: 0, peopleNoConviction: 0, automatic: { peopleNoFelony: 0, peopleNoConviction: 0 } };
  for (const t of people.values()) {
    if (t.felonies > 0 && t.feloniesRelieved === t.felonies) impact.peopleNoFelony++;
    if (t.convictions > 0 && t.dismissed === t.convictions) impact.peopleNoConviction++;
    if (t.felonies > 0 && t.automaticFeloniesRelieved === t.felonies) impact.automatic.peopleNoFelony++;
    if (t.convictions > 0 && t.automaticDismissed === t.convictions) impact.automatic.peopleNoConviction++;
  }
  return impact;
}

function countOverride(counts: ReviewCounts, automatic: FinalOutcome, final: FinalOutcome): void {
  const o = counts.overrides;
  if (automatic.status === FINAL_STATUS.relief) {
    if (final.status === FINAL_STATUS.denied) o.reliefToDenied++;
    else if (final.status === FINAL_STATUS.pending) o.reliefToPending++;
    else if (final.relief !== automatic.relief) o.reliefChanged++;
  } else if (automatic.status === FINAL_STATUS.denied) {
    if (final.status === FINAL_STATUS.relief) o.deniedToRelief++;
    else if (final.status === FINAL_STATUS.pending) o.deniedToPending++;
  }
}
