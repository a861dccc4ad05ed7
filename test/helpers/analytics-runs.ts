/**
 * Successful runs of several generated counties through the whole pipeline (runInProcess) into a folder on disk,
 * as `clearance classify` writes them: each run's reports/ and the shared analytics/ that DuckDB and
 * `clearance rollup` read. Small extracts: the analytics and roll-up tests need several runs, not many rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { COL } from '../../lambdas/domain/columns';
import { generateExtract } from '../../tools/generator';
import { readText } from '../../lambdas/domain/pipeline/object-store';
import { runInProcess } from '../../lambdas/domain/pipeline/run';
import { Summary } from '../../lambdas/domain/summary';
import { FsObjectStore } from '../../local/fs-object-store';
import { parseCsvText } from './csv-compare';
import { csvRecord } from './doj-rows';

export interface AnalyticsRunSpec {
  county: string;
  computeAt: string;
  policy: string;
  people: number;
  seed: number;
}

/** Three counties, ALAMEDA twice (two months apart: the month-to-month query has two months to compare). */
export const ANALYTICS_RUNS: readonly AnalyticsRunSpec[] = [
  { county: 'ALAMEDA', computeAt: '2024-11-15', policy: 'reference-default', people: 120, seed: 3 },
  { county: 'SAN LUIS OBISPO', computeAt: '2025-01-10', policy: 'statute-conservative', people: 100, seed: 4 },
  { county: 'LOS ANGELES', computeAt: '2025-01-20', policy: 'dismiss-all', people: 150, seed: 5 },
  { county: 'ALAMEDA', computeAt: '2025-01-15', policy: 'reference-default', people: 120, seed: 3 },
];

export interface AnalyticsRun {
  spec: AnalyticsRunSpec;
  runId: string;
  /** reports/summary.json as published. */
  summary: Summary;
}

export interface AnalyticsFolder {
  root: string;
  store: FsObjectStore;
  runs: AnalyticsRun[];
  /** The last run of each county, by county. */
  latest: Map<string, AnalyticsRun>;
  remove(): void;
}

/** Personal values planted into some people's rows (the canary test looks for them everywhere). */
export interface PlantedPerson {
  PRI_NAME: string;
  PRI_SSN: string;
  CII_NUMBER: string;
  FE_NUM_CRT_CASE: string;
  OFN: string;
}

/** The generated extract with `planted[i]` written into every row of the (i * stride)-th person. */
export function plantPeople(text: string, planted: readonly PlantedPerson[], stride: number): string {
  const chosen = new Map<string, PlantedPerson>();
  const lines = text.split('\n').map((line, index) => {
    if (index === 0 || line === '') return line;
    const fields = parseCsvText(line)[0];
    const subject = fields[COL.SUBJECT_ID];
    if (!chosen.has(subject)) {
      if ((Number(subject) - 10000001) % stride !== 0 || chosen.size >= planted.length) return line;
      chosen.set(subject, planted[chosen.size]);
    }
    for (const [column, value] of Object.entries(chosen.get(subject)!)) fields[COL[column as keyof PlantedPerson]] = value;
    return csvRecord(fields);
  });
  if (chosen.size !== planted.length) throw new Error(`planted ${chosen.size} of ${planted.length} people`);
  return lines.join('\n');
}

/** `planted` people go into the run of index PLANTED_RUN (SAN LUIS OBISPO: its county's latest, so in the roll-up too). */
export const PLANTED_RUN = 1;

export async function runAnalyticsFolder(specs: readonly AnalyticsRunSpec[] = ANALYTICS_RUNS, planted: readonly PlantedPerson[] = []): Promise<AnalyticsFolder> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'clearance-analytics-'));
  const store = new FsObjectStore(root);
  const runs: AnalyticsRun[] = [];
  const latest = new Map<string, AnalyticsRun>();
  for (const [index, spec] of specs.entries()) {
    let text = Array.from(generateExtract({ county: spec.county, people: spec.people, seed: spec.seed })).join('');
    if (index === PLANTED_RUN && planted.length > 0) text = plantPeople(text, planted, 7);
    await store.write(`input/${index}.csv`, [Buffer.from(text, 'utf8')]);
    const runId = `run-${index}-${spec.county.toLowerCase().replace(/ /g, '-')}`;
    const result = await runInProcess(store, {
      runId,
      county: spec.county,
      policy: spec.policy,
      computeAt: spec.computeAt,
      files: [{ key: `input/${index}.csv`, name: 'extract.csv' }],
      workPrefix: `work/${runId}/`,
      resultsPrefix: `${runId}/results/`,
      reportsPrefix: `${runId}/reports/`,
    });
    const run: AnalyticsRun = { spec, runId, summary: JSON.parse(await readText(store, `${runId}/reports/summary.json`)) as Summary };
    expect(result.summary.status).toBe('SUCCEEDED');
    runs.push(run);
    latest.set(spec.county, run);
  }
  return { root, store, runs, latest, remove: () => rmSync(root, { recursive: true, force: true }) };
}
