/**
 * The eligibility rules as a table (eligibility.md, "Rules, first match wins"), plus our deliberate
 * deviations and extensions. Each decision carries the id of the rule that fired, so every output can
 * say why, and statistics group by a reason that holds no case-specific evidence.
 */
import { addYears, DayNumber, formatIsoDate, isMalformed, PROP64_EFFECTIVE_DAY } from './dates';
import { Conviction, Person, PersonFacts } from './person';
import { DisqualifierHandling, Policy, SectionEntry } from './policy';
import { PROP64_SECTIONS, subsection11357 } from './sections';

export const DETERMINATION = {
  dismissal: 'Eligible for Dismissal',
  reduction: 'Eligible for Reduction',
  notEligible: 'Not eligible',
  handReview: 'Hand Review',
  cityAttorney: 'To be reviewed by City Attorney',
} as const;
export type Determination = (typeof DETERMINATION)[keyof typeof DETERMINATION];

export type RuleId =
  | 'incompleteRecord'
  | 'malformedConvictionDate'
  | 'missingCountOrder'
  | 'misdemeanor'
  | 'afterEffectiveDate'
  | 'superstrike'
  | 'pc290'
  | 'twoPriors'
  | 'dismissSection'
  | 'handReviewSection'
  | 'under21'
  | 'ageThreshold'
  | 'yearsSinceConviction'
  | 'yearsCrimeFree'
  | 'onlyProp64'
  | 'deceased'
  | 'reduceSection'
  | 'malformedBirthDate'
  | 'malformedOtherConvictionDate'
  | 'otherwise'
  | 'noRule';

export interface Decision {
  determination: Determination | '';
  /** The Eligibility Reason column: may carry evidence (a disqualifying section and its date). */
  reason: string;
  /** The reason without case-specific evidence, for statistics and reports. */
  reasonKey: string;
  rule: RuleId;
}

export interface EvaluationContext {
  county: string;
  computeAtDay: DayNumber;
}

function decision(determination: Determination | '', reason: string, rule: RuleId, reasonKey = reason): Decision {
  return { determination, reason, reasonKey, rule };
}

const NO_DECISION = decision('', '', 'noRule');

function matchingEntry(entries: readonly SectionEntry[], conviction: Conviction): SectionEntry | undefined {
  for (const entry of entries) {
    if (entry.sectionIndex !== conviction.prop64) continue;
    if (entry.subdivision === '' || subsection11357(conviction.codeSection) === entry.subdivision) return entry;
  }
  return undefined;
}

function disqualified(handling: DisqualifierHandling, reason: string, reasonKey: string, rule: RuleId): Decision | null {
  if (handling === 'ignore') return null;
  return decision(handling === 'notEligible' ? DETERMINATION.notEligible : DETERMINATION.handReview, reason, rule, reasonKey);
}

/** A prior conviction of the person (strictly earlier date) matching `test`; undated ones are reported apart. */
function findPrior(
  person: Person,
  conviction: Conviction,
  test: (other: Conviction) => boolean,
): { prior?: Conviction; undated?: Conviction } {
  let undated: Conviction | undefined;
  for (const other of person.convictions) {
    if (other === conviction || !test(other)) continue;
    if (isMalformed(other.day)) undated ??= other;
    else if (other.day < conviction.day) return { prior: other };
  }
  return { undated };
}

function evidence(other: Conviction): string {
  return `${other.codeSection.trim()} on ${formatIsoDate(other.day)}`;
}

/** Disqualifiers (extension): only for felonies, only when the disqualifying conviction precedes this one. */
function checkDisqualifiers(conviction: Conviction, person: Person, policy: Policy): Decision | null {
  const rules = policy.disqualifiers;
  if (conviction.day > PROP64_EFFECTIVE_DAY) {
    const found = disqualified(rules.afterEffectiveDate, 'Occurred after 11/9/2016', 'Occurred after 11/9/2016', 'afterEffectiveDate');
    if (found) return found;
  }
  const kinds: Array<[DisqualifierHandling, RuleId, string, (other: Conviction) => boolean]> = [
    [rules.superstrike, 'superstrike', 'Prior superstrike', (other) => other.superstrike],
    [rules.pc290, 'pc290', 'Prior PC 290 offense', (other) => other.pc290],
  ];
  for (const [handling, rule, label, test] of kinds) {
    if (handling === 'ignore') continue;
    const { prior, undated } = findPrior(person, conviction, test);
    if (prior) return disqualified(handling, `${label}: ${evidence(prior)}`, label, rule);
    if (undated) {
      const reason = `${label} with a malformed STP_EVENT_DATE`;
      return decision(DETERMINATION.handReview, `${reason}: ${undated.codeSection.trim()}`, rule, reason);
    }
  }
  if (rules.twoPriors !== 'ignore') {
    const priors: Conviction[] = [];
    for (const other of person.convictions) {
      if (other !== conviction && other.prop64 === conviction.prop64 && other.day < conviction.day) priors.push(other);
    }
    if (priors.length >= 2) {
      const section = PROP64_SECTIONS[conviction.prop64];
      const label = `Two prior HS ${section} convictions`;
      return disqualified(rules.twoPriors, `${label}: ${priors.map((p) => formatIsoDate(p.day)).join(', ')}`, 'Two prior same-section convictions', 'twoPriors');
    }
  }
  return null;
}

