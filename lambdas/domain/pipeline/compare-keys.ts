/** Work keys of Compare (compare-register.ts), apart from it so that a merge worker reading them loads no register schemas. */
import { RunPlan, shardOf, workKeys } from './run-plan';

const pad = (n: number) => String(n).padStart(6, '0');

export const compareKeys = {
  /** Classify's register records of a partition (JSON lines, no decision). */
  current: (plan: Pick<RunPlan, 'workPrefix'>, partition: number) => `${workKeys.classified(plan, partition)}.register.jsonl`,
  routed: (plan: Pick<RunPlan, 'workPrefix'>, part: number) => `${plan.workPrefix}compare/route/${shardOf(part)}/q${pad(part)}`,
  routedIndex: (plan: Pick<RunPlan, 'workPrefix'>, part: number) => `${plan.workPrefix}compare/route/${shardOf(part)}/q${pad(part)}.index.json`,
  changes: (plan: Pick<RunPlan, 'workPrefix'>, partition: number) => `${plan.workPrefix}compare/${shardOf(partition)}/p${pad(partition)}.changes.csv`,
  register: (plan: Pick<RunPlan, 'workPrefix'>, partition: number) => `${plan.workPrefix}compare/${shardOf(partition)}/p${pad(partition)}.register.jsonl`,
  review: (plan: Pick<RunPlan, 'workPrefix'>, partition: number) => `${plan.workPrefix}compare/${shardOf(partition)}/p${pad(partition)}.review.entries`,
  counts: (plan: Pick<RunPlan, 'workPrefix'>, partition: number) => `${plan.workPrefix}compare/${shardOf(partition)}/p${pad(partition)}.counts.json`,
};
