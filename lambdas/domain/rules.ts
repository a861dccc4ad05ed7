/**
 * The eligibility rules as a table (eligibility.md, "Rules, first match wins"), plus our deliberate
 * deviations and extensions. Each decision carries the id of the rule that fired, so every output can
 * say why, and statistics group by a reason that holds no case-specific evidence.
 */
import { addYears, DayNumber, formatIsoDate, isMalformed, PROP64_EFFECTIVE_DAY } from './dates';
import { Decision, Determination, DETERMINATION, RuleId, StepId } from './decision';
import { Conviction, Person, PersonFacts } from './person';
import { DisqualifierHandling, FlowName, Policy, SectionEntry } from './policy';
import { PROP64_SECTIONS, subsection11357 } from './sections';

export interface EvaluationContext {
  county: string;
  computeAtDay: DayNumber;
}

function decision(determination: Determination | '', reason: string, rule: RuleId, reasonKey = reason): Decision {
  return { determination, reason, reasonKey, rule };
}

const NO_DECISION = decision('', '', 'noRule');

/** The reasons of rules whose wording is fixed (the rest add a section, a threshold or evidence). */
export const REASONS = {
  misdemeanor: 'Misdemeanor or Infraction',
  afterEffectiveDate: 'Occurred after 11/9/2016',
  superstrike: 'Prior superstrike',
  pc290: 'Prior PC 290 offense',
  pc290Registration: 'Prior PC 290 registration',
  twoPriors: 'Two prior same-section convictions',
  servingSentence: 'Currently serving sentence',
  relatedConviction: 'Possible Prop 64-related conviction in the same case',
  under21: '21 years or younger',
  onlyProp64: 'Only has 11357-60 charges',
  onlyProp64CompletedSentences: 'Only has 11357-60 charges and completed sentence',
  deceased: 'Individual is deceased',
  otherwise: 'No relief rule applies',
} as const;

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

function evidence(section: string, day: DayNumber): string {
  return `${section.trim()} on ${formatIsoDate(day)}`;
}

/** superstrike, pc290, pc290Registration, twoPriors: the statute's felony exception exists for 11358-11360 only. */
function hasFelonyPath(conviction: Conviction): boolean {
  return conviction.prop64 >= 1;
}

/** A prior conviction of a kind (superstrike, PC 290 offense) as a disqualifier of an 11358-11360 felony. */
function priorConviction(handling: DisqualifierHandling, rule: 'superstrike' | 'pc290', conviction: Conviction, person: Person): Decision | null {
  if (handling === 'ignore' || !hasFelonyPath(conviction)) return null;
  const label = REASONS[rule];
  const { prior, undated } = findPrior(person, conviction, rule === 'superstrike' ? isSuperstrikeConviction : isPc290Conviction);
  if (prior) return disqualified(handling, `${label}: ${evidence(prior.codeSection, prior.day)}`, label, rule);
  if (undated) {
    const reason = `${label} with a malformed STP_EVENT_DATE`;
    return decision(DETERMINATION.handReview, `${reason}: ${undated.codeSection.trim()}`, rule, reason);
  }
  return null;
}

const isSuperstrikeConviction = (other: Conviction) => other.superstrike;
const isPc290Conviction = (other: Conviction) => other.pc290;

/** The day a conviction's sentence ends (fractional: months are 30.5 days); NaN for a malformed date. */
export function sentenceEnd(conviction: Conviction): number {
  return conviction.day + conviction.sentenceDays;
}

function servingUntil(end: number): string {
  return formatIsoDate(Math.floor(end));
}

type Check = (conviction: Conviction, person: Person, facts: PersonFacts, policy: Policy, context: EvaluationContext) => Decision | null;

/**
 * The rule table: every step a flow can take, with the determination and reason it gives. A step returns null
 * when it does not apply (its option is off, or the conviction does not meet it) and the flow goes on.
 */
