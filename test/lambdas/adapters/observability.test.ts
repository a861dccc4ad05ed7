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
  it('is a no-op outside Lambda, where Powertools would never enable it', () => {
    const tracer = createTracer({});
    expect(tracer.isTracingEnabled()).toBe(false);
    expect(tracer.getSegment()).toBeUndefined();
    const client = { send: () => undefined };
    expect(tracer.captureAWSv3Client(client)).toBe(client);
  });

  it('is the Powertools Tracer in Lambda', () => {
    expect(createTracer({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' })).toBeInstanceOf(Tracer);
  });
});
