#!/usr/bin/env node
// CDK app entry: reads context and environment once, builds the stack, runs cdk-nag on it.
import { App, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ClearanceStack } from '../lib/clearance-stack';
import { DEFAULT_STACK_NAME } from '../lambdas/domain/defaults';

/** Used only when neither context nor the CLI's environment names them, so that offline synth works. */
const PLACEHOLDER_ACCOUNT = '123456789012';
const PLACEHOLDER_REGION = 'us-west-2';

const app = new App();

function stringContext(key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new Error(`context ${key} must be a string, got ${JSON.stringify(value)}`);
  }
  return String(value);
}

function numberContext(key: string): number | undefined {
  const text = stringContext(key);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`context ${key} must be a number, got ${JSON.stringify(text)}`);
  return value;
}

function daysContext(key: string): Duration | undefined {
  const days = numberContext(key);
  return days === undefined ? undefined : Duration.days(days);
}

function removalPolicyContext(key: string): RemovalPolicy | undefined {
  const text = stringContext(key);
  if (text === undefined) return undefined;
  if (text === 'retain') return RemovalPolicy.RETAIN;
  if (text === 'destroy') return RemovalPolicy.DESTROY;
  throw new Error(`context ${key} must be retain or destroy, got ${JSON.stringify(text)}`);
}

function flagContext(key: string): boolean | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`context ${key} must be true or false, got ${JSON.stringify(value)}`);
}

// Explicit context wins over the CLI's credentials-derived defaults.
const account = stringContext('account') ?? process.env.CDK_DEFAULT_ACCOUNT ?? PLACEHOLDER_ACCOUNT;
const region = stringContext('region') ?? process.env.CDK_DEFAULT_REGION ?? PLACEHOLDER_REGION;
const removalPolicy = removalPolicyContext('removalPolicy');
const alarmEmails = stringContext('alarmEmail')
  ?.split(',')
  .map((email) => email.trim())
  .filter((email) => email !== '');

new ClearanceStack(app, stringContext('stackName') ?? DEFAULT_STACK_NAME, {
  env: { account, region },
  description: 'record-clearance: Prop 64 record clearance workflow (S3, Step Functions, Lambda, DynamoDB)',
  storage: {
    rawRetention: daysContext('rawRetentionDays'),
    workRetention: daysContext('workRetentionDays'),
    resultsRetention: daysContext('resultsRetentionDays'),
    reportsRetention: daysContext('reportsRetentionDays'),
    counties: stringContext('counties')
      ?.split(',')
      .map((county) => county.trim())
      .filter((county) => county !== ''),
    removalPolicy,
  },
  workflow: {
    splitConcurrency: numberContext('splitConcurrency'),
    classifyConcurrency: numberContext('classifyConcurrency'),
    failureTolerancePercent: numberContext('failureTolerancePercent'),
    maxPartitions: numberContext('maxPartitions'),
    targetRangeBytes: numberContext('targetRangeBytes'),
    maxRejectRatio: numberContext('maxRejectRatio'),
    excelSafe: flagContext('excelSafe'),
    logRemovalPolicy: removalPolicy,
  },
  monitoring: {
    rejectRatioAlarmThreshold: numberContext('rejectRatioAlarmThreshold'),
    alarmEmails,
  },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
