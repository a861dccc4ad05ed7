/**
 * The stand-ins answer only requests signed with their run's credential, and the S3 stand-in keeps every object in
 * its folder (issue 17, point 2): checked on their real HTTP ports, with the SDK's clients and hand-made requests.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import { localAwsConfig, startStandIns, type StandIns } from '../../local/stand-ins';
import { LocalS3Store } from '../../local/s3-store';
import { checkS3Path, newLocalCredentials, Sha256, type LocalCredentials } from '../../local/stand-in-guard';

interface Answer {
  status: number;
  body: string;
}

/** Sends the path exactly as given (a URL string would have its ".." segments resolved by the client). */
function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const { hostname, port } = new URL(url);
  const pathAt = url.indexOf('/', 'http://'.length);
  const rawPath = pathAt < 0 ? '/' : url.slice(pathAt);
  return new Promise((resolve, reject) => {
    const request = http.request({ hostname, port, path: rawPath, method: options.method ?? 'GET', headers: options.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

/** A path-style S3 request signed by the SDK's signer as the S3 client signs (path as sent), sent as is. */
async function signedS3(endpoint: string, credentials: LocalCredentials, method: string, rawPath: string, body?: string): Promise<Answer> {
  const url = new URL(endpoint);
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials, sha256: Sha256, uriEscapePath: false });
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: rawPath,
    query: {},
    headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) },
  });
  return send(`${endpoint}${rawPath}`, { method, headers: signed.headers as Record<string, string>, body });
}

const errorCode = (answer: Answer): string | undefined => /<Code>([^<]+)<\/Code>/.exec(answer.body)?.[1];

