import crypto from 'node:crypto';
import { CopyObjectCommand, CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  UnsupportedEventPatternError,
  matchesEventPattern,
  objectCreatedEvent,
  routeEvent,
  validateEventPattern,
  type S3ObjectCreatedEvent,
} from '../../local/event-bridge';
import { localAwsConfig, startStandIns, type S3EventRecord, type StandIns } from '../../local/stand-ins';
import type { LocalRule } from '../../local/template';

const contractPattern = {
  source: ['aws.s3'],
  'detail-type': ['Object Created'],
  detail: { bucket: { name: ['data'] }, object: { key: [{ prefix: 'incoming/' }] } },
};

function eventFor(key: string, bucket = 'data'): S3ObjectCreatedEvent {
  return {
    version: '0',
    id: 'x',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '000000000000',
    time: '2025-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key, size: 1, etag: 'e', sequencer: '1' },
      'request-id': 'r',
      requester: '000000000000',
      'source-ip-address': '127.0.0.1',
      reason: 'PutObject',
    },
  };
}

describe('S3 object records → EventBridge "Object Created" events (through s3rver)', () => {
  let standIns: StandIns;
  let s3: S3Client;
  const records: S3EventRecord[] = [];

  beforeAll(async () => {
    standIns = await startStandIns();
    s3 = new S3Client(localAwsConfig(standIns.endpoints).s3);
    await s3.send(new CreateBucketCommand({ Bucket: 'data' }));
    standIns.onObjectEvent((record) => records.push(record));
  });
  afterAll(async () => {
    s3.destroy();
    await standIns.stop();
  });
  beforeEach(() => {
    records.length = 0;
  });

  it('builds the event AWS sends for a PutObject', async () => {
    const body = 'SUBJECT_ID,CII\n1,2\n';
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'incoming/LA/extract 2024.csv', Body: body }));
    expect(records).toHaveLength(1);
    const event = objectCreatedEvent(records[0])!;
    expect(event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      region: 'us-east-1',
      resources: ['arn:aws:s3:::data'],
      detail: {
        version: '0',
        bucket: { name: 'data' },
        object: {
          key: 'incoming/LA/extract 2024.csv',
          size: body.length,
          etag: crypto.createHash('sha1').update(body).digest('hex').slice(0, 32), // the stand-in's ETag (local/s3-store.ts)
          sequencer: expect.stringMatching(/^[0-9A-F]{16}$/),
        },
        'request-id': expect.any(String),
        requester: '000000000000',
        'source-ip-address': '127.0.0.1',
        reason: 'PutObject',
      },
    });
    expect(matchesEventPattern(contractPattern, event)).toBe(true);
  });

  it('reports multipart completions and copies with their reasons, and skips deletions', async () => {
    await new Upload({ client: s3, params: { Bucket: 'data', Key: 'incoming/LA/big.csv', Body: Buffer.alloc(6 * 1024 * 1024, 'a') }, partSize: 5 * 1024 * 1024 }).done();
    await s3.send(new CopyObjectCommand({ Bucket: 'data', Key: 'incoming/LA/copy.csv', CopySource: 'data/incoming/LA/big.csv' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'incoming/LA/copy.csv' }));
    const [multipart, copy, deletion] = records;
    expect(objectCreatedEvent(multipart)!.detail).toMatchObject({ reason: 'CompleteMultipartUpload', object: { size: 6 * 1024 * 1024 } });
    expect(() => objectCreatedEvent(copy)).toThrow(/has no ETag/);
    expect(objectCreatedEvent(copy, { etag: '"abc"' })!.detail).toMatchObject({ reason: 'CopyObject', object: { etag: 'abc' } });
    expect(objectCreatedEvent(deletion)).toBeUndefined();
  });

  it('gives increasing sequencers to writes within the same millisecond', () => {
    const record = {
      eventVersion: '2.0',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: new Date().toISOString(),
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'x' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': 'R' },
      s3: { s3SchemaVersion: '1.0', configurationId: 'c', bucket: { name: 'data', ownerIdentity: { principalId: 'x' }, arn: 'a' }, object: { key: 'k', size: 1, eTag: 'e', sequencer: '1' } },
    } as S3EventRecord;
    const sequencers = Array.from({ length: 50 }, () => objectCreatedEvent(record)!.detail.object.sequencer);
    expect([...sequencers].sort()).toEqual(sequencers);
    expect(new Set(sequencers).size).toBe(50);
  });
});

