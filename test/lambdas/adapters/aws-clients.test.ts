import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createS3Client, dynamoDbClientConfig, s3ClientConfig } from '../../../lambdas/adapters/aws-clients';
import { S3ObjectStore } from '../../../lambdas/adapters/s3-object-store';
import { LambdaBench, startBench } from '../helpers';
import { ConfigError } from '../../../lambdas/domain/errors';
import { payloadHashSent } from '../../helpers/payload-hash';

describe('SDK client configuration from the environment', () => {
  let bench: LambdaBench;

  beforeAll(async () => {
    bench = await startBench();
  });

  afterAll(async () => {
    await bench.stop();
  });

  it('turns CLEARANCE_S3_FORCE_PATH_STYLE into path-style addressing and takes the region from the environment', () => {
    expect(s3ClientConfig({ CLEARANCE_S3_FORCE_PATH_STYLE: 'true', AWS_REGION: 'us-west-2' })).toEqual({ region: 'us-west-2', forcePathStyle: true });
    expect(s3ClientConfig({})).toEqual({ forcePathStyle: false });
    expect(dynamoDbClientConfig({ AWS_DEFAULT_REGION: 'eu-west-1' })).toEqual({ region: 'eu-west-1' });
    expect(() => s3ClientConfig({ CLEARANCE_S3_FORCE_PATH_STYLE: 'yes' })).toThrow(ConfigError);
  });

  it('reaches the stand-ins through AWS_ENDPOINT_URL_S3 / _DYNAMODB and the checksum variables alone', async () => {
    const s3 = new S3Client(s3ClientConfig());
    const dynamodb = new DynamoDBClient(dynamoDbClientConfig());
    expect(await s3.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await s3.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    // A streamed body is stored intact only without aws-chunked checksum trailers (local-runtime-notes.md).
    const body = Buffer.from('RECORD_ID,SUBJECT_ID\n'.repeat(1000));
    await s3.send(new PutObjectCommand({ Bucket: bench.bucket, Key: 'runs/env/stream', Body: Readable.from([body]), ContentLength: body.length }));
    const response = await s3.send(new GetObjectCommand({ Bucket: bench.bucket, Key: 'runs/env/stream' }));
    expect(Buffer.from(await response.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect((await dynamodb.send(new ListTablesCommand({}))).TableNames).toContain(bench.table);
    s3.destroy();
    dynamodb.destroy();
  });

  it('signs request bodies by their hash (deployed functions keep the SDK default; only the local runtime sends them unsigned)', async () => {
    expect(await payloadHashSent(createS3Client({ ...process.env, CLEARANCE_S3_FORCE_PATH_STYLE: 'true' }), bench.bucket)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps more than the SDK default of 50 reads open at once (Assemble merges every partition)', async () => {
    const s3 = createS3Client({ ...process.env, CLEARANCE_S3_FORCE_PATH_STYLE: 'true' });
    const store = new S3ObjectStore(s3, bench.bucket);
    const body = Buffer.alloc(256 * 1024, 'x');
    const keys = Array.from({ length: 60 }, (_, i) => `runs/sockets/p${String(i).padStart(3, '0')}`);
    await Promise.all(keys.map((key) => store.write(key, [body])));
    // Every read started and its first chunk taken before any is finished: each holds a socket meanwhile.
    const readers = keys.map((key) => store.read(key)[Symbol.asyncIterator]());
    let bytes = 0;
    for (const reader of readers) bytes += (await reader.next()).value!.length;
    for (const reader of readers) for (let next = await reader.next(); !next.done; next = await reader.next()) bytes += next.value.length;
    expect(bytes).toBe(keys.length * body.length);
    s3.destroy();
  }, 20_000);
});
