/**
 * County policy ("eligibility options"): the reference JSON format plus our extensions, validated with zod
 * before any row is read. Every error names the field and the bad value; unknown keys are errors, because a
 * misspelt option must never be silently ignored in a legal decision.
 */
import * as z from 'zod';
import { PROP64_SECTIONS, Prop64Section } from './sections';
import { describeIssues } from './validation';
import { PolicyError } from './errors';

export const DISQUALIFIER_HANDLING = ['ignore', 'notEligible', 'handReview'] as const;
/** The rule flows (rules.ts): `standard` is eligibility.md's order; `los-angeles-2020` is the county's own flow. */
export const FLOW_NAMES = ['standard', 'los-angeles-2020'] as const;
export type FlowName = (typeof FLOW_NAMES)[number];
export type DisqualifierHandling = (typeof DISQUALIFIER_HANDLING)[number];

/**
 * A baseline entry: one of the four sections, or (our extension) an 11357 subdivision, e.g. `11357(A)`: the only
 * section whose subdivisions the rules tell apart (possession amounts), so no other subdivision could ever match.
 */
const BASELINE_ENTRY = /^(?:1135[789]|11360|11357\([A-D]\))$/;

const baselineEntry = z.string().regex(BASELINE_ENTRY, {
  message: 'must be 11357, 11358, 11359 or 11360, or an 11357 subdivision such as 11357(A)',
});

const yearThreshold = z
  .number()
  .int({ message: 'must be a whole number' })
  .refine((n) => n === 0 || (n >= 1 && n <= 15), { message: 'must be 0 (off) or 1-15' });

const handling = z.enum(DISQUALIFIER_HANDLING, { message: 'must be one of ignore, notEligible, handReview' });

export const policySchema = z.strictObject({
  baselineEligibility: z
    .strictObject({
      dismiss: z.array(baselineEntry).optional(),
      reduce: z.array(baselineEntry).optional(),
      /** Extension: sections sent to Hand Review when no dismissal rule applies first. */
      handReview: z.array(baselineEntry).optional(),
    })
    .optional(),
  additionalRelief: z
    .strictObject({
      subjectUnder21AtConviction: z.boolean().optional(),
      subjectAgeThreshold: z
        .number()
        .int({ message: 'must be a whole number' })
        .refine((n) => n === 0 || (n >= 40 && n <= 65), { message: 'must be 0 (off) or 40-65' })
        .optional(),
      yearsSinceConvictionThreshold: yearThreshold.optional(),
      yearsCrimeFreeThreshold: yearThreshold.optional(),
      subjectHasOnlyProp64Charges: z.boolean().optional(),
      subjectIsDeceased: z.boolean().optional(),
    })
    .optional(),
  /**
   * Extension: what a disqualifying fact does to a felony. superstrike, pc290, pc290Registration and twoPriors
   * count only an event before the conviction and apply to 11358-11360 felonies only; afterEffectiveDate and
   * servingSentence apply to every felony.
   */
  disqualifiers: z
    .strictObject({
      superstrike: handling.optional(),
      pc290: handling.optional(),
      pc290Registration: handling.optional(),
      twoPriors: handling.optional(),
      afterEffectiveDate: handling.optional(),
      servingSentence: handling.optional(),
    })
    .optional(),
  /** Extension: PC 32, HS 11364, HS 11366 convictions in the cycle of a Prop 64 conviction (Boatwright, 2019). */
  relatedConvictions: z.enum(['ignore', 'handReview'], { message: 'must be ignore or handReview' }).optional(),
  /** Extension: the order and readings of the rules (rules.ts FLOWS): eligibility.md's, or Los Angeles' 2020 flow. */
  flow: z.enum(FLOW_NAMES, { message: `must be one of ${FLOW_NAMES.join(', ')}` }).optional(),
  /** Extension: misdemeanors are dismissed (reference) or routed to the city attorney (Los Angeles). */
  misdemeanors: z.enum(['dismiss', 'cityAttorney'], { message: 'must be dismiss or cityAttorney' }).optional(),
  /** Extension: what happens when no rule applies: nothing (reference) or Hand Review. */
  otherwise: z.enum(['none', 'handReview'], { message: 'must be none or handReview' }).optional(),
});

export type PolicyInput = z.infer<typeof policySchema>;

/** A baseline list entry, parsed. */
export interface SectionEntry {
  /** The entry as written, e.g. `11358` or `11357(A)`. */
  text: string;
  /** Index in PROP64_SECTIONS. */
  sectionIndex: number;
  /** Subdivision letter, or '' for the whole section. */
  subdivision: string;
}

