import { ArnFormat, Duration, FeatureFlags, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CALIFORNIA_COUNTIES } from '../lambdas/domain/counties';
import { LEDGER_COUNTY_INDEX } from '../lambdas/domain/defaults';
import { acknowledgeWildcardResources } from './nag';
import { stackAlarmConditions } from './monitoring';

/**
 * Key prefixes of the data bucket (see the workflow contract). Each Lambda role is granted
 * access per prefix, so these strings are part of the security boundary.
 */
export const DataPrefix = {
  /** Uploads: `incoming/<COUNTY>/<file>` or `incoming/<COUNTY>/<batch>/manifest.json` start a run. */
  incoming: 'incoming/',
  /** County policies: `policies/<COUNTY>.json`. */
  policies: 'policies/',
  /** Work area: `runs/<runId>/...` (short lifecycle). */
  runs: 'runs/',
  /** Where the Distributed Map result writers put their files (inside the work area). */
  mapResults: 'runs/map-results/',
  /** Personal-data outputs: `results/<COUNTY>/<runId>/...`. */
  results: 'results/',
  /** Outputs without personal data: `reports/<COUNTY>/<runId>/...`. */
  reports: 'reports/',
  /** Aggregates for query engines: `analytics/<table>/county=<slug>/run_date=<date>/<runId>.jsonl` (docs/analytics.md). */
  analytics: 'analytics/',
  /** Athena query results of the analysts' workgroup (short lifecycle). */
  athenaResults: 'athena-results/',
} as const;

/** Server access logging without ACLs (the buckets enforce bucket-owner object ownership) needs this flag. */
export const SERVER_ACCESS_LOGS_BUCKET_POLICY_FLAG = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

export interface ClearanceStorageProps {
  /**
   * An existing customer managed key for the bucket, table, log groups and topic.
   * Its key policy must already allow CloudWatch Logs (`logs.<region>.amazonaws.com`) and
   * CloudWatch alarms (`cloudwatch.amazonaws.com`, for alarms named `<stack name>-*`) to use it: an imported key's policy
   * cannot be changed from here. Mutually exclusive with `keyProps`.
   *
   * @default - a new key is created from `keyProps`
   */
  readonly existingKey?: kms.IKey;

  /**
   * Properties of the key created when `existingKey` is not given. Rotation is always on;
   * `enableKeyRotation: false` is rejected. Mutually exclusive with `existingKey`.
   *
   * @default - `{ enableKeyRotation: true }` with the construct's `removalPolicy`
   */
  readonly keyProps?: kms.KeyProps;

  /**
   * How long raw uploads (`incoming/`) are kept, current and noncurrent versions alike.
   * Whole days, at least 1.
   *
   * @default Duration.days(30)
   */
  readonly rawRetention?: Duration;

  /**
   * How long the work area (`runs/`) is kept, current and noncurrent versions alike.
   * Whole days, at least 1; keep it longer than the longest run.
   *
   * @default Duration.days(7)
   */
  readonly workRetention?: Duration;

  /**
   * How long a run's personal-data outputs (`results/`) are kept, current and noncurrent versions alike. The
   * relief is "dismiss and seal": the lists serve the prosecution's review and the court motions (H&S 11361.9
   * gave the prosecution one year to review), after which the court's and the DA's own records are the record.
   * Whole days, at least 1 (docs/security.md, "Retention").
   *
   * @default Duration.days(365)
   */
  readonly resultsRetention?: Duration;

  /**
   * How long the reports (`reports/`: summary, statistics, report; no personal data) are kept. They are the
   * county's year-over-year figures; whole days, at least 1.
   *
   * @default Duration.days(1825) (five years)
   */
  readonly reportsRetention?: Duration;

  /**
   * Counties (as in STP_ORI_CNTY_NAME, e.g. `LOS ANGELES`) that get a managed policy of their own: read
   * `results/<COUNTY>/` and `reports/<COUNTY>/`, list those two prefixes, upload to `incoming/<COUNTY>/`, and use the
   * key through S3 only. Attach a county's policy to that county's role, group or permission set: its staff cannot
   * read another county's results (docs/security.md, "County isolation").
   *
   * @default - none (no county policies)
   */
  readonly counties?: readonly string[];

