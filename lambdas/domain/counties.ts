/**
 * California's 58 counties, written as in the DOJ extract's STP_ORI_CNTY_NAME (upper case): a copy of the shared
 * fixture ca/counties.json, which is not deployed. Used to tell a county name from any other value, so that only
 * county names are ever echoed into errors and reports (docs/security.md).
 */
export const CALIFORNIA_COUNTIES: readonly string[] = Object.freeze([
  'ALAMEDA', 'ALPINE', 'AMADOR', 'BUTTE', 'CALAVERAS', 'COLUSA', 'CONTRA COSTA', 'DEL NORTE', 'EL DORADO', 'FRESNO',
  'GLENN', 'HUMBOLDT', 'IMPERIAL', 'INYO', 'KERN', 'KINGS', 'LAKE', 'LASSEN', 'LOS ANGELES', 'MADERA', 'MARIN',
  'MARIPOSA', 'MENDOCINO', 'MERCED', 'MODOC', 'MONO', 'MONTEREY', 'NAPA', 'NEVADA', 'ORANGE', 'PLACER', 'PLUMAS',
  'RIVERSIDE', 'SACRAMENTO', 'SAN BENITO', 'SAN BERNARDINO', 'SAN DIEGO', 'SAN FRANCISCO', 'SAN JOAQUIN',
  'SAN LUIS OBISPO', 'SAN MATEO', 'SANTA BARBARA', 'SANTA CLARA', 'SANTA CRUZ', 'SHASTA', 'SIERRA', 'SISKIYOU',
  'SOLANO', 'SONOMA', 'STANISLAUS', 'SUTTER', 'TEHAMA', 'TRINITY', 'TULARE', 'TUOLUMNE', 'VENTURA', 'YOLO', 'YUBA',
]);

const COUNTY_SET: ReadonlySet<string> = new Set(CALIFORNIA_COUNTIES);

/** Whether `value` is exactly one of the 58 county names (as STP_ORI_CNTY_NAME writes them). */
export function isCaliforniaCounty(value: string): boolean {
  return COUNTY_SET.has(value);
}
