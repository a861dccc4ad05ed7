/**
 * What makes one Assemble invocation over the whole output fail in the cloud, on the embedded stack: a network budget
 * per Assemble invocation (what one function moves within its timeout, scaled down to this small run). With one
 * output slice, that invocation moves the whole output and times out, and the ledger names the task and what to
 * change. The fan-out's outputs, byte for byte those of one slice, are the property tests' (test/domain/properties.test.ts).
 */
import { synthTemplate } from '../../bin/commands/synth-template';
import { generateExtract } from '../../tools/generator';
import { PRESETS } from '../../lambdas/domain/policy';
import { COUNTY, Harness, MIB, publishedOutputs, runBatch, startHarness } from './fixtures/harness';

jest.setTimeout(90_000);

/** ~170 KB: 64 KiB ranges and partitions make 3 of each. */
const extract = Array.from(generateExtract({ county: COUNTY, people: 40, seed: 51 })).join('');
/** What one Assemble invocation may move: less than the input, so less than any invocation that writes all of the output. */
const ASSEMBLE_BUDGET = Math.floor(extract.length * 0.8);

function sizedTemplate(sliceBytes: number): Record<string, unknown> {
  const template = synthTemplate({ workflow: { targetRangeBytes: MIB, targetPartitionBytes: MIB } });
  const resources = template.Resources as Record<string, { Type: string; Properties: { Environment?: { Variables?: Record<string, unknown> } } }>;
  for (const resource of Object.values(resources)) {
    const variables = resource.Properties.Environment?.Variables;
    if (resource.Type === 'AWS::Lambda::Function' && variables?.MAX_PARTITIONS !== undefined) {
      Object.assign(variables, { TARGET_RANGE_BYTES: String(64 * 1024), TARGET_PARTITION_BYTES: String(64 * 1024), TARGET_SLICE_BYTES: String(sliceBytes) });
    }
  }
  return template;
}

async function runWith(sliceBytes: number) {
  const h: Harness = await startHarness({
    template: sizedTemplate(sliceBytes),
    limits: { maxInvocationBytes: { assemble: ASSEMBLE_BUDGET }, s3MinPartBytes: 1024 },
  });
  try {
    await h.store.write(`policies/${COUNTY}.json`, [JSON.stringify(PRESETS['reference-default'])]);
    const { ended, run } = await runBatch(h, 'fan-out', { 'extract.csv': extract }, { policy: 'reference-default' });
    const assemble = Object.entries(h.stack.lambdaStats().peaks).find(([name]) => /Assemble/i.test(name))?.[1];
    return { ended, run, assemble, outputs: run?.status === 'SUCCEEDED' ? await publishedOutputs(h.store, run.runId) : {} };
  } finally {
    await h.stop();
  }
}

test('one Assemble invocation over the whole output runs past its timeout; the ledger names the task and what to change', async () => {
  const whole = await runWith(1024 ** 3);
  expect(whole.ended.status).toBe('FAILED');
  expect(whole.assemble!.networkBytes).toBeGreaterThan(ASSEMBLE_BUDGET);
  expect(whole.run).toMatchObject({ status: 'FAILED', errorName: 'TaskTimedOut', errorMessage: expect.stringContaining('Assemble slice ran past its timeout') });
  expect(whole.run?.errorMessage).toContain('TARGET_SLICE_BYTES');
});
