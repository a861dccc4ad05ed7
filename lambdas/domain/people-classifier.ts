/**
 * Classification of a set of people (one partition, or a whole small file): people are assembled from their
 * rows, every evaluated conviction is decided, and each row gets the 18 eligibility columns; the partition's
 * mergeable statistics come with them. Memory is bounded by the people given (a partition), never by the file.
 */
import { DETERMINATION } from './decision';
import { COL, CONDENSED_INDICES } from './columns';
import { csvField, csvLine, csvLineOf, csvSafeField, csvSafeLine } from './csv/writer';
import { addYears, DayNumber, formatUsDate, formatYearsBetween, isMalformed, parseDojDate, PROP64_EFFECTIVE_DAY } from './dates';
import { Conviction, Person, PersonFacts, personFacts } from './person';
import { Policy } from './policy';
import { decide, EvaluationContext, isRelief } from './rules';
import { isProp64RelatedSection, isRelatedCharge, possibleOtherProp64Charge, PROP64_SECTIONS, RELATED_SECTION_LABEL } from './sections';
import { countInto, emptyDemographics, emptyScenario, emptyStatistics, ReliefCounts, RunStatistics, ScenarioCounts } from './statistics';
import { COURT_LIST_KINDS, CourtLists, emptyCourtLists, PersonIdentity, personCourtLists, sortEntries } from './report/court-lists';
import { RegisterRecord } from './register/record';
import { ageInYears, decadeOf, genderCategory, RaceMapper, UNKNOWN } from './report/demographics';
import { personId } from './review/conviction-id';

export interface ClassifyOptions extends EvaluationContext {
  policy: Policy;
  /** Extra policies evaluated side by side as what-if scenarios (name → policy). */
  scenarioPolicies?: Record<string, Policy>;
  /** RACE_DESCR → race/ethnicity category for the demographics of people relieved (default: report/demographics.ts). */
  raceCategories?: Readonly<Record<string, string>>;
  /** Neutralise spreadsheet formulas in the cells taken from the input (csv/writer.ts); default false. */
  excelSafe?: boolean;
  /**
   * The day the run started: event dates after it are dirty data, not the extract's date, and do not count for
   * `latestEventDay` (default: no limit).
   */
  eventDayCeiling?: DayNumber;
  /** Keep a county-register record per evaluated conviction (registerEntries); default false. */
  keepRegister?: boolean;
}

/** One output row: the All_Results line, the All_Results_Condensed line, and whether it is in Prop64_Results. */
export interface ClassifiedRow {
  position: number;
  full: string;
  condensed: string;
  evaluated: boolean;
}

export const SCENARIO_DISMISS_ALL = 'dismissAllProp64';
export const SCENARIO_DISMISS_ALL_AND_RELATED = 'dismissAllProp64AndRelated';

/** Relief a scenario grants one conviction. */
type Outcome = 0 | 1 | 2; // none, reduction, dismissal
const NONE: Outcome = 0;
const REDUCED: Outcome = 1;
const DISMISSED: Outcome = 2;

/**
 * The 18 columns of a row that is not an evaluated conviction: all empty but
 * `Possible Other P64 Charges` (the third).
 */
function plainAnnotation(possibleOther: string, field: (value: string) => string): string {
  return possibleOther === '' ? PLAIN_ANNOTATION : `,,${field(possibleOther)},,,,,,,,,,,,,,,`;
}
/** The 18 columns of most rows (no possible other charge): made once. */
const PLAIN_ANNOTATION = ',,,,,,,,,,,,,,,,,';

/**
 * Two passes over a partition's rows, so that nothing per row is kept between them but its conviction:
 * pass 1 (`addRow`) assembles people; `decide()` decides every evaluated conviction and returns the
 * statistics; pass 2 (`annotate`) takes the same rows again, in the same order, and returns their 18 columns.
 */
