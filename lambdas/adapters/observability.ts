/**
 * Logger, Metrics and Tracer (Powertools), created once per container, and the wrapper every handler runs in.
 * Logs are structured JSON with the run id, phase, counts and durations only: events, rows and anything that could
 * hold personal data are never logged. Outside Lambda (tests, the local runtime) the Tracer is off by itself and
 * metrics are off unless POWERTOOLS_METRICS_DISABLED=false asks for them, so nothing floods stdout.
 */
import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../domain/defaults';

/** The service and namespace of this function: its environment's (set by lib/clearance-function.ts), else the defaults. */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME || SERVICE_NAME;
const metricsNamespace = process.env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE;

export const logger = new Logger({ serviceName });

/** What the handlers use of the Tracer. */
export type HandlerTracer = Pick<
  Tracer,
  'isTracingEnabled' | 'getSegment' | 'setSegment' | 'annotateColdStart' | 'addServiceNameAnnotation' | 'putAnnotation' | 'captureAWSv3Client'
>;

/** The Powertools Tracer: it decides from its own settings (e.g. POWERTOOLS_TRACE_ENABLED) and is off outside Lambda. */
export function createTracer(): HandlerTracer {
  return new Tracer({ serviceName });
}

export const tracer: HandlerTracer = createTracer();
/** Powertools adds the `service` dimension (record-clearance) to every metric. */
export const metrics = new Metrics({ namespace: metricsNamespace, serviceName });

/**
 * Metrics are published when POWERTOOLS_METRICS_DISABLED is false, or when it is unset and this is a real Lambda
 * (AWS_EXECUTION_ENV=AWS_Lambda_...) not in POWERTOOLS_DEV mode.
 */
export function metricsEnabledFor(env: NodeJS.ProcessEnv): boolean {
  const flag = env.POWERTOOLS_METRICS_DISABLED?.trim().toLowerCase();
  if (flag !== undefined && flag !== '') return !['1', 'true', 'on', 'yes', 'y'].includes(flag);
  const dev = env.POWERTOOLS_DEV?.trim().toLowerCase();
  if (dev === 'true' || dev === '1') return false;
  return (env.AWS_EXECUTION_ENV ?? '').startsWith('AWS_Lambda_');
}

export const metricsEnabled = metricsEnabledFor(process.env);

/** Row counts per range/partition; StaleRuns (watch-runs) and RunsReconciled (reconcile) for the operations alarms. */
export type RunMetric = 'RowsRead' | 'RowsClassified' | 'RowsRejected' | 'StaleRuns' | 'RunsReconciled';

export function addCount(metric: RunMetric, value: number): void {
  if (metricsEnabled) metrics.addMetric(metric, MetricUnit.Count, value);
}

/** Every deployed handler, as the `phase` key of its log lines. */
export type HandlerName = 'plan' | 'split' | 'classify' | 'compare' | 'assemble' | 'mark-failed' | 'reconcile' | 'watch-runs' | 'finalize' | 'rollup';

/** What a handler gets besides its event. */
export interface Invocation {
  /** Milliseconds left before Lambda stops this invocation (15 minutes when unknown). */
  remainingMs(): number;
  /** Adds keys (run id, range, partition: never personal data) to this invocation's logs and trace. */
  tag(keys: Record<string, string | number>): void;
}

const UNKNOWN_REMAINING_MS = 15 * 60 * 1000;

/**
 * A Lambda handler running `handle` with the logger's Lambda context, an X-Ray subsegment, one log line at the end
 * (duration and the small result, or the error's name and message) and the metrics flushed. Errors are rethrown
 * unchanged: their `name` is what Step Functions' Retry and Catch match. Keys appended during an invocation (runId,
 * ...) are reset after it; Lambda runs one invocation at a time per container.
 */
export function instrumented<TResult>(
  phase: HandlerName,
  handle: (event: unknown, invocation: Invocation) => Promise<TResult>,
): (event: unknown, context?: Context) => Promise<TResult> {
  return async (event, context) => {
    const started = Date.now();
    if (context !== undefined) logger.addContext(context);
    logger.appendKeys({ phase });
    const parent = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
    const segment = parent?.addNewSubsegment(`## ${phase}`);
    if (segment !== undefined) {
      tracer.setSegment(segment);
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
    }
    // Kept here as well as in the logger's keys, so the closing line is right even when invocations overlap in one
    // process (tests, the local runtime): the logger's keys are shared.
    const tags: Record<string, string | number> = { phase };
    const invocation: Invocation = {
      remainingMs: () => (typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : UNKNOWN_REMAINING_MS),
      tag: (keys) => {
        Object.assign(tags, keys);
        logger.appendKeys(keys);
        if (segment !== undefined) for (const [key, value] of Object.entries(keys)) tracer.putAnnotation(key, value);
      },
    };
    try {
      const result = await handle(event, invocation);
      logger.info(`${phase} finished`, { ...tags, durationMs: Date.now() - started, result: result as unknown as Record<string, unknown> });
      return result;
    } catch (error) {
      const { name, message } = describeError(error);
      logger.error(`${phase} failed`, { ...tags, durationMs: Date.now() - started, errorName: name, errorMessage: message });
      segment?.addError(error as Error);
      throw error;
    } finally {
      segment?.close();
      if (parent !== undefined) tracer.setSegment(parent);
      if (metricsEnabled && metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}

/** Name and message of anything thrown. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name || 'Error', message: error.message };
  if (error !== null && typeof error === 'object') {
    const { name, message } = error as { name?: unknown; message?: unknown };
    return { name: typeof name === 'string' ? name : 'Error', message: typeof message === 'string' ? message : String(error) };
  }
  return { name: 'Error', message: String(error) };
}
