/**
 * The upload pinned: Plan copies the object that started the run into the run's work area, and every later phase
 * reads that copy. An upload of other content under the same key while the run is in flight starts its own run and
 * leaves the first run's outputs those of the content that started it.
 */
import { sizedTemplate } from './fixtures/template';
import { generateExtract } from '../../tools/generator';
import { PRESETS } from '../../lambdas/domain/policy';
import { COUNTY, Harness, MIB, publishedOutputs, runOf, startHarness } from './fixtures/harness';

jest.setTimeout(180_000);

/** ~2.6 MB: three ranges and partitions of 1 MiB, so the overwrite lands while Split and Classify run. */
const first = Array.from(generateExtract({ county: COUNTY, people: 600, seed: 21 })).join('');
const second = Array.from(generateExtract({ county: COUNTY, people: 300, seed: 22 })).join('');

describe('an upload overwritten while its run is in flight', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ template: await sizedTemplate({ workflow: { targetRangeBytes: MIB, targetPartitionBytes: MIB } }) });
    await h.store.write(`policies/${COUNTY}.json`, [JSON.stringify(PRESETS['reference-default'])]);
  });

  afterAll(async () => {
    await h.stop();
  });

  test("the run's outputs are those of the version that started it", async () => {
    // The reference: the first content under a key of its own, nothing overwritten.
    const referenceKey = `incoming/${COUNTY}/reference.csv`;
    await h.store.write(referenceKey, [Buffer.from(first, 'latin1')]);
    const referenceExecution = await h.stack.executionStartedBy(referenceKey);
    expect((await h.stack.waitForExecution(referenceExecution.executionArn, { timeoutMs: 120_000 })).status).toBe('SUCCEEDED');
    const reference = await runOf(h, referenceKey);

    const key = `incoming/${COUNTY}/extract.csv`;
    let overwritten: Promise<number> | undefined;
    let assembleStartedAt: number | undefined;
    let executionArn = '';
    const unsubscribe = h.stack.onExecutionEvent((event) => {
      if (event.executionArn !== executionArn || event.type !== 'StateEntered' || event.parent !== undefined) return;
      // Plan is done: the county uploads other content under the same name.
      if (event.state === 'Split') overwritten ??= h.store.write(key, [Buffer.from(second, 'latin1')]).then(() => Date.now());
      if (event.state === 'Assemble') assembleStartedAt = event.timestamp;
    });
    try {
      await h.store.write(key, [Buffer.from(first, 'latin1')]);
      const execution = await h.stack.executionStartedBy(key);
      executionArn = execution.executionArn;
      const ended = await h.stack.waitForExecution(execution.executionArn, { timeoutMs: 120_000 });
      expect(ended.status).toBe('SUCCEEDED');
      // The overwrite landed before Assemble read the input again (else this test would prove nothing about it).
      expect(overwritten).toBeDefined();
      expect(await overwritten).toBeLessThan(assembleStartedAt!);
    } finally {
      unsubscribe();
    }
    await h.stack.waitForIdle();
    const runs = (await h.ledger.listRuns({ county: COUNTY, limit: 50 })).filter((run) => run.triggerKey === key);
    // Two uploads, two runs; the first one's outputs are those of the first content.
    expect(runs).toHaveLength(2);
    const run = runs.find((r) => r.rowsRead === reference!.rowsRead)!;
    expect(run).toBeDefined();
    const outputs = await publishedOutputs(h.store, run.runId);
    const expected = await publishedOutputs(h.store, reference!.runId);
    for (const [name, text] of Object.entries(expected)) {
      // The file is named in summary.json and rejects.csv: reference.csv there, extract.csv here.
      expect({ name, text: outputs[name] }).toEqual({ name, text: text.split('reference.csv').join('extract.csv') });
    }
    const other = runs.find((r) => r !== run)!;
    expect(other.status).toBe('SUCCEEDED');
    expect(other.rowsRead).toBe(second.split('\n').length - 2);
  });
});
