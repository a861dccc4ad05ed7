/**
 * The comparison of a run with its county's register (docs/monthly.md), one partition at a time: every conviction
 * of either side once, with what changed, and the reviewers' decisions carried forward when the conviction's inputs
 * are those it was decided on.
 */
import { DETERMINATION } from '../decision';
import { RegisterFormatError } from '../errors';
import { CarriedDecision, RegisterRecord } from './record';

export const CHANGE_KINDS = ['new', 'newly eligible', 'no longer eligible', 'determination changed', 'unchanged', 'gone from the extract'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** What the review does with a conviction of the current run given its earlier decision. */
export const REVIEW_CARRY = {
  /** Decided earlier, inputs unchanged: keeps its decision, off the review list. */
  carried: 'decision carried forward',
  /** Decided earlier, inputs changed: back on the review list, Required. */
  changed: 'changed since decided',
} as const;
export type ReviewCarry = (typeof REVIEW_CARRY)[keyof typeof REVIEW_CARRY] | '';

export interface ComparisonEntry {
  id: string;
  change: ChangeKind;
  previous?: RegisterRecord;
  current?: RegisterRecord;
  review: ReviewCarry;
}

export interface ComparisonCounts {
  changes: Record<ChangeKind, number>;
  decisionsCarried: number;
  changedSinceDecided: number;
}

export function emptyComparisonCounts(): ComparisonCounts {
  const changes = {} as Record<ChangeKind, number>;
  for (const kind of CHANGE_KINDS) changes[kind] = 0;
  return { changes, decisionsCarried: 0, changedSinceDecided: 0 };
}

export function addComparisonCounts(into: ComparisonCounts, counts: ComparisonCounts): ComparisonCounts {
  for (const kind of CHANGE_KINDS) into.changes[kind] += counts.changes[kind];
  into.decisionsCarried += counts.decisionsCarried;
  into.changedSinceDecided += counts.changedSinceDecided;
  return into;
}

/** Eligible means on the motion: dismissal or reduction. */
export function isEligible(determination: string): boolean {
  return determination === DETERMINATION.dismissal || determination === DETERMINATION.reduction;
}

/** The change between two determinations of the same conviction. */
export function changeOf(previous: string, current: string): ChangeKind {
  if (previous === current) return 'unchanged';
  const before = isEligible(previous);
  const after = isEligible(current);
  if (!before && after) return 'newly eligible';
  if (before && !after) return 'no longer eligible';
  return 'determination changed';
}

/** A decision as the previous run's decision record holds it (the inputs are its register record's). */
export type ReviewedDecision = Omit<CarriedDecision, 'inputs'>;

export interface PartitionComparison {
  /** The current convictions in their order, then those gone from the extract in the register's order. */
  entries: ComparisonEntry[];
  /** The current run's records for its register: a carried decision kept, a changed one dropped. */
  register: RegisterRecord[];
  counts: ComparisonCounts;
}

/**
 * Compares one partition. `previous`: the register's records of the partition's people; `current`: the run's
 * records (no decision yet); `decisions`: the latest decision of each conviction recorded in the previous run's
 * review (it supersedes the decision its register carried). A Defer decides nothing and is not carried.
 */
export function comparePartition(
  previous: Iterable<RegisterRecord>,
  current: readonly RegisterRecord[],
  decisions: ReadonlyMap<string, ReviewedDecision> = new Map(),
): PartitionComparison {
  const counts = emptyComparisonCounts();
  const index = new Map<string, number>();
  for (let i = 0; i < current.length; i++) {
    if (index.has(current[i].id)) throw new RegisterFormatError(`conviction ${current[i].id} twice in one partition of the run`);
    index.set(current[i].id, i);
  }
  const matched: Array<RegisterRecord | undefined> = new Array<RegisterRecord | undefined>(current.length);
  const gone: ComparisonEntry[] = [];
  const seen = new Set<string>();
  for (const record of previous) {
    if (seen.has(record.id)) throw new RegisterFormatError(`conviction ${record.id} twice in the register`);
    seen.add(record.id);
    const at = index.get(record.id);
    if (at === undefined) gone.push({ id: record.id, change: 'gone from the extract', previous: record, review: '' });
    else matched[at] = record;
  }
  const entries: ComparisonEntry[] = [];
  const register: RegisterRecord[] = [];
  for (let i = 0; i < current.length; i++) {
    const record = current[i];
    const before = matched[i];
    if (before === undefined) {
      entries.push({ id: record.id, change: 'new', current: record, review: '' });
      register.push(record);
      counts.changes.new++;
      continue;
    }
    const change = changeOf(before.det, record.det);
    counts.changes[change]++;
    // A decision of the previous run's review was made on that run's inputs, which its register records.
    const reviewed = decisions.get(record.id);
    const decision: CarriedDecision | undefined = reviewed === undefined ? before.decision : { ...reviewed, inputs: before.inputs };
    let review: ReviewCarry = '';
    if (decision !== undefined && decision.decision !== 'Defer') {
      if (decision.inputs === record.inputs) {
        review = REVIEW_CARRY.carried;
        counts.decisionsCarried++;
        register.push({ ...record, decision });
      } else {
        review = REVIEW_CARRY.changed;
        counts.changedSinceDecided++;
        register.push(record);
      }
    } else register.push(record);
    entries.push({ id: record.id, change, previous: before, current: record, review });
  }
  counts.changes['gone from the extract'] += gone.length;
  for (const entry of gone) entries.push(entry);
  return { entries, register, counts };
}

/** changes.csv: one line per conviction whose determination is not unchanged (and every one gone or new). */
export const CHANGES_COLUMNS = [
  'Conviction ID', 'Change', 'Previous Determination', 'Current Determination', 'Current Reason', 'Case Number', 'CII Number', 'Name',
  'Date of Birth', 'Date of Conviction', 'Code Section', 'Review',
] as const;

/** The changes.csv fields of an entry (identifying columns from the current run, or the register for one gone). */
export function changeFields(entry: ComparisonEntry): string[] {
  const who = entry.current ?? entry.previous!;
  return [
    entry.id, entry.change, entry.previous?.det ?? '', entry.current?.det ?? '', entry.current?.reason ?? '', who.caseNumber, who.cii, who.name,
    who.dob, who.date, who.section, entry.review,
  ];
}

/** summary.json's `sinceLastRun` (counts only, no personal data). */
export interface SinceLastRun {
  /** The run compared with; null when there was none (`note` says why). */
  previousRunId: string | null;
  note?: string;
  previousComputeAt?: string;
  previousPolicyName?: string;
  /** The policy differs from the previous run's (by its SHA-256): changes may come from the policy, not the extract. */
  policyChanged?: boolean;
  changes?: Record<ChangeKind, number>;
  decisionsCarried?: number;
  changedSinceDecided?: number;
}
