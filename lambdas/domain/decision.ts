/**
 * The vocabulary of a conviction's decision: determinations, the rules that reach them, and the decision itself.
 * Apart from rules.ts (which decides) so that the people model (person.ts) can hold a decision without importing
 * the rules.
 */

export const DETERMINATION = {
  dismissal: 'Eligible for Dismissal',
  reduction: 'Eligible for Reduction',
  notEligible: 'Not eligible',
  handReview: 'Hand Review',
  cityAttorney: 'To be reviewed by City Attorney',
} as const;
export type Determination = (typeof DETERMINATION)[keyof typeof DETERMINATION];

/** The steps a flow is made of (RULES): each either decides a conviction or passes it on. */
export type StepId =
  | 'incompleteRecord'
  | 'missingCountOrder'
  | 'malformedConvictionDate'
  | 'relatedConviction'
  | 'misdemeanor'
  | 'afterEffectiveDate'
  | 'superstrike'
  | 'pc290'
  | 'pc290Registration'
  | 'twoPriors'
  | 'servingSentence'
  | 'servingSentenceAnyConviction'
  | 'dismissSection'
  | 'handReviewSection'
  | 'malformedBirthDate'
  | 'under21'
  | 'under21OnComputeDate'
  | 'ageThreshold'
  | 'yearsSinceConviction'
  | 'yearsCrimeFree'
  | 'yearsCrimeFreeLosAngeles'
  | 'onlyProp64'
  | 'onlyProp64CompletedSentences'
  | 'deceased'
  | 'reduceSection'
  | 'otherwise';

/** The rule that decided a conviction: a step, or a check inside one (a malformed date met by it), or none. */
export type RuleId = StepId | 'malformedOtherConvictionDate' | 'noRule';

export interface Decision {
  determination: Determination | '';
  /** The Eligibility Reason column: may carry evidence (a disqualifying section and its date). */
  reason: string;
  /** The reason without case-specific evidence, for statistics and reports. */
  reasonKey: string;
  rule: RuleId;
}
