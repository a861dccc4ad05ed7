/**
 * Finalize as a fan-out (docs/review.md, "At scale"), step 1: Plan. One short task decides what a decision file's
 * round will read: the run's review list, the stored files of earlier rounds and the new file, each cut into byte
 * ranges at record starts (Route reads one range each), and how many partitions of people Apply uses. It reads
 * headers, sizes and the rounds index, and streams files through SHA-256; it holds no file.
 *
 * A conviction id leads with its person's key (conviction-id.ts), so a review-list line and a decision line reach
 * the partition `personKey mod partitionCount` without any lookup, whatever the run's own partition count was.
 */
import { createHash } from 'node:crypto';
import { DojTokenizer } from '../csv/tokenizer';
import { DEFAULT_REVIEW_MAX_PARTITIONS, DEFAULT_REVIEW_PARTITION_BYTES, DEFAULT_REVIEW_RANGE_BYTES } from '../defaults';
import { ObjectStore, collectBytes } from '../pipeline/object-store';
import { shardOf } from '../pipeline/plan';
import { loadRunSummary, readRounds, ReviewKeyInputs, ReviewReport, reviewKeys } from './apply';
import { CsvProblem, CsvRecord, headerIndices } from './csv-records';
import { DECISION_COLUMNS, DecisionColumns, EMPTY_FILE } from './decisions';
import { FinalizeContext } from './finalize';
import { reviewListColumns, ReviewListColumns } from './review-list';
import { ReviewStateError } from '../errors';

/** Longest record of a decision file or review list (csv-records.ts readCsvRecords). */
export const REVIEW_MAX_RECORD_BYTES = 64 * 1024;


export type RoundSource =
  | { kind: 'reviewList'; key: string; size: number; columns: ReviewListColumns }
  | { kind: 'round'; key: string; size: number; round: number; file: string; sha256: string; columns: DecisionColumns; width: number }
  | { kind: 'file'; key: string; size: number; columns: DecisionColumns | null; width: number; headerProblems: CsvProblem[] };

export interface RoundRange {
  index: number;
  source: number;
  start: number;
  end: number;
}

export interface RoundPlan {
  keys: ReviewKeyInputs;
  /** Where this round's work objects go (under results/: they hold decision lines). */
  workPrefix: string;
  file: { name: string; key: string; sha256: string };
  /** The round this file becomes if it has no problem. */
  round: number;
  context: FinalizeContext;
  partitionCount: number;
  /** 0: the review list; then the earlier rounds, oldest first; last: the new file. */
  sources: RoundSource[];
  ranges: RoundRange[];
}

export interface PlanOptions {
  rangeBytes?: number;
  partitionBytes?: number;
  maxPartitions?: number;
}

const pad = (n: number) => String(n).padStart(6, '0');

export const roundKeys = {
  plan: (workPrefix: string) => `${workPrefix}plan.json`,
  routed: (plan: Pick<RoundPlan, 'workPrefix'>, range: number) => `${plan.workPrefix}route/${shardOf(range)}/r${pad(range)}`,
  routeResult: (plan: Pick<RoundPlan, 'workPrefix'>, range: number) => `${plan.workPrefix}route/${shardOf(range)}/r${pad(range)}.json`,
  part: (plan: Pick<RoundPlan, 'workPrefix'>, partition: number, list: 'motions' | 'notices' | 'records') =>
    `${plan.workPrefix}apply/${shardOf(partition)}/p${pad(partition)}.${list}.jsonl`,
  partResult: (plan: Pick<RoundPlan, 'workPrefix'>, partition: number) => `${plan.workPrefix}apply/${shardOf(partition)}/p${pad(partition)}.json`,
};

export function keysOf(plan: Pick<RoundPlan, 'keys'>): ReturnType<typeof reviewKeys> {
  return reviewKeys(plan.keys.resultsPrefix, plan.keys.summaryKey, plan.keys.reports);
}

export async function sha256OfObject(store: ObjectStore, key: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of store.read(key, { chunkBytes: 1 << 20 })) hash.update(chunk);
  return hash.digest('hex');
}

