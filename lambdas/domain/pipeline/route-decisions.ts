/**
 * The previous run's review decisions, routed to the run's partitions (docs/monthly.md): the decision record
 * (final/decisions.jsonl, a line per conviction of its review list) is streamed once, and each decided
 * conviction's latest decision goes to the partition of its person, read from the conviction id (its first 8 hex
 * digits are the person key, review/conviction-id.ts), as Split routes rows. Decisions are written in chunks of
 * about DECISION_CHUNK_BYTES, each one object grouped by partition; the index says where each partition's
 * decisions lie in each chunk, so a Compare task reads only its own people's decisions.
 *
 * Memory: one chunk while routing; one partition's decisions while comparing. Never the county's.
 */
import { hasErrorName, NotFoundError, RegisterFormatError } from '../errors';
import { DECISION_CHUNK_BYTES } from '../defaults';
import type { ReviewedDecision } from '../register/compare';
import { looksLikeConvictionId, personKeyOfConvictionId } from '../review/conviction-id';
import { DECISIONS } from '../review/decisions';
import { collectBytes, mapBounded, ObjectStore, READS_IN_FLIGHT, readJson, writeJson } from './object-store';
import type { RunPlan } from './plan';

type PlanPart = Pick<RunPlan, 'workPrefix' | 'partitionCount' | 'previous'>;

export const decisionRouteKeys = {
  chunk: (plan: Pick<RunPlan, 'workPrefix'>, chunk: number) => `${plan.workPrefix}compare/decisions/c${String(chunk).padStart(6, '0')}.jsonl`,
  index: (plan: Pick<RunPlan, 'workPrefix'>) => `${plan.workPrefix}compare/decisions/index.json`,
};

/** Where each partition's decisions lie: per chunk, P + 1 byte offsets (partition p in [offsets[p], offsets[p+1])). */
export interface DecisionRouteIndex {
  decided: number;
  chunks: number[][];
}

const DECISION_KINDS: ReadonlySet<string> = new Set(DECISIONS);

/** A routed decision: the conviction id and its latest decision, one JSON line. */
interface RoutedDecision extends ReviewedDecision {
  id: string;
}

/** The latest decision of one line of decisions.jsonl, or null (no decision, or not a conviction id of this version). */
function latestDecision(line: string, runId: string, where: string): RoutedDecision | null {
  let record: { convictionId?: unknown; decisions?: Array<Record<string, unknown>> };
  try {
    record = JSON.parse(line) as typeof record;
  } catch {
    throw new RegisterFormatError(`${where}: not a JSON record`);
  }
  const history = Array.isArray(record.decisions) ? record.decisions : [];
  const latest = history[history.length - 1];
  // Defer counts: it supersedes an earlier decision (compare.ts then carries nothing).
  if (typeof record.convictionId !== 'string' || !looksLikeConvictionId(record.convictionId)) return null;
  if (latest === undefined || !DECISION_KINDS.has(String(latest.decision))) return null;
  return {
    id: record.convictionId,
    decision: latest.decision as ReviewedDecision['decision'],
    reason: String(latest.reason ?? ''),
    reviewer: String(latest.reviewer ?? ''),
    date: String(latest.date ?? ''),
    round: Number(latest.round ?? 1),
    runId,
  };
}

/**
 * Lines of a streamed UTF-8 object, without holding more than a chunk and a line: cut as latin1 (a byte a char, so
 * no character is split at a chunk's end), each line then decoded as UTF-8 (a reviewer's name may have accents).
 */
async function* streamedLines(chunks: AsyncIterable<Buffer>): AsyncIterable<string> {
  let carry = '';
  for await (const chunk of chunks) {
    const text = carry + chunk.toString('latin1');
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      if (end > start) yield Buffer.from(text.slice(start, end), 'latin1').toString('utf8');
      start = end + 1;
    }
    carry = text.slice(start);
  }
  if (carry !== '') yield Buffer.from(carry, 'latin1').toString('utf8');
}

/** Decision lines grouped by partition until a chunk is full. */
class ChunkBuffer {
  private groups: string[][];
  bytes = 0;

  constructor(private readonly partitionCount: number) {
    this.groups = Array.from({ length: partitionCount }, () => []);
  }

  add(partition: number, line: string): void {
    this.groups[partition].push(line);
    this.bytes += Buffer.byteLength(line, 'utf8');
  }

  /** The chunk's bytes (partition after partition) and its offsets; the buffer is empty afterwards. */
  take(): { body: Buffer; offsets: number[] } {
    const offsets = [0];
    const texts: string[] = [];
    let offset = 0;
    for (const group of this.groups) {
      const text = group.join('');
      texts.push(text);
      offset += Buffer.byteLength(text, 'utf8');
      offsets.push(offset);
    }
    this.groups = Array.from({ length: this.partitionCount }, () => []);
    this.bytes = 0;
    return { body: Buffer.from(texts.join(''), 'utf8'), offsets };
  }
}

/**
 * Routes the previous run's decision record (plan.previous.decisionsKey) into the run's partitions. A run whose
 * predecessor has no decision record (no review applied, or none named) gets an index of no chunk. Returns the
 * number of decided convictions.
 */
export async function routeDecisions(store: ObjectStore, plan: PlanPart, chunkBytes: number = DECISION_CHUNK_BYTES): Promise<number> {
  const previous = plan.previous!;
  const index: DecisionRouteIndex = { decided: 0, chunks: [] };
  const buffer = new ChunkBuffer(plan.partitionCount);
  const flush = async () => {
    const { body, offsets } = buffer.take();
    await store.write(decisionRouteKeys.chunk(plan, index.chunks.length), [body]);
    index.chunks.push(offsets);
  };
  if (previous.decisionsKey !== undefined) {
    let line = 0;
    try {
      for await (const text of streamedLines(store.read(previous.decisionsKey))) {
        const decided = latestDecision(text, previous.runId, `${previous.decisionsKey} line ${++line}`);
        if (decided === null) continue;
        buffer.add(personKeyOfConvictionId(decided.id) % plan.partitionCount, `${JSON.stringify(decided)}\n`);
        index.decided++;
        if (buffer.bytes >= chunkBytes) await flush();
      }
    } catch (error) {
      // No decision record: the previous run's review never applied a decision file.
      if (!hasErrorName(error, NotFoundError.errorName)) throw error;
    }
    if (buffer.bytes > 0) await flush();
  }
  await writeJson(store, decisionRouteKeys.index(plan), index);
  return index.decided;
}

/** The routed decisions of the people of `partition`, by conviction id. */
export async function decisionsOfPartition(store: ObjectStore, plan: Pick<RunPlan, 'workPrefix'>, partition: number): Promise<Map<string, ReviewedDecision>> {
  const index = await readJson<DecisionRouteIndex>(store, decisionRouteKeys.index(plan));
  const decided = new Map<string, ReviewedDecision>();
  const texts = await mapBounded(index.chunks, READS_IN_FLIGHT, async (offsets, chunk) => {
    const start = offsets[partition];
    const end = offsets[partition + 1];
    return end > start ? (await collectBytes(store.readRange(decisionRouteKeys.chunk(plan, chunk), start, end))).toString('utf8') : '';
  });
  for (const text of texts) {
    for (let start = 0, end = text.indexOf('\n'); end >= 0; start = end + 1, end = text.indexOf('\n', start)) {
      const { id, ...decision } = JSON.parse(text.slice(start, end)) as RoutedDecision;
      decided.set(id, decision);
    }
  }
  return decided;
}