describe('the stand-ins refuse what is not signed with the run credential', () => {
  let standIns: StandIns;
  let s3: S3Client;
  const bucket = 'guarded';
  const key = 'results/LOS ANGELES/run-1/court_motion_list.csv';
  let outside: string;

  beforeAll(async () => {
    standIns = await startStandIns();
    s3 = new S3Client({ ...localAwsConfig(standIns.endpoints).s3, maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'Case Number,PRI_NAME\nX1,"DOE,JANE"\n' }));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-outside-'));
  });

  afterAll(async () => {
    s3.destroy();
    await standIns.stop();
    fs.rmSync(outside, { recursive: true, force: true });
  });

  test('each start has its own random credential, never the well-known S3RVER one', async () => {
    expect(standIns.endpoints.credentials.accessKeyId).not.toBe('S3RVER');
    const other = await startStandIns();
    try {
      expect(other.endpoints.credentials.accessKeyId).not.toBe(standIns.endpoints.credentials.accessKeyId);
      expect(other.endpoints.credentials.secretAccessKey).not.toBe(standIns.endpoints.credentials.secretAccessKey);
    } finally {
      await other.stop();
    }
  });

  test('the embedded stack\'s own client reads and lists', async () => {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await object.Body!.transformToString()).toContain('DOE,JANE');
    expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(1);
  });

  test('unsigned requests (curl) get S3\'s AccessDenied: no listing, no object, no write', async () => {
    const s3Url = standIns.endpoints.s3;
    const listing = await send(`${s3Url}/${bucket}?list-type=2`);
    expect([listing.status, errorCode(listing)]).toEqual([403, 'AccessDenied']);
    expect(listing.body).not.toContain('court_motion_list');
    const object = await send(`${s3Url}/${bucket}/${encodeURI(key)}`);
    expect([object.status, errorCode(object)]).toEqual([403, 'AccessDenied']);
    expect(object.body).not.toContain('DOE');
    const write = await send(`${s3Url}/${bucket}/incoming/x.csv`, { method: 'PUT', body: 'x' });
    expect(write.status).toBe(403);
    expect(fs.readdirSync(standIns.s3Directory, { recursive: true }).some((name) => String(name).includes('incoming'))).toBe(false);
  });

  test('a client with the old fixed credential, a wrong key id or a wrong secret is refused', async () => {
    const attempts: Array<[LocalCredentials, string]> = [
      [{ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, 'InvalidAccessKeyId'],
      [{ ...newLocalCredentials(), secretAccessKey: standIns.endpoints.credentials.secretAccessKey }, 'InvalidAccessKeyId'],
      [{ accessKeyId: standIns.endpoints.credentials.accessKeyId, secretAccessKey: 'wrong-secret' }, 'SignatureDoesNotMatch'],
    ];
    for (const [credentials, code] of attempts) {
      const client = new S3Client({ ...localAwsConfig(standIns.endpoints).s3, credentials, maxAttempts: 1 });
      try {
        const error = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key })).then(
          () => undefined,
          (e: Error & { $metadata?: { httpStatusCode?: number } }) => e,
        );
        expect([error?.name, error?.$metadata?.httpStatusCode]).toEqual([code, 403]);
      } finally {
        client.destroy();
      }
    }
  });

  test('a valid signature replayed on another key or method is refused', async () => {
    const credentials = standIns.endpoints.credentials;
    const url = new URL(standIns.endpoints.s3);
    const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials, sha256: Sha256, uriEscapePath: false });
    const signed = await signer.sign({
      method: 'GET', protocol: 'http:', hostname: url.hostname, path: `/${bucket}/incoming/other.csv`, query: {},
      headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    const headers = signed.headers as Record<string, string>;
    const other = await send(`${standIns.endpoints.s3}/${bucket}/${encodeURI(key)}`, { headers });
    expect([other.status, errorCode(other)]).toEqual([403, 'SignatureDoesNotMatch']);
    const deleting = await send(`${standIns.endpoints.s3}/${bucket}/incoming/other.csv`, { method: 'DELETE', headers });
    expect([deleting.status, errorCode(deleting)]).toEqual([403, 'SignatureDoesNotMatch']);
  });

  test('presigned URLs: valid ones are answered, a wrong secret or an expired one refused', async () => {
    const url = new URL(standIns.endpoints.s3);
    const presign = async (credentials: LocalCredentials, signingDate = new Date(), expiresIn = 60) => {
      const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials, sha256: Sha256, uriEscapePath: false });
      const path = `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
      const request = await signer.presign({ method: 'GET', protocol: 'http:', hostname: url.hostname, path, query: {}, headers: { host: url.host } }, { signingDate, expiresIn });
      const query = Object.entries(request.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
      return send(`${standIns.endpoints.s3}${path}?${query}`);
    };
    const valid = await presign(standIns.endpoints.credentials);
    expect(valid.status).toBe(200);
    expect(valid.body).toContain('DOE,JANE');
    const wrong = await presign({ ...standIns.endpoints.credentials, secretAccessKey: 'nope' });
    expect([wrong.status, errorCode(wrong)]).toEqual([403, 'SignatureDoesNotMatch']);
    const expired = await presign(standIns.endpoints.credentials, new Date(Date.now() - 3600_000), 60);
    expect([expired.status, errorCode(expired)]).toEqual([403, 'AccessDenied']);
  });

  test('keys with ".." segments are refused with S3\'s XML error, signed or not, and nothing is written or read outside', async () => {
    const credentials = standIns.endpoints.credentials;
    const target = path.join(outside, 'escaped');
    const up = path.relative(path.join(standIns.s3Directory, bucket), outside).split(path.sep).map(() => '..');
    const encoded = `/${bucket}/${[...up, path.basename(outside), 'escaped'].join('%2F')}`;
    const plain = `/${bucket}/${[...up, path.basename(outside), 'escaped'].join('/')}`;
    // The same hand-made requests on a plain key are answered: only the ".." makes the difference.
    const normal = await signedS3(standIns.endpoints.s3, credentials, 'PUT', `/${bucket}/plain.csv`, 'x');
    const normalGet = await signedS3(standIns.endpoints.s3, credentials, 'GET', `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`);
    expect([normal.status, normalGet.status]).toEqual([200, 200]);
    for (const rawPath of [encoded, plain]) {
      const write = await signedS3(standIns.endpoints.s3, credentials, 'PUT', rawPath, 'PRI_NAME\nDOE\n');
      expect([rawPath, write.status, errorCode(write)]).toEqual([rawPath, 400, 'InvalidArgument']);
      const read = await signedS3(standIns.endpoints.s3, credentials, 'GET', rawPath);
      expect([read.status, errorCode(read)]).toEqual([400, 'InvalidArgument']);
    }
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(fs.existsSync(target)).toBe(false);
    // Through the SDK too: its client sends the key's ".." as written.
    const error = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `../../${path.basename(outside)}/x`, Body: 'x' })).catch((e: Error) => e);
    expect((error as Error).name).toBe('InvalidArgument');
  });

  test('form uploads (POST Object, parsed by busboy/dicer) are refused even when signed; unsigned ones never get past the signature check', async () => {
    const credentials = standIns.endpoints.credentials;
    const url = new URL(standIns.endpoints.s3);
    const body = '--x\r\nContent-Disposition: form-data; name="key"\r\n\r\nincoming/form.csv\r\n--x--\r\n';
    const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials, sha256: Sha256, uriEscapePath: false });
    const signed = await signer.sign({
      method: 'POST', protocol: 'http:', hostname: url.hostname, path: `/${bucket}`, query: {},
      headers: { host: url.host, 'content-type': 'multipart/form-data; boundary=x', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(body.length) },
    });
    const form = await send(`${standIns.endpoints.s3}/${bucket}`, { method: 'POST', headers: signed.headers as Record<string, string>, body });
    expect([form.status, errorCode(form)]).toEqual([405, 'MethodNotAllowed']);
    const anonymous = await send(`${standIns.endpoints.s3}/${bucket}`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body });
    expect([anonymous.status, errorCode(anonymous)]).toEqual([403, 'AccessDenied']);
  });

  test('the file store itself refuses a path that leaves its folder', () => {
    const store = new LocalS3Store(standIns.s3Directory);
    expect(() => store.getResourcePath(bucket, '../../../../etc/passwd', 'object')).toThrow('outside the store');
    expect(() => store.getBucketPath('..')).toThrow('outside the store');
    expect(store.getResourcePath(bucket, 'results/a..b/x', 'object').startsWith(standIns.s3Directory)).toBe(true);
  });

  test('checkS3Path: ".." segments (raw or percent-encoded) and upload ids that are not one segment', () => {
    expect(checkS3Path('/b/a/../x')?.code).toBe('InvalidArgument');
    expect(checkS3Path('/b/%2E%2E%2Fx')?.code).toBe('InvalidArgument');
    expect(checkS3Path('/b/a..b/x..')).toBeUndefined();
    expect(checkS3Path('/b/k?uploadId=..%2F..%2Fx&partNumber=1')?.code).toBe('NoSuchUpload');
    expect(checkS3Path('/b/k?uploadId=abc123&partNumber=1')).toBeUndefined();
    expect(checkS3Path('/b/%E0%A4%A')?.code).toBe('InvalidURI');
  });

  test('DynamoDB: unsigned and wrongly signed requests are refused, the stack\'s own client is answered', async () => {
    const unsigned = await send(standIns.endpoints.dynamodb, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      body: '{}',
    });
    expect(unsigned.status).toBe(400);
    expect(JSON.parse(unsigned.body).__type).toMatch(/MissingAuthenticationToken/);
    const good = new DynamoDBClient({ ...localAwsConfig(standIns.endpoints).dynamodb, maxAttempts: 1 });
    const wrongSecret = new DynamoDBClient({
      ...localAwsConfig(standIns.endpoints).dynamodb,
      credentials: { accessKeyId: standIns.endpoints.credentials.accessKeyId, secretAccessKey: 'wrong' },
      maxAttempts: 1,
    });
    const wrongKey = new DynamoDBClient({ ...localAwsConfig(standIns.endpoints).dynamodb, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, maxAttempts: 1 });
    try {
      expect((await good.send(new ListTablesCommand({}))).TableNames).toEqual([]);
      expect((await wrongSecret.send(new ListTablesCommand({})).catch((e: Error) => e)) as Error).toHaveProperty('name', 'InvalidSignatureException');
      expect((await wrongKey.send(new ListTablesCommand({})).catch((e: Error) => e)) as Error).toHaveProperty('name', 'UnrecognizedClientException');
    } finally {
      good.destroy();
      wrongSecret.destroy();
      wrongKey.destroy();
    }
  });
});