/** The first record of a file (its header), the CSV problems before it, and whether the file has any record. */
async function readHeader(store: ObjectStore, key: string, size: number): Promise<CsvRecord | null> {
  let header: CsvRecord | null = null;
  const tokenizer = new DojTokenizer(
    {
      record(fields, info) {
        header ??= { fields: fields.slice(0, info.fieldCount), line: info.line };
      },
      reject() {},
      blankLine() {},
    },
    { expectedFields: null, maxRecordBytes: REVIEW_MAX_RECORD_BYTES },
  );
  // The header is the first record: past a few malformed lines at most; read on in windows until it is found.
  for (let start = 0; start < size && header === null; start += 1 << 20) {
    const bytes = await collectBytes(store.readRange(key, start, Math.min(size, start + (1 << 20))));
    tokenizer.push(bytes.toString('latin1'));
  }
  if (header === null) tokenizer.end();
  return header;
}

/** Whether `line` (no line end) is one whole record of `width` fields whose `idColumn` holds `idOk` text. */
function isRecordStart(line: string, width: number, idColumn: number, idOk: (id: string) => boolean): boolean {
  let ok = false;
  let records = 0;
  const tokenizer = new DojTokenizer(
    {
      record(fields, info) {
        records++;
        ok = info.fieldCount === width && idOk(fields[idColumn].trim());
      },
      reject() {
        records++;
      },
      blankLine() {},
    },
    { expectedFields: null, stripBom: false, maxRecordBytes: REVIEW_MAX_RECORD_BYTES },
  );
  tokenizer.push(`${line}\n`);
  tokenizer.end();
  return ok && records === 1;
}

/**
 * Ranges of about `target` bytes cutting a file at line starts whose line is a whole record of the header's width
 * with an id-like Conviction ID: a line break inside a quoted field is passed over. Route checks that the ranges
 * tile the file (each ends where the next starts); a cut that still falls inside a record fails the round.
 */
async function cutAtRecords(store: ObjectStore, key: string, size: number, target: number, accept: (line: string) => boolean): Promise<Array<[number, number]>> {
  const cuts: Array<[number, number]> = [];
  let start = 0;
  while (start < size) {
    let end = size;
    for (let windowStart = start + target - 1; windowStart < size && end === size; windowStart += 1 << 20) {
      const windowEnd = Math.min(size, windowStart + (1 << 20) + REVIEW_MAX_RECORD_BYTES);
      const text = (await collectBytes(store.readRange(key, windowStart, windowEnd))).toString('latin1');
      for (let newline = text.indexOf('\n'); newline >= 0 && newline < 1 << 20; newline = text.indexOf('\n', newline + 1)) {
        const lineEnd = text.indexOf('\n', newline + 1);
        if (lineEnd < 0 && windowEnd < size) break;
        const line = text.slice(newline + 1, lineEnd < 0 ? text.length : lineEnd).replace(/\r$/, '');
        if (windowStart + newline + 1 < size && accept(line)) {
          end = windowStart + newline + 1;
          break;
        }
      }
    }
    cuts.push([start, end]);
    start = end;
  }
  return cuts;
}

const looksLikeId = (id: string) => id.length > 0 && id.startsWith('cv-');

function decisionHeader(header: CsvRecord | null): { columns: DecisionColumns | null; width: number; problems: CsvProblem[] } {
  if (header === null) return { columns: null, width: 0, problems: [{ line: null, message: EMPTY_FILE }] };
  const found = headerIndices(header, DECISION_COLUMNS);
  if ('problems' in found) return { columns: null, width: header.fields.length, problems: found.problems };
  return { columns: found.indices, width: header.fields.length, problems: [] };
}

export type PlanOutcome = { plan: RoundPlan } | { report: ReviewReport };

/**
 * Plans the round of the decision file at `file.key`: ALREADY_APPLIED when its SHA-256 is in the rounds index,
 * REJECTED when the run cannot be reviewed, else the plan (written to `<workPrefix>plan.json`).
 */
