/**
 * Assemble as a fan-out on the embedded stack, under a network budget per Assemble invocation (what one function
 * moves within its timeout, scaled down to this small run; beyond it the invocation times out). The budget is below
 * what one invocation over the whole output must move (the upload read once and the three result files written),
 * so the design of one Assemble invocation fails this test with TaskTimedOut; with one output slice per range the
 * run succeeds, its outputs (result files, rejects and the five sorted lists, each list cut into key ranges by the
 * slices, joined from the slices' parts with UploadPartCopy on the S3 stand-in) byte for byte those of a run in one
 * process with a single slice.
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { generateExtract } from '../../tools/generator';
import { PRESETS } from '../../lambdas/domain/policy';
import { OUTPUT_FILES } from '../../lambdas/domain/pipeline/assemble';
import { runFixture } from '../helpers/run-fixture';
import { COMPUTE_AT, COUNTY, MIB, normalizeOutput, publishedOutputs, runBatch, SLICED_OUTPUTS, startHarness } from './fixtures/harness';
import { sizedTemplate } from './fixtures/template';

jest.setTimeout(90_000);

/**
 * ~360 KB: 128 KiB ranges and partitions make 3 of each, and an output slice per range. Large enough that the
 * whole output's bytes are well above Publish's own (reports, lists, requests), which share the budget.
 */
const extract = Array.from(generateExtract({ county: COUNTY, people: 80, seed: 51 })).join('');
const RANGE_BYTES = 128 * 1024;

test('one task per output slice stays within a per-invocation budget that one invocation over the whole output cannot; outputs as one slice\'s', async () => {
  const expected = await runFixture({
    files: [{ name: 'extract.csv', content: Buffer.from(extract, 'latin1') }],
    county: COUNTY,
    computeAt: COMPUTE_AT,
    policy: 'reference-default',
  });
  // One invocation over the whole output reads the upload and writes the three result files, at the least.
  const wholeOutputBytes = extract.length + expected.allResults.length + expected.prop64Results.length + expected.condensed.length;
  const budget = Math.floor(wholeOutputBytes * 0.75);

  const h = await startHarness({
    template: await sizedTemplate(
      { workflow: { targetRangeBytes: MIB, targetPartitionBytes: MIB } },
      { TARGET_RANGE_BYTES: String(RANGE_BYTES), TARGET_PARTITION_BYTES: String(RANGE_BYTES), TARGET_SLICE_BYTES: '1' },
    ),
    limits: { maxInvocationBytes: { assemble: budget }, s3MinPartBytes: 1024 },
  });
  try {
    await h.store.write(`policies/${COUNTY}.json`, [JSON.stringify(PRESETS['reference-default'])]);
    const { ended, run } = await runBatch(h, 'fan-out', { 'extract.csv': extract }, { policy: 'reference-default' });
    expect({ status: run?.status, error: run?.errorMessage }).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(ended.status).toBe('SUCCEEDED');
    expect(run!.rangeCount).toBeGreaterThanOrEqual(3);
    const assemble = Object.entries(h.stack.lambdaStats().peaks).find(([name]) => /Assemble/i.test(name))![1];
    expect(assemble.invocations).toBeGreaterThanOrEqual(run!.rangeCount + 1);
    expect(assemble.networkBytes).toBeLessThanOrEqual(budget);

    const published = await publishedOutputs(h.store, run!.runId);
    for (const name of SLICED_OUTPUTS) {
      const file = `results/${OUTPUT_FILES[name]}`;
      const inProcess = normalizeOutput(file, expected.store.text(`results/test-run/${OUTPUT_FILES[name]}`), 'test-run');
      expect({ file, text: published[file] }).toEqual({ file, text: inProcess });
    }
    expect(expected.store.text('results/test-run/court_motion_list.csv').split('\n').length).toBeGreaterThan(3);
    // Joined by a multipart upload of the slices' parts (S3's `<hex>-<parts>` ETag): the handlers plan joins with the
    // least part scaled down as the stand-in's is (limits.s3MinPartBytes, through the worker hook), not S3's 5 MiB.
    const joined = await h.store.client.send(new HeadObjectCommand({ Bucket: h.store.bucket, Key: `results/${COUNTY}/${run!.runId}/${OUTPUT_FILES.allResults}` }));
    expect(joined.ETag).toMatch(/-\d+"$/);
  } finally {
    await h.stop();
  }
});
