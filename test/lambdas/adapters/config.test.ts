import { loadHandlerConfig, loadPlanConfig, loadRollupConfig } from '../../../lambdas/adapters/config';
import { ConfigError } from '../../../lambdas/domain/errors';

const PLAN_ENV = { DATA_BUCKET: 'data', LEDGER_TABLE: 'ledger', MAX_PARTITIONS: '1000', TARGET_RANGE_BYTES: '67108864', MAX_REJECT_RATIO: '0.05' };

function errorOf(load: () => unknown): Error {
  try {
    load();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a ConfigError');
}

describe('function configuration', () => {
  it('reads the variables the stack sets', () => {
    expect(loadHandlerConfig({ DATA_BUCKET: 'data', LEDGER_TABLE: 'ledger' })).toEqual({ dataBucket: 'data', ledgerTable: 'ledger' });
    expect(loadPlanConfig(PLAN_ENV)).toEqual({
      dataBucket: 'data',
      ledgerTable: 'ledger',
      maxPartitions: 1000,
      targetRangeBytes: 67108864,
      maxRejectRatio: 0.05,
      maxSplitConcurrency: 100,
      maxClassifyConcurrency: 100,
      prefixRequestBudget: 2000,
      excelSafe: false,
    });
    expect(loadPlanConfig({ ...PLAN_ENV, MAX_SPLIT_CONCURRENCY: '7', MAX_CLASSIFY_CONCURRENCY: '9', PREFIX_REQUEST_BUDGET: '500' })).toMatchObject({
      maxSplitConcurrency: 7,
      maxClassifyConcurrency: 9,
      prefixRequestBudget: 500,
    });
    expect(loadPlanConfig({ ...PLAN_ENV, EXCEL_SAFE: 'true' }).excelSafe).toBe(true);
    expect(loadPlanConfig({ ...PLAN_ENV, EXCEL_SAFE: 'false' }).excelSafe).toBe(false);
    expect(loadPlanConfig({ ...PLAN_ENV, TARGET_PARTITION_BYTES: '1048576', MAX_REJECT_RATIO: '1' })).toMatchObject({ targetPartitionBytes: 1048576, maxRejectRatio: 1 });
    expect(loadPlanConfig({ ...PLAN_ENV, MAX_REJECT_RATIO: '0' }).maxRejectRatio).toBe(0);
    expect(loadPlanConfig({ ...PLAN_ENV, TASK_LANES: '2' }).taskLanes).toBe(2);
  });

  it('names every missing variable', () => {
    const error = errorOf(() => loadPlanConfig({ DATA_BUCKET: 'data' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe('configuration: LEDGER_TABLE is missing; MAX_PARTITIONS is missing; TARGET_RANGE_BYTES is missing; MAX_REJECT_RATIO is missing');
  });

  it('names each bad variable with its value', () => {
    expect(errorOf(() => loadPlanConfig({ ...PLAN_ENV, MAX_PARTITIONS: '0' })).message).toBe('configuration: MAX_PARTITIONS: "0" must be a whole number >= 1');
    expect(errorOf(() => loadPlanConfig({ ...PLAN_ENV, TARGET_RANGE_BYTES: '64MiB' })).message).toBe('configuration: TARGET_RANGE_BYTES: "64MiB" must be a whole number');
    expect(errorOf(() => loadPlanConfig({ ...PLAN_ENV, MAX_REJECT_RATIO: '5%' })).message).toBe('configuration: MAX_REJECT_RATIO: "5%" must be a number from 0 to 1');
    expect(errorOf(() => loadPlanConfig({ ...PLAN_ENV, MAX_REJECT_RATIO: '1.5' })).message).toContain('MAX_REJECT_RATIO: "1.5"');
    expect(errorOf(() => loadPlanConfig({ ...PLAN_ENV, TASK_LANES: '0' })).message).toBe('configuration: TASK_LANES: "0" must be a whole number >= 1');
    expect(errorOf(() => loadPlanConfig({ ...PLAN_ENV, EXCEL_SAFE: 'yes' })).message).toBe('configuration: EXCEL_SAFE: "yes" must be true or false');
    expect(errorOf(() => loadHandlerConfig({ DATA_BUCKET: ' ', LEDGER_TABLE: 'ledger' })).message).toBe('configuration: DATA_BUCKET: " " is empty');
  });

  it('gives the roll-up the bucket only, and refuses it without one', () => {
    expect(loadRollupConfig({ DATA_BUCKET: 'data' })).toEqual({ dataBucket: 'data' });
    expect(errorOf(() => loadRollupConfig({ LEDGER_TABLE: 'ledger' })).message).toBe('configuration: DATA_BUCKET is missing');
  });
});
