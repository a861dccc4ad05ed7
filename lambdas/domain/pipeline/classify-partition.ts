/**
 * Classify: one partition (every row of the people whose SUBJECT_ID hashes to it, from every range of every
 * file) → classified rows in input order, and the partition's statistics.
 */
import { COL, CONDENSED_INDICES } from '../columns';
import { PartitionClassifier } from '../people-classifier';
import { bytesStartFormula, csvSafeField, fieldNeedsQuotes } from '../csv/writer';
import { parseIsoDate } from '../dates';
import { parsePolicy, presetPolicy, Policy } from '../policy';
import { RunStatistics } from '../statistics';
import { ByteWriter, CLASSIFIED_FULL_LINE, finishClassifiedRow, FLAG_EVALUATED, PERSON_FIELDS, RoutedRowsReader, slotsOf, startClassifiedRow } from './work-area-formats';
import { collectBytes, mapBounded, ObjectStore, READS_IN_FLIGHT, writeJson } from './object-store';
import { readSliceRow } from './slice-index';
import { positionIndexBytes, SliceOffsets, sliceBoundaries } from './output-slices';
import { RunPlan, workKeys } from './plan';
import { COURT_LIST_KINDS, courtListWorkKeys } from '../report/court-lists';
import { ListKeyIndex, listKeysKey, ListKeySample, sampledEntryPieces } from './list-merge';
import { reportSettingsOf } from '../report/settings';
import { compareKeys, registerWorkPieces } from './compare-register';
import { InvariantError } from '../errors';

export { InvariantError };

/** Output is joined into pieces of about this many bytes before it is written. */
const WRITE_PIECE = 1 << 20;

const PERSON_SLOTS = slotsOf(PERSON_FIELDS);
/** Pass 2 reads the two fields of `Possible Other P64 Charges`; the condensed fields are copied as bytes. */
const POSSIBLE_OTHER_FIELDS = [COL.OFFENSE_DESCR, COL.COMMENT_TEXT];
const POSSIBLE_OTHER_SLOTS = slotsOf(POSSIBLE_OTHER_FIELDS);
const CONDENSED_SLOTS = slotsOf(CONDENSED_INDICES);
const COMMA = 44;
const EMPTY = Buffer.alloc(0);

export function scenarioPoliciesOf(plan: RunPlan): Record<string, Policy> {
  const policies: Record<string, Policy> = {};
  for (const name of plan.scenarioPresets) policies[name] = presetPolicy(name);
  return policies;
}

/** A run writes register records when it publishes a register or compares with one. */
function keepsRegister(plan: RunPlan): boolean {
  return plan.registerPrefix !== undefined || plan.previous !== undefined;
}

