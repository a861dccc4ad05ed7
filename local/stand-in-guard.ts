/**
 * The gate in front of the S3 and DynamoDB stand-ins (docs/security.md, "The embedded stand-ins"): any process on
 * the machine can reach their 127.0.0.1 ports, so each answers only requests signed (AWS Signature Version 4, checked
 * with the SDK's own signer) with the random credential of this run, which the embedded stack hands to its own
 * clients and handlers only; and the S3 stand-in refuses object keys with `..` segments, and upload ids that are
 * not one path segment, before they reach its file store (which checks again that every path stays in its folder).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { SignatureV4 } from '@smithy/signature-v4';

export interface LocalCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** A fresh credential for one embedded stack: 16 random bytes of key id, 30 of secret. */
export function newLocalCredentials(): LocalCredentials {
  return {
    accessKeyId: `CLEARANCE${randomBytes(16).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64url'),
  };
}

/** Why a request is refused: the HTTP status and the error code the real service answers with. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
}

/** How far a request's signing time may be from now (S3's and DynamoDB's own limit). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const AUTH_PATTERN = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/([^,\s]+), ?SignedHeaders=([^,\s]+), ?Signature=([0-9a-f]{64})$/;
const AMZ_DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** SHA-256 and HMAC-SHA-256 for the SDK's signer, from node:crypto. */
export class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytesOf(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
  reset(): void {
    throw new Error('Sha256.reset is not supported');
  }
}

function bytesOf(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

function parseAmzDate(text: string | undefined): Date | undefined {
  const match = text === undefined ? null : AMZ_DATE_PATTERN.exec(text);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}

type ParsedQuery = Record<string, string | string[]>;

/** The raw query string as the signer's decoded map (no `+` as space: the SDK encodes a space as %20). */
function parseQuery(text: string): ParsedQuery | undefined {
  const query: Record<string, string | string[]> = {};
  if (text === '') return query;
  for (const part of text.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(equals < 0 ? part : part.slice(0, equals));
      value = equals < 0 ? '' : decodeURIComponent(part.slice(equals + 1));
    } catch {
      return undefined;
    }
    const existing = query[key];
    if (existing === undefined) query[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[key] = [existing, value];
  }
  return query;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const ANONYMOUS: Refusal = { status: 403, code: 'AccessDenied', message: 'Access Denied: the embedded stand-ins answer only requests signed with the credential of this run' };

/**
 * Checks a request's Signature Version 4 (Authorization header or presigned query) against `credentials`: the key
 * id, the signing time (within 15 minutes; a presigned URL not expired) and the signature over the method, path,
 * query and signed headers, and over `body` when the request does not declare its payload hash (DynamoDB).
 * Returns undefined for a valid request, else why it is refused.
 */
export async function verifySignature(
  req: IncomingMessage,
  body: Buffer | undefined,
  credentials: LocalCredentials,
  scope: { service: 's3' | 'dynamodb'; region: string },
  now = Date.now(),
): Promise<Refusal | undefined> {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  const requestPath = queryAt < 0 ? url : url.slice(0, queryAt);
  const query = parseQuery(queryAt < 0 ? '' : url.slice(queryAt + 1));
  if (query === undefined) return { status: 400, code: 'InvalidArgument', message: 'the query string is not valid percent-encoding' };
  const authorization = headerValue(req, 'authorization');
  const presigned = query['X-Amz-Algorithm'] !== undefined;
  if (authorization !== undefined && presigned) return { status: 400, code: 'InvalidArgument', message: 'only one auth mechanism allowed' };

  const claim = signatureClaim(req, authorization, presigned ? query : undefined);
  if ('status' in claim) return claim;
  const { accessKeyId, signedHeaders, signature, signingDate, expiresIn } = claim;
  if (!sameText(accessKeyId, credentials.accessKeyId)) {
    return { status: 403, code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' };
  }
  if (signingDate === undefined) return { status: 403, code: 'AccessDenied', message: 'the request has no valid X-Amz-Date' };
  if (presigned) {
    if (now > signingDate.getTime() + expiresIn * 1000) return { status: 403, code: 'AccessDenied', message: 'Request has expired' };
  } else if (Math.abs(now - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
    return { status: 403, code: 'RequestTimeTooSkewed', message: 'The difference between the request time and the current time is too large.' };
  }

  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = headerValue(req, name);
    if (value === undefined) return mismatch();
    headers[name] = value;
  }
  const expected = await expectedSignature(req, { requestPath, query, headers, body }, signerFor(credentials, scope), claim, presigned);
  if (expected === undefined || !sameText(expected, signature)) return mismatch();
  return undefined;
}

/** What a request claims: its key id, signed headers, signature, signing time and (presigned) lifetime. */
interface SignatureClaim {
  readonly accessKeyId: string;
  readonly signedHeaders: string[];
  readonly signature: string;
  readonly signingDate: Date | undefined;
  readonly expiresIn: number;
}

/** The claim of an Authorization header, or of a presigned query (`presignedQuery`); anonymous without either. */
function signatureClaim(req: IncomingMessage, authorization: string | undefined, presignedQuery: ParsedQuery | undefined): SignatureClaim | Refusal {
  if (authorization !== undefined) {
    const match = AUTH_PATTERN.exec(authorization);
    if (match === null) return ANONYMOUS;
    return { accessKeyId: match[1], signedHeaders: match[3].split(';'), signature: match[4], signingDate: parseAmzDate(headerValue(req, 'x-amz-date')), expiresIn: 0 };
  }
  if (presignedQuery === undefined) return ANONYMOUS;
  const query = presignedQuery;
  const credential = query['X-Amz-Credential'];
  const headers = query['X-Amz-SignedHeaders'];
  const provided = query['X-Amz-Signature'];
  const expires = query['X-Amz-Expires'];
  const date = query['X-Amz-Date'];
  if (query['X-Amz-Algorithm'] !== 'AWS4-HMAC-SHA256' || typeof credential !== 'string' || typeof headers !== 'string' || typeof provided !== 'string' || typeof expires !== 'string' || typeof date !== 'string') {
    return ANONYMOUS;
  }
  const expiresIn = Number(expires);
  if (!Number.isSafeInteger(expiresIn) || expiresIn < 1) return ANONYMOUS;
  return { accessKeyId: credential.split('/')[0], signedHeaders: headers.split(';'), signature: provided, signingDate: parseAmzDate(date), expiresIn };
}

/** The signature the request would carry, signed (or presigned) with the run's credential over what it signed. */
async function expectedSignature(
  req: IncomingMessage,
  parts: { requestPath: string; query: ParsedQuery; headers: Record<string, string>; body: Buffer | undefined },
  signer: SignatureV4,
  claim: SignatureClaim,
  presigned: boolean,
): Promise<string | undefined> {
  const { requestPath, query, headers, body } = parts;
  const { signedHeaders, signingDate, expiresIn } = claim;
  const host = headers.host ?? headerValue(req, 'host') ?? '';
  const request = { method: req.method ?? 'GET', protocol: 'http:', hostname: host.replace(/:\d+$/, ''), path: requestPath, query, headers, body };
  if (presigned) {
    const unsigned = { ...query };
    delete unsigned['X-Amz-Signature'];
    const payload = query['X-Amz-Content-Sha256'];
    const signed = await signer.presign(
      { ...request, query: unsigned, headers: typeof payload === 'string' ? { ...headers, 'x-amz-content-sha256': payload } : headers },
      { signingDate, expiresIn, signableHeaders: new Set(signedHeaders) },
    );
    const value = signed.query?.['X-Amz-Signature'];
    return typeof value === 'string' ? value : undefined;
  } else {
    const signed = await signer.sign(request, { signingDate, signableHeaders: new Set(signedHeaders) });
    return /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization))?.[1];
  }
}

/** One signer per credential and scope: it caches the derived signing key of the day. */
const signers = new WeakMap<LocalCredentials, Map<string, SignatureV4>>();
function signerFor(credentials: LocalCredentials, scope: { service: 's3' | 'dynamodb'; region: string }): SignatureV4 {
  let byScope = signers.get(credentials);
  if (byScope === undefined) signers.set(credentials, (byScope = new Map()));
  const id = `${scope.service}/${scope.region}`;
  let signer = byScope.get(id);
  if (signer === undefined) {
    signer = new SignatureV4({
      service: scope.service,
      region: scope.region,
      credentials,
      sha256: Sha256,
      // S3 signs the path as sent; other services encode it once more (the SDK's own settings).
      uriEscapePath: scope.service !== 's3',
      applyChecksum: false,
    });
    byScope.set(id, signer);
  }
  return signer;
}

function mismatch(): Refusal {
  return {
    status: 403,
    code: 'SignatureDoesNotMatch',
    message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  };
}

/**
 * Path-style S3 requests (`/<bucket>/<key>`): a key (or bucket) with a `..` segment, once percent-decoded, and an
 * uploadId that is not one plain segment are refused; so is a path that does not decode.
 */
export function checkS3Path(url: string): Refusal | undefined {
  const queryAt = url.indexOf('?');
  const rawPath = queryAt < 0 ? url : url.slice(0, queryAt);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { status: 400, code: 'InvalidURI', message: 'Couldn\'t parse the specified URI.' };
  }
  if (decoded.split('/').includes('..') || decoded.includes('\0')) {
    return { status: 400, code: 'InvalidArgument', message: 'object keys with ".." segments are refused by the embedded S3 stand-in' };
  }
  if (queryAt >= 0) {
    const uploadId = parseQuery(url.slice(queryAt + 1))?.uploadId;
    if (uploadId !== undefined && (typeof uploadId !== 'string' || uploadId === '.' || uploadId === '..' || /[/\\\0]/.test(uploadId))) {
      return { status: 400, code: 'NoSuchUpload', message: 'The specified upload does not exist.' };
    }
  }
  return undefined;
}

/**
 * Browser form uploads (POST Object, multipart/form-data) are refused: nothing here sends one, and s3rver parses
 * them with busboy 0.3 / dicer 0.3, which have published advisories (docs/security.md).
 */
export function checkNoFormUpload(req: IncomingMessage): Refusal | undefined {
  const type = headerValue(req, 'content-type') ?? '';
  if (req.method === 'POST' && type.toLowerCase().startsWith('multipart/')) {
    return { status: 405, code: 'MethodNotAllowed', message: 'form uploads (POST Object) are not served by the embedded S3 stand-in' };
  }
  return undefined;
}

/** Throws unless `target` lies inside `root` (both resolved): the file store's last line against traversal. */
export function assertInsideRoot(root: string, target: string): void {
  const relative = path.relative(path.resolve(root), path.resolve(target));
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw Object.assign(new Error(`refused: ${JSON.stringify(target)} is outside the store's folder`), { code: 'InvalidArgument' });
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** S3's XML error body. */
export function s3ErrorXml(refusal: Refusal): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${escapeXml(refusal.message)}</Message></Error>`;
}

interface KoaLike {
  middleware: Array<(ctx: KoaContext, next: () => Promise<void>) => Promise<void>>;
}
interface KoaContext {
  req: IncomingMessage;
  status: number;
  body: unknown;
  set(name: string, value: string): void;
}

/**
 * Puts the gate first in s3rver's Koa middleware (before its router, its own signature check that only knows
 * Signature Version 2, and its store). Call before `run()`, which composes the middleware.
 */
export function guardS3rver(s3rver: unknown, credentials: LocalCredentials, region: string): void {
  (s3rver as KoaLike).middleware.unshift(async (ctx, next) => {
    const refusal =
      (await verifySignature(ctx.req, undefined, credentials, { service: 's3', region })) ?? checkS3Path(ctx.req.url ?? '/') ?? checkNoFormUpload(ctx.req);
    if (refusal !== undefined) {
      ctx.status = refusal.status;
      ctx.set('Content-Type', 'application/xml');
      ctx.body = s3ErrorXml(refusal);
      return;
    }
    await next();
  });
}

/** DynamoDB's answer to a request bigger than it accepts. */
const MAX_DYNAMODB_REQUEST_BYTES = 16 * 1024 * 1024;

const DYNAMODB_ERROR_TYPES: Record<string, string> = {
  AccessDenied: 'MissingAuthenticationTokenException',
  InvalidAccessKeyId: 'UnrecognizedClientException',
  SignatureDoesNotMatch: 'InvalidSignatureException',
  RequestTimeTooSkewed: 'InvalidSignatureException',
};

/**
 * Puts the gate in front of dynalite's request handler: the body is read (DynamoDB signs it), checked, and then
 * replayed to dynalite; a refused request gets DynamoDB's JSON error (HTTP 400, as DynamoDB answers).
 */
export function guardDynalite(server: Server, credentials: LocalCredentials, region: string): void {
  const handlers = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_DYNAMODB_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (size > MAX_DYNAMODB_REQUEST_BYTES) {
        res.statusCode = 413;
        res.end();
        return;
      }
      const body = Buffer.concat(chunks);
      void verifySignature(req, body, credentials, { service: 'dynamodb', region }).then(
        (refusal) => {
          if (refusal !== undefined) {
            const text = JSON.stringify({ __type: `com.amazon.coral.service#${DYNAMODB_ERROR_TYPES[refusal.code] ?? 'AccessDeniedException'}`, message: refusal.message });
            res.statusCode = 400;
            res.setHeader('Content-Type', 'application/x-amz-json-1.0');
            res.end(text);
            return;
          }
          // dynalite reads the body from the request's events: replay it on a stream that looks like the request.
          const replay = Object.assign(new PassThrough(), { headers: req.headers, method: req.method, url: req.url, socket: req.socket, httpVersion: req.httpVersion });
          for (const handler of handlers) handler.call(server, replay as unknown as IncomingMessage, res);
          replay.end(body);
        },
        () => res.destroy(),
      );
    });
  });
}
