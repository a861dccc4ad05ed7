/**
 * Canaries: unique values planted in the personal fields (SUBJECT_ID, PRI_NAME, PRI_DOB, PRI_SSN, CII_NUMBER, OFN)
 * of a generated extract, run through the embedded stack with every function log line and execution event kept,
 * must appear in results/ (where personal data belongs, which proves the scan can find them) and nowhere else:
 * not under reports/ (summary, statistics, report, error reports), not in the map result files, not in any ledger
 * item, log line, execution input/output/error or event. Also on the failure paths: a bad policy, a run failing
 * on too many rejected rows that carry canaries, and a run whose county is not in the extract.
 */
import { sizedTemplate } from './fixtures/template';
import { COL } from '../../lambdas/domain/columns';
import { generateExtract } from '../../tools/generator';
import type { ExecutionEvent } from '../../local/asl-runner';
import type { FunctionLogLine } from '../../local/lambda-pool';
import { parseCsvText } from '../helpers/csv-compare';
import { csvRecord } from '../helpers/doj-rows';
import { BatchRun, COUNTY, Harness, MIB, readBytes, runBatch, scanLedger, startHarness } from './fixtures/harness';

jest.setTimeout(120_000);

const PEOPLE = 600;
const template = sizedTemplate({ workflow: { targetRangeBytes: MIB, targetPartitionBytes: MIB } });
const original = Array.from(generateExtract({ county: COUNTY, people: PEOPLE, seed: 23 })).join('');

interface Canary {
  SUBJECT_ID: string;
  PRI_NAME: string;
  PRI_DOB: string;
  PRI_SSN: string;
  CII_NUMBER: string;
  OFN: string;
}

/**
 * Values found nowhere in the generated extract, one set per planted person (`set` tells two sets apart); the
 * DOB a real calendar date from the 19th century, which no generated person has.
 */
function canariesFor(count: number, set: number): Canary[] {
  const canaries = Array.from({ length: count }, (_, i) => ({
    SUBJECT_ID: `QZ${set}SUBJ${i}K`,
    PRI_NAME: `QZ${set}NAME${i}K,CANARY`,
    PRI_DOB: `18${set}${i % 10}0${(i % 9) + 1}1${Math.floor(i / 10)}`,
    PRI_SSN: `9${set}8${i}4${i}7${i}1`,
    CII_NUMBER: `A9${i}7${i}5${i}3${set}1`,
    OFN: `QZ${set}OFN${i}K`,
  }));
  for (const value of canaries.flatMap((c) => Object.values(c))) {
    if (original.includes(value)) throw new Error(`canary ${value} is not unique: the generated extract has it`);
  }
  return canaries;
}

/** Every value a leak check looks for (the surname part of PRI_NAME too: a name may be cut at its comma). */
function needles(canaries: Canary[]): string[] {
  return canaries.flatMap((c) => [...Object.values(c), c.PRI_NAME.split(',')[0]]);
}

/**
 * The extract with the canaries written into every row of some people (every `stride`-th SUBJECT_ID, up to one
 * person per canary). With `reject`, those rows also lose their last field (94 fields: rejected by Split).
 */
function plant(text: string, canaries: Canary[], stride: number, reject = false): { text: string; rows: number } {
  const chosen = new Map<string, Canary>();
  let rows = 0;
  const lines = text.split('\n').map((line, index) => {
    if (index === 0 || line === '') return line;
    const parsed = parseCsvText(line);
    if (parsed.length !== 1) return line;
    const fields = parsed[0];
    const subject = fields[COL.SUBJECT_ID];
    const ordinal = Number(subject) - 10000001;
    if (!chosen.has(subject)) {
      if (ordinal % stride !== 0 || chosen.size >= canaries.length) return line;
      chosen.set(subject, canaries[chosen.size]);
    }
    const canary = chosen.get(subject)!;
    for (const [column, value] of Object.entries(canary)) fields[COL[column as keyof Canary]] = value;
    rows++;
    return csvRecord(reject ? fields.slice(0, -1) : fields);
  });
  if (chosen.size !== canaries.length) throw new Error(`planted ${chosen.size} of ${canaries.length} canaries`);
  return { text: lines.join('\n'), rows };
}

