/**
 * Synthesized CloudFormation template → local resources. Intrinsics are resolved to local names so the same
 * template drives AWS and the embedded runtime; nothing here keeps its own list of the stack's resources.
 *
 * Local naming: bucket = logical ID lower-cased and sanitised; table = logical ID; Lambda function name = logical ID
 * (ARN arn:aws:lambda:us-east-1:000000000000:function:<logicalId>); state machine name = logical ID.
 */
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  type AttributeDefinition,
  type BillingMode,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './stand-ins';
import { hasErrorName } from '../lambdas/domain/errors';

export interface CloudFormationTemplate {
  Resources?: Record<string, CloudFormationResource>;
  Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  [other: string]: unknown;
}

export interface CloudFormationResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  [other: string]: unknown;
}

export interface LocalBucket {
  readonly logicalId: string;
  readonly name: string;
  /** True when the template turns on S3 → EventBridge delivery (bucket property or CDK's Custom::S3BucketNotifications). */
  readonly eventBridgeEnabled: boolean;
}

export interface LocalTable {
  readonly logicalId: string;
  readonly name: string;
  readonly keySchema: KeySchemaElement[];
  readonly attributeDefinitions: AttributeDefinition[];
  readonly globalSecondaryIndexes: GlobalSecondaryIndex[];
  readonly localSecondaryIndexes: LocalSecondaryIndex[];
  readonly billingMode: BillingMode;
}

export interface LocalFunction {
  readonly logicalId: string;
  readonly functionName: string;
  readonly arn: string;
  /** Environment.Variables with every intrinsic resolved. */
  readonly environment: Record<string, string>;
  /** Lambda Timeout (default 3 s, as in CloudFormation). */
  readonly timeoutSeconds: number;
  /** MemorySize (default 128 MB). */
  readonly memoryMb: number;
  /** Environment CLEARANCE_PHASE: selects dist/lambdas/<phase>/handler.js locally. Absent on CDK helper functions. */
  readonly phase?: string;
}

export interface LocalStateMachine {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  /** Plain ASL with every intrinsic and DefinitionSubstitution resolved. */
  readonly definition: Record<string, unknown>;
}

export interface LocalRuleTarget {
  readonly id: string;
  readonly arn: string;
  /** Set when the target is a state machine of this template. */
  readonly stateMachineLogicalId?: string;
  /** Target Input (constant JSON) replacing the event, if set. */
  readonly input?: unknown;
  /** Target InputPath, if set. */
  readonly inputPath?: string;
}

export interface LocalRule {
  readonly logicalId: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly eventPattern?: Record<string, unknown>;
  readonly targets: LocalRuleTarget[];
}

export interface LocalTemplate {
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  readonly stackName: string;
  readonly buckets: Record<string, LocalBucket>;
  readonly tables: Record<string, LocalTable>;
  readonly functions: Record<string, LocalFunction>;
  readonly stateMachines: Record<string, LocalStateMachine>;
  readonly rules: Record<string, LocalRule>;
  /** Resolve any template value (intrinsics, pseudo parameters) to its local value. */
  resolve(value: unknown, where?: string): unknown;
  /** Look a function up by name, full or partial ARN (a version/alias qualifier is ignored). */
  findFunction(nameOrArn: string): LocalFunction | undefined;
}

export interface LoadTemplateOptions {
  /** AWS::StackName (default "local"). */
  readonly stackName?: string;
  /** Values for template Parameters without a usable Default. */
  readonly parameters?: Record<string, unknown>;
}

export class TemplateResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateResolutionError';
  }
}

const PARTITION = 'aws';
const URL_SUFFIX = 'amazonaws.com';
const NO_VALUE = Symbol('AWS::NoValue');

/** A valid S3 bucket name derived from a logical ID: lower-case, [a-z0-9.-], 3–63 chars, alphanumeric ends. */
export function localBucketName(logicalId: string): string {
  let name = logicalId.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/\.{2,}/g, '.');
  name = name.replace(/^[^a-z0-9]+/, '').replace(/[^a-z0-9]+$/, '');
  if (name.length > 63) name = name.slice(0, 63).replace(/[^a-z0-9]+$/, '');
  while (name.length < 3) name += '0';
  return name;
}

