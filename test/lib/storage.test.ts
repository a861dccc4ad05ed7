import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ClearanceStorage, ClearanceStorageProps } from '../../lib/storage';
import { CfnTemplate, Statement, TEST_ENV, allows, arnOf, canonicalArns, logicalId, resolve, resolveString, testApp } from './template-helpers';

function synthStorage(props: ClearanceStorageProps = {}) {
  const stack = new Stack(testApp(), 'StorageTest', { env: TEST_ENV });
  const storage = new ClearanceStorage(stack, 'Storage', props);
  const template = Template.fromStack(stack);
  return { stack, storage, template, json: template.toJSON() as CfnTemplate };
}

type LifecycleRule = {
  Id: string;
  Prefix?: string;
  ExpirationInDays?: number;
  NoncurrentVersionExpiration?: { NoncurrentDays: number };
  AbortIncompleteMultipartUpload?: { DaysAfterInitiation: number };
  ExpiredObjectDeleteMarker?: boolean;
};

function lifecycleRules(json: CfnTemplate, bucketId: string): LifecycleRule[] {
  const config = json.Resources[bucketId].Properties?.LifecycleConfiguration as { Rules: LifecycleRule[] };
  return config.Rules;
}

describe('ClearanceStorage defaults', () => {
  const { storage, template, json } = synthStorage();
  const dataBucketId = logicalId(storage.dataBucket);
  const logBucketId = logicalId(storage.accessLogBucket);
  const keyArn = { 'Fn::GetAtt': [logicalId(storage.key), 'Arn'] };

  test('the customer key rotates and is kept when the stack goes', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
    });
  });

  test('the data bucket is encrypted with the customer key (bucket key on), versioned and blocks public access', () => {
    const props = json.Resources[dataBucketId].Properties!;
    expect(props.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } },
      ],
    });
    expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(props.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(json.Resources[dataBucketId]).toMatchObject({ DeletionPolicy: 'Retain' });
  });

  test('the data bucket sends its events to EventBridge without a custom resource', () => {
    expect(json.Resources[dataBucketId].Properties!.NotificationConfiguration).toEqual({
      EventBridgeConfiguration: { EventBridgeEnabled: true },
    });
    expect(Object.values(json.Resources).map((r) => r.Type)).not.toContain('Custom::S3BucketNotifications');
  });

  test('the data bucket logs its accesses to the access-log bucket', () => {
    expect(resolve(json.Resources[dataBucketId].Properties!.LoggingConfiguration)).toEqual({
      DestinationBucketName: `\${${logBucketId}}`,
      LogFilePrefix: 'data-bucket/',
    });
    // The access-log bucket lets the S3 logging service write, for this source bucket only.
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [dataBucketId, 'Arn'] } } }),
          }),
        ]),
      },
    });
  });

  test.each([
    ['data', () => dataBucketId],
    ['access-log', () => logBucketId],
  ])('the %s bucket denies every request without TLS (and below TLS 1.2)', (_name, bucketId) => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId() },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  test('the access-log bucket uses S3-managed encryption (log delivery cannot use SSE-KMS) and blocks public access', () => {
    const props = json.Resources[logBucketId].Properties!;
    expect(props.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(props.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true, RestrictPublicBuckets: true });
    expect(lifecycleRules(json, logBucketId)).toEqual([
      expect.objectContaining({ Id: 'ExpireAccessLogs', ExpirationInDays: 365 }),
    ]);
  });

  test('raw uploads expire after 30 days and the work area after 7, noncurrent versions included', () => {
    const rules = lifecycleRules(json, dataBucketId);
    expect(rules.find((r) => r.Prefix === 'incoming/')).toMatchObject({
      ExpirationInDays: 30,
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
    });
    expect(rules.find((r) => r.Prefix === 'runs/')).toMatchObject({
      ExpirationInDays: 7,
      NoncurrentVersionExpiration: { NoncurrentDays: 7 },
    });
  });

  test('results/ expire after a year and reports/ after five; incomplete uploads are aborted and noncurrent versions cleaned everywhere', () => {
    const rules = lifecycleRules(json, dataBucketId);
    expect(rules.filter((r) => r.ExpirationInDays !== undefined).map((r) => [r.Prefix, r.ExpirationInDays])).toEqual([
      ['incoming/', 30],
      ['runs/', 7],
      ['results/', 365],
      ['reports/', 1825],
    ]);
    expect(rules.find((r) => r.Prefix === 'results/')).toMatchObject({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } });
    expect(rules.find((r) => r.Prefix === undefined)).toMatchObject({
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      ExpiredObjectDeleteMarker: true,
    });
  });

  test('the ledger: pk only, on demand, PITR, customer key, GSI byCounty (county, startedAt, ALL)', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byCounty',
          KeySchema: [
            { AttributeName: 'county', KeyType: 'HASH' },
            { AttributeName: 'startedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'county', AttributeType: 'S' },
        { AttributeName: 'startedAt', AttributeType: 'S' },
      ]),
    });
  });

  test('the key lets CloudWatch Logs use it only for log groups of this stack (their generated names start with it)', () => {
    const statements = (json.Resources[logicalId(storage.key)].Properties!.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    const logs = statements.filter((s) => JSON.stringify(s.Principal).includes('logs.'));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      Principal: { Service: 'logs.us-west-2.amazonaws.com' },
      Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:us-west-2:123456789012:log-group:StorageTest-*' } },
    });
  });

  test('the bucket policy denies a PUT that asks for another algorithm, another key or a customer key', () => {
    const policy = Object.values(json.Resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && resolve(r.Properties!.Bucket) === `\${${dataBucketId}}`)!;
    const statements = (resolve(policy.Properties!.PolicyDocument) as { Statement: Record<string, unknown>[] }).Statement;
    const denies = Object.fromEntries(statements.filter((s) => s.Effect === 'Deny' && s.Action === 's3:PutObject').map((s) => [s.Sid, s.Condition]));
    const key = resolve(keyArn);
    expect(denies).toEqual({
      DenyOtherEncryptionAlgorithm: {
        Null: { 's3:x-amz-server-side-encryption': 'false' },
        StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
      },
      DenyOtherEncryptionKey: {
        Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
        StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': key },
      },
      DenyCustomerProvidedKeys: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
    });
    for (const statement of statements.filter((s) => s.Effect === 'Deny' && s.Action === 's3:PutObject')) {
      expect(statement.Principal).toEqual({ AWS: '*' });
      expect(statement.Resource).toEqual(`\${${dataBucketId}.Arn}/*`);
    }
  });

  test('no county policies unless counties are given', () => {
    expect(Object.values(json.Resources).filter((r) => r.Type === 'AWS::IAM::ManagedPolicy')).toEqual([]);
  });

  test('no physical names', () => {
    expect(json.Resources[dataBucketId].Properties!.BucketName).toBeUndefined();
    expect(json.Resources[logicalId(storage.ledger)].Properties!.TableName).toBeUndefined();
  });

  test('arnOf renders the bucket ARN the way the helpers resolve it', () => {
    expect(arnOf(storage.dataBucket)).toBe(`\${${dataBucketId}.Arn}`);
  });
});

