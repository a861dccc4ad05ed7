/**
 * The handlers as Lambda runs them: each bundled alone by esbuild (CommonJS, minified, AWS SDK inside, as
 * lib/clearance-function.ts bundles them), loaded from a directory holding nothing else, run end to end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildLambdaBundles } from '../../tools/lambda-bundles';
import { generateExtract } from '../../tools/generator';
import { Summary } from '../../lambdas/domain/summary';
import { captureStdout, Handlers, LambdaBench, objectCreatedEvent, runPipeline, startBench } from './helpers';

const PHASES = { plan: 'plan', split: 'split', classify: 'classify', assemble: 'assemble', markFailed: 'mark-failed' } as const;

describe('bundled handlers', () => {
  let bench: LambdaBench;
  let outdir: string;
  let stdout: ReturnType<typeof captureStdout>;

  beforeAll(async () => {
    stdout = captureStdout();
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'clearance-bundles-'));
    buildLambdaBundles(Object.values(PHASES), outdir);
    bench = await startBench({ MAX_PARTITIONS: '3', TARGET_RANGE_BYTES: '40000', TARGET_PARTITION_BYTES: '40000', MAX_REJECT_RATIO: '0.05' });
  });

  afterAll(async () => {
    stdout.restore();
    await bench.stop();
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  it('bundle every project file they need and run a whole upload', async () => {
    for (const phase of Object.values(PHASES)) {
      const code = fs.readFileSync(path.join(outdir, phase, 'index.js'), 'utf8');
      // Every project module is inside: no require of a relative path is left in the bundle.
      expect(code).not.toMatch(/require\(["']\.\.?\//);
    }
    const handlers = Object.fromEntries(
      Object.entries(PHASES).map(([name, phase]) => [name, require(path.join(outdir, phase, 'index.js')).handler]),
    ) as unknown as Handlers;
    await bench.put('incoming/SUTTER/b/manifest.json', JSON.stringify({ files: ['x.csv'], policy: 'reference-default' }));
    await bench.put('incoming/SUTTER/b/x.csv', [...generateExtract({ county: 'SUTTER', people: 40, seed: 9 })].join(''));
    const outcome = await runPipeline(handlers, bench, objectCreatedEvent('incoming/SUTTER/b/manifest.json'));
    expect(outcome.plan.rangeCount).toBeGreaterThan(1);
    const summary = JSON.parse(await bench.text(`reports/SUTTER/${outcome.plan.runId}/summary.json`, 'utf8')) as Summary;
    expect(summary).toMatchObject({ status: 'SUCCEEDED', people: 40, rowsRejected: 0 });
    expect(await handlers.markFailed({})).toEqual({ recorded: false, errorName: 'UnknownError' });
  });
});