export function loadTemplate(template: CloudFormationTemplate, options: LoadTemplateOptions = {}): LocalTemplate {
  if (!template || typeof template !== 'object' || !template.Resources || typeof template.Resources !== 'object') {
    throw new TemplateResolutionError('template has no Resources object: pass the synthesized CloudFormation template');
  }
  const resources = template.Resources;
  const region = LOCAL_REGION;
  const accountId = LOCAL_ACCOUNT_ID;
  const stackName = options.stackName ?? 'local';
  const context: ResolveContext = {
    template,
    resources,
    region,
    accountId,
    stackName,
    parameters: options.parameters ?? {},
    conditionCache: new Map(),
  };
  const resolve = (value: unknown, where = 'template'): unknown => {
    const resolved = resolveValue(context, value, where);
    return resolved === NO_VALUE ? undefined : resolved;
  };

  const { buckets, tables, functions, stateMachines, rules } = readResources(context, resolve);

  const functionsByName = new Map(Object.values(functions).map((fn) => [fn.functionName, fn]));
  return {
    region,
    accountId,
    partition: PARTITION,
    stackName,
    buckets,
    tables,
    functions,
    stateMachines,
    rules,
    resolve,
    findFunction(nameOrArn: string) {
      return functionsByName.get(functionNameFromReference(nameOrArn));
    },
  };
}

/** The template's resources that the local runtime stands in for, by kind (conditions applied). */
function readResources(context: ResolveContext, resolve: Resolve) {
  const buckets: Record<string, LocalBucket> = {};
  const tables: Record<string, LocalTable> = {};
  const functions: Record<string, LocalFunction> = {};
  const stateMachines: Record<string, LocalStateMachine> = {};
  const rules: Record<string, LocalRule> = {};
  const eventBridgeBuckets = new Set<string>();
  const bucketNames = new Map<string, string>();

  for (const [logicalId, resource] of Object.entries(context.resources)) {
    if (!isResourceIncluded(context, logicalId, resource)) continue;
    const properties = resource.Properties ?? {};
    const where = `${logicalId} (${resource.Type})`;
    switch (resource.Type) {
      case 'AWS::S3::Bucket':
        buckets[logicalId] = readBucket(logicalId, properties, resolve, where, bucketNames, eventBridgeBuckets);
        break;
      case 'Custom::S3BucketNotifications': {
        // CDK's `eventBridgeEnabled: true` is applied by this custom resource, not by the bucket's own properties.
        const configuration = properties.NotificationConfiguration as Record<string, unknown> | undefined;
        const bucketRef = properties.BucketName as { Ref?: string } | undefined;
        if (configuration && 'EventBridgeConfiguration' in configuration && bucketRef?.Ref) {
          eventBridgeBuckets.add(bucketRef.Ref);
        }
        break;
      }
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        tables[logicalId] = readTable(logicalId, properties, resolve, where);
        break;
      case 'AWS::Lambda::Function':
        functions[logicalId] = readFunction(context, logicalId, properties, resolve, where);
        break;
      case 'AWS::StepFunctions::StateMachine':
        stateMachines[logicalId] = readStateMachine(context, logicalId, properties, resolve, where);
        break;
      case 'AWS::Events::Rule':
        rules[logicalId] = readRule(context, logicalId, properties, resolve, where);
        break;
      default:
        break;
    }
  }
  for (const logicalId of eventBridgeBuckets) {
    const bucket = buckets[logicalId];
    if (bucket) buckets[logicalId] = { ...bucket, eventBridgeEnabled: true };
  }

  return { buckets, tables, functions, stateMachines, rules };
}