/** A validated policy with every default filled in: what the rules read. */
export interface Policy {
  dismiss: SectionEntry[];
  reduce: SectionEntry[];
  handReview: SectionEntry[];
  subjectUnder21AtConviction: boolean;
  subjectAgeThreshold: number;
  yearsSinceConvictionThreshold: number;
  yearsCrimeFreeThreshold: number;
  subjectHasOnlyProp64Charges: boolean;
  subjectIsDeceased: boolean;
  disqualifiers: {
    afterEffectiveDate: DisqualifierHandling;
    superstrike: DisqualifierHandling;
    pc290: DisqualifierHandling;
    pc290Registration: DisqualifierHandling;
    twoPriors: DisqualifierHandling;
    servingSentence: DisqualifierHandling;
  };
  relatedConvictions: 'ignore' | 'handReview';
  flow: FlowName;
  misdemeanors: 'dismiss' | 'cityAttorney';
  otherwise: 'none' | 'handReview';
}

function parseEntry(text: string): SectionEntry {
  const sectionIndex = PROP64_SECTIONS.indexOf(text.slice(0, 5) as Prop64Section);
  return { text, sectionIndex, subdivision: text.length > 5 ? text.charAt(6) : '' };
}

/** Validates a policy object (already parsed from JSON). Throws PolicyError naming each bad field and value. */
export function parsePolicy(input: unknown): Policy {
  const result = policySchema.safeParse(input);
  if (!result.success) {
    const problems = describeIssues(result.error, input, '(policy)');
    throw new PolicyError(problems);
  }
  const data = result.data;
  const dismiss = data.baselineEligibility?.dismiss ?? [];
  const reduce = data.baselineEligibility?.reduce ?? [];
  const handReview = data.baselineEligibility?.handReview ?? [];
  const problems: string[] = [];
  const lists: Array<[string, string[]]> = [['dismiss', dismiss], ['handReview', handReview], ['reduce', reduce]];
  for (let i = 0; i < lists.length; i++) {
    const [name, entries] = lists[i];
    entries.forEach((entry, index) => {
      if (entries.indexOf(entry) !== index) problems.push(`baselineEligibility.${name}: ${JSON.stringify(entry)} is listed twice`);
      for (let j = i + 1; j < lists.length; j++) {
        if (lists[j][1].includes(entry)) {
          problems.push(`baselineEligibility: ${JSON.stringify(entry)} is in both ${name} and ${lists[j][0]}`);
        }
      }
    });
  }
  // Lists are checked in the order dismiss, handReview, reduce: an entry after a whole-section entry of the same
  // section in an earlier list can never apply, which would silently ignore part of the policy.
  for (let i = 0; i < lists.length; i++) {
    for (const entry of lists[i][1]) {
      for (let j = 0; j < i; j++) {
        const whole = entry.slice(0, 5);
        if (entry !== whole && lists[j][1].includes(whole)) {
          problems.push(`baselineEligibility.${lists[i][0]}: ${JSON.stringify(entry)} never applies, because ${JSON.stringify(whole)} in ${lists[j][0]} decides every ${whole} conviction first`);
        }
      }
    }
  }
  if (problems.length > 0) throw new PolicyError(problems);
  const relief = data.additionalRelief ?? {};
  const disqualifiers = data.disqualifiers ?? {};
  return {
    dismiss: dismiss.map(parseEntry),
    reduce: reduce.map(parseEntry),
    handReview: handReview.map(parseEntry),
    subjectUnder21AtConviction: relief.subjectUnder21AtConviction ?? false,
    subjectAgeThreshold: relief.subjectAgeThreshold ?? 0,
    yearsSinceConvictionThreshold: relief.yearsSinceConvictionThreshold ?? 0,
    yearsCrimeFreeThreshold: relief.yearsCrimeFreeThreshold ?? 0,
    subjectHasOnlyProp64Charges: relief.subjectHasOnlyProp64Charges ?? false,
    subjectIsDeceased: relief.subjectIsDeceased ?? false,
    disqualifiers: {
      afterEffectiveDate: disqualifiers.afterEffectiveDate ?? 'ignore',
      superstrike: disqualifiers.superstrike ?? 'ignore',
      pc290: disqualifiers.pc290 ?? 'ignore',
      pc290Registration: disqualifiers.pc290Registration ?? 'ignore',
      twoPriors: disqualifiers.twoPriors ?? 'ignore',
      servingSentence: disqualifiers.servingSentence ?? 'ignore',
    },
    relatedConvictions: data.relatedConvictions ?? 'ignore',
    flow: data.flow ?? 'standard',
    misdemeanors: data.misdemeanors ?? 'dismiss',
    otherwise: data.otherwise ?? 'none',
  };
}

