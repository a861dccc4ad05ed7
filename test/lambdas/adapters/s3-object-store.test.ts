import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../../lambdas/adapters/s3-object-store';
import { localAwsConfig } from '../../../local/stand-ins';
import { LambdaBench, rejectionOf, startBench } from '../helpers';
import { NotFoundError } from '../../../lambdas/domain/errors';

const MiB = 1024 * 1024;

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const all: Buffer[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all;
}

async function bytesOf(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  return Buffer.concat(await collect(chunks));
}

/** Names of the S3 commands a client sends (Upload's parts included). */
function recordCommands(client: S3Client): string[] {
  const commands: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordCommandsForTest' },
  );
  return commands;
}

describe('S3ObjectStore against the S3 stand-in', () => {
  let bench: LambdaBench;
  let client: S3Client;
  let store: S3ObjectStore;
  const big = crypto.randomBytes(3 * MiB + 123);

  beforeAll(async () => {
    bench = await startBench();
    client = new S3Client(localAwsConfig(bench.standIns.endpoints).s3);
    store = new S3ObjectStore(client, bench.bucket);
    await bench.put('runs/t/big.bin', big);
  });

  afterAll(async () => {
    client.destroy();
    await bench.stop();
  });

  it('streams a ranged read of exactly [start, end), and the tail when end is omitted', async () => {
    expect((await bytesOf(store.readRange('runs/t/big.bin', 1000, 2 * MiB + 7))).equals(big.subarray(1000, 2 * MiB + 7))).toBe(true);
    expect((await bytesOf(store.readRange('runs/t/big.bin', 3 * MiB))).equals(big.subarray(3 * MiB))).toBe(true);
    expect(await collect(store.readRange('runs/t/big.bin', 50, 50))).toEqual([]);
    expect(await collect(store.readRange('runs/t/big.bin', big.length + 10))).toEqual([]);
  });

  it('reads a whole object as a stream of chunks, never as one buffer', async () => {
    const chunks = await collect(store.read('runs/t/big.bin'));
    expect(chunks.length).toBeGreaterThan(4);
    expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThan(MiB);
    expect(Buffer.concat(chunks).equals(big)).toBe(true);
  });

  it('releases the connection when a reader stops early', async () => {
    for (let i = 0; i < 60; i++) {
      for await (const chunk of store.read('runs/t/big.bin')) {
        expect(chunk.length).toBeGreaterThan(0);
        break;
      }
    }
    // 60 abandoned bodies would exhaust the SDK's 50 sockets if they were left open.
    expect(await store.size('runs/t/big.bin')).toBe(big.length);
  });

  it('writes small bodies of strings and buffers as one object, and empty ones as empty objects', async () => {
    await store.write('runs/t/small.txt', ['héllo, ', Buffer.from('world'), '']);
    expect(await bench.text('runs/t/small.txt', 'utf8')).toBe('héllo, world');
    await store.write('runs/t/empty', []);
    expect(await store.size('runs/t/empty')).toBe(0);
    expect(await collect(store.read('runs/t/empty'))).toEqual([]);
    expect(await collect(store.readRange('runs/t/empty', 0, 10))).toEqual([]);
  });

  it('writes a body larger than one part as a multipart upload, byte for byte', async () => {
    const multipartClient = new S3Client(localAwsConfig(bench.standIns.endpoints).s3);
    const commands = recordCommands(multipartClient);
    const multipartStore = new S3ObjectStore(multipartClient, bench.bucket, { partSize: 5 * MiB });
    const body = crypto.randomBytes(12 * MiB + 5);
    async function* pieces() {
      for (let start = 0; start < body.length; start += MiB) yield body.subarray(start, start + MiB);
    }
    await multipartStore.write('results/X/run/All_Results.csv', pieces());
    expect(commands.filter((name) => name === 'CreateMultipartUploadCommand')).toHaveLength(1);
    expect(commands.filter((name) => name === 'UploadPartCommand')).toHaveLength(3);
    expect(commands).toContain('CompleteMultipartUploadCommand');
    expect(commands).not.toContain('PutObjectCommand');
    const written = await bytesOf(store.read('results/X/run/All_Results.csv'));
    expect(crypto.createHash('sha256').update(written).digest('hex')).toBe(crypto.createHash('sha256').update(body).digest('hex'));
    multipartClient.destroy();
  });

  it('passes on an error of the body unchanged, whether it fits one part or not', async () => {
    const failing = async function* (bytes: number) {
      yield Buffer.alloc(bytes, 65);
      throw new RangeError('producer failed');
    };
    const small = await rejectionOf(store.write('runs/t/fail-small', failing(10)));
    expect(small).toBeInstanceOf(RangeError);
    const multipartStore = new S3ObjectStore(client, bench.bucket, { partSize: 5 * MiB });
    const large = await rejectionOf(multipartStore.write('runs/t/fail-large', failing(6 * MiB)));
    expect(large.message).toContain('producer failed');
    expect(await store.exists('runs/t/fail-small')).toBe(false);
    expect(await store.exists('runs/t/fail-large')).toBe(false);
  });

  it('joins objects into one with UploadPartCopy parts, small ones gathered into uploaded parts, as S3\'s part rules require', async () => {
    // 6 MiB, 1 KiB, 2 MiB, 9 MiB, 3 KiB: the 6 MiB copied; 1 KiB + 2 MiB + the first ~3 MiB of the 9 MiB uploaded as
    // one 5 MiB part; the rest of the 9 MiB copied; the 3 KiB tail uploaded as the last (small) part.
    const sizes = [6 * MiB, 1024, 2 * MiB, 9 * MiB, 3 * 1024];
    const parts = sizes.map((size) => crypto.randomBytes(size));
    for (const [i, part] of parts.entries()) await bench.put(`runs/t/join/${i}`, part);
    const joinClient = new S3Client(localAwsConfig(bench.standIns.endpoints).s3);
    const commands = recordCommands(joinClient);
    await new S3ObjectStore(joinClient, bench.bucket).join(parts.map((part, i) => ({ key: `runs/t/join/${i}`, size: part.length })), 'runs/t/joined');
    joinClient.destroy();
    expect((await bytesOf(store.read('runs/t/joined'))).equals(Buffer.concat(parts))).toBe(true);
    expect(commands.filter((name) => name === 'UploadPartCopyCommand')).toHaveLength(2);
    expect(commands.filter((name) => name === 'UploadPartCommand')).toHaveLength(2);
  });

  it('refuses, as S3 does, to complete an upload whose part but the last is under 5 MiB (EntityTooSmall)', async () => {
    const { CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand } = await import('@aws-sdk/client-s3');
    const Key = 'runs/t/too-small';
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bench.bucket, Key }));
    const etags: string[] = [];
    for (const [index, size] of [1024, 1024].entries()) {
      const { ETag } = await client.send(new UploadPartCommand({ Bucket: bench.bucket, Key, UploadId, PartNumber: index + 1, Body: Buffer.alloc(size, 7) }));
      etags.push(ETag!);
    }
    const error = await rejectionOf(
      client.send(new CompleteMultipartUploadCommand({ Bucket: bench.bucket, Key, UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } })),
    );
    expect(error.name).toBe('EntityTooSmall');
    expect(await store.exists(Key)).toBe(false);
  });

  it('joins small objects alone with one PutObject, and nothing into an empty object', async () => {
    await bench.put('runs/t/join-small/a', 'abc');
    await bench.put('runs/t/join-small/b', 'de');
    await store.join([{ key: 'runs/t/join-small/a', size: 3 }, { key: 'runs/t/join-small/b', size: 2 }], 'runs/t/joined-small');
    expect((await bytesOf(store.read('runs/t/joined-small'))).toString()).toBe('abcde');
    await store.join([], 'runs/t/joined-empty');
    expect(await store.size('runs/t/joined-empty')).toBe(0);
  });

  it('lists every key under a prefix across pages, sorted', async () => {
    const pagingClient = new S3Client(localAwsConfig(bench.standIns.endpoints).s3);
    const commands = recordCommands(pagingClient);
    const paging = new S3ObjectStore(pagingClient, bench.bucket, { pageSize: 2 });
    const keys = ['runs/list/c', 'runs/list/a', 'runs/list/b/1', 'runs/list/b/2', 'runs/list/d'];
    for (const key of keys) await store.write(key, [key]);
    await store.write('runs/listing-elsewhere', ['x']);
    expect(await paging.list('runs/list/')).toEqual([...keys].sort());
    expect(commands.filter((name) => name === 'ListObjectsV2Command')).toHaveLength(3);
    expect(await paging.list('runs/nothing-here/')).toEqual([]);
    pagingClient.destroy();
  });

  it('throws NotFoundError for a missing object and says it does not exist', async () => {
    const attempts = [() => store.size('runs/t/missing'), () => collect(store.read('runs/t/missing')), () => store.copy('runs/t/missing', 'runs/t/x')];
    for (const attempt of attempts) {
      const error = await rejectionOf(attempt());
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).key).toBe('runs/t/missing');
    }
    expect(await store.exists('runs/t/missing')).toBe(false);
    expect(await store.exists('runs/t/big.bin')).toBe(true);
  });

  // s3rver decodes x-amz-copy-source with decodeURI, which leaves %2B (+) encoded: no plus sign in a copied key here.
  it('copies and deletes objects whose keys hold spaces and plus signs', async () => {
    await store.write('incoming/LOS ANGELES/a b (1).csv', ['RECORD_ID\n']);
    await store.copy('incoming/LOS ANGELES/a b (1).csv', 'runs/t/copied file+1.csv');
    expect(await bench.text('runs/t/copied file+1.csv')).toBe('RECORD_ID\n');
    await store.delete(['runs/t/copied file+1.csv', 'runs/t/small.txt']);
    expect(await store.exists('runs/t/copied file+1.csv')).toBe(false);
    expect(await store.exists('runs/t/small.txt')).toBe(false);
    expect(await store.exists('incoming/LOS ANGELES/a b (1).csv')).toBe(true);
  });
});

