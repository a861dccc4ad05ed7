/**
 * Classify: one partition (every row of the people whose SUBJECT_ID hashes to it, from every range of every
 * file) → classified rows in input order, and the partition's statistics.
 */
import { COL, CONDENSED_INDICES, FIELD_COUNT } from '../columns';
import { PartitionClassifier } from '../classify';
import { csvField, csvLine } from '../csv/writer';
import { parseIsoDate } from '../dates';
import { parsePolicy, presetPolicy, Policy } from '../policy';
import { RunStatistics } from '../statistics';
import { DojTokenizer, RecordInfo, RejectInfo } from '../csv/tokenizer';
import { ByteWriter, FLAG_EVALUATED, latin1Windows, parseRoutedRows, writeClassifiedRow } from './frames';
import { ObjectStore, writeJson } from './object-store';
import { RunPlan, workKeys } from './plan';
import { courtListWorkKeys, entryPieces } from '../report/court-lists';
import { reportSettingsOf } from '../report/settings';

export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}

/** Output is joined into pieces of about this many characters before it is written. */
const WRITE_PIECE = 1 << 20;

/** Pass 1 reads only what people and rules need; the rest of a row is never materialised. */
const PERSON_FIELDS = [
  COL.SUBJECT_ID, COL.PRI_DOB, COL.RACE_DESCR, COL.GENDER, COL.STP_TYPE_DESCR, COL.STP_EVENT_DATE,
  COL.STP_ORI_CNTY_NAME, COL.CNT_ORDER, COL.OFN, COL.OFFENSE_DESCR, COL.OFFENSE_TOC, COL.DISP_DESCR,
  COL.CONV_STAT_DESCR, COL.COMMENT_TEXT,
  // for the court lists (results/ only)
  COL.CII_NUMBER, COL.PRI_NAME,
];
/** Pass 2 reads what the output lines need. */
const OUTPUT_FIELDS = [...new Set([COL.OFFENSE_DESCR, COL.COMMENT_TEXT, ...CONDENSED_INDICES])];

export function scenarioPoliciesOf(plan: RunPlan): Record<string, Policy> {
  const policies: Record<string, Policy> = {};
  for (const name of plan.scenarioPresets) policies[name] = presetPolicy(name);
  return policies;
}

/**
 * A record whose raw text holds a CR (a CRLF inside a quoted field, read as LF) is written re-serialised,
 * so the outputs use LF only. Rare: parsed again with every field.
 */
function reserialise(raw: string): string {
  let line = '';
  const tokenizer = new DojTokenizer(
    {
      record: (fields) => (line = csvLine(fields)),
      reject: (reject) => {
        throw new InvariantError(`a row accepted by split no longer parses (${reject.code})`);
      },
      blankLine: () => undefined,
    },
    { expectedFields: FIELD_COUNT, stripBom: false },
  );
  tokenizer.push(`${raw}\n`);
  tokenizer.end();
  return line;
}

function failOnReject(partition: number) {
  return {
    reject(reject: RejectInfo) {
      throw new InvariantError(`a row accepted by split was rejected by classify (${reject.code}) in partition ${partition}`);
    },
    blankLine() {
      throw new InvariantError(`a blank record reached classify in partition ${partition}`);
    },
  };
}

export interface ClassifiedRow {
  position: number;
  full: string;
  condensed: string;
  evaluated: boolean;
}

const EMPTY: Buffer = Buffer.alloc(0);
const COMMA = 44;

async function readBytes(store: ObjectStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of store.read(key)) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

