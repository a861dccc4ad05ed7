import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { localAwsConfig, localLambdaEnvironment, startStandIns, type S3EventRecord, type StandIns } from '../../local/stand-ins';
import { waitUntilActive } from '../../local/template';
import { stageFile } from '../../local/s3-store';

const projectRoot = path.resolve(__dirname, '..', '..');

/** The stand-in's ETag of a body (local/s3-store.ts): its SHA-1, cut to the 32 hex digits of an MD5. */
function etagOf(body: Buffer): string {
  return crypto.createHash('sha1').update(body).digest('hex').slice(0, 32);
}

describe('stand-ins through the real AWS SDK', () => {
  let standIns: StandIns;
  let s3: S3Client;
  let dynamodb: DynamoDBClient;
  const bucket = 'stand-in-test';

  beforeAll(async () => {
    standIns = await startStandIns();
    const config = localAwsConfig(standIns.endpoints);
    s3 = new S3Client(config.s3);
    dynamodb = new DynamoDBClient(config.dynamodb);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  afterAll(async () => {
    s3.destroy();
    dynamodb.destroy();
    await standIns.stop();
  });

  it('listens on 127.0.0.1 ephemeral ports', () => {
    expect(standIns.endpoints.s3).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(standIns.endpoints.dynamodb).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(standIns.endpoints.s3).not.toEqual(standIns.endpoints.dynamodb);
  });

  it('round-trips a streamed PutObject byte for byte and reports the object event', async () => {
    const events: S3EventRecord[] = [];
    const unsubscribe = standIns.onObjectEvent((record) => events.push(record));
    const body = crypto.randomBytes(3 * 1024 * 1024 + 17);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'incoming/LA/stream.bin', Body: Readable.from([body]), ContentLength: body.length }),
    );
    unsubscribe();
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'incoming/LA/stream.bin' }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(bytes.length).toBe(body.length);
    expect(bytes.equals(body)).toBe(true);
    expect(events).toHaveLength(1);
    expect(events[0].eventName).toBe('ObjectCreated:Put');
    expect(events[0].s3.bucket.name).toBe(bucket);
    expect(events[0].s3.object.key).toBe('incoming/LA/stream.bin');
    expect(events[0].s3.object.size).toBe(body.length);
    expect(events[0].s3.object.eTag).toBe(etagOf(body));
  });

  it('serves ranged GETs', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'ranged.txt', Body: '0123456789abcdef' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'ranged.txt', Range: 'bytes=4-9' }));
    expect(await got.Body!.transformToString()).toBe('456789');
    expect(got.ContentRange).toBe('bytes 4-9/16');
  });

  it('serves many bodies open at once, read a little at a time in turn, byte for byte (smaller read chunks)', async () => {
    const objects = Array.from({ length: 48 }, (_, i) => crypto.createHash('sha256').update(String(i)).digest().toString('hex').repeat(3000 + i));
    await Promise.all(objects.map((body, i) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: `many/${i}`, Body: body }))));
    const bodies = await Promise.all(objects.map((_, i) => s3.send(new GetObjectCommand({ Bucket: bucket, Key: `many/${i}` }))));
    const readers = bodies.map((got) => (got.Body as Readable)[Symbol.asyncIterator]());
    const received: Buffer[][] = objects.map(() => []);
    let open = readers.length;
    const done = new Set<number>();
    while (open > 0) {
      for (let i = 0; i < readers.length; i++) {
        if (done.has(i)) continue;
        const next = await readers[i].next();
        if (next.done) {
          done.add(i);
          open--;
        } else received[i].push(next.value as Buffer);
      }
    }
    received.forEach((chunks, i) => expect(Buffer.concat(chunks).toString()).toBe(objects[i]));
  });

  it('completes a multipart upload (lib-storage) with the right content', async () => {
    const body = crypto.randomBytes(11 * 1024 * 1024);
    const upload = new Upload({
      client: s3,
      params: { Bucket: bucket, Key: 'multipart.bin', Body: Readable.from([body]) },
      partSize: 5 * 1024 * 1024,
      queueSize: 2,
    });
    await upload.done();
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'multipart.bin' }));
    expect(head.ContentLength).toBe(body.length);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'multipart.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  it("gives a multipart object S3's form of ETag (MD5 of the parts' digests, then the part count)", async () => {
    const parts = [crypto.randomBytes(5 * 1024 * 1024), crypto.randomBytes(5 * 1024 * 1024), crypto.randomBytes(1234)];
    const events: S3EventRecord[] = [];
    const unsubscribe = standIns.onObjectEvent((record) => events.push(record));
    await new Upload({ client: s3, params: { Bucket: bucket, Key: 'etag/multipart.bin', Body: Readable.from([Buffer.concat(parts)]) }, partSize: 5 * 1024 * 1024 }).done();
    unsubscribe();
    const digest = (data: Buffer) => Buffer.from(etagOf(data), 'hex');
    const expected = `${crypto.createHash('md5').update(Buffer.concat(parts.map(digest))).digest('hex')}-3`;
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'etag/multipart.bin' }));
    expect(head.ETag).toBe(`"${expected}"`);
    expect(head.ContentLength).toBe(5 * 1024 * 1024 * 2 + 1234);
    expect(events.map((event) => [event.eventName, event.s3.object.eTag])).toEqual([['ObjectCreated:Post', expected]]);
    // Nothing of the upload is left behind but the object (no part, no temporary file).
    const files = fs.readdirSync(path.join(standIns.s3Directory, bucket), { recursive: true }).map(String);
    expect(files.filter((name) => name.startsWith('etag/'))).toEqual([
      'etag/multipart.bin._S3rver_metadata.json',
      'etag/multipart.bin._S3rver_object',
      'etag/multipart.bin._S3rver_object.md5',
    ]);
    expect(files.filter((name) => name.includes('uploads/') || name.endsWith('.partial'))).toEqual([]);
  });

  it('completes multipart uploads whatever the order, sizes, gaps and re-uploads of their parts', async () => {
    const digest = (data: Buffer) => Buffer.from(etagOf(data), 'hex');
    const multipart = async (key: string, uploads: Array<[number, Buffer]>, complete: number[]) => {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      const etags = new Map<number, string>();
      for (const [PartNumber, Body] of uploads) {
        const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber, Body }));
        etags.set(PartNumber, part.ETag!);
      }
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: complete.map((PartNumber) => ({ PartNumber, ETag: etags.get(PartNumber) })) },
        }),
      );
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return { bytes: Buffer.from(await got.Body!.transformToByteArray()), etag: got.ETag };
    };
    const MiB = 1024 * 1024;
    const [a, b, c, d] = [crypto.randomBytes(5 * MiB), crypto.randomBytes(5 * MiB), crypto.randomBytes(3 * MiB + 5), crypto.randomBytes(7 * MiB)];
    const cases: Array<[string, Array<[number, Buffer]>, number[], Buffer[]]> = [
      ['in order, equal sizes', [[1, a], [2, b], [3, c]], [1, 2, 3], [a, b, c]],
      ['last part first', [[3, c], [1, a], [2, b]], [1, 2, 3], [a, b, c]],
      ['a part longer than the first one', [[1, a], [2, d], [3, c]], [1, 2, 3], [a, d, c]],
      ['a gap in the numbers', [[1, a], [3, b], [4, c]], [1, 3, 4], [a, b, c]],
      ['a part re-uploaded', [[1, b], [2, b], [1, a], [3, c]], [1, 2, 3], [a, b, c]],
      ['parts left out', [[1, a], [2, b], [3, c]], [1, 2], [a, b]],
    ];
    for (const [name, uploads, complete, expected] of cases) {
      const { bytes, etag } = await multipart(`parts/${name.replace(/ /g, '-')}.bin`, uploads, complete);
      expect({ name, same: bytes.equals(Buffer.concat(expected)) }).toEqual({ name, same: true });
      expect(etag).toBe(`"${crypto.createHash('md5').update(Buffer.concat(expected.map(digest))).digest('hex')}-${expected.length}"`);
    }
  });

  it('copies an object that a later write of its source leaves as it was', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'copy/source.txt', Body: 'first version', ContentType: 'text/csv' }));
    const copied = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy/target.txt', CopySource: `${bucket}/copy/source.txt` }));
    expect(copied.CopyObjectResult?.ETag).toBe(`"${etagOf(Buffer.from('first version'))}"`);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'copy/source.txt', Body: 'second, longer version' }));
    const target = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'copy/target.txt' }));
    expect(target.ContentType).toBe('text/csv');
    expect(await target.Body!.transformToString()).toBe('first version');
    const source = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'copy/source.txt' }));
    expect(await source.Body!.transformToString()).toBe('second, longer version');
  });

  it('exports an object to a local file, whole, and refuses a missing one', async () => {
    const body = crypto.randomBytes(700 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'export/data.bin', Body: body }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stand-in-export-'));
    try {
      const file = path.join(dir, 'data.bin');
      fs.writeFileSync(file, 'an older file, replaced');
      await standIns.exportObject(bucket, 'export/data.bin', file);
      expect(fs.readFileSync(file).equals(body)).toBe(true);
      expect(fs.readdirSync(dir)).toEqual(['data.bin']);
      await expect(standIns.exportObject(bucket, 'export/missing.bin', path.join(dir, 'missing.bin'))).rejects.toMatchObject({ name: 'NotFoundError' });
      expect(fs.readdirSync(dir)).toEqual(['data.bin']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('imports a local file as an object: a later change of the file leaves it; announced as its PutObject would be', async () => {
    const body = crypto.randomBytes(3 * 1024 * 1024 + 5);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stand-in-import-'));
    try {
      const file = path.join(dir, 'extract.csv');
      fs.writeFileSync(file, body);
      const events: S3EventRecord[] = [];
      const unsubscribe = standIns.onObjectEvent((record) => events.push(record));
      await standIns.importObject(bucket, 'incoming/LA/import/extract.csv', file);
      unsubscribe();
      fs.writeFileSync(file, 'changed after the import');
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'incoming/LA/import/extract.csv' }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
      expect(got.ETag).toBe(`"${etagOf(body)}"`);
      expect(events.map((event) => [event.eventName, event.s3.bucket.name, event.s3.object.key, event.s3.object.size, event.s3.object.eTag])).toEqual([
        ['ObjectCreated:Put', bucket, 'incoming/LA/import/extract.csv', body.length, etagOf(body)],
      ]);
      // The same bytes put through the API get the same ETag.
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'incoming/LA/import/put.csv', Body: body }));
      expect(put.ETag).toBe(got.ETag);
      // Nothing is left beside the object (no temporary file), and a missing file is an error.
      const files = fs.readdirSync(path.join(standIns.s3Directory, bucket, 'incoming/LA/import'));
      expect(files.filter((name) => name.includes('extract.csv')).sort()).toEqual([
        'extract.csv._S3rver_metadata.json', 'extract.csv._S3rver_object', 'extract.csv._S3rver_object.md5',
      ]);
      await expect(standIns.importObject(bucket, 'incoming/LA/import/none.csv', path.join(dir, 'none.csv'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('imports a file staged earlier (copied and hashed before the import): moved in, nothing left behind', async () => {
    const body = crypto.randomBytes(1024 * 1024 + 3);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stand-in-stage-'));
    try {
      const file = path.join(dir, 'extract.csv');
      fs.writeFileSync(file, body);
      const staged = await stageFile(file, dir);
      fs.writeFileSync(file, 'changed after staging');
      expect([staged.size, staged.etag]).toEqual([body.length, etagOf(body)]);
      await standIns.importObject(bucket, 'incoming/LA/staged/extract.csv', staged);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'incoming/LA/staged/extract.csv' }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
      expect(got.ETag).toBe(`"${etagOf(body)}"`);
      expect(fs.readdirSync(dir)).toEqual(['extract.csv']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('paginates ListObjectsV2 (continuation tokens work without --openssl-legacy-provider)', async () => {
    const keys = Array.from({ length: 23 }, (_, i) => `listing/${String(i).padStart(3, '0')}.json`);
    await Promise.all(keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: '{}' }))));
    const pages: string[][] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 10 }, { Bucket: bucket, Prefix: 'listing/' })) {
      pages.push((page.Contents ?? []).map((object) => object.Key!));
    }
    expect(pages.map((page) => page.length)).toEqual([10, 10, 3]);
    expect(pages.flat()).toEqual(keys);
  });

  it('supports DynamoDB conditional writes', async () => {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 'ledger',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const put = () =>
      dynamodb.send(
        new PutItemCommand({
          TableName: 'ledger',
          Item: { pk: { S: 'RUN#1' }, status: { S: 'PLANNING' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    await put();
    await expect(put()).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const item = await dynamodb.send(new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'RUN#1' } } }));
    expect(item.Item?.status).toEqual({ S: 'PLANNING' });
  });

  it('reaches both stand-ins from a process that configures nothing but the documented environment', async () => {
    // Proves the installed SDK honours AWS_ENDPOINT_URL_S3 / _DYNAMODB and the checksum variables from the environment alone.
    const script = `
      const { S3Client, PutObjectCommand, GetObjectCommand } = require('@aws-sdk/client-s3');
      const { DynamoDBClient, ListTablesCommand } = require('@aws-sdk/client-dynamodb');
      const { Readable } = require('node:stream');
      (async () => {
        const s3 = new S3Client({ forcePathStyle: process.env.CLEARANCE_S3_FORCE_PATH_STYLE === 'true' });
        const body = Buffer.from('streamed through env-only config');
        await s3.send(new PutObjectCommand({ Bucket: '${bucket}', Key: 'env-only.txt', Body: Readable.from([body]), ContentLength: body.length }));
        const got = await s3.send(new GetObjectCommand({ Bucket: '${bucket}', Key: 'env-only.txt' }));
        const tables = await new DynamoDBClient({}).send(new ListTablesCommand({}));
        process.stdout.write(JSON.stringify({ text: await got.Body.transformToString(), tables: tables.TableNames }));
      })().catch((e) => { process.stderr.write(String(e && e.stack)); process.exit(1); });`;
    const env = { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...localLambdaEnvironment(standIns.endpoints), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: projectRoot, env });
    const result = JSON.parse(stdout) as { text: string; tables: string[] };
    expect(result.text).toBe('streamed through env-only config');
    expect(result.tables).toContain('ledger');
  });
});