describe('S3ObjectStore error names', () => {
  let server: http.Server;
  let endpoint: string;
  let answer: { status: number; code: string } = { status: 503, code: 'SlowDown' };
  /** What a ListObjectsV2 request gets when `answer` is 403: keys present (as with s3:ListBucket on the prefix). */
  let listed: string[] | undefined;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      request.resume();
      if (answer.status === 403 && listed !== undefined && request.url?.includes('list-type=2')) {
        const contents = listed.map((key) => `<Contents><Key>${key}</Key><Size>1</Size></Contents>`).join('');
        response.writeHead(200, { 'content-type': 'application/xml' });
        response.end(
          `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bucket</Name>` +
            `<KeyCount>${listed.length}</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
        );
        return;
      }
      response.writeHead(answer.status, { 'content-type': 'application/xml' });
      response.end(request.method === 'HEAD' ? undefined : `<?xml version="1.0"?><Error><Code>${answer.code}</Code><Message>test</Message></Error>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function storeAt(url: string): { store: S3ObjectStore; client: S3Client } {
    const client = new S3Client({
      endpoint: url,
      region: 'us-east-1',
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    return { store: new S3ObjectStore(client, 'bucket'), client };
  }

  it('turns throttling and 5xx answers into RetryableError, keeping the cause', async () => {
    const { store, client } = storeAt(endpoint);
    answer = { status: 503, code: 'SlowDown' };
    const throttled = await rejectionOf(collect(store.read('runs/x/plan.json')));
    expect(throttled.name).toBe('RetryableError');
    expect(throttled.message).toContain('runs/x/plan.json');
    expect((throttled.cause as Error).name).toBe('SlowDown');
    answer = { status: 500, code: 'InternalError' };
    expect((await rejectionOf(store.list('runs/'))).name).toBe('RetryableError');
    expect((await rejectionOf(store.write('runs/x/y', ['z']))).name).toBe('RetryableError');
    client.destroy();
  });

  it('turns a refused connection into RetryableError', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { store, client } = storeAt(`http://127.0.0.1:${port}`);
    const error = await rejectionOf(store.size('runs/x/plan.json'));
    expect(error.name).toBe('RetryableError');
    client.destroy();
  });

  it('keeps the name of a permanent error: access denied to an object that exists, or that cannot be listed', async () => {
    const { store, client } = storeAt(endpoint);
    answer = { status: 403, code: 'AccessDenied' };
    listed = ['results/X/secret.csv'];
    expect((await rejectionOf(collect(store.read('results/X/secret.csv')))).name).toBe('AccessDenied');
    listed = undefined;
    // A HEAD answer has no body, so the SDK cannot name the error; it stays a 403, neither missing nor retryable.
    const head = await rejectionOf(store.size('results/X/secret.csv'));
    expect(head).not.toBeInstanceOf(NotFoundError);
    expect(head.name).not.toBe('RetryableError');
    expect((head as unknown as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(403);
    client.destroy();
  });

  it('tells a missing object from a forbidden one when IAM answers 403 for both (listing by prefix only)', async () => {
    const { store, client } = storeAt(endpoint);
    answer = { status: 403, code: 'AccessDenied' };
    listed = ['policies/LOS ANGELES.json.bak'];
    expect(await rejectionOf(store.size('policies/LOS ANGELES.json'))).toBeInstanceOf(NotFoundError);
    expect(await store.exists('policies/LOS ANGELES.json')).toBe(false);
    listed = undefined;
    client.destroy();
  });
});

/**
 * Above CopyObject's 5 GiB, a copy is a multipart upload of UploadPartCopy ranges. s3rver implements no
 * UploadPartCopy, so this is a small in-memory S3 speaking the calls a copy makes (HEAD, CopyObject,
 * CreateMultipartUpload, UploadPartCopy, CompleteMultipartUpload, AbortMultipartUpload), with the threshold and
 * part size lowered so that a 12 MiB object takes three parts.
 */
describe('S3ObjectStore copies objects above the CopyObject limit part by part', () => {
  const objects = new Map<string, Buffer>();
  const uploads = new Map<string, { key: string; parts: Map<number, { etag: string; bytes: Buffer }> }>();
  /** Requests as "<operation> <detail>", e.g. "UploadPartCopy 2 bytes=5242880-10485759". */
  const requests: string[] = [];
  /** A part number answered with 500 InternalError. */
  let failingPart: number | undefined;
  let server: http.Server;
  let client: S3Client;
  let uploadCount = 0;

  const xml = (response: http.ServerResponse, status: number, body: string) => {
    response.writeHead(status, { 'content-type': 'application/xml' });
    response.end(`<?xml version="1.0" encoding="UTF-8"?>${body}`);
  };
  const sourceOf = (request: http.IncomingMessage) => {
    const header = decodeURIComponent(String(request.headers['x-amz-copy-source'])).replace(/^\//, '');
    return objects.get(header.slice(header.indexOf('/') + 1));
  };

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const body: Buffer[] = [];
      request.on('data', (chunk: Buffer) => body.push(chunk));
      request.on('end', () => {
        const url = new URL(request.url ?? '/', 'http://localhost');
        const key = decodeURIComponent(url.pathname.split('/').slice(2).join('/'));
        const uploadId = url.searchParams.get('uploadId');
        const partNumber = Number(url.searchParams.get('partNumber'));
        if (request.method === 'HEAD') {
          const object = objects.get(key);
          response.writeHead(object ? 200 : 404, object ? { 'content-length': object.length } : {});
          response.end();
        } else if (request.method === 'PUT' && uploadId === null && request.headers['x-amz-copy-source']) {
          requests.push(`CopyObject ${key}`);
          objects.set(key, Buffer.from(sourceOf(request)!));
          xml(response, 200, '<CopyObjectResult><ETag>"copy"</ETag><LastModified>2024-01-01T00:00:00.000Z</LastModified></CopyObjectResult>');
        } else if (request.method === 'POST' && url.searchParams.has('uploads')) {
          const id = `upload-${++uploadCount}`;
          uploads.set(id, { key, parts: new Map() });
          requests.push(`CreateMultipartUpload ${key}`);
          xml(response, 200, `<InitiateMultipartUploadResult><Bucket>bucket</Bucket><Key>${key}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
        } else if (request.method === 'PUT' && uploadId !== null && request.headers['x-amz-copy-source']) {
          const range = String(request.headers['x-amz-copy-source-range']);
          requests.push(`UploadPartCopy ${partNumber} ${range}`);
          if (partNumber === failingPart) return xml(response, 500, '<Error><Code>InternalError</Code><Message>test</Message></Error>');
          const [, start, end] = /^bytes=(\d+)-(\d+)$/.exec(range)!.map(Number);
          const etag = `"part-${partNumber}"`;
          uploads.get(uploadId)!.parts.set(partNumber, { etag, bytes: sourceOf(request)!.subarray(start, end + 1) });
          xml(response, 200, `<CopyPartResult><ETag>${etag}</ETag><LastModified>2024-01-01T00:00:00.000Z</LastModified></CopyPartResult>`);
        } else if (request.method === 'POST' && uploadId !== null) {
          const upload = uploads.get(uploadId)!;
          const listed = [...Buffer.concat(body).toString().matchAll(/<ETag>([^<]*)<\/ETag><PartNumber>(\d+)<\/PartNumber>/g)];
          requests.push(`CompleteMultipartUpload ${listed.map((m) => m[2]).join(',')}`);
          const bytes = listed.map(([, etag, number]) => {
            const part = upload.parts.get(Number(number))!;
            expect(etag.replace(/&quot;/g, '"')).toBe(part.etag);
            return part.bytes;
          });
          objects.set(upload.key, Buffer.concat(bytes));
          uploads.delete(uploadId);
          xml(response, 200, `<CompleteMultipartUploadResult><Bucket>bucket</Bucket><Key>${upload.key}</Key><ETag>"whole"</ETag></CompleteMultipartUploadResult>`);
        } else if (request.method === 'DELETE' && uploadId !== null) {
          requests.push(`AbortMultipartUpload ${key}`);
          uploads.delete(uploadId);
          response.writeHead(204);
          response.end();
        } else {
          xml(response, 501, '<Error><Code>NotImplemented</Code><Message>not in this test server</Message></Error>');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new S3Client({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
  });

  afterAll(async () => {
    client.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    requests.length = 0;
    failingPart = undefined;
  });

  const storeWith = () => new S3ObjectStore(client, 'bucket', { multipartCopyThreshold: 6 * MiB, copyPartSize: 5 * MiB, copyConcurrency: 2 });

  it('copies an object above the threshold with UploadPartCopy ranges that tile it, the bytes staying on the server', async () => {
    const source = crypto.randomBytes(12 * MiB + 3);
    objects.set('runs/r/output/All_Results.csv', source);
    await storeWith().copy('runs/r/output/All_Results.csv', 'results/LOS ANGELES/r/All_Results.csv');
    // Two parts are in flight at once, so they may arrive in either order.
    expect([requests[0], ...requests.slice(1, -1).sort(), requests[requests.length - 1]]).toEqual([
      'CreateMultipartUpload results/LOS ANGELES/r/All_Results.csv',
      'UploadPartCopy 1 bytes=0-5242879',
      'UploadPartCopy 2 bytes=5242880-10485759',
      `UploadPartCopy 3 bytes=10485760-${12 * MiB + 2}`,
      'CompleteMultipartUpload 1,2,3',
    ]);
    expect(objects.get('results/LOS ANGELES/r/All_Results.csv')!.equals(source)).toBe(true);
  });

  it('uses one CopyObject up to the threshold', async () => {
    objects.set('runs/r/output/small.csv', crypto.randomBytes(6 * MiB));
    await storeWith().copy('runs/r/output/small.csv', 'results/X/r/small.csv');
    expect(requests).toEqual(['CopyObject results/X/r/small.csv']);
    expect(objects.get('results/X/r/small.csv')!.equals(objects.get('runs/r/output/small.csv')!)).toBe(true);
  });

  it('aborts the upload when a part fails, after the parts in flight, leaving no target object', async () => {
    objects.set('runs/r/output/big.csv', crypto.randomBytes(16 * MiB));
    failingPart = 2;
    const error = await rejectionOf(storeWith().copy('runs/r/output/big.csv', 'results/X/r/big.csv'));
    expect(error.name).toBe('RetryableError');
    expect(requests[requests.length - 1]).toBe('AbortMultipartUpload results/X/r/big.csv');
    // Part 1 and 2 were in flight together; part 2's failure stopped the workers before parts 3 and 4.
    expect(requests.filter((r) => r.startsWith('UploadPartCopy')).length).toBeLessThanOrEqual(3);
    expect(requests.some((r) => r.startsWith('CompleteMultipartUpload'))).toBe(false);
    expect(objects.has('results/X/r/big.csv')).toBe(false);
    expect(uploads.size).toBe(0);
  });

  it('refuses part sizes S3 would refuse', () => {
    expect(() => new S3ObjectStore(client, 'bucket', { copyPartSize: 4 * MiB })).toThrow(/copyPartSize must be from 5242880/);
    expect(() => new S3ObjectStore(client, 'bucket', { multipartCopyThreshold: 6 * 1024 ** 3 })).toThrow(/multipartCopyThreshold/);
  });
});
