/**
 * The analytics construct (lib/analytics.ts): Glue tables generated from the column definitions
 * (columns, partition projection, locations), the Athena workgroup's encryption, the analyst reader policy's reach,
 * and the writer's rows against the tables' columns (drift).
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ClearanceAnalytics } from '../../lib/analytics';
import { ANALYTICS_PARTITION_KEYS, ANALYTICS_TABLES, COUNTY_PARTITION_VALUES, LATEST_TABLE } from '../../lambdas/domain/analytics/columns';
import { generateExtract } from '../../tools/generator';
import { readText } from '../../lambdas/domain/pipeline/object-store';
import { runInProcess } from '../../lambdas/domain/pipeline/run';
import { MemoryObjectStore } from '../helpers/memory-store';
import { allows, canonicalArnOf, canonicalArns, CfnTemplate, logicalId, resolve, resolveString, roleStatements, Statement, TEST_ENV, testApp } from './template-helpers';
import { STATEWIDE_REPORTS_PREFIX } from '../../lambdas/domain/analytics/rollup-output';
import { RUN_EVENT_SOURCE, RUN_SUCCEEDED } from '../../lib/run-events';

// The construct on a bucket and key of its own: the whole stack's wiring (Assemble's access to analytics/, cdk-nag)
// is tested with the stack, in workflow.test.ts and clearance-stack.test.ts.
const stack = new Stack(testApp(), 'AnalyticsTest', { env: TEST_ENV });
const key = new kms.Key(stack, 'Key');
const dataBucket = new s3.Bucket(stack, 'Data', { encryption: s3.BucketEncryption.KMS, encryptionKey: key });
const analytics = new ClearanceAnalytics(stack, 'Analytics', { dataBucket, encryptionKey: key });
const json = Template.fromStack(stack).toJSON() as CfnTemplate;
const bucketArn = canonicalArnOf(json, dataBucket);
const bucketName = resolveString({ Ref: logicalId(dataBucket) });

interface GlueColumn {
  Name: string;
  Type: string;
  Comment?: string;
}
interface GlueTableInput {
  Name: string;
  TableType: string;
  Parameters: Record<string, string>;
  PartitionKeys: GlueColumn[];
  StorageDescriptor: { Location: string; Columns: GlueColumn[]; SerdeInfo: { SerializationLibrary: string } };
}

function glueTables(template: CfnTemplate): Map<string, GlueTableInput> {
  const tables = new Map<string, GlueTableInput>();
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Glue::Table') continue;
    const input = resolve(resource.Properties?.TableInput) as GlueTableInput;
    tables.set(input.Name, input);
  }
  return tables;
}

function policyStatements(template: CfnTemplate, policyId: string): Statement[] {
  const document = template.Resources[policyId].Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> };
  const list = (value: unknown) => (Array.isArray(value) ? value : [value]);
  return document.Statement.map((s) => ({
    effect: s.Effect as string,
    actions: list(s.Action) as string[],
    resources: list(s.Resource).map((r) => canonicalArns(template, resolveString(r))),
    condition: s.Condition,
  })) as Statement[];
}

const tables = glueTables(json);

test('one Glue table per analytics table, in the stack database, with the definitions\' columns and types', () => {
  expect([...tables.keys()].sort()).toEqual(ANALYTICS_TABLES.map((t) => t.name).sort());
  const databases = Object.values(json.Resources).filter((r) => r.Type === 'AWS::Glue::Database');
  expect(databases).toHaveLength(1);
  expect((databases[0].Properties?.DatabaseInput as { Name: string }).Name).toBe(analytics.databaseName);
  for (const table of ANALYTICS_TABLES) {
    const glue = tables.get(table.name)!;
    expect(glue.TableType).toBe('EXTERNAL_TABLE');
    expect(glue.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
    expect(glue.StorageDescriptor.Columns.map((c) => [c.Name, c.Type])).toEqual(table.columns.map((c) => [c.name, c.type]));
    // A partition key never doubles as a column (Athena refuses it).
    const columnNames = new Set(glue.StorageDescriptor.Columns.map((c) => c.Name));
    expect(glue.PartitionKeys.filter((key) => columnNames.has(key.Name))).toEqual([]);
  }
});

test('partition projection over analytics/<table>/county=<slug>/run_date=<date>/: no crawler, every county, dates since Prop 64', () => {
  expect(Object.values(json.Resources).filter((r) => r.Type === 'AWS::Glue::Crawler')).toEqual([]);
  for (const table of ANALYTICS_TABLES) {
    const glue = tables.get(table.name)!;
    const location = `s3://${bucketName}/analytics/${table.name}/`;
    expect(glue.StorageDescriptor.Location).toBe(location);
    expect(glue.Parameters['projection.enabled']).toBe('true');
    expect(glue.Parameters['projection.county.type']).toBe('enum');
    expect(glue.Parameters['projection.county.values'].split(',')).toEqual([...COUNTY_PARTITION_VALUES]);
    expect(COUNTY_PARTITION_VALUES).toContain('san_luis_obispo');
    if (table === LATEST_TABLE) {
      expect(glue.PartitionKeys.map((k) => k.Name)).toEqual(['county']);
      expect(glue.Parameters['storage.location.template']).toBe(`${location}county=\${county}/`);
    } else {
      expect(glue.PartitionKeys.map((k) => [k.Name, k.Type])).toEqual(ANALYTICS_PARTITION_KEYS.map((k) => [k.name, k.type]));
      expect(glue.Parameters['storage.location.template']).toBe(`${location}county=\${county}/run_date=\${run_date}/`);
      expect(glue.Parameters).toMatchObject({
        'projection.run_date.type': 'date',
        'projection.run_date.format': 'yyyy-MM-dd',
        'projection.run_date.range': '2016-11-09,NOW',
      });
    }
  }
});

test('the Athena workgroup writes its results under athena-results/ encrypted with the stack key, and queries cannot override it', () => {
  const workGroup = json.Resources[logicalId(analytics.workGroup)];
  const configuration = resolve(workGroup.Properties?.WorkGroupConfiguration) as Record<string, unknown>;
  expect(configuration).toMatchObject({
    EnforceWorkGroupConfiguration: true,
    ResultConfiguration: {
      OutputLocation: `s3://${bucketName}/athena-results/`,
      EncryptionConfiguration: { EncryptionOption: 'SSE_KMS' },
    },
  });
  const kmsKey = (configuration.ResultConfiguration as { EncryptionConfiguration: { KmsKey: unknown } }).EncryptionConfiguration.KmsKey;
  expect(resolveString(kmsKey)).toBe(resolveString({ 'Fn::GetAtt': [logicalId(key), 'Arn'] }));
  const rules = (json.Resources[logicalId(dataBucket)].Properties?.LifecycleConfiguration as { Rules: Array<{ Prefix?: string; ExpirationInDays?: number }> }).Rules;
  expect(rules.find((r) => r.Prefix === 'athena-results/')).toMatchObject({ ExpirationInDays: 7 });
});

describe('the analyst reader policy', () => {
  const statements = policyStatements(json, logicalId(analytics.readerPolicy));
  const object = (prefix: string) => `${bucketArn}/${prefix}LOS ANGELES/run-1/file`;

  test('reads reports/ and analytics/, never results/, incoming/, policies/, reviews/ or the work area', () => {
    const reach = ['reports/', 'analytics/', 'results/', 'incoming/', 'policies/', 'runs/', 'reviews/'].map((prefix) => [prefix, allows(statements, 's3:GetObject', object(prefix))]);
    expect(reach).toEqual([
      ['reports/', true], ['analytics/', true], ['results/', false], ['incoming/', false], ['policies/', false], ['runs/', false], ['reviews/', false],
    ]);
    const listing = statements.find((s) => s.actions.includes('s3:ListBucket'))!;
    expect(listing.condition).toEqual({ StringLike: { 's3:prefix': ['reports/*', 'analytics/*', 'athena-results/*'] } });
  });

  test('writes only its query results, and changes nothing else', () => {
    for (const prefix of ['reports/', 'analytics/', 'results/', 'incoming/', 'runs/']) {
      for (const action of ['s3:PutObject', 's3:DeleteObject']) expect([prefix, action, allows(statements, action, object(prefix))]).toEqual([prefix, action, false]);
    }
    expect(allows(statements, 's3:PutObject', `${bucketArn}/athena-results/abc.csv`)).toBe(true);
    expect(statements.flatMap((s) => s.actions).filter((a) => /^(glue|athena):(Create|Delete|Update|Batch(Create|Delete))/.test(a) || a.endsWith('*'))).toEqual([]);
  });

  test('queries in its workgroup only, reads the analytics catalogue only, uses the key only through S3', () => {
    const athena = statements.filter((s) => s.actions.some((a) => a.startsWith('athena:')));
    expect(athena.flatMap((s) => s.resources)).toEqual([`arn:aws:athena:${TEST_ENV.region}:${TEST_ENV.account}:workgroup/${resolveString({ Ref: logicalId(analytics.workGroup) })}`]);
    const glue = statements.filter((s) => s.actions.some((a) => a.startsWith('glue:')));
    expect(glue.flatMap((s) => s.resources).sort()).toEqual(
      [
        `arn:aws:glue:${TEST_ENV.region}:${TEST_ENV.account}:catalog`,
        `arn:aws:glue:${TEST_ENV.region}:${TEST_ENV.account}:database/${analytics.databaseName}`,
        `arn:aws:glue:${TEST_ENV.region}:${TEST_ENV.account}:table/${analytics.databaseName}/*`,
      ].sort(),
    );
    const kms = statements.filter((s) => s.actions.some((a) => a.startsWith('kms:')));
    expect(kms).toHaveLength(1);
    expect(kms[0].condition).toEqual({ StringEquals: { 'kms:ViaService': `s3.${TEST_ENV.region}.amazonaws.com` } });
  });
});

describe('the statewide roll-up', () => {
  const statements = roleStatements(json, logicalId(analytics.rollupFunction.role));
  const object = (prefix: string) => `${bucketArn}/${prefix}LOS ANGELES/run-1/file`;

  test('a rule runs the rollup function on each Clearance Run Succeeded event, nothing else', () => {
    const rule = json.Resources[logicalId(analytics.rollupRule)].Properties as Record<string, unknown>;
    expect(rule.EventPattern).toEqual({ source: [RUN_EVENT_SOURCE], 'detail-type': [RUN_SUCCEEDED] });
    expect(rule.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [logicalId(analytics.rollupFunction.function), 'Arn'] } })]);
    const env = (json.Resources[logicalId(analytics.rollupFunction.function)].Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(resolveString(env.DATA_BUCKET)).toBe(bucketName);
    expect(resolve(env.CLEARANCE_PHASE)).toBe('rollup');
  });

  test('its function reads analytics/ only, writes reports/statewide/ only, never results/, and uses the key only through S3', () => {
    const reach = ['analytics/', 'reports/', 'results/', 'incoming/', 'runs/', 'reviews/'].map((prefix) => [prefix, allows(statements, 's3:GetObject', object(prefix))]);
    expect(reach).toEqual([['analytics/', true], ['reports/', false], ['results/', false], ['incoming/', false], ['runs/', false], ['reviews/', false]]);
    for (const prefix of ['analytics/', 'reports/', 'reports/LOS ANGELES/', 'results/', 'reports/statewidex/']) {
      expect([prefix, allows(statements, 's3:PutObject', `${bucketArn}/${prefix}summary.json`)]).toEqual([prefix, false]);
    }
    expect(allows(statements, 's3:PutObject', `${bucketArn}/${STATEWIDE_REPORTS_PREFIX}summary.json`)).toBe(true);
    expect(statements.flatMap((s) => s.actions).filter((a) => a.startsWith('s3:') && !['s3:GetObject', 's3:ListBucket', 's3:PutObject', 's3:AbortMultipartUpload'].includes(a))).toEqual([]);
    expect(statements.find((s) => s.actions.includes('s3:ListBucket'))!.condition).toEqual({ StringLike: { 's3:prefix': ['analytics/*'] } });
    expect(statements.some((s) => s.actions.some((a) => a.startsWith('dynamodb:')))).toBe(false);
    const kms = statements.filter((s) => s.actions.some((a) => a.startsWith('kms:')));
    expect(kms).toHaveLength(1);
    expect(kms[0].condition).toEqual({ StringEquals: { 'kms:ViaService': `s3.${TEST_ENV.region}.amazonaws.com` } });
  });
});

test('drift: the rows the writer publishes have exactly the Glue tables\' columns, in order, with values of their types', async () => {
  const store = new MemoryObjectStore();
  await store.write('in.csv', [Array.from(generateExtract({ county: 'SAN LUIS OBISPO', people: 60, seed: 9 })).join('')]);
  await runInProcess(store, {
    runId: 'run-drift',
    county: 'SAN LUIS OBISPO',
    policy: 'reference-default',
    computeAt: '2025-03-01',
    files: [{ key: 'in.csv', name: 'in.csv' }],
    workPrefix: 'work/',
    resultsPrefix: 'out/results/',
    reportsPrefix: 'out/reports/',
  });
  const keys = await store.list('analytics/');
  expect(keys.map((key) => key.replace(/run_date=\d{4}-\d{2}-\d{2}/, 'run_date=D'))).toEqual([
    'analytics/determinations/county=san_luis_obispo/run_date=D/run-drift.jsonl',
    'analytics/latest/county=san_luis_obispo/latest.jsonl',
    'analytics/runs/county=san_luis_obispo/run_date=D/run-drift.jsonl',
    'analytics/statistics/county=san_luis_obispo/run_date=D/run-drift.jsonl',
  ]);
  const matches: Record<string, (value: unknown) => boolean> = {
    string: (v) => typeof v === 'string',
    bigint: (v) => Number.isSafeInteger(v),
    boolean: (v) => typeof v === 'boolean',
    date: (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v),
  };
  for (const key of keys) {
    const glue = tables.get(key.split('/')[1])!;
    const rows = (await readText(store, key)).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect([key, Object.keys(row)]).toEqual([key, glue.StorageDescriptor.Columns.map((c) => c.Name)]);
      for (const column of glue.StorageDescriptor.Columns) {
        const value = row[column.Name];
        if (value !== null) expect([key, column.Name, matches[column.Type](value)]).toEqual([key, column.Name, true]);
      }
    }
    // Every partition key is in the path, and no column of the row.
    for (const partition of glue.PartitionKeys) expect(key).toContain(`/${partition.Name}=`);
  }
});