/** A bucket's local name (unique), and whether it sends events to EventBridge (noted in `eventBridgeBuckets`). */
function readBucket(
  logicalId: string,
  properties: Record<string, unknown>,
  resolve: Resolve,
  where: string,
  bucketNames: Map<string, string>,
  eventBridgeBuckets: Set<string>,
): LocalBucket {
  const name = localBucketName(logicalId);
  const clash = bucketNames.get(name);
  if (clash) throw new TemplateResolutionError(`buckets ${clash} and ${logicalId} both map to local name "${name}"`);
  bucketNames.set(name, logicalId);
  const notification = properties.NotificationConfiguration as Record<string, unknown> | undefined;
  const eventBridge = notification?.EventBridgeConfiguration as Record<string, unknown> | undefined;
  if (eventBridge && resolve(eventBridge.EventBridgeEnabled ?? true, `${where}.NotificationConfiguration`) !== false) {
    eventBridgeBuckets.add(logicalId);
  }
  return { logicalId, name, eventBridgeEnabled: false };
}

/** "name", "arn:aws:lambda:r:a:function:name[:qualifier]" or "a:function:name[:qualifier]" → "name". */
export function functionNameFromReference(reference: string): string {
  const marker = 'function:';
  const at = reference.indexOf(marker);
  if (at < 0) return reference;
  return reference.slice(at + marker.length).split(':')[0];
}

/** Create every bucket and table of the template on the stand-ins (existing ones are kept, e.g. under keepStateDir). */
export async function createLocalResources(
  local: LocalTemplate,
  clients: { s3: S3Client; dynamodb: DynamoDBClient },
): Promise<void> {
  for (const bucket of Object.values(local.buckets)) {
    try {
      await clients.s3.send(new CreateBucketCommand({ Bucket: bucket.name }));
    } catch (error) {
      if (!hasErrorName(error, 'BucketAlreadyOwnedByYou') && !hasErrorName(error, 'BucketAlreadyExists')) throw error;
    }
  }
  for (const table of Object.values(local.tables)) {
    try {
      await clients.dynamodb.send(
        new CreateTableCommand({
          TableName: table.name,
          KeySchema: table.keySchema,
          AttributeDefinitions: table.attributeDefinitions,
          BillingMode: table.billingMode,
          ...(table.billingMode === 'PROVISIONED' ? { ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } } : {}),
          ...(table.globalSecondaryIndexes.length ? { GlobalSecondaryIndexes: table.globalSecondaryIndexes } : {}),
          ...(table.localSecondaryIndexes.length ? { LocalSecondaryIndexes: table.localSecondaryIndexes } : {}),
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException) && !hasErrorName(error, 'ResourceInUseException')) throw error;
    }
    await waitUntilActive(clients.dynamodb, table.name);
  }
}

