import {
  codeSectionOf,
  isPc290,
  isRelatedCharge,
  isSectionInComment,
  isSuperstrike,
  possibleOtherProp64Charge,
  prop64SectionIndex,
  subsection11357,
} from '../../lambdas/domain/sections';

describe('code section of a row', () => {
  test.each([
    ['11357(A) HS-POSSESS MARIJUANA', 'IGNORED', '11357(A) HS'],
    ['11359HS-INTENT SELL CANNABIS', '', '11359HS'],
    ['187 PC-MURDER', '', '187 PC'],
    ['459 PC', '', '459 PC'],
    [' 11357 HS -X', '', ' 11357 HS '],
    ['SEE COMMENT FOR CHARGE', '11358 HS-CULTIVATE CANNABIS', '11358 HS'],
    ['', '11360(A) HS-TRANSPORT', '11360(A) HS'],
    ['   ', '11359 HS', '11359 HS'],
    [' SEE COMMENT FOR CHARGE ', '11357 HS-X', '11357 HS'],
    ['SEE COMMENT FOR CHARGE', '', ''],
  ])('OFFENSE_DESCR %j, COMMENT_TEXT %j → %j (text before the first -, untrimmed)', (offense, comment, section) => {
    expect(codeSectionOf(offense, comment)).toBe(section);
  });

  test('only a blank OFFENSE_DESCR or SEE COMMENT FOR CHARGE sends the reader to the comment', () => {
    expect(isSectionInComment('')).toBe(true);
    expect(isSectionInComment('SEE COMMENT FOR CHARGE')).toBe(true);
    expect(isSectionInComment('SEE COMMENT')).toBe(false);
    expect(isSectionInComment('11357 HS')).toBe(false);
  });
});

describe('Prop 64 sections', () => {
  test.each([
    ['11357 HS', 0],
    ['11357(C)HS', 0],
    ['11358(C) HS', 1],
    ['11359HS', 2],
    ['11359(B) HS', 2],
    ['11360(A) HS', 3],
    ['11360', 3],
    ['HS 11360 AND 11357', 3],
    ['459 PC', -1],
    ['11350(A) HS', -1],
    ['11361 HS', -1],
    ['1136 0 HS', -1],
    ['', -1],
  ])('%j → index %i (leftmost Prop 64 section contained)', (section, index) => {
    expect(prop64SectionIndex(section)).toBe(index);
  });

  test.each([
    ['11357(A) HS', 'A'],
    ['11357(D)HS', 'D'],
    ['11357 HS', ''],
    ['11357(E) HS', ''],
    ['11359(B) HS', ''],
  ])('11357 subdivision of %j is %j', (section, letter) => {
    expect(subsection11357(section)).toBe(letter);
  });
});

describe('Possible Other P64 Charges', () => {
  test.each([
    // [OFFENSE_DESCR, COMMENT_TEXT, expected, why]
    ['SEE COMMENT FOR CHARGE', '11357 HS-POSSESS CANNABIS', '', 'the section came from the comment'],
    ['', '11359 HS-POSSESS FOR SALE', '', 'the section came from the comment'],
    ['459 PC-BURGLARY', '11359 HS-POSSESS CANNABIS FOR SALE', '11359 HS-POSSESS CANNABIS FOR SALE', 'OFFENSE_DESCR names no Prop 64 section'],
    ['459 PC-BURGLARY', 'AMENDED COMPLAINT', '', 'the comment names no Prop 64 section'],
    ['11359 HS-POSSESS FOR SALE', '11360(A) HS-TRANSPORT CANNABIS', '11360(A) HS-TRANSPORT CANNABIS', 'a different section'],
    ['11357 HS-POSSESS', '11359 HS AND 11357 HS', '11359 HS AND 11357 HS', 'a different FIRST section'],
    ['11359 HS-POSSESS FOR SALE', '11359 HS-POSSESS CANNABIS FOR SALE', '', 'the same section (not 11357)'],
    ['11358 HS-CULTIVATE', '11358(C) HS-6+ PLANTS', '', 'the same section (not 11357), whatever the subdivision'],
    ['11357(A) HS-POSSESS', '11357(C) HS-OVER 1 OZ', '11357(C) HS-OVER 1 OZ', '{A,B} against {C,D}'],
    ['11357(D) HS-SCHOOL', '11357(B) HS-28.5 GRAMS', '11357(B) HS-28.5 GRAMS', '{C,D} against {A,B}'],
    ['11357(A) HS-POSSESS', '11357(B) HS-POSSESS', '', 'both in {A,B}'],
    ['11357(C) HS-POSSESS', '11357(D) HS-POSSESS', '', 'both in {C,D}'],
    ['11357 HS-POSSESS', '11357(A) HS-POSSESS CANNABIS', '11357(A) HS-POSSESS CANNABIS', 'only the comment has a subdivision'],
    ['11357(A) HS-POSSESS', '11357 HS-POSSESS CANNABIS', '', 'only OFFENSE_DESCR has a subdivision'],
    ['11357 HS-POSSESS', '11357 HS-POSSESS CANNABIS', '', 'neither has a subdivision'],
  ])('%j with comment %j → %j (%s)', (offense, comment, expected) => {
    expect(possibleOtherProp64Charge(offense, comment)).toBe(expected);
  });
});