export async function classifyPartition(store: ObjectStore, plan: RunPlan, partition: number): Promise<RunStatistics> {
  const classifier = new PartitionClassifier({
    county: plan.county,
    computeAtDay: parseIsoDate(plan.computeAt),
    policy: parsePolicy(plan.policy),
    scenarioPolicies: scenarioPoliciesOf(plan),
    raceCategories: reportSettingsOf(plan).raceCategories,
    excelSafe: plan.excelSafe === true,
    eventDayCeiling: parseIsoDate(plan.startedAt.slice(0, 10)),
    keepRegister: keepsRegister(plan),
  });
  // Pass 1: people. The routed objects are read in range order, so rows come in input order.
  const objects: RoutedRowsReader[] = [];
  const fields: string[] = new Array<string>(Math.max(...PERSON_FIELDS, ...POSSIBLE_OTHER_FIELDS) + 1).fill('');
  // Its slice of every range object, as the slice index gives it: only the slices that hold something are read,
  // READS_IN_FLIGHT at once (all are kept until pass 2 anyway), each in one chunk where the store can (a local
  // file): no chunks to join into a second copy.
  const slices = await readSliceRow(store, plan, partition);
  const contents = await mapBounded(slices, READS_IN_FLIGHT, ({ start, end }, range) =>
    end > start ? collectBytes(store.readRange(workKeys.splitRange(plan, range), start, end, { chunkBytes: end - start })) : Promise.resolve(EMPTY),
  );
  for (let range = 0; range < contents.length; range++) {
    if (contents[range].length === 0) continue;
    const routed = new RoutedRowsReader(contents[range]);
    for (const subjectId of routed.rejectedSubjects) classifier.addRejectedRow(subjectId);
    if (routed.rows === 0) continue;
    while (routed.next()) {
      routed.materialise(fields, PERSON_FIELDS, PERSON_SLOTS);
      classifier.addRow(fields, routed.position);
    }
    objects.push(routed);
  }
  const statistics = classifier.decide();
  const lists = classifier.courtLists();
  const classifiedKey = workKeys.classified(plan, partition);
  // Where each output slice begins in the classified rows: Assemble's slice tasks read only their part. (The list
  // files are sorted by case number, not position: the lists are merged whole, see assemble.ts.)
  const offsets = new SliceOffsets(sliceBoundaries(plan));
  // Each sorted list file with its sparse key index (list-merge.ts): the list slices' boundaries and ranged reads.
  const listKeys: ListKeyIndex = {};
  await Promise.all([
    ...COURT_LIST_KINDS.map((kind) => {
      const samples: ListKeySample[] = [];
      return store.write(courtListWorkKeys[kind](classifiedKey), sampledEntryPieces(lists[kind], samples, (size) => (listKeys[kind] = { size, samples })));
    }),
    store.write(classifiedKey, outputPieces(classifier, objects, fields, plan.excelSafe === true, offsets)),
    ...(!keepsRegister(plan)
      ? []
      : [store.write(compareKeys.current(plan, partition), registerWorkPieces(classifier.registerEntries()))]),
  ]);
  await Promise.all([store.write(workKeys.positions(plan, partition), [positionIndexBytes(offsets)]), writeJson(store, listKeysKey(plan, partition), listKeys)]);
  await writeJson(store, workKeys.classifyStats(plan, partition), statistics);
  return statistics;
}

/** Pass 2: the same rows again, in the same order, out as classified rows in ~1 MiB pieces of bytes. */
function* outputPieces(classifier: PartitionClassifier, objects: RoutedRowsReader[], fields: string[], excelSafe: boolean, offsets: SliceOffsets): Iterable<Buffer> {
  const out = new ByteWriter(WRITE_PIECE + (WRITE_PIECE >> 2));
  let rowIndex = 0;
  let written = 0;
  for (let i = 0; i < objects.length; i++) {
    const routed = objects[i];
    objects[i] = undefined as unknown as RoutedRowsReader; // let the object go once it is written
    routed.rewind();
    const { bytes, text, starts, ends } = routed;
    while (routed.next()) {
      routed.materialise(fields, POSSIBLE_OTHER_FIELDS, POSSIBLE_OTHER_SLOTS);
      const annotation = classifier.annotate(fields, rowIndex++);
      const fullLine = routed.fullLine;
      const flags = (annotation.evaluated ? FLAG_EVALUATED : 0) | (fullLine === undefined ? 0 : CLASSIFIED_FULL_LINE);
      offsets.mark(routed.position, written + out.length);
      const lengths = startClassifiedRow(out, routed.position, flags, routed.rawLength);
      let mark = out.length;
      if (fullLine !== undefined) out.text(fullLine);
      const fullLength = out.length - mark;
      mark = out.length;
      // The condensed fields, quoted (and with excel-safe neutralised) as the CSV writer does; copied as bytes when
      // neither is needed.
      for (let c = 0; c < CONDENSED_SLOTS.length; c++) {
        if (c > 0) out.byte(COMMA);
        const slot = CONDENSED_SLOTS[c];
        const start = starts[slot];
        const end = ends[slot];
        if (excelSafe && bytesStartFormula(bytes, start, end)) out.text(csvSafeField(text.slice(start, end)));
        else if (fieldNeedsQuotes(bytes, start, end)) out.quotedBytes(bytes, start, end);
        else out.bytes(bytes, start, end);
      }
      const condensedLength = out.length - mark;
      mark = out.length;
      out.text(annotation.columns);
      finishClassifiedRow(out, lengths, fullLength, condensedLength, out.length - mark);
      if (out.length >= WRITE_PIECE) {
        written += out.length;
        yield out.take();
      }
    }
  }
  if (rowIndex !== classifier.rowCount) throw new InvariantError(`pass 2 read ${rowIndex} of ${classifier.rowCount} rows`);
  offsets.finish(written + out.length);
  if (out.length > 0) yield out.take();
}