describe('event pattern matching', () => {
  it('matches the contract rule: source, detail-type, bucket name and key prefix', () => {
    expect(matchesEventPattern(contractPattern, eventFor('incoming/LA/a.csv'))).toBe(true);
    expect(matchesEventPattern(contractPattern, eventFor('incoming/LA/batch/manifest.json'))).toBe(true);
    expect(matchesEventPattern(contractPattern, eventFor('policies/LA.json'))).toBe(false);
    expect(matchesEventPattern(contractPattern, eventFor('results/incoming/x'))).toBe(false);
    expect(matchesEventPattern(contractPattern, eventFor('incoming/LA/a.csv', 'other'))).toBe(false);
    expect(matchesEventPattern(contractPattern, { ...eventFor('incoming/a'), 'detail-type': 'Object Deleted' })).toBe(false);
    expect(matchesEventPattern(contractPattern, { source: 'aws.s3' })).toBe(false);
  });

  it('evaluates suffix, anything-but, exists, equals-ignore-case and wildcard', () => {
    const event = { detail: { key: 'incoming/LA/manifest.json', tags: ['a', 'b'], size: 5 } };
    expect(matchesEventPattern({ detail: { key: [{ suffix: '.json' }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { key: [{ suffix: '.csv' }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { key: [{ 'anything-but': { prefix: 'runs/' } }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { key: [{ 'anything-but': { prefix: 'incoming/' } }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { size: [{ 'anything-but': [1, 2] }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { size: [{ 'anything-but': 5 }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { missing: [{ 'anything-but': 'x' }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { missing: [{ exists: false }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { key: [{ exists: false }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { key: [{ 'equals-ignore-case': 'INCOMING/la/MANIFEST.json' }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { key: [{ wildcard: 'incoming/*/manifest.json' }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { key: [{ wildcard: 'incoming/*.csv' }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { tags: ['b'] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { tags: ['c'] } }, event)).toBe(false);
  });

  it('refuses patterns it cannot evaluate exactly', () => {
    expect(() => validateEventPattern(contractPattern)).not.toThrow();
    expect(() => validateEventPattern({ detail: { size: [{ numeric: ['>', 0] }] } })).toThrow(UnsupportedEventPatternError);
    expect(() => validateEventPattern({ detail: { ip: [{ cidr: '10.0.0.0/8' }] } })).toThrow(/operator \["cidr"\] is not supported/);
    expect(() => validateEventPattern({ $or: [{ a: ['b'] }] })).toThrow(/\$or is not supported/);
    expect(() => validateEventPattern({ source: 'aws.s3' })).toThrow(/EventPattern.source: leaf values must be arrays/);
  });
});

describe('routing events to rule targets', () => {
  const rule = (overrides: Partial<LocalRule>): LocalRule => ({
    logicalId: 'Rule',
    name: 'Rule',
    enabled: true,
    eventPattern: contractPattern,
    targets: [{ id: 'T', arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Workflow', stateMachineLogicalId: 'Workflow' }],
    ...overrides,
  });

  it('starts matching enabled state-machine targets with the event, Input or InputPath', () => {
    const event = eventFor('incoming/LA/a.csv');
    expect(routeEvent([rule({})], event).map((routed) => routed.input)).toEqual([event]);
    expect(routeEvent([rule({ enabled: false })], event)).toEqual([]);
    expect(routeEvent([rule({})], eventFor('policies/LA.json'))).toEqual([]);
    const withInputPath = rule({ targets: [{ id: 'T', arn: 'a', stateMachineLogicalId: 'Workflow', inputPath: '$.detail.object' }] });
    expect(routeEvent([withInputPath], event)[0].input).toEqual(event.detail.object);
    const withInput = rule({ targets: [{ id: 'T', arn: 'a', stateMachineLogicalId: 'Workflow', input: { fixed: true } }] });
    expect(routeEvent([withInput], event)[0].input).toEqual({ fixed: true });
  });
});