describe('superstrikes (PC 667(e)(2)(C)(iv)), whole-section matching', () => {
  const superstrikes = [
    '37 PC', '128 PC', '187 PC', '188 PC', '189 PC', '189.1 PC', '189.5 PC', '190 PC', '190.2 PC', '190.25 PC', '190(A) PC',
    '190.2(A)(17) PC', '191 PC', '191.5 PC', '205 PC', '207 PC', '209 PC', '209.5 PC', '217.1 PC', '218 PC', '219 PC', '220 PC',
    '245(D)(3) PC', '261 PC', '261(A)(2) PC', '262 PC', '262(A)(1) PC', '264.1 PC', '269 PC', '273AB PC', '273AB(A) PC',
    '286 PC', '286(C)(1) PC', '286(C)(2)(B) PC', '286(C)(3) PC', '286(D)(3) PC', '287 PC', '288 PC', '288(A) PC',
    '288(B)(1) PC', '288(B)(2) PC', '288A PC', '288A(D) PC', '288A(C)(1) PC', '288A(C)(2)(A) PC', '288A(C)(2)(C) PC',
    '288.5 PC', '288.5(A) PC', '289 PC', '289(J) PC', '289(A)(1)(A) PC', '289(A)(1)(C) PC', '289(A)(2)(C) PC', '451.5 PC',
    '653F PC', '667.61 PC', '667.7 PC', '667.71 PC', '4500 PC', '11418(A)(1) PC', '11418(B)(1) PC', '11418(B)(2) PC',
    '12308 PC', '12310 PC', '18745 PC', '18755 PC', '1672(A) MV',
    // the gang enhancement with one of the enhanceable offenses, either order
    '246/186.22(B)(4) PC', '136.1(B)(1) 186.22(B)(4) PC', '186.22(B)(4)/519 PC', '186.22(B)(4) 12022.55 PC', '215 186.22(B)(4) PC',
    '213(A)(1)(A)/186.22(B)(4) PC',
    // as the outputs carry them: untrimmed, any case, no space before PC
    '187 PC ', ' 187 PC', '288a pc', '187PC',
    // the homicide sections 187 to 191.5 with any subdivision
    '187(A) PC', '187(B) PC', '188(A)(1) PC', '189(A) PC', '189.1(B) PC', '191.5(A) PC', '191.5(C)(1) PC', '191(A) PC',
    // attempts (PC 664) match wherever the attempted section does
    '664/187(A) PC', '664/187 PC', '664 / 187(A) PC', '664/191.5(A) PC', '664/261 PC', '664/261(A)(2) PC', '664/288.5 PC',
    '664/246/186.22(B)(4) PC',
  ];
  test.each(superstrikes)('%j is a superstrike', (section) => {
    expect(isSuperstrike(section)).toBe(true);
  });

  const notSuperstrikes = [
    '1187 PC', '2187 PC', '1870 PC', '187 VC', '187.1 PC', '191.6 PC', '664 PC', '664/459 PC', '664/1187 PC', '664187 PC',
    '664/187 VC', '1664/187 PC', '137 PC', '137.5 PC', '1288 PC', '288(C) PC', '288(B)(3) PC',
    '286(E) PC', '286(C)(4) PC', '288A(C)(3) PC', '288.5(B) PC', '289(B) PC', '11418(A)(2) PC', '245(A)(1) PC', '1672 MV',
    '186.22(B)(4) PC', '246 PC', '136.1 PC', '12022.55 PC', '2246/186.22(B)(4) PC', '136.11/186.22(B)(4) PC',
    '186.22(B)(4) 1246 PC', '246/186.22(B)(1) PC', '459 PC', '11359 HS', '', '187 PC AND 459 PC',
  ];
  test.each(notSuperstrikes)('%j is not a superstrike', (section) => {
    expect(isSuperstrike(section)).toBe(false);
  });
});

