/**
 * Runs one corpus input through the engine (runInProcess over FsObjectStore, inputs as files in a temp dir,
 * as the CLI does) and reads back everything it wrote; checks what must hold for every input (no crash,
 * no row lost); compares determinations with the clean input's; and describes the outcome for the table.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { COL, DOJ_COLUMNS, ELIGIBILITY_COLUMNS, POSSIBLE_OTHER_P64_INDEX } from '../../lambdas/domain/columns';
import { OUTPUT_FILES } from '../../lambdas/domain/pipeline/assemble';
import { ByteRange, planRanges, SizingOptions } from '../../lambdas/domain/pipeline/plan';
import { runInProcess } from '../../lambdas/domain/pipeline/run';
import { Summary } from '../../lambdas/domain/summary';
import { FsObjectStore } from '../../local/fs-object-store';
import { parseCsvText, splitCsvRecords } from '../helpers/csv-compare';
import { fixturePolicy } from '../helpers/run-fixture';
import { CORPUS_COMPUTE_AT, CORPUS_COUNTY } from './extract';
import { PolicyError, RunError } from '../../lambdas/domain/errors';

export interface CorpusFile {
  /** The upload's name, as rejects.csv and summary.files show it. */
  name: string;
  /** A string is latin1 (one byte per char), as the extract texts of ./extract.ts are. */
  content: string | Buffer;
}

export interface CorpusRequest {
  files: CorpusFile[];
  county?: string;
  computeAt?: string;
  /** A policy object or preset name; default the fixtures' eligibility_options.json. */
  policy?: unknown;
  maxRejectRatio?: number;
  sizing?: SizingOptions;
  /** Files named in the request but never written (a manifest naming a missing file). */
  missingFiles?: string[];
}

export interface RejectRow {
  file: string;
  line: number;
  code: string;
  reason: string;
  text: string;
}

export interface CorpusRun {
  request: CorpusRequest;
  /** The case's temp dir: in/ (the inputs) and store/ (what the run wrote). */
  dir: string;
  inputPaths: string[];
  error?: Error;
  summary?: Summary;
  rejects?: RejectRow[];
  /** Result CSVs as latin1 text; undefined when not written. */
  allResults?: string;
  prop64Results?: string;
  condensed?: string;
  /** Keys the run wrote outside its work area. */
  publishedKeys: string[];
}

/** Errors a bad input may end in; anything else is a crash. */
export const RUN_LEVEL_ERRORS = ['PolicyError', 'InputError', 'RejectRatioExceeded', 'UnknownCountyError'] as const;

const PREFIX = { work: 'work/', results: 'results/', reports: 'reports/' };

let corpusRoot: string | undefined;

/** One temp dir for the whole corpus run, removed by `removeCorpusDirs` (kept when KEEP_BAD_INPUTS=1). */
export function corpusDir(): string {
  corpusRoot ??= mkdtempSync(path.join(os.tmpdir(), 'bad-inputs-'));
  return corpusRoot;
}

export function removeCorpusDirs(): void {
  if (corpusRoot !== undefined && process.env.KEEP_BAD_INPUTS !== '1') rmSync(corpusRoot, { recursive: true, force: true });
  corpusRoot = undefined;
}

let caseCount = 0;

/** Writes the inputs under a fresh case dir; returns the dir and the input paths (missing files are not written). */
export function writeInputs(request: CorpusRequest): { dir: string; inputPaths: string[] } {
  const dir = path.join(corpusDir(), `case-${String(++caseCount).padStart(3, '0')}`);
  mkdirSync(path.join(dir, 'in'), { recursive: true });
  mkdirSync(path.join(dir, 'store'), { recursive: true });
  const inputPaths = request.files.map((file) => {
    const target = path.join(dir, 'in', file.name);
    writeFileSync(target, typeof file.content === 'string' ? Buffer.from(file.content, 'latin1') : file.content);
    return target;
  });
  for (const name of request.missingFiles ?? []) inputPaths.push(path.join(dir, 'in', name));
  return { dir, inputPaths };
}

function optionalText(file: string, encoding: BufferEncoding = 'latin1'): string | undefined {
  return existsSync(file) ? readFileSync(file).toString(encoding) : undefined;
}

export function parseRejects(text: string): RejectRow[] {
  const rows = parseCsvText(text);
  expect(rows[0]).toEqual(['file', 'line', 'code', 'reason', 'text']);
  return rows.slice(1).map(([file, line, code, reason, text]) => ({ file, line: Number(line), code, reason, text }));
}