export async function classifyPartition(store: ObjectStore, plan: RunPlan, partition: number): Promise<RunStatistics> {
  const classifier = new PartitionClassifier({
    county: plan.county,
    computeAtDay: parseIsoDate(plan.computeAt),
    policy: parsePolicy(plan.policy),
    scenarioPolicies: scenarioPoliciesOf(plan),
    raceCategories: reportSettingsOf(plan).raceCategories,
  });
  // Pass 1: people. The routed objects are read in range order, so rows come in input order.
  const texts: Buffer[] = [];
  const positionLists: number[][] = [];
  let positions: number[] = [];
  let delivered = 0;
  const peopleSink = {
    record(fields: string[]) {
      classifier.addRow(fields, positions[delivered++]);
    },
    ...failOnReject(partition),
  };
  for (let range = 0; range < plan.ranges.length; range++) {
    const routed = parseRoutedRows(await readBytes(store, workKeys.splitPartition(plan, range, partition)));
    for (const subjectId of routed.rejectedSubjects) classifier.addRejectedRow(subjectId);
    if (routed.positions.length === 0) continue;
    positions = routed.positions;
    delivered = 0;
    // One tokenizer per routed object: end() delivers its last record.
    const people = new DojTokenizer(peopleSink, { expectedFields: FIELD_COUNT, stripBom: false, wantedFields: PERSON_FIELDS });
    for (const window of latin1Windows(routed.csv)) people.push(window);
    people.end();
    // Every record of this object must be delivered before the next object's positions replace these.
    if (delivered !== positions.length) {
      throw new InvariantError(`partition ${partition}, range ${range}: ${positions.length} rows routed but ${delivered} parsed`);
    }
    texts.push(routed.csv);
    positionLists.push(positions);
  }
  const statistics = classifier.decide();
  const lists = classifier.courtLists();
  const classifiedKey = workKeys.classified(plan, partition);
  await store.write(courtListWorkKeys.motions(classifiedKey), entryPieces(lists.motions));
  await store.write(courtListWorkKeys.notices(classifiedKey), entryPieces(lists.notices));
  await store.write(classifiedKey, outputPieces(classifier, texts, positionLists, partition));
  await writeJson(store, workKeys.classifyStats(plan, partition), statistics);
  return statistics;
}

/** Pass 2: the same rows again, in the same order, out as classified rows in ~1 MiB pieces. */
/** Pass 2: the same rows again, in the same order, out as classified rows in ~1 MiB pieces of bytes. */
function* outputPieces(classifier: PartitionClassifier, texts: Buffer[], positionLists: number[][], partition: number): Iterable<Buffer> {
  const out = new ByteWriter(WRITE_PIECE + (WRITE_PIECE >> 2));
  let rowIndex = 0;
  let positions: number[] = [];
  let delivered = 0;
  let text: Buffer = EMPTY;
  let fields: string[] = [];
  let info: RecordInfo | undefined;
  let columns = '';
  // Raw input bytes are copied as they are (no string); only a record holding a CR is written re-serialised.
  const writeFull = () => {
    if (info!.hasCarriageReturn) out.text(reserialise(info!.rawText()));
    else out.bytes(text, info!.offset, info!.offset + (info!.sourceEnd - info!.sourceStart));
    out.byte(COMMA);
    out.text(columns);
  };
  const writeCondensed = () => {
    for (let i = 0; i < CONDENSED_INDICES.length; i++) {
      if (i > 0) out.byte(COMMA);
      out.text(csvField(fields[CONDENSED_INDICES[i]]));
    }
    out.byte(COMMA);
    out.text(columns);
  };
  const outputSink = {
    record(recordFields: string[], recordInfo: RecordInfo) {
      fields = recordFields;
      info = recordInfo;
      const annotation = classifier.annotate(fields, rowIndex++);
      columns = annotation.columns;
      writeClassifiedRow(out, positions[delivered++], annotation.evaluated ? FLAG_EVALUATED : 0, writeFull, writeCondensed);
    },
    ...failOnReject(partition),
  };
  for (let i = 0; i < texts.length; i++) {
    positions = positionLists[i];
    delivered = 0;
    text = texts[i];
    texts[i] = EMPTY; // let the bytes go once they are written
    const output = new DojTokenizer(outputSink, { expectedFields: FIELD_COUNT, stripBom: false, wantedFields: OUTPUT_FIELDS });
    for (const window of latin1Windows(text)) {
      output.push(window);
      if (out.length >= WRITE_PIECE) yield out.take();
    }
    output.end();
    if (delivered !== positions.length) throw new InvariantError(`partition ${partition}: pass 2 parsed ${delivered} of ${positions.length} rows`);
  }
  if (out.length > 0) yield out.take();
}