describe('ClearanceStorage props', () => {
  test('custom retentions change the incoming/ and runs/ rules and nothing else', () => {
    const { storage, json } = synthStorage({ rawRetention: Duration.days(90), workRetention: Duration.days(2) });
    const rules = lifecycleRules(json, logicalId(storage.dataBucket));
    expect(rules.find((r) => r.Prefix === 'incoming/')).toMatchObject({
      ExpirationInDays: 90,
      NoncurrentVersionExpiration: { NoncurrentDays: 90 },
    });
    expect(rules.find((r) => r.Prefix === 'runs/')).toMatchObject({
      ExpirationInDays: 2,
      NoncurrentVersionExpiration: { NoncurrentDays: 2 },
    });
    expect(rules.find((r) => r.Prefix === undefined)).toMatchObject({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } });
  });

  test('an existing key is used for bucket and table, and no key is created', () => {
    const stack = new Stack(testApp(), 'ExistingKey', { env: TEST_ENV });
    const existingKey = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    new ClearanceStorage(stack, 'Storage', { existingKey });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { KMSMasterKeyId: existingKey.keyArn },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: existingKey.keyArn } }),
        ],
      },
    });
  });

  test('keyProps shape the created key, but rotation stays on', () => {
    const { template } = synthStorage({ keyProps: { description: 'county key', pendingWindow: Duration.days(20) } });
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: 'county key',
      PendingWindowInDays: 20,
      EnableKeyRotation: true,
    });
  });

  test('removalPolicy reaches bucket, table and key', () => {
    const { json } = synthStorage({ removalPolicy: RemovalPolicy.DESTROY });
    for (const type of ['AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::KMS::Key']) {
      const resources = Object.values(json.Resources).filter((r) => r.Type === type);
      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) expect(resource).toMatchObject({ DeletionPolicy: 'Delete' });
    }
  });

  test.each<[string, ClearanceStorageProps, RegExp]>([
    [
      'existingKey with keyProps',
      { existingKey: {} as kms.IKey, keyProps: {} },
      /existingKey and keyProps are mutually exclusive/,
    ],
    ['rotation off', { keyProps: { enableKeyRotation: false } }, /keyProps\.enableKeyRotation must not be false/],
    ['zero raw retention', { rawRetention: Duration.days(0) }, /rawRetention must be a whole number of days, at least 1, got 0 days/],
    ['fractional work retention', { workRetention: Duration.hours(36) }, /workRetention must be a whole number of days, at least 1, got 1 day 12 hours/],
    ['sub-day abort', { abortIncompleteUploadsAfter: Duration.hours(1) }, /abortIncompleteUploadsAfter must be/],
  ])('rejects %s at synth time, naming the value', (_case, props, message) => {
    const stack = new Stack(testApp(), 'Invalid', { env: TEST_ENV });
    expect(() => new ClearanceStorage(stack, 'Storage', props)).toThrow(message);
  });

  test('refuses to fall back to ACL log delivery when the bucket-policy flag is off', () => {
    const stack = new Stack(testApp({ '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': false }), 'NoFlag', { env: TEST_ENV });
    expect(() => new ClearanceStorage(stack, 'Storage')).toThrow(
      /feature flag @aws-cdk\/aws-s3:serverAccessLogsUseBucketPolicy must be true/,
    );
  });
});