describe('stand-in state', () => {
  it('removes its temporary S3 directory on stop', async () => {
    const standIns = await startStandIns();
    expect(fs.existsSync(standIns.s3Directory)).toBe(true);
    await standIns.stop();
    expect(fs.existsSync(standIns.s3Directory)).toBe(false);
  });

  it('keeps objects and items under keepStateDir across restarts', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clearance-state-test-'));
    try {
      const first = await startStandIns({ keepStateDir: stateDir });
      let config = localAwsConfig(first.endpoints);
      let s3 = new S3Client(config.s3);
      let dynamodb = new DynamoDBClient(config.dynamodb);
      await s3.send(new CreateBucketCommand({ Bucket: 'kept' }));
      await s3.send(new PutObjectCommand({ Bucket: 'kept', Key: 'a.txt', Body: 'still here' }));
      await dynamodb.send(
        new CreateTableCommand({
          TableName: 'kept',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await waitUntilActive(dynamodb, 'kept');
      await dynamodb.send(new PutItemCommand({ TableName: 'kept', Item: { pk: { S: 'x' } } }));
      s3.destroy();
      dynamodb.destroy();
      await first.stop();

      const second = await startStandIns({ keepStateDir: stateDir });
      config = localAwsConfig(second.endpoints);
      s3 = new S3Client(config.s3);
      dynamodb = new DynamoDBClient(config.dynamodb);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'kept', Key: 'a.txt' }));
      expect(await got.Body!.transformToString()).toBe('still here');
      const item = await dynamodb.send(new GetItemCommand({ TableName: 'kept', Key: { pk: { S: 'x' } } }));
      expect(item.Item).toEqual({ pk: { S: 'x' } });
      s3.destroy();
      dynamodb.destroy();
      await second.stop();
      expect(fs.existsSync(path.join(stateDir, 's3'))).toBe(true);
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