export class PartitionClassifier {
  private readonly people = new Map<string, Person>();
  /** The conviction each row starts (pass 1), by row index; rows that start none are absent. */
  private readonly rowConvictions = new Map<number, Conviction>();
  private rows = 0;
  private readonly annotations = new Map<Conviction, EvaluatedColumns>();
  private readonly statistics: RunStatistics = {
    ...emptyStatistics(),
    convictionsBySectionAndDetermination: {},
    convictionsByDecadeAndDetermination: {},
    convictionsByRuleAndReason: {},
    relievedDemographics: emptyDemographics(),
  };
  /** What the court lists need of each person (their first row), never put in statistics. */
  private readonly identities = new Map<Person, PersonIdentity>();
  private readonly lists: CourtLists = emptyCourtLists();
  /** The partition's register records (register/record.ts), in the order people are decided. */
  private readonly registerRecords: RegisterRecord[] = [];
  private readonly raceMapper: RaceMapper;
  /** STP_EVENT_DATE text of `latestEventDay`: a row's date is parsed only when it sorts after it (YYYYMMDD). */
  private latestEventText = '';
  private readonly eventDayCeiling: DayNumber;
  /** The writer of the cells taken from the input: neutralising with excel-safe. */
  private readonly field: (value: string) => string;

  constructor(private readonly options: ClassifyOptions) {
    this.raceMapper = new RaceMapper(options.raceCategories);
    this.eventDayCeiling = options.eventDayCeiling ?? Infinity;
    this.statistics.latestEventDay = null;
    this.field = options.excelSafe === true ? csvSafeField : csvField;
  }

  /** Pass 1: a data row with its input position. Rows must come in input order. */
  addRow(fields: readonly string[], position: number): void {
    const subjectId = fields[COL.SUBJECT_ID];
    let person = this.people.get(subjectId);
    if (person === undefined) {
      person = new Person(subjectId);
      this.people.set(subjectId, person);
    }
    if (!this.identities.has(person)) {
      this.identities.set(person, { subjectId, cii: fields[COL.CII_NUMBER], name: fields[COL.PRI_NAME], dob: fields[COL.PRI_DOB] });
    }
    const conviction = person.pushRow(fields, position);
    if (conviction !== null) this.rowConvictions.set(this.rows, conviction);
    this.rows++;
    // The extract's date: one string comparison per row; a date is parsed only when it would be a new latest.
    const eventDate = fields[COL.STP_EVENT_DATE];
    if (eventDate.length === 8 && eventDate > this.latestEventText) this.considerEventDate(eventDate);
  }

  private considerEventDate(eventDate: string): void {
    const day = parseDojDate(eventDate);
    if (isMalformed(day) || day > this.eventDayCeiling) return;
    this.latestEventText = eventDate;
    this.statistics.latestEventDay = day;
  }

  /** Records that a row of this person was rejected by the reader: the person's record is incomplete. */
  addRejectedRow(subjectId: string): void {
    let person = this.people.get(subjectId);
    if (person === undefined) {
      person = new Person(subjectId);
      this.people.set(subjectId, person);
    }
    person.rejectedRows++;
  }

  get rowCount(): number {
    return this.rows;
  }

  /** Decides every person's evaluated convictions; returns the partition's statistics. */
  decide(): RunStatistics {
    for (const person of this.people.values()) this.classifyPerson(person);
    this.statistics.rowsWritten = this.rows;
    this.identities.clear();
    for (const kind of COURT_LIST_KINDS) sortEntries(this.lists[kind]);
    return this.statistics;
  }

  /**
   * After `decide()`: the partition's lines of each H&S 11361.9 list (report/court-lists.ts), each sorted in list
   * order (by case number, `compareEntries`). Personal data: for results/ only.
   */
  courtLists(): CourtLists {
    return this.lists;
  }

  /** After `decide()`: a register record per evaluated conviction. Personal data: for results/ only. */
  registerEntries(): RegisterRecord[] {
    return this.registerRecords;
  }

