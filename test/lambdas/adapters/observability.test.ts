import { Tracer } from '@aws-lambda-powertools/tracer';
import { createTracer, metricsEnabledFor } from '../../../lambdas/adapters/observability';

describe('metrics switch', () => {
  it('publishes in Lambda and stays quiet elsewhere unless asked', () => {
    expect(metricsEnabledFor({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' })).toBe(true);
    expect(metricsEnabledFor({})).toBe(false);
    expect(metricsEnabledFor({ AWS_LAMBDA_FUNCTION_NAME: 'local-plan' })).toBe(false);
    expect(metricsEnabledFor({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', POWERTOOLS_DEV: 'true' })).toBe(false);
  });

  it('honours POWERTOOLS_METRICS_DISABLED either way', () => {
    expect(metricsEnabledFor({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', POWERTOOLS_METRICS_DISABLED: 'true' })).toBe(false);
    expect(metricsEnabledFor({ POWERTOOLS_METRICS_DISABLED: 'false' })).toBe(true);
    expect(metricsEnabledFor({ POWERTOOLS_METRICS_DISABLED: '1' })).toBe(false);
  });
});

describe('tracer', () => {
  it('is the Powertools Tracer, off outside Lambda: clients are left as they are', () => {
    const tracer = createTracer();
    expect(tracer).toBeInstanceOf(Tracer);
    expect(tracer.isTracingEnabled()).toBe(false);
    const client = { send: () => undefined };
    expect(tracer.captureAWSv3Client(client as never)).toBe(client);
  });
});
