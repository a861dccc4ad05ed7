/** The county names (lambdas/domain/counties.ts): the 58 counties exactly as STP_ORI_CNTY_NAME writes them. */
import { CALIFORNIA_COUNTIES, isCaliforniaCounty } from '../../lambdas/domain/counties';

describe('California counties', () => {
  it('are 58 distinct upper-case names, in alphabetical order', () => {
    expect(CALIFORNIA_COUNTIES).toHaveLength(58);
    expect(new Set(CALIFORNIA_COUNTIES).size).toBe(58);
    expect([...CALIFORNIA_COUNTIES].sort()).toEqual(CALIFORNIA_COUNTIES);
    for (const county of CALIFORNIA_COUNTIES) expect(county).toBe(county.toUpperCase());
  });

  it('tell a county name from any other value, exactly as written', () => {
    expect(isCaliforniaCounty('LOS ANGELES')).toBe(true);
    expect(isCaliforniaCounty('SAN LUIS OBISPO')).toBe(true);
    for (const other of ['Los Angeles', 'LOS  ANGELES', ' SUTTER', 'SUTTER ', '', 'CLARK', '123-45-6789']) expect(isCaliforniaCounty(other)).toBe(false);
  });
});
