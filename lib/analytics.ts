import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  ANALYTICS_PARTITION_KEYS, ANALYTICS_TABLES, AnalyticsColumn, AnalyticsTable, COUNTY_PARTITION_VALUES, LATEST_TABLE,
} from '../lambdas/domain/analytics/columns';
import { STATEWIDE_REPORTS_PREFIX } from '../lambdas/domain/analytics/rollup-output';
import { ClearanceFunction } from './clearance-function';
import { acknowledgeWildcardResources } from './nag';
import { RUN_EVENT_SOURCE, RUN_SUCCEEDED } from './run-events';
import { DataPrefix } from './storage';

/** The first day a Prop 64 run can describe: the run_date projection starts there. */
const PROJECTION_START = '2016-11-09';
/** Days Athena query results are kept. */
export const ATHENA_RESULTS_DAYS = 7;

export interface ClearanceAnalyticsProps {
  /** The data bucket (a Bucket: the construct adds the query results' lifecycle rule). */
  readonly dataBucket: s3.Bucket;
  readonly encryptionKey: kms.IKey;
  /**
   * Glue database name (unique per account and region).
   *
   * @default - the stack name in lower case, other characters than letters and digits as `_`, then `_analytics`
   */
  readonly databaseName?: string;
  /**
   * Athena workgroup name (unique per account and region).
   *
   * @default - `<stack name>-analytics`
   */
  readonly workGroupName?: string;
  /**
   * Most bytes one query may scan: a runaway query stops there.
   *
   * @default 10 GiB
   */
  readonly bytesScannedCutoffPerQuery?: number;
  /** Retention of the rollup function's log group. @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * Downstream reporting (docs/analytics.md): Glue tables over `analytics/` generated from the column definitions the
 * writer uses (partition projection, no crawler), an Athena workgroup whose results are encrypted with the stack's
 * key, and the analysts' reader policy: reports/ and analytics/ only, never results/. The `rollup` function, started by
 * each `Clearance Run Succeeded` event, writes the statewide roll-up of analytics/ to reports/statewide/.
 */
export class ClearanceAnalytics extends Construct {
  public readonly database: glue.CfnDatabase;
  public readonly databaseName: string;
  /** Glue tables by analytics table name. */
  public readonly tables: Readonly<Record<string, glue.CfnTable>>;
  public readonly workGroup: athena.CfnWorkGroup;
  /** Attach to the analysts' role or group. */
  public readonly readerPolicy: iam.ManagedPolicy;
  /** Writes reports/statewide/ from analytics/ (lambdas/rollup/handler.ts). */
  public readonly rollupFunction: ClearanceFunction;
  /** Starts the rollup function on each run's success event. */
  public readonly rollupRule: events.Rule;

  constructor(scope: Construct, id: string, props: ClearanceAnalyticsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const bucket = props.dataBucket;
    const databaseName = props.databaseName ?? `${stack.stackName.toLowerCase().replace(/[^a-z0-9]/g, '_')}_analytics`;
    this.databaseName = databaseName;

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: { name: databaseName, description: 'record-clearance: aggregates of every successful run, no personal data (docs/analytics.md)' },
    });
    this.tables = Object.fromEntries(ANALYTICS_TABLES.map((table) => [table.name, this.glueTable(table, bucket, databaseName)]));

