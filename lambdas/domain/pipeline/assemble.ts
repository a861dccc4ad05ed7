/**
 * Assemble: the output slices (output-slices.ts, one task each) merge the partitions back into input order and
 * write their parts of the result CSVs, lists and rejects.csv; Publish (assembleRun) joins the parts, checks the
 * run's invariants, and publishes summary.json last (it is the run's completion marker). Fails, with the summary
 * and rejects still published, when the county is not in the extract or too many rows were rejected.
 *
 * Publication: every output is first written under the work area (`<workPrefix>output/<name>`); once all of
 * them exist, one short step copies them to their final keys, summary.json last. A run killed or retried at any
 * point therefore never leaves a half-written object under results/ or reports/, nor a summary.json without
 * the outputs it describes; a rerun writes and publishes the same keys again. A successful run then adds its
 * analytics rows (docs/analytics.md), derived from what it published, under keys of its own.
 */
import { csvSafeLine } from '../csv/writer';
import { isCaliforniaCounty } from '../counties';
import { parsePolicy, Policy } from '../policy';
import { mergeAll, RunStatistics } from '../statistics';
import { buildSummary, FileSummary, Summary } from '../summary';
import { RESULT_FILE_NAMES, stagedKey } from './merge';
import { mapBounded, ObjectStore, READS_IN_FLIGHT, readJson, writeJson } from './object-store';
import { joinObjects } from './join';
import { assembleSlice, loadSliceResults, SLICE_OUTPUTS, SliceOutput, sliceKeys, SliceResult, sliceStartsOf } from './output-slices';
import { RunPlan, workKeys } from './plan';
import { SplitResult } from './split';
import { loadSplitResults } from './slice-index';
import { COURT_LIST_FILES } from '../report/court-lists';
import { renderReportHtml } from '../report/html';
import { ChartCache, renderChartsAhead } from '../report/charts';
import { buildReportModel } from '../report/model';
import { ReportSettings, reportSettingsOf } from '../report/settings';
import { statisticsCsv } from '../report/statistics-csv';
import { ANALYTICS_PREFIX } from '../analytics/columns';
import { publishAnalytics } from '../analytics/publish';
import { runAnalytics } from '../analytics/records';
import { InputError, InvariantError, RejectRatioExceeded, RunError, UnknownCountyError } from '../errors';
import { addComparisonCounts, CHANGES_COLUMNS, ComparisonCounts, emptyComparisonCounts, SinceLastRun } from '../register/compare';
import { compareKeys, publishRegister } from './compare-register';

const CHANGES_HEADER = csvSafeLine([...CHANGES_COLUMNS]);

export const OUTPUT_FILES = {
  ...RESULT_FILE_NAMES,
  rejects: 'rejects.csv',
  /** reports/: the completion marker; `earliestConviction` as a year only (docs/security.md). */
  summary: 'summary.json',
  /** results/: the same summary with the reference tool's exact `earliestConviction`. */
  resultsSummary: 'summary.json',
  /** results/: personal data, the H&S 11361.9 lists for the court, the public defender and the city attorneys. */
  ...COURT_LIST_FILES,
  /** reports/: aggregates only. */
  statistics: 'statistics.csv',
  report: 'report.html',
  /** results/: what changed since the previous run (a run compared with one only). */
  changes: 'changes.csv',
} as const;

export interface AssembleResult {
  summary: Summary;
  /** Final keys of the outputs, by OUTPUT_FILES name (only those of the run's status are published). */
  outputs: Record<string, string>;
}

type OutputName = keyof typeof OUTPUT_FILES;

/** Where Assemble writes an output before publishing it: the run's work area. */
export function stagedOutputKey(plan: Pick<RunPlan, 'workPrefix'>, name: OutputName): string {
  return stagedKey(plan, name === 'resultsSummary' ? 'results-summary.json' : OUTPUT_FILES[name]);
}

/** What a run publishes, in order; summary.json (the completion marker) is always last. */
const PUBLISHED: Record<'SUCCEEDED' | 'FAILED', OutputName[][]> = {
  SUCCEEDED: [
    ['allResults', 'prop64Results', 'condensed', 'rejects', 'courtMotions', 'defenderNotices', 'cityAttorneyReferrals', 'undecided', 'resultsSummary', 'reviewList', 'changes'],
    ['statistics', 'report'],
    ['summary'],
  ],
  // A failed run publishes the rows it rejected and the summary saying why; never result CSVs.
  FAILED: [['rejects', 'resultsSummary'], ['summary']],
};

