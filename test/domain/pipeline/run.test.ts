/**
 * runInProcess as a whole: request validation before any work, the shared fixture files, failures that still
 * publish summary.json, progress, and byte preservation. Deviations from the reference: ../deviations.test.ts.
 */
import { gzipSync } from 'node:zlib';
import { formatIsoDate, todayUtc } from '../../../lambdas/domain/dates';
import { Progress, runInProcess } from '../../../lambdas/domain/pipeline/run';
import { COL } from '../../../lambdas/domain/columns';
import { parseCsvText } from '../../helpers/csv-compare';
import { convictionRow, dojCsv, DOJ_HEADER } from '../../helpers/doj-rows';
import { MemoryObjectStore } from '../../helpers/memory-store';
import { FixtureRequest, readFixtureBytes, readFixtureText, runFixture, runFixtureExpectingFailure } from '../../helpers/run-fixture';
import { PolicyError } from '../../../lambdas/domain/errors';

const extract = dojCsv([
  convictionRow({ subjectId: '1', recordId: 'r1', offense: '11358 HS-CULTIVATE', date: '20100101' }),
  convictionRow({ subjectId: '2', recordId: 'r2', offense: '11359 HS-POSSESS FOR SALE', date: '20150101' }),
]);

function request(overrides: Partial<FixtureRequest> = {}): FixtureRequest {
  return { files: [{ name: 'extract.csv', content: extract }], county: 'SACRAMENTO', computeAt: '2020-07-01', ...overrides };
}

describe('the request is validated before any work, each error naming the bad field and value', () => {
  test.each<[string, Partial<FixtureRequest>, string, RegExp]>([
    ['a malformed computeAt', { computeAt: '2020-13-01' }, 'InputError', /computeAt: "2020-13-01"/],
    ['a computeAt in another form', { computeAt: '07/01/2020' }, 'InputError', /computeAt: "07\/01\/2020"/],
    ['a reject ratio above 1', { maxRejectRatio: 1.5 }, 'InputError', /maxRejectRatio: 1\.5/],
    ['a negative reject ratio', { maxRejectRatio: -0.1 }, 'InputError', /maxRejectRatio: -0\.1/],
    ['an empty county', { county: '  ' }, 'InputError', /county: ""/],
    ['no input file', { files: [] }, 'InputError', /files/],
    ['a gzip upload', { files: [{ name: 'extract.csv.gz', content: gzipSync(extract) }] }, 'InputError', /extract\.csv\.gz is not a CSV text file \(it looks like gzip\)/],
    ['a zip upload', { files: [{ name: 'extract.xlsx', content: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]) }] }, 'InputError', /extract\.xlsx .*zip/],
    ['an unknown preset', { policy: 'los-angeles' }, 'PolicyError', /preset: "los-angeles"/],
    ['an unknown scenario preset', { scenarioPresets: ['dismiss-some'] }, 'PolicyError', /preset: "dismiss-some"/],
    ['a policy with a misspelt option', { policy: { additionalRelief: { subjectIsDeceaced: true } } }, 'PolicyError', /additionalRelief\.subjectIsDeceaced: unknown option/],
  ])('%s', async (_, overrides, name, message) => {
    const failure = await runFixtureExpectingFailure(request(overrides));
    expect(failure.error.name).toBe(name);
    expect(failure.error.message).toMatch(message);
    if (name === 'PolicyError') expect(failure.error).toBeInstanceOf(PolicyError);
    // nothing was written but the uploads
    expect(failure.store.keys().filter((key) => !key.startsWith('uploads/'))).toEqual([]);
  });

  test('a missing input file names the upload', async () => {
    const store = new MemoryObjectStore();
    const run = runInProcess(store, {
      runId: 'r',
      county: 'SACRAMENTO',
      policy: {},
      files: [{ key: 'uploads/none.csv', name: 'none.csv' }],
      workPrefix: 'work/',
      resultsPrefix: 'results/',
      reportsPrefix: 'reports/',
    });
    await expect(run).rejects.toMatchObject({ name: 'InputError', message: expect.stringContaining('none.csv: no such input file') });
  });
});