/** Parses policy JSON text; a syntax error is a PolicyError too. */
export function parsePolicyJson(text: string): Policy {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new PolicyError([`not valid JSON (${(error as Error).message})`]);
  }
  return parsePolicy(input);
}

/**
 * Named presets (eligibility.md, "Beyond the reference"). Each is a policy in the same JSON format, so it is
 * validated by the same schema and can be copied into a county's policies/<COUNTY>.json.
 */
export const PRESETS: Readonly<Record<string, PolicyInput>> = Object.freeze({
  /** The defaults of the reference tool's desktop app (BEAR): dismiss all four, 5 years, 5 crime-free years, only Prop 64. */
  'reference-default': {
    baselineEligibility: { dismiss: ['11357', '11358', '11359', '11360'], reduce: [] },
    additionalRelief: {
      subjectUnder21AtConviction: false,
      subjectAgeThreshold: 0,
      yearsSinceConvictionThreshold: 5,
      yearsCrimeFreeThreshold: 5,
      subjectHasOnlyProp64Charges: true,
      subjectIsDeceased: false,
    },
  },
  /** Dismiss every Prop 64 conviction. */
  'dismiss-all': {
    baselineEligibility: { dismiss: ['11357', '11358', '11359', '11360'], reduce: [] },
  },
  /**
   * Los Angeles, 2020, as the county's own flow decides (gogen_pilots, data/los_angeles_eligibility_flow.go), rule
   * for rule: misdemeanors to the city attorneys; felonies after 2016-11-09 not eligible; 11357(A)/(B) dismissed,
   * other 11357 to hand review; 11358-11360 felonies preceded by a superstrike, a PC 290 offense or registration,
   * or two same-section priors not eligible; dismissal at 50 or older, 21 or younger (on the compute-at date), only
   * Prop 64 convictions with every sentence completed, 10 crime-free years; a sentence still being served to hand
   * review; deceased dismissed; otherwise hand review. Where it departs from the county's flow: docs/law.md.
   */
  'los-angeles-2020': {
    baselineEligibility: { dismiss: ['11357(A)', '11357(B)'], reduce: [], handReview: ['11357'] },
    additionalRelief: {
      subjectUnder21AtConviction: true,
      subjectAgeThreshold: 50,
      yearsSinceConvictionThreshold: 0,
      yearsCrimeFreeThreshold: 10,
      subjectHasOnlyProp64Charges: true,
      subjectIsDeceased: true,
    },
    disqualifiers: {
      superstrike: 'notEligible',
      pc290: 'notEligible',
      pc290Registration: 'notEligible',
      twoPriors: 'notEligible',
      afterEffectiveDate: 'notEligible',
      servingSentence: 'handReview',
    },
    misdemeanors: 'cityAttorney',
    otherwise: 'handReview',
    flow: 'los-angeles-2020',
  },
  /**
   * The statute read conservatively, for real use (docs/law.md): misdemeanors dismissed; felonies reduced (H&S
   * 11361.8 redesignates what is now a misdemeanor); every disqualifier, a conviction after 2016-11-09 and a
   * sentence still being served sent to hand review with the evidence, never to an automatic "Not eligible"
   * (eligibility is presumed); PC 32, HS 11364 and HS 11366 convictions in the same case to hand review.
   */
  'statute-conservative': {
    baselineEligibility: { dismiss: [], reduce: ['11357', '11358', '11359', '11360'] },
    disqualifiers: {
      superstrike: 'handReview',
      pc290: 'handReview',
      pc290Registration: 'handReview',
      twoPriors: 'handReview',
      afterEffectiveDate: 'handReview',
      servingSentence: 'handReview',
    },
    relatedConvictions: 'handReview',
    misdemeanors: 'dismiss',
    otherwise: 'handReview',
  },
});

/** Resolves a preset name to a policy; throws PolicyError listing the known presets. */
export function presetPolicy(name: string): Policy {
  const preset = Object.prototype.hasOwnProperty.call(PRESETS, name) ? PRESETS[name] : undefined;
  if (preset === undefined) {
    throw new PolicyError([`preset: ${JSON.stringify(name)} is not a known preset (${Object.keys(PRESETS).join(', ')})`]);
  }
  return parsePolicy(preset);
}
