import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbClientConfig, s3ClientConfig } from '../../../lambdas/adapters/aws-clients';
import { ConfigError } from '../../../lambdas/adapters/config';
import { LambdaBench, startBench } from '../helpers';

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
});