  /**
   * How long noncurrent (overwritten or deleted) versions are kept anywhere in the data bucket
   * (`results/`, `reports/`, `policies/`; shorter rules above win for their prefixes).
   *
   * @default Duration.days(30)
   */
  readonly noncurrentVersionRetention?: Duration;

  /**
   * After how long an unfinished multipart upload is aborted (its parts are billed until then).
   *
   * @default Duration.days(1)
   */
  readonly abortIncompleteUploadsAfter?: Duration;

  /**
   * How long S3 server access logs are kept in the access-log bucket.
   *
   * @default Duration.days(365)
   */
  readonly accessLogRetention?: Duration;

  /**
   * What happens to the key, buckets and ledger when they leave the stack. They hold personal
   * data and the audit trail, so they are kept by default; a non-empty bucket cannot be
   * destroyed by CloudFormation anyway.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The props' retention periods in whole days, with their defaults. */
interface RetentionDays {
  readonly rawRetentionDays: number;
  readonly workRetentionDays: number;
  readonly noncurrentDays: number;
  readonly abortDays: number;
  readonly accessLogDays: number;
  readonly resultsDays: number;
  readonly reportsDays: number;
}

function retentionDays(props: ClearanceStorageProps): RetentionDays {
  return {
    rawRetentionDays: wholeDays('rawRetention', props.rawRetention ?? Duration.days(30)),
    workRetentionDays: wholeDays('workRetention', props.workRetention ?? Duration.days(7)),
    noncurrentDays: wholeDays('noncurrentVersionRetention', props.noncurrentVersionRetention ?? Duration.days(30)),
    abortDays: wholeDays('abortIncompleteUploadsAfter', props.abortIncompleteUploadsAfter ?? Duration.days(1)),
    accessLogDays: wholeDays('accessLogRetention', props.accessLogRetention ?? Duration.days(365)),
    resultsDays: wholeDays('resultsRetention', props.resultsRetention ?? Duration.days(365)),
    reportsDays: wholeDays('reportsRetention', props.reportsRetention ?? Duration.days(1825)),
  };
}

/**
 * The data bucket (every area of the contract, one prefix each), its access-log bucket,
 * the customer managed key and the DynamoDB run ledger.
 */
export class ClearanceStorage extends Construct {
  /** The customer managed key that encrypts the bucket, the ledger, log groups and the alarm topic. */
  public readonly key: kms.IKey;
  /** The data bucket: `incoming/`, `policies/`, `runs/`, `results/`, `reports/`. */
  public readonly dataBucket: s3.Bucket;
  /** Receives the data bucket's S3 server access logs (SSE-S3: log delivery cannot use SSE-KMS). */
  public readonly accessLogBucket: s3.Bucket;
  /** The run ledger: `pk` (S), GSI `byCounty` (`county`, `startedAt`). */
  public readonly ledger: dynamodb.Table;
  /** One managed policy per county of `props.counties`, by county name. */
  public readonly countyPolicies: Readonly<Record<string, iam.ManagedPolicy>>;

