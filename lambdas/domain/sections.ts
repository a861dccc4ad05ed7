/**
 * Code sections: where a row's section comes from, which Prop 64 section it names, and whether it is a
 * disqualifying (superstrike, PC 290) or related charge. Every pattern is compiled once, here.
 */

export const PROP64_SECTIONS = ['11357', '11358', '11359', '11360'] as const;
export type Prop64Section = (typeof PROP64_SECTIONS)[number];

/** True when OFFENSE_DESCR does not carry the charge, so COMMENT_TEXT does (doj-research-file.md). */
export function isSectionInComment(offenseDescription: string): boolean {
  const trimmed = offenseDescription.trim();
  return trimmed === '' || trimmed === 'SEE COMMENT FOR CHARGE';
}

/** The text before the first `-`, untrimmed, exactly as the outputs show it. */
function textBeforeDash(text: string): string {
  const dash = text.indexOf('-');
  return dash < 0 ? text : text.slice(0, dash);
}

/** A row's code section: from OFFENSE_DESCR, or from COMMENT_TEXT when OFFENSE_DESCR names none. */
export function codeSectionOf(offenseDescription: string, commentText: string): string {
  return textBeforeDash(isSectionInComment(offenseDescription) ? commentText : offenseDescription);
}

const PROP64_PATTERN = /1135[789]|11360/;

/**
 * Index (0-3) in PROP64_SECTIONS of the leftmost Prop 64 section the text contains, or -1.
 * "Contains" as eligibility.md says: `11357(C)HS` and `11359HS` both count.
 */
export function prop64SectionIndex(codeSection: string): number {
  const match = PROP64_PATTERN.exec(codeSection);
  if (match === null) return -1;
  return match[0].charCodeAt(4) === 48 ? 3 : match[0].charCodeAt(4) - 55; // '7'→0, '8'→1, '9'→2, '0'→3
}

const SUBSECTION_11357 = /11357\(([A-D])\)/;

/** The subdivision letter of an 11357 section (`11357(C) HS` → `C`), or '' when none. */
export function subsection11357(codeSection: string): string {
  const match = SUBSECTION_11357.exec(codeSection);
  return match === null ? '' : match[1];
}

/**
 * `Possible Other P64 Charges`, filled on every row (eligibility.md): COMMENT_TEXT when it names a Prop 64
 * section that OFFENSE_DESCR does not show, else empty.
 */
export function possibleOtherProp64Charge(offenseDescription: string, commentText: string): string {
  if (isSectionInComment(offenseDescription)) return '';
  const commentSection = prop64SectionIndex(commentText);
  if (commentSection < 0) return '';
  const offenseSection = prop64SectionIndex(offenseDescription);
  if (offenseSection < 0 || offenseSection !== commentSection) return commentText;
  if (offenseSection !== 0) return '';
  const offenseLetter = subsection11357(offenseDescription);
  const commentLetter = subsection11357(commentText);
  if (commentLetter === '') return '';
  if (offenseLetter === '') return commentText;
  const offenseLow = offenseLetter === 'A' || offenseLetter === 'B';
  const commentLow = commentLetter === 'A' || commentLetter === 'B';
  return offenseLow !== commentLow ? commentText : '';
}

// Disqualifying sections (eligibility.md appendix). A section list matches the WHOLE section text (trimmed),
// not a substring: `187 PC` must not match inside `1187 PC` (a defect of the reference tool).
const ANY_SUBDIVISION = String.raw`(?:\([A-Z0-9]+\))*`;

// The homicide sections 187 to 191.5 with any subdivision (`187(A) PC` is murder: PC 667(e)(2)(C)(iv)(IV) names
// "any homicide offense ... defined in Sections 187 to 191.5").
const HOMICIDE = String.raw`(?:187|188|189(?:\.1|\.5)?|190(?:\.\d{1,2})?|191(?:\.5)?)${ANY_SUBDIVISION}`;

const SUPERSTRIKE_BODIES = [
  '37', '128', HOMICIDE, '205', '207', String.raw`209(?:\.5)?`, String.raw`217\.1`, '218', '219', '220',
  String.raw`245\(D\)\(3\)`, `26[12]${ANY_SUBDIVISION}`, String.raw`264\.1`, '269', `273AB${ANY_SUBDIVISION}`,
  String.raw`286(?:\(C\)\([123]\)(?:\([ABC]\))?|\(D\)\([123]\))?`, '287',
  String.raw`288(?:\(A\)|\(B\)\([12]\))?`, String.raw`288A(?:\(D\)|\(C\)\(1\)|\(C\)\(2\)\([ABC]\))?`,
  String.raw`288\.5(?:\(A\))?`, String.raw`289(?:\(J\)|\(A\)\(1\)\([ABC]\)|\(A\)\(2\)\(C\))?`,
  String.raw`451\.5`, '653F', String.raw`667\.(?:61|7|71)`, '4500',
  String.raw`11418(?:\(A\)\(1\)|\(B\)\([12]\))`, '12308', '12310', '18745', '18755',
];
const GANG_ENHANCEMENT = String.raw`186\.22\(B\)\(4\)`;
const ENHANCEABLE = String.raw`(?:136\.1|215|213\(A\)\(1\)\(A\)|246|519|12022\.55)`;