  /**
   * Pass 2: the 18 eligibility columns (CSV text, no leading comma) of row `rowIndex`, given its fields again
   * (OFFENSE_DESCR and COMMENT_TEXT are read), and whether it is an evaluated conviction.
   */
  annotate(fields: readonly string[], rowIndex: number): { columns: string; evaluated: boolean } {
    const possibleOther = possibleOtherProp64Charge(fields[COL.OFFENSE_DESCR], fields[COL.COMMENT_TEXT]);
    const conviction = this.rowConvictions.get(rowIndex);
    const evaluated = conviction === undefined ? undefined : this.annotations.get(conviction);
    if (evaluated === undefined) return { columns: plainAnnotation(possibleOther, this.field), evaluated: false };
    return { columns: `${evaluated.head},${this.field(possibleOther)},${evaluated.tail}`, evaluated: true };
  }

  private classifyPerson(person: Person): void {
    const annotations = this.annotations;
    const { county, computeAtDay, policy } = this.options;
    const stats = this.statistics;
    stats.people++;
    if (person.rejectedRows > 0) stats.peopleWithRejectedRows++;
    stats.convictions += person.convictions.length;
    if (isMalformed(person.dob) && person.convictions.length > 0) countInto(stats.malformedDates, 'PRI_DOB');
    const facts = personFacts(person);
    const evaluated: Conviction[] = [];
    const withRelated = policy.relatedConvictions === 'handReview';
    let prop64Evaluated = 0;
    for (const conviction of person.convictions) {
      if (isMalformed(conviction.day)) countInto(stats.malformedDates, 'STP_EVENT_DATE');
      if (conviction.county !== county) continue;
      if (conviction.prop64 < 0 && !(withRelated && isRelatedConviction(conviction, person))) continue;
      if (conviction.prop64 >= 0) prop64Evaluated++;
      conviction.decision = decide(conviction, person, facts, policy, this.options);
      evaluated.push(conviction);
      annotations.set(conviction, this.annotation(conviction, person, facts));
    }
    if (evaluated.length > 0) {
      if (prop64Evaluated > 0) stats.subjectsWithProp64Conviction++;
      let someRelief = false;
      for (const conviction of evaluated) {
        const decision = conviction.decision!;
        const section = conviction.prop64 < 0 ? RELATED_SECTION_LABEL : PROP64_SECTIONS[conviction.prop64];
        if (conviction.prop64 >= 0) {
          countInto(stats.prop64ConvictionsBySection, section);
          if (conviction.isFelony) stats.prop64FelonyConvictions++;
          else stats.prop64NonFelonyConvictions++;
        }
        const determination = decision.determination || '(none)';
        const byReason = (stats.convictionsByDeterminationAndReason[determination] ??= {});
        countInto(byReason, decision.reasonKey || '(none)');
        countInto((stats.convictionsBySectionAndDetermination![section] ??= {}), determination);
        countInto((stats.convictionsByDecadeAndDetermination![decadeOf(conviction.day)] ??= {}), determination);
        countInto((stats.convictionsByRuleAndReason![decision.rule] ??= {}), decision.reasonKey || '(none)');
        if (isRelief(decision.determination)) someRelief = true;
        if (!isMalformed(conviction.day) && !(conviction.day >= (stats.earliestConvictionDay ?? Infinity))) {
          stats.earliestConvictionDay = conviction.day;
        }
      }
      if (someRelief) {
        stats.subjectsWithSomeRelief++;
        this.countRelievedPerson(person);
      }
      const identity = this.identities.get(person);
      if (identity !== undefined) {
        // The person's convictions off the review list (other counties, other sections): no decision relieves them.
        let otherFelonies = 0;
        for (const conviction of person.convictions) if (conviction.decision === undefined && conviction.isFelony) otherFelonies++;
        const others = { personId: personId(identity.subjectId), felonies: otherFelonies, convictions: person.convictions.length - evaluated.length };
        personCourtLists(evaluated, identity, person.caseNumbers, county, computeAtDay, this.lists, others, this.options.keepRegister === true ? this.registerRecords : undefined);
      }
    }
    const sevenYearsAgo = addYears(computeAtDay, -7);
    addRelief(stats.reliefWithCurrentEligibilityChoices, person, sevenYearsAgo, currentOutcome);
    addRelief(stats.reliefWithDismissAllProp64, person, sevenYearsAgo, dismissAllOutcome);
    this.addScenarios(person, sevenYearsAgo, facts);
  }