/** A new table is CREATING for a moment even in the stand-in: the first write must not race it. */
export async function waitUntilActive(dynamodb: DynamoDBClient, tableName: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`table ${tableName} is still ${Table?.TableStatus ?? 'missing'} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ---------------------------------------------------------------------------------------------------------------------

interface ResolveContext {
  template: CloudFormationTemplate;
  resources: Record<string, CloudFormationResource>;
  region: string;
  accountId: string;
  stackName: string;
  parameters: Record<string, unknown>;
  conditionCache: Map<string, boolean>;
}

type Resolve = (value: unknown, where?: string) => unknown;

function readTable(logicalId: string, properties: Record<string, unknown>, resolve: Resolve, where: string): LocalTable {
  const keySchema = resolve(properties.KeySchema, `${where}.KeySchema`) as KeySchemaElement[] | undefined;
  const attributeDefinitions = resolve(properties.AttributeDefinitions, `${where}.AttributeDefinitions`) as AttributeDefinition[] | undefined;
  if (!Array.isArray(keySchema) || keySchema.length === 0) {
    throw new TemplateResolutionError(`${where}: KeySchema is missing`);
  }
  if (!Array.isArray(attributeDefinitions) || attributeDefinitions.length === 0) {
    throw new TemplateResolutionError(`${where}: AttributeDefinitions is missing`);
  }
  // CloudFormation's default for both table types is PROVISIONED; throughput numbers do not matter to dynalite.
  const billingMode = ((resolve(properties.BillingMode, `${where}.BillingMode`) as string | undefined) ?? 'PROVISIONED') as BillingMode;
  const indexes = (name: string) => ((resolve(properties[name], `${where}.${name}`) as Record<string, unknown>[] | undefined) ?? []);
  const globalSecondaryIndexes = indexes('GlobalSecondaryIndexes').map((index) => ({
    IndexName: index.IndexName as string,
    KeySchema: index.KeySchema as KeySchemaElement[],
    Projection: (index.Projection as GlobalSecondaryIndex['Projection']) ?? { ProjectionType: 'ALL' },
    ...(billingMode === 'PROVISIONED' ? { ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } } : {}),
  }));
  const localSecondaryIndexes = indexes('LocalSecondaryIndexes').map((index) => ({
    IndexName: index.IndexName as string,
    KeySchema: index.KeySchema as KeySchemaElement[],
    Projection: (index.Projection as LocalSecondaryIndex['Projection']) ?? { ProjectionType: 'ALL' },
  }));
  return { logicalId, name: logicalId, keySchema, attributeDefinitions, globalSecondaryIndexes, localSecondaryIndexes, billingMode };
}

function readFunction(
  context: ResolveContext,
  logicalId: string,
  properties: Record<string, unknown>,
  resolve: Resolve,
  where: string,
): LocalFunction {
  const environmentBlock = properties.Environment as { Variables?: unknown } | undefined;
  const variables = (resolve(environmentBlock?.Variables ?? {}, `${where}.Environment.Variables`) ?? {}) as Record<string, unknown>;
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(variables)) {
    if (value === undefined) continue;
    if (typeof value === 'object' && value !== null) {
      throw new TemplateResolutionError(`${where}: environment variable ${key} resolved to a non-scalar value`);
    }
    environment[key] = String(value);
  }
  const timeoutSeconds = Number(resolve(properties.Timeout ?? 3, `${where}.Timeout`));
  const memoryMb = Number(resolve(properties.MemorySize ?? 128, `${where}.MemorySize`));
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new TemplateResolutionError(`${where}: invalid Timeout`);
  if (!Number.isFinite(memoryMb) || memoryMb <= 0) throw new TemplateResolutionError(`${where}: invalid MemorySize`);
  return {
    logicalId,
    functionName: logicalId,
    arn: `arn:${PARTITION}:lambda:${context.region}:${context.accountId}:function:${logicalId}`,
    environment,
    timeoutSeconds,
    memoryMb,
    ...(environment.CLEARANCE_PHASE ? { phase: environment.CLEARANCE_PHASE } : {}),
  };
}

function readStateMachine(
  context: ResolveContext,
  logicalId: string,
  properties: Record<string, unknown>,
  resolve: Resolve,
  where: string,
): LocalStateMachine {
  let text: string;
  if (properties.DefinitionString !== undefined) {
    const resolved = resolve(properties.DefinitionString, `${where}.DefinitionString`);
    if (typeof resolved !== 'string') throw new TemplateResolutionError(`${where}: DefinitionString did not resolve to a string`);
    text = resolved;
  } else if (properties.Definition !== undefined) {
    text = JSON.stringify(resolve(properties.Definition, `${where}.Definition`));
  } else {
    throw new TemplateResolutionError(`${where}: only DefinitionString or Definition are supported (not DefinitionS3Location)`);
  }
  const substitutions = resolve(properties.DefinitionSubstitutions ?? {}, `${where}.DefinitionSubstitutions`) as Record<string, unknown>;
  // Plain text replacement, as CloudFormation does it.
  text = text.replace(/\$\{([^}]+)\}/g, (whole, key: string) => (key in substitutions ? String(substitutions[key]) : whole));
  let definition: Record<string, unknown>;
  try {
    definition = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new TemplateResolutionError(`${where}: resolved definition is not valid JSON (${(error as Error).message})`);
  }
  const type = (resolve(properties.StateMachineType ?? 'STANDARD', `${where}.StateMachineType`) as string) === 'EXPRESS' ? 'EXPRESS' : 'STANDARD';
  return {
    logicalId,
    name: logicalId,
    arn: `arn:${PARTITION}:states:${context.region}:${context.accountId}:stateMachine:${logicalId}`,
    type,
    definition,
  };
}

function readRule(
  context: ResolveContext,
  logicalId: string,
  properties: Record<string, unknown>,
  resolve: Resolve,
  where: string,
): LocalRule {
  const state = (resolve(properties.State ?? 'ENABLED', `${where}.State`) as string) ?? 'ENABLED';
  const rawPattern = resolve(properties.EventPattern, `${where}.EventPattern`);
  const eventPattern = typeof rawPattern === 'string' ? (JSON.parse(rawPattern) as Record<string, unknown>) : (rawPattern as Record<string, unknown> | undefined);
  const stateMachineArns = new Map<string, string>();
  for (const [id, resource] of Object.entries(context.resources)) {
    if (resource.Type === 'AWS::StepFunctions::StateMachine') {
      stateMachineArns.set(`arn:${PARTITION}:states:${context.region}:${context.accountId}:stateMachine:${id}`, id);
    }
  }
  const targets = ((properties.Targets as Record<string, unknown>[] | undefined) ?? []).map((target, index) => {
    const arn = resolve(target.Arn, `${where}.Targets[${index}].Arn`) as string;
    const inputText = target.Input === undefined ? undefined : (resolve(target.Input, `${where}.Targets[${index}].Input`) as string);
    const inputPath = target.InputPath === undefined ? undefined : (resolve(target.InputPath, `${where}.Targets[${index}].InputPath`) as string);
    if (target.InputTransformer !== undefined) {
      throw new TemplateResolutionError(`${where}.Targets[${index}]: InputTransformer is not supported by the local event bridge`);
    }
    const stateMachineLogicalId = stateMachineArns.get(arn);
    return {
      id: String(resolve(target.Id ?? `Target${index}`)),
      arn,
      ...(stateMachineLogicalId ? { stateMachineLogicalId } : {}),
      ...(inputText !== undefined ? { input: JSON.parse(inputText) as unknown } : {}),
      ...(inputPath !== undefined ? { inputPath } : {}),
    };
  });
  return {
    logicalId,
    name: (resolve(properties.Name, `${where}.Name`) as string | undefined) ?? logicalId,
    enabled: state === 'ENABLED',
    ...(eventPattern ? { eventPattern } : {}),
    targets,
  };
}

function isResourceIncluded(context: ResolveContext, logicalId: string, resource: CloudFormationResource): boolean {
  return resource.Condition === undefined || evaluateCondition(context, resource.Condition, `${logicalId}.Condition`);
}

function evaluateCondition(context: ResolveContext, name: string, where: string): boolean {
  const cached = context.conditionCache.get(name);
  if (cached !== undefined) return cached;
  const definition = context.template.Conditions?.[name];
  if (definition === undefined) throw new TemplateResolutionError(`${where}: unknown condition ${name}`);
  const value = resolveValue(context, definition, `Conditions.${name}`);
  if (typeof value !== 'boolean') throw new TemplateResolutionError(`Conditions.${name} did not evaluate to a boolean`);
  context.conditionCache.set(name, value);
  return value;
}

function pseudoParameter(context: ResolveContext, name: string): unknown {
  switch (name) {
    case 'AWS::Region':
      return context.region;
    case 'AWS::AccountId':
      return context.accountId;
    case 'AWS::Partition':
      return PARTITION;
    case 'AWS::URLSuffix':
      return URL_SUFFIX;
    case 'AWS::StackName':
      return context.stackName;
    case 'AWS::StackId':
      return `arn:${PARTITION}:cloudformation:${context.region}:${context.accountId}:stack/${context.stackName}/00000000-0000-0000-0000-000000000000`;
    case 'AWS::NotificationARNs':
      return [];
    case 'AWS::NoValue':
      return NO_VALUE;
    default:
      return undefined;
  }
}

function resolveRef(context: ResolveContext, name: string, where: string): unknown {
  if (name.startsWith('AWS::')) {
    const value = pseudoParameter(context, name);
    if (value === undefined) throw new TemplateResolutionError(`${where}: unsupported pseudo parameter ${name}`);
    return value;
  }
  const parameter = context.template.Parameters?.[name];
  if (parameter) {
    if (name in context.parameters) return context.parameters[name];
    if (parameter.Type?.startsWith('AWS::SSM::Parameter::')) {
      throw new TemplateResolutionError(`${where}: parameter ${name} is read from SSM; pass a value in options.parameters`);
    }
    if (parameter.Default === undefined) throw new TemplateResolutionError(`${where}: parameter ${name} has no Default; pass a value`);
    return parameter.Default;
  }
  const resource = context.resources[name];
  if (!resource) throw new TemplateResolutionError(`${where}: Ref to unknown logical ID ${name}`);
  const { region, accountId } = context;
  switch (resource.Type) {
    case 'AWS::S3::Bucket':
      return localBucketName(name);
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable':
    case 'AWS::Lambda::Function':
    case 'AWS::IAM::Role':
    case 'AWS::IAM::ManagedPolicy':
    case 'AWS::Logs::LogGroup':
    case 'AWS::Events::Rule':
    case 'AWS::SSM::Parameter':
      return name;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:${PARTITION}:states:${region}:${accountId}:stateMachine:${name}`;
    case 'AWS::Lambda::Version':
      // A published version's ARN; locally every version runs the function's current code (findFunction drops the qualifier).
      return `${functionArnOf(context, resource, name, where)}:1`;
    case 'AWS::KMS::Key':
      return localKeyId(name);
    case 'AWS::KMS::Alias':
      return `alias/${name}`;
    case 'AWS::SNS::Topic':
      return `arn:${PARTITION}:sns:${region}:${accountId}:${name}`;
    case 'AWS::SQS::Queue':
      return `https://sqs.${region}.${URL_SUFFIX}/${accountId}/${name}`;
    default:
      throw new TemplateResolutionError(`${where}: cannot resolve Ref to ${name} of type ${resource.Type} locally`);
  }
}