    const resultsPrefix = DataPrefix.athenaResults;
    // Query results are copies of what the tables hold: kept a week, for re-downloads.
    bucket.addLifecycleRule({
      id: 'ExpireAthenaResults',
      prefix: resultsPrefix,
      expiration: Duration.days(ATHENA_RESULTS_DAYS),
      noncurrentVersionExpiration: Duration.days(ATHENA_RESULTS_DAYS),
    });
    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workGroupName ?? `${stack.stackName}-analytics`,
      description: `record-clearance analysts: queries over ${databaseName}, results encrypted with the stack key`,
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        // A query cannot choose another result location or encryption.
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery ?? 10 * 1024 ** 3,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${bucket.bucketName}/${resultsPrefix}`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.encryptionKey.keyArn },
          expectedBucketOwner: stack.account,
        },
      },
    });

    this.readerPolicy = this.analystPolicy(bucket, props.encryptionKey, databaseName);
    this.rollupFunction = this.rollup(bucket, props);
    this.rollupRule = new events.Rule(this, 'RollupOnRunSucceeded', {
      description: 'Writes the statewide roll-up (reports/statewide/) after each successful record-clearance run',
      eventPattern: { source: [RUN_EVENT_SOURCE], detailType: [RUN_SUCCEEDED] },
    });
    this.rollupRule.addTarget(new targets.LambdaFunction(this.rollupFunction.function, { retryAttempts: 2, maxEventAge: Duration.hours(1) }));
  }

  /** The rollup function, reading analytics/ and writing reports/statewide/ only. */
  private rollup(bucket: s3.IBucket, props: ClearanceAnalyticsProps): ClearanceFunction {
    const fn = new ClearanceFunction(this, 'RollupFunction', {
      phase: 'rollup',
      encryptionKey: props.encryptionKey,
      environment: { DATA_BUCKET: bucket.bucketName },
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    const analyticsObjects = bucket.arnForObjects(`${DataPrefix.analytics}*`);
    const statewideObjects = bucket.arnForObjects(`${STATEWIDE_REPORTS_PREFIX}*`);
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [analyticsObjects] }));
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${DataPrefix.analytics}*`] } } }),
    );
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [statewideObjects] }));
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    acknowledgeWildcardResources(
      fn.role,
      [analyticsObjects, statewideObjects],
      'The roll-up reads every county\'s runs under analytics/ (aggregates, no personal data) and writes the three files of reports/statewide/, and nothing else.',
    );
    return fn;
  }

  private glueTable(table: AnalyticsTable, bucket: s3.IBucket, databaseName: string): glue.CfnTable {
    const location = `s3://${bucket.bucketName}/${DataPrefix.analytics}${table.name}/`;
    // latest/ has one object per county: partitioned by county only.
    const partitionKeys = table === LATEST_TABLE ? ANALYTICS_PARTITION_KEYS.filter((key) => key.name === 'county') : ANALYTICS_PARTITION_KEYS;
    const template = `${location}${partitionKeys.map((key) => `${key.name}=\${${key.name}}`).join('/')}/`;
    const projection: Record<string, string> = {
      'projection.enabled': 'true',
      'projection.county.type': 'enum',
      'projection.county.values': COUNTY_PARTITION_VALUES.join(','),
      'storage.location.template': template,
    };
    if (partitionKeys.some((key) => key.name === 'run_date')) {
      Object.assign(projection, {
        'projection.run_date.type': 'date',
        'projection.run_date.format': 'yyyy-MM-dd',
        'projection.run_date.range': `${PROJECTION_START},NOW`,
        'projection.run_date.interval': '1',
        'projection.run_date.interval.unit': 'DAYS',
      });
    }
    const glueColumn = (column: AnalyticsColumn): glue.CfnTable.ColumnProperty => ({ name: column.name, type: column.type, comment: column.comment });
    const resource = new glue.CfnTable(this, `Table${table.name.charAt(0).toUpperCase()}${table.name.slice(1)}`, {
      catalogId: Stack.of(this).account,
      databaseName,
      tableInput: {
        name: table.name,
        description: table.description,
        tableType: 'EXTERNAL_TABLE',
        parameters: { classification: 'json', EXTERNAL: 'TRUE', ...projection },
        partitionKeys: partitionKeys.map(glueColumn),
        storageDescriptor: {
          location,
          columns: table.columns.map(glueColumn),
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
        },
      },
    });
    resource.node.addDependency(this.database);
    return resource;
  }

  private analystPolicy(bucket: s3.IBucket, key: kms.IKey, databaseName: string): iam.ManagedPolicy {
    const stack = Stack.of(this);
    const readable = [DataPrefix.reports, DataPrefix.analytics];
    const readObjects = readable.map((prefix) => bucket.arnForObjects(`${prefix}*`));
    const queryResults = bucket.arnForObjects(`${DataPrefix.athenaResults}*`);
    const glueArn = (resource: string, name: string) => stack.formatArn({ service: 'glue', resource, resourceName: name });
    const catalog = stack.formatArn({ service: 'glue', resource: 'catalog' });
    const tables = glueArn('table', `${databaseName}/*`);
    const workGroupArn = stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroup.ref });
    const policy = new iam.ManagedPolicy(this, 'AnalystReaderPolicy', {
      description: `record-clearance analysts: Athena over ${databaseName}, and reports/ and analytics/ only (never results/)`,
      statements: [
        new iam.PolicyStatement({ sid: 'ReadReportsAndAnalytics', actions: ['s3:GetObject'], resources: readObjects }),
        new iam.PolicyStatement({
          sid: 'ListReportsAnalyticsAndQueryResults',
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [...readable, DataPrefix.athenaResults].map((prefix) => `${prefix}*`) } },
        }),
        new iam.PolicyStatement({ sid: 'LocateTheBucket', actions: ['s3:GetBucketLocation'], resources: [bucket.bucketArn] }),
        new iam.PolicyStatement({
          sid: 'WriteAndReadQueryResults',
          actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
          resources: [queryResults],
        }),
        new iam.PolicyStatement({
          sid: 'QueryInTheWorkGroup',
          actions: [
            'athena:StartQueryExecution', 'athena:StopQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults',
            'athena:GetQueryRuntimeStatistics', 'athena:BatchGetQueryExecution', 'athena:ListQueryExecutions', 'athena:GetWorkGroup',
          ],
          resources: [workGroupArn],
        }),
        new iam.PolicyStatement({
          sid: 'ReadTheAnalyticsCatalogue',
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
          resources: [catalog, glueArn('database', databaseName), tables],
        }),
        new iam.PolicyStatement({
          sid: 'UseTheKeyThroughS3',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
        }),
      ],
    });
    acknowledgeWildcardResources(
      policy,
      [...readObjects, queryResults],
      'Objects under reports/ and analytics/ (aggregates, no personal data) and the workgroup query results: run ids and query ids are not known in advance.',
    );
    acknowledgeWildcardResources(policy, [tables], 'Every table of the analytics database, and only those: analysts read them all.');
    return policy;
  }
}
