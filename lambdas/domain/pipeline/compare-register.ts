/**
 * Compare: the run against its county's register (docs/monthly.md), a fan-out like Classify. Each task takes one
 * partition of the run: its register records (written by Classify), the register's records of the same people,
 * and the previous run's review decisions on them (routed by route-decisions.ts); it writes the partition's changes, its filtered review-list
 * entries and its register part. Memory: one partition of each side, never the county.
 *
 * When the register was written with another partition count, Route first reads each of its parts once and
 * writes it again grouped by the run's partitions (one object per part and an index of where each partition's
 * records lie), so that every Compare task reads only its own records.
 */
import { ChangeKind, changeFields, comparePartition, ComparisonCounts, REVIEW_CARRY } from '../register/compare';
import {
  parseRecord, PreviousRun, registerManifestProblem, RegisterManifest, REGISTER_FORMAT, REGISTER_MANIFEST, registerPartitionOf,
  registerPartKey, RegisterRecord, serializeRecord,
} from '../register/record';
import { csvSafeLine, linePieces } from '../csv/writer';
import { CourtListEntry, courtListWorkKeys, entryPieces, readEntries, REVIEW_MARK } from '../report/court-lists';
import { collectBytes, mapBounded, ObjectStore, READS_IN_FLIGHT, readJson, readText, writeJson } from './object-store';
import { RunPlan, workKeys } from './plan';
import { InputError, NotFoundError, RegisterFormatError } from '../errors';
import { compareKeys } from './compare-keys';
import { decisionsOfPartition } from './route-decisions';

export { compareKeys };

/** Reads a register's manifest and says whether a run can be compared with it; RunError('InputError') otherwise. */
export async function readPreviousRun(store: ObjectStore, registerPrefix: string, decisionsKey: string | undefined, what: string): Promise<PreviousRun> {
  let manifest: unknown;
  try {
    manifest = await readJson(store, `${registerPrefix}${REGISTER_MANIFEST}`);
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new InputError(`${what} has no register (${REGISTER_MANIFEST}): only a run that succeeded writes one; compare with the county's last successful run`);
    }
    if (error instanceof SyntaxError) throw new InputError(`${what}: its register's ${REGISTER_MANIFEST} is not JSON`);
    throw error;
  }
  const problem = registerManifestProblem(manifest);
  if (problem !== null) throw new InputError(`${what} cannot be compared with: ${problem}`);
  const m = manifest as RegisterManifest;
  const hasDecisions = decisionsKey !== undefined && (await store.exists(decisionsKey));
  return {
    runId: m.runId, registerPrefix, partitionCount: m.partitionCount, computeAt: m.computeAt, policyName: m.policyName, policySha256: m.policySha256,
    ...(hasDecisions ? { decisionsKey } : {}),
  };
}

function recordLines(text: string, where: string): RegisterRecord[] {
  const records: RegisterRecord[] = [];
  let start = 0;
  let line = 1;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) records.push(parseRecord(text.slice(start, end), `${where} line ${line}`));
    start = end + 1;
    line++;
  }
  return records;
}

/** Classify's output for the register: the partition's records, one JSON line each. */
export function registerWorkPieces(records: readonly RegisterRecord[]): Iterable<Buffer> {
  return linePieces(records, serializeRecord);
}

/** Whether the register must be routed again (its partition count is not the run's). */
export function needsRouting(plan: RunPlan): boolean {
  return plan.previous !== undefined && plan.previous.partitionCount !== plan.partitionCount;
}

/** Route: one part of the register, grouped by the run's partitions. */
export async function routeRegisterPart(store: ObjectStore, plan: RunPlan, part: number): Promise<void> {
  const previous = plan.previous!;
  const key = registerPartKey(previous.registerPrefix, part);
  const records = recordLines(await readText(store, key, 'latin1'), `register part ${part}`);
  const groups: string[][] = Array.from({ length: plan.partitionCount }, () => []);
  for (const record of records) groups[registerPartitionOf(record.pk, plan.partitionCount)].push(`${serializeRecord(record)}\n`);
  const index: Array<[number, number]> = [];
  const pieces: Buffer[] = [];
  let offset = 0;
  for (const group of groups) {
    const bytes = Buffer.from(group.join(''), 'latin1');
    index.push([offset, offset + bytes.length]);
    offset += bytes.length;
    if (bytes.length > 0) pieces.push(bytes);
  }
  await store.write(compareKeys.routed(plan, part), pieces);
  await writeJson(store, compareKeys.routedIndex(plan, part), index);
}

