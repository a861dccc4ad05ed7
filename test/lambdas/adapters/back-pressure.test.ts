/**
 * Back-pressure: the adapters' S3 client retries S3's `503 SlowDown` (the S3 stand-in answering it as S3 does, with
 * its XML error) with backoff, so that a throttled prefix slows the work down instead of failing it.
 */
import { S3Client, CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { backoffRetryStrategy, createS3Client } from '../../../lambdas/adapters/aws-clients';
import { S3ObjectStore } from '../../../lambdas/adapters/s3-object-store';
import { collectBytes } from '../../../lambdas/domain/pipeline/object-store';
import { localAwsConfig, localLambdaEnvironment, startStandIns, StandIns } from '../../../local/stand-ins';

const BUCKET = 'back-pressure';

describe('S3 throttling', () => {
  let throttled: StandIns;

  beforeAll(async () => {
    // Every fourth request answered 503 SlowDown, and at most 50 requests per second per prefix.
    throttled = await startStandIns({ s3RequestLimits: { slowDownEvery: 4, perPrefixPerSecond: { read: 50, write: 50 } } });
    const setup = new S3Client({ ...localAwsConfig(throttled.endpoints).s3, maxAttempts: 20 });
    await setup.send(new CreateBucketCommand({ Bucket: BUCKET }));
    setup.destroy();
  });

  afterAll(async () => {
    await throttled.stop();
  });

  test('the retry strategy: full-jitter exponential waits up to a cap, never a client error, at most maxAttempts', async () => {
    const strategy = backoffRetryStrategy({ maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 300, random: () => 0.999 });
    const slowDown = Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown' });
    let token = await strategy.acquireInitialRetryToken('s3');
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      token = await strategy.refreshRetryTokenForRetry(token, { errorType: 'THROTTLING', error: slowDown });
      delays.push(token.getRetryDelay());
    }
    expect(delays).toEqual([99, 199, 299]);
    await expect(strategy.refreshRetryTokenForRetry(token, { errorType: 'THROTTLING', error: slowDown })).rejects.toBe(slowDown);
    const denied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
    await expect(strategy.refreshRetryTokenForRetry(await strategy.acquireInitialRetryToken('s3'), { errorType: 'CLIENT_ERROR', error: denied })).rejects.toBe(denied);
  });

  test('the stand-in answers SlowDown with S3\'s status, code and XML body', async () => {
    const client = new S3Client({ ...localAwsConfig(throttled.endpoints).s3, maxAttempts: 1 });
    const errors: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `raw/o${i}`, Body: 'x' })).catch((error: unknown) => errors.push(error));
    }
    client.destroy();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
  });

  test('the adapters\' client retries it with backoff: 100 writes and reads under one prefix all succeed', async () => {
    const before = throttled.s3RequestStats().slowDowns;
    // The SDK reads the endpoint and credentials from the process environment, as in a Lambda.
    const saved = { ...process.env };
    Object.assign(process.env, localLambdaEnvironment(throttled.endpoints));
    const client = createS3Client();
    const store = new S3ObjectStore(client, BUCKET);
    const keys = Array.from({ length: 100 }, (_, i) => `runs/r/split/00/r${String(i).padStart(6, '0')}`);
    const started = Date.now();
    await Promise.all(keys.map((key, i) => store.write(key, [Buffer.from(`object ${i}\n`)])));
    const texts = await Promise.all(keys.map(async (key) => (await collectBytes(store.read(key))).toString()));
    client.destroy();
    process.env = saved;
    expect(texts).toEqual(keys.map((_, i) => `object ${i}\n`));
    const stats = throttled.s3RequestStats();
    // Throttled often, and yet no request failed; the per-prefix rate stayed at the limit.
    expect(stats.slowDowns - before).toBeGreaterThan(50);
    expect(stats.peakPerPrefix.write).toBeLessThanOrEqual(50);
    expect(stats.peakPerPrefix.read).toBeLessThanOrEqual(50);
    // 200 requests at 50 per second take seconds: the limit held them back.
    expect(Date.now() - started).toBeGreaterThan(2_000);
  });
});