export const RULES: Readonly<Record<StepId, Check>> = Object.freeze({
  incompleteRecord: (_c, person) =>
    person.rejectedRows > 0
      ? decision(DETERMINATION.handReview, `Incomplete record: ${person.rejectedRows} rejected rows`, 'incompleteRecord', 'Incomplete record')
      : null,
  missingCountOrder: (conviction) =>
    conviction.missingCountOrder ? decision(DETERMINATION.handReview, 'Missing CNT_ORDER: the count cannot be identified', 'missingCountOrder') : null,
  malformedConvictionDate: (conviction) =>
    isMalformed(conviction.day) ? decision(DETERMINATION.handReview, 'Malformed date in STP_EVENT_DATE', 'malformedConvictionDate') : null,
  // Evaluated only when the policy asks (people-classifier.ts): a PC 32, HS 11364 or HS 11366 count beside a Prop 64 one.
  relatedConviction: (conviction) =>
    conviction.prop64 < 0 ? decision(DETERMINATION.handReview, REASONS.relatedConviction, 'relatedConviction') : null,
  misdemeanor: (conviction, _p, _f, policy) => {
    if (conviction.isFelony) return null;
    return decision(policy.misdemeanors === 'dismiss' ? DETERMINATION.dismissal : DETERMINATION.cityAttorney, REASONS.misdemeanor, 'misdemeanor');
  },
  afterEffectiveDate: (conviction, _p, _f, policy) =>
    conviction.day > PROP64_EFFECTIVE_DAY
      ? disqualified(policy.disqualifiers.afterEffectiveDate, REASONS.afterEffectiveDate, REASONS.afterEffectiveDate, 'afterEffectiveDate')
      : null,
  superstrike: (conviction, person, _f, policy) => priorConviction(policy.disqualifiers.superstrike, 'superstrike', conviction, person),
  pc290: (conviction, person, _f, policy) => priorConviction(policy.disqualifiers.pc290, 'pc290', conviction, person),
  pc290Registration: (conviction, person, _f, policy) => {
    const handling = policy.disqualifiers.pc290Registration;
    if (handling === 'ignore' || !hasFelonyPath(conviction) || person.registrations.length === 0) return null;
    const label = REASONS.pc290Registration;
    let undated = '';
    for (const registration of person.registrations) {
      if (isMalformed(registration.day)) undated ||= registration.section;
      else if (registration.day < conviction.day) return disqualified(handling, `${label}: ${evidence(registration.section, registration.day)}`, label, 'pc290Registration');
    }
    if (undated === '') return null;
    const reason = `${label} with a malformed STP_EVENT_DATE`;
    return decision(DETERMINATION.handReview, `${reason}: ${undated}`, 'pc290Registration', reason);
  },
  twoPriors: (conviction, person, _f, policy) => {
    if (policy.disqualifiers.twoPriors === 'ignore' || !hasFelonyPath(conviction)) return null;
    let priors: DayNumber[] | undefined;
    for (const other of person.convictions) {
      if (other !== conviction && other.prop64 === conviction.prop64 && other.day < conviction.day) (priors ??= []).push(other.day);
    }
    if (priors === undefined || priors.length < 2) return null;
    const reason = `Two prior HS ${PROP64_SECTIONS[conviction.prop64]} convictions: ${priors.map(formatIsoDate).join(', ')}`;
    return disqualified(policy.disqualifiers.twoPriors, reason, REASONS.twoPriors, 'twoPriors');
  },
  servingSentence: (conviction, _p, _f, policy, context) => {
    const end = sentenceEnd(conviction);
    if (!(end > context.computeAtDay)) return null;
    return disqualified(policy.disqualifiers.servingSentence, `${REASONS.servingSentence}: until ${servingUntil(end)}`, REASONS.servingSentence, 'servingSentence');
  },
  // Los Angeles' reading: any conviction of the person whose sentence runs past compute-at.
  servingSentenceAnyConviction: (_c, person, _f, policy, context) => {
    if (policy.disqualifiers.servingSentence === 'ignore') return null;
    for (const other of person.convictions) {
      const end = sentenceEnd(other);
      if (end > context.computeAtDay) {
        const reason = `${REASONS.servingSentence}: ${other.codeSection.trim()} until ${servingUntil(end)}`;
        return disqualified(policy.disqualifiers.servingSentence, reason, REASONS.servingSentence, 'servingSentenceAnyConviction');
      }
    }
    return null;
  },
  dismissSection: (conviction, _p, _f, policy) => {
    const entry = matchingEntry(policy.dismiss, conviction);
    return entry ? decision(DETERMINATION.dismissal, `Dismiss all HS ${entry.text} convictions`, 'dismissSection') : null;
  },
  handReviewSection: (conviction, _p, _f, policy) => {
    const entry = matchingEntry(policy.handReview, conviction);
    return entry ? decision(DETERMINATION.handReview, `Hand review all HS ${entry.text} convictions`, 'handReviewSection') : null;
  },
  malformedBirthDate: (_c, person, _f, policy) =>
    (policy.subjectUnder21AtConviction || policy.subjectAgeThreshold > 0) && isMalformed(person.dob)
      ? decision(DETERMINATION.handReview, 'Malformed date in PRI_DOB', 'malformedBirthDate')
      : null,
  under21: (conviction, person, _f, policy) =>
    policy.subjectUnder21AtConviction && addYears(person.dob, 21) > conviction.day ? decision(DETERMINATION.dismissal, REASONS.under21, 'under21') : null,
  // Los Angeles' reading: 21 or younger on the compute-at date, in years of 365.25 days.
  under21OnComputeDate: (_c, person, _f, policy, context) =>
    policy.subjectUnder21AtConviction && context.computeAtDay - person.dob <= 21 * 365.25
      ? decision(DETERMINATION.dismissal, REASONS.under21, 'under21OnComputeDate')
      : null,
  ageThreshold: (_c, person, _f, policy, context) => {
    const age = policy.subjectAgeThreshold;
    return age > 0 && addYears(person.dob, age) <= context.computeAtDay ? decision(DETERMINATION.dismissal, `${age} years or older`, 'ageThreshold') : null;
  },
  yearsSinceConviction: (conviction, _p, _f, policy, context) => {
    const years = policy.yearsSinceConvictionThreshold;
    return years > 0 && addYears(conviction.day, years) <= context.computeAtDay
      ? decision(DETERMINATION.dismissal, `Conviction occurred ${years} or more years ago`, 'yearsSinceConviction')
      : null;
  },
  yearsCrimeFree: (_c, _p, facts, policy, context) => {
    const years = policy.yearsCrimeFreeThreshold;
    if (years === 0) return null;
    if (facts.hasMalformedConvictionDate) return MALFORMED_OTHER_DATE;
    return addYears(facts.latestDay, years) < context.computeAtDay
      ? decision(DETERMINATION.dismissal, `No convictions in the past ${years} years`, 'yearsCrimeFree')
      : null;
  },
  // Los Angeles' reading: no conviction after compute-at minus N years (the anniversary itself counts as free).
  yearsCrimeFreeLosAngeles: (_c, _p, facts, policy, context) => {
    const years = policy.yearsCrimeFreeThreshold;
    if (years === 0) return null;
    if (facts.hasMalformedConvictionDate) return MALFORMED_OTHER_DATE;
    return facts.latestDay <= addYears(context.computeAtDay, -years)
      ? decision(DETERMINATION.dismissal, `No convictions in past ${years} years`, 'yearsCrimeFreeLosAngeles')
      : null;
  },
  onlyProp64: (_c, person, facts, policy) =>
    policy.subjectHasOnlyProp64Charges && person.convictions.length === facts.prop64Count ? decision(DETERMINATION.dismissal, REASONS.onlyProp64, 'onlyProp64') : null,
  onlyProp64CompletedSentences: (_c, person, facts, policy, context) => {
    if (!policy.subjectHasOnlyProp64Charges || person.convictions.length !== facts.prop64Count) return null;
    for (const other of person.convictions) if (sentenceEnd(other) > context.computeAtDay) return null;
    return decision(DETERMINATION.dismissal, REASONS.onlyProp64CompletedSentences, 'onlyProp64CompletedSentences');
  },
  deceased: (_c, person, _f, policy) => (policy.subjectIsDeceased && person.deceased ? decision(DETERMINATION.dismissal, REASONS.deceased, 'deceased') : null),
  reduceSection: (conviction, _p, _f, policy) => {
    const entry = matchingEntry(policy.reduce, conviction);
    return entry ? decision(DETERMINATION.reduction, `Reduce all HS ${entry.text} convictions`, 'reduceSection') : null;
  },
  otherwise: (_c, _p, _f, policy) => (policy.otherwise === 'handReview' ? decision(DETERMINATION.handReview, REASONS.otherwise, 'otherwise') : null),
});