/** Runs the engine on the request's files; never throws for a run-level error (it is returned). */
export async function runCase(request: CorpusRequest): Promise<CorpusRun> {
  const { dir, inputPaths } = writeInputs(request);
  const storeRoot = path.join(dir, 'store');
  const store = new FsObjectStore(storeRoot);
  const names = [...request.files.map((file) => file.name), ...(request.missingFiles ?? [])];
  let error: Error | undefined;
  try {
    await runInProcess(store, {
      runId: 'corpus',
      county: request.county ?? CORPUS_COUNTY,
      policy: request.policy === undefined ? fixturePolicy() : request.policy,
      computeAt: request.computeAt ?? CORPUS_COMPUTE_AT,
      files: inputPaths.map((key, index) => ({ key, name: names[index] })),
      ...(request.maxRejectRatio === undefined ? {} : { maxRejectRatio: request.maxRejectRatio }),
      ...(request.sizing === undefined ? {} : { sizing: request.sizing }),
      workPrefix: PREFIX.work,
      resultsPrefix: PREFIX.results,
      reportsPrefix: PREFIX.reports,
    });
  } catch (caught) {
    error = caught as Error;
  }
  const summaryText = optionalText(path.join(storeRoot, PREFIX.reports, OUTPUT_FILES.summary), 'utf8');
  const rejectsText = optionalText(path.join(storeRoot, PREFIX.results, OUTPUT_FILES.rejects));
  const published = (await store.list('')).filter((key) => !key.startsWith(PREFIX.work));
  return {
    request,
    dir,
    inputPaths,
    ...(error === undefined ? {} : { error }),
    ...(summaryText === undefined ? {} : { summary: JSON.parse(summaryText) as Summary }),
    ...(rejectsText === undefined ? {} : { rejects: parseRejects(rejectsText) }),
    allResults: optionalText(path.join(storeRoot, PREFIX.results, OUTPUT_FILES.allResults)),
    prop64Results: optionalText(path.join(storeRoot, PREFIX.results, OUTPUT_FILES.prop64Results)),
    condensed: optionalText(path.join(storeRoot, PREFIX.results, OUTPUT_FILES.condensed)),
    publishedKeys: published,
  };
}

/** The byte ranges the run's Plan wrote (work/ranges.json). */
export function plannedRanges(run: CorpusRun): ByteRange[] {
  return JSON.parse(readFileSync(path.join(run.dir, 'store', PREFIX.work, 'ranges.json'), 'utf8')) as ByteRange[];
}

export interface PlanCost {
  ranges: ByteRange[];
  /** Ranged reads (GETs in the cloud) and the bytes they returned. */
  reads: number;
  bytesRead: number;
}

/** Plans the case's inputs again, as its run did, through a store that counts what Plan reads. */
export async function planCost(run: CorpusRun, targetRangeBytes: number): Promise<PlanCost> {
  const store = new FsObjectStore(path.join(run.dir, 'store'));
  const cost = { reads: 0, bytesRead: 0 };
  const readRange = store.readRange.bind(store);
  store.readRange = async function* countedReadRange(key: string, start: number, end?: number): AsyncIterable<Buffer> {
    cost.reads++;
    for await (const chunk of readRange(key, start, end)) {
      cost.bytesRead += chunk.length;
      yield chunk;
    }
  };
  const names = run.request.files.map((file) => file.name);
  const files = await Promise.all(run.inputPaths.map(async (key, index) => ({ key, name: names[index], size: await store.size(key) })));
  const ranges = await planRanges(store, files, targetRangeBytes);
  return { ranges, ...cost };
}

/** Data records of an output CSV (header excluded). */
export function dataRecordCount(text: string): number {
  return splitCsvRecords(text).length - 1;
}

/**
 * What must hold whatever the input: the run ends normally or with a run-level error (never another
 * exception); a succeeded run writes every row it read or rejects it, in total and per file, and its
 * files agree with summary.json; a failed run publishes no results (rowsWritten 0) but still explains itself; neither
 * summary.json nor the error message holds any of `personalData`.
 */