describe('per-county access', () => {
  const { storage, json } = synthStorage({ counties: ['LOS ANGELES', 'KERN'] });
  const bucketArn = `arn:aws:s3:::\${${logicalId(storage.dataBucket)}}`;
  const statementsOf = (county: string): Statement[] => {
    const policy = json.Resources[logicalId(storage.countyPolicies[county])];
    expect(policy.Type).toBe('AWS::IAM::ManagedPolicy');
    const document = policy.Properties!.PolicyDocument as { Statement: Record<string, unknown>[] };
    return document.Statement.map((s) => ({
      effect: s.Effect as string,
      actions: [s.Action].flat() as string[],
      resources: [s.Resource].flat().map((r) => canonicalArns(json, resolveString(r))),
      condition: s.Condition,
    }));
  };
  const object = (prefix: string, county: string) => `${bucketArn}/${prefix}${county}/run-1/court_motion_list.csv`;

  test('one managed policy per county, with a stable id', () => {
    expect(Object.keys(storage.countyPolicies)).toEqual(['LOS ANGELES', 'KERN']);
    expect(logicalId(storage.countyPolicies['LOS ANGELES'])).toMatch(/^StorageCountyLosAngeles/);
  });

  test.each([
    ['LOS ANGELES', 'KERN'],
    ['KERN', 'LOS ANGELES'],
  ])('%s staff read their own results and reports, never those of %s', (county, other) => {
    const statements = statementsOf(county);
    for (const prefix of ['results/', 'reports/']) {
      expect([prefix, allows(statements, 's3:GetObject', object(prefix, county))]).toEqual([prefix, true]);
      expect([prefix, allows(statements, 's3:GetObject', object(prefix, other))]).toEqual([prefix, false]);
      // A county whose name starts like this one's: the prefix ends with '/'.
      expect(allows(statements, 's3:GetObject', object(prefix, `${county} X`))).toBe(false);
    }
    expect(allows(statements, 's3:GetObject', object('incoming/', county))).toBe(false);
    expect(allows(statements, 's3:GetObject', object('runs/', county))).toBe(false);
    expect(allows(statements, 's3:PutObject', object('incoming/', county))).toBe(true);
    expect(allows(statements, 's3:PutObject', object('incoming/', other))).toBe(false);
    expect(allows(statements, 's3:PutObject', object('results/', county))).toBe(false);
    expect(allows(statements, 's3:DeleteObject', object('results/', county))).toBe(false);
    const listing = statements.find((s) => s.actions.includes('s3:ListBucket'))!;
    expect(listing.condition).toEqual({ StringLike: { 's3:prefix': [`results/${county}/*`, `reports/${county}/*`] } });
    const kms = statements.find((s) => s.actions.includes('kms:Decrypt'))!;
    expect(kms.condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.us-west-2.amazonaws.com' } });
  });

  test('a county that is not one of the 58, or given twice, fails the synth naming it', () => {
    expect(() => synthStorage({ counties: ['Los Angeles'] })).toThrow('counties: "Los Angeles" is not a California county');
    expect(() => synthStorage({ counties: ['KERN', 'KERN'] })).toThrow('counties: "KERN" is given twice');
  });

  test('retentions are props: results and reports rules follow them', () => {
    const custom = synthStorage({ resultsRetention: Duration.days(90), reportsRetention: Duration.days(3650) });
    const rules = lifecycleRules(custom.json, logicalId(custom.storage.dataBucket));
    expect(rules.find((r) => r.Prefix === 'results/')?.ExpirationInDays).toBe(90);
    expect(rules.find((r) => r.Prefix === 'reports/')?.ExpirationInDays).toBe(3650);
    expect(() => synthStorage({ resultsRetention: Duration.hours(12) })).toThrow('resultsRetention must be a whole number of days');
  });
});