describe('planted canaries reach results/ and nothing else', () => {
  let h: Harness;
  const logs: FunctionLogLine[] = [];
  const events: ExecutionEvent[] = [];
  const valid = canariesFor(6, 1);
  const rejected = canariesFor(60, 2);
  const runs: Record<string, BatchRun> = {};

  beforeAll(async () => {
    h = await startHarness({ template: await template, functionLogs: (line) => logs.push(line) });
    h.stack.onExecutionEvent((event) => events.push(event));
    await h.store.write(`policies/${COUNTY}.json`, [JSON.stringify({})]);

    const good = plant(original, valid, 97);
    runs.good = await runBatch(h, 'canaries', { 'extract.csv': good.text }, { policy: 'reference-default' });

    // An invalid policy: Plan fails before reading a row.
    await h.store.write('policies/SACRAMENTO.json', [JSON.stringify({ additionalRelief: { subjectAgeThreshold: 30 } })]);
    runs.badPolicy = await runBatch(h, 'bad-policy', { 'extract.csv': good.text }, {}, 'SACRAMENTO');

    // Every 10th person's rows rejected (about 10% of the rows, above the 5% allowed), canaries in each.
    const bad = plant(original, rejected, 10, true);
    expect(bad.rows / (original.split('\n').length - 2)).toBeGreaterThan(0.05);
    runs.rejects = await runBatch(h, 'rejects', { 'extract.csv': bad.text }, { policy: 'reference-default' });

    // Read to the end by every phase, then refused by Assemble: no row is of county ATLANTIS. (Any California county
    // could pass: the generator gives people convictions in other counties too.)
    runs.wrongCounty = await runBatch(h, 'wrong-county', { 'extract.csv': good.text }, { policy: 'reference-default' }, 'ATLANTIS');
    await h.stack.waitForIdle();
  });

  afterAll(async () => {
    await h?.stop();
  });

  const allNeedles = () => [...needles(valid), ...needles(rejected)];
  const leaksIn = (text: string) => allNeedles().filter((needle) => text.includes(needle));

  test('the runs ended as intended', () => {
    expect(runs.good.run).toMatchObject({ status: 'SUCCEEDED' });
    expect(runs.badPolicy.run).toMatchObject({ status: 'FAILED', errorName: 'PolicyError' });
    expect(runs.rejects.run).toMatchObject({ status: 'FAILED', errorName: 'RejectRatioExceeded' });
    expect(runs.wrongCounty.run).toMatchObject({ status: 'FAILED', errorName: 'UnknownCountyError' });
  });

  test('the canaries are in results/ (the scan can find them): the classified rows, and the rejected rows', async () => {
    const allResults = (await readBytes(h.store, `results/${COUNTY}/${runs.good.run!.runId}/All_Results.csv`)).toString('latin1');
    expect(needles(valid).filter((needle) => !allResults.includes(needle))).toEqual([]);
    const rejects = (await readBytes(h.store, `results/${COUNTY}/${runs.rejects.run!.runId}/rejects.csv`)).toString('latin1');
    expect(needles(rejected).filter((needle) => !rejects.includes(needle))).toEqual([]);
  });

  test('no object outside incoming/, results/ and the runs work area holds one: reports, error reports, analytics, map results, policies', async () => {
    const keys = (await h.store.list('')).filter(
      (key) => !key.startsWith('incoming/') && !key.startsWith('results/') && !(key.startsWith('runs/') && !key.startsWith('runs/map-results/')),
    );
    const failedRuns = [runs.badPolicy, runs.rejects, runs.wrongCounty].map((run) => run.run!);
    for (const run of failedRuns) expect(keys).toContain(`reports/${run.county}/${run.runId}/error.json`);
    expect(keys).toContain(`reports/${COUNTY}/${runs.good.run!.runId}/summary.json`);
    expect(keys).toContain(`reports/${COUNTY}/${runs.rejects.run!.runId}/summary.json`);
    expect(keys.filter((key) => key.startsWith('runs/map-results/')).length).toBeGreaterThan(0);
    expect(keys).toContain('analytics/latest/county=los_angeles/latest.jsonl');
    for (const key of keys) expect({ key, leaks: leaksIn((await readBytes(h.store, key)).toString('latin1')) }).toEqual({ key, leaks: [] });
  });

  test('no ledger item holds one', async () => {
    const items = await scanLedger(h);
    expect(items.length).toBeGreaterThanOrEqual(4);
    for (const item of items) expect({ pk: item.pk, leaks: leaksIn(JSON.stringify(item)) }).toEqual({ pk: item.pk, leaks: [] });
  });

  test('no function log line holds one', () => {
    expect(logs.filter((line) => line.line.includes('finished')).length).toBeGreaterThan(10);
    expect(logs.some((line) => line.line.includes('failed'))).toBe(true);
    expect(logs.filter((line) => leaksIn(line.line).length > 0)).toEqual([]);
  });

  test('no execution input, output, error or cause, and no execution event holds one', () => {
    const executions = h.stack.listExecutions();
    expect(executions.length).toBeGreaterThanOrEqual(8);
    for (const execution of executions) expect({ name: execution.name, leaks: leaksIn(JSON.stringify(execution)) }).toEqual({ name: execution.name, leaks: [] });
    expect(events.length).toBeGreaterThan(50);
    expect(events.filter((event) => leaksIn(JSON.stringify(event)).length > 0)).toEqual([]);
  });
});