export function expectSound(run: CorpusRun, personalData: readonly string[] = []): void {
  const { error, summary } = run;
  // Reports and messages name files, fields and counts, never a person.
  const reportText = `${error?.message ?? ''}\n${summary === undefined ? '' : JSON.stringify(summary)}`;
  expect(personalData.filter((value) => reportText.includes(value))).toEqual([]);
  if (error !== undefined) {
    const known = error instanceof PolicyError || error instanceof RunError;
    if (!known || !(RUN_LEVEL_ERRORS as readonly string[]).includes(error.name)) {
      throw new Error(`the run crashed instead of failing cleanly: ${error.name}: ${error.message}\n${error.stack}`);
    }
    expect(error.message.trim()).not.toBe('');
    expect(error.message).not.toContain('\n');
    // The result CSVs are published only by a run that succeeded.
    expect(run.allResults).toBeUndefined();
    expect(run.prop64Results).toBeUndefined();
    expect(run.condensed).toBeUndefined();
    if (summary === undefined) {
      // Failed before any work: nothing published at all.
      expect(run.publishedKeys).toEqual([]);
      return;
    }
    expect(summary.status).toBe('FAILED');
    expect(summary.error).toBe(error.message);
    // Nothing was published, so nothing counts as written, whatever the partitions classified.
    expect({ rowsWritten: summary.rowsWritten, perFile: summary.files.map((f) => f.rowsWritten) }).toEqual({ rowsWritten: 0, perFile: summary.files.map(() => 0) });
    expect(run.rejects).toBeDefined();
    expect(run.rejects!.length).toBe(summary.rowsRejected);
    expect(summary.rowsRead).toBe(sum(summary.files.map((f) => f.rowsRead)));
    expect(summary.rowsRejected).toBe(sum(summary.files.map((f) => f.rowsRejected)));
    return;
  }
  expect(summary).toBeDefined();
  const s = summary!;
  expect(s.status).toBe('SUCCEEDED');
  expect(s.error).toBeUndefined();
  expect(s.rowsRead).toBe(s.rowsWritten + s.rowsRejected);
  expect(s.lineCount).toBe(s.rowsRead);
  for (const file of s.files) {
    expect({ file: file.name, rows: file.rowsRead }).toEqual({ file: file.name, rows: file.rowsWritten + file.rowsRejected });
  }
  expect(sum(s.files.map((f) => f.rowsRead))).toBe(s.rowsRead);
  expect(sum(s.files.map((f) => f.rowsWritten))).toBe(s.rowsWritten);
  expect(sum(s.files.map((f) => f.rowsRejected))).toBe(s.rowsRejected);
  expect(dataRecordCount(run.allResults!)).toBe(s.rowsWritten);
  expect(dataRecordCount(run.condensed!)).toBe(s.rowsWritten);
  expect(run.rejects!.length).toBe(s.rowsRejected);
  for (const file of s.files) {
    expect({ file: file.name, rejects: run.rejects!.filter((r) => r.file === file.name).length }).toEqual({ file: file.name, rejects: file.rowsRejected });
  }
  const evaluated = evaluatedRows(run.allResults!);
  expect(dataRecordCount(run.prop64Results!)).toBe(evaluated.length);
  // Every evaluated conviction is counted once, under its determination ('' when no rule applied).
  expect(sum(Object.values(s.convictionsByDetermination))).toBe(evaluated.length);
}

function sum(values: number[]): number {
  return values.reduce((total, n) => total + n, 0);
}

const DETERMINATION_INDEX = DOJ_COLUMNS.length + ELIGIBILITY_COLUMNS.indexOf('Eligibility Determination');
const REASON_INDEX = DOJ_COLUMNS.length + ELIGIBILITY_COLUMNS.indexOf('Eligibility Reason');
const DATE_OF_CONVICTION_INDEX = DOJ_COLUMNS.length + ELIGIBILITY_COLUMNS.indexOf('Date of Conviction');

export interface EvaluatedRow {
  /** SUBJECT_ID + CNT_ORDER: a person's count, which is one conviction. */
  key: string;
  subjectId: string;
  determination: string;
  reason: string;
  /** The 18 appended columns, joined. */
  columns: string;
  /** The 95 input fields, joined. */
  input: string;
  dateOfConviction: string;
}

/** An output row that is not an evaluated conviction ends with 15 empty columns (see plainAnnotation in people-classifier.ts). */
const PLAIN_ROW_END = ','.repeat(15);

const evaluatedCache = new Map<string, EvaluatedRow[]>();

/**
 * The rows of All_Results that are evaluated convictions: their 18 columns are not all empty but
 * `Possible Other P64 Charges`. Only those rows are parsed (csv-parse), so large outputs stay cheap.
 */