/** The register's records of the people of `partition`. */
async function previousRecords(store: ObjectStore, plan: RunPlan, partition: number): Promise<RegisterRecord[]> {
  const previous = plan.previous!;
  if (!needsRouting(plan)) {
    return recordLines(await readText(store, registerPartKey(previous.registerPrefix, partition), 'latin1'), `register part ${partition}`);
  }
  const parts = Array.from({ length: previous.partitionCount }, (_, q) => q);
  const texts = await mapBounded(parts, READS_IN_FLIGHT, async (q) => {
    const index = await readJson<Array<[number, number]>>(store, compareKeys.routedIndex(plan, q));
    const [start, end] = index[partition];
    return end > start ? (await collectBytes(store.readRange(compareKeys.routed(plan, q), start, end))).toString('latin1') : '';
  });
  return texts.flatMap((text, q) => recordLines(text, `register part ${q}`));
}

/**
 * The review list entries of a partition without the convictions whose decision is carried forward, and with
 * those decided earlier and changed since marked Required (changed since decided). The line's first two fields
 * are the conviction id and the mark, written unquoted (court-lists.ts).
 */
function reviewEntryText(line: string, carry: string | undefined): string | null {
  if (carry === REVIEW_CARRY.carried) return null;
  if (carry !== REVIEW_CARRY.changed) return line;
  const idEnd = line.indexOf(',');
  const markEnd = line.indexOf(',', idEnd + 1);
  return `${line.slice(0, idEnd + 1)}${REVIEW_MARK.changedSinceDecided}${line.slice(markEnd)}`;
}

/** Compare: one partition of the run against the register. Returns its counts. */
export async function compareRunPartition(store: ObjectStore, plan: RunPlan, partition: number): Promise<ComparisonCounts> {
  const [currentText, previous, decided] = await Promise.all([
    readText(store, compareKeys.current(plan, partition), 'latin1'),
    previousRecords(store, plan, partition),
    decisionsOfPartition(store, plan, partition),
  ]);
  const current = recordLines(currentText, `the run's register records of partition ${partition}`);
  const comparison = comparePartition(previous, current, decided);
  const carry = new Map<string, string>();
  const changes: string[] = [];
  for (const entry of comparison.entries) {
    if (entry.review !== '') carry.set(entry.id, entry.review);
    if (entry.change !== 'unchanged') changes.push(`${csvSafeLine(changeFields(entry))}\n`);
  }
  const review: CourtListEntry[] = [];
  for await (const entry of readEntries(store.read(courtListWorkKeys.review(workKeys.classified(plan, partition))))) {
    const line = reviewEntryText(entry.line, carry.get(entry.line.slice(0, entry.line.indexOf(','))));
    if (line !== null) review.push({ position: entry.position, sortKey: entry.sortKey, line });
  }
  await Promise.all([
    store.write(compareKeys.changes(plan, partition), changes.length === 0 ? [] : [Buffer.from(changes.join(''), 'latin1')]),
    store.write(compareKeys.register(plan, partition), registerWorkPieces(comparison.register)),
    store.write(compareKeys.review(plan, partition), entryPieces(review)),
  ]);
  await writeJson(store, compareKeys.counts(plan, partition), comparison.counts);
  return comparison.counts;
}

/** The register's part of a partition to publish: Compare's (decisions carried) or, without a comparison, Classify's. */
export function registerSourceKey(plan: RunPlan, partition: number): string {
  return plan.previous === undefined ? compareKeys.current(plan, partition) : compareKeys.register(plan, partition);
}

/** Publishes the run's register: every part, then the manifest (a register counts once its manifest exists). */
export async function publishRegister(store: ObjectStore, plan: RunPlan, policySha256: string, convictions: number): Promise<void> {
  const prefix = plan.registerPrefix!;
  const partitions = Array.from({ length: plan.partitionCount }, (_, p) => p);
  await mapBounded(partitions, READS_IN_FLIGHT, (p) => store.copy(registerSourceKey(plan, p), registerPartKey(prefix, p)));
  const manifest: RegisterManifest = {
    format: REGISTER_FORMAT,
    runId: plan.runId,
    county: plan.county,
    computeAt: plan.computeAt,
    policyName: plan.policyName,
    policySha256,
    partitionCount: plan.partitionCount,
    convictions,
    writtenAt: new Date().toISOString(),
  };
  await writeJson(store, `${prefix}${REGISTER_MANIFEST}`, manifest);
}

export type { ChangeKind, PreviousRun };
export { RegisterFormatError };