describe('PC 290 registrable offenses, whole-section matching', () => {
  const pc290 = [
    '236.1(B) PC', '236.1(C) PC', '236.1(C)(1) PC', '243.4 PC', '243.4(A) PC', '261 PC', '261(A)(2) PC', '262(A) PC',
    '262(A)(1) PC', '264.1 PC', '266 PC', '266C PC', '266H(B) PC', '266H(B)(1) PC', '266I(B) PC', '266J PC', '267 PC', '269 PC',
    '272 PC', '272(A)(1) PC', '285 PC', '286 PC', '286(C) PC', '287 PC', '288 PC',
    // PC 288 with any subdivision, which the reference missed
    '288(A) PC', '288(B)(1) PC', '288(C)(1) PC', '288(E) PC',
    '288A PC', '288A(B)(1) PC', '288.2 PC', '288.3 PC', '288.4(A) PC', '288.5 PC', '288.7(B) PC', '289 PC', '289(A)(1) PC',
    '311.1 PC', '311.1(A) PC', '311.2(B) PC', '311.2(C) PC', '311.2(D) PC', '311.3 PC', '311.4(A) PC', '311.10 PC',
    '311.11(A) PC', '314(1) PC', '314(2) PC', '451.5 PC', '647.6 PC', '647.6(A)(1) PC', '647A PC', '653F(B) PC', '653F(C) PC',
    '288(A) PC ', '288(a) pc',
    // attempts (PC 290(c))
    '664/261 PC', '664/288(A) PC', '664/289(A)(1) PC', '664/ 314(1) PC',
  ];
  test.each(pc290)('%j is a PC 290 offense', (section) => {
    expect(isPc290(section)).toBe(true);
  });

  const notPc290 = [
    '236.1(A) PC', '262 PC', '262(B) PC', '262(A)(2) PC', '266H PC', '266H(A) PC', '311.2 PC', '311.2(A) PC', '311.5 PC',
    '314 PC', '314(3) PC', '653F PC', '653F(A) PC', '1288 PC', '2288(A) PC', '288 HS', '288.1 PC', '288.6 PC', '647 PC',
    '647(B) PC', '290 PC', '1261 PC', '', '288(A) PC AND 459 PC', '664/262 PC', '664/647 PC', '664 PC',
  ];
  test.each(notPc290)('%j is not a PC 290 offense', (section) => {
    expect(isPc290(section)).toBe(false);
  });
});

describe('related charges (what-if scenario), case-insensitive', () => {
  test.each([
    '647(F) PC', '647(f) pc', '602 PC', '602(L) PC', '466 PC', '148.9 PC', '148.9(A) PC', '148 PC', '148(A)(1) PC', '11364 HS',
    '11364(A) HS', '11550 HS', '11550(A) HS', '4140 BP', '4149 BP', '4060 BP', '40508 VC', '40508(A) VC', '1320 PC', ' 602 PC ',
  ])('%j is a related charge', (section) => {
    expect(isRelatedCharge(section)).toBe(true);
  });

  test.each(['647(B) PC', '647 PC', '6020 PC', '1602 PC', '148.5 PC', '11364 PC', '1148 PC', '4060 VC', '14601 VC', '1320.5 PC', '11357 HS', ''])(
    '%j is not a related charge',
    (section) => {
      expect(isRelatedCharge(section)).toBe(false);
    },
  );
});