  constructor(scope: Construct, id: string, props: ClearanceStorageProps = {}) {
    super(scope, id);

    if (props.existingKey && props.keyProps) {
      throw new Error('existingKey and keyProps are mutually exclusive: pass one or the other');
    }
    if (props.keyProps?.enableKeyRotation === false) {
      throw new Error('keyProps.enableKeyRotation must not be false: the customer key always rotates');
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retention = retentionDays(props);
    const counties = checkedCounties(props.counties ?? []);

    if (!FeatureFlags.of(this).isEnabled(SERVER_ACCESS_LOGS_BUCKET_POLICY_FLAG)) {
      throw new Error(
        `feature flag ${SERVER_ACCESS_LOGS_BUCKET_POLICY_FLAG} must be true: access logs are delivered through a bucket policy, as ACLs are disabled`,
      );
    }

    this.key = props.existingKey ?? this.createKey(props.keyProps, removalPolicy);
    this.accessLogBucket = this.createAccessLogBucket(retention, removalPolicy);
    this.dataBucket = this.createDataBucket(retention, removalPolicy);
    this.denyOtherEncryption();
    this.countyPolicies = Object.fromEntries(counties.map((county) => [county, this.countyPolicy(county)]));
    this.ledger = this.createLedger(removalPolicy);
  }

  private createAccessLogBucket(retention: RetentionDays, removalPolicy: RemovalPolicy): s3.Bucket {
    const { accessLogDays, abortDays } = retention;
    const bucket = new s3.Bucket(this, 'AccessLogBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        {
          id: 'ExpireAccessLogs',
          expiration: Duration.days(accessLogDays),
          abortIncompleteMultipartUploadAfter: Duration.days(abortDays),
        },
      ],
      removalPolicy,
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop and a third bucket adds nothing.',
    });
    return bucket;
  }

  /** The data bucket: versioned, the stack's key, one lifecycle rule per area, EventBridge notifications. */
  private createDataBucket(retention: RetentionDays, removalPolicy: RemovalPolicy): s3.Bucket {
    const { rawRetentionDays, workRetentionDays, resultsDays, reportsDays, noncurrentDays, abortDays } = retention;
    const bucket = new s3.Bucket(this, 'DataBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      // One data key per bucket instead of per object: far fewer KMS calls for the many small run files.
      bucketKeyEnabled: true,
      versioned: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'data-bucket/',
      lifecycleRules: [
        {
          id: 'ExpireRawUploads',
          prefix: DataPrefix.incoming,
          expiration: Duration.days(rawRetentionDays),
          noncurrentVersionExpiration: Duration.days(rawRetentionDays),
        },
        {
          id: 'ExpireWorkArea',
          prefix: DataPrefix.runs,
          expiration: Duration.days(workRetentionDays),
          noncurrentVersionExpiration: Duration.days(workRetentionDays),
        },
        {
          id: 'ExpireResults',
          prefix: DataPrefix.results,
          expiration: Duration.days(resultsDays),
          noncurrentVersionExpiration: Duration.days(Math.min(resultsDays, noncurrentDays)),
        },
        {
          id: 'ExpireReports',
          prefix: DataPrefix.reports,
          expiration: Duration.days(reportsDays),
          noncurrentVersionExpiration: Duration.days(Math.min(reportsDays, noncurrentDays)),
        },
        {
          id: 'CleanUpVersionsAndUploads',
          noncurrentVersionExpiration: Duration.days(noncurrentDays),
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(abortDays),
        },
      ],
      removalPolicy,
    });
    // EventBridge delivery set on the CloudFormation resource itself: the L2 `eventBridgeEnabled`
    // flag goes through a custom-resource Lambda (its own runtime and role) to do the same thing.
    const cfnDataBucket = bucket.node.defaultChild as s3.CfnBucket;
    cfnDataBucket.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    return bucket;
  }

  private createLedger(removalPolicy: RemovalPolicy): dynamodb.Table {
    const ledger = new dynamodb.Table(this, 'Ledger', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      removalPolicy,
    });
    ledger.addGlobalSecondaryIndex({
      indexName: LEDGER_COUNTY_INDEX,
      partitionKey: { name: 'county', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'startedAt', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    return ledger;
  }

  /**
   * Denies a PUT (PutObject, CopyObject, CreateMultipartUpload) that asks for another encryption than the stack's
   * key: another algorithm (SSE-S3, DSSE), another KMS key, or a customer-provided key. A PUT that names none gets the
   * bucket's default, the stack's key.
   */
  private denyOtherEncryption(): void {
    const objects = this.dataBucket.arnForObjects('*');
    const deny = (sid: string, conditions: Record<string, Record<string, unknown>>) =>
      this.dataBucket.addToResourcePolicy(
        new iam.PolicyStatement({ sid, effect: iam.Effect.DENY, principals: [new iam.AnyPrincipal()], actions: ['s3:PutObject'], resources: [objects], conditions }),
      );
    deny('DenyOtherEncryptionAlgorithm', {
      Null: { 's3:x-amz-server-side-encryption': 'false' },
      StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
    });
    deny('DenyOtherEncryptionKey', {
      Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
      StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': this.key.keyArn },
    });
    deny('DenyCustomerProvidedKeys', { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } });
  }

  /** The managed policy of one county's staff (ClearanceStorageProps.counties). */
  private countyPolicy(county: string): iam.ManagedPolicy {
    const bucket = this.dataBucket;
    const readable = [`${DataPrefix.results}${county}/`, `${DataPrefix.reports}${county}/`];
    const objects = [...readable.map((prefix) => bucket.arnForObjects(`${prefix}*`))];
    const uploads = bucket.arnForObjects(`${DataPrefix.incoming}${county}/*`);
    const policy = new iam.ManagedPolicy(this, `County${constructIdOf(county)}`, {
      description: `record-clearance: ${county} county staff: its own results, reports and uploads only`,
      statements: [
        new iam.PolicyStatement({ sid: 'ReadOwnResultsAndReports', actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: objects }),
        new iam.PolicyStatement({
          sid: 'ListOwnResultsAndReports',
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': readable.map((prefix) => `${prefix}*`) } },
        }),
        new iam.PolicyStatement({ sid: 'UploadOwnExtracts', actions: ['s3:PutObject'], resources: [uploads] }),
        new iam.PolicyStatement({
          sid: 'UseTheKeyThroughS3',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [this.key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
        }),
      ],
    });
    acknowledgeWildcardResources(
      policy,
      [...objects, uploads],
      `Objects under this county's own prefixes only (results/${county}/, reports/${county}/, incoming/${county}/): the run ids and file names are not known in advance.`,
    );
    return policy;
  }

  private createKey(keyProps: kms.KeyProps | undefined, removalPolicy: RemovalPolicy): kms.Key {
    const key = new kms.Key(this, 'Key', {
      description: 'record-clearance: data bucket, run ledger, log groups and alarm topic',
      removalPolicy,
      ...keyProps,
      enableKeyRotation: true,
    });
    const stack = Stack.of(this);
    // Encrypted log groups: CloudWatch Logs uses the key on behalf of this stack's log groups only. They keep the
    // names CloudFormation generates, which begin with the stack name (`<stack>-<logical id>-<suffix>`).
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsOfThisStack',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: `${stack.stackName}-*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    // Alarm actions publish to the KMS-encrypted topic with CloudWatch's identity: for this stack's alarms only.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: stackAlarmConditions(this),
      }),
    );
    return key;
  }
}

/** A lifecycle duration as whole days (S3 counts lifecycle in days), rejecting anything below one. */
function wholeDays(name: string, duration: Duration): number {
  const days = duration.toSeconds() / 86_400;
  if (!Number.isInteger(days) || days < 1) {
    throw new Error(`${name} must be a whole number of days, at least 1, got ${duration.toHumanString()}`);
  }
  return days;
}

/** The counties given, each one of the 58 and given once. */
function checkedCounties(counties: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const county of counties) {
    if (!CALIFORNIA_COUNTIES.includes(county)) {
      throw new Error(`counties: ${JSON.stringify(county)} is not a California county as STP_ORI_CNTY_NAME writes it (e.g. "LOS ANGELES")`);
    }
    if (seen.has(county)) throw new Error(`counties: ${JSON.stringify(county)} is given twice`);
    seen.add(county);
  }
  return [...seen];
}

/** `LOS ANGELES` → `LosAngeles`: a county's construct id (stable, PascalCase). */
function constructIdOf(county: string): string {
  return county
    .split(' ')
    .map((word) => word.charAt(0) + word.slice(1).toLowerCase())
    .join('');
}