/**
 * Decides one evaluated conviction (in the run's county, with a Prop 64 section). First match wins:
 * the order of eligibility.md, with our checks for incomplete records and malformed dates first.
 */
export function decide(conviction: Conviction, person: Person, facts: PersonFacts, policy: Policy, context: EvaluationContext): Decision {
  if (person.rejectedRows > 0) {
    return decision(DETERMINATION.handReview, `Incomplete record: ${person.rejectedRows} rejected rows`, 'incompleteRecord', 'Incomplete record');
  }
  if (conviction.missingCountOrder) {
    return decision(DETERMINATION.handReview, 'Missing CNT_ORDER: the count cannot be identified', 'missingCountOrder');
  }
  if (isMalformed(conviction.day)) {
    return decision(DETERMINATION.handReview, 'Malformed date in STP_EVENT_DATE', 'malformedConvictionDate');
  }
  if (!conviction.isFelony) {
    return policy.misdemeanors === 'dismiss'
      ? decision(DETERMINATION.dismissal, 'Misdemeanor or Infraction', 'misdemeanor')
      : decision(DETERMINATION.cityAttorney, 'Misdemeanor or Infraction', 'misdemeanor');
  }
  const disqualification = checkDisqualifiers(conviction, person, policy);
  if (disqualification) return disqualification;

  const dismissEntry = matchingEntry(policy.dismiss, conviction);
  if (dismissEntry) return decision(DETERMINATION.dismissal, `Dismiss all HS ${dismissEntry.text} convictions`, 'dismissSection');
  const reviewEntry = matchingEntry(policy.handReview, conviction);
  if (reviewEntry) return decision(DETERMINATION.handReview, `Hand review all HS ${reviewEntry.text} convictions`, 'handReviewSection');

  const computeAt = context.computeAtDay;
  const needsBirthDate = policy.subjectUnder21AtConviction || policy.subjectAgeThreshold > 0;
  if (needsBirthDate && isMalformed(person.dob)) {
    return decision(DETERMINATION.handReview, 'Malformed date in PRI_DOB', 'malformedBirthDate');
  }
  if (policy.subjectUnder21AtConviction && addYears(person.dob, 21) > conviction.day) {
    return decision(DETERMINATION.dismissal, '21 years or younger', 'under21');
  }
  const age = policy.subjectAgeThreshold;
  if (age > 0 && addYears(person.dob, age) <= computeAt) {
    return decision(DETERMINATION.dismissal, `${age} years or older`, 'ageThreshold');
  }
  const yearsSince = policy.yearsSinceConvictionThreshold;
  if (yearsSince > 0 && addYears(conviction.day, yearsSince) <= computeAt) {
    return decision(DETERMINATION.dismissal, `Conviction occurred ${yearsSince} or more years ago`, 'yearsSinceConviction');
  }
  const crimeFree = policy.yearsCrimeFreeThreshold;
  if (crimeFree > 0) {
    if (facts.hasMalformedConvictionDate) {
      return decision(DETERMINATION.handReview, 'Malformed date in STP_EVENT_DATE of another conviction', 'malformedOtherConvictionDate');
    }
    if (addYears(facts.latestDay, crimeFree) < computeAt) {
      return decision(DETERMINATION.dismissal, `No convictions in the past ${crimeFree} years`, 'yearsCrimeFree');
    }
  }
  if (policy.subjectHasOnlyProp64Charges && person.convictions.length === facts.prop64Count) {
    return decision(DETERMINATION.dismissal, 'Only has 11357-60 charges', 'onlyProp64');
  }
  if (policy.subjectIsDeceased && person.deceased) {
    return decision(DETERMINATION.dismissal, 'Individual is deceased', 'deceased');
  }
  const reduceEntry = matchingEntry(policy.reduce, conviction);
  if (reduceEntry) return decision(DETERMINATION.reduction, `Reduce all HS ${reduceEntry.text} convictions`, 'reduceSection');
  if (policy.otherwise === 'handReview') return decision(DETERMINATION.handReview, 'No relief rule applies', 'otherwise');
  return NO_DECISION;
}

/** Dismissal or reduction: the person gets relief for this conviction. */
export function isRelief(determination: string): boolean {
  return determination === DETERMINATION.dismissal || determination === DETERMINATION.reduction;
}