function resolveGetAtt(context: ResolveContext, name: string, attribute: string, where: string): unknown {
  const resource = context.resources[name];
  if (!resource) throw new TemplateResolutionError(`${where}: Fn::GetAtt of unknown logical ID ${name}`);
  const { region, accountId } = context;
  const unsupported = () =>
    new TemplateResolutionError(`${where}: cannot resolve Fn::GetAtt ${name}.${attribute} (${resource.Type}) locally`);
  switch (resource.Type) {
    case 'AWS::S3::Bucket': {
      const bucket = localBucketName(name);
      const attributes: Record<string, string> = {
        Arn: `arn:${PARTITION}:s3:::${bucket}`,
        DomainName: `${bucket}.s3.${URL_SUFFIX}`,
        RegionalDomainName: `${bucket}.s3.${region}.${URL_SUFFIX}`,
        DualStackDomainName: `${bucket}.s3.dualstack.${region}.${URL_SUFFIX}`,
        WebsiteURL: `http://${bucket}.s3-website-${region}.${URL_SUFFIX}`,
      };
      if (attribute in attributes) return attributes[attribute];
      throw unsupported();
    }
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable':
      if (attribute === 'Arn') return `arn:${PARTITION}:dynamodb:${region}:${accountId}:table/${name}`;
      if (attribute === 'StreamArn') return `arn:${PARTITION}:dynamodb:${region}:${accountId}:table/${name}/stream/local`;
      throw unsupported();
    case 'AWS::Lambda::Function':
      if (attribute === 'Arn') return `arn:${PARTITION}:lambda:${region}:${accountId}:function:${name}`;
      throw unsupported();
    case 'AWS::Lambda::Version':
      if (attribute === 'Version') return '1';
      if (attribute === 'FunctionArn') return functionArnOf(context, resource, name, where);
      throw unsupported();
    case 'AWS::StepFunctions::StateMachine':
      if (attribute === 'Arn') return `arn:${PARTITION}:states:${region}:${accountId}:stateMachine:${name}`;
      if (attribute === 'Name') return name;
      throw unsupported();
    case 'AWS::IAM::Role':
      if (attribute === 'Arn') return `arn:${PARTITION}:iam::${accountId}:role/${name}`;
      if (attribute === 'RoleId') return `AROA${name.toUpperCase().slice(0, 17)}`;
      throw unsupported();
    case 'AWS::KMS::Key':
      if (attribute === 'Arn') return `arn:${PARTITION}:kms:${region}:${accountId}:key/${localKeyId(name)}`;
      if (attribute === 'KeyId') return localKeyId(name);
      throw unsupported();
    case 'AWS::Logs::LogGroup':
      if (attribute === 'Arn') return `arn:${PARTITION}:logs:${region}:${accountId}:log-group:${name}:*`;
      throw unsupported();
    case 'AWS::Events::Rule':
      if (attribute === 'Arn') return `arn:${PARTITION}:events:${region}:${accountId}:rule/${name}`;
      throw unsupported();
    case 'AWS::SNS::Topic':
      if (attribute === 'TopicArn') return `arn:${PARTITION}:sns:${region}:${accountId}:${name}`;
      if (attribute === 'TopicName') return name;
      throw unsupported();
    case 'AWS::SQS::Queue':
      if (attribute === 'Arn') return `arn:${PARTITION}:sqs:${region}:${accountId}:${name}`;
      if (attribute === 'QueueName') return name;
      if (attribute === 'QueueUrl') return `https://sqs.${region}.${URL_SUFFIX}/${accountId}/${name}`;
      throw unsupported();
    default:
      throw unsupported();
  }
}

