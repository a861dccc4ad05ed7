/**
 * No personal data outside results/: unique canary values planted in the name, birth date, SSN, CII and OFN
 * columns of a generated extract must not appear in any file under reports/ (summary.json, statistics.csv,
 * report.html), in anything the run logs, or in the statistics that the ledger stores. They must appear in
 * results/ (the court list), which proves the search would find them.
 */
import { COL } from '../../../lambdas/domain/columns';
import { extractText, generatedRows, runReport } from './report-fixture';

const CANARIES = [0, 1, 2].map((i) => ({
  name: `QXCANARY${i},ZEBULON K`,
  dob: `1933051${i + 1}`,
  dobForms: [`1933051${i + 1}`, `1933-05-1${i + 1}`, `05/1${i + 1}/1933`],
  ssn: `90011773${i}`,
  cii: `C1Q9Z773${i}`,
  ofn: `OFNCANARY773${i}`,
}));

function allCanaryStrings(): string[] {
  return CANARIES.flatMap((c) => [c.name, 'QXCANARY', ...c.dobForms, c.ssn, c.cii, c.ofn]);
}

test('canary values from the extract never reach reports/, logs or statistics; they do reach results/', async () => {
  const rows = generatedRows({ county: 'LOS ANGELES', people: 400, seed: 11 });
  const subjects = [...new Set(rows.map((row) => row[COL.SUBJECT_ID]))].slice(10, 13);
  for (const row of rows) {
    const index = subjects.indexOf(row[COL.SUBJECT_ID]);
    if (index < 0) continue;
    const canary = CANARIES[index];
    row[COL.PRI_NAME] = canary.name;
    row[COL.PRI_DOB] = canary.dob;
    row[COL.PRI_SSN] = canary.ssn;
    row[COL.CII_NUMBER] = canary.cii;
    if (row[COL.OFN] !== '') row[COL.OFN] = canary.ofn;
  }

  const logged: string[] = [];
  const capture = (...args: unknown[]) => void logged.push(args.map(String).join(' '));
  const spies = [
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((method) => jest.spyOn(console, method).mockImplementation(capture)),
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => (capture(chunk), true)),
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (capture(chunk), true)),
  ];
  let run;
  try {
    run = await runReport({
      files: [{ name: 'la.csv', content: extractText(rows) }],
      county: 'LOS ANGELES',
      computeAt: '2020-07-01',
      policy: 'dismiss-all', // everyone is relieved, so the canaries are in the court list
      scenarioPresets: ['los-angeles-2020'],
      sizing: { targetRangeBytes: 200_000, targetPartitionBytes: 200_000 },
    });
  } finally {
    spies.forEach((spy) => spy.mockRestore());
  }

  // the search works: every canary is in results/
  for (const canary of CANARIES) {
    for (const value of [canary.name, canary.dobForms[2], canary.cii]) expect(run.courtMotions).toContain(value);
    for (const value of [canary.name, canary.dob, canary.ssn, canary.cii, canary.ofn]) expect(run.allResults).toContain(value);
  }
  // (a relieved case may have no OFN; at least one canary case number is on the list)
  expect(CANARIES.some((canary) => run.courtMotions.includes(canary.ofn))).toBe(true);

  const reportFiles = run.reportKeys;
  expect(reportFiles.map((key) => key.split('/').pop()).sort()).toEqual(['report.html', 'statistics.csv', 'summary.json']);
  // statistics (what the ledger holds): every partition's and range's partial statistics, in the work area
  const statisticsFiles = run.store.keys().filter((key) => key.endsWith('.stats.json') || key.endsWith('/result.json'));
  expect(statisticsFiles.length).toBeGreaterThan(2);
  const places: Array<[string, string]> = [
    ...[...reportFiles, ...statisticsFiles].map((key): [string, string] => [key, run.store.text(key, 'latin1')]),
    ['logs', logged.join('\n')],
  ];
  for (const [place, text] of places) {
    for (const value of allCanaryStrings()) {
      if (text.includes(value)) throw new Error(`canary ${JSON.stringify(value)} found in ${place}`);
    }
  }
});