/**
 * An attempt (PC 664) written before the attempted section, `664/187(A) PC`: it matches wherever the attempted
 * section does (attempted homicide is a superstrike; PC 290(c) covers attempts).
 */
const ATTEMPT = String.raw`(?:664\s*/\s*)?`;

const SUPERSTRIKE_PATTERN = new RegExp(
  String.raw`^${ATTEMPT}(?:(?:${SUPERSTRIKE_BODIES.join('|')})\s*PC` +
    String.raw`|1672\(A\)\s*MV` +
    String.raw`|${ENHANCEABLE}(?![\d.]).*${GANG_ENHANCEMENT}\s*PC` +
    String.raw`|${GANG_ENHANCEMENT}.*(?<![\d.])${ENHANCEABLE}\s*PC)$`,
  'i',
);

// PC 290 registrable offenses. Each accepts further subdivisions, except where the appendix lists the
// exact subdivisions (262(A)/(A)(1), 311.2(B)-(D), 314(1)/(2), 653F(B)/(C)). PC 288 with ANY subdivision
// (e.g. `288(A) PC`) counts, which the reference tool missed.
const PC290_BODIES = [
  String.raw`236\.1\([BC]\)${ANY_SUBDIVISION}`, String.raw`243\.4${ANY_SUBDIVISION}`, `261${ANY_SUBDIVISION}`,
  String.raw`262\(A\)(?:\(1\))?`, String.raw`264\.1${ANY_SUBDIVISION}`, `266${ANY_SUBDIVISION}`,
  `266C${ANY_SUBDIVISION}`, String.raw`266H\(B\)${ANY_SUBDIVISION}`, String.raw`266I\(B\)${ANY_SUBDIVISION}`,
  `266J${ANY_SUBDIVISION}`, `267${ANY_SUBDIVISION}`, `269${ANY_SUBDIVISION}`, `272${ANY_SUBDIVISION}`,
  `285${ANY_SUBDIVISION}`, `286${ANY_SUBDIVISION}`, `287${ANY_SUBDIVISION}`, `288${ANY_SUBDIVISION}`,
  `288A${ANY_SUBDIVISION}`, String.raw`288\.[23457]${ANY_SUBDIVISION}`, `289${ANY_SUBDIVISION}`,
  String.raw`311\.1${ANY_SUBDIVISION}`, String.raw`311\.2\([BCD]\)`, String.raw`311\.(?:3|4|10|11)${ANY_SUBDIVISION}`,
  String.raw`314\([12]\)`, String.raw`451\.5${ANY_SUBDIVISION}`, String.raw`647\.6${ANY_SUBDIVISION}`,
  `647A${ANY_SUBDIVISION}`, String.raw`653F\([BC]\)`,
];
const PC290_PATTERN = new RegExp(String.raw`^${ATTEMPT}(?:${PC290_BODIES.join('|')})\s*PC$`, 'i');

/** A superstrike (PC 667(e)(2)(C)(iv)) section. */
export function isSuperstrike(codeSection: string): boolean {
  return SUPERSTRIKE_PATTERN.test(codeSection.trim());
}

/** A PC 290 registrable section. */
export function isPc290(codeSection: string): boolean {
  return PC290_PATTERN.test(codeSection.trim());
}

// "Related charges" of the what-if scenario (eligibility.md), matched case-insensitively, whole section.
const RELATED_PATTERN = new RegExp(
  String.raw`^(?:647\(F\)\s*PC|602${ANY_SUBDIVISION}\s*PC|466\s*PC|148\.9${ANY_SUBDIVISION}\s*PC|148${ANY_SUBDIVISION}\s*PC` +
    String.raw`|11364${ANY_SUBDIVISION}\s*HS|11550${ANY_SUBDIVISION}\s*HS|4140\s*BP|4149\s*BP|4060\s*BP|40508${ANY_SUBDIVISION}\s*VC` +
    String.raw`|1320${ANY_SUBDIVISION}\s*PC)$`,
  'i',
);

/** A charge of the "dismiss all Prop 64 and related charges" scenario. */
export function isRelatedCharge(codeSection: string): boolean {
  return RELATED_PATTERN.test(codeSection.trim());
}

// Convictions a Prop 64 count may have been pleaded down to or charged beside (eligibility.md, relatedConvictions):
// accessory (PC 32; People v. Boatwright, 2019), HS 11364 and HS 11366, whole section, any subdivision.
const PROP64_RELATED_PATTERN = new RegExp(String.raw`^(?:32\s*PC|1136[46]${ANY_SUBDIVISION}\s*HS)$`, 'i');

/** A PC 32, HS 11364 or HS 11366 section: evaluated beside a Prop 64 conviction of the same cycle when asked. */
export function isProp64RelatedSection(codeSection: string): boolean {
  return PROP64_RELATED_PATTERN.test(codeSection.trim());
}

/** Label under which related convictions are counted by section (they have no Prop 64 section). */
export const RELATED_SECTION_LABEL = 'Related (PC 32, HS 11364, HS 11366)';