/** The unqualified ARN of the function a version (or alias) belongs to, from its FunctionName. */
function functionArnOf(context: ResolveContext, resource: CloudFormationResource, name: string, where: string): string {
  const functionName = resolveValue(context, resource.Properties?.FunctionName, `${where} (${name}.FunctionName)`);
  if (typeof functionName !== 'string' || functionName === '') throw new TemplateResolutionError(`${where}: ${name} has no FunctionName`);
  const unqualified = functionName.startsWith('arn:') ? functionName : `arn:${PARTITION}:lambda:${context.region}:${context.accountId}:function:${functionName}`;
  return unqualified;
}

/** A stable, UUID-shaped key ID per logical ID. */
function localKeyId(logicalId: string): string {
  const hex = Buffer.from(logicalId).toString('hex').padEnd(32, '0').slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function resolveValue(context: ResolveContext, value: unknown, where: string): unknown {
  if (Array.isArray(value)) {
    return value.map((item, index) => resolveValue(context, item, `${where}[${index}]`)).filter((item) => item !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [key, argument] = entries[0];
    if (key === 'Ref' || key.startsWith('Fn::') || key === 'Condition') {
      return resolveIntrinsic(context, key, argument, where);
    }
  }
  const result: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const resolved = resolveValue(context, item, `${where}.${key}`);
    if (resolved !== NO_VALUE) result[key] = resolved;
  }
  return result;
}

function resolveIntrinsic(context: ResolveContext, name: string, argument: unknown, where: string): unknown {
  const at = `${where} (${name})`;
  const resolveArg = (value: unknown) => resolveValue(context, value, at);
  switch (name) {
    case 'Ref':
      return resolveRef(context, String(argument), at);
    case 'Condition':
      return evaluateCondition(context, String(argument), at);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(argument)
        ? [String(argument[0]), String(resolveArg(argument[1]))]
        : splitOnce(String(argument), '.');
      return resolveGetAtt(context, logicalId, attribute, at);
    }
    case 'Fn::Join': {
      const [separator, items] = argument as [string, unknown];
      const list = resolveArg(items);
      if (!Array.isArray(list)) throw new TemplateResolutionError(`${at}: list did not resolve to an array`);
      return list.map((item) => scalarToString(item, at)).join(separator);
    }
    case 'Fn::Sub':
      return resolveSub(context, argument, at);
    case 'Fn::Select':
      return resolveSelect(context, argument, at);
    case 'Fn::Split': {
      const [separator, source] = argument as [string, unknown];
      return scalarToString(resolveArg(source), at).split(separator);
    }
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = argument as [string, unknown, unknown];
      return evaluateCondition(context, condition, at) ? resolveArg(whenTrue) : resolveArg(whenFalse);
    }
    case 'Fn::Equals': {
      const [left, right] = (argument as unknown[]).map(resolveArg);
      return JSON.stringify(left) === JSON.stringify(right);
    }
    case 'Fn::Not':
      return !(resolveArg((argument as unknown[])[0]) as boolean);
    case 'Fn::And':
      return (argument as unknown[]).every((item) => resolveArg(item) === true);
    case 'Fn::Or':
      return (argument as unknown[]).some((item) => resolveArg(item) === true);
    case 'Fn::Contains': {
      const [list, item] = (argument as unknown[]).map(resolveArg);
      return Array.isArray(list) && list.some((candidate) => JSON.stringify(candidate) === JSON.stringify(item));
    }
    case 'Fn::FindInMap': {
      const [mapName, topKey, secondKey] = (argument as unknown[]).map((item) => String(resolveArg(item)));
      const found = context.template.Mappings?.[mapName]?.[topKey]?.[secondKey];
      if (found === undefined) throw new TemplateResolutionError(`${at}: no mapping ${mapName}.${topKey}.${secondKey}`);
      return found;
    }
    case 'Fn::GetAZs':
      return ['a', 'b', 'c'].map((zone) => `${context.region}${zone}`);
    case 'Fn::Base64':
      return Buffer.from(scalarToString(resolveArg(argument), at)).toString('base64');
    case 'Fn::ToJsonString':
      return JSON.stringify(resolveArg(argument));
    case 'Fn::Length': {
      const list = resolveArg(argument);
      if (!Array.isArray(list)) throw new TemplateResolutionError(`${at}: Fn::Length needs a list`);
      return list.length;
    }
    default:
      throw new TemplateResolutionError(`${at}: intrinsic ${name} is not supported locally`);
  }
}

