/**
 * Classifies rows held in memory with PartitionClassifier (one partition, no pipeline), the way a classify
 * task does: every row in input order, the rejected rows' SUBJECT_IDs, then the decisions and each row's
 * 18 columns. The one place tests touch the classifier's pass API, so a change there is fixed here once.
 */
import { ClassifyOptions, PartitionClassifier } from '../../lambdas/domain/people-classifier';
import { CONDENSED_INDICES } from '../../lambdas/domain/columns';
import { RunStatistics } from '../../lambdas/domain/statistics';
import { csvRecord } from './doj-rows';

export interface InMemoryRow {
  /** The All_Results line (95 input fields, then the 18), without line end. */
  full: string;
  /** The All_Results_Condensed line. */
  condensed: string;
  /** An evaluated conviction: the row goes to Prop64_Results. */
  evaluated: boolean;
}

export interface InMemoryResult {
  rows: InMemoryRow[];
  statistics: RunStatistics;
}

export function classifyInMemory(rows: ReadonlyArray<readonly string[]>, options: ClassifyOptions, rejectedSubjects: readonly string[] = []): InMemoryResult {
  const classifier = new PartitionClassifier(options);
  rows.forEach((fields, index) => classifier.addRow(fields, index));
  for (const subjectId of rejectedSubjects) classifier.addRejectedRow(subjectId);
  const statistics = classifier.decide();
  const output = rows.map((fields, index) => {
    const { columns, evaluated } = classifier.annotate(fields, index);
    return {
      full: `${csvRecord(fields)},${columns}`,
      condensed: `${csvRecord(CONDENSED_INDICES.map((i) => fields[i]))},${columns}`,
      evaluated,
    };
  });
  return { rows: output, statistics };
}
