/**
 * Classify: one partition (every row of the people whose SUBJECT_ID hashes to it, from every range of every
 * file) → annotated rows in input order, and the partition's statistics.
 */
import { FIELD_COUNT } from '../columns';
import { PartitionClassifier } from '../classify';
import { csvLine } from '../csv/writer';
import { parseIsoDate } from '../dates';
import { parsePolicy, presetPolicy, Policy } from '../policy';
import { RunStatistics } from '../statistics';
import { DojTokenizer, RecordInfo, RejectInfo } from '../csv/tokenizer';
import { FLAG_EVALUATED, FRAME_DATA, FRAME_REJECTED, outputFrame, readFrames } from './frames';
import { ObjectStore, writeJson } from './object-store';
import { RunPlan, workKeys } from './plan';

export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}

/** Output frames are joined into pieces of about this many characters before they are written. */
const WRITE_PIECE = 1 << 20;

export function scenarioPoliciesOf(plan: RunPlan): Record<string, Policy> {
  const policies: Record<string, Policy> = {};
  for (const name of plan.scenarioPresets) policies[name] = presetPolicy(name);
  return policies;
}

export async function classifyPartition(store: ObjectStore, plan: RunPlan, partition: number): Promise<RunStatistics> {
  const classifier = new PartitionClassifier({
    county: plan.county,
    computeAtDay: parseIsoDate(plan.computeAt),
    policy: parsePolicy(plan.policy),
    scenarioPolicies: scenarioPoliciesOf(plan),
  });
  // Records come out of the tokenizer in the order their frames went in; positions wait in a queue.
  const positions: number[] = [];
  let delivered = 0;
  const tokenizer = new DojTokenizer(
    {
      record(fields: string[], info: RecordInfo) {
        const raw = info.hasCarriageReturn ? csvLine(fields) : info.rawText();
        classifier.addRow(fields, positions[delivered++], raw);
      },
      reject(reject: RejectInfo) {
        throw new InvariantError(`a row accepted by split was rejected by classify (${reject.code}) in partition ${partition}`);
      },
      blankLine() {
        throw new InvariantError(`a blank record reached classify in partition ${partition}`);
      },
    },
    { expectedFields: FIELD_COUNT, stripBom: false },
  );
  for (let range = 0; range < plan.ranges.length; range++) {
    for await (const frame of readFrames(store.read(workKeys.splitPartition(plan, range, partition)))) {
      if (frame.kind === FRAME_DATA) {
        positions.push(frame.position);
        tokenizer.push(`${frame.text}\n`);
      } else if (frame.kind === FRAME_REJECTED) {
        classifier.addRejectedRow(frame.text);
      }
    }
  }
  tokenizer.end();
  if (delivered !== positions.length) {
    throw new InvariantError(`partition ${partition}: ${positions.length} rows read but ${delivered} parsed`);
  }
  const { rows, statistics } = classifier.finish();
  await store.write(workKeys.classified(plan, partition), outputPieces(rows));
  await writeJson(store, workKeys.classifyStats(plan, partition), statistics);
  return statistics;
}

function* outputPieces(rows: Iterable<{ position: number; full: string; condensed: string; evaluated: boolean }>): Iterable<Buffer> {
  let parts: string[] = [];
  let length = 0;
  for (const row of rows) {
    const frame = outputFrame(row.position, row.evaluated ? FLAG_EVALUATED : 0, row.full, row.condensed);
    parts.push(frame);
    length += frame.length;
    if (length >= WRITE_PIECE) {
      yield Buffer.from(parts.join(''), 'latin1');
      parts = [];
      length = 0;
    }
  }
  if (parts.length > 0) yield Buffer.from(parts.join(''), 'latin1');
}