/** Fn::Sub: `${Name}` (a variable, a Ref or a pseudo parameter), `${Id.Attribute}` (a GetAtt), `${!Literal}`. */
function resolveSub(context: ResolveContext, argument: unknown, at: string): string {
  const [text, variables] = Array.isArray(argument) ? [argument[0] as string, argument[1] as Record<string, unknown>] : [argument as string, {}];
  const resolvedVariables = resolveValue(context, variables ?? {}, at) as Record<string, unknown>;
  return text.replace(/\$\{([^}]*)\}/g, (_whole, expression: string) => {
    if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
    if (expression in resolvedVariables) return scalarToString(resolvedVariables[expression], at);
    if (expression.includes('.') && !expression.startsWith('AWS::')) {
      const [logicalId, attribute] = splitOnce(expression, '.');
      return scalarToString(resolveGetAtt(context, logicalId, attribute, at), at);
    }
    return scalarToString(resolveRef(context, expression, at), at);
  });
}

function resolveSelect(context: ResolveContext, argument: unknown, at: string): unknown {
  const [indexValue, listValue] = argument as [unknown, unknown];
  const index = Number(resolveValue(context, indexValue, at));
  const list = resolveValue(context, listValue, at);
  if (!Array.isArray(list) || !Number.isInteger(index) || index < 0 || index >= list.length) {
    throw new TemplateResolutionError(`${at}: index ${index} out of range`);
  }
  return list[index];
}

function scalarToString(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateResolutionError(`${where}: expected a string, got ${JSON.stringify(value)}`);
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  if (at < 0) throw new TemplateResolutionError(`"${text}" has no "${separator}"`);
  return [text.slice(0, at), text.slice(at + 1)];
}
