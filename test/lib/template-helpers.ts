/**
 * Helpers for the CDK tests: synthesize the stack without bundling, resolve the intrinsics of the
 * template into plain values (the state machine definition, ARNs), and evaluate IAM policies.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { ClearanceStack, ClearanceStackProps } from '../../lib/clearance-stack';

export const TEST_ENV = { account: '123456789012', region: 'us-west-2' };

/** cdk.json's context (feature flags) plus no bundling, so tests match `cdk synth` but stay fast. */
export function testContext(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...overrides };
}

export function testApp(contextOverrides: Record<string, unknown> = {}): App {
  return new App({ context: testContext(contextOverrides) });
}

export interface SynthesizedStack {
  readonly stack: ClearanceStack;
  readonly template: Template;
  readonly json: CfnTemplate;
}

export function synthStack(props: Omit<ClearanceStackProps, 'env'> = {}, app: App = testApp()): SynthesizedStack {
  const stack = new ClearanceStack(app, 'Test', { env: TEST_ENV, ...props });
  const template = Template.fromStack(stack);
  return { stack, template, json: template.toJSON() as CfnTemplate };
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string[];
}
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown }>;
}

export function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(element);
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': TEST_ENV.region,
  'AWS::AccountId': TEST_ENV.account,
  'AWS::URLSuffix': 'amazonaws.com',
};

/**
 * Resolves Fn::Join, Ref and Fn::GetAtt into strings: a Ref becomes `${LogicalId}`, an attribute
 * `${LogicalId.Attr}`, pseudo parameters their test values. Anything else is returned as is.
 */
export function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  if ('Fn::Join' in object) {
    const [delimiter, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => resolveString(part)).join(delimiter);
  }
  if ('Ref' in object) {
    const ref = object.Ref as string;
    return PSEUDO_PARAMETERS[ref] ?? `\${${ref}}`;
  }
  if ('Fn::GetAtt' in object) {
    const [id, attribute] = object['Fn::GetAtt'] as [string, string];
    return `\${${id}.${attribute}}`;
  }
  if ('Fn::Select' in object) {
    const [index, list] = object['Fn::Select'] as [number, unknown];
    const resolvedList = resolve(list);
    return Array.isArray(resolvedList) ? resolvedList[index] : `\${Select(${index},${String(resolvedList)})}`;
  }
  if ('Fn::Split' in object) {
    // Splitting a placeholder (e.g. the ARN behind a Ref) cannot be done here: keep it symbolic.
    const [delimiter, source] = object['Fn::Split'] as [string, unknown];
    return `Split(${JSON.stringify(delimiter)},${resolveString(source)})`;
  }
  return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, resolve(inner)]));
}

export function resolveString(value: unknown): string {
  const resolved = resolve(value);
  if (typeof resolved !== 'string') throw new Error(`expected a string after resolving, got ${JSON.stringify(resolved)}`);
  return resolved;
}

