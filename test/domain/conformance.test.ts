/**
 * Conformance with the reference tool (shared/fixtures/doj/conformance): the published reference results on
 * real-shaped rows, county SACRAMENTO, computed at 2019-11-11 with eligibility_options.json (see run.json).
 * The corrected superstrike and PC 290 matching (homicide sections with a subdivision, `664/` attempts) changes no
 * cell: the input holds no such section (checked below).
 */
import * as path from 'node:path';
import { Summary } from '../../lambdas/domain/summary';
import { compareCsv, describeDifferences, parseCsvText } from '../helpers/csv-compare';
import { FixtureResult, readFixtureJson, readFixtureText, runFixture } from '../helpers/run-fixture';

const DIR = 'conformance';
interface RunSpec {
  input: string;
  county: string;
  computeAt: string;
  options: string;
}
const spec = readFixtureJson<RunSpec>(`${DIR}/run.json`);
const input = readFixtureText(`${DIR}/${spec.input}`);
const policy = readFixtureJson(path.posix.normalize(`${DIR}/${spec.options}`));

const OUTPUTS = [
  ['allResults', 'expected_All_Results.csv'],
  ['prop64Results', 'expected_Prop64_Results.csv'],
  ['condensed', 'expected_All_Results_Condensed.csv'],
] as const;

function run(overrides: Partial<Parameters<typeof runFixture>[0]> = {}): Promise<FixtureResult> {
  return runFixture({ files: [{ name: spec.input, content: Buffer.from(input, 'latin1') }], county: spec.county, computeAt: spec.computeAt, policy, ...overrides });
}

/** The summary without what depends on the run (timings, run id). */
function stable(summary: Summary): Partial<Summary> {
  const { processingTimeInSeconds: _time, timings: _timings, ...rest } = summary;
  return rest;
}

let result: FixtureResult;
beforeAll(async () => {
  result = await run();
});

test('the input holds no attempt (664/) and no homicide section with a subdivision: every cell still equals the reference', () => {
  expect(input).not.toMatch(/664\s*\//);
  expect(input).not.toMatch(/(?:^|[,"])(?:18[789]|189\.[15]|19[01](?:\.\d{1,2})?)\(/m);
});

test('run.json describes the run this test makes', () => {
  expect(spec).toMatchObject({ county: 'SACRAMENTO', computeAt: '2019-11-11', options: '../eligibility_options.json' });
});

describe.each(OUTPUTS)('%s equals %s on every cell, header included', (output, expectedFile) => {
  test('every cell', () => {
    const expected = readFixtureText(`${DIR}/${expectedFile}`);
    const differences = compareCsv(expected, result[output]);
    expect(describeDifferences(differences)).toBe('');
    // the comparison is not vacuous: both sides hold the rows
    expect(parseCsvText(result[output]).length).toBe(parseCsvText(expected).length);
    expect(parseCsvText(expected).length).toBeGreaterThan(1);
  });

  test('lines end with LF only', () => {
    expect(result[output]).not.toContain('\r');
    expect(result[output].endsWith('\n')).toBe(true);
  });
});

test('summary.json equals the reference summary except the run time and the wall-clock 7-year counts', () => {
  const reference = readFixtureJson<Record<string, unknown>>(`${DIR}/gogen_summary.json`);
  const ours = result.summary as unknown as Record<string, unknown>;
  const comparable = (summary: Record<string, unknown>) => {
    const copy = structuredClone(summary);
    delete copy.processingTimeInSeconds;
    for (const key of ['reliefWithCurrentEligibilityChoices', 'reliefWithDismissAllProp64']) {
      delete (copy[key] as Record<string, unknown>).CountSubjectsNoConvictionLast7Years;
    }
    return copy;
  };
  const ourReferenceFields = Object.fromEntries(Object.keys(reference).map((key) => [key, ours[key]]));
  expect(comparable(ourReferenceFields)).toEqual(comparable(reference));
  expect(typeof result.summary.processingTimeInSeconds).toBe('number');
  expect(result.summary.reliefWithCurrentEligibilityChoices.CountSubjectsNoConvictionLast7Years).toEqual(expect.any(Number));
  expect(result.summary.status).toBe('SUCCEEDED');
});

test('no row is rejected', () => {
  expect(result.summary.rowsRejected).toBe(0);
  expect(parseCsvText(result.rejects)).toEqual([['file', 'line', 'code', 'reason', 'text']]);
});

describe('the same outputs, byte for byte, however the work is cut', () => {
  test.each([
    ['tiny ranges, several partitions', { sizing: { targetRangeBytes: 2000, targetPartitionBytes: 3000 } }],
    ['one-byte ranges, many partitions', { sizing: { targetRangeBytes: 1, targetPartitionBytes: 500 } }],
    ['one partition per 100 bytes, 7-byte reads, one task at a time', { sizing: { targetRangeBytes: 777, targetPartitionBytes: 100, maxPartitions: 150 }, readChunkBytes: 7, concurrency: 1 }],
    ['many tasks at once', { sizing: { targetRangeBytes: 1500, targetPartitionBytes: 1000 }, concurrency: 16 }],
  ])('%s', async (_, overrides) => {
    const cut = await run(overrides);
    expect(cut.plan.ranges.length).toBeGreaterThan(3);
    expect(cut.plan.partitionCount).toBeGreaterThan(3);
    expect(cut.allResults).toBe(result.allResults);
    expect(cut.prop64Results).toBe(result.prop64Results);
    expect(cut.condensed).toBe(result.condensed);
    expect(cut.rejects).toBe(result.rejects);
    expect(stable(cut.summary)).toEqual(stable(result.summary));
  });
});
