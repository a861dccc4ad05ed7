/** A county register's records as the classifier makes them from rows held in memory (register/record.ts). */
import { parseIsoDate } from '../../lambdas/domain/dates';
import { PartitionClassifier } from '../../lambdas/domain/people-classifier';
import { presetPolicy } from '../../lambdas/domain/policy';
import type { RegisterRecord } from '../../lambdas/domain/register/record';

/** The county of the arbitrary rows (helpers/arbitraries.ts). */
export const REGISTER_COUNTY = 'SACRAMENTO';

export function registerOf(rows: string[][], computeAt: string, policyName = 'los-angeles-2020'): RegisterRecord[] {
  const classifier = new PartitionClassifier({ county: REGISTER_COUNTY, computeAtDay: parseIsoDate(computeAt), policy: presetPolicy(policyName), keepRegister: true });
  rows.forEach((fields, index) => classifier.addRow(fields, index));
  classifier.decide();
  return classifier.registerEntries();
}
