/**
 * The rollup handler against the embedded S3 stand-in through the real SDK: analytics/ seeded with the rows of real
 * runs (two counties, one of them twice), the three files written under reports/statewide/ with their Content-Type,
 * equal to what the domain builds from the same runs; nothing outside reports/statewide/ written.
 */
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { buildRollup, readLatestRuns, RollupSummary } from '../../../lambdas/domain/analytics/rollup';
import { ROLLUP_FILES, rollupFileTexts, STATEWIDE_REPORTS_PREFIX } from '../../../lambdas/domain/analytics/rollup-output';
import { ANALYTICS_PREFIX } from '../../../lambdas/domain/analytics/columns';
import { readText } from '../../../lambdas/domain/pipeline/object-store';
import type { RollupResult } from '../../../lambdas/rollup/handler';
import { AnalyticsFolder, AnalyticsRunSpec, runAnalyticsFolder } from '../../helpers/analytics-runs';
import { captureStdout, LambdaBench, startBench } from '../helpers';

jest.setTimeout(60_000);

/** Two counties, KERN twice: the roll-up must take the later run. Small: the roll-up needs runs, not rows. */
const RUNS: readonly AnalyticsRunSpec[] = [
  { county: 'KERN', computeAt: '2024-11-15', policy: 'reference-default', people: 40, seed: 11 },
  { county: 'MARIN', computeAt: '2025-01-10', policy: 'statute-conservative', people: 40, seed: 12 },
  { county: 'KERN', computeAt: '2025-01-15', policy: 'reference-default', people: 50, seed: 13 },
];

describe('rollup handler', () => {
  let bench: LambdaBench;
  let folder: AnalyticsFolder;
  let stdout: ReturnType<typeof captureStdout>;
  let rollup: (event: unknown) => Promise<RollupResult>;

  const keysUnder = async (prefix: string) => {
    const listed = await bench.s3.send(new ListObjectsV2Command({ Bucket: bench.bucket, Prefix: prefix }));
    return (listed.Contents ?? []).map((object) => object.Key!).sort();
  };

  beforeAll(async () => {
    stdout = captureStdout();
    bench = await startBench();
    folder = await runAnalyticsFolder(RUNS);
    for (const key of await folder.store.list(ANALYTICS_PREFIX)) await bench.put(key, await readText(folder.store, key));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    rollup = require('../../../lambdas/rollup/handler').handler;
  });

  afterAll(async () => {
    stdout.restore();
    folder?.remove();
    await bench?.stop();
  });

  it('writes summary.json, statistics.csv and report.html under reports/statewide/ equal to buildRollup of the same runs', async () => {
    const event = { source: 'record-clearance', 'detail-type': 'Clearance Run Succeeded', detail: { runId: folder.runs[2].runId, county: 'KERN' } };
    const result = await rollup(event);
    const keys = Object.values(ROLLUP_FILES).map((name) => `${STATEWIDE_REPORTS_PREFIX}${name}`);
    expect(result).toEqual({ countiesIncluded: 2, countiesWithoutRun: 56, keys });
    expect(await keysUnder('reports/')).toEqual([...keys].sort());

    const expected = buildRollup(await readLatestRuns(folder.store));
    const written = JSON.parse(await bench.text(keys[0], 'utf8')) as RollupSummary;
    expect(written.counties.filter((c) => c.status === 'included').map((c) => [c.county, c.runId])).toEqual([
      ['KERN', folder.latest.get('KERN')!.runId],
      ['MARIN', folder.latest.get('MARIN')!.runId],
    ]);
    const texts = await rollupFileTexts(expected);
    for (const [name, key] of Object.values(ROLLUP_FILES).map((file, index) => [file, keys[index]])) {
      expect(await bench.text(key, 'utf8')).toBe(texts[name]);
    }

    const contentTypes = await Promise.all(keys.map(async (key) => (await bench.s3.send(new HeadObjectCommand({ Bucket: bench.bucket, Key: key }))).ContentType));
    expect(contentTypes).toEqual(['application/json', 'text/csv; charset=utf-8', 'text/html; charset=utf-8']);
  });
});