  /** Demographics of a person with some relief: categories only, counted, never kept per person. */
  private countRelievedPerson(person: Person): void {
    const demographics = this.statistics.relievedDemographics!;
    const { category, unmapped } = this.raceMapper.categoryOf(person.race);
    countInto(demographics.race, category);
    if (unmapped) demographics.unmappedRace++;
    countInto(demographics.gender, genderCategory(person.gender));
    const age = ageInYears(person.dob, this.options.computeAtDay);
    countInto(demographics.age, age === null ? UNKNOWN : String(age));
  }

  private addScenarios(person: Person, sevenYearsAgo: number, facts: PersonFacts): void {
    const { county } = this.options;
    const scenarios = this.statistics.scenarios;
    addScenario((scenarios[SCENARIO_DISMISS_ALL] ??= emptyScenario()), person, sevenYearsAgo, dismissAllOutcome);
    addScenario((scenarios[SCENARIO_DISMISS_ALL_AND_RELATED] ??= emptyScenario()), person, sevenYearsAgo, (c) =>
      dismissAllOutcome(c) === DISMISSED || (c.county === county && isRelatedCharge(c.codeSection)) ? DISMISSED : NONE,
    );
    const extra = this.options.scenarioPolicies;
    if (extra === undefined) return;
    for (const name of Object.keys(extra)) {
      const policy = extra[name];
      const outcomes = new Map<Conviction, Outcome>();
      for (const conviction of person.convictions) {
        if (!conviction.decision) continue;
        const determination = decide(conviction, person, facts, policy, this.options).determination;
        outcomes.set(conviction, determination === DETERMINATION.dismissal ? DISMISSED : determination === DETERMINATION.reduction ? REDUCED : NONE);
      }
      addScenario((scenarios[name] ??= emptyScenario()), person, sevenYearsAgo, (c) => outcomes.get(c) ?? NONE);
    }
  }

  /**
   * The 18 columns of an evaluated conviction, around the row's own `Possible Other P64 Charges`
   * (the third column): `head` holds the first two, `tail` the last fifteen.
   */
  private annotation(conviction: Conviction, person: Person, facts: PersonFacts): EvaluatedColumns {
    const decision = conviction.decision!;
    const day = conviction.day;
    const caseNumbers = person.caseNumbers.get(conviction.cycleStepKey);
    const counts = facts.countsBySection;
    const computeAt = this.options.computeAtDay;
    const field = this.field;
    const head = `${field(caseNumbers === undefined ? '' : caseNumbers.join('; '))},${person.convictions.length}`;
    const tail = [
      isMalformed(day) ? '' : day > PROP64_EFFECTIVE_DAY ? 'Y' : 'N',
      field(facts.superstrikeSections),
      field(facts.pc290Sections),
      person.pc290Registration ? 'Yes' : '-',
      formatUsDate(day),
      formatYearsBetween(day, computeAt),
      formatYearsBetween(facts.latestDay, computeAt),
      String(facts.prop64Count),
      String(counts[0]),
      String(counts[1]),
      String(counts[2]),
      String(counts[3]),
      person.deceased ? 'Deceased' : '-',
      csvField(decision.determination),
      csvField(decision.reason),
    ].join(',');
    return { head, tail };
  }
}

interface EvaluatedColumns {
  head: string;
  tail: string;
}

/** "Dismiss all Prop 64": every evaluated Prop 64 conviction (a related conviction evaluated beside one is not). */
function dismissAllOutcome(conviction: Conviction): Outcome {
  return conviction.decision !== undefined && conviction.prop64 >= 0 ? DISMISSED : NONE;
}

