import { generateExtract } from '../../../tools/generator';
import { RunPlan } from '../../../lambdas/domain/pipeline/plan';
import { PlanResult } from '../../../lambdas/workflow-contract';
import { RunLedger } from '../../../lambdas/adapters/ledger';
import { captureStdout, LambdaBench, objectCreatedEvent, rejectionOf, startBench } from '../helpers';

const EXTRACT = [...generateExtract({ county: 'KERN', people: 40, seed: 3 })].join('');
const IGNORED: PlanResult = { runId: '', county: '', duplicate: false, ignored: true, rangesKey: '', partitionsKey: '', slicesKey: '', rangeCount: 0, partitionCount: 0, splitConcurrency: 1, classifyConcurrency: 1, compare: false, routePartsKey: '', routeCount: 0 };

describe('plan handler', () => {
  let bench: LambdaBench;
  let plan: (event: unknown) => Promise<PlanResult>;
  let ledger: RunLedger;
  let stdout: ReturnType<typeof captureStdout>;

  beforeAll(async () => {
    stdout = captureStdout();
    bench = await startBench({ MAX_PARTITIONS: '3', TARGET_RANGE_BYTES: '40000', TARGET_PARTITION_BYTES: '1', MAX_REJECT_RATIO: '0.05' });
    plan = require('../../../lambdas/plan/handler').handler;
    ledger = new RunLedger(bench.documents, bench.table);
    await bench.put('policies/KERN.json', JSON.stringify({ baselineEligibility: { dismiss: ['11357', '11358'] } }));
    await bench.put('incoming/KERN/extract.csv', EXTRACT);
  });

  afterAll(async () => {
    stdout.restore();
    await bench.stop();
  });

  it('plans a single-file upload: sized by the environment, recorded in the ledger as SPLITTING', async () => {
    const result = await plan(objectCreatedEvent('incoming/KERN/extract.csv', { etag: '"abc"', time: '2024-07-04T01:02:03Z' }));
    expect(result).toMatchObject({ runId: expect.stringMatching(/^kern-20240704-[0-9a-f]{12}$/), county: 'KERN', duplicate: false, ignored: false, partitionCount: 3 });
    expect(result.rangeCount).toBeGreaterThanOrEqual(4);
    const written = JSON.parse(await bench.text(`runs/${result.runId}/plan.json`, 'utf8')) as RunPlan;
    expect(written).toMatchObject({
      runId: result.runId,
      county: 'KERN',
      policyName: 'policies/KERN.json',
      // Plan pins the upload: a copy in the run's work area, which every later phase reads.
      files: [{ key: `runs/${result.runId}/input/000000`, uploadKey: 'incoming/KERN/extract.csv', name: 'extract.csv', size: Buffer.byteLength(EXTRACT) }],
      workPrefix: `runs/${result.runId}/`,
      resultsPrefix: `results/KERN/${result.runId}/`,
      reportsPrefix: `reports/KERN/${result.runId}/`,
      maxRejectRatio: 0.05,
    });
    expect(JSON.parse(await bench.text(result.rangesKey, 'utf8'))).toEqual(written.ranges);
    expect(JSON.parse(await bench.text(result.partitionsKey, 'utf8'))).toEqual([{ partition: 0 }, { partition: 1 }, { partition: 2 }]);
    expect(await ledger.getRun(result.runId)).toMatchObject({ status: 'SPLITTING', rangeCount: result.rangeCount, partitionCount: 3, triggerVersion: '"abc"' });
    // The same object version again: the run exists, nothing to do.
    const again = await plan(objectCreatedEvent('incoming/KERN/extract.csv', { etag: '"abc"', time: '2024-07-04T01:02:03Z' }));
    expect(again).toEqual({ ...IGNORED, ignored: false, duplicate: true, runId: result.runId, county: 'KERN' });
    // A new version of the object is a new run.
    const next = await plan(objectCreatedEvent('incoming/KERN/extract.csv', { etag: '"def"', time: '2024-07-04T01:02:03Z' }));
    expect(next.runId).not.toBe(result.runId);
  });

  it.each([
    ['a key outside incoming/', 'policies/KERN.json'],
    ['a report', 'reports/KERN/run/summary.json'],
    ['a folder marker', 'incoming/KERN/'],
    ['a file directly in incoming/', 'incoming/extract.csv'],
    ['a data file inside a batch folder', 'incoming/KERN/2024-06/part 1.csv'],
    ['a manifest below a batch folder', 'incoming/KERN/2024-06/sub/manifest.json'],
  ])('ignores %s', async (_what, key) => {
    const before = await ledger.listRuns();
    expect(await plan(objectCreatedEvent(key))).toEqual(IGNORED);
    expect(await ledger.listRuns()).toEqual(before);
  });

  it('fails with PolicyError when the county has no policy, and lets the retried task plan once it is there', async () => {
    await bench.put('incoming/FRESNO/extract.csv', EXTRACT);
    const event = objectCreatedEvent('incoming/FRESNO/extract.csv');
    const error = await rejectionOf(plan(event));
    expect(error.name).toBe('PolicyError');
    expect(error.message).toMatch(/^no policy for county "FRESNO" at policies\/FRESNO\.json/);
    await bench.put('policies/FRESNO.json', JSON.stringify({ baselineEligibility: { dismiss: ['11357'] } }));
    const retried = await plan(event);
    expect(retried).toMatchObject({ duplicate: false, ignored: false, county: 'FRESNO' });
  });

  it.each([
    [{ additionalRelief: { subjectAgeThreshold: 30 } }, 'policies/TULARE.json: additionalRelief.subjectAgeThreshold: 30 must be 0 (off) or 40-65'],
    [{ baselineEligibility: { dismisss: ['11357'] } }, 'policies/TULARE.json: baselineEligibility.dismisss: unknown option (value ["11357"])'],
    [{ misdemeanors: 'drop' }, 'policies/TULARE.json: misdemeanors: "drop" must be dismiss or cityAttorney'],
  ])('fails with PolicyError naming the field and value of an invalid county policy (%j)', async (policy, problem) => {
    await bench.put('policies/TULARE.json', JSON.stringify(policy));
    await bench.put('incoming/TULARE/extract.csv', EXTRACT);
    const error = await rejectionOf(plan(objectCreatedEvent('incoming/TULARE/extract.csv')));
    expect(error.name).toBe('PolicyError');
    expect(error.message).toBe(`invalid policy: ${problem}`);
  });

  it('fails with PolicyError on a policy that is not JSON', async () => {
    await bench.put('policies/KINGS.json', '{ "baselineEligibility": ');
    await bench.put('incoming/KINGS/extract.csv', EXTRACT);
    const error = await rejectionOf(plan(objectCreatedEvent('incoming/KINGS/extract.csv')));
    expect(error.name).toBe('PolicyError');
    expect(error.message).toContain('policies/KINGS.json: not valid JSON');
  });

  it('plans a manifest run with a preset policy, a compute date and scenarios', async () => {
    await bench.put('incoming/MADERA/b1/one.csv', EXTRACT);
    await bench.put('incoming/MADERA/b1/sub/two.csv', EXTRACT);
    await bench.put(
      'incoming/MADERA/b1/manifest.json',
      JSON.stringify({ files: ['one.csv', 'sub/two.csv'], policy: 'los-angeles-2020', computeAt: '2024-01-15', scenarios: ['dismiss-all'] }),
    );
    const result = await plan(objectCreatedEvent('incoming/MADERA/b1/manifest.json'));
    const written = JSON.parse(await bench.text(`runs/${result.runId}/plan.json`, 'utf8')) as RunPlan;
    expect(written).toMatchObject({
      county: 'MADERA',
      policyName: 'los-angeles-2020',
      computeAt: '2024-01-15',
      scenarioPresets: ['dismiss-all'],
      files: [
        { key: `runs/${result.runId}/input/000000`, uploadKey: 'incoming/MADERA/b1/one.csv', name: 'one.csv' },
        { key: `runs/${result.runId}/input/000001`, uploadKey: 'incoming/MADERA/b1/sub/two.csv', name: 'sub/two.csv' },
      ],
    });
    expect(new Set(written.ranges.map((range) => range.fileIndex))).toEqual(new Set([0, 1]));
    expect(await ledger.getRun(result.runId)).toMatchObject({ policyName: 'los-angeles-2020', computeAt: '2024-01-15', scenarioPresets: ['dismiss-all'] });
  });

  it.each([
    ['an unknown field', { files: ['one.csv'], polcy: 'dismiss-all' }, 'InputError', 'incoming/MERCED/b/manifest.json: polcy: unknown field'],
    ['no files', { files: [] }, 'InputError', 'files: must list at least one file'],
    ['a path out of the batch folder', { files: ['../other/x.csv'] }, 'InputError', 'files[0]: must be a path relative to the batch folder'],
    ['a bad date', { files: ['one.csv'], computeAt: '15/01/2024' }, 'InputError', 'computeAt: must be a date YYYY-MM-DD'],
    ['a missing file', { files: ['one.csv', 'nine.csv'] }, 'InputError', 'nine.csv: no such input file'],
    ['an unknown preset', { files: ['one.csv'], policy: 'lenient' }, 'PolicyError', 'preset: "lenient" is not a known preset (reference-default, dismiss-all, los-angeles-2020, statute-conservative)'],
    ['an unknown scenario', { files: ['one.csv'], policy: 'dismiss-all', scenarios: ['nope'] }, 'PolicyError', '"nope" is not a known preset'],
  ])('rejects a manifest with %s', async (_what, manifest, name, message) => {
    await bench.put('policies/MERCED.json', JSON.stringify({ baselineEligibility: { dismiss: ['11357'] } }));
    await bench.put('incoming/MERCED/b/one.csv', EXTRACT);
    await bench.put('incoming/MERCED/b/manifest.json', JSON.stringify(manifest));
    const error = await rejectionOf(plan(objectCreatedEvent('incoming/MERCED/b/manifest.json')));
    expect(error.name).toBe(name);
    expect(error.message).toContain(message);
  });

  it('rejects a manifest that is not JSON, or that sits directly in the county folder', async () => {
    await bench.put('incoming/MERCED/c/manifest.json', 'files: [a.csv]');
    const notJson = await rejectionOf(plan(objectCreatedEvent('incoming/MERCED/c/manifest.json')));
    expect([notJson.name, notJson.message]).toEqual(['InputError', expect.stringContaining('incoming/MERCED/c/manifest.json: not valid JSON')]);
    await bench.put('incoming/MERCED/manifest.json', JSON.stringify({ files: ['one.csv'] }));
    const misplaced = await rejectionOf(plan(objectCreatedEvent('incoming/MERCED/manifest.json')));
    expect([misplaced.name, misplaced.message]).toEqual(['InputError', expect.stringContaining('only inside a batch folder')]);
  });

  it('reads a URL-encoded event key as the object it names', async () => {
    await bench.put('policies/SAN DIEGO.json', JSON.stringify({ baselineEligibility: { dismiss: ['11357'] } }));
    await bench.put('incoming/SAN DIEGO/june extract.csv', EXTRACT);
    const result = await plan(objectCreatedEvent('incoming/SAN+DIEGO/june+extract.csv'));
    expect(result).toMatchObject({ county: 'SAN DIEGO', runId: expect.stringMatching(/^san-diego-/) });
    expect(await ledger.getRun(result.runId)).toMatchObject({ county: 'SAN DIEGO', triggerKey: 'incoming/SAN DIEGO/june extract.csv' });
  });

  it('rejects a malformed event or one for another bucket with InputError', async () => {
    const malformed = await rejectionOf(plan({ detail: { object: {} } }));
    expect(malformed.name).toBe('InputError');
    expect(malformed.message).toMatch(/^event: time: .*; detail\.bucket: .*; detail\.object\.key: /);
    const elsewhere = await rejectionOf(plan(objectCreatedEvent('incoming/KERN/extract.csv', { bucket: 'someone-elses' })));
    expect([elsewhere.name, elsewhere.message]).toEqual(['InputError', expect.stringContaining('bucket someone-elses')]);
  });

  describe('manifest limits (issue 17: 100,000 files were accepted, and the ledger item lists every key)', () => {
    const row = EXTRACT.split('\n').slice(0, 2).join('\n') + '\n';
    /** A name of exactly `length` characters, in path parts a file system takes (s3rver keeps one file per key). */
    const longName = (index: number, length: number): string => {
      const file = `${String(index).padStart(3, '0')}.csv`;
      const parts: string[] = [];
      let left = length - file.length;
      while (left > 0) {
        const part = Math.min(100, left - 1);
        parts.push('d'.repeat(Math.max(part, 1)));
        left -= Math.max(part, 1) + 1;
      }
      return [...parts, file].join('/');
    };

    it('refuses more than 200 files, naming the limit', async () => {
      await bench.put('incoming/NAPA/many/manifest.json', JSON.stringify({ files: Array.from({ length: 201 }, (_, i) => `f${i}.csv`), policy: 'dismiss-all' }));
      const error = await rejectionOf(plan(objectCreatedEvent('incoming/NAPA/many/manifest.json')));
      expect([error.name, error.message]).toEqual(['InputError', expect.stringContaining('files: lists more than 200 files, the most one run takes')]);
    });

    it('refuses a file name over 256 characters and a manifest over 128 KiB before reading it', async () => {
      await bench.put('incoming/NAPA/long/manifest.json', JSON.stringify({ files: ['x'.repeat(257)], policy: 'dismiss-all' }));
      const long = await rejectionOf(plan(objectCreatedEvent('incoming/NAPA/long/manifest.json')));
      expect([long.name, long.message]).toEqual(['InputError', expect.stringContaining('files[0]: must be at most 256 characters')]);
      await bench.put('incoming/NAPA/huge/manifest.json', JSON.stringify({ files: ['a.csv'], policy: 'dismiss-all', pad: ' '.repeat(200_000) }));
      const huge = await rejectionOf(plan(objectCreatedEvent('incoming/NAPA/huge/manifest.json')));
      expect([huge.name, huge.message]).toEqual(['InputError', expect.stringMatching(/manifest\.json: \d+ bytes; a manifest may have at most 131072 \(200 files\)$/)]);
    });

    it('200 files of 256-character names: planned, and the ledger item (every key) stays within DynamoDB\'s 400 KB', async () => {
      const files = Array.from({ length: 200 }, (_, i) => longName(i, 256));
      expect(files.every((file) => file.length === 256)).toBe(true);
      for (let i = 0; i < files.length; i += 20) await Promise.all(files.slice(i, i + 20).map((file) => bench.put(`incoming/NAPA/max/${file}`, row)));
      await bench.put('incoming/NAPA/max/manifest.json', JSON.stringify({ files, policy: 'dismiss-all' }));
      const result = await plan(objectCreatedEvent('incoming/NAPA/max/manifest.json'));
      const record = await ledger.getRun(result.runId);
      expect(record?.inputKeys).toHaveLength(200);
      // dynalite enforces DynamoDB's item limit, as DynamoDB does; measured here with room to spare for later updates.
      expect(Buffer.byteLength(JSON.stringify(record))).toBeLessThan(200 * 1024);
    });
  });
});