export function evaluatedRows(allResults: string): EvaluatedRow[] {
  const cached = evaluatedCache.get(allResults);
  if (cached !== undefined) return cached;
  const evaluated: EvaluatedRow[] = [];
  const records = splitCsvRecords(allResults).slice(1);
  for (const record of records) {
    if (record.endsWith(PLAIN_ROW_END)) continue;
    const row = parseCsvText(`${record}\n`)[0];
    expect(row.length).toBe(DOJ_COLUMNS.length + ELIGIBILITY_COLUMNS.length);
    const columns = row.slice(DOJ_COLUMNS.length);
    if (columns.every((value, index) => value === '' || index === POSSIBLE_OTHER_P64_INDEX)) continue;
    evaluated.push({
      key: `${row[COL.SUBJECT_ID]}/${row[COL.CNT_ORDER]}`,
      subjectId: row[COL.SUBJECT_ID],
      determination: row[DETERMINATION_INDEX],
      reason: row[REASON_INDEX],
      columns: columns.join('|'),
      input: row.slice(0, DOJ_COLUMNS.length).join('|'),
      dateOfConviction: row[DATE_OF_CONVICTION_INDEX],
    });
  }
  evaluatedCache.set(allResults, evaluated);
  return evaluated;
}

export interface DeterminationChange {
  key: string;
  subjectId: string;
  before?: EvaluatedRow;
  after?: EvaluatedRow;
}

/** Evaluated rows by key; a key seen again (convictions with the same blank CNT_ORDER) gets `#2`, `#3`... in output order. */
function byKey(rows: readonly EvaluatedRow[]): Map<string, EvaluatedRow> {
  const keyed = new Map<string, EvaluatedRow>();
  const seen = new Map<string, number>();
  for (const row of rows) {
    const n = (seen.get(row.key) ?? 0) + 1;
    seen.set(row.key, n);
    keyed.set(n === 1 ? row.key : `${row.key}#${n}`, row);
  }
  return keyed;
}

/**
 * Evaluated convictions whose 18 columns differ between two runs, matched by SUBJECT_ID + CNT_ORDER; when an
 * edit changed CNT_ORDER itself, a person's unmatched convictions are paired in order if their numbers agree.
 */
export function determinationChanges(clean: string, actual: string): DeterminationChange[] {
  const before = byKey(evaluatedRows(clean));
  const after = byKey(evaluatedRows(actual));
  const unmatchedBefore = [...before.values()].filter((row) => !after.has(row.key));
  const unmatchedAfter = [...after.values()].filter((row) => !before.has(row.key));
  const changes: DeterminationChange[] = [];
  for (const [key, row] of before) {
    const other = after.get(key);
    if (other !== undefined && other.columns !== row.columns) changes.push({ key, subjectId: row.subjectId, before: row, after: other });
  }
  for (const subjectId of new Set([...unmatchedBefore, ...unmatchedAfter].map((row) => row.subjectId))) {
    const gone = unmatchedBefore.filter((row) => row.subjectId === subjectId);
    const added = unmatchedAfter.filter((row) => row.subjectId === subjectId);
    if (gone.length === added.length) {
      gone.forEach((row, i) => {
        if (row.columns !== added[i].columns) changes.push({ key: added[i].key, subjectId, before: row, after: added[i] });
      });
    } else {
      for (const row of gone) changes.push({ key: row.key, subjectId, before: row });
      for (const row of added) changes.push({ key: row.key, subjectId, after: row });
    }
  }
  return changes;
}

/**
 * Every evaluated conviction of a person outside `affected` has exactly the clean run's 18 columns (no
 * silent change anywhere else); returns the changes, all of them for affected people.
 */
export function expectOnlyAffectedChanged(clean: CorpusRun, run: CorpusRun, affected: Iterable<string>): DeterminationChange[] {
  const allowed = new Set(affected);
  const changes = determinationChanges(clean.allResults!, run.allResults!);
  const unexpected = changes.filter((change) => !allowed.has(change.subjectId));
  expect(unexpected.map(describeChange)).toEqual([]);
  return changes;
}