/** The logical ID of the one AWS::Lambda::Version of a function (its ID carries a hash of the code, known after synth). */
export function versionLogicalId(json: CfnTemplate, fn: IConstruct): string {
  const functionId = logicalId(fn);
  const ids = Object.entries(json.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Version' && (r.Properties?.FunctionName as { Ref?: string } | undefined)?.Ref === functionId)
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one version of ${functionId}, found ${ids.length}`);
  return ids[0];
}

/** The ARN of a resource as `resolve` renders it. */
export function arnOf(construct: IConstruct): string {
  return `\${${logicalId(construct)}.Arn}`;
}

// ---- Amazon States Language ------------------------------------------------------------------

export interface AslState {
  readonly Type: string;
  readonly [key: string]: unknown;
}
export interface AslGraph {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
  readonly [key: string]: unknown;
}

/**
 * A state machine's definition as a parsed ASL object (never compared as a string): by default the workflow's
 * (logical ID `WorkflowStateMachine...`), else the one whose logical ID starts with `logicalIdPrefix`.
 */
export function stateMachineDefinition(json: CfnTemplate, logicalIdPrefix = 'WorkflowStateMachine'): AslGraph {
  const machines = Object.entries(json.Resources).filter(([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && id.startsWith(logicalIdPrefix));
  if (machines.length !== 1) throw new Error(`expected one state machine ${logicalIdPrefix}*, found ${machines.length}`);
  return JSON.parse(resolveString(machines[0][1].Properties?.DefinitionString)) as AslGraph;
}

/** Every state of the graph, including those inside map item processors, by name. */
export function allStates(graph: AslGraph): Map<string, AslState> {
  const states = new Map<string, AslState>();
  const visit = (g: AslGraph): void => {
    for (const [name, state] of Object.entries(g.States)) {
      states.set(name, state);
      const processor = (state.ItemProcessor ?? state.Iterator) as AslGraph | undefined;
      if (processor) visit(processor);
    }
  };
  visit(graph);
  return states;
}

/** Follows Next from StartAt until a state without Next: the happy path. */
export function mainChain(graph: AslGraph, choose: (name: string, state: AslState) => string | undefined = () => undefined): string[] {
  const chain: string[] = [];
  let current: string | undefined = graph.StartAt;
  while (current !== undefined) {
    if (chain.includes(current)) throw new Error(`loop at ${current}`);
    chain.push(current);
    const state: AslState = graph.States[current];
    if (!state) throw new Error(`state ${current} is not defined`);
    current = state.Type === 'Choice' ? choose(current, state) : (state.Next as string | undefined);
  }
  return chain;
}

/** All keys used anywhere in a JSON value (to find forbidden fields such as QueryLanguage). */
export function allKeys(value: unknown, keys = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((inner) => allKeys(inner, keys));
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      keys.add(key);
      allKeys(inner, keys);
    }
  }
  return keys;
}

// ---- IAM -------------------------------------------------------------------------------------

export interface Statement {
  readonly effect: string;
  readonly actions: string[];
  readonly resources: string[];
  readonly condition?: unknown;
}

/**
 * One spelling per ARN: `${Id.Arn}` (Fn::GetAtt) and the formatted `arn:aws:s3:::${Id}` (from a Ref)
 * name the same resource, so policy resources are rewritten to the formatted form before matching.
 */
const ARN_FORMATS: Record<string, (id: string) => string> = {
  'AWS::S3::Bucket': (id) => `arn:aws:s3:::\${${id}}`,
  'AWS::DynamoDB::Table': (id) => `arn:aws:dynamodb:${TEST_ENV.region}:${TEST_ENV.account}:table/\${${id}}`,
  'AWS::Lambda::Function': (id) => `arn:aws:lambda:${TEST_ENV.region}:${TEST_ENV.account}:function:\${${id}}`,
  'AWS::KMS::Key': (id) => `arn:aws:kms:${TEST_ENV.region}:${TEST_ENV.account}:key/\${${id}}`,
  'AWS::Logs::LogGroup': (id) => `arn:aws:logs:${TEST_ENV.region}:${TEST_ENV.account}:log-group:\${${id}}:*`,
};

export function canonicalArns(json: CfnTemplate, value: string): string {
  return value.replace(/\$\{([A-Za-z0-9]+)\.Arn\}/g, (whole, id: string) => {
    const format = ARN_FORMATS[json.Resources[id]?.Type];
    return format ? format(id) : whole;
  });
}

/** The ARN of a bucket, table, function, key or log group in the canonical form policies are matched in. */
export function canonicalArnOf(json: CfnTemplate, construct: IConstruct): string {
  return canonicalArns(json, arnOf(construct));
}

/** Every statement of the identity policies attached to a role (AWS::IAM::Policy and inline ones). */
export function roleStatements(json: CfnTemplate, roleLogicalId: string): Statement[] {
  const documents: unknown[] = [];
  const role = json.Resources[roleLogicalId];
  if (!role || role.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not a role`);
  for (const inline of (role.Properties?.Policies as { PolicyDocument: unknown }[] | undefined) ?? []) {
    documents.push(inline.PolicyDocument);
  }
  for (const resource of Object.values(json.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const roles = (resource.Properties?.Roles as unknown[] | undefined) ?? [];
    if (roles.some((r) => resolve(r) === `\${${roleLogicalId}}`)) documents.push(resource.Properties?.PolicyDocument);
  }
  return documents.flatMap((document) =>
    ((document as { Statement: Record<string, unknown>[] }).Statement ?? []).map((s) => ({
      effect: s.Effect as string,
      actions: toArray(s.Action) as string[],
      resources: toArray(s.Resource).map((r) => canonicalArns(json, resolveString(r))),
      condition: s.Condition,
    })),
  );
}

export function roleLogicalIds(json: CfnTemplate): string[] {
  return Object.entries(json.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::IAM::Role')
    .map(([id]) => id);
}

/** Whether an Allow statement (conditions ignored, so this over-approximates) grants action on resource. */
export function allows(statements: Statement[], action: string, resource: string): boolean {
  return statements.some(
    (s) =>
      s.effect === 'Allow' &&
      s.actions.some((pattern) => globMatches(pattern, action, true)) &&
      s.resources.some((pattern) => globMatches(pattern, resource, false)),
  );
}

function globMatches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

function toArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}