export async function planRound(
  store: ObjectStore,
  keyInputs: ReviewKeyInputs,
  file: { name: string; key: string },
  workPrefixOf: (sha256: string) => string,
  codeVersion: string,
  options: PlanOptions = {},
): Promise<PlanOutcome> {
  const keys = reviewKeys(keyInputs.resultsPrefix, keyInputs.summaryKey, keyInputs.reports);
  const sha256 = await sha256OfObject(store, file.key);
  const index = await readRounds(store, keys);
  const base = { file: file.name, sha256, rounds: index.rounds.length };
  const already = index.rounds.find((r) => r.sha256 === sha256);
  if (already !== undefined) return { report: { ...base, status: 'ALREADY_APPLIED', round: already.round, problems: [] } };
  const run = await loadRunSummary(store, keys);
  if ('problem' in run) return { report: { ...base, status: 'REJECTED', problems: [run.problem] } };
  const rangeBytes = options.rangeBytes ?? DEFAULT_REVIEW_RANGE_BYTES;

  const listSize = await store.size(keys.reviewList);
  const listHeader = await readHeader(store, keys.reviewList, listSize);
  if (listHeader === null) reviewListColumns({ fields: [], line: 1 });
  const listColumns = reviewListColumns(listHeader!);
  const sources: RoundSource[] = [{ kind: 'reviewList', key: keys.reviewList, size: listSize, columns: listColumns }];
  for (const entry of index.rounds) {
    const key = keys.roundFile(entry.round);
    const size = await store.size(key);
    const header = decisionHeader(await readHeader(store, key, size));
    if (header.columns === null || (await sha256OfObject(store, key)) !== entry.sha256) {
      throw new ReviewStateError(`review round ${entry.round} (${entry.file}) no longer matches its record: the review state is damaged`);
    }
    sources.push({ kind: 'round', key, size, round: entry.round, file: entry.file, sha256: entry.sha256, columns: header.columns, width: header.width });
  }
  const fileSize = await store.size(file.key);
  const fileHeader = decisionHeader(await readHeader(store, file.key, fileSize));
  sources.push({ kind: 'file', key: file.key, size: fileSize, columns: fileHeader.columns, width: fileHeader.width, headerProblems: fileHeader.problems });

  const ranges: RoundRange[] = [];
  for (let source = 0; source < sources.length; source++) {
    const s = sources[source];
    const idColumn = s.kind === 'reviewList' ? s.columns.at['Conviction ID'] : (s.columns?.['Conviction ID'] ?? 0);
    const width = s.kind === 'reviewList' ? s.columns.width : s.width;
    // A file without a usable header is only read for its CSV problems: one range, no cut to guess.
    const cuts: Array<[number, number]> = s.columns === null
      ? (s.size > 0 ? [[0, s.size]] : [])
      : await cutAtRecords(store, s.key, s.size, rangeBytes, (line) => isRecordStart(line, width, idColumn, looksLikeId));
    for (const [start, end] of cuts) ranges.push({ index: ranges.length, source, start, end });
  }
  const partitionBytes = options.partitionBytes ?? DEFAULT_REVIEW_PARTITION_BYTES;
  const partitionCount = Math.max(1, Math.min(options.maxPartitions ?? DEFAULT_REVIEW_MAX_PARTITIONS, Math.ceil(listSize / partitionBytes)));
  const plan: RoundPlan = {
    keys: keyInputs,
    workPrefix: workPrefixOf(sha256),
    file: { name: file.name, key: file.key, sha256 },
    round: index.rounds.length + 1,
    context: { runId: run.summary.runId, county: run.summary.county, computeAt: run.summary.computeAt, policyName: run.summary.policyName, policySha256: run.summary.policySha256 ?? null, codeVersion },
    partitionCount,
    sources,
    ranges,
  };
  await store.write(roundKeys.plan(plan.workPrefix), [Buffer.from(JSON.stringify(plan), 'utf8')]);
  return { plan };
}
