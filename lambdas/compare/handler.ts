/**
 * Compare (docs/monthly.md): the run against the county's previous run, after Classify. Three tasks of one function:
 * route the previous review's decisions to the run's partitions, route one part of the register (when its
 * partition count is not the run's), compare one partition of the run (runs/<runId>/compare/...).
 */
import { compareRunPartition, needsRouting, routeRegisterPart } from '../domain/pipeline/compare-register';
import { routeDecisions } from '../domain/pipeline/route-decisions';
import { handlerResources } from '../adapters/aws-clients';
import { loadHandlerConfig } from '../adapters/config';
import { instrumented } from '../adapters/observability';
import { compareEventSchema, CompareTaskResult, loadRunPlan, parseInput } from '../workflow-contract';
import { InputError } from '../domain/errors';

const { store } = handlerResources(loadHandlerConfig());

export const handler = instrumented('compare', async (event, invocation): Promise<CompareTaskResult> => {
  const task = parseInput(compareEventSchema, event, 'compare event');
  invocation.tag({ runId: task.runId });
  const plan = await loadRunPlan(store, task.runId);
  if (plan.previous === undefined) throw new InputError(`compare event: run ${task.runId} is compared with no previous run`);
  if (task.routeDecisions === true) return { decided: await routeDecisions(store, plan) };
  if (task.routePart !== undefined) {
    if (!needsRouting(plan) || task.routePart >= plan.previous.partitionCount) {
      throw new InputError(`compare event: register part ${task.routePart} is not to be routed for run ${task.runId} (its register has ${plan.previous.partitionCount} parts, the run ${plan.partitionCount} partitions)`);
    }
    await routeRegisterPart(store, plan, task.routePart);
    return { routePart: task.routePart };
  }
  const partition = task.partition!;
  if (partition >= plan.partitionCount) {
    throw new InputError(`compare event: partition ${partition} is out of range; run ${task.runId} has ${plan.partitionCount}`);
  }
  invocation.tag({ partition });
  const counts = await compareRunPartition(store, plan, partition);
  return { partition, decisionsCarried: counts.decisionsCarried, changedSinceDecided: counts.changedSinceDecided };
});
