/**
 * The embedded stack's hooks (local/lambda-hooks.ts) in a Lambda worker: the production adapters, unchanged, send S3
 * bodies unsigned, create the off Tracer without loading the X-Ray SDK and, when the embedded stack scales S3's least
 * part down, plan joins with the scaled part; without the hooks they hash bodies, create the Powertools Tracer and
 * plan with S3's 5 MiB. Runs the compiled modules (npm run build), as the embedded stack does.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import * as path from 'node:path';
import { LambdaPool, findProjectRoot } from '../../local/lambda-pool';
import { S3_MIN_PART_BYTES_ENV, scaledMinimumPart } from '../../local/lambda-hooks';
import { localLambdaEnvironment, localS3Client, startStandIns, type StandIns } from '../../local/stand-ins';
import type { LocalFunction } from '../../local/template';

const probe: LocalFunction = {
  logicalId: 'Probe',
  functionName: 'Probe',
  arn: 'arn:aws:lambda:us-east-1:000000000000:function:Probe',
  environment: { CLEARANCE_PHASE: 'probe' },
  timeoutSeconds: 30,
  memoryMb: 256,
  phase: 'probe',
};

describe('the Lambda worker hooks of the embedded stack', () => {
  let standIns: StandIns;
  beforeAll(async () => {
    standIns = await startStandIns();
    const s3 = localS3Client(standIns.endpoints);
    await s3.send(new CreateBucketCommand({ Bucket: 'probe' }));
    s3.destroy();
  });
  afterAll(async () => {
    await standIns.stop();
  });

  const probeWith = async (workerSetupModule: string | undefined) => {
    const pool = new LambdaPool({
      size: 1,
      handlerResolver: () => path.join(__dirname, 'fixtures', 'hooked-adapters.js'),
      environment: { ...localLambdaEnvironment(standIns.endpoints), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', [S3_MIN_PART_BYTES_ENV]: '1024' },
      ...(workerSetupModule === undefined ? {} : { workerSetupModule }),
    });
    try {
      return await pool.invoke(probe, { bucket: 'probe' });
    } finally {
      await pool.close();
    }
  };

  it('send S3 bodies unsigned, give the adapters an off Tracer (the X-Ray SDK never loaded) and the scaled least part', async () => {
    expect(await probeWith(path.join(findProjectRoot(), 'dist', 'local', 'lambda-hooks.js'))).toEqual({
      tracer: 'OffTracer',
      tracing: false,
      xrayLoaded: false,
      payloadHash: 'UNSIGNED-PAYLOAD',
      joinMinPartBytes: 1024,
    });
  });

  it('are needed: without them the adapters hash bodies and load the Powertools Tracer', async () => {
    const seen = (await probeWith(undefined)) as { tracer: string; tracing: boolean; payloadHash: string; joinMinPartBytes: number };
    expect(seen.joinMinPartBytes).toBe(5 * 1024 * 1024);
    expect(seen.tracer).toBe('Tracer');
    expect(seen.tracing).toBe(false);
    expect(seen.payloadHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('take the scaled least part as a whole number of bytes, naming the variable otherwise', () => {
    expect(scaledMinimumPart({})).toBeUndefined();
    expect(scaledMinimumPart({ [S3_MIN_PART_BYTES_ENV]: '2048' })).toBe(2048);
    for (const bad of ['0', '1.5', 'five']) expect(() => scaledMinimumPart({ [S3_MIN_PART_BYTES_ENV]: bad })).toThrow(`${S3_MIN_PART_BYTES_ENV}: "${bad}" must be a whole number >= 1`);
  });
});