/** Copies the staged outputs to their final keys, group after group (the objects of a group at once). */
async function publishOutputs(store: ObjectStore, plan: RunPlan, outputs: Record<OutputName, string>, status: 'SUCCEEDED' | 'FAILED'): Promise<void> {
  // One folder for results and reports (`clearance classify`): one summary.json, the results' (the folder holds
  // personal data anyway, and the reference format is kept).
  const oneFolder = plan.resultsPrefix === plan.reportsPrefix;
  for (const names of PUBLISHED[status]) {
    const group = names.filter((name) => !(oneFolder && name === 'summary') && !(name === 'changes' && plan.previous === undefined));
    // Every copy of the group ends before a failure is thrown: none is left running behind a retry.
    const copies = await Promise.allSettled(group.map((name) => store.copy(stagedOutputKey(plan, name), outputs[name])));
    const failed = copies.find((copy): copy is PromiseRejectedResult => copy.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

export interface AssembleOptions {
  /**
   * Runs the output slices' tasks (output-slices.ts, assembleSlice) before Publish; default: all of them in this
   * thread, one after another. In the cloud the Assemble map has run them: the handler passes a no-op.
   */
  runSlices?: (plan: RunPlan) => Promise<void>;
  /**
   * When the Assemble phase began (Date.now()), when its slices' tasks ran before this call (runSlices a no-op):
   * its timing and the run's total then count them. Default: the call's start.
   */
  startedAt?: number;
  /**
   * Charts already being rendered (renderRunChartsAhead, while the slices' tasks run on other threads): the report
   * takes them from here, and renders any it lacks.
   */
  charts?: ChartCache;
  /**
   * Where a successful run adds its analytics rows (docs/analytics.md), after its reports; default `analytics/`
   * at the store's root, null for none.
   */
  analyticsPrefix?: string | null;
}

/** Runs every output slice of `plan` in this thread. */
export async function assembleSlicesInThread(store: ObjectStore, plan: RunPlan): Promise<void> {
  for (let slice = 0; slice < sliceStartsOf(plan).length; slice++) await assembleSlice(store, plan, slice);
}

/** What Publish works from: the run's plan and settings, the phases' results, and the outputs' final keys. */
interface PublishRun {
  store: ObjectStore;
  plan: RunPlan;
  options: AssembleOptions;
  timings: Record<string, number>;
  assembleStarted: number;
  policy: Policy;
  reportSettings: ReportSettings;
  statistics: RunStatistics;
  files: FileSummary[];
  slices: SliceResult[];
  outputs: Record<OutputName, string>;
  /** Charts rendered while the joins run (chartsAhead); empty until then, and for a run that fails before them. */
  charts: ChartCache;
}

/**
 * Publish: the slices' parts joined into each output (joinObjects: server-side on S3), the run's checks, the
 * statistics and reports, then every output copied to its final key, summary.json last. Its work grows with the
 * number of ranges, partitions and slices (small objects, part lists), never with the bytes of the output.
 */
export async function assembleRun(store: ObjectStore, plan: RunPlan, timings: Record<string, number> = {}, options: AssembleOptions = {}): Promise<AssembleResult> {
  const assembleStarted = options.startedAt ?? Date.now();
  await (options.runSlices ?? ((runPlan: RunPlan) => assembleSlicesInThread(store, runPlan)))(plan);
  const run = await loadPublishRun(store, plan, timings, options, assembleStarted);
  await joinSliceParts(run, ['rejects']);
  const inputFailure = statisticsFailure(plan, run.statistics) ?? (await changedUploadFailure(store, plan));
  if (inputFailure) return finishRun(run, 'FAILED', inputFailure);
  run.charts = chartsAhead(plan, run.statistics, run.files, run.policy, run.reportSettings, run.charts);
  await Promise.all([
    joinSliceParts(run, SLICE_OUTPUTS.filter((name) => name !== 'rejects')),
    ...(plan.previous === undefined ? [] : [writeChanges(store, plan, stagedOutputKey(plan, 'changes'))]),
  ]);
  const lostRows = rowCountFailure(plan, run.files, run.slices);
  return lostRows ? finishRun(run, 'FAILED', lostRows) : finishRun(run, 'SUCCEEDED');
}

/** Reads what the phases before Publish left: the splits' and partitions' statistics and the slices' results. */
async function loadPublishRun(store: ObjectStore, plan: RunPlan, timings: Record<string, number>, options: AssembleOptions, assembleStarted: number): Promise<PublishRun> {
  const policy = parsePolicy(plan.policy);
  const reportSettings = reportSettingsOf(plan);
  const { splits, statistics } = await loadRunStatistics(store, plan);
  const slices = await loadSliceResults(store, plan);
  const outputs = finalOutputKeys(plan);
  const files = fileSummaries(plan, splits);
  return { store, plan, options, timings, assembleStarted, policy, reportSettings, statistics, files, slices, outputs, charts: options.charts ?? new Map() };
}

/** The splits' results and the run's statistics: every range's and every partition's, merged. */
async function loadRunStatistics(store: ObjectStore, plan: RunPlan): Promise<{ splits: Awaited<ReturnType<typeof loadSplitResults>>; statistics: RunStatistics }> {
  const splits = await loadSplitResults(store, plan);
  const classified = await mapBounded(
    Array.from({ length: plan.partitionCount }, (_, p) => p),
    READS_IN_FLIGHT,
    (p) => readJson<RunStatistics>(store, workKeys.classifyStats(plan, p)),
  );
  return { splits, statistics: mergeAll([...splits.map((split) => split.statistics), ...classified]) };
}

/** The outputs' final keys; every output is written to stagedOutputKey(plan, name) first and copied here by publishOutputs. */
function finalOutputKeys(plan: RunPlan): Record<OutputName, string> {
  return {
    allResults: `${plan.resultsPrefix}${OUTPUT_FILES.allResults}`,
    prop64Results: `${plan.resultsPrefix}${OUTPUT_FILES.prop64Results}`,
    condensed: `${plan.resultsPrefix}${OUTPUT_FILES.condensed}`,
    rejects: `${plan.resultsPrefix}${OUTPUT_FILES.rejects}`,
    summary: `${plan.reportsPrefix}${OUTPUT_FILES.summary}`,
    resultsSummary: `${plan.resultsPrefix}${OUTPUT_FILES.resultsSummary}`,
    courtMotions: `${plan.resultsPrefix}${OUTPUT_FILES.courtMotions}`,
    defenderNotices: `${plan.resultsPrefix}${OUTPUT_FILES.defenderNotices}`,
    cityAttorneyReferrals: `${plan.resultsPrefix}${OUTPUT_FILES.cityAttorneyReferrals}`,
    undecided: `${plan.resultsPrefix}${OUTPUT_FILES.undecided}`,
    reviewList: `${plan.resultsPrefix}${OUTPUT_FILES.reviewList}`,
    statistics: `${plan.reportsPrefix}${OUTPUT_FILES.statistics}`,
    report: `${plan.reportsPrefix}${OUTPUT_FILES.report}`,
    changes: `${plan.resultsPrefix}${OUTPUT_FILES.changes}`,
  };
}

/** Joins the slices' parts of outputs into their staged keys, all at once (each a few server-side requests). */
async function joinSliceParts(run: PublishRun, names: readonly SliceOutput[]): Promise<void> {
  const { store, plan, slices } = run;
  await Promise.all(
    names.map((name) => joinObjects(store, slices.map((slice) => ({ key: sliceKeys.part(plan, slice.slice, name), size: slice.sizes[name] })), stagedOutputKey(plan, name))),
  );
}

/** Why the run's statistics fail it (no data rows, too many rejected, not the run's county), if they do. */
function statisticsFailure(plan: RunPlan, statistics: RunStatistics): RunError | undefined {
  if (statistics.rowsRead === 0) return new InputError('the extract holds no data rows');
  const rejectRatio = statistics.rowsRejected / statistics.rowsRead;
  if (rejectRatio > plan.maxRejectRatio) {
    return new RejectRatioExceeded(
      `${statistics.rowsRejected} of ${statistics.rowsRead} rows rejected (${percent(rejectRatio)}), ` +
        `above the allowed ${percent(plan.maxRejectRatio)}; see ${OUTPUT_FILES.rejects}`,
    );
  }
  if (!statistics.rowsByCounty[plan.county]) return new UnknownCountyError(countyMismatchMessage(plan.county, statistics.rowsByCounty));
  return undefined;
}

/** The slices copied each record from the upload again: it must be the file Split read. */
async function changedUploadFailure(store: ObjectStore, plan: RunPlan): Promise<RunError | undefined> {
  for (const file of plan.files) {
    const size = await store.size(file.key).catch(() => -1);
    if (size !== file.size) {
      return new InputError(`${file.name} changed during the run (${size < 0 ? 'it is gone' : `${size} bytes, planned ${file.size}`}); upload it again`);
    }
  }
  return undefined;
}

/** Sets each file's rows written (from the slices); the broken invariant if a file's rows do not add up. */
function rowCountFailure(plan: RunPlan, files: FileSummary[], slices: SliceResult[]): RunError | undefined {
  const written = plan.files.map((_, index) => slices.reduce((sum, slice) => sum + (slice.rowsPerFile[index] ?? 0), 0));
  for (const file of files) {
    const index = plan.files.findIndex((f) => f.name === file.name);
    file.rowsWritten = written[index] ?? 0;
    if (file.rowsRead !== file.rowsWritten + file.rowsRejected) {
      return new InvariantError(`${file.name}: ${file.rowsRead} rows read but ${file.rowsWritten} written and ${file.rowsRejected} rejected`);
    }
  }
  return undefined;
}

/**
 * Writes the run's summaries (and, for a run that succeeded, its reports), publishes the outputs of its status,
 * then the register and analytics of a run that succeeded; throws `error` once a failed run is published.
 */
async function finishRun(run: PublishRun, status: 'SUCCEEDED' | 'FAILED', error?: RunError): Promise<AssembleResult> {
  const { store, plan, options, statistics, policy, reportSettings, outputs } = run;
  const staged = (name: OutputName) => stagedOutputKey(plan, name);
  // A failed run publishes no result CSVs: nothing was written, whatever the partitions classified.
  if (status === 'FAILED') statistics.rowsWritten = 0;
  const summary = runSummary(run, status, error);
  const since = await sinceLastRun(store, plan, summary.policySha256 ?? '');
  if (since !== undefined) summary.sinceLastRun = since;
  const model = status === 'SUCCEEDED' ? buildReportModel(statistics, summary, policy, reportSettings) : undefined;
  if (model) {
    // The reports of a finished run, before summary.json (the completion marker).
    await store.write(staged('statistics'), [Buffer.from(statisticsCsv(model), 'utf8')]);
    await store.write(staged('report'), [Buffer.from(await renderReportHtml(model, run.charts), 'utf8')]);
  }
  await writeJson(store, staged('resultsSummary'), summary);
  await writeJson(store, staged('summary'), reportSummary(summary));
  await publishOutputs(store, plan, outputs, status);
  // The register of a run that succeeded, for the county's next run (docs/monthly.md).
  if (status === 'SUCCEEDED' && plan.registerPrefix !== undefined) await publishRegister(store, plan, summary.policySha256 ?? '', summary.convictions);
  const analyticsPrefix = options.analyticsPrefix === undefined ? ANALYTICS_PREFIX : options.analyticsPrefix;
  if (model && analyticsPrefix !== null) {
    // Derived from the published reports: a run killed here is retried whole and writes the same keys again.
    await publishAnalytics(store, runAnalytics(model, summary, { startedAt: plan.startedAt, reportsPrefix: plan.reportsPrefix }), analyticsPrefix);
  }
  if (error) throw error;
  return { summary, outputs };
}

/** The run's summary, with the phases' timings and Assemble's own up to now. */
function runSummary(run: PublishRun, status: 'SUCCEEDED' | 'FAILED', error?: RunError): Summary {
  const { plan, timings, assembleStarted } = run;
  const total = Object.values(timings).reduce((sum, t) => sum + t, 0) + (Date.now() - assembleStarted) / 1000;
  return buildSummary(run.statistics, {
    runId: plan.runId,
    county: plan.county,
    computeAt: plan.computeAt,
    policy: run.policy,
    policyName: plan.policyName,
    files: run.files,
    timings: { ...timings, assemble: (Date.now() - assembleStarted) / 1000, total },
    status,
    ...(error ? { error: error.message } : {}),
    reportSettings: run.reportSettings,
  });
}

/**
 * The report's charts depend on the run's statistics alone, known before the outputs are joined: this thread renders
 * them while it waits on the joins, and the page takes them from the cache.
 */
function chartsAhead(plan: RunPlan, statistics: RunStatistics, files: FileSummary[], policy: Policy, reportSettings: ReportSettings, cache: ChartCache): ChartCache {
  const summary = buildSummary(statistics, {
    runId: plan.runId, county: plan.county, computeAt: plan.computeAt, policy, policyName: plan.policyName, files, timings: {}, status: 'SUCCEEDED', reportSettings,
  });
  renderChartsAhead(buildReportModel(statistics, summary, policy, reportSettings), cache);
  return cache;
}

/**
 * Starts rendering the report's charts into `cache` once Classify is done (they need the split and classify
 * statistics only), so that this thread draws them while other threads run the slices' merges. Resolves when every
 * chart has been started; a chart that fails is rendered again, and fails the run, when the page asks for it.
 */
export async function renderRunChartsAhead(store: ObjectStore, plan: RunPlan, cache: ChartCache): Promise<void> {
  const { splits, statistics } = await loadRunStatistics(store, plan);
  if (statistics.rowsRead === 0 || !statistics.rowsByCounty[plan.county]) return;
  chartsAhead(plan, statistics, fileSummaries(plan, splits), parsePolicy(plan.policy), reportSettingsOf(plan), cache);
}

/** changes.csv: the header, then each partition's changes in partition order. */
async function writeChanges(store: ObjectStore, plan: RunPlan, key: string): Promise<void> {
  const partitions = Array.from({ length: plan.partitionCount }, (_, p) => p);
  async function* pieces(): AsyncGenerator<Buffer> {
    yield Buffer.from(`${CHANGES_HEADER}\n`, 'latin1');
    for (const p of partitions) yield* store.read(compareKeys.changes(plan, p));
  }
  await store.write(key, pieces());
}

/** summary.json's `sinceLastRun`: the comparison's counts, or why the run was not compared. */
async function sinceLastRun(store: ObjectStore, plan: RunPlan, policySha256: string): Promise<SinceLastRun | undefined> {
  const previous = plan.previous;
  if (previous === undefined) return plan.previousNote === undefined ? undefined : { previousRunId: null, note: plan.previousNote };
  const partitions = Array.from({ length: plan.partitionCount }, (_, p) => p);
  const counts = emptyComparisonCounts();
  const parts = await mapBounded(partitions, READS_IN_FLIGHT, (p) => readJson<ComparisonCounts>(store, compareKeys.counts(plan, p)).catch(() => null));
  // A run that failed before Compare has no counts: it says which run it would have been compared with.
  if (parts.some((part) => part === null)) return { previousRunId: previous.runId, note: 'the run failed before the comparison' };
  for (const part of parts) addComparisonCounts(counts, part!);
  return {
    previousRunId: previous.runId,
    previousComputeAt: previous.computeAt,
    previousPolicyName: previous.policyName,
    policyChanged: previous.policySha256 !== policySha256,
    changes: counts.changes,
    decisionsCarried: counts.decisionsCarried,
    changedSinceDecided: counts.changedSinceDecided,
  };
}

/**
 * summary.json as published in reports/ (no personal data): `earliestConviction` as its year only, e.g. "1966" (one
 * person's exact conviction date is a quasi-identifier; eligibility.md). results/summary.json keeps the instant.
 */
export function reportSummary(summary: Summary): Summary {
  return { ...summary, earliestConviction: summary.earliestConviction === null ? null : summary.earliestConviction.slice(0, 4) };
}

/**
 * The error of a run whose county is not in the extract. It lists the county values present that are California
 * county names and only counts the others: a shifted row puts a name and a date of birth in STP_ORI_CNTY_NAME, and
 * this message goes to summary.json, the ledger, the execution's cause and the log (docs/security.md).
 */
export function countyMismatchMessage(county: string, rowsByCounty: Readonly<Record<string, number>>): string {
  const named: Array<[string, number]> = [];
  let otherValues = 0;
  let otherRows = 0;
  for (const [value, rows] of Object.entries(rowsByCounty)) {
    if (isCaliforniaCounty(value)) named.push([value, rows]);
    else {
      otherValues++;
      otherRows += rows;
    }
  }
  const present = named.sort((a, b) => b[1] - a[1]).map(([name, rows]) => `${JSON.stringify(name)} (${rows} rows)`);
  const others = otherValues === 0 ? '' : `${present.length > 0 ? '; and ' : ''}${otherValues} other value${otherValues === 1 ? '' : 's'} that ${otherValues === 1 ? 'is' : 'are'} not a California county name (${otherRows} rows)`;
  // The requested county is the run's own (from its upload key), not a cell value.
  return `county ${JSON.stringify(county)} does not appear in the extract; counties present: ${present.join(', ') || (others === '' ? 'none' : '')}${others}`;
}

/** A share as a percentage with enough decimals to tell 5.003% from the 5% limit. */
function percent(ratio: number): string {
  return `${Number((ratio * 100).toFixed(3))}%`;
}

/** The per-file counts of the split results. */
function fileSummaries(plan: RunPlan, splits: SplitResult[]): FileSummary[] {
  const files: FileSummary[] = plan.files.map((file) => ({
    name: file.name,
    rowsRead: 0,
    rowsRejected: 0,
    rowsWritten: 0,
    blankLines: 0,
    header: 'absent',
    notes: [],
  }));
  for (const split of splits) {
    const file = files[split.fileIndex];
    file.rowsRead += split.statistics.rowsRead;
    file.rowsRejected += split.statistics.rowsRejected;
    file.blankLines += split.statistics.blankLines;
    if (split.hadHeader) file.header = 'present';
    file.notes.push(...split.notes);
  }
  return files;
}