/**
 * A PC 32, HS 11364 or HS 11366 conviction in the cycle (first 3 characters of CNT_ORDER) of a Prop 64 conviction
 * of the person (eligibility.md, relatedConvictions). Only asked of non-Prop 64 convictions when the option is on.
 */
function isRelatedConviction(conviction: Conviction, person: Person): boolean {
  if (conviction.missingCountOrder || !isProp64RelatedSection(conviction.codeSection)) return false;
  const cycle = conviction.cycleStepKey.slice(0, 3);
  for (const other of person.convictions) {
    if (other.prop64 >= 0 && !other.missingCountOrder && other.cycleStepKey.slice(0, 3) === cycle) return true;
  }
  return false;
}

function currentOutcome(conviction: Conviction): Outcome {
  const determination = conviction.decision?.determination;
  return determination === DETERMINATION.dismissal ? DISMISSED : determination === DETERMINATION.reduction ? REDUCED : NONE;
}

/**
 * Person-level relief (reference semantics): "no felony" = has felonies and every one is reduced or dismissed;
 * "no conviction" = every conviction dismissed; "no conviction in the last 7 years" = has convictions dated
 * after compute-at minus 7 years (malformed dates counted as possibly recent) and all of those dismissed.
 */
function addRelief(counts: ReliefCounts, person: Person, sevenYearsAgo: number, outcome: (c: Conviction) => Outcome): void {
  let felonies = 0;
  let feloniesRelieved = 0;
  let dismissed = 0;
  let recent = 0;
  let recentDismissed = 0;
  for (const conviction of person.convictions) {
    const result = outcome(conviction);
    if (conviction.isFelony) {
      felonies++;
      if (result !== NONE) feloniesRelieved++;
    }
    if (result === DISMISSED) dismissed++;
    if (isMalformed(conviction.day) || conviction.day > sevenYearsAgo) {
      recent++;
      if (result === DISMISSED) recentDismissed++;
    }
  }
  const total = person.convictions.length;
  if (felonies > 0 && felonies === feloniesRelieved) counts.CountSubjectsNoFelony++;
  if (total > 0 && dismissed === total) counts.CountSubjectsNoConviction++;
  if (recent > 0 && recent === recentDismissed) counts.CountSubjectsNoConvictionLast7Years++;
}

function addScenario(counts: ScenarioCounts, person: Person, sevenYearsAgo: number, outcome: (c: Conviction) => Outcome): void {
  addRelief(counts, person, sevenYearsAgo, outcome);
  let someRelief = false;
  for (const conviction of person.convictions) {
    const result = outcome(conviction);
    if (result === DISMISSED) counts.convictionsDismissed++;
    else if (result === REDUCED) counts.convictionsReduced++;
    if (result !== NONE) someRelief = true;
  }
  if (someRelief) counts.subjectsWithSomeRelief++;
}

/**
 * Classifies rows held in memory (tests, small inputs): both passes over `rows` in the order given,
 * positions being the row indices. Returns each row's All_Results and condensed lines.
 */
export function classifyRows(rows: readonly (readonly string[])[], options: ClassifyOptions): { rows: ClassifiedRow[]; statistics: RunStatistics } {
  const classifier = new PartitionClassifier(options);
  rows.forEach((fields, index) => classifier.addRow(fields, index));
  const statistics = classifier.decide();
  const excelSafe = options.excelSafe === true;
  const output = rows.map((fields, index) => {
    const { columns, evaluated } = classifier.annotate(fields, index);
    const full = excelSafe ? csvSafeLine(fields) : csvLine(fields);
    const condensed = excelSafe ? csvSafeLine(CONDENSED_INDICES.map((i) => fields[i])) : csvLineOf(fields, CONDENSED_INDICES);
    return { position: index, full: `${full},${columns}`, condensed: `${condensed},${columns}`, evaluated };
  });
  return { rows: output, statistics };
}