const MALFORMED_OTHER_DATE = decision(DETERMINATION.handReview, 'Malformed date in STP_EVENT_DATE of another conviction', 'malformedOtherConvictionDate');

/** Our checks that come first in every flow: a record we cannot read whole, or a conviction we cannot place. */
const GUARDS: readonly StepId[] = ['incompleteRecord', 'missingCountOrder', 'malformedConvictionDate', 'relatedConviction'];

/**
 * The flows, first match wins. `standard` is eligibility.md's order: misdemeanors, then the disqualifiers, then
 * rules 2-9. `los-angeles-2020` is the order of Los Angeles' own flow (gogen_pilots,
 * data/los_angeles_eligibility_flow.go) with its readings of age, crime-free years, only-Prop-64 and serving
 * sentence; docs/law.md lists where it differs from that flow and why.
 */
export const FLOWS: Readonly<Record<FlowName, readonly StepId[]>> = Object.freeze({
  standard: [
    ...GUARDS, 'misdemeanor',
    'afterEffectiveDate', 'superstrike', 'pc290', 'pc290Registration', 'twoPriors', 'servingSentence',
    'dismissSection', 'handReviewSection', 'malformedBirthDate', 'under21', 'ageThreshold', 'yearsSinceConviction', 'yearsCrimeFree',
    'onlyProp64', 'deceased', 'reduceSection', 'otherwise',
  ],
  'los-angeles-2020': [
    ...GUARDS, 'misdemeanor', 'afterEffectiveDate', 'dismissSection', 'handReviewSection',
    'superstrike', 'pc290', 'pc290Registration', 'twoPriors',
    'malformedBirthDate', 'ageThreshold', 'under21OnComputeDate', 'onlyProp64CompletedSentences', 'yearsCrimeFreeLosAngeles',
    'servingSentenceAnyConviction', 'deceased', 'yearsSinceConviction', 'reduceSection', 'otherwise',
  ],
});

/** Every step a flow can take, in the standard order then Los Angeles' extra steps: for reports. */
export const STEP_ORDER: readonly StepId[] = [...new Set([...FLOWS.standard, ...FLOWS['los-angeles-2020']])];

/**
 * Decides one evaluated conviction (in the run's county, with a Prop 64 section, or a related conviction when the
 * policy evaluates them): the policy's flow, first match wins.
 */
export function decide(conviction: Conviction, person: Person, facts: PersonFacts, policy: Policy, context: EvaluationContext): Decision {
  const steps = FLOWS[policy.flow];
  for (let i = 0; i < steps.length; i++) {
    const found = RULES[steps[i]](conviction, person, facts, policy, context);
    if (found !== null) return found;
  }
  return NO_DECISION;
}

/** Dismissal or reduction: the person gets relief for this conviction. */
export function isRelief(determination: string): boolean {
  return determination === DETERMINATION.dismissal || determination === DETERMINATION.reduction;
}