describe('requests that are valid', () => {
  test('a preset by name: its name is the policy name', async () => {
    const result = await runFixture(request({ policy: 'dismiss-all' }));
    expect(result.summary.policyName).toBe('dismiss-all');
    expect(result.summary.convictionDismissalCountByCodeSection).toEqual({ '11357': 0, '11358': 1, '11359': 1, '11360': 0 });
  });

  test('a policy object is "custom" unless named', async () => {
    expect((await runFixture(request({ policy: {} }))).summary.policyName).toBe('custom');
    expect((await runFixture(request({ policy: {}, policyName: 'policies/SACRAMENTO.json' }))).summary.policyName).toBe('policies/SACRAMENTO.json');
  });

  test('compute-at defaults to today (UTC)', async () => {
    const before = formatIsoDate(todayUtc());
    const result = await runFixture({ ...request(), computeAt: undefined });
    expect([before, formatIsoDate(todayUtc())]).toContain(result.summary.computeAt);
  });

  test('scenario presets are reported beside the built-in what-ifs', async () => {
    const result = await runFixture(request({ policy: {}, scenarioPresets: ['dismiss-all', 'reference-default'] }));
    expect(Object.keys(result.summary.scenarios).sort()).toEqual(['dismiss-all', 'dismissAllProp64', 'dismissAllProp64AndRelated', 'reference-default']);
    expect(result.summary.scenarios['dismiss-all'].convictionsDismissed).toBe(2);
  });

  test('an empty file among the inputs is fine', async () => {
    const result = await runFixture(request({ files: [{ name: 'empty.csv', content: '' }, { name: 'extract.csv', content: extract }] }));
    expect(result.summary.files.map((file) => [file.name, file.rowsRead])).toEqual([['empty.csv', 0], ['extract.csv', 2]]);
    expect(parseCsvText(result.allResults)).toHaveLength(3);
  });
});

describe('the shared fixture files', () => {
  test('no_headers.csv and extra_comma.csv (a 96-field header) give the same results', async () => {
    const run = (name: string) => runFixture({ files: [{ name, content: readFixtureBytes(name) }], county: 'SAN JOAQUIN', computeAt: '2019-11-11' });
    const noHeader = await run('no_headers.csv');
    const extraComma = await run('extra_comma.csv');
    expect(noHeader.summary.files[0]).toMatchObject({ header: 'absent', rowsRead: 38, rowsRejected: 0 });
    expect(extraComma.summary.files[0]).toMatchObject({ header: 'present', rowsRead: 38, rowsRejected: 0 });
    expect(extraComma.allResults).toBe(noHeader.allResults);
    expect(extraComma.prop64Results).toBe(noHeader.prop64Results);
    expect(parseCsvText(noHeader.prop64Results).length).toBeGreaterThan(1);
  });

  test('bad.csv: every row rejected with its line, the run fails and says where to look', async () => {
    const failure = await runFixtureExpectingFailure({ files: [{ name: 'bad.csv', content: readFixtureBytes('bad.csv') }], county: 'SACRAMENTO', computeAt: '2019-11-11' });
    const dataLines = readFixtureText('bad.csv').split('\n').filter((line) => line !== '').length - 1;
    expect(failure.error.name).toBe('RejectRatioExceeded');
    expect(failure.error.message).toContain('rejects.csv');
    const rejects = parseCsvText(failure.rejects ?? '').slice(1);
    expect(rejects).toHaveLength(dataLines);
    expect(rejects.map((reject) => Number(reject[1]))).toEqual(Array.from({ length: dataLines }, (_, i) => i + 2));
    expect(failure.summary).toMatchObject({ status: 'FAILED', rowsRead: dataLines, rowsRejected: dataLines });
  });

  // Regression: a blank first line once hid the header, which was then classified as a data row.
  test('a blank line before the header: the header is still recognised', async () => {
    const result = await runFixture(request({ files: [{ name: 'extract.csv', content: `\n${extract}` }] }));
    expect(result.summary.files[0]).toMatchObject({ header: 'present', rowsRead: 2, blankLines: 1 });
    expect(parseCsvText(result.allResults).slice(1).map((row) => row[COL.RECORD_ID])).toEqual(['r1', 'r2']);
  });

  test('a header and nothing else: the run fails, summary.json says why', async () => {
    const failure = await runFixtureExpectingFailure(request({ files: [{ name: 'extract.csv', content: `${DOJ_HEADER}\n` }] }));
    expect(failure.error.name).toBe('InputError');
    expect(failure.error.message).toMatch(/no data rows/);
    expect(failure.summary).toMatchObject({ status: 'FAILED', lineCount: 0 });
  });
});