function describeChange(change: DeterminationChange): string {
  const side = (row?: EvaluatedRow) => (row === undefined ? '(not evaluated)' : `${row.determination || '(none)'}: ${row.reason}`);
  return `${change.key}: ${side(change.before)} -> ${side(change.after)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The outcome, in words, for docs/bad-inputs.md: built only from what the run wrote.

export interface DescribeOptions {
  /** The clean run: determination changes are then summarised against it. */
  clean?: CorpusRun;
  /** How many rejects to list by line before summarising the rest. */
  listRejects?: number;
  /** Extra observed facts, in words, appended. */
  also?: string[];
}

function quote(text: string): string {
  return `"${text}"`;
}

export function describeOutcome(run: CorpusRun, options: DescribeOptions = {}): string {
  const parts: string[] = [];
  const s = run.summary;
  if (run.error !== undefined) {
    parts.push(`run fails: ${run.error.name} ${quote(run.error.message)}`);
    parts.push(s === undefined ? 'nothing written' : 'summary.json status FAILED, no result CSVs');
    if (s !== undefined && s.rowsRead > 0) parts.push(`${s.rowsRead} rows read, ${s.rowsRejected} rejected`);
  } else if (s !== undefined) {
    parts.push(`${s.rowsRead} rows read = ${s.rowsWritten} written + ${s.rowsRejected} rejected`);
  }
  const rejects = run.rejects ?? [];
  if (rejects.length > 0) {
    const limit = options.listRejects ?? 3;
    const listed = rejects.slice(0, limit).map((r) => `${run.request.files.length > 1 ? `${r.file} ` : ''}line ${r.line} ${r.code} (${r.reason})`);
    if (rejects.length > limit) {
      const codes = [...new Set(rejects.slice(limit).map((r) => r.code))].join(', ');
      listed.push(`${rejects.length - limit} more (${codes})`);
    }
    parts.push(`rejects.csv: ${listed.join('; ')}`);
  }
  if (s !== undefined) {
    if (s.blankLines > 0) parts.push(`${s.blankLines} blank line${s.blankLines === 1 ? '' : 's'} skipped`);
    for (const file of s.files) {
      for (const note of file.notes) parts.push(`note${s.files.length > 1 ? ` on ${file.name}` : ''}: ${quote(note)}`);
    }
  }
  if (options.clean !== undefined && run.allResults !== undefined) {
    const changes = determinationChanges(options.clean.allResults!, run.allResults);
    if (changes.length === 0) parts.push('determinations as in the clean input');
    else {
      const groups = new Map<string, number>();
      for (const change of changes) {
        const from = change.before === undefined ? 'not evaluated' : change.before.determination || 'no determination';
        const to = change.after === undefined ? 'not evaluated' : `${change.after.determination || 'no determination'}${change.after.reason ? ` (${change.after.reason})` : ''}`;
        const label = from === to ? `${to}, other columns changed` : `${from} → ${to}`;
        groups.set(label, (groups.get(label) ?? 0) + 1);
      }
      const listed = [...groups].map(([label, n]) => `${n} conviction${n === 1 ? '' : 's'} ${label}`);
      parts.push(`${listed.join('; ')}; all other determinations as in the clean input`);
    }
  }
  parts.push(...(options.also ?? []));
  return parts.join('; ');
}

// ---------------------------------------------------------------------------------------------------------------
// The command line on the same inputs

export interface CliRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outDir: string;
}

const CLI = path.resolve(__dirname, '../../bin/clearance.js');

/** `node bin/clearance.js classify` on the case's inputs (the CLI is built by `npm test` before jest runs). */
export function runCli(run: CorpusRun): CliRun {
  const outDir = path.join(run.dir, 'cli-out');
  const policy = run.request.policy === undefined ? fixturePolicy() : run.request.policy;
  let policyArgument: string;
  if (typeof policy === 'string') policyArgument = policy;
  else {
    policyArgument = path.join(run.dir, 'policy.json');
    writeFileSync(policyArgument, JSON.stringify(policy));
  }
  const args = [
    CLI,
    'classify',
    '--input', run.inputPaths.join(','),
    '--county', run.request.county ?? CORPUS_COUNTY,
    '--policy', policyArgument,
    '--compute-at', run.request.computeAt ?? CORPUS_COMPUTE_AT,
    '--out', outDir,
    ...(run.request.maxRejectRatio === undefined ? [] : ['--max-reject-ratio', String(run.request.maxRejectRatio)]),
  ];
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
  // A run that ran prints its own folder, <out>/<runId>/; its CSVs are in results/.
  const runDir = result.stdout.trim();
  return { exitCode: result.status, stdout: result.stdout, stderr: result.stderr, outDir: runDir === '' ? outDir : path.join(runDir, 'results') };
}

/** The exit code the CLI documents for a run's outcome: 0 success, 1 a run that failed, 2 a bad request. */
export function expectedExitCode(run: CorpusRun): number {
  if (run.error === undefined) return 0;
  return run.error.name === 'RejectRatioExceeded' || run.error.name === 'UnknownCountyError' ? 1 : 2;
}