test('progress goes plan, split, classify, assemble, each to its total', async () => {
  const store = new MemoryObjectStore();
  store.put('uploads/x.csv', readFixtureBytes('conformance/input.csv'));
  const events: Progress[] = [];
  await runInProcess(
    store,
    {
      runId: 'p',
      county: 'SACRAMENTO',
      computeAt: '2019-11-11',
      policy: {},
      files: [{ key: 'uploads/x.csv', name: 'x.csv' }],
      sizing: { targetRangeBytes: 4000, targetPartitionBytes: 4000 },
      workPrefix: 'work/p/',
      resultsPrefix: 'results/p/',
      reportsPrefix: 'reports/p/',
    },
    { onProgress: (progress) => events.push({ ...progress }) },
  );
  const phases = events.map((event) => event.phase).filter((phase, i, all) => phase !== all[i - 1]);
  expect(phases).toEqual(['plan', 'split', 'classify', 'assemble']);
  for (const phase of ['split', 'classify', 'assemble'] as const) {
    const last = events.filter((event) => event.phase === phase).pop()!;
    expect(last.done).toBe(last.total);
    expect(last.total).toBeGreaterThan(0);
  }
  expect(store.keys()).toEqual(
    expect.arrayContaining(['results/p/All_Results.csv', 'results/p/Prop64_Results.csv', 'results/p/All_Results_Condensed.csv', 'results/p/rejects.csv', 'reports/p/summary.json']),
  );
});

test('nothing under reports/ (summary.json and any other report) holds personal data from the extract', async () => {
  const input = readFixtureText('conformance/input.csv');
  const result = await runFixture({ files: [{ name: 'input.csv', content: Buffer.from(input, 'latin1') }], county: 'SACRAMENTO', computeAt: '2019-11-11' });
  const rows = parseCsvText(input).slice(1);
  const personal = new Set<string>();
  for (const row of rows) {
    for (const index of [COL.SUBJECT_ID, COL.PRI_NAME, COL.PRI_DOB, COL.CII_NUMBER, COL.REQ_CII_NUMBER, COL.OFN]) {
      const value = row[index].trim();
      if (value.length >= 5 && value !== 'NULL') personal.add(value);
    }
  }
  expect(personal.size).toBeGreaterThan(10);
  const reports = result.store.keys().filter((key) => key.startsWith('reports/'));
  expect(reports).toContain('reports/test-run/summary.json');
  for (const key of reports) {
    const text = result.store.text(key);
    expect([key, [...personal].filter((value) => text.includes(value))]).toEqual([key, []]);
  }
});

test('every input byte survives: UTF-8 and Latin-1 names come out as they went in', async () => {
  // Names as latin1 strings (one char per byte): the UTF-8 bytes of "MUÑOZ,JOSÉ", and "PÉREZ" in Latin-1.
  const utf8Name = Buffer.from('MUÑOZ,JOSÉ', 'utf8').toString('latin1');
  const latin1Name = Buffer.from([0x50, 0xc9, 0x52, 0x45, 0x5a]).toString('latin1');
  const text = dojCsv([
    convictionRow({ subjectId: '1', recordId: 'r1', offense: '11358 HS', date: '20100101', extra: { PRI_NAME: utf8Name } }),
    convictionRow({ subjectId: '2', recordId: 'r2', offense: '11358 HS', date: '20100101', extra: { PRI_NAME: latin1Name } }),
  ]);
  const result = await runFixture(request({ files: [{ name: 'names.csv', content: Buffer.from(text, 'latin1') }] }));
  const names = (csv: string) => parseCsvText(csv).slice(1).map((row) => row[COL.PRI_NAME]);
  expect(names(result.allResults)).toEqual([utf8Name, latin1Name]);
  expect(parseCsvText(result.condensed).slice(1).map((row) => row[1])).toEqual([utf8Name, latin1Name]);
});
